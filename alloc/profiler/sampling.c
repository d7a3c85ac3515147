/*
 * alloc/profiler/sampling.c - the profiler's random draws: xorshift64* and
 * the geometric gaps of the sampling countdown and of the latency countdowns
 * (include/ccmem/ profiler.h, Sampling and Latency).
 */
#include <math.h>
#include <stdint.h>

#include "profiler_internal.h"

static inline uint64_t rng_next(uint64_t *s)
{
	/* xorshift64* */
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1Dull;
}

/* Allocations until the next sampled one: geometric on {1, 2, ...} with
 * parameter p, so every allocation is sampled with probability exactly p,
 * independently of the others.  G = 1 + floor(ln U / ln(1 - p)), U in (0, 1]. */
int64_t cc__pf_geometric(uint64_t *rng, double inv_log1mp)
{
	if (inv_log1mp == 0.0)
		return 1;
	double u = (double)((rng_next(rng) >> 11) + 1) * 0x1.0p-53;
	double g = floor(log(u) * inv_log1mp);
	if (!(g < 4e18))
		return INT64_MAX / 2;
	return 1 + (int64_t)g;
}

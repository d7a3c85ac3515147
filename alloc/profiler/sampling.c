/*
 * alloc/profiler/sampling.c - the profiler's random draws: xorshift64* and
 * the geometric gaps of the sampling countdown and of the latency countdowns
 * (include/ccmem/ profiler.h, Sampling and Latency).
 */
#include <stdint.h>
#include <string.h>

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

/* ln u for u in (0, 1], to about 1e-15 relative, in a few dozen
 * instructions (libm's log costs about twice that, and its call): u = m 2^e
 * with m in [sqrt(1/2), sqrt(2)), ln m = 2 atanh(t) with t = (m - 1) / (m + 1),
 * |t| < 0.172, summed to t^17 (the first term left out is below 3e-15 of
 * the sum). */
static inline double ln_unit(double u)
{
	uint64_t bits;
	memcpy(&bits, &u, sizeof bits);
	int e = (int)(bits >> 52) - 1023; /* u > 0 and normal: the sign bit is 0 */
	bits = (bits & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull;
	double m;
	memcpy(&m, &bits, sizeof m);
	if (m > 1.4142135623730951) {
		m *= 0.5;
		e++;
	}
	double t = (m - 1.0) / (m + 1.0), t2 = t * t;
	double s = 1.0 / 17;
	s = 1.0 / 15 + t2 * s;
	s = 1.0 / 13 + t2 * s;
	s = 1.0 / 11 + t2 * s;
	s = 1.0 / 9 + t2 * s;
	s = 1.0 / 7 + t2 * s;
	s = 1.0 / 5 + t2 * s;
	s = 1.0 / 3 + t2 * s;
	return (double)e * 0.69314718055994530942 + 2.0 * t * (1.0 + t2 * s);
}

/* Geometric on {1, 2, ...} with parameter 2^-k: the number of k-bit groups of
 * random bits up to and including the first group of zeros (each is, with
 * probability 2^-k, independently).  starts has the first bit of each whole
 * group of a 64-bit word. */
static inline __attribute__((always_inline)) int64_t geometric_pow2(uint64_t *rng, unsigned k, uint64_t starts)
{
	int64_t n = 0;
	unsigned groups = 64 / k;
	for (;;) {
		uint64_t z = ~rng_next(rng), m = z;
		for (unsigned i = 1; i < k; i++)
			m &= z >> i; /* bit j: bits j .. j+k-1 of the draw are all 0 */
		m &= starts;
		if (m != 0)
			return n + (int64_t)((unsigned)__builtin_ctzll(m) / k) + 1;
		n += groups;
	}
}

int64_t cc__pf_timed_gap(struct prec *r)
{
	switch (r->lat_pow2) { /* constant k for the usual shares: the loop unrolls */
	case 0:
		return cc__pf_geometric(&r->rng, r->inv_log1mq);
	case 1:
		return geometric_pow2(&r->rng, 1, r->lat_starts);
	case 2:
		return geometric_pow2(&r->rng, 2, r->lat_starts);
	case 3:
		return geometric_pow2(&r->rng, 3, r->lat_starts);
	case 4:
		return geometric_pow2(&r->rng, 4, r->lat_starts);
	default:
		return geometric_pow2(&r->rng, r->lat_pow2, r->lat_starts);
	}
}

/* Allocations until the next sampled one: geometric on {1, 2, ...} with
 * parameter p, so every allocation is sampled with probability p,
 * independently of the others.  G = 1 + floor(ln U / ln(1 - p)), U in (0, 1]
 * (53 random bits; ln U to double precision, so a boundary of floor moves by
 * at most ~1e-15 of its value). */
int64_t cc__pf_geometric(uint64_t *rng, double inv_log1mp)
{
	if (inv_log1mp == 0.0)
		return 1;
	double u = (double)((rng_next(rng) >> 11) + 1) * 0x1.0p-53;
	double g = ln_unit(u) * inv_log1mp; /* >= 0 */
	if (!(g < 4e18))
		return INT64_MAX / 2;
	return 1 + (int64_t)g;
}

/*
 * alloc/profiler/latency.c - the layout of the log-linear latency histogram
 * (values below 2S exact, then S = 2^m sub-buckets per power of two;
 * include/ccmem/profiler.h, Latency) and the percentiles read from it.
 */
#include <math.h>
#include <stdint.h>

#include "profiler_internal.h"


/* m: the largest with 2^m * (37 - m) <= n. */
unsigned cc__pf_lat_precision(uint32_t n)
{
	unsigned m = 0;
	while (m < 16 && ((uint64_t)1 << (m + 1)) * (37 - (m + 1)) <= n)
		m++;
	return m;
}

void cc__pf_lat_bounds(uint32_t i, unsigned m, uint64_t *lo, uint64_t *hi)
{
	uint64_t s = (uint64_t)1 << m;
	if (i < 2 * s) {
		*lo = *hi = i;
		return;
	}
	uint64_t g = (i - 2 * s) / s, sub = (i - 2 * s) % s;
	unsigned e = (unsigned)g + m + 1;
	*lo = (s + sub) << (e - m);
	*hi = *lo + ((uint64_t)1 << (e - m)) - 1;
}

void cc__pf_percentiles(const uint64_t *c, uint32_t n, const double *lo, const double *hi, uint64_t total,
                        double *p50, double *p95, double *p99, double *p999)
{
	const double q[4] = {0.50, 0.95, 0.99, 0.999};
	double *out[4] = {p50, p95, p99, p999};
	for (int j = 0; j < 4; j++) {
		*out[j] = 0;
		if (total == 0)
			continue;
		uint64_t rank = (uint64_t)ceil(q[j] * (double)total);
		if (rank == 0)
			rank = 1;
		uint64_t cum = 0;
		for (uint32_t i = 0; i < n; i++) {
			cum += c[i];
			if (cum >= rank) {
				*out[j] = (lo[i] + hi[i]) / 2;
				break;
			}
		}
	}
}

/*
 * alloc/profiler/sizes.c - size classes of the profiler's size histogram
 * ("1-8", "9-16", "17-32", ... up to 2^48; the class of a request is
 * cc__pf_size_class in profiler_internal.h) and cc_profiler_hot_sizes.
 */
#include <stdint.h>

#include "profiler_internal.h"

void cc__pf_size_class_bounds(unsigned b, uint64_t *lo, uint64_t *hi)
{
	*lo = b == 0 ? 1 : ((uint64_t)1 << (b + 2)) + 1;
	*hi = b == NSB - 1 ? UINT64_MAX : (uint64_t)1 << (b + 3);
}

size_t cc_profiler_hot_sizes(const cc_profiler_size_histogram_t *h, size_t top_n, cc_profiler_size_bucket_t *out)
{
	if (h == NULL || out == NULL)
		return 0;
	size_t n = 0;
	bool used[CC_PROFILER_SIZE_BUCKETS] = {false};
	while (n < top_n && n < h->bucket_count) {
		size_t best = SIZE_MAX;
		for (size_t i = 0; i < h->bucket_count; i++)
			if (!used[i] && (best == SIZE_MAX || h->buckets[i].count > h->buckets[best].count))
				best = i;
		used[best] = true;
		out[n++] = h->buckets[best];
	}
	return n;
}

/*
 * alloc/profiler/hooks.h - what the profiler's two hook files share: the
 * glue calls an event makes when the profiler only counts it, the latency
 * record, and the hooks the table (hooks.c) names.  Not installed.
 */
#ifndef CCMEM_ALLOC_PROFILER_HOOKS_H
#define CCMEM_ALLOC_PROFILER_HOOKS_H

#include <errno.h>

#include "backend.h"
#include "profiler_internal.h"

#pragma GCC visibility push(hidden)

/* The glue's own allocation/free for an event the profiler only counts.  With
 * the profiler the only mode bit (backend = the plain one, no fill, no
 * statistics, nothing foreign) that is the allocator call itself, the same
 * one the glue's inline path makes (ccmem/alloc.h; the mode is read relaxed,
 * as the gate is). */
static inline void *plain_alloc(size_t size, size_t align, bool zero, size_t counted, uint32_t mode)
{
	if (CC_LIKELY(mode == CC_MODE_PROFILER)) {
		void *p = align ? mi_malloc_aligned_at(size, align, 0) : zero ? mi_zalloc(size) : mi_malloc(size);
		if (CC_UNLIKELY(p == NULL))
			errno = ENOMEM;
		return p;
	}
	return cc__glue_alloc(size, align, zero, counted, mode);
}

static inline void plain_free(void *ptr, size_t size, bool sized, uint32_t mode)
{
	if (CC_LIKELY(mode == CC_MODE_PROFILER))
		mi_free(ptr);
	else
		cc__glue_free(ptr, size, sized, mode);
}

static inline void lat_record(struct prec *r, int which, uint64_t dt)
{
	bump(&r->lat[which][cc__pf_lat_index(dt, r->lat_m)], 1);
	bump(&r->k[which ? K_LAT_SUM_F : K_LAT_SUM_A], dt);
}

/* The hooks of alloc/hook.h's table: hooks_alloc.c (allocation, and the
 * sampled allocation from the inline path) and hooks_free.c. */
void *cc__pf_prof_alloc(size_t size, size_t align, bool zero, size_t counted, uint32_t mode);
void *cc__pf_prof_alloc_sampled(size_t size, size_t align, bool zero, size_t counted);
void cc__pf_prof_free(void *ptr, size_t size, bool sized, uint32_t mode);

#pragma GCC visibility pop

#endif /* CCMEM_ALLOC_PROFILER_HOOKS_H */

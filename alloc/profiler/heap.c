/*
 * alloc/profiler/heap.c - heap areas and fragmentation: each profiled thread
 * summarises its own mimalloc heap now and then, a report adds them up (or
 * asks the sanitizer's allocator) and computes the fragmentation figures
 * (include/ccmem/profiler.h, Fragmentation).
 */
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "profiler_internal.h"

/* Heap areas come from mimalloc, unless the blocks are a sanitizer's or the
 * build has no mimalloc (CC_NO_MIMALLOC). */
#define CC_PROF_HEAP_AREAS (!CC_SANITIZER_BUILD && !CC_NO_MIMALLOC)
#if CC_PROF_HEAP_AREAS
#include <mimalloc.h>
#endif

#if CC_SANITIZER_BUILD
/* The sanitizers' allocator interface (sanitizer/allocator_interface.h, not
 * installed with every compiler): ASan and TSan both provide these. */
size_t __sanitizer_get_heap_size(void);
size_t __sanitizer_get_free_bytes(void);
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

/* ---- heap areas --------------------------------------------------------------------- */

struct heapsum {
	uint64_t committed, used, free_slots, largest;
};

#if CC_PROF_HEAP_AREAS
static bool heap_visit(const mi_heap_t *heap, const mi_heap_area_t *area, void *block, size_t block_size, void *arg)
{
	(void)heap;
	(void)block;
	(void)block_size;
	struct heapsum *s = arg;
	if (area == NULL)
		return true;
	s->committed += area->committed;
	uint64_t used = (uint64_t)area->used * area->block_size;
	s->used += used < area->committed ? used : area->committed;
	uint64_t slots = area->full_block_size ? area->committed / area->full_block_size : 0;
	if (slots > area->used) {
		s->free_slots += slots - area->used;
		if (area->block_size > s->largest)
			s->largest = area->block_size;
	}
	return true;
}

/* The calling thread's heap, and its heap in the arena (the sampled blocks). */
static void heap_summary(struct heapsum *s)
{
	memset(s, 0, sizeof *s);
	mi_heap_visit_blocks(mi_heap_get_default(), false, heap_visit, s);
	mi_heap_t *a = cc__pf_arena_heap();
	if (a != NULL)
		mi_heap_visit_blocks(a, false, heap_visit, s);
}
#endif

void cc__pf_scan_heap(struct prec *r, uint64_t now)
{
#if !CC_PROF_HEAP_AREAS
	r->last_heap_scan = now;
#else
	r->last_heap_scan = now; /* the caller checked: HEAP_SCAN_MS since the last scan */
	struct heapsum s;
	heap_summary(&s);
	cc_atomic_store_relaxed_u64(&r->heap[H_COMMITTED], s.committed);
	cc_atomic_store_relaxed_u64(&r->heap[H_USED], s.used);
	cc_atomic_store_relaxed_u64(&r->heap[H_FREE_SLOTS], s.free_slots);
	cc_atomic_store_relaxed_u64(&r->heap[H_LARGEST], s.largest);
	cc_atomic_store_relaxed_u64(&r->heap[H_VALID], 1);
#endif
}

void cc__pf_fragmentation(cc_profiler_t *p, cc_profiler_report_t *r, const merged_counts_t *m)
{
	cc_profiler_fragmentation_t *f = &r->fragmentation;
	int64_t live_req = (int64_t)m->live_req, live_usable = (int64_t)m->live_usable;
	if (live_usable > 0 && live_req > 0 && live_req <= live_usable)
		f->internal_fragmentation = 1.0 - (double)live_req / (double)live_usable;
	else if (m->k[K_SAMP_USABLE] > 0)
		f->internal_fragmentation = 1.0 - (double)m->k[K_ALLOC_BYTES] / (double)m->k[K_SAMP_USABLE];
	f->source = "none";
#if CC_SANITIZER_BUILD
	(void)p;
	uint64_t heap = __sanitizer_get_heap_size(), freeb = __sanitizer_get_free_bytes();
	uint64_t used = __sanitizer_get_current_allocated_bytes();
	if (heap > 0 && used + freeb > 0) {
		/* the sanitizer's heap also holds its quarantine: judge used against free */
		f->committed_bytes = heap;
		f->utilization = (double)used / (double)(used + freeb);
		f->external_fragmentation = 1.0 - f->utilization;
		f->source = "sanitizer allocator";
	}
#elif CC_PROF_HEAP_AREAS
	struct heapsum tot = {0, 0, 0, 0}, mine;
	heap_summary(&mine);
	struct prec *self = cc__pf_tls_rec;
	bool any = mine.committed > 0;
	tot = mine;
	for (struct prec *rec = cc_atomic_load_acquire_ptr((void **)&cc__pf_rec_head); rec != NULL; rec = rec->next) {
		if (rec == self || cc_atomic_load_acquire_u64(&rec->gen) != p->gen || rd(&rec->heap[H_VALID]) == 0)
			continue;
		tot.committed += rd(&rec->heap[H_COMMITTED]);
		tot.used += rd(&rec->heap[H_USED]);
		tot.free_slots += rd(&rec->heap[H_FREE_SLOTS]);
		uint64_t l = rd(&rec->heap[H_LARGEST]);
		if (l > tot.largest)
			tot.largest = l;
		any = true;
	}
	if (any && tot.committed > 0) {
		if (tot.used > tot.committed)
			tot.used = tot.committed;
		f->committed_bytes = tot.committed;
		f->utilization = (double)tot.used / (double)tot.committed;
		f->external_fragmentation = 1.0 - f->utilization;
		f->free_block_count = tot.free_slots;
		f->largest_free_block = tot.largest;
		f->source = "mimalloc heap areas";
	}
#else
	(void)p;
#endif
}


/*
 * alloc/profiler/hooks.c - the profiler's hooks on the glue (alloc/hook.h):
 * counting every allocation down, and for a sampled allocation or the free of
 * a sampled block, counting, timing, indexing, filtering and capturing its
 * stack around the glue's own allocation and free.
 */
#include <errno.h>
#include <stdint.h>

#include "backend.h"
#include "index.h"
#include "profiler_internal.h"

/* ---- the hooks ----------------------------------------------------------------------- */

/*
 * Allocation.  Every allocation of a run decrements the thread's countdown
 * (cc__tls_prof: inline in ccmem/alloc.h in the plain mode, in prof_alloc
 * otherwise); the one that brings it to 0 is sampled (sampled_alloc), draws
 * the next gap, and adds the gap just completed to K_ALLOC, so K_ALLOC counts
 * every allocation up to the thread's latest sampled one (the ones since are
 * added by the thread itself at exit, snapshot or stop: cc__pf_gap_done).  At p = 1
 * every gap is 1 and every allocation is sampled.
 *
 * Free.  A sampled block's free finds it in the index (sampled_free).  At
 * p < 1 the filter sends only possible sampled blocks here, and frees of other
 * blocks are not counted (the report scales the sampled ones); at p = 1 every
 * free comes here and is counted.
 */

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

static inline void count_free(struct prec *r, uint64_t size, bool sized)
{
	bump(&r->k[K_FREE], 1);
	if (sized)
		bump(&r->k[K_FREE_BYTES], size);
	else
		bump(&r->k[K_UNSIZED], 1);
}

static inline void lat_record(struct prec *r, int which, uint64_t dt)
{
	bump(&r->lat[which][cc__pf_lat_index(dt, r->lat_m)], 1);
	bump(&r->k[which ? K_LAT_SUM_F : K_LAT_SUM_A], dt);
}

static inline __attribute__((always_inline)) void *sampled_alloc(struct prec *r, uint64_t g, size_t size,
                                                                   size_t align, bool zero, size_t counted,
                                                                   uint32_t mode)
{
	uint64_t gap = (uint64_t)r->gap;
	r->gap = cc__pf_next_gap(r);
	cc__tls_prof.countdown = r->gap;
	uint32_t flags = r->flags;
	bool timing = (flags & F_LATENCY) && cc__pf_timed(r, 0);
	uint64_t t0 = timing ? cc__pf_ticks() : cc_atomic_load_relaxed_u64(&cc__pf_coarse_ticks);
	void *p = plain_alloc(size, align, zero, counted, mode);
	uint64_t t1 = timing ? cc__pf_ticks() : t0;
	if (p == NULL) {
		bump(&r->k[K_ALLOC], gap - 1); /* the failed one is no allocation */
		return NULL;
	}
	uint64_t nalloc = rd(&r->k[K_ALLOC]) + gap;
	uint64_t abytes = rd(&r->k[K_ALLOC_BYTES]) + counted;
	cc_atomic_store_relaxed_u64(&r->k[K_ALLOC], nalloc);
	cc_atomic_store_relaxed_u64(&r->k[K_ALLOC_BYTES], abytes);
	bump(&r->k[K_SAMPLED_ALLOC], 1);
	/* this thread's own high-water mark (exact peak of a one-thread run at p = 1) */
	uint64_t net = abytes - rd(&r->k[K_FREE_BYTES]);
	if ((int64_t)net > (int64_t)rd(&r->k[K_NET_MAX])) {
		cc_atomic_store_relaxed_u64(&r->k[K_NET_MAX], net);
		cc_atomic_store_relaxed_u64(&r->k[K_NET_MAX_AT], nalloc);
	}
	if (flags & F_SIZES) {
		unsigned b = cc__pf_size_class(counted);
		bump(&r->size_cb[b][0], 1);
		bump(&r->size_cb[b][1], counted);
	}
	if (timing)
		lat_record(r, 0, t1 - t0);
	uint64_t usable;
#if !CC_NO_MIMALLOC
	if (CC_LIKELY(mode == CC_MODE_PROFILER)) { /* the plain mode's blocks are mimalloc's */
		size_t w = (size + 7) / 8;
		if (align == 0 && w < USABLE_MEMO) {
			usable = r->usable_memo[w];
			if (CC_UNLIKELY(usable == 0))
				usable = r->usable_memo[w] = (uint32_t)mi_usable_size(p);
		} else {
			usable = mi_usable_size(p);
		}
	} else
#endif
		usable = cc__backend_usable_size(p, (mode & CC_MODE_FOREIGN) != 0);
	bump(&r->k[K_SAMP_USABLE], usable);
	if (flags & F_INDEX) {
		if (flags & F_FILTER)
			cc__pf_filter_inc(p, g);
		uint32_t stack = (flags & F_STACKS) ? cc__pf_capture_stack(r) : 0;
		if (cc__pf_index_insert(p, g, counted, t0, (uint64_t)r->idx << 32 | stack, usable)) {
			bump(&r->k[K_LIVE_REQ], counted);
			bump(&r->k[K_LIVE_USABLE], usable);
		} else {
			if (flags & F_FILTER)
				cc__pf_filter_dec(p, g);
			bump(&r->k[K_UNTRACKED], 1);
		}
	}
	/* signed: t1 is the coarse clock unless this event was timed, so it can
	 * be a little behind the last scan's time */
	if (CC_UNLIKELY((int64_t)(t1 - r->last_heap_scan) >= (int64_t)cc__pf_heap_scan_ticks))
		cc__pf_scan_heap(r, t1);
	return p;
}

CC__HOOK_TEXT static void *prof_alloc(size_t size, size_t align, bool zero, size_t counted, uint32_t mode)
{
	/* relaxed: only chooses whether and where to count; cc__pf_enter_slow re-reads
	 * with acquire before taking the run's options.  The thread's countdown
	 * is of run g exactly when its record is (both set by cc__pf_enter_slow). */
	uint64_t g = cc_atomic_load_relaxed_u64(&cc__pf_gen);
	struct prec *r = cc__pf_tls_rec;
	if (CC_UNLIKELY(cc__tls_prof.gen != g)) {
		r = cc__pf_enter_slow(g);
		if (r == NULL)
			return cc__glue_alloc(size, align, zero, counted, mode);
	}
	if (CC_LIKELY(--cc__tls_prof.countdown > 0)) {
		void *p = plain_alloc(size, align, zero, counted, mode);
		if (CC_UNLIKELY(p == NULL))
			cc__tls_prof.countdown++; /* not an allocation */
		return p;
	}
	return sampled_alloc(r, g, size, align, zero, counted, mode);
}

/* From the inline path (ccmem/alloc.h): the thread's countdown is of the
 * published run and about to reach 0, the mode was exactly "profiler". */
CC__HOOK_TEXT static void *prof_alloc_sampled(size_t size, size_t align, bool zero, size_t counted)
{
	cc__tls_prof.countdown--;
	return sampled_alloc(cc__pf_tls_rec, cc__tls_prof.gen, size, align, zero, counted, CC_MODE_PROFILER);
}

static inline __attribute__((always_inline)) void sampled_free(struct prec *r, uint64_t g, struct islot e, void *ptr, size_t size, bool sized,
                         uint32_t mode)
{
	uint32_t flags = r->flags;
	uint64_t bsize = cc_atomic_load_relaxed_u64(&e.pay->size);
	uint64_t aux = cc_atomic_load_relaxed_u64(&e.pay->aux);
	uint64_t usable = cc_atomic_load_relaxed_u64(&e.pay->usable);
	cc__pf_index_remove(e); /* after the payload reads */
	if (flags & F_FILTER)
		cc__pf_filter_dec(ptr, g);
	count_free(r, sized ? size : bsize, true);
	bump(&r->k[K_SAMPLED_FREE], 1);
	bump(&r->k[K_LIVE_REQ], (uint64_t)0 - bsize);
	bump(&r->k[K_LIVE_USABLE], (uint64_t)0 - usable);
	uint32_t owner = (uint32_t)(aux >> 32);
	if ((flags & F_CROSS) && owner != r->idx) {
		bump(&r->flow[owner < FLOW ? owner : FLOW - 1], 1);
		bump(&r->k[K_XRECV], 1);
	}
	if ((flags & F_LATENCY) && cc__pf_timed(r, 1)) {
		uint64_t t0 = cc__pf_ticks();
		plain_free(ptr, size, sized, mode);
		lat_record(r, 1, cc__pf_ticks() - t0);
	} else {
		plain_free(ptr, size, sized, mode);
	}
}

static void prof_free(void *ptr, size_t size, bool sized, uint32_t mode)
{
	uint64_t g = cc_atomic_load_relaxed_u64(&cc__pf_gen); /* relaxed: as in prof_alloc */
	struct prec *r = cc__pf_tls_rec;
	if (CC_UNLIKELY(cc__tls_prof.gen != g)) {
		r = cc__pf_enter_slow(g);
		if (r == NULL) {
			cc__glue_free(ptr, size, sized, mode);
			return;
		}
	}
	uint32_t flags = r->flags;
	/* sampling (F_FILTER): only a possible sampled block is looked up */
	struct islot e;
	if ((!(flags & F_FILTER) || cc__pf_filter_hit(ptr)) && cc__pf_index_find(ptr, g, &e)) {
		sampled_free(r, g, e, ptr, size, sized, mode);
		return;
	}
	/* sampling: other blocks are not counted; at p = 1 a block from
	 * before the run is counted, not timed */
	if (!(flags & F_FILTER))
		count_free(r, size, sized);
	plain_free(ptr, size, sized, mode);
}

const cc__alloc_hooks_t cc__pf_hooks = {prof_alloc, prof_free, prof_alloc_sampled};

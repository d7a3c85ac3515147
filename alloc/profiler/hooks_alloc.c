/*
 * alloc/profiler/hooks_alloc.c - the profiler's allocation hooks: counting
 * every allocation down and, for a sampled one, counting, timing, keeping
 * the block's data (the arena's side table, or the index) and capturing its
 * stack around the allocation.  Design: hooks.c.
 */
#include <stdint.h>

#include "arena.h"
#include "hooks.h"
#include "index.h"

/* The run whose inline bound has been widened (hooks.c's own record of
 * cc__alloc_hooks_widen, so that only the first indexed block of a run takes
 * the configuration mutex). */
static uint64_t g_widened;

/* Keeps a sampled block that is not in the arena: the filter and the index.
 * A run whose inline free tells its blocks by address (F_BOUND) is widened
 * first, before the block can reach a free. */
CC__HOOK_TEXT __attribute__((noinline)) static void index_sample(struct prec *r, uint64_t g, void *p, uint64_t counted,
                                                                  uint64_t t0, uint64_t usable)
{
	uint32_t flags = r->flags;
	/* acquire: pairs with the release below; the widening (a store under
	 * the configuration mutex) happens before this block is returned. */
	if ((flags & F_BOUND) && cc_atomic_load_acquire_u64(&g_widened) != g) {
		cc__alloc_hooks_widen(g);
		cc_atomic_store_release_u64(&g_widened, g);
	}
	if (flags & F_FILTER)
		cc__pf_filter_inc(p, g);
	uint32_t stack = (flags & F_STACKS) ? cc__pf_capture_stack(r) : 0;
	if (cc__pf_index_insert(p, g, counted, t0, (uint64_t)r->idx << 32 | stack, usable)) {
		bump(&r->k[K_INDEXED], 1);
	} else {
		if (flags & F_FILTER)
			cc__pf_filter_dec(p, g);
		bump(&r->k[K_UNTRACKED], 1);
		bump(&r->k[K_UNTRACKED_REQ], counted);
		bump(&r->k[K_UNTRACKED_USABLE], usable);
	}
}

/* Usable size and size class of a fresh sampled block, for the histogram
 * (class of `counted`) and the fragmentation figures. */
static inline uint64_t usable_of(struct prec *r, const void *p, size_t size, size_t align, size_t counted,
                                 uint32_t mode, bool mi, unsigned *cls)
{
#if !CC_NO_MIMALLOC
	if (CC_LIKELY(mi)) { /* a mimalloc block (of the plain mode, or the arena's) */
		size_t w = (size + 7) / 8;
		/* align 0: counted == size, and mimalloc serves every request of one
		 * w from the same size class (see usable_memo) */
		if (CC_LIKELY(align == 0 && w < USABLE_MEMO)) {
			uint32_t m = r->usable_memo[w];
			if (CC_UNLIKELY(m == 0))
				m = r->usable_memo[w] = (uint32_t)mi_usable_size(p) | cc__pf_size_class(counted) << MEMO_CLASS_SHIFT;
			*cls = m >> MEMO_CLASS_SHIFT;
			return m & ((1u << MEMO_CLASS_SHIFT) - 1);
		}
		*cls = cc__pf_size_class(counted);
		return mi_usable_size(p);
	}
#else
	(void)r, (void)size, (void)align, (void)mi; /* the plain mode's blocks are the C library's */
#endif
	*cls = cc__pf_size_class(counted);
	return cc__backend_usable_size(p, (mode & CC_MODE_FOREIGN) != 0);
}

/* Counts sampled allocation p (from the arena or not; `mi`: a mimalloc
 * block) of run g for record r and keeps its data: the gap it ends, the
 * thread's net bytes and high-water mark, usable size and size class (memo:
 * the entry of usable_memo for the request, 0 when not at hand), then the
 * side-table entry (arena) or the index. */
static inline __attribute__((always_inline)) void sampled_count(struct prec *r, uint64_t g, void *p, size_t size,
                                                                  size_t align, size_t counted, uint32_t mode,
                                                                  uint32_t flags, bool mi, bool arena, uint64_t t0,
                                                                  uint32_t memo)
{
	uint64_t gap = 1; /* p = 1: every gap is 1, the countdown stays at 1 */
	if (flags & F_FILTER) {
		gap = (uint64_t)r->gap;
		r->gap = cc__pf_geometric(&r->rng, r->inv_log1mp);
		cc__pf_arm(r, g, (uint64_t)r->gap);
	}
	uint64_t nalloc = rd(&r->k[K_ALLOC]) + gap;
	cc_atomic_store_relaxed_u64(&r->k[K_ALLOC], nalloc);
	/* this thread's own high-water mark (exact peak of a one-thread run at p = 1) */
	uint64_t net = rd(&r->k[K_NET]) + counted;
	cc_atomic_store_relaxed_u64(&r->k[K_NET], net);
	if (CC_UNLIKELY((int64_t)net > (int64_t)rd(&r->k[K_NET_MAX]))) {
		cc_atomic_store_relaxed_u64(&r->k[K_NET_MAX], net);
		cc_atomic_store_relaxed_u64(&r->k[K_NET_MAX_AT], nalloc);
	}
	unsigned b;
	uint64_t usable;
	if (memo != 0) {
		b = memo >> MEMO_CLASS_SHIFT;
		usable = memo & ((1u << MEMO_CLASS_SHIFT) - 1);
	} else {
		usable = usable_of(r, p, size, align, counted, mode, mi, &b);
	}
	bump(&r->k[K_SAMP_USABLE], usable);
	if (flags & F_SIZES) { /* the sampled count and bytes are the classes' sums */
		bump(&r->size_cb[b][0], 1);
		bump(&r->size_cb[b][1], counted);
	} else {
		bump(&r->k[K_ALLOC_BYTES], counted);
		if (flags & F_FILTER) /* at p = 1 it is K_ALLOC */
			bump(&r->k[K_SAMPLED_ALLOC], 1);
	}
	if (CC_LIKELY(arena)) {
		uint32_t stack = (flags & F_STACKS) ? cc__pf_capture_stack(r) : 0;
		cc__pf_arena_enter(r, p, g, counted, t0, stack, usable);
	} else {
		index_sample(r, g, p, counted, t0, usable);
	}
}

static inline __attribute__((always_inline)) void *sampled_alloc(struct prec *r, uint64_t g, size_t size,
                                                                   size_t align, bool zero, size_t counted,
                                                                   uint32_t mode)
{
	uint32_t flags = r->flags;
	/* the countdown of timed events runs whether latency is tracked or not:
	 * it also paces the heap's summaries */
	bool tick = cc__pf_timed(r, 0), timing = tick && (flags & F_LATENCY);
	uint64_t t0 = timing ? cc__pf_ticks() : cc_atomic_load_relaxed_u64(&cc__pf_coarse_ticks);
	void *p = NULL;
	bool arena = false;
	bool mi = mode == CC_MODE_PROFILER; /* p is known to be a mimalloc block */
#if CC_PF_ARENA
	if (CC_LIKELY((flags & F_ARENA) && !(mode & CC_MODE_BACKEND))) {
		p = cc__pf_arena_alloc(size, align, zero);
		arena = cc__pf_in_arena(p);
		if (p != NULL) {
			mi = true;
			if (mode != CC_MODE_PROFILER)
				cc__glue_account_alloc(p, zero, counted, mode); /* fill, statistics */
		}
	}
#endif
	if (p == NULL && (p = plain_alloc(size, align, zero, counted, mode)) == NULL)
		return NULL; /* no allocation: the countdown stays at its end, the next one is sampled */
	if (CC_UNLIKELY(tick)) {
		uint64_t t1 = timing ? cc__pf_ticks() : t0;
		if (timing)
			lat_record(r, 0, t1 - t0);
		/* signed: t1 is the coarse clock unless this event was timed, so it
		 * can be a little behind the last scan's time */
		if ((int64_t)(t1 - r->last_heap_scan) >= (int64_t)cc__pf_heap_scan_ticks)
			cc__pf_scan_heap(r, t1);
	}
	sampled_count(r, g, p, size, align, counted, mode, flags, mi, arena, t0, 0);
	return p;
}

#if CC_PF_ARENA
/* The counting of an untimed sampled allocation of the mode "profiler" at
 * p = 1 without stacks: a plain request of `size` bytes, counted as such,
 * whose block p came from the arena (in_arena) or not.  arena_sampled, the
 * common case (the size's usable size and class memoised), is a leaf that
 * the allocation path tail-calls, so that neither frame keeps more than the
 * size across a call. */
static inline __attribute__((always_inline)) void *plain_count(void *p, size_t size, uint32_t memo, bool in_arena)
{
	struct prec *r = cc__pf_tls_rec;
	uint64_t t0 = cc_atomic_load_relaxed_u64(&cc__pf_coarse_ticks);
	sampled_count(r, cc__tls_prof.gen, p, size, 0, size, CC_MODE_PROFILER, r->flags & ~(uint32_t)(F_FILTER | F_STACKS),
	              true, in_arena, t0, memo);
	return p;
}

CC__HOOK_TEXT __attribute__((noinline)) static void *arena_sampled_unmemoised(void *p, size_t size)
{
	return plain_count(p, size, 0, true); /* usable_of finds them, and memoises them */
}

CC__HOOK_TEXT __attribute__((noinline)) static void *arena_sampled(void *p, size_t size)
{
	size_t w = (size + 7) / 8;
	uint32_t memo = w < USABLE_MEMO ? cc__pf_tls_rec->usable_memo[w] : 0;
	if (CC_UNLIKELY(memo == 0))
		return arena_sampled_unmemoised(p, size);
	return plain_count(p, size, memo, true);
}

/* The arena heap gave no block (p NULL), or one from outside the arena (the
 * arena is full): what sampled_alloc does then, without asking the arena
 * heap again (the glue's block when there is none; the index keeps it). */
CC__HOOK_TEXT __attribute__((noinline)) static void *arena_missed(void *p, size_t size)
{
	if (p == NULL && (p = plain_alloc(size, 0, false, size, CC_MODE_PROFILER)) == NULL)
		return NULL; /* no allocation: the countdown stays at its end, the next one is sampled */
	return plain_count(p, size, 0, false);
}
#endif

/* The countdown is at 1: if the gap goes on beyond this stretch, starts the
 * next stretch (after this allocation) and says true (this one is not
 * sampled); false when this allocation ends the gap. */
static bool stretch_ends(struct prec *r, uint64_t g)
{
	uint64_t rest = r->gap_rest;
	if (CC_LIKELY(rest == 0))
		return false;
	uint64_t c = rest < CC__PROF_CD_MASK ? rest : CC__PROF_CD_MASK - 1;
	r->gap_rest = rest - c;
	cc__tls_prof.word = cc__pf_cd_word(g, c);
	return true;
}

/* An allocation the countdown has counted but does not sample: the glue's
 * own; a failed one gives the countdown its allocation back. */
static inline void *unsampled_alloc(size_t size, size_t align, bool zero, size_t counted, uint32_t mode)
{
	void *p = plain_alloc(size, align, zero, counted, mode);
	if (CC_UNLIKELY(p == NULL))
		cc__tls_prof.word++; /* not an allocation */
	return p;
}

CC__HOOK_TEXT void *cc__pf_prof_alloc(size_t size, size_t align, bool zero, size_t counted, uint32_t mode)
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
	if (CC_LIKELY((cc__tls_prof.word & CC__PROF_CD_MASK) > 1 ? (cc__tls_prof.word--, true) : stretch_ends(r, g)))
		return unsampled_alloc(size, align, zero, counted, mode);
	return sampled_alloc(r, g, size, align, zero, counted, mode);
}

/* cc__pf_prof_alloc_sampled's general case: any run, request and event. */
CC__HOOK_TEXT __attribute__((noinline)) static void *alloc_sampled_any(size_t size, size_t align, bool zero,
                                                                      size_t counted)
{
	struct prec *r = cc__pf_tls_rec;
	uint64_t g = cc__tls_prof.gen;
	if (CC_UNLIKELY(r->gap_rest != 0) && stretch_ends(r, g)) /* the end of a stretch of a long gap */
		return unsampled_alloc(size, align, zero, counted, CC_MODE_PROFILER);
	return sampled_alloc(r, g, size, align, zero, counted, CC_MODE_PROFILER);
}

/* From the inline path (ccmem/alloc.h): the thread's countdown is of the
 * published run and at 1, the mode was exactly "profiler".  The common case
 * of a full run (p = 1, no stacks, an untimed event, a plain request, the
 * thread's arena heap at hand) is mimalloc's call and then the counting as a
 * tail call (arena_sampled), in a frame that keeps only the size across the
 * call; everything else goes to alloc_sampled_any. */
CC__HOOK_TEXT void *cc__pf_prof_alloc_sampled(size_t size, size_t align, bool zero, size_t counted)
{
#if CC_PF_ARENA
	struct prec *r = cc__pf_tls_rec;
	mi_heap_t *h = cc__pf_tls_heap;
	/* gap_rest is 0 at p = 1; time_cd[0] > 1: cc__pf_timed(r, 0) is false */
	if (CC_LIKELY((r->flags & (F_ARENA | F_FILTER | F_STACKS)) == F_ARENA && r->time_cd[0] > 1 &&
	              r->gap_rest == 0 && align == 0 && !zero && counted == size && (uintptr_t)h > 1)) {
		r->time_cd[0]--;
		void *p = mi_heap_malloc(h, size);
		if (CC_LIKELY(cc__pf_in_arena(p)))
			return arena_sampled(p, size);
		return arena_missed(p, size);
	}
#endif
	return alloc_sampled_any(size, align, zero, counted);
}

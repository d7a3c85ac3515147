/*
 * alloc/profiler/hooks_free.c - the profiler's free hook: finding a sampled
 * block of the run (the arena's side table, or the index), counting and
 * timing its free; at p = 1 counting every other free too.  Design: hooks.c.
 */
#include <stdint.h>

#include "arena.h"
#include "hooks.h"
#include "index.h"

/* A timed free (out of line: the untimed path stays a leaf); its countdown
 * has just run out. */
__attribute__((noinline)) static void timed_free(struct prec *r, void *ptr, size_t size, bool sized, uint32_t mode)
{
	r->time_cd[1] = cc__pf_timed_gap(r);
	uint64_t t0 = cc__pf_ticks();
	plain_free(ptr, size, sized, mode);
	lat_record(r, 1, cc__pf_ticks() - t0);
}

/* The free of a sampled block of the run: its data read (and removed) by the
 * caller. */
static inline __attribute__((always_inline)) void sampled_free(struct prec *r, void *ptr, size_t size, bool sized,
                                                                 uint32_t mode, uint64_t bsize, uint64_t usable,
                                                                 uint32_t owner)
{
	uint32_t flags = r->flags;
	bump(&r->k[K_SAMPLED_FREE], 1);
	bump(&r->k[K_NET], (uint64_t)0 - (sized ? size : bsize));
	bump(&r->k[K_FREED_REQ], bsize);
	bump(&r->k[K_FREED_USABLE], usable);
	if ((flags & F_CROSS) && owner != r->idx) {
		bump(&r->flow[owner < FLOW ? owner : FLOW - 1], 1);
		bump(&r->k[K_XRECV], 1);
	}
	/* only tail calls from here: the common path needs no frame */
	if ((flags & F_LATENCY) && CC_UNLIKELY(--r->time_cd[1] <= 0)) /* cc__pf_timed, refilled there */
		timed_free(r, ptr, size, sized, mode);
	else
		plain_free(ptr, size, sized, mode);
}

/* The free of the run's sampled block ptr in the arena (entry e of run g). */
static inline __attribute__((always_inline)) void arena_free(struct prec *r, struct aent *e, void *ptr, size_t size,
                                                               bool sized, uint32_t mode)
{
	uint64_t w = cc_atomic_load_relaxed_u64(&e->size);
	uint64_t aux = cc_atomic_load_relaxed_u64(&e->aux);
	/* release: the payload reads before the entry can be reused (which
	 * happens only after this free's mi_free). */
	cc_atomic_store_release_u64(&e->gen, 0);
	sampled_free(r, ptr, size, sized, mode, w & ENT_SIZE_MASK, aux >> 32, (uint32_t)(w >> ENT_OWNER_SHIFT));
}

/* Every free but that of a sampled block in the arena by a thread already in
 * the run: the thread's first event of the run, indexed blocks, blocks the
 * run does not know. */
__attribute__((noinline)) static void free_other(void *ptr, size_t size, bool sized, uint32_t mode, uint64_t g)
{
	struct prec *r = cc__pf_tls_rec;
	if (CC_UNLIKELY(cc__tls_prof.gen != g)) {
		r = cc__pf_enter_slow(g);
		if (r == NULL) {
			cc__glue_free(ptr, size, sized, mode);
			return;
		}
	}
	uint32_t flags = r->flags;
	if (cc__pf_in_arena(ptr)) {
		struct aent *e = cc__pf_arena_entry(ptr);
		/* relaxed: as in cc__pf_prof_free */
		if (cc_atomic_load_relaxed_u64(&e->gen) == g) {
			arena_free(r, e, ptr, size, sized, mode);
			return;
		}
	} else {
		/* sampling (F_FILTER): only a possible indexed block is looked up */
		struct islot e;
		if ((!(flags & F_FILTER) || cc__pf_filter_hit(ptr)) && cc__pf_index_find(ptr, g, &e)) {
			uint64_t bsize = cc_atomic_load_relaxed_u64(&e.pay->size);
			uint64_t aux = cc_atomic_load_relaxed_u64(&e.pay->aux);
			uint64_t usable = cc_atomic_load_relaxed_u64(&e.pay->usable);
			cc__pf_index_remove(e); /* after the payload reads */
			if (flags & F_FILTER)
				cc__pf_filter_dec(ptr, g);
			sampled_free(r, ptr, size, sized, mode, bsize, usable, (uint32_t)(aux >> 32));
			return;
		}
	}
	/* a block the run does not know: at p < 1 not counted; at p = 1 counted,
	 * not timed */
	if (!(flags & F_FILTER)) {
		bump(&r->k[K_OTHER_FREE], 1);
		if (sized)
			bump(&r->k[K_NET], (uint64_t)0 - size);
		else
			bump(&r->k[K_UNSIZED], 1);
	}
	plain_free(ptr, size, sized, mode);
}

/* Every call ends in a tail call: the common path (a sampled block of the
 * arena, untimed) needs no frame. */
void cc__pf_prof_free(void *ptr, size_t size, bool sized, uint32_t mode)
{
	uint64_t g = cc_atomic_load_relaxed_u64(&cc__pf_gen); /* relaxed: as in cc__pf_prof_alloc */
	if (CC_LIKELY(cc__tls_prof.gen == g && cc__pf_in_arena(ptr))) {
		struct aent *e = cc__pf_arena_entry(ptr);
		/* relaxed: the entry was written before the block was returned,
		 * which happens before this free; another run's entry (a block
		 * allocated then) is stale and never equals g. */
		if (CC_LIKELY(cc_atomic_load_relaxed_u64(&e->gen) == g)) {
			arena_free(cc__pf_tls_rec, e, ptr, size, sized, mode);
			return;
		}
	}
	free_other(ptr, size, sized, mode, g);
}

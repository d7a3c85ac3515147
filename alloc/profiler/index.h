/*
 * alloc/profiler/index.h - the address index's layout and its lookup, inline
 * on the free path of the hooks (the rest is index.c).  Not installed.
 */
#ifndef CCMEM_ALLOC_PROFILER_INDEX_H
#define CCMEM_ALLOC_PROFILER_INDEX_H

#include "profiler_internal.h"

#pragma GCC visibility push(hidden)

/*
 * Lock-free open addressing.  A key packs the address (>> 3: blocks are at
 * least 8-aligned; 45 bits cover 2^48), a BUSY bit (claimed, payload being
 * written) and 18 bits of the run's generation.  0 is EMPTY; TOMB (1) and any
 * key of another generation are dead and may be claimed again.  A slot is
 * claimed by CAS, published by CAS (BUSY -> key) and removed by its block's
 * freer with a release store of TOMB; keys never move, so an entry is always
 * within `maxdisp` slots of its home, and lookups stop there or at EMPTY.
 */
#define IDX_TABLES 8
#define IDX_MAX_PROBE 32
#define IDX_FIRST_SHIFT 14 /* table i has 2^(14 + 2i) slots: keys 128 KiB, then x4 (touched as used) */
#define KEY_ADDR_BITS 45
#define KEY_BUSY ((uint64_t)1 << KEY_ADDR_BITS)
#define KEY_GEN_SHIFT 46
#define KEY_EMPTY 0
#define KEY_TOMB 1
/* Keys in one array (dense: a lookup reads one cache line), payloads in a
 * parallel one, written before the key is published. */
struct itab {
	uint64_t *keys; /* published with release (after pay) */
	struct ipay *pay;
	uint64_t mask;
	unsigned shift;
	uint64_t maxdisp; /* atomic: longest displacement of an insert this run */
};

/* The tables (index.c): grown under index.c's lock, kept for the life of the process. */
extern struct itab cc__pf_tab[IDX_TABLES];
extern uint32_t cc__pf_tab_hi; /* atomic: tables in use this run */

static inline uint64_t key_gen(uint64_t g)
{
	return (g & ((1u << (64 - KEY_GEN_SHIFT)) - 1)) << KEY_GEN_SHIFT;
}

static inline bool key_dead(uint64_t k, uint64_t gbits)
{
	return k != KEY_EMPTY && (k & ~(((uint64_t)1 << KEY_GEN_SHIFT) - 1)) != gbits;
}

static inline uint64_t idx_hash(uint64_t a)
{
	return a * 0x9E3779B97F4A7C15ull;
}

/* Finds ptr's entry of run g (its insert happened before: the caller's own
 * synchronisation, as for any free). */
static inline bool cc__pf_index_find(const void *ptr, uint64_t g, struct islot *out)
{
	uint64_t a = (uint64_t)(uintptr_t)ptr >> 3;
	if (a >> KEY_ADDR_BITS)
		return false;
	uint64_t want = key_gen(g) | a;
	uint64_t h = idx_hash(a);
	/* acquire: pairs with the release in index_grow.  The insert of this very
	 * block happened before this free (the caller's own synchronisation), so
	 * its table, key and maxdisp are visible; any other entry may be stale,
	 * which only matters to other addresses. */
	uint32_t hi = cc_atomic_load_acquire_u32(&cc__pf_tab_hi);
	for (uint32_t i = hi; i-- > 0;) {
		struct itab *t = &cc__pf_tab[i];
		uint64_t *keys = cc_atomic_load_acquire_ptr((void **)&t->keys);
		if (keys == NULL)
			continue;
		uint64_t md = cc_atomic_load_relaxed_u64(&t->maxdisp);
		uint64_t home = h >> t->shift;
		for (uint64_t d = 0; d <= md; d++) {
			uint64_t slot = (home + d) & t->mask;
			uint64_t k = cc_atomic_load_relaxed_u64(&keys[slot]);
			if (k == want) {
				out->key = &keys[slot];
				out->pay = &t->pay[slot];
				return true;
			}
			if (k == KEY_EMPTY)
				break;
		}
	}
	return false;
}

/* Removes a found entry, after its payload was read. */
static inline void cc__pf_index_remove(struct islot e)
{
	/* release: the remover's reads of the payload stay before the slot can be
	 * claimed again (the claimer's seq_cst CAS reads this store). */
	cc_atomic_store_release_u64(e.key, KEY_TOMB);
}

#pragma GCC visibility pop

#endif /* CCMEM_ALLOC_PROFILER_INDEX_H */

/*
 * alloc/profiler/index.c - the address index of sampled blocks: a lock-free
 * open-addressed hash table from a block's address to its size, time, thread,
 * stack and usable size (include/ccmem/profiler.h, Cross-thread frees).
 */
#include <stdint.h>
#include <sys/mman.h>

#include "profiler_internal.h"

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

static struct itab g_tab[IDX_TABLES];
static uint32_t g_tab_hi; /* atomic: tables in use this run */
static pthread_mutex_t g_tab_lock = PTHREAD_MUTEX_INITIALIZER;

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

/* Caller holds g_tab_lock. */
static bool tab_ensure(unsigned i)
{
	if (g_tab[i].keys != NULL)
		return true;
	unsigned bits = IDX_FIRST_SHIFT + 2 * i;
	uint64_t *keys = cc__pf_map_zeroed(sizeof(uint64_t) << bits);
	struct ipay *pay = cc__pf_map_zeroed(sizeof(struct ipay) << bits);
	if (keys == NULL || pay == NULL) {
		if (keys)
			munmap(keys, sizeof(uint64_t) << bits);
		if (pay)
			munmap(pay, sizeof(struct ipay) << bits);
		return false;
	}
	g_tab[i].pay = pay;
	g_tab[i].mask = ((uint64_t)1 << bits) - 1;
	g_tab[i].shift = 64 - bits;
	/* release: pay, mask and shift before the table is reachable. */
	cc_atomic_store_release_ptr((void **)&g_tab[i].keys, keys);
	return true;
}

/* New run: empty tables (stale entries of older runs would be dead anyway;
 * zeroing keeps probes short).  Hooks of older runs still in flight may write
 * into them: their keys carry an older generation. */
int cc__pf_index_reset(void)
{
	pthread_mutex_lock(&g_tab_lock);
	for (unsigned i = 0; i < IDX_TABLES; i++) {
		if (g_tab[i].keys == NULL)
			continue;
		madvise(g_tab[i].keys, sizeof(uint64_t) * (g_tab[i].mask + 1), MADV_DONTNEED);
		cc_atomic_store_relaxed_u64(&g_tab[i].maxdisp, 0);
	}
	int rc = tab_ensure(0) ? 0 : -1;
	cc_atomic_store_release_u32(&g_tab_hi, 1);
	pthread_mutex_unlock(&g_tab_lock);
	return rc;
}

static bool index_grow(uint32_t hi)
{
	bool ok = true;
	pthread_mutex_lock(&g_tab_lock);
	if (cc_atomic_load_relaxed_u32(&g_tab_hi) == hi) {
		if (hi >= IDX_TABLES || !tab_ensure(hi)) {
			ok = false;
		} else {
			cc_atomic_store_relaxed_u64(&g_tab[hi].maxdisp, 0);
			/* release: pairs with the acquire in cc__pf_index_insert/find; the table is ready. */
			cc_atomic_store_release_u32(&g_tab_hi, hi + 1);
		}
	}
	pthread_mutex_unlock(&g_tab_lock);
	return ok;
}

__attribute__((hot)) bool cc__pf_index_find(const void *ptr, uint64_t g, struct islot *out)
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
	uint32_t hi = cc_atomic_load_acquire_u32(&g_tab_hi);
	for (uint32_t i = hi; i-- > 0;) {
		struct itab *t = &g_tab[i];
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

bool cc__pf_index_insert(const void *ptr, uint64_t g, uint64_t size, uint64_t t0, uint64_t aux, uint64_t usable)
{
	uint64_t a = (uint64_t)(uintptr_t)ptr >> 3;
	if (a >> KEY_ADDR_BITS)
		return false;
	uint64_t gbits = key_gen(g);
	uint64_t busy = gbits | KEY_BUSY | a, final = gbits | a;
	uint64_t h = idx_hash(a);
	for (;;) {
		uint32_t hi = cc_atomic_load_acquire_u32(&g_tab_hi);
		if (hi == 0)
			return false;
		struct itab *t = &g_tab[hi - 1];
		uint64_t *keys = cc_atomic_load_acquire_ptr((void **)&t->keys);
		uint64_t home = h >> t->shift;
		for (uint64_t d = 0; d < IDX_MAX_PROBE; d++) {
			uint64_t slot = (home + d) & t->mask;
			uint64_t *kp = &keys[slot];
			struct ipay *e = &t->pay[slot];
			uint64_t k = cc_atomic_load_relaxed_u64(kp);
			while (k == KEY_EMPTY || key_dead(k, gbits)) {
				/* seq_cst CAS: claims the slot; a remover's payload reads are
				 * ordered before its release store of TOMB, which we read. */
				if (cc_atomic_cas_u64(kp, k, busy)) {
					cc_atomic_store_relaxed_u64(&e->size, size);
					cc_atomic_store_relaxed_u64(&e->t0, t0);
					cc_atomic_store_relaxed_u64(&e->aux, aux);
					cc_atomic_store_relaxed_u64(&e->usable, usable);
					uint64_t md = cc_atomic_load_relaxed_u64(&t->maxdisp);
					while (md < d && !cc_atomic_cas_u64(&t->maxdisp, md, d))
						md = cc_atomic_load_relaxed_u64(&t->maxdisp);
					/* Publish (seq_cst CAS, so release: the payload before the
					 * key for the leak scan's acquire).  Fails only if a newer
					 * run took the slot from this older one. */
					return cc_atomic_cas_u64(kp, busy, final);
				}
				k = cc_atomic_load_relaxed_u64(kp);
			}
		}
		if (!index_grow(hi))
			return false;
	}
}

bool cc__pf_index_gen_ok(uint64_t g)
{
	return (g & ((1u << (64 - KEY_GEN_SHIFT)) - 1)) != 0; /* key generation 0 is reserved for TOMB */
}

void cc__pf_index_remove(struct islot e)
{
	/* release: the remover's reads of the payload stay before the slot can be
	 * claimed again (the claimer's seq_cst CAS reads this store). */
	cc_atomic_store_release_u64(e.key, KEY_TOMB);
}

void cc__pf_index_visit(uint64_t g, void (*fn)(void *ctx, uint64_t addr, const struct ipay *e), void *ctx)
{
	uint64_t gbits = key_gen(g);
	uint32_t hi = cc_atomic_load_acquire_u32(&g_tab_hi);
	for (uint32_t t = 0; t < hi; t++) {
		uint64_t *keys = cc_atomic_load_acquire_ptr((void **)&g_tab[t].keys);
		if (keys == NULL)
			continue;
		for (uint64_t i = 0; i <= g_tab[t].mask; i++) {
			struct ipay *e = &g_tab[t].pay[i];
			/* acquire: pairs with the publishing CAS (payload first). */
			uint64_t k = cc_atomic_load_acquire_u64(&keys[i]);
			if (k == KEY_EMPTY || (k & KEY_BUSY) || key_dead(k, gbits))
				continue;
			struct ipay copy;
			copy.size = cc_atomic_load_relaxed_u64(&e->size);
			copy.t0 = cc_atomic_load_relaxed_u64(&e->t0);
			copy.aux = cc_atomic_load_relaxed_u64(&e->aux);
			copy.usable = cc_atomic_load_relaxed_u64(&e->usable);
			/* acquire fence, then the key again: the payload belongs to it. */
			cc_atomic_fence_acquire();
			if (cc_atomic_load_relaxed_u64(&keys[i]) != k)
				continue;
			fn(ctx, (k & (KEY_BUSY - 1)) << 3, &copy);
		}
	}
}

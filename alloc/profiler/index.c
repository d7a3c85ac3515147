/*
 * alloc/profiler/index.c - the address index of sampled blocks: a lock-free
 * open-addressed hash table from a block's address to its size, time, thread,
 * stack and usable size (include/ccmem/profiler.h, Cross-thread frees).
 */
#include <stdint.h>
#include <sys/mman.h>

#include "index.h"
#include "profiler_internal.h"

static pthread_mutex_t g_tab_lock = PTHREAD_MUTEX_INITIALIZER;
struct itab cc__pf_tab[IDX_TABLES];
uint32_t cc__pf_tab_hi;

/* Caller holds g_tab_lock. */
static bool tab_ensure(unsigned i)
{
	if (cc__pf_tab[i].keys != NULL)
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
	cc__pf_tab[i].pay = pay;
	cc__pf_tab[i].mask = ((uint64_t)1 << bits) - 1;
	cc__pf_tab[i].shift = 64 - bits;
	/* release: pay, mask and shift before the table is reachable. */
	cc_atomic_store_release_ptr((void **)&cc__pf_tab[i].keys, keys);
	return true;
}

/* New run: empty tables (stale entries of older runs would be dead anyway;
 * zeroing keeps probes short).  Hooks of older runs still in flight may write
 * into them: their keys carry an older generation. */
int cc__pf_index_reset(void)
{
	pthread_mutex_lock(&g_tab_lock);
	for (unsigned i = 0; i < IDX_TABLES; i++) {
		if (cc__pf_tab[i].keys == NULL)
			continue;
		madvise(cc__pf_tab[i].keys, sizeof(uint64_t) * (cc__pf_tab[i].mask + 1), MADV_DONTNEED);
		cc_atomic_store_relaxed_u64(&cc__pf_tab[i].maxdisp, 0);
	}
	int rc = tab_ensure(0) ? 0 : -1;
	cc_atomic_store_release_u32(&cc__pf_tab_hi, 1);
	pthread_mutex_unlock(&g_tab_lock);
	return rc;
}

static bool index_grow(uint32_t hi)
{
	bool ok = true;
	pthread_mutex_lock(&g_tab_lock);
	if (cc_atomic_load_relaxed_u32(&cc__pf_tab_hi) == hi) {
		if (hi >= IDX_TABLES || !tab_ensure(hi)) {
			ok = false;
		} else {
			cc_atomic_store_relaxed_u64(&cc__pf_tab[hi].maxdisp, 0);
			/* release: pairs with the acquire in cc__pf_index_insert/find; the table is ready. */
			cc_atomic_store_release_u32(&cc__pf_tab_hi, hi + 1);
		}
	}
	pthread_mutex_unlock(&g_tab_lock);
	return ok;
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
		uint32_t hi = cc_atomic_load_acquire_u32(&cc__pf_tab_hi);
		if (hi == 0)
			return false;
		struct itab *t = &cc__pf_tab[hi - 1];
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

void cc__pf_index_visit(uint64_t g, void (*fn)(void *ctx, uint64_t addr, const struct ipay *e), void *ctx)
{
	uint64_t gbits = key_gen(g);
	uint32_t hi = cc_atomic_load_acquire_u32(&cc__pf_tab_hi);
	for (uint32_t t = 0; t < hi; t++) {
		uint64_t *keys = cc_atomic_load_acquire_ptr((void **)&cc__pf_tab[t].keys);
		if (keys == NULL)
			continue;
		for (uint64_t i = 0; i <= cc__pf_tab[t].mask; i++) {
			struct ipay *e = &cc__pf_tab[t].pay[i];
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

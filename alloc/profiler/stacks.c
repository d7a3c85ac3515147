/*
 * alloc/profiler/stacks.c - call stacks of sampled blocks: capture (an
 * embedding interpreter's frames first, then the native ones above the glue)
 * and the stack depot, where each distinct stack is stored once for the life
 * of the process.
 */
#include <execinfo.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "profiler_internal.h"

/* ---- stack depot --------------------------------------------------------------------- */

/* Unique stacks, stored once, immutable, kept for the life of the process.
 * id = offset / 8 + 1 (0: none). */
#define DEPOT_BYTES ((uint64_t)64 << 20)
#define DEPOT_SLOTS ((uint64_t)1 << 18)

static char *g_depot;           /* published with release under cc__pf_ctl */
static uint64_t *g_depot_index; /* ids, claimed by CAS */
static uint64_t g_depot_used;   /* bump offset: one atomic add per NEW stack */

int cc__pf_depot_init(void)
{
	if (cc_atomic_load_acquire_ptr((void **)&g_depot) != NULL)
		return 0;
	uint64_t *idx = cc__pf_map_zeroed(DEPOT_SLOTS * sizeof(uint64_t));
	char *d = cc__pf_map_zeroed(DEPOT_BYTES);
	if (idx == NULL || d == NULL) {
		if (idx)
			munmap(idx, DEPOT_SLOTS * sizeof(uint64_t));
		if (d)
			munmap(d, DEPOT_BYTES);
		return -1;
	}
	g_depot_index = idx;
	/* release: the index before the depot is seen as ready. */
	cc_atomic_store_release_ptr((void **)&g_depot, d);
	return 0;
}

const struct dstack *cc__pf_depot_get(uint32_t id)
{
	char *d = cc_atomic_load_acquire_ptr((void **)&g_depot);
	if (id == 0 || d == NULL)
		return NULL;
	return (const struct dstack *)(d + (uint64_t)(id - 1) * 8);
}

static uint32_t depot_put(void *const *pc, int n, uint32_t nforeign)
{
	char *d = cc_atomic_load_acquire_ptr((void **)&g_depot);
	if (d == NULL || n <= 0)
		return 0;
	uint64_t hash = 0xcbf29ce484222325ull ^ nforeign;
	for (int i = 0; i < n; i++)
		hash = (hash ^ (uint64_t)(uintptr_t)pc[i]) * 0x100000001b3ull;
	hash |= 1;
	uint64_t i0 = (hash * 0x9E3779B97F4A7C15ull) >> (64 - 18);
	uint32_t mine = 0;
	for (uint64_t probe = 0; probe < 64; probe++) {
		uint64_t *slot = &g_depot_index[(i0 + probe) & (DEPOT_SLOTS - 1)];
		/* acquire: pairs with the CAS that published the id (stack written first). */
		uint64_t id = cc_atomic_load_acquire_u64(slot);
		if (id == 0) {
			if (mine == 0) {
				uint64_t bytes = (sizeof(struct dstack) + (uint64_t)n * sizeof(void *) + 7) & ~(uint64_t)7;
				uint64_t off = cc_atomic_faa_u64(&g_depot_used, bytes);
				if (off + bytes > DEPOT_BYTES)
					return 0; /* depot full: no stack for this block */
				struct dstack *s = (struct dstack *)(d + off);
				s->hash = hash;
				s->n = (uint32_t)n;
				s->nforeign = nforeign;
				memcpy(s->pc, pc, (size_t)n * sizeof(void *));
				mine = (uint32_t)(off / 8 + 1);
			}
			/* seq_cst CAS (release): the stack before its id. */
			if (cc_atomic_cas_u64(slot, 0, mine))
				return mine;
			id = cc_atomic_load_acquire_u64(slot);
		}
		const struct dstack *s = (const struct dstack *)(d + (id - 1) * 8);
		if (s->hash == hash && s->n == (uint32_t)n && s->nforeign == nforeign && memcmp(s->pc, pc, (size_t)n * sizeof(void *)) == 0)
			return (uint32_t)id;
	}
	return mine; /* index crowded: keep our own copy unindexed (0 if none) */
}

extern char __start_ccmem_hook_text[] __attribute__((visibility("hidden")));
extern char __stop_ccmem_hook_text[] __attribute__((visibility("hidden")));

static inline bool in_hook_text(const void *pc)
{
	return (const char *)pc >= __start_ccmem_hook_text && (const char *)pc < __stop_ccmem_hook_text;
}

/* The caller's stack above the glue: the frame source's frames first (an
 * embedding interpreter's, innermost first), then the native frames; frames
 * inside ccmem_hook_text (the glue's entry points and this path) are
 * dropped. */
__attribute__((noinline)) CC__HOOK_TEXT uint32_t cc__pf_capture_stack(const struct prec *r)
{
	void *buf[MAX_FRAMES + 8];
	void *out[MAX_FRAMES];
	int n = backtrace(buf, (int)r->frames + 8);
	/* Frames before the first of ours belong to backtrace itself (or a
	 * sanitizer's interceptor of it); then ours; then the caller. */
	int first = 0, skip;
	while (first < n && !in_hook_text(buf[first]))
		first++;
	if (first == n)
		first = 0;
	skip = first;
	while (skip < n && in_hook_text(buf[skip]))
		skip++;
	size_t nf = 0;
	if (r->capture != NULL) {
		uint64_t tok[MAX_FRAMES];
		nf = r->capture(r->capture_arg, tok, r->frames);
		if (nf > r->frames)
			nf = r->frames;
		for (size_t i = 0; i < nf; i++)
			out[i] = (void *)(uintptr_t)tok[i];
	}
	int keep = n - skip;
	if (keep > (int)(r->frames - nf))
		keep = (int)(r->frames - nf);
	memcpy(out + nf, buf + skip, (size_t)keep * sizeof(void *));
	return depot_put(out, (int)nf + keep, (uint32_t)nf);
}

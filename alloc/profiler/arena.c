/*
 * alloc/profiler/arena.c - the arena of sampled blocks (arena.h): reserving
 * it below the rest of the heap, the side table, each thread's heap in it
 * (created on the thread's first sampled allocation, given up when the
 * thread exits) and the scan of the live entries for the leak list.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "arena.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000 /* Linux 4.17; older kernels take it as a hint */
#endif

uint64_t cc__pf_arena_lo, cc__pf_arena_size;
struct aent *cc__pf_arena_tab;

#if CC_PF_ARENA
static bool g_tried;           /* under cc__pf_ctl */
static mi_arena_id_t g_arena;  /* set before cc__pf_arena_lo, read-only afterwards */
_Thread_local mi_heap_t *cc__pf_tls_heap __attribute__((tls_model("initial-exec")));

/*
 * Where the arena goes.  The inline free path sends a block to the hooks when
 * its address is below the arena's end, so the arena should lie below every
 * other block: mimalloc places its segments from 2 TiB up (its aligned
 * hints) or just below the shared libraries (about 128 TiB), and a PIE
 * program's own heap sits near 90 TiB.  The first free range among these
 * hints is taken (MAP_FIXED_NOREPLACE: never over an existing mapping).  A
 * block of the rest of the heap that still lies below the end only costs its
 * free a trip to the hooks, which tell it apart by the exact range.
 */
static const uint64_t g_hints[] = {
	(uint64_t)1 << 40,        /* 1 TiB */
	(uint64_t)3 << 39,        /* 1.5 TiB */
	(uint64_t)1 << 39,        /* 512 GiB */
	(uint64_t)1 << 38,        /* 256 GiB */
};

static void *map_arena(uint64_t size)
{
	for (size_t i = 0; i < sizeof g_hints / sizeof g_hints[0]; i++) {
		void *want = (void *)(uintptr_t)g_hints[i];
		void *p = mmap(want, size, PROT_READ | PROT_WRITE,
		               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
		if (p == want)
			return p;
		if (p != MAP_FAILED)
			munmap(p, size); /* a kernel that took the flag as a hint put it elsewhere */
	}
	return NULL;
}

/* CCMEM_PROFILER_ARENA_MB, or the default (a malformed value is reported
 * and ignored, as the glue's other variables are). */
static uint64_t arena_mb(void)
{
	const char *v = getenv("CCMEM_PROFILER_ARENA_MB");
	if (v == NULL || *v == '\0')
		return ARENA_DEFAULT_MB;
	char *end;
	errno = 0;
	unsigned long long mb = strtoull(v, &end, 10);
	if (errno != 0 || *end != '\0' || *v == '-' || mb > ARENA_MAX_MB || mb % ARENA_STEP_MB != 0) {
		fprintf(stderr,
		        "ccmem: CCMEM_PROFILER_ARENA_MB=%s is not a size of the profiler's arena (valid: 0, or a multiple "
		        "of %d up to %d); using %d\n",
		        v, ARENA_STEP_MB, ARENA_MAX_MB, ARENA_DEFAULT_MB);
		return ARENA_DEFAULT_MB;
	}
	return mb;
}

bool cc__pf_arena_init(void)
{
	if (g_tried)
		return cc__pf_arena_size != 0;
	g_tried = true;
	uint64_t size = arena_mb() << 20;
	if (size == 0)
		return false;
	void *tab = cc__pf_map_zeroed((size / 8) * sizeof(struct aent));
	if (tab == NULL)
		return false;
	void *base = map_arena(size);
	/* committed and zeroed: mimalloc only resets what it frees (MADV_DONTNEED
	 * or MADV_FREE); exclusive: no other heap allocates here. */
	if (base == NULL || !mi_manage_os_memory_ex(base, size, true, false, true, -1, true, &g_arena)) {
		if (base != NULL)
			munmap(base, size);
		munmap(tab, (size / 8) * sizeof(struct aent));
		return false;
	}
	cc__pf_arena_tab = tab;
	cc__pf_arena_lo = (uint64_t)(uintptr_t)base;
	cc__pf_arena_size = size;
	return true;
}

/*
 * Thread exit.  mimalloc deletes a thread's heaps in its pthread-key
 * destructor (moving their pages to the thread's backing heap, which is then
 * abandoned: blocks still live stay valid and may be freed by any thread).
 * That destructor can run before other destructors that allocate, so the
 * heap pointer must be dropped earlier: a C++-style thread_local destructor
 * (__cxa_thread_atexit_impl, glibc) runs before every pthread-key
 * destructor.  From then on the thread's sampled blocks go to the index.
 */
extern int __cxa_thread_atexit_impl(void (*fn)(void *), void *obj, void *dso) __attribute__((weak));
extern void *__dso_handle __attribute__((visibility("hidden")));

static void heap_gone(void *arg)
{
	(void)arg;
	cc__pf_tls_heap = HEAP_GONE;
}

mi_heap_t *cc__pf_arena_heap_slow(void)
{
	if (cc__pf_tls_heap == HEAP_GONE || cc__pf_arena_size == 0 || __cxa_thread_atexit_impl == NULL)
		return NULL;
	mi_heap_t *h = mi_heap_new_in_arena(g_arena);
	if (h == NULL)
		return NULL; /* tried again at the next sampled allocation */
	if (__cxa_thread_atexit_impl(heap_gone, NULL, &__dso_handle) != 0) {
		/* no destructor, no heap: it could not be dropped in time */
		mi_heap_delete(h);
		cc__pf_tls_heap = HEAP_GONE;
		return NULL;
	}
	cc__pf_tls_heap = h;
	return h;
}
#else
bool cc__pf_arena_init(void)
{
	return false;
}
#endif

void cc__pf_arena_visit(uint64_t g, uint64_t hi, void (*fn)(void *ctx, uint64_t addr, const struct ipay *e),
                        void *ctx)
{
	if (hi > cc__pf_arena_size)
		hi = cc__pf_arena_size;
	for (uint64_t i = 0; i < hi / 8; i++) {
		struct aent *e = &cc__pf_arena_tab[i];
		/* acquire: pairs with the release store in cc__pf_arena_enter. */
		if (cc_atomic_load_acquire_u64(&e->gen) != g)
			continue;
		uint64_t size = cc_atomic_load_relaxed_u64(&e->size);
		uint64_t t0 = cc_atomic_load_relaxed_u64(&e->t0);
		uint64_t aux = cc_atomic_load_relaxed_u64(&e->aux);
		/* acquire fence, then the generation again: the payload belongs to it. */
		cc_atomic_fence_acquire();
		if (cc_atomic_load_relaxed_u64(&e->gen) != g)
			continue;
		struct ipay copy;
		copy.size = size & ENT_SIZE_MASK;
		copy.t0 = t0;
		copy.aux = (size >> ENT_OWNER_SHIFT) << 32 | (uint32_t)aux;
		copy.usable = aux >> 32;
		fn(ctx, cc__pf_arena_lo + i * 8, &copy);
	}
}

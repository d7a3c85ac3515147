/*
 * alloc/profiler/arena.h - the arena of sampled blocks: its layout, the side
 * table of the blocks in it, and the inline parts of the hooks' paths
 * (allocation from the thread's arena heap, entering and finding a block).
 * The rest is arena.c.  Not installed.
 *
 * A sampled block is allocated from a mimalloc heap of the calling thread
 * that lives in an exclusive mimalloc arena (mi_manage_os_memory_ex with
 * exclusive set, mi_heap_new_in_arena): cc__pf_arena_size bytes of address space
 * that only these heaps allocate from, placed below the rest of the heap
 * (arena.c).  So
 *   - a free recognises a sampled block by its address: the inline path by
 *     one compare with the arena's end (ccmem/alloc.h), the hooks by the
 *     range;
 *   - the block is an ordinary mimalloc block at its own address: mi_free,
 *     mi_usable_size, aligned requests, cross-thread frees and frees long
 *     after the run work as for any other block, and the profiler adds no
 *     header to it;
 *   - what the profiler keeps of the block (size, time, thread, stack,
 *     usable size) sits in a side table indexed by the block's offset in the
 *     arena, one 32-byte entry per 8 bytes of arena (mimalloc's blocks are at
 *     least 8 bytes and 8-aligned, so two live blocks never share an entry),
 *     mapped once with MAP_NORESERVE and touched only where blocks live.
 * An entry carries the generation of its run, written last at the sampled
 * allocation and cleared by the free that sees it; a block freed outside any
 * hook (after its run) leaves a stale generation behind, which no later run
 * matches.
 */
#ifndef CCMEM_ALLOC_PROFILER_ARENA_H
#define CCMEM_ALLOC_PROFILER_ARENA_H

#include "profiler_internal.h"

#if CC_PF_ARENA
#include <mimalloc.h>
#endif

#pragma GCC visibility push(hidden)

/* One entry of the side table.  Atomic words: written by the allocating
 * thread, read and cleared by the freeing one (ordered by the program's own
 * handing over of the block), read by the leak scan (generation acquire
 * first, payload, then the generation again). */
struct aent {
	uint64_t gen;  /* run of the sampled block here; anything else: none */
	uint64_t size; /* requested bytes | owner index << ENT_OWNER_SHIFT */
	uint64_t t0;   /* ticks at allocation */
	uint64_t aux;  /* stack id | usable bytes << 32 (a block of the arena has fewer than 2^32) */
};
#define ENT_OWNER_SHIFT 48
#define ENT_SIZE_MASK (((uint64_t)1 << ENT_OWNER_SHIFT) - 1)
_Static_assert(ARENA_MAX_MB <= 4096, "usable sizes of the arena's blocks fit in 32 bits");

/* Start and size of the arena; size 0 when there is none (then no address
 * is in it).  Written once under cc__pf_ctl before the first run that uses
 * it, read-only afterwards (a hook reads them after its run's generation,
 * published with release later). */
extern uint64_t cc__pf_arena_lo, cc__pf_arena_size;
extern struct aent *cc__pf_arena_tab;

/* Reserves the arena (CCMEM_PROFILER_ARENA_MB MiB: 0 means none; a multiple
 * of 64, at most 4096, default 1024) and maps the side table, once per
 * process (later calls return what the first found).  Caller holds
 * cc__pf_ctl.  true when there is an arena. */
bool cc__pf_arena_init(void);

/* Calls fn for every entry of run g at an offset below hi (bytes), payload
 * read consistently, as the index's visitor does. */
void cc__pf_arena_visit(uint64_t g, uint64_t hi, void (*fn)(void *ctx, uint64_t addr, const struct ipay *e),
                        void *ctx);

static inline bool cc__pf_in_arena(const void *p)
{
	return (uint64_t)(uintptr_t)p - cc__pf_arena_lo < cc__pf_arena_size;
}

static inline struct aent *cc__pf_arena_entry(const void *p)
{
	return &cc__pf_arena_tab[((uint64_t)(uintptr_t)p - cc__pf_arena_lo) >> 3];
}

#if CC_PF_ARENA
/* The calling thread's heap in the arena: NULL until its first sampled
 * allocation, HEAP_GONE once the thread is exiting (mimalloc deletes the
 * heap when the thread ends). */
#define HEAP_GONE ((mi_heap_t *)(uintptr_t)1)
extern _Thread_local mi_heap_t *cc__pf_tls_heap __attribute__((tls_model("initial-exec")));

/* Creates the calling thread's heap: NULL when it cannot (no arena, the
 * thread is exiting, out of memory). */
mi_heap_t *cc__pf_arena_heap_slow(void);

/* A block from the calling thread's arena heap (any mode with the mimalloc
 * backend; the hooks check that the block lies in the arena: mimalloc may
 * serve an arena heap from elsewhere).  NULL when there is no heap or no
 * room. */
static inline void *cc__pf_arena_alloc(size_t size, size_t align, bool zero)
{
	mi_heap_t *h = cc__pf_tls_heap;
	if (CC_UNLIKELY((uintptr_t)h <= 1) && (h = cc__pf_arena_heap_slow()) == NULL)
		return NULL;
	if (CC_LIKELY(align == 0))
		return zero ? mi_heap_zalloc(h, size) : mi_heap_malloc(h, size);
	/* _at: mimalloc #700, see alloc/backend.c */
	return zero ? mi_heap_zalloc_aligned_at(h, size, align, 0) : mi_heap_malloc_aligned_at(h, size, align, 0);
}

/* The calling thread's arena heap, if it has one (heap areas, heap.c). */
static inline mi_heap_t *cc__pf_arena_heap(void)
{
	mi_heap_t *h = cc__pf_tls_heap;
	return (uintptr_t)h > 1 ? h : NULL;
}
#endif

/* Enters sampled block p (in the arena) of run g for record r. */
static inline void cc__pf_arena_enter(struct prec *r, const void *p, uint64_t g, uint64_t size, uint64_t t0,
                                      uint32_t stack, uint64_t usable)
{
	uint64_t off = (uint64_t)(uintptr_t)p - cc__pf_arena_lo;
	struct aent *e = &cc__pf_arena_tab[off >> 3];
	cc_atomic_store_relaxed_u64(&e->size, size | (uint64_t)r->idx << ENT_OWNER_SHIFT);
	cc_atomic_store_relaxed_u64(&e->t0, t0);
	cc_atomic_store_relaxed_u64(&e->aux, stack | usable << 32);
	/* release: pairs with the leak scan's acquire load (payload first). */
	cc_atomic_store_release_u64(&e->gen, g);
	/* the leak scan reads entries up to the records' highest offset */
	if (off >= r->arena_hi)
		cc_atomic_store_relaxed_u64(&r->arena_hi, off + 8);
}

#pragma GCC visibility pop

#endif /* CCMEM_ALLOC_PROFILER_ARENA_H */

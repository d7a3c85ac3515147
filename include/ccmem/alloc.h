/*
 * ccmem/alloc.h - the allocation glue: node allocation over mimalloc.
 *
 * Every function here may be called from any thread at any time, and a block
 * may be freed on a thread other than the one that allocated it (mimalloc, or
 * the C library, handles the cross-thread free).
 *
 * Cost.  The functions are static inline.  While the glue runs in its plain
 * mode (backend mimalloc, statistics off, no debug fill, no profiler), a
 * cc_alloc/cc_free pair is a mi_malloc/mi_free pair plus one relaxed load of a
 * global word (the allocation gate, the free bound) and one predictable
 * branch each.  In every other mode the call
 * goes to an out-of-line path in the library, which validates, dispatches to
 * the backend and counts; the exceptions are statistics on with the
 * mimalloc backend, counted inline into the thread's own record (three or
 * four relaxed load/store pairs and one mi_usable_size call, no shared cache
 * line) once the thread has one, and a
 * running profiler alone with the mimalloc backend, whose unsampled events
 * stay inline (a thread-local countdown per allocation, one address compare
 * per free; ccmem/profiler.h).
 *
 * Errors: NULL with errno set, never undefined behaviour inside the glue.
 *
 *   size 0 (cc_alloc, cc_alloc_aligned, cc_alloc_node,
 *   either cc_calloc factor)                          NULL, errno EINVAL
 *   cc_calloc count * size overflows                  NULL, errno ENOMEM
 *   alignment 0, not a power of two,
 *   or above CC_ALLOC_MAX_ALIGNMENT                   NULL, errno EINVAL
 *   size above PTRDIFF_MAX, or a size whose rounding
 *   to the cache line / alignment overflows           NULL, errno ENOMEM
 *   the backend returns NULL                          NULL, errno ENOMEM,
 *                                                     statistics unchanged
 *   cc_free(NULL, n), cc_free_unsized(NULL)           nothing happens,
 *                                                     statistics unchanged
 *
 * Double frees and foreign pointers are not detected (rely on ASan in tests:
 * ASan builds use the system backend, which ASan sees).
 *
 * Statistics (CC_ALLOC_STATS=1, the default build): off at start, switched at
 * run time by cc_alloc_stats_enable (or CCMEM_ALLOC_STATS=1).  Counters are
 * per thread (no shared cache line on the allocation path) and summed by
 * cc_alloc_stats_snapshot; a thread that has exited stays in the totals.  A
 * snapshot taken while other threads allocate is a sum of per-thread values
 * each read at some moment during the call; once those threads are joined it
 * is exact.
 *
 * Which size is counted: alloc_bytes counts the size the caller asked for
 * (cc_alloc, cc_alloc_aligned; cc_alloc_node counts `size`, not the size
 * rounded up to whole cache lines; cc_calloc counts count * size); free_bytes
 * counts the size the caller passes to cc_free, and for cc_free_unsized the
 * block's usable size (cc_alloc_usable_size: mi_usable_size, or
 * malloc_usable_size for the system backend), the only size the free can
 * find.  current_allocated is kept apart, in usable bytes on both sides: each
 * counted allocation adds its block's usable size and each counted free,
 * sized or unsized, on any thread, subtracts it, so once every block
 * allocated while statistics were on is freed it is exactly 0 whichever free
 * function was used.  (It is therefore at least the requested bytes of the
 * live blocks, not alloc_bytes - free_bytes.)  Blocks allocated before
 * statistics were switched on, or freed after they were switched off, are
 * not counted on that side: freeing the former subtracts bytes that were
 * never added (current_allocated reads low, clamped at 0, and is exactly 0
 * again once every block is freed), and the latter stay in current_allocated.
 */
#ifndef CCMEM_ALLOC_H
#define CCMEM_ALLOC_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* CC_NO_MIMALLOC=1 builds the glue without mimalloc (the benchmarks' system-
 * allocator binary, which must not link Debian's libmimalloc: it replaces
 * malloc process-wide).  The plain mode's inline paths then call the C
 * library, and the mimalloc backend is refused (src/config.c).  Not for
 * installed builds. */
#ifndef CC_NO_MIMALLOC
#define CC_NO_MIMALLOC 0
#endif
#if CC_NO_MIMALLOC
#include <stdlib.h>
static inline void *cc__libc_aligned(size_t size, size_t align, bool zero)
{
	/* C11 aligned_alloc wants a multiple of the alignment; the callers' sizes
	 * are small enough (checked against the gate) that rounding cannot wrap. */
	void *p = aligned_alloc(align, (size + align - 1) & ~(align - 1));
	if (p != NULL && zero)
		__builtin_memset(p, 0, size);
	return p;
}
#define mi_malloc(n) malloc(n)
#define mi_zalloc(n) calloc(1, (n))
#define mi_malloc_aligned_at(n, a, off) ((void)(off), cc__libc_aligned((n), (a), false))
#define mi_free(p) free(p)
#include <malloc.h>
#define mi_usable_size(p) malloc_usable_size((void *)(p))
#else
#include <mimalloc.h>
#endif

#include "ccmem/atomic.h"
#include "ccmem/build_config.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest alignment cc_alloc_aligned accepts: 1 MiB. */
#define CC_ALLOC_MAX_ALIGNMENT ((size_t)1 << 20)

/* ---- statistics ---------------------------------------------------------- */

typedef struct {
	uint64_t alloc_count;
	uint64_t free_count;
	uint64_t alloc_bytes;
	uint64_t free_bytes; /* sized frees: the size passed; unsized: usable size */
	/* usable bytes of the blocks live now, over the whole time statistics
	 * were on (unaffected by cc_alloc_stats_reset; 0 if frees of blocks
	 * allocated before statistics were switched on outweigh the rest). */
	uint64_t current_allocated;
	/* frees through cc_free_unsized (their usable sizes are in free_bytes). */
	uint64_t unsized_free_count;
} cc_alloc_snapshot_t;

/* Switches counting on or off for every thread.  Any thread.  With
 * CC_ALLOC_STATS=0 the call does nothing and sets errno to ENOTSUP. */
void cc_alloc_stats_enable(bool enable);

/* True while statistics are being counted. */
bool cc_alloc_stats_enabled(void);

/* Sums every thread's counters (live and exited).  Any thread; takes the
 * registry lock, O(threads ever seen). All zeros with CC_ALLOC_STATS=0. */
cc_alloc_snapshot_t cc_alloc_stats_snapshot(void);

/* Makes the cumulative counters (counts and bytes) start again from zero;
 * current_allocated keeps tracking live bytes.  Any thread.  Allocations that
 * race with the reset land on one side of it or the other. */
void cc_alloc_stats_reset(void);

/* The usable size of a live block from any cc_alloc* call (at least the size
 * asked for): what cc_free_unsized counts in free_bytes and what
 * current_allocated counts.  Any thread; 0 for NULL.  A few dozen
 * instructions (mi_usable_size, or malloc_usable_size for blocks of the
 * system backend). */
size_t cc_alloc_usable_size(const void *ptr);

/* ---- internals of the inline paths (not for direct use) ------------------ */

/* Gate: CC__GATE_OPEN while the plain mode is in force, 0 otherwise.  The
 * fast paths test `size - 1 < gate`, which also sends size 0 and sizes above
 * PTRDIFF_MAX to the out-of-line path with one compare. */
#define CC__GATE_OPEN ((uint64_t)PTRDIFF_MAX)
extern uint64_t cc__alloc_gate;

/* The free bound: a free of a block at or above this address is mi_free
 * inline.  0 in the plain mode (every block, NULL included); while the mode
 * is exactly "profiler", the run's bound (the end of the profiler's arena of
 * sampled blocks, or CC__PROF_ALL); UINT64_MAX in every other mode (every
 * free goes out of line).  One word, so the plain mode and the profiler's
 * inline free cost the same load, compare and branch. */
extern uint64_t cc__alloc_free_from;

void *cc__alloc_slow(size_t size);
void *cc__calloc_slow(size_t count, size_t size);
void *cc__alloc_aligned_slow(size_t size, size_t alignment);
void *cc__alloc_node_slow(size_t size);
void cc__free_slow(void *ptr, size_t size, bool sized);

/* The public entry points inline in every build (sanitizers and -O0
 * included): their cost is the contract above, and a profiler's captured
 * stack starts at their caller. */
#define CC__ALWAYS_INLINE static inline __attribute__((always_inline))

static inline uint64_t cc__gate(void)
{
	/* relaxed: the gate only chooses a path; every path frees correctly in
	 * every mode the gate can lag behind (src/config_internal.h). */
	return cc_atomic_load_relaxed_u64(&cc__alloc_gate);
}

static inline uint64_t cc__free_from(void)
{
	/* relaxed: one word that only chooses a path, like the gate (src/config.c
	 * says why a stale value never sends a sampled block of a run, or a block
	 * of another backend, to mi_free). */
	return cc_atomic_load_relaxed_u64(&cc__alloc_free_from);
}

static inline bool cc__align_ok(size_t alignment)
{
	return alignment - 1 < CC_ALLOC_MAX_ALIGNMENT && (alignment & (alignment - 1)) == 0;
}

#if CC_ALLOC_STATS
/* One thread's counters (alloc/stats.c): written by the owner only. */
/* CC__C_LIVE: usable bytes allocated minus usable bytes freed by this thread,
 * a wrapping sum (one thread's may be "negative"; the total is exact). */
enum { CC__C_ALLOC_COUNT, CC__C_FREE_COUNT, CC__C_ALLOC_BYTES, CC__C_FREE_BYTES, CC__C_UNSIZED, CC__C_LIVE, CC__C_NUM };
struct cc__tstats {
	uint64_t c[CC__C_NUM];
	uint32_t owned;          /* 1 while a live thread counts into it */
	struct cc__tstats *next; /* registry list; immutable once published */
} __attribute__((aligned(CC_CACHE_LINE_SIZE)));

/* The calling thread's record (NULL until its first counted call).  Initial-
 * exec TLS, as mimalloc's own heap pointer: one %fs-relative load. */
extern _Thread_local struct cc__tstats *cc__tls_stats __attribute__((tls_model("initial-exec")));

/* 1 while the mode is exactly "statistics on, mimalloc backend": counting
 * then stays inline (no call) once the thread has its record. */
extern uint32_t cc__alloc_stats_fast;

static inline struct cc__tstats *cc__stats_fast_record(void)
{
	/* relaxed: chooses a path only, like the gate. */
	return cc_atomic_load_relaxed_u32(&cc__alloc_stats_fast) ? cc__tls_stats : NULL;
}

static inline void cc__stats_bump(struct cc__tstats *t, int idx, uint64_t v)
{
	/* single writer: relaxed load + relaxed store; snapshots load relaxed. */
	cc_atomic_store_relaxed_u64(&t->c[idx], cc_atomic_load_relaxed_u64(&t->c[idx]) + v);
}

/* Counts a successful allocation; a NULL from mimalloc becomes ENOMEM. */
static inline void *cc__stats_counted(struct cc__tstats *t, void *p, size_t counted)
{
	if (CC_LIKELY(p != NULL)) {
		cc__stats_bump(t, CC__C_ALLOC_COUNT, 1);
		cc__stats_bump(t, CC__C_ALLOC_BYTES, counted);
		cc__stats_bump(t, CC__C_LIVE, mi_usable_size(p));
	} else {
		errno = ENOMEM;
	}
	return p;
}
#define CC__STATS_ALLOC(ok, expr, counted)                                                             \
	do {                                                                                               \
		struct cc__tstats *t_ = cc__stats_fast_record();                                               \
		if (t_ != NULL && (ok))                                                                        \
			return cc__stats_counted(t_, (expr), (counted));                                           \
	} while (0)
#define CC__STATS_FREE(ptr, size, sized)                                                               \
	do {                                                                                               \
		struct cc__tstats *t_ = cc__stats_fast_record();                                               \
		if (t_ != NULL && (ptr) != NULL) {                                                             \
			size_t u_ = mi_usable_size(ptr);                                                           \
			cc__stats_bump(t_, CC__C_FREE_COUNT, 1);                                                   \
			cc__stats_bump(t_, CC__C_FREE_BYTES, (sized) ? (size) : u_);                               \
			if (!(sized))                                                                              \
				cc__stats_bump(t_, CC__C_UNSIZED, 1);                                                  \
			cc__stats_bump(t_, CC__C_LIVE, (uint64_t)0 - u_);                                          \
			mi_free(ptr);                                                                              \
			return;                                                                                    \
		}                                                                                              \
	} while (0)
#else
#define CC__STATS_ALLOC(ok, expr, counted) ((void)0)
#define CC__STATS_FREE(ptr, size, sized) ((void)0)
#endif /* CC_ALLOC_STATS */

/* ---- the profiler's inline path (the hooks of alloc/hook.h) --------------- */

/* While a profiler runs and the mode is exactly "profiler" (mimalloc backend,
 * no statistics, no fill, nothing foreign), allocations stay inline: each
 * decrements the thread's countdown to its next sampled allocation (geometric
 * gaps, so each is sampled with probability sample_rate) and only the sampled
 * one goes out of line.  A free stays inline unless the block lies below
 * the free bound (cc__alloc_free_from): the profiler keeps its sampled blocks
 * in an arena of its own placed below the rest of the heap, so the plain
 * mode's one compare tells them apart (CC__PROF_ALL while every free must be
 * seen: sample_rate 1, or a run that keeps some sampled blocks elsewhere).
 * No shared write on the unsampled path: the countdown is the thread's own. */

/* The thread's countdown and the run it belongs to.  Owner only.
 * word = (run mod 2^40) << 24 | c, where c (1 .. 2^24 - 1) is the number of
 * allocations up to and including the next one that ends a stretch of the
 * countdown (the sampled one, or for gaps of 2^24 and more a stretch's end,
 * which the hooks resume); a word of no run is 1. */
#define CC__PROF_CD_BITS 24
#define CC__PROF_CD_MASK (((uint64_t)1 << CC__PROF_CD_BITS) - 1)
struct cc__tprof {
	uint64_t word;
	uint64_t gen; /* run of the countdown; UINT64_MAX: none */
};
extern _Thread_local struct cc__tprof cc__tls_prof __attribute__((tls_model("initial-exec")));

/* (run mod 2^40) << 24 for the running profiler's run while the mode is
 * exactly "profiler"; UINT64_MAX otherwise.  A thread's word minus one is
 * above it exactly when the word is of this run and c >= 2: one compare
 * checks both. */
extern uint64_t cc__alloc_prof_key;

/* While the mode is exactly "profiler", cc__alloc_free_from (above) is the
 * run's inline bound: blocks below it go straight to the hooks
 * (cc__free_hooked); CC__PROF_ALL sends every free there. */
#define CC__PROF_ALL (UINT64_MAX - 1)

/* A free of the mode "profiler" that the inline bound sends to the hooks
 * (alloc/glue.c).  NULL does nothing. */
void cc__free_hooked(void *ptr, size_t size, bool sized);

/* The sampled allocation (the one that brings the countdown to 0) of a
 * validated request: out of line in alloc/glue.c, which hands it to the
 * installed hooks (alloc/hook.h). */
void *cc__alloc_sampled_slow(size_t size, size_t align, bool zero, size_t counted);

/* The run's key (relaxed: chooses a path only, like the gate; a thread
 * seeing the run's end late allocates through the previous mode's path,
 * which is safe). */
static inline uint64_t cc__prof_key(void)
{
	return cc_atomic_load_relaxed_u64(&cc__alloc_prof_key);
}

/* An inline allocation of the mode "profiler" that mimalloc failed: gives
 * the countdown its allocation back (not an allocation: not counted) and
 * sets errno to ENOMEM; returns NULL (alloc/glue.c). */
void *cc__prof_alloc_failed(void) __attribute__((cold));

static inline void *cc__prof_done(void *p)
{
	/* out of line, so that the common path keeps no thread-local address
	 * live across the allocator call */
	if (CC_UNLIKELY(p == NULL))
		return cc__prof_alloc_failed();
	return p;
}

#define CC__PROF_ALLOC(ok, expr, size, align, zero, counted)                                           \
	do {                                                                                               \
		if (ok) {                                                                                      \
			uint64_t w_ = cc__tls_prof.word - 1, k_ = cc__prof_key();                                  \
			if (CC_LIKELY(w_ > k_)) {                                                                  \
				cc__tls_prof.word = w_;                                                                \
				return cc__prof_done(expr);                                                            \
			}                                                                                          \
			if (w_ == k_) /* c == 1: this run's stretch ends here */                                   \
				return cc__alloc_sampled_slow((size), (align), (zero), (counted));                     \
		}                                                                                              \
	} while (0)
/* A free below the free bound `b`: the profiler's hooks take it unless the
 * mode is neither plain nor "profiler" (b == UINT64_MAX). */
#define CC__PROF_FREE(b, ptr, size, sized)                                                             \
	do {                                                                                               \
		if ((b) != UINT64_MAX) {                                                                       \
			cc__free_hooked((ptr), (size), (sized));                                                   \
			return;                                                                                    \
		}                                                                                              \
	} while (0)

/* ---- allocation ---------------------------------------------------------- */

/* A block of at least `size` bytes, aligned for any type. */
CC__ALWAYS_INLINE void *cc_alloc(size_t size)
{
	if (CC_LIKELY(size - 1 < cc__gate()))
		return mi_malloc(size);
	CC__PROF_ALLOC(size - 1 < CC__GATE_OPEN, mi_malloc(size), size, 0, false, size);
	CC__STATS_ALLOC(size - 1 < CC__GATE_OPEN, mi_malloc(size), size);
	return cc__alloc_slow(size);
}

/* A zeroed block of count * size bytes. */
CC__ALWAYS_INLINE void *cc_calloc(size_t count, size_t size)
{
	size_t total;
	/* count or size 0 makes total - 1 wrap to SIZE_MAX: the slow path reports it. */
	bool ok = !__builtin_mul_overflow(count, size, &total);
	if (CC_LIKELY(ok && total - 1 < cc__gate()))
		return mi_zalloc(total);
	CC__PROF_ALLOC(ok && total - 1 < CC__GATE_OPEN, mi_zalloc(total), total, 0, true, total);
	CC__STATS_ALLOC(ok && total - 1 < CC__GATE_OPEN, mi_zalloc(total), total);
	return cc__calloc_slow(count, size);
}

/* A block of `size` bytes whose address is a multiple of `alignment` (a power
 * of two, at most CC_ALLOC_MAX_ALIGNMENT). */
CC__ALWAYS_INLINE void *cc_alloc_aligned(size_t size, size_t alignment)
{
	/* gate >> 1: size + alignment then stays below PTRDIFF_MAX; larger sizes
	 * take the checked path.  mi_malloc_aligned_at(.., 0), not
	 * mi_malloc_aligned: mimalloc 2.0.9 misaligns size == alignment in
	 * {256, 512, 1024} there (upstream #700; alloc/backend.c). */
	if (CC_LIKELY(size - 1 < (cc__gate() >> 1) && cc__align_ok(alignment)))
		return mi_malloc_aligned_at(size, alignment, 0);
	CC__PROF_ALLOC(size - 1 < (CC__GATE_OPEN >> 1) && cc__align_ok(alignment),
	               mi_malloc_aligned_at(size, alignment, 0), size, alignment, false, size);
	CC__STATS_ALLOC(size - 1 < (CC__GATE_OPEN >> 1) && cc__align_ok(alignment),
	                mi_malloc_aligned_at(size, alignment, 0), size);
	return cc__alloc_aligned_slow(size, alignment);
}

/* A node for a lock-free structure: aligned to CC_CACHE_LINE_SIZE and sized
 * in whole cache lines, so two nodes never share a line.  Counts `size`. */
CC__ALWAYS_INLINE void *cc_alloc_node(size_t size)
{
	/* rounded is 0 for size 0 and for sizes whose rounding wraps, and above
	 * PTRDIFF_MAX for the largest: one compare sends all of them, and every
	 * mode but the plain one, to the checked path. */
	size_t rounded = (size + (CC_CACHE_LINE_SIZE - 1)) & ~(size_t)(CC_CACHE_LINE_SIZE - 1);
	if (CC_LIKELY(rounded - 1 < cc__gate()))
		return mi_malloc_aligned_at(rounded, CC_CACHE_LINE_SIZE, 0);
	CC__PROF_ALLOC(rounded - 1 < CC__GATE_OPEN, mi_malloc_aligned_at(rounded, CC_CACHE_LINE_SIZE, 0), rounded,
	               CC_CACHE_LINE_SIZE, false, size);
	CC__STATS_ALLOC(rounded - 1 < CC__GATE_OPEN, mi_malloc_aligned_at(rounded, CC_CACHE_LINE_SIZE, 0), size);
	return cc__alloc_node_slow(size);
}

/* ---- deallocation -------------------------------------------------------- */

/* Releases a block from any cc_alloc* call, on any thread.  `size` is the size
 * that was asked for (used for statistics only).  NULL does nothing. */
CC__ALWAYS_INLINE void cc_free(void *ptr, size_t size)
{
	uint64_t b = cc__free_from();
	if (CC_LIKELY((uint64_t)(uintptr_t)ptr >= b)) {
		mi_free(ptr);
		return;
	}
	CC__PROF_FREE(b, ptr, size, true);
	CC__STATS_FREE(ptr, size, true);
	cc__free_slow(ptr, size, true);
}

/* As cc_free, for callers that do not know the size (statistics count the
 * block's usable size; see above). */
CC__ALWAYS_INLINE void cc_free_unsized(void *ptr)
{
	uint64_t b = cc__free_from();
	if (CC_LIKELY((uint64_t)(uintptr_t)ptr >= b)) {
		mi_free(ptr);
		return;
	}
	CC__PROF_FREE(b, ptr, 0, false);
	CC__STATS_FREE(ptr, 0, false);
	cc__free_slow(ptr, 0, false);
}

#ifdef __cplusplus
}
#endif

#endif /* CCMEM_ALLOC_H */

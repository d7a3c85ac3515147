/*
 * ccmem/atomic.h - the one atomic layer of ccmem.
 *
 * Every shared access in ccmem (and in the inline fast paths of the public
 * headers) goes through these functions, each named with its memory order.
 * Normal builds map them onto Concurrency Kit's ck_pr (inline assembly and
 * volatile accesses, tuned per architecture).  ThreadSanitizer does not
 * understand ck_pr and reports races on correct code, so TSAN builds (detected
 * from the compiler, or forced with -DCC_ATOMIC_USE_BUILTINS=1) map the same
 * functions onto the compiler's __atomic builtins on the same plain fields.
 *
 * This header is installed only because the hot paths of alloc.h and smr.h
 * are static inline; it is not a general-purpose atomics library and its
 * names may change between minor versions.
 *
 * Orders: relaxed (no ordering), acquire (later accesses stay after),
 * release (earlier accesses stay before), seqcst (a full fence on the
 * access: also orders an earlier store before a later load).
 */
#ifndef CCMEM_ATOMIC_H
#define CCMEM_ATOMIC_H

#include <stdbool.h>
#include <stdint.h>

#if !defined(CC_ATOMIC_USE_BUILTINS)
#  if defined(__SANITIZE_THREAD__)
#    define CC_ATOMIC_USE_BUILTINS 1
#  elif defined(__has_feature)
#    if __has_feature(thread_sanitizer)
#      define CC_ATOMIC_USE_BUILTINS 1
#    endif
#  endif
#endif
#if !defined(CC_ATOMIC_USE_BUILTINS)
#  define CC_ATOMIC_USE_BUILTINS 0
#endif

#define CC_LIKELY(x)   __builtin_expect(!!(x), 1)
#define CC_UNLIKELY(x) __builtin_expect(!!(x), 0)

#if CC_ATOMIC_USE_BUILTINS

#define CC__LD(p, o)     __atomic_load_n((p), (o))
#define CC__ST(p, v, o)  __atomic_store_n((p), (v), (o))

static inline uint64_t cc_atomic_load_relaxed_u64(const uint64_t *p) { return CC__LD(p, __ATOMIC_RELAXED); }
static inline uint64_t cc_atomic_load_acquire_u64(const uint64_t *p) { return CC__LD(p, __ATOMIC_ACQUIRE); }
static inline uint64_t cc_atomic_load_seqcst_u64(const uint64_t *p)  { return CC__LD(p, __ATOMIC_SEQ_CST); }
static inline void cc_atomic_store_relaxed_u64(uint64_t *p, uint64_t v) { CC__ST(p, v, __ATOMIC_RELAXED); }
static inline void cc_atomic_store_release_u64(uint64_t *p, uint64_t v) { CC__ST(p, v, __ATOMIC_RELEASE); }
static inline void cc_atomic_store_seqcst_u64(uint64_t *p, uint64_t v)  { CC__ST(p, v, __ATOMIC_SEQ_CST); }
static inline uint64_t cc_atomic_faa_u64(uint64_t *p, uint64_t v) { return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST); }
static inline uint64_t cc_atomic_fas_u64(uint64_t *p, uint64_t v) { return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST); }
static inline bool cc_atomic_cas_u64(uint64_t *p, uint64_t expect, uint64_t desired)
{
	return __atomic_compare_exchange_n(p, &expect, desired, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

static inline uint32_t cc_atomic_load_relaxed_u32(const uint32_t *p) { return CC__LD(p, __ATOMIC_RELAXED); }
static inline uint32_t cc_atomic_load_acquire_u32(const uint32_t *p) { return CC__LD(p, __ATOMIC_ACQUIRE); }
static inline void cc_atomic_store_relaxed_u32(uint32_t *p, uint32_t v) { CC__ST(p, v, __ATOMIC_RELAXED); }
static inline void cc_atomic_store_release_u32(uint32_t *p, uint32_t v) { CC__ST(p, v, __ATOMIC_RELEASE); }
static inline uint32_t cc_atomic_fas_u32(uint32_t *p, uint32_t v) { return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST); }
static inline bool cc_atomic_cas_u32(uint32_t *p, uint32_t expect, uint32_t desired)
{
	return __atomic_compare_exchange_n(p, &expect, desired, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

static inline void *cc_atomic_load_relaxed_ptr(void *const *p) { return CC__LD(p, __ATOMIC_RELAXED); }
static inline void *cc_atomic_load_acquire_ptr(void *const *p) { return CC__LD(p, __ATOMIC_ACQUIRE); }
static inline void cc_atomic_store_relaxed_ptr(void **p, void *v) { CC__ST(p, v, __ATOMIC_RELAXED); }
static inline void cc_atomic_store_release_ptr(void **p, void *v) { CC__ST(p, v, __ATOMIC_RELEASE); }
static inline void *cc_atomic_fas_ptr(void **p, void *v) { return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST); }
static inline bool cc_atomic_cas_ptr(void **p, void *expect, void *desired)
{
	return __atomic_compare_exchange_n(p, &expect, desired, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}
/* CAS that reports the value it found (on failure) through *expect. */
static inline bool cc_atomic_cas_value_ptr(void **p, void **expect, void *desired)
{
	return __atomic_compare_exchange_n(p, expect, desired, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

/* Store, then a full fence: later loads of this thread are ordered after the
 * store (StoreLoad).  Pairs with a cc_atomic_fence_seqcst in the reader of p. */
static inline void cc_atomic_fence_seqcst(void);
static inline void cc_atomic_store_fence_u64(uint64_t *p, uint64_t v)
{
	/* release: a reader of v also sees what this thread did before (the
	 * previous operation's reads, in ccmem's use). */
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
	cc_atomic_fence_seqcst();
}
static inline uint32_t cc_atomic_faa_u32(uint32_t *p, uint32_t v) { return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST); }

/* ThreadSanitizer ignores standalone fences when it builds happens-before
 * (GCC says so with -Wtsan).  The fence is still executed, so the program
 * behaves as in a normal build; ccmem's happens-before edges are all
 * release/acquire pairs, which TSAN does see, so it stays precise. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wtsan"
#endif
static inline void cc_atomic_fence_seqcst(void)  { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
static inline void cc_atomic_fence_acquire(void) { __atomic_thread_fence(__ATOMIC_ACQUIRE); }
static inline void cc_atomic_fence_release(void) { __atomic_thread_fence(__ATOMIC_RELEASE); }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
static inline void cc_atomic_compiler_barrier(void) { __atomic_signal_fence(__ATOMIC_SEQ_CST); }
static inline void cc_atomic_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

#undef CC__LD
#undef CC__ST

#else /* ck_pr */

#include <ck_pr.h>

/* ck_pr's read-modify-writes are full barriers on TSO machines (x86: locked
 * instructions) but not on weaker ones (aarch64 builds them from ldxr/stxr or
 * LSE without acquire/release).  The seq_cst RMWs of this layer add explicit
 * full fences there. */
#if defined(CK_MD_TSO)
#define CC__RMW_FENCE() ((void)0)
#else
#define CC__RMW_FENCE() ck_pr_fence_memory()
#endif

static inline uint64_t cc_atomic_load_relaxed_u64(const uint64_t *p) { return ck_pr_load_64(p); }
static inline uint64_t cc_atomic_load_acquire_u64(const uint64_t *p)
{
	uint64_t v = ck_pr_load_64(p);
	ck_pr_fence_acquire();
	return v;
}
static inline uint64_t cc_atomic_load_seqcst_u64(const uint64_t *p)
{
	ck_pr_fence_memory();
	uint64_t v = ck_pr_load_64(p);
	ck_pr_fence_acquire();
	return v;
}
static inline void cc_atomic_store_relaxed_u64(uint64_t *p, uint64_t v) { ck_pr_store_64(p, v); }
static inline void cc_atomic_store_release_u64(uint64_t *p, uint64_t v)
{
	ck_pr_fence_release();
	ck_pr_store_64(p, v);
}
/* On x86 an exchange is a full barrier: cheaper than store + mfence. */
static inline void cc_atomic_store_seqcst_u64(uint64_t *p, uint64_t v) { CC__RMW_FENCE(); (void)ck_pr_fas_64(p, v); CC__RMW_FENCE(); }
static inline uint64_t cc_atomic_faa_u64(uint64_t *p, uint64_t v) { CC__RMW_FENCE(); uint64_t r = ck_pr_faa_64(p, v); CC__RMW_FENCE(); return r; }
static inline uint64_t cc_atomic_fas_u64(uint64_t *p, uint64_t v) { CC__RMW_FENCE(); uint64_t r = ck_pr_fas_64(p, v); CC__RMW_FENCE(); return r; }
static inline bool cc_atomic_cas_u64(uint64_t *p, uint64_t expect, uint64_t desired) { CC__RMW_FENCE(); bool r = ck_pr_cas_64(p, expect, desired); CC__RMW_FENCE(); return r; }

static inline uint32_t cc_atomic_load_relaxed_u32(const uint32_t *p) { return ck_pr_load_32(p); }
static inline uint32_t cc_atomic_load_acquire_u32(const uint32_t *p)
{
	uint32_t v = ck_pr_load_32(p);
	ck_pr_fence_acquire();
	return v;
}
static inline void cc_atomic_store_relaxed_u32(uint32_t *p, uint32_t v) { ck_pr_store_32(p, v); }
static inline void cc_atomic_store_release_u32(uint32_t *p, uint32_t v)
{
	ck_pr_fence_release();
	ck_pr_store_32(p, v);
}
static inline uint32_t cc_atomic_fas_u32(uint32_t *p, uint32_t v) { CC__RMW_FENCE(); uint32_t r = ck_pr_fas_32(p, v); CC__RMW_FENCE(); return r; }
static inline bool cc_atomic_cas_u32(uint32_t *p, uint32_t expect, uint32_t desired) { CC__RMW_FENCE(); bool r = ck_pr_cas_32(p, expect, desired); CC__RMW_FENCE(); return r; }

static inline void *cc_atomic_load_relaxed_ptr(void *const *p) { return ck_pr_load_ptr(p); }
static inline void *cc_atomic_load_acquire_ptr(void *const *p)
{
	void *v = ck_pr_load_ptr(p);
	ck_pr_fence_acquire();
	return v;
}
static inline void cc_atomic_store_relaxed_ptr(void **p, void *v) { ck_pr_store_ptr(p, v); }
static inline void cc_atomic_store_release_ptr(void **p, void *v)
{
	ck_pr_fence_release();
	ck_pr_store_ptr(p, v);
}
static inline void *cc_atomic_fas_ptr(void **p, void *v) { CC__RMW_FENCE(); void *r = ck_pr_fas_ptr(p, v); CC__RMW_FENCE(); return r; }
static inline bool cc_atomic_cas_ptr(void **p, void *expect, void *desired) { CC__RMW_FENCE(); bool r = ck_pr_cas_ptr(p, expect, desired); CC__RMW_FENCE(); return r; }
static inline bool cc_atomic_cas_value_ptr(void **p, void **expect, void *desired)
{
	CC__RMW_FENCE();
	bool r = ck_pr_cas_ptr_value(p, *expect, desired, expect);
	CC__RMW_FENCE();
	return r;
}

/* Release store, then a full fence (one xchg on x86: cheaper than store +
 * mfence).  Pairs with a cc_atomic_fence_seqcst in the reader of p. */
static inline void cc_atomic_store_fence_u64(uint64_t *p, uint64_t v)
{
#if defined(CK_MD_TSO)
	(void)ck_pr_fas_64(p, v);
#else
	ck_pr_fence_release();
	ck_pr_store_64(p, v);
	ck_pr_fence_memory();
#endif
}
static inline uint32_t cc_atomic_faa_u32(uint32_t *p, uint32_t v) { CC__RMW_FENCE(); uint32_t r = ck_pr_faa_32(p, v); CC__RMW_FENCE(); return r; }

static inline void cc_atomic_fence_seqcst(void)  { ck_pr_fence_memory(); }
static inline void cc_atomic_fence_acquire(void) { ck_pr_fence_acquire(); }
static inline void cc_atomic_fence_release(void) { ck_pr_fence_release(); }
static inline void cc_atomic_compiler_barrier(void) { ck_pr_barrier(); }
static inline void cc_atomic_pause(void) { ck_pr_stall(); }

#endif /* CC_ATOMIC_USE_BUILTINS */

/* Exponential backoff for contended CAS loops: Concurrency Kit's
 * ck_backoff_eb (which spins on compiler barriers only), then one pause so
 * the sibling hyperthread gets the core.  *state starts at
 * CC_BACKOFF_INITIALIZER and doubles up to CK_BACKOFF_CEILING. */
#include <ck_backoff.h>
#define CC_BACKOFF_INITIALIZER CK_BACKOFF_INITIALIZER
static inline void cc_backoff(unsigned int *state)
{
	ck_backoff_eb(state);
	cc_atomic_pause();
}

#endif /* CCMEM_ATOMIC_H */

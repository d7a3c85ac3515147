/*
 * bench/adapters/counters.h - retired and freed nodes of a peer scheme
 * (ck_epoch, liburcu), counted by the adapter so that every variant reports
 * the same "pending" (retired and not yet freed) as smr_domain_stats does.
 *
 * One record per thread that retires or frees, on its own cache line, written
 * only by that thread (relaxed load + relaxed store: no atomic read-modify-
 * write on the timed path), linked once into a global list and never
 * unlinked; dsb_cnt_pending sums them from any thread.
 */
#ifndef CCMEM_BENCH_COUNTERS_H
#define CCMEM_BENCH_COUNTERS_H

#include <stdint.h>

#include "ccmem/atomic.h"
#include "ccmem/build_config.h"

typedef struct dsb_cnt {
	uint64_t retired;
	uint64_t freed;
	struct dsb_cnt *next; /* immutable once published */
} __attribute__((aligned(CC_CACHE_LINE_SIZE))) dsb_cnt_t;

/* The calling thread's record, created and published on first use (aborts
 * if it cannot allocate one: a benchmark cannot go on without its counts). */
dsb_cnt_t *dsb_cnt_self(void);

/* retired - freed over every record (0 if a free was seen before its
 * retire); the total retired to *retired_out.  Any thread. */
uint64_t dsb_cnt_pending(uint64_t *retired_out);

static inline void dsb_cnt_add(uint64_t *c, uint64_t n)
{
	/* single writer: relaxed load + store; dsb_cnt_pending loads relaxed */
	cc_atomic_store_relaxed_u64(c, cc_atomic_load_relaxed_u64(c) + n);
}

#endif

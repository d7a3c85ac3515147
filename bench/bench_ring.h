/* bench/bench_ring.h - the hand-off ring of the cross-thread alloc/free benchmarks. */
#ifndef CCMEM_BENCH_RING_H
#define CCMEM_BENCH_RING_H

#include <stdint.h>

#include "ccmem/atomic.h"

/* A single-producer single-consumer ring of BU_RING pointers (head and tail
 * are free-running counters): the cross-thread alloc/free benchmarks hand
 * blocks from the allocating thread to the freeing one through it. */
#define BU_RING 4096
typedef struct {
	void **slots;          /* BU_RING entries */
	uint64_t *head, *tail; /* the consumer's and the producer's counter */
} bu_ring_t;

/* Producer only: waits for a free slot, then publishes p. */
static inline void bu_ring_push(const bu_ring_t *r, void *p)
{
	uint64_t t = cc_atomic_load_relaxed_u64(r->tail);
	/* acquire: pairs with the consumer's release of head (slot free). */
	while (t - cc_atomic_load_acquire_u64(r->head) == BU_RING)
		cc_atomic_pause();
	r->slots[t % BU_RING] = p;
	/* release: publishes the slot to the consumer's acquire of tail. */
	cc_atomic_store_release_u64(r->tail, t + 1);
}

/* Consumer only: waits for a filled slot and takes it. */
static inline void *bu_ring_pop(const bu_ring_t *r)
{
	uint64_t h = cc_atomic_load_relaxed_u64(r->head);
	/* acquire: pairs with the producer's release of tail (slot filled). */
	while (cc_atomic_load_acquire_u64(r->tail) == h)
		cc_atomic_pause();
	void *p = r->slots[h % BU_RING];
	/* release: pairs with the producer's acquire of head. */
	cc_atomic_store_release_u64(r->head, h + 1);
	return p;
}

#endif

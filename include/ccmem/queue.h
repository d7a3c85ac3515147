/*
 * ccmem/queue.h - a lock-free FIFO queue of uint64_t values on the SMR layer.
 *
 * Algorithm: Michael and Scott, "Simple, Fast, and Practical Non-Blocking and
 * Blocking Concurrent Queue Algorithms", PODC 1996 (the non-blocking queue),
 * with nodes from smr_alloc, every shared-pointer load through smr_protect,
 * and dequeued sentinels retired through smr_retire.  Under DEBRA+ each
 * attempt is a restartable read phase (loads only), then the records the CAS
 * needs are reserved and the write phase runs; the same source runs under
 * every scheme.  Under IBR, a pointer read out of a node is used only after
 * validating that the node is still the head or tail (smr.h's rule).
 *
 * Linearisable; enqueue is lock-free, dequeue is lock-free.
 *
 * Threads: any registered thread of the queue's domain, with its own context
 * (outside any operation of its own: each call opens and closes one).
 * Errors: -1 with errno (ENOMEM) from enqueue; NULL with errno from create.
 */
#ifndef CCMEM_QUEUE_H
#define CCMEM_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "ccmem/smr.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cc_queue cc_queue_t;

/* An empty queue whose nodes live in ctx's domain.  NULL with errno ENOMEM. */
cc_queue_t *cc_queue_create(smr_context_t *ctx);

/* Appends value.  0, or -1 with errno ENOMEM (nothing enqueued).  O(1)
 * expected; one smr_alloc and one or two CAS. */
int cc_queue_enqueue(cc_queue_t *q, smr_context_t *ctx, uint64_t value);

/* Removes the oldest value into *out: true, or false when the queue was empty
 * at the linearisation point.  Retires the old sentinel. */
bool cc_queue_dequeue(cc_queue_t *q, smr_context_t *ctx, uint64_t *out);

/* Retires every node left and frees the queue.  Only when no other thread
 * uses the queue any more; ctx is any registered context of its domain. */
void cc_queue_destroy(cc_queue_t *q, smr_context_t *ctx);

#ifdef __cplusplus
}
#endif

#endif /* CCMEM_QUEUE_H */

/*
 * src/ds/queue.c - Michael-Scott queue on the SMR layer (see ccmem/queue.h).
 */
#include <errno.h>

#include "ccmem/queue.h"

typedef struct qnode {
	uint64_t value;
	struct qnode *next;
} qnode_t;

struct cc_queue {
	qnode_t *head __attribute__((aligned(CC_CACHE_LINE_SIZE)));
	qnode_t *tail __attribute__((aligned(CC_CACHE_LINE_SIZE)));
	char pad[CC_CACHE_LINE_SIZE - sizeof(qnode_t *)];
};

cc_queue_t *cc_queue_create(smr_context_t *ctx)
{
	cc_queue_t *q = cc_alloc_aligned(sizeof *q, CC_CACHE_LINE_SIZE);
	if (q == NULL)
		return NULL;
	qnode_t *sentinel = smr_alloc(ctx, sizeof *sentinel);
	if (sentinel == NULL) {
		cc_free(q, sizeof *q);
		return NULL;
	}
	sentinel->value = 0;
	sentinel->next = NULL;
	q->head = q->tail = sentinel;
	return q;
}

int cc_queue_enqueue(cc_queue_t *q, smr_context_t *ctx, uint64_t value)
{
	qnode_t *node = smr_alloc(ctx, sizeof *node); /* outside any restartable region */
	if (node == NULL)
		return -1;
	node->value = value;
	node->next = NULL;
	smr_begin_op(ctx);
	for (;;) {
		smr_checkpoint(ctx);
		/* read phase: loads only */
		qnode_t *t = smr_protect(ctx, (void *const *)&q->tail);
		qnode_t *next = smr_protect(ctx, (void *const *)&t->next);
		/* acquire: t is still the tail, so next was read out of a live node */
		if (t != cc_atomic_load_acquire_ptr((void *const *)&q->tail))
			continue;
		smr_reserve(ctx, 0, t);
		smr_write_phase(ctx);
		if (next == NULL) {
			/* seq_cst CAS (release): the node's contents before its link */
			if (cc_atomic_cas_ptr((void **)&t->next, NULL, node)) {
				cc_atomic_cas_ptr((void **)&q->tail, t, node); /* swing; others may help */
				break;
			}
		} else {
			cc_atomic_cas_ptr((void **)&q->tail, t, next); /* help a lagging tail */
		}
	}
	smr_end_op(ctx);
	return 0;
}

bool cc_queue_dequeue(cc_queue_t *q, smr_context_t *ctx, uint64_t *out)
{
	volatile bool got = false; /* set after the checkpoint: volatile, for sigsetjmp */
	smr_begin_op(ctx);
	for (;;) {
		smr_checkpoint(ctx);
		/* read phase: loads only */
		qnode_t *h = smr_protect(ctx, (void *const *)&q->head);
		qnode_t *t = smr_protect(ctx, (void *const *)&q->tail);
		qnode_t *next = smr_protect(ctx, (void *const *)&h->next);
		/* acquire: h is still the head, so next was read out of a live node */
		if (h != cc_atomic_load_acquire_ptr((void *const *)&q->head))
			continue;
		if (next == NULL)
			break; /* empty */
		uint64_t value = next->value; /* immutable once linked */
		smr_reserve(ctx, 0, h);
		smr_reserve(ctx, 1, next);
		smr_write_phase(ctx);
		if (h == t) {
			cc_atomic_cas_ptr((void **)&q->tail, t, next); /* tail lags: help */
			continue;
		}
		if (cc_atomic_cas_ptr((void **)&q->head, h, next)) {
			smr_retire(ctx, h, sizeof *h); /* the old sentinel: unlinked now */
			*out = value;
			got = true;
			break;
		}
	}
	smr_end_op(ctx);
	return got;
}

void cc_queue_destroy(cc_queue_t *q, smr_context_t *ctx)
{
	if (q == NULL)
		return;
	qnode_t *n = q->head;
	while (n != NULL) {
		qnode_t *next = n->next;
		smr_retire(ctx, n, sizeof *n);
		n = next;
	}
	cc_free(q, sizeof *q);
}

/*
 * src/ds/queue.c - Michael-Scott queue on the SMR layer (see ccmem/queue.h).
 */
#include <errno.h>

#include "reclaim.h"
#if CC_DS_LIBRARY
#include "ccmem/queue.h"
#else
typedef struct cc_queue cc_queue_t;
#endif

typedef struct qnode {
	uint64_t value;
	struct qnode *next;
} qnode_t;

struct cc_queue {
	qnode_t *head __attribute__((aligned(CC_CACHE_LINE_SIZE)));
	qnode_t *tail __attribute__((aligned(CC_CACHE_LINE_SIZE)));
	char pad[CC_CACHE_LINE_SIZE - sizeof(qnode_t *)];
};

cc_queue_t *DS_FN(cc_queue_create)(ds_ctx_t *ctx)
{
	cc_queue_t *q = cc_alloc_aligned(sizeof *q, CC_CACHE_LINE_SIZE);
	if (q == NULL)
		return NULL;
	qnode_t *sentinel = ds_alloc(ctx, sizeof *sentinel);
	if (sentinel == NULL) {
		cc_free(q, sizeof *q);
		return NULL;
	}
	sentinel->value = 0;
	sentinel->next = NULL;
	q->head = q->tail = sentinel;
	return q;
}

int DS_FN(cc_queue_enqueue)(cc_queue_t *q, ds_ctx_t *ctx, uint64_t value)
{
	qnode_t *node = ds_alloc(ctx, sizeof *node); /* outside any restartable region */
	if (node == NULL)
		return -1;
	node->value = value;
	node->next = NULL;
	ds_begin(ctx);
	for (;;) {
		ds_checkpoint(ctx);
		/* read phase: loads only */
		qnode_t *t = ds_protect(ctx, &q->tail);
		qnode_t *next = ds_protect(ctx, &t->next);
		/* acquire: t is still the tail, so next was read out of a live node */
		if (t != cc_atomic_load_acquire_ptr((void *const *)&q->tail))
			continue;
		ds_reserve(ctx, 0, t);
		ds_write_phase(ctx);
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
	ds_end(ctx);
	return 0;
}

bool DS_FN(cc_queue_dequeue)(cc_queue_t *q, ds_ctx_t *ctx, uint64_t *out)
{
	volatile bool got = false; /* set after the checkpoint: volatile, for sigsetjmp */
	ds_begin(ctx);
	for (;;) {
		ds_checkpoint(ctx);
		/* read phase: loads only */
		qnode_t *h = ds_protect(ctx, &q->head);
		qnode_t *t = ds_protect(ctx, &q->tail);
		qnode_t *next = ds_protect(ctx, &h->next);
		/* acquire: h is still the head, so next was read out of a live node */
		if (h != cc_atomic_load_acquire_ptr((void *const *)&q->head))
			continue;
		if (next == NULL)
			break; /* empty */
		uint64_t value = next->value; /* immutable once linked */
		ds_reserve(ctx, 0, h);
		ds_reserve(ctx, 1, next);
		ds_write_phase(ctx);
		if (h == t) {
			cc_atomic_cas_ptr((void **)&q->tail, t, next); /* tail lags: help */
			continue;
		}
		if (cc_atomic_cas_ptr((void **)&q->head, h, next)) {
			ds_retire(ctx, h, sizeof *h); /* the old sentinel: unlinked now */
			*out = value;
			got = true;
			break;
		}
	}
	ds_end(ctx);
	return got;
}

void DS_FN(cc_queue_destroy)(cc_queue_t *q, ds_ctx_t *ctx)
{
	if (q == NULL)
		return;
	qnode_t *n = q->head;
	while (n != NULL) {
		qnode_t *next = n->next;
		ds_retire(ctx, n, sizeof *n);
		n = next;
	}
	cc_free(q, sizeof *q);
}

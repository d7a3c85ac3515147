/*
 * bench/pubq/pubq_ck.c - the Michael-Scott queue of pubq_smr.c as a
 * Concurrency Kit user writes it on ck_epoch: operations inside
 * ck_epoch_begin/end, the ck_epoch_entry_t inside the node, ck_epoch_call
 * per retire, ck_epoch_poll every PUBQ_CK_POLL_EVERY operations of the
 * thread.  Nodes come from cc_alloc (mimalloc), as pubq_smr.c's do.  Retires
 * and frees are counted (bench/adapters/counters.h) for the backlog figures.
 */
#include <errno.h>
#include <stddef.h>

#include "adapters/ck_epoch.h"
#include "pubq.h"

typedef struct pq_node {
	ck_epoch_entry_t entry; /* ck_epoch_call's link */
	uint64_t value;
	struct pq_node *next;
} pq_node_t;

struct pubq_ck {
	pq_node_t *head __attribute__((aligned(CC_CACHE_LINE_SIZE)));
	pq_node_t *tail __attribute__((aligned(CC_CACHE_LINE_SIZE)));
	char pad[CC_CACHE_LINE_SIZE - sizeof(pq_node_t *)];
};

static void pq_free(ck_epoch_entry_t *e)
{
	/* ck_epoch_poll dispatches the caller's own record: the owner counts */
	dsb_cnt_add(&dsb_cnt_self()->freed, 1);
	cc_free(e, sizeof(pq_node_t));
}

/* Every PUBQ_CK_POLL_EVERY operations, outside any section. */
static inline void pq_tick(struct dsb_ck_ctx *ctx)
{
	if (++ctx->since_poll == PUBQ_CK_POLL_EVERY) {
		ctx->since_poll = 0;
		ck_epoch_poll(ctx->rec);
	}
}

pubq_ck_t *pubq_ck_create(struct dsb_ck_ctx *ctx)
{
	(void)ctx;
	pubq_ck_t *q = cc_alloc_aligned(sizeof *q, CC_CACHE_LINE_SIZE);
	pq_node_t *s = cc_alloc(sizeof *s);
	if (q == NULL || s == NULL) {
		cc_free(q, sizeof *q);
		errno = ENOMEM;
		return NULL;
	}
	s->value = 0;
	s->next = NULL;
	q->head = q->tail = s;
	return q;
}

int pubq_ck_enqueue(pubq_ck_t *q, struct dsb_ck_ctx *ctx, uint64_t value)
{
	pq_node_t *node = cc_alloc(sizeof *node);
	if (node == NULL)
		return -1;
	node->value = value;
	node->next = NULL;
	ck_epoch_begin(ctx->rec, NULL);
	for (;;) {
		/* acquire: the node's contents as published by its writer */
		pq_node_t *t = cc_atomic_load_acquire_ptr((void *const *)&q->tail);
		pq_node_t *next = cc_atomic_load_acquire_ptr((void *const *)&t->next);
		if (t != cc_atomic_load_acquire_ptr((void *const *)&q->tail))
			continue;
		if (next == NULL) {
			/* seq_cst CAS (release): the node's contents before its link */
			if (cc_atomic_cas_ptr((void **)&t->next, NULL, node)) {
				cc_atomic_cas_ptr((void **)&q->tail, t, node);
				break;
			}
		} else {
			cc_atomic_cas_ptr((void **)&q->tail, t, next);
		}
	}
	ck_epoch_end(ctx->rec, NULL);
	pq_tick(ctx);
	return 0;
}

bool pubq_ck_dequeue(pubq_ck_t *q, struct dsb_ck_ctx *ctx, uint64_t *out)
{
	pq_node_t *unlinked = NULL;
	uint64_t value = 0;
	ck_epoch_begin(ctx->rec, NULL);
	for (;;) {
		/* acquire: the node's contents as published by its writer */
		pq_node_t *h = cc_atomic_load_acquire_ptr((void *const *)&q->head);
		pq_node_t *t = cc_atomic_load_acquire_ptr((void *const *)&q->tail);
		pq_node_t *next = cc_atomic_load_acquire_ptr((void *const *)&h->next);
		if (h != cc_atomic_load_acquire_ptr((void *const *)&q->head))
			continue;
		if (next == NULL)
			break;
		uint64_t v = next->value;
		if (h == t) {
			cc_atomic_cas_ptr((void **)&q->tail, t, next);
			continue;
		}
		if (cc_atomic_cas_ptr((void **)&q->head, h, next)) {
			unlinked = h;
			value = v;
			break;
		}
	}
	ck_epoch_end(ctx->rec, NULL);
	if (unlinked != NULL) {
		dsb_cnt_add(&ctx->cnt->retired, 1);
		ck_epoch_call(ctx->rec, &unlinked->entry, pq_free);
		*out = value;
	}
	pq_tick(ctx);
	return unlinked != NULL;
}

/*
 * bench/pubq/pubq_urcu.c - the Michael-Scott queue of pubq_smr.c as a
 * liburcu user writes it (memb flavour, _LGPL_SOURCE so the read side is
 * inline): operations inside rcu_read_lock/unlock, the rcu_head inside the
 * node, call_rcu per retire; liburcu's worker thread frees.  Nodes come from
 * cc_alloc (mimalloc), as pubq_smr.c's do.  Retires and frees are counted
 * (bench/adapters/counters.h) for the backlog figures.
 */
#include <errno.h>
#include <stddef.h>

#include "adapters/urcu_memb.h"
#include "pubq.h"

typedef struct pq_node {
	struct rcu_head rcu; /* call_rcu's link */
	uint64_t value;
	struct pq_node *next;
} pq_node_t;

struct pubq_urcu {
	pq_node_t *head __attribute__((aligned(CC_CACHE_LINE_SIZE)));
	pq_node_t *tail __attribute__((aligned(CC_CACHE_LINE_SIZE)));
	char pad[CC_CACHE_LINE_SIZE - sizeof(pq_node_t *)];
};

static void pq_free(struct rcu_head *h)
{
	dsb_cnt_add(&dsb_cnt_self()->freed, 1); /* the call_rcu worker's record */
	cc_free(h, sizeof(pq_node_t));
}

pubq_urcu_t *pubq_urcu_create(struct dsb_urcu_ctx *ctx)
{
	(void)ctx;
	pubq_urcu_t *q = cc_alloc_aligned(sizeof *q, CC_CACHE_LINE_SIZE);
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

int pubq_urcu_enqueue(pubq_urcu_t *q, struct dsb_urcu_ctx *ctx, uint64_t value)
{
	(void)ctx;
	pq_node_t *node = cc_alloc(sizeof *node);
	if (node == NULL)
		return -1;
	node->value = value;
	node->next = NULL;
	urcu_memb_read_lock();
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
	urcu_memb_read_unlock();
	return 0;
}

bool pubq_urcu_dequeue(pubq_urcu_t *q, struct dsb_urcu_ctx *ctx, uint64_t *out)
{
	pq_node_t *unlinked = NULL;
	uint64_t value = 0;
	urcu_memb_read_lock();
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
	urcu_memb_read_unlock();
	if (unlinked == NULL)
		return false;
	dsb_cnt_add(&ctx->cnt->retired, 1); /* before the callback can run and count the free */
	urcu_memb_call_rcu(&unlinked->rcu, pq_free);
	*out = value;
	return true;
}

/*
 * bench/dsb_lfq.c - liburcu's own lock-free queue (cds_lfq, memb flavour) as
 * a liburcu user writes it: enqueue and dequeue inside rcu_read_lock, the
 * dequeued node freed by call_rcu.  Nodes come from the same allocator call
 * as our queue's (cc_alloc); cds_lfq's internal dummy nodes come from malloc
 * (its design).
 */
#include <stdlib.h>

#include "adapters/urcu_memb.h"
#include <urcu/rculfqueue.h>

#include "dsb.h"

typedef ds_ctx_t fam_ctx_t;
#define DS(name) lfq_##name
#define FAM_HAS_MAPS 0
#define FAM_HAS_PUBQ 0

typedef struct lfq_node {
	struct cds_lfq_node_rcu lfq;
	uint64_t value;
} lfq_node_t;

typedef struct cc_queue {
	struct cds_lfq_queue_rcu q;
} cc_queue_t;

static cc_queue_t *lfq_cc_queue_create(fam_ctx_t *ctx)
{
	(void)ctx;
	cc_queue_t *q = cc_alloc_aligned(sizeof *q, CC_CACHE_LINE_SIZE);
	if (q != NULL)
		cds_lfq_init_rcu(&q->q, urcu_memb_call_rcu);
	return q;
}

static int lfq_cc_queue_enqueue(cc_queue_t *q, fam_ctx_t *ctx, uint64_t value)
{
	lfq_node_t *n = ds_alloc(ctx, sizeof *n); /* rcu_head header, as the adapter's nodes */
	if (n == NULL)
		return -1;
	cds_lfq_node_init_rcu(&n->lfq);
	n->value = value;
	urcu_memb_read_lock();
	cds_lfq_enqueue_rcu(&q->q, &n->lfq);
	urcu_memb_read_unlock();
	return 0;
}

static bool lfq_cc_queue_dequeue(cc_queue_t *q, fam_ctx_t *ctx, uint64_t *out)
{
	urcu_memb_read_lock();
	struct cds_lfq_node_rcu *qn = cds_lfq_dequeue_rcu(&q->q);
	urcu_memb_read_unlock();
	if (qn == NULL)
		return false;
	lfq_node_t *n = caa_container_of(qn, lfq_node_t, lfq);
	*out = n->value;
	ds_retire(ctx, n, sizeof *n); /* call_rcu: others may still read it */
	return true;
}

#include "dsb_peer_urcu.h"

#include "dsb_family.h"

void dsb_run_lfq(const dsb_cell_t *c, dsb_result_t *r)
{
	fam_run(c, r);
}

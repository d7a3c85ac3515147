/*
 * bench/dsb_ckfifo.c - Concurrency Kit's own MPMC queue (ck_fifo_mpmc) with
 * ck_epoch for its nodes.  ck_fifo_mpmc_dequeue hands back the old stub as
 * "garbage" that other dequeuers may still be reading (it loads
 * head->next after loading head): CK leaves its fate to the user, who either
 * recycles it as a later entry (type-stable memory, never freed) or defers
 * its free.  A user who frees memory does what this variant does: operations
 * inside ck_epoch_begin/end, the garbage to ck_epoch_call, ck_epoch_poll every
 * DSB_CK_POLL_EVERY retires (bench/adapters/ck_epoch.h).
 */
#include <stdlib.h>

#include "adapters/ck_epoch.h"
#include <ck_fifo.h>

#include "dsb.h"

#ifndef CK_F_FIFO_MPMC
#error "ck_fifo_mpmc needs a double-width CAS (CK_F_PR_CAS_PTR_2)"
#endif

typedef ds_ctx_t fam_ctx_t;
#define DS(name) ckf_##name
#define FAM_HAS_MAPS 0
#define FAM_HAS_PUBQ 0

typedef struct cc_queue {
	ck_fifo_mpmc_t fifo;
} cc_queue_t;

#include "dsb_peer_ck.h"

static cc_queue_t *ckf_cc_queue_create(fam_ctx_t *ctx)
{
	(void)ctx;
	cc_queue_t *q = cc_alloc_aligned(sizeof *q, CC_CACHE_LINE_SIZE);
	ck_fifo_mpmc_entry_t *stub = dsb_ck_alloc(sizeof *stub); /* 16-byte aligned: CAS2 */
	if (q == NULL || stub == NULL)
		return NULL;
	ck_fifo_mpmc_init(&q->fifo, stub);
	return q;
}

static int ckf_cc_queue_enqueue(cc_queue_t *q, fam_ctx_t *ctx, uint64_t value)
{
	ck_fifo_mpmc_entry_t *e = dsb_ck_alloc(sizeof *e);
	if (e == NULL)
		return -1;
	ck_epoch_begin(ctx->rec, NULL);
	ck_fifo_mpmc_enqueue(&q->fifo, e, (void *)(uintptr_t)value);
	ck_epoch_end(ctx->rec, NULL);
	return 0;
}

static bool ckf_cc_queue_dequeue(cc_queue_t *q, fam_ctx_t *ctx, uint64_t *out)
{
	void *value;
	ck_fifo_mpmc_entry_t *garbage;
	ck_epoch_begin(ctx->rec, NULL);
	bool ok = ck_fifo_mpmc_dequeue(&q->fifo, &value, &garbage);
	ck_epoch_end(ctx->rec, NULL);
	if (!ok)
		return false;
	*out = (uint64_t)(uintptr_t)value;
	dsb_ck_retire(ctx, garbage);
	return true;
}

#include "dsb_family.h"

void dsb_run_ckfifo(const dsb_cell_t *c, dsb_result_t *r)
{
	fam_run(c, r);
}

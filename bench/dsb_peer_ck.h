/*
 * bench/dsb_peer_ck.h - the engine's hooks (bench/dsb_family.h) for a variant
 * on ck_epoch: one epoch per cell, a record per thread, the stalled thread
 * inside ck_epoch_begin.  Included by bench/dsb_ck.c and bench/dsb_ckfifo.c
 * after they define fam_ctx_t (the adapter's context).
 */
#ifndef CCMEM_BENCH_DSB_PEER_CK_H
#define CCMEM_BENCH_DSB_PEER_CK_H

static ck_epoch_t g_epoch;

static int fam_setup(const dsb_cell_t *c)
{
	(void)c;
	ck_epoch_init(&g_epoch);
	return 0;
}

static fam_ctx_t *fam_enter(void)
{
	fam_ctx_t *ctx = aligned_alloc(CC_CACHE_LINE_SIZE, CC_CACHE_LINE_SIZE);
	ck_epoch_record_t *rec = aligned_alloc(CC_CACHE_LINE_SIZE, (sizeof *rec + CC_CACHE_LINE_SIZE - 1) &
	                                                              ~(size_t)(CC_CACHE_LINE_SIZE - 1));
	if (ctx == NULL || rec == NULL)
		return NULL;
	ck_epoch_register(&g_epoch, rec, NULL);
	ctx->rec = rec;
	ctx->cnt = dsb_cnt_self();
	ctx->since_poll = 0;
	return ctx;
}

/* The record stays registered: ck_epoch_unregister would drop its pending
 * callbacks, and the process ends with the cell. */
static void fam_leave(fam_ctx_t *ctx)
{
	(void)ctx;
}

static uint64_t fam_pending(uint64_t *retired)
{
	return dsb_cnt_pending(retired);
}

static void fam_stall(fam_ctx_t *ctx)
{
	ck_epoch_begin(ctx->rec, NULL);
	/* acquire: pairs with the engine's release store */
	while (!cc_atomic_load_acquire_u32(&dsb_unstall))
		dsb_sleep_ns(1000000);
	ck_epoch_end(ctx->rec, NULL);
}

#endif

/*
 * bench/dsb_peer_urcu.h - the engine's hooks (bench/dsb_family.h) for a
 * variant on liburcu memb: threads register with liburcu, the stalled thread
 * sits inside rcu_read_lock.  Included by bench/dsb_urcu.c and bench/dsb_lfq.c
 * after they define fam_ctx_t (the adapter's context).
 */
#ifndef CCMEM_BENCH_DSB_PEER_URCU_H
#define CCMEM_BENCH_DSB_PEER_URCU_H

static int fam_setup(const dsb_cell_t *c)
{
	(void)c;
	return 0; /* liburcu initialises itself; call_rcu starts its worker on first use */
}

static fam_ctx_t *fam_enter(void)
{
	fam_ctx_t *ctx = aligned_alloc(CC_CACHE_LINE_SIZE, CC_CACHE_LINE_SIZE);
	if (ctx == NULL)
		return NULL;
	urcu_memb_register_thread();
	ctx->cnt = dsb_cnt_self();
	return ctx;
}

static void fam_leave(fam_ctx_t *ctx)
{
	(void)ctx;
	urcu_memb_unregister_thread(); /* a registered thread must not exit */
}

static uint64_t fam_pending(uint64_t *retired)
{
	return dsb_cnt_pending(retired);
}

static void fam_stall(fam_ctx_t *ctx)
{
	(void)ctx;
	urcu_memb_read_lock();
	/* acquire: pairs with the engine's release store */
	while (!cc_atomic_load_acquire_u32(&dsb_unstall))
		dsb_sleep_ns(1000000);
	urcu_memb_read_unlock();
}

#endif

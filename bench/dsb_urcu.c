/*
 * bench/dsb_urcu.c - our structures compiled against liburcu's memb flavour
 * (bench/adapters/urcu_memb.h; objects ccmem_bench_ds_urcu in bench/CMakeLists).
 */
#include <stdlib.h>

#include "adapters/urcu_memb.h"
#include "ds_protos.h"
#include "dsb.h"

typedef ds_ctx_t fam_ctx_t;
#define DS(name) DS_FN(name)
#define FAM_HAS_MAPS 1

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

#include "dsb_family.h"

void dsb_run_urcu(const dsb_cell_t *c, dsb_result_t *r)
{
	fam_run(c, r);
}

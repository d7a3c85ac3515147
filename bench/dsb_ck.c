/*
 * bench/dsb_ck.c - our structures compiled against ck_epoch
 * (bench/adapters/ck_epoch.h; objects ccmem_bench_ds_ck in bench/CMakeLists).
 */
#include <stdlib.h>

#include "adapters/ck_epoch.h"
#include "ds_protos.h"
#include "dsb.h"
#include "pubq/pubq.h"

typedef ds_ctx_t fam_ctx_t;
#define DS(name) DS_FN(name)
#define FAM_HAS_MAPS 1
#define FAM_HAS_PUBQ 1
#define PUBQ_T pubq_ck_t
#define PUBQ(name) pubq_ck_##name
#define PUBQ_S(name) PUBQ(name)

#include "dsb_peer_ck.h"

#include "dsb_family.h"

void dsb_run_ck(const dsb_cell_t *c, dsb_result_t *r)
{
	fam_run(c, r);
}

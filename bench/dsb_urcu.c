/*
 * bench/dsb_urcu.c - our structures compiled against liburcu's memb flavour
 * (bench/adapters/urcu_memb.h; objects ccmem_bench_ds_urcu in bench/CMakeLists).
 */
#include <stdlib.h>

#include "adapters/urcu_memb.h"
#include "ds_protos.h"
#include "dsb.h"
#include "pubq/pubq.h"

typedef ds_ctx_t fam_ctx_t;
#define DS(name) DS_FN(name)
#define FAM_HAS_MAPS 1
#define FAM_HAS_PUBQ 1
#define PUBQ_T pubq_urcu_t
#define PUBQ(name) pubq_urcu_##name
#define PUBQ_S(name) PUBQ(name)

#include "dsb_peer_urcu.h"

#include "dsb_family.h"

void dsb_run_urcu(const dsb_cell_t *c, dsb_result_t *r)
{
	fam_run(c, r);
}

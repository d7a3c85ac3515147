/* bench/dsb.c - names and dispatch of the data-structure benchmark (dsb.h). */
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "dsb.h"

const char *const dsb_struct_name[DSB_NSTRUCT] = {"queue", "skiplist", "bst", "pubqueue", "pubqueue_s"};
const char *const dsb_work_name[DSB_NWORK] = {"update", "read"};
const char *const dsb_var_name[DSB_NVAR] = {"none", "ibr", "debra", "debra+", "ck_epoch", "urcu", "urcu_lfq", "ck_fifo"};
const char *const dsb_back_name[DSB_NBACK] = {"mimalloc", "system"};

uint32_t dsb_stop;
uint32_t dsb_unstall;

bool dsb_variant_applies(int variant, int structure)
{
	if (variant == DSB_V_URCU_LFQ || variant == DSB_V_CK_FIFO)
		return structure == DSB_QUEUE;
	if (structure == DSB_PUBQ || structure == DSB_PUBQ_S) /* written for ccmem, ck_epoch and liburcu */
		return variant != DSB_V_URCU_LFQ && variant != DSB_V_CK_FIFO;
	return variant >= 0 && variant < DSB_NVAR;
}

void dsb_sleep_ns(uint64_t ns)
{
	struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

void dsb_run_cell(const dsb_cell_t *c, dsb_result_t *r)
{
	r->magic = DSB_RESULT_MAGIC;
	r->ok = 0;
	switch (c->variant) {
	case DSB_V_NONE:
	case DSB_V_IBR:
	case DSB_V_DEBRA:
	case DSB_V_DEBRAP:
		dsb_run_ccmem(c, r);
		break;
	case DSB_V_CK:
		dsb_run_ck(c, r);
		break;
	case DSB_V_URCU:
		dsb_run_urcu(c, r);
		break;
	case DSB_V_URCU_LFQ:
		dsb_run_lfq(c, r);
		break;
	case DSB_V_CK_FIFO:
		dsb_run_ckfifo(c, r);
		break;
	default:
		fprintf(stderr, "bench: unknown variant %d\n", c->variant);
		break;
	}
}

/*
 * bench/dsb_ccmem.c - the ccmem variants (SMR_NONE, IBR, DEBRA, DEBRA+): the
 * library's own structures (ccmem_ds), the scheme chosen by the domain.
 */
#include <stdlib.h>

#include <ccmem.h>
#include <ccmem/bst.h>
#include <ccmem/queue.h>
#include <ccmem/skiplist.h>

#include "dsb.h"
#include "pubq/pubq.h"

typedef smr_context_t fam_ctx_t;
#define DS(name) name
#define FAM_HAS_MAPS 1
#define FAM_HAS_PUBQ 1
#define PUBQ_T pubq_smr_t
#define PUBQ(name) pubq_smr_##name
#define PUBQ_S(name) g_pqs->name

static smr_domain_t *g_domain;

/* DSB_PUBQ_S: the public-API queue compiled for the cell's scheme */
typedef struct pqs_ops {
	pubq_smr_t *(*create)(smr_context_t *ctx);
	int (*enqueue)(pubq_smr_t *q, smr_context_t *ctx, uint64_t value);
	bool (*dequeue)(pubq_smr_t *q, smr_context_t *ctx, uint64_t *out);
} pqs_ops_t;
#define PQS(sfx) {pubq_smr_##sfx##_create, pubq_smr_##sfx##_enqueue, pubq_smr_##sfx##_dequeue}
static const pqs_ops_t g_pqs_ops[] = {[DSB_V_NONE] = PQS(none), [DSB_V_IBR] = PQS(ibr),
                                      [DSB_V_DEBRA] = PQS(debra), [DSB_V_DEBRAP] = PQS(debraplus)};
static const pqs_ops_t *g_pqs;

static int fam_setup(const dsb_cell_t *c)
{
	static const smr_scheme_t scheme[] = {[DSB_V_NONE] = SMR_NONE,
	                                      [DSB_V_IBR] = SMR_IBR,
	                                      [DSB_V_DEBRA] = SMR_DEBRA,
	                                      [DSB_V_DEBRAP] = SMR_DEBRA_PLUS};
	smr_options_t o;
	smr_options_init(&o, scheme[c->variant]); /* the defaults a user gets */
	o.max_threads = (unsigned)c->threads + 2;
	const char *na = getenv("CCMEM_WB_NEUTRALIZE_AFTER"); /* the workbench's --neutralize-after */
	if (na != NULL && atoi(na) > 0)
		o.neutralize_after = (unsigned)atoi(na);
	g_pqs = &g_pqs_ops[c->variant];
	g_domain = smr_domain_create(&o);
	return g_domain == NULL ? -1 : 0;
}

static fam_ctx_t *fam_enter(void)
{
	return smr_thread_register(g_domain);
}

static void fam_leave(fam_ctx_t *ctx)
{
	smr_thread_unregister(ctx);
}

static uint64_t fam_pending(uint64_t *retired)
{
	smr_stats_t st;
	smr_domain_stats(g_domain, &st);
	*retired = st.retired;
	return st.pending;
}

#define FAM_HAS_EVENTS 1
static void fam_events(uint64_t ev[3])
{
	smr_stats_t st;
	smr_domain_stats(g_domain, &st);
	ev[0] = st.signals;
	ev[1] = st.restarts;
	ev[2] = st.waits;
}

/* Stops inside an operation.  Under DEBRA+ it stops in a restartable region
 * (after a checkpoint, as a thread descheduled in the read phase of a search
 * would): a neutralisation signal makes it quiescent and jumps back to the
 * checkpoint, where it stops again.  The wait is nanosleep, which is
 * async-signal-safe, so jumping out of the handler that interrupted it is
 * sound; nothing else happens in the region. */
static void fam_stall(fam_ctx_t *ctx)
{
	smr_begin_op(ctx);
	smr_checkpoint(ctx);
	/* acquire: pairs with the engine's release store */
	while (!cc_atomic_load_acquire_u32(&dsb_unstall))
		dsb_sleep_ns(1000000);
	smr_end_op(ctx);
}

#include "dsb_family.h"

void dsb_run_ccmem(const dsb_cell_t *c, dsb_result_t *r)
{
	fam_run(c, r);
}

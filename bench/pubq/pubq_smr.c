/*
 * bench/pubq/pubq_smr.c - a Michael-Scott queue as a ccmem user writes it,
 * against the installed <ccmem/smr.h> only (no internal instance names, no
 * src/ds seam): what a user's own structure pays per operation.  Built with
 * the library's flags; the scheme is the domain's, read by each inline call.
 *
 * DEBRA+ is used as smr.h documents it: the read phase after smr_checkpoint,
 * the records the write phase needs in protection slots, then
 * smr_write_phase.  Under IBR, DEBRA and NONE these calls are a branch each.
 */
#include <errno.h>

#include <ccmem/smr.h>

#include "pubq.h"

/* Built once as is (pubq_smr_*: the scheme read from each context) and once
 * per scheme with -DSMR_SCHEME=<scheme> -DPUBQ_SMR_SFX=_<name>
 * (pubq_smr_<name>_*: what a user gets who compiles the file for one scheme,
 * smr.h's SMR_SCHEME). */
#ifndef PUBQ_SMR_SFX
#define PUBQ_SMR_SFX
#endif
#define PQ_CAT3_(a, b, c) a##b##c
#define PQ_CAT3(a, b, c) PQ_CAT3_(a, b, c)
#define PQ_FN(name) PQ_CAT3(pubq_smr, PUBQ_SMR_SFX, name)

typedef struct pq_node {
	uint64_t value;
	struct pq_node *next;
} pq_node_t;

struct pubq_smr {
	pq_node_t *head __attribute__((aligned(CC_CACHE_LINE_SIZE)));
	pq_node_t *tail __attribute__((aligned(CC_CACHE_LINE_SIZE)));
	char pad[CC_CACHE_LINE_SIZE - sizeof(pq_node_t *)];
};

pubq_smr_t *PQ_FN(_create)(smr_context_t *ctx)
{
	pubq_smr_t *q = cc_alloc_aligned(sizeof *q, CC_CACHE_LINE_SIZE);
	pq_node_t *s = smr_alloc(ctx, sizeof *s);
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

int PQ_FN(_enqueue)(pubq_smr_t *q, smr_context_t *ctx, uint64_t value)
{
	pq_node_t *node = smr_alloc(ctx, sizeof *node); /* outside the restartable region */
	if (node == NULL)
		return -1;
	node->value = value;
	node->next = NULL;
	smr_begin_op(ctx);
	for (;;) {
		smr_checkpoint(ctx);
		pq_node_t *t = smr_protect(ctx, (void *const *)&q->tail);
		pq_node_t *next = smr_protect(ctx, (void *const *)&t->next);
		/* acquire: t is still the tail, so next was read out of a live node */
		if (t != cc_atomic_load_acquire_ptr((void *const *)&q->tail))
			continue;
		smr_reserve(ctx, 0, t);
		smr_write_phase(ctx);
		if (next == NULL) {
			/* seq_cst CAS (release): the node's contents before its link */
			if (cc_atomic_cas_ptr((void **)&t->next, NULL, node)) {
				cc_atomic_cas_ptr((void **)&q->tail, t, node); /* swing; others may help */
				break;
			}
		} else {
			cc_atomic_cas_ptr((void **)&q->tail, t, next); /* help a lagging tail */
		}
	}
	smr_end_op(ctx);
	return 0;
}

bool PQ_FN(_dequeue)(pubq_smr_t *q, smr_context_t *ctx, uint64_t *out)
{
	/* set in the write phase only; volatile for sigsetjmp (smr.h) */
	pq_node_t *volatile unlinked = NULL;
	volatile uint64_t value = 0;
	smr_begin_op(ctx);
	for (;;) {
		smr_checkpoint(ctx); /* nothing above it changes before the write phase */
		pq_node_t *h = smr_protect(ctx, (void *const *)&q->head);
		pq_node_t *t = smr_protect(ctx, (void *const *)&q->tail);
		pq_node_t *next = smr_protect(ctx, (void *const *)&h->next);
		/* acquire: h is still the head, so next was read out of a live node */
		if (h != cc_atomic_load_acquire_ptr((void *const *)&q->head))
			continue;
		if (next == NULL)
			break; /* empty */
		uint64_t v = next->value; /* immutable once linked */
		smr_reserve(ctx, 0, h);
		smr_reserve(ctx, 1, next);
		smr_write_phase(ctx);
		if (h == t) {
			cc_atomic_cas_ptr((void **)&q->tail, t, next); /* the tail lags: help */
			continue;
		}
		/* seq_cst CAS: the unlink smr_retire's contract asks for */
		if (cc_atomic_cas_ptr((void **)&q->head, h, next)) {
			unlinked = h;
			value = v;
			break;
		}
	}
	smr_end_op(ctx);
	pq_node_t *old = unlinked;
	if (old == NULL)
		return false;
	smr_retire(ctx, old, sizeof *old); /* the old sentinel */
	*out = value;
	return true;
}

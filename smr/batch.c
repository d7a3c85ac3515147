/*
 * smr/batch.c - retire blocks, block lists, per-thread pools, node release
 * and the domain's shared stack of batches.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

/* Empty blocks a thread keeps for reuse; beyond this they go back to the glue. */
#define SMR_POOL_MAX 16

static size_t block_bytes(unsigned cap)
{
	return sizeof(smr_block_t) + (size_t)cap * sizeof(smr_entry_t);
}

static void block_reset(smr_block_t *b)
{
	b->next = NULL;
	b->count = 0;
	b->fini_any = 0;
	b->tag = SMR_TAG_SAFE;
	b->min_birth = UINT64_MAX;
	b->max_birth = 0;
	b->max_retire = 0;
}

smr_block_t *smr_block_new(smr_domain_t *d)
{
	unsigned cap = d->opts.batch_size;
	smr_block_t *b = cc_alloc_node(block_bytes(cap));
	if (b == NULL)
		return NULL;
	b->cap = cap;
	block_reset(b);
	return b;
}

smr_block_t *smr_block_get(smr_context_t *ctx)
{
	smr_block_t *b = smr_list_pop(&smr_local(ctx)->pool);
	if (b == NULL)
		return smr_block_new(ctx->priv.domain);
	block_reset(b);
	return b;
}

void smr_block_release(smr_domain_t *d, smr_block_t *b)
{
	(void)d;
	cc_free(b, block_bytes(b->cap));
}

void smr_block_put(smr_context_t *ctx, smr_block_t *b)
{
	smr_local_t *loc = smr_local(ctx);
	if (loc->pool.blocks >= SMR_POOL_MAX) {
		smr_block_release(ctx->priv.domain, b);
		return;
	}
	block_reset(b);
	/* a stack: the block just drained (its entries and its header still in
	 * this core's cache) is the next one filled.  A queue would hand out the
	 * coldest block instead: with IBR's several pooled blocks that cost a
	 * write miss every fourth retire (callgrind's cache model on the
	 * library queue, one thread). */
	smr_list_push_head(&loc->pool, b);
}

void smr_list_push(smr_list_t *l, smr_block_t *b)
{
	b->next = NULL;
	if (l->tail)
		l->tail->next = b;
	else
		l->head = b;
	l->tail = b;
	l->blocks++;
	l->nodes += b->count;
}

void smr_list_push_head(smr_list_t *l, smr_block_t *b)
{
	b->next = l->head;
	l->head = b;
	if (l->tail == NULL)
		l->tail = b;
	l->blocks++;
	l->nodes += b->count;
}

smr_block_t *smr_list_pop(smr_list_t *l)
{
	smr_block_t *b = l->head;
	if (b == NULL)
		return NULL;
	l->head = b->next;
	if (l->head == NULL)
		l->tail = NULL;
	l->blocks--;
	l->nodes -= b->count;
	b->next = NULL;
	return b;
}

void smr_list_splice(smr_list_t *dst, smr_list_t *src)
{
	if (src->head == NULL)
		return;
	if (dst->tail)
		dst->tail->next = src->head;
	else
		dst->head = src->head;
	dst->tail = src->tail;
	dst->blocks += src->blocks;
	dst->nodes += src->nodes;
	memset(src, 0, sizeof *src);
}

bool smr_block_drain(smr_context_t *freer, smr_block_t *b, size_t *budget, size_t *freed)
{
	uint32_t n = b->count;
	uint32_t take = *budget < n ? (uint32_t)*budget : n;
	smr_entry_t *e = &b->e[n], *stop = e - take;
	if (CC_LIKELY(cc__free_from() == 0)) {
		/* The glue's plain mode: its inline free is mi_free for every block
		 * (the size only feeds statistics).  The free bound is read once for
		 * the batch, as any reader of it may lag (alloc.h: every path frees
		 * correctly in every mode the bound can lag behind). */
		if (!b->fini_any) {
			while (e != stop)
				mi_free((--e)->hdr);
		}
		while (e != stop) {
			--e;
			if (e->fini)
				e->fini(smr_node_of(e->hdr));
			mi_free(e->hdr);
		}
	} else {
		while (e != stop)
			smr_entry_release(--e);
	}
	b->count = n - take;
	*budget -= take;
	*freed += take;
	smr_count_freed(freer, take);
	return b->count == 0;
}

void smr_retire_fold(smr_context_t *ctx)
{
	smr_local_t *loc = smr_local(ctx);
	smr_block_t *b = loc->cur;
	if (b == NULL)
		return; /* no grant is open: rcur and rbase are NULL */
	/* the inline path appended rcur - rbase entries since the grant, each
	 * one retire nearer to the periodic work (the grant kept them fewer) */
	loc->tick -= (uint32_t)(ctx->priv.rcur - loc->rbase);
	loc->rbase = ctx->priv.rcur;
	b->count = (uint32_t)(ctx->priv.rcur - b->e);
	b->fini_any |= ctx->priv.rfini;
	ctx->priv.rfini = 0;
}

smr_block_t *smr_seal_current(smr_context_t *ctx)
{
	smr_local_t *loc = smr_local(ctx);
	smr_retire_fold(ctx);
	smr_block_t *b = loc->cur;
	if (b == NULL || b->count == 0)
		return NULL;
	loc->cur = NULL;
	ctx->priv.rcur = ctx->priv.rlimit = loc->rbase = NULL; /* the next retire takes a block */
	if (ctx->priv.scheme == SMR_NONE) {
		b->tag = SMR_TAG_NEVER;
		return b;
	}
	if (ctx->priv.scheme == SMR_IBR) {
		/* the union of the entries' births is computed when a scan first
		 * needs it (smr_ibr_scan_block): a scan that can decide from the
		 * seal epoch alone (no reservation begun by then, or one that has
		 * seen it) does without it */
		b->min_birth = SMR_BIRTH_UNKNOWN_MIN;
		b->max_birth = SMR_BIRTH_UNKNOWN_MAX;
	}
	/* Every unlink of the block's nodes happened before this point; the full
	 * fence makes the epoch read below at least every epoch in force at those
	 * unlinks, on C11's model too (an acquire load alone would not). */
	cc_atomic_fence_seqcst();
	uint64_t e = cc_atomic_load_acquire_u64(ctx->priv.epoch);
	b->tag = e;        /* DEBRA: freeable once epoch >= tag + 4 */
	b->max_retire = e; /* IBR: a retire epoch no earlier than any entry's */
	return b;
}

/* ---- the domain's shared stack ------------------------------------------------------- */

static void shared_push_chain(smr_domain_t *d, smr_block_t *first, smr_block_t *last, size_t nodes)
{
	/* counted before the push, so a concurrent take never subtracts first */
	cc_atomic_faa_u64(&d->shared_nodes, nodes);
	void *head = cc_atomic_load_relaxed_ptr((void *const *)&d->shared);
	unsigned int backoff = CC_BACKOFF_INITIALIZER;
	for (;;) {
		last->next = head;
		/* CAS (seq_cst, so release): the blocks' contents before the push;
		 * pairs with the exchange in smr_shared_take_all. */
		if (cc_atomic_cas_value_ptr((void **)&d->shared, &head, first))
			break;
		cc_backoff(&backoff); /* several threads handing off at once */
	}
}

void smr_shared_push(smr_domain_t *d, smr_block_t *b)
{
	shared_push_chain(d, b, b, b->count);
}

void smr_shared_push_list(smr_domain_t *d, smr_list_t *l)
{
	if (l->head == NULL)
		return;
	shared_push_chain(d, l->head, l->tail, l->nodes);
	memset(l, 0, sizeof *l);
}

smr_block_t *smr_shared_take_all(smr_domain_t *d)
{
	if (cc_atomic_load_relaxed_ptr((void *const *)&d->shared) == NULL)
		return NULL;
	/* exchange (seq_cst, so acquire): pairs with the pushing CAS.  Taking the
	 * whole stack avoids the ABA problem of popping one block. */
	smr_block_t *all = cc_atomic_fas_ptr((void **)&d->shared, NULL);
	size_t nodes = 0;
	for (smr_block_t *b = all; b; b = b->next)
		nodes += b->count;
	cc_atomic_faa_u64(&d->shared_nodes, (uint64_t)0 - nodes);
	return all;
}

void smr_list_destroy(smr_domain_t *d, smr_context_t *freer, smr_list_t *l)
{
	smr_block_t *b;
	while ((b = smr_list_pop(l)) != NULL) {
		size_t budget = SIZE_MAX, freed = 0;
		smr_block_drain(freer, b, &budget, &freed);
		smr_block_release(d, b);
	}
}

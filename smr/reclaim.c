/*
 * smr/reclaim.c - node allocation and retirement, reclamation passes, poll.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

static void corrupt(const char *fmt, const void *node)
{
	fprintf(stderr, "ccmem smr: ");
	fprintf(stderr, fmt, node);
	fputc('\n', stderr);
	abort();
}

/* smr_alloc's checked path: size 0, or too large for the header. */
void *smr__alloc_slow(smr_context_t *ctx, size_t size)
{
	(void)ctx;
	errno = size == 0 ? EINVAL : ENOMEM;
	return NULL;
}

void smr__ibr_advance(smr_context_t *ctx)
{
	/* One advance per epoch_freq allocations system-wide: each thread
	 * advances after epoch_freq * (registered threads) of its own. */
	cc_atomic_faa_u64(ctx->priv.epoch, 1);
	uint32_t n = cc_atomic_load_relaxed_u32(&ctx->priv.domain->registered);
	ctx->priv.alloc_left = (uint64_t)ctx->priv.domain->opts.epoch_freq * (n ? n : 1);
}

/* Files a sealed block where the scheme and options want it. */
static void file_sealed(smr_context_t *ctx, smr_block_t *b)
{
	smr_domain_t *d = ctx->priv.domain;
	smr_local_t *loc = smr_local(ctx);
	if (d->opts.empty_freq == 0) {
		smr_shared_push(d, b); /* dedicated reclaimers free it; b is theirs from here */
		return;
	}
	if (ctx->priv.scheme == SMR_DEBRA || ctx->priv.scheme == SMR_DEBRA_PLUS) {
		smr_list_push(&loc->bag[loc->cur_bag], b);
		loc->limbo += b->count;
		if (!ctx->priv.scan_due) {
			/* a full batch was retired: drive the epoch once (the scan ends
			 * at the rotation that the advance brings, smr_debra_rotate) */
			ctx->priv.scan_due = true;
			smr_debra_refresh_fast(ctx);
		}
		return;
	}
	smr_list_push(&loc->sealed, b);
	if (loc->sealed.blocks > d->opts.max_local_batches)
		smr_shared_push(d, smr_list_pop(&loc->sealed)); /* any thread may free it now */
}

/* The periodic work of the retire path, every tick_len retires: frees what
 * is ready at free_per_retire per retire, runs a pass every empty_freq
 * retires, and under DEBRA+ arms the back-pressure wait.  Done in chunks so
 * that the per-retire path stays a few stores. */
static void retire_tick(smr_context_t *ctx, smr_local_t *loc)
{
	smr_domain_t *d = ctx->priv.domain;
	uint32_t n = loc->tick_len;
	loc->tick = n;
	if (CC_UNLIKELY(ctx->priv.scheme == SMR_DEBRA_PLUS) && smr_debra_over_cap(ctx))
		ctx->priv.fast_epoch = SMR__QBIT; /* the next begin takes the slow path and waits */
	if (d->opts.empty_freq == 0)
		return; /* dedicated reclaimers free */
	if (loc->ready.head && d->opts.free_per_retire) {
		size_t budget = (size_t)n * d->opts.free_per_retire;
		smr_free_ready(ctx, &budget);
	}
	/* counted before the check (the reference's issue #3) */
	loc->retires_since_pass += n;
	if (loc->retires_since_pass >= d->opts.empty_freq) {
		loc->retires_since_pass = 0;
		smr_pass(ctx, d->opts.poll_chunk, false);
	}
}

/* Opens the inline path for the next retires: fewer than the current block
 * has room for (the retire that fills it comes here, and seals it), and fewer
 * than the retires left before the periodic work (the retire that reaches it
 * comes here). */
static void retire_grant(smr_context_t *ctx, smr_local_t *loc)
{
	smr_block_t *b = loc->cur;
	if (b == NULL) {
		ctx->priv.rcur = ctx->priv.rlimit = loc->rbase = NULL;
		return;
	}
	uint32_t room = b->cap - b->count;
	uint32_t fill = room > 0 ? room - 1 : 0;
	uint32_t k = loc->tick - 1 < fill ? loc->tick - 1 : fill;
	ctx->priv.rcur = loc->rbase = &b->e[b->count];
	ctx->priv.rlimit = ctx->priv.rcur + k;
}

void smr__retire_slow(smr_context_t *ctx, void *node, size_t size, void (*fini)(void *node))
{
	if (node == NULL)
		return;
	SMR__CHECK(ctx, !smr__restartable(ctx), "smr_retire: called inside a restartable region");
	smr_hdr_t *h = smr_hdr_of(node);
	uint64_t info = h->info;
	if (CC_UNLIKELY(info >> SMR_HDR_SIZE_BITS != SMR_HDR_LIVE)) {
		if (info >> SMR_HDR_SIZE_BITS == SMR_HDR_RETIRED)
			corrupt("smr_retire: node %p retired twice", node);
		corrupt("smr_retire: %p was not allocated by smr_alloc, or its header is corrupted", node);
	}
#ifndef NDEBUG
	if (smr_hdr_size(h) != size) {
		fprintf(stderr, "ccmem smr: smr_retire: node %p retired with size %zu, allocated with %zu\n", node, size,
		        smr_hdr_size(h));
		abort();
	}
#else
	(void)size;
#endif
	smr_local_t *loc = smr_local(ctx);
	smr_retire_fold(ctx); /* the inline path's retires since the grant */
	h->info = (info & SMR__HDR_SIZE_MASK) | (SMR_HDR_RETIRED << SMR_HDR_SIZE_BITS);

	if (loc->cur != NULL && loc->cur->count == loc->cur->cap)
		file_sealed(ctx, smr_seal_current(ctx)); /* the inline path filled it */
	if (CC_UNLIKELY(loc->cur == NULL)) {
		smr_block_t *nb = smr_block_get(ctx);
		if (nb == NULL) {
			/* Out of memory for bookkeeping: free what is safe (emptied blocks
			 * return to the pool) and try once more. */
			smr_pass(ctx, SIZE_MAX, false);
			nb = smr_block_get(ctx);
			if (nb == NULL)
				corrupt("smr_retire: out of memory for a retire block; cannot keep node %p safely", node);
		}
		loc->cur = nb;
		loc->cur_aged = false;
	}
	smr_block_t *b = loc->cur;
	smr_entry_t *e = &b->e[b->count++];
	e->hdr = h;
	e->fini = fini;
	if (fini != NULL)
		b->fini_any = 1;
	/* priv.rcur follows the count while the block is current (smr_cur_count) */
	ctx->priv.rcur = ctx->priv.rlimit = loc->rbase = e + 1;
	/* single writer (this thread), read by smr_domain_stats */
	cc_atomic_store_relaxed_u64(&ctx->cnt.retired, ctx->cnt.retired + 1);
	bool filled = b->count == b->cap;
	if (filled)
		file_sealed(ctx, smr_seal_current(ctx));
	/* The periodic work before the next block is taken: a block it empties
	 * goes on top of the pool (smr_block_put) and is the one taken below,
	 * its lines still in this core's cache. */
	if (--loc->tick == 0)
		retire_tick(ctx, loc);
	if (filled && loc->cur == NULL) {
		/* This retire filled the block (the grant stops the inline path one
		 * entry short of it): filed above, and the next block taken now, so
		 * that the next retires stay inline.  No block (ENOMEM): the next
		 * retire tries again, with a pass first. */
		smr_block_t *nb = smr_block_get(ctx);
		if (nb != NULL) {
			loc->cur = nb;
			loc->cur_aged = false;
			ctx->priv.rcur = ctx->priv.rlimit = loc->rbase = nb->e;
		}
	}
	retire_grant(ctx, loc);
}

size_t smr_free_ready(smr_context_t *ctx, size_t *budget)
{
	smr_local_t *loc = smr_local(ctx);
	size_t freed = 0;
	smr_block_t *b;
	while (*budget > 0 && (b = loc->ready.head) != NULL) {
		uint32_t before = b->count;
		bool empty = smr_block_drain(ctx, b, budget, &freed);
		loc->ready.nodes -= before - b->count;
		if (!empty)
			break;
		smr_block_put(ctx, smr_list_pop(&loc->ready));
	}
	return freed;
}

void smr_flush_pending(smr_context_t *ctx)
{
	smr_domain_t *d = ctx->priv.domain;
	uint64_t r = ctx->cnt.retired, f = ctx->cnt.freed;
	uint64_t delta = (r - ctx->cnt.flushed_retired) - (f - ctx->cnt.flushed_freed);
	ctx->cnt.flushed_retired = r;
	ctx->cnt.flushed_freed = f;
	if (delta == 0)
		return;
	int64_t now = (int64_t)(cc_atomic_faa_u64(&d->pending, delta) + delta);
	uint64_t peak = cc_atomic_load_relaxed_u64(&d->peak_pending);
	while (now > (int64_t)peak && !cc_atomic_cas_u64(&d->peak_pending, peak, (uint64_t)now))
		peak = cc_atomic_load_relaxed_u64(&d->peak_pending);
}

/* IBR: frees what no reservation covers in the blocks of l; emptied blocks go
 * back to the pool.  nres reservations are in scratch. */
static void ibr_scan_list(smr_context_t *ctx, smr_list_t *l, size_t nres, size_t *budget, size_t *freed)
{
	smr_block_t *prev = NULL, *b = l->head;
	while (b != NULL && *budget > 0) {
		smr_block_t *next = b->next;
		uint32_t before = b->count;
		bool empty = smr_ibr_scan_block(ctx, b, nres, budget, freed);
		l->nodes -= before - b->count;
		if (empty) {
			if (prev)
				prev->next = next;
			else
				l->head = next;
			if (l->tail == b)
				l->tail = prev;
			l->blocks--;
			smr_block_put(ctx, b);
		} else {
			prev = b;
		}
		b = next;
	}
}

/* DEBRA+: frees the entries of b no slot holds, keeping the others packed. */
static bool drain_unheld(smr_context_t *ctx, smr_block_t *b, size_t nslots, size_t *budget, size_t *freed)
{
	if (nslots == 0)
		return smr_block_drain(ctx, b, budget, freed);
	uint32_t keep = 0;
	size_t done = 0;
	for (uint32_t i = 0; i < b->count; i++) {
		if (done < *budget && !smr_slots_hold(ctx, nslots, smr_node_of(b->e[i].hdr))) {
			smr_entry_release(&b->e[i]);
			done++;
		} else {
			b->e[keep++] = b->e[i];
		}
	}
	b->count = keep;
	*budget -= done;
	*freed += done;
	smr_count_freed(ctx, done);
	return keep == 0;
}

/* Frees what is safe among the batches the domain holds. */
static void shared_pass(smr_context_t *ctx, size_t *budget, size_t *freed)
{
	smr_domain_t *d = ctx->priv.domain;
	if (ctx->priv.scheme == SMR_NONE)
		return;
	smr_block_t *all = smr_shared_take_all(d);
	if (all == NULL)
		return;
	uint64_t epoch = cc_atomic_load_acquire_u64(&d->epoch);
	size_t nslots = 0, nres = 0;
	if (ctx->priv.scheme == SMR_IBR) {
		/* a fresh snapshot: these blocks may have been retired after the one
		 * taken for this thread's own blocks (which would then miss a reader
		 * that began in between) */
		nres = smr_ibr_snapshot(ctx);
	} else if (ctx->priv.scheme == SMR_DEBRA_PLUS) {
		nslots = smr_slots_snapshot(ctx);
	}
	smr_list_t keep = {0};
	while (all != NULL) {
		smr_block_t *b = all;
		all = b->next;
		bool empty = false;
		if (*budget > 0) {
			if (ctx->priv.scheme == SMR_IBR)
				empty = smr_ibr_scan_block(ctx, b, nres, budget, freed);
			else if (b->tag == SMR_TAG_SAFE || (b->tag != SMR_TAG_NEVER && epoch >= b->tag + 4))
				empty = drain_unheld(ctx, b, nslots, budget, freed);
		}
		if (empty)
			smr_block_put(ctx, b);
		else
			smr_list_push(&keep, b);
	}
	smr_shared_push_list(d, &keep);
}

size_t smr_pass(smr_context_t *ctx, size_t budget, bool polling)
{
	smr_local_t *loc = smr_local(ctx);
	size_t freed = 0;
	switch (ctx->priv.scheme) {
	case SMR_IBR: {
		smr_block_t *b = smr_seal_current(ctx);
		if (b)
			smr_list_push(&loc->sealed, b);
		if (loc->sealed.head) {
			size_t nres = smr_ibr_snapshot(ctx);
			ibr_scan_list(ctx, &loc->sealed, nres, &budget, &freed);
		}
		break;
	}
	case SMR_DEBRA:
	case SMR_DEBRA_PLUS:
		if (!smr__in_op(ctx)) {
			/* Outside an operation this thread may observe a new epoch here
			 * (a thread that retires outside operations, or a poller). */
			/* A poll drives the epoch itself (a dedicated reclaimer may run no
			 * operation at all); so does a pass of a thread with a batch in
			 * its bags, which may retire outside operations and never begin
			 * one (the amortised scan lives in smr_begin_op). */
			if (polling || ctx->priv.scan_due)
				smr_debra_try_advance(ctx);
			uint64_t e = cc_atomic_load_acquire_u64(ctx->priv.epoch);
			if (e != ctx->priv.announced) {
				smr_debra_rotate(ctx, e);
				/* release: still quiescent, now at the observed epoch */
				cc_atomic_store_release_u64(&ctx->sh.announce, ctx->priv.announced | SMR__QBIT);
			}
		}
		freed += smr_free_ready(ctx, &budget);
		break;
	default:
		break;
	}
	if (budget > 0)
		shared_pass(ctx, &budget, &freed);
	smr_flush_pending(ctx);
	return freed;
}

size_t smr_poll(smr_context_t *ctx)
{
	SMR__CHECK_OWNER(ctx, "smr_poll");
	SMR__CHECK(ctx, !smr__restartable(ctx), "smr_poll: called inside a restartable region");
	return smr_pass(ctx, ctx->priv.domain->opts.poll_chunk, true);
}

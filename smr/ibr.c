/*
 * smr/ibr.c - 2GE interval-based reclamation: reservations and the interval
 * test (Wen et al., PPoPP 2018; RangeTrackerNew in their reference code).
 */
#include "internal.h"

void smr__ibr_raise(smr_context_t *ctx, uint64_t epoch)
{
	ctx->priv.upper = epoch;
	/* store, then a full fence before the pointer is loaded again (the
	 * reference made this store seq_cst); pairs with the reclaimer's fence in
	 * smr_ibr_snapshot. */
	cc_atomic_store_fence_u64(&ctx->sh.upper, epoch);
}

size_t smr_ibr_snapshot(smr_context_t *ctx)
{
	smr_domain_t *d = ctx->priv.domain;
	smr_local_t *loc = smr_local(ctx);
	/* A full fence between this thread's unlinks/retire-epoch reads and the
	 * reservation reads (the reference's fix for weak memory models); pairs
	 * with the fence after each reservation store. */
	cc_atomic_fence_seqcst();
	/* acquire: records below hwm are initialised. */
	unsigned hwm = cc_atomic_load_acquire_u32(&d->hwm);
	size_t n = 0;
	for (unsigned i = 0; i < hwm; i++) {
		smr_context_t *r = smr_record(d, i);
		/* lower before upper: a reservation being ended (upper first) reads
		 * as [lower, MAX], one being begun (lower first) as [e, old upper]:
		 * both conservative.  acquire: pairs with the release stores of
		 * smr_end_op, so the ended operation's reads happen before any free. */
		uint64_t lo = cc_atomic_load_acquire_u64(&r->sh.lower);
		uint64_t up = cc_atomic_load_acquire_u64(&r->sh.upper);
		if (lo == SMR__INACTIVE)
			continue; /* upper alone cannot make an interval: lower is set first */
		loc->scratch[2 * n] = lo;
		loc->scratch[2 * n + 1] = up;
		n++;
	}
	return n;
}

static bool covered(const uint64_t *res, size_t nres, uint64_t birth, uint64_t retire)
{
	for (size_t i = 0; i < nres; i++)
		if (res[2 * i] <= retire && res[2 * i + 1] >= birth)
			return true;
	return false;
}

/* Whether one reservation covers every entry of the block: it began before
 * the block was sealed and has seen the latest birth in it. */
static bool covers_all(const uint64_t *res, size_t nres, uint64_t max_birth, uint64_t retire)
{
	for (size_t i = 0; i < nres; i++)
		if (res[2 * i] <= retire && res[2 * i + 1] >= max_birth)
			return true;
	return false;
}

bool smr_ibr_scan_block(smr_context_t *ctx, smr_block_t *b, size_t nres, size_t *budget, size_t *freed)
{
	const uint64_t *res = smr_local(ctx)->scratch;
	if (nres == 0)
		return smr_block_drain(ctx, b, budget, freed); /* no operation is open anywhere */
	/* Without the births first: every entry was born no later than it was
	 * retired, so its interval lies within [birth, max_retire] with birth <=
	 * max_retire.  One reservation that began by max_retire and has seen it
	 * (the latest birth as max_retire): every entry is covered.  None that
	 * began by then (the earliest birth as 0): no entry is.  Either way the
	 * node headers are not read (at one thread, every block a pass meets). */
	if (covers_all(res, nres, b->max_retire, b->max_retire))
		return false;
	if (!covered(res, nres, 0, b->max_retire))
		return smr_block_drain(ctx, b, budget, freed);
	if (b->min_birth > b->max_birth) {
		/* births not gathered since the seal: from the nodes' headers */
		uint64_t lo = UINT64_MAX, hi = 0;
		for (uint32_t i = 0; i < b->count; i++) {
			uint64_t birth = b->e[i].hdr->birth;
			lo = birth < lo ? birth : lo;
			hi = birth > hi ? birth : hi;
		}
		b->min_birth = lo;
		b->max_birth = hi;
	}
	if (!covered(res, nres, b->min_birth, b->max_retire))
		return smr_block_drain(ctx, b, budget, freed);
	/* The common case while the epoch has not moved since the block was
	 * sealed: a running operation covers the whole block, and testing entry
	 * by entry would keep every one of them (at a cost of a pass over the
	 * block at every pass, for nothing). */
	if (covers_all(res, nres, b->max_birth, b->max_retire))
		return false;
	/* Some reservation overlaps the block: test entry by entry, keeping the
	 * covered ones packed at the front. */
	uint32_t keep = 0;
	size_t done = 0;
	uint64_t min_birth = UINT64_MAX, max_birth = 0;
	for (uint32_t i = 0; i < b->count; i++) {
		smr_entry_t *e = &b->e[i];
		/* every entry's retire epoch is bounded by the block's seal epoch */
		uint64_t birth = e->hdr->birth;
		if (done < *budget && !covered(res, nres, birth, b->max_retire)) {
			smr_entry_release(e);
			done++;
			continue;
		}
		if (birth < min_birth)
			min_birth = birth;
		if (birth > max_birth)
			max_birth = birth;
		b->e[keep++] = *e;
	}
	b->count = keep;
	b->min_birth = min_birth;
	b->max_birth = max_birth;
	*budget -= done;
	*freed += done;
	smr_count_freed(ctx, done);
	return keep == 0;
}

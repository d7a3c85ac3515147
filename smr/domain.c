/*
 * smr/domain.c - options, domain create/destroy, the thread registry and
 * statistics.
 */
#include <errno.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const g_names[SMR_SCHEME_COUNT] = {"ibr", "debra", "debra+", "none"};

const char *smr_scheme_name(smr_scheme_t scheme)
{
	if ((unsigned)scheme >= SMR_SCHEME_COUNT) {
		errno = EINVAL;
		return NULL;
	}
	return g_names[scheme];
}

int smr_scheme_parse(const char *name, smr_scheme_t *out)
{
	for (unsigned i = 0; name && out && i < SMR_SCHEME_COUNT; i++) {
		if (strcmp(name, g_names[i]) == 0) {
			*out = (smr_scheme_t)i;
			return 0;
		}
	}
	errno = EINVAL;
	return -1;
}

void smr_options_init(smr_options_t *opts, smr_scheme_t scheme)
{
	memset(opts, 0, sizeof *opts);
	opts->scheme = scheme;
	opts->max_threads = 256;
	opts->batch_size = 64;
	opts->empty_freq = 64;
	opts->poll_chunk = 1024;
	opts->free_per_retire = 2;
	opts->max_local_batches = 16;
	opts->epoch_freq = 150;
	opts->scan_every = 1;
	opts->signal = SIGRTMIN + 2;
	/* 0: one batch, of the batch_size the domain is created with: signals
	 * start once a batch waits behind a blocker, and the thread itself waits
	 * past four (BENCHMARKS.md, the DEBRA+ curve) */
	opts->neutralize_after = 0;
}

static bool signal_ok(int sig)
{
	if (sig <= 0 || sig >= NSIG || sig == SIGKILL || sig == SIGSTOP)
		return false;
	/* synchronous faults cannot be told apart from real ones */
	if (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGTRAP)
		return false;
	struct sigaction sa;
	return sigaction(sig, NULL, &sa) == 0;
}

static bool options_ok(const smr_options_t *o)
{
	return o != NULL && (unsigned)o->scheme < SMR_SCHEME_COUNT && o->max_threads >= 1 &&
	       o->max_threads <= SMR_THREADS_LIMIT && o->batch_size >= 1 && o->batch_size <= 65536 &&
	       o->poll_chunk >= 1 && o->max_local_batches >= 1 && o->epoch_freq >= 1 && o->scan_every >= 1 &&
	       (o->scheme != SMR_DEBRA_PLUS || signal_ok(o->signal));
}

smr_domain_t *smr_domain_create(const smr_options_t *opts)
{
	if (!options_ok(opts)) {
		errno = EINVAL;
		return NULL;
	}
	if (opts->scheme == SMR_DEBRA_PLUS && smr_neutralize_install(opts->signal) != 0)
		return NULL; /* errno from the installer */
	smr_domain_t *d = cc_alloc_aligned(sizeof *d, CC_CACHE_LINE_SIZE);
	if (d == NULL)
		return NULL;
	memset(d, 0, sizeof *d);
	d->opts = *opts;
	if (d->opts.neutralize_after == 0)
		d->opts.neutralize_after = d->opts.batch_size;
	size_t rec = sizeof(smr_context_t) + sizeof(smr_local_t);
	/* whole pairs of lines: adjacent-line prefetchers pull lines in pairs,
	 * so a neighbour record never shares a pair with this one */
	d->rec_size = (rec + 2 * CC_CACHE_LINE_SIZE - 1) & ~(size_t)(2 * CC_CACHE_LINE_SIZE - 1);
	d->records_bytes = d->rec_size * opts->max_threads;
	d->records = cc_alloc_aligned(d->records_bytes, 2 * CC_CACHE_LINE_SIZE);
	if (d->records == NULL) {
		cc_free(d, sizeof *d);
		return NULL;
	}
	memset(d->records, 0, d->records_bytes);
	/* IBR counts epochs by one; DEBRA by two, bit 0 being the quiescent bit. */
	d->epoch = opts->scheme == SMR_IBR ? 1 : 2;
	for (unsigned i = 0; i < opts->max_threads; i++) {
		smr_context_t *r = smr_record(d, i);
		r->sh.state = SMR_REC_FREE;
		r->sh.lower = r->sh.upper = SMR__INACTIVE;
		r->sh.announce = SMR__QBIT;
	}
	return d;
}

/* ---- registry ------------------------------------------------------------------------- */

smr_context_t *smr_thread_register(smr_domain_t *d)
{
	if (d == NULL) {
		errno = EINVAL;
		return NULL;
	}
	for (unsigned i = 0; i < d->opts.max_threads; i++) {
		smr_context_t *ctx = smr_record(d, i);
		/* claim: FREE -> LEAVING (not yet counted by scans as active) */
		if (cc_atomic_load_relaxed_u32(&ctx->sh.state) != SMR_REC_FREE ||
		    !cc_atomic_cas_u32(&ctx->sh.state, SMR_REC_FREE, SMR_REC_LEAVING))
			continue;
		smr_local_t *loc = smr_local(ctx);
		ctx->priv.domain = d;
		size_t words = (size_t)d->opts.max_threads * SMR_SLOTS;
		if (loc->scratch == NULL && (d->opts.scheme == SMR_IBR || d->opts.scheme == SMR_DEBRA_PLUS)) {
			loc->scratch = cc_alloc(words * sizeof(uint64_t));
			if (loc->scratch == NULL) {
				cc_atomic_store_release_u32(&ctx->sh.state, SMR_REC_FREE);
				return NULL;
			}
			loc->scratch_words = words;
		}
		/* two blocks in the pool, so a retire rarely allocates */
		while (loc->pool.blocks < 2) {
			smr_block_t *b = smr_block_new(d);
			if (b == NULL)
				break;
			smr_list_push(&loc->pool, b);
		}
		/* a fresh start for everything a registration owns (the record's
		 * block pool, scratch and counters carry over) */
		struct smr__private *p = &ctx->priv;
		memset(p, 0, sizeof *p);
		memset(loc, 0, offsetof(smr_local_t, pool));
		p->scheme = d->opts.scheme;
		p->epoch = &d->epoch;
		p->domain = d;
		p->upper = SMR__INACTIVE;
		p->announced = 0; /* the first operation observes the epoch and rotates */
		p->fast_epoch = SMR__QBIT;
		p->scan_every = d->opts.scan_every;
		p->alloc_left = d->opts.epoch_freq;
		loc->tick_len = d->opts.empty_freq && d->opts.empty_freq < SMR_RETIRE_TICK ? d->opts.empty_freq
		                                                                           : SMR_RETIRE_TICK;
		loc->tick = loc->tick_len;
		ctx->sh.thread = pthread_self();
		ctx->sh.inflight = smr_neutralize_flag();
		ctx->sh.generation++;
		for (unsigned s = 0; s < SMR_SLOTS; s++) /* scans read every record's slots */
			cc_atomic_store_relaxed_ptr(&ctx->sh.slots[s], NULL);
		cc_atomic_store_relaxed_u64(&ctx->sh.lower, SMR__INACTIVE);
		cc_atomic_store_relaxed_u64(&ctx->sh.upper, SMR__INACTIVE);
		cc_atomic_store_relaxed_u64(&ctx->sh.announce, SMR__QBIT);
		uint32_t hwm = cc_atomic_load_relaxed_u32(&d->hwm);
		while (hwm < i + 1 && !cc_atomic_cas_u32(&d->hwm, hwm, i + 1))
			hwm = cc_atomic_load_relaxed_u32(&d->hwm);
		cc_atomic_faa_u32(&d->registered, 1);
		/* release: the record is initialised before scans see it active. */
		cc_atomic_store_release_u32(&ctx->sh.state, SMR_REC_ACTIVE);
		return ctx;
	}
	errno = EAGAIN;
	return NULL;
}

/* Hands every node of ctx not yet freed to the domain. */
static void hand_off(smr_context_t *ctx)
{
	smr_domain_t *d = ctx->priv.domain;
	smr_local_t *loc = smr_local(ctx);
	smr_block_t *b = smr_seal_current(ctx);
	if (b)
		smr_list_push(&loc->sealed, b);
	if (loc->cur != NULL) {
		/* an empty current block (taken when the last one filled) goes back
		 * to the record's pool, which outlives the registration */
		smr_block_put(ctx, loc->cur);
		loc->cur = NULL;
		ctx->priv.rcur = ctx->priv.rlimit = loc->rbase = NULL;
	}
	/* A DEBRA bag's blocks carry their seal epochs (smr_seal_current): the
	 * domain frees them once epoch >= tag + 4.  Ready blocks are safe. */
	for (int i = 0; i < 3; i++)
		smr_shared_push_list(d, &loc->bag[i]);
	smr_shared_push_list(d, &loc->sealed);
	for (smr_block_t *r = loc->ready.head; r; r = r->next)
		r->tag = SMR_TAG_SAFE;
	smr_shared_push_list(d, &loc->ready);
	loc->limbo = 0;
}

void smr_thread_unregister(smr_context_t *ctx)
{
	if (ctx == NULL)
		return;
	SMR__CHECK_OWNER(ctx, "smr_thread_unregister");
	smr_domain_t *d = ctx->priv.domain;
	if (smr__in_op(ctx))
		smr_end_op(ctx);
	if (ctx->priv.scheme == SMR_DEBRA_PLUS)
		smr_neutralize_forget(ctx);
	smr_pass(ctx, d->opts.poll_chunk, true); /* free what is safe already */
	hand_off(ctx); /* moves nodes, counts nothing: the pass above flushed */
	if (ctx->priv.scheme == SMR_DEBRA_PLUS) {
		smr_neutralize_leave(ctx); /* no signal is in flight to this thread after this */
	}
	cc_atomic_faa_u32(&d->registered, (uint32_t)-1);
	/* release: the hand-off happens before the record is reused. */
	cc_atomic_store_release_u32(&ctx->sh.state, SMR_REC_FREE);
}

/* ---- destroy and statistics ----------------------------------------------------------- */

void smr_domain_destroy(smr_domain_t *d)
{
	if (d == NULL)
		return;
	unsigned busy = 0;
	for (unsigned i = 0; i < d->opts.max_threads; i++) {
		smr_context_t *r = smr_record(d, i);
		if (cc_atomic_load_acquire_u32(&r->sh.state) == SMR_REC_ACTIVE && smr__in_op(r))
			busy++;
	}
	if (busy) {
		fprintf(stderr, "ccmem smr: smr_domain_destroy: %u thread(s) still inside an operation; "
		                "the domain is not destroyed\n", busy);
		errno = EBUSY;
		return;
	}
	smr_context_t *freer = smr_record(d, 0);
	for (unsigned i = 0; i < d->opts.max_threads; i++) {
		smr_context_t *r = smr_record(d, i);
		smr_local_t *loc = smr_local(r);
		if (cc_atomic_load_acquire_u32(&r->sh.state) == SMR_REC_ACTIVE) {
			smr_retire_fold(r); /* the inline path's entries count */
			smr_block_t *b = loc->cur;
			loc->cur = NULL;
			if (b)
				smr_list_push(&loc->sealed, b);
			for (int k = 0; k < 3; k++)
				smr_list_destroy(d, freer, &loc->bag[k]);
			smr_list_destroy(d, freer, &loc->sealed);
			smr_list_destroy(d, freer, &loc->ready);
			if (r->priv.scheme == SMR_DEBRA_PLUS)
				smr_neutralize_forget(r);
		}
		smr_list_destroy(d, freer, &loc->pool);
		if (loc->scratch)
			cc_free(loc->scratch, loc->scratch_words * sizeof(uint64_t));
	}
	smr_list_t shared = {0};
	for (smr_block_t *b = smr_shared_take_all(d), *next; b; b = next) {
		next = b->next;
		smr_list_push(&shared, b);
	}
	smr_list_destroy(d, freer, &shared);
	cc_free(d->records, d->records_bytes);
	cc_free(d, sizeof *d);
}

void smr_domain_stats(const smr_domain_t *d, smr_stats_t *out)
{
	memset(out, 0, sizeof *out);
	if (d == NULL)
		return;
	smr_domain_t *dm = (smr_domain_t *)d;
	unsigned hwm = cc_atomic_load_acquire_u32(&dm->hwm);
	for (unsigned i = 0; i < hwm; i++) {
		smr_context_t *r = smr_record(d, i);
		out->retired += cc_atomic_load_relaxed_u64(&r->cnt.retired);
		out->freed += cc_atomic_load_relaxed_u64(&r->cnt.freed);
		out->signals += cc_atomic_load_relaxed_u64(&r->cnt.signals);
		out->restarts += cc_atomic_load_relaxed_u64(&r->cnt.restarts);
		out->waits += cc_atomic_load_relaxed_u64(&r->cnt.waits);
	}
	out->pending = out->retired >= out->freed ? out->retired - out->freed : 0;
	uint64_t peak = cc_atomic_load_relaxed_u64(&dm->peak_pending);
	out->peak_pending = peak > out->pending ? peak : out->pending;
	out->epoch = cc_atomic_load_acquire_u64(&dm->epoch);
	out->threads = cc_atomic_load_relaxed_u32(&dm->registered);
	out->orphaned = cc_atomic_load_relaxed_u64(&dm->shared_nodes);
	out->records = hwm;
}

void smr__scheme_mismatch(const smr_context_t *ctx, smr_scheme_t compiled)
{
	fprintf(stderr, "ccmem smr: smr_begin_op: code compiled with SMR_SCHEME %s used with a %s context (context %p)\n",
	        (unsigned)compiled < SMR_SCHEME_COUNT ? g_names[compiled] : "(invalid)", g_names[ctx->priv.scheme],
	        (const void *)ctx);
	abort();
}

void smr__debug_fail(const smr_context_t *ctx, const char *what)
{
	fprintf(stderr, "ccmem smr: %s (context %p)\n", what, (const void *)ctx);
	abort();
}

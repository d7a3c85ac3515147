/*
 * smr/debra.c - DEBRA (Brown, PODC 2015): announcements with a quiescent bit,
 * three limbo bags per thread, the amortised scan of one other thread per
 * operation; and DEBRA+ neutralisation with a restartable-region API.
 *
 * Departures from the reference (setbench's reclaimer_debra*.h):
 * - the announcement is a store followed by a full fence (one xchg), not a
 *   relaxed store with a compiler barrier that is correct only on x86;
 * - a scan round starts with a full fence between the epoch read and the
 *   announcement reads, so the advance is correct on C11's model;
 * - a signalled thread counts as safe only from its own announcement (the
 *   handler sets its quiescent bit), never because pthread_kill returned;
 * - a signal is sent only while the target's registry record says it is
 *   registered, and unregistration waits for senders in flight, so no signal
 *   goes to a thread that has exited.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

_Static_assert(sizeof(sigjmp_buf) <= SMR__JMPBUF_BYTES, "smr.h: SMR__JMPBUF_BYTES is too small for sigjmp_buf");

/* Checks of a blocking target between two signals to it for the same epoch. */
#define SMR_SIGNAL_PATIENCE 64
/* Checks that must find a blocking target in the same operation before the
 * amortised scan signals it (a running thread moves on by itself sooner). */
#define SMR_NEUTRALIZE_PATIENCE 32

/* ---- limbo bags ----------------------------------------------------------------- */

static bool extract_slot_held(smr_context_t *ctx, smr_list_t *bag, smr_list_t *held);
static size_t own_unfreed(smr_context_t *ctx);

void smr_debra_rotate(smr_context_t *ctx, uint64_t epoch)
{
	smr_local_t *loc = smr_local(ctx);
	smr_domain_t *d = ctx->priv.domain;
	/* A full fence between this thread's unlinks (before its retires) and
	 * the epoch read that ends the stint: on C11's model an acquire load alone
	 * could return an epoch older than one a reader of those nodes announced. */
	cc_atomic_fence_seqcst();
	uint64_t now = cc_atomic_load_acquire_u64(ctx->priv.epoch);
	if (now > epoch)
		epoch = now;
	/* The block being filled goes to the bag of the stint that ends now if
	 * it was already open when the previous stint ended; otherwise it stays
	 * open, its nodes filed later with a later stint's bag (which waits for
	 * more epoch changes: safe), so that a rotation soon after a block was
	 * taken does not seal a block of one or two nodes.  A block is sealed at
	 * the latest by the second rotation after it was opened. */
	smr_block_t *b = NULL;
	if (loc->cur != NULL) {
		if (loc->cur_aged)
			b = smr_seal_current(ctx);
		else
			loc->cur_aged = true;
	}
	if (d->opts.empty_freq == 0) {
		if (b)
			smr_shared_push(d, b); /* dedicated reclaimers free it */
		loc->limbo = 0;            /* in this mode every batch leaves at once */
	} else if (b) {
		smr_list_push(&loc->bag[loc->cur_bag], b);
		loc->limbo += b->count;
	}
	loc->cur_bag = (loc->cur_bag + 1) % 3;
	smr_list_t *oldest = &loc->bag[loc->cur_bag];
	/* The oldest bag was filled three observed epoch changes ago: every node
	 * in it is unreachable by any operation still open (smr/internal.h).  It
	 * becomes the new current bag, emptied into the ready list; DEBRA+ keeps
	 * the nodes some protection slot holds in it. */
	if (oldest->head) {
		smr_list_t held = {0};
		if (ctx->priv.scheme != SMR_DEBRA_PLUS || extract_slot_held(ctx, oldest, &held)) {
			loc->limbo -= oldest->nodes;
			smr_list_splice(&loc->ready, oldest);
			smr_list_splice(oldest, &held); /* still in limbo, checked again later */
		}
		/* else: no memory to set held nodes apart; the whole bag stays in
		 * limbo for three more epoch changes, which is safe. */
	}
	ctx->priv.announced = epoch;
	/* A thread drives the epoch once per full batch it retires (file_sealed
	 * sets scan_due, this rotation ends it) and while more than two batches
	 * wait in its bags (a thread that stopped retiring): one advance per
	 * batch keeps a lone thread from rotating at every operation. */
	ctx->priv.scan_due = smr_debra_limbo_high(loc, d);
	loc->check_next = 0;
	smr_debra_refresh_fast(ctx);
}

void smr_debra_refresh_fast(smr_context_t *ctx)
{
	bool slow = ctx->priv.scan_due || smr_debra_over_cap(ctx);
	ctx->priv.fast_epoch = slow ? SMR__QBIT : ctx->priv.announced;
}

/* ---- the amortised scan and the epoch advance -------------------------------------- */

/* Whether record r lets the epoch leave `epoch`: quiescent, announcing
 * `epoch`, or not registered. */
static bool allows(const smr_context_t *r, uint64_t epoch)
{
	/* acquire: pairs with the release store of smr_end_op (and the handler's),
	 * so the ended operation happens before whatever the advance frees. */
	if (cc_atomic_load_acquire_u32(&r->sh.state) != SMR_REC_ACTIVE)
		return true;
	uint64_t a = cc_atomic_load_acquire_u64(&r->sh.announce);
	return (a & SMR__QBIT) || a == epoch;
}

static bool advance(smr_domain_t *d, uint64_t epoch)
{
	/* seq_cst CAS: pairs with the acquire epoch loads of begin and seal. */
	return cc_atomic_cas_u64(&d->epoch, epoch, epoch + 2);
}

static void maybe_neutralize(smr_context_t *ctx, smr_context_t *target, unsigned idx, uint64_t epoch);
static void send_signal(smr_context_t *ctx, smr_context_t *target, unsigned idx, uint64_t epoch);

/* One check of the amortised scan at `epoch`, the epoch this thread last
 * observed (its own record is skipped: the caller is quiescent or announces
 * `epoch`).  True when it advanced the epoch. */
static bool check_one(smr_context_t *ctx, uint64_t epoch)
{
	smr_domain_t *d = ctx->priv.domain;
	smr_local_t *loc = smr_local(ctx);
	unsigned hwm = cc_atomic_load_acquire_u32(&d->hwm);
	if (loc->check_next == 0)
		cc_atomic_fence_seqcst(); /* the round's epoch read before any announcement read */
	while (loc->check_next < hwm) {
		smr_context_t *r = smr_record(d, loc->check_next);
		if (r == ctx || allows(r, epoch)) {
			loc->check_next++;
			if (r == ctx)
				continue; /* our own record costs no check */
			break;        /* one other thread per call */
		}
		if (ctx->priv.scheme == SMR_DEBRA_PLUS)
			maybe_neutralize(ctx, r, loc->check_next, epoch);
		return false; /* blocked: look at the same thread next time */
	}
	if (loc->check_next < hwm)
		return false;
	loc->check_next = 0;
	return advance(d, epoch);
}

/* After a full fence, the first registered thread that holds `epoch` back
 * (in an operation announced at an older epoch), or NULL; *idx its index. */
static smr_context_t *find_blocker(smr_context_t *ctx, uint64_t epoch, unsigned *idx)
{
	smr_domain_t *d = ctx->priv.domain;
	cc_atomic_fence_seqcst(); /* the epoch read before the announcement reads;
	                             pairs with the fence of each announcement */
	unsigned hwm = cc_atomic_load_acquire_u32(&d->hwm);
	for (unsigned i = 0; i < hwm; i++) {
		smr_context_t *r = smr_record(d, i);
		if (r != ctx && !allows(r, epoch)) {
			*idx = i;
			return r;
		}
	}
	return NULL;
}

bool smr_debra_try_advance(smr_context_t *ctx)
{
	uint64_t epoch = cc_atomic_load_acquire_u64(ctx->priv.epoch);
	unsigned i;
	smr_context_t *r = find_blocker(ctx, epoch, &i);
	if (r == NULL)
		return advance(ctx->priv.domain, epoch);
	if (ctx->priv.scheme == SMR_DEBRA_PLUS)
		maybe_neutralize(ctx, r, i, epoch);
	return false;
}

/* How long a waiting thread watches a blocker outside any restartable region
 * whose announcement does not change before taking it for stalled (and how
 * long it keeps rotating without freeing anything).  Wall time, not a count
 * of yields: on a loaded machine one yield can last a whole time slice. */
#define SMR_STALL_NS (50u * 1000u * 1000u)

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* DEBRA+ back-pressure: one full scan for a thread that is over its cap.
 * 1: the epoch advanced; 0: wait (a blocker in a restartable region was
 * signalled, or a blocker in its write phase is still making progress);
 * -1: a blocker outside any restartable region looks stalled (do not wait). */
static int scan_for_room(smr_context_t *ctx, uint64_t epoch, unsigned *stuck_idx, uint64_t *stuck_word,
                         uint64_t *stuck_since)
{
	unsigned i;
	smr_context_t *r = find_blocker(ctx, epoch, &i);
	if (r == NULL) {
		advance(ctx->priv.domain, epoch);
		return 1;
	}
	if (cc_atomic_load_relaxed_u32(&r->sh.neutralizable)) {
		send_signal(ctx, r, i, epoch);
		return 0;
	}
	/* In its write phase (or with no checkpoint): a running operation ends
	 * soon, so wait while its announcement keeps changing. */
	uint64_t word = cc_atomic_load_relaxed_u64(&r->sh.announce);
	smr_local_t *loc = smr_local(ctx);
	if (loc->stalled_idx == i + 1 && loc->stalled_word == word)
		return -1; /* taken for stalled before, and still in the same operation */
	uint64_t t = now_ns();
	if (*stuck_idx != i || *stuck_word != word) {
		*stuck_idx = i;
		*stuck_word = word;
		*stuck_since = t;
	}
	if (t - *stuck_since <= SMR_STALL_NS)
		return 0;
	loc->stalled_idx = i + 1; /* do not wait for this operation again */
	loc->stalled_word = word;
	return -1;
}

/* Called outside an operation (this thread is quiescent): waits until its
 * own unfreed nodes are back under the cap, or a blocker cannot be
 * neutralised. */
static void wait_for_room(smr_context_t *ctx)
{
	unsigned stuck_idx = UINT32_MAX;
	uint64_t stuck_word = 0, stuck_since = 0;
	uint64_t idle_since = 0;
	while (smr_debra_over_cap(ctx)) {
		uint64_t e = cc_atomic_load_acquire_u64(ctx->priv.epoch);
		if (e != ctx->priv.announced) {
			size_t before = own_unfreed(ctx);
			smr_debra_rotate(ctx, e);
			/* release: still quiescent, at the observed epoch (a restarted
			 * operation keeps its restart bit) */
			uint64_t rbit = cc_atomic_load_relaxed_u64(&ctx->sh.announce) & SMR__RBIT;
			cc_atomic_store_release_u64(&ctx->sh.announce, ctx->priv.announced | SMR__QBIT | rbit);
			size_t budget = SIZE_MAX;
			smr_free_ready(ctx, &budget);
			if (own_unfreed(ctx) < before) {
				idle_since = 0;
			} else if (idle_since == 0) {
				idle_since = now_ns();
			} else if (now_ns() - idle_since > SMR_STALL_NS) {
				break; /* only slot-held nodes left over the cap: their holders decide */
			} else {
				sched_yield();
			}
			continue;
		}
		int r = scan_for_room(ctx, e, &stuck_idx, &stuck_word, &stuck_since);
		if (r < 0)
			break;
		if (r == 0)
			sched_yield(); /* let the signalled thread run its handler */
	}
}

void smr__debra_begin_slow(smr_context_t *ctx, uint64_t epoch)
{
	if (CC_UNLIKELY(smr_debra_over_cap(ctx))) {
		/* single writer (this thread), read by smr_domain_stats */
		cc_atomic_store_relaxed_u64(&ctx->cnt.waits, ctx->cnt.waits + 1);
		wait_for_room(ctx);
		epoch = cc_atomic_load_acquire_u64(ctx->priv.epoch);
	}
	if (epoch != ctx->priv.announced) {
		smr_debra_rotate(ctx, epoch);
		epoch = ctx->priv.announced; /* the rotation may have read a newer one */
	}
	/* The scan's check runs while this thread is still quiescent (its own
	 * record is skipped either way); an advance it makes is observed at
	 * once, so the rotation it brings costs no second slow begin. */
	if (ctx->priv.scan_due && ++ctx->priv.scan_count >= ctx->priv.scan_every) {
		ctx->priv.scan_count = 0;
		if (check_one(ctx, epoch)) {
			smr_debra_rotate(ctx, epoch + 2); /* reads the epoch again itself */
			epoch = ctx->priv.announced;
		}
	}
	/* the announcement (quiescent bit clear), then a full fence before the
	 * first shared load; pairs with the scanners' fences. */
	cc_atomic_store_fence_u64(&ctx->sh.announce, epoch);
	smr_debra_refresh_fast(ctx);
}

/* ---- DEBRA+: protection slots ------------------------------------------------------- */

size_t smr_slots_snapshot(smr_context_t *ctx)
{
	smr_domain_t *d = ctx->priv.domain;
	smr_local_t *loc = smr_local(ctx);
	unsigned hwm = cc_atomic_load_acquire_u32(&d->hwm);
	size_t n = 0;
	for (unsigned i = 0; i < hwm; i++) {
		smr_context_t *r = smr_record(d, i);
		for (unsigned s = 0; s < SMR_SLOTS && n < loc->scratch_words; s++) {
			/* acquire: a slot published before its owner's quiescent store
			 * is seen here (release/acquire chain through the epoch). */
			void *p = cc_atomic_load_acquire_ptr(&r->sh.slots[s]);
			if (p)
				loc->scratch[n++] = (uint64_t)(uintptr_t)p;
		}
	}
	return n;
}

bool smr_slots_hold(const smr_context_t *ctx, size_t n, const void *node)
{
	const uint64_t *s = smr_local((smr_context_t *)ctx)->scratch;
	for (size_t i = 0; i < n; i++)
		if (s[i] == (uint64_t)(uintptr_t)node)
			return true;
	return false;
}

/* Moves the entries of `bag` that some protection slot holds into fresh
 * blocks appended to `held` (tagged with the current epoch), compacting the
 * bag.  False, with nothing moved, if the blocks cannot be allocated. */
static bool extract_slot_held(smr_context_t *ctx, smr_list_t *bag, smr_list_t *held)
{
	size_t n = smr_slots_snapshot(ctx);
	if (n == 0)
		return true;
	size_t count = 0;
	for (smr_block_t *b = bag->head; b; b = b->next)
		for (uint32_t i = 0; i < b->count; i++)
			count += smr_slots_hold(ctx, n, smr_node_of(b->e[i].hdr));
	if (count == 0)
		return true;
	/* all blocks first, so that a failure moves nothing */
	unsigned cap = ctx->priv.domain->opts.batch_size;
	smr_list_t fresh = {0};
	for (size_t need = (count + cap - 1) / cap; need > 0; need--) {
		smr_block_t *nb = smr_block_get(ctx);
		if (nb == NULL) {
			smr_block_t *x;
			while ((x = smr_list_pop(&fresh)) != NULL)
				smr_block_put(ctx, x);
			return false;
		}
		nb->tag = cc_atomic_load_acquire_u64(ctx->priv.epoch);
		smr_list_push(&fresh, nb);
	}
	smr_block_t *dst = fresh.head;
	for (smr_block_t *b = bag->head; b; b = b->next) {
		uint32_t keep = 0;
		for (uint32_t i = 0; i < b->count; i++) {
			if (smr_slots_hold(ctx, n, smr_node_of(b->e[i].hdr))) {
				if (dst->count == dst->cap)
					dst = dst->next;
				dst->fini_any |= b->fini_any;
				dst->e[dst->count++] = b->e[i];
			} else {
				b->e[keep++] = b->e[i];
			}
		}
		bag->nodes -= b->count - keep;
		b->count = keep;
	}
	fresh.nodes = count;
	smr_list_splice(held, &fresh);
	return true;
}

/* ---- DEBRA+: neutralisation ----------------------------------------------------------- */

/* The context whose checkpoint is armed on this thread (one at a time);
 * cleared whenever the region closes, so it never outlives its domain. */
_Thread_local smr_context_t *smr__t_armed __attribute__((tls_model("initial-exec")));
/* The signal that jumped to the checkpoint, to unblock after the jump. */
static _Thread_local volatile sig_atomic_t t_jumped_signal __attribute__((tls_model("initial-exec")));
/* A sender's claim (the time it sent, see claim_stamp; never 0) until this
 * thread's handler runs: one signal in flight per thread, however many
 * threads wait for it.  On 8 threads over 2 cores the blockers are mostly
 * descheduled; every waiting thread used to queue its own signals to them
 * (real-time signals queue), about 100 per restart on the skip list, each a
 * system call for the sender and a handler entry for the target.  A claim
 * older than SMR_CLAIM_TTL no longer holds senders back: a signal that never
 * reaches the handler (consumed by sigwaitinfo, pending across a fork, a
 * sender descheduled between its claim and pthread_kill) delays the next
 * one, it does not stop it. */
static _Thread_local uint32_t t_sig_inflight __attribute__((tls_model("initial-exec")));
/* In units of 2^20 ns (about 1 ms): 10 ms, a few scheduler slices. */
#define SMR_CLAIM_TTL 10u

static uint32_t claim_stamp(void)
{
	return (uint32_t)(now_ns() >> 20) | 1u; /* wraps after 52 days; never 0 */
}

uint32_t *smr_neutralize_flag(void)
{
	return &t_sig_inflight;
}

static void handler(int sig, siginfo_t *info, void *uctx)
{
	(void)info;
	(void)uctx;
	/* The signal has arrived: senders may send the next one at once.
	 * Cleared before the test below, so that a signal this handler ignores
	 * does not hold later ones back.  Advisory (no order needed): a sender
	 * that still sees the claim waits at most SMR_CLAIM_TTL. */
	cc_atomic_store_relaxed_u32(&t_sig_inflight, 0);
	smr_context_t *ctx = smr__t_armed;
	if (ctx == NULL || !smr__restartable(ctx))
		return; /* not in a restartable region: ignored; the sender waits */
	cc_atomic_store_relaxed_u32(&ctx->sh.neutralizable, 0);
	smr__t_armed = NULL;
	t_jumped_signal = sig;
	/* release: the slots stored in the region are visible to whoever sees
	 * this thread quiescent (and so to every later reclaimer).  The restart
	 * bit keeps the operation open for smr__in_op until it is re-begun. */
	cc_atomic_store_release_u64(&ctx->sh.announce, ctx->priv.announced | SMR__QBIT | SMR__RBIT);
	if (ctx->priv.jb.regs[SMR__CP_PC] != 0)
		smr_cp_jump(&ctx->priv.jb); /* smr__cp_arm's second return */
	siglongjmp(*(sigjmp_buf *)(void *)ctx->priv.jb.sj, 1);
}

static pthread_mutex_t g_install_lock = PTHREAD_MUTEX_INITIALIZER;
static sigset_t g_installed; /* signals whose handler is ours, under the lock */
static int g_install_init;

int smr_neutralize_install(int sig)
{
	pthread_mutex_lock(&g_install_lock);
	if (!g_install_init) {
		sigemptyset(&g_installed);
		g_install_init = 1;
	}
	if (sigismember(&g_installed, sig) == 1) {
		pthread_mutex_unlock(&g_install_lock);
		return 0;
	}
	struct sigaction old;
	if (sigaction(sig, NULL, &old) != 0) {
		pthread_mutex_unlock(&g_install_lock);
		errno = EINVAL;
		return -1;
	}
	bool ours = (old.sa_flags & SA_SIGINFO) && old.sa_sigaction == handler;
	if (!ours && old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN) {
		pthread_mutex_unlock(&g_install_lock);
		errno = EBUSY;
		return -1;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL) != 0) {
		pthread_mutex_unlock(&g_install_lock);
		errno = EINVAL;
		return -1;
	}
	/* The handler stays installed for the life of the process: a signal
	 * still in flight after the last domain is gone must find it. */
	sigaddset(&g_installed, sig);
	pthread_mutex_unlock(&g_install_lock);
	return 0;
}

/* Nodes this thread has retired and not freed yet. */
static size_t own_unfreed(smr_context_t *ctx)
{
	smr_local_t *loc = smr_local(ctx);
	return loc->limbo + loc->ready.nodes + smr_cur_count(ctx);
}

bool smr_debra_over_cap(smr_context_t *ctx)
{
	return ctx->priv.scheme == SMR_DEBRA_PLUS && own_unfreed(ctx) > 4 * (size_t)ctx->priv.domain->opts.neutralize_after;
}

static void maybe_neutralize(smr_context_t *ctx, smr_context_t *target, unsigned idx, uint64_t epoch)
{
	smr_local_t *loc = smr_local(ctx);
	/* nodes this thread waits to free, and those the domain holds for any thread */
	size_t limbo = own_unfreed(ctx) + (size_t)cc_atomic_load_relaxed_u64(&ctx->priv.domain->shared_nodes);
	if (limbo < ctx->priv.domain->opts.neutralize_after)
		return;
	/* Only a thread that stays behind: a running one announces the epoch at
	 * its next smr_begin_op (or goes quiescent at smr_end_op) by itself, and
	 * a signal would only cost it a restart and both threads system calls.
	 * The target is signalled once its announcement has stayed the same over
	 * SMR_NEUTRALIZE_PATIENCE checks of this thread (one per smr_begin_op).
	 * relaxed: compared with itself only; allows() decided the blocking. */
	uint64_t word = cc_atomic_load_relaxed_u64(&target->sh.announce);
	if (loc->watch_idx != idx + 1 || loc->watch_word != word) {
		loc->watch_idx = idx + 1;
		loc->watch_word = word;
		loc->watch_count = 0;
		return;
	}
	if (++loc->watch_count < SMR_NEUTRALIZE_PATIENCE)
		return;
	/* relaxed, advisory: a target outside any restartable region would
	 * ignore the signal (its handler returns); one that enters a region
	 * after this load is seen by a later check. */
	if (cc_atomic_load_relaxed_u32(&target->sh.neutralizable))
		send_signal(ctx, target, idx, epoch);
}

static void send_signal(smr_context_t *ctx, smr_context_t *target, unsigned idx, uint64_t epoch)
{
	smr_local_t *loc = smr_local(ctx);
	if (loc->signal_target == idx + 1 && loc->signal_epoch == epoch && ++loc->signal_patience < SMR_SIGNAL_PATIENCE)
		return; /* signalled already for this epoch; give its handler time */
	loc->signal_target = idx + 1;
	loc->signal_epoch = epoch;
	loc->signal_patience = 0;
	/* Registry handshake with smr_neutralize_leave: announce the sender
	 * (seq_cst RMW), then check the record is still registered.  Leaving
	 * stores LEAVING (seq_cst) then waits for senders, so a thread is never
	 * signalled after it has passed unregistration. */
	cc_atomic_faa_u32(&target->sh.signalers, 1);
	cc_atomic_fence_seqcst(); /* store-buffering pair with smr_neutralize_leave */
	if (cc_atomic_load_acquire_u32(&target->sh.state) == SMR_REC_ACTIVE) {
		/* The flag lives in the target thread's TLS, valid while the record
		 * is active (the handshake above keeps it so).  A recent claim means
		 * a signal is on its way: no second one.  CAS: one claimer among the
		 * senders. */
		uint32_t *inflight = target->sh.inflight;
		uint32_t now = claim_stamp();
		uint32_t cur = cc_atomic_load_relaxed_u32(inflight);
		if ((cur == 0 || now - cur >= SMR_CLAIM_TTL) && cc_atomic_cas_u32(inflight, cur, now)) {
			if (pthread_kill(target->sh.thread, ctx->priv.domain->opts.signal) == 0)
				cc_atomic_store_relaxed_u64(&ctx->cnt.signals, ctx->cnt.signals + 1);
			else
				(void)cc_atomic_cas_u32(inflight, now, 0); /* nothing in flight after all */
		}
	}
	cc_atomic_faa_u32(&target->sh.signalers, (uint32_t)-1);
}

void smr_neutralize_leave(smr_context_t *ctx)
{
	cc_atomic_store_release_u32(&ctx->sh.state, SMR_REC_LEAVING);
	cc_atomic_fence_seqcst(); /* the state store before the signalers load; pairs
	                             with the sender's fetch-and-add */
	while (cc_atomic_load_acquire_u32(&ctx->sh.signalers) != 0)
		cc_atomic_pause();
}

void smr_neutralize_forget(smr_context_t *ctx)
{
	cc_atomic_store_relaxed_u32(&ctx->sh.neutralizable, 0);
	if (smr__t_armed == ctx)
		smr__t_armed = NULL;
}

void smr__restarted(smr_context_t *ctx)
{
	/* sigsetjmp(.., 0) did not save the mask and the kernel blocked the
	 * signal for the handler that jumped here: unblock it (a system call, on
	 * the restart path only). */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, t_jumped_signal ? t_jumped_signal : ctx->priv.domain->opts.signal);
	t_jumped_signal = 0;
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	cc_atomic_store_relaxed_u64(&ctx->cnt.restarts, ctx->cnt.restarts + 1);
	/* The handler made this thread quiescent: begin the operation again. */
	uint64_t epoch = cc_atomic_load_acquire_u64(ctx->priv.epoch);
	smr__debra_begin_slow(ctx, epoch);
}

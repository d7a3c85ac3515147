/* Check suite of the reclamation layer (include/ccmem/smr.h, smr/).
 * Built with SMR_DEBUG=1 so the inline debug checks are on in every preset. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <unistd.h>

#include <ccmem.h>

#include "smr_release_caller.h"
#include "smr_scheme_caller.h"
#include "support.h"

#define CANARY 0x5eedc0ffee15900dull

typedef struct node {
	uint64_t canary;
	uint64_t id;
	struct node *next;
	uint64_t pad[3];
} node_t;

/* fini records: how many times each id was freed, and by which thread. */
#define MAX_IDS 4096
static atomic_int g_freed[MAX_IDS];
static atomic_long g_fini_calls;
static _Atomic(pthread_t) g_freer[MAX_IDS];

static void fini_node(void *p)
{
	node_t *n = p;
	ck_assert_uint_eq(n->canary, CANARY); /* still intact when freed */
	if (n->id < MAX_IDS) {
		atomic_fetch_add(&g_freed[n->id], 1);
		atomic_store(&g_freer[n->id], pthread_self());
	}
	atomic_fetch_add(&g_fini_calls, 1);
	n->canary = 0;
}

static node_t *new_node(smr_context_t *ctx, uint64_t id)
{
	node_t *n = smr_alloc(ctx, sizeof *n);
	ck_assert_ptr_nonnull(n);
	n->canary = CANARY;
	n->id = id;
	n->next = NULL;
	return n;
}

static smr_stats_t stats(smr_domain_t *d)
{
	smr_stats_t s;
	smr_domain_stats(d, &s);
	return s;
}

/* Churns retirements on ctx so the scheme runs its reclamation machinery. */
static void churn(smr_context_t *ctx, int n)
{
	for (int i = 0; i < n; i++) {
		smr_begin_op(ctx);
		smr_end_op(ctx);
		node_t *x = new_node(ctx, MAX_IDS + 1);
		smr_retire_cb(ctx, x, sizeof *x, fini_node);
	}
	smr_poll(ctx);
}

/* ---- a reader inside an operation keeps its node -------------------------------------------- */

static node_t *g_shared;
static atomic_int g_reader_state; /* 0 start, 1 holding, 2 release, 3 done */

static void *reader(void *arg)
{
	smr_domain_t *d = arg;
	smr_context_t *ctx = smr_thread_register(d);
	ck_assert_ptr_nonnull(ctx);
	smr_begin_op(ctx);
	node_t *n = smr_protect(ctx, (void *const *)&g_shared);
	ck_assert_ptr_nonnull(n);
	atomic_store(&g_reader_state, 1);
	while (atomic_load(&g_reader_state) != 2) {
		ck_assert_uint_eq(n->canary, CANARY); /* readable all along */
		usleep(100);
	}
	ck_assert_uint_eq(n->canary, CANARY);
	smr_end_op(ctx);
	smr_thread_unregister(ctx);
	atomic_store(&g_reader_state, 3);
	return NULL;
}

START_TEST(reader_keeps_node)
{
	smr_scheme_t scheme = (smr_scheme_t)_i;
	cc_alloc_stats_enable(true);
	smr_domain_t *d = cct_domain(scheme, 32);
	smr_context_t *w = smr_thread_register(d);
	node_t *first = new_node(w, 1);
	g_shared = first;
	pthread_t t;
	atomic_store(&g_reader_state, 0);
	ck_assert_int_eq(pthread_create(&t, NULL, reader, d), 0);
	while (atomic_load(&g_reader_state) != 1)
		usleep(100);
	/* unlink and retire the node the reader holds, then work hard */
	__atomic_store_n(&g_shared, new_node(w, 2), __ATOMIC_SEQ_CST);
	smr_retire_cb(w, first, sizeof *first, fini_node);
	for (int round = 0; round < 20; round++)
		churn(w, 500);
	ck_assert_int_eq(atomic_load(&g_freed[1]), 0);
	/* IBR frees around the reader meanwhile; DEBRA and DEBRA+ (the reader has
	 * no armed checkpoint, so it is never jumped) wait for it; NONE waits for
	 * destroy. */
	if (scheme == SMR_IBR)
		ck_assert_uint_gt(stats(d).freed, 0);
	else
		ck_assert_uint_eq(stats(d).freed, 0);
	atomic_store(&g_reader_state, 2);
	pthread_join(t, NULL);
	for (int round = 0; round < 50 && atomic_load(&g_freed[1]) == 0; round++)
		churn(w, 200);
	ck_assert_int_eq(atomic_load(&g_freed[1]), scheme == SMR_NONE ? 0 : 1);
	smr_retire_cb(w, g_shared, sizeof(node_t), fini_node);
	smr_thread_unregister(w);
	smr_domain_destroy(d);
	ck_assert_int_eq(atomic_load(&g_freed[1]), 1);
	ck_assert_int_eq(atomic_load(&g_freed[2]), 1);
	cct_assert_glue_balanced();
}
END_TEST

/* NONE frees nothing before destroy (so the assertion above on freed > 0 is
 * for the other schemes only). */
START_TEST(none_frees_only_at_destroy)
{
	cc_alloc_stats_enable(true);
	smr_domain_t *d = cct_domain(SMR_NONE, 32);
	smr_context_t *c = smr_thread_register(d);
	churn(c, 1000);
	smr_stats_t s = stats(d);
	ck_assert_uint_eq(s.retired, 1000);
	ck_assert_uint_eq(s.freed, 0);
	ck_assert_uint_eq(s.pending, 1000);
	smr_thread_unregister(c);
	smr_domain_destroy(d);
	ck_assert_int_eq(atomic_load(&g_fini_calls), 1000);
	cct_assert_glue_balanced();
}
END_TEST

/* ---- everything retired is freed once threads stop --------------------------------------------- */

#define WORKERS 3
#define PER_WORKER 20000

/* A thread's life: register, n operations that each allocate a node and
 * retire it, unregister. */
static void retire_life(smr_domain_t *d, int n, uint64_t id)
{
	smr_context_t *ctx = smr_thread_register(d);
	ck_assert_ptr_nonnull(ctx);
	for (int i = 0; i < n; i++) {
		smr_begin_op(ctx);
		node_t *x = new_node(ctx, id);
		smr_end_op(ctx);
		smr_retire_cb(ctx, x, sizeof *x, fini_node);
	}
	smr_thread_unregister(ctx);
}

static void *worker(void *arg)
{
	retire_life(arg, PER_WORKER, MAX_IDS + 2);
	return NULL;
}

START_TEST(all_freed_after_threads_stop)
{
	smr_scheme_t scheme = (smr_scheme_t)_i;
	cc_alloc_stats_enable(true);
	smr_domain_t *d = cct_domain(scheme, 32);
	pthread_t t[WORKERS];
	for (int i = 0; i < WORKERS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, worker, d), 0);
	for (int i = 0; i < WORKERS; i++)
		pthread_join(t[i], NULL);
	smr_stats_t s = stats(d);
	ck_assert_uint_eq(s.retired, WORKERS * PER_WORKER);
	ck_assert_uint_eq(s.threads, 0);
	if (scheme != SMR_NONE) {
		/* what the workers handed over is freed by any thread's polls */
		smr_context_t *c = smr_thread_register(d);
		for (int i = 0; i < 1000 && stats(d).pending > 0; i++)
			smr_poll(c);
		s = stats(d);
		ck_assert_uint_eq(s.pending, 0);
		ck_assert_uint_eq(s.freed, WORKERS * PER_WORKER);
		ck_assert_uint_eq(s.orphaned, 0);
		ck_assert_uint_le(s.peak_pending, WORKERS * PER_WORKER);
		smr_thread_unregister(c);
	}
	smr_domain_destroy(d);
	ck_assert_int_eq(atomic_load(&g_fini_calls), WORKERS * PER_WORKER);
	cct_assert_glue_balanced();
}
END_TEST

/* ---- alloc in A, retire in B, free in C -------------------------------------------------------------- */

#define ABC_NODES 3000
static struct {
	pthread_mutex_t lock;
	node_t *q[ABC_NODES];
	int head, tail;
	atomic_int b_done;
	pthread_t a, b, c;
} abc = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void *abc_a(void *arg)
{
	smr_context_t *ctx = smr_thread_register(arg);
	for (int i = 0; i < ABC_NODES; i++) {
		node_t *n = new_node(ctx, (uint64_t)i);
		pthread_mutex_lock(&abc.lock);
		abc.q[abc.tail++] = n;
		pthread_mutex_unlock(&abc.lock);
	}
	while (atomic_load(&abc.b_done) != 2) /* unregistration passes may free too */
		sched_yield();
	smr_thread_unregister(ctx);
	return NULL;
}

static void *abc_b(void *arg)
{
	smr_context_t *ctx = smr_thread_register(arg);
	int got = 0;
	while (got < ABC_NODES) {
		node_t *n = NULL;
		pthread_mutex_lock(&abc.lock);
		if (abc.head < abc.tail)
			n = abc.q[abc.head++];
		pthread_mutex_unlock(&abc.lock);
		if (n == NULL) {
			sched_yield();
			continue;
		}
		smr_begin_op(ctx);
		ck_assert_uint_eq(n->canary, CANARY);
		smr_end_op(ctx);
		smr_retire_cb(ctx, n, sizeof *n, fini_node);
		got++;
	}
	atomic_store(&abc.b_done, 1);
	/* stays registered: C frees B's sealed batches while B still lives */
	while (atomic_load(&abc.b_done) != 2) {
		smr_begin_op(ctx);
		smr_end_op(ctx);
		sched_yield();
	}
	smr_thread_unregister(ctx);
	return NULL;
}

static void *abc_c(void *arg)
{
	smr_domain_t *d = arg;
	smr_context_t *ctx = smr_thread_register(d);
	while (atomic_load(&abc.b_done) == 0 || stats(d).freed < ABC_NODES - 64) {
		smr_poll(ctx);
		sched_yield();
	}
	atomic_store(&abc.b_done, 2);
	smr_thread_unregister(ctx);
	return NULL;
}

START_TEST(alloc_a_retire_b_free_c)
{
	smr_scheme_t scheme = (smr_scheme_t)_i;
	cc_alloc_stats_enable(true);
	smr_options_t o;
	smr_options_init(&o, scheme);
	o.empty_freq = 0; /* B never frees on its own: C is the reclaimer */
	smr_domain_t *d = smr_domain_create(&o);
	ck_assert_ptr_nonnull(d);
	pthread_create(&abc.a, NULL, abc_a, d);
	pthread_create(&abc.b, NULL, abc_b, d);
	pthread_create(&abc.c, NULL, abc_c, d);
	pthread_join(abc.a, NULL);
	pthread_join(abc.b, NULL);
	pthread_join(abc.c, NULL);
	/* C freed all but the tail left when it stopped (B's last partial batch
	 * and the batches whose epoch had not come yet), which the unregistration
	 * passes of A or B, or destroy, free. */
	int by_c = 0, by_ab = 0;
	for (int i = 0; i < ABC_NODES; i++) {
		ck_assert_int_le(atomic_load(&g_freed[i]), 1);
		if (atomic_load(&g_freed[i])) {
			pthread_t who = atomic_load(&g_freer[i]);
			by_c += pthread_equal(who, abc.c);
			by_ab += pthread_equal(who, abc.a) || pthread_equal(who, abc.b);
		}
	}
	ck_assert_int_ge(by_c, ABC_NODES - 64);
	ck_assert_int_le(by_ab, 64);
	smr_domain_destroy(d);
	for (int i = 0; i < ABC_NODES; i++)
		ck_assert_int_eq(atomic_load(&g_freed[i]), 1);
	cct_assert_glue_balanced();
}
END_TEST

/* ---- thread churn -------------------------------------------------------------------------- */

static void *churner(void *arg)
{
	retire_life(arg, 3, MAX_IDS + 3);
	return NULL;
}

START_TEST(thread_churn_keeps_domain_size)
{
	smr_scheme_t scheme = (smr_scheme_t)_i;
	cc_alloc_stats_enable(true);
	smr_domain_t *d = cct_domain(scheme, 32);
	smr_context_t *poller = smr_thread_register(d);
	uint64_t bytes_after_1000 = 0;
	for (int i = 0; i < 10000; i++) {
		pthread_t t;
		ck_assert_int_eq(pthread_create(&t, NULL, churner, d), 0);
		pthread_join(t, NULL);
		if (scheme != SMR_NONE && i % 50 == 49)
			while (smr_poll(poller) > 0)
				;
		if (i == 999) /* per-record block pools are full by now */
			bytes_after_1000 = cc_alloc_stats_snapshot().current_allocated;
	}
	smr_stats_t s = stats(d);
	ck_assert_uint_eq(s.records, 2); /* the poller's and one reused record */
	ck_assert_uint_eq(s.retired, 30000);
	if (scheme != SMR_NONE) {
		/* memory did not grow with the number of threads (slack: a few
		 * retire blocks in flight) */
		ck_assert_uint_le(cc_alloc_stats_snapshot().current_allocated, bytes_after_1000 + 16 * 1024);
	}
	smr_thread_unregister(poller);
	smr_domain_destroy(d);
	ck_assert_int_eq(atomic_load(&g_fini_calls), 30000);
	cct_assert_glue_balanced();
}
END_TEST

/* ---- bounded garbage -------------------------------------------------------------------------- */

#define RETIRE_TOTAL 1000000
#define RETIRERS 2
static atomic_int g_stall_state; /* 0 start, 1 stalled, 2 stop, 3 done */
static node_t *g_slot;

/* IBR and DEBRA: enters an operation, loads a node, and stops taking steps. */
static void *staller(void *arg)
{
	smr_context_t *ctx = smr_thread_register(arg);
	smr_begin_op(ctx);
	node_t *n = smr_protect(ctx, (void *const *)&g_slot);
	ck_assert_uint_eq(n->canary, CANARY);
	atomic_store(&g_stall_state, 1);
	while (atomic_load(&g_stall_state) != 2)
		usleep(1000); /* stopped: no smr call at all */
	ck_assert_uint_eq(n->canary, CANARY); /* what it loaded is still there */
	smr_end_op(ctx);
	smr_thread_unregister(ctx);
	return NULL;
}

/* DEBRA+: spins inside a restartable region until told to stop. */
static void *spinner(void *arg)
{
	smr_context_t *ctx = smr_thread_register(arg);
	smr_begin_op(ctx);
	smr_checkpoint(ctx);
	/* a restart lands here again: announce only the first time, never over
	 * the main thread's 2 (stop) */
	int zero = 0;
	atomic_compare_exchange_strong(&g_stall_state, &zero, 1);
	for (;;) {
		node_t *n = smr_protect(ctx, (void *const *)&g_slot);
		if (n->canary != CANARY)
			abort();
		if (atomic_load_explicit(&g_stall_state, memory_order_relaxed) == 2)
			break;
	}
	smr_write_phase(ctx);
	smr_end_op(ctx);
	smr_thread_unregister(ctx);
	return NULL;
}

static void *retirer(void *arg)
{
	smr_context_t *ctx = smr_thread_register(arg);
	for (int i = 0; i < RETIRE_TOTAL / RETIRERS; i++) {
		node_t *n = new_node(ctx, MAX_IDS + 4);
		smr_begin_op(ctx);
		node_t *old = __atomic_exchange_n(&g_slot, n, __ATOMIC_SEQ_CST);
		smr_end_op(ctx);
		smr_retire_cb(ctx, old, sizeof *old, fini_node);
	}
	smr_thread_unregister(ctx);
	return NULL;
}

static smr_stats_t run_stall(smr_domain_t *d, bool spin)
{
	smr_context_t *main_ctx = smr_thread_register(d);
	g_slot = new_node(main_ctx, MAX_IDS + 5);
	atomic_store(&g_stall_state, 0);
	pthread_t s, r[RETIRERS];
	pthread_create(&s, NULL, spin ? spinner : staller, d);
	while (atomic_load(&g_stall_state) != 1)
		usleep(100);
	for (int i = 0; i < RETIRERS; i++)
		pthread_create(&r[i], NULL, retirer, d);
	for (int i = 0; i < RETIRERS; i++)
		pthread_join(r[i], NULL);
	smr_stats_t during = stats(d);
	atomic_store(&g_stall_state, 2);
	pthread_join(s, NULL);
	smr_retire_cb(main_ctx, g_slot, sizeof(node_t), fini_node);
	for (int i = 0; i < 1000 && stats(d).pending > 0; i++)
		smr_poll(main_ctx);
	ck_assert_uint_eq(stats(d).pending, 0); /* and all of it is freed afterwards */
	smr_thread_unregister(main_ctx);
	smr_domain_destroy(d);
	cct_assert_glue_balanced();
	return during;
}

/* run_stall on a domain with the default options of `scheme` (returned in *o). */
static smr_stats_t run_stall_default(smr_scheme_t scheme, bool spin, smr_options_t *o)
{
	cc_alloc_stats_enable(true);
	smr_options_init(o, scheme);
	smr_domain_t *d = smr_domain_create(o);
	ck_assert_ptr_nonnull(d);
	return run_stall(d, spin);
}

START_TEST(ibr_bounded_with_stalled_thread)
{
	smr_options_t o;
	smr_stats_t s = run_stall_default(SMR_IBR, false, &o);
	/* smr.h: pending <= L + T * (2 * batch_size + empty_freq + poll_chunk);
	 * L = 1 (the stalled thread's node), T = 4 registered threads */
	uint64_t bound = 1 + 4 * (2 * o.batch_size + o.empty_freq + o.poll_chunk);
	ck_assert_uint_eq(s.retired, RETIRE_TOTAL);
	ck_assert_msg(s.peak_pending <= bound, "IBR peak pending %llu above the bound %llu",
	              (unsigned long long)s.peak_pending, (unsigned long long)bound);
}
END_TEST

START_TEST(debra_plus_bounded_with_spinning_thread)
{
	smr_options_t o;
	smr_stats_t s = run_stall_default(SMR_DEBRA_PLUS, true, &o);
	/* smr.h: pending <= T * (4 * neutralize_after + batch_size + R + 32),
	 * T = 4 threads, R = 1 retire per operation */
	uint64_t n = o.neutralize_after ? o.neutralize_after : o.batch_size; /* 0: one batch */
	uint64_t bound = 4 * (4 * n + o.batch_size + 1 + 32);
	ck_assert_uint_eq(s.retired, RETIRE_TOTAL);
	ck_assert_uint_gt(s.signals, 0);
	ck_assert_uint_gt(s.restarts, 0);
	ck_assert_msg(s.peak_pending <= bound, "DEBRA+ peak pending %llu above the bound %llu",
	              (unsigned long long)s.peak_pending, (unsigned long long)bound);
}
END_TEST

/* A thread over its cap (4 * neutralize_after unfreed nodes) waits at its
 * next smr_begin_op and counts it in `waits`; a blocker in a write phase
 * cannot be neutralised, so the wait ends after SMR_STALL_NS (smr.h) and the
 * operation goes on.  DEBRA has no cap: nothing waits. */
static atomic_int g_wp_state; /* 0 start, 1 in the write phase, 2 stop */

static void *write_phase_blocker(void *arg)
{
	smr_context_t *ctx = smr_thread_register(arg);
	smr_begin_op(ctx);
	smr_write_phase(ctx);
	atomic_store(&g_wp_state, 1);
	while (atomic_load(&g_wp_state) != 2)
		sched_yield();
	smr_end_op(ctx);
	smr_thread_unregister(ctx);
	return NULL;
}

START_TEST(debra_plus_waits_counted)
{
	const smr_scheme_t schemes[] = {SMR_DEBRA, SMR_DEBRA_PLUS};
	for (int k = 0; k < 2; k++) {
		smr_options_t o;
		smr_options_init(&o, schemes[k]);
		o.batch_size = 1;
		o.neutralize_after = 1; /* the cap: 4 unfreed nodes */
		smr_domain_t *d = smr_domain_create(&o);
		ck_assert_ptr_nonnull(d);
		smr_context_t *c = smr_thread_register(d);
		atomic_store(&g_wp_state, 0);
		pthread_t t;
		ck_assert_int_eq(pthread_create(&t, NULL, write_phase_blocker, d), 0);
		while (atomic_load(&g_wp_state) != 1)
			sched_yield();
		for (uint64_t i = 0; i < 8; i++) /* the blocker holds the epoch: all 8 stay */
			smr_retire_cb(c, new_node(c, 20 + i), sizeof(node_t), fini_node);
		ck_assert_uint_eq(stats(d).waits, 0);
		smr_begin_op(c);
		smr_end_op(c);
		smr_stats_t s = stats(d);
		ck_assert_uint_ge(s.pending, 8);
		ck_assert_uint_eq(s.waits, (schemes[k] == SMR_DEBRA_PLUS ? 1u : 0u));
		ck_assert_uint_eq(s.restarts, 0); /* a write phase is never restarted */
		atomic_store(&g_wp_state, 2);
		pthread_join(t, NULL);
		for (int i = 0; i < 100 && stats(d).pending > 0; i++)
			smr_poll(c);
		ck_assert_uint_eq(stats(d).pending, 0);
		smr_thread_unregister(c);
		smr_domain_destroy(d);
	}
}
END_TEST

/* neutralize_after's default (0) is one batch of the batch_size the domain
 * is created with: a batch_size raised after smr_options_init raises the cap
 * with it, and a lone thread never waits.  An explicit threshold below a
 * batch is taken as given, and then a lone thread does wait. */
static uint64_t lone_thread_waits(unsigned batch_size, unsigned neutralize_after)
{
	smr_options_t o;
	smr_options_init(&o, SMR_DEBRA_PLUS);
	o.batch_size = batch_size;
	if (neutralize_after)
		o.neutralize_after = neutralize_after;
	smr_domain_t *d = smr_domain_create(&o);
	ck_assert_ptr_nonnull(d);
	smr_context_t *c = smr_thread_register(d);
	for (uint64_t i = 0; i < 5000; i++) {
		smr_begin_op(c);
		smr_end_op(c);
		smr_retire(c, new_node(c, 30), sizeof(node_t));
	}
	uint64_t waits = stats(d).waits;
	smr_thread_unregister(c);
	smr_domain_destroy(d);
	return waits;
}

START_TEST(debra_plus_default_threshold_follows_batch)
{
	ck_assert_uint_eq(lone_thread_waits(64, 0), 0);
	ck_assert_uint_eq(lone_thread_waits(256, 0), 0);
	ck_assert_uint_gt(lone_thread_waits(256, 16), 0); /* cap 64, a quarter of a batch */
}
END_TEST

/* A neutralisation signal that never reaches the handler (here consumed by
 * sigtimedwait while blocked) leaves its claim behind; the claim expires and
 * later signals still neutralise the thread, so a retirer over its cap is
 * not stuck behind it. */
static smr_domain_t *g_cl_domain;
static atomic_int g_cl_stop, g_cl_phase;

static void *claim_retirer(void *arg)
{
	(void)arg;
	smr_context_t *c = smr_thread_register(g_cl_domain);
	while (atomic_load(&g_cl_phase) < 1)
		sched_yield();
	for (uint64_t i = 0; i < 20000; i++) {
		smr_begin_op(c);
		smr_end_op(c);
		smr_retire(c, new_node(c, 31), sizeof(node_t));
	}
	smr_thread_unregister(c);
	atomic_store(&g_cl_stop, 1);
	return NULL;
}

START_TEST(debra_plus_lost_signal_does_not_block)
{
	smr_options_t o;
	smr_options_init(&o, SMR_DEBRA_PLUS);
	g_cl_domain = smr_domain_create(&o);
	ck_assert_ptr_nonnull(g_cl_domain);
	smr_context_t *c = smr_thread_register(g_cl_domain);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, o.signal);
	ck_assert_int_eq(pthread_sigmask(SIG_BLOCK, &set, NULL), 0);
	atomic_store(&g_cl_stop, 0);
	atomic_store(&g_cl_phase, 0);
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, claim_retirer, NULL), 0);
	/* 1: in a restartable region with the signal blocked, until a signal
	 * is sent (this thread's flag is claimed; the signal stays pending) */
	smr_begin_op(c);
	smr_checkpoint(c);
	atomic_store(&g_cl_phase, 1);
	while (stats(g_cl_domain).signals == 0 && !atomic_load(&g_cl_stop))
		sched_yield();
	smr_write_phase(c);
	smr_end_op(c);
	ck_assert_msg(!atomic_load(&g_cl_stop), "the retirer finished without signalling");
	struct timespec zero = {0, 0};
	ck_assert_int_eq(sigtimedwait(&set, NULL, &zero), o.signal); /* consumed: no handler runs */
	ck_assert_int_eq(pthread_sigmask(SIG_UNBLOCK, &set, NULL), 0);
	/* 2: in a region again, signal unblocked, until the retirer is done (it
	 * must neutralise this thread to get under its cap) or 20 s pass */
	uint64_t restarts0 = stats(g_cl_domain).restarts;
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	smr_begin_op(c);
	smr_checkpoint(c);
	do {
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (!atomic_load(&g_cl_stop) && now.tv_sec - t0.tv_sec < 20);
	smr_write_phase(c);
	smr_end_op(c);
	ck_assert_msg(atomic_load(&g_cl_stop), "the retirer was still waiting after 20 s");
	pthread_join(t, NULL);
	ck_assert_uint_gt(stats(g_cl_domain).restarts, restarts0);
	smr_thread_unregister(c);
	smr_domain_destroy(g_cl_domain);
}
END_TEST

START_TEST(debra_grows_with_stalled_thread)
{
	smr_options_t o;
	smr_stats_t s = run_stall_default(SMR_DEBRA, false, &o);
	/* documented: DEBRA is not bounded; nearly everything waits */
	ck_assert_uint_eq(s.retired, RETIRE_TOTAL);
	ck_assert_uint_ge(s.pending, RETIRE_TOTAL - 4 * 1024);
	ck_assert_uint_ge(s.peak_pending, RETIRE_TOTAL - 4 * 1024);
}
END_TEST

/* ---- restartable regions ------------------------------------------------------------------- */

START_TEST(checkpoint_is_noop_elsewhere)
{
	smr_scheme_t scheme = (smr_scheme_t)_i;
	smr_domain_t *d = cct_domain(scheme, 32);
	smr_context_t *c = smr_thread_register(d);
	node_t *n = new_node(c, 7);
	int passes = 0;
	smr_begin_op(c);
	smr_checkpoint(c);
	passes++;
	ck_assert(smr_in_restartable(c) == (scheme == SMR_DEBRA_PLUS));
	smr_reserve(c, 0, n);
	smr_write_phase(c);
	ck_assert(!smr_in_restartable(c));
	smr_end_op(c);
	ck_assert_int_eq(passes, 1);
	smr_retire(c, n, sizeof *n);
	smr_thread_unregister(c);
	smr_domain_destroy(d);
}
END_TEST


/* ---- regressions found in review ------------------------------------------------------------ */

/* DEBRA+: nodes held in protection slots survive while their reader is
 * neutralised again and again (with more held nodes than a batch), and are
 * freed once it ends; the rotation that keeps them terminates. */
static void *g_res_a, *g_res_b;
static atomic_int g_res_ready, g_res_stop;

static void *slot_reader(void *arg)
{
	smr_context_t *ctx = smr_thread_register(arg);
	smr_begin_op(ctx);
	smr_checkpoint(ctx);
	smr_reserve(ctx, 0, g_res_a);
	smr_reserve(ctx, 1, g_res_b);
	atomic_store(&g_res_ready, 1);
	while (!atomic_load_explicit(&g_res_stop, memory_order_relaxed)) {
		if (((node_t *)g_res_a)->canary != CANARY || ((node_t *)g_res_b)->canary != CANARY)
			abort();
	}
	smr_write_phase(ctx);
	smr_end_op(ctx);
	smr_thread_unregister(ctx);
	return NULL;
}

START_TEST(debra_plus_slots_keep_reserved)
{
	cc_alloc_stats_enable(true);
	smr_options_t o;
	smr_options_init(&o, SMR_DEBRA_PLUS);
	o.batch_size = 1;
	o.neutralize_after = 1;
	smr_domain_t *d = smr_domain_create(&o);
	smr_context_t *c = smr_thread_register(d);
	g_res_a = new_node(c, 10);
	g_res_b = new_node(c, 11);
	pthread_t t;
	pthread_create(&t, NULL, slot_reader, d);
	while (!atomic_load(&g_res_ready))
		usleep(100);
	smr_retire_cb(c, g_res_a, sizeof(node_t), fini_node);
	smr_retire_cb(c, g_res_b, sizeof(node_t), fini_node);
	for (int i = 0; i < 200 && stats(d).restarts < 5; i++) {
		smr_poll(c);
		usleep(500);
	}
	smr_stats_t s = stats(d);
	ck_assert_uint_gt(s.restarts, 0);
	ck_assert_int_eq(atomic_load(&g_freed[10]) + atomic_load(&g_freed[11]), 0);
	atomic_store(&g_res_stop, 1);
	pthread_join(t, NULL);
	for (int i = 0; i < 100 && stats(d).pending > 0; i++)
		smr_poll(c);
	ck_assert_int_eq(atomic_load(&g_freed[10]), 1);
	ck_assert_int_eq(atomic_load(&g_freed[11]), 1);
	smr_thread_unregister(c);
	smr_domain_destroy(d);
	cct_assert_glue_balanced();
}
END_TEST

/* IBR: a poll that frees its own blocks and then blocks handed to the domain
 * must not judge the latter with the reservations it read for the former. */
static void *g_ibr_shared;
static atomic_int g_ibr_phase, g_ibr_reader_in;

static void ibr_hook(void *n)
{
	(void)n; /* runs inside P's pass, after its first reservation snapshot */
	atomic_store(&g_ibr_phase, 1);
	while (atomic_load(&g_ibr_phase) < 3)
		sched_yield();
}

static void *ibr_reader(void *arg)
{
	smr_context_t *ctx = smr_thread_register(arg);
	while (atomic_load(&g_ibr_phase) < 1)
		sched_yield();
	smr_begin_op(ctx);
	node_t *n = smr_protect(ctx, (void *const *)&g_ibr_shared);
	atomic_store(&g_ibr_reader_in, 1);
	atomic_store(&g_ibr_phase, 2);
	while (atomic_load(&g_ibr_phase) < 4)
		sched_yield();
	ck_assert_uint_eq(n->canary, CANARY);
	atomic_store(&g_ibr_reader_in, 0);
	smr_end_op(ctx);
	smr_thread_unregister(ctx);
	return NULL;
}

static void *ibr_unlinker(void *arg)
{
	smr_context_t *ctx = smr_thread_register(arg);
	__atomic_store_n(&g_ibr_shared, new_node(ctx, 12), __ATOMIC_SEQ_CST);
	while (atomic_load(&g_ibr_phase) < 2)
		sched_yield();
	node_t *old = __atomic_exchange_n(&g_ibr_shared, NULL, __ATOMIC_SEQ_CST);
	smr_retire_cb(ctx, old, sizeof *old, fini_node);
	smr_thread_unregister(ctx); /* its block goes to the domain */
	atomic_store(&g_ibr_phase, 3);
	return NULL;
}

START_TEST(ibr_shared_pass_fresh_snapshot)
{
	smr_domain_t *d = cct_domain(SMR_IBR, 32);
	pthread_t r, x;
	pthread_create(&x, NULL, ibr_unlinker, d);
	while (__atomic_load_n(&g_ibr_shared, __ATOMIC_SEQ_CST) == NULL)
		sched_yield();
	pthread_create(&r, NULL, ibr_reader, d);
	smr_context_t *p = smr_thread_register(d);
	node_t *dummy = new_node(p, MAX_IDS + 6);
	smr_retire_cb(p, dummy, sizeof *dummy, ibr_hook);
	smr_poll(p);
	/* node 12 is held by the reader: not freed by that poll */
	ck_assert_int_eq(atomic_load(&g_freed[12]), 0);
	atomic_store(&g_ibr_phase, 4);
	pthread_join(r, NULL);
	pthread_join(x, NULL);
	for (int i = 0; i < 10 && atomic_load(&g_freed[12]) == 0; i++)
		smr_poll(p);
	ck_assert_int_eq(atomic_load(&g_freed[12]), 1);
	smr_thread_unregister(p);
	smr_domain_destroy(d);
}
END_TEST


/* IBR: a node allocated inside an operation after the epoch moved past the
 * operation's reservation stays protected for the rest of the operation,
 * though another thread unlinks, retires and polls it at once (smr_alloc
 * raises the reservation to the node's birth). */
static node_t *g_fresh;
static atomic_int g_fresh_phase;

static void fresh_wait(int phase)
{
	while (atomic_load(&g_fresh_phase) != phase)
		sched_yield();
}

static void *fresh_retirer(void *arg)
{
	smr_context_t *b = smr_thread_register(arg);
	ck_assert_ptr_nonnull(b);
	fresh_wait(1);
	churn(b, 20000); /* the epoch moves on past the other thread's reservation */
	atomic_store(&g_fresh_phase, 2);
	fresh_wait(3);
	node_t *x = __atomic_exchange_n(&g_fresh, NULL, __ATOMIC_SEQ_CST); /* unlinked */
	smr_retire_cb(b, x, sizeof *x, fini_node);
	for (int round = 0; round < 20; round++)
		churn(b, 500);
	atomic_store(&g_fresh_phase, 4);
	fresh_wait(5);
	for (int round = 0; round < 50 && atomic_load(&g_freed[20]) == 0; round++)
		churn(b, 200);
	smr_thread_unregister(b);
	return NULL;
}

START_TEST(ibr_fresh_node_stays_protected)
{
	smr_domain_t *d = cct_domain(SMR_IBR, 32);
	smr_context_t *a = smr_thread_register(d);
	atomic_store(&g_fresh_phase, 0);
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, fresh_retirer, d), 0);
	smr_begin_op(a);
	uint64_t reserved = a->priv.upper;
	atomic_store(&g_fresh_phase, 1);
	fresh_wait(2);
	node_t *n = new_node(a, 20);
	/* the case this test is about: born after the reservation was taken */
	ck_assert_uint_gt(((struct smr__hdr *)n - 1)->birth, reserved);
	__atomic_store_n(&g_fresh, n, __ATOMIC_SEQ_CST); /* published */
	atomic_store(&g_fresh_phase, 3);
	fresh_wait(4);
	ck_assert_int_eq(atomic_load(&g_freed[20]), 0);
	ck_assert_uint_eq(n->canary, CANARY);
	smr_end_op(a);
	atomic_store(&g_fresh_phase, 5);
	pthread_join(t, NULL);
	ck_assert_int_eq(atomic_load(&g_freed[20]), 1);
	smr_thread_unregister(a);
	smr_domain_destroy(d);
}
END_TEST

/* DEBRA, DEBRA+: a thread that retires outside operations and never begins
 * one or polls still gets its nodes freed: its own passes drive the epoch.
 * (Alone in the domain, so the outcome does not depend on scheduling.) */
START_TEST(retire_outside_ops_is_reclaimed)
{
	smr_scheme_t scheme = (smr_scheme_t)_i;
	smr_domain_t *d = cct_domain(scheme, 32);
	smr_context_t *c = smr_thread_register(d);
	for (int i = 0; i < 100000; i++) {
		node_t *n = new_node(c, MAX_IDS + 7);
		smr_retire_cb(c, n, sizeof *n, fini_node);
	}
	smr_stats_t s = stats(d);
	/* a few batches, not the 100,000 retired */
	ck_assert_msg(s.pending <= 16 * 64, "%s: %llu pending", smr_scheme_name(scheme), (unsigned long long)s.pending);
	smr_thread_unregister(c);
	smr_domain_destroy(d);
}
END_TEST

/* ---- bad input and misuse ------------------------------------------------------------------ */

START_TEST(invalid_options)
{
	smr_options_t o;
	smr_options_init(&o, SMR_IBR);
	o.scheme = (smr_scheme_t)9;
	errno = 0;
	ck_assert_ptr_null(smr_domain_create(&o));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(smr_domain_create(NULL));
	unsigned *fields[] = {&o.batch_size, &o.max_threads, &o.poll_chunk, &o.max_local_batches, &o.epoch_freq,
	                      &o.scan_every}; /* neutralize_after 0 is the default: one batch */
	for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
		smr_options_init(&o, SMR_DEBRA_PLUS);
		*fields[k] = 0;
		errno = 0;
		ck_assert_msg(smr_domain_create(&o) == NULL && errno == EINVAL, "field %zu = 0 accepted", k);
	}
	smr_options_init(&o, SMR_DEBRA);
	o.max_threads = SMR_THREADS_LIMIT + 1;
	ck_assert_ptr_null(smr_domain_create(&o));
	o.max_threads = 8;
	o.batch_size = 65537;
	ck_assert_ptr_null(smr_domain_create(&o));
	int bad_signals[] = {0, -1, SIGKILL, SIGSTOP, SIGSEGV, 4096};
	for (size_t k = 0; k < sizeof bad_signals / sizeof bad_signals[0]; k++) {
		smr_options_init(&o, SMR_DEBRA_PLUS);
		o.signal = bad_signals[k];
		errno = 0;
		ck_assert_msg(smr_domain_create(&o) == NULL && errno == EINVAL, "signal %d accepted", bad_signals[k]);
	}
	/* the signal only matters to DEBRA+ */
	smr_options_init(&o, SMR_IBR);
	o.signal = SIGKILL;
	smr_domain_t *d = smr_domain_create(&o);
	ck_assert_ptr_nonnull(d);
	smr_domain_destroy(d);
	/* names */
	ck_assert_ptr_null(smr_scheme_name((smr_scheme_t)17));
	smr_scheme_t sch;
	ck_assert_int_eq(smr_scheme_parse("debra+", &sch), 0);
	ck_assert_int_eq(sch, SMR_DEBRA_PLUS);
	ck_assert_int_eq(smr_scheme_parse("hp", &sch), -1);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

static void on_usr2(int sig) { (void)sig; }

START_TEST(signal_already_taken)
{
	signal(SIGUSR2, on_usr2);
	smr_options_t o;
	smr_options_init(&o, SMR_DEBRA_PLUS);
	o.signal = SIGUSR2;
	errno = 0;
	ck_assert_ptr_null(smr_domain_create(&o));
	ck_assert_int_eq(errno, EBUSY);
}
END_TEST

static void *try_register(void *arg)
{
	return smr_thread_register(arg);
}

START_TEST(too_many_threads)
{
	smr_options_t o;
	smr_options_init(&o, (smr_scheme_t)_i);
	o.max_threads = 2;
	smr_domain_t *d = smr_domain_create(&o);
	smr_context_t *a = smr_thread_register(d);
	pthread_t t;
	void *b;
	pthread_create(&t, NULL, try_register, d);
	pthread_join(t, &b);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	errno = 0;
	pthread_create(&t, NULL, try_register, d);
	void *c;
	pthread_join(t, &c);
	ck_assert_ptr_null(c);
	errno = 0;
	ck_assert_ptr_null(smr_thread_register(d));
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_ptr_null(smr_thread_register(NULL));
	ck_assert_int_eq(errno, EINVAL);
	smr_thread_unregister(a);
	smr_domain_destroy(d); /* b's thread is gone but b never unregistered: destroy frees its record */
}
END_TEST

START_TEST(retire_null_and_alloc_errors)
{
	cc_alloc_stats_enable(true);
	smr_domain_t *d = cct_domain((smr_scheme_t)_i, 32);
	smr_context_t *c = smr_thread_register(d);
	smr_retire(c, NULL, 64);
	smr_retire_cb(c, NULL, 64, fini_node);
	ck_assert_uint_eq(stats(d).retired, 0);
	errno = 0;
	ck_assert_ptr_null(smr_alloc(c, 0));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(smr_alloc(c, SIZE_MAX));
	ck_assert_int_eq(errno, ENOMEM);
	for (size_t size = 1; size < 300; size += 7) {
		void *p = smr_alloc(c, size);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq((uintptr_t)p % 16, 0);
		memset(p, 0x11, size);
		smr_retire(c, p, size);
	}
	smr_thread_unregister(c);
	smr_domain_destroy(d);
	cct_assert_glue_balanced();
}
END_TEST

START_TEST(unregister_with_open_op)
{
	smr_scheme_t scheme = (smr_scheme_t)_i;
	cc_alloc_stats_enable(true);
	smr_domain_t *d = cct_domain(scheme, 32);
	smr_context_t *c = smr_thread_register(d);
	for (int i = 0; i < 100; i++) {
		node_t *n = new_node(c, (uint64_t)i);
		smr_retire_cb(c, n, sizeof *n, fini_node);
	}
	smr_begin_op(c);
	smr_thread_unregister(c); /* ends the operation, hands the nodes over */
	smr_stats_t s = stats(d);
	ck_assert_uint_eq(s.threads, 0);
	ck_assert_uint_eq(s.retired, 100);
	ck_assert_uint_eq(s.pending + s.freed, 100);
	smr_domain_destroy(d); /* not refused: no operation is open any more */
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(atomic_load(&g_freed[i]), 1);
	cct_assert_glue_balanced();
}
END_TEST

static atomic_int g_busy_state;
static void *busy_reader(void *arg)
{
	smr_context_t *c = smr_thread_register(arg);
	smr_begin_op(c);
	atomic_store(&g_busy_state, 1);
	while (atomic_load(&g_busy_state) != 2)
		usleep(100);
	smr_end_op(c);
	atomic_store(&g_busy_state, 3);
	while (atomic_load(&g_busy_state) != 4)
		usleep(100);
	return NULL; /* never unregisters: destroy takes its record */
}

START_TEST(destroy_refuses_while_in_op)
{
	cc_alloc_stats_enable(true);
	smr_domain_t *d = cct_domain((smr_scheme_t)_i, 32);
	smr_context_t *c = smr_thread_register(d);
	node_t *n = new_node(c, 3);
	smr_retire_cb(c, n, sizeof *n, fini_node);
	pthread_t t;
	pthread_create(&t, NULL, busy_reader, d);
	while (atomic_load(&g_busy_state) != 1)
		usleep(100);
	errno = 0;
	smr_domain_destroy(d); /* refused: nothing freed, domain still valid */
	ck_assert_int_eq(errno, EBUSY);
	ck_assert_int_eq(atomic_load(&g_freed[3]), 0);
	ck_assert_uint_eq(stats(d).retired, 1);
	atomic_store(&g_busy_state, 2);
	while (atomic_load(&g_busy_state) != 3)
		usleep(100);
	smr_domain_destroy(d); /* registered threads remain, none in an operation: done */
	ck_assert_int_eq(atomic_load(&g_freed[3]), 1);
	atomic_store(&g_busy_state, 4);
	pthread_join(t, NULL);
	cct_assert_glue_balanced();
}
END_TEST

static void *begin_from_other_thread(void *arg)
{
	smr_begin_op(arg);
	return NULL;
}

/* The inline retire path hands over to the out-of-line one when a block
 * fills and when the periodic work is due: with blocks of 1, 2, 3 and 64
 * entries and passes every 1, 5, 64 retires (or none: dedicated reclaimers),
 * every retire is counted at once and every node freed exactly once. */
#define FAST_NODES 1000
START_TEST(retire_inline_path_boundaries)
{
	static const unsigned batch[] = {1, 2, 3, 64};
	static const unsigned empty[] = {0, 1, 5, 64};
	smr_scheme_t scheme = (smr_scheme_t)_i;
	cc_alloc_stats_enable(true);
	for (size_t bi = 0; bi < sizeof batch / sizeof batch[0]; bi++) {
		for (size_t ei = 0; ei < sizeof empty / sizeof empty[0]; ei++) {
			smr_options_t o;
			smr_options_init(&o, scheme);
			o.max_threads = 4;
			o.batch_size = batch[bi];
			o.empty_freq = empty[ei];
			smr_domain_t *d = smr_domain_create(&o);
			ck_assert_ptr_nonnull(d);
			smr_context_t *c = smr_thread_register(d);
			memset(g_freed, 0, sizeof g_freed);
			atomic_store(&g_fini_calls, 0);
			for (uint64_t i = 0; i < FAST_NODES; i++) {
				smr_begin_op(c);
				smr_end_op(c);
				node_t *n = cct_rel_alloc(c, sizeof *n);
				ck_assert_ptr_nonnull(n);
				n->canary = CANARY;
				n->id = i;
				cct_rel_retire(c, n, sizeof *n, fini_node);
				ck_assert_uint_eq(stats(d).retired, i + 1); /* counted at once */
			}
			smr_stats_t s = stats(d);
			ck_assert_uint_eq(s.retired, FAST_NODES);
			ck_assert_uint_eq(s.freed + s.pending, FAST_NODES);
			smr_thread_unregister(c); /* hands the rest to the domain */
			if (scheme != SMR_NONE) {
				smr_context_t *p = smr_thread_register(d);
				for (int k = 0; k < 1000 && stats(d).pending > 0; k++)
					smr_poll(p);
				ck_assert_uint_eq(stats(d).pending, 0);
				smr_thread_unregister(p);
			}
			smr_domain_destroy(d);
			ck_assert_int_eq(atomic_load(&g_fini_calls), FAST_NODES);
			for (int i = 0; i < FAST_NODES; i++)
				ck_assert_int_eq(atomic_load(&g_freed[i]), 1);
		}
	}
	cct_assert_glue_balanced();
}
END_TEST

/* A source compiled with SMR_SCHEME=SMR_DEBRA on a DEBRA context: its folded
 * operations protect, and nodes retired meanwhile are all freed once the
 * reads are over. */
START_TEST(scheme_compiled_source_works)
{
	cc_alloc_stats_enable(true);
	smr_domain_t *d = cct_domain(SMR_DEBRA, 8);
	smr_context_t *c = smr_thread_register(d);
	atomic_store(&g_fini_calls, 0);
	for (uint64_t i = 0; i < 500; i++) {
		node_t *n = cct_debra_alloc(c, sizeof *n);
		ck_assert_ptr_nonnull(n);
		n->canary = CANARY;
		n->id = MAX_IDS + 1;
		g_slot = n;
		ck_assert_ptr_eq(cct_debra_read(c, (void *const *)&g_slot), n);
		g_slot = NULL;
		smr_retire_cb(c, n, sizeof *n, fini_node);
	}
	smr_thread_unregister(c);
	smr_domain_destroy(d);
	ck_assert_int_eq(atomic_load(&g_fini_calls), 500);
	cct_assert_glue_balanced();
}
END_TEST

/* Misuse that must abort with a message: run in a child process. */
static int probe(const char *name)
{
	smr_options_t o;
	smr_options_init(&o, SMR_IBR);
	smr_domain_t *d = smr_domain_create(&o);
	smr_context_t *c = smr_thread_register(d);
	if (strcmp(name, "double_retire") == 0) {
		node_t *n = smr_alloc(c, sizeof *n);
		smr_retire(c, n, sizeof *n);
		smr_retire(c, n, sizeof *n);
	} else if (strcmp(name, "double_retire_inline") == 0 || strcmp(name, "double_retire_release") == 0) {
		/* a few retires first, so that both retires of n take the inline
		 * path's entry test; the release caller has no debug checks */
		bool rel = strcmp(name, "double_retire_release") == 0;
		for (int i = 0; i < 5; i++) {
			node_t *x = rel ? cct_rel_alloc(c, sizeof *x) : smr_alloc(c, sizeof *x);
			rel ? cct_rel_retire(c, x, sizeof *x, NULL) : smr_retire(c, x, sizeof *x);
		}
		node_t *n = rel ? cct_rel_alloc(c, sizeof *n) : smr_alloc(c, sizeof *n);
		rel ? cct_rel_retire(c, n, sizeof *n, NULL) : smr_retire(c, n, sizeof *n);
		rel ? cct_rel_retire(c, n, sizeof *n, NULL) : smr_retire(c, n, sizeof *n);
	} else if (strcmp(name, "scheme_mismatch") == 0) {
		cct_debra_read(c, (void *const *)&g_slot); /* c is an IBR context */
	} else if (strcmp(name, "retire_wrong_size") == 0) {
		node_t *n = smr_alloc(c, sizeof *n);
		smr_retire(c, n, sizeof *n + 1);
	} else if (strcmp(name, "foreign_retire") == 0) {
		uint64_t *p = cc_calloc(4, 16);
		smr_retire(c, p + 2, 16);
	} else if (strcmp(name, "protect_outside_op") == 0) {
		smr_protect(c, (void *const *)&g_slot);
	} else if (strcmp(name, "wrong_thread") == 0) {
		pthread_t t;
		pthread_create(&t, NULL, begin_from_other_thread, c);
		pthread_join(t, NULL);
	} else if (strcmp(name, "end_without_begin") == 0) {
		smr_end_op(c);
	}
	return 0; /* not reached when the misuse is caught */
}

static void expect_abort(const char *probe_name, const char *message)
{
	char out[8192];
	char *env[] = {"CCMEM_BACKEND=system", NULL};
	int rc = cct_run_probe(probe_name, env, out, sizeof out);
	ck_assert_msg(rc == 128 + SIGABRT, "%s: status %d, output: %s", probe_name, rc, out);
	ck_assert_msg(strstr(out, message) != NULL, "%s: missing '%s' in: %s", probe_name, message, out);
}

START_TEST(misuse_aborts_with_message)
{
	expect_abort("double_retire", "retired twice");
	expect_abort("double_retire_inline", "retired twice");
	expect_abort("double_retire_release", "retired twice"); /* every build, not only debug ones */
	expect_abort("retire_wrong_size", "size differs from the one given to smr_alloc");
	expect_abort("scheme_mismatch", "compiled with SMR_SCHEME debra used with a ibr context");
	expect_abort("foreign_retire", "was not allocated by smr_alloc");
	expect_abort("protect_outside_op", "smr_protect: called outside an operation");
	expect_abort("wrong_thread", "context used by another thread than its own");
	expect_abort("end_without_begin", "smr_end_op: no operation is open");
}
END_TEST

static Suite *smr_suite(void)
{
	Suite *s = suite_create("smr");
	TCase *safety = tcase_create("safety");
	tcase_set_timeout(safety, 600);
	tcase_add_loop_test(safety, reader_keeps_node, 0, SMR_SCHEME_COUNT);
	tcase_add_test(safety, none_frees_only_at_destroy);
	tcase_add_loop_test(safety, all_freed_after_threads_stop, 0, SMR_SCHEME_COUNT);
	tcase_add_loop_test(safety, alloc_a_retire_b_free_c, 0, SMR_SCHEME_COUNT - 1); /* NONE frees nothing */
	tcase_add_loop_test(safety, thread_churn_keeps_domain_size, 0, SMR_SCHEME_COUNT);
	tcase_add_loop_test(safety, checkpoint_is_noop_elsewhere, 0, SMR_SCHEME_COUNT);
	tcase_add_loop_test(safety, retire_inline_path_boundaries, 0, SMR_SCHEME_COUNT);
	tcase_add_test(safety, scheme_compiled_source_works);
	suite_add_tcase(s, safety);

	TCase *bound = tcase_create("bounded_garbage");
	tcase_set_timeout(bound, 600);
	tcase_add_test(bound, ibr_bounded_with_stalled_thread);
	tcase_add_test(bound, debra_plus_bounded_with_spinning_thread);
	tcase_add_test(bound, debra_grows_with_stalled_thread);
	tcase_add_test(bound, debra_plus_waits_counted);
	tcase_add_test(bound, debra_plus_default_threshold_follows_batch);
	tcase_add_test(bound, debra_plus_lost_signal_does_not_block);
	suite_add_tcase(s, bound);

	TCase *reg = tcase_create("regressions");
	tcase_set_timeout(reg, 120);
	tcase_add_test(reg, debra_plus_slots_keep_reserved);
	tcase_add_test(reg, ibr_shared_pass_fresh_snapshot);
	tcase_add_test(reg, ibr_fresh_node_stays_protected);
	tcase_add_loop_test(reg, retire_outside_ops_is_reclaimed, 0, SMR_SCHEME_COUNT - 1); /* NONE keeps all */
	suite_add_tcase(s, reg);

	TCase *bad = tcase_create("bad_input");
	tcase_set_timeout(bad, 120);
	tcase_add_test(bad, invalid_options);
	tcase_add_test(bad, signal_already_taken);
	tcase_add_loop_test(bad, too_many_threads, 0, SMR_SCHEME_COUNT);
	tcase_add_loop_test(bad, retire_null_and_alloc_errors, 0, SMR_SCHEME_COUNT);
	tcase_add_loop_test(bad, unregister_with_open_op, 0, SMR_SCHEME_COUNT);
	tcase_add_loop_test(bad, destroy_refuses_while_in_op, 0, SMR_SCHEME_COUNT);
	tcase_add_test(bad, misuse_aborts_with_message);
	suite_add_tcase(s, bad);
	return s;
}

int main(int argc, char **argv)
{
	return cct_main(argc, argv, smr_suite, probe);
}

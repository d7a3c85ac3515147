/*
 * bench/dsb_family.h - the timed loops of one variant family, instantiated
 * once per reclamation library (bench/dsb_ccmem.c, dsb_ck.c, dsb_urcu.c,
 * dsb_lfq.c, dsb_ckfifo.c) so that every call into a structure is a direct
 * call: reclamation is the only difference between the variants.
 *
 * The including file defines, before including this one:
 *   fam_ctx_t                     the per-thread handle
 *   DS(name)                      the family's name of a src/ds function
 *   FAM_HAS_MAPS                  1 if it runs the skip list and the BST
 *   FAM_HAS_PUBQ                  1 if it runs the public-API queue; then
 *   PUBQ_T, PUBQ(name)            its type and functions (bench/pubq/pubq.h)
 *   PUBQ_S(name)                  the functions of DSB_PUBQ_S (a function
 *                                 pointer picked per cell, or PUBQ's)
 *   static int fam_setup(const dsb_cell_t *)     once per process; 0 or -1
 *   static fam_ctx_t *fam_enter(void)            per thread; NULL on failure
 *   static void fam_leave(fam_ctx_t *)
 *   static uint64_t fam_pending(uint64_t *retired)   any thread
 *   FAM_HAS_EVENTS                defined if it counts DEBRA+'s events; then
 *   static void fam_events(uint64_t ev[3])   signals, restarts, waits so far
 *                                 (without it, every count is 0)
 *   static void fam_stall(fam_ctx_t *)   enters an operation and stays in it
 *                                        until dsb_unstall, then leaves it
 * and gets `static void fam_run(const dsb_cell_t *, dsb_result_t *)`.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"
#include "dsb.h"

#ifndef FAM_HAS_EVENTS
static void fam_events(uint64_t ev[3])
{
	ev[0] = ev[1] = ev[2] = 0;
}
#endif

typedef struct fam_worker {
	pthread_t th;
	uint64_t ops;
	uint64_t seed;
	int stalled; /* 1: the stalled thread */
} __attribute__((aligned(64))) fam_worker_t;

static struct {
	const dsb_cell_t *cell;
	void *ds; /* the structure */
	pthread_barrier_t start;
	uint32_t failed; /* an operation failed (ENOMEM) */
} fam_g;

/* Relaxed: only a stop request; joining orders everything the workers did. */
static inline bool fam_stopped(void)
{
	return cc_atomic_load_relaxed_u32(&dsb_stop) != 0;
}

static void fam_fail(const char *what)
{
	if (cc_atomic_fas_u32(&fam_g.failed, 1) == 0)
		fprintf(stderr, "bench: %s failed: %s\n", what, strerror(errno));
}

/* Operations between two looks at the stop flag. */
#define FAM_BURST 16

static uint64_t fam_queue_loop(fam_ctx_t *ctx, uint64_t *rng)
{
	cc_queue_t *q = fam_g.ds;
	uint64_t ops = 0, v;
	while (!fam_stopped()) {
		for (int i = 0; i < FAM_BURST; i++) {
			uint64_t r = dsb_rand(rng);
			if (r >> 63) {
				if (DS(cc_queue_enqueue)(q, ctx, r) != 0)
					fam_fail("enqueue");
			} else {
				(void)DS(cc_queue_dequeue)(q, ctx, &v);
			}
		}
		ops += FAM_BURST;
	}
	return ops;
}

#if FAM_HAS_PUBQ
/* The same 50/50 mix on the public-API queue (bench/pubq/). */
#define FAM_PUBQ_LOOP(NAME, FN)                                                                        \
	static uint64_t NAME(fam_ctx_t *ctx, uint64_t *rng)                                                \
	{                                                                                                  \
		PUBQ_T *q = fam_g.ds;                                                                          \
		uint64_t ops = 0, v;                                                                           \
		while (!fam_stopped()) {                                                                       \
			for (int i = 0; i < FAM_BURST; i++) {                                                      \
				uint64_t r = dsb_rand(rng);                                                            \
				if (r >> 63) {                                                                         \
					if (FN(enqueue)(q, ctx, r) != 0)                                                   \
						fam_fail("enqueue");                                                           \
				} else {                                                                               \
					(void)FN(dequeue)(q, ctx, &v);                                                     \
				}                                                                                      \
			}                                                                                          \
			ops += FAM_BURST;                                                                          \
		}                                                                                              \
		return ops;                                                                                    \
	}
FAM_PUBQ_LOOP(fam_pubq_loop, PUBQ)
FAM_PUBQ_LOOP(fam_pubq_s_loop, PUBQ_S)
#endif

#if FAM_HAS_MAPS
/* The IBR paper's update workload (50 % insert, 50 % remove) or a read-mostly
 * one (90 % lookup, 5 % insert, 5 % remove), keys uniform in [0, DSB_KEYS). */
#define FAM_MAP_LOOP(X)                                                                                \
	static uint64_t fam_##X##_loop(fam_ctx_t *ctx, uint64_t *rng, int workload)                        \
	{                                                                                                  \
		cc_##X##_t *m = fam_g.ds;                                                                      \
		uint64_t ops = 0, v;                                                                           \
		while (!fam_stopped()) {                                                                       \
			for (int i = 0; i < FAM_BURST; i++) {                                                      \
				uint64_t r = dsb_rand(rng);                                                            \
				uint64_t key = (r >> 24) % DSB_KEYS;                                                   \
				unsigned pct = (unsigned)((r & 0xffff) % 100);                                         \
				int op = workload == DSB_W_UPDATE ? (pct < 50 ? 1 : 2) : (pct < 90 ? 0 : pct < 95 ? 1 : 2); \
				if (op == 0)                                                                           \
					(void)DS(cc_##X##_lookup)(m, ctx, key, &v);                                        \
				else if (op == 1) {                                                                    \
					if (DS(cc_##X##_insert)(m, ctx, key, key) < 0)                                     \
						fam_fail("insert");                                                            \
				} else                                                                                 \
					(void)DS(cc_##X##_remove)(m, ctx, key, &v);                                        \
			}                                                                                          \
			ops += FAM_BURST;                                                                          \
		}                                                                                              \
		return ops;                                                                                    \
	}
FAM_MAP_LOOP(skiplist)
FAM_MAP_LOOP(bst)
#endif

static void *fam_thread(void *arg)
{
	fam_worker_t *w = arg;
	fam_ctx_t *ctx = fam_enter();
	if (ctx == NULL)
		fam_fail("thread registration");
	pthread_barrier_wait(&fam_g.start);
	if (ctx == NULL)
		return NULL;
	if (w->stalled) {
		fam_stall(ctx);
	} else {
		switch (fam_g.cell->structure) {
		case DSB_QUEUE:
			w->ops = fam_queue_loop(ctx, &w->seed);
			break;
#if FAM_HAS_PUBQ
		case DSB_PUBQ:
			w->ops = fam_pubq_loop(ctx, &w->seed);
			break;
		case DSB_PUBQ_S:
			w->ops = fam_pubq_s_loop(ctx, &w->seed);
			break;
#endif
#if FAM_HAS_MAPS
		case DSB_SKIPLIST:
			w->ops = fam_skiplist_loop(ctx, &w->seed, fam_g.cell->workload);
			break;
		case DSB_BST:
			w->ops = fam_bst_loop(ctx, &w->seed, fam_g.cell->workload);
			break;
#endif
		default:
			break;
		}
	}
	fam_leave(ctx);
	return NULL;
}

/* Creates the structure and prefills it from the calling (main) thread. */
static int fam_prefill(fam_ctx_t *ctx, uint64_t *rng)
{
	const dsb_cell_t *c = fam_g.cell;
	(void)rng; /* the maps' keys */
	switch (c->structure) {
	case DSB_QUEUE: {
		cc_queue_t *q = DS(cc_queue_create)(ctx);
		fam_g.ds = q;
		for (unsigned i = 0; q != NULL && i < DSB_PREFILL; i++)
			if (DS(cc_queue_enqueue)(q, ctx, i) != 0)
				return -1;
		return q == NULL ? -1 : 0;
	}
#if FAM_HAS_PUBQ
	case DSB_PUBQ:
	case DSB_PUBQ_S: {
		bool s = c->structure == DSB_PUBQ_S;
		PUBQ_T *q = s ? PUBQ_S(create)(ctx) : PUBQ(create)(ctx);
		fam_g.ds = q;
		for (unsigned i = 0; q != NULL && i < DSB_PREFILL; i++)
			if ((s ? PUBQ_S(enqueue)(q, ctx, i) : PUBQ(enqueue)(q, ctx, i)) != 0)
				return -1;
		return q == NULL ? -1 : 0;
	}
#endif
#if FAM_HAS_MAPS
#define FAM_MAP_PREFILL(X)                                                                             \
	{                                                                                                  \
		cc_##X##_t *m = DS(cc_##X##_create)(ctx);                                                      \
		fam_g.ds = m;                                                                                  \
		if (m == NULL)                                                                                 \
			return -1;                                                                                 \
		for (unsigned n = 0; n < DSB_PREFILL;) {                                                       \
			uint64_t key = (dsb_rand(rng) >> 24) % DSB_KEYS;                                           \
			int rc = DS(cc_##X##_insert)(m, ctx, key, key);                                            \
			if (rc < 0)                                                                                \
				return -1;                                                                             \
			n += (unsigned)rc;                                                                         \
		}                                                                                              \
		return 0;                                                                                      \
	}
	case DSB_SKIPLIST:
		FAM_MAP_PREFILL(skiplist)
	case DSB_BST:
		FAM_MAP_PREFILL(bst)
#endif
	default:
		errno = EINVAL;
		return -1;
	}
}

/* Quiescent check of a map after the run (the peers' builds of our
 * structures are checked as the library's are); only with --check, as the
 * skip list's check walks each tower level from the head (quadratic). */
static int fam_check(fam_ctx_t *ctx)
{
	size_t n = 0;
	uint64_t sum = 0;
	(void)ctx;
	(void)n;
	(void)sum;
	switch (fam_g.cell->structure) {
#if FAM_HAS_MAPS
	case DSB_SKIPLIST:
		return DS(cc_skiplist_check)(fam_g.ds, ctx, &n, &sum);
	case DSB_BST:
		return DS(cc_bst_check)(fam_g.ds, ctx, &n, &sum);
#endif
	default:
		return 0;
	}
}

static void fam_run(const dsb_cell_t *c, dsb_result_t *r)
{
	static fam_worker_t w[DSB_MAX_THREADS + 1];
	fam_g.cell = c;
	r->ok = 0;
	if (fam_setup(c) != 0) {
		fprintf(stderr, "bench: %s: setup failed: %s\n", dsb_var_name[c->variant], strerror(errno));
		return;
	}
	fam_ctx_t *self = fam_enter();
	uint64_t rng = c->seed | 1;
	if (self == NULL || fam_prefill(self, &rng) != 0) {
		fprintf(stderr, "bench: %s: prefill failed: %s\n", dsb_var_name[c->variant], strerror(errno));
		return;
	}
	int n = c->threads + (c->stall ? 1 : 0);
	pthread_barrier_init(&fam_g.start, NULL, (unsigned)n + 1);
	for (int i = 0; i < n; i++) {
		w[i].ops = 0;
		w[i].seed = (c->seed + 0x9E3779B97F4A7C15ull * (uint64_t)(i + 1)) | 1;
		w[i].stalled = c->stall && i == c->threads;
		if (pthread_create(&w[i].th, NULL, fam_thread, &w[i]) != 0) {
			fprintf(stderr, "bench: pthread_create failed\n");
			_exit(1); /* the barrier would wait forever */
		}
	}
	uint64_t retired0 = 0, ev0[3];
	(void)fam_pending(&retired0);
	fam_events(ev0);
	pthread_barrier_wait(&fam_g.start);
	uint64_t t0 = bu_now_ns(), next = t0, sum = 0, count = 0, peak = 0;
	r->nsamples = 0;
	for (;;) {
		next += c->sample_ns;
		uint64_t now = bu_now_ns();
		if (next > t0 + c->duration_ns)
			next = t0 + c->duration_ns;
		if (next > now)
			dsb_sleep_ns(next - now);
		uint64_t retired;
		uint64_t p = fam_pending(&retired);
		sum += p;
		count++;
		peak = p > peak ? p : peak;
		if (c->stall && r->nsamples < DSB_MAX_SAMPLES)
			r->samples[r->nsamples++] = p;
		if (next >= t0 + c->duration_ns)
			break;
	}
	/* relaxed: a request; the joins below order the workers' results */
	cc_atomic_store_relaxed_u32(&dsb_stop, 1);
	uint64_t t1 = bu_now_ns();
	/* release: the stalled thread leaves its operation (acquire there) */
	cc_atomic_store_release_u32(&dsb_unstall, 1);
	uint64_t ops = 0;
	for (int i = 0; i < n; i++) {
		pthread_join(w[i].th, NULL);
		ops += w[i].ops;
	}
	uint64_t retired1 = 0, ev1[3];
	(void)fam_pending(&retired1);
	fam_events(ev1);
	r->ops = ops;
	r->secs = (double)(t1 - t0) / 1e9;
	r->mops = (double)ops / r->secs / 1e6;
	r->avg_pending = count ? (double)sum / (double)count : 0;
	r->peak_pending = peak;
	r->retired = retired1 - retired0;
	r->signals = ev1[0] - ev0[0];
	r->restarts = ev1[1] - ev0[1];
	r->waits = ev1[2] - ev0[2];
	if (cc_atomic_load_relaxed_u32(&fam_g.failed))
		return;
	const char *chk = getenv("CCMEM_WB_CHECK"); /* set by the workbench's --check */
	if (chk != NULL && strcmp(chk, "1") == 0 && fam_check(self) != 0) {
		fprintf(stderr, "bench: %s: the structure failed its check after the run\n", dsb_var_name[c->variant]);
		return;
	}
	r->ok = 1;
	/* No teardown: the process exits (each cell runs in its own). */
}

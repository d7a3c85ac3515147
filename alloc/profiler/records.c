/*
 * alloc/profiler/records.c - per-thread records of the profiler (registry,
 * adoption of exited threads' records) and the run's options as the hooks see
 * them: published by control.c (cc__pf_publish_options), taken by each thread
 * on its first event of a run.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "profiler_internal.h"

#define MAX_RECORDS 4096 /* records created; beyond, exited threads' records are shared */

/* ---- the run's options, as the hooks see them ------------------------------------- */

uint64_t cc__pf_gen;
/* Seqlock-protected copies of cc__pf_options_t (atomic: written by
 * cc__pf_publish_options while cc__pf_gen is 0, read by reset_record). */
static uint32_t g_opt_flags, g_opt_m, g_opt_frames;
static uint64_t g_opt_p_bits, g_opt_q_bits; /* sample_rate; timed share of the sampled events */
static void *g_opt_capture, *g_opt_capture_arg; /* the capture function as a data pointer */

void cc__pf_publish_options(const cc__pf_options_t *o)
{
	uint64_t pbits, qbits;
	memcpy(&pbits, &o->sample_rate, sizeof pbits);
	memcpy(&qbits, &o->timed_share, sizeof qbits);
	void *capture = NULL;
	if (o->capture != NULL)
		memcpy(&capture, &o->capture, sizeof capture);
	cc_atomic_store_relaxed_u32(&g_opt_flags, o->flags);
	cc_atomic_store_relaxed_u32(&g_opt_m, o->lat_m);
	cc_atomic_store_relaxed_u32(&g_opt_frames, o->frames);
	cc_atomic_store_relaxed_u64(&g_opt_p_bits, pbits);
	cc_atomic_store_relaxed_u64(&g_opt_q_bits, qbits);
	cc_atomic_store_relaxed_ptr(&g_opt_capture, capture);
	cc_atomic_store_relaxed_ptr(&g_opt_capture_arg, o->capture_arg);
}

/* ---- per-thread records ------------------------------------------------------------ */

struct prec *cc__pf_rec_head;
static uint32_t g_nrec; /* under g_reg */
static pthread_mutex_t g_reg = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t g_key;
static pthread_once_t g_key_once = PTHREAD_ONCE_INIT;
_Thread_local struct prec *cc__pf_tls_rec __attribute__((tls_model("initial-exec")));

static void detach(void *arg)
{
	struct prec *r = arg;
	/* the allocations since the last sampled one count too */
	if (cc__tls_prof.gen == cc_atomic_load_relaxed_u64(&r->gen))
		bump(&r->k[K_ALLOC], cc__pf_gap_done(r));
	cc__tls_prof.gen = UINT64_MAX;
	cc__tls_prof.word = 1;
	/* release: pairs with the acquire in attach; this thread's last counts are
	 * visible to whoever adopts the record. */
	cc_atomic_store_release_u32(&r->owned, 0);
	cc__pf_tls_rec = NULL;
}

static void key_init(void)
{
	if (pthread_key_create(&g_key, detach) != 0)
		abort(); /* only with PTHREAD_KEYS_MAX keys in use */
}

/* The calling thread's record, adopted or created; NULL when out of memory. */
static struct prec *attach(uint64_t g)
{
	pthread_once(&g_key_once, key_init);
	pthread_mutex_lock(&g_reg);
	struct prec *r, *any = NULL, *free_one = NULL;
	uint64_t tid = (uint64_t)syscall(SYS_gettid);
	for (r = cc_atomic_load_acquire_ptr((void **)&cc__pf_rec_head); r != NULL; r = r->next) {
		/* acquire: pairs with the release in detach. */
		if (cc_atomic_load_acquire_u32(&r->owned) != 0)
			continue;
		if (any == NULL)
			any = r;
		/* This very thread again (a free from a later thread-exit
		 * destructor, after detach ran): its own record. */
		if (r->tid == tid && cc_atomic_load_relaxed_u64(&r->gen) == g)
			break;
		/* A record that holds figures of the current run stays with its
		 * (exited) thread, so per-thread figures stay per thread. */
		if (free_one == NULL && cc_atomic_load_relaxed_u64(&r->gen) != g)
			free_one = r;
	}
	if (r == NULL)
		r = free_one;
	if (r == NULL && g_nrec < MAX_RECORDS) {
		r = cc__pf_map_zeroed(sizeof *r);
		if (r != NULL) {
			r->idx = g_nrec++;
			cc_atomic_store_relaxed_u64(&r->gen, UINT64_MAX); /* no run's */
			r->next = cc__pf_rec_head;
			/* release: the record's initial state before it is reachable. */
			cc_atomic_store_release_ptr((void **)&cc__pf_rec_head, r);
		}
	}
	if (r == NULL)
		r = any;
	if (r == NULL) {
		pthread_mutex_unlock(&g_reg);
		return NULL;
	}
	cc_atomic_store_relaxed_u32(&r->owned, 1);
	pthread_mutex_unlock(&g_reg);
	pthread_setspecific(g_key, r);
	cc__pf_tls_rec = r;
	return r;
}

/* First event of this thread in run g: take the run's options and clear the
 * figures.  false if the run ended meanwhile. */
static bool reset_record(struct prec *r, uint64_t g)
{
	/* Seqlock reader.  acquire: pairs with the release store of cc__pf_gen in
	 * control.c's begin_run (options are written before it). */
	if (cc_atomic_load_acquire_u64(&cc__pf_gen) != g)
		return false;
	uint32_t flags = cc_atomic_load_relaxed_u32(&g_opt_flags);
	uint32_t m = cc_atomic_load_relaxed_u32(&g_opt_m);
	uint32_t frames = cc_atomic_load_relaxed_u32(&g_opt_frames);
	uint64_t pbits = cc_atomic_load_relaxed_u64(&g_opt_p_bits);
	uint64_t qbits = cc_atomic_load_relaxed_u64(&g_opt_q_bits);
	void *capture = cc_atomic_load_relaxed_ptr(&g_opt_capture);
	void *capture_arg = cc_atomic_load_relaxed_ptr(&g_opt_capture_arg);
	/* acquire fence: the option loads above complete before the re-check;
	 * pairs with the release fence in begin_run between clearing cc__pf_gen and
	 * writing the next run's options. */
	cc_atomic_fence_acquire();
	if (cc_atomic_load_relaxed_u64(&cc__pf_gen) != g)
		return false;
	double p;
	memcpy(&p, &pbits, sizeof p);
	double q;
	memcpy(&q, &qbits, sizeof q);

	uint32_t n = cc__pf_lat_count(m);
	memset(r->k, 0, sizeof r->k);
	memset(r->size_cb, 0, sizeof r->size_cb);
	memset(r->heap, 0, sizeof r->heap);
	memset(r->flow, 0, sizeof r->flow);
	memset(r->usable_memo, 0, sizeof r->usable_memo);
	if (flags & F_LATENCY) {
		memset(r->lat[0], 0, n * sizeof(uint64_t));
		memset(r->lat[1], 0, n * sizeof(uint64_t));
	}
	r->flags = flags;
	r->lat_m = m;
	r->frames = frames;
	memcpy(&r->capture, &capture, sizeof r->capture);
	r->capture_arg = capture_arg;
	r->inv_log1mp = p >= 1.0 ? 0.0 : 1.0 / log1p(-p);
	r->inv_log1mq = q >= 1.0 ? 0.0 : 1.0 / log1p(-q);
	r->rng = (cc__pf_mono_ns() ^ ((uint64_t)r->idx << 40) ^ (uint64_t)(uintptr_t)r) | 1;
	r->lat_pow2 = 0;
	r->lat_starts = 0;
	for (unsigned k = 1; k <= 32 && q < 1.0; k++) {
		if (q == ldexp(1.0, -(int)k)) {
			r->lat_pow2 = k;
			for (unsigned j = 0; j + k <= 64; j += k)
				r->lat_starts |= (uint64_t)1 << j;
		}
	}
	r->time_cd[0] = cc__pf_timed_gap(r);
	r->time_cd[1] = cc__pf_timed_gap(r);
	r->last_heap_scan = 0;
	cc_atomic_store_relaxed_u64(&r->arena_hi, 0);
	r->tid = (uint64_t)syscall(SYS_gettid);
	memset(r->name, 0, sizeof r->name);
	pthread_getname_np(pthread_self(), r->name, sizeof r->name);
	/* release: pairs with the merge's acquire load of gen; the cleared
	 * figures and the identity are visible before the record counts in run g. */
	cc_atomic_store_release_u64(&r->gen, g);
	return true;
}

/* The calling thread's first event in run g (its countdown is of another
 * run, or none): the record, cleared for the run if need be, and a fresh
 * countdown.  NULL when no run is on (g == 0) or out of memory. */
struct prec *cc__pf_enter_slow(uint64_t g)
{
	if (g == 0)
		return NULL;
	struct prec *r = cc__pf_tls_rec;
	if (r == NULL && (r = attach(g)) == NULL)
		return NULL;
	if (cc_atomic_load_relaxed_u64(&r->gen) != g && !reset_record(r, g))
		return NULL;
	r->gap = cc__pf_next_gap(r);
	cc__pf_arm(r, g, (uint64_t)r->gap);
	cc__tls_prof.gen = g;
	return r;
}

uint64_t cc__pf_own_gap(uint64_t g)
{
	struct prec *self = cc__pf_tls_rec;
	if (self == NULL || cc__tls_prof.gen != g || cc_atomic_load_relaxed_u64(&self->gen) != g)
		return 0;
	return cc__pf_gap_done(self);
}

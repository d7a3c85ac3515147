/*
 * alloc/profiler/control.c - the profiler object: create, start, stop,
 * snapshot, report, reset, frame source, destroy, and the export entry points
 * that take a profiler. One profiler runs at a time; the control functions
 * are serialised by cc__pf_ctl.
 */
#include <errno.h>
#include <execinfo.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "profiler_internal.h"

pthread_mutex_t cc__pf_ctl = PTHREAD_MUTEX_INITIALIZER;
static cc_profiler_t *g_running; /* under cc__pf_ctl */
static uint64_t g_last_gen;      /* under cc__pf_ctl */

void cc_profiler_options_init(cc_profiler_options_t *o)
{
	if (o == NULL)
		return;
	memset(o, 0, sizeof *o);
	o->track_sizes = true;
	o->track_latency = true;
	o->track_per_thread = false;
	o->track_cross_thread = true;
	o->detect_leaks = false;
	o->capture_stacks = false;
	o->sample_rate = 1.0;
	o->latency_buckets = 1000;
	o->timeline_interval_ms = 10;
	o->max_leak_records = 65536;
	o->max_stack_frames = 16;
	o->latency_sample_rate = 0.125;
}

cc_profiler_t *cc_profiler_create(const cc_profiler_options_t *o)
{
	if (o == NULL || !(o->sample_rate > 0.0 && o->sample_rate <= 1.0) ||
	    o->latency_buckets < CC_PROFILER_MIN_LATENCY_BUCKETS || o->latency_buckets > CC_PROFILER_MAX_LATENCY_BUCKETS ||
	    o->timeline_interval_ms == 0 || o->timeline_interval_ms > 60000 || o->max_stack_frames > MAX_FRAMES ||
	    !(o->latency_sample_rate > 0.0 && o->latency_sample_rate <= 1.0)) {
		errno = EINVAL;
		return NULL;
	}
	cc_profiler_t *p = calloc(1, sizeof *p);
	if (p == NULL || (p->tl = calloc(TIMELINE_MAX, sizeof *p->tl)) == NULL) {
		free(p);
		errno = ENOMEM;
		return NULL;
	}
	p->opt = *o;
	if (p->opt.max_stack_frames == 0)
		p->opt.max_stack_frames = 16;
	p->lat_m = cc__pf_lat_precision(o->latency_buckets);
	p->state = ST_IDLE;
	pthread_mutex_init(&p->tl_lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->tl_cond, &ca);
	pthread_condattr_destroy(&ca);
	return p;
}

static void clear_reports(cc_profiler_t *p)
{
	cc__pf_report_free(p->snap);
	cc__pf_report_free(p->final);
	p->snap = p->final = NULL;
}

/* Caller holds cc__pf_ctl.  New generation, options published, figures cleared. */
static int begin_run(cc_profiler_t *p)
{
	uint64_t g = ++g_last_gen;
	if (!cc__pf_index_gen_ok(g))
		g = ++g_last_gen;
	/* Seqlock writer: cc__pf_gen is 0 here (no run); the release fence orders
	 * that store before the option stores (pairs with the acquire fence of
	 * the records' reset, records.c). */
	cc_atomic_store_relaxed_u64(&cc__pf_gen, 0);
	cc_atomic_fence_release();
	const cc_profiler_options_t *o = &p->opt;
	bool sampling = o->sample_rate < 1.0;
	if (sampling && cc__pf_filter_reset() != 0)
		return -1;
	cc__pf_options_t ro;
	memset(&ro, 0, sizeof ro);
	/* Every sampled block is kept (arena or index): the free of a block of
	 * the run, sized or not, then finds its size (exact live bytes). */
	bool arena = cc__pf_arena_size != 0;
	ro.flags = (o->track_sizes ? F_SIZES : 0) | (o->track_latency ? F_LATENCY : 0) |
	           (o->capture_stacks && o->detect_leaks ? F_STACKS : 0) | (o->track_cross_thread ? F_CROSS : 0) |
	           (sampling ? F_FILTER : 0) | (arena ? F_ARENA : 0) | (arena && sampling ? F_BOUND : 0);
	ro.lat_m = p->lat_m;
	ro.frames = o->max_stack_frames;
	ro.sample_rate = o->sample_rate;
	/* a sampled event is timed with probability q: events overall with
	 * probability min(sample_rate, latency_sample_rate) */
	ro.timed_share = o->latency_sample_rate >= o->sample_rate ? 1.0 : o->latency_sample_rate / o->sample_rate;
	ro.capture = p->frames.capture;
	ro.capture_arg = p->frames.arg;
	cc__pf_publish_options(&ro);

	pthread_mutex_lock(&p->tl_lock); /* the timeline thread reads gen and the timeline */
	p->gen = g;
	p->run_flags = ro.flags;
	p->tl_len = 0;
	p->tl_stride = 1;
	p->tl_tick = 0;
	p->peak = 0;
	p->peak_t = 0;
	p->ewma_init = false;
	memset(p->ewma, 0, sizeof p->ewma);
	memset(p->last_k, 0, sizeof p->last_k);
	p->last_t = 0;
	p->start_ticks = cc__pf_ticks();
	cc_atomic_store_relaxed_u64(&cc__pf_coarse_ticks, p->start_ticks);
	p->start_ns = cc__pf_mono_ns();
	p->start_unix = cc__pf_unix_now();
	pthread_mutex_unlock(&p->tl_lock);
	/* release: pairs with the acquire of the records' reset; options first. */
	cc_atomic_store_release_u64(&cc__pf_gen, g);
	return 0;
}

/* The glue hands its calls to the hooks for run p->gen (caller holds
 * cc__pf_ctl).  A sampling run with the arena lets frees of blocks above it
 * stay inline; at p = 1 every free is counted, so every free comes here. */
static void publish_run(const cc_profiler_t *p)
{
	bool bound = p->opt.sample_rate < 1.0 && cc__pf_arena_size != 0;
	cc__alloc_hooks_install(&cc__pf_hooks, p->gen, bound ? cc__pf_arena_lo + cc__pf_arena_size : UINT64_MAX);
}

int cc_profiler_start(cc_profiler_t *p)
{
	if (p == NULL) {
		errno = EINVAL;
		return -1;
	}
	pthread_once(&cc__pf_clock_once, cc__pf_clock_init);
	void *prime[4];
	backtrace(prime, 4); /* loads the unwinder now, not inside a hook */
	cc__config_ensure();
	pthread_mutex_lock(&cc__pf_ctl);
	if (g_running != NULL) {
		pthread_mutex_unlock(&cc__pf_ctl);
		errno = EBUSY;
		return -1;
	}
	(void)cc__pf_arena_init(); /* without it, the index keeps every sampled block */
	if (cc__pf_index_reset() != 0 || (p->opt.capture_stacks && p->opt.detect_leaks && cc__pf_depot_init() != 0)) {
		pthread_mutex_unlock(&cc__pf_ctl);
		errno = ENOMEM;
		return -1;
	}
	clear_reports(p);
	if (begin_run(p) != 0) {
		pthread_mutex_unlock(&cc__pf_ctl);
		errno = ENOMEM;
		return -1;
	}
	p->tl_quit = false;
	if (pthread_create(&p->tl_thread, NULL, cc__pf_timeline_main, p) != 0) {
		cc_atomic_store_release_u64(&cc__pf_gen, 0);
		pthread_mutex_unlock(&cc__pf_ctl);
		errno = EAGAIN;
		return -1;
	}
	p->tl_started = true;
	p->state = ST_RUNNING;
	g_running = p;
	publish_run(p);
	pthread_mutex_unlock(&cc__pf_ctl);
	return 0;
}

int cc_profiler_stop(cc_profiler_t *p)
{
	if (p == NULL) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&cc__pf_ctl);
	if (p->state != ST_RUNNING) {
		pthread_mutex_unlock(&cc__pf_ctl);
		errno = EINVAL;
		return -1;
	}
	uint64_t now = cc__pf_ticks(), now_ns = cc__pf_mono_ns();
	cc__alloc_hooks_install(NULL, 0, UINT64_MAX);
	cc_atomic_store_release_u64(&cc__pf_gen, 0);
	pthread_mutex_lock(&p->tl_lock);
	p->tl_quit = true;
	pthread_cond_signal(&p->tl_cond);
	pthread_mutex_unlock(&p->tl_lock);
	if (p->tl_started)
		pthread_join(p->tl_thread, NULL);
	p->tl_started = false;
	p->stop_ticks = now;
	p->stop_ns = now_ns;
	/* the last point of the timeline, at stop */
	pthread_mutex_lock(&p->tl_lock);
	cc__pf_timeline_tick(p, now, true);
	pthread_mutex_unlock(&p->tl_lock);
	cc__pf_report_free(p->snap);
	p->snap = NULL;
	p->final = cc__pf_build_report(p, false, now, now_ns);
	p->state = ST_STOPPED;
	g_running = NULL;
	pthread_mutex_unlock(&cc__pf_ctl);
	return 0;
}

const cc_profiler_report_t *cc_profiler_snapshot(cc_profiler_t *p)
{
	if (p == NULL) {
		errno = EINVAL;
		return NULL;
	}
	pthread_mutex_lock(&cc__pf_ctl);
	const cc_profiler_report_t *out = NULL;
	if (p->state == ST_RUNNING) {
		cc_profiler_report_t *r = cc__pf_build_report(p, true, cc__pf_ticks(), cc__pf_mono_ns());
		if (r == NULL) {
			errno = ENOMEM;
		} else {
			cc__pf_report_free(p->snap);
			p->snap = r;
			out = r;
		}
	} else if (p->state == ST_STOPPED && p->final != NULL) {
		out = p->final;
	} else {
		errno = p->state == ST_STOPPED ? ENOMEM : ENODATA;
	}
	pthread_mutex_unlock(&cc__pf_ctl);
	return out;
}

const cc_profiler_report_t *cc_profiler_report(cc_profiler_t *p)
{
	if (p == NULL) {
		errno = EINVAL;
		return NULL;
	}
	pthread_mutex_lock(&cc__pf_ctl);
	const cc_profiler_report_t *out = NULL;
	if (p->state == ST_RUNNING)
		errno = EBUSY;
	else if (p->state == ST_IDLE)
		errno = ENODATA;
	else if (p->final == NULL)
		errno = ENOMEM; /* the report could not be built at stop */
	else
		out = p->final;
	pthread_mutex_unlock(&cc__pf_ctl);
	return out;
}

int cc_profiler_reset(cc_profiler_t *p)
{
	if (p == NULL) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&cc__pf_ctl);
	if (p->state == ST_RUNNING) {
		/* a new generation: records clear themselves on their next event,
		 * index entries of the old one are dead. */
		cc_atomic_store_release_u64(&cc__pf_gen, 0);
		cc__pf_index_reset();
		cc__pf_report_free(p->snap);
		p->snap = NULL;
		(void)begin_run(p); /* cannot fail: a sampling run has its filter already */
		publish_run(p);
	} else {
		clear_reports(p);
		p->state = ST_IDLE;
	}
	pthread_mutex_unlock(&cc__pf_ctl);
	return 0;
}

int cc_profiler_set_frame_source(cc_profiler_t *p, const cc_profiler_frame_source_t *src)
{
	if (p == NULL || (src != NULL && (src->capture == NULL) != (src->describe == NULL))) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&cc__pf_ctl);
	int rc = 0;
	if (p->state == ST_RUNNING) {
		errno = EBUSY;
		rc = -1;
	} else if (src != NULL) {
		p->frames = *src;
	} else {
		memset(&p->frames, 0, sizeof p->frames);
	}
	pthread_mutex_unlock(&cc__pf_ctl);
	return rc;
}

void cc_profiler_destroy(cc_profiler_t *p)
{
	if (p == NULL)
		return;
	if (p->state == ST_RUNNING)
		cc_profiler_stop(p);
	clear_reports(p);
	pthread_cond_destroy(&p->tl_cond);
	pthread_mutex_destroy(&p->tl_lock);
	free(p->tl);
	free(p);
}

/* The report an export uses: the final one, or a fresh snapshot while running. */
static const cc_profiler_report_t *export_source(cc_profiler_t *p)
{
	if (p == NULL) {
		errno = EINVAL;
		return NULL;
	}
	return cc_profiler_snapshot(p);
}

int cc_profiler_to_json(cc_profiler_t *p, const char *path)
{
	const cc_profiler_report_t *r = export_source(p);
	return r ? cc_profiler_report_to_json(r, path) : -1;
}

int cc_profiler_to_csv(cc_profiler_t *p, const char *path)
{
	const cc_profiler_report_t *r = export_source(p);
	return r ? cc_profiler_report_to_csv(r, path) : -1;
}

int cc_profiler_to_html(cc_profiler_t *p, const char *path)
{
	const cc_profiler_report_t *r = export_source(p);
	return r ? cc_profiler_report_to_html(r, path) : -1;
}

char *cc_profiler_to_prometheus(cc_profiler_t *p)
{
	const cc_profiler_report_t *r = export_source(p);
	return r ? cc_profiler_report_to_prometheus(r) : NULL;
}


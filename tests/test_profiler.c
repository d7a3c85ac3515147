/* Check suite of the memory profiler (include/ccmem/profiler.h, alloc/profiler*.c). */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ccmem.h>

#include "support.h"

static cc_profiler_t *make(double rate, bool per_thread, bool leaks, bool stacks)
{
	cc_profiler_options_t o;
	cc_profiler_options_init(&o);
	o.sample_rate = rate;
	o.track_per_thread = per_thread;
	o.detect_leaks = leaks;
	o.capture_stacks = stacks;
	o.latency_sample_rate = 1.0; /* every sampled event timed (the default times a share) */
	cc_profiler_t *p = cc_profiler_create(&o);
	ck_assert_msg(p != NULL, "create: %s", strerror(errno));
	return p;
}

static const cc_profiler_report_t *stop_report(cc_profiler_t *p)
{
	ck_assert_int_eq(cc_profiler_stop(p), 0);
	const cc_profiler_report_t *r = cc_profiler_report(p);
	ck_assert_msg(r != NULL, "report: %s", strerror(errno));
	return r;
}

static const cc_profiler_size_bucket_t *bucket(const cc_profiler_report_t *r, const char *label)
{
	for (size_t i = 0; i < r->size_histogram.bucket_count; i++)
		if (strcmp(r->size_histogram.buckets[i].label, label) == 0)
			return &r->size_histogram.buckets[i];
	return NULL;
}

/* ---- bad input ------------------------------------------------------------------- */

START_TEST(defaults_are_the_seeds)
{
	cc_profiler_options_t o;
	cc_profiler_options_init(&o);
	ck_assert(o.track_sizes && o.track_latency && !o.track_per_thread && o.track_cross_thread);
	ck_assert(!o.detect_leaks && !o.capture_stacks);
	ck_assert(o.sample_rate == 1.0);
	ck_assert_uint_eq(o.latency_buckets, 1000);
	ck_assert(o.latency_sample_rate == 0.125);
}
END_TEST

START_TEST(invalid_options_are_einval)
{
	cc_profiler_options_t o;
	const double bad_rates[] = {0.0, -0.5, 1.0000001, 2.0, NAN, INFINITY, -INFINITY};
	for (size_t i = 0; i < sizeof bad_rates / sizeof bad_rates[0]; i++) {
		cc_profiler_options_init(&o);
		o.sample_rate = bad_rates[i];
		errno = 0;
		ck_assert_ptr_null(cc_profiler_create(&o));
		ck_assert_int_eq(errno, EINVAL);
	}
	const uint32_t bad_buckets[] = {0, 1, CC_PROFILER_MIN_LATENCY_BUCKETS - 1, CC_PROFILER_MAX_LATENCY_BUCKETS + 1};
	for (size_t i = 0; i < sizeof bad_buckets / sizeof bad_buckets[0]; i++) {
		cc_profiler_options_init(&o);
		o.latency_buckets = bad_buckets[i];
		errno = 0;
		ck_assert_ptr_null(cc_profiler_create(&o));
		ck_assert_int_eq(errno, EINVAL);
	}
	const double bad_lat[] = {0.0, -1.0, 1.5, NAN};
	for (size_t i = 0; i < sizeof bad_lat / sizeof bad_lat[0]; i++) {
		cc_profiler_options_init(&o);
		o.latency_sample_rate = bad_lat[i];
		errno = 0;
		ck_assert_ptr_null(cc_profiler_create(&o));
		ck_assert_int_eq(errno, EINVAL);
	}
	cc_profiler_options_init(&o);
	o.timeline_interval_ms = 0;
	errno = 0;
	ck_assert_ptr_null(cc_profiler_create(&o));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(cc_profiler_create(NULL));
	ck_assert_int_eq(errno, EINVAL);
	/* the edges are valid */
	cc_profiler_options_init(&o);
	o.sample_rate = 1e-9;
	o.latency_buckets = CC_PROFILER_MIN_LATENCY_BUCKETS;
	cc_profiler_t *p = cc_profiler_create(&o);
	ck_assert_ptr_nonnull(p);
	cc_profiler_destroy(p);
	o.latency_buckets = CC_PROFILER_MAX_LATENCY_BUCKETS;
	p = cc_profiler_create(&o);
	ck_assert_ptr_nonnull(p);
	cc_profiler_destroy(p);
}
END_TEST

START_TEST(state_errors_leave_allocations_alone)
{
	cc_profiler_t *a = make(1.0, false, false, false);
	cc_profiler_t *b = make(1.0, false, false, false);
	void *before = cc_alloc(40); /* allocated before any run, freed during one */
	ck_assert_ptr_nonnull(before);

	errno = 0;
	ck_assert_ptr_null(cc_profiler_report(a));
	ck_assert_int_eq(errno, ENODATA);
	errno = 0;
	ck_assert_ptr_null(cc_profiler_snapshot(a));
	ck_assert_int_eq(errno, ENODATA);
	errno = 0;
	ck_assert_int_eq(cc_profiler_stop(a), -1);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(cc_profiler_to_json(a, "/tmp/never.json"), -1);
	ck_assert_int_eq(errno, ENODATA);

	ck_assert_int_eq(cc_profiler_start(a), 0);
	errno = 0;
	ck_assert_int_eq(cc_profiler_start(a), -1);
	ck_assert_int_eq(errno, EBUSY);
	errno = 0;
	ck_assert_int_eq(cc_profiler_start(b), -1);
	ck_assert_int_eq(errno, EBUSY);
	errno = 0;
	ck_assert_ptr_null(cc_profiler_report(a));
	ck_assert_int_eq(errno, EBUSY);

	void *q = cc_alloc(100);
	ck_assert_ptr_nonnull(q);
	memset(q, 1, 100);
	cc_free(before, 40);
	cc_free(q, 100);
	errno = 0;
	ck_assert_int_eq(cc_profiler_to_json(a, "/nonexistent-dir/x/report.json"), -1);
	ck_assert_int_eq(errno, ENOENT);
	errno = 0;
	ck_assert_int_eq(cc_profiler_to_csv(a, "/nonexistent-dir/x/report.csv"), -1);
	ck_assert_int_eq(errno, ENOENT);
	errno = 0;
	ck_assert_int_eq(cc_profiler_to_html(a, "/nonexistent-dir/x/report.html"), -1);
	ck_assert_int_eq(errno, ENOENT);
	errno = 0;
	ck_assert_int_eq(cc_profiler_to_json(a, ""), -1);
	ck_assert_int_eq(errno, EINVAL);

	const cc_profiler_report_t *r = stop_report(a);
	ck_assert_uint_eq(r->alloc_count, 1);
	ck_assert_uint_eq(r->free_count, 2); /* the one from before the run counts as a free */
	ck_assert_uint_eq(r->alloc_bytes, 100);
	ck_assert_uint_eq(r->free_bytes, 140);
	ck_assert_uint_eq(r->current_allocated, 0); /* clamped, never negative */
	errno = 0;
	ck_assert_int_eq(cc_profiler_stop(a), -1);
	ck_assert_int_eq(errno, EINVAL);

	/* b may run now; a's report is still there */
	ck_assert_int_eq(cc_profiler_start(b), 0);
	ck_assert_ptr_nonnull(cc_profiler_report(a));
	ck_assert_int_eq(cc_profiler_stop(b), 0);
	cc_profiler_destroy(a);
	cc_profiler_destroy(b);
	cc_profiler_destroy(NULL);
	ck_assert_ptr_null(cc_profiler_report(NULL));
	ck_assert_int_eq(cc_profiler_start(NULL), -1);
	ck_assert_ptr_null(cc_profiler_to_prometheus(NULL));
}
END_TEST

/* ---- counting ---------------------------------------------------------------------- */

/* Every backend: exact counts, bytes and histogram at rate 1; at 0.01 exact
 * allocation counts and estimates that are consistent with each other. */
START_TEST(counts_and_histogram_are_exact)
{
	cc_backend_t backend = (cc_backend_t)(_i / 2);
	double rate = _i % 2 ? 0.01 : 1.0;
	ck_assert_int_eq(cc_config_set_backend(backend), 0);
	cc_profiler_t *p = make(rate, true, false, false);
	ck_assert_int_eq(cc_profiler_start(p), 0);
	enum { N = 3000 };
	static void *blk[N];
	static const size_t sizes[] = {8, 16, 17, 64, 100, 1000};
	uint64_t bytes = 0;
	for (int i = 0; i < N; i++) {
		size_t s = sizes[i % 6];
		switch (i % 3) {
		case 0: blk[i] = cc_alloc(s); break;
		case 1: blk[i] = cc_alloc_node(s); break;
		default: blk[i] = cc_calloc(1, s); break;
		}
		ck_assert_ptr_nonnull(blk[i]);
		bytes += s;
	}
	for (int i = 0; i < N; i++) {
		if (i % 4 == 0)
			cc_free_unsized(blk[i]);
		else
			cc_free(blk[i], sizes[i % 6]);
	}
	const cc_profiler_report_t *r = stop_report(p);
	ck_assert_uint_eq(r->alloc_count, N); /* exact at every rate */
	ck_assert_uint_eq(r->size_histogram.total_count, N);
	if (rate < 1.0) {
		/* estimates from ~30 sampled blocks (P(none) ~ 1e-13), all freed:
		 * every figure is the same scale times a sampled one, so they agree */
		ck_assert_uint_ge(r->sampled_allocs, 1);
		ck_assert_uint_eq(r->sampled_frees, r->sampled_allocs);
		ck_assert_uint_eq(r->free_count, N);
		ck_assert_uint_eq(r->free_bytes, r->alloc_bytes);
		ck_assert_uint_eq(r->current_allocated, 0);
		ck_assert_uint_eq(r->size_histogram.total_bytes, r->alloc_bytes);
		ck_assert_uint_ge(r->alloc_bytes, 8 * (uint64_t)N);    /* every size is at least 8 */
		ck_assert_uint_le(r->alloc_bytes, 1000 * (uint64_t)N); /* and at most 1000 */
		ck_assert_uint_eq(r->thread_count, 1);
		ck_assert_uint_eq(r->thread_stats[0].alloc_count, N);
		ck_assert_uint_eq(r->timeline[r->timeline_len - 1].alloc_count, N);
		cc_profiler_destroy(p);
		return;
	}
	ck_assert_uint_eq(r->free_count, N);
	ck_assert_uint_eq(r->alloc_bytes, bytes);
	ck_assert_uint_eq(r->size_histogram.total_bytes, bytes);
	ck_assert_uint_eq(r->size_histogram.bucket_count, 6);
	ck_assert_uint_eq(bucket(r, "1-8")->count, N / 6);
	ck_assert_uint_eq(bucket(r, "9-16")->count, N / 6);
	ck_assert_uint_eq(bucket(r, "17-32")->count, N / 6);
	ck_assert_uint_eq(bucket(r, "33-64")->count, N / 6);
	ck_assert_uint_eq(bucket(r, "65-128")->count, N / 6);
	ck_assert_ptr_null(bucket(r, "129-256"));
	ck_assert_uint_eq(bucket(r, "513-1024")->count, N / 6);
	ck_assert_uint_eq(bucket(r, "513-1024")->bytes, (uint64_t)1000 * (N / 6));
	cc_profiler_size_bucket_t hot[3];
	ck_assert_uint_eq(cc_profiler_hot_sizes(&r->size_histogram, 3, hot), 3);
	ck_assert_str_eq(hot[0].label, "1-8"); /* equal counts: smaller sizes first */
	/* every block sampled: unsized frees know their size, all balances */
	ck_assert_uint_eq(r->free_bytes, bytes);
	ck_assert_uint_eq(r->unsized_free_count, 0);
	ck_assert_uint_eq(r->current_allocated, 0);
	ck_assert_uint_eq(r->sampled_allocs, N);
	ck_assert_uint_eq(r->sampled_frees, N);
	ck_assert_uint_eq(r->alloc_latency_samples, N);
	ck_assert_uint_eq(r->free_latency_samples, N);
	ck_assert_uint_eq(r->cross_thread_free_count, 0);
	ck_assert(r->fragmentation.internal_fragmentation > 0.0); /* 17, 100, nodes: padding */
	ck_assert(r->fragmentation.internal_fragmentation < 1.0);
	ck_assert_uint_eq(r->thread_count, 1);
	ck_assert_ptr_nonnull(r->thread_stats);
	ck_assert_uint_eq(r->thread_stats[0].alloc_count, N);
	ck_assert_uint_eq(r->thread_stats[0].thread_id, (uint64_t)gettid());
	ck_assert_ptr_null(r->leaked_allocations); /* detect_leaks off: "None" */
	ck_assert_uint_ge(r->peak_allocated, 1);
	ck_assert(r->peak_time >= 0 && r->peak_time <= r->duration_seconds + 1e-6);
	ck_assert(r->alloc_rate > 0 && r->duration_seconds > 0);
	ck_assert_uint_ge(r->timeline_len, 1);
	ck_assert_uint_eq(r->timeline[r->timeline_len - 1].alloc_count, N);
	ck_assert_uint_ge(r->recommendation_count, 1);
	cc_profiler_destroy(p);
}
END_TEST

/* Each allocation is sampled with probability p: the count is binomial(N, p). */
START_TEST(sampling_honours_the_rate)
{
	cc_profiler_t *p = make(0.05, false, false, false);
	ck_assert_int_eq(cc_profiler_start(p), 0);
	const int n = 200000;
	for (int i = 0; i < n; i++)
		cc_free(cc_alloc(32), 32);
	const cc_profiler_report_t *r = stop_report(p);
	double mean = n * 0.05, sd = sqrt(n * 0.05 * 0.95);
	ck_assert_uint_eq(r->alloc_count, (uint64_t)n);
	ck_assert_msg(fabs((double)r->sampled_allocs - mean) < 6 * sd, "sampled %llu, expected %.0f +- %.0f",
	              (unsigned long long)r->sampled_allocs, mean, sd);
	ck_assert_uint_eq(r->sampled_frees, r->sampled_allocs); /* a sampled block's free is the sampled free */
	ck_assert_uint_eq(r->alloc_latency_samples, r->sampled_allocs);
	ck_assert_uint_eq(r->current_allocated, 0);
	cc_profiler_destroy(p);
}
END_TEST

/* Gaps longer than the inline countdown's 2^24 - 1 (p = 1e-9: about 1e9)
 * run in stretches; alloc_count stays exact, for a thread that exits (its
 * rest of the gap added at exit) and for the one that stops the run. */
enum { LG = (1 << 24) + (1 << 21) };

static void *long_gap_thread(void *arg)
{
	(void)arg;
	for (int i = 0; i < LG; i++)
		cc_free(cc_alloc(16), 16);
	return NULL;
}

START_TEST(long_gaps_are_counted_exactly)
{
	cc_profiler_t *p = make(1e-9, false, false, false);
	ck_assert_int_eq(cc_profiler_start(p), 0);
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, long_gap_thread, NULL), 0);
	for (int i = 0; i < LG; i++)
		cc_free(cc_alloc(16), 16);
	pthread_join(t, NULL);
	const cc_profiler_report_t *r = stop_report(p);
	ck_assert_uint_eq(r->alloc_count, 2 * (uint64_t)LG);
	ck_assert_uint_eq(r->sampled_frees, r->sampled_allocs);
	cc_profiler_destroy(p);
}
END_TEST

/* At p < 1 the figures other than alloc_count are estimates: each within six
 * of its standard errors (the bounds computed from the true sizes), with the
 * frees on another thread (through the inline path and its address compare). */
enum { EN = 200000 };
static void *g_est[EN];

static size_t est_size(int i)
{
	return (size_t)((unsigned)i * 37u % 512u) + 1;
}

static void *free_odd(void *arg)
{
	(void)arg;
	for (int i = 1; i < EN; i += 2)
		cc_free(g_est[i], est_size(i));
	return NULL;
}

START_TEST(estimates_are_within_their_error)
{
	const double rate = 0.02;
	cc_profiler_t *p = make(rate, false, false, false);
	ck_assert_int_eq(cc_profiler_start(p), 0);
	double sum = 0, sum2 = 0, live = 0, live2 = 0, big = 0;
	for (int i = 0; i < EN; i++) {
		double s = (double)est_size(i);
		g_est[i] = cc_alloc(est_size(i));
		ck_assert_ptr_nonnull(g_est[i]);
		sum += s;
		sum2 += s * s;
		if (i % 2 == 0) {
			live += s;
			live2 += s * s;
		}
		if (s > 256)
			big++;
	}
	pthread_t t;
	pthread_create(&t, NULL, free_odd, NULL);
	pthread_join(t, NULL);
	const cc_profiler_report_t *r = stop_report(p);
	for (int i = 0; i < EN; i += 2)
		cc_free(g_est[i], est_size(i));

	double n = EN, ns = (double)r->sampled_allocs;
	ck_assert_uint_eq(r->alloc_count, EN);
	ck_assert_msg(fabs(ns - n * rate) < 6 * sqrt(n * rate * (1 - rate)), "sampled %.0f", ns);
	/* ratio estimators: N * (mean of y over the sample); sd = N * sd(y) / sqrt(ns) */
	double mean = sum / n, sd = sqrt(sum2 / n - mean * mean);
	ck_assert_msg(fabs((double)r->alloc_bytes - sum) < 6 * n * sd / sqrt(ns) + 1, "alloc_bytes %llu, true %.0f",
	              (unsigned long long)r->alloc_bytes, sum);
	ck_assert_uint_eq(r->size_histogram.total_count, EN);
	ck_assert_uint_eq(r->size_histogram.total_bytes, r->alloc_bytes);
	const cc_profiler_size_bucket_t *b = bucket(r, "257-512");
	ck_assert_ptr_nonnull(b);
	double f = big / n;
	ck_assert_msg(fabs((double)b->count - big) < 6 * n * sqrt(f * (1 - f) / ns) + 1, "257-512: %llu, true %.0f",
	              (unsigned long long)b->count, big);
	/* half the blocks freed, all on the other thread */
	ck_assert_msg(fabs((double)r->free_count - n / 2) < 6 * n * 0.5 / sqrt(ns) + 1, "free_count %llu",
	              (unsigned long long)r->free_count);
	ck_assert_uint_eq(r->cross_thread_free_count, r->free_count);
	double lmean = live / n, lsd = sqrt(live2 / n - lmean * lmean);
	ck_assert_msg(fabs((double)r->current_allocated - live) < 6 * n * lsd / sqrt(ns) + 1,
	              "current %llu, true %.0f", (unsigned long long)r->current_allocated, live);
	ck_assert_uint_eq(r->alloc_latency_samples, r->sampled_allocs); /* rate below latency_sample_rate */
	cc_profiler_destroy(p);
}
END_TEST

/* By default at p = 1 a share latency_sample_rate of the events is timed. */
START_TEST(latency_is_timed_on_a_share)
{
	cc_profiler_options_t o;
	cc_profiler_options_init(&o);
	cc_profiler_t *p = cc_profiler_create(&o);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(cc_profiler_start(p), 0);
	const int n = 100000;
	for (int i = 0; i < n; i++)
		cc_free(cc_alloc(64), 64);
	const cc_profiler_report_t *r = stop_report(p);
	double q = o.latency_sample_rate, mean = n * q, sd = sqrt(n * q * (1 - q));
	ck_assert_uint_eq(r->alloc_count, n);
	ck_assert_uint_eq(r->sampled_allocs, n);
	ck_assert_msg(fabs((double)r->alloc_latency_samples - mean) < 6 * sd, "timed %llu",
	              (unsigned long long)r->alloc_latency_samples);
	ck_assert_msg(fabs((double)r->free_latency_samples - mean) < 6 * sd, "timed %llu",
	              (unsigned long long)r->free_latency_samples);
	ck_assert(r->alloc_latency_p50 > 0);
	cc_profiler_destroy(p);
}
END_TEST

START_TEST(latency_percentiles_and_error_bound)
{
	cc_profiler_t *p = make(1.0, false, false, false);
	ck_assert_int_eq(cc_profiler_start(p), 0);
	for (int i = 0; i < 20000; i++)
		cc_free(cc_alloc((size_t)(i % 512) + 1), (size_t)(i % 512) + 1);
	const cc_profiler_report_t *r = stop_report(p);
	ck_assert_uint_eq(r->alloc_latency_samples, 20000);
	ck_assert(r->alloc_latency_p50 > 0);
	ck_assert(r->alloc_latency_p50 <= r->alloc_latency_p95);
	ck_assert(r->alloc_latency_p95 <= r->alloc_latency_p99);
	ck_assert(r->alloc_latency_p99 <= r->alloc_latency_p999);
	ck_assert(r->free_latency_p50 <= r->free_latency_p999);
	/* latency_buckets 1000 -> m = 4: error 2^-5 */
	ck_assert(fabs(r->latency_relative_error - 1.0 / 32) < 1e-12);
	ck_assert_uint_le(r->latency_bucket_count, 1000);
	uint64_t sum = 0;
	for (size_t i = 0; i < r->latency_bucket_count; i++) {
		double lo = r->latency_lo[i], hi = r->latency_hi[i];
		ck_assert(hi >= lo);
		if (i > 0)
			ck_assert(lo > r->latency_hi[i - 1]);
		/* midpoint within the bound of every value in the bucket */
		ck_assert_msg((hi - lo) / 2 <= r->latency_relative_error * lo * (1 + 1e-9) || hi == lo,
		              "bucket %zu [%g, %g]", i, lo, hi);
		sum += r->alloc_latency_counts[i];
	}
	ck_assert_uint_eq(sum, 20000);
	cc_profiler_destroy(p);
}
END_TEST

/* ---- threads ----------------------------------------------------------------------- */

enum { XN = 2000 };
static void *g_blocks[XN];

static void *alloc_thread(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "prof-alloc");
	for (int i = 0; i < XN; i++)
		g_blocks[i] = cc_alloc(48);
	return NULL;
}

static void *free_thread(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "prof-free");
	for (int i = 0; i < XN; i++)
		cc_free(g_blocks[i], 48);
	return NULL;
}

START_TEST(cross_thread_frees_per_thread)
{
	cc_profiler_t *p = make(1.0, true, false, false);
	ck_assert_int_eq(cc_profiler_start(p), 0);
	pthread_t a, b;
	pthread_create(&a, NULL, alloc_thread, NULL);
	pthread_join(a, NULL);
	pthread_create(&b, NULL, free_thread, NULL);
	pthread_join(b, NULL);
	/* and some local frees on this thread */
	for (int i = 0; i < 100; i++)
		cc_free(cc_alloc(16), 16);
	const cc_profiler_report_t *r = stop_report(p);
	ck_assert_uint_eq(r->alloc_count, XN + 100);
	ck_assert_uint_eq(r->free_count, XN + 100);
	ck_assert_uint_eq(r->cross_thread_free_count, XN);
	ck_assert(fabs(r->cross_thread_free_pct - 100.0 * XN / (XN + 100)) < 1e-9);
	ck_assert_uint_eq(r->thread_count, 3);
	const cc_profiler_thread_stats_t *ta = NULL, *tb = NULL;
	for (size_t i = 0; i < r->thread_count; i++) {
		if (strcmp(r->thread_stats[i].thread_name, "prof-alloc") == 0)
			ta = &r->thread_stats[i];
		if (strcmp(r->thread_stats[i].thread_name, "prof-free") == 0)
			tb = &r->thread_stats[i];
	}
	ck_assert_ptr_nonnull(ta);
	ck_assert_ptr_nonnull(tb);
	ck_assert_uint_eq(ta->alloc_count, XN);
	ck_assert_uint_eq(ta->free_count, 0);
	ck_assert_uint_eq(ta->cross_thread_frees_sent, XN);
	ck_assert_uint_eq(ta->cross_thread_frees_received, 0);
	ck_assert_uint_eq(tb->free_count, XN);
	ck_assert_uint_eq(tb->free_bytes, (uint64_t)XN * 48);
	ck_assert_uint_eq(tb->cross_thread_frees_received, XN);
	ck_assert_uint_eq(tb->cross_thread_frees_sent, 0);
	ck_assert_uint_lt(ta->index, r->flow_threads);
	ck_assert_uint_lt(tb->index, r->flow_threads);
	ck_assert_uint_eq(r->cross_thread_flow[tb->index * r->flow_threads + ta->index], XN);
	cc_profiler_destroy(p);
}
END_TEST

/* SMR: nodes allocated on A, retired on B, freed on C (and at destroy). */
typedef struct {
	smr_domain_t *d;
	void **nodes;
	int n;
} smr_job_t;

static void *smr_alloc_thread(void *arg)
{
	smr_job_t *j = arg;
	smr_context_t *c = smr_thread_register(j->d);
	ck_assert_ptr_nonnull(c);
	for (int i = 0; i < j->n; i++) {
		j->nodes[i] = smr_alloc(c, 64);
		ck_assert_ptr_nonnull(j->nodes[i]);
	}
	smr_thread_unregister(c);
	return NULL;
}

static void *smr_retire_thread(void *arg)
{
	smr_job_t *j = arg;
	smr_context_t *c = smr_thread_register(j->d);
	for (int i = 0; i < j->n; i++) {
		smr_begin_op(c);
		smr_end_op(c);
		smr_retire(c, j->nodes[i], 64);
	}
	smr_thread_unregister(c);
	return NULL;
}

static void *smr_reclaim_thread(void *arg)
{
	smr_job_t *j = arg;
	smr_context_t *c = smr_thread_register(j->d);
	for (int i = 0; i < 64; i++) {
		smr_begin_op(c);
		smr_end_op(c);
		smr_poll(c);
	}
	smr_thread_unregister(c);
	return NULL;
}

START_TEST(smr_alloc_in_a_free_elsewhere)
{
	smr_scheme_t schemes[] = {SMR_IBR, SMR_DEBRA};
	cc_profiler_t *p = make(1.0, true, true, false);
	ck_assert_int_eq(cc_profiler_start(p), 0);
	const int n = 5000;
	void **nodes = calloc((size_t)n, sizeof *nodes);
	smr_domain_t *d = cct_domain(schemes[_i], 8);
	smr_job_t j = {d, nodes, n};
	pthread_t a, b, c;
	pthread_create(&a, NULL, smr_alloc_thread, &j);
	pthread_join(a, NULL);
	pthread_create(&b, NULL, smr_retire_thread, &j);
	pthread_join(b, NULL);
	pthread_create(&c, NULL, smr_reclaim_thread, &j);
	pthread_join(c, NULL);
	smr_domain_destroy(d);
	free(nodes);
	const cc_profiler_report_t *r = stop_report(p);
	ck_assert_uint_eq(r->alloc_count, r->free_count);
	ck_assert_uint_eq(r->alloc_bytes, r->free_bytes);
	ck_assert_uint_eq(r->current_allocated, 0);
	ck_assert_uint_ge(r->alloc_count, (uint64_t)n);
	ck_assert_uint_ge(r->cross_thread_free_count, (uint64_t)n); /* none freed on A */
	ck_assert_uint_eq(r->leak_count, 0);
	ck_assert_ptr_nonnull(r->leaked_allocations);
	ck_assert_uint_eq(r->leaked_allocations_len, 0);
	cc_profiler_destroy(p);
}
END_TEST

typedef struct {
	int iters;
	uint64_t done;
} churn_t;

static void *churn_thread(void *arg)
{
	churn_t *c = arg;
	void *ring[64] = {0};
	for (int i = 0; i < c->iters; i++) {
		int k = i % 64;
		if (ring[k])
			cc_free(ring[k], (size_t)(k * 8 + 8));
		ring[k] = cc_alloc((size_t)(k * 8 + 8));
	}
	for (int k = 0; k < 64; k++)
		if (ring[k])
			cc_free(ring[k], (size_t)(k * 8 + 8));
	c->done = 1;
	return NULL;
}

/* Snapshots and a reset while threads allocate: consistent, no race. */
START_TEST(snapshot_and_reset_while_running)
{
	cc_profiler_t *p = make(_i ? 0.01 : 1.0, true, true, true);
	ck_assert_int_eq(cc_profiler_start(p), 0);
	churn_t jobs[2] = {{30000, 0}, {30000, 0}};
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, churn_thread, &jobs[i]);
	for (int i = 0; i < 5; i++) {
		const cc_profiler_report_t *s = cc_profiler_snapshot(p);
		ck_assert_ptr_nonnull(s);
		ck_assert(s->running);
		ck_assert_uint_le(s->size_histogram.total_count, s->alloc_count + 2 * 30000);
		if (i == 2)
			ck_assert_int_eq(cc_profiler_reset(p), 0);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	const cc_profiler_report_t *s = cc_profiler_snapshot(p);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_le(s->alloc_count, 60000 + 128);
	const cc_profiler_report_t *r = stop_report(p);
	ck_assert(!r->running);
	ck_assert_ptr_eq(cc_profiler_snapshot(p), r); /* stopped: the snapshot is the final report */
	ck_assert_int_eq(cc_profiler_reset(p), 0);
	errno = 0;
	ck_assert_ptr_null(cc_profiler_report(p));
	ck_assert_int_eq(errno, ENODATA);
	cc_profiler_destroy(p);
}
END_TEST

/* Exact live bytes: every thread allocates a mix (cc_alloc, cc_calloc,
 * cc_alloc_aligned, cc_alloc_node) and frees the blocks of the next thread,
 * half with cc_free and half with cc_free_unsized; once all are freed, the
 * glue's statistics and the profiler's report both show nothing live.
 * Configurations: 0 statistics alone; statistics with a profiler at 1 1.0
 * without cross-thread tracking, 2 1.0 default, 3 0.01; a profiler alone
 * (its inline paths) at 4 1.0, 5 0.01. */
enum { MT = 4, MN = 3000 };
static void *g_mixed[MT][MN];
static uint64_t g_mixed_req[MT], g_mixed_sized[MT], g_mixed_unsized_usable[MT];
static pthread_barrier_t g_mixed_barrier;

static size_t mixed_size(int t, int k)
{
	return (size_t)((unsigned)(k * 131 + t * 17) % 700u) + 1;
}

static void *mixed_thread(void *arg)
{
	int t = (int)(intptr_t)arg;
	for (int k = 0; k < MN; k++) {
		size_t n = mixed_size(t, k);
		switch (k % 4) {
		case 0: g_mixed[t][k] = cc_alloc(n); break;
		case 1: g_mixed[t][k] = cc_calloc(1, n); break;
		case 2: g_mixed[t][k] = cc_alloc_aligned(n, 64); break;
		default: g_mixed[t][k] = cc_alloc_node(n); break;
		}
		ck_assert_ptr_nonnull(g_mixed[t][k]);
		g_mixed_req[t] += n;
	}
	pthread_barrier_wait(&g_mixed_barrier);
	int from = (t + 1) % MT; /* every free crosses threads */
	for (int k = 0; k < MN; k++) {
		size_t n = mixed_size(from, k);
		if (k % 2 == 0) {
			g_mixed_sized[t] += n;
			cc_free(g_mixed[from][k], n);
		} else {
			g_mixed_unsized_usable[t] += cc_alloc_usable_size(g_mixed[from][k]);
			cc_free_unsized(g_mixed[from][k]);
		}
	}
	return NULL;
}

START_TEST(live_bytes_exact_with_unsized_frees)
{
	bool stats = _i <= 3;
	double rate = (_i == 3 || _i == 5) ? 0.01 : 1.0;
	cc_alloc_stats_enable(stats);
	cc_alloc_stats_reset();
	cc_profiler_t *p = NULL;
	if (_i > 0) {
		cc_profiler_options_t o;
		cc_profiler_options_init(&o);
		o.sample_rate = rate;
		o.track_cross_thread = _i != 1;
		p = cc_profiler_create(&o);
		ck_assert_ptr_nonnull(p);
		ck_assert_int_eq(cc_profiler_start(p), 0);
	}
	pthread_barrier_init(&g_mixed_barrier, NULL, MT);
	pthread_t th[MT];
	for (int t = 0; t < MT; t++)
		ck_assert_int_eq(pthread_create(&th[t], NULL, mixed_thread, (void *)(intptr_t)t), 0);
	for (int t = 0; t < MT; t++)
		pthread_join(th[t], NULL);
	pthread_barrier_destroy(&g_mixed_barrier);
	uint64_t req = 0, sized = 0, unsized_usable = 0;
	for (int t = 0; t < MT; t++) {
		req += g_mixed_req[t];
		sized += g_mixed_sized[t];
		unsized_usable += g_mixed_unsized_usable[t];
	}
	if (p != NULL) {
		const cc_profiler_report_t *r = stop_report(p);
		ck_assert_uint_eq(r->alloc_count, MT * MN);
		ck_assert_uint_eq(r->current_allocated, 0);
		ck_assert_uint_eq(r->free_bytes, r->alloc_bytes);
		if (rate == 1.0) {
			ck_assert_uint_eq(r->free_count, MT * MN);
			ck_assert_uint_eq(r->alloc_bytes, req);
			ck_assert_uint_eq(r->unsized_free_count, 0); /* every block of the run is known */
		} else {
			ck_assert_uint_eq(r->sampled_frees, r->sampled_allocs);
		}
		cc_profiler_destroy(p);
	}
	if (stats && CC_ALLOC_STATS) {
		cc_alloc_snapshot_t s = cc_alloc_stats_snapshot();
		ck_assert_uint_eq(s.alloc_count, MT * MN);
		ck_assert_uint_eq(s.free_count, MT * MN);
		ck_assert_uint_eq(s.unsized_free_count, MT * MN / 2);
		ck_assert_uint_eq(s.alloc_bytes, req);
		ck_assert_uint_eq(s.free_bytes, sized + unsized_usable);
		ck_assert_uint_eq(s.current_allocated, 0);
	}
}
END_TEST

/* ---- leaks ----------------------------------------------------------------------------- */

/* Not static: -rdynamic exports it, so the stack names it. */
void *cct_profiler_leaky_function(size_t n);
__attribute__((noinline)) void *cct_profiler_leaky_function(size_t n)
{
	void *q = cc_alloc(n);
	__asm__ volatile("" ::: "memory");
	return q;
}

/* A frame source that names two interpreter frames per capture: "script.py:N
 * in inner" and "script.py:1 in <module>", N counting the captures. */
static const char *const interp_frames[] = {"script.py:10 in inner", "script.py:11 in inner", "script.py:1 in <module>"};
static size_t interp_capture(void *arg, uint64_t *out, size_t max)
{
	int *calls = arg;
	if (max < 2)
		return 0;
	out[0] = (uint64_t)(*calls % 2) + 1; /* tokens 1, 2: inner at two lines */
	out[1] = 3;
	++*calls;
	return 2;
}
static const char *interp_describe(void *arg, uint64_t token)
{
	(void)arg;
	return token >= 1 && token <= 3 ? interp_frames[token - 1] : NULL;
}

START_TEST(frame_source_comes_first)
{
	int calls = 0;
	cc_profiler_frame_source_t fs = {interp_capture, interp_describe, &calls};
	cc_profiler_t *p = make(1.0, false, true, true);
	cc_profiler_frame_source_t half = {interp_capture, NULL, &calls};
	errno = 0;
	ck_assert_int_eq(cc_profiler_set_frame_source(p, &half), -1);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(cc_profiler_set_frame_source(NULL, &fs), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(cc_profiler_set_frame_source(p, &fs), 0);
	ck_assert_int_eq(cc_profiler_start(p), 0);
	errno = 0;
	ck_assert_int_eq(cc_profiler_set_frame_source(p, NULL), -1); /* not while running */
	ck_assert_int_eq(errno, EBUSY);
	void *keep[2];
	for (int i = 0; i < 2; i++)
		keep[i] = cct_profiler_leaky_function(2000 + (size_t)i);
	const cc_profiler_report_t *r = stop_report(p);
	ck_assert_int_eq(calls, 2);
	ck_assert_uint_eq(r->leaked_allocations_len, 2);
	for (int i = 0; i < 2; i++) {
		const cc_profiler_allocation_record_t *a = &r->leaked_allocations[i];
		int k = a->size == 2000 ? 0 : 1;
		ck_assert_uint_ge(a->stack_depth, 3);
		ck_assert_str_eq(a->stack_trace[0], interp_frames[k]);
		ck_assert_str_eq(a->stack_trace[1], "script.py:1 in <module>");
		ck_assert_msg(strstr(a->stack_trace[2], "cct_profiler_leaky_function") != NULL, "frame 2: %s",
		              a->stack_trace[2]);
	}
	/* removed: the next run records native frames only */
	ck_assert_int_eq(cc_profiler_set_frame_source(p, NULL), 0);
	ck_assert_int_eq(cc_profiler_start(p), 0);
	void *more = cct_profiler_leaky_function(3000);
	r = stop_report(p);
	ck_assert_int_eq(calls, 2);
	ck_assert_uint_eq(r->leaked_allocations_len, 1);
	ck_assert_msg(strstr(r->leaked_allocations[0].stack_trace[0], "cct_profiler_leaky_function") != NULL,
	              "frame 0: %s", r->leaked_allocations[0].stack_trace[0]);
	cc_free(more, 3000);
	for (int i = 0; i < 2; i++)
		cc_free(keep[i], 2000 + (size_t)i);
	cc_profiler_destroy(p);
}
END_TEST

START_TEST(leaks_with_stacks)
{
	cc_profiler_t *p = make(1.0, true, true, true);
	ck_assert_int_eq(cc_profiler_start(p), 0);
	void *keep[3];
	for (int i = 0; i < 3; i++)
		keep[i] = cct_profiler_leaky_function(1000 + (size_t)i);
	for (int i = 0; i < 500; i++)
		cc_free(cc_alloc(24), 24);
	const cc_profiler_report_t *r = stop_report(p);
	ck_assert_uint_eq(r->leak_count, 3);
	ck_assert_uint_eq(r->leaked_bytes, 1000 + 1001 + 1002);
	ck_assert(fabs(r->leaked_bytes_estimate - 3003) < 1e-9);
	ck_assert_uint_eq(r->leaked_allocations_len, 3);
	uint64_t tid = (uint64_t)gettid();
	for (int i = 0; i < 3; i++) {
		const cc_profiler_allocation_record_t *a = &r->leaked_allocations[i];
		ck_assert_uint_eq(a->thread_id, tid);
		bool found = false;
		for (int k = 0; k < 3; k++)
			found |= a->ptr == (uint64_t)(uintptr_t)keep[k] && a->size == 1000 + (uint64_t)k;
		ck_assert_msg(found, "leak %d at %llx size %llu not ours", i, (unsigned long long)a->ptr,
		              (unsigned long long)a->size);
		ck_assert(a->timestamp >= 0 && a->timestamp <= r->duration_seconds + 1e-6);
		ck_assert_ptr_nonnull(a->stack_trace);
		ck_assert_uint_ge(a->stack_depth, 2);
		/* the first frame is the caller of cc_alloc, not the glue or the profiler */
		ck_assert_msg(strstr(a->stack_trace[0], "cct_profiler_leaky_function") != NULL, "frame 0: %s",
		              a->stack_trace[0]);
		/* frame 1: the (static, so unnamed) test function, inside this executable */
		ck_assert_msg(strstr(a->stack_trace[1], "test_profiler") != NULL, "frame 1: %s", a->stack_trace[1]);
	}
	ck_assert_uint_ge(r->recommendation_count, 1);
	/* still usable after stop */
	for (int i = 0; i < 3; i++)
		cc_free(keep[i], 1000 + (size_t)i);
	cc_profiler_destroy(p);
}
END_TEST

/* ---- peak, gate, exports ------------------------------------------------------------- */

START_TEST(peak_is_kept_and_gate_reopens)
{
	cc_profiler_t *p = make(1.0, false, false, false);
	bool plain = cc_config_backend() == CC_BACKEND_MIMALLOC && !cc_alloc_stats_enabled();
	ck_assert_int_eq(cc_profiler_start(p), 0);
	/* while it runs, no free takes the plain mode's inline path: at p = 1
	 * every free goes to the hooks (CC__PROF_ALL), in any other mode out of
	 * line (UINT64_MAX) */
	ck_assert_uint_ge(cc_atomic_load_relaxed_u64(&cc__alloc_free_from), CC__PROF_ALL);
	enum { M = 256 };
	static void *b[M];
	for (int i = 0; i < M; i++)
		b[i] = cc_alloc(4096);
	const cc_profiler_report_t *s = cc_profiler_snapshot(p);
	ck_assert_uint_eq(s->current_allocated, (uint64_t)M * 4096);
	for (int i = 0; i < M; i++)
		cc_free(b[i], 4096);
	const cc_profiler_report_t *r = stop_report(p);
	ck_assert_uint_eq(r->peak_allocated, (uint64_t)M * 4096);
	ck_assert_uint_eq(r->current_allocated, 0);
	ck_assert(r->peak_time <= r->duration_seconds + 1e-6);
	/* after stop the glue leaves profiling: allocations are no longer counted */
	cc_free(cc_alloc(64), 64);
	ck_assert_uint_eq(cc_profiler_report(p)->alloc_count, M);
	uint64_t gate = cc_atomic_load_relaxed_u64(&cc__alloc_gate);
	if (plain)
		ck_assert_uint_eq(gate, CC__GATE_OPEN);
	/* outside a run the free bound follows the gate: every free inline, or none */
	ck_assert_uint_eq(cc_atomic_load_relaxed_u64(&cc__alloc_free_from), gate == CC__GATE_OPEN ? 0 : UINT64_MAX);
	cc_profiler_destroy(p);
}
END_TEST

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	static char buf[1 << 20];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

START_TEST(exports_write_files)
{
	cc_profiler_t *p = make(1.0, true, true, true);
	ck_assert_int_eq(cc_profiler_start(p), 0);
	void *leak = cct_profiler_leaky_function(77);
	for (int i = 0; i < 1000; i++)
		cc_free(cc_alloc(200), 200);
	char dir[] = "/tmp/cct-prof-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[256];
	/* while running: a snapshot is exported */
	snprintf(path, sizeof path, "%s/live.json", dir);
	ck_assert_int_eq(cc_profiler_to_json(p, path), 0);
	ck_assert_ptr_nonnull(strstr(slurp(path), "\"running\":true"));
	ck_assert_int_eq(cc_profiler_stop(p), 0);
	snprintf(path, sizeof path, "%s/r.json", dir);
	ck_assert_int_eq(cc_profiler_to_json(p, path), 0);
	char *j = slurp(path);
	ck_assert_ptr_nonnull(strstr(j, "\"alloc_count\":1001"));
	ck_assert_ptr_nonnull(strstr(j, "\"leaked_bytes\":77"));
	ck_assert_ptr_nonnull(strstr(j, "\"129-256\":1000"));
	ck_assert_ptr_nonnull(strstr(j, "cct_profiler_leaky_function"));
	snprintf(path, sizeof path, "%s/r.csv", dir);
	ck_assert_int_eq(cc_profiler_to_csv(p, path), 0);
	char *c = slurp(path);
	ck_assert(strncmp(c, "section,name,key,value\r\n", 24) == 0);
	ck_assert_ptr_nonnull(strstr(c, "summary,alloc_count,,1001\r\n"));
	snprintf(path, sizeof path, "%s/r.html", dir);
	ck_assert_int_eq(cc_profiler_to_html(p, path), 0);
	char *h = slurp(path);
	ck_assert_ptr_nonnull(strstr(h, "<!DOCTYPE html>"));
	ck_assert_ptr_null(strstr(h, "http://cdn")); /* self-contained */
	ck_assert_ptr_null(strstr(h, "<script src"));
	char *prom = cc_profiler_to_prometheus(p);
	ck_assert_ptr_nonnull(prom);
	ck_assert_ptr_nonnull(strstr(prom, "\ncc_memory_alloc_total 1001\n"));
	ck_assert_ptr_nonnull(strstr(prom, "cc_memory_alloc_latency_bucket{le=\"+Inf\"} 1001\n"));
	ck_assert_ptr_nonnull(strstr(prom, "# TYPE cc_memory_fragmentation_internal gauge\n"));
	free(prom);
	/* no temporary file is left behind */
	char cmd[320];
	snprintf(cmd, sizeof cmd, "ls %s | grep -c tmp", dir);
	FILE *ls = popen(cmd, "r");
	char out[16] = {0};
	ck_assert_ptr_nonnull(fgets(out, sizeof out, ls));
	pclose(ls);
	ck_assert_str_eq(out, "0\n");
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	cc_free(leak, 77);
	cc_profiler_destroy(p);
}
END_TEST

START_TEST(destroy_while_running_stops)
{
	cc_profiler_t *p = make(0.5, false, true, true);
	ck_assert_int_eq(cc_profiler_start(p), 0);
	void *q = cc_alloc(10);
	cc_profiler_destroy(p);
	cc_free(q, 10);
	/* another profiler can start now */
	p = make(1.0, false, false, false);
	ck_assert_int_eq(cc_profiler_start(p), 0);
	cc_free(cc_alloc(10), 10);
	const cc_profiler_report_t *r = stop_report(p);
	ck_assert_uint_eq(r->alloc_count, 1);
	cc_profiler_destroy(p);
}
END_TEST

static Suite *profiler_suite(void)
{
	Suite *s = suite_create("profiler");
	TCase *bad = tcase_create("bad_input");
	tcase_add_test(bad, defaults_are_the_seeds);
	tcase_add_test(bad, invalid_options_are_einval);
	tcase_add_test(bad, state_errors_leave_allocations_alone);
	suite_add_tcase(s, bad);

	TCase *cnt = tcase_create("counting");
	tcase_add_loop_test(cnt, counts_and_histogram_are_exact, 0, CC_BACKEND_COUNT * 2);
	tcase_add_test(cnt, sampling_honours_the_rate);
	tcase_add_test(cnt, long_gaps_are_counted_exactly);
	tcase_add_test(cnt, estimates_are_within_their_error);
	tcase_add_test(cnt, latency_is_timed_on_a_share);
	tcase_add_test(cnt, latency_percentiles_and_error_bound);
	tcase_add_test(cnt, peak_is_kept_and_gate_reopens);
	suite_add_tcase(s, cnt);

	TCase *thr = tcase_create("threads");
	tcase_add_test(thr, cross_thread_frees_per_thread);
	tcase_add_loop_test(thr, smr_alloc_in_a_free_elsewhere, 0, 2);
	tcase_add_loop_test(thr, snapshot_and_reset_while_running, 0, 2);
	tcase_add_test(thr, destroy_while_running_stops);
	tcase_add_loop_test(thr, live_bytes_exact_with_unsized_frees, 0, 6);
	suite_add_tcase(s, thr);

	TCase *lk = tcase_create("leaks_exports");
	tcase_add_test(lk, leaks_with_stacks);
	tcase_add_test(lk, frame_source_comes_first);
	tcase_add_test(lk, exports_write_files);
	suite_add_tcase(s, lk);
	return s;
}

int main(int argc, char **argv)
{
	return cct_main(argc, argv, profiler_suite, NULL);
}

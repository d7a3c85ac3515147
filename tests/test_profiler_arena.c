/*
 * Check suite of where the profiler keeps its sampled blocks (the arena of
 * alloc/profiler/arena.h, or the address index): a sampled block is an
 * ordinary block for every glue call (aligned, zeroed, usable size, sized and
 * unsized frees), on any thread, after its run and under a later run, when
 * its thread has exited, and when the arena is full or switched off.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccmem.h>

#include "support.h"

/* Whether this process keeps sampled blocks in the arena: not in sanitizer
 * builds (the sanitizer's allocator serves the blocks), not with
 * CCMEM_PROFILER_ARENA_MB=0 (ctest's test_profiler_arena_indexed). */
static bool arena_expected(void)
{
	const char *v = getenv("CCMEM_PROFILER_ARENA_MB");
	return !CCT_SANITIZED && !(v != NULL && strcmp(v, "0") == 0);
}

static cc_profiler_t *start(double rate, bool leaks)
{
	cc_profiler_options_t o;
	cc_profiler_options_init(&o);
	o.sample_rate = rate;
	o.detect_leaks = leaks;
	o.track_per_thread = true;
	o.latency_sample_rate = 1.0;
	cc_profiler_t *p = cc_profiler_create(&o);
	ck_assert_msg(p != NULL, "create: %s", strerror(errno));
	ck_assert_int_eq(cc_profiler_start(p), 0);
	return p;
}

static const cc_profiler_report_t *stop_report(cc_profiler_t *p)
{
	ck_assert_int_eq(cc_profiler_stop(p), 0);
	const cc_profiler_report_t *r = cc_profiler_report(p);
	ck_assert_msg(r != NULL, "report: %s", strerror(errno));
	return r;
}

/* Every figure of a p = 1 run whose blocks were all freed within it. */
static void assert_balanced(const cc_profiler_report_t *r, uint64_t n, uint64_t bytes)
{
	ck_assert_uint_eq(r->alloc_count, n);
	ck_assert_uint_eq(r->sampled_allocs, n);
	ck_assert_uint_eq(r->sampled_frees, n);
	ck_assert_uint_eq(r->free_count, n);
	ck_assert_uint_eq(r->alloc_bytes, bytes);
	ck_assert_uint_eq(r->free_bytes, bytes);
	ck_assert_uint_eq(r->current_allocated, 0);
	ck_assert_uint_eq(r->unsized_free_count, 0);
	ck_assert_uint_eq(r->untracked_samples, 0);
	ck_assert_uint_eq(r->leak_count, 0);
}

/* ---- one thread: every kind of block --------------------------------------------- */

enum { K_ALLOC, K_CALLOC, K_ALIGNED, K_NODE, K_KINDS };
static const size_t g_sizes[] = {1, 7, 8, 9, 24, 64, 100, 1000, 4096, 5000, 100000, (size_t)3 << 20};
static const size_t g_aligns[] = {16, 64, 256, 512, 4096, (size_t)1 << 20};
#define NS (sizeof g_sizes / sizeof g_sizes[0])
#define NA (sizeof g_aligns / sizeof g_aligns[0])

/* _i: kind; sample rate 1 (every block sampled). */
START_TEST(sampled_blocks_are_ordinary_blocks)
{
	cc_profiler_t *p = start(1.0, true);
	void *b[NS * NA];
	size_t sz[NS * NA], n = 0;
	uint64_t bytes = 0;
	for (size_t i = 0; i < NS; i++) {
		for (size_t a = 0; a < (_i == K_ALIGNED ? NA : 1); a++) {
			size_t s = g_sizes[i];
			void *q = _i == K_ALLOC ? cc_alloc(s)
			          : _i == K_CALLOC ? cc_calloc(1, s)
			          : _i == K_ALIGNED ? cc_alloc_aligned(s, g_aligns[a])
			                            : cc_alloc_node(s);
			ck_assert_ptr_nonnull(q);
			if (_i == K_ALIGNED)
				ck_assert_uint_eq((uintptr_t)q % g_aligns[a], 0);
			if (_i == K_NODE)
				ck_assert_uint_eq((uintptr_t)q % CC_CACHE_LINE_SIZE, 0);
			if (_i == K_CALLOC)
				for (size_t j = 0; j < s; j++)
					ck_assert_int_eq(((unsigned char *)q)[j], 0);
			size_t u = cc_alloc_usable_size(q);
			ck_assert_uint_ge(u, s);
			memset(q, 0xA5, u); /* all of it is the caller's (ASan checks) */
			b[n] = q;
			sz[n] = s;
			bytes += s;
			n++;
		}
	}
	const cc_profiler_report_t *snap = cc_profiler_snapshot(p);
	ck_assert_ptr_nonnull(snap);
	ck_assert_uint_eq(snap->current_allocated, bytes);
	ck_assert_uint_eq(snap->indexed_samples, arena_expected() ? 0 : n);
	/* half sized, half unsized: the run knows every block's size */
	for (size_t i = 0; i < n; i++) {
		if (i % 2)
			cc_free_unsized(b[i]);
		else
			cc_free(b[i], sz[i]);
	}
	const cc_profiler_report_t *r = stop_report(p);
	assert_balanced(r, n, bytes);
	ck_assert_uint_eq(r->indexed_samples, arena_expected() ? 0 : n);
	cc_profiler_destroy(p);
	cct_assert_glue_balanced();
}
END_TEST

/* ---- another thread frees ------------------------------------------------------------- */

#define XN 20000
static void *g_xblocks[XN];

static void *xfree_thread(void *arg)
{
	(void)arg;
	for (int i = 0; i < XN; i++) {
		if (i % 3 == 0)
			cc_free_unsized(g_xblocks[i]);
		else
			cc_free(g_xblocks[i], 16 + (size_t)(i % 200));
	}
	return NULL;
}

static void *xalloc_thread(void *arg)
{
	(void)arg;
	for (int i = 0; i < XN; i++)
		g_xblocks[i] = cc_alloc(16 + (size_t)(i % 200));
	return NULL;
}

/* _i 0: p = 1, 1: p = 0.05; the allocating thread has exited before the
 * frees (its heap in the arena is gone: mimalloc abandoned its pages). */
START_TEST(sampled_blocks_freed_by_another_thread)
{
	double rate = _i == 0 ? 1.0 : 0.05;
	cc_profiler_t *p = start(rate, true);
	pthread_t a, f;
	uint64_t bytes = 0;
	for (int i = 0; i < XN; i++)
		bytes += 16 + (uint64_t)(i % 200);
	ck_assert_int_eq(pthread_create(&a, NULL, xalloc_thread, NULL), 0);
	pthread_join(a, NULL);
	ck_assert_int_eq(pthread_create(&f, NULL, xfree_thread, NULL), 0);
	pthread_join(f, NULL);
	const cc_profiler_report_t *r = stop_report(p);
	if (rate == 1.0) {
		assert_balanced(r, XN, bytes);
		ck_assert_uint_eq(r->cross_thread_free_count, XN);
	} else {
		ck_assert_uint_eq(r->alloc_count, XN);
		ck_assert_uint_gt(r->sampled_allocs, 0);
		ck_assert_uint_eq(r->sampled_frees, r->sampled_allocs);
		ck_assert_uint_eq(r->current_allocated, 0);
		ck_assert_uint_eq(r->leak_count, 0);
		ck_assert_uint_eq(r->cross_thread_free_count, r->free_count);
	}
	ck_assert_uint_eq(r->indexed_samples, arena_expected() ? 0 : r->sampled_allocs);
	cc_profiler_destroy(p);
	cct_assert_glue_balanced();
}
END_TEST

/* ---- after the run, and under a later run --------------------------------------------- */

#define LN 4000

/* _i 0: both runs at p = 1; 1: the first at p = 0.25, the second at p = 1;
 * 2: the first at p = 1, the second at p = 0.25. */
START_TEST(sampled_blocks_outlive_their_run)
{
	double r1 = _i == 1 ? 0.25 : 1.0, r2 = _i == 2 ? 0.25 : 1.0;
	static void *b[LN];
	cc_profiler_t *p = start(r1, true);
	for (int i = 0; i < LN; i++)
		b[i] = cc_alloc(32 + (size_t)(i % 100));
	const cc_profiler_report_t *r = stop_report(p);
	ck_assert_uint_eq(r->alloc_count, LN);
	ck_assert_uint_eq(r->leak_count, r->sampled_allocs); /* every sampled block is still live */
	uint64_t sampled1 = r->sampled_allocs;
	cc_profiler_destroy(p);
	if (r1 == 1.0)
		ck_assert_uint_eq(sampled1, LN);

	/* after the run: the glue's plain path frees them (mi_free) */
	for (int i = 0; i < LN / 2; i++)
		cc_free(b[i], 32 + (size_t)(i % 100));

	/* a later run: the rest are blocks it does not know; its own blocks
	 * reuse the memory of the first half */
	p = start(r2, true);
	uint64_t unsized = 0, sized_bytes = 0;
	for (int i = LN / 2; i < LN; i++) {
		if (i % 2) {
			cc_free_unsized(b[i]);
			unsized++;
		} else {
			cc_free(b[i], 32 + (size_t)(i % 100));
			sized_bytes += 32 + (uint64_t)(i % 100);
		}
	}
	uint64_t bytes = 0;
	for (int i = 0; i < LN; i++) {
		b[i] = cc_alloc(32 + (size_t)(i % 100));
		bytes += 32 + (uint64_t)(i % 100);
	}
	for (int i = 0; i < LN; i++)
		cc_free(b[i], 32 + (size_t)(i % 100));
	r = stop_report(p);
	ck_assert_uint_eq(r->alloc_count, LN);
	ck_assert_uint_eq(r->sampled_frees, r->sampled_allocs);
	ck_assert_uint_eq(r->leak_count, 0);
	ck_assert_uint_eq(r->untracked_samples, 0);
	if (r2 == 1.0) {
		/* p = 1 counts every free; the first run's blocks with the size
		 * passed, or as unsized frees (bytes unknown) */
		ck_assert_uint_eq(r->sampled_allocs, LN);
		ck_assert_uint_eq(r->free_count, LN + LN / 2);
		ck_assert_uint_eq(r->unsized_free_count, unsized);
		ck_assert_uint_eq(r->alloc_bytes, bytes);
		ck_assert_uint_eq(r->free_bytes, bytes + sized_bytes);
		ck_assert_uint_eq(r->current_allocated, 0);
	} else {
		ck_assert_uint_eq(r->unsized_free_count, 0); /* frees of other blocks are not counted */
		ck_assert_uint_eq(r->current_allocated, 0);
	}
	cc_profiler_destroy(p);
	cct_assert_glue_balanced();
}
END_TEST

/* ---- a thread's last allocations, during its exit --------------------------------------- */

static pthread_key_t g_exit_key;
static void *g_exit_block;
static int g_exit_ok;

/* A pthread-key destructor: runs after the thread's own heap in the arena
 * has been given up (alloc/profiler/arena.c), and may run after mimalloc's
 * own thread-exit destructor. */
static void exit_destructor(void *arg)
{
	(void)arg;
	void *q = cc_alloc(48);
	if (q == NULL)
		return;
	memset(q, 1, 48);
	cc_free(q, 48);
	g_exit_block = cc_alloc(80); /* freed by the main thread */
	g_exit_ok = g_exit_block != NULL;
}

static void *exiting_thread(void *arg)
{
	(void)arg;
	pthread_setspecific(g_exit_key, (void *)1);
	void *q = cc_alloc(64); /* creates the thread's heap in the arena */
	cc_free(q, 64);
	return NULL;
}

START_TEST(allocations_during_thread_exit)
{
	ck_assert_int_eq(pthread_key_create(&g_exit_key, exit_destructor), 0);
	cc_profiler_t *p = start(1.0, true);
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, exiting_thread, NULL), 0);
	pthread_join(t, NULL);
	ck_assert_int_eq(g_exit_ok, 1);
	cc_free(g_exit_block, 80);
	const cc_profiler_report_t *r = stop_report(p);
	assert_balanced(r, 3, 64 + 48 + 80);
	/* the destructor's blocks cannot come from the arena any more */
	ck_assert_uint_eq(r->indexed_samples, arena_expected() ? 2 : 3);
	cc_profiler_destroy(p);
	pthread_key_delete(g_exit_key);
	cct_assert_glue_balanced();
}
END_TEST

/* ---- the mode changes while a sampling run goes on --------------------------------------- */

#define MN 30000

/* _i 0: statistics switched on and off; 1: the system backend for a while
 * (sampled blocks then go to the index, and every later free of the run
 * leaves the inline path). */
START_TEST(mode_changes_during_a_sampling_run)
{
	static void *b[MN];
	cc_profiler_t *p = start(0.05, true);
	for (int i = 0; i < MN; i++) {
		if (i == MN / 3)
			ck_assert_int_eq(_i == 0 ? (cc_alloc_stats_enable(true), 0) : cc_config_set_backend(CC_BACKEND_SYSTEM), 0);
		if (i == 2 * MN / 3)
			ck_assert_int_eq(_i == 0 ? (cc_alloc_stats_enable(false), 0) : cc_config_set_backend(CC_BACKEND_MIMALLOC), 0);
		b[i] = cc_alloc(24 + (size_t)(i % 300));
	}
	for (int i = 0; i < MN; i++) {
		if (i % 2)
			cc_free_unsized(b[i]);
		else
			cc_free(b[i], 24 + (size_t)(i % 300));
	}
	const cc_profiler_report_t *r = stop_report(p);
	ck_assert_uint_eq(r->alloc_count, MN);
	ck_assert_uint_gt(r->sampled_allocs, 0);
	ck_assert_uint_eq(r->sampled_frees, r->sampled_allocs);
	ck_assert_uint_eq(r->current_allocated, 0);
	ck_assert_uint_eq(r->leak_count, 0);
	ck_assert_uint_eq(r->untracked_samples, 0);
	if (_i == 1)
		ck_assert_uint_gt(r->indexed_samples, 0); /* the system backend's blocks */
	else
		ck_assert_uint_eq(r->indexed_samples, arena_expected() ? 0 : r->sampled_allocs);
	cc_profiler_destroy(p);
}
END_TEST

/* ---- a full arena ------------------------------------------------------------------------ */

#define BIG ((size_t)1 << 20)
#define NBIG 100 /* 100 MiB: more than the probe's 64 MiB arena */

/* Runs in a process of its own with a 64 MiB arena (CCMEM_PROFILER_ARENA_MB):
 * at p = 1, then at p = 0.5 (where the first indexed block must widen the
 * inline bound, or its free would be missed). */
static int probe_full(double rate)
{
	static void *b[NBIG * 4];
	size_t n = rate == 1.0 ? NBIG : 4 * NBIG;
	cc_profiler_options_t o;
	cc_profiler_options_init(&o);
	o.sample_rate = rate;
	o.detect_leaks = true;
	cc_profiler_t *p = cc_profiler_create(&o);
	if (p == NULL || cc_profiler_start(p) != 0)
		return 2;
	for (size_t i = 0; i < n; i++)
		if ((b[i] = cc_alloc(BIG)) == NULL)
			return 3;
	const cc_profiler_report_t *s = cc_profiler_snapshot(p);
	uint64_t live = s ? s->leak_count : 0;
	uint64_t cur = s ? s->current_allocated : 0;
	for (size_t i = 0; i < n; i++) {
		if (i % 2)
			cc_free_unsized(b[i]);
		else
			cc_free(b[i], BIG);
	}
	if (cc_profiler_stop(p) != 0)
		return 4;
	const cc_profiler_report_t *r = cc_profiler_report(p);
	printf("rate=%g n=%zu sampled=%llu indexed=%llu untracked=%llu live=%llu cur=%llu frees=%llu leaks=%llu "
	       "current=%llu\n",
	       rate, n, (unsigned long long)r->sampled_allocs, (unsigned long long)r->indexed_samples,
	       (unsigned long long)r->untracked_samples, (unsigned long long)live, (unsigned long long)cur,
	       (unsigned long long)r->sampled_frees, (unsigned long long)r->leak_count,
	       (unsigned long long)r->current_allocated);
	bool ok = r->alloc_count == n && r->sampled_frees == r->sampled_allocs && r->leak_count == 0 &&
	          r->current_allocated == 0 && r->untracked_samples == 0 && r->indexed_samples > 0 &&
	          live == r->sampled_allocs;
	if (rate == 1.0)
		ok = ok && r->sampled_allocs == n && cur == n * BIG && r->free_bytes == n * BIG;
	cc_profiler_destroy(p);
	return ok ? 0 : 1;
}

static int probe(const char *name)
{
	if (strcmp(name, "full") == 0)
		return probe_full(1.0) || probe_full(0.5);
	if (strcmp(name, "start") == 0) { /* the arena is set up at the first start */
		cc_profiler_options_t o;
		cc_profiler_options_init(&o);
		cc_profiler_t *p = cc_profiler_create(&o);
		int rc = p != NULL && cc_profiler_start(p) == 0 ? 0 : 1;
		cc_profiler_destroy(p);
		return rc;
	}
	return 99;
}

START_TEST(a_full_arena_falls_back_to_the_index)
{
	char *const env[] = {"CCMEM_PROFILER_ARENA_MB=64", NULL};
	char out[2048];
	int rc = cct_run_probe("full", env, out, sizeof out);
	ck_assert_msg(rc == 0, "probe failed (%d): %s", rc, out);
}
END_TEST

START_TEST(a_bad_arena_size_is_reported)
{
	char *const env[] = {"CCMEM_PROFILER_ARENA_MB=100", NULL};
	char out[2048];
	int rc = cct_run_probe("start", env, out, sizeof out);
	ck_assert_msg(rc == 0, "probe failed (%d): %s", rc, out);
	if (!CCT_SANITIZED) /* sanitizer builds have no arena, so read no size */
		ck_assert_msg(strstr(out, "CCMEM_PROFILER_ARENA_MB=100 is not a size of the profiler's arena") != NULL,
		              "%s", out);
}
END_TEST

static Suite *arena_suite(void)
{
	Suite *s = suite_create("profiler_arena");
	TCase *tc = tcase_create("blocks");
	tcase_add_loop_test(tc, sampled_blocks_are_ordinary_blocks, 0, K_KINDS);
	tcase_add_loop_test(tc, sampled_blocks_freed_by_another_thread, 0, 2);
	tcase_add_loop_test(tc, sampled_blocks_outlive_their_run, 0, 3);
	tcase_add_test(tc, allocations_during_thread_exit);
	tcase_add_loop_test(tc, mode_changes_during_a_sampling_run, 0, 2);
	suite_add_tcase(s, tc);
	TCase *full = tcase_create("full");
	tcase_add_test(full, a_full_arena_falls_back_to_the_index);
	tcase_add_test(full, a_bad_arena_size_is_reported);
	suite_add_tcase(s, full);
	return s;
}

int main(int argc, char **argv)
{
	return cct_main(argc, argv, arena_suite, probe);
}

/* Check suite of the allocation glue (include/ccmem/alloc.h, alloc/). */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ccmem.h>

#include "support.h"

/* The bad-input tests pass huge constant sizes on purpose; GCC sees them
 * flow into mi_malloc's declared alloc_size on the (untaken) fast path. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Walloc-size-larger-than="
#endif

/* Loop tests run every (backend, statistics) combination: index = backend*2 + stats. */
#define COMBOS (CC_BACKEND_COUNT * 2)

static void setup_combo(int i)
{
	ck_assert_int_eq(cc_config_set_backend((cc_backend_t)(i / 2)), 0);
	cc_alloc_stats_enable(i % 2);
	cc_alloc_stats_reset();
}

static cc_alloc_snapshot_t snap(void)
{
	return cc_alloc_stats_snapshot();
}

static void assert_snap_eq(cc_alloc_snapshot_t a, cc_alloc_snapshot_t b)
{
	ck_assert_uint_eq(a.alloc_count, b.alloc_count);
	ck_assert_uint_eq(a.free_count, b.free_count);
	ck_assert_uint_eq(a.alloc_bytes, b.alloc_bytes);
	ck_assert_uint_eq(a.free_bytes, b.free_bytes);
	ck_assert_uint_eq(a.current_allocated, b.current_allocated);
	ck_assert_uint_eq(a.unsized_free_count, b.unsized_free_count);
}

#define EXPECT_NULL_ERRNO(expr, err)                                                                   \
	do {                                                                                               \
		errno = 0;                                                                                     \
		void *p_ = (expr);                                                                             \
		ck_assert_msg(p_ == NULL, #expr " returned %p", p_);                                           \
		ck_assert_msg(errno == (err), #expr ": errno %d, want %d", errno, (err));                      \
	} while (0)

/* ---- bad input ------------------------------------------------------------------ */

START_TEST(size_zero_is_einval)
{
	setup_combo(_i);
	cc_alloc_snapshot_t before = snap();
	EXPECT_NULL_ERRNO(cc_alloc(0), EINVAL);
	EXPECT_NULL_ERRNO(cc_alloc_aligned(0, 64), EINVAL);
	EXPECT_NULL_ERRNO(cc_alloc_node(0), EINVAL);
	EXPECT_NULL_ERRNO(cc_calloc(0, 16), EINVAL);
	EXPECT_NULL_ERRNO(cc_calloc(16, 0), EINVAL);
	EXPECT_NULL_ERRNO(cc_calloc(0, 0), EINVAL);
	EXPECT_NULL_ERRNO(cc_calloc(0, SIZE_MAX), EINVAL);
	assert_snap_eq(snap(), before);
}
END_TEST

START_TEST(calloc_overflow_is_enomem)
{
	setup_combo(_i);
	cc_alloc_snapshot_t before = snap();
	EXPECT_NULL_ERRNO(cc_calloc(SIZE_MAX / 2 + 1, 2), ENOMEM);
	EXPECT_NULL_ERRNO(cc_calloc(2, SIZE_MAX / 2 + 1), ENOMEM);
	EXPECT_NULL_ERRNO(cc_calloc(SIZE_MAX, SIZE_MAX), ENOMEM);
	EXPECT_NULL_ERRNO(cc_calloc((size_t)1 << 32, (size_t)1 << 32), ENOMEM);
	assert_snap_eq(snap(), before);
}
END_TEST

START_TEST(bad_alignment_is_einval)
{
	setup_combo(_i);
	cc_alloc_snapshot_t before = snap();
	size_t bad[] = {0, 3, 6, 24, 48, 100, CC_ALLOC_MAX_ALIGNMENT * 2, CC_ALLOC_MAX_ALIGNMENT + 1,
	                (size_t)1 << 40, SIZE_MAX};
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
		EXPECT_NULL_ERRNO(cc_alloc_aligned(64, bad[k]), EINVAL);
	assert_snap_eq(snap(), before);
}
END_TEST

START_TEST(rounding_overflow_is_enomem)
{
	setup_combo(_i);
	cc_alloc_snapshot_t before = snap();
	EXPECT_NULL_ERRNO(cc_alloc_node(SIZE_MAX), ENOMEM);
	EXPECT_NULL_ERRNO(cc_alloc_node(SIZE_MAX - CC_CACHE_LINE_SIZE + 2), ENOMEM);
	EXPECT_NULL_ERRNO(cc_alloc_node((size_t)PTRDIFF_MAX), ENOMEM);
	EXPECT_NULL_ERRNO(cc_alloc_aligned(SIZE_MAX - 10, 4096), ENOMEM);
	EXPECT_NULL_ERRNO(cc_alloc_aligned((size_t)PTRDIFF_MAX, 64), ENOMEM);
	EXPECT_NULL_ERRNO(cc_alloc(SIZE_MAX), ENOMEM);
	EXPECT_NULL_ERRNO(cc_alloc((size_t)PTRDIFF_MAX + 1), ENOMEM);
	assert_snap_eq(snap(), before);
}
END_TEST

START_TEST(free_null_does_nothing)
{
	setup_combo(_i);
	cc_alloc_snapshot_t before = snap();
	errno = 1234;
	cc_free(NULL, 64);
	cc_free_unsized(NULL);
	ck_assert_int_eq(errno, 1234);
	assert_snap_eq(snap(), before);
}
END_TEST

START_TEST(backend_null_is_enomem)
{
	cc_alloc_stats_enable(true);
	ck_assert_int_eq(cc_config_set_backend(CC_BACKEND_FAULT), 0);
	void *keep = cc_alloc(32);
	ck_assert_ptr_nonnull(keep);
	cc_alloc_snapshot_t before = snap();
	/* each allocating entry point, with the next attempt failing */
	ck_assert_int_eq(cc_config_fault_nth(1), 0);
	EXPECT_NULL_ERRNO(cc_alloc(16), ENOMEM);
	ck_assert_int_eq(cc_config_fault_nth(1), 0);
	EXPECT_NULL_ERRNO(cc_calloc(4, 16), ENOMEM);
	ck_assert_int_eq(cc_config_fault_nth(1), 0);
	EXPECT_NULL_ERRNO(cc_alloc_aligned(16, 256), ENOMEM);
	ck_assert_int_eq(cc_config_fault_nth(1), 0);
	EXPECT_NULL_ERRNO(cc_alloc_node(16), ENOMEM);
	assert_snap_eq(snap(), before);
	ck_assert_uint_eq(cc_config_fault_injected(), 4);
	cc_free(keep, 32);
}
END_TEST

/* ---- behaviour ------------------------------------------------------------------ */

START_TEST(alignment_every_power_of_two)
{
	setup_combo(_i);
	for (size_t a = 1; a <= CC_ALLOC_MAX_ALIGNMENT; a <<= 1) {
		size_t sizes[] = {1, a, a + 1, 3 * a + 5};
		for (size_t k = 0; k < 4; k++) {
			unsigned char *p = cc_alloc_aligned(sizes[k], a);
			ck_assert_msg(p != NULL, "align %zu size %zu", a, sizes[k]);
			ck_assert_msg((uintptr_t)p % a == 0, "align %zu: %p", a, (void *)p);
			p[0] = 1;
			p[sizes[k] - 1] = 2; /* whole block writable */
			cc_free(p, sizes[k]);
		}
	}
	if (_i % 2) {
		cc_alloc_snapshot_t s = snap();
		ck_assert_uint_eq(s.alloc_count, s.free_count);
		ck_assert_uint_eq(s.alloc_bytes, s.free_bytes);
		ck_assert_uint_eq(s.current_allocated, 0);
	}
}
END_TEST

START_TEST(node_is_line_aligned_and_whole_lines)
{
	setup_combo(_i);
	size_t sizes[] = {1, 8, CC_CACHE_LINE_SIZE - 1, CC_CACHE_LINE_SIZE, CC_CACHE_LINE_SIZE + 1, 1000};
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		unsigned char *p = cc_alloc_node(sizes[k]);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq((uintptr_t)p % CC_CACHE_LINE_SIZE, 0);
		size_t whole = (sizes[k] + CC_CACHE_LINE_SIZE - 1) / CC_CACHE_LINE_SIZE * CC_CACHE_LINE_SIZE;
		memset(p, 0x5a, whole); /* the rounded size is usable */
		cc_free(p, sizes[k]);
	}
	if (_i % 2) {
		cc_alloc_snapshot_t s = snap();
		ck_assert_uint_eq(s.alloc_count, 6);
		ck_assert_uint_eq(s.alloc_bytes, 1 + 8 + 3 * CC_CACHE_LINE_SIZE + 1000);
		ck_assert_uint_eq(s.alloc_bytes, s.free_bytes);
	}
}
END_TEST

START_TEST(calloc_zeroes)
{
	setup_combo(_i);
	cc_config_set_debug_fill(true); /* fill must not apply to calloc */
	unsigned char *p = cc_calloc(100, 7);
	ck_assert_ptr_nonnull(p);
	for (int k = 0; k < 700; k++)
		ck_assert_uint_eq(p[k], 0);
	cc_free(p, 700);
}
END_TEST

START_TEST(stats_count_exactly_one_thread)
{
	setup_combo(_i);
	void *a = cc_alloc(10);
	void *b = cc_calloc(3, 10);
	void *c = cc_alloc_aligned(100, 128);
	void *d = cc_alloc_node(40);
	ck_assert(a && b && c && d);
	cc_alloc_snapshot_t s = snap();
	if (_i % 2 == 0) {
		cc_alloc_snapshot_t zero = {0};
		assert_snap_eq(s, zero);
	} else {
		ck_assert_uint_eq(s.alloc_count, 4);
		ck_assert_uint_eq(s.alloc_bytes, 10 + 30 + 100 + 40);
		/* live bytes are counted at the blocks' usable sizes */
		size_t live = cc_alloc_usable_size(a) + cc_alloc_usable_size(b) + cc_alloc_usable_size(c) +
		              cc_alloc_usable_size(d);
		ck_assert_uint_ge(live, 180);
		ck_assert_uint_eq(s.current_allocated, live);
		ck_assert_uint_eq(s.free_count, 0);
	}
	size_t dsize = cc_alloc_usable_size(d);
	ck_assert_uint_ge(dsize, 40);
	cc_free(a, 10);
	cc_free(b, 30);
	cc_free(c, 100);
	cc_free_unsized(d);
	s = snap();
	if (_i % 2) {
		ck_assert_uint_eq(s.free_count, 4);
		ck_assert_uint_eq(s.unsized_free_count, 1);
		ck_assert_uint_eq(s.free_bytes, 140 + dsize); /* the unsized free counts the usable size */
		ck_assert_uint_eq(s.current_allocated, 0);    /* whichever free function was used */
	}
}
END_TEST

START_TEST(stats_reset_keeps_current)
{
	cc_alloc_stats_enable(true);
	void *p = cc_alloc(100);
	void *q = cc_alloc(50);
	size_t up = cc_alloc_usable_size(p), uq = cc_alloc_usable_size(q);
	cc_alloc_stats_reset();
	cc_alloc_snapshot_t s = snap();
	ck_assert_uint_eq(s.alloc_count, 0);
	ck_assert_uint_eq(s.alloc_bytes, 0);
	ck_assert_uint_eq(s.current_allocated, up + uq);
	cc_free(p, 100);
	s = snap();
	ck_assert_uint_eq(s.free_count, 1);
	ck_assert_uint_eq(s.free_bytes, 100);
	ck_assert_uint_eq(s.current_allocated, uq);
	cc_free(q, 50);
	ck_assert_uint_eq(snap().current_allocated, 0);
}
END_TEST

START_TEST(stats_off_counts_nothing)
{
	cc_alloc_stats_enable(true);
	cc_free(cc_alloc(8), 8);
	cc_alloc_stats_enable(false);
	ck_assert(!cc_alloc_stats_enabled());
	cc_alloc_snapshot_t before = snap();
	for (int k = 0; k < 100; k++)
		cc_free(cc_alloc_node(64), 64);
	assert_snap_eq(snap(), before);
	ck_assert_uint_eq(before.alloc_count, CC_ALLOC_STATS ? 1 : 0);
}
END_TEST

/* Producers allocate and hand blocks through a ring to consumers that free
 * them; after the join the counters are exact. */
#define RING 1024
#define PER_PRODUCER 20000
#define PRODUCERS 3
#define CONSUMERS 2
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	void *ptr[RING];
	size_t size[RING];
	size_t head, tail;
	int producers_left;
} ring = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static void *producer(void *arg)
{
	uintptr_t id = (uintptr_t)arg;
	for (size_t k = 0; k < PER_PRODUCER; k++) {
		size_t size = 1 + (k * 7 + id * 13) % 300;
		void *p = (k % 3 == 0) ? cc_alloc_node(size) : cc_alloc(size);
		ck_assert_ptr_nonnull(p);
		memset(p, (int)id, size);
		pthread_mutex_lock(&ring.lock);
		while (ring.tail - ring.head == RING)
			pthread_cond_wait(&ring.cond, &ring.lock);
		ring.ptr[ring.tail % RING] = p;
		ring.size[ring.tail % RING] = size;
		ring.tail++;
		pthread_cond_broadcast(&ring.cond);
		pthread_mutex_unlock(&ring.lock);
	}
	pthread_mutex_lock(&ring.lock);
	ring.producers_left--;
	pthread_cond_broadcast(&ring.cond);
	pthread_mutex_unlock(&ring.lock);
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&ring.lock);
		while (ring.tail == ring.head && ring.producers_left > 0)
			pthread_cond_wait(&ring.cond, &ring.lock);
		if (ring.tail == ring.head) {
			pthread_mutex_unlock(&ring.lock);
			return NULL;
		}
		void *p = ring.ptr[ring.head % RING];
		size_t size = ring.size[ring.head % RING];
		ring.head++;
		pthread_cond_broadcast(&ring.cond);
		pthread_mutex_unlock(&ring.lock);
		cc_free(p, size);
	}
}

START_TEST(stats_exact_cross_thread)
{
	ck_assert_int_eq(cc_config_set_backend((cc_backend_t)_i), 0);
	cc_alloc_stats_enable(true);
	cc_alloc_stats_reset();
	ring.producers_left = PRODUCERS;
	pthread_t p[PRODUCERS], c[CONSUMERS];
	for (uintptr_t k = 0; k < PRODUCERS; k++)
		ck_assert_int_eq(pthread_create(&p[k], NULL, producer, (void *)k), 0);
	for (int k = 0; k < CONSUMERS; k++)
		ck_assert_int_eq(pthread_create(&c[k], NULL, consumer, NULL), 0);
	for (int k = 0; k < PRODUCERS; k++)
		pthread_join(p[k], NULL);
	for (int k = 0; k < CONSUMERS; k++)
		pthread_join(c[k], NULL);
	uint64_t bytes = 0;
	for (uintptr_t id = 0; id < PRODUCERS; id++)
		for (size_t k = 0; k < PER_PRODUCER; k++)
			bytes += 1 + (k * 7 + id * 13) % 300;
	cc_alloc_snapshot_t s = snap();
	if (!CC_ALLOC_STATS)
		return;
	ck_assert_uint_eq(s.alloc_count, PRODUCERS * PER_PRODUCER);
	ck_assert_uint_eq(s.free_count, PRODUCERS * PER_PRODUCER);
	ck_assert_uint_eq(s.alloc_bytes, bytes);
	ck_assert_uint_eq(s.free_bytes, bytes);
	ck_assert_uint_eq(s.current_allocated, 0);
}
END_TEST

static void *churned[200][10];

static void *churn(void *arg)
{
	void **keep = arg;
	for (int k = 0; k < 10; k++)
		keep[k] = cc_alloc(16); /* kept: freed by the main thread after the exit */
	return NULL;
}

START_TEST(exited_threads_stay_in_totals)
{
	cc_alloc_stats_enable(true);
	for (int round = 0; round < 200; round++) {
		pthread_t t;
		ck_assert_int_eq(pthread_create(&t, NULL, churn, churned[round]), 0);
		pthread_join(t, NULL);
	}
	cc_alloc_snapshot_t s = snap();
	uint64_t live = 0;
	for (int round = 0; round < 200; round++)
		for (int k = 0; k < 10; k++) {
			live += cc_alloc_usable_size(churned[round][k]);
			cc_free(churned[round][k], 16);
		}
	if (!CC_ALLOC_STATS)
		return;
	ck_assert_uint_eq(s.alloc_count, 2000);
	ck_assert_uint_eq(s.alloc_bytes, 32000);
	ck_assert_uint_eq(s.current_allocated, live);
	ck_assert_uint_eq(snap().current_allocated, 0);
}
END_TEST

START_TEST(fault_injection_keeps_stats_consistent)
{
	cc_alloc_stats_enable(true);
	ck_assert_int_eq(cc_config_set_backend(CC_BACKEND_FAULT), 0);
	char pattern[2][2000];
	for (int run = 0; run < 2; run++) {
		cc_alloc_stats_reset();
		uint64_t injected0 = cc_config_fault_injected();
		ck_assert_int_eq(cc_config_fault_random(0.25, 42), 0);
		void *kept[2000];
		uint64_t ok = 0, bytes = 0;
		for (int k = 0; k < 2000; k++) {
			size_t size = 1 + (size_t)k % 97;
			kept[k] = (k % 2) ? cc_alloc(size) : cc_alloc_node(size);
			pattern[run][k] = kept[k] != NULL;
			if (kept[k]) {
				ok++;
				bytes += size;
			} else {
				ck_assert_int_eq(errno, ENOMEM);
			}
		}
		uint64_t injected = cc_config_fault_injected() - injected0;
		ck_assert_uint_eq(ok + injected, 2000);
		ck_assert_uint_gt(injected, 350); /* 500 expected; the draw is deterministic */
		ck_assert_uint_lt(injected, 650);
		cc_alloc_snapshot_t s = snap();
		if (CC_ALLOC_STATS) {
			ck_assert_uint_eq(s.alloc_count, ok);
			ck_assert_uint_eq(s.alloc_bytes, bytes);
		}
		for (int k = 0; k < 2000; k++)
			cc_free(kept[k], 1 + (size_t)k % 97);
		s = snap();
		if (CC_ALLOC_STATS) {
			ck_assert_uint_eq(s.free_count, ok);
			ck_assert_uint_eq(s.free_bytes, bytes);
		}
	}
	ck_assert(memcmp(pattern[0], pattern[1], sizeof pattern[0]) == 0); /* same seed, same faults */
}
END_TEST

START_TEST(backend_switch_with_live_blocks)
{
	/* blocks from each backend stay valid and are freed by their owner */
	void *blocks[CC_BACKEND_COUNT][4];
	for (int b = 0; b < CC_BACKEND_COUNT; b++) {
		ck_assert_int_eq(cc_config_set_backend((cc_backend_t)b), 0);
		blocks[b][0] = cc_alloc(24);
		blocks[b][1] = cc_alloc_node(200);
		blocks[b][2] = cc_alloc_aligned(64, 4096);
		blocks[b][3] = cc_calloc(8, 8);
		for (int k = 0; k < 4; k++)
			ck_assert_ptr_nonnull(blocks[b][k]);
	}
	ck_assert_int_eq(cc_config_set_backend(CC_BACKEND_MIMALLOC), 0);
	for (int b = 0; b < CC_BACKEND_COUNT; b++)
		for (int k = 0; k < 4; k++)
			cc_free_unsized(blocks[b][k]);
}
END_TEST

START_TEST(debug_fill_patterns)
{
	ck_assert_int_eq(cc_config_set_backend((cc_backend_t)_i), 0);
	cc_config_set_debug_fill(true);
	unsigned char *p = cc_alloc(96);
	ck_assert_ptr_nonnull(p);
	for (int k = 0; k < 96; k++)
		ck_assert_uint_eq(p[k], CC_FILL_FRESH);
	unsigned char *n = cc_alloc_node(10);
	for (int k = 0; k < 10; k++)
		ck_assert_uint_eq(n[k], CC_FILL_FRESH);
	cc_free(n, 10);
	if (!CCT_SANITIZED && _i == CC_BACKEND_MIMALLOC) {
		/* Reading a freed block is the bug the pattern exists to expose; it is
		 * safe here only because mimalloc keeps the page mapped.  The first
		 * word holds mimalloc's free-list link. */
		cc_free(p, 96);
		int filled = 0;
		for (int k = 16; k < 96; k++)
			filled += p[k] == CC_FILL_FREED;
		ck_assert_int_eq(filled, 80);
	} else {
		cc_free(p, 96);
	}
	ck_assert(CC_FILL_FRESH != CC_FILL_FREED);
}
END_TEST

static Suite *alloc_suite(void)
{
	Suite *s = suite_create("alloc");
	TCase *bad = tcase_create("bad_input");
	tcase_add_loop_test(bad, size_zero_is_einval, 0, COMBOS);
	tcase_add_loop_test(bad, calloc_overflow_is_enomem, 0, COMBOS);
	tcase_add_loop_test(bad, bad_alignment_is_einval, 0, COMBOS);
	tcase_add_loop_test(bad, rounding_overflow_is_enomem, 0, COMBOS);
	tcase_add_loop_test(bad, free_null_does_nothing, 0, COMBOS);
	tcase_add_test(bad, backend_null_is_enomem);
	suite_add_tcase(s, bad);

	TCase *beh = tcase_create("behaviour");
	tcase_add_loop_test(beh, alignment_every_power_of_two, 0, COMBOS);
	tcase_add_loop_test(beh, node_is_line_aligned_and_whole_lines, 0, COMBOS);
	tcase_add_loop_test(beh, calloc_zeroes, 0, COMBOS);
	tcase_add_loop_test(beh, debug_fill_patterns, 0, CC_BACKEND_COUNT);
	tcase_add_test(beh, backend_switch_with_live_blocks);
	suite_add_tcase(s, beh);

	TCase *st = tcase_create("statistics");
	tcase_add_loop_test(st, stats_count_exactly_one_thread, 0, COMBOS);
	tcase_add_test(st, stats_reset_keeps_current);
	tcase_add_test(st, stats_off_counts_nothing);
	tcase_add_loop_test(st, stats_exact_cross_thread, 0, CC_BACKEND_COUNT);
	tcase_add_test(st, exited_threads_stay_in_totals);
	tcase_add_test(st, fault_injection_keeps_stats_consistent);
	suite_add_tcase(s, st);
	return s;
}

int main(int argc, char **argv)
{
	return cct_main(argc, argv, alloc_suite, NULL);
}

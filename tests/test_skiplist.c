/* Check suite of the lock-free skip list (include/ccmem/skiplist.h,
 * src/ds/skiplist.c), every test run under every scheme. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <ccmem.h>
#include <ccmem/skiplist.h>

#include "support.h"

/* splitmix64: a fixed-seed stream, so every run draws the same operations */
static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static uint64_t value_of(uint64_t key) { return key * 2654435761u + 17; }

static void assert_contents(cc_skiplist_t *m, smr_context_t *c, size_t count, uint64_t sum)
{
	size_t n = 0;
	uint64_t s = 0;
	ck_assert_int_eq(cc_skiplist_check(m, c, &n, &s), 0);
	ck_assert_uint_eq(n, count);
	ck_assert_uint_eq(s, sum);
}

/* Random operations against a bitmap model: every return value, every value
 * read, and the structure after every 500 operations. */
START_TEST(sequential_matches_model)
{
	enum { RANGE = 700, OPS = 12000 };
	cc_alloc_stats_enable(true);
	smr_domain_t *d = cct_domain((smr_scheme_t)_i, 8);
	smr_context_t *c = smr_thread_register(d);
	cc_skiplist_t *m = cc_skiplist_create(c);
	ck_assert_ptr_nonnull(m);
	static bool model[RANGE];
	memset(model, 0, sizeof model);
	size_t count = 0;
	uint64_t sum = 0, seed = 42;
	for (int op = 0; op < OPS; op++) {
		uint64_t r = rnd(&seed), key = r % RANGE, v = 0xdead;
		switch ((r >> 32) % 3) {
		case 0:
			ck_assert_int_eq(cc_skiplist_insert(m, c, key, value_of(key)), model[key] ? 0 : 1);
			if (!model[key]) {
				model[key] = true;
				count++;
				sum += key;
			}
			break;
		case 1:
			ck_assert_int_eq(cc_skiplist_remove(m, c, key, &v), model[key] ? 1 : 0);
			if (model[key]) {
				ck_assert_uint_eq(v, value_of(key));
				model[key] = false;
				count--;
				sum -= key;
			} else {
				ck_assert_uint_eq(v, 0xdead); /* untouched when absent */
			}
			break;
		default:
			ck_assert_int_eq(cc_skiplist_lookup(m, c, key, &v), model[key] ? 1 : 0);
			if (model[key])
				ck_assert_uint_eq(v, value_of(key));
			break;
		}
		if (op % 500 == 0)
			assert_contents(m, c, count, sum);
	}
	assert_contents(m, c, count, sum);
	/* ascending and descending fills reach every tower shape */
	for (uint64_t k = 0; k < RANGE; k++)
		cc_skiplist_remove(m, c, k, NULL);
	assert_contents(m, c, 0, 0);
	for (uint64_t k = RANGE; k-- > 0;)
		ck_assert_int_eq(cc_skiplist_insert(m, c, k, value_of(k)), 1);
	assert_contents(m, c, RANGE, (uint64_t)RANGE * (RANGE - 1) / 2);
	cc_skiplist_destroy(m, c);
	smr_thread_unregister(c);
	smr_domain_destroy(d);
	cct_assert_glue_balanced();
}
END_TEST

START_TEST(bad_keys_and_present_keys)
{
	smr_domain_t *d = cct_domain((smr_scheme_t)_i, 8);
	smr_context_t *c = smr_thread_register(d);
	cc_skiplist_t *m = cc_skiplist_create(c);
	uint64_t v = 5;
	const uint64_t bad[] = { CC_SKIPLIST_KEY_MAX + 1, UINT64_MAX - 1, UINT64_MAX };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		errno = 0;
		ck_assert_int_eq(cc_skiplist_insert(m, c, bad[i], 1), -1);
		ck_assert_int_eq(errno, EINVAL);
		errno = 0;
		ck_assert_int_eq(cc_skiplist_remove(m, c, bad[i], &v), -1);
		ck_assert_int_eq(errno, EINVAL);
		errno = 0;
		ck_assert_int_eq(cc_skiplist_lookup(m, c, bad[i], &v), -1);
		ck_assert_int_eq(errno, EINVAL);
		ck_assert_uint_eq(v, 5);
	}
	assert_contents(m, c, 0, 0);
	/* the extreme valid keys */
	ck_assert_int_eq(cc_skiplist_insert(m, c, 0, 10), 1);
	ck_assert_int_eq(cc_skiplist_insert(m, c, CC_SKIPLIST_KEY_MAX, 20), 1);
	ck_assert_int_eq(cc_skiplist_lookup(m, c, 0, &v), 1);
	ck_assert_uint_eq(v, 10);
	ck_assert_int_eq(cc_skiplist_lookup(m, c, CC_SKIPLIST_KEY_MAX, &v), 1);
	ck_assert_uint_eq(v, 20);
	/* present: 0, the old value stays */
	ck_assert_int_eq(cc_skiplist_insert(m, c, 0, 99), 0);
	ck_assert_int_eq(cc_skiplist_lookup(m, c, 0, &v), 1);
	ck_assert_uint_eq(v, 10);
	ck_assert_int_eq(cc_skiplist_lookup(m, c, 1, NULL), 0);
	assert_contents(m, c, 2, CC_SKIPLIST_KEY_MAX);
	ck_assert_int_eq(cc_skiplist_remove(m, c, CC_SKIPLIST_KEY_MAX, NULL), 1);
	ck_assert_int_eq(cc_skiplist_remove(m, c, CC_SKIPLIST_KEY_MAX, NULL), 0);
	assert_contents(m, c, 1, 0);
	cc_skiplist_destroy(m, c);
	cc_skiplist_destroy(NULL, c); /* nothing */
	smr_thread_unregister(c);
	smr_domain_destroy(d);
}
END_TEST

START_TEST(allocation_failure_changes_nothing)
{
	cc_alloc_stats_enable(true);
	smr_domain_t *d = cct_domain((smr_scheme_t)_i, 8);
	smr_context_t *c = smr_thread_register(d);
	cc_skiplist_t *m = cc_skiplist_create(c);
	for (uint64_t k = 0; k < 100; k += 2)
		ck_assert_int_eq(cc_skiplist_insert(m, c, k, value_of(k)), 1);
	ck_assert_int_eq(cc_config_set_backend(CC_BACKEND_FAULT), 0);
	ck_assert_int_eq(cc_config_fault_nth(1), 0);
	errno = 0;
	ck_assert_int_eq(cc_skiplist_insert(m, c, 51, 1), -1);
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert_int_eq(cc_skiplist_lookup(m, c, 51, NULL), 0);
	assert_contents(m, c, 50, 2450);
	ck_assert_int_eq(cc_skiplist_insert(m, c, 51, 1), 1); /* the next attempt succeeds */
	assert_contents(m, c, 51, 2501);
	cc_skiplist_destroy(m, c);
	smr_thread_unregister(c);
	smr_domain_destroy(d);
	cct_assert_glue_balanced();
}
END_TEST

/* Concurrent invariants: threads insert, remove and look up random keys of a
 * small range (contention on the same towers: removes racing inserts that are
 * still linking upper levels) and count what succeeded.  At the end the map
 * holds exactly the keys inserted minus the keys removed, and every value
 * read was the key's. */
#define THREADS 4
typedef struct {
	uint64_t seed, range, ops;
	uint64_t inserted, removed, ins_sum, rem_sum, bad_values;
} worker_t;
static cc_skiplist_t *g_m;
static smr_domain_t *g_d;

static void *worker(void *arg)
{
	worker_t *w = arg;
	smr_context_t *c = smr_thread_register(g_d);
	ck_assert_ptr_nonnull(c);
	for (uint64_t i = 0; i < w->ops; i++) {
		uint64_t r = rnd(&w->seed), key = r % w->range, v;
		switch ((r >> 40) % 4) {
		case 0:
		case 1:
			if (cc_skiplist_insert(g_m, c, key, value_of(key)) == 1) {
				w->inserted++;
				w->ins_sum += key;
			}
			break;
		case 2:
			if (cc_skiplist_remove(g_m, c, key, &v) == 1) {
				w->removed++;
				w->rem_sum += key;
				w->bad_values += v != value_of(key);
			}
			break;
		default:
			if (cc_skiplist_lookup(g_m, c, key, &v) == 1)
				w->bad_values += v != value_of(key);
			break;
		}
	}
	smr_thread_unregister(c);
	return NULL;
}

static void run_concurrent(smr_scheme_t scheme, uint64_t range, uint64_t ops)
{
	cc_alloc_stats_enable(true);
	cc_config_set_debug_fill(true); /* a node read after its free shows as 0xDF */
	g_d = cct_eager_domain(scheme);
	smr_context_t *c = smr_thread_register(g_d);
	g_m = cc_skiplist_create(c);
	worker_t w[THREADS];
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++) {
		memset(&w[i], 0, sizeof w[i]);
		w[i].seed = 1000 + (uint64_t)i;
		w[i].range = range;
		w[i].ops = ops;
		ck_assert_int_eq(pthread_create(&t[i], NULL, worker, &w[i]), 0);
	}
	uint64_t ins = 0, rem = 0, sum = 0, bad = 0;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		ins += w[i].inserted;
		rem += w[i].removed;
		sum += w[i].ins_sum - w[i].rem_sum;
		bad += w[i].bad_values;
	}
	ck_assert_uint_eq(bad, 0);
	ck_assert_uint_gt(rem, 0);
	assert_contents(g_m, c, ins - rem, sum);
	cc_skiplist_destroy(g_m, c);
	smr_thread_unregister(c);
	smr_stats_t st;
	smr_domain_stats(g_d, &st);
	/* every node inserted was retired (removed ones, the rest and the head at
	 * destroy), plus the nodes of inserts that lost to an equal key after
	 * allocating (never published); a second retire of any would abort */
	ck_assert_uint_ge(st.retired, ins + 1);
	ck_assert_uint_le(st.retired, ins + 1 + THREADS * ops);
	smr_domain_destroy(g_d);
	cct_assert_glue_balanced();
}

#if CCT_SANITIZED
#define CONC_OPS 30000
#else
#define CONC_OPS 150000
#endif

START_TEST(concurrent_small_range) { run_concurrent((smr_scheme_t)_i, 16, CONC_OPS); }
END_TEST

START_TEST(concurrent_large_range) { run_concurrent((smr_scheme_t)_i, 2048, CONC_OPS); }
END_TEST

static Suite *skiplist_suite(void)
{
	Suite *s = suite_create("skiplist");
	TCase *seq = tcase_create("sequential");
	tcase_add_loop_test(seq, sequential_matches_model, 0, SMR_SCHEME_COUNT);
	tcase_add_loop_test(seq, bad_keys_and_present_keys, 0, SMR_SCHEME_COUNT);
	tcase_add_loop_test(seq, allocation_failure_changes_nothing, 0, SMR_SCHEME_COUNT);
	suite_add_tcase(s, seq);
	TCase *conc = tcase_create("concurrent");
	tcase_set_timeout(conc, 600);
	tcase_add_loop_test(conc, concurrent_small_range, 0, SMR_SCHEME_COUNT);
	tcase_add_loop_test(conc, concurrent_large_range, 0, SMR_SCHEME_COUNT);
	suite_add_tcase(s, conc);
	return s;
}

int main(int argc, char **argv)
{
	return cct_main(argc, argv, skiplist_suite, NULL);
}

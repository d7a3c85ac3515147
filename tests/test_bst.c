/* Check suite of the Natarajan-Mittal lock-free BST (include/ccmem/bst.h,
 * src/ds/bst.c), every test run under every scheme. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <ccmem.h>
#include <ccmem/bst.h>

#include "support.h"

/* splitmix64: a fixed-seed stream, so every run draws the same operations */
static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* Every value is a function of its key, so any thread can verify any read. */
static uint64_t value_of(uint64_t key)
{
	return key * 0x9E3779B97F4A7C15ull + 0x1234;
}

static void assert_contents(cc_bst_t *m, smr_context_t *c, size_t count, uint64_t sum)
{
	size_t n = 12345;
	uint64_t s = 67890;
	ck_assert_int_eq(cc_bst_check(m, c, &n, &s), 0);
	ck_assert_uint_eq(n, count);
	ck_assert_uint_eq(s, sum);
}

/* Frees what the domain can free now; true if nothing is left pending
 * (never under SMR_NONE, which keeps everything until destroy). */
static bool drain(smr_domain_t *d, smr_context_t *c, smr_stats_t *st)
{
	for (int i = 0; i < 10000; i++) {
		smr_domain_stats(d, st);
		if (st->pending == 0)
			return true;
		smr_poll(c);
	}
	smr_domain_stats(d, st);
	return st->pending == 0;
}

/* Random operations against a bitmap model: every return value, every value
 * read, and the whole tree every 500 operations.  Single thread: every node
 * the map allocated is retired exactly once (5 sentinels, 2 per insert). */
START_TEST(sequential_matches_model)
{
	enum { RANGE = 700, OPS = 15000 };
	smr_scheme_t scheme = (smr_scheme_t)_i;
	cc_alloc_stats_enable(true);
	smr_domain_t *d = cct_domain(scheme, 8);
	smr_context_t *c = smr_thread_register(d);
	cc_bst_t *m = cc_bst_create(c);
	ck_assert_ptr_nonnull(m);
	assert_contents(m, c, 0, 0);
	static bool model[RANGE];
	memset(model, 0, sizeof model);
	size_t count = 0;
	uint64_t sum = 0, seed = 42, inserts = 0;
	for (int op = 0; op < OPS; op++) {
		uint64_t r = rnd(&seed), key = r % RANGE, v = 0xdead;
		switch ((r >> 32) % 3) {
		case 0:
			ck_assert_int_eq(cc_bst_insert(m, c, key, value_of(key)), model[key] ? 0 : 1);
			if (!model[key]) {
				model[key] = true;
				count++;
				sum += key;
				inserts++;
			}
			break;
		case 1:
			ck_assert_int_eq(cc_bst_remove(m, c, key, &v), model[key] ? 1 : 0);
			ck_assert_uint_eq(v, model[key] ? value_of(key) : 0xdead);
			if (model[key]) {
				model[key] = false;
				count--;
				sum -= key;
			}
			break;
		default:
			ck_assert_int_eq(cc_bst_lookup(m, c, key, &v), model[key] ? 1 : 0);
			ck_assert_uint_eq(v, model[key] ? value_of(key) : 0xdead);
			break;
		}
		if (op % 500 == 0)
			assert_contents(m, c, count, sum);
	}
	assert_contents(m, c, count, sum);
	for (uint64_t k = 0; k < RANGE; k++)
		ck_assert_int_eq(cc_bst_lookup(m, c, k, NULL), model[k] ? 1 : 0);
	cc_bst_destroy(m, c);
	smr_stats_t st;
	bool drained = drain(d, c, &st);
	ck_assert_uint_eq(st.retired, 5 + 2 * inserts);
	if (scheme != SMR_NONE) {
		ck_assert(drained);
		ck_assert_uint_eq(st.freed, st.retired);
	}
	smr_thread_unregister(c);
	smr_domain_destroy(d);
	cct_assert_glue_balanced();
}
END_TEST

/* Sorted insertions give a degenerate (list-shaped) tree: the depth the check
 * walk and destroy must handle without recursion. */
START_TEST(sorted_keys_deep_tree)
{
	enum { N = 3000 };
	cc_alloc_stats_enable(true);
	smr_domain_t *d = cct_domain((smr_scheme_t)_i, 8);
	smr_context_t *c = smr_thread_register(d);
	cc_bst_t *m = cc_bst_create(c);
	uint64_t sum = 0;
	for (uint64_t k = 0; k < N; k++) {
		ck_assert_int_eq(cc_bst_insert(m, c, 2 * k, value_of(2 * k)), 1);
		sum += 2 * k;
	}
	for (uint64_t k = N; k-- > 0;) {
		ck_assert_int_eq(cc_bst_insert(m, c, 2 * k + 1, value_of(2 * k + 1)), 1);
		sum += 2 * k + 1;
	}
	assert_contents(m, c, 2 * N, sum);
	uint64_t v;
	for (uint64_t k = 0; k < 2 * N; k += 3) {
		ck_assert_int_eq(cc_bst_remove(m, c, k, &v), 1);
		ck_assert_uint_eq(v, value_of(k));
		sum -= k;
	}
	assert_contents(m, c, 2 * N - (2 * N + 2) / 3, sum);
	cc_bst_destroy(m, c);
	smr_thread_unregister(c);
	smr_domain_destroy(d);
	cct_assert_glue_balanced();
}
END_TEST

/* 0 and CC_BST_KEY_MAX are keys; the three sentinel keys above them are
 * refused with EINVAL by every operation and change nothing. */
START_TEST(boundary_keys)
{
	smr_domain_t *d = cct_domain((smr_scheme_t)_i, 8);
	smr_context_t *c = smr_thread_register(d);
	cc_bst_t *m = cc_bst_create(c);
	uint64_t v = 0;
	ck_assert_int_eq(cc_bst_insert(m, c, 0, 100), 1);
	ck_assert_int_eq(cc_bst_insert(m, c, CC_BST_KEY_MAX, 200), 1);
	ck_assert_int_eq(cc_bst_insert(m, c, CC_BST_KEY_MAX - 1, 300), 1);
	assert_contents(m, c, 3, 0 + CC_BST_KEY_MAX + (CC_BST_KEY_MAX - 1));
	const uint64_t bad[] = {CC_BST_KEY_MAX + 1, CC_BST_KEY_MAX + 2, CC_BST_KEY_MAX + 3, UINT64_MAX};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		v = 0xdead;
		errno = 0;
		ck_assert_int_eq(cc_bst_insert(m, c, bad[i], 1), -1);
		ck_assert_int_eq(errno, EINVAL);
		errno = 0;
		ck_assert_int_eq(cc_bst_lookup(m, c, bad[i], &v), -1);
		ck_assert_int_eq(errno, EINVAL);
		errno = 0;
		ck_assert_int_eq(cc_bst_remove(m, c, bad[i], &v), -1);
		ck_assert_int_eq(errno, EINVAL);
		ck_assert_uint_eq(v, 0xdead);
		assert_contents(m, c, 3, 0 + CC_BST_KEY_MAX + (CC_BST_KEY_MAX - 1));
	}
	ck_assert_int_eq(cc_bst_lookup(m, c, 0, &v), 1);
	ck_assert_uint_eq(v, 100);
	ck_assert_int_eq(cc_bst_lookup(m, c, CC_BST_KEY_MAX, &v), 1);
	ck_assert_uint_eq(v, 200);
	ck_assert_int_eq(cc_bst_remove(m, c, CC_BST_KEY_MAX, &v), 1);
	ck_assert_uint_eq(v, 200);
	ck_assert_int_eq(cc_bst_remove(m, c, 0, &v), 1);
	ck_assert_uint_eq(v, 100);
	ck_assert_int_eq(cc_bst_remove(m, c, CC_BST_KEY_MAX - 1, NULL), 1);
	ck_assert_int_eq(cc_bst_remove(m, c, 0, &v), 0);
	assert_contents(m, c, 0, 0);
	/* the empty tree again accepts both ends */
	ck_assert_int_eq(cc_bst_insert(m, c, CC_BST_KEY_MAX, 7), 1);
	ck_assert_int_eq(cc_bst_insert(m, c, 0, 8), 1);
	assert_contents(m, c, 2, CC_BST_KEY_MAX);
	cc_bst_destroy(m, c);
	smr_thread_unregister(c);
	smr_domain_destroy(d);
}
END_TEST

/* An insert of a present key returns 0 and leaves the stored value; remove
 * and lookup of an absent key leave *value_out untouched. */
START_TEST(insert_existing_keeps_value)
{
	cc_alloc_stats_enable(true);
	smr_domain_t *d = cct_domain((smr_scheme_t)_i, 8);
	smr_context_t *c = smr_thread_register(d);
	cc_bst_t *m = cc_bst_create(c);
	uint64_t v = 0;
	ck_assert_int_eq(cc_bst_insert(m, c, 5, 50), 1);
	ck_assert_int_eq(cc_bst_insert(m, c, 5, 99), 0);
	ck_assert_int_eq(cc_bst_lookup(m, c, 5, &v), 1);
	ck_assert_uint_eq(v, 50);
	ck_assert_int_eq(cc_bst_insert(m, c, 4, 40), 1);
	ck_assert_int_eq(cc_bst_insert(m, c, 4, 41), 0);
	assert_contents(m, c, 2, 9);
	ck_assert_int_eq(cc_bst_remove(m, c, 5, &v), 1);
	ck_assert_uint_eq(v, 50);
	v = 77;
	ck_assert_int_eq(cc_bst_remove(m, c, 5, &v), 0);
	ck_assert_int_eq(cc_bst_lookup(m, c, 5, &v), 0);
	ck_assert_uint_eq(v, 77);
	ck_assert_int_eq(cc_bst_insert(m, c, 5, 51), 1);
	ck_assert_int_eq(cc_bst_lookup(m, c, 5, &v), 1);
	ck_assert_uint_eq(v, 51);
	cc_bst_destroy(m, c);
	smr_stats_t st;
	smr_domain_stats(d, &st);
	ck_assert_uint_eq(st.retired, 5 + 2 * 3); /* present-key inserts allocated nothing */
	smr_thread_unregister(c);
	smr_domain_destroy(d);
	cct_assert_glue_balanced();
}
END_TEST

/* ENOMEM on the first (leaf) or the second (internal node) allocation of an
 * insert: -1/ENOMEM, the map unchanged, nothing leaked. */
START_TEST(insert_enomem_changes_nothing)
{
	cc_alloc_stats_enable(true);
	smr_domain_t *d = cct_domain((smr_scheme_t)_i, 8);
	smr_context_t *c = smr_thread_register(d);
	cc_bst_t *m = cc_bst_create(c);
	for (uint64_t k = 10; k < 20; k++)
		ck_assert_int_eq(cc_bst_insert(m, c, k, value_of(k)), 1);
	ck_assert_int_eq(cc_config_set_backend(CC_BACKEND_FAULT), 0);
	for (uint64_t nth = 1; nth <= 2; nth++) {
		ck_assert_int_eq(cc_config_fault_nth(nth), 0);
		errno = 0;
		ck_assert_int_eq(cc_bst_insert(m, c, 15 + nth * 10, 1), -1);
		ck_assert_int_eq(errno, ENOMEM);
		ck_assert_int_eq(cc_bst_lookup(m, c, 15 + nth * 10, NULL), 0);
		assert_contents(m, c, 10, 145);
	}
	ck_assert_uint_eq(cc_config_fault_injected(), 2);
	ck_assert_int_eq(cc_config_fault_nth(0), 0);
	ck_assert_int_eq(cc_bst_insert(m, c, 25, 1), 1);
	assert_contents(m, c, 11, 170);
	/* create fails cleanly too, at each of its six allocations */
	for (uint64_t nth = 1; nth <= 6; nth++) {
		ck_assert_int_eq(cc_config_fault_nth(nth), 0);
		errno = 0;
		ck_assert_ptr_null(cc_bst_create(c));
		ck_assert_int_eq(errno, ENOMEM);
	}
	ck_assert_int_eq(cc_config_fault_nth(0), 0);
	cc_bst_destroy(m, c);
	smr_thread_unregister(c);
	smr_domain_destroy(d);
	cct_assert_glue_balanced();
}
END_TEST

/* Threads run random insert/remove/lookup on a small key range and count
 * what succeeded; at the end the tree holds exactly inserted - removed keys,
 * with the matching key sum, and passes the check. */
#define THREADS 4
#if CCT_SANITIZED
#define OPS_PER_THREAD 25000
#else
#define OPS_PER_THREAD 250000
#endif

typedef struct worker {
	pthread_t tid;
	uint64_t seed, range;
	uint64_t inserted, removed, ins_sum, rem_sum, found;
	uint64_t bad_values, errors; /* counted, not asserted: a Check assertion
	                               writes to a pipe (CK_FORK), too slow here */
} worker_t;

static cc_bst_t *g_m;
static smr_domain_t *g_d;
static atomic_int g_go;

static void *worker_main(void *arg)
{
	worker_t *w = arg;
	smr_context_t *c = smr_thread_register(g_d);
	if (c == NULL) {
		w->errors++;
		return NULL;
	}
	while (!atomic_load(&g_go))
		sched_yield();
	for (int op = 0; op < OPS_PER_THREAD; op++) {
		uint64_t r = rnd(&w->seed), key = r % w->range, v = 0;
		unsigned kind = (unsigned)((r >> 40) % 10);
		if (kind < 4) {
			int rc = cc_bst_insert(g_m, c, key, value_of(key));
			w->errors += rc < 0;
			if (rc == 1) {
				w->inserted++;
				w->ins_sum += key;
			}
		} else if (kind < 8) {
			int rc = cc_bst_remove(g_m, c, key, &v);
			w->errors += rc < 0;
			if (rc == 1) {
				w->removed++;
				w->rem_sum += key;
				w->bad_values += v != value_of(key);
			}
		} else {
			int rc = cc_bst_lookup(g_m, c, key, &v);
			w->errors += rc < 0;
			if (rc == 1) {
				w->found++;
				w->bad_values += v != value_of(key);
			}
		}
	}
	smr_thread_unregister(c);
	return NULL;
}

static void concurrent_run(smr_scheme_t scheme, uint64_t range)
{
	cc_alloc_stats_enable(true);
	g_d = cct_eager_domain(scheme);
	smr_context_t *c = smr_thread_register(g_d);
	g_m = cc_bst_create(c);
	ck_assert_ptr_nonnull(g_m);
	atomic_store(&g_go, 0);
	worker_t w[THREADS];
	memset(w, 0, sizeof w);
	for (int t = 0; t < THREADS; t++) {
		w[t].seed = 1000 + (uint64_t)t * 7919 + range;
		w[t].range = range;
		ck_assert_int_eq(pthread_create(&w[t].tid, NULL, worker_main, &w[t]), 0);
	}
	atomic_store(&g_go, 1);
	uint64_t ins = 0, rem = 0, sum = 0;
	for (int t = 0; t < THREADS; t++) {
		ck_assert_int_eq(pthread_join(w[t].tid, NULL), 0);
		ck_assert_uint_eq(w[t].bad_values, 0);
		ck_assert_uint_eq(w[t].errors, 0);
		ins += w[t].inserted;
		rem += w[t].removed;
		sum += w[t].ins_sum - w[t].rem_sum;
	}
	ck_assert_uint_ge(ins, rem);
	assert_contents(g_m, c, (size_t)(ins - rem), sum);
	size_t present = 0;
	uint64_t v;
	for (uint64_t k = 0; k < range; k++) {
		int rc = cc_bst_lookup(g_m, c, k, &v);
		if (rc == 1) {
			ck_assert_uint_eq(v, value_of(k));
			present++;
		}
	}
	ck_assert_uint_eq(present, ins - rem);
	cc_bst_destroy(g_m, c);
	smr_stats_t st;
	bool drained = drain(g_d, c, &st);
	/* every node allocated was retired: 5 sentinels, 2 per insert, and 2 per
	 * insert that allocated and then found its key present (unpublished) */
	ck_assert_uint_ge(st.retired, 5 + 2 * ins);
	ck_assert_uint_eq((st.retired - 5 - 2 * ins) % 2, 0);
	if (scheme != SMR_NONE) {
		ck_assert(drained);
		ck_assert_uint_eq(st.freed, st.retired);
	}
	smr_thread_unregister(c);
	smr_domain_destroy(g_d);
	cct_assert_glue_balanced();
}

START_TEST(concurrent_counts_64_keys)
{
	concurrent_run((smr_scheme_t)_i, 64);
}
END_TEST

START_TEST(concurrent_counts_1024_keys)
{
	concurrent_run((smr_scheme_t)_i, 1024);
}
END_TEST

static Suite *bst_suite(void)
{
	Suite *s = suite_create("bst");
	TCase *seq = tcase_create("sequential");
	tcase_add_loop_test(seq, sequential_matches_model, 0, SMR_SCHEME_COUNT);
	tcase_add_loop_test(seq, sorted_keys_deep_tree, 0, SMR_SCHEME_COUNT);
	tcase_add_loop_test(seq, boundary_keys, 0, SMR_SCHEME_COUNT);
	tcase_add_loop_test(seq, insert_existing_keeps_value, 0, SMR_SCHEME_COUNT);
	tcase_add_loop_test(seq, insert_enomem_changes_nothing, 0, SMR_SCHEME_COUNT);
	suite_add_tcase(s, seq);
	TCase *conc = tcase_create("concurrent");
	tcase_set_timeout(conc, 600);
	tcase_add_loop_test(conc, concurrent_counts_64_keys, 0, SMR_SCHEME_COUNT);
	tcase_add_loop_test(conc, concurrent_counts_1024_keys, 0, SMR_SCHEME_COUNT);
	suite_add_tcase(s, conc);
	return s;
}

int main(int argc, char **argv)
{
	return cct_main(argc, argv, bst_suite, NULL);
}

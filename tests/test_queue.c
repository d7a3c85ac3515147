/* Check suite of the Michael-Scott queue (include/ccmem/queue.h, src/ds/queue.c),
 * run under every scheme. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sched.h>

#include <ccmem.h>
#include <ccmem/queue.h>

#include "support.h"

START_TEST(sequential_fifo)
{
	cc_alloc_stats_enable(true);
	smr_domain_t *d = cct_domain((smr_scheme_t)_i, 16);
	smr_context_t *c = smr_thread_register(d);
	cc_queue_t *q = cc_queue_create(c);
	ck_assert_ptr_nonnull(q);
	uint64_t v = 99;
	ck_assert(!cc_queue_dequeue(q, c, &v));
	ck_assert_uint_eq(v, 99); /* untouched when empty */
	for (uint64_t i = 0; i < 5000; i++)
		ck_assert_int_eq(cc_queue_enqueue(q, c, i * 3), 0);
	for (uint64_t i = 0; i < 2500; i++) {
		ck_assert(cc_queue_dequeue(q, c, &v));
		ck_assert_uint_eq(v, i * 3);
	}
	for (uint64_t i = 5000; i < 6000; i++)
		ck_assert_int_eq(cc_queue_enqueue(q, c, i * 3), 0);
	for (uint64_t i = 2500; i < 6000; i++) {
		ck_assert(cc_queue_dequeue(q, c, &v));
		ck_assert_uint_eq(v, i * 3);
	}
	ck_assert(!cc_queue_dequeue(q, c, &v));
	cc_queue_enqueue(q, c, 7); /* destroy retires what is left */
	cc_queue_destroy(q, c);
	smr_thread_unregister(c);
	smr_domain_destroy(d);
	cct_assert_glue_balanced();
}
END_TEST

START_TEST(enqueue_failure_loses_nothing)
{
	smr_domain_t *d = cct_domain((smr_scheme_t)_i, 16);
	smr_context_t *c = smr_thread_register(d);
	cc_queue_t *q = cc_queue_create(c);
	ck_assert_int_eq(cc_queue_enqueue(q, c, 1), 0);
	ck_assert_int_eq(cc_config_set_backend(CC_BACKEND_FAULT), 0);
	ck_assert_int_eq(cc_config_fault_nth(1), 0);
	errno = 0;
	ck_assert_int_eq(cc_queue_enqueue(q, c, 2), -1);
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert_int_eq(cc_queue_enqueue(q, c, 3), 0);
	uint64_t v;
	ck_assert(cc_queue_dequeue(q, c, &v));
	ck_assert_uint_eq(v, 1);
	ck_assert(cc_queue_dequeue(q, c, &v));
	ck_assert_uint_eq(v, 3);
	ck_assert(!cc_queue_dequeue(q, c, &v));
	cc_queue_destroy(q, c);
	smr_thread_unregister(c);
	smr_domain_destroy(d);
}
END_TEST

/* Producers enqueue (id << 32 | seq); consumers dequeue until every value has
 * been seen.  Each value exactly once; per producer, each consumer sees
 * increasing sequence numbers (FIFO). */
#define PRODUCERS 2
#define CONSUMERS 2
#define PER_PRODUCER 40000
static cc_queue_t *g_q;
static smr_domain_t *g_d;
static atomic_uint_least8_t g_seen[PRODUCERS][PER_PRODUCER];
static atomic_long g_taken;
static atomic_int g_order_violations;

static void *producer(void *arg)
{
	uint64_t id = (uintptr_t)arg;
	smr_context_t *c = smr_thread_register(g_d);
	for (uint64_t s = 0; s < PER_PRODUCER; s++)
		ck_assert_int_eq(cc_queue_enqueue(g_q, c, id << 32 | s), 0);
	smr_thread_unregister(c);
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	smr_context_t *c = smr_thread_register(g_d);
	int64_t last[PRODUCERS];
	for (int p = 0; p < PRODUCERS; p++)
		last[p] = -1;
	while (atomic_load(&g_taken) < PRODUCERS * PER_PRODUCER) {
		uint64_t v;
		if (!cc_queue_dequeue(g_q, c, &v)) {
			sched_yield();
			continue;
		}
		uint64_t p = v >> 32, s = v & 0xffffffffu;
		ck_assert_uint_lt(p, PRODUCERS);
		ck_assert_uint_lt(s, PER_PRODUCER);
		atomic_fetch_add(&g_seen[p][s], 1);
		if ((int64_t)s <= last[p])
			atomic_fetch_add(&g_order_violations, 1);
		last[p] = (int64_t)s;
		atomic_fetch_add(&g_taken, 1);
	}
	smr_thread_unregister(c);
	return NULL;
}

START_TEST(concurrent_exactly_once_in_order)
{
	cc_alloc_stats_enable(true);
	g_d = cct_domain((smr_scheme_t)_i, 16);
	smr_context_t *c = smr_thread_register(g_d);
	g_q = cc_queue_create(c);
	pthread_t pt[PRODUCERS], ct[CONSUMERS];
	for (uintptr_t p = 0; p < PRODUCERS; p++)
		pthread_create(&pt[p], NULL, producer, (void *)p);
	for (int k = 0; k < CONSUMERS; k++)
		pthread_create(&ct[k], NULL, consumer, NULL);
	for (int p = 0; p < PRODUCERS; p++)
		pthread_join(pt[p], NULL);
	for (int k = 0; k < CONSUMERS; k++)
		pthread_join(ct[k], NULL);
	for (int p = 0; p < PRODUCERS; p++)
		for (int s = 0; s < PER_PRODUCER; s++)
			ck_assert_msg(atomic_load(&g_seen[p][s]) == 1, "value %d/%d seen %d times", p, s,
			              (int)atomic_load(&g_seen[p][s]));
	ck_assert_int_eq(atomic_load(&g_order_violations), 0);
	uint64_t v;
	ck_assert(!cc_queue_dequeue(g_q, c, &v));
	cc_queue_destroy(g_q, c);
	smr_thread_unregister(c);
	smr_stats_t st;
	smr_domain_stats(g_d, &st);
	ck_assert_uint_eq(st.retired, PRODUCERS * PER_PRODUCER + 1); /* every node, the last sentinel too */
	smr_domain_destroy(g_d);
	cct_assert_glue_balanced();
}
END_TEST

static Suite *queue_suite(void)
{
	Suite *s = suite_create("queue");
	TCase *seq = tcase_create("sequential");
	tcase_add_loop_test(seq, sequential_fifo, 0, SMR_SCHEME_COUNT);
	tcase_add_loop_test(seq, enqueue_failure_loses_nothing, 0, SMR_SCHEME_COUNT);
	suite_add_tcase(s, seq);
	TCase *conc = tcase_create("concurrent");
	tcase_set_timeout(conc, 600);
	tcase_add_loop_test(conc, concurrent_exactly_once_in_order, 0, SMR_SCHEME_COUNT);
	suite_add_tcase(s, conc);
	return s;
}

int main(int argc, char **argv)
{
	return cct_main(argc, argv, queue_suite, NULL);
}

/* Check suite of DEBRA+ restarts (smr_checkpoint, smr/checkpoint.c): a
 * neutralised read phase starts again from its checkpoint with every local
 * the caller set before it intact, in the same frame and in deeper ones,
 * across two read phases of one operation, while other threads retire.  On
 * x86_64 release builds this runs the register-saving checkpoint
 * (smr__cp_arm), in sanitizer builds sigsetjmp.  Built with SMR_DEBUG=1. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ccmem.h>

#include "support.h"

#define CANARY 0x5eedc0ffee15900dull

typedef struct node {
	uint64_t canary;
	uint64_t pad[3];
} node_t;

static node_t *g_slot;        /* swapped and retired by the retirers */
static atomic_int g_stop;     /* retirers stop */
static atomic_long g_phases;  /* read phases the reader completed */

/* Spins of a read phase: long enough to hold the epoch over the signaller's
 * patience (32 of its checks), short enough to finish between signals. */
#define SPIN (CCT_SANITIZED ? 2000 : 20000)
/* Restarts the reader waits for, and the most seconds it tries. */
#define RESTARTS_WANTED 200
#define MAX_SECONDS 60

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t combine(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, uint64_t f, uint64_t g,
                        uint64_t h)
{
	return ((a + 3 * b) ^ (c * 5 + d)) + ((e ^ (7 * f)) - (g + 11 * h));
}

/* A frame below the checkpoint's: a signal may land here, and the jump
 * abandons it.  Loads only. */
__attribute__((noinline)) static uint64_t deeper(smr_context_t *ctx, uint64_t a, uint64_t b, uint64_t c,
                                                 uint64_t d, uint64_t e, uint64_t f, uint64_t g, uint64_t h)
{
	uint64_t acc = 0;
	for (int k = 0; k < SPIN / 4; k++) {
		node_t *n = smr_protect(ctx, (void *const *)&g_slot);
		if (n->canary != CANARY)
			abort(); /* a node freed under a reader */
		acc += combine(a, b, c, d, e, f, g, h) ^ (uint64_t)k;
	}
	return acc;
}

/* GCC's -Wclobbered flags every local of two_phase_op that lives across the
 * checkpoint in a register where the checkpoint is sigsetjmp (sanitizer
 * builds).  These locals are never changed after the checkpoint, which is
 * what C and smr.h require of non-volatile locals; keeping them non-volatile
 * is the point of the test (a restart must find them as they were). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wclobbered"
#endif

/* The value deeper() returns for these inputs, computed outside any region. */
static uint64_t deeper_expected(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, uint64_t f,
                                uint64_t g, uint64_t h)
{
	uint64_t acc = 0;
	for (int k = 0; k < SPIN / 4; k++)
		acc += combine(a, b, c, d, e, f, g, h) ^ (uint64_t)k;
	return acc;
}

/* One operation with two read phases.  a..h and the expected values are set
 * before the first checkpoint and never changed after it: a restart must
 * find them as they were.  Everything the read phases change is declared
 * after the checkpoint (smr.h's rule). */
static void two_phase_op(smr_context_t *ctx, uint64_t i)
{
	uint64_t a = mix(8 * i), b = mix(8 * i + 1), c = mix(8 * i + 2), d = mix(8 * i + 3);
	uint64_t e = mix(8 * i + 4), f = mix(8 * i + 5), g = mix(8 * i + 6), h = mix(8 * i + 7);
	uint64_t want = combine(a, b, c, d, e, f, g, h);
	uint64_t want_deep = deeper_expected(a, b, c, d, e, f, g, h);
	smr_begin_op(ctx);
	smr_checkpoint(ctx);
	for (int k = 0; k < SPIN; k++) {
		node_t *n = smr_protect(ctx, (void *const *)&g_slot);
		if (n->canary != CANARY || combine(a, b, c, d, e, f, g, h) != want)
			abort(); /* a freed node, or a local lost across a restart */
	}
	if (deeper(ctx, a, b, c, d, e, f, g, h) != want_deep)
		abort();
	smr_write_phase(ctx);
	atomic_fetch_add_explicit(&g_phases, 1, memory_order_relaxed);
	/* a second read phase of the same operation, its own checkpoint */
	smr_checkpoint(ctx);
	for (int k = 0; k < SPIN; k++) {
		node_t *n = smr_protect(ctx, (void *const *)&g_slot);
		if (n->canary != CANARY || combine(a, b, c, d, e, f, g, h) != want)
			abort();
	}
	if (deeper(ctx, h, g, f, e, d, c, b, a) != deeper_expected(h, g, f, e, d, c, b, a))
		abort();
	smr_write_phase(ctx);
	atomic_fetch_add_explicit(&g_phases, 1, memory_order_relaxed);
	smr_end_op(ctx);
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

static void *retirer(void *arg)
{
	smr_context_t *ctx = smr_thread_register(arg);
	ck_assert_ptr_nonnull(ctx);
	while (!atomic_load_explicit(&g_stop, memory_order_relaxed)) {
		node_t *n = smr_alloc(ctx, sizeof *n);
		ck_assert_ptr_nonnull(n);
		n->canary = CANARY;
		smr_begin_op(ctx);
		node_t *old = __atomic_exchange_n(&g_slot, n, __ATOMIC_SEQ_CST);
		smr_end_op(ctx);
		smr_retire(ctx, old, sizeof *old);
	}
	smr_thread_unregister(ctx);
	return NULL;
}

static smr_stats_t stats(smr_domain_t *d)
{
	smr_stats_t s;
	smr_domain_stats(d, &s);
	return s;
}

START_TEST(restart_keeps_locals)
{
	smr_options_t o;
	smr_options_init(&o, SMR_DEBRA_PLUS);
	o.max_threads = 8;
	o.batch_size = 8;
	o.empty_freq = 8;
	o.neutralize_after = 8; /* signal the reader early and often */
	smr_domain_t *d = smr_domain_create(&o);
	ck_assert_msg(d != NULL, "create: %s", strerror(errno));
	smr_context_t *ctx = smr_thread_register(d);
	node_t *first = smr_alloc(ctx, sizeof *first);
	ck_assert_ptr_nonnull(first);
	first->canary = CANARY;
	g_slot = first;
	atomic_store(&g_stop, 0);
	atomic_store(&g_phases, 0);
	pthread_t r[2];
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&r[i], NULL, retirer, d), 0);
	time_t start = time(NULL);
	uint64_t ops = 0;
	while (stats(d).restarts < RESTARTS_WANTED && time(NULL) - start < MAX_SECONDS)
		two_phase_op(ctx, ops++);
	smr_stats_t s = stats(d);
	atomic_store(&g_stop, 1);
	for (int i = 0; i < 2; i++)
		pthread_join(r[i], NULL);
	fprintf(stderr, "restart_keeps_locals: %llu operations, %llu signals, %llu restarts\n",
	        (unsigned long long)ops, (unsigned long long)s.signals, (unsigned long long)s.restarts);
	/* every read phase that was completed was counted once, restarts or not */
	ck_assert_int_eq(atomic_load(&g_phases), 2 * (long)ops);
	ck_assert_msg(s.restarts >= RESTARTS_WANTED, "%llu restarts in %llu operations (%d s)",
	              (unsigned long long)s.restarts, (unsigned long long)ops, MAX_SECONDS);
	smr_retire(ctx, g_slot, sizeof(node_t));
	smr_thread_unregister(ctx);
	smr_domain_destroy(d);
}
END_TEST

/* The build runs the checkpoint it should: the register-saving one on x86_64
 * without sanitizers (so restart_keeps_locals tests it there), sigsetjmp with
 * them. */
START_TEST(checkpoint_kind)
{
#if defined(__x86_64__) && !CCT_SANITIZED && !defined(__CET__)
	ck_assert_int_eq(SMR__CP_FAST, 1);
#elif CCT_SANITIZED
	ck_assert_int_eq(SMR__CP_FAST, 0);
#endif
	smr_options_t o;
	smr_options_init(&o, SMR_DEBRA_PLUS);
	smr_domain_t *d = smr_domain_create(&o);
	ck_assert_ptr_nonnull(d);
	smr_context_t *ctx = smr_thread_register(d);
	smr_begin_op(ctx);
	smr_checkpoint(ctx);
	ck_assert(smr_in_restartable(ctx));
	/* the register save marks its buffer with the resume address */
	ck_assert_int_eq(ctx->priv.jb.regs[SMR__CP_PC] != 0, SMR__CP_FAST);
	smr_write_phase(ctx);
	ck_assert(!smr_in_restartable(ctx));
	smr_end_op(ctx);
	smr_thread_unregister(ctx);
	smr_domain_destroy(d);
}
END_TEST

static Suite *restart_suite(void)
{
	Suite *s = suite_create("smr_restart");
	TCase *tc = tcase_create("restart");
	tcase_set_timeout(tc, 2 * MAX_SECONDS + 60);
	tcase_add_test(tc, checkpoint_kind);
	tcase_add_test(tc, restart_keeps_locals);
	suite_add_tcase(s, tc);
	return s;
}

static int probe(const char *name)
{
	(void)name;
	return 2;
}

int main(int argc, char **argv)
{
	return cct_main(argc, argv, restart_suite, probe);
}

/*
 * stress/abc.c - alloc in A, retire in B, reclaim in C.
 *
 * A threads allocate nodes with smr_alloc (each carries its allocating
 * thread and a canary) and publish them into a ring of slots.  B threads
 * read slots inside operations (smr_protect), check the canary, unlink a node
 * with a CAS and retire it.  C threads only call smr_poll.  With C threads the
 * domain runs in dedicated-reclaimer mode (empty_freq 0): B never frees.
 * Every node's canary is checked again when it is freed; the run counts nodes
 * freed by a thread other than their allocator and by a C thread.
 *
 * Fails (exit 1) if a canary is broken, if no node took the A -> B -> C path
 * (when C threads run), or if anything is left after destroy.  Bad arguments:
 * one line on stderr, exit 2, nothing run.
 *
 *   stress-abc [--alloc N] [--retire N] [--reclaim N] [--scheme S]
 *              [--backend B] [--duration SECONDS | --ops N] [--json FILE]
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ccmem.h>

#include "harness.h"

#define CANARY 0xc0ffee15deadbeefull
#define POISON 0x5a5a5a5a5a5a5a5aull
#define SLOTS 1024
#define MAX_THREADS 64

enum { ROLE_A, ROLE_B, ROLE_C };

typedef struct node {
	uint64_t canary;
	uint32_t owner; /* allocating thread */
	uint32_t role_of_owner;
	uint64_t seq;
} node_t;

static smr_domain_t *g_d;
static void *g_slots[SLOTS];
static uint64_t g_stop;        /* set by main */
static uint64_t g_target_ops;  /* --ops, 0 = by duration */
static uint64_t g_retired_ops; /* retires so far (B threads) */

/* results, counted with atomics (the fini may run on any thread) */
static uint64_t g_canary_bad, g_cross_frees, g_abc_frees, g_freed_nodes;

static _Thread_local uint32_t t_id;
static _Thread_local int t_role;

static void node_fini(void *p)
{
	node_t *n = p;
	if (n->canary != CANARY)
		cc_atomic_faa_u64(&g_canary_bad, 1);
	if (n->owner != t_id)
		cc_atomic_faa_u64(&g_cross_frees, 1);
	if (n->role_of_owner == ROLE_A && t_role == ROLE_C)
		cc_atomic_faa_u64(&g_abc_frees, 1);
	cc_atomic_faa_u64(&g_freed_nodes, 1);
	n->canary = POISON;
}

typedef struct {
	uint32_t id;
	int role;
} targ_t;

static bool stopping(void)
{
	return cc_atomic_load_relaxed_u64(&g_stop) != 0;
}

static void *thread_main(void *arg)
{
	targ_t *a = arg;
	t_id = a->id;
	t_role = a->role;
	smr_context_t *ctx = smr_thread_register(g_d);
	if (ctx == NULL) {
		fprintf(stderr, "stress-abc: register: %s\n", strerror(errno));
		exit(1);
	}
	uint64_t seed = 0x9e3779b97f4a7c15ull * (a->id + 1);
	uint64_t seq = 0;
	while (!stopping()) {
		size_t i = (size_t)(sh_rng(&seed) % SLOTS);
		if (a->role == ROLE_A) {
			node_t *n = smr_alloc(ctx, sizeof *n);
			if (n == NULL)
				continue;
			n->canary = CANARY;
			n->owner = a->id;
			n->role_of_owner = ROLE_A;
			n->seq = seq++;
			/* publish into an empty slot; seq_cst CAS releases the contents */
			bool published = false;
			while (!stopping() && !(published = cc_atomic_cas_ptr(&g_slots[i], NULL, n)))
				i = (size_t)(sh_rng(&seed) % SLOTS);
			if (!published)
				smr_retire_cb(ctx, n, sizeof *n, node_fini); /* never shared: retire it ourselves */
		} else if (a->role == ROLE_B) {
			smr_begin_op(ctx);
			node_t *n = smr_protect(ctx, &g_slots[i]);
			bool took = false;
			if (n != NULL) {
				if (n->canary != CANARY) /* a node in use must be intact */
					cc_atomic_faa_u64(&g_canary_bad, 1);
				took = cc_atomic_cas_ptr(&g_slots[i], n, NULL);
			}
			smr_end_op(ctx);
			if (took) {
				smr_retire_cb(ctx, n, sizeof *n, node_fini);
				uint64_t done = cc_atomic_faa_u64(&g_retired_ops, 1) + 1;
				if (g_target_ops && done >= g_target_ops)
					cc_atomic_store_relaxed_u64(&g_stop, 1);
			}
		} else {
			smr_poll(ctx);
		}
	}
	smr_thread_unregister(ctx);
	return NULL;
}

static int bad_args(const char *msg)
{
	fprintf(stderr, "stress-abc: %s (valid: --alloc N, --retire N, --reclaim N with N >= 0 and "
	                "A, B >= 1; --scheme ibr|debra|debra+|none; --backend mimalloc|system|fault; "
	                "--duration SECONDS (> 0); --ops N (> 0); --json FILE)\n", msg);
	return 2;
}

int main(int argc, char **argv)
{
	long na = 1, nb = 1, nc = 1;
	smr_scheme_t scheme = SMR_DEBRA;
	double duration = 2.0;
	const char *json = NULL;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(o, "--help") == 0) {
			printf("usage: stress-abc [--alloc N] [--retire N] [--reclaim N] [--scheme S] [--backend B]\n"
			       "                  [--duration SECONDS | --ops N] [--json FILE]\n");
			return 0;
		}
		if (v == NULL)
			return bad_args("missing value or unknown option");
		i++;
		if (strcmp(o, "--alloc") == 0) {
			if (!sh_parse_long(v, 1, MAX_THREADS, &na))
				return bad_args("--alloc wants a count from 1");
		} else if (strcmp(o, "--retire") == 0) {
			if (!sh_parse_long(v, 1, MAX_THREADS, &nb))
				return bad_args("--retire wants a count from 1");
		} else if (strcmp(o, "--reclaim") == 0) {
			if (!sh_parse_long(v, 0, MAX_THREADS, &nc))
				return bad_args("--reclaim wants a count from 0");
		} else if (strcmp(o, "--scheme") == 0) {
			if (smr_scheme_parse(v, &scheme) != 0)
				return bad_args("unknown scheme");
		} else if (strcmp(o, "--backend") == 0) {
			cc_backend_t b;
			if (cc_backend_parse(v, &b) != 0)
				return bad_args("unknown backend");
			cc_config_set_backend(b);
		} else if (strcmp(o, "--duration") == 0) {
			if (!sh_parse_seconds(v, &duration))
				return bad_args("--duration wants a number of seconds above 0");
			g_target_ops = 0;
		} else if (strcmp(o, "--ops") == 0) {
			if (!sh_parse_count(v, &g_target_ops))
				return bad_args("--ops wants a count above 0");
		} else if (strcmp(o, "--json") == 0) {
			json = v;
		} else {
			return bad_args("unknown option");
		}
	}
	if (na + nb + nc + 1 > MAX_THREADS)
		return bad_args("too many threads");

	cc_alloc_stats_enable(true);
	cc_alloc_stats_reset();
	smr_options_t opts;
	smr_options_init(&opts, scheme);
	opts.max_threads = MAX_THREADS;
	if (nc > 0)
		opts.empty_freq = 0; /* B never frees: C threads reclaim */
	g_d = smr_domain_create(&opts);
	if (g_d == NULL) {
		fprintf(stderr, "stress-abc: domain: %s\n", strerror(errno));
		return 1;
	}
	printf("stress-abc: %ld alloc, %ld retire, %ld reclaim threads, scheme %s, backend %s, %s\n", na, nb, nc,
	       smr_scheme_name(scheme), cc_backend_name(cc_config_backend()),
	       g_target_ops ? "until --ops retires" : "timed");
	pthread_t th[MAX_THREADS];
	targ_t args[MAX_THREADS];
	int n = 0;
	for (long k = 0; k < na; k++, n++)
		args[n] = (targ_t){.id = (uint32_t)n + 1, .role = ROLE_A};
	for (long k = 0; k < nb; k++, n++)
		args[n] = (targ_t){.id = (uint32_t)n + 1, .role = ROLE_B};
	for (long k = 0; k < nc; k++, n++)
		args[n] = (targ_t){.id = (uint32_t)n + 1, .role = ROLE_C};
	for (int k = 0; k < n; k++)
		pthread_create(&th[k], NULL, thread_main, &args[k]);
	double t0 = sh_now(), last = 0;
	smr_stats_t s;
	while (!stopping()) {
		usleep(20000);
		double el = sh_now() - t0;
		if (!g_target_ops && el >= duration)
			cc_atomic_store_relaxed_u64(&g_stop, 1);
		if (el - last >= 0.5 || stopping()) {
			last = el;
			smr_domain_stats(g_d, &s);
			sh_progress("%6.1fs retired %llu freed %llu pending %llu A->B->C %llu", el, (unsigned long long)s.retired, (unsigned long long)s.freed,
			        (unsigned long long)s.pending, (unsigned long long)cc_atomic_load_relaxed_u64(&g_abc_frees));
		}
	}
	for (int k = 0; k < n; k++)
		pthread_join(th[k], NULL);
	sh_progress_end();
	double secs = sh_now() - t0;

	/* drain: retire what is still published, free what is safe, destroy */
	t_id = 0;
	t_role = -1;
	smr_context_t *m = smr_thread_register(g_d);
	uint64_t left_in_slots = 0;
	for (size_t i = 0; i < SLOTS; i++) {
		void *p = cc_atomic_fas_ptr(&g_slots[i], NULL);
		if (p) {
			smr_retire_cb(m, p, sizeof(node_t), node_fini);
			left_in_slots++;
		}
	}
	smr_domain_stats(g_d, &s);
	uint64_t retired_total = s.retired;
	uint64_t peak = s.peak_pending;
	smr_thread_unregister(m);
	smr_domain_destroy(g_d);
	cc_alloc_snapshot_t g = cc_alloc_stats_snapshot();

	uint64_t bad = cc_atomic_load_relaxed_u64(&g_canary_bad);
	uint64_t abc = cc_atomic_load_relaxed_u64(&g_abc_frees);
	uint64_t freed = cc_atomic_load_relaxed_u64(&g_freed_nodes);
	bool leak = g.current_allocated != 0 || g.alloc_count != g.free_count || freed != retired_total;
	bool no_path = nc > 0 && scheme != SMR_NONE && abc == 0; /* NONE frees only at destroy */
	printf("\nsummary (%.2f s)\n", secs);
	printf("  retired            %12llu (%llu left in slots at the end)\n", (unsigned long long)retired_total,
	       (unsigned long long)left_in_slots);
	printf("  freed              %12llu\n", (unsigned long long)freed);
	printf("  peak pending       %12llu\n", (unsigned long long)peak);
	printf("  cross-thread frees %12llu\n", (unsigned long long)cc_atomic_load_relaxed_u64(&g_cross_frees));
	printf("  A->B->C frees      %12llu\n", (unsigned long long)abc);
	printf("  canary violations  %12llu\n", (unsigned long long)bad);
	printf("  left after destroy %12llu bytes in %lld blocks\n", (unsigned long long)g.current_allocated,
	       (long long)(g.alloc_count - g.free_count));
	if (json) {
		FILE *f = fopen(json, "w");
		if (f) {
			fprintf(f,
			        "{\"scheme\": \"%s\", \"alloc\": %ld, \"retire\": %ld, \"reclaim\": %ld, \"seconds\": %.3f, "
			        "\"retired\": %llu, \"freed\": %llu, \"peak_pending\": %llu, \"cross_thread_frees\": %llu, "
			        "\"abc_frees\": %llu, \"canary_violations\": %llu, \"left_bytes\": %llu}\n",
			        smr_scheme_name(scheme), na, nb, nc, secs, (unsigned long long)retired_total,
			        (unsigned long long)freed, (unsigned long long)peak,
			        (unsigned long long)cc_atomic_load_relaxed_u64(&g_cross_frees), (unsigned long long)abc,
			        (unsigned long long)bad, (unsigned long long)g.current_allocated);
			fclose(f);
		} else {
			fprintf(stderr, "stress-abc: cannot write %s: %s\n", json, strerror(errno));
		}
	}
	if (bad || leak || no_path) {
		printf("FAILED:%s%s%s\n", bad ? " broken canaries" : "", leak ? " memory left or nodes lost" : "",
		       no_path ? " no node went A -> B -> C" : "");
		return 1;
	}
	printf("OK\n");
	return 0;
}

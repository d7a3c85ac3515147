/*
 * bench/bench_smr.c - per-operation cost of the reclamation schemes next to
 * Concurrency Kit's ck_epoch, measured in one run.
 *
 * Rows (ns per operation, each thread, median of --rounds interleaved runs):
 *   begin/end     an empty read-side section: smr_begin_op + smr_end_op,
 *                 ck_epoch_begin + ck_epoch_end
 *   protect       one shared-pointer load inside an operation: smr_protect
 *                 against a plain acquire load (the epoch does not move)
 *   retire cycle  begin, allocate a 64-byte node, end, retire it, with the
 *                 scheme's amortised reclamation; ck: ck_epoch_call and a
 *                 ck_epoch_poll every 64 calls (as ccmem's empty_freq)
 * for 1 and 2 threads.  Ratios are to ck_epoch (protect: to the plain load).
 *
 *   bench_smr [--rounds N] [--ops N] [--json FILE] [--csv FILE]
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <ck_epoch.h>
#include <ccmem.h>

#include "bench_util.h"

enum { V_IBR, V_DEBRA, V_DEBRAP, V_NONE, V_CK, V_PLAIN, NV };
static const char *const vkey[NV] = {"ibr", "debra", "debra+", "none", "ck_epoch", "plain_load"};
static const smr_scheme_t vscheme[] = {SMR_IBR, SMR_DEBRA, SMR_DEBRA_PLUS, SMR_NONE};

enum { R_BEGIN_END, R_PROTECT, R_RETIRE, NR };
static const char *const rkey[NR] = {"begin_end", "protect", "retire_cycle"};

static size_t g_ops = 2000000;
static int g_rounds = 7;

typedef struct {
	ck_epoch_entry_t entry;
	char payload[64 - sizeof(ck_epoch_entry_t)];
} ck_node_t;

static void ck_free_node(ck_epoch_entry_t *e)
{
	cc_free(e, sizeof(ck_node_t));
}

typedef struct {
	int v, row;
	smr_domain_t *d;
	ck_epoch_t *ck;
	pthread_barrier_t *start;
	uint64_t ns;
} job_t;

static void *volatile g_ptrs[64];
static volatile uintptr_t g_sink;

static void *run(void *arg)
{
	job_t *j = arg;
	smr_context_t *ctx = NULL;
	ck_epoch_record_t *rec = NULL;
	if (j->v < V_CK)
		ctx = smr_thread_register(j->d);
	else if (j->v == V_CK) {
		rec = cc_alloc_node(sizeof *rec);
		ck_epoch_register(j->ck, rec, NULL);
	}
	uintptr_t acc = 0;
	pthread_barrier_wait(j->start);
	uint64_t t0 = bu_now_ns();
	size_t n = g_ops;
	switch (j->row) {
	case R_BEGIN_END:
		if (rec) {
			for (size_t i = 0; i < n; i++) {
				ck_epoch_begin(rec, NULL);
				ck_epoch_end(rec, NULL);
			}
		} else {
			for (size_t i = 0; i < n; i++) {
				smr_begin_op(ctx);
				smr_end_op(ctx);
			}
		}
		break;
	case R_PROTECT:
		if (ctx) {
			smr_begin_op(ctx);
			for (size_t i = 0; i < n; i++)
				acc += (uintptr_t)smr_protect(ctx, (void *const *)&g_ptrs[i & 63]);
			smr_end_op(ctx);
		} else {
			for (size_t i = 0; i < n; i++)
				acc += (uintptr_t)cc_atomic_load_acquire_ptr((void *const *)&g_ptrs[i & 63]);
		}
		break;
	case R_RETIRE:
		if (rec) {
			for (size_t i = 0; i < n; i++) {
				ck_epoch_begin(rec, NULL);
				ck_node_t *x = cc_alloc(sizeof *x);
				x->payload[0] = (char)i;
				ck_epoch_end(rec, NULL);
				ck_epoch_call(rec, &x->entry, ck_free_node);
				if ((i & 63) == 63)
					ck_epoch_poll(rec);
			}
		} else {
			for (size_t i = 0; i < n; i++) {
				smr_begin_op(ctx);
				char *x = smr_alloc(ctx, 64);
				x[0] = (char)i;
				smr_end_op(ctx);
				smr_retire(ctx, x, 64);
			}
		}
		break;
	}
	j->ns = bu_now_ns() - t0;
	g_sink = acc;
	if (ctx)
		smr_thread_unregister(ctx);
	if (rec) {
		ck_epoch_barrier(rec); /* runs every pending callback (unregister would drop them) */
		ck_epoch_unregister(rec);
		cc_free(rec, sizeof *rec); /* its ck_epoch_t is discarded after this cell */
	}
	return NULL;
}

static double measure(int v, int row, int threads)
{
	smr_domain_t *d = NULL;
	ck_epoch_t ck;
	if (v < V_CK) {
		smr_options_t o;
		smr_options_init(&o, vscheme[v]);
		d = smr_domain_create(&o);
	} else {
		ck_epoch_init(&ck);
	}
	pthread_barrier_t start;
	pthread_barrier_init(&start, NULL, (unsigned)threads);
	job_t jobs[2];
	pthread_t th[2];
	for (int t = 0; t < threads; t++) {
		jobs[t] = (job_t){.v = v, .row = row, .d = d, .ck = &ck, .start = &start};
		pthread_create(&th[t], NULL, run, &jobs[t]);
	}
	uint64_t ns = 0;
	for (int t = 0; t < threads; t++) {
		pthread_join(th[t], NULL);
		ns = jobs[t].ns > ns ? jobs[t].ns : ns;
	}
	pthread_barrier_destroy(&start);
	if (d)
		smr_domain_destroy(d);
	return (double)ns / (double)g_ops;
}

static bool applies(int v, int row)
{
	if (row == R_PROTECT)
		return v != V_CK; /* ck_epoch has no per-load step: its row is the plain load */
	return v != V_PLAIN;
}

int main(int argc, char **argv)
{
	const char *json = "out/bench_smr.json", *csv = "out/bench_smr.csv";
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
			g_rounds = atoi(argv[++i]);
		else if (strcmp(argv[i], "--ops") == 0 && i + 1 < argc)
			g_ops = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--json") == 0 && i + 1 < argc)
			json = argv[++i];
		else if (strcmp(argv[i], "--csv") == 0 && i + 1 < argc)
			csv = argv[++i];
		else {
			fprintf(stderr, "usage: %s [--rounds N] [--ops N] [--json FILE] [--csv FILE]\n", argv[0]);
			return 2;
		}
	}
	if (g_rounds < 1 || g_rounds > 64 || g_ops < 64) {
		fprintf(stderr, "bench_smr: --rounds must be 1..64 and --ops >= 64\n");
		return 2;
	}
	for (size_t i = 0; i < 64; i++)
		g_ptrs[i] = (void *)(uintptr_t)(i * 64 + 64);

	static double samples[NR][2][NV][64];
	double med[NR][2][NV];
	memset(med, 0, sizeof med);
	for (int r = 0; r < g_rounds; r++)
		for (int row = 0; row < NR; row++)
			for (int t = 1; t <= 2; t++) {
				bu_progress("round %d/%d  %-12s %d thread(s)", r + 1, g_rounds, rkey[row], t);
				for (int k = 0; k < NV; k++) {
					int v = (k + r) % NV;
					if (applies(v, row))
						samples[row][t - 1][v][r] = measure(v, row, t);
				}
			}
	bu_progress_done();
	for (int row = 0; row < NR; row++)
		for (int t = 0; t < 2; t++)
			for (int v = 0; v < NV; v++)
				if (applies(v, row))
					med[row][t][v] = bu_median(samples[row][t][v], (size_t)g_rounds);

	printf("ns per operation and thread, median of %d interleaved rounds of %zu ops\n", g_rounds, g_ops);
	printf("%-13s %3s | %8s %8s %8s %8s %8s | %s\n", "row", "thr", "ibr", "debra", "debra+", "none", "peer",
	       "ratios to the peer (ck_epoch; protect: plain load)");
	for (int row = 0; row < NR; row++)
		for (int t = 0; t < 2; t++) {
			double *m = med[row][t];
			double peer = row == R_PROTECT ? m[V_PLAIN] : m[V_CK];
			printf("%-13s %3d | %8.2f %8.2f %8.2f %8.2f %8.2f | ibr %.2fx debra %.2fx debra+ %.2fx none %.2fx\n",
			       rkey[row], t + 1, m[V_IBR], m[V_DEBRA], m[V_DEBRAP], m[V_NONE], peer, m[V_IBR] / peer,
			       m[V_DEBRA] / peer, m[V_DEBRAP] / peer, m[V_NONE] / peer);
		}
	printf("summary: DEBRA begin/end %.2f ns vs ck_epoch %.2f ns (1 thread; goal: no dearer); "
	       "IBR protect %.2f ns over a plain load (goal: within 2 ns)\n",
	       med[R_BEGIN_END][0][V_DEBRA], med[R_BEGIN_END][0][V_CK],
	       med[R_PROTECT][0][V_IBR] - med[R_PROTECT][0][V_PLAIN]);

	FILE *f = bu_open_out(json);
	if (f) {
		fprintf(f, "{\"rounds\": %d, \"ops\": %zu, \"results\": [", g_rounds, g_ops);
		bool first = true;
		for (int row = 0; row < NR; row++)
			for (int t = 0; t < 2; t++)
				for (int v = 0; v < NV; v++)
					if (applies(v, row)) {
						fprintf(f, "%s\n  {\"row\": \"%s\", \"threads\": %d, \"variant\": \"%s\", \"ns\": %.3f}",
						        first ? "" : ",", rkey[row], t + 1, vkey[v], med[row][t][v]);
						first = false;
					}
		fprintf(f, "\n]}\n");
		fclose(f);
	}
	f = bu_open_out(csv);
	if (f) {
		fprintf(f, "row,threads,variant,ns_per_op\n");
		for (int row = 0; row < NR; row++)
			for (int t = 0; t < 2; t++)
				for (int v = 0; v < NV; v++)
					if (applies(v, row))
						fprintf(f, "%s,%d,%s,%.3f\n", rkey[row], t + 1, vkey[v], med[row][t][v]);
		fclose(f);
	}
	printf("wrote %s and %s\n", json, csv);
	return 0;
}

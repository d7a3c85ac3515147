/*
 * bench/bench_profiler.c - what the memory profiler costs an allocation-heavy
 * workload, in one run: no profiler, sample_rate 0.01 (default tracking),
 * sample_rate 1.0 with full tracking (sizes, latency, per-thread,
 * cross-thread, leaks), and the same with call stacks.
 *
 * Workloads (each thread runs its own, N threads at once):
 *   churn   a working set of 4096 blocks of 16..512 bytes per thread; each
 *           step frees a random one and allocates a new one, writing its
 *           first 64 bytes (a node being initialised)
 *   xthread one thread allocates 64-byte nodes, another frees them (ring):
 *           every free crosses threads
 *   pair    cc_alloc(64) / cc_free in batches of 32: the glue alone, the
 *           worst case for any per-call overhead
 * Every cell is the median of --rounds runs, the variants interleaved inside
 * each round (rotated) so drift cancels; ratios are to "none" of the same run.
 *
 *   bench_profiler [--rounds N] [--ops N] [--threads N] [--latency-rate Q] [--json FILE] [--csv FILE]
 *   bench_profiler --only VARIANT --workload W [--ops N] [--threads N] [--rate P] [--latency-rate Q]
 *
 * --only runs one cell once (VARIANT: none, rate_0.01, rate_1.0_full,
 * rate_1.0_full_stacks): for instruction counts under callgrind, where a
 * loaded machine makes wall time useless (two runs with different --ops give
 * instructions per operation by difference).  --rate P runs the sampled
 * variant at rate P instead of 0.01 (to split the cost of the inline path
 * from that of the sampled events); --latency-rate Q sets the profilers'
 * latency_sample_rate (default 0.125; 1 times every sampled event).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <ccmem.h>

#include "bench_ring.h"
#include "bench_util.h"

enum { V_NONE, V_R001, V_R1, V_R1_STACKS, NV };
static const char *const vkey[NV] = {"none", "rate_0.01", "rate_1.0_full", "rate_1.0_full_stacks"};
static const char *const vname[NV] = {"no profiler", "0.01", "1.0 full", "1.0 full+stacks"};

enum { W_CHURN, W_XTHREAD, W_PAIR, NW };
static const char *const wkey[NW] = {"churn", "xthread", "pair"};

static size_t g_ops = 2000000;
static double g_low_rate = 0.01; /* the sampled variant's rate (--rate, for experiments) */
static double g_lat_rate = -1;    /* latency_sample_rate (--latency-rate); < 0: the default */
static int g_rounds = 7;
static int g_threads = 2;

#define WS 4096

typedef struct {
	int w;
	pthread_barrier_t *start;
	uint64_t ns;
	uint64_t seed;
	bu_ring_t ring;
	bool producer;
} job_t;

static inline uint64_t xs(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static void churn(job_t *j)
{
	void **set = calloc(WS, sizeof *set);
	uint16_t *sz = calloc(WS, sizeof *sz);
	uint64_t s = j->seed | 1;
	for (int i = 0; i < WS; i++) {
		sz[i] = (uint16_t)(16 + (xs(&s) % 497));
		set[i] = cc_alloc(sz[i]);
		memset(set[i], 0, sz[i] < 64 ? sz[i] : 64);
	}
	for (size_t n = 0; n < g_ops; n++) {
		uint64_t r = xs(&s);
		size_t k = r % WS;
		cc_free(set[k], sz[k]);
		sz[k] = (uint16_t)(16 + ((r >> 20) % 497));
		set[k] = cc_alloc(sz[k]);
		memset(set[k], (int)n, sz[k] < 64 ? sz[k] : 64);
	}
	for (int i = 0; i < WS; i++)
		cc_free(set[i], sz[i]);
	free(set);
	free(sz);
}

static void pair(void)
{
	void *b[32];
	for (size_t done = 0; done < g_ops; done += 32) {
		for (int k = 0; k < 32; k++) {
			b[k] = cc_alloc(64);
			*(volatile char *)b[k] = (char)k;
		}
		for (int k = 0; k < 32; k++)
			cc_free(b[k], 64);
	}
}

static void xthread(job_t *j)
{
	for (size_t n = 0; n < g_ops; n++) {
		if (j->producer) {
			void *p = cc_alloc(64);
			memset(p, 1, 64);
			bu_ring_push(&j->ring, p);
		} else {
			void *p = bu_ring_pop(&j->ring);
			cc_free(p, 64);
		}
	}
}

static void *worker(void *arg)
{
	job_t *j = arg;
	pthread_barrier_wait(j->start);
	uint64_t t0 = bu_now_ns();
	if (j->w == W_CHURN)
		churn(j);
	else if (j->w == W_PAIR)
		pair();
	else
		xthread(j);
	j->ns = bu_now_ns() - t0;
	return NULL;
}

static cc_profiler_t *profiler_for(int v)
{
	if (v == V_NONE)
		return NULL;
	cc_profiler_options_t o;
	cc_profiler_options_init(&o);
	if (g_lat_rate > 0)
		o.latency_sample_rate = g_lat_rate;
	if (v == V_R001) {
		o.sample_rate = g_low_rate;
	} else {
		o.sample_rate = 1.0;
		o.track_per_thread = true;
		o.detect_leaks = true;
		o.capture_stacks = v == V_R1_STACKS;
	}
	cc_profiler_t *p = cc_profiler_create(&o);
	if (p == NULL || cc_profiler_start(p) != 0) {
		fprintf(stderr, "profiler: %s\n", strerror(errno));
		exit(1);
	}
	return p;
}

/* ns per operation (one alloc + one free) for one (variant, workload). */
static double measure(int v, int w)
{
	int nt = w == W_XTHREAD ? 2 : g_threads;
	job_t jobs[64];
	pthread_t th[64];
	pthread_barrier_t start;
	static void *ring[BU_RING];
	uint64_t head = 0, tail = 0;
	pthread_barrier_init(&start, NULL, (unsigned)nt);
	cc_profiler_t *p = profiler_for(v);
	for (int t = 0; t < nt; t++) {
		jobs[t] = (job_t){.w = w, .start = &start, .seed = 0x9e3779b97f4a7c15ull * (uint64_t)(t + 1),
		                  .ring = {ring, &head, &tail}, .producer = t == 0};
		pthread_create(&th[t], NULL, worker, &jobs[t]);
	}
	uint64_t ns = 0;
	for (int t = 0; t < nt; t++) {
		pthread_join(th[t], NULL);
		if (jobs[t].ns > ns)
			ns = jobs[t].ns;
	}
	if (p != NULL) {
		cc_profiler_stop(p);
		const cc_profiler_report_t *r = cc_profiler_report(p);
		if (r == NULL || r->alloc_count < g_ops) {
			fprintf(stderr, "profiler report missing or short\n");
			exit(1);
		}
		cc_profiler_destroy(p);
	}
	pthread_barrier_destroy(&start);
	return (double)ns / (double)g_ops;
}

int main(int argc, char **argv)
{
	const char *json = "out/bench_profiler.json", *csv = "out/bench_profiler.csv";
	int only = -1, only_w = -1;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
			g_rounds = atoi(argv[++i]);
		else if (strcmp(argv[i], "--ops") == 0 && i + 1 < argc)
			g_ops = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
			g_threads = atoi(argv[++i]);
		else if (strcmp(argv[i], "--rate") == 0 && i + 1 < argc)
			g_low_rate = strtod(argv[++i], NULL);
		else if (strcmp(argv[i], "--latency-rate") == 0 && i + 1 < argc)
			g_lat_rate = strtod(argv[++i], NULL);
		else if (strcmp(argv[i], "--json") == 0 && i + 1 < argc)
			json = argv[++i];
		else if (strcmp(argv[i], "--csv") == 0 && i + 1 < argc)
			csv = argv[++i];
		else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
			const char *v = argv[++i];
			for (int k = 0; k < NV; k++)
				if (strcmp(v, vkey[k]) == 0)
					only = k;
			if (only < 0) {
				fprintf(stderr, "bench_profiler: unknown variant %s\n", v);
				return 2;
			}
		} else if (strcmp(argv[i], "--workload") == 0 && i + 1 < argc) {
			const char *v = argv[++i];
			for (int k = 0; k < NW; k++)
				if (strcmp(v, wkey[k]) == 0)
					only_w = k;
			if (only_w < 0) {
				fprintf(stderr, "bench_profiler: unknown workload %s\n", v);
				return 2;
			}
		} else {
			fprintf(stderr, "usage: %s [--rounds N] [--ops N] [--threads N] [--latency-rate Q] [--json FILE] [--csv FILE]\n"
			                "       %s --only VARIANT --workload W [--ops N] [--threads N] [--rate P] [--latency-rate Q]\n",
			        argv[0], argv[0]);
			return 2;
		}
	}
	if (g_rounds < 1 || g_rounds > 64 || g_ops < 64 || g_threads < 1 || g_threads > 64) {
		fprintf(stderr, "bench_profiler: --rounds 1..64, --ops >= 64, --threads 1..64\n");
		return 2;
	}
	g_ops -= g_ops % 32;
	if (cc_config_backend() != CC_BACKEND_MIMALLOC)
		fprintf(stderr, "note: backend is %s, not mimalloc\n", cc_backend_name(cc_config_backend()));
	if (only >= 0 || only_w >= 0) {
		if (only < 0 || only_w < 0) {
			fprintf(stderr, "bench_profiler: --only and --workload go together\n");
			return 2;
		}
		printf("%s %s %.2f ns/op\n", wkey[only_w], vkey[only], measure(only, only_w));
		return 0;
	}

	static double samples[NW][NV][64];
	double med[NW][NV];
	for (int r = 0; r < g_rounds; r++)
		for (int w = 0; w < NW; w++) {
			bu_progress("round %d/%d  %s", r + 1, g_rounds, wkey[w]);
			for (int k = 0; k < NV; k++) {
				int v = (k + r) % NV;
				samples[w][v][r] = measure(v, w);
			}
		}
	bu_progress_done();
	for (int w = 0; w < NW; w++)
		for (int v = 0; v < NV; v++)
			med[w][v] = bu_median(samples[w][v], (size_t)g_rounds);

	printf("profiler overhead: ns per alloc+free (median of %d rounds, %zu ops, %d threads; xthread: 2)\n",
	       g_rounds, g_ops, g_threads);
	printf("%-9s", "workload");
	for (int v = 0; v < NV; v++)
		printf(" %16s", vname[v]);
	printf("\n");
	for (int w = 0; w < NW; w++) {
		printf("%-9s", wkey[w]);
		for (int v = 0; v < NV; v++) {
			char cell[40];
			if (v == V_NONE)
				snprintf(cell, sizeof cell, "%.1f", med[w][v]);
			else
				snprintf(cell, sizeof cell, "%.1f (%.2fx)", med[w][v], med[w][v] / med[w][V_NONE]);
			printf(" %16s", cell);
		}
		printf("\n");
	}

	FILE *f = bu_open_out(json);
	if (f != NULL) {
		fprintf(f, "{\"benchmark\":\"bench_profiler\",\"rounds\":%d,\"ops\":%zu,\"threads\":%d,\"results\":[", g_rounds,
		        g_ops, g_threads);
		for (int w = 0; w < NW; w++) {
			fprintf(f, "%s{\"workload\":\"%s\"", w ? "," : "", wkey[w]);
			for (int v = 0; v < NV; v++)
				fprintf(f, ",\"%s_ns\":%.3f,\"%s_ratio\":%.4f", vkey[v], med[w][v], vkey[v], med[w][v] / med[w][V_NONE]);
			fprintf(f, "}");
		}
		fprintf(f, "]}\n");
		fclose(f);
	}
	f = bu_open_out(csv);
	if (f != NULL) {
		fprintf(f, "workload,variant,ns_per_op,ratio\n");
		for (int w = 0; w < NW; w++)
			for (int v = 0; v < NV; v++)
				fprintf(f, "%s,%s,%.3f,%.4f\n", wkey[w], vkey[v], med[w][v], med[w][v] / med[w][V_NONE]);
		fclose(f);
	}
	return 0;
}

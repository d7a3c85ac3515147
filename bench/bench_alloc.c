/*
 * bench/bench_alloc.c - cost of an alloc/free pair through the glue against
 * bare mimalloc and glibc's own malloc, in one run.
 *
 * Variants: cc_alloc/cc_free with statistics off and on, mi_malloc/mi_free,
 * and glibc's __libc_malloc/__libc_free (this binary links Debian's
 * libmimalloc.so, which replaces malloc process-wide, so plain malloc would be
 * mimalloc again).  Patterns: each thread allocates a batch of 32 blocks and
 * frees them (1 and 2 threads), and a cross-thread pattern where one thread
 * allocates and another frees through a ring.  Every cell is the median of
 * --rounds runs, the variants interleaved inside each round so drift cancels;
 * ratios are to mi_malloc/mi_free from the same run.
 *
 *   bench_alloc [--rounds N] [--pairs N] [--json FILE] [--csv FILE]
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <ccmem.h>
#include <mimalloc.h>

#include "bench_ring.h"
#include "bench_util.h"

extern void *__libc_malloc(size_t);
extern void __libc_free(void *);

enum { V_CC_OFF, V_CC_ON, V_MI, V_LIBC, NV };
static const char *const vkey[NV] = {"cc_off", "cc_on", "mimalloc", "libc"};

enum { P_1T, P_2T, P_XT, NP };
static const char *const pname[NP] = {"1 thread", "2 threads", "cross-thread"};
static const char *const pkey[NP] = {"1t", "2t", "xthread"};

static const size_t sizes[] = {16, 64, 256, 1024, 4096};
#define NS (sizeof sizes / sizeof sizes[0])
#define BATCH 32

static size_t g_pairs = 1000000;
static int g_rounds = 7;

#define LOOP(ALLOC, FREE)                                                                              \
	do {                                                                                               \
		void *b[BATCH];                                                                                \
		for (size_t done = 0; done < pairs; done += BATCH) {                                           \
			for (int k = 0; k < BATCH; k++) {                                                          \
				b[k] = ALLOC;                                                                          \
				*(volatile char *)b[k] = (char)k;                                                      \
			}                                                                                          \
			for (int k = 0; k < BATCH; k++)                                                            \
				FREE;                                                                                  \
		}                                                                                              \
	} while (0)

static void run_local(int v, size_t size, size_t pairs)
{
	switch (v) {
	case V_CC_OFF:
	case V_CC_ON:
		LOOP(cc_alloc(size), cc_free(b[k], size));
		break;
	case V_MI:
		LOOP(mi_malloc(size), mi_free(b[k]));
		break;
	default:
		LOOP(__libc_malloc(size), __libc_free(b[k]));
		break;
	}
}

/* ---- threads ------------------------------------------------------------------- */

typedef struct {
	int v;
	size_t size;
	pthread_barrier_t *start;
	uint64_t ns;
	/* cross-thread ring (single producer, single consumer) */
	bu_ring_t ring;
	bool producer;
} job_t;


static void *worker(void *arg)
{
	job_t *j = arg;
	pthread_barrier_wait(j->start);
	uint64_t t0 = bu_now_ns();
	run_local(j->v, j->size, g_pairs);
	j->ns = bu_now_ns() - t0;
	return NULL;
}

static void *xworker(void *arg)
{
	job_t *j = arg;
	pthread_barrier_wait(j->start);
	uint64_t t0 = bu_now_ns();
	for (size_t n = 0; n < g_pairs; n++) {
		if (j->producer) {
			void *p;
			switch (j->v) {
			case V_CC_OFF:
			case V_CC_ON: p = cc_alloc(j->size); break;
			case V_MI: p = mi_malloc(j->size); break;
			default: p = __libc_malloc(j->size); break;
			}
			*(volatile char *)p = 1;
			bu_ring_push(&j->ring, p);
		} else {
			void *p = bu_ring_pop(&j->ring);
			switch (j->v) {
			case V_CC_OFF:
			case V_CC_ON: cc_free(p, j->size); break;
			case V_MI: mi_free(p); break;
			default: __libc_free(p); break;
			}
		}
	}
	j->ns = bu_now_ns() - t0;
	return NULL;
}

/* ns per pair for one (variant, pattern, size). */
static double measure(int v, int pat, size_t size)
{
	cc_alloc_stats_enable(v == V_CC_ON);
	int nt = pat == P_1T ? 1 : 2;
	job_t jobs[2];
	pthread_t th[2];
	pthread_barrier_t start;
	pthread_barrier_init(&start, NULL, (unsigned)nt);
	static void *ring[BU_RING];
	uint64_t head = 0, tail = 0;
	for (int t = 0; t < nt; t++) {
		jobs[t] = (job_t){.v = v, .size = size, .start = &start, .ring = {ring, &head, &tail},
		                  .producer = t == 0};
		pthread_create(&th[t], NULL, pat == P_XT ? xworker : worker, &jobs[t]);
	}
	uint64_t ns = 0;
	for (int t = 0; t < nt; t++) {
		pthread_join(th[t], NULL);
		if (jobs[t].ns > ns)
			ns = jobs[t].ns;
	}
	pthread_barrier_destroy(&start);
	cc_alloc_stats_enable(false);
	return (double)ns / (double)g_pairs;
}

int main(int argc, char **argv)
{
	const char *json = "out/bench_alloc.json", *csv = "out/bench_alloc.csv";
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
			g_rounds = atoi(argv[++i]);
		else if (strcmp(argv[i], "--pairs") == 0 && i + 1 < argc)
			g_pairs = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--json") == 0 && i + 1 < argc)
			json = argv[++i];
		else if (strcmp(argv[i], "--csv") == 0 && i + 1 < argc)
			csv = argv[++i];
		else {
			fprintf(stderr, "usage: %s [--rounds N] [--pairs N] [--json FILE] [--csv FILE]\n", argv[0]);
			return 2;
		}
	}
	if (g_rounds < 1 || g_pairs < BATCH) {
		fprintf(stderr, "bench_alloc: --rounds must be >= 1 and --pairs >= %d\n", BATCH);
		return 2;
	}
	g_pairs -= g_pairs % BATCH;
	if (cc_config_backend() != CC_BACKEND_MIMALLOC)
		fprintf(stderr, "note: backend is %s, not mimalloc\n", cc_backend_name(cc_config_backend()));

	static double samples[NP][NS][NV][64];
	double med[NP][NS][NV];
	int rounds = g_rounds > 64 ? 64 : g_rounds;
	for (int r = 0; r < rounds; r++) {
		for (int pat = 0; pat < NP; pat++)
			for (size_t s = 0; s < NS; s++) {
				bu_progress("round %d/%d  %-12s size %4zu", r + 1, rounds, pname[pat], sizes[s]);
				for (int k = 0; k < NV; k++) {
					int v = (k + r) % NV; /* rotate the order each round */
					samples[pat][s][v][r] = measure(v, pat, sizes[s]);
				}
			}
	}
	bu_progress_done();
	for (int pat = 0; pat < NP; pat++)
		for (size_t s = 0; s < NS; s++)
			for (int v = 0; v < NV; v++)
				med[pat][s][v] = bu_median(samples[pat][s][v], (size_t)rounds);

	printf("alloc/free pair cost, median of %d interleaved rounds of %zu pairs per thread\n", rounds, g_pairs);
	printf("%-13s %5s | %8s %8s %8s %8s | %8s %8s %8s\n", "pattern", "size", "cc off", "cc on", "mi", "libc",
	       "off/mi", "on/mi", "libc/mi");
	for (int pat = 0; pat < NP; pat++)
		for (size_t s = 0; s < NS; s++) {
			double *m = med[pat][s];
			printf("%-13s %5zu | %6.1fns %6.1fns %6.1fns %6.1fns | %7.3fx %7.3fx %7.3fx\n", pname[pat], sizes[s],
			       m[V_CC_OFF], m[V_CC_ON], m[V_MI], m[V_LIBC], m[V_CC_OFF] / m[V_MI], m[V_CC_ON] / m[V_MI],
			       m[V_LIBC] / m[V_MI]);
		}
	double worst_off = 0, worst_on = 0, sum_off = 0, sum_on = 0;
	for (int pat = 0; pat < NP; pat++)
		for (size_t s = 0; s < NS; s++) {
			double off = med[pat][s][V_CC_OFF] / med[pat][s][V_MI], on = med[pat][s][V_CC_ON] / med[pat][s][V_MI];
			worst_off = off > worst_off ? off : worst_off;
			worst_on = on > worst_on ? on : worst_on;
			sum_off += off;
			sum_on += on;
		}
	printf("summary: stats off %.3fx of mimalloc on average (worst %.3fx, goal <= 1.05x); "
	       "stats on %.3fx (worst %.3fx, goal <= 1.3x)\n",
	       sum_off / (NP * NS), worst_off, sum_on / (NP * NS), worst_on);

	FILE *f = bu_open_out(json);
	if (f) {
		fprintf(f, "{\"rounds\": %d, \"pairs_per_thread\": %zu, \"results\": [", rounds, g_pairs);
		for (int pat = 0; pat < NP; pat++)
			for (size_t s = 0; s < NS; s++) {
				fprintf(f, "%s\n  {\"pattern\": \"%s\", \"size\": %zu", pat || s ? "," : "", pkey[pat], sizes[s]);
				for (int v = 0; v < NV; v++)
					fprintf(f, ", \"%s_ns\": %.3f", vkey[v], med[pat][s][v]);
				fprintf(f, ", \"cc_off_ratio\": %.4f, \"cc_on_ratio\": %.4f, \"libc_ratio\": %.4f}",
				        med[pat][s][V_CC_OFF] / med[pat][s][V_MI], med[pat][s][V_CC_ON] / med[pat][s][V_MI],
				        med[pat][s][V_LIBC] / med[pat][s][V_MI]);
			}
		fprintf(f, "\n]}\n");
		fclose(f);
	}
	f = bu_open_out(csv);
	if (f) {
		fprintf(f, "pattern,size,variant,ns_per_pair,ratio_to_mimalloc\n");
		for (int pat = 0; pat < NP; pat++)
			for (size_t s = 0; s < NS; s++)
				for (int v = 0; v < NV; v++)
					fprintf(f, "%s,%zu,%s,%.3f,%.4f\n", pkey[pat], sizes[s], vkey[v], med[pat][s][v],
					        med[pat][s][v] / med[pat][s][V_MI]);
		fclose(f);
	}
	printf("wrote %s and %s\n", json, csv);
	return 0;
}

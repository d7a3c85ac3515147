/*
 * bench/workbench.c - the main job.  For now: an allocation demo on the glue.
 * Producer threads allocate nodes of mixed sizes and hand them to consumer
 * threads that free them (alloc in A, free in B), with statistics on; the run
 * ends with the statistics report and writes it to OUT/workbench.json.
 *
 *   ccmem-workbench [--threads N] [--ops N] [--backend NAME] [--out DIR]
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ccmem.h>

#include "bench_util.h"

#define RING 8192

static struct {
	void *slot[RING];
	size_t size[RING];
	uint64_t head, tail; /* head: next to consume (consumers, CAS); tail: under lock */
	pthread_mutex_t lock;
	uint64_t produced_done;
} q = {.lock = PTHREAD_MUTEX_INITIALIZER};

static uint64_t g_ops = 2000000;
static unsigned g_threads = 4;
static uint64_t g_consumed;

static size_t size_for(uint64_t k)
{
	static const size_t mix[] = {24, 40, 48, 64, 96, 128, 200, 512};
	return mix[(k * 2654435761u) % 8];
}

static void *producer(void *arg)
{
	uint64_t id = (uintptr_t)arg, n = g_ops / (g_threads / 2);
	for (uint64_t k = 0; k < n; k++) {
		size_t size = size_for(k + id);
		void *p = cc_alloc_node(size);
		if (p == NULL) {
			fprintf(stderr, "allocation failed: %s\n", strerror(errno));
			exit(1);
		}
		memset(p, (int)id, size);
		for (;;) {
			pthread_mutex_lock(&q.lock);
			if (q.tail - cc_atomic_load_acquire_u64(&q.head) < RING)
				break;
			pthread_mutex_unlock(&q.lock);
			cc_atomic_pause();
		}
		q.slot[q.tail % RING] = p;
		q.size[q.tail % RING] = size;
		/* release: the slot contents before the new tail (consumers acquire tail). */
		cc_atomic_store_release_u64(&q.tail, q.tail + 1);
		pthread_mutex_unlock(&q.lock);
	}
	cc_atomic_faa_u64(&q.produced_done, 1);
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	for (;;) {
		uint64_t h = cc_atomic_load_acquire_u64(&q.head);
		/* acquire: pairs with the producer's release of tail. */
		if (h == cc_atomic_load_acquire_u64(&q.tail)) {
			if (cc_atomic_load_acquire_u64(&q.produced_done) == g_threads / 2 &&
			    h == cc_atomic_load_acquire_u64(&q.tail))
				return NULL;
			cc_atomic_pause();
			continue;
		}
		void *p = q.slot[h % RING];
		size_t size = q.size[h % RING];
		if (!cc_atomic_cas_u64(&q.head, h, h + 1))
			continue; /* another consumer took it */
		cc_free(p, size);
		cc_atomic_faa_u64(&g_consumed, 1);
	}
}

static int usage(const char *msg)
{
	fprintf(stderr, "ccmem-workbench: %s (valid: --threads N (even, >= 2), --ops N (> 0), "
	                "--backend mimalloc|system|fault, --out DIR, --help)\n", msg);
	return 2;
}

int main(int argc, char **argv)
{
	const char *out = "out";
	for (int i = 1; i < argc; i++) {
		char *end;
		if (strcmp(argv[i], "--help") == 0) {
			printf("usage: ccmem-workbench [--threads N] [--ops N] [--backend NAME] [--out DIR]\n"
			       "Allocation demo: N/2 threads allocate nodes, N/2 free them; prints the statistics\n"
			       "report and writes DIR/workbench.json (default DIR: out).\n");
			return 0;
		} else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
			long v = strtol(argv[++i], &end, 10);
			if (*end || v < 2 || v % 2 || v > 256)
				return usage("--threads wants an even number from 2 to 256");
			g_threads = (unsigned)v;
		} else if (strcmp(argv[i], "--ops") == 0 && i + 1 < argc) {
			long long v = strtoll(argv[++i], &end, 10);
			if (*end || v <= 0)
				return usage("--ops wants a positive number");
			g_ops = (uint64_t)v;
		} else if (strcmp(argv[i], "--backend") == 0 && i + 1 < argc) {
			cc_backend_t b;
			if (cc_backend_parse(argv[++i], &b) != 0)
				return usage("unknown backend");
			cc_config_set_backend(b);
		} else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
			out = argv[++i];
		} else {
			char msg[256];
			snprintf(msg, sizeof msg, "unknown or incomplete option '%s'", argv[i]);
			return usage(msg);
		}
	}
	g_ops -= g_ops % (g_threads / 2);
	if (g_ops == 0)
		return usage("--ops must be at least threads/2");

	cc_alloc_stats_enable(true);
	cc_alloc_stats_reset();
	printf("ccmem %s workbench: allocation demo, %u threads (%u allocate, %u free), %llu nodes, backend %s\n",
	       CCMEM_VERSION_STRING, g_threads, g_threads / 2, g_threads / 2, (unsigned long long)g_ops,
	       cc_backend_name(cc_config_backend()));
	pthread_t th[256];
	uint64_t t0 = bu_now_ns();
	for (unsigned t = 0; t < g_threads; t++)
		pthread_create(&th[t], NULL, t % 2 ? consumer : producer, (void *)(uintptr_t)(t / 2));
	for (;;) {
		uint64_t done = cc_atomic_load_relaxed_u64(&g_consumed);
		cc_alloc_snapshot_t s = cc_alloc_stats_snapshot();
		bu_progress("%5.1f%%  %llu freed, %llu bytes live", 100.0 * (double)done / (double)g_ops,
		            (unsigned long long)done, (unsigned long long)s.current_allocated);
		if (done == g_ops)
			break;
		struct timespec ts = {0, 100000000};
		nanosleep(&ts, NULL);
	}
	for (unsigned t = 0; t < g_threads; t++)
		pthread_join(th[t], NULL);
	double secs = (double)(bu_now_ns() - t0) / 1e9;
	bu_progress_done();

	cc_alloc_snapshot_t s = cc_alloc_stats_snapshot();
	printf("\nallocation statistics\n");
	printf("  alloc_count        %12llu\n", (unsigned long long)s.alloc_count);
	printf("  free_count         %12llu\n", (unsigned long long)s.free_count);
	printf("  alloc_bytes        %12llu\n", (unsigned long long)s.alloc_bytes);
	printf("  free_bytes         %12llu\n", (unsigned long long)s.free_bytes);
	printf("  current_allocated  %12llu\n", (unsigned long long)s.current_allocated);
	printf("  duration           %12.3f s  (%.2f M alloc/free pairs per second)\n", secs, (double)g_ops / secs / 1e6);
	bool balanced = s.alloc_count == g_ops && s.free_count == g_ops && s.alloc_bytes == s.free_bytes &&
	                s.current_allocated == 0;
	printf("  balanced           %12s\n", balanced ? "yes" : "NO");

	char path[4096];
	snprintf(path, sizeof path, "%s/workbench.json", out);
	FILE *f = bu_open_out(path);
	if (f) {
		fprintf(f,
		        "{\"demo\": \"alloc\", \"threads\": %u, \"nodes\": %llu, \"backend\": \"%s\", \"seconds\": %.6f,\n"
		        " \"alloc_stats\": {\"alloc_count\": %llu, \"free_count\": %llu, \"alloc_bytes\": %llu, "
		        "\"free_bytes\": %llu, \"current_allocated\": %llu}, \"balanced\": %s}\n",
		        g_threads, (unsigned long long)g_ops, cc_backend_name(cc_config_backend()), secs,
		        (unsigned long long)s.alloc_count, (unsigned long long)s.free_count,
		        (unsigned long long)s.alloc_bytes, (unsigned long long)s.free_bytes,
		        (unsigned long long)s.current_allocated, balanced ? "true" : "false");
		fclose(f);
		printf("wrote %s\n", path);
	}
	return balanced ? 0 : 1;
}

/*
 * tests/profiler_exports.c - writes the profiler's four exports of a small
 * multithreaded run into a folder, for check_profiler_exports.sh to check
 * with real parsers (jq, python3's json and csv, promtool, headless
 * chromium).
 *
 *   profiler_exports DIR     writes DIR/report.{json,csv,html,prom}
 *
 * The run has something for every dashboard panel: a timeline (snapshots
 * between phases add points however fast the machine), several size classes,
 * latency samples, three threads, frees crossing threads, padding, and three
 * leaked blocks with stacks.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccmem.h>

#define N 20000

static void *g_handoff[N];

static void *producer(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "producer");
	for (int i = 0; i < N; i++) {
		size_t s = 16u << (i % 7); /* 16 .. 1024 */
		g_handoff[i] = (i % 3) ? cc_alloc(s + (size_t)(i % 5)) : cc_alloc_node(s);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "consumer");
	for (int i = 0; i < N; i++)
		cc_free_unsized(g_handoff[i]);
	return NULL;
}

void *export_leaky_function(size_t n);
__attribute__((noinline)) void *export_leaky_function(size_t n)
{
	void *q = cc_alloc(n);
	__asm__ volatile("" ::: "memory");
	return q;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	cc_profiler_options_t o;
	cc_profiler_options_init(&o);
	o.track_per_thread = true;
	o.detect_leaks = true;
	o.capture_stacks = true;
	cc_profiler_t *p = cc_profiler_create(&o);
	if (p == NULL || cc_profiler_start(p) != 0) {
		perror("profiler");
		return 1;
	}
	void *leaks[3];
	for (int i = 0; i < 3; i++)
		leaks[i] = export_leaky_function(300 + (size_t)i * 100);
	for (int round = 0; round < 4; round++) {
		pthread_t a, b;
		pthread_create(&a, NULL, producer, NULL);
		pthread_join(a, NULL);
		cc_profiler_snapshot(p); /* a timeline point at the top of the wave */
		pthread_create(&b, NULL, consumer, NULL);
		pthread_join(b, NULL);
		for (int i = 0; i < 2000; i++)
			cc_free(cc_alloc(24), 24);
		cc_profiler_snapshot(p);
	}
	if (cc_profiler_stop(p) != 0) {
		perror("stop");
		return 1;
	}
	char path[4096];
	const char *ext[] = {"json", "csv", "html"};
	int (*fn[])(cc_profiler_t *, const char *) = {cc_profiler_to_json, cc_profiler_to_csv, cc_profiler_to_html};
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/report.%s", argv[1], ext[i]);
		if (fn[i](p, path) != 0) {
			fprintf(stderr, "%s: %s\n", path, strerror(errno));
			return 1;
		}
	}
	char *prom = cc_profiler_to_prometheus(p);
	snprintf(path, sizeof path, "%s/report.prom", argv[1]);
	FILE *f = prom ? fopen(path, "w") : NULL;
	if (f == NULL || fputs(prom, f) < 0 || fclose(f) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 1;
	}
	free(prom);
	for (int i = 0; i < 3; i++)
		cc_free(leaks[i], 300 + (size_t)i * 100);
	cc_profiler_destroy(p);
	return 0;
}

/*
 * bench/wb_profile.c - the main job's profiled run: a MemoryProfiler over
 * the queue, skip list and BST under DEBRA+ (one allocating thread, two
 * freeing), then its HTML, JSON, CSV and Prometheus exports.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ccmem.h>
#include <ccmem/bst.h>
#include <ccmem/queue.h>
#include <ccmem/skiplist.h>

#include "dsb.h"
#include "workbench.h"


/* ---- the profiled run: the main job's memory dashboard (ccmem/profiler.h) ---------- */

typedef struct {
	smr_domain_t *d;
	cc_queue_t *q;
	cc_skiplist_t *sl;
	cc_bst_t *bst;
	int role; /* 0: producer (allocates), 1: consumer (retires and frees) */
	uint64_t seed, ops;
	volatile int *stop;
	char name[16]; /* thread name in the dashboard: allocating, freeing-1, ... */
} prof_arg_t;

static void *prof_thread(void *p)
{
	prof_arg_t *a = p;
	pthread_setname_np(pthread_self(), a->name); /* before its first allocation: the profiler reads it then */
	smr_context_t *c = smr_thread_register(a->d);
	if (c == NULL)
		return NULL;
	while (!*a->stop) {
		a->seed ^= a->seed << 13; /* xorshift64 */
		a->seed ^= a->seed >> 7;
		a->seed ^= a->seed << 17;
		uint64_t r = a->seed, key = r % 100000;
		if (a->role == 0) { /* alloc in A: queue nodes and map inserts */
			cc_queue_enqueue(a->q, c, r);
			if (r & 1)
				cc_skiplist_insert(a->sl, c, key, r);
			else
				cc_bst_insert(a->bst, c, key, r);
		} else { /* retire and free in B/C: other threads' nodes */
			uint64_t v;
			cc_queue_dequeue(a->q, c, &v);
			if (r & 1)
				cc_skiplist_remove(a->sl, c, key, NULL);
			else
				cc_bst_remove(a->bst, c, key, NULL);
			if ((a->ops & 255) == 0)
				smr_poll(c);
		}
		a->ops++;
	}
	smr_thread_unregister(c);
	return NULL;
}

/* One producer and two consumers on the three structures under DEBRA+ for
 * S.profile seconds with a MemoryProfiler running (sizes, latency, per-thread
 * and cross-thread tracking, leaks; stacks for 1 % of the blocks would cost
 * ~17k instructions each, so none), then the four exports.  0, or -1. */
int profile_run(void)
{
	cc_profiler_options_t po;
	cc_profiler_options_init(&po);
	po.track_per_thread = true;
	po.detect_leaks = true;
	cc_profiler_t *prof = cc_profiler_create(&po);
	if (prof == NULL || cc_profiler_start(prof) != 0) {
		fprintf(stderr, "ccmem-workbench: profiler: %s\n", strerror(errno));
		cc_profiler_destroy(prof);
		return -1;
	}
	smr_options_t o;
	smr_options_init(&o, SMR_DEBRA_PLUS);
	smr_domain_t *d = smr_domain_create(&o);
	smr_context_t *mc = d ? smr_thread_register(d) : NULL;
	if (mc == NULL) {
		fprintf(stderr, "ccmem-workbench: domain: %s\n", strerror(errno));
		cc_profiler_destroy(prof);
		return -1;
	}
	volatile int stop = 0;
	prof_arg_t args[3];
	pthread_t th[3];
	cc_queue_t *q = cc_queue_create(mc);
	cc_skiplist_t *sl = cc_skiplist_create(mc);
	cc_bst_t *bst = cc_bst_create(mc);
	for (int i = 0; i < 3; i++) {
		args[i] = (prof_arg_t){.d = d, .q = q, .sl = sl, .bst = bst, .role = i > 0, .seed = S.seed * 977 + (uint64_t)i + 1,
		                       .stop = &stop};
		snprintf(args[i].name, sizeof args[i].name, i == 0 ? "allocating" : "freeing-%d", i);
		pthread_create(&th[i], NULL, prof_thread, &args[i]);
	}
	struct timespec ts = {(time_t)S.profile, (long)((S.profile - (double)(time_t)S.profile) * 1e9)};
	nanosleep(&ts, NULL);
	stop = 1;
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	cc_queue_destroy(q, mc);
	cc_skiplist_destroy(sl, mc);
	cc_bst_destroy(bst, mc);
	smr_thread_unregister(mc);
	smr_domain_destroy(d);
	int rc = cc_profiler_stop(prof);
	const cc_profiler_report_t *r = rc == 0 ? cc_profiler_report(prof) : NULL;
	char p[4][PATH_MAX];
	snprintf(p[0], sizeof p[0], "%s/memory_profile.html", S.out);
	snprintf(p[1], sizeof p[1], "%s/memory_profile.json", S.out);
	snprintf(p[2], sizeof p[2], "%s/memory_profile.csv", S.out);
	snprintf(p[3], sizeof p[3], "%s/memory_profile.prom", S.out);
	if (r == NULL || cc_profiler_to_html(prof, p[0]) != 0 || cc_profiler_to_json(prof, p[1]) != 0 ||
	    cc_profiler_to_csv(prof, p[2]) != 0) {
		fprintf(stderr, "ccmem-workbench: profiler report: %s\n", strerror(errno));
		cc_profiler_destroy(prof);
		return -1;
	}
	char *prom = cc_profiler_to_prometheus(prof);
	FILE *f = prom ? fopen(p[3], "w") : NULL;
	if (f) {
		fputs(prom, f);
		fclose(f);
	}
	free(prom);
	printf("\nprofiled run (%.1f s, DEBRA+, 1 allocating and 2 freeing threads): %llu allocations, peak %llu "
	       "bytes, %.1f %% of frees cross-thread, alloc p50/p99 %.0f/%.0f ns\nwrote %s, %s, %s and %s\n",
	       S.profile, (unsigned long long)r->alloc_count, (unsigned long long)r->peak_allocated,
	       r->cross_thread_free_pct, r->alloc_latency_p50, r->alloc_latency_p99, p[0], p[1], p[2], p[3]);
	cc_profiler_destroy(prof);
	return 0;
}

/*
 * alloc/profiler/recommend.c - recommendations derived from a report's
 * figures (fragmentation, cross-thread frees, latency tails, leaks, peak, hot
 * sizes).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "profiler_internal.h"

static void add_rec(cc_profiler_report_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_rec(cc_profiler_report_t *r, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	char **n = realloc(r->recommendations, (r->recommendation_count + 1) * sizeof *n);
	if (n == NULL)
		return;
	r->recommendations = n;
	char *s = cc__pf_dupstr(buf);
	if (s)
		r->recommendations[r->recommendation_count++] = s;
}

static const char *human(double b, char *buf, size_t cap)
{
	const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	int i = 0;
	while (b >= 1024 && i < 4) {
		b /= 1024;
		i++;
	}
	snprintf(buf, cap, i == 0 ? "%.0f %s" : "%.1f %s", b, u[i]);
	return buf;
}

void cc__pf_recommend(cc_profiler_report_t *r)
{
	char a[32], b[32];
	const cc_profiler_fragmentation_t *f = &r->fragmentation;
	if (r->alloc_count == 0) {
		add_rec(r, "No allocation went through the glue during the run: nothing to analyse.");
		return;
	}
	if (f->internal_fragmentation > 0.20) {
		cc_profiler_size_bucket_t hot[1];
		size_t nh = cc_profiler_hot_sizes(&r->size_histogram, 1, hot);
		add_rec(r, "Internal fragmentation is %.0f%%: blocks carry that share of padding over what was "
		           "requested%s%s%s. Sizing nodes to mimalloc size classes (mi_good_size) or packing small "
		           "fields would recover it.",
		        f->internal_fragmentation * 100, nh ? " (hottest size range " : "", nh ? hot[0].label : "",
		        nh ? ")" : "");
	}
	if (f->committed_bytes > 0 && f->external_fragmentation > 0.30)
		add_rec(r, "External fragmentation is %.0f%% of %s committed: free block slots are scattered over "
		           "partly used pages. Long-lived and short-lived nodes of one size class mixed on a page keep it "
		           "alive; mi_collect(false) after bulk frees returns whole pages.",
		        f->external_fragmentation * 100, human((double)f->committed_bytes, a, sizeof a));
	if (r->cross_thread_free_pct > 25.0)
		add_rec(r, "%.0f%% of frees happen on a thread other than the allocating one: mimalloc queues them to "
		           "the owner's page (an atomic push each). Reclaiming on the allocating thread, or batching "
		           "retirement through SMR, keeps frees local.",
		        r->cross_thread_free_pct);
	if (r->alloc_latency_p50 > 0 && r->alloc_latency_p999 > 50 * r->alloc_latency_p50)
		add_rec(r, "Allocation tail latency: p99.9 is %.0f ns against a median of %.0f ns. Tails this long "
		           "usually come from fresh pages (OS commit, page faults); mi_option_reserve_os_memory or "
		           "eager commit moves that cost out of the hot path.",
		        r->alloc_latency_p999, r->alloc_latency_p50);
	if (r->free_latency_p50 > 0 && r->free_latency_p999 > 50 * r->free_latency_p50)
		add_rec(r, "Free tail latency: p99.9 is %.0f ns against a median of %.0f ns (page retirement or "
		           "delayed-free processing).",
		        r->free_latency_p999, r->free_latency_p50);
	if (r->leak_count > 0)
		add_rec(r, "%llu sampled allocation(s) (%s, about %s in all) were still live at %s%s.",
		        (unsigned long long)r->leak_count, human((double)r->leaked_bytes, a, sizeof a),
		        human(r->leaked_bytes_estimate, b, sizeof b), r->running ? "this snapshot" : "stop",
		        r->leaked_allocations_len && r->leaked_allocations[0].stack_depth
		            ? "; the leak list shows where they were allocated"
		            : "");
	if (r->peak_allocated > 0 && r->current_allocated * 4 < r->peak_allocated && r->peak_allocated > (1u << 20))
		add_rec(r, "Peak (%s at %.2f s) is more than four times the current %s: memory use is bursty; a "
		           "bounded pool or earlier reclamation (smaller SMR batches) would lower the peak.",
		        human((double)r->peak_allocated, a, sizeof a), r->peak_time,
		        human((double)r->current_allocated, b, sizeof b));
	if (r->size_histogram.total_count > 0) {
		cc_profiler_size_bucket_t hot[1];
		if (cc_profiler_hot_sizes(&r->size_histogram, 1, hot) == 1 &&
		    hot[0].count * 10 >= r->size_histogram.total_count * 9 && r->alloc_rate > 1e6)
			add_rec(r, "%.0f%% of %.1f M allocations/s are in one size range (%s): a per-thread free list "
			           "of such nodes would skip the allocator entirely.",
			        100.0 * (double)hot[0].count / (double)r->size_histogram.total_count, r->alloc_rate / 1e6,
			        hot[0].label);
	}
	if (r->untracked_samples > 0)
		add_rec(r, "%llu sampled allocations could not be indexed (index full): lower sample_rate.",
		        (unsigned long long)r->untracked_samples);
	if (r->recommendation_count == 0)
		add_rec(r, "No problem found: fragmentation, cross-thread traffic, latency tails and leaks are all "
		           "within their thresholds.");
}

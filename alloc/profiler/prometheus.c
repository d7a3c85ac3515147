/*
 * alloc/profiler/prometheus.c - the profiler's report as Prometheus text
 * (format 0.0.4, the seed's metric names cc_memory_*); latency histograms are
 * re-binned to fixed nanosecond bounds (counts at each bound are exact up to
 * the histogram's relative error).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profiler_internal.h"

/* ---- Prometheus ------------------------------------------------------------------- */

static void prom_metric(cc__sb_t *b, const char *name, const char *type, const char *help, double v)
{
	cc__sb_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s ", name, help, name, type, name);
	if (isfinite(v))
		cc__sb_printf(b, "%.17g\n", v);
	else
		cc__sb_puts(b, "NaN\n");
}

static void prom_histogram(cc__sb_t *b, const char *name, const char *help, const cc_profiler_report_t *r,
                           const uint64_t *counts, uint64_t total, double mean)
{
	static const double bounds[] = {10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4,
	                                1e5, 2e5, 5e5, 1e6, 1e7, 1e8, 1e9};
	cc__sb_printf(b, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
	for (size_t k = 0; k < sizeof bounds / sizeof bounds[0]; k++) {
		uint64_t c = 0;
		for (size_t i = 0; counts && i < r->latency_bucket_count; i++)
			if ((r->latency_lo[i] + r->latency_hi[i]) / 2 <= bounds[k])
				c += counts[i];
		cc__sb_printf(b, "%s_bucket{le=\"%.0f\"} %llu\n", name, bounds[k], (unsigned long long)c);
	}
	cc__sb_printf(b, "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long)total);
	cc__sb_printf(b, "%s_sum %.17g\n", name, isfinite(mean) ? mean * (double)total : 0.0);
	cc__sb_printf(b, "%s_count %llu\n", name, (unsigned long long)total);
}

static void prom_label(cc__sb_t *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			cc__sb_putn(b, "\\", 1);
		if (*s == '\n')
			cc__sb_puts(b, "\\n");
		else
			cc__sb_putn(b, s, 1);
	}
}

char *cc_profiler_report_to_prometheus(const cc_profiler_report_t *r)
{
	if (r == NULL) {
		errno = EINVAL;
		return NULL;
	}
	cc__sb_t b = {0};
	prom_metric(&b, "cc_memory_alloc_total", "counter", "Allocations through the ccmem glue.",
	            (double)r->alloc_count);
	prom_metric(&b, "cc_memory_free_total", "counter", "Frees through the ccmem glue.", (double)r->free_count);
	prom_metric(&b, "cc_memory_alloc_bytes_total", "counter", "Bytes requested by allocations.",
	            (double)r->alloc_bytes);
	prom_metric(&b, "cc_memory_free_bytes_total", "counter", "Bytes released by sized frees.",
	            (double)r->free_bytes);
	prom_metric(&b, "cc_memory_current_bytes", "gauge", "Bytes allocated and not yet freed.",
	            (double)r->current_allocated);
	prom_metric(&b, "cc_memory_peak_bytes", "gauge", "Largest current_bytes seen.", (double)r->peak_allocated);
	prom_metric(&b, "cc_memory_alloc_rate", "gauge", "Allocations per second over the run.", r->alloc_rate);
	prom_metric(&b, "cc_memory_free_rate", "gauge", "Frees per second over the run.", r->free_rate);
	prom_metric(&b, "cc_memory_bytes_rate", "gauge", "Bytes allocated per second over the run.", r->bytes_rate);
	prom_histogram(&b, "cc_memory_alloc_latency", "Allocation latency in nanoseconds (sampled).", r,
	               r->alloc_latency_counts, r->alloc_latency_samples, r->alloc_latency_mean);
	prom_histogram(&b, "cc_memory_free_latency", "Free latency in nanoseconds (sampled).", r,
	               r->free_latency_counts, r->free_latency_samples, r->free_latency_mean);
	static const char *const q[] = {"50", "95", "99", "99.9"};
	const double av[] = {r->alloc_latency_p50, r->alloc_latency_p95, r->alloc_latency_p99, r->alloc_latency_p999};
	const double fv[] = {r->free_latency_p50, r->free_latency_p95, r->free_latency_p99, r->free_latency_p999};
	cc__sb_puts(&b, "# HELP cc_memory_alloc_latency_percentile Allocation latency percentiles in nanoseconds.\n"
	                "# TYPE cc_memory_alloc_latency_percentile gauge\n");
	for (int i = 0; i < 4; i++)
		cc__sb_printf(&b, "cc_memory_alloc_latency_percentile{percentile=\"%s\"} %.17g\n", q[i], av[i]);
	cc__sb_puts(&b, "# HELP cc_memory_free_latency_percentile Free latency percentiles in nanoseconds.\n"
	                "# TYPE cc_memory_free_latency_percentile gauge\n");
	for (int i = 0; i < 4; i++)
		cc__sb_printf(&b, "cc_memory_free_latency_percentile{percentile=\"%s\"} %.17g\n", q[i], fv[i]);
	prom_metric(&b, "cc_memory_cross_thread_free_total", "counter",
	            "Frees on a thread other than the allocating one (estimated from samples).",
	            (double)r->cross_thread_free_count);
	prom_metric(&b, "cc_memory_cross_thread_free_ratio", "gauge", "Share of frees that crossed threads.",
	            r->cross_thread_free_pct / 100.0);
	prom_metric(&b, "cc_memory_fragmentation_internal", "gauge", "1 - requested/usable bytes of live blocks.",
	            r->fragmentation.internal_fragmentation);
	prom_metric(&b, "cc_memory_fragmentation_external", "gauge", "Free share of the allocator's committed bytes.",
	            r->fragmentation.external_fragmentation);
	prom_metric(&b, "cc_memory_utilization", "gauge", "Used share of the allocator's committed bytes.",
	            r->fragmentation.utilization);
	prom_metric(&b, "cc_memory_leaked_bytes", "gauge", "Bytes of sampled blocks live at stop.",
	            (double)r->leaked_bytes);
	cc__sb_puts(&b, "# HELP cc_memory_size_class_alloc_total Allocations per size class.\n"
	                "# TYPE cc_memory_size_class_alloc_total counter\n");
	for (size_t i = 0; i < r->size_histogram.bucket_count; i++)
		cc__sb_printf(&b, "cc_memory_size_class_alloc_total{size=\"%s\"} %llu\n", r->size_histogram.buckets[i].label,
		              (unsigned long long)r->size_histogram.buckets[i].count);
	if (r->thread_stats != NULL && r->thread_count > 0) {
		static const char *const names[] = {"cc_memory_thread_alloc_total", "cc_memory_thread_free_total",
		                                    "cc_memory_thread_cross_thread_frees_sent_total",
		                                    "cc_memory_thread_cross_thread_frees_received_total"};
		static const char *const helps[] = {"Allocations per thread.", "Frees per thread.",
		                                    "Blocks a thread allocated that another freed (estimated).",
		                                    "Frees a thread did of blocks another allocated (estimated)."};
		for (int m = 0; m < 4; m++) {
			cc__sb_printf(&b, "# HELP %s %s\n# TYPE %s counter\n", names[m], helps[m], names[m]);
			for (size_t i = 0; i < r->thread_count; i++) {
				const cc_profiler_thread_stats_t *t = &r->thread_stats[i];
				uint64_t v = m == 0 ? t->alloc_count : m == 1 ? t->free_count
				           : m == 2 ? t->cross_thread_frees_sent : t->cross_thread_frees_received;
				cc__sb_printf(&b, "%s{thread_id=\"%llu\",thread_name=\"", names[m],
				              (unsigned long long)t->thread_id);
				prom_label(&b, t->thread_name);
				cc__sb_printf(&b, "\"} %llu\n", (unsigned long long)v);
			}
		}
	}
	if (b.failed) {
		free(b.s);
		errno = ENOMEM;
		return NULL;
	}
	return b.s;
}

/*
 * alloc/profiler/csv.c - the profiler's report as CSV (RFC 4180, one value
 * per row: section,name,key,value).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "profiler_internal.h"

/* ---- CSV ---------------------------------------------------------------------------- */

static void csv_field(cc__sb_t *b, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		cc__sb_puts(b, s);
		return;
	}
	cc__sb_putn(b, "\"", 1);
	for (; *s; s++) {
		if (*s == '"')
			cc__sb_putn(b, "\"\"", 2);
		else
			cc__sb_putn(b, s, 1);
	}
	cc__sb_putn(b, "\"", 1);
}

static void csv_row(cc__sb_t *b, const char *section, const char *name, const char *key, const char *value)
{
	csv_field(b, section);
	cc__sb_putn(b, ",", 1);
	csv_field(b, name);
	cc__sb_putn(b, ",", 1);
	csv_field(b, key);
	cc__sb_putn(b, ",", 1);
	csv_field(b, value);
	cc__sb_puts(b, "\r\n");
}

static void csv_u(cc__sb_t *b, const char *section, const char *name, const char *key, uint64_t v)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
	csv_row(b, section, name, key, buf);
}

static void csv_d(cc__sb_t *b, const char *section, const char *name, const char *key, double v)
{
	char buf[64];
	if (isfinite(v))
		snprintf(buf, sizeof buf, "%.9g", v);
	else
		buf[0] = '\0';
	csv_row(b, section, name, key, buf);
}

int cc_profiler_report_to_csv(const cc_profiler_report_t *r, const char *path)
{
	if (r == NULL || path == NULL) {
		errno = EINVAL;
		return -1;
	}
	cc__sb_t b = {0};
	char key[64], ts[64];
	cc__sb_puts(&b, "section,name,key,value\r\n");
	const char *S = "summary";
	csv_u(&b, S, "alloc_count", "", r->alloc_count);
	csv_u(&b, S, "free_count", "", r->free_count);
	csv_u(&b, S, "alloc_bytes", "", r->alloc_bytes);
	csv_u(&b, S, "free_bytes", "", r->free_bytes);
	csv_u(&b, S, "current_allocated", "", r->current_allocated);
	csv_u(&b, S, "peak_allocated", "", r->peak_allocated);
	csv_d(&b, S, "peak_time", "", r->peak_time);
	csv_u(&b, S, "peak_allocated_upper_bound", "", r->peak_allocated_upper_bound);
	csv_u(&b, S, "unsized_free_count", "", r->unsized_free_count);
	csv_d(&b, S, "alloc_rate", "", r->alloc_rate);
	csv_d(&b, S, "free_rate", "", r->free_rate);
	csv_d(&b, S, "bytes_rate", "", r->bytes_rate);
	csv_d(&b, S, "alloc_rate_ewma", "", r->alloc_rate_ewma);
	csv_d(&b, S, "free_rate_ewma", "", r->free_rate_ewma);
	csv_d(&b, S, "bytes_rate_ewma", "", r->bytes_rate_ewma);
	csv_d(&b, S, "alloc_latency_p50", "", r->alloc_latency_p50);
	csv_d(&b, S, "alloc_latency_p95", "", r->alloc_latency_p95);
	csv_d(&b, S, "alloc_latency_p99", "", r->alloc_latency_p99);
	csv_d(&b, S, "alloc_latency_p999", "", r->alloc_latency_p999);
	csv_d(&b, S, "free_latency_p50", "", r->free_latency_p50);
	csv_d(&b, S, "free_latency_p95", "", r->free_latency_p95);
	csv_d(&b, S, "free_latency_p99", "", r->free_latency_p99);
	csv_d(&b, S, "free_latency_p999", "", r->free_latency_p999);
	csv_d(&b, S, "alloc_latency_mean", "", r->alloc_latency_mean);
	csv_d(&b, S, "free_latency_mean", "", r->free_latency_mean);
	csv_d(&b, S, "latency_relative_error", "", r->latency_relative_error);
	csv_u(&b, S, "cross_thread_free_count", "", r->cross_thread_free_count);
	csv_d(&b, S, "cross_thread_free_pct", "", r->cross_thread_free_pct);
	csv_u(&b, S, "leak_count", "", r->leak_count);
	csv_u(&b, S, "leaked_bytes", "", r->leaked_bytes);
	csv_d(&b, S, "leaked_bytes_estimate", "", r->leaked_bytes_estimate);
	csv_d(&b, S, "sample_rate", "", r->sample_rate);
	csv_u(&b, S, "sampled_allocs", "", r->sampled_allocs);
	csv_u(&b, S, "sampled_frees", "", r->sampled_frees);
	csv_u(&b, S, "untracked_samples", "", r->untracked_samples);
	csv_u(&b, S, "indexed_samples", "", r->indexed_samples);
	csv_u(&b, S, "thread_count", "", r->thread_count);
	csv_d(&b, S, "duration_seconds", "", r->duration_seconds);
	cc__pf_iso8601(r->start_time, ts, sizeof ts);
	csv_row(&b, S, "start_time", "", ts);
	cc__pf_iso8601(r->end_time, ts, sizeof ts);
	csv_row(&b, S, "end_time", "", ts);

	const char *F = "fragmentation";
	csv_d(&b, F, "internal_fragmentation", "", r->fragmentation.internal_fragmentation);
	csv_d(&b, F, "external_fragmentation", "", r->fragmentation.external_fragmentation);
	csv_u(&b, F, "largest_free_block", "", r->fragmentation.largest_free_block);
	csv_u(&b, F, "free_block_count", "", r->fragmentation.free_block_count);
	csv_d(&b, F, "utilization", "", r->fragmentation.utilization);
	csv_u(&b, F, "committed_bytes", "", r->fragmentation.committed_bytes);
	csv_row(&b, F, "source", "", r->fragmentation.source ? r->fragmentation.source : "none");

	const cc_profiler_size_histogram_t *h = &r->size_histogram;
	for (size_t i = 0; i < h->bucket_count; i++) {
		csv_u(&b, "size_histogram", "count", h->buckets[i].label, h->buckets[i].count);
		csv_u(&b, "size_histogram", "bytes", h->buckets[i].label, h->buckets[i].bytes);
	}
	csv_u(&b, "size_histogram", "total_count", "", h->total_count);
	csv_u(&b, "size_histogram", "total_bytes", "", h->total_bytes);
	cc_profiler_size_bucket_t hot[5];
	size_t nh = cc_profiler_hot_sizes(h, 5, hot);
	for (size_t i = 0; i < nh; i++) {
		snprintf(key, sizeof key, "%zu", i + 1);
		csv_row(&b, "hot_sizes", "label", key, hot[i].label);
		csv_u(&b, "hot_sizes", "count", key, hot[i].count);
	}
	for (size_t i = 0; i < r->latency_bucket_count; i++) {
		if (r->alloc_latency_counts[i] == 0 && r->free_latency_counts[i] == 0)
			continue;
		snprintf(key, sizeof key, "%.9g-%.9g", r->latency_lo[i], r->latency_hi[i]);
		csv_u(&b, "latency_histogram", "alloc", key, r->alloc_latency_counts[i]);
		csv_u(&b, "latency_histogram", "free", key, r->free_latency_counts[i]);
	}
	for (size_t i = 0; r->thread_stats && i < r->thread_count; i++) {
		const cc_profiler_thread_stats_t *t = &r->thread_stats[i];
		snprintf(key, sizeof key, "%llu", (unsigned long long)t->thread_id);
		csv_row(&b, "thread", "thread_name", key, t->thread_name);
		csv_u(&b, "thread", "index", key, t->index);
		csv_u(&b, "thread", "alloc_count", key, t->alloc_count);
		csv_u(&b, "thread", "free_count", key, t->free_count);
		csv_u(&b, "thread", "alloc_bytes", key, t->alloc_bytes);
		csv_u(&b, "thread", "free_bytes", key, t->free_bytes);
		csv_u(&b, "thread", "cross_thread_frees_sent", key, t->cross_thread_frees_sent);
		csv_u(&b, "thread", "cross_thread_frees_received", key, t->cross_thread_frees_received);
	}
	for (size_t i = 0; i < r->flow_threads; i++)
		for (size_t j = 0; j < r->flow_threads; j++) {
			uint64_t v = r->cross_thread_flow[i * r->flow_threads + j];
			if (v == 0)
				continue;
			snprintf(key, sizeof key, "%zu<-%zu", i, j);
			csv_u(&b, "cross_thread_flow", "frees", key, v);
		}
	for (size_t i = 0; r->leaked_allocations && i < r->leaked_allocations_len; i++) {
		const cc_profiler_allocation_record_t *a = &r->leaked_allocations[i];
		snprintf(key, sizeof key, "%zu", i);
		csv_u(&b, "leak", "ptr", key, a->ptr);
		csv_u(&b, "leak", "size", key, a->size);
		csv_d(&b, "leak", "timestamp", key, a->timestamp);
		csv_u(&b, "leak", "thread_id", key, a->thread_id);
		for (size_t j = 0; j < a->stack_depth; j++) {
			char k2[80];
			snprintf(k2, sizeof k2, "%zu.%zu", i, j);
			csv_row(&b, "leak", "frame", k2, a->stack_trace[j]);
		}
	}
	for (size_t i = 0; i < r->timeline_len; i++) {
		snprintf(key, sizeof key, "%zu", i);
		csv_d(&b, "timeline", "t", key, r->timeline[i].t);
		csv_u(&b, "timeline", "current", key, r->timeline[i].current);
		csv_u(&b, "timeline", "alloc_count", key, r->timeline[i].alloc_count);
		csv_u(&b, "timeline", "free_count", key, r->timeline[i].free_count);
	}
	for (size_t i = 0; i < r->recommendation_count; i++) {
		snprintf(key, sizeof key, "%zu", i + 1);
		csv_row(&b, "recommendation", "text", key, r->recommendations[i]);
	}
	return cc__sb_finish_file(&b, path);
}

/*
 * alloc/profiler/json.c - the profiler's report as JSON: the field names of
 * the seed's MemoryProfilerReport (and of cc_profiler_report_t); strings are
 * escaped so the document also embeds safely in HTML (<, > and & as \u00XX).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "profiler_internal.h"

/* ---- JSON --------------------------------------------------------------------------- */

static void json_str(cc__sb_t *b, const char *s)
{
	cc__sb_putn(b, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char c = *p;
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			cc__sb_putn(b, e, 2);
		} else if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x7f) {
			cc__sb_printf(b, "\\u%04x", c);
		} else if (c >= 0x80) {
			/* keep valid UTF-8 sequences, replace stray bytes */
			int n = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : -1;
			bool ok = n > 0;
			for (int i = 1; ok && i <= n; i++)
				ok = (p[i] & 0xc0) == 0x80;
			if (ok) {
				cc__sb_putn(b, (const char *)p, (size_t)n + 1);
				p += n;
			} else {
				cc__sb_puts(b, "\\ufffd");
			}
		} else {
			char ch = (char)c;
			cc__sb_putn(b, &ch, 1);
		}
	}
	cc__sb_putn(b, "\"", 1);
}

static void json_num(cc__sb_t *b, double v)
{
	if (isfinite(v))
		cc__sb_printf(b, "%.9g", v);
	else
		cc__sb_puts(b, "null");
}

static void json_u64(cc__sb_t *b, uint64_t v)
{
	cc__sb_printf(b, "%llu", (unsigned long long)v);
}

#define KU(name, v)                                                                                    \
	do {                                                                                               \
		cc__sb_puts(b, ",\"" name "\":");                                                              \
		json_u64(b, (v));                                                                              \
	} while (0)
#define KD(name, v)                                                                                    \
	do {                                                                                               \
		cc__sb_puts(b, ",\"" name "\":");                                                              \
		json_num(b, (v));                                                                              \
	} while (0)
#define KB(name, v) cc__sb_puts(b, (v) ? ",\"" name "\":true" : ",\"" name "\":false")

void cc__prof_json(cc__sb_t *b, const cc_profiler_report_t *r)
{
	char ts[64];
	cc__sb_puts(b, "{\"format\":\"ccmem-memory-profiler-report/1\"");
	KU("alloc_count", r->alloc_count);
	KU("free_count", r->free_count);
	KU("alloc_bytes", r->alloc_bytes);
	KU("free_bytes", r->free_bytes);
	KU("current_allocated", r->current_allocated);
	KU("peak_allocated", r->peak_allocated);
	KD("peak_time", r->peak_time);
	KU("peak_allocated_upper_bound", r->peak_allocated_upper_bound);
	KU("unsized_free_count", r->unsized_free_count);
	KD("alloc_rate", r->alloc_rate);
	KD("free_rate", r->free_rate);
	KD("bytes_rate", r->bytes_rate);
	KD("alloc_rate_ewma", r->alloc_rate_ewma);
	KD("free_rate_ewma", r->free_rate_ewma);
	KD("bytes_rate_ewma", r->bytes_rate_ewma);
	KD("alloc_latency_p50", r->alloc_latency_p50);
	KD("alloc_latency_p95", r->alloc_latency_p95);
	KD("alloc_latency_p99", r->alloc_latency_p99);
	KD("alloc_latency_p999", r->alloc_latency_p999);
	KD("free_latency_p50", r->free_latency_p50);
	KD("free_latency_p95", r->free_latency_p95);
	KD("free_latency_p99", r->free_latency_p99);
	KD("free_latency_p999", r->free_latency_p999);
	KD("alloc_latency_mean", r->alloc_latency_mean);
	KD("free_latency_mean", r->free_latency_mean);
	KD("latency_relative_error", r->latency_relative_error);
	KU("alloc_latency_samples", r->alloc_latency_samples);
	KU("free_latency_samples", r->free_latency_samples);
	/* latency histogram: non-empty buckets only, [lo_ns, hi_ns, alloc, free] */
	cc__sb_puts(b, ",\"latency_histogram\":[");
	bool first = true;
	for (size_t i = 0; i < r->latency_bucket_count; i++) {
		if (r->alloc_latency_counts[i] == 0 && r->free_latency_counts[i] == 0)
			continue;
		cc__sb_puts(b, first ? "[" : ",[");
		first = false;
		json_num(b, r->latency_lo[i]);
		cc__sb_puts(b, ",");
		json_num(b, r->latency_hi[i]);
		cc__sb_printf(b, ",%llu,%llu]", (unsigned long long)r->alloc_latency_counts[i],
		              (unsigned long long)r->free_latency_counts[i]);
	}
	cc__sb_puts(b, "]");
	KU("cross_thread_free_count", r->cross_thread_free_count);
	KD("cross_thread_free_pct", r->cross_thread_free_pct);
	cc__sb_puts(b, ",\"cross_thread_flow\":[");
	for (size_t i = 0; i < r->flow_threads; i++) {
		cc__sb_puts(b, i ? ",[" : "[");
		for (size_t j = 0; j < r->flow_threads; j++)
			cc__sb_printf(b, j ? ",%llu" : "%llu", (unsigned long long)r->cross_thread_flow[i * r->flow_threads + j]);
		cc__sb_puts(b, "]");
	}
	cc__sb_puts(b, "]");

	const cc_profiler_size_histogram_t *h = &r->size_histogram;
	cc__sb_puts(b, ",\"size_histogram\":{\"buckets\":{");
	for (size_t i = 0; i < h->bucket_count; i++) {
		if (i)
			cc__sb_puts(b, ",");
		json_str(b, h->buckets[i].label);
		cc__sb_printf(b, ":%llu", (unsigned long long)h->buckets[i].count);
	}
	cc__sb_puts(b, "},\"bucket_bytes\":{");
	for (size_t i = 0; i < h->bucket_count; i++) {
		if (i)
			cc__sb_puts(b, ",");
		json_str(b, h->buckets[i].label);
		cc__sb_printf(b, ":%llu", (unsigned long long)h->buckets[i].bytes);
	}
	cc__sb_puts(b, "}");
	KU("total_count", h->total_count);
	KU("total_bytes", h->total_bytes);
	cc__sb_puts(b, ",\"hot_sizes\":[");
	cc_profiler_size_bucket_t hot[5];
	size_t nh = cc_profiler_hot_sizes(h, 5, hot);
	for (size_t i = 0; i < nh; i++) {
		cc__sb_puts(b, i ? ",[" : "[");
		json_str(b, hot[i].label);
		cc__sb_printf(b, ",%llu]", (unsigned long long)hot[i].count);
	}
	cc__sb_puts(b, "]}");

	cc__sb_puts(b, ",\"thread_stats\":");
	if (r->thread_stats == NULL) {
		cc__sb_puts(b, "null");
	} else {
		cc__sb_puts(b, "[");
		for (size_t i = 0; i < r->thread_count; i++) {
			const cc_profiler_thread_stats_t *t = &r->thread_stats[i];
			cc__sb_puts(b, i ? ",{\"thread_id\":" : "{\"thread_id\":");
			json_u64(b, t->thread_id);
			cc__sb_puts(b, ",\"thread_name\":");
			if (t->thread_name[0])
				json_str(b, t->thread_name);
			else
				cc__sb_puts(b, "null");
			KU("index", t->index);
			KU("alloc_count", t->alloc_count);
			KU("free_count", t->free_count);
			KU("alloc_bytes", t->alloc_bytes);
			KU("free_bytes", t->free_bytes);
			KU("cross_thread_frees_sent", t->cross_thread_frees_sent);
			KU("cross_thread_frees_received", t->cross_thread_frees_received);
			cc__sb_puts(b, "}");
		}
		cc__sb_puts(b, "]");
	}
	KU("thread_count", r->thread_count);

	const cc_profiler_fragmentation_t *f = &r->fragmentation;
	cc__sb_puts(b, ",\"fragmentation\":{\"internal_fragmentation\":");
	json_num(b, f->internal_fragmentation);
	KD("external_fragmentation", f->external_fragmentation);
	KU("largest_free_block", f->largest_free_block);
	KU("free_block_count", f->free_block_count);
	KD("utilization", f->utilization);
	KU("committed_bytes", f->committed_bytes);
	cc__sb_puts(b, ",\"source\":");
	json_str(b, f->source ? f->source : "none");
	cc__sb_puts(b, "}");

	cc__sb_puts(b, ",\"leaked_allocations\":");
	if (r->leaked_allocations == NULL) {
		cc__sb_puts(b, "null");
	} else {
		cc__sb_puts(b, "[");
		for (size_t i = 0; i < r->leaked_allocations_len; i++) {
			const cc_profiler_allocation_record_t *a = &r->leaked_allocations[i];
			cc__sb_puts(b, i ? ",{\"ptr\":" : "{\"ptr\":");
			json_u64(b, a->ptr);
			KU("size", a->size);
			KD("timestamp", a->timestamp);
			KU("thread_id", a->thread_id);
			cc__sb_puts(b, ",\"stack_trace\":");
			if (a->stack_trace == NULL) {
				cc__sb_puts(b, "null");
			} else {
				cc__sb_puts(b, "[");
				for (size_t j = 0; j < a->stack_depth; j++) {
					if (j)
						cc__sb_puts(b, ",");
					json_str(b, a->stack_trace[j]);
				}
				cc__sb_puts(b, "]");
			}
			cc__sb_puts(b, "}");
		}
		cc__sb_puts(b, "]");
	}
	KU("leak_count", r->leak_count);
	KU("leaked_bytes", r->leaked_bytes);
	KD("leaked_bytes_estimate", r->leaked_bytes_estimate);

	cc__sb_puts(b, ",\"timeline\":[");
	for (size_t i = 0; i < r->timeline_len; i++) {
		const cc_profiler_timeline_point_t *t = &r->timeline[i];
		cc__sb_puts(b, i ? ",{\"t\":" : "{\"t\":");
		json_num(b, t->t);
		KU("current", t->current);
		KU("alloc_count", t->alloc_count);
		KU("free_count", t->free_count);
		cc__sb_puts(b, ",\"size_counts\":[");
		for (int j = 0; j < CC_PROFILER_SIZE_BUCKETS; j++)
			cc__sb_printf(b, j ? ",%llu" : "%llu", (unsigned long long)t->size_counts[j]);
		cc__sb_puts(b, "]}");
	}
	cc__sb_puts(b, "]");

	KD("sample_rate", r->sample_rate);
	KU("sampled_allocs", r->sampled_allocs);
	KU("sampled_frees", r->sampled_frees);
	KU("untracked_samples", r->untracked_samples);
	KU("indexed_samples", r->indexed_samples);
	cc__sb_puts(b, ",\"recommendations\":[");
	for (size_t i = 0; i < r->recommendation_count; i++) {
		if (i)
			cc__sb_puts(b, ",");
		json_str(b, r->recommendations[i]);
	}
	cc__sb_puts(b, "]");
	KD("duration_seconds", r->duration_seconds);
	cc__pf_iso8601(r->start_time, ts, sizeof ts);
	cc__sb_puts(b, ",\"start_time\":");
	json_str(b, ts);
	cc__pf_iso8601(r->end_time, ts, sizeof ts);
	cc__sb_puts(b, ",\"end_time\":");
	json_str(b, ts);
	KB("running", r->running);
	const cc_profiler_options_t *o = &r->options;
	cc__sb_puts(b, ",\"options\":{\"sample_rate\":");
	json_num(b, o->sample_rate);
	KB("track_sizes", o->track_sizes);
	KB("track_latency", o->track_latency);
	KB("track_per_thread", o->track_per_thread);
	KB("track_cross_thread", o->track_cross_thread);
	KB("detect_leaks", o->detect_leaks);
	KB("capture_stacks", o->capture_stacks);
	KU("latency_buckets", o->latency_buckets);
	KU("timeline_interval_ms", o->timeline_interval_ms);
	KU("max_leak_records", o->max_leak_records);
	KU("max_stack_frames", o->max_stack_frames);
	cc__sb_puts(b, ",\"latency_sample_rate\":");
	json_num(b, o->latency_sample_rate);
	cc__sb_puts(b, "}}\n");
}

int cc_profiler_report_to_json(const cc_profiler_report_t *r, const char *path)
{
	if (r == NULL || path == NULL) {
		errno = EINVAL;
		return -1;
	}
	cc__sb_t b = {0};
	cc__prof_json(&b, r);
	return cc__sb_finish_file(&b, path);
}

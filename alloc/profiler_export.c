/*
 * alloc/profiler_export.c - the profiler's report as JSON, CSV and Prometheus
 * text, and the file writer shared with the HTML dashboard.
 *
 * JSON keys are the field names of the seed's MemoryProfilerReport (and of
 * cc_profiler_report_t); strings are escaped so the document also embeds
 * safely in HTML (<, > and & as \u00XX).  CSV is RFC 4180, one value per
 * row: section,name,key,value.  Prometheus follows text format 0.0.4 with the
 * seed's metric names; latency histograms are re-binned to fixed nanosecond
 * bounds (counts at each bound are exact up to the histogram's relative
 * error).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ccmem/profiler.h"
#include "profiler_internal.h"

/* ---- string builder --------------------------------------------------------------- */

static bool sb_reserve(cc__sb_t *b, size_t extra)
{
	if (b->failed)
		return false;
	if (b->len + extra + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->len + extra + 1)
		cap *= 2;
	char *n = realloc(b->s, cap);
	if (n == NULL) {
		b->failed = true;
		return false;
	}
	b->s = n;
	b->cap = cap;
	return true;
}

void cc__sb_putn(cc__sb_t *b, const char *s, size_t n)
{
	if (!sb_reserve(b, n))
		return;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void cc__sb_puts(cc__sb_t *b, const char *s)
{
	cc__sb_putn(b, s, strlen(s));
}

void cc__sb_printf(cc__sb_t *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !sb_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* ---- files -------------------------------------------------------------------------- */

int cc__prof_write_file(const char *path, const char *buf, size_t len)
{
	if (path == NULL || *path == '\0') {
		errno = EINVAL;
		return -1;
	}
	size_t pl = strlen(path);
	char *tmp = malloc(pl + 32);
	if (tmp == NULL) {
		errno = ENOMEM;
		return -1;
	}
	snprintf(tmp, pl + 32, "%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");
	if (f == NULL) {
		int e = errno;
		free(tmp);
		errno = e;
		return -1;
	}
	size_t w = fwrite(buf, 1, len, f);
	int e = w == len ? 0 : (errno ? errno : EIO);
	if (fclose(f) != 0 && e == 0)
		e = errno ? errno : EIO;
	if (e == 0 && rename(tmp, path) != 0)
		e = errno;
	if (e != 0) {
		unlink(tmp);
		free(tmp);
		errno = e;
		return -1;
	}
	free(tmp);
	return 0;
}

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

static void iso8601(double unix_s, char *buf, size_t cap)
{
	time_t t = (time_t)floor(unix_s);
	struct tm tm;
	gmtime_r(&t, &tm);
	int us = (int)((unix_s - floor(unix_s)) * 1e6);
	if (us > 999999)
		us = 999999;
	snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	         tm.tm_hour, tm.tm_min, tm.tm_sec, us);
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
	cc__sb_puts(b, ",\"recommendations\":[");
	for (size_t i = 0; i < r->recommendation_count; i++) {
		if (i)
			cc__sb_puts(b, ",");
		json_str(b, r->recommendations[i]);
	}
	cc__sb_puts(b, "]");
	KD("duration_seconds", r->duration_seconds);
	iso8601(r->start_time, ts, sizeof ts);
	cc__sb_puts(b, ",\"start_time\":");
	json_str(b, ts);
	iso8601(r->end_time, ts, sizeof ts);
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

static int finish_file(cc__sb_t *b, const char *path)
{
	if (b->failed) {
		free(b->s);
		errno = ENOMEM;
		return -1;
	}
	int rc = cc__prof_write_file(path, b->s ? b->s : "", b->len);
	int e = errno;
	free(b->s);
	errno = e;
	return rc;
}

int cc_profiler_report_to_json(const cc_profiler_report_t *r, const char *path)
{
	if (r == NULL || path == NULL) {
		errno = EINVAL;
		return -1;
	}
	cc__sb_t b = {0};
	cc__prof_json(&b, r);
	return finish_file(&b, path);
}

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
	csv_u(&b, S, "thread_count", "", r->thread_count);
	csv_d(&b, S, "duration_seconds", "", r->duration_seconds);
	iso8601(r->start_time, ts, sizeof ts);
	csv_row(&b, S, "start_time", "", ts);
	iso8601(r->end_time, ts, sizeof ts);
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
	return finish_file(&b, path);
}

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

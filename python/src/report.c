/*
 * python/src/report.c - a cc_profiler_report_t (include/ccmem/profiler.h) as
 * a dict of plain Python values (ints, floats, strings, lists, dicts), keyed
 * by the C field names; concurrent_collections/_profiler.py turns it into the
 * seed's dataclasses.  Called with the GIL held and the report valid.
 */
#include "ext.h"

#include <string.h>

/* d[key] = v, stealing v; -1 on error (v NULL included). */
static int put(PyObject *d, const char *key, PyObject *v)
{
	if (v == NULL)
		return -1;
	int rc = PyDict_SetItemString(d, key, v);
	Py_DECREF(v);
	return rc;
}

#define U64(x) PyLong_FromUnsignedLongLong((unsigned long long)(x))
#define F64(x) PyFloat_FromDouble(x)

/* A list of n items made by item(base, i); NULL on error. */
static PyObject *list_of(const void *base, size_t n, PyObject *(*item)(const void *, size_t))
{
	PyObject *l = PyList_New((Py_ssize_t)n);
	for (size_t i = 0; l != NULL && i < n; i++) {
		PyObject *v = item(base, i);
		if (v == NULL) {
			Py_CLEAR(l);
			break;
		}
		PyList_SET_ITEM(l, (Py_ssize_t)i, v);
	}
	return l;
}

static PyObject *u64_item(const void *a, size_t i) { return U64(((const uint64_t *)a)[i]); }
static PyObject *f64_item(const void *a, size_t i) { return F64(((const double *)a)[i]); }
static PyObject *str_item(const void *a, size_t i)
{
	const char *s = ((char *const *)a)[i];
	return PyUnicode_DecodeUTF8(s, (Py_ssize_t)strlen(s), "replace");
}
#define u64_list(a, n) list_of((a), (n), u64_item)
#define f64_list(a, n) list_of((a), (n), f64_item)
#define str_list(a, n) list_of((a), (n), str_item)

/* List of n dicts, each filled by fill(dict, i); NULL on error. */
static PyObject *dict_list(const void *base, size_t n, int (*fill)(PyObject *, const void *, size_t))
{
	PyObject *l = PyList_New((Py_ssize_t)n);
	for (size_t i = 0; l != NULL && i < n; i++) {
		PyObject *d = PyDict_New();
		if (d == NULL || fill(d, base, i) < 0) {
			Py_XDECREF(d);
			Py_CLEAR(l);
			break;
		}
		PyList_SET_ITEM(l, (Py_ssize_t)i, d);
	}
	return l;
}

static int fill_bucket(PyObject *d, const void *base, size_t i)
{
	const cc_profiler_size_bucket_t *b = (const cc_profiler_size_bucket_t *)base + i;
	return put(d, "label", PyUnicode_FromString(b->label)) | put(d, "lo", U64(b->lo)) | put(d, "hi", U64(b->hi)) |
	       put(d, "count", U64(b->count)) | put(d, "bytes", U64(b->bytes));
}

static int fill_thread(PyObject *d, const void *base, size_t i)
{
	const cc_profiler_thread_stats_t *t = (const cc_profiler_thread_stats_t *)base + i;
	return put(d, "thread_id", U64(t->thread_id)) |
	       put(d, "thread_name", PyUnicode_DecodeUTF8(t->thread_name, (Py_ssize_t)strnlen(t->thread_name, sizeof t->thread_name), "replace")) |
	       put(d, "index", U64(t->index)) | put(d, "alloc_count", U64(t->alloc_count)) |
	       put(d, "free_count", U64(t->free_count)) | put(d, "alloc_bytes", U64(t->alloc_bytes)) |
	       put(d, "free_bytes", U64(t->free_bytes)) |
	       put(d, "cross_thread_frees_sent", U64(t->cross_thread_frees_sent)) |
	       put(d, "cross_thread_frees_received", U64(t->cross_thread_frees_received));
}

static int fill_leak(PyObject *d, const void *base, size_t i)
{
	const cc_profiler_allocation_record_t *a = (const cc_profiler_allocation_record_t *)base + i;
	PyObject *stack;
	if (a->stack_trace != NULL) {
		stack = str_list(a->stack_trace, a->stack_depth);
	} else {
		stack = Py_None;
		Py_INCREF(stack);
	}
	return put(d, "ptr", U64(a->ptr)) | put(d, "size", U64(a->size)) | put(d, "timestamp", F64(a->timestamp)) |
	       put(d, "thread_id", U64(a->thread_id)) | put(d, "stack_trace", stack);
}

static int fill_point(PyObject *d, const void *base, size_t i)
{
	const cc_profiler_timeline_point_t *p = (const cc_profiler_timeline_point_t *)base + i;
	return put(d, "t", F64(p->t)) | put(d, "current", U64(p->current)) | put(d, "alloc_count", U64(p->alloc_count)) |
	       put(d, "free_count", U64(p->free_count));
}

static PyObject *flow_matrix(const cc_profiler_report_t *r)
{
	size_t n = r->cross_thread_flow != NULL ? r->flow_threads : 0;
	PyObject *rows = PyList_New((Py_ssize_t)n);
	for (size_t i = 0; rows != NULL && i < n; i++) {
		PyObject *row = u64_list(r->cross_thread_flow + i * n, n);
		if (row == NULL) {
			Py_CLEAR(rows);
			break;
		}
		PyList_SET_ITEM(rows, (Py_ssize_t)i, row);
	}
	return rows;
}

static PyObject *options_dict(const cc_profiler_options_t *o)
{
	PyObject *d = PyDict_New();
	if (d == NULL)
		return NULL;
	if (put(d, "track_sizes", PyBool_FromLong(o->track_sizes)) | put(d, "track_latency", PyBool_FromLong(o->track_latency)) |
	    put(d, "track_per_thread", PyBool_FromLong(o->track_per_thread)) |
	    put(d, "track_cross_thread", PyBool_FromLong(o->track_cross_thread)) |
	    put(d, "detect_leaks", PyBool_FromLong(o->detect_leaks)) |
	    put(d, "capture_stacks", PyBool_FromLong(o->capture_stacks)) | put(d, "sample_rate", F64(o->sample_rate)) |
	    put(d, "latency_buckets", U64(o->latency_buckets)) |
	    put(d, "latency_sample_rate", F64(o->latency_sample_rate)) |
	    put(d, "max_stack_frames", U64(o->max_stack_frames)) |
	    put(d, "timeline_interval_ms", U64(o->timeline_interval_ms)) |
	    put(d, "max_leak_records", U64(o->max_leak_records))) {
		Py_DECREF(d);
		return NULL;
	}
	return d;
}

PyObject *ccpy_report_dict(const cc_profiler_report_t *r)
{
	PyObject *d = PyDict_New();
	if (d == NULL)
		return NULL;
	const cc_profiler_size_histogram_t *h = &r->size_histogram;
	const cc_profiler_fragmentation_t *f = &r->fragmentation;
	PyObject *hist = PyDict_New(), *frag = PyDict_New();
	int bad = hist == NULL || frag == NULL;
	if (!bad)
		bad = put(hist, "buckets", dict_list(h->buckets, h->bucket_count, fill_bucket)) |
		      put(hist, "total_count", U64(h->total_count)) | put(hist, "total_bytes", U64(h->total_bytes)) |
		      put(frag, "internal_fragmentation", F64(f->internal_fragmentation)) |
		      put(frag, "external_fragmentation", F64(f->external_fragmentation)) |
		      put(frag, "largest_free_block", U64(f->largest_free_block)) |
		      put(frag, "free_block_count", U64(f->free_block_count)) |
		      put(frag, "utilization", F64(f->utilization)) |
		      put(frag, "committed_bytes", U64(f->committed_bytes)) |
		      put(frag, "source", PyUnicode_FromString(f->source != NULL ? f->source : "none"));
	PyObject *threads = Py_None, *leaks = Py_None;
	Py_INCREF(threads);
	Py_INCREF(leaks);
	if (!bad && r->thread_stats != NULL) {
		Py_DECREF(threads);
		threads = dict_list(r->thread_stats, r->thread_count, fill_thread);
	}
	if (!bad && r->leaked_allocations != NULL) {
		Py_DECREF(leaks);
		leaks = dict_list(r->leaked_allocations, r->leaked_allocations_len, fill_leak);
	}
	size_t nb = r->latency_bucket_count;
	PyObject *recs = r->recommendations != NULL ? str_list(r->recommendations, r->recommendation_count) : PyList_New(0);
	bad |= put(d, "size_histogram", hist) | put(d, "fragmentation", frag) | put(d, "thread_stats", threads) |
	             put(d, "leaked_allocations", leaks) | put(d, "recommendations", recs);
	if (bad ||
	    put(d, "alloc_count", U64(r->alloc_count)) | put(d, "free_count", U64(r->free_count)) |
	        put(d, "alloc_bytes", U64(r->alloc_bytes)) | put(d, "free_bytes", U64(r->free_bytes)) |
	        put(d, "current_allocated", U64(r->current_allocated)) | put(d, "peak_allocated", U64(r->peak_allocated)) |
	        put(d, "peak_time", F64(r->peak_time)) |
	        put(d, "peak_allocated_upper_bound", U64(r->peak_allocated_upper_bound)) |
	        put(d, "unsized_free_count", U64(r->unsized_free_count)) | put(d, "alloc_rate", F64(r->alloc_rate)) |
	        put(d, "free_rate", F64(r->free_rate)) | put(d, "bytes_rate", F64(r->bytes_rate)) |
	        put(d, "alloc_rate_ewma", F64(r->alloc_rate_ewma)) | put(d, "free_rate_ewma", F64(r->free_rate_ewma)) |
	        put(d, "bytes_rate_ewma", F64(r->bytes_rate_ewma)) |
	        put(d, "alloc_latency_p50", F64(r->alloc_latency_p50)) |
	        put(d, "alloc_latency_p95", F64(r->alloc_latency_p95)) |
	        put(d, "alloc_latency_p99", F64(r->alloc_latency_p99)) |
	        put(d, "alloc_latency_p999", F64(r->alloc_latency_p999)) |
	        put(d, "free_latency_p50", F64(r->free_latency_p50)) | put(d, "free_latency_p95", F64(r->free_latency_p95)) |
	        put(d, "free_latency_p99", F64(r->free_latency_p99)) |
	        put(d, "free_latency_p999", F64(r->free_latency_p999)) |
	        put(d, "alloc_latency_mean", F64(r->alloc_latency_mean)) |
	        put(d, "free_latency_mean", F64(r->free_latency_mean)) |
	        put(d, "latency_relative_error", F64(r->latency_relative_error)) |
	        put(d, "latency_lo", r->latency_lo ? f64_list(r->latency_lo, nb) : PyList_New(0)) |
	        put(d, "latency_hi", r->latency_hi ? f64_list(r->latency_hi, nb) : PyList_New(0)) |
	        put(d, "alloc_latency_counts", r->alloc_latency_counts ? u64_list(r->alloc_latency_counts, nb) : PyList_New(0)) |
	        put(d, "free_latency_counts", r->free_latency_counts ? u64_list(r->free_latency_counts, nb) : PyList_New(0)) |
	        put(d, "alloc_latency_samples", U64(r->alloc_latency_samples)) |
	        put(d, "free_latency_samples", U64(r->free_latency_samples)) |
	        put(d, "cross_thread_free_count", U64(r->cross_thread_free_count)) |
	        put(d, "cross_thread_free_pct", F64(r->cross_thread_free_pct)) |
	        put(d, "cross_thread_flow", flow_matrix(r)) | put(d, "leak_count", U64(r->leak_count)) |
	        put(d, "leaked_bytes", U64(r->leaked_bytes)) |
	        put(d, "leaked_bytes_estimate", F64(r->leaked_bytes_estimate)) |
	        put(d, "timeline", dict_list(r->timeline, r->timeline_len, fill_point)) |
	        put(d, "sample_rate", F64(r->sample_rate)) | put(d, "sampled_allocs", U64(r->sampled_allocs)) |
	        put(d, "sampled_frees", U64(r->sampled_frees)) | put(d, "untracked_samples", U64(r->untracked_samples)) |
	        put(d, "duration_seconds", F64(r->duration_seconds)) | put(d, "start_time", F64(r->start_time)) |
	        put(d, "end_time", F64(r->end_time)) | put(d, "running", PyBool_FromLong(r->running)) |
	        put(d, "options", options_dict(&r->options))) {
		Py_DECREF(d);
		return NULL;
	}
	return d;
}

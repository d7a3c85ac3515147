/*
 * python/src/profiler.c - the _ccmem.Profiler type: one cc_profiler_t
 * (include/ccmem/profiler.h) owned by a Python object.  The public class,
 * concurrent_collections.MemoryProfiler, wraps it and checks arguments.
 *
 * Concurrency: ccmem's control functions may not run concurrently on one
 * profiler, so each object has a lock, taken around every call (with the
 * GIL released while it waits); the calls themselves run without the GIL,
 * since stop and snapshot join or wait for the timeline thread.  The object
 * holds no Python references, so it needs no GC support; deallocating a
 * running profiler stops it.
 */
#include "ext.h"

#include <errno.h>
#include <stdlib.h>

#include <ccmem/profiler.h>

typedef struct {
	PyObject_HEAD
	cc_profiler_t *prof;
	PyThread_type_lock lock;
} ProfilerObject;

static void lock(ProfilerObject *self)
{
	if (!PyThread_acquire_lock(self->lock, NOWAIT_LOCK)) {
		Py_BEGIN_ALLOW_THREADS
		PyThread_acquire_lock(self->lock, WAIT_LOCK);
		Py_END_ALLOW_THREADS
	}
}

static void unlock(ProfilerObject *self)
{
	PyThread_release_lock(self->lock);
}

/* The exception of a control call that failed with errno err. */
static PyObject *control_error(int err, const char *call)
{
	switch (err) {
	case EBUSY:
		if (call[0] == 's' && call[2] == 'a') /* start */
			PyErr_SetString(PyExc_RuntimeError, "another MemoryProfiler is already running in this process "
			                                     "(one runs at a time): stop it first");
		else
			PyErr_Format(PyExc_RuntimeError, "%s() needs a stopped profiler: call stop() first, or use "
			                                 "snapshot() while it runs", call);
		return NULL;
	case ENODATA:
		PyErr_Format(PyExc_RuntimeError, "%s(): the profiler has no figures yet: call start() first", call);
		return NULL;
	case EINVAL:
		PyErr_Format(PyExc_RuntimeError, "%s(): the profiler is not running", call);
		return NULL;
	case EAGAIN:
		PyErr_Format(PyExc_RuntimeError, "%s(): the profiler's timeline thread could not start", call);
		return NULL;
	default:
		return ccpy_errno(err, call);
	}
}

static PyObject *profiler_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
	static char *names[] = {"track_sizes", "track_latency", "track_per_thread", "track_cross_thread",
	                        "detect_leaks", "capture_stacks", "sample_rate", "latency_buckets",
	                        "latency_sample_rate", "max_stack_frames", "timeline_interval_ms",
	                        "max_leak_records", NULL};
	cc_profiler_options_t o;
	cc_profiler_options_init(&o);
	int ts = o.track_sizes, tl = o.track_latency, tp = o.track_per_thread, tc = o.track_cross_thread;
	int dl = o.detect_leaks, cs = o.capture_stacks;
	unsigned int lb = o.latency_buckets, msf = o.max_stack_frames, tim = o.timeline_interval_ms,
	             mlr = o.max_leak_records;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "|$ppppppdIdIII:Profiler", names, &ts, &tl, &tp, &tc, &dl, &cs,
	                                 &o.sample_rate, &lb, &o.latency_sample_rate, &msf, &tim, &mlr))
		return NULL;
	o.track_sizes = ts, o.track_latency = tl, o.track_per_thread = tp, o.track_cross_thread = tc;
	o.detect_leaks = dl, o.capture_stacks = cs;
	o.latency_buckets = lb, o.max_stack_frames = msf, o.timeline_interval_ms = tim, o.max_leak_records = mlr;
	ProfilerObject *self = (ProfilerObject *)type->tp_alloc(type, 0);
	if (self == NULL)
		return NULL;
	self->lock = PyThread_allocate_lock();
	if (self->lock == NULL) {
		Py_DECREF(self);
		return PyErr_NoMemory();
	}
	self->prof = cc_profiler_create(&o);
	if (self->prof == NULL) {
		int err = errno;
		Py_DECREF(self);
		if (err == EINVAL) {
			PyErr_SetString(PyExc_ValueError, "invalid profiler options (see MemoryProfiler's documentation)");
			return NULL;
		}
		return ccpy_errno(err, "MemoryProfiler");
	}
	if (o.capture_stacks && cc_profiler_set_frame_source(self->prof, ccpy_frame_source()) != 0) {
		Py_DECREF(self);
		return ccpy_errno(errno, "MemoryProfiler");
	}
	return (PyObject *)self;
}

static void profiler_dealloc(ProfilerObject *self)
{
	if (self->prof != NULL) {
		cc_profiler_t *p = self->prof;
		self->prof = NULL;
		Py_BEGIN_ALLOW_THREADS
		cc_profiler_destroy(p); /* stops a running profiler */
		Py_END_ALLOW_THREADS
	}
	if (self->lock != NULL)
		PyThread_free_lock(self->lock);
	PyTypeObject *tp = Py_TYPE(self);
	tp->tp_free((PyObject *)self);
	Py_DECREF(tp); /* instances of heap types own a reference to their type */
}

/* start, stop, reset: an int-returning control call without the GIL. */
static PyObject *control(ProfilerObject *self, int (*fn)(cc_profiler_t *), const char *call)
{
	int rc, err;
	lock(self);
	Py_BEGIN_ALLOW_THREADS
	errno = 0;
	rc = fn(self->prof);
	err = errno;
	Py_END_ALLOW_THREADS
	unlock(self);
	if (rc != 0)
		return control_error(err, call);
	Py_RETURN_NONE;
}

static PyObject *profiler_start(ProfilerObject *self, PyObject *unused)
{
	(void)unused;
	return control(self, cc_profiler_start, "start");
}

static PyObject *profiler_stop(ProfilerObject *self, PyObject *unused)
{
	(void)unused;
	return control(self, cc_profiler_stop, "stop");
}

static PyObject *profiler_reset(ProfilerObject *self, PyObject *unused)
{
	(void)unused;
	return control(self, cc_profiler_reset, "reset");
}

/* snapshot, report: the report as a dict, built under the object's lock
 * (the report pointer is valid until the next control call). */
static PyObject *report_call(ProfilerObject *self, const cc_profiler_report_t *(*fn)(cc_profiler_t *),
                             const char *call)
{
	const cc_profiler_report_t *r;
	int err;
	lock(self);
	Py_BEGIN_ALLOW_THREADS
	errno = 0;
	r = fn(self->prof);
	err = errno;
	Py_END_ALLOW_THREADS
	PyObject *d = r != NULL ? ccpy_report_dict(r) : control_error(err, call);
	unlock(self);
	return d;
}

static PyObject *profiler_snapshot(ProfilerObject *self, PyObject *unused)
{
	(void)unused;
	return report_call(self, cc_profiler_snapshot, "snapshot");
}

static PyObject *profiler_report(ProfilerObject *self, PyObject *unused)
{
	(void)unused;
	return report_call(self, cc_profiler_report, "report");
}

static PyObject *export_file(ProfilerObject *self, PyObject *path, int (*fn)(cc_profiler_t *, const char *),
                             const char *call)
{
	PyObject *bytes = NULL;
	if (!PyUnicode_FSConverter(path, &bytes)) /* str, bytes or os.PathLike */
		return NULL;
	int rc, err;
	lock(self);
	Py_BEGIN_ALLOW_THREADS
	errno = 0;
	rc = fn(self->prof, PyBytes_AS_STRING(bytes));
	err = errno;
	Py_END_ALLOW_THREADS
	unlock(self);
	Py_DECREF(bytes);
	if (rc == 0)
		Py_RETURN_NONE;
	if (err == EBUSY || err == ENODATA || err == EINVAL)
		return control_error(err, call);
	if (err == ENOMEM)
		return PyErr_NoMemory();
	errno = err;
	return PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, path);
}

static PyObject *profiler_to_json(ProfilerObject *self, PyObject *path)
{
	return export_file(self, path, cc_profiler_to_json, "to_json");
}

static PyObject *profiler_to_csv(ProfilerObject *self, PyObject *path)
{
	return export_file(self, path, cc_profiler_to_csv, "to_csv");
}

static PyObject *profiler_to_html(ProfilerObject *self, PyObject *path)
{
	return export_file(self, path, cc_profiler_to_html, "to_html");
}

static PyObject *profiler_to_prometheus(ProfilerObject *self, PyObject *unused)
{
	(void)unused;
	char *text;
	int err;
	lock(self);
	Py_BEGIN_ALLOW_THREADS
	errno = 0;
	text = cc_profiler_to_prometheus(self->prof);
	err = errno;
	Py_END_ALLOW_THREADS
	unlock(self);
	if (text == NULL)
		return control_error(err, "to_prometheus");
	PyObject *s = PyUnicode_FromString(text);
	free(text);
	return s;
}

static PyMethodDef profiler_methods[] = {
	{"start", (PyCFunction)profiler_start, METH_NOARGS, "Starts a run (RuntimeError if one runs)."},
	{"stop", (PyCFunction)profiler_stop, METH_NOARGS, "Ends the run and builds the final report."},
	{"reset", (PyCFunction)profiler_reset, METH_NOARGS, "Drops every figure."},
	{"snapshot", (PyCFunction)profiler_snapshot, METH_NOARGS, "The figures so far, as a dict."},
	{"report", (PyCFunction)profiler_report, METH_NOARGS, "The final report of the last run, as a dict."},
	{"to_json", (PyCFunction)profiler_to_json, METH_O, "Writes the report as JSON."},
	{"to_csv", (PyCFunction)profiler_to_csv, METH_O, "Writes the report as CSV."},
	{"to_html", (PyCFunction)profiler_to_html, METH_O, "Writes the HTML dashboard."},
	{"to_prometheus", (PyCFunction)profiler_to_prometheus, METH_NOARGS, "The Prometheus text exposition."},
	{NULL, NULL, 0, NULL},
};

static PyType_Slot profiler_slots[] = {
	{Py_tp_new, profiler_new},
	{Py_tp_dealloc, profiler_dealloc},
	{Py_tp_methods, profiler_methods},
	{Py_tp_doc, "Profiler(**options): ccmem's memory profiler (internal: use concurrent_collections.MemoryProfiler)."},
	{0, NULL},
};

static PyType_Spec profiler_spec = {
	.name = "concurrent_collections._ccmem.Profiler",
	.basicsize = sizeof(ProfilerObject),
	.flags = Py_TPFLAGS_DEFAULT,
	.slots = profiler_slots,
};

int ccpy_profiler_add(PyObject *m)
{
	PyObject *t = PyType_FromModuleAndSpec(m, &profiler_spec, NULL);
	if (t == NULL)
		return -1;
	int rc = PyModule_AddObjectRef(m, "Profiler", t);
	Py_DECREF(t);
	return rc;
}

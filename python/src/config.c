/*
 * python/src/config.c - ccmem's run-time configuration for Python: the
 * glue's statistics, its backend, fault injection and debug fill
 * (include/ccmem/alloc.h, include/ccmem/config.h).  Thin calls: argument
 * checking with messages for users lives in concurrent_collections/_config.py.
 * Every function may be called from any thread.
 */
#include "ext.h"

#include <errno.h>

#include <ccmem/alloc.h>
#include <ccmem/config.h>

static PyObject *stats_enabled(PyObject *m, PyObject *unused)
{
	(void)m, (void)unused;
	return PyBool_FromLong(cc_alloc_stats_enabled());
}

static PyObject *set_stats_enabled(PyObject *m, PyObject *arg)
{
	(void)m;
	int on = PyObject_IsTrue(arg);
	if (on < 0)
		return NULL;
	errno = 0;
	cc_alloc_stats_enable(on != 0);
	if (on && !CC_ALLOC_STATS) {
		PyErr_SetString(PyExc_RuntimeError,
		                "allocation statistics are compiled out of this build of ccmem (CC_ALLOC_STATS=OFF)");
		return NULL;
	}
	Py_RETURN_NONE;
}

static PyObject *alloc_stats(PyObject *m, PyObject *unused)
{
	(void)m, (void)unused;
	cc_alloc_snapshot_t s;
	Py_BEGIN_ALLOW_THREADS
	s = cc_alloc_stats_snapshot(); /* takes the registry lock */
	Py_END_ALLOW_THREADS
	return Py_BuildValue("(KKKKKK)", (unsigned long long)s.alloc_count, (unsigned long long)s.free_count,
	                     (unsigned long long)s.alloc_bytes, (unsigned long long)s.free_bytes,
	                     (unsigned long long)s.current_allocated, (unsigned long long)s.unsized_free_count);
}

static PyObject *reset_alloc_stats(PyObject *m, PyObject *unused)
{
	(void)m, (void)unused;
	cc_alloc_stats_reset();
	Py_RETURN_NONE;
}

static PyObject *backend(PyObject *m, PyObject *unused)
{
	(void)m, (void)unused;
	return PyUnicode_FromString(cc_backend_name(cc_config_backend()));
}

static PyObject *backend_names(PyObject *m, PyObject *unused)
{
	(void)m, (void)unused;
	PyObject *t = PyTuple_New(CC_BACKEND_COUNT);
	for (int i = 0; t != NULL && i < CC_BACKEND_COUNT; i++) {
		PyObject *s = PyUnicode_FromString(cc_backend_name((cc_backend_t)i));
		if (s == NULL) {
			Py_CLEAR(t);
			break;
		}
		PyTuple_SET_ITEM(t, i, s);
	}
	return t;
}

static PyObject *set_backend(PyObject *m, PyObject *arg)
{
	(void)m;
	const char *name = PyUnicode_AsUTF8(arg);
	if (name == NULL)
		return NULL;
	cc_backend_t b;
	if (cc_backend_parse(name, &b) != 0) {
		PyErr_Format(PyExc_ValueError, "unknown allocator %R", arg);
		return NULL;
	}
	if (cc_config_set_backend(b) != 0)
		return ccpy_errno(errno, "allocator");
	Py_RETURN_NONE;
}

static PyObject *fault_nth(PyObject *m, PyObject *arg)
{
	(void)m;
	unsigned long long n = PyLong_AsUnsignedLongLong(arg);
	if (n == (unsigned long long)-1 && PyErr_Occurred())
		return NULL;
	if (cc_config_fault_nth(n) != 0)
		return ccpy_errno(errno, "fault nth");
	Py_RETURN_NONE;
}

static PyObject *fault_random(PyObject *m, PyObject *args)
{
	(void)m;
	double p;
	unsigned long long seed;
	if (!PyArg_ParseTuple(args, "dK", &p, &seed))
		return NULL;
	if (cc_config_fault_random(p, seed) != 0)
		return ccpy_errno(errno, "fault probability");
	Py_RETURN_NONE;
}

static PyObject *fault_injected(PyObject *m, PyObject *unused)
{
	(void)m, (void)unused;
	return PyLong_FromUnsignedLongLong(cc_config_fault_injected());
}

static PyObject *debug_fill(PyObject *m, PyObject *unused)
{
	(void)m, (void)unused;
	return PyBool_FromLong(cc_config_debug_fill());
}

static PyObject *set_debug_fill(PyObject *m, PyObject *arg)
{
	(void)m;
	int on = PyObject_IsTrue(arg);
	if (on < 0)
		return NULL;
	cc_config_set_debug_fill(on != 0);
	Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
	{"stats_enabled", stats_enabled, METH_NOARGS, "True while allocation statistics are counted."},
	{"set_stats_enabled", set_stats_enabled, METH_O, "Switches allocation statistics on or off."},
	{"alloc_stats", alloc_stats, METH_NOARGS,
	 "(alloc_count, free_count, alloc_bytes, free_bytes, current_allocated, unsized_free_count)."},
	{"reset_alloc_stats", reset_alloc_stats, METH_NOARGS, "Cumulative counters start again from zero."},
	{"backend", backend, METH_NOARGS, "The allocation backend in force."},
	{"backend_names", backend_names, METH_NOARGS, "The backends' names."},
	{"set_backend", set_backend, METH_O, "Selects the allocation backend by name."},
	{"fault_nth", fault_nth, METH_O, "The n-th allocation of the fault backend fails (0 disarms)."},
	{"fault_random", fault_random, METH_VARARGS, "Each allocation fails with probability p (seeded)."},
	{"fault_injected", fault_injected, METH_NOARGS, "Allocations failed on purpose so far."},
	{"debug_fill", debug_fill, METH_NOARGS, "True while debug fill is on."},
	{"set_debug_fill", set_debug_fill, METH_O, "Switches debug fill on or off."},
	{NULL, NULL, 0, NULL},
};

int ccpy_config_add(PyObject *m)
{
	return PyModule_AddFunctions(m, methods);
}

/*
 * python/src/module.c - the _ccmem extension module: its definition and
 * initialisation.  Multi-phase init; on a free-threaded CPython (3.13t,
 * Py_GIL_DISABLED) it declares that it does not need the GIL: every function
 * is a call into ccmem, which is thread-safe, and the module keeps no Python
 * state of its own (frames.c guards its table with a mutex).
 */
#include "ext.h"

#include <errno.h>
#include <string.h>

#include <ccmem/build_config.h>

PyObject *ccpy_errno(int err, const char *what)
{
	if (err == ENOMEM)
		return PyErr_NoMemory();
	PyObject *type = PyExc_OSError;
	if (err == EINVAL)
		type = PyExc_ValueError;
	else if (err == EBUSY)
		type = PyExc_RuntimeError;
	PyErr_Format(type, "%s: %s", what, strerror(err));
	return NULL;
}

static int exec_module(PyObject *m)
{
	if (PyModule_AddIntConstant(m, "STATS_COMPILED", CC_ALLOC_STATS) < 0 ||
	    PyModule_AddIntConstant(m, "CACHE_LINE_SIZE", CC_CACHE_LINE_SIZE) < 0 ||
	    PyModule_AddIntConstant(m, "MIN_LATENCY_BUCKETS", CC_PROFILER_MIN_LATENCY_BUCKETS) < 0 ||
	    PyModule_AddIntConstant(m, "MAX_LATENCY_BUCKETS", CC_PROFILER_MAX_LATENCY_BUCKETS) < 0)
		return -1;
	if (ccpy_config_add(m) < 0 || ccpy_profiler_add(m) < 0 || ccpy_testing_add(m) < 0)
		return -1;
	return 0;
}

static PyModuleDef_Slot slots[] = {
	{Py_mod_exec, exec_module},
#ifdef Py_GIL_DISABLED
	{Py_mod_gil, Py_MOD_GIL_NOT_USED},
#endif
	{0, NULL},
};

static struct PyModuleDef module_def = {
	PyModuleDef_HEAD_INIT,
	.m_name = "concurrent_collections._ccmem",
	.m_doc = "ccmem's allocation glue, statistics and memory profiler (internal: use concurrent_collections).",
	.m_size = 0,
	.m_slots = slots,
};

PyMODINIT_FUNC PyInit__ccmem(void);
PyMODINIT_FUNC PyInit__ccmem(void)
{
	return PyModuleDef_Init(&module_def);
}

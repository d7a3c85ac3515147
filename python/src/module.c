/*
 * python/src/module.c - the _ccmem extension module: its definition and
 * initialisation.  Multi-phase init; on a free-threaded CPython (3.13t,
 * Py_GIL_DISABLED) it declares that it does not need the GIL: every function
 * is a call into ccmem, which is thread-safe, and the module keeps no Python
 * state of its own (frames.c guards its table with a mutex).
 */
#include "ext.h"

#include <errno.h>
#include <pthread.h>
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

/* set_thread_name(ident, name): the OS name of a thread of this process
 * (pthread_t = threading.get_ident()), cut to 15 bytes on a character
 * boundary; what the profiler's exports show for the thread. */
static PyObject *set_thread_name(PyObject *m, PyObject *args)
{
	(void)m;
	unsigned long long ident;
	const char *name;
	if (!PyArg_ParseTuple(args, "Ks:set_thread_name", &ident, &name))
		return NULL;
	char buf[16];
	size_t n = strlen(name);
	if (n > 15) {
		n = 15;
		while (n > 0 && ((unsigned char)name[n] & 0xC0) == 0x80)
			n--; /* not inside a UTF-8 sequence */
	}
	memcpy(buf, name, n);
	buf[n] = '\0';
	int err = pthread_setname_np((pthread_t)ident, buf);
	if (err != 0)
		return ccpy_errno(err, "set_thread_name");
	Py_RETURN_NONE;
}

/* set_internal_folder(path): the package's folder (frames.c). */
static PyObject *set_internal_folder(PyObject *m, PyObject *arg)
{
	(void)m;
	PyObject *bytes = NULL;
	if (!PyUnicode_FSConverter(arg, &bytes))
		return NULL;
	int rc = ccpy_frames_set_internal(PyBytes_AS_STRING(bytes));
	Py_DECREF(bytes);
	return rc == 0 ? Py_NewRef(Py_None) : PyErr_NoMemory();
}

static PyMethodDef module_methods[] = {
	{"set_internal_folder", set_internal_folder, METH_O, "Frames of this folder's files start no stack."},
	{"set_thread_name", set_thread_name, METH_VARARGS, "Sets a thread's OS name (15 bytes at most)."},
	{NULL, NULL, 0, NULL},
};

static int exec_module(PyObject *m)
{
	if (PyModule_AddIntConstant(m, "STATS_COMPILED", CC_ALLOC_STATS) < 0 ||
	    PyModule_AddIntConstant(m, "CACHE_LINE_SIZE", CC_CACHE_LINE_SIZE) < 0 ||
	    PyModule_AddIntConstant(m, "MIN_LATENCY_BUCKETS", CC_PROFILER_MIN_LATENCY_BUCKETS) < 0 ||
	    PyModule_AddIntConstant(m, "MAX_LATENCY_BUCKETS", CC_PROFILER_MAX_LATENCY_BUCKETS) < 0)
		return -1;
	if (PyModule_AddFunctions(m, module_methods) < 0 || ccpy_config_add(m) < 0 || ccpy_profiler_add(m) < 0 || ccpy_testing_add(m) < 0 || ccpy_smr_add(m) < 0 ||
	    ccpy_queue_add(m) < 0 || ccpy_omap_add(m) < 0)
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

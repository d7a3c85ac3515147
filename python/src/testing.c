/*
 * python/src/testing.c - test-only entry points: blocks allocated and freed
 * through the glue (cc_alloc, cc_free, cc_free_unsized) from Python, so
 * that tests can drive a known workload and check the statistics and the
 * profiler exactly.  concurrent_collections/_testing.py keeps the register
 * of live blocks that makes freeing from Python safe; nothing else calls
 * these.  The GIL stays held, so a capturing profiler sees the Python caller.
 */
#include "ext.h"

#include <ccmem/alloc.h>

/* _test_alloc(size, count) -> list of addresses */
static PyObject *test_alloc(PyObject *m, PyObject *args)
{
	(void)m;
	Py_ssize_t size, count;
	if (!PyArg_ParseTuple(args, "nn", &size, &count))
		return NULL;
	if (size <= 0 || count < 0) {
		PyErr_SetString(PyExc_ValueError, "size must be > 0 and count >= 0");
		return NULL;
	}
	PyObject *l = PyList_New(count);
	if (l == NULL)
		return NULL;
	for (Py_ssize_t i = 0; i < count; i++) {
		void *p = cc_alloc((size_t)size);
		PyObject *v = p != NULL ? PyLong_FromVoidPtr(p) : NULL;
		if (v == NULL) {
			if (p != NULL)
				cc_free(p, (size_t)size);
			for (Py_ssize_t k = 0; k < i; k++)
				cc_free(PyLong_AsVoidPtr(PyList_GET_ITEM(l, k)), (size_t)size);
			Py_DECREF(l);
			return p != NULL ? NULL : PyErr_NoMemory();
		}
		PyList_SET_ITEM(l, i, v);
	}
	return l;
}

/* _test_free(addresses, size, sized) */
static PyObject *test_free(PyObject *m, PyObject *args)
{
	(void)m;
	PyObject *seq;
	Py_ssize_t size;
	int sized;
	if (!PyArg_ParseTuple(args, "Onp", &seq, &size, &sized))
		return NULL;
	PyObject *fast = PySequence_Fast(seq, "addresses must be a sequence");
	if (fast == NULL)
		return NULL;
	Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
	for (Py_ssize_t i = 0; i < n; i++) {
		void *p = PyLong_AsVoidPtr(PySequence_Fast_GET_ITEM(fast, i));
		if (p == NULL && PyErr_Occurred()) {
			Py_DECREF(fast);
			return NULL;
		}
		if (sized)
			cc_free(p, (size_t)size);
		else
			cc_free_unsized(p);
	}
	Py_DECREF(fast);
	Py_RETURN_NONE;
}

/* _test_churn(size, count): count alloc+free pairs of size bytes */
static PyObject *test_churn(PyObject *m, PyObject *args)
{
	(void)m;
	Py_ssize_t size, count;
	if (!PyArg_ParseTuple(args, "nn", &size, &count))
		return NULL;
	if (size <= 0 || count < 0) {
		PyErr_SetString(PyExc_ValueError, "size must be > 0 and count >= 0");
		return NULL;
	}
	for (Py_ssize_t i = 0; i < count; i++) {
		void *p = cc_alloc((size_t)size);
		if (p == NULL)
			return PyErr_NoMemory();
		cc_free(p, (size_t)size);
	}
	Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
	{"_test_alloc", test_alloc, METH_VARARGS, "Test only: count blocks of size bytes from cc_alloc."},
	{"_test_free", test_free, METH_VARARGS, "Test only: frees blocks from _test_alloc."},
	{"_test_churn", test_churn, METH_VARARGS, "Test only: count cc_alloc+cc_free pairs."},
	{NULL, NULL, 0, NULL},
};

int ccpy_testing_add(PyObject *m)
{
	return PyModule_AddFunctions(m, methods);
}

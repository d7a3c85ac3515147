/*
 * python/src/pykeys.c - the order of Python keys for the ordered maps: a
 * comparator for cc_omap_ops_t.  Exact int (within 64 bits), float, str and
 * bytes keys of one kind compare in C, running no Python code; any other
 * pair compares with `<` both ways (a < b, then b < a; neither means
 * equal), so a __lt__ written in Python runs, may switch threads, and may
 * raise: the exception stays set and the comparator reports failure.  A
 * float NaN has no place in an order and raises ValueError.
 */
#include "pykeys.h"

#include <math.h>
#include <string.h>

/* An int of at most two 30-bit digits (|v| < 2^60) read straight from its
 * digits on CPython 3.11, whose layout (sign in ob_size) this knows; 0 when
 * the int is larger or the layout is another version's. */
static inline int small_int(PyObject *o, long long *v)
{
#if PY_VERSION_HEX < 0x030C0000 && !defined(Py_LIMITED_API) && PYLONG_BITS_IN_DIGIT == 30
	Py_ssize_t size = Py_SIZE(o);
	const digit *d = ((PyLongObject *)o)->ob_digit;
	if (size >= -2 && size <= 2) {
		long long mag = size == 0 ? 0 : (long long)d[0] | (size == 2 || size == -2 ? (long long)d[1] << 30 : 0);
		*v = size < 0 ? -mag : mag;
		return 1;
	}
#else
	(void)o, (void)v;
#endif
	return 0;
}

static int nan_error(bool *failed)
{
	PyErr_SetString(PyExc_ValueError, "NaN cannot be a key of an ordered map: it is not ordered");
	*failed = true;
	return 0;
}

int ccpy_compare(void *arg, const void *pa, const void *pb, bool *failed)
{
	(void)arg;
	PyObject *a = (PyObject *)pa, *b = (PyObject *)pb;
	if (a == b)
		return 0;
	PyTypeObject *ta = Py_TYPE(a), *tb = Py_TYPE(b);
	if (ta == tb) {
		if (ta == &PyLong_Type) {
			long long sa, sb;
			if (small_int(a, &sa) && small_int(b, &sb))
				return (sa > sb) - (sa < sb);
			int oa, ob;
			long long x = PyLong_AsLongLongAndOverflow(a, &oa), y = PyLong_AsLongLongAndOverflow(b, &ob);
			if (oa == 0 && ob == 0)
				return (x > y) - (x < y);
			if (oa != ob) /* one beyond 64 bits: its sign decides */
				return oa - ob > 0 ? 1 : -1;
			/* both beyond on the same side: the generic path */
		} else if (ta == &PyFloat_Type) {
			double x = PyFloat_AS_DOUBLE(a), y = PyFloat_AS_DOUBLE(b);
			if (isnan(x) || isnan(y))
				return nan_error(failed);
			return (x > y) - (x < y);
		} else if (ta == &PyUnicode_Type) {
			int r = PyUnicode_Compare(a, b); /* code point order, no Python code */
			return (r > 0) - (r < 0);
		} else if (ta == &PyBytes_Type) {
			Py_ssize_t la = PyBytes_GET_SIZE(a), lb = PyBytes_GET_SIZE(b);
			int r = memcmp(PyBytes_AS_STRING(a), PyBytes_AS_STRING(b), (size_t)(la < lb ? la : lb));
			if (r == 0)
				r = (la > lb) - (la < lb);
			return (r > 0) - (r < 0);
		}
	}
	if ((ta == &PyFloat_Type && isnan(PyFloat_AS_DOUBLE(a))) || (tb == &PyFloat_Type && isnan(PyFloat_AS_DOUBLE(b))))
		return nan_error(failed);
	int lt = PyObject_RichCompareBool(a, b, Py_LT);
	if (lt < 0) {
		*failed = true;
		return 0;
	}
	if (lt)
		return -1;
	int gt = PyObject_RichCompareBool(b, a, Py_LT);
	if (gt < 0) {
		*failed = true;
		return 0;
	}
	return gt;
}

int ccpy_check_key(PyObject *key)
{
	if (PyFloat_CheckExact(key) && isnan(PyFloat_AS_DOUBLE(key))) {
		PyErr_SetString(PyExc_ValueError, "NaN cannot be a key of an ordered map: it is not ordered");
		return -1;
	}
	return 0;
}

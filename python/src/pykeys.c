/*
 * python/src/pykeys.c - the order of Python keys for the ordered maps: a
 * comparator for cc_omap_ops_t.  Exact int (within 64 bits), float, str and
 * bytes keys of one kind compare in C, running no Python code; any other
 * pair compares with `<` both ways (a < b, then b < a; neither means
 * equal), so a __lt__ written in Python runs, may switch threads, and may
 * raise: the exception stays set and the comparator reports failure.  A
 * float NaN has no place in an order and raises ValueError.
 *
 * ccpy_summarize gives the same four kinds an order-preserving 64-bit
 * summary (cc_omap_ops_t.summarize), so a search compares most keys from
 * the summaries stored in the nodes, without a call or a load of the key
 * object: an int its value (saturated beyond 64 bits), a float its bits
 * mapped to an unsigned order (-0.0 as 0.0), a str the first 8 bytes of its
 * UTF-8 encoding (whose byte order is code-point order), bytes its first 8
 * bytes, big-endian and zero-padded (a shorter key that is a prefix of a
 * longer one pads with zeros, so it never summarises above it).
 * ccpy_hash hashes the same kinds for the maps' hash index
 * (cc_omap_ops_t.hash): an int within 64 bits, or a float equal to one, by
 * a multiplicative mix of its value; anything else of these kinds by
 * Python's own hash (cached by str and bytes); other keys have none and are
 * always found by a search.
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

enum { SUM_NONE, SUM_INT, SUM_FLOAT, SUM_STR, SUM_BYTES };

/* Appends up to 8 - *len bytes of b[0..n) to the big-endian summary. */
static inline void sum_bytes(uint64_t *s, int *len, const unsigned char *b, Py_ssize_t n)
{
	for (Py_ssize_t i = 0; i < n && *len < 8; i++, (*len)++)
		*s |= (uint64_t)b[i] << (56 - 8 * *len);
}

static uint64_t str_summary(PyObject *o)
{
	uint64_t s = 0;
	int len = 0;
	Py_ssize_t n = PyUnicode_GET_LENGTH(o);
	if (PyUnicode_IS_ASCII(o)) {
		sum_bytes(&s, &len, PyUnicode_1BYTE_DATA(o), n); /* ASCII is its own UTF-8 */
		return s;
	}
	int kind = PyUnicode_KIND(o);
	const void *data = PyUnicode_DATA(o);
	for (Py_ssize_t i = 0; i < n && len < 8; i++) {
		Py_UCS4 c = PyUnicode_READ(kind, data, i);
		unsigned char b[4];
		int k;
		if (c < 0x80) {
			b[0] = (unsigned char)c, k = 1;
		} else if (c < 0x800) {
			b[0] = (unsigned char)(0xC0 | c >> 6), b[1] = (unsigned char)(0x80 | (c & 0x3F)), k = 2;
		} else if (c < 0x10000) { /* lone surrogates too: the bit pattern keeps their order */
			b[0] = (unsigned char)(0xE0 | c >> 12), b[1] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
			b[2] = (unsigned char)(0x80 | (c & 0x3F)), k = 3;
		} else {
			b[0] = (unsigned char)(0xF0 | c >> 18), b[1] = (unsigned char)(0x80 | (c >> 12 & 0x3F));
			b[2] = (unsigned char)(0x80 | (c >> 6 & 0x3F)), b[3] = (unsigned char)(0x80 | (c & 0x3F)), k = 4;
		}
		sum_bytes(&s, &len, b, k);
	}
	return s;
}

uint64_t ccpy_summarize(void *arg, const void *key, uint16_t *cls)
{
	(void)arg;
	PyObject *o = (PyObject *)key;
	PyTypeObject *t = Py_TYPE(o);
	uint64_t s = 0;
	int len = 0;
	if (t == &PyLong_Type) {
		long long v;
		if (!small_int(o, &v)) {
			int over;
			v = PyLong_AsLongLongAndOverflow(o, &over); /* an exact int: no exception */
			if (over != 0) {
				*cls = SUM_INT;
				return over > 0 ? UINT64_MAX : 0; /* saturated: still monotone */
			}
		}
		*cls = SUM_INT;
		return (uint64_t)v ^ (UINT64_C(1) << 63);
	}
	if (t == &PyFloat_Type) {
		double x = PyFloat_AS_DOUBLE(o);
		if (isnan(x)) {
			*cls = SUM_NONE; /* compare raises for it */
			return 0;
		}
		if (x == 0)
			x = 0.0; /* -0.0 == 0.0 */
		memcpy(&s, &x, sizeof s);
		*cls = SUM_FLOAT;
		return s >> 63 ? ~s : s | UINT64_C(1) << 63;
	}
	if (t == &PyUnicode_Type && PyUnicode_IS_READY(o)) {
		*cls = SUM_STR;
		return str_summary(o);
	}
	if (t == &PyBytes_Type) {
		sum_bytes(&s, &len, (const unsigned char *)PyBytes_AS_STRING(o), PyBytes_GET_SIZE(o));
		*cls = SUM_BYTES;
		return s;
	}
	*cls = SUM_NONE;
	return 0;
}

/* An integer's hash for the index: spread, since buckets are its low bits */
static inline uint64_t mix64(uint64_t v)
{
	v *= UINT64_C(0x9E3779B97F4A7C15);
	return v ^ v >> 29;
}

bool ccpy_hash(void *arg, const void *key, uint64_t *hash)
{
	(void)arg;
	PyObject *o = (PyObject *)key;
	PyTypeObject *t = Py_TYPE(o);
	if (t == &PyLong_Type) {
		long long v;
		int over = 0;
		if (!small_int(o, &v))
			v = PyLong_AsLongLongAndOverflow(o, &over); /* an exact int: no exception */
		if (over == 0) {
			*hash = mix64((uint64_t)v);
			return true;
		}
	} else if (t == &PyFloat_Type) {
		double x = PyFloat_AS_DOUBLE(o);
		if (isnan(x))
			return false; /* no place in the map: compare raises for it */
		/* an integral float hashes as the int it equals (1.0 and 1 are one key) */
		if (x >= -0x1p63 && x < 0x1p63 && x == (double)(long long)x) {
			*hash = mix64((uint64_t)(long long)x);
			return true;
		}
	} else if (t == &PyUnicode_Type) {
		Py_hash_t h = ((PyASCIIObject *)o)->hash; /* cached once computed */
		if (h != -1) {
			*hash = (uint64_t)h;
			return true;
		}
	} else if (t != &PyBytes_Type) {
		return false; /* another kind: found by search only */
	}
	/* Python's own hash, C code that cannot fail for these kinds: for ints
	 * and floats beyond 64 bits it agrees between equal values, as Python
	 * requires */
	Py_hash_t h = PyObject_Hash(o);
	if (h == -1) { /* not for these kinds; never leave an exception behind */
		PyErr_Clear();
		return false;
	}
	*hash = (uint64_t)h;
	return true;
}

int ccpy_check_key(PyObject *key)
{
	if (PyFloat_CheckExact(key) && isnan(PyFloat_AS_DOUBLE(key))) {
		PyErr_SetString(PyExc_ValueError, "NaN cannot be a key of an ordered map: it is not ordered");
		return -1;
	}
	return 0;
}

/*
 * python/src/mapscan.c - the ordered queries of _ccmem.OrderedMap: _seek
 * and the named ones (first_key, floor_key, ...), and _scan, the batches
 * behind iteration, ranges, reversed, clear and the length of a range.
 *
 * _scan reads up to n consecutive entries in one call into the map (one SMR
 * operation, ccmem's cc_omap_scan / cc_otree_scan: each key and value gets
 * its reference inside the operation), then, outside the operation, finds
 * where the range's bound cuts the batch by bisection (the batch is in key
 * order; one comparison when all of it is in range; in C for int, float, str
 * and bytes keys, pykeys.c) and drops what lies past it.  A batch shorter
 * than n means nothing follows (in the map, or in the range).  _count counts
 * a range the same way without building Python objects (a range view's len,
 * which list() asks for before it iterates).
 */
#include "mapobject.h"
#include "pykeys.h"

#include <errno.h>

/* The most entries one _scan returns. */
#define SCAN_MAX 1024

/* _seek(mode, key=None) -> (key, value) or None; modes as cc_omap_seek_t. */
static PyObject *seek(MapObject *self, int mode, PyObject *key)
{
	if (key != NULL && ccpy_check_key(key) < 0)
		return NULL;
	smr_context_t *ctx = ccpy_enter(self->scheme);
	if (ctx == NULL)
		return NULL;
	void *k = NULL, *v = NULL;
	bool failed = false;
	int rc = self->impl->seek(self->map, ctx, key, (cc_omap_seek_t)mode, &k, &v, &failed);
	int err = errno;
	ccpy_leave(self->scheme);
	if (ccpy_map_finish(rc, err) < 0) {
		Py_XDECREF((PyObject *)k);
		Py_XDECREF((PyObject *)v);
		return NULL;
	}
	if (rc == 0)
		return Py_NewRef(Py_None);
	PyObject *t = PyTuple_New(2);
	if (t == NULL) {
		Py_DECREF((PyObject *)k);
		Py_DECREF((PyObject *)v);
		return NULL;
	}
	PyTuple_SET_ITEM(t, 0, (PyObject *)k);
	PyTuple_SET_ITEM(t, 1, (PyObject *)v);
	return t;
}

/* A mode argument: 0..5 (SEEK_*), or -1 with an exception. */
static int parse_mode(PyObject *arg, PyObject *key, const char *fn)
{
	long mode = PyLong_AsLong(arg);
	if (mode == -1 && PyErr_Occurred())
		return -1;
	if (mode < CC_OMAP_FIRST || mode > CC_OMAP_LT) {
		PyErr_Format(PyExc_ValueError, "%s: mode must be one of SEEK_FIRST .. SEEK_LT (0..5), got %ld", fn, mode);
		return -1;
	}
	if (key == NULL && mode >= CC_OMAP_GE) {
		PyErr_Format(PyExc_TypeError, "%s: this mode needs a key", fn);
		return -1;
	}
	return (int)mode;
}

PyObject *ccpy_map_seek(MapObject *self, PyObject *const *args, Py_ssize_t nargs)
{
	if (nargs < 1 || nargs > 2) {
		PyErr_SetString(PyExc_TypeError, "_seek(mode, key=None)");
		return NULL;
	}
	PyObject *key = nargs == 2 && args[1] != Py_None ? args[1] : NULL;
	int mode = parse_mode(args[0], key, "_seek");
	return mode < 0 ? NULL : seek(self, mode, key);
}

/* the key that mode names, or None (first/last: KeyError when empty) */
static PyObject *seek_key(MapObject *self, int mode, PyObject *key)
{
	PyObject *t = seek(self, mode, key);
	if (t == NULL || t == Py_None) {
		if (t == Py_None && (mode == CC_OMAP_FIRST || mode == CC_OMAP_LAST)) {
			Py_DECREF(t);
			PyErr_SetString(PyExc_KeyError, mode == CC_OMAP_FIRST ? "first_key(): the map is empty"
			                                                      : "last_key(): the map is empty");
			return NULL;
		}
		return t;
	}
	PyObject *k = Py_NewRef(PyTuple_GET_ITEM(t, 0));
	Py_DECREF(t);
	return k;
}

PyObject *ccpy_map_first_key(MapObject *self, PyObject *unused)
{
	(void)unused;
	return seek_key(self, CC_OMAP_FIRST, NULL);
}
PyObject *ccpy_map_last_key(MapObject *self, PyObject *unused)
{
	(void)unused;
	return seek_key(self, CC_OMAP_LAST, NULL);
}
PyObject *ccpy_map_ceiling_key(MapObject *self, PyObject *key) { return seek_key(self, CC_OMAP_GE, key); }
PyObject *ccpy_map_higher_key(MapObject *self, PyObject *key) { return seek_key(self, CC_OMAP_GT, key); }
PyObject *ccpy_map_floor_key(MapObject *self, PyObject *key) { return seek_key(self, CC_OMAP_LE, key); }
PyObject *ccpy_map_lower_key(MapObject *self, PyObject *key) { return seek_key(self, CC_OMAP_LT, key); }

static void drop_entries(void **ks, void **vs, int from, int to)
{
	for (int i = from; i < to; i++) {
		Py_XDECREF((PyObject *)ks[i]);
		if (vs != NULL)
			Py_XDECREF((PyObject *)vs[i]);
	}
}

/* Reads one batch: up to n entries from (mode, key) into ks (and vs unless
 * NULL), each a new reference; *keep is how many lie before the bound
 * (ascending: key < bound; descending: key >= bound; NULL bound: all).  The
 * entries come strictly in order, so the cut is found by bisection: one
 * comparison (the last entry) when the whole batch is in range.  Returns the
 * count read, or -1 with an exception (nothing held). */
static int read_batch(MapObject *self, int mode, PyObject *key, PyObject *bound, Py_ssize_t n, void **ks, void **vs,
                      int *keep)
{
	smr_context_t *ctx = ccpy_enter(self->scheme);
	if (ctx == NULL)
		return -1;
	bool failed = false;
	int rc = self->impl->scan(self->map, ctx, key, (cc_omap_seek_t)mode, (size_t)n, ks, vs, &failed);
	int err = errno;
	ccpy_leave(self->scheme);
	if (ccpy_map_finish(rc, err) < 0) {
		drop_entries(ks, vs, 0, rc); /* a comparison failed after some were taken */
		return -1;
	}
	bool asc = mode == CC_OMAP_FIRST || mode == CC_OMAP_GE || mode == CC_OMAP_GT;
	/* outside the operation: [0, lo) in range, [hi, rc) past the bound */
	int lo = 0, hi = rc;
	if (bound == NULL)
		lo = rc;
	while (lo < hi) {
		int mid = lo == 0 && hi == rc ? rc - 1 : lo + (hi - lo) / 2; /* the last one first */
		bool f = false;
		int c = ccpy_compare(NULL, ks[mid], bound, &f);
		if (f) {
			drop_entries(ks, vs, 0, rc);
			ccpy_drain();
			return -1;
		}
		if (asc ? c < 0 : c >= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*keep = lo;
	return rc;
}

static int parse_batch_args(PyObject *const *args, PyObject **key, PyObject **bound, int *mode, const char *fn)
{
	*key = args[1] != Py_None ? args[1] : NULL;
	*bound = args[2] != Py_None ? args[2] : NULL;
	*mode = parse_mode(args[0], *key, fn);
	if (*mode < 0 || (*key != NULL && ccpy_check_key(*key) < 0) || (*bound != NULL && ccpy_check_key(*bound) < 0))
		return -1;
	return 0;
}

/* _scan(mode, key, bound, n, keys_only) -> list */
PyObject *ccpy_map_scan(MapObject *self, PyObject *const *args, Py_ssize_t nargs)
{
	if (nargs != 5) {
		PyErr_SetString(PyExc_TypeError, "_scan(mode, key, bound, n, keys_only)");
		return NULL;
	}
	PyObject *key, *bound;
	int mode;
	if (parse_batch_args(args, &key, &bound, &mode, "_scan") < 0)
		return NULL;
	Py_ssize_t n = PyLong_AsSsize_t(args[3]);
	if (n == -1 && PyErr_Occurred())
		return NULL;
	if (n < 1 || n > SCAN_MAX) {
		PyErr_Format(PyExc_ValueError, "_scan: n must be in 1..%d, got %zd", SCAN_MAX, n);
		return NULL;
	}
	int keys_only = PyObject_IsTrue(args[4]);
	if (keys_only < 0)
		return NULL;
	void *ks[SCAN_MAX], *vs[SCAN_MAX];
	void **vout = keys_only ? NULL : vs;
	int keep = 0;
	int rc = read_batch(self, mode, key, bound, n, ks, vout, &keep);
	if (rc < 0)
		return NULL;
	PyObject *list = PyList_New(keep);
	if (list == NULL) {
		drop_entries(ks, vout, 0, rc);
		return NULL;
	}
	for (int i = 0; i < keep; i++) {
		PyObject *item = (PyObject *)ks[i];
		if (!keys_only) {
			item = PyTuple_New(2);
			if (item == NULL) {
				drop_entries(ks, vout, i, rc);
				Py_DECREF(list);
				return NULL;
			}
			PyTuple_SET_ITEM(item, 0, (PyObject *)ks[i]);
			PyTuple_SET_ITEM(item, 1, (PyObject *)vs[i]);
		}
		PyList_SET_ITEM(list, i, item);
	}
	drop_entries(ks, vout, keep, rc);
	ccpy_drain();
	return list;
}

/* _count(start, stop) -> int: the keys with start <= key < stop (None: no
 * end), by batches of keys, building no Python object; weakly consistent as
 * iteration. */
PyObject *ccpy_map_count(MapObject *self, PyObject *const *args, Py_ssize_t nargs)
{
	if (nargs != 2) {
		PyErr_SetString(PyExc_TypeError, "_count(start, stop)");
		return NULL;
	}
	PyObject *start = args[0] != Py_None ? args[0] : NULL, *stop = args[1] != Py_None ? args[1] : NULL;
	if ((start != NULL && ccpy_check_key(start) < 0) || (stop != NULL && ccpy_check_key(stop) < 0))
		return NULL;
	void *ks[SCAN_MAX];
	size_t total = 0;
	int mode = start == NULL ? CC_OMAP_FIRST : CC_OMAP_GE;
	PyObject *at = start; /* a reference held from the second batch on */
	bool own = false;
	/* batches of 128, doubling up to SCAN_MAX: a short range reads little
	 * past its end, a long one few batches */
	Py_ssize_t n = 128;
	for (;; n = n < SCAN_MAX ? 2 * n : SCAN_MAX) {
		int keep = 0;
		int rc = read_batch(self, mode, at, stop, n, ks, NULL, &keep);
		if (own)
			Py_DECREF(at);
		if (rc < 0)
			return NULL;
		total += (size_t)keep;
		if (keep < n) {
			drop_entries(ks, NULL, 0, rc);
			break;
		}
		at = (PyObject *)ks[rc - 1]; /* keep its reference for the next batch */
		own = true;
		drop_entries(ks, NULL, 0, rc - 1);
		mode = CC_OMAP_GT;
	}
	ccpy_drain();
	return PyLong_FromSize_t(total);
}

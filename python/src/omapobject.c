/*
 * python/src/omapobject.c - _ccmem.OrderedMap: an ordered map of Python
 * objects on one of ccmem's generic lock-free maps, the skip list
 * (include/ccmem/omap.h) or the tree (include/ccmem/otree.h), picked by the
 * class's `_structure` (mapimpl.c); concurrent_collections.SkipListMap and
 * TreeMap add the Mapping mixins in Python.  This file: creation, lookups
 * and single-key updates; ordered queries and batches are mapscan.c's.
 *
 * References.  The map holds one reference to each key and value in it.
 * Whatever an operation hands back (a value read, a key found by a seek, the
 * old value of a replace) is Py_INCREF'd by the map's acquire callback
 * inside the SMR operation, while the node cannot be freed, so a reader's
 * object stays alive whatever other threads do.  The map's own references
 * end when SMR frees the node (or the replaced value's cell): the release
 * callback queues them and the method's end drops them (smrpy.c).
 *
 * Comparisons run inside operations (pykeys.c); a Python __lt__ may switch
 * threads or raise.  Because DEBRA+ may jump out of a read phase at any load,
 * maps take "ibr" or "debra" only.  An exception raised by a comparison
 * propagates: before the operation took effect the map is unchanged; after
 * (an insert linking its upper levels, a remove's clean-up) the effect stands
 * and the exception still propagates (omap.h).
 */
#include "mapobject.h"
#include "pykeys.h"

#include <errno.h>
#include <structmember.h>

static void acquire(void *arg, void *key, void *value)
{
	(void)arg;
	Py_XINCREF((PyObject *)key);
	Py_XINCREF((PyObject *)value);
}

static void release(void *arg, void *key, void *value)
{
	(void)arg;
	ccpy_defer_decref((PyObject *)key);
	ccpy_defer_decref((PyObject *)value);
}

static const cc_omap_ops_t map_ops = {
	.compare = ccpy_compare, .acquire = acquire, .release = release, .summarize = ccpy_summarize, .hash = ccpy_hash};

int ccpy_map_finish(int rc, int err)
{
	ccpy_drain();
	if (PyErr_Occurred())
		return -1; /* a comparison raised (rc may be 0/1: the effect stands) */
	if (rc < 0) {
		if (err == ENOMEM)
			PyErr_NoMemory();
		else
			PyErr_Format(PyExc_RuntimeError, "ordered map: %s", strerror(err));
		return -1;
	}
	return 0;
}

/* The structure the class names (its _structure attribute). */
static const ccpy_map_impl_t *impl_of(PyTypeObject *type)
{
	PyObject *name = PyObject_GetAttrString((PyObject *)type, "_structure");
	if (name == NULL)
		return NULL;
	const ccpy_map_impl_t *found = NULL;
	if (PyUnicode_Check(name))
		for (int i = 0; ccpy_map_impls[i] != NULL && found == NULL; i++)
			if (PyUnicode_CompareWithASCIIString(name, ccpy_map_impls[i]->name) == 0)
				found = ccpy_map_impls[i];
	if (found == NULL)
		PyErr_Format(PyExc_TypeError, "%.100s._structure must be 'skiplist' or 'tree', not %R", type->tp_name, name);
	Py_DECREF(name);
	return found;
}

static PyObject *map_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
	/* the initial contents (positional and other keywords) are __init__'s */
	(void)args;
	PyObject *scheme = kw != NULL ? PyDict_GetItemString(kw, "scheme") : NULL;
	smr_scheme_t s = SMR_IBR;
	if (scheme != NULL && ccpy_parse_scheme(scheme, (1u << SMR_IBR) | (1u << SMR_DEBRA), &s) < 0) {
		if (PyErr_ExceptionMatches(PyExc_ValueError) && PyUnicode_Check(scheme) &&
		    PyUnicode_CompareWithASCIIString(scheme, "debra+") == 0) {
			PyErr_Clear();
			PyErr_SetString(PyExc_ValueError,
			                "scheme 'debra+' is not available for ordered maps: its restartable reads "
			                "may be jumped out of at any point, and key comparisons can run Python code; "
			                "use 'ibr' (bounded garbage) or 'debra'");
		}
		return NULL;
	}
	const ccpy_map_impl_t *impl = impl_of(type);
	if (impl == NULL)
		return NULL;
	smr_context_t *ctx = ccpy_context(s);
	if (ctx == NULL)
		return NULL;
	MapObject *self = (MapObject *)type->tp_alloc(type, 0);
	if (self == NULL)
		return NULL;
	self->scheme = s;
	self->impl = impl;
	self->map = impl->create(ctx, &map_ops);
	if (self->map == NULL) {
		int err = errno;
		Py_DECREF(self);
		return err == ENOMEM ? PyErr_NoMemory() : ccpy_errno(err, "ordered map");
	}
	return (PyObject *)self;
}

static void map_dealloc(MapObject *self)
{
	PyObject_GC_UnTrack(self);
	if (self->weakrefs != NULL)
		PyObject_ClearWeakRefs((PyObject *)self);
	if (self->map != NULL) {
		/* destroy opens no operation (it retires), so any level's context */
		smr_context_t *ctx = ccpy_context(self->scheme);
		if (ctx == NULL)
			PyErr_WriteUnraisable((PyObject *)self); /* nodes kept: cannot retire without a context */
		else
			self->impl->destroy(self->map, ctx); /* nodes retired: keys and values released as they are freed */
		self->map = NULL;
	}
	PyTypeObject *tp = Py_TYPE(self);
	tp->tp_free((PyObject *)self);
	Py_DECREF(tp);
	ccpy_drain();
}

/* References held in ccmem's nodes are invisible to the GC: a cycle through
 * a map is not collected (documented). */
static int map_traverse(MapObject *self, visitproc visit, void *arg)
{
	Py_VISIT(Py_TYPE(self));
	return 0;
}

/* ---- lookups ------------------------------------------------------------------ */

/* 1 found (*value new reference unless value NULL), 0 absent, -1 error. */
static int lookup(MapObject *self, PyObject *key, PyObject **value)
{
	if (ccpy_check_key(key) < 0)
		return -1;
	smr_context_t *ctx = ccpy_enter(self->scheme);
	if (ctx == NULL)
		return -1;
	void *v = NULL;
	bool failed = false;
	int rc = self->impl->lookup(self->map, ctx, key, value != NULL ? &v : NULL, &failed);
	int err = errno;
	ccpy_leave(self->scheme);
	if (ccpy_map_finish(rc, err) < 0) {
		Py_XDECREF((PyObject *)v);
		return -1;
	}
	if (value != NULL)
		*value = (PyObject *)v;
	return rc;
}

static PyObject *map_subscript(MapObject *self, PyObject *key)
{
	PyObject *v;
	int rc = lookup(self, key, &v);
	if (rc < 0)
		return NULL;
	if (rc == 0) {
		PyErr_SetObject(PyExc_KeyError, key);
		return NULL;
	}
	return v;
}

static int map_contains(MapObject *self, PyObject *key)
{
	return lookup(self, key, NULL);
}

static PyObject *map_get(MapObject *self, PyObject *const *args, Py_ssize_t nargs)
{
	if (nargs < 1 || nargs > 2) {
		PyErr_Format(PyExc_TypeError, "get expected 1 or 2 arguments, got %zd", nargs);
		return NULL;
	}
	PyObject *v;
	int rc = lookup(self, args[0], &v);
	if (rc < 0)
		return NULL;
	if (rc == 0)
		return Py_NewRef(nargs == 2 ? args[1] : Py_None);
	return v;
}

static Py_ssize_t map_length(MapObject *self)
{
	return (Py_ssize_t)self->impl->size(self->map);
}

/* ---- updates -------------------------------------------------------------------- */

/* put_if_absent: 1 inserted, 0 present (*existing new ref), -1 error. */
static int insert(MapObject *self, PyObject *key, PyObject *value, PyObject **existing)
{
	if (ccpy_check_key(key) < 0)
		return -1;
	smr_context_t *ctx = ccpy_enter(self->scheme);
	if (ctx == NULL)
		return -1;
	Py_INCREF(key);
	Py_INCREF(value);
	void *ex = NULL;
	bool failed = false;
	int rc = self->impl->insert(self->map, ctx, key, value, existing != NULL ? &ex : NULL, &failed);
	int err = errno;
	ccpy_leave(self->scheme);
	if (rc != 1) { /* not taken */
		Py_DECREF(key);
		Py_DECREF(value);
	}
	if (ccpy_map_finish(rc, err) < 0) {
		Py_XDECREF((PyObject *)ex);
		return -1;
	}
	if (existing != NULL)
		*existing = (PyObject *)ex;
	return rc;
}

/* replace: 1 replaced (*old new ref unless NULL), 0 absent, -1 error. */
static int replace(MapObject *self, PyObject *key, PyObject *value, PyObject **old)
{
	if (ccpy_check_key(key) < 0)
		return -1;
	smr_context_t *ctx = ccpy_enter(self->scheme);
	if (ctx == NULL)
		return -1;
	Py_INCREF(value);
	void *o = NULL;
	bool failed = false;
	int rc = self->impl->replace(self->map, ctx, key, value, old != NULL ? &o : NULL, &failed);
	int err = errno;
	ccpy_leave(self->scheme);
	if (rc != 1)
		Py_DECREF(value);
	if (ccpy_map_finish(rc, err) < 0) {
		Py_XDECREF((PyObject *)o);
		return -1;
	}
	if (old != NULL)
		*old = (PyObject *)o;
	return rc;
}

/* remove: 1 removed (*value new ref unless NULL), 0 absent, -1 error. */
static int remove_key(MapObject *self, PyObject *key, PyObject **value)
{
	if (ccpy_check_key(key) < 0)
		return -1;
	smr_context_t *ctx = ccpy_enter(self->scheme);
	if (ctx == NULL)
		return -1;
	void *k = NULL, *v = NULL;
	bool failed = false;
	int rc = self->impl->remove(self->map, ctx, key, &k, &v, &failed);
	int err = errno;
	ccpy_leave(self->scheme);
	Py_XDECREF((PyObject *)k);
	if (ccpy_map_finish(rc, err) < 0) {
		Py_XDECREF((PyObject *)v);
		return -1;
	}
	if (value != NULL)
		*value = (PyObject *)v;
	else
		Py_XDECREF((PyObject *)v);
	return rc;
}

static int set_item(MapObject *self, PyObject *key, PyObject *value)
{
	for (;;) {
		PyObject *ex = NULL;
		int rc = insert(self, key, value, &ex);
		if (rc != 0)
			return rc < 0 ? -1 : 0;
		Py_DECREF(ex);
		PyObject *old = NULL;
		rc = replace(self, key, value, &old);
		if (rc < 0)
			return -1;
		if (rc == 1) {
			Py_DECREF(old);
			return 0;
		}
		/* removed between the two: insert again */
	}
}

static int map_ass_subscript(MapObject *self, PyObject *key, PyObject *value)
{
	if (value != NULL)
		return set_item(self, key, value);
	int rc = remove_key(self, key, NULL);
	if (rc == 0)
		PyErr_SetObject(PyExc_KeyError, key);
	return rc == 1 ? 0 : -1;
}

static PyObject *map_put_if_absent(MapObject *self, PyObject *const *args, Py_ssize_t nargs)
{
	if (nargs != 2) {
		PyErr_Format(PyExc_TypeError, "put_if_absent expected 2 arguments (key, value), got %zd", nargs);
		return NULL;
	}
	PyObject *ex = NULL;
	int rc = insert(self, args[0], args[1], &ex);
	if (rc < 0)
		return NULL;
	return rc == 1 ? Py_NewRef(Py_None) : ex;
}

static PyObject *map_setdefault(MapObject *self, PyObject *const *args, Py_ssize_t nargs)
{
	if (nargs < 1 || nargs > 2) {
		PyErr_Format(PyExc_TypeError, "setdefault expected 1 or 2 arguments, got %zd", nargs);
		return NULL;
	}
	PyObject *dflt = nargs == 2 ? args[1] : Py_None, *ex = NULL;
	int rc = insert(self, args[0], dflt, &ex);
	if (rc < 0)
		return NULL;
	return rc == 1 ? Py_NewRef(dflt) : ex;
}

static PyObject *map_replace(MapObject *self, PyObject *const *args, Py_ssize_t nargs)
{
	if (nargs != 2) {
		PyErr_Format(PyExc_TypeError, "replace expected 2 arguments (key, value), got %zd", nargs);
		return NULL;
	}
	PyObject *old = NULL;
	int rc = replace(self, args[0], args[1], &old);
	if (rc < 0)
		return NULL;
	return rc == 1 ? old : Py_NewRef(Py_None);
}

static PyObject *map_replace_if(MapObject *self, PyObject *const *args, Py_ssize_t nargs)
{
	if (nargs != 3) {
		PyErr_Format(PyExc_TypeError, "replace_if expected 3 arguments (key, old, new), got %zd", nargs);
		return NULL;
	}
	PyObject *key = args[0], *expected = args[1], *value = args[2];
	for (;;) {
		PyObject *cur = NULL;
		int rc = lookup(self, key, &cur);
		if (rc <= 0)
			return rc < 0 ? NULL : Py_NewRef(Py_False);
		/* == outside any operation (it may run Python code) */
		int eq = cur == expected ? 1 : PyObject_RichCompareBool(cur, expected, Py_EQ);
		if (eq <= 0) {
			Py_DECREF(cur);
			return eq < 0 ? NULL : Py_NewRef(Py_False);
		}
		smr_context_t *ctx = ccpy_enter(self->scheme);
		if (ctx == NULL) {
			Py_DECREF(cur);
			return NULL;
		}
		Py_INCREF(value);
		bool failed = false;
		rc = self->impl->replace_if(self->map, ctx, key, cur, value, &failed);
		int err = errno;
		ccpy_leave(self->scheme);
		Py_DECREF(cur);
		if (rc != 1)
			Py_DECREF(value);
		if (ccpy_map_finish(rc, err) < 0)
			return NULL;
		if (rc == 1)
			return Py_NewRef(Py_True);
		/* the value changed or the key went: look again */
	}
}

static PyObject *map_pop(MapObject *self, PyObject *const *args, Py_ssize_t nargs)
{
	if (nargs < 1 || nargs > 2) {
		PyErr_Format(PyExc_TypeError, "pop expected 1 or 2 arguments, got %zd", nargs);
		return NULL;
	}
	PyObject *v = NULL;
	int rc = remove_key(self, args[0], &v);
	if (rc < 0)
		return NULL;
	if (rc == 1)
		return v;
	if (nargs == 2)
		return Py_NewRef(args[1]);
	PyErr_SetObject(PyExc_KeyError, args[0]);
	return NULL;
}

/* ---- the rest ------------------------------------------------------------------- */

static PyObject *map_check(MapObject *self, PyObject *unused)
{
	(void)unused;
	smr_context_t *ctx = ccpy_enter(self->scheme);
	if (ctx == NULL)
		return NULL;
	size_t n = 0;
	bool failed = false;
	errno = 0;
	int rc = self->impl->check(self->map, ctx, &n); /* quiescent: opens no operation */
	int err = errno;
	ccpy_leave(self->scheme);
	ccpy_drain();
	if (PyErr_Occurred())
		return NULL;
	if (rc < 0) {
		PyErr_Format(PyExc_RuntimeError, "ordered map check failed: %s", strerror(err));
		return NULL;
	}
	(void)failed;
	return PyLong_FromSize_t(n);
}

static PyObject *map_scheme(MapObject *self, void *unused)
{
	(void)unused;
	return PyUnicode_FromString(smr_scheme_name(self->scheme));
}

static PyMethodDef map_methods[] = {
	{"get", (PyCFunction)(void (*)(void))map_get, METH_FASTCALL, "get(key, default=None)"},
	{"pop", (PyCFunction)(void (*)(void))map_pop, METH_FASTCALL, "pop(key[, default]): removes key, returns its value."},
	{"setdefault", (PyCFunction)(void (*)(void))map_setdefault, METH_FASTCALL,
	 "setdefault(key, default=None): the value of key, inserting default if absent (atomic)."},
	{"put_if_absent", (PyCFunction)(void (*)(void))map_put_if_absent, METH_FASTCALL,
	 "put_if_absent(key, value): inserts if absent and returns None, else returns the present value (atomic)."},
	{"replace", (PyCFunction)(void (*)(void))map_replace, METH_FASTCALL,
	 "replace(key, value): sets the value of a present key and returns the old one; None if absent (atomic)."},
	{"replace_if", (PyCFunction)(void (*)(void))map_replace_if, METH_FASTCALL,
	 "replace_if(key, old, new) -> bool: sets new if the present value == old (atomic against other updates)."},
	{"first_key", (PyCFunction)ccpy_map_first_key, METH_NOARGS, "The smallest key (KeyError when empty)."},
	{"last_key", (PyCFunction)ccpy_map_last_key, METH_NOARGS, "The largest key (KeyError when empty)."},
	{"ceiling_key", (PyCFunction)ccpy_map_ceiling_key, METH_O, "The smallest key >= key, or None."},
	{"higher_key", (PyCFunction)ccpy_map_higher_key, METH_O, "The smallest key > key, or None."},
	{"floor_key", (PyCFunction)ccpy_map_floor_key, METH_O, "The largest key <= key, or None."},
	{"lower_key", (PyCFunction)ccpy_map_lower_key, METH_O, "The largest key < key, or None."},
	{"_seek", (PyCFunction)(void (*)(void))ccpy_map_seek, METH_FASTCALL, "_seek(mode, key=None) -> (key, value) | None"},
	{"_scan", (PyCFunction)(void (*)(void))ccpy_map_scan, METH_FASTCALL,
	 "_scan(mode, key, bound, n, keys_only) -> list: up to n consecutive entries from the position, "
	 "ascending (FIRST, GE, GT) up to key < bound, or descending (LAST, LE, LT) down to key >= bound "
	 "(bound None: no bound); (key, value) tuples, or keys.  Fewer than n: nothing further."},
	{"_count", (PyCFunction)(void (*)(void))ccpy_map_count, METH_FASTCALL,
	 "_count(start, stop) -> int: the keys with start <= key < stop (None: no end), weakly consistent."},
	{"_check", (PyCFunction)map_check, METH_NOARGS, "Quiescent structural check; returns the number of keys."},
	{NULL, NULL, 0, NULL},
};

static PyGetSetDef map_getset[] = {
	{"scheme", (getter)map_scheme, NULL, "The reclamation scheme of the map's nodes.", NULL},
	{NULL, NULL, NULL, NULL, NULL},
};

static PyMemberDef map_members[] = {
	{"__weaklistoffset__", T_PYSSIZET, offsetof(MapObject, weakrefs), READONLY, NULL},
	{NULL, 0, 0, 0, NULL},
};

static PyType_Slot map_slots[] = {
	{Py_tp_new, map_new},
	{Py_tp_dealloc, map_dealloc},
	{Py_tp_traverse, map_traverse},
	{Py_tp_methods, map_methods},
	{Py_tp_getset, map_getset},
	{Py_tp_members, map_members},
	{Py_mp_subscript, map_subscript},
	{Py_mp_ass_subscript, map_ass_subscript},
	{Py_mp_length, map_length},
	{Py_sq_contains, map_contains},
	{Py_tp_doc, "Lock-free ordered map of Python objects (see concurrent_collections.SkipListMap and TreeMap)."},
	{0, NULL},
};

static PyType_Spec map_spec = {
	.name = "concurrent_collections._ccmem.OrderedMap",
	.basicsize = sizeof(MapObject),
	.flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
	.slots = map_slots,
};

int ccpy_omap_add(PyObject *m)
{
	PyObject *t = PyType_FromModuleAndSpec(m, &map_spec, NULL);
	if (t == NULL)
		return -1;
	/* the structure of OrderedMap itself; subclasses name theirs */
	PyObject *name = PyUnicode_FromString(ccpy_map_impls[0]->name);
	int rc = name != NULL ? PyObject_SetAttrString(t, "_structure", name) : -1;
	Py_XDECREF(name);
	if (rc == 0)
		rc = PyModule_AddObjectRef(m, "OrderedMap", t);
	Py_DECREF(t);
	if (rc == 0)
		rc = PyModule_AddIntConstant(m, "SEEK_FIRST", CC_OMAP_FIRST) | PyModule_AddIntConstant(m, "SEEK_LAST", CC_OMAP_LAST) |
		     PyModule_AddIntConstant(m, "SEEK_GE", CC_OMAP_GE) | PyModule_AddIntConstant(m, "SEEK_GT", CC_OMAP_GT) |
		     PyModule_AddIntConstant(m, "SEEK_LE", CC_OMAP_LE) | PyModule_AddIntConstant(m, "SEEK_LT", CC_OMAP_LT);
	return rc;
}

/*
 * python/src/queueobject.c - _ccmem.Queue: a FIFO of Python objects on
 * ccmem's Michael-Scott queue (include/ccmem/queue.h); the public class is
 * concurrent_collections.ConcurrentQueue.
 *
 * Each value in the queue is one strong reference stored in a node's 64-bit
 * value: put takes it (Py_INCREF before the enqueue), and the one get that
 * dequeues the value receives it, so no count changes hands twice and no
 * reader can see a value another has already released.  Nodes are reclaimed
 * by the SMR scheme chosen at creation; their values are already moved out.
 * No Python code runs inside a queue operation, so DEBRA+ is allowed.
 * len() is approximate under concurrency (a counter beside the queue).
 */
#include "smrpy.h"

#include <structmember.h>

#include <ccmem/atomic.h>
#include <ccmem/queue.h>

typedef struct {
	PyObject_HEAD
	cc_queue_t *q;
	smr_scheme_t scheme;
	int64_t count; /* atomic: puts - gets */
	PyObject *weakrefs;
} QueueObject;

static PyObject *queue_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
	static char *names[] = {"scheme", NULL};
	PyObject *scheme = NULL;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "|$O:ConcurrentQueue", names, &scheme))
		return NULL;
	smr_scheme_t s = SMR_IBR;
	if (scheme != NULL &&
	    ccpy_parse_scheme(scheme, (1u << SMR_IBR) | (1u << SMR_DEBRA) | (1u << SMR_DEBRA_PLUS), &s) < 0)
		return NULL;
	smr_context_t *ctx = ccpy_context(s);
	if (ctx == NULL)
		return NULL;
	QueueObject *self = (QueueObject *)type->tp_alloc(type, 0);
	if (self == NULL)
		return NULL;
	self->scheme = s;
	self->q = cc_queue_create(ctx);
	if (self->q == NULL) {
		Py_DECREF(self);
		return PyErr_NoMemory();
	}
	return (PyObject *)self;
}

static void queue_dealloc(QueueObject *self)
{
	PyObject_GC_UnTrack(self);
	if (self->weakrefs != NULL)
		PyObject_ClearWeakRefs((PyObject *)self);
	if (self->q != NULL) {
		/* dequeues open operations: the context of this nesting level */
		smr_context_t *ctx = ccpy_enter(self->scheme);
		if (ctx == NULL) {
			PyErr_WriteUnraisable((PyObject *)self); /* the queue's nodes and values stay (cannot free) */
		} else {
			uint64_t v;
			while (cc_queue_dequeue(self->q, ctx, &v))
				ccpy_defer_decref((PyObject *)(uintptr_t)v);
			cc_queue_destroy(self->q, ctx);
			ccpy_leave(self->scheme);
		}
		self->q = NULL;
	}
	PyTypeObject *tp = Py_TYPE(self);
	tp->tp_free((PyObject *)self);
	Py_DECREF(tp);
	ccpy_drain();
}

/* The queue holds references the GC cannot see (they live in ccmem's
 * nodes), so it reports none: a cycle through a queue is not collected, as
 * with queue.SimpleQueue's C twin of other runtimes. */
static int queue_traverse(QueueObject *self, visitproc visit, void *arg)
{
	Py_VISIT(Py_TYPE(self));
	return 0;
}

static PyObject *queue_put(QueueObject *self, PyObject *item)
{
	smr_context_t *ctx = ccpy_enter(self->scheme);
	if (ctx == NULL)
		return NULL;
	Py_INCREF(item);
	int rc = cc_queue_enqueue(self->q, ctx, (uint64_t)(uintptr_t)item);
	ccpy_leave(self->scheme);
	if (rc != 0) {
		Py_DECREF(item);
		ccpy_drain();
		return PyErr_NoMemory();
	}
	cc_atomic_faa_u64((uint64_t *)&self->count, 1); /* approximate len: no order needed */
	ccpy_drain();
	Py_RETURN_NONE;
}

static PyObject *empty_error(void)
{
	PyObject *mod = PyImport_ImportModule("queue");
	PyObject *exc = mod != NULL ? PyObject_GetAttrString(mod, "Empty") : NULL;
	Py_XDECREF(mod);
	if (exc != NULL) {
		PyErr_SetNone(exc);
		Py_DECREF(exc);
	}
	return NULL;
}

static PyObject *queue_get(QueueObject *self, PyObject *unused)
{
	(void)unused;
	smr_context_t *ctx = ccpy_enter(self->scheme);
	if (ctx == NULL)
		return NULL;
	uint64_t v;
	bool got = cc_queue_dequeue(self->q, ctx, &v);
	ccpy_leave(self->scheme);
	ccpy_drain();
	if (!got)
		return empty_error();
	cc_atomic_faa_u64((uint64_t *)&self->count, (uint64_t)-1);
	return (PyObject *)(uintptr_t)v; /* the queue's reference, now the caller's */
}

static PyObject *queue_empty(QueueObject *self, PyObject *unused)
{
	(void)unused;
	return PyBool_FromLong((int64_t)cc_atomic_load_relaxed_u64((uint64_t *)&self->count) <= 0);
}

static Py_ssize_t queue_len(QueueObject *self)
{
	int64_t n = (int64_t)cc_atomic_load_relaxed_u64((uint64_t *)&self->count);
	return n > 0 ? (Py_ssize_t)n : 0;
}

static PyObject *queue_scheme(QueueObject *self, void *unused)
{
	(void)unused;
	return PyUnicode_FromString(smr_scheme_name(self->scheme));
}

static PyMethodDef queue_methods[] = {
	{"put", (PyCFunction)queue_put, METH_O, "put(item): appends item (never blocks)."},
	{"put_nowait", (PyCFunction)queue_put, METH_O, "put_nowait(item): as put."},
	{"get", (PyCFunction)queue_get, METH_NOARGS, "get(): removes and returns the oldest item; queue.Empty if none."},
	{"get_nowait", (PyCFunction)queue_get, METH_NOARGS, "get_nowait(): as get."},
	{"empty", (PyCFunction)queue_empty, METH_NOARGS, "True if the queue looked empty (approximate)."},
	{NULL, NULL, 0, NULL},
};

static PyGetSetDef queue_getset[] = {
	{"scheme", (getter)queue_scheme, NULL, "The reclamation scheme of the queue's nodes.", NULL},
	{NULL, NULL, NULL, NULL, NULL},
};

static PyMemberDef queue_members[] = {
	{"__weaklistoffset__", T_PYSSIZET, offsetof(QueueObject, weakrefs), READONLY, NULL},
	{NULL, 0, 0, 0, NULL},
};

static PyType_Slot queue_slots[] = {
	{Py_tp_new, queue_new},
	{Py_tp_dealloc, queue_dealloc},
	{Py_tp_traverse, queue_traverse},
	{Py_tp_methods, queue_methods},
	{Py_tp_getset, queue_getset},
	{Py_tp_members, queue_members},
	{Py_mp_length, queue_len},
	{Py_tp_doc, "Lock-free FIFO queue of Python objects (see concurrent_collections.ConcurrentQueue)."},
	{0, NULL},
};

static PyType_Spec queue_spec = {
	.name = "concurrent_collections._ccmem.Queue",
	.basicsize = sizeof(QueueObject),
	.flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
	.slots = queue_slots,
};

int ccpy_queue_add(PyObject *m)
{
	PyObject *t = PyType_FromModuleAndSpec(m, &queue_spec, NULL);
	if (t == NULL)
		return -1;
	int rc = PyModule_AddObjectRef(m, "Queue", t);
	Py_DECREF(t);
	return rc;
}

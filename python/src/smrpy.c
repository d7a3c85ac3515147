/*
 * python/src/smrpy.c - how Python objects meet ccmem's reclamation: one SMR
 * domain per scheme per process, one context per thread per domain, and the
 * list of references whose release waits for a thread with the GIL.
 *
 * Contexts.  A thread registers with a scheme's domain on its first
 * collection operation under that scheme (ccpy_context) and unregisters when
 * it exits, from a pthread key destructor; unregistering hands the thread's
 * retired nodes to the domain, so nothing is lost.  A collection used from
 * inside a map's comparison (Python code running inside an operation) gets
 * the context of the next nesting level, registered on first use
 * (ccpy_enter), so that no context ever has two operations open.  That destructor runs
 * after the thread's Python state is gone, so it runs no Python code: the
 * references that reclamation ends are only queued (below).
 *
 * Deferred releases.  ccmem frees a node inside whatever smr_ or cc_ call
 * reclaims it, often inside another operation of the calling thread, and on
 * threads without Python.  A Py_DECREF there could run a finaliser that uses
 * a collection while this thread is inside an operation, or run without the
 * GIL.  So release callbacks only append the object to a list (any thread,
 * no GIL, under a mutex), and every collection method drains the list at its
 * end (ccpy_drain: with the GIL, outside any operation).
 */
#include "smrpy.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include <ccmem/atomic.h>

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static smr_domain_t *g_domains[SMR_SCHEME_COUNT]; /* under g_lock; published by acquire/release */
static pthread_key_t g_key;
static pthread_once_t g_key_once = PTHREAD_ONCE_INIT;
static int g_key_err;

struct thread_ctx {
	smr_context_t *ctx[SMR_SCHEME_COUNT][CCPY_MAX_DEPTH];
};

/* Per scheme: the nesting level of this thread's next operation. */
static _Thread_local unsigned t_depth[SMR_SCHEME_COUNT];

/* This thread's contexts, as g_key holds them (whose destructor is what
 * unregisters): a thread-local copy, so a method finds its context without
 * pthread_once and pthread_getspecific. */
static _Thread_local struct thread_ctx *tl_ctx;

static void thread_exit(void *p)
{
	struct thread_ctx *t = p;
	tl_ctx = NULL;
	for (int s = 0; s < SMR_SCHEME_COUNT; s++)
		for (int d = 0; d < CCPY_MAX_DEPTH; d++)
			if (t->ctx[s][d] != NULL)
				smr_thread_unregister(t->ctx[s][d]); /* releases only queue (no Python) */
	free(t);
}

static void make_key(void)
{
	g_key_err = pthread_key_create(&g_key, thread_exit);
}

static smr_domain_t *domain(smr_scheme_t s)
{
	/* acquire: pairs with the release store below (the domain built first). */
	smr_domain_t *d = cc_atomic_load_acquire_ptr((void **)&g_domains[s]);
	if (d != NULL)
		return d;
	pthread_mutex_lock(&g_lock);
	d = g_domains[s];
	if (d == NULL) {
		smr_options_t o;
		smr_options_init(&o, s);
		o.max_threads = SMR_THREADS_LIMIT;
		d = smr_domain_create(&o);
		if (d != NULL)
			cc_atomic_store_release_ptr((void **)&g_domains[s], d);
	}
	pthread_mutex_unlock(&g_lock);
	return d;
}

/* The context of nesting level `depth`, registering on first use. */
static smr_context_t *context_at(smr_scheme_t s, unsigned depth)
{
	struct thread_ctx *t = tl_ctx;
	if (CC_LIKELY(t != NULL && t->ctx[s][depth] != NULL))
		return t->ctx[s][depth];
	pthread_once(&g_key_once, make_key);
	if (g_key_err != 0) {
		errno = g_key_err;
		PyErr_SetFromErrno(PyExc_OSError);
		return NULL;
	}
	t = pthread_getspecific(g_key);
	if (t == NULL) {
		t = calloc(1, sizeof *t);
		if (t == NULL || pthread_setspecific(g_key, t) != 0) {
			free(t);
			PyErr_NoMemory();
			return NULL;
		}
	}
	tl_ctx = t;
	smr_domain_t *d = domain(s);
	if (d == NULL) {
		PyErr_Format(PyExc_RuntimeError, "cannot create the %s reclamation domain: %s", smr_scheme_name(s),
		             strerror(errno));
		return NULL;
	}
	t->ctx[s][depth] = smr_thread_register(d);
	if (t->ctx[s][depth] == NULL) {
		PyErr_Format(PyExc_RuntimeError, "cannot register this thread with the %s domain: %s (%d threads at most)",
		             smr_scheme_name(s), strerror(errno), SMR_THREADS_LIMIT);
		return NULL;
	}
	return t->ctx[s][depth];
}

smr_context_t *ccpy_context(smr_scheme_t s)
{
	return context_at(s, 0);
}

smr_context_t *ccpy_enter(smr_scheme_t s)
{
	unsigned depth = t_depth[s];
	if (depth >= CCPY_MAX_DEPTH) {
		PyErr_Format(PyExc_RuntimeError,
		             "collections of scheme '%s' nested more than %d deep inside key comparisons on this thread",
		             smr_scheme_name(s), CCPY_MAX_DEPTH);
		return NULL;
	}
	smr_context_t *c = context_at(s, depth);
	if (c != NULL)
		t_depth[s] = depth + 1;
	return c;
}

void ccpy_leave(smr_scheme_t s)
{
	t_depth[s]--;
}

int ccpy_domain_stats(smr_scheme_t s, smr_stats_t *out)
{
	smr_domain_t *d = cc_atomic_load_acquire_ptr((void **)&g_domains[s]);
	if (d == NULL)
		return 0;
	smr_domain_stats(d, out);
	return 1;
}

/* ---- deferred releases --------------------------------------------------------- */

static PyObject **g_pending; /* under g_lock */
static size_t g_npending, g_cap;
static uint64_t g_any; /* g_npending != 0, read without the lock */

void ccpy_defer_decref(PyObject *o)
{
	if (o == NULL)
		return;
	pthread_mutex_lock(&g_lock);
	if (g_npending == g_cap) {
		size_t nc = g_cap ? g_cap * 2 : 1024;
		PyObject **n = realloc(g_pending, nc * sizeof *n);
		if (n == NULL) {
			/* No memory for the list: keep the reference (a leak of one
			 * object is better than a free at the wrong time). */
			pthread_mutex_unlock(&g_lock);
			return;
		}
		g_pending = n;
		g_cap = nc;
	}
	g_pending[g_npending++] = o;
	cc_atomic_store_relaxed_u64(&g_any, 1);
	pthread_mutex_unlock(&g_lock);
}

void ccpy_drain_slow(void)
{
	for (;;) {
		pthread_mutex_lock(&g_lock);
		PyObject **list = g_pending;
		size_t n = g_npending;
		g_pending = NULL;
		g_npending = g_cap = 0;
		cc_atomic_store_relaxed_u64(&g_any, 0);
		pthread_mutex_unlock(&g_lock);
		if (n == 0)
			return;
		/* Finalisers run here may use collections, and so queue more. */
		for (size_t i = 0; i < n; i++)
			Py_DECREF(list[i]);
		free(list);
	}
}

bool ccpy_drain_needed(void)
{
	/* relaxed: a release queued concurrently is drained by a later call */
	return cc_atomic_load_relaxed_u64(&g_any) != 0;
}

size_t ccpy_reclaim(void)
{
	size_t pending = 0;
	pthread_once(&g_key_once, make_key);
	struct thread_ctx *t = g_key_err == 0 ? pthread_getspecific(g_key) : NULL;
	for (int s = 0; s < SMR_SCHEME_COUNT; s++) {
		smr_domain_t *d = cc_atomic_load_acquire_ptr((void **)&g_domains[s]);
		if (d == NULL)
			continue;
		if (t_depth[s] != 0)
			continue; /* inside an operation of this scheme (a comparison): no poll */
		smr_context_t *c = t != NULL ? t->ctx[s][0] : NULL;
		if (c == NULL)
			c = ccpy_context((smr_scheme_t)s);
		if (c == NULL) {
			PyErr_Clear();
			continue;
		}
		smr_stats_t st;
		/* Polls until nothing is pending or polls stop helping (a thread
		 * inside an operation holds the rest back). */
		for (int round = 0; round < 64; round++) {
			smr_poll(c);
			/* and this thread's nested levels' contexts, whose own batches
			 * only they (or their unregistration) free */
			for (int l = 1; t != NULL && l < CCPY_MAX_DEPTH; l++)
				if (t->ctx[s][l] != NULL)
					smr_poll(t->ctx[s][l]);
			smr_domain_stats(d, &st);
			if (st.pending == 0)
				break;
		}
		pending += (size_t)st.pending;
	}
	ccpy_drain();
	return pending;
}

int ccpy_parse_scheme(PyObject *name, unsigned allowed, smr_scheme_t *out)
{
	char valid[64] = "";
	for (int s = 0; s < SMR_SCHEME_COUNT; s++)
		if (allowed & (1u << s)) {
			if (valid[0])
				strcat(valid, ", ");
			strcat(valid, "'");
			strcat(valid, smr_scheme_name((smr_scheme_t)s));
			strcat(valid, "'");
		}
	if (!PyUnicode_Check(name)) {
		PyErr_Format(PyExc_TypeError, "scheme must be a str, one of %s, not %.100s", valid, Py_TYPE(name)->tp_name);
		return -1;
	}
	const char *s = PyUnicode_AsUTF8(name);
	smr_scheme_t sc;
	if (s == NULL)
		return -1;
	if (smr_scheme_parse(s, &sc) != 0 || !(allowed & (1u << sc))) {
		PyErr_Format(PyExc_ValueError, "scheme must be one of %s, got %R", valid, name);
		return -1;
	}
	*out = sc;
	return 0;
}

/* ---- module functions ------------------------------------------------------------- */

static PyObject *py_smr_stats(PyObject *m, PyObject *arg)
{
	(void)m;
	smr_scheme_t s;
	if (ccpy_parse_scheme(arg, (1u << SMR_IBR) | (1u << SMR_DEBRA) | (1u << SMR_DEBRA_PLUS), &s) < 0)
		return NULL;
	smr_stats_t st;
	memset(&st, 0, sizeof st);
	(void)ccpy_domain_stats(s, &st);
	return Py_BuildValue("{sKsKsKsKsKsKsKsKsKsK}", "retired", (unsigned long long)st.retired, "freed",
	                     (unsigned long long)st.freed, "pending", (unsigned long long)st.pending, "peak_pending",
	                     (unsigned long long)st.peak_pending, "epoch", (unsigned long long)st.epoch, "threads",
	                     (unsigned long long)st.threads, "orphaned", (unsigned long long)st.orphaned, "signals",
	                     (unsigned long long)st.signals, "restarts", (unsigned long long)st.restarts, "waits",
	                     (unsigned long long)st.waits);
}

static PyObject *py_reclaim(PyObject *m, PyObject *unused)
{
	(void)m, (void)unused;
	return PyLong_FromSize_t(ccpy_reclaim());
}

static PyMethodDef methods[] = {
	{"smr_stats", py_smr_stats, METH_O, "Reclamation statistics of a scheme's domain, as a dict."},
	{"reclaim", py_reclaim, METH_NOARGS, "Polls every domain and drops released references; nodes still pending."},
	{NULL, NULL, 0, NULL},
};

int ccpy_smr_add(PyObject *m)
{
	return PyModule_AddFunctions(m, methods);
}

/*
 * python/src/smrpy.h - reclamation for the Python collections (smrpy.c):
 * per-scheme domains, per-thread contexts, deferred releases.
 */
#ifndef CC_PY_SMRPY_H
#define CC_PY_SMRPY_H

#include "ext.h"

#include <stdbool.h>
#include <string.h>

#include <ccmem/smr.h>

/* This thread's context in the scheme's domain, registering on first use,
 * for calls that open no operation (create, destroy, poll).  With the GIL;
 * NULL with a Python exception. */
smr_context_t *ccpy_context(smr_scheme_t s);

/* Nesting.  An ordered map's comparisons run Python code inside an SMR
 * operation, and that code may use another collection of the same scheme
 * (a __lt__ that reads a map, a finaliser that a release runs).  A second
 * operation on the same context would end the first one's protection, so
 * each nesting level has its own context: ccpy_enter returns the context of
 * this thread's current level and opens the next, ccpy_leave closes it.
 * Every collection call that opens an operation goes between the two.  NULL
 * with RuntimeError past CCPY_MAX_DEPTH levels. */
#define CCPY_MAX_DEPTH 8
smr_context_t *ccpy_enter(smr_scheme_t s);
void ccpy_leave(smr_scheme_t s);

/* The scheme's domain statistics: 1, or 0 when the domain does not exist yet. */
int ccpy_domain_stats(smr_scheme_t s, smr_stats_t *out);

/* Queues a reference to drop later (any thread, with or without the GIL). */
void ccpy_defer_decref(PyObject *o);

bool ccpy_drain_needed(void);
void ccpy_drain_slow(void);

/* Drops the queued references.  With the GIL, outside any SMR operation. */
static inline void ccpy_drain(void)
{
	if (ccpy_drain_needed())
		ccpy_drain_slow();
}

/* Polls every domain from this thread until nothing is pending (or polling
 * stops helping), then drains; returns the nodes still pending.  With the GIL. */
size_t ccpy_reclaim(void);

/* "ibr", "debra", "debra+" -> scheme; -1 with ValueError naming the valid
 * ones (those in `allowed`, a bit per scheme). */
int ccpy_parse_scheme(PyObject *name, unsigned allowed, smr_scheme_t *out);

#endif

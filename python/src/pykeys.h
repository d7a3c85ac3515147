/*
 * python/src/pykeys.h - the order of Python keys (pykeys.c).
 */
#ifndef CC_PY_PYKEYS_H
#define CC_PY_PYKEYS_H

#include "ext.h"

#include <stdbool.h>
#include <stdint.h>

/* cc_omap_ops_t.compare over PyObject keys.  With the GIL; on failure a
 * Python exception is set and *failed is true. */
int ccpy_compare(void *arg, const void *a, const void *b, bool *failed);

/* cc_omap_ops_t.summarize over PyObject keys: exact int, float, str and
 * bytes; class 0 for any other key.  Runs no Python code, sets no
 * exception. */
uint64_t ccpy_summarize(void *arg, const void *key, uint16_t *cls);

/* cc_omap_ops_t.hash of an exact int, float (not NaN), str or bytes key,
 * equal for keys that compare equal; false for any other key.  Runs no
 * Python code. */
bool ccpy_hash(void *arg, const void *key, uint64_t *hash);

/* -1 with ValueError for a key no order can hold (NaN), else 0. */
int ccpy_check_key(PyObject *key);

#endif

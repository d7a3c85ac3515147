/*
 * python/src/mapobject.h - what the files of the OrderedMap type share:
 *
 *   mapimpl.c     the two structures behind one function table (skip list,
 *                 tree): ccmem/omap.h and ccmem/otree.h have one contract
 *   omapobject.c  the type: creation, lookups, single-key updates
 *   mapscan.c     ordered queries: _seek, first/last/floor/..., _scan, _count
 *
 * One C type serves concurrent_collections.SkipListMap and TreeMap; the
 * Python class's `_structure` ("skiplist" or "tree") picks the table when a
 * map is created.
 */
#ifndef CC_PY_MAPOBJECT_H
#define CC_PY_MAPOBJECT_H

#include "smrpy.h"

#include <ccmem/omap.h>

/* A generic ordered map's functions, on an untyped map. */
typedef struct ccpy_map_impl {
	const char *name; /* the value of the class's _structure */
	void *(*create)(smr_context_t *ctx, const cc_omap_ops_t *ops);
	int (*insert)(void *m, smr_context_t *ctx, void *key, void *value, void **existing, bool *cmp_failed);
	int (*replace)(void *m, smr_context_t *ctx, const void *key, void *value, void **old, bool *cmp_failed);
	int (*replace_if)(void *m, smr_context_t *ctx, const void *key, void *expected, void *value, bool *cmp_failed);
	int (*remove)(void *m, smr_context_t *ctx, const void *key, void **key_out, void **value_out, bool *cmp_failed);
	int (*lookup)(void *m, smr_context_t *ctx, const void *key, void **value_out, bool *cmp_failed);
	int (*seek)(void *m, smr_context_t *ctx, const void *key, cc_omap_seek_t mode, void **key_out, void **value_out,
	            bool *cmp_failed);
	int (*scan)(void *m, smr_context_t *ctx, const void *key, cc_omap_seek_t mode, size_t max, void **keys_out,
	            void **values_out, bool *cmp_failed);
	size_t (*size)(const void *m);
	int (*check)(void *m, smr_context_t *ctx, size_t *count_out);
	void (*destroy)(void *m, smr_context_t *ctx);
} ccpy_map_impl_t;

/* NULL-terminated: the skip list first (the default). */
extern const ccpy_map_impl_t *const ccpy_map_impls[];

typedef struct {
	PyObject_HEAD
	void *map;
	const ccpy_map_impl_t *impl;
	smr_scheme_t scheme;
	PyObject *weakrefs;
} MapObject;

/* After a call into the map: -1 with the right exception for rc -1 or a
 * failed comparison (an exception is then set), else 0.  Drains either way.
 * With the GIL, outside any operation (after ccpy_leave). */
int ccpy_map_finish(int rc, int err);

/* mapscan.c: the ordered queries, for the type's method table. */
PyObject *ccpy_map_seek(MapObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *ccpy_map_scan(MapObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *ccpy_map_count(MapObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *ccpy_map_first_key(MapObject *self, PyObject *unused);
PyObject *ccpy_map_last_key(MapObject *self, PyObject *unused);
PyObject *ccpy_map_ceiling_key(MapObject *self, PyObject *key);
PyObject *ccpy_map_higher_key(MapObject *self, PyObject *key);
PyObject *ccpy_map_floor_key(MapObject *self, PyObject *key);
PyObject *ccpy_map_lower_key(MapObject *self, PyObject *key);

#endif

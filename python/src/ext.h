/*
 * python/src/ext.h - what the files of the _ccmem extension module share.
 *
 *   module.c    the module: definition, slots (free-threading), init
 *   config.c    config functions (statistics, backend, fault injection, fill)
 *   profiler.c  the Profiler type around cc_profiler_t
 *   report.c    a cc_profiler_report_t as a dict of plain Python values
 *   frames.c    the Python frame source of captured stacks
 *   testing.c   test-only entry points: blocks allocated and freed through the glue
 *   smrpy.c     SMR domains and thread contexts for the collections, deferred releases
 *   queueobject.c  the Queue type (ConcurrentQueue) on ccmem's Michael-Scott queue
 *   pykeys.c    the order of Python keys (comparator with C fast paths)
 *   mapimpl.c   the generic skip list and tree behind one function table
 *   omapobject.c  the OrderedMap type (SkipListMap, TreeMap): creation, lookups, updates
 *   mapscan.c   OrderedMap's ordered queries and batches (_seek, _scan)
 *               (mapobject.h: what the three share)
 *
 * The Python package (python/concurrent_collections/) builds the public API
 * (config, MemoryProfiler, the report dataclasses) on these.
 */
#ifndef CC_PY_EXT_H
#define CC_PY_EXT_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <ccmem/profiler.h>

/* Raises the Python exception for errno `err` (after a C call of ccmem
 * failed): OSError subclasses by errno, with `what` in the message. */
PyObject *ccpy_errno(int err, const char *what);

/* config.c, profiler.c, testing.c: each adds its functions/types to m. */
int ccpy_config_add(PyObject *m);
int ccpy_profiler_add(PyObject *m);
int ccpy_testing_add(PyObject *m);
int ccpy_smr_add(PyObject *m);
int ccpy_queue_add(PyObject *m);
int ccpy_omap_add(PyObject *m);

/* report.c: the report as a dict (keys of include/ccmem/profiler.h's
 * cc_profiler_report_t); NULL with an exception set. */
PyObject *ccpy_report_dict(const cc_profiler_report_t *r);

/* frames.c: the frame source that names Python frames "file:line in name"
 * (valid for the life of the process). */
const cc_profiler_frame_source_t *ccpy_frame_source(void);
/* Frames of files in `folder` are left out at the innermost end of stacks. */
int ccpy_frames_set_internal(const char *folder);

#endif

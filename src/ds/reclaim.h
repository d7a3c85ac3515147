/*
 * src/ds/reclaim.h - the one seam between a data structure and its reclamation.
 *
 * The structures in src/ds are written against these names only.  The library
 * build compiles each structure once per scheme (CC_DS_SCHEME, CC_DS_SUFFIX
 * from CMakeLists.txt) and maps the names onto the smr_* inline paths with
 * that scheme as a constant, so every smr_protect is the scheme's own code
 * with no test of the scheme; src/ds/dispatch.c defines the public functions,
 * which call the instance of the context's scheme.  A benchmark may compile the same source again with
 * -DCC_DS_ADAPTER='"file.h"' naming a header that maps them onto a peer
 * (ck_epoch, liburcu); DS_FN then renames the public functions so that several
 * variants link into one binary, and reclamation is the only difference.
 *
 * An adapter defines:
 *   ds_ctx_t                   the per-thread handle the functions take
 *   DS_FN(name)                the exported name of a public function
 *   ds_begin(c), ds_end(c)     open and close an operation (read-side section)
 *   ds_protect(c, src)         load a shared pointer inside an operation
 *                              (acquire; the adapter adds what its scheme needs)
 *   ds_alloc(c, size)          a node of `size` bytes, NULL with errno
 *   ds_retire(c, p, size)      hand an unlinked node to reclamation
 *   ds_retire_cb(c, p, size, fini)  the same, fini(p) run when it is freed
 *                              (library build only: src/ds/omap.c, which is
 *                              not built against the adapters, uses it)
 *   ds_checkpoint(c)           DEBRA+ restart point (a no-op elsewhere)
 *   ds_reserve(c, slot, p)     DEBRA+ protected record (a no-op elsewhere)
 *   ds_write_phase(c)          DEBRA+ end of the restartable region
 * Outside the library build the public header of the structure is not
 * included (its prototypes name smr_context_t); the source declares its
 * handle type itself.
 */
#ifndef CCMEM_DS_RECLAIM_H
#define CCMEM_DS_RECLAIM_H

#ifdef CC_DS_ADAPTER
#include CC_DS_ADAPTER
#define CC_DS_LIBRARY 0
#else
#if !defined(CC_DS_SCHEME) || !defined(CC_DS_SUFFIX)
#error "src/ds sources are compiled once per scheme: define CC_DS_SCHEME and CC_DS_SUFFIX (CMakeLists.txt)"
#endif
#include "ccmem/smr.h"
#include "instances.h"
#define CC_DS_LIBRARY 1
typedef smr_context_t ds_ctx_t;
#define DS_FN(name) CC_DS_CAT(name, CC_DS_SUFFIX)
#define ds_begin(c) smr__begin_op_as((c), CC_DS_SCHEME)
#define ds_end(c) smr__end_op_as((c), CC_DS_SCHEME)
#define ds_protect(c, src) smr__protect_as((c), (void *const *)(src), CC_DS_SCHEME)
#define ds_alloc(c, size) smr_alloc((c), (size))
#define ds_retire(c, p, size) smr_retire((c), (p), (size))
#define ds_retire_cb(c, p, size, fini) smr_retire_cb((c), (p), (size), (fini))
#define ds_checkpoint(c) smr__checkpoint_as((c), CC_DS_SCHEME)
#define ds_reserve(c, slot, p) smr__reserve_as((c), (slot), (p), CC_DS_SCHEME)
#define ds_write_phase(c) smr__write_phase_as((c), CC_DS_SCHEME)
#endif

#include <stdbool.h>
#include <stdint.h>

#include "ccmem/alloc.h"
#include "ccmem/atomic.h"

#endif /* CCMEM_DS_RECLAIM_H */

/*
 * src/ds/reclaim.h - the one seam between a data structure and its reclamation.
 *
 * The structures in src/ds are written against these names only.  The library
 * build maps them onto the smr_* API (every scheme, chosen at run time by the
 * domain).  A benchmark may compile the same source again with
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
#include "ccmem/smr.h"
#define CC_DS_LIBRARY 1
typedef smr_context_t ds_ctx_t;
#define DS_FN(name) name
#define ds_begin(c) smr_begin_op(c)
#define ds_end(c) smr_end_op(c)
#define ds_protect(c, src) smr_protect((c), (void *const *)(src))
#define ds_alloc(c, size) smr_alloc((c), (size))
#define ds_retire(c, p, size) smr_retire((c), (p), (size))
#define ds_checkpoint(c) smr_checkpoint(c)
#define ds_reserve(c, slot, p) smr_reserve((c), (slot), (p))
#define ds_write_phase(c) smr_write_phase(c)
#endif

#include <stdbool.h>
#include <stdint.h>

#include "ccmem/alloc.h"
#include "ccmem/atomic.h"

#endif /* CCMEM_DS_RECLAIM_H */

/*
 * ccmem.h - everything of ccmem in one include.
 *
 *   ccmem/config.h  run-time configuration (backend, fault injection, fill)
 *   ccmem/alloc.h   the allocation glue over mimalloc, with statistics
 *   ccmem/profiler.h  the memory profiler of the glue (histograms, leaks, exports)
 *   ccmem/smr.h     safe memory reclamation: IBR, DEBRA, DEBRA+
 */
#ifndef CCMEM_H
#define CCMEM_H

#include "ccmem/build_config.h"
#include "ccmem/config.h"
#include "ccmem/alloc.h"
#include "ccmem/profiler.h"
#include "ccmem/smr.h"

#endif /* CCMEM_H */

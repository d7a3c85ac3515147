/*
 * ccmem.h - everything of ccmem in one include.
 *
 *   ccmem/config.h  run-time configuration (backend, fault injection, fill)
 *   ccmem/alloc.h   the allocation glue over mimalloc, with statistics
 *   ccmem/smr.h     safe memory reclamation: IBR, DEBRA, DEBRA+
 */
#ifndef CCMEM_H
#define CCMEM_H

#include "ccmem/build_config.h"
#include "ccmem/config.h"
#include "ccmem/alloc.h"
#include "ccmem/smr.h"

#endif /* CCMEM_H */

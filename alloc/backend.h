/*
 * alloc/backend.h - the allocators behind the glue (mimalloc, system, fault).
 * Not installed.  Called only from the glue's out-of-line paths.
 */
#ifndef CCMEM_ALLOC_BACKEND_H
#define CCMEM_ALLOC_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include "ccmem/config.h"

/* A block from `backend`: `size` bytes (validated by the caller), aligned to
 * `align` if align > 0, zeroed if `zero`.  NULL on failure (caller sets errno). */
void *cc__backend_alloc(cc_backend_t backend, size_t size, size_t align, bool zero);

/* Releases a block; `check_owner` routes it by ownership (mimalloc's segment
 * map) instead of assuming mimalloc. */
void cc__backend_free(void *ptr, bool check_owner);

/* Usable size of a live block (for debug fill and profiling). */
size_t cc__backend_usable_size(const void *ptr, bool check_owner);

#endif /* CCMEM_ALLOC_BACKEND_H */

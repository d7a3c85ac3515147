/* tests/smr_scheme_caller.h - calls compiled with SMR_SCHEME=SMR_DEBRA
 * (tests/smr_scheme_caller.c). */
#ifndef CCMEM_TESTS_SMR_SCHEME_CALLER_H
#define CCMEM_TESTS_SMR_SCHEME_CALLER_H

#include <ccmem/smr.h>

/* One operation: begin, checkpoint, protect(*src), reserve, write phase, end. */
void *cct_debra_read(smr_context_t *ctx, void *const *src);
void *cct_debra_alloc(smr_context_t *ctx, size_t size);

#endif

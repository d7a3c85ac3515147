/* tests/smr_release_caller.h - smr_alloc / smr_retire_cb compiled as a
 * release caller compiles them (tests/smr_release_caller.c). */
#ifndef CCMEM_TESTS_SMR_RELEASE_CALLER_H
#define CCMEM_TESTS_SMR_RELEASE_CALLER_H

#include <ccmem/smr.h>

void *cct_rel_alloc(smr_context_t *ctx, size_t size);
void cct_rel_retire(smr_context_t *ctx, void *node, size_t size, void (*fini)(void *node));

#endif

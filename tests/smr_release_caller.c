/*
 * tests/smr_release_caller.c - calls into the SMR inline paths as a release
 * build of a user's code compiles them (SMR_DEBUG=0, NDEBUG), linked into
 * test_smr (whose own source has SMR_DEBUG=1), so that the suite checks what
 * a user who builds with -DNDEBUG gets: the inline retire, its hand-over to
 * the out-of-line path, and double-retire detection without debug checks.
 */
#undef SMR_DEBUG /* the target defines 1 for the suite's own source */
#define SMR_DEBUG 0
#ifndef NDEBUG
#define NDEBUG 1
#endif
#include <ccmem/smr.h>

#include "smr_release_caller.h"

_Static_assert(SMR_DEBUG == 0, "this file is the release-mode caller");

void *cct_rel_alloc(smr_context_t *ctx, size_t size)
{
	return smr_alloc(ctx, size);
}

void cct_rel_retire(smr_context_t *ctx, void *node, size_t size, void (*fini)(void *node))
{
	smr_retire_cb(ctx, node, size, fini);
}

/*
 * tests/smr_scheme_caller.c - the inline paths as a source compiled for one
 * scheme gets them (smr.h's SMR_SCHEME, here DEBRA), linked into test_smr:
 * the folded calls work on a DEBRA context, and smr_begin_op refuses a
 * context of another scheme in every build.
 */
#define SMR_SCHEME SMR_DEBRA
#include <ccmem/smr.h>

#include "smr_scheme_caller.h"

void *cct_debra_read(smr_context_t *ctx, void *const *src)
{
	smr_begin_op(ctx);
	smr_checkpoint(ctx); /* folds to nothing outside DEBRA+ */
	void *p = smr_protect(ctx, src);
	smr_reserve(ctx, 0, p);
	smr_write_phase(ctx);
	smr_end_op(ctx);
	return p;
}

void *cct_debra_alloc(smr_context_t *ctx, size_t size)
{
	return smr_alloc(ctx, size);
}

/*
 * src/ds/dispatch.c - the structures' public functions: each calls the
 * instance compiled for the context's scheme (see reclaim.h).  One load and
 * one indirect-free switch per call, instead of a scheme test in every
 * smr_protect of the operation.
 */
#include <errno.h>

#include "instances.h"

/* ctx is any registered context of the structure's domain (its scheme is the
 * domain's). */
#define CC_DS_DISPATCH(ctx, fn, ...)                                                                    \
	do {                                                                                                \
		switch ((ctx)->priv.scheme) {                                                                   \
		case SMR_IBR:                                                                                   \
			return fn##__ibr(__VA_ARGS__);                                                              \
		case SMR_DEBRA:                                                                                 \
			return fn##__debra(__VA_ARGS__);                                                            \
		case SMR_DEBRA_PLUS:                                                                            \
			return fn##__debraplus(__VA_ARGS__);                                                        \
		default:                                                                                        \
			return fn##__none(__VA_ARGS__);                                                             \
		}                                                                                               \
	} while (0)

#define CC_DS_DISPATCH_VOID(ctx, fn, ...)                                                               \
	do {                                                                                                \
		switch ((ctx)->priv.scheme) {                                                                   \
		case SMR_IBR:                                                                                   \
			fn##__ibr(__VA_ARGS__);                                                                     \
			return;                                                                                     \
		case SMR_DEBRA:                                                                                 \
			fn##__debra(__VA_ARGS__);                                                                   \
			return;                                                                                     \
		case SMR_DEBRA_PLUS:                                                                            \
			fn##__debraplus(__VA_ARGS__);                                                               \
			return;                                                                                     \
		default:                                                                                        \
			fn##__none(__VA_ARGS__);                                                                    \
			return;                                                                                     \
		}                                                                                               \
	} while (0)

cc_queue_t *cc_queue_create(smr_context_t *ctx) { CC_DS_DISPATCH(ctx, cc_queue_create, ctx); }
int cc_queue_enqueue(cc_queue_t *q, smr_context_t *ctx, uint64_t value)
{
	CC_DS_DISPATCH(ctx, cc_queue_enqueue, q, ctx, value);
}
bool cc_queue_dequeue(cc_queue_t *q, smr_context_t *ctx, uint64_t *out)
{
	CC_DS_DISPATCH(ctx, cc_queue_dequeue, q, ctx, out);
}
void cc_queue_destroy(cc_queue_t *q, smr_context_t *ctx) { CC_DS_DISPATCH_VOID(ctx, cc_queue_destroy, q, ctx); }

#define CC_DS_MAP_DISPATCH(map)                                                                         \
	cc_##map##_t *cc_##map##_create(smr_context_t *ctx) { CC_DS_DISPATCH(ctx, cc_##map##_create, ctx); } \
	int cc_##map##_insert(cc_##map##_t *m, smr_context_t *ctx, uint64_t key, uint64_t value)            \
	{                                                                                                   \
		CC_DS_DISPATCH(ctx, cc_##map##_insert, m, ctx, key, value);                                     \
	}                                                                                                   \
	int cc_##map##_remove(cc_##map##_t *m, smr_context_t *ctx, uint64_t key, uint64_t *value_out)       \
	{                                                                                                   \
		CC_DS_DISPATCH(ctx, cc_##map##_remove, m, ctx, key, value_out);                                 \
	}                                                                                                   \
	int cc_##map##_lookup(cc_##map##_t *m, smr_context_t *ctx, uint64_t key, uint64_t *value_out)       \
	{                                                                                                   \
		CC_DS_DISPATCH(ctx, cc_##map##_lookup, m, ctx, key, value_out);                                 \
	}                                                                                                   \
	int cc_##map##_check(cc_##map##_t *m, smr_context_t *ctx, size_t *count_out, uint64_t *keysum_out)  \
	{                                                                                                   \
		CC_DS_DISPATCH(ctx, cc_##map##_check, m, ctx, count_out, keysum_out);                           \
	}                                                                                                   \
	void cc_##map##_destroy(cc_##map##_t *m, smr_context_t *ctx)                                        \
	{                                                                                                   \
		CC_DS_DISPATCH_VOID(ctx, cc_##map##_destroy, m, ctx);                                           \
	}

CC_DS_MAP_DISPATCH(skiplist)
CC_DS_MAP_DISPATCH(bst)

/* The generic maps (ccmem/omap.h, ccmem/otree.h).  Their DEBRA+ instances
 * refuse to create a map (ENOTSUP), so the other functions never meet a
 * DEBRA+ context of a valid map. */
#define CC_DS_GMAP_DISPATCH(map)                                                                        \
	cc_##map##_t *cc_##map##_create(smr_context_t *ctx, const cc_omap_ops_t *ops)                      \
	{                                                                                                   \
		if (ctx == NULL) {                                                                              \
			errno = EINVAL;                                                                             \
			return NULL;                                                                                \
		}                                                                                               \
		CC_DS_DISPATCH(ctx, cc_##map##_create, ctx, ops);                                               \
	}                                                                                                   \
	int cc_##map##_insert(cc_##map##_t *m, smr_context_t *ctx, void *key, void *value, void **existing, \
	                      bool *cmp_failed)                                                            \
	{                                                                                                   \
		CC_DS_DISPATCH(ctx, cc_##map##_insert, m, ctx, key, value, existing, cmp_failed);               \
	}                                                                                                   \
	int cc_##map##_replace(cc_##map##_t *m, smr_context_t *ctx, const void *key, void *value, void **old, \
	                       bool *cmp_failed)                                                           \
	{                                                                                                   \
		CC_DS_DISPATCH(ctx, cc_##map##_replace, m, ctx, key, value, old, cmp_failed);                   \
	}                                                                                                   \
	int cc_##map##_replace_if(cc_##map##_t *m, smr_context_t *ctx, const void *key, void *expected,     \
	                          void *value, bool *cmp_failed)                                           \
	{                                                                                                   \
		CC_DS_DISPATCH(ctx, cc_##map##_replace_if, m, ctx, key, expected, value, cmp_failed);           \
	}                                                                                                   \
	int cc_##map##_remove(cc_##map##_t *m, smr_context_t *ctx, const void *key, void **key_out,         \
	                      void **value_out, bool *cmp_failed)                                          \
	{                                                                                                   \
		CC_DS_DISPATCH(ctx, cc_##map##_remove, m, ctx, key, key_out, value_out, cmp_failed);            \
	}                                                                                                   \
	int cc_##map##_lookup(cc_##map##_t *m, smr_context_t *ctx, const void *key, void **value_out,       \
	                      bool *cmp_failed)                                                            \
	{                                                                                                   \
		CC_DS_DISPATCH(ctx, cc_##map##_lookup, m, ctx, key, value_out, cmp_failed);                     \
	}                                                                                                   \
	int cc_##map##_seek(cc_##map##_t *m, smr_context_t *ctx, const void *key, cc_omap_seek_t mode,      \
	                    void **key_out, void **value_out, bool *cmp_failed)                            \
	{                                                                                                   \
		CC_DS_DISPATCH(ctx, cc_##map##_seek, m, ctx, key, mode, key_out, value_out, cmp_failed);        \
	}                                                                                                   \
	int cc_##map##_scan(cc_##map##_t *m, smr_context_t *ctx, const void *key, cc_omap_seek_t mode,      \
	                    size_t max, void **keys_out, void **values_out, bool *cmp_failed)              \
	{                                                                                                   \
		CC_DS_DISPATCH(ctx, cc_##map##_scan, m, ctx, key, mode, max, keys_out, values_out, cmp_failed); \
	}                                                                                                   \
	/* No context to dispatch on, and nothing scheme-specific: any instance. */                        \
	size_t cc_##map##_size(const cc_##map##_t *m) { return cc_##map##_size__none(m); }                 \
	int cc_##map##_check(cc_##map##_t *m, smr_context_t *ctx, size_t *count_out)                       \
	{                                                                                                   \
		CC_DS_DISPATCH(ctx, cc_##map##_check, m, ctx, count_out);                                       \
	}                                                                                                   \
	void cc_##map##_destroy(cc_##map##_t *m, smr_context_t *ctx)                                        \
	{                                                                                                   \
		CC_DS_DISPATCH_VOID(ctx, cc_##map##_destroy, m, ctx);                                           \
	}

CC_DS_GMAP_DISPATCH(omap)
CC_DS_GMAP_DISPATCH(otree)

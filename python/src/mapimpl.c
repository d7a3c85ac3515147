/*
 * python/src/mapimpl.c - the two generic ordered maps of ccmem behind one
 * function table (mapobject.h): the skip list (ccmem/omap.h) and the tree
 * (ccmem/otree.h).  The wrappers only change the map's pointer type; the
 * contracts are the same.
 */
#include "mapobject.h"

#include <ccmem/otree.h>

#define CCPY_MAP_IMPL(T, NAME)                                                                          \
	static void *T##_create(smr_context_t *ctx, const cc_omap_ops_t *ops) { return cc_##T##_create(ctx, ops); } \
	static int T##_insert(void *m, smr_context_t *ctx, void *key, void *value, void **existing, bool *f)  \
	{                                                                                                   \
		return cc_##T##_insert(m, ctx, key, value, existing, f);                                        \
	}                                                                                                   \
	static int T##_replace(void *m, smr_context_t *ctx, const void *key, void *value, void **old, bool *f) \
	{                                                                                                   \
		return cc_##T##_replace(m, ctx, key, value, old, f);                                            \
	}                                                                                                   \
	static int T##_replace_if(void *m, smr_context_t *ctx, const void *key, void *expected, void *value, \
	                          bool *f)                                                                 \
	{                                                                                                   \
		return cc_##T##_replace_if(m, ctx, key, expected, value, f);                                    \
	}                                                                                                   \
	static int T##_remove(void *m, smr_context_t *ctx, const void *key, void **ko, void **vo, bool *f)   \
	{                                                                                                   \
		return cc_##T##_remove(m, ctx, key, ko, vo, f);                                                 \
	}                                                                                                   \
	static int T##_lookup(void *m, smr_context_t *ctx, const void *key, void **vo, bool *f)              \
	{                                                                                                   \
		return cc_##T##_lookup(m, ctx, key, vo, f);                                                     \
	}                                                                                                   \
	static int T##_seek(void *m, smr_context_t *ctx, const void *key, cc_omap_seek_t mode, void **ko,     \
	                    void **vo, bool *f)                                                            \
	{                                                                                                   \
		return cc_##T##_seek(m, ctx, key, mode, ko, vo, f);                                             \
	}                                                                                                   \
	static int T##_scan(void *m, smr_context_t *ctx, const void *key, cc_omap_seek_t mode, size_t max,    \
	                    void **ks, void **vs, bool *f)                                                 \
	{                                                                                                   \
		return cc_##T##_scan(m, ctx, key, mode, max, ks, vs, f);                                        \
	}                                                                                                   \
	static size_t T##_size(const void *m) { return cc_##T##_size(m); }                                  \
	static int T##_check(void *m, smr_context_t *ctx, size_t *n) { return cc_##T##_check(m, ctx, n); }   \
	static void T##_destroy(void *m, smr_context_t *ctx) { cc_##T##_destroy(m, ctx); }                 \
	static const ccpy_map_impl_t T##_impl = {NAME,        T##_create, T##_insert, T##_replace,          \
	                                         T##_replace_if, T##_remove, T##_lookup, T##_seek,        \
	                                         T##_scan,    T##_size,   T##_check,  T##_destroy};

CCPY_MAP_IMPL(omap, "skiplist")
CCPY_MAP_IMPL(otree, "tree")

const ccpy_map_impl_t *const ccpy_map_impls[] = {&omap_impl, &otree_impl, NULL};

/*
 * src/ds/instances.h - the per-scheme instances of the structures' public
 * functions (cc_queue_enqueue__debra, ...), compiled from the same source
 * once per scheme (see reclaim.h), and the dispatcher's table of them.
 * Not installed.
 */
#ifndef CCMEM_DS_INSTANCES_H
#define CCMEM_DS_INSTANCES_H

#include "ccmem/bst.h"
#include "ccmem/omap.h"
#include "ccmem/otree.h"
#include "ccmem/queue.h"
#include "ccmem/skiplist.h"

#define CC_DS_CAT_(a, b) a##b
#define CC_DS_CAT(a, b) CC_DS_CAT_(a, b)

#define CC_DS_MAP_DECLARE(map, sfx)                                                                     \
	cc_##map##_t *cc_##map##_create##sfx(smr_context_t *ctx);                                        \
	int cc_##map##_insert##sfx(cc_##map##_t *m, smr_context_t *ctx, uint64_t key, uint64_t value);      \
	int cc_##map##_remove##sfx(cc_##map##_t *m, smr_context_t *ctx, uint64_t key, uint64_t *value_out); \
	int cc_##map##_lookup##sfx(cc_##map##_t *m, smr_context_t *ctx, uint64_t key, uint64_t *value_out); \
	int cc_##map##_check##sfx(cc_##map##_t *m, smr_context_t *ctx, size_t *count_out, uint64_t *keysum_out); \
	void cc_##map##_destroy##sfx(cc_##map##_t *m, smr_context_t *ctx);

/* The generic maps (ccmem/omap.h, ccmem/otree.h): one contract, two
 * structures. */
#define CC_DS_GMAP_DECLARE(map, sfx)                                                                    \
	cc_##map##_t *cc_##map##_create##sfx(smr_context_t *ctx, const cc_omap_ops_t *ops);                \
	int cc_##map##_insert##sfx(cc_##map##_t *m, smr_context_t *ctx, void *key, void *value,            \
	                           void **existing, bool *cmp_failed);                                     \
	int cc_##map##_replace##sfx(cc_##map##_t *m, smr_context_t *ctx, const void *key, void *value,     \
	                            void **old, bool *cmp_failed);                                          \
	int cc_##map##_replace_if##sfx(cc_##map##_t *m, smr_context_t *ctx, const void *key, void *expected, \
	                               void *value, bool *cmp_failed);                                      \
	int cc_##map##_remove##sfx(cc_##map##_t *m, smr_context_t *ctx, const void *key, void **key_out,   \
	                           void **value_out, bool *cmp_failed);                                    \
	int cc_##map##_lookup##sfx(cc_##map##_t *m, smr_context_t *ctx, const void *key, void **value_out, \
	                           bool *cmp_failed);                                                      \
	int cc_##map##_seek##sfx(cc_##map##_t *m, smr_context_t *ctx, const void *key, cc_omap_seek_t mode, \
	                         void **key_out, void **value_out, bool *cmp_failed);                      \
	int cc_##map##_scan##sfx(cc_##map##_t *m, smr_context_t *ctx, const void *key, cc_omap_seek_t mode, \
	                         size_t max, void **keys_out, void **values_out, bool *cmp_failed);        \
	size_t cc_##map##_size##sfx(const cc_##map##_t *m);                                                \
	int cc_##map##_check##sfx(cc_##map##_t *m, smr_context_t *ctx, size_t *count_out);                 \
	void cc_##map##_destroy##sfx(cc_##map##_t *m, smr_context_t *ctx);

#define CC_DS_DECLARE(sfx)                                                                              \
	cc_queue_t *cc_queue_create##sfx(smr_context_t *ctx);                                              \
	int cc_queue_enqueue##sfx(cc_queue_t *q, smr_context_t *ctx, uint64_t value);                       \
	bool cc_queue_dequeue##sfx(cc_queue_t *q, smr_context_t *ctx, uint64_t *out);                       \
	void cc_queue_destroy##sfx(cc_queue_t *q, smr_context_t *ctx);                                      \
	CC_DS_MAP_DECLARE(skiplist, sfx)                                                                    \
	CC_DS_MAP_DECLARE(bst, sfx)                                                                         \
	CC_DS_GMAP_DECLARE(omap, sfx)                                                                       \
	CC_DS_GMAP_DECLARE(otree, sfx)

CC_DS_DECLARE(__ibr)
CC_DS_DECLARE(__debra)
CC_DS_DECLARE(__debraplus)
CC_DS_DECLARE(__none)

#endif /* CCMEM_DS_INSTANCES_H */

/*
 * bench/ds_protos.h - prototypes of the src/ds structures as compiled against
 * the adapter included before this header (DS_FN names them, ds_ctx_t is the
 * adapter's handle): the same source, built once per peer (bench/CMakeLists).
 */
#ifndef CCMEM_BENCH_DS_PROTOS_H
#define CCMEM_BENCH_DS_PROTOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cc_queue cc_queue_t;
typedef struct cc_skiplist cc_skiplist_t;
typedef struct cc_bst cc_bst_t;

cc_queue_t *DS_FN(cc_queue_create)(ds_ctx_t *ctx);
int DS_FN(cc_queue_enqueue)(cc_queue_t *q, ds_ctx_t *ctx, uint64_t value);
bool DS_FN(cc_queue_dequeue)(cc_queue_t *q, ds_ctx_t *ctx, uint64_t *out);
void DS_FN(cc_queue_destroy)(cc_queue_t *q, ds_ctx_t *ctx);

#define DSB_MAP_PROTOS(X)                                                                              \
	cc_##X##_t *DS_FN(cc_##X##_create)(ds_ctx_t * ctx);                                                \
	int DS_FN(cc_##X##_insert)(cc_##X##_t * m, ds_ctx_t * ctx, uint64_t key, uint64_t value);          \
	int DS_FN(cc_##X##_remove)(cc_##X##_t * m, ds_ctx_t * ctx, uint64_t key, uint64_t * value_out);    \
	int DS_FN(cc_##X##_lookup)(cc_##X##_t * m, ds_ctx_t * ctx, uint64_t key, uint64_t * value_out);    \
	int DS_FN(cc_##X##_check)(cc_##X##_t * m, ds_ctx_t * ctx, size_t * count_out, uint64_t * keysum_out); \
	void DS_FN(cc_##X##_destroy)(cc_##X##_t * m, ds_ctx_t * ctx);
DSB_MAP_PROTOS(skiplist)
DSB_MAP_PROTOS(bst)

#endif

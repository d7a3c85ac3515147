/*
 * bench/pubq/pubq.h - one Michael-Scott queue written three times as a user
 * of each library writes it, for the "user's own structure" measurements
 * (issue 13): against ccmem's installed <ccmem/smr.h> only (pubq_smr.c; also
 * compiled once per scheme with SMR_SCHEME),
 * against ck_epoch (pubq_ck.c) and against liburcu memb (pubq_urcu.c).  The
 * three share the algorithm, the node layout (value, next) and the allocator
 * call (cc_alloc, mimalloc), so the reclamation API is the only difference.
 *
 * Concurrency: every function may run on any registered thread at once with
 * the others on the same queue; a context is its thread's own.  Errors: -1
 * with errno (ENOMEM) from create/enqueue.  Destroy frees the nodes still
 * linked, single-threaded, after every other thread has stopped.
 */
#ifndef CCMEM_BENCH_PUBQ_H
#define CCMEM_BENCH_PUBQ_H

#include <stdbool.h>
#include <stdint.h>

struct smr_context;  /* ccmem: smr_context_t */
struct dsb_ck_ctx;   /* bench/adapters/ck_epoch.h: a ck_epoch record and counters */
struct dsb_urcu_ctx; /* bench/adapters/urcu_memb.h: counters (liburcu keeps its own state) */

typedef struct pubq_smr pubq_smr_t;
typedef struct pubq_ck pubq_ck_t;
typedef struct pubq_urcu pubq_urcu_t;

/* ccmem, through the public header: smr_begin_op/end_op, smr_protect,
 * smr_alloc, smr_retire, and the restartable-region calls that the header
 * documents for DEBRA+ (a branch under the other schemes). */
pubq_smr_t *pubq_smr_create(struct smr_context *ctx);
int pubq_smr_enqueue(pubq_smr_t *q, struct smr_context *ctx, uint64_t value);
bool pubq_smr_dequeue(pubq_smr_t *q, struct smr_context *ctx, uint64_t *out);

/* The same source compiled once per scheme with smr.h's SMR_SCHEME (the
 * inline calls fold to that scheme; smr_begin_op aborts on a context of
 * another scheme). */
#define PUBQ_SMR_PER_SCHEME(sfx)                                                                       \
	pubq_smr_t *pubq_smr_##sfx##_create(struct smr_context *ctx);                                      \
	int pubq_smr_##sfx##_enqueue(pubq_smr_t *q, struct smr_context *ctx, uint64_t value);              \
	bool pubq_smr_##sfx##_dequeue(pubq_smr_t *q, struct smr_context *ctx, uint64_t *out);
PUBQ_SMR_PER_SCHEME(ibr)
PUBQ_SMR_PER_SCHEME(debra)
PUBQ_SMR_PER_SCHEME(debraplus)
PUBQ_SMR_PER_SCHEME(none)

/* ck_epoch: ck_epoch_begin/end, the ck_epoch_entry_t inside the node,
 * ck_epoch_call per retire and ck_epoch_poll every PUBQ_CK_POLL_EVERY
 * operations of the thread. */
#define PUBQ_CK_POLL_EVERY 128
pubq_ck_t *pubq_ck_create(struct dsb_ck_ctx *ctx);
int pubq_ck_enqueue(pubq_ck_t *q, struct dsb_ck_ctx *ctx, uint64_t value);
bool pubq_ck_dequeue(pubq_ck_t *q, struct dsb_ck_ctx *ctx, uint64_t *out);

/* liburcu memb: rcu_read_lock/unlock (inlined), the rcu_head inside the
 * node, call_rcu per retire (liburcu's worker thread frees). */
pubq_urcu_t *pubq_urcu_create(struct dsb_urcu_ctx *ctx);
int pubq_urcu_enqueue(pubq_urcu_t *q, struct dsb_urcu_ctx *ctx, uint64_t value);
bool pubq_urcu_dequeue(pubq_urcu_t *q, struct dsb_urcu_ctx *ctx, uint64_t *out);

#endif

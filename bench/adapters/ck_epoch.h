/*
 * bench/adapters/ck_epoch.h - the src/ds reclamation seam (src/ds/reclaim.h)
 * on Concurrency Kit's ck_epoch, as a CK user would write it.
 *
 *   ds_begin/ds_end    ck_epoch_begin/ck_epoch_end on the thread's record
 *   ds_protect         an acquire load (ck_epoch needs nothing per load)
 *   ds_alloc           cc_alloc(16 + size): a ck_epoch_entry_t header, then
 *                      the node (16-byte aligned, as smr_alloc's nodes, from
 *                      the same allocator call, so the allocator is the same
 *                      for every variant)
 *   ds_retire          ck_epoch_call, and ck_epoch_poll every
 *                      DSB_CK_POLL_EVERY retires (64: ccmem's empty_freq,
 *                      the period of its own reclamation passes; CK's own
 *                      regression polls after every call, which costs a
 *                      scan of every record per retire)
 *   checkpoint/reserve/write_phase: no-ops (DEBRA+ only)
 * Functions are renamed ck_<name> (DS_FN).  Retires and frees are counted in
 * the thread's dsb_cnt_t record (counters.h) for the pending figures.
 */
#ifndef CCMEM_BENCH_ADAPTER_CK_EPOCH_H
#define CCMEM_BENCH_ADAPTER_CK_EPOCH_H

#include <ck_epoch.h>

#include "ccmem/alloc.h"
#include "ccmem/atomic.h"
#include "counters.h"

#define DSB_CK_POLL_EVERY 64
#define DSB_CK_HDR 16

_Static_assert(sizeof(ck_epoch_entry_t) <= DSB_CK_HDR, "ck_epoch_entry_t fits the node header");

typedef struct dsb_ck_ctx {
	ck_epoch_record_t *rec;
	dsb_cnt_t *cnt;
	unsigned since_poll;
} ds_ctx_t;

#define DS_FN(name) ck_##name

static inline void dsb_ck_free_cb(ck_epoch_entry_t *e)
{
	/* ck_epoch_poll dispatches the caller's own record: the owner counts */
	dsb_cnt_add(&dsb_cnt_self()->freed, 1);
	cc_free_unsized(e);
}

static inline void *dsb_ck_alloc(size_t size)
{
	char *b = cc_alloc(DSB_CK_HDR + size);
	return b == NULL ? NULL : b + DSB_CK_HDR;
}

static inline void dsb_ck_retire(ds_ctx_t *c, void *node)
{
	if (node == NULL)
		return;
	ck_epoch_call(c->rec, (ck_epoch_entry_t *)(void *)((char *)node - DSB_CK_HDR), dsb_ck_free_cb);
	dsb_cnt_add(&c->cnt->retired, 1);
	if (++c->since_poll == DSB_CK_POLL_EVERY) {
		c->since_poll = 0;
		ck_epoch_poll(c->rec);
	}
}

#define ds_begin(c) ck_epoch_begin((c)->rec, NULL)
#define ds_end(c) ((void)ck_epoch_end((c)->rec, NULL))
/* acquire: the node's contents as published by its writer */
#define ds_protect(c, src) ((void)(c), cc_atomic_load_acquire_ptr((void *const *)(src)))
#define ds_alloc(c, size) ((void)(c), dsb_ck_alloc(size))
#define ds_retire(c, p, size) ((void)(size), dsb_ck_retire((c), (p)))
#define ds_checkpoint(c) ((void)(c))
#define ds_reserve(c, slot, p) ((void)(c), (void)(slot), (void)(p))
#define ds_write_phase(c) ((void)(c))

/* prototypes of the structures built on this adapter (-Wmissing-prototypes) */
#include "../ds_protos.h"

#endif

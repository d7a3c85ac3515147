/*
 * bench/adapters/urcu_memb.h - the src/ds reclamation seam (src/ds/reclaim.h)
 * on liburcu's memb flavour (sys_membarrier), as a liburcu user would write it.
 *
 *   ds_begin/ds_end    rcu_read_lock/rcu_read_unlock (inlined: _LGPL_SOURCE)
 *   ds_protect         an acquire load (rcu_dereference is a consume load)
 *   ds_alloc           cc_alloc(16 + size): a struct rcu_head header, then the
 *                      node (16-byte aligned, the same allocator call as
 *                      smr_alloc's)
 *   ds_retire          call_rcu: liburcu's call_rcu worker thread waits for a
 *                      grace period and frees (the peer's design: no
 *                      back-pressure, the retiring thread does no freeing)
 *   checkpoint/reserve/write_phase: no-ops (DEBRA+ only)
 * Functions are renamed urcu_<name> (DS_FN).  Each thread must have called
 * urcu_memb_register_thread.  Retires are counted in the thread's dsb_cnt_t
 * record, frees in the worker's (counters.h).
 */
#ifndef CCMEM_BENCH_ADAPTER_URCU_MEMB_H
#define CCMEM_BENCH_ADAPTER_URCU_MEMB_H

#ifndef _LGPL_SOURCE
#define _LGPL_SOURCE
#endif
#include <urcu/urcu-memb.h>

#include "ccmem/alloc.h"
#include "ccmem/atomic.h"
#include "counters.h"

#define DSB_URCU_HDR 16

_Static_assert(sizeof(struct rcu_head) <= DSB_URCU_HDR, "struct rcu_head fits the node header");

typedef struct dsb_urcu_ctx {
	dsb_cnt_t *cnt;
} ds_ctx_t;

#define DS_FN(name) urcu_##name

static inline void dsb_urcu_free_cb(struct rcu_head *h)
{
	dsb_cnt_add(&dsb_cnt_self()->freed, 1); /* the call_rcu worker's record */
	cc_free_unsized(h);
}

static inline void *dsb_urcu_alloc(size_t size)
{
	char *b = cc_alloc(DSB_URCU_HDR + size);
	return b == NULL ? NULL : b + DSB_URCU_HDR;
}

static inline void dsb_urcu_retire(ds_ctx_t *c, void *node)
{
	if (node == NULL)
		return;
	dsb_cnt_add(&c->cnt->retired, 1); /* before the callback can run and count the free */
	urcu_memb_call_rcu((struct rcu_head *)(void *)((char *)node - DSB_URCU_HDR), dsb_urcu_free_cb);
}

#define ds_begin(c) ((void)(c), urcu_memb_read_lock())
#define ds_end(c) ((void)(c), urcu_memb_read_unlock())
/* acquire: the node's contents as published by its writer */
#define ds_protect(c, src) ((void)(c), cc_atomic_load_acquire_ptr((void *const *)(src)))
#define ds_alloc(c, size) ((void)(c), dsb_urcu_alloc(size))
#define ds_retire(c, p, size) ((void)(size), dsb_urcu_retire((c), (p)))
#define ds_checkpoint(c) ((void)(c))
#define ds_reserve(c, slot, p) ((void)(c), (void)(slot), (void)(p))
#define ds_write_phase(c) ((void)(c))

/* prototypes of the structures built on this adapter (-Wmissing-prototypes) */
#include "../ds_protos.h"

#endif

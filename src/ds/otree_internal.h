/*
 * src/ds/otree_internal.h - what the files of the generic tree map
 * (ccmem/otree.h) share: node layout, probes and their routing, the search
 * record, the scan stack, and the functions one file defines for another.
 *
 *   otree.c       create, the single-key operations, the clean-up (updates)
 *   otree_scan.c  seek and scan: a search, then an in-order walk (reads)
 *   otree_walk.c  check and destroy (quiescent walks)
 *
 * Compiled once per scheme like every src/ds source (reclaim.h): the
 * cross-file functions carry the scheme's suffix (DS_FN) and are hidden.
 * Library build only (the tree needs smr_retire_cb); not installed.
 */
#ifndef CCMEM_DS_OTREE_INTERNAL_H
#define CCMEM_DS_OTREE_INTERNAL_H

#include "reclaim.h"

#if CC_DS_LIBRARY
#include "ccmem/otree.h"

/* Edge bits (as in bst.c): FLAG, the leaf the edge points to is being
 * unlinked; TAG, the node holding the edge is being unlinked. */
#define OT_FLAG ((uintptr_t)1)
#define OT_TAG ((uintptr_t)2)
#define OT_BITS (OT_FLAG | OT_TAG)

/* Ranks order sentinels above every real key; a probe may also be below
 * everything (a scan from the first key). */
#define OT_BELOW (-1) /* probes only */
#define OT_REAL 0
#define OT_INF0 1
#define OT_INF1 2
#define OT_INF2 3

typedef struct ot_cell {
	const cc_omap_ops_t *ops; /* for the fini */
	void *value;              /* immutable */
} ot_cell_t;

/* One type for leaves and internal nodes (56 bytes). */
typedef struct ot_node {
	void *key;                /* real keys; immutable once published */
	const cc_omap_ops_t *ops; /* for the fini */
	ot_cell_t *val;           /* real leaves: the value cell, low bit set once removed; else NULL */
	void *child[2];           /* ot_node_t * | OT_FLAG | OT_TAG; [0] left, [1] right; NULL in leaves */
	uint64_t sum;             /* ops->summarize(key) of a real key, with key; meaningful when cls != 0 */
	uint16_t cls;             /* its class; 0: no summary (compare every time) */
	uint8_t leaf;             /* immutable */
	uint8_t rank;             /* OT_REAL or OT_INF0..2; immutable once published */
	uint8_t held;             /* the node holds a reference to key: its fini releases it */
} ot_node_t;

struct cc_otree {
	ot_node_t *r;             /* root, inf2: left s, right the leaf inf2; never changes */
	ot_node_t *s;             /* inf1: left the real keys (and the leaf inf0), right the leaf inf1 */
	const cc_omap_ops_t *ops;
	uint64_t size;            /* keys: +1 after a link, -1 after a value mark */
};

/* Where a search goes: a real key, or a rank (key unused).  At an internal
 * node that compares equal it goes right when tie_right, else left (a key
 * just below the probe). */
typedef struct ot_probe {
	const void *key;
	int rank;
	bool tie_right;
	uint64_t sum; /* key's summary (ops->summarize), meaningful when cls != 0 */
	uint16_t cls;
} ot_probe_t;

/* A probe for a real key, with its summary (class 0 without summarize). */
static inline ot_probe_t ot_key_probe(const cc_otree_t *m, const void *key, bool tie_right)
{
	ot_probe_t p = {key, OT_REAL, tie_right, 0, 0};
	if (m->ops->summarize != NULL)
		p.sum = m->ops->summarize(m->ops->arg, key, &p.cls);
	return p;
}

/* The probe for a real node's own key: its stored summary. */
static inline ot_probe_t ot_node_probe(const ot_node_t *n, bool tie_right)
{
	return (ot_probe_t){n->key, OT_REAL, tie_right, n->sum, n->cls};
}

/* Summaries of one class that differ order two real keys without a call
 * (and without loading either key): 0 when they decide nothing. */
static inline int ot_sum_order(const ot_node_t *n, const ot_probe_t *p)
{
	if (n->cls != 0 && n->cls == p->cls && n->sum != p->sum)
		return n->sum < p->sum ? -1 : 1;
	return 0;
}

/* A search's record (Natarajan-Mittal's, with the directions taken, so the
 * clean-up needs no comparison): ancestor -> successor is the last edge
 * above parent that was not tagged; pfield is parent -> leaf as read.  eq:
 * the key of an internal node that compared equal to the probe (when
 * eq_seen), so that a leaf holding that very key needs no comparison. */
typedef struct ot_seek {
	ot_node_t *ancestor, *successor, *parent, *leaf;
	int anc_dir, par_dir;
	void *pfield;
	const void *eq;
	bool eq_seen;
} ot_seek_t;

/* Scans: the internal nodes where the search turned `dir` (left, ascending;
 * right, descending), whose other subtree comes next in the walk.  The
 * deepest OT_STACK are kept; `dropped` says shallower ones were lost (the
 * walk then searches again from the root when the stack runs out). */
#define OT_STACK 64
typedef struct ot_stack {
	ot_node_t *node[OT_STACK];
	unsigned top, count;
	bool dropped;
	int dir;
} ot_stack_t;

/* ot_descend / ot_seek results */
#define OT_DONE 0
#define OT_RETRY 1
#define OT_FAILED 2

static inline ot_node_t *ot_addr(const void *edge) { return (ot_node_t *)((uintptr_t)edge & ~OT_BITS); }
static inline uintptr_t ot_bits(const void *edge) { return (uintptr_t)edge & OT_BITS; }
static inline bool ot_marked(const void *cell) { return ((uintptr_t)cell & 1u) != 0; }
static inline void *ot_mark(const void *cell) { return (void *)((uintptr_t)cell | 1u); }

static inline int ot_cmp(const cc_otree_t *m, const void *a, const void *b, bool *failed)
{
	bool f = false;
	int c = m->ops->compare(m->ops->arg, a, b, &f);
	if (f)
		*failed = true;
	return c;
}

/* Sign of (node - probe) at an internal node: ranks first, the comparator
 * between real keys (an equal one is remembered in s).  On failure *failed. */
static inline int ot_node_cmp(const cc_otree_t *m, const ot_node_t *n, const ot_probe_t *p, ot_seek_t *s,
                              bool *failed)
{
	if (n->rank != OT_REAL || p->rank != OT_REAL)
		return (int)n->rank - p->rank;
	int c = ot_sum_order(n, p);
	if (c != 0)
		return c;
	c = ot_cmp(m, n->key, p->key, failed);
	if (c == 0) {
		s->eq = n->key;
		s->eq_seen = true;
	}
	return c;
}

/* Sign of (leaf - probe) for the leaf a search ended at. */
static inline int ot_leaf_cmp(const cc_otree_t *m, const ot_node_t *leaf, const ot_probe_t *p, const ot_seek_t *s,
                              bool *failed)
{
	if (leaf->rank != OT_REAL || p->rank != OT_REAL)
		return (int)leaf->rank - p->rank;
	if (s->eq_seen && s->eq == leaf->key)
		return 0; /* the very key an internal node on the path compared equal */
	int c = ot_sum_order(leaf, p);
	return c != 0 ? c : ot_cmp(m, leaf->key, p->key, failed);
}

/* The value cell of a real leaf reached by a search, or NULL when removed.
 * An unmarked word proves the leaf unflagged, hence linked, when it was
 * read, so the cell was current then and is alive (the IBR rule). */
static inline ot_cell_t *ot_value(ds_ctx_t *ctx, ot_node_t *leaf)
{
	ot_cell_t *c = ds_protect(ctx, &leaf->val);
	return ot_marked(c) ? NULL : c;
}

static inline void ot_acquire(const cc_otree_t *m, void *key, void *value)
{
	if (m->ops->acquire != NULL)
		m->ops->acquire(m->ops->arg, key, value);
}

static inline void ot_push(ot_stack_t *st, ot_node_t *n)
{
	st->node[st->top % OT_STACK] = n;
	st->top++;
	if (st->count < OT_STACK)
		st->count++;
	else
		st->dropped = true; /* the shallowest entry was overwritten */
}

static inline ot_node_t *ot_pop(ot_stack_t *st)
{
	if (st->count == 0)
		return NULL;
	st->count--;
	st->top--;
	return st->node[st->top % OT_STACK];
}

#define ot_descend DS_FN(cc__otree_descend)
#define ot_seek DS_FN(cc__otree_seek)
#define ot_node_fini DS_FN(cc__otree_node_fini)
#define ot_cell_fini DS_FN(cc__otree_cell_fini)

#pragma GCC visibility push(hidden)
/* From top, whose edge top->child[dir] was read as `field` while top was
 * linked (a clean edge, or R -> S, which never changes), down to a leaf by
 * the probe's routing; fills *s, and pushes on st (unless NULL) every
 * internal node where it turned st->dir.  OT_DONE; OT_RETRY when an edge it
 * had to re-validate changed (start again from the root); OT_FAILED when a
 * comparison failed (*failed set).  Inside an operation; loads only. */
int ot_descend(const cc_otree_t *m, ds_ctx_t *ctx, ot_node_t *top, int dir, void *field, const ot_probe_t *p,
               ot_seek_t *s, ot_stack_t *st, bool *failed);
/* ot_descend from the root until it is not OT_RETRY (st emptied first). */
int ot_seek(const cc_otree_t *m, ds_ctx_t *ctx, const ot_probe_t *p, ot_seek_t *s, ot_stack_t *st, bool *failed);
/* smr_retire_cb finis: a node's key reference (when held), a cell's value. */
void ot_node_fini(void *node);
void ot_cell_fini(void *cell);
#pragma GCC visibility pop

#endif /* CC_DS_LIBRARY */
#endif /* CCMEM_DS_OTREE_INTERNAL_H */

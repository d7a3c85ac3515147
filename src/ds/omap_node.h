/*
 * src/ds/omap_node.h - the layout of the generic ordered map (ccmem/omap.h)
 * and what every part of it shares: nodes, value cells, search keys with
 * their summaries and hashes, the owner word that decides who retires a
 * node, the Harris cut of a removed node, and the release hooks.  Internal: included by src/ds/omap.c (the
 * skip list), omap_index.h (the hash index) and omap_check.c (check and
 * destroy), each compiled once per scheme (reclaim.h).
 */
#ifndef CCMEM_DS_OMAP_NODE_H
#define CCMEM_DS_OMAP_NODE_H

#include <errno.h>

#include "reclaim.h"
#include "ccmem/omap.h"

/* Levels of the tallest tower: 2^24 keys before searches lose their
 * logarithmic cost. */
#define OM_MAX 24

/*
 * The owner word (om_node.done).  A node is retired by exactly one thread:
 * the one whose atomic add leaves the word at OM_DEAD.
 *   OM_INSERTED  the inserter has stopped linking upper levels   (once)
 *   OM_REMOVED   the remover has marked the value word and tower (once)
 *   OM_UNLINKED  the second of those two has made the node unreachable
 *                from the list at every level                     (once)
 *   OM_PIN       one per hash-index slot that names the node (omap_index.h);
 *                taken only while OM_REMOVED is clear, dropped when the slot
 *                lets go of the node
 * So a node leaves the list first, the index second, and is retired when
 * both are done, by whichever came last.
 */
#define OM_INSERTED 1u
#define OM_REMOVED 2u
#define OM_UNLINKED 4u
#define OM_PIN 8u
#define OM_DEAD (OM_INSERTED | OM_REMOVED | OM_UNLINKED)

typedef struct om_cell {
	const cc_omap_ops_t *ops; /* for the fini */
	void *value;              /* immutable */
} om_cell_t;

typedef struct om_node {
	void *key;                /* immutable */
	const cc_omap_ops_t *ops; /* for the fini */
	struct om_cell *val;      /* the value cell; low bit set: removed */
	uint64_t sum;             /* ops->summarize(key), immutable; meaningful when cls != 0 */
	uint16_t cls;             /* its class; 0: no summary (compare every time) */
	uint16_t height;          /* levels allocated, 1..OM_MAX */
	uint32_t done;            /* the owner word above, by atomic add / CAS */
	uint32_t linked;          /* levels the inserter linked; final once OM_INSERTED is set */
	uint32_t links;           /* >= the levels where the node is linked now */
	struct om_node *next[];   /* low bit set: this node is removed at that level */
} om_node_t;

/* The hash index (omap_index.h says how it works). */
typedef struct om_table {
	uint64_t mask;        /* buckets - 1; buckets a power of two */
	om_node_t *slot[];    /* two per bucket: NULL, a pinned node, or OM_CLOSED */
} om_table_t;

/* A slot of a replaced table: takes no put any more.  Never a node address
 * (nodes are 16-byte aligned). */
#define OM_CLOSED ((om_node_t *)(uintptr_t)1)

/* Buckets of a new map's index. */
#define OM_TABLE_MIN 16u

static inline size_t omx_bytes(uint64_t buckets)
{
	return sizeof(om_table_t) + 2 * (size_t)buckets * sizeof(om_node_t *);
}

static inline om_node_t **omx_bucket(om_table_t *t, uint64_t hash)
{
	return &t->slot[2 * (hash & t->mask)];
}

struct cc_omap {
	om_node_t *head;          /* a tower of OM_MAX levels, never compared */
	const cc_omap_ops_t *ops;
	uint64_t size;            /* keys: +1 after a level-0 link, -1 after a value mark */
	om_table_t *index;        /* the hash index; NULL without ops->hash */
};

/* A search key with its summary and hash, computed once per operation. */
typedef struct om_key {
	const void *key;
	uint64_t sum;
	uint64_t hash;
	uint16_t cls;
	bool hashed; /* hash is valid: the key can be found through the index */
} om_key_t;

static inline bool om_marked(const void *p) { return ((uintptr_t)p & 1u) != 0; }
static inline void *om_unmark(const void *p) { return (void *)((uintptr_t)p & ~(uintptr_t)1); }
static inline void *om_mark(const void *p) { return (void *)((uintptr_t)p | 1u); }

static inline size_t om_node_size(uint32_t height)
{
	return sizeof(om_node_t) + (size_t)height * sizeof(om_node_t *);
}

/* ---- release hooks (run by SMR when it frees, on any thread) ----------------- */

static inline void om_node_fini(void *p)
{
	om_node_t *n = p;
	if (n->ops->release != NULL)
		n->ops->release(n->ops->arg, n->key, NULL);
}

static inline void om_cell_fini(void *p)
{
	om_cell_t *c = p;
	if (c->ops->release != NULL)
		c->ops->release(c->ops->arg, NULL, c->value);
}

/* An allocation never published (no reference was taken): no release. */
static inline void om_discard(ds_ctx_t *ctx, void *p, size_t size)
{
	int saved = errno;
	ds_retire(ctx, p, size);
	errno = saved;
}

/* ---- keys ---------------------------------------------------------------------- */

static inline int om_cmp(const cc_omap_t *m, const void *a, const void *b, bool *failed)
{
	bool f = false;
	int c = m->ops->compare(m->ops->arg, a, b, &f);
	if (f)
		*failed = true;
	return c;
}

/* true with *h when the key has a hash (an index exists and ops->hash gave one) */
static inline bool om_hash(const cc_omap_t *m, const void *key, uint64_t *h)
{
	return m->ops->hash != NULL && m->ops->hash(m->ops->arg, key, h);
}

/* key with its summary (class 0 without ops->summarize) and, when `hashed`
 * is asked for, its hash (none without ops->hash) */
static inline om_key_t om_key(const cc_omap_t *m, const void *key, bool hashed)
{
	om_key_t k = {key, 0, 0, 0, false};
	if (m->ops->summarize != NULL)
		k.sum = m->ops->summarize(m->ops->arg, key, &k.cls);
	if (hashed)
		k.hashed = om_hash(m, key, &k.hash);
	return k;
}

/* The order of a node's key against a search key: from the summaries when
 * they are of one class and differ (no call, no load of the key), else
 * from the comparator. */
static inline int om_order(const cc_omap_t *m, const om_node_t *n, const om_key_t *k, bool *failed)
{
	if (n->cls != 0 && n->cls == k->cls && n->sum != k->sum)
		return n->sum < k->sum ? -1 : 1;
	return om_cmp(m, n->key, k->key, failed);
}

/* ---- values ---------------------------------------------------------------------- */

/* The value cell of a node reached by a search or the index, or NULL when
 * the node is removed.  An unmarked word proves the node linked when it was
 * read, so the cell is alive (the IBR rule). */
static inline om_cell_t *om_value(ds_ctx_t *ctx, om_node_t *node)
{
	om_cell_t *c = ds_protect(ctx, &node->val);
	return om_marked(c) ? NULL : c;
}

static inline void om_acquire(cc_omap_t *m, void *key, void *value)
{
	if (m->ops->acquire != NULL)
		m->ops->acquire(m->ops->arg, key, value);
}

/* ---- links ---------------------------------------------------------------------- */

/* Unlinks `node` (marked at lvl) from pred at lvl; true when this CAS did. */
static inline bool om_cut(om_node_t *pred, om_node_t *node, om_node_t *succ, int lvl)
{
	/* seq_cst CAS: pred still names node unmarked, so pred is linked and
	 * node's successor (frozen by its mark) is still node's */
	if (!cc_atomic_cas_ptr((void **)&pred->next[lvl], node, succ))
		return false;
	/* seq_cst add: after the cut; the last owner's acquire load of links
	 * (om_unlink) pairs with it */
	cc_atomic_faa_u32(&node->links, (uint32_t)-1);
	return true;
}

/* ---- the owner word ---------------------------------------------------------------- */

/* Adds OM_INSERTED or OM_REMOVED; true when the other one was already
 * there (the caller is second: it unlinks the node, then om_drop(UNLINKED)). */
static inline bool om_owner_done(om_node_t *node, uint32_t flag)
{
	/* seq_cst add: orders this owner's last link, cut or mark before the
	 * other owner's clean-up pass (its add reads ours) */
	uint32_t old = cc_atomic_faa_u32(&node->done, flag);
	return (old & (OM_INSERTED | OM_REMOVED) & ~flag) != 0;
}

/* Adds OM_UNLINKED (delta OM_UNLINKED) or drops a pin (delta -OM_PIN), and
 * retires the node when that leaves the word at OM_DEAD: exactly one call
 * does.  Inside an operation. */
static inline void om_drop(ds_ctx_t *ctx, om_node_t *node, uint32_t delta)
{
	/* seq_cst add: every pin taken and dropped, and the unlink, come before
	 * the add that finds the word dead */
	uint32_t old = cc_atomic_faa_u32(&node->done, delta);
	if (old + delta == OM_DEAD)
		ds_retire_cb(ctx, node, om_node_size(node->height), om_node_fini);
}

/* Takes a pin unless the node is removed (then it may be retired at any
 * time after, and must not be named anywhere new).  The caller holds the
 * node through its operation (reached unmarked, so not retired yet). */
static inline bool om_pin(om_node_t *node)
{
	for (;;) {
		/* relaxed: only a snapshot for the CAS, which decides */
		uint32_t old = cc_atomic_load_relaxed_u32(&node->done);
		if (old & OM_REMOVED)
			return false;
		/* seq_cst CAS: fails if OM_REMOVED (or anything) was added since */
		if (cc_atomic_cas_u32(&node->done, old, old + OM_PIN))
			return true;
	}
}

#endif /* CCMEM_DS_OMAP_NODE_H */

/*
 * src/ds/omap_index.h - the hash index of the generic ordered map
 * (ccmem/omap.h, "Hash index"): a lossy table of two-slot buckets naming the
 * nodes of recently inserted or looked-up keys, so that a lookup or replace
 * of a present key needs no search.  Internal to src/ds/omap.c (static
 * functions, compiled once per scheme with it).
 *
 * Safety.  A slot names only a node that holds a pin for it (OM_PIN in the
 * owner word, omap_node.h), and a node is retired only once it has no pin,
 * so a node loaded from a slot inside an operation is live memory, as one
 * loaded from a list link is.  A pin is taken only while the node is not
 * removed (om_pin), by a thread that reached the node unmarked in its own
 * operation.  A node whose value word is marked may still sit in a slot for
 * a moment; whoever meets it there takes it out (omx_evict).
 *
 * No removed node stays in a slot once the operations touching it have
 * returned: a put (or a move into a grown table) CASes the slot, then reads
 * the node's value word; a remove CASes the value word (its mark), then
 * reads the bucket, in every table it finds installed until the index
 * pointer reads the same twice.  Each CAS is a full fence (atomic.h), so at
 * least one of the two sees the other's write, and that one takes the node
 * out.  cc_omap_check counts the pins to prove it.
 *
 * Growth.  When the keys outnumber the buckets, the inserter that notices
 * installs a table of twice the buckets by CAS (the loser discards its
 * own), swaps every old slot for OM_CLOSED (a closed slot takes no put)
 * dropping its pin, retires the old table through SMR (readers may still be
 * in it), and fills the new one from level 0 of the list: so a key that a
 * full bucket cost its slot is named again at each doubling, and about 95 %
 * of the keys are named (two ways, one to two buckets per key).
 */
#ifndef CCMEM_DS_OMAP_INDEX_H
#define CCMEM_DS_OMAP_INDEX_H

#include <string.h>

#include "omap_node.h"

/* An empty table from smr_alloc (it is retired through SMR when replaced),
 * NULL with errno ENOMEM. */
static om_table_t *omx_new(ds_ctx_t *ctx, uint64_t buckets)
{
	om_table_t *t = ds_alloc(ctx, omx_bytes(buckets));
	if (t != NULL) {
		t->mask = buckets - 1;
		memset(t->slot, 0, 2 * (size_t)buckets * sizeof(om_node_t *));
	}
	return t;
}

/* Takes x out of slot s if s still names it, dropping the slot's pin. */
static inline void omx_evict(ds_ctx_t *ctx, om_node_t **s, om_node_t *x)
{
	/* seq_cst CAS: only one thread takes x out of s, and drops the pin */
	if (cc_atomic_cas_ptr((void **)s, x, NULL))
		om_drop(ctx, x, (uint32_t)-OM_PIN);
}

/* After a CAS that made s name x: if x was removed meanwhile, out again
 * (the remover may have read the bucket before our CAS). */
static inline void omx_recheck(ds_ctx_t *ctx, om_node_t **s, om_node_t *x)
{
	/* acquire load after our seq_cst CAS (a full fence): pairs with the
	 * remover's marking CAS followed by its read of the bucket (omx_forget) */
	if (om_marked(cc_atomic_load_acquire_ptr((void *const *)&x->val)))
		omx_evict(ctx, s, x);
}

/* The key's node through the index: 1 with *node and *cell (its value word
 * read unmarked: the key was present then), 0 when the index does not
 * name it (search), -1 when a comparison failed.  Inside an operation. */
static int omx_get(cc_omap_t *m, ds_ctx_t *ctx, const om_key_t *k, om_node_t **node, om_cell_t **cell,
                   bool *failed)
{
	if (!k->hashed)
		return 0;
	om_table_t *t = ds_protect(ctx, &m->index);
	om_node_t **b = omx_bucket(t, k->hash);
	for (int w = 0; w < 2; w++) {
		om_node_t *x = ds_protect(ctx, &b[w]);
		if (x == NULL || x == OM_CLOSED)
			continue;
		int c = om_order(m, x, k, failed);
		if (*failed)
			return -1;
		if (c != 0)
			continue;
		om_cell_t *v = om_value(ctx, x);
		if (v == NULL) {
			omx_evict(ctx, &b[w], x); /* removed: the search decides */
			return 0;
		}
		*node = x;
		*cell = v;
		return 1;
	}
	return 0;
}

/* Names x (reached unmarked in this operation; hash that of x's own key)
 * in its bucket: an empty slot, else one chosen by a bit of x's address.
 * Nothing when the bucket names it already, is closed, or x is removed. */
static void omx_put(cc_omap_t *m, ds_ctx_t *ctx, om_node_t *x, uint64_t hash)
{
	om_table_t *t = ds_protect(ctx, &m->index);
	om_node_t **b = omx_bucket(t, hash);
	om_node_t *a0 = ds_protect(ctx, &b[0]), *a1 = ds_protect(ctx, &b[1]);
	if (a0 == x || a1 == x || a0 == OM_CLOSED || a1 == OM_CLOSED)
		return;
	int w = a0 == NULL ? 0 : a1 == NULL ? 1 : (int)(((uintptr_t)x >> 4 ^ (uintptr_t)x >> 9) & 1u);
	om_node_t *old = w == 0 ? a0 : a1;
	if (!om_pin(x))
		return;
	/* seq_cst CAS: x's pin before the slot names it; the old node's pin is
	 * ours to drop once the slot no longer names it */
	if (!cc_atomic_cas_ptr((void **)&b[w], old, x)) {
		om_drop(ctx, x, (uint32_t)-OM_PIN);
		return;
	}
	if (old != NULL)
		om_drop(ctx, old, (uint32_t)-OM_PIN);
	omx_recheck(ctx, &b[w], x);
}

/* Takes the removed node x (its value word marked by the caller) out of
 * the bucket of its own key (whatever key the caller searched for: a
 * comparator that is not a total order may have led it to another node), in
 * every table installed until the index pointer reads the same twice (a
 * grow may be moving it). */
static void omx_forget(cc_omap_t *m, ds_ctx_t *ctx, om_node_t *x)
{
	uint64_t h;
	if (!om_hash(m, x->key, &h)) /* no hash: never indexed */
		return;
	om_table_t *t = ds_protect(ctx, &m->index);
	for (;;) {
		om_node_t **b = omx_bucket(t, h);
		for (int w = 0; w < 2; w++) {
			/* acquire load after the marking CAS (a full fence): pairs with
			 * the put's CAS followed by its read of the value word */
			if (ds_protect(ctx, &b[w]) == x)
				omx_evict(ctx, &b[w], x);
		}
		om_table_t *again = ds_protect(ctx, &m->index);
		if (again == t)
			return;
		t = again;
	}
}

/* Names the live node x in an empty slot of its bucket in t (a table
 * being filled by omx_grow); nothing when both are taken or x is removed. */
static void omx_fill(cc_omap_t *m, ds_ctx_t *ctx, om_table_t *t, om_node_t *x)
{
	uint64_t h;
	if (!om_hash(m, x->key, &h) || !om_pin(x))
		return;
	om_node_t **b = omx_bucket(t, h);
	for (int w = 0; w < 2; w++) {
		/* seq_cst CAS: x's pin before the slot names it */
		if (cc_atomic_cas_ptr((void **)&b[w], NULL, x)) {
			omx_recheck(ctx, &b[w], x);
			return;
		}
	}
	om_drop(ctx, x, (uint32_t)-OM_PIN);
}

/* Doubles the index if the keys outnumber its buckets (see the top).
 * Called by an inserter after its size add; ENOMEM leaves it as it is. */
static void omx_grow(cc_omap_t *m, ds_ctx_t *ctx, uint64_t keys)
{
	om_table_t *t = ds_protect(ctx, &m->index);
	uint64_t buckets = t->mask + 1;
	/* signed: the count is below 0 for a moment when removers of fresh keys
	 * subtract before their inserters add */
	if ((int64_t)keys <= (int64_t)buckets)
		return;
	int saved = errno;
	om_table_t *nt = omx_new(ctx, 2 * buckets);
	errno = saved;
	if (nt == NULL)
		return;
	/* IBR: nt was born in the current epoch, maybe after our reservation's
	 * upper bound; this protected load raises the bound past its birth, so
	 * nt stays ours to fill even if another grower replaces and retires it
	 * meanwhile.  A changed index: another grower won. */
	if (ds_protect(ctx, &m->index) != t ||
	    /* seq_cst CAS (release): the new table's empty slots before it is seen */
	    !cc_atomic_cas_ptr((void **)&m->index, t, nt)) {
		om_discard(ctx, nt, omx_bytes(2 * buckets)); /* another grower won */
		return;
	}
	for (uint64_t i = 0; i < 2 * buckets; i++) {
		/* seq_cst swap: the slot's node (and its pin) is ours; no put lands
		 * here after it */
		om_node_t *x = cc_atomic_fas_ptr((void **)&t->slot[i], OM_CLOSED);
		if (x != NULL)
			om_drop(ctx, x, (uint32_t)-OM_PIN);
	}
	ds_retire(ctx, t, omx_bytes(buckets)); /* readers may still be in it */
	/* Fill the new table from level 0 of the list, so that keys the old one
	 * had lost to full buckets are named again.  The walk follows a link
	 * only when read unmarked (the IBR rule), cuts removed nodes on its way
	 * (Harris), and starts over from the head when a cut fails. */
restart:;
	om_node_t *pred = m->head;
	om_node_t *curr = ds_protect(ctx, &pred->next[0]); /* the head is never marked */
	while (curr != NULL) {
		om_node_t *next = ds_protect(ctx, &curr->next[0]);
		if (om_marked(next)) {
			if (!om_cut(pred, curr, om_unmark(next), 0))
				goto restart;
			curr = ds_protect(ctx, &pred->next[0]);
			if (om_marked(curr))
				goto restart; /* pred removed meanwhile */
			continue;
		}
		if (om_value(ctx, curr) != NULL)
			omx_fill(m, ctx, nt, curr);
		pred = curr;
		curr = next;
	}
}

#endif /* CCMEM_DS_OMAP_INDEX_H */

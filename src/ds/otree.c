/*
 * src/ds/otree.c - the generic tree map of ccmem/otree.h: the search, the
 * clean-up, and the single-key operations (create, insert, replace,
 * replace_if, remove, lookup, size).  Natarajan and Mittal's external BST of
 * src/ds/bst.c over opaque keys ordered by a comparator that may fail, with
 * value cells and reference hooks as src/ds/omap.c.  Seek and scan are in
 * otree_scan.c, check and destroy in otree_walk.c (otree_internal.h).
 *
 * Differences from bst.c, and why:
 *
 *   Values live in cells (as omap.c): a leaf's value word points to a cell
 *   {value} allocated before the leaf is published; replace swaps the word by
 *   CAS and retires the old cell.  A reader that read the word unmarked
 *   inside its operation keeps the cell alive under IBR too: the cell was
 *   born before it was published.
 *
 *   The remove linearises at the CAS that marks the value word (Java's
 *   ConcurrentSkipListMap's rule), so a replace can no longer succeed on the
 *   removed leaf; the winner retires the final cell.  Only a marked leaf is
 *   ever flagged: by its remover, or by an insert or remove whose search
 *   ends at it (ot_help), so an unmarked value word proves the leaf linked.
 *   Two leaves of one key are never linked together: an insert that meets
 *   its key's marked leaf helps unlink it and searches again.
 *
 *   Searches record the direction they took at the ancestor and at the
 *   parent; the clean-up tags and swings by those directions, and the
 *   retirement of an unlinked path tells its edges apart by their bits (the
 *   path's edges are tagged and point to internal nodes, the other edge of
 *   each is flagged and points to a leaf) and the parent by identity.  So
 *   nothing after a remove's linearisation point compares keys except a
 *   search again when a concurrent update moved the leaf before it could be
 *   flagged; if that comparison fails the leaf stays linked, marked, for a
 *   later operation or destroy (ccmem/otree.h).
 *
 *   Internal nodes copy the key they route by (the new key, or the key of
 *   the leaf they split) and take their own reference to it through
 *   ops->acquire just before the CAS that would publish them (released at
 *   once if the CAS fails and the next attempt copies another key); their
 *   fini releases it.
 *
 * IBR: as bst.c.  A clean edge read out of a node proves that node linked
 * then; a node reached through a marked edge is dereferenced only after the
 * last clean edge above it is re-read unchanged, else the search restarts.
 * The clean-up dereferences only the nodes of its search record and the
 * nodes its own CAS unlinked.  No restartable region: the DEBRA+ instance
 * only refuses to create a map.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "otree_internal.h"

#if CC_DS_LIBRARY

static size_t ot_node_size(void) { return sizeof(ot_node_t); }

void ot_node_fini(void *p)
{
	ot_node_t *n = p;
	if (n->held && n->ops->release != NULL)
		n->ops->release(n->ops->arg, n->key, NULL);
}

void ot_cell_fini(void *p)
{
	ot_cell_t *c = p;
	if (c->ops->release != NULL)
		c->ops->release(c->ops->arg, NULL, c->value);
}

/* An allocation never published (no reference in it): no release. */
static void ot_discard(ds_ctx_t *ctx, void *p, size_t size)
{
	int saved = errno;
	ds_retire(ctx, p, size);
	errno = saved;
}

static inline int ot_canceled(bool *cmp_failed)
{
	if (cmp_failed != NULL)
		*cmp_failed = true;
	errno = ECANCELED;
	return -1;
}

/* ---- the search ------------------------------------------------------------- */

int ot_descend(const cc_otree_t *m, ds_ctx_t *ctx, ot_node_t *top, int dir, void *field, const ot_probe_t *p,
               ot_seek_t *s, ot_stack_t *st, bool *failed)
{
	ot_node_t *anc = top, *par = top, *cur = ot_addr(field), *succ = cur;
	ot_node_t *va = top, *vs = cur; /* the last clean edge followed: va -> vs */
	int anc_dir = dir, par_dir = dir, va_dir = dir;
	void *pfield = field;
	s->eq_seen = false;
	while (!cur->leaf) {
		int c = ot_node_cmp(m, cur, p, s, failed);
		if (*failed)
			return OT_FAILED;
		int d = c < 0 || (c == 0 && p->tie_right);
		if (st != NULL && d == st->dir)
			ot_push(st, cur);
		/* acquire (smr_protect): the child's fields as published by the
		 * CAS that linked it; the same for every load below */
		void *cfield = ds_protect(ctx, &cur->child[d]);
		ot_node_t *next = ot_addr(cfield);
		if (ot_bits(cfield) == 0) {
			va = cur; /* cur was linked when this clean edge was read */
			va_dir = d;
			vs = next;
		} else if (ds_protect(ctx, &va->child[va_dir]) != vs) {
			/* va -> vs changed: the frozen path below it may be unlinked and
			 * next reclaimed (IBR); this load is ordered after cfield's */
			return OT_RETRY;
		}
		if (!((uintptr_t)pfield & OT_TAG)) {
			anc = par;
			anc_dir = par_dir;
			succ = cur;
		}
		par = cur;
		par_dir = d;
		pfield = cfield;
		cur = next;
	}
	s->ancestor = anc;
	s->anc_dir = anc_dir;
	s->successor = succ;
	s->parent = par;
	s->par_dir = par_dir;
	s->leaf = cur;
	s->pfield = pfield;
	return OT_DONE;
}

int ot_seek(const cc_otree_t *m, ds_ctx_t *ctx, const ot_probe_t *p, ot_seek_t *s, ot_stack_t *st, bool *failed)
{
	for (;;) {
		if (st != NULL) {
			st->top = st->count = 0;
			st->dropped = false;
		}
		/* R -> S is clean and never changes */
		int r = ot_descend(m, ctx, m->r, 0, m->s, p, s, st, failed);
		if (r != OT_RETRY)
			return r;
	}
}

/* ---- clean-up (no comparison) ------------------------------------------------ */

static void ot_corrupt(const char *what, const ot_node_t *n)
{
	fprintf(stderr, "ccmem otree: corrupted tree: %s (node %p)\n", what, (const void *)n);
	abort();
}

/* Retires what a successful clean-up CAS unlinked: the path successor ..
 * parent and the flagged leaf off each node of it; `moved` is the parent's
 * child that moved up.  Each path node but the parent has its path edge
 * tagged (to an internal node) and its other edge flagged (to a leaf); the
 * edges are frozen, so these loads return what they held at the unlink.
 * Every flagged leaf was marked before it was flagged, so its last cell was
 * retired by its remover: the leaf's fini releases its key only. */
static void ot_retire_unlinked(ds_ctx_t *ctx, ot_node_t *succ, ot_node_t *par, ot_node_t *moved)
{
	ot_node_t *n = succ;
	for (;;) {
		void *l = ds_protect(ctx, &n->child[0]);
		void *r = ds_protect(ctx, &n->child[1]);
		void *off, *next;
		if (n == par) {
			bool left_moved = ot_addr(l) == moved;
			off = left_moved ? r : l;
			next = left_moved ? l : r;
			if (ot_addr(next) != moved)
				ot_corrupt("clean-up: the moved edge left the parent", n);
		} else {
			bool lf = ((uintptr_t)l & OT_FLAG) != 0, rf = ((uintptr_t)r & OT_FLAG) != 0;
			if (lf == rf)
				ot_corrupt("clean-up: a path node without exactly one flagged edge", n);
			off = lf ? l : r;
			next = lf ? r : l;
			if (!((uintptr_t)next & OT_TAG) || ot_addr(next) == NULL || ot_addr(next)->leaf)
				ot_corrupt("clean-up: untagged edge inside the unlinked path", n);
		}
		ot_node_t *leaf = ot_addr(off);
		if (!((uintptr_t)off & OT_FLAG) || leaf == NULL || !leaf->leaf ||
		    (leaf->rank == OT_REAL && !ot_marked(ds_protect(ctx, &leaf->val))))
			ot_corrupt("clean-up: an unlinked node's other child is not a flagged, removed leaf", n);
		ds_retire_cb(ctx, leaf, ot_node_size(), ot_node_fini);
		ds_retire_cb(ctx, n, ot_node_size(), ot_node_fini);
		if (n == par)
			return;
		n = ot_addr(next);
	}
}

/* The paper's clean-up: tags the edge of the parent that stays, then swings
 * ancestor's edge from successor to it.  Called only when the search saw the
 * edge parent -> leaf flagged or tagged.  True when this thread's CAS
 * unlinked the path (and it retired it). */
static bool ot_cleanup(ds_ctx_t *ctx, const ot_seek_t *s)
{
	ot_node_t *anc = s->ancestor, *succ = s->successor, *par = s->parent;
	void **succ_field = &anc->child[s->anc_dir];
	void **child_field = &par->child[s->par_dir];
	void **sib_field = &par->child[!s->par_dir];
	void *cv = ds_protect(ctx, child_field);
	if (!((uintptr_t)cv & OT_FLAG))
		sib_field = child_field; /* the leaf's edge was seen tagged: the sibling is the flagged one */
	void *sv = ds_protect(ctx, sib_field);
	while (!((uintptr_t)sv & OT_TAG)) {
		/* seq_cst CAS; on failure sv is what the field holds now */
		if (cc_atomic_cas_value_ptr(sib_field, &sv, (void *)((uintptr_t)sv | OT_TAG)))
			break;
	}
	sv = ds_protect(ctx, sib_field); /* tagged: final; the flag travels with it */
	ot_node_t *moved = ot_addr(sv);
	void *nv = (void *)((uintptr_t)moved | ((uintptr_t)sv & OT_FLAG));
	/* seq_cst CAS on the clean edge ancestor -> successor: the unlink; it
	 * orders every earlier store of the removed path before later readers */
	if (!cc_atomic_cas_ptr(succ_field, succ, nv))
		return false;
	ot_retire_unlinked(ctx, succ, par, moved);
	return true;
}

/* The search ended at a marked leaf: flag its edge if still clean, then run
 * the clean-up.  Any thread; the caller searches again afterwards. */
static void ot_help(ds_ctx_t *ctx, const ot_seek_t *s)
{
	ot_node_t *leaf = s->leaf;
	void *cv = s->pfield;
	if (ot_bits(cv) == 0) {
		/* seq_cst CAS: flags a clean edge to the leaf; fails when an insert
		 * split the edge (the leaf moved down) or a clean-up tagged it */
		if (!cc_atomic_cas_value_ptr(&s->parent->child[s->par_dir], &cv, (void *)((uintptr_t)leaf | OT_FLAG)) &&
		    (ot_addr(cv) != leaf || ot_bits(cv) == 0))
			return;
	}
	ot_cleanup(ctx, s);
}

/* After a remove's mark: until the leaf is unlinked (by this thread's
 * clean-up CAS or another's), flag it and clean up, searching again (with
 * the comparator) when an update moved it.  A failed comparison stops it:
 * the leaf stays linked and marked (*failed set). */
static void ot_unlink(const cc_otree_t *m, ds_ctx_t *ctx, const ot_probe_t *p, ot_node_t *leaf, ot_seek_t *s,
                      bool *failed)
{
	while (s->leaf == leaf) {
		void *cv = s->pfield;
		if (ot_bits(cv) == 0 &&
		    cc_atomic_cas_value_ptr(&s->parent->child[s->par_dir], &cv, (void *)((uintptr_t)leaf | OT_FLAG)))
			cv = (void *)((uintptr_t)leaf | OT_FLAG); /* seq_cst CAS: flagged by us */
		if (ot_addr(cv) == leaf && ((uintptr_t)cv & OT_FLAG)) {
			if (ot_cleanup(ctx, s))
				return; /* our CAS unlinked it */
		} else if (ot_addr(cv) == leaf && ((uintptr_t)cv & OT_TAG)) {
			ot_cleanup(ctx, s); /* its parent goes first; the leaf moves up */
		}
		/* else an insert split the edge: the leaf is one level down */
		if (ot_seek(m, ctx, p, s, NULL, failed) == OT_FAILED)
			return;
	}
	/* not reached by its key's search: a helper's clean-up unlinked it */
}

/* ---- the public functions ------------------------------------------------------ */

static ot_node_t *ot_sentinel(ds_ctx_t *ctx, const cc_omap_ops_t *ops, int rank, ot_node_t *l, ot_node_t *r)
{
	ot_node_t *n = ds_alloc(ctx, ot_node_size());
	if (n != NULL) {
		n->key = NULL;
		n->ops = ops;
		n->val = NULL;
		n->sum = 0;
		n->cls = 0; /* ranks decide: never a summary */
		n->child[0] = l;
		n->child[1] = r;
		n->leaf = l == NULL;
		n->rank = (uint8_t)rank;
		n->held = 0;
	}
	return n;
}

cc_otree_t *DS_FN(cc_otree_create)(ds_ctx_t *ctx, const cc_omap_ops_t *ops)
{
	if (ops == NULL || ops->compare == NULL || ctx == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if (CC_DS_SCHEME == SMR_DEBRA_PLUS) {
		errno = ENOTSUP; /* a restart could jump out of the comparator */
		return NULL;
	}
	cc_otree_t *m = cc_alloc(sizeof *m);
	if (m == NULL)
		return NULL;
	ot_node_t *l0 = ot_sentinel(ctx, ops, OT_INF0, NULL, NULL);
	ot_node_t *l1 = l0 ? ot_sentinel(ctx, ops, OT_INF1, NULL, NULL) : NULL;
	ot_node_t *l2 = l1 ? ot_sentinel(ctx, ops, OT_INF2, NULL, NULL) : NULL;
	ot_node_t *s = l2 ? ot_sentinel(ctx, ops, OT_INF1, l0, l1) : NULL;
	ot_node_t *r = s ? ot_sentinel(ctx, ops, OT_INF2, s, l2) : NULL;
	if (r == NULL) {
		ot_node_t *made[] = {l0, l1, l2, s};
		for (size_t i = 0; i < sizeof made / sizeof made[0]; i++)
			if (made[i] != NULL)
				ot_discard(ctx, made[i], ot_node_size());
		int e = errno;
		cc_free(m, sizeof *m);
		errno = e;
		return NULL;
	}
	m->r = r;
	m->s = s;
	m->ops = ops;
	m->size = 0;
	/* the caller publishes m to other threads (a release or stronger) */
	return m;
}

/* The search for p's key and the order of the leaf it ends at against it
 * (0: the key's leaf; 1 also when a comparison failed, *failed set).
 * Inside an operation. */
static int ot_locate(const cc_otree_t *m, ds_ctx_t *ctx, const ot_probe_t *p, ot_seek_t *s, bool *failed)
{
	if (ot_seek(m, ctx, p, s, NULL, failed) != OT_DONE)
		return 1;
	return ot_leaf_cmp(m, s->leaf, p, s, failed);
}

int DS_FN(cc_otree_lookup)(cc_otree_t *m, ds_ctx_t *ctx, const void *key, void **value_out, bool *cmp_failed)
{
	bool failed = false;
	ot_probe_t p = ot_key_probe(m, key, true);
	ot_seek_t s;
	ds_begin(ctx);
	int c = ot_locate(m, ctx, &p, &s, &failed);
	if (failed) {
		ds_end(ctx);
		return ot_canceled(cmp_failed);
	}
	ot_cell_t *cell = c == 0 ? ot_value(ctx, s.leaf) : NULL;
	if (cell != NULL && value_out != NULL) {
		*value_out = cell->value;
		ot_acquire(m, NULL, cell->value);
	}
	ds_end(ctx);
	if (cmp_failed != NULL)
		*cmp_failed = false;
	return cell != NULL;
}

/* Points the internal node ni (not yet published) at the key it routes by,
 * with its own reference when the map has acquire: released at once if it
 * held another key's (never published: ours to drop), acquired inside the
 * operation, while the key's leaf or the caller keeps the key alive. */
static void ot_route_by(const cc_otree_t *m, ot_node_t *ni, void *key, uint64_t sum, uint16_t cls, int rank)
{
	if (ni->held && (ni->key != key || rank != OT_REAL)) {
		if (m->ops->release != NULL)
			m->ops->release(m->ops->arg, ni->key, NULL);
		ni->held = 0;
	}
	if (rank == OT_REAL && m->ops->acquire != NULL && !ni->held) {
		m->ops->acquire(m->ops->arg, key, NULL);
		ni->held = 1;
	}
	ni->key = rank == OT_REAL ? key : NULL;
	ni->sum = sum;
	ni->cls = rank == OT_REAL ? cls : 0;
	ni->rank = (uint8_t)rank;
}

int DS_FN(cc_otree_insert)(cc_otree_t *m, ds_ctx_t *ctx, void *key, void *value, void **existing, bool *cmp_failed)
{
	bool failed = false;
	ot_probe_t p = ot_key_probe(m, key, true);
	ot_seek_t s;
	ot_node_t *nl = NULL, *ni = NULL;
	ot_cell_t *cell = NULL;
	int result;
	ds_begin(ctx);
	for (;;) {
		if (ot_seek(m, ctx, &p, &s, NULL, &failed) == OT_FAILED) {
			result = -2;
			break;
		}
		ot_node_t *leaf = s.leaf;
		int c = ot_leaf_cmp(m, leaf, &p, &s, &failed);
		if (failed) {
			result = -2;
			break;
		}
		if (leaf->rank == OT_REAL) {
			ot_cell_t *lc = ot_value(ctx, leaf);
			if (lc == NULL) {
				ot_help(ctx, &s); /* a removed leaf in our way: unlink it first */
				continue;
			}
			if (c == 0) {
				if (existing != NULL) {
					*existing = lc->value;
					ot_acquire(m, NULL, lc->value);
				}
				result = 0; /* present: linearised at the read of its value word */
				break;
			}
		}
		if (nl == NULL) {
			/* allocate once the key is known absent; kept for retries */
			cell = ds_alloc(ctx, sizeof *cell);
			nl = cell == NULL ? NULL : ds_alloc(ctx, ot_node_size());
			ni = nl == NULL ? NULL : ds_alloc(ctx, ot_node_size());
			if (ni == NULL) {
				result = -1; /* errno from the allocator */
				break;
			}
			cell->ops = m->ops;
			cell->value = value;
			nl->key = key;
			nl->sum = p.sum;
			nl->cls = p.cls;
			nl->ops = m->ops;
			nl->val = cell;
			nl->child[0] = nl->child[1] = NULL;
			nl->leaf = 1;
			nl->rank = OT_REAL;
			nl->held = 1; /* the caller's reference, taken at the link */
			ni->key = NULL;
			ni->sum = 0;
			ni->cls = 0;
			ni->ops = m->ops;
			ni->val = NULL;
			ni->leaf = 0;
			ni->rank = OT_REAL;
			ni->held = 0;
		}
		/* not yet published: plain stores; the CAS below releases them.  The
		 * new internal node routes by the larger of the two keys. */
		if (c > 0) {
			ot_route_by(m, ni, leaf->key, leaf->sum, leaf->cls, leaf->rank);
			ni->child[0] = nl;
			ni->child[1] = leaf;
		} else {
			ot_route_by(m, ni, key, p.sum, p.cls, OT_REAL);
			ni->child[0] = leaf;
			ni->child[1] = nl;
		}
		void **field = &s.parent->child[s.par_dir];
		/* seq_cst CAS on the clean edge parent -> leaf: the linearisation
		 * point; pairs with the acquire (smr_protect) of every search that
		 * reads the new edge */
		if (cc_atomic_cas_ptr(field, leaf, ni)) {
			result = 1;
			break;
		}
		void *cv = ds_protect(ctx, field);
		if (ot_addr(cv) == leaf && ot_bits(cv) != 0)
			ot_cleanup(ctx, &s); /* help the removal in our way, then again */
	}
	int e = errno;
	ds_end(ctx);
	if (result == 1) {
		cc_atomic_faa_u64(&m->size, 1); /* seq_cst add: atomicity only; read relaxed */
		if (cmp_failed != NULL)
			*cmp_failed = false;
		return 1;
	}
	/* never published: no reference in them but the routing copy's */
	if (ni != NULL && ni->held && m->ops->release != NULL)
		m->ops->release(m->ops->arg, ni->key, NULL);
	if (ni != NULL)
		ot_discard(ctx, ni, ot_node_size());
	if (nl != NULL)
		ot_discard(ctx, nl, ot_node_size());
	if (cell != NULL)
		ot_discard(ctx, cell, sizeof *cell);
	if (result == -2)
		return ot_canceled(cmp_failed);
	if (cmp_failed != NULL)
		*cmp_failed = false;
	errno = e;
	return result;
}

/* replace and replace_if: expected is compared when `conditional`. */
static int ot_replace(cc_otree_t *m, ds_ctx_t *ctx, const void *key, bool conditional, void *expected, void *value,
                      void **old, bool *cmp_failed)
{
	bool failed = false;
	ot_probe_t p = ot_key_probe(m, key, true);
	ot_seek_t s;
	ot_cell_t *fresh = NULL;
	ds_begin(ctx);
	int c = ot_locate(m, ctx, &p, &s, &failed);
	if (failed) {
		ds_end(ctx);
		return ot_canceled(cmp_failed);
	}
	if (cmp_failed != NULL)
		*cmp_failed = false;
	ot_node_t *leaf = s.leaf;
	/* acquire: the cell's fields as published by its writer */
	ot_cell_t *cv = c == 0 ? ds_protect(ctx, &leaf->val) : ot_mark(NULL);
	for (;;) {
		/* a marked word: removed (the key was absent at that moment) */
		if (ot_marked(cv) || (conditional && cv->value != expected)) {
			ds_end(ctx);
			if (fresh != NULL)
				ot_discard(ctx, fresh, sizeof *fresh);
			return 0;
		}
		if (fresh == NULL) {
			fresh = ds_alloc(ctx, sizeof *fresh); /* before the CAS: ENOMEM changes nothing */
			if (fresh == NULL) {
				ds_end(ctx);
				return -1;
			}
			fresh->ops = m->ops;
			fresh->value = value;
		}
		/* seq_cst CAS (release): the cell's fields before it is published;
		 * fails on a removed leaf's marked word.  The linearisation point. */
		if (cc_atomic_cas_value_ptr((void **)&leaf->val, (void **)&cv, fresh))
			break;
		cv = ds_protect(ctx, &leaf->val); /* another replace or the remove came first */
	}
	if (old != NULL) {
		*old = cv->value;
		ot_acquire(m, NULL, cv->value);
	}
	ds_retire_cb(ctx, cv, sizeof *cv, ot_cell_fini); /* unreachable since the CAS */
	ds_end(ctx);
	return 1;
}

int DS_FN(cc_otree_replace)(cc_otree_t *m, ds_ctx_t *ctx, const void *key, void *value, void **old,
                            bool *cmp_failed)
{
	return ot_replace(m, ctx, key, false, NULL, value, old, cmp_failed);
}

int DS_FN(cc_otree_replace_if)(cc_otree_t *m, ds_ctx_t *ctx, const void *key, void *expected, void *value,
                               bool *cmp_failed)
{
	return ot_replace(m, ctx, key, true, expected, value, NULL, cmp_failed);
}

int DS_FN(cc_otree_remove)(cc_otree_t *m, ds_ctx_t *ctx, const void *key, void **key_out, void **value_out,
                           bool *cmp_failed)
{
	bool failed = false;
	ot_probe_t p = ot_key_probe(m, key, true);
	ot_seek_t s;
	ds_begin(ctx);
	int c = ot_locate(m, ctx, &p, &s, &failed);
	if (failed) {
		ds_end(ctx);
		return ot_canceled(cmp_failed);
	}
	ot_node_t *leaf = s.leaf;
	ot_cell_t *cv = leaf->rank == OT_REAL ? ds_protect(ctx, &leaf->val) : ot_mark(NULL);
	for (;;) {
		if (ot_marked(cv)) { /* absent (or another remover came first) */
			if (leaf->rank == OT_REAL)
				ot_help(ctx, &s); /* a removed leaf on our path: unlink it */
			ds_end(ctx);
			if (cmp_failed != NULL)
				*cmp_failed = false;
			return 0;
		}
		if (c != 0) {
			ds_end(ctx);
			if (cmp_failed != NULL)
				*cmp_failed = false;
			return 0; /* another key's leaf: absent */
		}
		/* seq_cst CAS: the linearisation point; the winner owns the removal */
		if (cc_atomic_cas_value_ptr((void **)&leaf->val, (void **)&cv, ot_mark(cv)))
			break;
		cv = ds_protect(ctx, &leaf->val); /* a replace came first: its cell */
	}
	cc_atomic_faa_u64(&m->size, (uint64_t)-1); /* seq_cst add: atomicity only */
	if (key_out != NULL)
		*key_out = leaf->key;
	if (value_out != NULL)
		*value_out = cv->value;
	if (key_out != NULL || value_out != NULL)
		ot_acquire(m, key_out != NULL ? leaf->key : NULL, value_out != NULL ? cv->value : NULL);
	/* the marked word is never followed again: the cell is unreachable */
	ds_retire_cb(ctx, cv, sizeof *cv, ot_cell_fini);
	ot_unlink(m, ctx, &p, leaf, &s, &failed);
	ds_end(ctx);
	if (cmp_failed != NULL)
		*cmp_failed = failed;
	return 1;
}

size_t DS_FN(cc_otree_size)(const cc_otree_t *m)
{
	/* relaxed: a count, no data read through it; below 0 only while a
	 * removed insert has not yet added its 1 */
	int64_t n = (int64_t)cc_atomic_load_relaxed_u64(&m->size);
	return n < 0 ? 0 : (size_t)n;
}

#else
/* Built against a benchmark adapter: the generic tree needs smr_retire_cb. */
typedef int cc_otree_not_built_t;
#endif

/*
 * src/ds/omap.c - the generic ordered map of ccmem/omap.h: Fraser's skip list
 * of src/ds/skiplist.c over opaque keys and values, ordered by a caller
 * comparator that may fail, with reference-counting hooks (acquire/release).
 * Compiled once per scheme like the other structures (reclaim.h); the DEBRA+
 * instance only refuses to create a map.  Not built against the benchmark's
 * peer adapters (it needs smr_retire_cb).
 *
 * Differences from skiplist.c, and why:
 *
 *   Values live in cells.  A node's value word points to a cell {ops, value}
 *   allocated with smr_alloc before it is published.  replace swaps the word
 *   by CAS and retires the old cell, whose fini releases the old value: a
 *   reader that loaded the old cell inside its operation keeps it (and so the
 *   value it is about to acquire) alive, under IBR too, because the cell was
 *   born before any reader could load it (a value stored in the node itself
 *   could not be released safely under IBR: the cell retired for it would be
 *   born after the readers' reservations).
 *
 *   The remove's linearisation point is the CAS that marks the value word
 *   (low bit), as in Java's ConcurrentSkipListMap: a replace then can no
 *   longer succeed on the removed node.  The winner owns the removal; it
 *   retires the final cell and marks the tower top-down (level 0 included).
 *   An insert that finds its key's node logically removed helps mark the
 *   tower and searches again (the search cuts it), so two nodes of one key
 *   are never linked at level 0 together.  Every search keeps skiplist.c's
 *   IBR rule: a pointer is followed only when read unmarked out of a node, and
 *   a value cell only when the value word was read unmarked (the node was
 *   then not removed, hence linked).
 *
 *   Reachability is counted, not inferred from the order.  node.links is an
 *   upper bound on the levels where the node is linked: +1 before each link
 *   CAS (level 0 counts from the start), -1 after a link CAS that failed and
 *   after each successful cut.  The last owner (flags as in skiplist.c) runs
 *   the comparator search that cuts the node; if a comparison fails there, or
 *   the count is not 0 afterwards (a cutter between its CAS and its -1, or a
 *   comparator that is not a total order), it falls back to a comparator-free
 *   walk of each level from the head that cuts the node by identity.  So no
 *   node is retired while reachable, whatever the comparator answers.
 *
 *   Towers may end short: an insert whose upper-level search fails a
 *   comparison stops linking; node.linked records the levels it linked
 *   (levels 0..linked-1), which cc_omap_check verifies.
 *
 * Nodes and cells are released through smr_retire_cb; the fini finds the
 * ops through the pointer stored in the node or cell.
 */
#include <errno.h>
#include <limits.h>

#include "reclaim.h"
#include "height.h"

#if CC_DS_LIBRARY
#include "omap_node.h"
#include "omap_index.h"

/* A search's predecessors and successors, level by level. */
typedef struct om_path {
	om_node_t *pred[OM_MAX], *succ[OM_MAX];
} om_path_t;

/* om_search results */
#define OM_ABSENT 0
#define OM_FOUND 1
#define OM_CUT (-1)
#define OM_FAILED (-2)

/* om_search flags */
#define OM_PAST_EQUAL 1u /* move right over keys equal to key: pred <= key < succ */
#define OM_STOP_EQUAL 2u /* return at the first level that meets key's node (*hit) */

/* ---- links and cuts ---------------------------------------------------------- */

/* Marks every level of node's tower, top-down (level 0 last), so that no
 * level is marked before the levels above it.  Idempotent: the remover and
 * any helper may run it together. */
static void om_mark_tower(om_node_t *node)
{
	for (int lvl = (int)node->height - 1; lvl >= 0; lvl--) {
		om_node_t *nx = cc_atomic_load_relaxed_ptr((void *const *)&node->next[lvl]);
		/* seq_cst CAS: a marked pointer never changes again */
		while (!om_marked(nx) && !cc_atomic_cas_value_ptr((void **)&node->next[lvl], (void **)&nx, om_mark(nx)))
			;
	}
}

/* ---- searches ------------------------------------------------------------------ */

/*
 * One search from the head: loads only, plus the comparator.  It follows a
 * next pointer only when read unmarked (the node it was read from was then
 * linked, so the pointer names a node alive at that moment: the IBR rule);
 * on meeting a node whose link at a level is marked it returns OM_CUT with
 * the cut (Harris and Michael).  At each level pred < key <= succ (with
 * OM_PAST_EQUAL: pred <= key < succ); a node met again one level down is not
 * compared again.  Returns OM_FOUND when succ[0] (or *hit, with
 * OM_STOP_EQUAL) compares equal, OM_ABSENT, OM_CUT, or OM_FAILED when a
 * comparison failed (*failed set).
 */
static int om_search(cc_omap_t *m, ds_ctx_t *ctx, const om_key_t *key, unsigned flags, om_path_t *path,
                     om_node_t **cut, int *cut_lvl, om_node_t **hit, bool *failed)
{
	om_node_t *pred = m->head, *known = NULL;
	int known_c = 0, last_c = 1;
	for (int lvl = OM_MAX - 1; lvl >= 0; lvl--) {
		om_node_t *curr = ds_protect(ctx, &pred->next[lvl]);
		if (om_marked(curr)) {
			cut[0] = NULL; /* pred removed since we reached it: start over */
			return OM_CUT;
		}
		last_c = 1;
		while (curr != NULL) {
			om_node_t *next = ds_protect(ctx, &curr->next[lvl]);
			if (om_marked(next)) {
				/* curr is removed: next is copied into the cut, never followed */
				cut[0] = pred;
				cut[1] = curr;
				cut[2] = om_unmark(next);
				*cut_lvl = lvl;
				return OM_CUT;
			}
			int c;
			if (curr == known) {
				c = known_c;
			} else {
				c = om_order(m, curr, key, failed);
				if (*failed)
					return OM_FAILED;
			}
			if (c > 0 || (c == 0 && !(flags & OM_PAST_EQUAL))) {
				known = curr;
				known_c = c;
				last_c = c;
				if (c == 0 && (flags & OM_STOP_EQUAL)) {
					*hit = curr;
					return OM_FOUND;
				}
				break;
			}
			pred = curr;
			curr = next;
		}
		path->pred[lvl] = pred;
		path->succ[lvl] = curr;
	}
	if (hit != NULL)
		*hit = path->succ[0];
	return path->succ[0] != NULL && last_c == 0 ? OM_FOUND : OM_ABSENT;
}

/* Searches until a path without removed nodes is seen, cutting the removed
 * nodes met on the way.  OM_FOUND, OM_ABSENT or OM_FAILED.  Inside an
 * operation. */
static int om_find(cc_omap_t *m, ds_ctx_t *ctx, const om_key_t *key, unsigned flags, om_path_t *path,
                   om_node_t **hit, bool *failed)
{
	for (;;) {
		om_node_t *cut[3];
		int lvl = 0;
		int r = om_search(m, ctx, key, flags, path, cut, &lvl, hit, failed);
		if (r != OM_CUT)
			return r;
		if (cut[0] != NULL)
			om_cut(cut[0], cut[1], cut[2], lvl);
	}
}

/* The comparator-free fallback: walks each level where node may be linked,
 * from the head, and cuts node by identity (any removed node met on the way
 * is cut too, Harris-style, restarting from the head when a cut fails).
 * A level is done when the walk cut node there or reached its end without
 * meeting it; node is marked at every level and nobody links it again, so
 * it cannot be skipped.  O(n) per level: the rare path. */
static void om_walk_unlink(cc_omap_t *m, ds_ctx_t *ctx, om_node_t *node, int levels)
{
	for (int lvl = levels - 1; lvl >= 0; lvl--) {
	restart:
		/* acquire: pairs with the cutters' add (om_cut): 0 means every link
		 * is cut, and the cuts happened before */
		if (cc_atomic_load_acquire_u32(&node->links) == 0)
			return;
		om_node_t *pred = m->head;
		om_node_t *curr = ds_protect(ctx, &pred->next[lvl]);
		while (curr != NULL) {
			if (om_marked(curr))
				goto restart; /* pred removed since we reached it */
			om_node_t *next = ds_protect(ctx, &curr->next[lvl]);
			if (om_marked(next)) {
				bool ours = curr == node;
				if (!om_cut(pred, curr, om_unmark(next), lvl))
					goto restart;
				if (ours)
					break; /* cut at this level, for good */
				curr = ds_protect(ctx, &pred->next[lvl]); /* pred's link, re-read */
				continue;
			}
			pred = curr;
			curr = next;
		}
	}
}

/* Makes `node` (value and tower marked, inserter done) unreachable at every
 * level, then adds OM_UNLINKED (which retires it unless the hash index
 * still pins it: the last pin's drop does then).  Inside an operation, by
 * the owner that set the second flag. */
static void om_unlink(cc_omap_t *m, ds_ctx_t *ctx, om_node_t *node, bool *failed)
{
	/* acquire: pairs with the cutters' add (om_cut); 0: every link is cut
	 * already (by the remover on its path, or by searches) */
	if (cc_atomic_load_acquire_u32(&node->links) == 0) {
		om_drop(ctx, node, OM_UNLINKED);
		return;
	}
	om_path_t path;
	bool f = false;
	/* the search of its key meets the node wherever it is still linked
	 * (levels hold strictly increasing keys) and cuts it */
	om_key_t k = {node->key, node->sum, 0, node->cls, false};
	int r = om_find(m, ctx, &k, 0, &path, NULL, &f);
	if (f)
		*failed = true;
	/* acquire: pairs with the cutters' add (om_cut) */
	if (r == OM_FAILED || cc_atomic_load_acquire_u32(&node->links) != 0) {
		/* relaxed: the inserter stored it before its flag add, which our
		 * flag add (seq_cst) read */
		om_walk_unlink(m, ctx, node, (int)cc_atomic_load_relaxed_u32(&node->linked));
	}
	om_drop(ctx, node, OM_UNLINKED);
}

static inline int om_canceled(bool *cmp_failed)
{
	if (cmp_failed != NULL)
		*cmp_failed = true;
	errno = ECANCELED;
	return -1;
}

/* The key's node for lookup and replace: through the hash index, else by a
 * search (whose node then goes into the index).  OM_FOUND with *hit and
 * *cell (its value word read unmarked: the key was present then),
 * OM_ABSENT, or OM_FAILED.  Inside an operation. */
static int om_locate(cc_omap_t *m, ds_ctx_t *ctx, const om_key_t *k, om_node_t **hit, om_cell_t **cell,
                     bool *failed)
{
	int r = omx_get(m, ctx, k, hit, cell, failed);
	if (r != 0)
		return r > 0 ? OM_FOUND : OM_FAILED;
	om_path_t path;
	r = om_find(m, ctx, k, OM_STOP_EQUAL, &path, hit, failed);
	if (r != OM_FOUND)
		return r;
	*cell = om_value(ctx, *hit);
	if (*cell == NULL)
		return OM_ABSENT; /* removed: absent at that read */
	uint64_t h;
	/* the hash of the node's own key, which a comparator that is not a
	 * total order need not have matched to k */
	if (k->hashed && om_hash(m, (*hit)->key, &h))
		omx_put(m, ctx, *hit, h);
	return OM_FOUND;
}

/* ---- the public functions ------------------------------------------------------ */

cc_omap_t *DS_FN(cc_omap_create)(ds_ctx_t *ctx, const cc_omap_ops_t *ops)
{
	if (ops == NULL || ops->compare == NULL || ctx == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if (CC_DS_SCHEME == SMR_DEBRA_PLUS) {
		errno = ENOTSUP; /* a comparator must never be siglongjmp'd out of */
		return NULL;
	}
	cc_omap_t *m = cc_alloc(sizeof *m);
	if (m == NULL)
		return NULL;
	om_node_t *head = ds_alloc(ctx, om_node_size(OM_MAX));
	if (head == NULL) {
		cc_free(m, sizeof *m);
		return NULL;
	}
	head->key = NULL;
	head->ops = ops;
	head->val = NULL;
	head->sum = 0;
	head->cls = 0;
	head->height = OM_MAX;
	head->done = OM_INSERTED;
	head->linked = OM_MAX;
	head->links = 0;
	for (int i = 0; i < OM_MAX; i++)
		head->next[i] = NULL;
	m->head = head;
	m->ops = ops;
	m->size = 0;
	m->index = NULL;
	if (ops->hash != NULL && (m->index = omx_new(ctx, OM_TABLE_MIN)) == NULL) {
		om_discard(ctx, head, om_node_size(OM_MAX));
		cc_free(m, sizeof *m);
		errno = ENOMEM;
		return NULL;
	}
	return m;
}

int DS_FN(cc_omap_lookup)(cc_omap_t *m, ds_ctx_t *ctx, const void *key, void **value_out, bool *cmp_failed)
{
	bool failed = false;
	om_node_t *hit = NULL;
	om_cell_t *c = NULL;
	ds_begin(ctx);
	om_key_t k = om_key(m, key, true);
	int r = om_locate(m, ctx, &k, &hit, &c, &failed);
	if (r == OM_FAILED) {
		ds_end(ctx);
		return om_canceled(cmp_failed);
	}
	if (r != OM_FOUND)
		c = NULL;
	if (c != NULL && value_out != NULL) {
		*value_out = c->value;
		om_acquire(m, NULL, c->value);
	}
	ds_end(ctx);
	if (cmp_failed != NULL)
		*cmp_failed = false;
	return c != NULL;
}

int DS_FN(cc_omap_insert)(cc_omap_t *m, ds_ctx_t *ctx, void *key, void *value, void **existing, bool *cmp_failed)
{
	bool failed = false;
	om_path_t path;
	om_node_t *n = NULL, *hit = NULL;
	om_cell_t *cell = NULL;
	ds_begin(ctx);
	om_key_t k = om_key(m, key, true);
	for (;;) {
		int r = om_find(m, ctx, &k, 0, &path, &hit, &failed);
		if (r != OM_ABSENT) {
			om_cell_t *c = r == OM_FOUND ? om_value(ctx, hit) : NULL;
			if (r == OM_FOUND && c == NULL) {
				om_mark_tower(hit); /* logically removed: help, the next search cuts it */
				continue;
			}
			if (c != NULL && existing != NULL) {
				*existing = c->value;
				om_acquire(m, NULL, c->value);
			}
			ds_end(ctx);
			if (n != NULL) { /* never published: no reference taken */
				om_discard(ctx, n, om_node_size(n->height));
				om_discard(ctx, cell, sizeof *cell);
			}
			if (r == OM_FAILED)
				return om_canceled(cmp_failed);
			if (cmp_failed != NULL)
				*cmp_failed = false;
			return 0;
		}
		if (n == NULL) {
			uint32_t h = ds_random_height(OM_MAX);
			cell = ds_alloc(ctx, sizeof *cell);
			n = cell == NULL ? NULL : ds_alloc(ctx, om_node_size(h));
			if (n == NULL) {
				ds_end(ctx);
				if (cell != NULL)
					om_discard(ctx, cell, sizeof *cell);
				if (cmp_failed != NULL)
					*cmp_failed = false;
				return -1; /* errno from the allocator; nothing changed */
			}
			cell->ops = m->ops;
			cell->value = value;
			n->key = key;
			n->ops = m->ops;
			n->val = cell;
			n->sum = k.sum;
			n->cls = k.cls;
			n->height = (uint16_t)h;
			n->done = 0;
			n->linked = 1;
			n->links = 1; /* level 0, linked below */
			for (uint32_t i = 1; i < h; i++)
				n->next[i] = NULL;
		}
		n->next[0] = path.succ[0];
		/* seq_cst CAS (release): the node's and the cell's fields before the
		 * link; the linearisation point of the insert */
		if (cc_atomic_cas_ptr((void **)&path.pred[0]->next[0], path.succ[0], n))
			break;
	}
	uint64_t keys = cc_atomic_faa_u64(&m->size, 1) + 1; /* seq_cst add: atomicity only; cc_omap_size reads it relaxed */
	if (k.hashed) {
		omx_grow(m, ctx, keys);
		omx_put(m, ctx, n, k.hash);
	}
	/* linked at level 0: the key is in the map.  Now the upper levels, on
	 * the path of the search that found the level-0 position (Fraser: each
	 * link CAS checks that pred still names succ, so a path that is still
	 * right is as good as a fresh one), searching again only after a CAS
	 * that failed. */
	bool stale = false;
	for (int lvl = 1; lvl < (int)n->height; lvl++) {
		for (;;) {
			/* acquire: pairs with the remover's marking CAS (om_mark_tower) */
			om_node_t *nx = cc_atomic_load_acquire_ptr((void *const *)&n->next[lvl]);
			if (om_marked(nx))
				goto stop; /* removed meanwhile: stop building the tower */
			if (stale) {
				int r = om_find(m, ctx, &k, 0, &path, &hit, &failed);
				if (r != OM_FOUND || hit != n)
					goto stop; /* a comparison failed, or n is no longer the key's node */
				stale = false;
			}
			/* seq_cst CAS: fails once the tower is marked at this level */
			if (nx != path.succ[lvl] && !cc_atomic_cas_ptr((void **)&n->next[lvl], nx, path.succ[lvl]))
				goto stop;
			/* seq_cst add: counted before the link can exist (om_cut's -1
			 * never precedes it) */
			cc_atomic_faa_u32(&n->links, 1);
			/* seq_cst CAS: links n at lvl */
			if (cc_atomic_cas_ptr((void **)&path.pred[lvl]->next[lvl], path.succ[lvl], n)) {
				/* relaxed: read by the last owner after our flag add */
				cc_atomic_store_relaxed_u32(&n->linked, (uint32_t)lvl + 1);
				break;
			}
			cc_atomic_faa_u32(&n->links, (uint32_t)-1); /* seq_cst add: not linked after all */
			stale = true;
		}
	}
stop:
	if (om_owner_done(n, OM_INSERTED))
		om_unlink(m, ctx, n, &failed); /* removed while we linked: ours to free */
	ds_end(ctx);
	if (cmp_failed != NULL)
		*cmp_failed = failed;
	return 1;
}

/* replace and replace_if: expected is compared when `conditional`. */
static int om_replace(cc_omap_t *m, ds_ctx_t *ctx, const void *key, bool conditional, void *expected, void *value,
                      void **old, bool *cmp_failed)
{
	bool failed = false;
	om_node_t *hit = NULL;
	om_cell_t *fresh = NULL, *c = NULL;
	ds_begin(ctx);
	om_key_t k = om_key(m, key, true);
	int r = om_locate(m, ctx, &k, &hit, &c, &failed);
	if (r == OM_FAILED) {
		ds_end(ctx);
		return om_canceled(cmp_failed);
	}
	if (cmp_failed != NULL)
		*cmp_failed = false;
	if (r != OM_FOUND)
		c = om_mark(NULL); /* absent */
	for (;;) {
		/* a marked word: removed (the key was absent at that moment) */
		if (om_marked(c) || (conditional && c->value != expected)) {
			ds_end(ctx);
			if (fresh != NULL)
				om_discard(ctx, fresh, sizeof *fresh);
			return 0;
		}
		if (fresh == NULL) {
			fresh = ds_alloc(ctx, sizeof *fresh); /* before the CAS: ENOMEM changes nothing */
			if (fresh == NULL) {
				ds_end(ctx);
				return -1; /* errno from the allocator; *cmp_failed already false */
			}
			fresh->ops = m->ops;
			fresh->value = value;
		}
		/* seq_cst CAS (release): the cell's fields before it is published;
		 * fails on a removed node's marked word.  The linearisation point. */
		if (cc_atomic_cas_value_ptr((void **)&hit->val, (void **)&c, fresh))
			break;
		/* c is the word found: loaded inside the operation while the node
		 * was reachable from our unmarked read of it; re-read it protected */
		c = ds_protect(ctx, &hit->val);
	}
	if (old != NULL) {
		*old = c->value;
		om_acquire(m, NULL, c->value);
	}
	ds_retire_cb(ctx, c, sizeof *c, om_cell_fini); /* unreachable since the CAS */
	ds_end(ctx);
	return 1;
}

int DS_FN(cc_omap_replace)(cc_omap_t *m, ds_ctx_t *ctx, const void *key, void *value, void **old, bool *cmp_failed)
{
	return om_replace(m, ctx, key, false, NULL, value, old, cmp_failed);
}

int DS_FN(cc_omap_replace_if)(cc_omap_t *m, ds_ctx_t *ctx, const void *key, void *expected, void *value,
                              bool *cmp_failed)
{
	return om_replace(m, ctx, key, true, expected, value, NULL, cmp_failed);
}

int DS_FN(cc_omap_remove)(cc_omap_t *m, ds_ctx_t *ctx, const void *key, void **key_out, void **value_out,
                          bool *cmp_failed)
{
	bool failed = false;
	om_path_t path;
	om_node_t *hit = NULL;
	ds_begin(ctx);
	om_key_t k = om_key(m, key, false); /* omx_forget hashes the node's own key */
	/* the whole path (no OM_STOP_EQUAL): the node's predecessors, for the cuts */
	int r = om_find(m, ctx, &k, 0, &path, &hit, &failed);
	if (r == OM_FAILED) {
		ds_end(ctx);
		return om_canceled(cmp_failed);
	}
	om_cell_t *c = r == OM_FOUND ? ds_protect(ctx, &hit->val) : om_mark(NULL);
	for (;;) {
		if (om_marked(c)) { /* absent, or another remover's mark came first */
			ds_end(ctx);
			if (cmp_failed != NULL)
				*cmp_failed = false;
			return 0;
		}
		/* seq_cst CAS: the linearisation point of the remove; the winner
		 * owns the removal */
		if (cc_atomic_cas_value_ptr((void **)&hit->val, (void **)&c, om_mark(c)))
			break;
		c = ds_protect(ctx, &hit->val); /* a replace came first: its cell */
	}
	cc_atomic_faa_u64(&m->size, (uint64_t)-1); /* seq_cst add: atomicity only */
	if (key_out != NULL)
		*key_out = hit->key;
	if (key_out != NULL || value_out != NULL)
		om_acquire(m, key_out != NULL ? hit->key : NULL, value_out != NULL ? c->value : NULL);
	if (value_out != NULL)
		*value_out = c->value;
	/* the marked word is never followed again: the cell is unreachable */
	ds_retire_cb(ctx, c, sizeof *c, om_cell_fini);
	om_mark_tower(hit);
	/* Cut the node where the search saw it behind its predecessor: a cut
	 * whose pred has changed since fails and is left to the last owner's
	 * search.  The marked next is frozen, so its successor is final (and
	 * linked: nobody can cut it from behind a marked link). */
	for (int lvl = (int)hit->height - 1; lvl >= 0; lvl--)
		if (path.succ[lvl] == hit)
			om_cut(path.pred[lvl], hit, om_unmark(cc_atomic_load_relaxed_ptr((void *const *)&hit->next[lvl])),
			       lvl);
	omx_forget(m, ctx, hit); /* after the value mark: see omap_index.h */
	if (om_owner_done(hit, OM_REMOVED))
		om_unlink(m, ctx, hit, &failed);
	/* else: the inserter is still linking upper levels; it unlinks and
	 * retires the node when it stops (it sees our flag) */
	ds_end(ctx);
	if (cmp_failed != NULL)
		*cmp_failed = failed;
	return 1;
}

/* From pred (reached at level 0) and curr = its next read unmarked, the
 * first node at level 0 whose value word is unmarked: 1 with *node and *cell,
 * 0 at the end, -1 after cutting a removed node (start again). */
static int om_scan(ds_ctx_t *ctx, om_node_t *pred, om_node_t *curr, om_node_t **node, om_cell_t **cell)
{
	while (curr != NULL) {
		om_node_t *next = ds_protect(ctx, &curr->next[0]);
		if (om_marked(next)) {
			om_cut(pred, curr, om_unmark(next), 0);
			return -1;
		}
		om_cell_t *c = om_value(ctx, curr);
		if (c != NULL) {
			*node = curr;
			*cell = c;
			return 1;
		}
		pred = curr; /* logically removed: skipped */
		curr = next;
	}
	return 0;
}

/* For LAST: each level's last node (comparator-free).  0, or -1 after
 * cutting a removed node (start again). */
static int om_path_end(cc_omap_t *m, ds_ctx_t *ctx, om_path_t *path)
{
	om_node_t *pred = m->head;
	for (int lvl = OM_MAX - 1; lvl >= 0; lvl--) {
		om_node_t *curr = ds_protect(ctx, &pred->next[lvl]);
		if (om_marked(curr))
			return -1;
		while (curr != NULL) {
			om_node_t *next = ds_protect(ctx, &curr->next[lvl]);
			if (om_marked(next)) {
				om_cut(pred, curr, om_unmark(next), lvl);
				return -1;
			}
			pred = curr;
			curr = next;
		}
		path->pred[lvl] = pred;
		path->succ[lvl] = NULL;
	}
	return 0;
}

/* The last node of the list, walked without the comparator: 1 with *node,
 * 0 when empty, -1 after cutting a removed node (start again). */
static int om_last(cc_omap_t *m, ds_ctx_t *ctx, om_node_t **node)
{
	om_path_t path;
	if (om_path_end(m, ctx, &path) < 0)
		return -1;
	*node = path.pred[0];
	return *node != m->head;
}

int DS_FN(cc_omap_seek)(cc_omap_t *m, ds_ctx_t *ctx, const void *key, cc_omap_seek_t mode, void **key_out,
                        void **value_out, bool *cmp_failed)
{
	if ((unsigned)mode > (unsigned)CC_OMAP_LT) {
		errno = EINVAL;
		return -1;
	}
	bool failed = false;
	om_path_t path;
	om_node_t *node = NULL;
	om_cell_t *cell = NULL;
	int r = 0;
	ds_begin(ctx);
	om_key_t k = {key, 0, 0, 0, false}; /* FIRST and LAST compare nothing */
	if (mode != CC_OMAP_FIRST && mode != CC_OMAP_LAST)
		k = om_key(m, key, false);
	for (;;) {
		if (mode == CC_OMAP_FIRST) {
			om_node_t *head = m->head;
			om_node_t *first = ds_protect(ctx, &head->next[0]); /* the head is never marked */
			r = om_scan(ctx, head, first, &node, &cell);
		} else if (mode == CC_OMAP_GE || mode == CC_OMAP_GT) {
			if (om_find(m, ctx, &k, mode == CC_OMAP_GT ? OM_PAST_EQUAL : 0, &path, NULL, &failed) == OM_FAILED)
				break;
			r = om_scan(ctx, path.pred[0], path.succ[0], &node, &cell);
		} else {
			/* LAST, LE, LT: the last node before the end or key; if it is
			 * logically removed, help mark it and search again (the search
			 * cuts it), since a level cannot be walked backwards */
			if (mode == CC_OMAP_LAST) {
				r = om_last(m, ctx, &node);
			} else {
				if (om_find(m, ctx, &k, mode == CC_OMAP_LE ? OM_PAST_EQUAL : 0, &path, NULL, &failed) ==
				    OM_FAILED)
					break;
				node = path.pred[0];
				r = node != m->head;
			}
			if (r == 1) {
				cell = om_value(ctx, node);
				if (cell == NULL) {
					om_mark_tower(node);
					r = -1;
				}
			}
		}
		if (r >= 0)
			break;
	}
	if (failed) {
		ds_end(ctx);
		return om_canceled(cmp_failed);
	}
	if (r == 1) {
		if (key_out != NULL)
			*key_out = node->key;
		if (value_out != NULL)
			*value_out = cell->value;
		if (key_out != NULL || value_out != NULL)
			om_acquire(m, key_out != NULL ? node->key : NULL, value_out != NULL ? cell->value : NULL);
	}
	ds_end(ctx);
	if (cmp_failed != NULL)
		*cmp_failed = false;
	return r;
}

size_t DS_FN(cc_omap_size)(const cc_omap_t *m)
{
	/* relaxed: a count, no data read through it; below 0 only while an
	 * insert that was removed at once has not yet added its 1 */
	int64_t n = (int64_t)cc_atomic_load_relaxed_u64(&m->size);
	return n < 0 ? 0 : (size_t)n;
}

/* ---- batches (cc_omap_scan) ------------------------------------------------------ */

/* Entry i of a batch: key and value out, through acquire. */
static inline void om_hand_out(cc_omap_t *m, size_t i, void *key, void *value, void **keys_out, void **values_out)
{
	if (keys_out != NULL)
		keys_out[i] = key;
	if (values_out != NULL)
		values_out[i] = value;
	if (keys_out != NULL || values_out != NULL)
		om_acquire(m, keys_out != NULL ? key : NULL, values_out != NULL ? value : NULL);
}

/* Ascending: a search to the position, then level 0 onwards; a removed node
 * met is cut (a failed cut restarts from the last node passed, GT). */
static size_t om_scan_up(cc_omap_t *m, ds_ctx_t *ctx, const void *key, cc_omap_seek_t mode, size_t max,
                         void **keys_out, void **values_out, bool *failed)
{
	om_path_t path;
	size_t n = 0;
	bool first = mode == CC_OMAP_FIRST;
	unsigned flags = mode == CC_OMAP_GT ? OM_PAST_EQUAL : 0;
	om_key_t k = {key, 0, 0, 0, false};
	if (!first)
		k = om_key(m, key, false);
	for (;;) {
		om_node_t *pred, *curr;
		bool passed = false; /* pred is a node of the batch's range */
		if (first) {
			pred = m->head;
			curr = ds_protect(ctx, &pred->next[0]); /* the head is never marked */
		} else {
			if (om_find(m, ctx, &k, flags, &path, NULL, failed) == OM_FAILED)
				return n;
			pred = path.pred[0];
			curr = path.succ[0];
		}
		while (curr != NULL) {
			om_node_t *next = ds_protect(ctx, &curr->next[0]);
			if (om_marked(next)) {
				if (!om_cut(pred, curr, om_unmark(next), 0))
					break;
				/* pred's link, re-read: unmarked, pred was still linked */
				curr = ds_protect(ctx, &pred->next[0]);
				if (om_marked(curr))
					break;
				continue;
			}
			om_cell_t *c = om_value(ctx, curr);
			if (c != NULL) {
				om_hand_out(m, n, curr->key, c->value, keys_out, values_out);
				if (++n == max)
					return n;
			}
			pred = curr;
			curr = next;
			passed = true;
		}
		if (curr == NULL)
			return n; /* the end of level 0 */
		/* restart past the last node passed (its key stays alive: the node
		 * is not freed during the operation); none passed yet, at the same
		 * position (the search's pred lies before it) */
		if (passed) {
			k = (om_key_t){pred->key, pred->sum, 0, pred->cls, false};
			flags = OM_PAST_EQUAL;
			first = false;
		}
	}
}

/* Reverses a[i..j). */
static void om_reverse(void **a, size_t i, size_t j)
{
	while (i + 1 < j) {
		void *t = a[i];
		a[i++] = a[--j];
		a[j] = t;
	}
}

/* The ring a[0..max) written w times (w > max: wrapped), newest first. */
static void om_newest_first(void **a, size_t max, size_t w)
{
	if (a == NULL)
		return;
	size_t cnt = w < max ? w : max;
	if (w > max) { /* rotate the oldest entry to index 0 */
		size_t k = w % max;
		om_reverse(a, 0, k);
		om_reverse(a, k, max);
		om_reverse(a, 0, max);
	}
	om_reverse(a, 0, cnt);
}

/*
 * Descending: a level cannot be walked backwards, so the search to the bound
 * gives `target`, the last node before it at level 0, and pred[l], the last
 * node before it at level l; level 0 is walked forward from pred[l] up to
 * target by identity (no comparison: everything before target in the list
 * is below the bound), keeping the last max live entries in a ring (the
 * caller's arrays hold the nodes and cells until the end), which is then
 * reversed.  l starts where about 2 max nodes lie between pred[l] and target
 * and grows while fewer than max entries were found and pred[l] is not the
 * head.  If target vanishes before the walk reaches it (the walk meets the
 * node past the bound, or the end, first), the batch starts again: entries
 * past the bound could have been walked.  Acquire runs for the final batch
 * only.
 */
static size_t om_scan_down(cc_omap_t *m, ds_ctx_t *ctx, const void *key, cc_omap_seek_t mode, size_t max,
                           void **keys_out, void **values_out, bool *failed)
{
	int l0 = 1;
	while (l0 < OM_MAX - 1 && ((size_t)1 << (l0 - 1)) < max)
		l0++;
	om_path_t path;
	om_key_t k = {key, 0, 0, 0, false};
	if (mode != CC_OMAP_LAST)
		k = om_key(m, key, false);
	for (;;) {
	attempt:
		if (mode == CC_OMAP_LAST) {
			if (om_path_end(m, ctx, &path) < 0)
				continue;
		} else if (om_find(m, ctx, &k, mode == CC_OMAP_LE ? OM_PAST_EQUAL : 0, &path, NULL, failed) ==
		           OM_FAILED) {
			return 0;
		}
		om_node_t *target = path.pred[0], *beyond = path.succ[0];
		if (target == m->head)
			return 0; /* nothing below the bound */
		for (int l = l0;; l++) {
			om_node_t *start = path.pred[l], *pred = NULL, *curr = start;
			size_t w = 0;
			if (start == m->head) {
				pred = start;
				curr = ds_protect(ctx, &start->next[0]);
				if (om_marked(curr))
					goto attempt;
			}
			for (;;) {
				if (curr == NULL ? mode != CC_OMAP_LAST : curr == beyond)
					goto attempt; /* target went: nodes past the bound may follow */
				if (curr == NULL)
					break; /* LAST: the end of the list */
				om_node_t *next = ds_protect(ctx, &curr->next[0]);
				if (om_marked(next)) {
					if (curr == target)
						break; /* removed: everything before it is collected */
					if (pred == NULL || !om_cut(pred, curr, om_unmark(next), 0))
						goto attempt;
					curr = ds_protect(ctx, &pred->next[0]);
					if (om_marked(curr))
						goto attempt;
					continue;
				}
				om_cell_t *c = om_value(ctx, curr);
				if (c != NULL) {
					if (keys_out != NULL)
						keys_out[w % max] = curr;
					if (values_out != NULL)
						values_out[w % max] = c;
					w++;
				}
				if (curr == target)
					break;
				pred = curr;
				curr = next;
			}
			if (w < max && start != m->head && l < OM_MAX - 1)
				continue; /* too few: start further back */
			size_t n = w < max ? w : max;
			om_newest_first(keys_out, max, w);
			om_newest_first(values_out, max, w);
			for (size_t i = 0; i < n; i++) {
				void *key_i = keys_out != NULL ? ((om_node_t *)keys_out[i])->key : NULL;
				void *v = values_out != NULL ? ((om_cell_t *)values_out[i])->value : NULL;
				om_hand_out(m, i, key_i, v, keys_out, values_out);
			}
			return n;
		}
	}
}

int DS_FN(cc_omap_scan)(cc_omap_t *m, ds_ctx_t *ctx, const void *key, cc_omap_seek_t mode, size_t max,
                        void **keys_out, void **values_out, bool *cmp_failed)
{
	if ((unsigned)mode > (unsigned)CC_OMAP_LT || max == 0) {
		errno = EINVAL;
		return -1;
	}
	if (max > (size_t)INT_MAX)
		max = (size_t)INT_MAX; /* the count is an int */
	bool failed = false;
	bool asc = mode == CC_OMAP_FIRST || mode == CC_OMAP_GE || mode == CC_OMAP_GT;
	ds_begin(ctx);
	size_t n = asc ? om_scan_up(m, ctx, key, mode, max, keys_out, values_out, &failed)
	               : om_scan_down(m, ctx, key, mode, max, keys_out, values_out, &failed);
	ds_end(ctx);
	if (failed && n == 0)
		return om_canceled(cmp_failed);
	if (cmp_failed != NULL)
		*cmp_failed = failed;
	return (int)n;
}

#else
/* Built against a benchmark adapter (bench/adapters): the generic map needs
 * smr_retire_cb, which the peers' adapters do not map; nothing to build. */
typedef int cc_omap_not_built_t;
#endif

/*
 * src/ds/otree_scan.c - seek and scan on the generic tree (ccmem/otree.h):
 * one search to the position, then an in-order walk of the leaves.
 *
 * The search to the position keeps, on a small stack, the internal nodes
 * where it turned left (ascending) or right (descending): the subtree on the
 * other side of each comes next, deepest first.  The walk pops a node, reads
 * its other edge and descends to that subtree's leftmost (rightmost) leaf,
 * pushing again, with no comparison: keys there lie beyond the popped node's
 * key, which lies beyond every leaf visited so far.  That holds for a node
 * that stays linked from its push until the walk has reached the leaf below
 * it: a clean edge proves its holder linked when read (an internal node is
 * unlinked only once both its edges are marked), so the walk reads the
 * popped node's edge twice, before the descent and after it reaches the
 * leaf, and trusts the leaf only when both reads are the same clean edge.
 * (A node unlinked in between moves its subtree up, whose range then widens
 * and may take keys the walk has already passed.)  A marked or changed
 * edge, a descent whose re-validation fails (ot_descend) or a stack that
 * lost its shallowest nodes sends the walk back to the root with a search
 * for the keys past the last leaf visited (one comparison at the leaf it
 * reaches).  So each leaf is dereferenced only when read through a linked
 * node or re-validated (the IBR rule), keys come strictly in order, and a
 * key present throughout the call is not skipped.  Marked (removed) leaves
 * still linked are passed over; sentinel leaves end an ascending walk.
 *
 * A seek is a scan of one entry: one search and, when its leaf is not the
 * entry, a walk to the next leaf (no comparison) instead of another search.
 */
#include <errno.h>
#include <limits.h>

#include "otree_internal.h"

#if CC_DS_LIBRARY

/* The walk's descent: from nd, whose edge nd->child[dir] read clean as
 * `field`, always toward st->dir (leftmost leaf ascending, rightmost
 * descending), pushing every internal node on the way (their other subtree
 * comes next).  ot_descend's re-validation of a node reached through a
 * marked edge, without its comparisons and search record.  The leaf, or NULL
 * when an edge it had to re-validate changed (search again). */
static ot_node_t *ot_walk_down(ds_ctx_t *ctx, ot_node_t *nd, int dir, void *field, ot_stack_t *st)
{
	ot_node_t *cur = ot_addr(field), *va = nd, *vs = cur;
	int va_dir = dir, d = st->dir;
	while (!cur->leaf) {
		ot_push(st, cur);
		/* acquire (smr_protect): as in ot_descend */
		void *cfield = ds_protect(ctx, &cur->child[d]);
		ot_node_t *next = ot_addr(cfield);
		if (ot_bits(cfield) == 0) {
			va = cur;
			va_dir = d;
			vs = next;
		} else if (ds_protect(ctx, &va->child[va_dir]) != vs) {
			return NULL;
		}
		cur = next;
	}
	return cur;
}

static int ot_canceled_scan(bool *cmp_failed)
{
	if (cmp_failed != NULL)
		*cmp_failed = true;
	errno = ECANCELED;
	return -1;
}

int DS_FN(cc_otree_scan)(cc_otree_t *m, ds_ctx_t *ctx, const void *key, cc_omap_seek_t mode, size_t max,
                         void **keys_out, void **values_out, bool *cmp_failed)
{
	if ((unsigned)mode > (unsigned)CC_OMAP_LT || max == 0) {
		errno = EINVAL;
		return -1;
	}
	bool asc = mode == CC_OMAP_FIRST || mode == CC_OMAP_GE || mode == CC_OMAP_GT;
	if (max > (size_t)INT_MAX)
		max = (size_t)INT_MAX; /* the count is an int */
	/* the first search: FIRST goes below every key, LAST just below inf0;
	 * on an equal key LT goes left (to the keys below it), the others right
	 * (GE, LE: to the key itself; GT: to it, then on) */
	ot_probe_t p = {NULL, OT_BELOW, false, 0, 0};
	if (mode == CC_OMAP_LAST)
		p.rank = OT_INF0;
	else if (mode != CC_OMAP_FIRST)
		p = ot_key_probe(m, key, mode != CC_OMAP_LT);
	bool bounded = mode != CC_OMAP_FIRST && mode != CC_OMAP_LAST; /* the first leaf is compared */
	cc_omap_seek_t bound = mode;
	ot_stack_t st;
	st.dir = asc ? 0 : 1;
	int other = !st.dir; /* the edge of a popped node that the walk takes */
	ot_seek_t s;
	ot_node_t *last = NULL; /* the last real leaf visited at or past the position */
	size_t n = 0;
	bool failed = false;
	ds_begin(ctx);
	for (;;) {
		if (ot_seek(m, ctx, &p, &s, &st, &failed) == OT_FAILED)
			goto out;
		bool check = bounded;
		for (;;) {
			ot_node_t *leaf = s.leaf;
			if (leaf->rank != OT_REAL) {
				if (asc)
					goto out; /* inf0: past every key */
			} else {
				bool in = true;
				if (check) {
					int c = ot_leaf_cmp(m, leaf, &p, &s, &failed);
					if (failed)
						goto out;
					in = bound == CC_OMAP_GE   ? c >= 0
					     : bound == CC_OMAP_GT ? c > 0
					     : bound == CC_OMAP_LE ? c <= 0
					                           : c < 0;
				}
				ot_cell_t *cell = in ? ot_value(ctx, leaf) : NULL;
				if (cell != NULL) {
					if (keys_out != NULL)
						keys_out[n] = leaf->key;
					if (values_out != NULL)
						values_out[n] = cell->value;
					if (keys_out != NULL || values_out != NULL)
						ot_acquire(m, keys_out != NULL ? leaf->key : NULL, values_out != NULL ? cell->value : NULL);
					if (++n == max)
						goto out;
				}
				if (in)
					last = leaf; /* a leaf before the position does not move it */
			}
			check = false;
			ot_node_t *nd = ot_pop(&st);
			if (nd == NULL) {
				if (!st.dropped)
					goto out; /* the whole side walked: no further key */
				break;
			}
			/* acquire (smr_protect): as in ot_descend */
			void *e = ds_protect(ctx, &nd->child[other]);
			if (ot_bits(e) != 0)
				break; /* nd may be unlinked: its subtree is not to be trusted */
			ot_node_t *leaf_next = ot_walk_down(ctx, nd, other, e, &st);
			if (leaf_next == NULL)
				break;
			s.leaf = leaf_next;
			/* nd's edge again, after the leaf was reached: unchanged, nd was
			 * linked throughout, so the leaf lay in nd's subtree, beyond
			 * nd's key (had nd been unlinked meanwhile, its subtree's range
			 * would have widened and could hold keys already passed) */
			if (ds_protect(ctx, &nd->child[other]) != e)
				break;
		}
		/* search again from the root, for the keys past the last leaf
		 * visited (its node, and so its key, stays allocated during the
		 * operation); with none visited, for the same position */
		if (last != NULL) {
			p = ot_node_probe(last, asc);
			bound = asc ? CC_OMAP_GT : CC_OMAP_LT;
			bounded = true;
		}
	}
out:
	ds_end(ctx);
	if (failed && n == 0)
		return ot_canceled_scan(cmp_failed);
	if (cmp_failed != NULL)
		*cmp_failed = failed;
	return (int)n;
}

int DS_FN(cc_otree_seek)(cc_otree_t *m, ds_ctx_t *ctx, const void *key, cc_omap_seek_t mode, void **key_out,
                         void **value_out, bool *cmp_failed)
{
	return DS_FN(cc_otree_scan)(m, ctx, key, mode, 1, key_out, value_out, cmp_failed);
}

#else
typedef int cc_otree_scan_not_built_t;
#endif

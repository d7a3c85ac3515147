/*
 * src/ds/otree_walk.c - the quiescent walks of the generic tree
 * (ccmem/otree.h): cc_otree_check, which verifies the whole tree with an
 * explicit stack (the tree is unbalanced: no recursion), and
 * cc_otree_destroy, which retires every node by rotations (no stack).
 * Quiescent only: the caller's synchronisation ordered every update before
 * the call; loads are relaxed (through the atomic layer, for TSan).
 */
#include <errno.h>
#include <stdio.h>

#include "otree_internal.h"

#if CC_DS_LIBRARY

static int ot_broken(const char *what, const ot_node_t *n)
{
	fprintf(stderr, "cc_otree_check: %s (node %p)\n", what, (const void *)n);
	errno = EPROTO;
	return -1;
}

/* Sign of (a - b) between nodes: ranks first, then the comparator. */
static int ot_cmp_nodes(const cc_otree_t *m, const ot_node_t *a, const ot_node_t *b, bool *failed)
{
	if (a->rank != OT_REAL || b->rank != OT_REAL)
		return (int)a->rank - (int)b->rank;
	return ot_cmp(m, a->key, b->key, failed);
}

typedef struct ot_frame {
	const ot_node_t *n;
	const ot_node_t *lo, *hi; /* lo <= keys below n < hi; NULL: unbounded */
} ot_frame_t;

/* One node of the walk; 0, or -1 with errno. */
static int ot_check_node(const cc_otree_t *m, const ot_frame_t *f, const ot_node_t **prev, size_t *count,
                         size_t *sentinels)
{
	const ot_node_t *n = f->n;
	bool failed = false;
	if (n->ops != m->ops)
		return ot_broken("node of another map", n);
	if ((f->lo != NULL && ot_cmp_nodes(m, n, f->lo, &failed) < 0) ||
	    (f->hi != NULL && ot_cmp_nodes(m, n, f->hi, &failed) >= 0) || failed) {
		if (failed) {
			errno = ECANCELED;
			return -1;
		}
		return ot_broken("key outside the range its ancestors route to it", n);
	}
	void *le = cc_atomic_load_relaxed_ptr(&n->child[0]);
	void *re = cc_atomic_load_relaxed_ptr(&n->child[1]);
	if (n->leaf) {
		if (le != NULL || re != NULL)
			return ot_broken("leaf with a child", n);
		if (*prev != NULL) {
			int c = ot_cmp_nodes(m, *prev, n, &failed);
			if (failed) {
				errno = ECANCELED;
				return -1;
			}
			if (c >= 0)
				return ot_broken("leaf keys not strictly ascending", n);
		}
		*prev = n;
		ot_cell_t *cell = cc_atomic_load_relaxed_ptr((void *const *)&n->val);
		if (n->rank != OT_REAL) {
			if (cell != NULL || n->held)
				return ot_broken("sentinel leaf with a value or a reference", n);
			(*sentinels)++;
			return 0;
		}
		if (cell == NULL || !n->held)
			return ot_broken("leaf without a value cell or without its key's reference", n);
		if (ot_marked(cell))
			return 0; /* removed (its cell retired), its clean-up left to a later operation */
		if (cell->ops != m->ops)
			return ot_broken("value cell of another map", n);
		(*count)++;
		return 0;
	}
	if (ot_addr(le) == NULL || ot_addr(re) == NULL)
		return ot_broken("internal node with one child", n);
	if (n->held != (n->rank == OT_REAL && m->ops->acquire != NULL))
		return ot_broken("internal node without its routing copy's reference", n);
	void *edges[2] = {le, re};
	for (int d = 0; d < 2; d++) {
		const ot_node_t *t = ot_addr(edges[d]);
		if ((uintptr_t)edges[d] & OT_FLAG) {
			if (!t->leaf || t->rank != OT_REAL || !ot_marked(cc_atomic_load_relaxed_ptr((void *const *)&t->val)))
				return ot_broken("flagged edge to a node that is not a removed leaf", n);
		}
		if (((uintptr_t)edges[d] & OT_TAG) && !((uintptr_t)edges[!d] & OT_FLAG))
			return ot_broken("tagged edge beside an edge that is not flagged", n);
	}
	return 0;
}

int DS_FN(cc_otree_check)(cc_otree_t *m, ds_ctx_t *ctx, size_t *count_out)
{
	(void)ctx; /* quiescent: relaxed loads */
	if (m == NULL || m->r == NULL || m->s == NULL)
		return ot_broken("no map", NULL);
	if (m->r->rank != OT_INF2 || m->r->leaf || m->s->rank != OT_INF1 || m->s->leaf ||
	    cc_atomic_load_relaxed_ptr(&m->r->child[0]) != m->s)
		return ot_broken("sentinels R (inf2) -> S (inf1) broken", m->r);
	size_t cap = 64, top = 0, count = 0, sentinels = 0;
	ot_frame_t *stack = cc_alloc(cap * sizeof *stack);
	if (stack == NULL)
		return -1;
	const ot_node_t *prev = NULL;
	int rc = 0;
	stack[top++] = (ot_frame_t){m->r, NULL, NULL};
	/* depth first, left before right: leaves come in key order */
	while (top > 0 && rc == 0) {
		ot_frame_t f = stack[--top];
		rc = ot_check_node(m, &f, &prev, &count, &sentinels);
		if (rc != 0 || f.n->leaf)
			continue;
		if (top + 2 > cap) {
			ot_frame_t *bigger = cc_alloc(2 * cap * sizeof *stack);
			if (bigger == NULL) {
				rc = -1;
				break;
			}
			for (size_t i = 0; i < top; i++)
				bigger[i] = stack[i];
			cc_free(stack, cap * sizeof *stack);
			stack = bigger;
			cap *= 2;
		}
		stack[top++] = (ot_frame_t){ot_addr(cc_atomic_load_relaxed_ptr(&f.n->child[1])), f.n, f.hi};
		stack[top++] = (ot_frame_t){ot_addr(cc_atomic_load_relaxed_ptr(&f.n->child[0])), f.lo, f.n};
	}
	int e = errno;
	cc_free(stack, cap * sizeof *stack);
	errno = e;
	if (rc != 0)
		return rc;
	if (sentinels != 3 || prev == NULL || prev->rank != OT_INF2)
		return ot_broken("sentinel leaves inf0, inf1, inf2 not all present", m->r);
	if (cc_atomic_load_relaxed_u64(&m->size) != count)
		return ot_broken("size counter differs from the keys present", m->r);
	if (count_out != NULL)
		*count_out = count;
	return 0;
}

void DS_FN(cc_otree_destroy)(cc_otree_t *m, ds_ctx_t *ctx)
{
	if (m == NULL)
		return;
	/* rotate every left child up until a node has none, then retire it and
	 * go right: O(n), no stack; the tree is ours now (edge bits dropped) */
	ot_node_t *n = m->r;
	while (n != NULL) {
		ot_node_t *l = ot_addr(cc_atomic_load_relaxed_ptr(&n->child[0]));
		if (l == NULL) {
			ot_node_t *r = ot_addr(cc_atomic_load_relaxed_ptr(&n->child[1]));
			ot_cell_t *cell = cc_atomic_load_relaxed_ptr((void *const *)&n->val);
			if (n->leaf && n->rank == OT_REAL && !ot_marked(cell))
				ds_retire_cb(ctx, cell, sizeof *cell, ot_cell_fini); /* a marked one went with its remover */
			ds_retire_cb(ctx, n, sizeof *n, ot_node_fini);
			n = r;
		} else {
			cc_atomic_store_relaxed_ptr(&n->child[0], cc_atomic_load_relaxed_ptr(&l->child[1]));
			cc_atomic_store_relaxed_ptr(&l->child[1], n);
			n = l;
		}
	}
	cc_free(m, sizeof *m);
}

#else
typedef int cc_otree_walk_not_built_t;
#endif

/*
 * src/ds/bst.c - Natarajan-Mittal lock-free external BST on the SMR layer
 * (see ccmem/bst.h for the algorithm, linearisation points and contracts).
 *
 * Edges and the freeze invariant (what reclamation relies on)
 *   A child field holds a node address with two low bits: FLAG (the leaf it
 *   points to is being removed) and TAG (the node holding the field is being
 *   removed; the edge moves up).  Every CAS expects a clean field (no bit),
 *   and the tag is only ever added, so a field with a bit never changes its
 *   address again.  Flags point to leaves only: the injection CAS flags an
 *   edge to a leaf, and the cleanup CAS moves a flag up together with the
 *   leaf it marks.  A tag is set on one edge of a node only when its other
 *   edge is flagged (cleanup tags the sibling of a flagged edge, or, when the
 *   edge to its leaf is not flagged, it was seen tagged and the sibling is
 *   flagged by induction).
 *
 * What one cleanup CAS unlinks
 *   The seek leaves ancestor -> successor clean and every edge of the path
 *   successor = X0 -> X1 -> ... -> Xk = parent tagged (tags are permanent, so
 *   the path is fixed once read).  By the invariant each Xi (i < k) has its
 *   other edge flagged, hence to a leaf; the parent has its moved edge tagged
 *   and its other edge flagged.  The CAS on ancestor's clean edge replaces
 *   X0 by the parent's moved child, so it unlinks exactly X0..Xk and one
 *   flagged leaf per Xi: 2(k+1) nodes, all of whose edges are frozen, so no
 *   later CAS can link anything to them or relink them (a CAS on a removed
 *   node's field fails: none is clean).  Distinct successful CASes therefore
 *   unlink disjoint sets, and the winner retires its set: each node once.
 *   bst_retire_unlinked walks the set again along the (frozen) path and
 *   aborts if it does not have that shape (corruption, never expected).
 *
 * IBR (smr.h "What IBR requires")
 *   An internal node is unlinked only once both its edges are marked, so an
 *   internal node with a clean edge is linked: reading a clean edge out of a
 *   node proves that node, and so the child read, was in the tree at that
 *   moment, after the pointer was loaded under the thread's reservation.  A
 *   marked edge may belong to a node already unlinked, and its (frozen)
 *   target may have been born, unlinked and freed between two raises of the
 *   reader's upper bound: freezing alone is not enough (a stress run showed
 *   exactly that use-after-free).  So the seek remembers the last clean edge
 *   it followed, va -> vs, and before dereferencing a node reached through a
 *   marked edge it re-reads va's edge: if it still holds vs (clean), va was
 *   linked then, the path of frozen edges vs .. cur was unchanged, so cur was
 *   in the tree after the pointer to it was read; otherwise the seek starts
 *   again (an update made progress: still lock-free).  Every node a seek
 *   dereferences was therefore in the tree at a moment after the load of the
 *   pointer to it, which is what the reservation covers.  Cleanup
 *   dereferences only the nodes of its seek record, and the nodes its own
 *   CAS unlinked (retired by no one else before it retires them).  Under the
 *   epoch schemes the check is redundant and cheap (one load per marked edge
 *   met, none on clean paths).
 *
 * DEBRA+
 *   The seek is the read phase (loads and smr_protect only).  Insert and
 *   remove then reserve the four nodes of the seek record (ancestor,
 *   successor, parent, leaf: SMR_SLOTS = 4) and enter the write phase, where
 *   they allocate, CAS, help and retire.  A remove's cleanup loop (re-seek,
 *   cleanup) stays in the write phase: the thread holds the epoch as under
 *   DEBRA there.  Locals that live across a restart are volatile.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "reclaim.h"
#if CC_DS_LIBRARY
#include "ccmem/bst.h"
#else
typedef struct cc_bst cc_bst_t;
#define CC_BST_KEY_MAX (UINT64_MAX - 3)
#endif

#define BST_INF0 (CC_BST_KEY_MAX + 1) /* UINT64_MAX - 2 */
#define BST_INF1 (CC_BST_KEY_MAX + 2)
#define BST_INF2 (CC_BST_KEY_MAX + 3) /* UINT64_MAX */

#define BST_FLAG ((uintptr_t)1)
#define BST_TAG ((uintptr_t)2)
#define BST_BITS (BST_FLAG | BST_TAG)

/* One type for leaves and internal nodes: a leaf has two NULL children (they
 * never change); an internal node has two non-NULL ones and no value. */
typedef struct bnode {
	uint64_t key;       /* immutable once published */
	uint64_t value;     /* leaves; immutable once published */
	void *child[2];     /* struct bnode * | FLAG | TAG; [0] left, [1] right */
} bnode_t;

struct cc_bst {
	bnode_t *r; /* root, key inf2: left S, right leaf inf2; never changes */
	bnode_t *s; /* key inf1: left the real tree, right leaf inf1 */
} __attribute__((aligned(CC_CACHE_LINE_SIZE)));

typedef struct bst_seek {
	bnode_t *ancestor, *successor, *parent, *leaf;
} bst_seek_t;

static inline bnode_t *bst_addr(void *edge)
{
	return (bnode_t *)((uintptr_t)edge & ~BST_BITS);
}

static inline uintptr_t bst_bits(void *edge)
{
	return (uintptr_t)edge & BST_BITS;
}

/* The direction of key at internal node n: 0 left (key < n->key), 1 right. */
static inline int bst_dir(uint64_t key, const bnode_t *n)
{
	return key >= n->key;
}

/* Read phase: fills *s with the seek record of key.  Loads only.  The paper's
 * seek (ancestor -> successor is the last untagged edge above parent), with
 * one addition for IBR: before it dereferences a node it reached through a
 * marked edge it checks that the last clean edge it followed (va -> vs) is
 * still there, and starts again from the root if not (see the file comment).
 * That costs one load per marked edge met, and nothing on clean paths. */
static void bst_seek(const cc_bst_t *m, ds_ctx_t *ctx, uint64_t key, bst_seek_t *s)
{
	bnode_t *anc, *succ, *par, *leaf, *va, *vs;
	void *pfield, *cfield;
restart:
	/* R -> S is clean and never changes: the starting record and anchor */
	anc = va = par = m->r;
	succ = vs = leaf = m->s;
	pfield = m->s;
	/* acquire (smr_protect): the child's fields as published by the CAS that
	 * linked it; the same for every load below. */
	cfield = ds_protect(ctx, &leaf->child[bst_dir(key, leaf)]);
	for (;;) {
		bnode_t *cur = bst_addr(cfield);
		if (cur == NULL)
			break; /* leaf is a leaf */
		if (bst_bits(cfield) == 0) {
			va = leaf; /* a clean edge: leaf was linked when it was read */
			vs = cur;
		} else if (ds_protect(ctx, &va->child[bst_dir(key, va)]) != vs) {
			/* va -> vs changed: the frozen path below it may be unlinked
			 * and cur reclaimed (IBR); the acquire load above is ordered
			 * after the one that read cfield */
			goto restart;
		}
		if (!((uintptr_t)pfield & BST_TAG)) {
			anc = par;
			succ = leaf;
		}
		par = leaf;
		leaf = cur;
		pfield = cfield;
		cfield = ds_protect(ctx, &cur->child[bst_dir(key, cur)]);
	}
	s->ancestor = anc;
	s->successor = succ;
	s->parent = par;
	s->leaf = leaf;
}

static void bst_corrupt(const char *what, const bnode_t *n)
{
	fprintf(stderr, "ccmem bst: corrupted tree: %s (node %p, key %llu)\n", what, (const void *)n,
	        n ? (unsigned long long)n->key : 0ULL);
	abort();
}

/* Retires what a successful cleanup CAS unlinked: the path successor..parent
 * (routed by key, its edges are tagged and fixed) and the flagged leaf off
 * each node of it; `moved` is the parent's child that was moved up.  Write
 * phase (or any scheme's operation): the nodes are still protected. */
static void bst_retire_unlinked(ds_ctx_t *ctx, uint64_t key, bnode_t *succ, bnode_t *par, bnode_t *moved)
{
	bnode_t *n = succ;
	for (;;) {
		/* frozen fields: these loads return what they held at the unlink */
		void *l = ds_protect(ctx, &n->child[0]);
		void *r = ds_protect(ctx, &n->child[1]);
		void *off, *next;
		if (n == par) {
			if (bst_addr(l) == moved) {
				off = r;
				next = l;
			} else {
				off = l;
				next = r;
			}
			if (bst_addr(next) != moved)
				bst_corrupt("cleanup: the moved edge left the parent", n);
		} else {
			int d = bst_dir(key, n);
			next = d ? r : l;
			off = d ? l : r;
			if (!((uintptr_t)next & BST_TAG) || bst_addr(next) == NULL)
				bst_corrupt("cleanup: untagged edge inside the unlinked path", n);
		}
		bnode_t *leaf = bst_addr(off);
		if (!((uintptr_t)off & BST_FLAG) || leaf == NULL ||
		    ds_protect(ctx, &leaf->child[0]) != NULL || ds_protect(ctx, &leaf->child[1]) != NULL)
			bst_corrupt("cleanup: an unlinked node's other child is not a flagged leaf", n);
		ds_retire(ctx, leaf, sizeof *leaf);
		ds_retire(ctx, n, sizeof *n);
		if (n == par)
			return;
		n = bst_addr(next);
	}
}

/* The paper's cleanup, in the write phase: tags the edge that stays, then
 * swings ancestor's edge from successor to it.  True when this thread's CAS
 * unlinked the path (and it retired it). */
static bool bst_cleanup(ds_ctx_t *ctx, uint64_t key, const bst_seek_t *s)
{
	bnode_t *anc = s->ancestor, *succ = s->successor, *par = s->parent;
	void **succ_field = &anc->child[bst_dir(key, anc)];
	int d = bst_dir(key, par);
	void **child_field = &par->child[d];
	void **sib_field = &par->child[!d];
	void *cv = ds_protect(ctx, child_field);
	if (!((uintptr_t)cv & BST_FLAG))
		sib_field = child_field; /* the leaf's edge was seen tagged: the sibling is the flagged one */
	/* tag the edge that moves up (bit set by CAS: the field only gains bits
	 * or, while clean, a new target from an insert) */
	void *sv = ds_protect(ctx, sib_field);
	while (!((uintptr_t)sv & BST_TAG)) {
		/* seq_cst CAS; on failure sv is what the field holds now */
		if (cc_atomic_cas_value_ptr(sib_field, &sv, (void *)((uintptr_t)sv | BST_TAG)))
			break;
	}
	/* tagged: the address is final; the flag travels with it */
	sv = ds_protect(ctx, sib_field);
	bnode_t *moved = bst_addr(sv);
	void *nv = (void *)((uintptr_t)moved | ((uintptr_t)sv & BST_FLAG));
	/* seq_cst CAS on the clean edge ancestor -> successor: the unlink; it
	 * orders every earlier store of the removed path before later readers */
	if (!cc_atomic_cas_ptr(succ_field, succ, nv))
		return false;
	bst_retire_unlinked(ctx, key, succ, par, moved);
	return true;
}

static bnode_t *bst_node(ds_ctx_t *ctx, uint64_t key, uint64_t value, bnode_t *l, bnode_t *r)
{
	bnode_t *n = ds_alloc(ctx, sizeof *n);
	if (n != NULL) {
		n->key = key;
		n->value = value;
		n->child[0] = l;
		n->child[1] = r;
	}
	return n;
}

cc_bst_t *DS_FN(cc_bst_create)(ds_ctx_t *ctx)
{
	cc_bst_t *m = cc_alloc_aligned(sizeof *m, CC_CACHE_LINE_SIZE);
	if (m == NULL)
		return NULL;
	bnode_t *l0 = bst_node(ctx, BST_INF0, 0, NULL, NULL);
	bnode_t *l1 = l0 ? bst_node(ctx, BST_INF1, 0, NULL, NULL) : NULL;
	bnode_t *l2 = l1 ? bst_node(ctx, BST_INF2, 0, NULL, NULL) : NULL;
	bnode_t *s = l2 ? bst_node(ctx, BST_INF1, 0, l0, l1) : NULL;
	bnode_t *r = s ? bst_node(ctx, BST_INF2, 0, s, l2) : NULL;
	if (r == NULL) {
		int e = errno;
		/* never published: retiring them is safe */
		bnode_t *made[] = {l0, l1, l2, s};
		for (size_t i = 0; i < sizeof made / sizeof made[0]; i++)
			if (made[i] != NULL)
				ds_retire(ctx, made[i], sizeof(bnode_t));
		cc_free(m, sizeof *m);
		errno = e;
		return NULL;
	}
	m->r = r;
	m->s = s;
	/* the caller publishes m to other threads (a release or stronger) */
	return m;
}

int DS_FN(cc_bst_insert)(cc_bst_t *m, ds_ctx_t *ctx, uint64_t key, uint64_t value)
{
	if (key > CC_BST_KEY_MAX) {
		errno = EINVAL;
		return -1;
	}
	/* set in write phases, read after later restarts: volatile (sigsetjmp) */
	bnode_t *volatile nleaf = NULL, *volatile nint = NULL;
	volatile int result;
	ds_begin(ctx);
	for (;;) {
		ds_checkpoint(ctx);
		/* read phase: loads only */
		bst_seek_t s;
		bst_seek(m, ctx, key, &s);
		if (s.leaf->key == key) {
			result = 0; /* present: linearised in the seek */
			break;
		}
		ds_reserve(ctx, 0, s.ancestor);
		ds_reserve(ctx, 1, s.successor);
		ds_reserve(ctx, 2, s.parent);
		ds_reserve(ctx, 3, s.leaf);
		ds_write_phase(ctx);
		if (nleaf == NULL) {
			/* allocate once the key is known absent; kept for retries */
			nleaf = bst_node(ctx, key, value, NULL, NULL);
			nint = nleaf ? bst_node(ctx, 0, 0, NULL, NULL) : NULL;
			if (nint == NULL) {
				result = -1;
				break;
			}
		}
		bnode_t *leaf = s.leaf, *nl = nleaf, *ni = nint;
		/* not yet published: plain stores; the CAS below releases them */
		if (key < leaf->key) {
			ni->key = leaf->key;
			ni->child[0] = nl;
			ni->child[1] = leaf;
		} else {
			ni->key = key;
			ni->child[0] = leaf;
			ni->child[1] = nl;
		}
		void **field = &s.parent->child[bst_dir(key, s.parent)];
		/* seq_cst CAS: the linearisation point; pairs with the acquire
		 * (smr_protect) of every seek that reads the new edge */
		if (cc_atomic_cas_ptr(field, leaf, ni)) {
			result = 1;
			break;
		}
		void *cv = ds_protect(ctx, field);
		if (bst_addr(cv) == leaf && bst_bits(cv) != 0)
			bst_cleanup(ctx, key, &s); /* help the removal in our way */
	}
	int e = errno;
	ds_end(ctx);
	if (result != 1) {
		/* never published: the key was present, or the second node failed */
		if (nint != NULL)
			ds_retire(ctx, nint, sizeof(bnode_t));
		if (nleaf != NULL)
			ds_retire(ctx, nleaf, sizeof(bnode_t));
		if (result < 0)
			errno = e; /* ENOMEM from ds_alloc */
	}
	return result;
}

int DS_FN(cc_bst_remove)(cc_bst_t *m, ds_ctx_t *ctx, uint64_t key, uint64_t *value_out)
{
	if (key > CC_BST_KEY_MAX) {
		errno = EINVAL;
		return -1;
	}
	volatile int result;
	volatile uint64_t value = 0;
	ds_begin(ctx);
	for (;;) {
		ds_checkpoint(ctx);
		/* read phase: loads only */
		bst_seek_t s;
		bst_seek(m, ctx, key, &s);
		if (s.leaf->key != key) {
			result = 0; /* absent: linearised in the seek */
			break;
		}
		ds_reserve(ctx, 0, s.ancestor);
		ds_reserve(ctx, 1, s.successor);
		ds_reserve(ctx, 2, s.parent);
		ds_reserve(ctx, 3, s.leaf);
		ds_write_phase(ctx);
		bnode_t *leaf = s.leaf;
		void **field = &s.parent->child[bst_dir(key, s.parent)];
		/* seq_cst CAS: injection; the winner owns the removal of this leaf */
		if (cc_atomic_cas_ptr(field, leaf, (void *)((uintptr_t)leaf | BST_FLAG))) {
			value = leaf->value;
			/* cleanup phase, still in the write phase (not restartable, the
			 * epoch is held): until our leaf is unlinked, by us or a helper */
			while (!bst_cleanup(ctx, key, &s)) {
				bst_seek(m, ctx, key, &s);
				if (s.leaf != leaf)
					break; /* a helper's CAS unlinked it (and retired it) */
			}
			result = 1;
			break;
		}
		void *cv = ds_protect(ctx, field);
		if (bst_addr(cv) == leaf && bst_bits(cv) != 0)
			bst_cleanup(ctx, key, &s); /* help, then try again */
	}
	ds_end(ctx);
	if (result == 1 && value_out != NULL)
		*value_out = value;
	return result;
}

int DS_FN(cc_bst_lookup)(cc_bst_t *m, ds_ctx_t *ctx, uint64_t key, uint64_t *value_out)
{
	if (key > CC_BST_KEY_MAX) {
		errno = EINVAL;
		return -1;
	}
	volatile int found;
	volatile uint64_t value = 0;
	ds_begin(ctx);
	ds_checkpoint(ctx);
	/* read phase only: a restart re-runs the seek */
	bst_seek_t s;
	bst_seek(m, ctx, key, &s);
	found = s.leaf->key == key;
	if (found)
		value = s.leaf->value; /* immutable once published */
	ds_end(ctx);
	if (found && value_out != NULL)
		*value_out = value;
	return found;
}

/* ---- quiescent walks -------------------------------------------------------- */

static int bst_fail(const char *what, const bnode_t *n)
{
	fprintf(stderr, "cc_bst_check: %s (node %p, key %llu)\n", what, (const void *)n,
	        n ? (unsigned long long)n->key : 0ULL);
	errno = EPROTO;
	return -1;
}

typedef struct bst_frame {
	bnode_t *n;
	uint64_t lo, hi; /* inclusive bounds of the keys below n */
} bst_frame_t;

int DS_FN(cc_bst_check)(cc_bst_t *m, ds_ctx_t *ctx, size_t *count_out, uint64_t *keysum_out)
{
	(void)ctx;
	if (m == NULL || m->r == NULL || m->s == NULL) {
		fprintf(stderr, "cc_bst_check: no map\n");
		errno = EPROTO;
		return -1;
	}
	/* Quiescent: the caller's synchronisation ordered every update before
	 * this call; relaxed loads (through the atomic layer, for TSan). */
	if (m->r->key != BST_INF2 || m->s->key != BST_INF1 || cc_atomic_load_relaxed_ptr(&m->r->child[0]) != m->s)
		return bst_fail("sentinels R (inf2) -> S (inf1) broken", m->r);
	size_t cap = 64, top = 0, count = 0, big = 0;
	bst_frame_t *stack = cc_alloc(cap * sizeof *stack);
	if (stack == NULL)
		return -1;
	int rc = 0;
	bool have_last = false;
	uint64_t last = 0, sum = 0;
	stack[top++] = (bst_frame_t){m->r, 0, UINT64_MAX};
	/* depth first, left before right: leaves come in key order */
	while (top > 0 && rc == 0) {
		bst_frame_t f = stack[--top];
		bnode_t *n = f.n;
		void *le = cc_atomic_load_relaxed_ptr(&n->child[0]);
		void *re = cc_atomic_load_relaxed_ptr(&n->child[1]);
		if (bst_bits(le) != 0 || bst_bits(re) != 0) {
			rc = bst_fail("flagged or tagged edge left in a quiescent tree", n);
			break;
		}
		if (le == NULL && re == NULL) { /* leaf */
			if (n->key < f.lo || n->key > f.hi) {
				rc = bst_fail("leaf key outside the range its ancestors route to it", n);
				break;
			}
			if (have_last && n->key <= last) {
				rc = bst_fail("leaf keys not strictly ascending", n);
				break;
			}
			have_last = true;
			last = n->key;
			if (n->key > CC_BST_KEY_MAX) {
				big++;
			} else {
				count++;
				sum += n->key;
			}
			continue;
		}
		if (le == NULL || re == NULL) {
			rc = bst_fail("internal node with one child", n);
			break;
		}
		if (n->key <= f.lo || n->key > f.hi) {
			rc = bst_fail("internal key outside the range its ancestors route to it", n);
			break;
		}
		if (top + 2 > cap) {
			bst_frame_t *bigger = cc_alloc(2 * cap * sizeof *stack);
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
		stack[top++] = (bst_frame_t){(bnode_t *)re, n->key, f.hi};
		stack[top++] = (bst_frame_t){(bnode_t *)le, f.lo, n->key - 1};
	}
	int e = errno;
	cc_free(stack, cap * sizeof *stack);
	errno = e;
	if (rc != 0)
		return rc;
	if (big != 3 || last != BST_INF2)
		return bst_fail("sentinel leaves inf0, inf1, inf2 not all present", m->r);
	if (count_out != NULL)
		*count_out = count;
	if (keysum_out != NULL)
		*keysum_out = sum;
	return 0;
}

void DS_FN(cc_bst_destroy)(cc_bst_t *m, ds_ctx_t *ctx)
{
	if (m == NULL)
		return;
	/* Quiescent: rotate every left child up until a node has none, then
	 * retire it and go right.  O(n), no stack; the tree is ours now. */
	bnode_t *n = m->r;
	while (n != NULL) {
		bnode_t *l = bst_addr(cc_atomic_load_relaxed_ptr(&n->child[0]));
		if (l == NULL) {
			bnode_t *r = bst_addr(cc_atomic_load_relaxed_ptr(&n->child[1]));
			ds_retire(ctx, n, sizeof *n);
			n = r;
		} else {
			n->child[0] = cc_atomic_load_relaxed_ptr(&l->child[1]);
			l->child[1] = n;
			n = l;
		}
	}
	cc_free(m, sizeof *m);
}

/*
 * src/ds/skiplist.c - Fraser / Herlihy-Lev-Luchangco-Shavit lock-free skip
 * list on the SMR layer (see ccmem/skiplist.h).
 *
 * Shape of every operation under DEBRA+ (a no-op pattern elsewhere):
 *
 *     ds_checkpoint  -> sl_search (loads and ds_protect only)
 *     ds_reserve     -> the records the CAS names
 *     ds_write_phase -> CAS, helping, retire
 *
 * and a failed CAS starts a new attempt at a new checkpoint.  The nodes that
 * one attempt carries into the next (the node being linked, the node being
 * removed) are never freed in between: neither is retired before its owner
 * has finished (the flags below), so no reservation is needed to keep them.
 */
#include <errno.h>
#include <stdio.h>

#include "reclaim.h"
#if CC_DS_LIBRARY
#include "ccmem/skiplist.h"
#else
typedef struct cc_skiplist cc_skiplist_t;
#define CC_SKIPLIST_KEY_MAX (UINT64_MAX - 3)
#define CC_SKIPLIST_MAX_HEIGHT 20
#endif

#define SL_MAX CC_SKIPLIST_MAX_HEIGHT

/* Owner flags (sl_node.done), each added once: the last one in retires. */
#define SL_INSERTED 1u /* the inserter has stopped linking upper levels */
#define SL_REMOVED 2u  /* the remover has marked level 0 */

typedef struct sl_node {
	uint64_t key;     /* immutable once linked */
	uint64_t value;   /* immutable once linked */
	uint32_t height;  /* levels of the tower, 1..SL_MAX */
	uint32_t done;    /* SL_INSERTED | SL_REMOVED, by atomic add */
	struct sl_node *next[]; /* low bit set: this node is removed at that level */
} sl_node_t;

struct cc_skiplist {
	sl_node_t *head; /* a tower of SL_MAX levels, key below every key */
};

/* A search's result at each level: pred (last unmarked node with a key below
 * the key), left (pred's next as read: the first node of the marked chain to
 * cut, or succ itself) and succ (the first unmarked node whose key is not
 * below the key, NULL for the end). */
typedef struct sl_path {
	sl_node_t *pred[SL_MAX], *left[SL_MAX], *succ[SL_MAX];
} sl_path_t;

static inline bool sl_marked(const sl_node_t *p) { return ((uintptr_t)p & 1u) != 0; }
static inline sl_node_t *sl_unmark(const sl_node_t *p) { return (sl_node_t *)((uintptr_t)p & ~(uintptr_t)1); }
static inline sl_node_t *sl_mark(const sl_node_t *p) { return (sl_node_t *)((uintptr_t)p | 1u); }

static size_t sl_node_size(uint32_t height)
{
	return sizeof(sl_node_t) + (size_t)height * sizeof(sl_node_t *);
}

/* Geometric height, p = 1/2, from a per-thread xorshift64* stream. */
static uint32_t sl_random_height(void)
{
	static _Thread_local uint64_t state;
	if (state == 0) {
		/* splitmix64 of the state's own address: distinct per thread */
		uint64_t z = (uint64_t)(uintptr_t)&state + 0x9E3779B97F4A7C15ull;
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
		z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
		state = (z ^ (z >> 31)) | 1u;
	}
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	uint64_t r = state * 0x2545F4914F6CDD1Dull;
	uint32_t h = 1u + (uint32_t)__builtin_ctzll(r | (1ull << (SL_MAX - 1)));
	return h;
}

/*
 * The search: loads only, so it may run in a DEBRA+ restartable region.
 *
 * IBR: the search follows next pointers out of marked nodes, which may
 * already be unlinked.  That is safe because a node's pointers are frozen by
 * their mark before the node is unlinked at that level: every node reached
 * through an unlinked node was its successor when it was marked, and so was
 * still linked when this operation read the first node of that chain (which
 * was reachable then), so its retirement comes after this operation began and
 * its reservation covers it.
 *
 * Returns whether succ[0] holds the key.
 */
static bool sl_search(cc_skiplist_t *m, ds_ctx_t *ctx, uint64_t key, sl_path_t *path)
{
retry:;
	sl_node_t *pred = m->head;
	for (int lvl = SL_MAX - 1; lvl >= 0; lvl--) {
		sl_node_t *left = ds_protect(ctx, &pred->next[lvl]);
		if (sl_marked(left))
			goto retry; /* pred was removed since we reached it: start over */
		sl_node_t *curr = left;
		while (curr != NULL) {
			sl_node_t *next = ds_protect(ctx, &curr->next[lvl]);
			if (sl_marked(next)) {
				curr = sl_unmark(next); /* skip a removed node; keep pred and left */
				continue;
			}
			if (curr->key >= key)
				break;
			pred = curr;
			left = next;
			curr = next;
		}
		path->pred[lvl] = pred;
		path->left[lvl] = left;
		path->succ[lvl] = curr;
	}
	return path->succ[0] != NULL && path->succ[0]->key == key;
}

/* Cuts the marked chains of one search, level by level.  Write phase only.
 * false when a CAS lost (pred changed): search again. */
static bool sl_cut(const sl_path_t *path)
{
	for (int lvl = SL_MAX - 1; lvl >= 0; lvl--) {
		if (path->left[lvl] == path->succ[lvl])
			continue;
		/* seq_cst CAS: succ's contents were published before it was linked
		 * (release side: the CAS that linked it); pred still points to the
		 * chain's first node, so the chain (frozen by its marks) and succ are
		 * exactly what the search saw */
		if (!cc_atomic_cas_ptr((void **)&path->pred[lvl]->next[lvl], path->left[lvl], path->succ[lvl]))
			return false;
	}
	return true;
}

/* Makes `node` (marked at every level, whose inserter has stopped linking)
 * unreachable at every level, then retires it.  Called inside an operation,
 * by the owner that set the second flag. */
static void sl_unlink_and_retire(cc_skiplist_t *m, ds_ctx_t *ctx, sl_node_t *node)
{
	sl_path_t path;
	for (;;) {
		ds_checkpoint(ctx);
		/* a node marked at a level is, if still linked there, inside the
		 * chain between pred and succ of a search for its key: nodes are
		 * ordered, and no unmarked node of the same key can precede it */
		sl_search(m, ctx, node->key, &path);
		ds_write_phase(ctx);
		if (sl_cut(&path))
			break;
	}
	/* no level links it any more, and nobody links it again: retire */
	ds_retire(ctx, node, sl_node_size(node->height));
}

/* Adds an owner flag; true when the other owner was already done. */
static bool sl_owner_done(sl_node_t *node, uint32_t flag)
{
	/* seq_cst add: orders this owner's last link or cut before the other
	 * owner's clean-up pass (its add reads ours) */
	uint32_t old = cc_atomic_faa_u32(&node->done, flag);
	return (old & (SL_INSERTED | SL_REMOVED) & ~flag) != 0;
}

cc_skiplist_t *DS_FN(cc_skiplist_create)(ds_ctx_t *ctx)
{
	cc_skiplist_t *m = cc_alloc(sizeof *m);
	if (m == NULL)
		return NULL;
	sl_node_t *head = ds_alloc(ctx, sl_node_size(SL_MAX));
	if (head == NULL) {
		cc_free(m, sizeof *m);
		return NULL;
	}
	head->key = 0; /* never compared: the search starts past it */
	head->value = 0;
	head->height = SL_MAX;
	head->done = SL_INSERTED;
	for (int i = 0; i < SL_MAX; i++)
		head->next[i] = NULL;
	m->head = head;
	return m;
}

int DS_FN(cc_skiplist_lookup)(cc_skiplist_t *m, ds_ctx_t *ctx, uint64_t key, uint64_t *value_out)
{
	if (key > CC_SKIPLIST_KEY_MAX) {
		errno = EINVAL;
		return -1;
	}
	/* written after the checkpoint: volatile, for sigsetjmp */
	volatile int found = 0;
	volatile uint64_t value = 0;
	ds_begin(ctx);
	ds_checkpoint(ctx);
	found = 0; /* a restart lands here: forget what the last try saw */
	{
		/* read phase to the end: lookups never write */
		sl_node_t *pred = m->head, *curr = NULL;
		for (int lvl = SL_MAX - 1; lvl >= 0; lvl--) {
			curr = sl_unmark(ds_protect(ctx, &pred->next[lvl]));
			while (curr != NULL) {
				sl_node_t *next = ds_protect(ctx, &curr->next[lvl]);
				if (sl_marked(next)) {
					curr = sl_unmark(next); /* frozen successor, see sl_search */
					continue;
				}
				if (curr->key >= key)
					break;
				pred = curr;
				curr = next;
			}
		}
		if (curr != NULL && curr->key == key) {
			value = curr->value;
			found = 1;
		}
	}
	ds_end(ctx);
	if (found && value_out != NULL)
		*value_out = value;
	return found;
}

int DS_FN(cc_skiplist_insert)(cc_skiplist_t *m, ds_ctx_t *ctx, uint64_t key, uint64_t value)
{
	if (key > CC_SKIPLIST_KEY_MAX) {
		errno = EINVAL;
		return -1;
	}
	sl_path_t path;
	sl_node_t *volatile node = NULL; /* allocated in a write phase: survives restarts */
	ds_begin(ctx);
	for (;;) {
		ds_checkpoint(ctx);
		if (sl_search(m, ctx, key, &path)) {
			ds_end(ctx);
			if (node != NULL) /* never published: safe to hand back at once */
				ds_retire(ctx, node, sl_node_size(node->height));
			return 0;
		}
		ds_reserve(ctx, 0, path.pred[0]);
		ds_reserve(ctx, 1, path.left[0]);
		ds_reserve(ctx, 2, path.succ[0]);
		ds_write_phase(ctx);
		if (node == NULL) {
			uint32_t h = sl_random_height();
			sl_node_t *n = ds_alloc(ctx, sl_node_size(h));
			if (n == NULL) {
				ds_end(ctx);
				return -1; /* errno from the allocator; nothing changed */
			}
			n->key = key;
			n->value = value;
			n->height = h;
			n->done = 0;
			for (uint32_t i = 1; i < h; i++)
				n->next[i] = NULL;
			node = n;
		}
		node->next[0] = path.succ[0];
		/* seq_cst CAS (release): the node's fields before its link; also
		 * cuts the marked chain between pred and succ */
		if (cc_atomic_cas_ptr((void **)&path.pred[0]->next[0], path.left[0], node))
			break;
	}
	/* linked at level 0: the key is in the map.  Now the upper levels. */
	sl_node_t *n = node;
	/* volatile: a checkpoint inside the loop must not lose the level */
	for (volatile uint32_t lvl = 1; lvl < n->height; lvl++) {
		for (;;) {
			sl_node_t *nx = cc_atomic_load_acquire_ptr((void *const *)&n->next[lvl]);
			if (sl_marked(nx))
				goto stop; /* removed meanwhile: stop building the tower */
			ds_checkpoint(ctx);
			sl_search(m, ctx, key, &path);
			ds_reserve(ctx, 0, path.pred[lvl]);
			ds_reserve(ctx, 1, path.left[lvl]);
			ds_reserve(ctx, 2, path.succ[lvl]);
			ds_write_phase(ctx);
			if (path.succ[0] != n)
				goto stop; /* n is no longer the key's node: removed */
			/* seq_cst CAS: fails once the remover has marked this level */
			if (nx != path.succ[lvl] && !cc_atomic_cas_ptr((void **)&n->next[lvl], nx, path.succ[lvl]))
				goto stop;
			/* seq_cst CAS: links n at lvl (and cuts the chain before succ) */
			if (cc_atomic_cas_ptr((void **)&path.pred[lvl]->next[lvl], path.left[lvl], n))
				break;
		}
	}
stop:
	if (sl_owner_done(n, SL_INSERTED))
		sl_unlink_and_retire(m, ctx, n); /* removed while we linked: ours to free */
	ds_end(ctx);
	return 1;
}

int DS_FN(cc_skiplist_remove)(cc_skiplist_t *m, ds_ctx_t *ctx, uint64_t key, uint64_t *value_out)
{
	if (key > CC_SKIPLIST_KEY_MAX) {
		errno = EINVAL;
		return -1;
	}
	sl_path_t path;
	ds_begin(ctx);
	ds_checkpoint(ctx);
	if (!sl_search(m, ctx, key, &path)) {
		ds_end(ctx);
		return 0;
	}
	sl_node_t *victim = path.succ[0];
	ds_reserve(ctx, 0, victim);
	ds_write_phase(ctx);
	/* mark the tower top-down; level 0 last, and its mark decides */
	for (uint32_t lvl = victim->height - 1; lvl >= 1; lvl--) {
		sl_node_t *nx = cc_atomic_load_relaxed_ptr((void *const *)&victim->next[lvl]);
		/* seq_cst CAS: a marked pointer never changes again */
		while (!sl_marked(nx) && !cc_atomic_cas_value_ptr((void **)&victim->next[lvl], (void **)&nx, sl_mark(nx)))
			;
	}
	sl_node_t *nx = cc_atomic_load_relaxed_ptr((void *const *)&victim->next[0]);
	for (;;) {
		if (sl_marked(nx)) {
			ds_end(ctx);
			return 0; /* another remover's mark came first: it owns the node */
		}
		/* seq_cst CAS: the linearisation point of the remove */
		if (cc_atomic_cas_value_ptr((void **)&victim->next[0], (void **)&nx, sl_mark(nx)))
			break;
	}
	uint64_t value = victim->value;
	if (sl_owner_done(victim, SL_REMOVED))
		sl_unlink_and_retire(m, ctx, victim);
	/* else: the inserter is still linking upper levels; it unlinks and
	 * retires the node when it stops (it sees our flag) */
	ds_end(ctx);
	if (value_out != NULL)
		*value_out = value;
	return 1;
}

static int sl_broken(const char *what, uint64_t key)
{
	fprintf(stderr, "cc_skiplist_check: %s (key %llu)\n", what, (unsigned long long)key);
	errno = EPROTO;
	return -1;
}

int DS_FN(cc_skiplist_check)(cc_skiplist_t *m, ds_ctx_t *ctx, size_t *count_out, uint64_t *keysum_out)
{
	(void)ctx; /* quiescent: plain loads */
	size_t count = 0;
	uint64_t sum = 0;
	for (int lvl = 0; lvl < SL_MAX; lvl++) {
		const sl_node_t *prev = NULL;
		/* the level below, walked in step: this level must be a sub-list */
		const sl_node_t *below = lvl > 0 ? m->head->next[lvl - 1] : NULL;
		for (const sl_node_t *n = m->head->next[lvl]; n != NULL; n = n->next[lvl]) {
			if (sl_marked(n))
				return sl_broken("marked link reachable", prev ? prev->key : 0);
			if (sl_marked(n->next[lvl]))
				return sl_broken("removed node still linked", n->key);
			if (prev != NULL && n->key <= prev->key)
				return sl_broken("keys out of order", n->key);
			if (n->key > CC_SKIPLIST_KEY_MAX)
				return sl_broken("key out of range", n->key);
			if (n->height <= (uint32_t)lvl)
				return sl_broken("node linked above its tower", n->key);
			if (lvl > 0) {
				while (below != NULL && below != n)
					below = below->next[lvl - 1];
				if (below == NULL)
					return sl_broken("upper level not a sub-list of the one below", n->key);
			} else {
				count++;
				sum += n->key;
			}
			prev = n;
		}
	}
	/* every tower complete: count the links of each node's levels */
	for (const sl_node_t *n = m->head->next[0]; n != NULL; n = n->next[0]) {
		if (n->done != SL_INSERTED)
			return sl_broken("owner flags not those of a live node", n->key);
		/* volatile: a checkpoint inside the loop must not lose the level */
	for (volatile uint32_t lvl = 1; lvl < n->height; lvl++) {
			const sl_node_t *p = m->head;
			while (p->next[lvl] != NULL && p->next[lvl]->key < n->key)
				p = p->next[lvl];
			if (p->next[lvl] != n)
				return sl_broken("tower not linked at every level", n->key);
		}
	}
	if (count_out != NULL)
		*count_out = count;
	if (keysum_out != NULL)
		*keysum_out = sum;
	return 0;
}

void DS_FN(cc_skiplist_destroy)(cc_skiplist_t *m, ds_ctx_t *ctx)
{
	if (m == NULL)
		return;
	sl_node_t *n = m->head;
	while (n != NULL) {
		sl_node_t *next = sl_unmark(n->next[0]);
		ds_retire(ctx, n, sl_node_size(n->height));
		n = next;
	}
	cc_free(m, sizeof *m);
}

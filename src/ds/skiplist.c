/*
 * src/ds/skiplist.c - Fraser / Herlihy-Lev-Luchangco-Shavit lock-free skip
 * list on the SMR layer (see ccmem/skiplist.h).
 *
 * Shape of every operation under DEBRA+ (a no-op pattern elsewhere), in
 * sl_find and its callers:
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
#include "height.h"
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

/* A search's result at each level: pred, the last node with a key below the
 * key, and succ = pred's next, the first node whose key is not below it
 * (NULL for the end); neither was marked at that level when read. */
typedef struct sl_path {
	sl_node_t *pred[SL_MAX], *succ[SL_MAX];
} sl_path_t;

static inline bool sl_marked(const sl_node_t *p) { return ((uintptr_t)p & 1u) != 0; }
static inline sl_node_t *sl_unmark(const sl_node_t *p) { return (sl_node_t *)((uintptr_t)p & ~(uintptr_t)1); }
static inline sl_node_t *sl_mark(const sl_node_t *p) { return (sl_node_t *)((uintptr_t)p | 1u); }

static size_t sl_node_size(uint32_t height)
{
	return sizeof(sl_node_t) + (size_t)height * sizeof(sl_node_t *);
}

/* A removed node met by a search: the cut that unlinks it at one level. */
typedef struct sl_cut {
	sl_node_t *pred, *node, *succ;
	int lvl;
} sl_cut_t;

/*
 * The search: loads only, so it runs in a DEBRA+ restartable region.  It
 * never reads a pointer out of a removed node to follow it: it follows a
 * node's next pointer only when that pointer is unmarked, which proves the
 * node was still linked at that level when the pointer was read (a node is
 * unlinked only after it is marked, and an unmarked node is linked at every
 * level below one where it is linked).  So every node it reaches was linked
 * when its pointer was loaded, as IBR requires (smr.h): a pointer read out of
 * an already unlinked node could name a node born after this thread's
 * reservation and freed since.  On meeting a removed node it stops and
 * reports the cut instead (Harris and Michael's list search).
 *
 * Returns 1 when succ[0] holds the key, 0 when not, -1 with *cut filled.
 */
static int sl_search(cc_skiplist_t *m, ds_ctx_t *ctx, uint64_t key, sl_path_t *path, sl_cut_t *cut)
{
retry:;
	sl_node_t *pred = m->head;
	for (int lvl = SL_MAX - 1; lvl >= 0; lvl--) {
		sl_node_t *curr = ds_protect(ctx, &pred->next[lvl]);
		if (sl_marked(curr))
			goto retry; /* pred was removed since we reached it: start over */
		while (curr != NULL) {
			sl_node_t *next = ds_protect(ctx, &curr->next[lvl]);
			if (sl_marked(next)) {
				/* curr is removed: next is only copied into the cut, never
				 * followed */
				cut->pred = pred;
				cut->node = curr;
				cut->succ = sl_unmark(next);
				cut->lvl = lvl;
				return -1;
			}
			if (curr->key >= key)
				break;
			pred = curr;
			curr = next;
		}
		path->pred[lvl] = pred;
		path->succ[lvl] = curr;
	}
	return path->succ[0] != NULL && path->succ[0]->key == key;
}

/*
 * Searches until a path without removed nodes is seen, unlinking the removed
 * nodes met on the way.  Each attempt is a restartable read phase; on return
 * the thread is in a write phase, with the records of level `lvl` reserved
 * (slot 0 pred, slot 1 succ).  Returns whether succ[0] holds the key.
 * Inside an operation.
 */
static bool sl_find(cc_skiplist_t *m, ds_ctx_t *ctx, uint64_t key, sl_path_t *path, int lvl)
{
	sl_cut_t cut;
	for (;;) {
		ds_checkpoint(ctx);
		int found = sl_search(m, ctx, key, path, &cut);
		if (found >= 0) {
			ds_reserve(ctx, 0, path->pred[lvl]);
			ds_reserve(ctx, 1, path->succ[lvl]);
			ds_write_phase(ctx);
			return found != 0;
		}
		ds_reserve(ctx, 0, cut.pred);
		ds_reserve(ctx, 1, cut.node);
		ds_write_phase(ctx);
		/* seq_cst CAS: pred still names the removed node, unmarked, so pred
		 * is linked and node's successor (frozen by its mark) is still
		 * node's; whoever cuts it, its owner retires it (sl_owner_done). */
		cc_atomic_cas_ptr((void **)&cut.pred->next[cut.lvl], cut.node, cut.succ);
	}
}

/* Makes `node` (marked at every level, whose inserter has stopped linking)
 * unreachable at every level, then retires it.  Called inside an operation,
 * by the owner that set the second flag. */
static void sl_unlink_and_retire(cc_skiplist_t *m, ds_ctx_t *ctx, sl_node_t *node)
{
	sl_path_t path;
	/* Each level's linked nodes, marked or not, have strictly increasing keys
	 * (a link CAS needs pred and succ adjacent), so a node of the same key
	 * is never linked at a level together with this one, and this node, if
	 * still linked at a level, lies on the search path of its key there: a
	 * search that meets no removed node has seen it unlinked everywhere, and
	 * nobody links it again (its inserter is done). */
	sl_find(m, ctx, node->key, &path, 0);
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
	sl_path_t path;
	ds_begin(ctx);
	bool found = sl_find(m, ctx, key, &path, 0);
	uint64_t value = found ? path.succ[0]->value : 0;
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
	sl_node_t *n = NULL;
	ds_begin(ctx);
	for (;;) {
		if (sl_find(m, ctx, key, &path, 0)) {
			ds_end(ctx);
			if (n != NULL) /* never published: safe to hand back at once */
				ds_retire(ctx, n, sl_node_size(n->height));
			return 0;
		}
		/* write phase */
		if (n == NULL) {
			uint32_t h = ds_random_height(SL_MAX);
			n = ds_alloc(ctx, sl_node_size(h));
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
		}
		n->next[0] = path.succ[0];
		/* seq_cst CAS (release): the node's fields before its link */
		if (cc_atomic_cas_ptr((void **)&path.pred[0]->next[0], path.succ[0], n))
			break;
	}
	/* linked at level 0: the key is in the map.  Now the upper levels. */
	for (int lvl = 1; lvl < (int)n->height; lvl++) {
		for (;;) {
			sl_node_t *nx = cc_atomic_load_acquire_ptr((void *const *)&n->next[lvl]);
			if (sl_marked(nx))
				goto stop; /* removed meanwhile: stop building the tower */
			if (!sl_find(m, ctx, key, &path, lvl) || path.succ[0] != n)
				goto stop; /* n is no longer the key's node: removed */
			/* seq_cst CAS: fails once the remover has marked this level */
			if (nx != path.succ[lvl] && !cc_atomic_cas_ptr((void **)&n->next[lvl], nx, path.succ[lvl]))
				goto stop;
			/* seq_cst CAS: links n at lvl */
			if (cc_atomic_cas_ptr((void **)&path.pred[lvl]->next[lvl], path.succ[lvl], n))
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
	if (!sl_find(m, ctx, key, &path, 0)) { /* reserves the victim (slot 1) */
		ds_end(ctx);
		return 0;
	}
	sl_node_t *victim = path.succ[0];
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
			if (n->height <= (uint32_t)lvl) /* before reading next[lvl] */
				return sl_broken("node linked above its tower", n->key);
			if (sl_marked(n->next[lvl]))
				return sl_broken("removed node still linked", n->key);
			if (prev != NULL && n->key <= prev->key)
				return sl_broken("keys out of order", n->key);
			if (n->key > CC_SKIPLIST_KEY_MAX)
				return sl_broken("key out of range", n->key);
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
		for (uint32_t lvl = 1; lvl < n->height; lvl++) {
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

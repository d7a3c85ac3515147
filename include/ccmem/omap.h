/*
 * ccmem/omap.h - a lock-free ordered map of opaque keys and values, ordered
 * by the caller's comparator, on Fraser's skip list and the SMR layer (the
 * generic sibling of ccmem/skiplist.h, whose uint64_t map it leaves as is).
 *
 * Keys and values are pointers the map does not interpret.  The map holds
 * one reference to each key and value it contains ("references" in the
 * caller's sense: ccmem only calls ops->release once per key and once per
 * value, when SMR reclaims the node or the replaced value: never while a
 * thread may still read it).  Everything the map hands out to a caller
 * (a found key or value) passes through ops->acquire *inside* the SMR
 * operation, so a caller that takes its own reference there keeps the
 * object alive even if another thread removes or replaces it at once.
 *
 * Schemes: IBR, DEBRA and NONE.  DEBRA+ is refused (ENOTSUP): its
 * restartable read phases may be abandoned at any load by a signal and a
 * siglongjmp, and the comparator runs inside the searches, where it may run
 * arbitrary code (an interpreter's comparison) that must not be jumped out of.
 *
 * Comparator failure: ops->compare may report failure (*failed = true, e.g.
 * a Python __lt__ that raised).  The operation then stops at once:
 *   - before its linearisation point: returns -1 with errno ECANCELED and the
 *     map is unchanged (an insert frees its unpublished node and keeps no
 *     reference to key or value);
 *   - after it (an insert linking the upper levels of its tower, a remove's
 *     final unlinking pass): the operation's effect stands (the return value
 *     says what happened), the structure stays consistent (a tower may end
 *     up shorter than drawn; a removed node is unlinked by a comparator-free
 *     walk instead), and *failed tells the caller that a comparison failed.
 * Every function below that takes `bool *cmp_failed` sets it to whether any
 * comparison failed during the call (NULL allowed).
 *
 * Algorithm (src/ds/omap.c): the skip list of ccmem/skiplist.h (searches
 * follow only unmarked links, cut removed nodes and restart; the last of
 * inserter and remover unlinks and retires), with three changes.  A node's
 * value word points to a value cell {value} from smr_alloc, replaced by CAS
 * (the old cell is retired; its release runs when SMR frees it).  A remove
 * linearises at the CAS that marks the value word, then marks the tower; an
 * insert meeting such a node helps mark it and searches again.  Each node
 * counts the levels where it may still be linked, and a node is retired only
 * once that count is 0 or a comparator-free walk of each level has cut it by
 * identity, so even a comparator that is not a total order (a NaN key) can
 * disorder the map but never free a reachable node.
 *
 * Linearisation points: insert, the level-0 link CAS (or the read of the
 * present key's unmarked value word); remove, the value-word mark CAS (or the
 * read that finds the key absent or marked); replace(_if), the value-word CAS
 * (or that read); lookup, the read of the value word (or of the level-0 link
 * past the key).
 *
 * Cost: O(log n) expected comparisons and steps per operation (a node met
 * again one level down is not compared again; lookup and replace stop at the
 * first level that holds the key; with ops->summarize most comparisons are
 * an inline compare of two summaries stored in the nodes), plus one search
 * from the head per removed node met.  Insert: two smr_alloc (node and value
 * cell), one search, a CAS at level 0, then per upper level of its tower
 * (geometric, p = 1/2, at most 24 levels) up to two CAS and two atomic adds
 * on the path of that search (a new search only for a level whose CAS
 * failed).  Remove: one search, one CAS, the tower's marking CAS, a cut
 * CAS per linked level on the search's path, and only if one of those cuts
 * failed, one more search for the last owner (or, on a failed comparison or
 * an unfinished cut, an O(n) walk per linked level).  Replace: one
 * smr_alloc and one CAS.  Memory: a node of 48 + 8 * height bytes and a
 * 16-byte cell, each behind smr_alloc's 16-byte header.
 *
 * Hash index (with ops->hash): a lossy table of two-slot buckets, grown
 * (doubled) when the keys outnumber its buckets, that names the node of a
 * recently inserted or looked-up key.  A lookup or replace first reads the
 * key's bucket: a node there whose key compares equal and whose value word
 * is unmarked is the key's node (only a linked node is ever unmarked), so
 * the answer is the one the search would give, at the read of the value
 * word; anything else (an empty slot, another key, a removed node) falls
 * back to the search, which then puts the node it finds into the bucket.
 * Insert puts its new node, remove takes its node out.  A node named by a
 * slot holds a pin in its owner word and is retired only when both the
 * list and the index have let go of it, so a reader that loaded a node from
 * a slot inside its operation reads live memory.  Cost: a lookup hit is one
 * hash, two loads of the bucket and one comparison (usually of summaries);
 * insert adds a pin CAS and a slot CAS, remove up to one CAS and one atomic
 * add; growing copies the old table into the new one (O(n), once per
 * doubling, in the inserting thread).  Memory: 16 bytes per bucket, one to
 * two buckets per key.  A key without a hash costs nothing of this.
 *
 * Threads: any registered thread of the map's domain, with its own context,
 * outside any operation of its own (each call opens and closes one).
 * Progress: lock-free (given a comparator that returns).
 * Errors: -1 with errno (EINVAL, ENOMEM, ECANCELED, ENOTSUP); NULL with errno.
 */
#ifndef CCMEM_OMAP_H
#define CCMEM_OMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ccmem/smr.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cc_omap cc_omap_t;

typedef struct {
	/* <0, 0, >0 as a < b, a == b, a > b: a total order over the keys put in.
	 * On failure set *failed = true (the result is then ignored).  Runs
	 * inside an SMR operation, on the calling thread; must not call into
	 * this map's domain with the same context. */
	int (*compare)(void *arg, const void *a, const void *b, bool *failed);
	/* Called inside the operation for what the map hands out: key and/or
	 * value (NULL for the one not handed out).  May be NULL. */
	void (*acquire)(void *arg, void *key, void *value);
	/* The map's reference ends: called once for every key and once for
	 * every value it held (NULL for the other: a NULL key or value is
	 * allowed but its release call cannot say which), when SMR frees the node or
	 * the replaced value, on whichever thread frees it (inside any smr_*
	 * or cc_omap_* call on the domain, or smr_thread_unregister or
	 * smr_domain_destroy).  Must not call into the domain.  May be NULL. */
	void (*release)(void *arg, void *key, void *value);
	void *arg;
	/* Optional (NULL: every comparison calls compare): an order-preserving
	 * summary of a key, so that most comparisons of a search need no call
	 * and no load of the key itself (key slices, as in Masstree).  Returns
	 * the summary and writes its class to *cls; for keys a and b of the same
	 * class other than 0, summary(a) < summary(b) must imply
	 * compare(a, b) < 0 (a monotone map of the order onto uint64_t, e.g. an
	 * integer's value, a string's first 8 bytes big-endian); equal summaries
	 * decide nothing (compare is called), and class 0 means "no summary"
	 * (keys of different classes always go to compare).  Called once per
	 * key put in (stored in its node) and once per search key of an
	 * operation, inside the operation, on the calling thread; must be a pure
	 * function of the key, cannot fail, must not call into the domain. */
	uint64_t (*summarize)(void *arg, const void *key, uint16_t *cls);
	/* Optional (NULL: no index): a hash of a key, for the map's hash index,
	 * which answers lookup, replace and replace_if without a search most of
	 * the time (see "Hash index" above).  true with *hash, or false when this
	 * key has none (it is then always found by a search).  Keys that compare
	 * equal must have equal hashes when both have one.  Called once per
	 * operation that looks a key up, inserts or removes it, and for each
	 * indexed key when the index grows; on the calling thread, inside the
	 * operation; pure, cannot fail, must not call into the domain. */
	bool (*hash)(void *arg, const void *key, uint64_t *hash);
} cc_omap_ops_t;

/* An empty map in ctx's domain.  ops (not copied) and ops->arg must stay
 * valid until every node of the map has been released: after
 * cc_omap_destroy, until the domain has freed them (smr_domain_destroy at
 * the latest); static storage is simplest.  NULL with errno EINVAL (ops or
 * ops->compare NULL), ENOTSUP (a DEBRA+ domain), ENOMEM. */
cc_omap_t *cc_omap_create(smr_context_t *ctx, const cc_omap_ops_t *ops);

/* Inserts key -> value if the key is absent: 1 (the map now holds key and
 * value), or 0 when present: the present value goes through acquire and to
 * *existing unless NULL (the map took nothing).  -1 with errno ENOMEM or
 * ECANCELED (map unchanged, nothing taken). */
int cc_omap_insert(cc_omap_t *m, smr_context_t *ctx, void *key, void *value, void **existing, bool *cmp_failed);

/* Sets the value of a present key: 1 (the old value through acquire to
 * *old unless NULL; the map's reference to it is released once reclaimed;
 * the map holds value), 0 when absent (nothing taken), -1 with errno ENOMEM
 * or ECANCELED (nothing changed, nothing taken). */
int cc_omap_replace(cc_omap_t *m, smr_context_t *ctx, const void *key, void *value, void **old, bool *cmp_failed);

/* Sets the value of a present key whose value is `expected` (compared as a
 * pointer): 1 replaced (as cc_omap_replace), 0 absent or another value,
 * -1 with errno ENOMEM or ECANCELED. */
int cc_omap_replace_if(cc_omap_t *m, smr_context_t *ctx, const void *key, void *expected, void *value,
                       bool *cmp_failed);

/* Removes a present key: 1 (its key and value through acquire to *key_out /
 * *value_out unless NULL; the map's references are released once the node is
 * reclaimed), 0 absent, -1 with errno ECANCELED (nothing removed). */
int cc_omap_remove(cc_omap_t *m, smr_context_t *ctx, const void *key, void **key_out, void **value_out,
                   bool *cmp_failed);

/* 1 when present (value through acquire to *value_out unless NULL), 0
 * absent, -1 with errno ECANCELED. */
int cc_omap_lookup(cc_omap_t *m, smr_context_t *ctx, const void *key, void **value_out, bool *cmp_failed);

typedef enum {
	CC_OMAP_FIRST, /* the smallest key (key argument ignored) */
	CC_OMAP_LAST,  /* the largest key (key argument ignored) */
	CC_OMAP_GE,    /* the smallest key >= key (ceiling) */
	CC_OMAP_GT,    /* the smallest key >  key (higher) */
	CC_OMAP_LE,    /* the largest key <= key (floor) */
	CC_OMAP_LT,    /* the largest key <  key (lower) */
} cc_omap_seek_t;

/* The entry that `mode` names, read in one operation: 1 with its key and
 * value through acquire to *key_out / *value_out (either may be NULL), 0
 * when there is none, -1 with errno EINVAL (bad mode) or ECANCELED.  The
 * entry was in the map at some moment during the call.  Iterating with
 * FIRST then GT from the last key seen is weakly consistent (as Java's
 * ConcurrentSkipListMap): each key at most once, in increasing order, every
 * key present throughout the iteration is seen, never a freed node. */
int cc_omap_seek(cc_omap_t *m, smr_context_t *ctx, const void *key, cc_omap_seek_t mode, void **key_out,
                 void **value_out, bool *cmp_failed);

/* A batch of consecutive entries: up to `max` (>= 1) entries from the
 * position `mode` names, ascending for FIRST, GE and GT, descending for
 * LAST, LE and LT, read in one operation; entry i's key to keys_out[i] and
 * its value to values_out[i] (either array may be NULL), each through acquire
 * inside the operation.  Returns the count, fewer than max only when the map
 * had no further entry in that direction (so 0 means none), or -1 with errno
 * EINVAL (bad mode, max 0) or ECANCELED (a comparison failed before any
 * entry was taken: nothing handed out).  A comparison that fails after some
 * entries were taken ends the batch there: their count, with *cmp_failed set
 * (the caller owns them).  Weakly consistent, as iteration by seek: keys in
 * strictly increasing (descending: decreasing) order, each entry in the map
 * at some moment during the call, every key of the range present throughout
 * the call returned (up to max), nothing read from a freed node.  To go on,
 * call again with GT (LT) and the last key returned.
 * Cost (skip list): ascending, one search and a walk of level 0; descending,
 * one search and a comparator-free walk of level 0 from the search's node at
 * level ceil(log2 max) (about 2 max nodes; higher levels when that finds
 * fewer than max entries). */
int cc_omap_scan(cc_omap_t *m, smr_context_t *ctx, const void *key, cc_omap_seek_t mode, size_t max,
                 void **keys_out, void **values_out, bool *cmp_failed);

/* Keys in the map: exact when no operation is in flight, otherwise a value
 * it had during the call or between concurrent updates.  Any thread. */
size_t cc_omap_size(const cc_omap_t *m);

/* Quiescent only: verifies every level (keys strictly ascending by compare,
 * no removed node reachable, towers consistent) and writes the number of keys.
 * 0, or -1 with errno EPROTO (one line on stderr naming the broken
 * invariant) or ECANCELED (a comparison failed). */
int cc_omap_check(cc_omap_t *m, smr_context_t *ctx, size_t *count_out);

/* Retires every node (their keys and values are released as SMR frees
 * them) and frees the map.  Quiescent only.  NULL does nothing. */
void cc_omap_destroy(cc_omap_t *m, smr_context_t *ctx);

#ifdef __cplusplus
}
#endif

#endif /* CCMEM_OMAP_H */

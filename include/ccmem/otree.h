/*
 * ccmem/otree.h - a lock-free ordered map of opaque keys and values, ordered
 * by the caller's comparator, on the Natarajan-Mittal external binary search
 * tree and the SMR layer (the generic sibling of ccmem/bst.h, whose uint64_t
 * map it leaves as is).
 *
 * Contract: exactly that of ccmem/omap.h (the skip list), with the same
 * cc_omap_ops_t and cc_omap_seek_t, the same return conventions and the same
 * errors; a program can switch between the two by renaming cc_omap_ to
 * cc_otree_.  In short: the map holds one reference to each key and value it
 * contains and releases it (ops->release) exactly once, when SMR frees the
 * node or the replaced value, never while a thread may read it; whatever it
 * hands out passes through ops->acquire inside the SMR operation.  Schemes
 * IBR, DEBRA and NONE; DEBRA+ is refused (ENOTSUP: its restartable reads may
 * be jumped out of at any load, and the comparator runs inside them).  A
 * NULL key or value is allowed but its release call cannot say which it was
 * (as omap.h).
 *
 * Routing copies.  Internal nodes route by a copy of a key (the new key or
 * the key of the leaf it splits).  Each such node takes its own reference
 * through ops->acquire(arg, key, NULL) when it is created and releases it
 * through ops->release(arg, key, NULL) when SMR frees it, so the key object
 * outlives every node that points at it, whichever leaf is removed first.  A
 * map whose ops have no acquire takes no such reference: its keys must then
 * stay valid until the map is destroyed and its nodes freed (keys that need
 * no lifetime, such as integers carried in the pointers, are fine).  So the
 * release calls for a key are: one for its leaf, plus one per acquire of a
 * routing copy (release count = references taken + acquires by the map;
 * every acquire of something handed out is the caller's to drop).
 *
 * Algorithm (src/ds/otree*.c).  Leaf-oriented: keys and values in the
 * leaves, internal nodes route (a key goes left at an internal node when it
 * is < the node's key, right otherwise), every internal node has two
 * children, and three sentinel keys above every real key (inf0 < inf1 <
 * inf2, never compared) make the tree never empty.  Child edges carry a flag
 * (the leaf it points to is being unlinked) and a tag (the node holding the
 * edge is being unlinked), as in ccmem/bst.h.  Three changes:
 *   - a leaf's value word points to a value cell {value} from smr_alloc,
 *     replaced by CAS (the old cell is retired and its value released when
 *     SMR frees it), as in omap.h;
 *   - a remove linearises at the CAS that marks the leaf's value word; only
 *     then may anyone flag the edge to the leaf (the remover, or an insert or
 *     remove whose search ends at the marked leaf, which helps), and the
 *     clean-up CAS that unlinks it retires it, as in bst.h.  A marked leaf
 *     still linked is absent to every operation;
 *   - searches record the directions they took, so the clean-up and the
 *     retirement of what a clean-up CAS unlinked run no comparison: they
 *     identify the unlinked path by its frozen edges and by identity.
 *
 * A comparator that fails in a remove's clean-up (the remover searches again
 * only when a concurrent update moved its leaf before it could flag it):
 * the remove has taken effect (1, *cmp_failed set); its leaf stays linked,
 * marked (and maybe flagged), absent to lookups, seeks and scans, until a
 * later insert or remove whose search ends at it unlinks it, or until
 * cc_otree_destroy.  Nothing is retired while reachable (retirement follows
 * the clean-up CAS only, whatever the comparator answers), and nothing
 * leaks.  The same holds for a comparator that is not a total order: the
 * map may then be disordered and a marked leaf may stay until destroy.
 *
 * IBR: every node is dereferenced only after it was read out of a node that
 * was linked at the time (a clean edge proves its holder linked), or after
 * the last clean edge above it was re-read unchanged (bst.h's rule); scans
 * keep the nodes they will return to (pending subtrees) and trust a pending
 * node's subtree only when its edge reads clean, and the same, before and
 * after the walk reaches the leaf below it (so the node stayed linked and
 * its subtree's keys stayed beyond it), searching again from the root
 * otherwise.
 *
 * Linearisation points: insert -> 1, the CAS that links the new leaf;
 * insert -> 0, the read of the present leaf's unmarked value word; remove
 * -> 1, the value-word mark CAS; remove -> 0 and lookup -> 0, the search
 * reaching a leaf of another key or a marked one (on the key's access path
 * at some moment of the search, the paper's lemma); replace(_if), the
 * value-word CAS (or that read); lookup -> 1, the read of the value word.
 *
 * Cost: O(depth) comparisons and loads per operation, one comparison per
 * internal node on the path and at most one at the leaf; with
 * ops->summarize, each node keeps its key's summary (a routing copy
 * copies it), so most of them are an inline compare of two summaries,
 * without a call or a load of the key.  ops->hash is not used (the skip
 * list's hash index has no counterpart here).  No rebalancing:
 * random insertion order gives an expected depth of about 1.4 log2 n (about
 * 23 at 100,000 keys, against about 2 log2 n comparisons for the skip list);
 * keys inserted in sorted order make the tree a list and every operation
 * O(n) (use the skip list for those).  Insert: three smr_alloc (leaf, value
 * cell, internal node), one CAS, plus the routing copy's acquire.  Remove:
 * the mark CAS, the flag CAS, a tag and the clean-up CAS.  Replace: one
 * smr_alloc and one CAS.  Memory: two 56-byte nodes and a 16-byte cell per
 * key, each behind smr_alloc's 16-byte header.  Seek and scan: one search
 * (comparisons on the path and at the first leaf), then an in-order walk
 * without comparisons (amortised O(1) nodes per entry).
 *
 * Threads: any registered thread of the map's domain, with its own context,
 * outside any operation of its own (each call opens and closes one).
 * Progress: lock-free (given a comparator that returns).
 * Errors: -1 with errno (EINVAL, ENOMEM, ECANCELED, ENOTSUP); NULL with errno.
 */
#ifndef CCMEM_OTREE_H
#define CCMEM_OTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ccmem/omap.h"
#include "ccmem/smr.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cc_otree cc_otree_t;

/* An empty map in ctx's domain (five sentinel nodes).  ops (not copied) and
 * ops->arg must stay valid until every node of the map has been released
 * (after cc_otree_destroy, until the domain has freed them).  NULL with errno
 * EINVAL (ctx, ops or ops->compare NULL), ENOTSUP (a DEBRA+ domain), ENOMEM. */
cc_otree_t *cc_otree_create(smr_context_t *ctx, const cc_omap_ops_t *ops);

/* Inserts key -> value if the key is absent: 1 (the map now holds key and
 * value), or 0 when present: the present value goes through acquire and to
 * *existing unless NULL (the map took nothing).  -1 with errno ENOMEM or
 * ECANCELED (map unchanged, nothing taken). */
int cc_otree_insert(cc_otree_t *m, smr_context_t *ctx, void *key, void *value, void **existing, bool *cmp_failed);

/* Sets the value of a present key: 1 (the old value through acquire to *old
 * unless NULL; the map's reference to it is released once reclaimed), 0 when
 * absent, -1 with errno ENOMEM or ECANCELED (nothing changed, nothing taken). */
int cc_otree_replace(cc_otree_t *m, smr_context_t *ctx, const void *key, void *value, void **old, bool *cmp_failed);

/* Sets the value of a present key whose value is `expected` (compared as a
 * pointer): 1 replaced, 0 absent or another value, -1 with errno ENOMEM or
 * ECANCELED. */
int cc_otree_replace_if(cc_otree_t *m, smr_context_t *ctx, const void *key, void *expected, void *value,
                        bool *cmp_failed);

/* Removes a present key: 1 (its key and value through acquire to *key_out /
 * *value_out unless NULL; the map's references are released once the nodes
 * are reclaimed; see above for a comparator failing after the removal), 0
 * absent, -1 with errno ECANCELED (nothing removed). */
int cc_otree_remove(cc_otree_t *m, smr_context_t *ctx, const void *key, void **key_out, void **value_out,
                    bool *cmp_failed);

/* 1 when present (value through acquire to *value_out unless NULL), 0
 * absent, -1 with errno ECANCELED. */
int cc_otree_lookup(cc_otree_t *m, smr_context_t *ctx, const void *key, void **value_out, bool *cmp_failed);

/* The entry that `mode` names, as cc_omap_seek: 1 with key and value through
 * acquire (either out pointer may be NULL), 0 none, -1 with errno EINVAL
 * (bad mode) or ECANCELED.  Weakly consistent iteration as cc_omap_seek. */
int cc_otree_seek(cc_otree_t *m, smr_context_t *ctx, const void *key, cc_omap_seek_t mode, void **key_out,
                  void **value_out, bool *cmp_failed);

/* A batch of consecutive entries, as cc_omap_scan (ccmem/omap.h): up to
 * `max` entries from the position `mode` names, in one operation, each
 * through acquire; the count, or -1 with errno. */
int cc_otree_scan(cc_otree_t *m, smr_context_t *ctx, const void *key, cc_omap_seek_t mode, size_t max,
                  void **keys_out, void **values_out, bool *cmp_failed);

/* Keys in the map: exact when no operation is in flight, otherwise a value
 * it had during the call or between concurrent updates.  Any thread. */
size_t cc_otree_size(const cc_otree_t *m);

/* Quiescent only: verifies the tree (sentinels; every internal node has two
 * children and routes by compare: left below its key, right at or above;
 * leaves strictly ascending; a flag only on an edge to a marked leaf and a
 * tag only beside a flagged edge, which a remove whose clean-up failed may
 * leave; every node and cell of this map) and writes the number of keys
 * (unmarked leaves).  0, or -1 with errno EPROTO (one line on stderr naming
 * the broken invariant), ECANCELED (a comparison failed) or ENOMEM (its walk
 * stack).  O(n). */
int cc_otree_check(cc_otree_t *m, smr_context_t *ctx, size_t *count_out);

/* Retires every node (their keys, routing copies and values are released as
 * SMR frees them) and frees the map.  Quiescent only.  O(n), no allocation.
 * NULL does nothing. */
void cc_otree_destroy(cc_otree_t *m, smr_context_t *ctx);

#ifdef __cplusplus
}
#endif

#endif /* CCMEM_OTREE_H */

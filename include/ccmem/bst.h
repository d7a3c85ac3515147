/*
 * ccmem/bst.h - a lock-free ordered map (uint64_t -> uint64_t): an external
 * binary search tree on the SMR layer.
 *
 * Algorithm: Natarajan and Mittal, "Fast Concurrent Lock-Free Binary Search
 * Trees", PPoPP 2014.  The tree is leaf-oriented: keys and values live in the
 * leaves, internal nodes only route (a key k goes left at an internal node of
 * key K when k < K, right otherwise), and every internal node has two
 * children.  Three sentinel keys above CC_BST_KEY_MAX (inf0 < inf1 < inf2)
 * make the tree never empty: a root R (inf2) whose left child S (inf1) holds
 * the real keys under its left edge.
 *
 * Updates mark edges, not nodes.  A child pointer carries two bits: a flag
 * (the leaf it points to is being removed) and a tag (the node holding the
 * edge is being removed, the edge itself moves up).  An edge that carries
 * either bit never changes its target again, so a node whose edges are all
 * marked is frozen.  Each operation starts with a seek that records, on the
 * access path of its key, the leaf, its parent, and the last edge
 * ancestor -> successor that was not tagged.
 *   insert   one CAS replaces the clean edge parent -> leaf by a new internal
 *            node whose children are the old leaf and a new leaf.
 *   remove   injection: one CAS flags the edge parent -> leaf (this decides
 *            which of several concurrent removes of the key wins); cleanup:
 *            the sibling edge is tagged, then one CAS on the clean edge
 *            ancestor -> successor replaces the whole path successor..parent
 *            by the sibling subtree (keeping the sibling's flag).  Any thread
 *            that meets a flagged or tagged edge in its way helps the cleanup.
 * The thread whose cleanup CAS succeeds retires what it unlinked: every
 * internal node of the path successor..parent and the flagged leaf hanging
 * off each of them (several removals may complete in one CAS), each node
 * exactly once.
 *
 * Linearisation points
 *   insert  -> 1: the successful insertion CAS.
 *   remove  -> 1: the CAS that unlinks its leaf from the tree (its own cleanup
 *            CAS or a helper's), which happens after its flagging CAS and
 *            before it returns.  Until then every operation still finds the
 *            key (a flagged leaf is present), which keeps lookups, which do
 *            not look at the flag, linearisable.
 *   insert -> 0, remove -> 0, lookup: the seek reaches a leaf that was on the
 *            access path of the key at some moment during the seek (the
 *            paper's lemma; unlinked nodes are frozen); the operation is
 *            linearised at that moment.
 * Progress: lock-free (the paper's helping).  No operation is wait-free.
 *
 * Reclamation (every scheme of smr.h runs the same source):
 *   - every shared pointer load goes through smr_protect;
 *   - IBR: a node reached through a marked edge (whose holder may already
 *     be unlinked) is dereferenced only after re-reading the last clean edge
 *     above it, so that every node dereferenced was in the tree after the
 *     pointer to it was loaded (src/ds/bst.c explains why freezing alone is
 *     not enough); a changed edge restarts the seek;
 *   - DEBRA+: each attempt is a restartable read phase (the seek), then the
 *     four nodes of the seek record are reserved and the write phase does the
 *     CAS and any helping; the cleanup of a remove runs in the write phase.
 *
 * Threads: any registered thread of the map's domain, with its own context,
 * outside any operation of its own (each call opens and closes one).
 * Memory: one 32-byte node per leaf and per internal node (two per key) plus
 * five sentinels, all from smr_alloc.  No rebalancing: the depth depends on
 * the order of the keys (random order: O(log n) expected; sorted order:
 * O(n), so each operation then costs O(n)).
 *
 * Errors: -1 with errno, never a silent wrong answer: EINVAL for a key above
 * CC_BST_KEY_MAX (nothing changes), ENOMEM from create and insert (the map is
 * unchanged), EPROTO from cc_bst_check for a broken tree.
 */
#ifndef CCMEM_BST_H
#define CCMEM_BST_H

#include <stddef.h>
#include <stdint.h>

#include "ccmem/smr.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cc_bst cc_bst_t;

/* Largest key (the three above it are the sentinels). */
#define CC_BST_KEY_MAX (UINT64_MAX - 3)

/* An empty map whose nodes live in ctx's domain.  NULL with errno ENOMEM.
 * Any registered thread; five smr_alloc calls. */
cc_bst_t *cc_bst_create(smr_context_t *ctx);

/* Inserts key -> value when the key is absent: 1.  0 when the key is present
 * (its value is left untouched; if a concurrent insert of the key won after
 * this call had allocated its two nodes, they are retired, never kept).  -1
 * with errno EINVAL (key > CC_BST_KEY_MAX) or ENOMEM (nothing inserted, the
 * map unchanged).  Two smr_alloc calls, made only once the seek finds the key
 * absent and reused by retries of the same call; one CAS; O(depth) loads. */
int cc_bst_insert(cc_bst_t *m, smr_context_t *ctx, uint64_t key, uint64_t value);

/* Removes the key: 1 (its value to *value_out if non-NULL), 0 when absent,
 * -1 with errno EINVAL (key > CC_BST_KEY_MAX).  Two CAS and a tag when
 * uncontended; retires the nodes its cleanup unlinks (two per removed key).
 * O(depth) loads per seek. */
int cc_bst_remove(cc_bst_t *m, smr_context_t *ctx, uint64_t key, uint64_t *value_out);

/* Looks the key up: 1 (its value to *value_out if non-NULL), 0 when absent,
 * -1 with errno EINVAL.  Loads only (no store to shared memory); O(depth). */
int cc_bst_lookup(cc_bst_t *m, smr_context_t *ctx, uint64_t key, uint64_t *value_out);

/* Quiescent only (no operation on the map in flight, the caller ordered after
 * every earlier one, e.g. by pthread_join).  Walks the tree and verifies: the
 * sentinels; every internal node has two children and routes correctly (all
 * keys of its left subtree below its key, of its right subtree at or above);
 * leaves in strictly ascending order; no flagged or tagged edge left.  Writes
 * the number of keys to *count_out and their wrapping sum to *keysum_out (each
 * if non-NULL).  0, or -1 with errno EPROTO and a one-line message on stderr
 * naming what is broken, or ENOMEM (its walk stack: depth pointers).  O(n). */
int cc_bst_check(cc_bst_t *m, smr_context_t *ctx, size_t *count_out, uint64_t *keysum_out);

/* Retires every node (smr_retire through ctx) and frees the map.  Quiescent
 * only: no other thread uses the map any more.  ctx is any registered context
 * of the domain, outside an operation.  O(n), no allocation.  NULL does
 * nothing. */
void cc_bst_destroy(cc_bst_t *m, smr_context_t *ctx);

#ifdef __cplusplus
}
#endif

#endif /* CCMEM_BST_H */

/*
 * ccmem/skiplist.h - a lock-free ordered map of uint64_t keys on a skip list,
 * on the SMR layer.
 *
 * Algorithm: Fraser's lock-free skip list ("Practical lock-freedom", PhD
 * thesis, Cambridge 2004, ch. 4), in the form of Herlihy, Lev, Luchangco and
 * Shavit ("A provably correct scalable concurrent skip list", OPODIS 2006 /
 * "The Art of Multiprocessor Programming" ch. 14): each node has a tower of
 * next pointers; a remove marks the tower top-down (the low bit of each next
 * pointer) and the thread whose mark of level 0 succeeds owns the removal.
 *
 * Searches follow a next pointer only when it is unmarked, which proves the
 * node it was read from still linked at that moment (the rule IBR needs, see
 * smr.h: a pointer read out of an unlinked node may name a node already
 * freed).  On meeting a removed node a search stops, unlinks it with one CAS
 * and starts again from the head (Harris and Michael's list search), so every
 * operation, lookups included, may unlink removed nodes it meets.  Under
 * DEBRA+ every search is a restartable read phase and every CAS runs in a
 * write phase; the same source runs under IBR, DEBRA, DEBRA+ and NONE.
 *
 * Reclamation: a node is retired exactly once, when it can no longer be
 * reached at any level.  Its remover and its inserter (which may still be
 * linking upper levels when the node is removed) each add one flag to the
 * node when done; whichever comes second unlinks the node at every level and
 * retires it.
 *
 * Linearisation points: insert, the CAS that links the node at level 0 (or
 * the read that finds the key's node unmarked); remove, the CAS that marks
 * level 0 (or the read that finds the key absent, or the other remover's
 * mark); lookup, the read of the key's node's level-0 link (or the read of
 * the level-0 link past where it would be).
 *
 * Progress: lock-free.  Cost: O(log n) expected steps per operation, plus one
 * more search from the head for each removed node met.  Insert: one smr_alloc,
 * one search and one CAS for level 0, then for each upper level of its tower
 * (height geometric with p = 1/2, at most CC_SKIPLIST_MAX_HEIGHT) a search and
 * up to two CAS.  Remove: height marking CAS, and the owner that finishes
 * last runs one more search that unlinks the tower (up to height CAS).
 *
 * Threads: any registered thread of the map's domain, with its own context,
 * outside any operation of its own (each call opens and closes one).
 * Errors: -1 with errno (EINVAL, ENOMEM); NULL with errno from create.
 */
#ifndef CCMEM_SKIPLIST_H
#define CCMEM_SKIPLIST_H

#include <stddef.h>
#include <stdint.h>

#include "ccmem/smr.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cc_skiplist cc_skiplist_t;

/* Largest key; larger keys give -1 with errno EINVAL (the top three values
 * are kept free so that every ccmem map accepts the same keys). */
#define CC_SKIPLIST_KEY_MAX (UINT64_MAX - 3)

/* Levels of the tallest tower: 2^20 keys before searches lose their
 * logarithmic cost. */
#define CC_SKIPLIST_MAX_HEIGHT 20

/* An empty map whose nodes live in ctx's domain.  NULL with errno ENOMEM. */
cc_skiplist_t *cc_skiplist_create(smr_context_t *ctx);

/* 1 when inserted, 0 when the key was present (its value untouched, nothing
 * allocated is kept), -1 with errno EINVAL (key > CC_SKIPLIST_KEY_MAX) or
 * ENOMEM (the map unchanged). */
int cc_skiplist_insert(cc_skiplist_t *m, smr_context_t *ctx, uint64_t key, uint64_t value);

/* 1 when removed (its value to *value_out unless NULL), 0 when absent, -1 with
 * errno EINVAL for a bad key.  The node is retired through smr_retire. */
int cc_skiplist_remove(cc_skiplist_t *m, smr_context_t *ctx, uint64_t key, uint64_t *value_out);

/* 1 when present (its value to *value_out unless NULL), 0 when absent, -1
 * with errno EINVAL for a bad key.  Changes nothing in the map's contents; it
 * may unlink removed nodes it meets (a CAS each), as every operation does. */
int cc_skiplist_lookup(cc_skiplist_t *m, smr_context_t *ctx, uint64_t key, uint64_t *value_out);

/* Quiescent only (no operation on the map in flight): verifies every level
 * (keys strictly ascending, no marked node reachable, every node linked at
 * every level of its tower and nowhere above it) and writes the number of
 * keys and their wrapping sum (either pointer may be NULL).  0, or -1 with
 * errno EPROTO and one line on stderr naming the first broken invariant. */
int cc_skiplist_check(cc_skiplist_t *m, smr_context_t *ctx, size_t *count_out, uint64_t *keysum_out);

/* Retires every node and frees the map.  Quiescent only; ctx is any
 * registered context of the map's domain.  NULL does nothing. */
void cc_skiplist_destroy(cc_skiplist_t *m, smr_context_t *ctx);

#ifdef __cplusplus
}
#endif

#endif /* CCMEM_SKIPLIST_H */

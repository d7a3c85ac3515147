/*
 * alloc/stats.h - per-thread allocation counters.  Not installed.
 *
 * Each thread counts into its own cache-line-aligned record (single writer:
 * a relaxed load and a relaxed store, no read-modify-write); snapshots sum the
 * records of every thread ever seen.  A record outlives its thread and is
 * handed to the next thread that attaches, so thread churn does not grow the
 * registry beyond the peak number of simultaneous threads.
 */
#ifndef CCMEM_ALLOC_STATS_H
#define CCMEM_ALLOC_STATS_H

#include <stdbool.h>
#include <stddef.h>

/* Counts an allocation of `bytes` requested, `usable` usable. */
void cc__stats_count_alloc(size_t bytes, size_t usable);
/* Counts a free: `bytes` if sized, else `usable` (the block's usable size,
 * which leaves current_allocated either way). */
void cc__stats_count_free(size_t bytes, size_t usable, bool sized);

#endif /* CCMEM_ALLOC_STATS_H */

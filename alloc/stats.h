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

void cc__stats_count_alloc(size_t bytes);
void cc__stats_count_free(size_t bytes, bool sized);

#endif /* CCMEM_ALLOC_STATS_H */

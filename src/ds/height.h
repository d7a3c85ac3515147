/*
 * src/ds/height.h - tower heights for the skip lists (skiplist.c, omap.c):
 * geometric with p = 1/2, from a per-thread xorshift64* stream seeded by
 * splitmix64 of a process-wide counter, so threads draw distinct streams.
 * Each including file keeps its own counter and per-thread state.
 */
#ifndef CCMEM_DS_HEIGHT_H
#define CCMEM_DS_HEIGHT_H

#include <stdint.h>

#include "ccmem/atomic.h"

/* Seeds handed to threads, one splitmix64 step apart. */
static uint64_t ds_height_seeds;

/* A height in 1..max (max <= 64), P(h > k) = 2^-k below max. */
static inline uint32_t ds_random_height(uint32_t max)
{
	static _Thread_local uint64_t state;
	if (state == 0) {
		/* splitmix64 of a process-wide counter: distinct per thread.  Once
		 * per thread; the add needs no ordering beyond its atomicity. */
		uint64_t z = cc_atomic_faa_u64(&ds_height_seeds, 0x9E3779B97F4A7C15ull) + 0x9E3779B97F4A7C15ull;
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
		z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
		state = (z ^ (z >> 31)) | 1u;
	}
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	uint64_t r = state * 0x2545F4914F6CDD1Dull;
	return 1u + (uint32_t)__builtin_ctzll(r | (1ull << (max - 1)));
}

#endif /* CCMEM_DS_HEIGHT_H */

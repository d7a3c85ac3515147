/*
 * alloc/profiler/filter.c - the filter of indexed sampled blocks, which lets
 * a free that left the inline path skip the index lookup
 * (include/ccmem/profiler.h, Filter).
 */
#include <stdint.h>
#include <sys/mman.h>

#include "profiler_internal.h"

/*
 * While a run samples (p < 1), a free that reaches the hooks (any mode but the
 * plain "profiler" one, or a run whose inline bound was widened) and is not
 * in the arena looks its block up in the index only when the filter slot of
 * the address is nonzero.  A slot is
 * tag << 16 | count: count = sampled blocks of run `tag` (the run's
 * generation, 16 bits) whose address maps there and whose free has not yet
 * been seen; 0xFFFF sticks.  A sampled allocation increments its slot before
 * the block is returned, its free decrements it after the index entry is
 * gone, so a live indexed block's slot is never 0 (no false negatives); other
 * blocks that share the slot (same 64-byte granule, or an address 64 MiB
 * apart) miss in the index.  The table is
 * cleared when a run starts; a hook of an older run still in flight then
 * finds another tag and leaves the slot alone (or, on an empty slot, marks it
 * for its old run: a harmless false positive).  Writes happen on sampled
 * events only (CAS).  Allocated once, kept for the life of the process.
 */
#define FILTER_BYTES (FILTER_SLOTS * sizeof(uint32_t))
uint32_t *cc__pf_filter; /* under cc__pf_ctl */

static inline uint32_t *filter_slot(const void *ptr)
{
	return &cc__pf_filter[((uintptr_t)ptr >> FILTER_SHIFT) & (FILTER_SLOTS - 1)];
}

void cc__pf_filter_inc(const void *ptr, uint64_t g)
{
	uint32_t *s = filter_slot(ptr), tag = (uint32_t)(g & 0xFFFF);
	for (;;) {
		uint32_t v = cc_atomic_load_relaxed_u32(s), nv;
		if (v != 0 && v >> 16 == tag) {
			if ((v & 0xFFFF) == 0xFFFF)
				return;
			nv = v + 1;
		} else if (v != 0 && (int16_t)(uint16_t)(tag - (v >> 16)) < 0) {
			return; /* the slot is a newer run's: this hook's run is over */
		} else {
			nv = tag << 16 | 1; /* empty, or an older run's */
		}
		/* seq_cst CAS: the block is returned (and can reach a free) only after. */
		if (cc_atomic_cas_u32(s, v, nv))
			return;
	}
}

void cc__pf_filter_dec(const void *ptr, uint64_t g)
{
	uint32_t *s = filter_slot(ptr), tag = (uint32_t)(g & 0xFFFF);
	for (;;) {
		uint32_t v = cc_atomic_load_relaxed_u32(s);
		if (v == 0 || v >> 16 != tag || (v & 0xFFFF) == 0xFFFF)
			return;
		if (cc_atomic_cas_u32(s, v, (v & 0xFFFF) == 1 ? 0 : v - 1))
			return;
	}
}

/* Caller holds cc__pf_ctl: the table, empty. */
int cc__pf_filter_reset(void)
{
	if (cc__pf_filter == NULL) {
		cc__pf_filter = cc__pf_map_zeroed(FILTER_BYTES);
		return cc__pf_filter != NULL ? 0 : -1;
	}
	madvise(cc__pf_filter, FILTER_BYTES, MADV_DONTNEED); /* reads back as zeros */
	return 0;
}

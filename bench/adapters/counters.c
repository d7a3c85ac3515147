/* bench/adapters/counters.c - see counters.h. */
#include <stdio.h>
#include <stdlib.h>

#include "counters.h"

static dsb_cnt_t *g_head;
static _Thread_local dsb_cnt_t *t_self;

dsb_cnt_t *dsb_cnt_self(void)
{
	if (t_self != NULL)
		return t_self;
	dsb_cnt_t *c = aligned_alloc(CC_CACHE_LINE_SIZE, sizeof *c);
	if (c == NULL) {
		fprintf(stderr, "bench: out of memory for a counter record\n");
		abort();
	}
	c->retired = c->freed = 0;
	for (;;) {
		/* acquire: the records already published, before linking after them */
		dsb_cnt_t *h = cc_atomic_load_acquire_ptr((void *const *)&g_head);
		c->next = h;
		/* seq_cst CAS (release): the zeroed record before its link */
		if (cc_atomic_cas_ptr((void **)&g_head, h, c))
			break;
	}
	t_self = c;
	return c;
}

uint64_t dsb_cnt_pending(uint64_t *retired_out)
{
	uint64_t retired = 0, freed = 0;
	/* acquire: pairs with the publishing CAS; frees first, so a free counted
	 * here had its retire counted before it (clamped anyway) */
	dsb_cnt_t *head = cc_atomic_load_acquire_ptr((void *const *)&g_head);
	for (dsb_cnt_t *c = head; c != NULL; c = c->next)
		freed += cc_atomic_load_acquire_u64(&c->freed);
	for (dsb_cnt_t *c = head; c != NULL; c = c->next)
		retired += cc_atomic_load_relaxed_u64(&c->retired);
	*retired_out = retired;
	return retired > freed ? retired - freed : 0;
}

/*
 * src/ds/omap_check.c - cc_omap_check and cc_omap_destroy: the quiescent
 * functions of the generic ordered map (ccmem/omap.h), which walk the whole
 * structure with plain loads.  Compiled once per scheme with omap.c.
 */
#include <stdio.h>

#include "reclaim.h"

#if CC_DS_LIBRARY
#include "omap_node.h"

/* Slots of the index that name node n: in its key's bucket only */
static uint32_t om_pins_named(cc_omap_t *m, const om_node_t *n)
{
	uint64_t h;
	if (m->index == NULL || !om_hash(m, n->key, &h))
		return 0;
	om_node_t **b = omx_bucket(m->index, h);
	return (uint32_t)(b[0] == n) + (uint32_t)(b[1] == n);
}

static size_t om_slots_used(const cc_omap_t *m)
{
	size_t used = 0;
	if (m->index != NULL)
		for (uint64_t i = 0; i < 2 * (m->index->mask + 1); i++)
			used += m->index->slot[i] != NULL && m->index->slot[i] != OM_CLOSED;
	return used;
}

static int om_broken(const char *what, size_t index)
{
	fprintf(stderr, "cc_omap_check: %s (key #%zu of level 0)\n", what, index);
	errno = EPROTO;
	return -1;
}

static size_t om_index(const cc_omap_t *m, const om_node_t *n)
{
	size_t i = 0;
	for (const om_node_t *p = m->head->next[0]; p != NULL && p != n; p = om_unmark(p->next[0]))
		i++;
	return i;
}

int DS_FN(cc_omap_check)(cc_omap_t *m, ds_ctx_t *ctx, size_t *count_out)
{
	(void)ctx; /* quiescent: plain loads */
	size_t count = 0, appearances = 0, linked_sum = 0, pins = 0;
	for (int lvl = 0; lvl < OM_MAX; lvl++) {
		const om_node_t *prev = NULL;
		/* the level below, walked in step: this level must be a sub-list */
		const om_node_t *below = lvl > 0 ? m->head->next[lvl - 1] : NULL;
		for (const om_node_t *n = m->head->next[lvl]; n != NULL; n = n->next[lvl]) {
			if (om_marked(n))
				return om_broken("marked link reachable", prev ? om_index(m, prev) : 0);
			if (n->height <= (uint32_t)lvl) /* before reading next[lvl] */
				return om_broken("node linked above its allocated tower", om_index(m, n));
			if (n->linked <= (uint32_t)lvl)
				return om_broken("node linked above its linked height", om_index(m, n));
			if (om_marked(n->next[lvl]) || om_marked(n->val) || n->val == NULL)
				return om_broken("removed node still linked", om_index(m, n));
			if (n->ops != m->ops || n->val->ops != m->ops)
				return om_broken("node or value cell of another map", om_index(m, n));
			if (prev != NULL) {
				bool failed = false;
				int c = om_cmp(m, prev->key, n->key, &failed);
				if (failed) {
					errno = ECANCELED;
					return -1;
				}
				if (c >= 0)
					return om_broken("keys out of order", om_index(m, n));
			}
			if (lvl > 0) {
				while (below != NULL && below != n)
					below = below->next[lvl - 1];
				if (below == NULL)
					return om_broken("upper level not a sub-list of the one below", om_index(m, n));
			} else {
				count++;
				if ((n->done & (OM_PIN - 1)) != OM_INSERTED)
					return om_broken("owner flags not those of a live node", count - 1);
				if (om_pins_named(m, n) != n->done / OM_PIN)
					return om_broken("pins differ from the index slots naming the node", count - 1);
				pins += n->done / OM_PIN;
				if (n->linked < 1 || n->linked > n->height)
					return om_broken("linked height out of range", count - 1);
				if (n->links != n->linked)
					return om_broken("link count differs from the linked height", count - 1);
				linked_sum += n->linked;
			}
			appearances++;
			prev = n;
		}
	}
	/* every level is a sub-list of the one below, and no node appears above
	 * its linked height: so each node's levels are 0..k-1 with k <= linked,
	 * and equal sums make every k its linked height (towers complete) */
	if (appearances != linked_sum)
		return om_broken("a tower is not linked at every level of its linked height", 0);
	if (cc_atomic_load_relaxed_u64(&m->size) != count)
		return om_broken("size counter differs from the keys linked", count);
	/* every slot's node is counted above (so it is a live key of the list,
	 * in its own bucket): no slot names anything else */
	if (om_slots_used(m) != pins)
		return om_broken("an index slot names a node that is not a live key", count);
	if (count_out != NULL)
		*count_out = count;
	return 0;
}

void DS_FN(cc_omap_destroy)(cc_omap_t *m, ds_ctx_t *ctx)
{
	if (m == NULL)
		return;
	om_node_t *n = om_unmark(m->head->next[0]);
	ds_retire(ctx, m->head, om_node_size(OM_MAX));
	/* quiescent, the index names live keys only (cc_omap_check): they are
	 * retired below, with the pins they hold */
	if (m->index != NULL)
		ds_retire(ctx, m->index, omx_bytes(m->index->mask + 1));
	while (n != NULL) {
		om_node_t *next = om_unmark(n->next[0]);
		if (!om_marked(n->val))
			ds_retire_cb(ctx, n->val, sizeof(om_cell_t), om_cell_fini);
		ds_retire_cb(ctx, n, om_node_size(n->height), om_node_fini);
		n = next;
	}
	cc_free(m, sizeof *m);
}


#else
/* Built against a benchmark adapter: see omap.c. */
typedef int cc_omap_check_not_built_t;
#endif

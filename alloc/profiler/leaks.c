/*
 * alloc/profiler/leaks.c - the leak list of a report: the sampled blocks of
 * the run still live, with their stacks symbolised (dladdr, or the frame
 * source's describe) once per distinct stack.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "profiler_internal.h"

typedef struct {
	uint32_t id;
	char **arr;
	size_t n;
} symcache_t;

/* Symbolised frames of stack `id`, shared by every record with that stack. */
static char **symbolise(const cc_profiler_t *p, report_box_t *box, symcache_t *cache, size_t cap, uint32_t id,
                        size_t *depth)
{
	size_t h = (id * 2654435761u) & (cap - 1);
	while (cache[h].id != 0 && cache[h].id != id)
		h = (h + 1) & (cap - 1);
	if (cache[h].id == id) {
		*depth = cache[h].n;
		return cache[h].arr;
	}
	const struct dstack *s = cc__pf_depot_get(id);
	*depth = 0;
	if (s == NULL)
		return NULL;
	char **arr = calloc(s->n ? s->n : 1, sizeof *arr);
	char ***na = realloc(box->stack_arrays, (box->narrays + 1) * sizeof *na);
	char **ns = realloc(box->stack_strings, (box->nstrings + s->n) * sizeof *ns);
	if (na)
		box->stack_arrays = na;
	if (ns)
		box->stack_strings = ns;
	if (arr == NULL || na == NULL || ns == NULL) {
		free(arr);
		return NULL;
	}
	box->stack_arrays[box->narrays++] = arr;
	size_t k = 0;
	for (uint32_t i = 0; i < s->n; i++) {
		char buf[512];
		Dl_info di;
		void *pc = s->pc[i];
		if (i < s->nforeign) {
			const char *text = p->frames.describe != NULL ? p->frames.describe(p->frames.arg, (uintptr_t)pc) : NULL;
			snprintf(buf, sizeof buf, "%s", text != NULL ? text : "?");
		} else if (dladdr(pc, &di) != 0 && di.dli_sname != NULL)
			snprintf(buf, sizeof buf, "%s+0x%lx (%s)", di.dli_sname,
			         (unsigned long)((char *)pc - (char *)di.dli_saddr), di.dli_fname ? di.dli_fname : "?");
		else if (dladdr(pc, &di) != 0 && di.dli_fname != NULL)
			snprintf(buf, sizeof buf, "%p (%s+0x%lx)", pc, di.dli_fname,
			         (unsigned long)((char *)pc - (char *)di.dli_fbase));
		else
			snprintf(buf, sizeof buf, "%p", pc);
		char *d = cc__pf_dupstr(buf);
		if (d == NULL)
			break;
		arr[k++] = d;
		box->stack_strings[box->nstrings++] = d;
	}
	cache[h].id = id;
	cache[h].arr = arr;
	cache[h].n = k;
	*depth = k;
	return arr;
}

static int cmp_leak(const void *a, const void *b)
{
	const cc_profiler_allocation_record_t *x = a, *y = b;
	return (x->timestamp > y->timestamp) - (x->timestamp < y->timestamp);
}

/* The scan's state, for the index visitor. */
typedef struct {
	cc_profiler_t *p;
	report_box_t *box;
	double inv_tick_s;
	size_t max, cap;
	symcache_t *cache;
	size_t scap, sused;
	uint64_t tid_of[FLOW + 1];
} leak_scan_t;

static void leak_one(void *ctx, uint64_t addr, const struct ipay *e)
{
	leak_scan_t *ls = ctx;
	cc_profiler_t *p = ls->p;
	report_box_t *box = ls->box;
	cc_profiler_report_t *r = &box->r;
	r->leak_count++;
	r->leaked_bytes += e->size;
	if (r->leaked_allocations_len >= ls->max)
		return;
	if (r->leaked_allocations_len == ls->cap) {
		size_t nc = ls->cap ? ls->cap * 2 : 256;
		if (nc > ls->max)
			nc = ls->max;
		void *n = realloc(r->leaked_allocations, nc * sizeof *r->leaked_allocations);
		if (n == NULL)
			return;
		r->leaked_allocations = n;
		ls->cap = nc;
	}
	cc_profiler_allocation_record_t *a = &r->leaked_allocations[r->leaked_allocations_len++];
	memset(a, 0, sizeof *a);
	a->ptr = addr;
	a->size = e->size;
	a->timestamp = e->t0 > p->start_ticks ? (double)(e->t0 - p->start_ticks) * ls->inv_tick_s : 0.0;
	uint32_t owner = (uint32_t)(e->aux >> 32);
	a->thread_id = owner < FLOW ? ls->tid_of[owner] : 0;
	if (a->thread_id == 0)
		for (struct prec *rec = cc_atomic_load_acquire_ptr((void **)&cc__pf_rec_head); rec; rec = rec->next)
			if (rec->idx == owner)
				a->thread_id = rec->tid;
	uint32_t sid = (uint32_t)e->aux;
	if (sid == 0 || ls->cache == NULL)
		return;
	if (ls->sused * 2 >= ls->scap) { /* grow the cache: rebuild */
		symcache_t *nc = calloc(ls->scap * 2, sizeof *nc);
		if (nc != NULL) {
			for (size_t j = 0; j < ls->scap; j++) {
				if (ls->cache[j].id == 0)
					continue;
				size_t h = (ls->cache[j].id * 2654435761u) & (ls->scap * 2 - 1);
				while (nc[h].id != 0)
					h = (h + 1) & (ls->scap * 2 - 1);
				nc[h] = ls->cache[j];
			}
			free(ls->cache);
			ls->cache = nc;
			ls->scap *= 2;
		}
	}
	if (ls->sused * 2 < ls->scap) {
		size_t before = box->narrays;
		a->stack_trace = symbolise(p, box, ls->cache, ls->scap, sid, &a->stack_depth);
		ls->sused += box->narrays - before;
	}
}

/* Sampled blocks of run p->gen still live: counts all, keeps max records. */
void cc__pf_scan_leaks(cc_profiler_t *p, report_box_t *box, double inv_tick_s)
{
	cc_profiler_report_t *r = &box->r;
	leak_scan_t ls;
	memset(&ls, 0, sizeof ls);
	ls.p = p;
	ls.box = box;
	ls.inv_tick_s = inv_tick_s;
	ls.max = p->opt.max_leak_records ? p->opt.max_leak_records : SIZE_MAX;
	ls.scap = 1024;
	ls.cache = calloc(ls.scap, sizeof *ls.cache);
	uint64_t hi = 0; /* the arena's entries of the run lie below every record's arena_hi */
	for (struct prec *rec = cc_atomic_load_acquire_ptr((void **)&cc__pf_rec_head); rec != NULL; rec = rec->next) {
		if (cc_atomic_load_acquire_u64(&rec->gen) != p->gen)
			continue;
		if (rec->idx < FLOW)
			ls.tid_of[rec->idx] = rec->tid;
		uint64_t h = cc_atomic_load_relaxed_u64(&rec->arena_hi);
		if (h > hi)
			hi = h;
	}
	cc__pf_arena_visit(p->gen, hi, leak_one, &ls);
	cc__pf_index_visit(p->gen, leak_one, &ls);
	free(ls.cache);
	if (r->leaked_allocations_len > 1)
		qsort(r->leaked_allocations, r->leaked_allocations_len, sizeof *r->leaked_allocations, cmp_leak);
}

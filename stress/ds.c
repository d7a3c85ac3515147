/*
 * stress/ds.c - the structures under random operation mixes.
 *
 * Map structures (skiplist, bst, omap, otree): every thread draws keys of [0, range) and
 * inserts, removes or looks them up in the proportions of --mix; values are a
 * hash of their key, so a value read from a freed or reused node shows.  The
 * threads count what succeeded; at the end the map must hold exactly the keys
 * inserted minus the keys removed (count and key sum), pass its structural
 * check, and every value read must have been its key's.
 *
 * Queue: every thread enqueues (its id << 40 | sequence) or dequeues; every
 * dequeued value must come from a live producer, each consumer must see each
 * producer's values in order, and enqueued = dequeued + drained at the end
 * (count, sum and xor of a hash of every value: a lost or duplicated value
 * shows).
 *
 * omap and otree (the generic maps, ccmem/omap.h and ccmem/otree.h; not under
 * debra+, which they refuse): keys and values are integers carried in the
 * pointers (key + 1, the value hash), compared by a comparator; their lookups
 * take turns as lookup, replace (by the same value), seek GE and a scan of 8
 * entries from the key (GE or LE: in order, on the right side, values their
 * keys'), the final check iterates by seeks and by batches both ways, and
 * after the domain is destroyed the release hook must have run exactly once
 * per key inserted (prefill included) and once per value inserted or
 * replaced (the hooks have no acquire: the tree's routing nodes take no
 * reference).
 *
 * For all: nothing may be left in the glue after destroy.  Unless
 * --no-profile, a MemoryProfiler (ccmem/profiler.h, every allocation
 * sampled, cross-thread tracking only) runs from before the structure is
 * created until after it is destroyed: the summary's cross-thread frees are
 * its count of blocks freed by a thread other than the one that allocated
 * them, and the run exercises the profiler while reclamation frees nodes on
 * other threads.
 * Exit status 1 on any violation; 2, with one line, on bad arguments.
 *
 *   stress-ds --structure queue|skiplist|bst|omap|otree [--threads N] [--scheme S]
 *             [--backend B] [--duration SECONDS | --ops N] [--range K]
 *             [--mix INSERT:REMOVE] [--prefill N] [--fill] [--no-profile]
 *             [--json FILE]
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ccmem.h>
#include <ccmem/bst.h>
#include <ccmem/omap.h>
#include <ccmem/otree.h>
#include <ccmem/queue.h>
#include <ccmem/skiplist.h>

#include "harness.h"

#define MAX_THREADS 64
#define OPS_CHUNK 256 /* --ops: operations claimed at a time */

/* ---- the structures behind one interface --------------------------------------- */

typedef struct {
	const char *name;
	void *(*create)(smr_context_t *c);
	int (*insert)(void *m, smr_context_t *c, uint64_t k, uint64_t v);
	int (*remove)(void *m, smr_context_t *c, uint64_t k, uint64_t *v);
	int (*lookup)(void *m, smr_context_t *c, uint64_t k, uint64_t *v);
	int (*check)(void *m, smr_context_t *c, size_t *n, uint64_t *sum);
	void (*destroy)(void *m, smr_context_t *c);
	/* after smr_domain_destroy: false (detail written) on a broken count */
	bool (*released)(uint64_t inserted, char *detail, size_t cap);
} map_ops_t;

#define MAP_OPS(T)                                                                                      \
	static void *T##_create_(smr_context_t *c) { return cc_##T##_create(c); }                        \
	static int T##_insert_(void *m, smr_context_t *c, uint64_t k, uint64_t v)                           \
	{                                                                                                   \
		return cc_##T##_insert(m, c, k, v);                                                             \
	}                                                                                                   \
	static int T##_remove_(void *m, smr_context_t *c, uint64_t k, uint64_t *v)                          \
	{                                                                                                   \
		return cc_##T##_remove(m, c, k, v);                                                             \
	}                                                                                                   \
	static int T##_lookup_(void *m, smr_context_t *c, uint64_t k, uint64_t *v)                          \
	{                                                                                                   \
		return cc_##T##_lookup(m, c, k, v);                                                             \
	}                                                                                                   \
	static int T##_check_(void *m, smr_context_t *c, size_t *n, uint64_t *s)                            \
	{                                                                                                   \
		return cc_##T##_check(m, c, n, s);                                                              \
	}                                                                                                   \
	static void T##_destroy_(void *m, smr_context_t *c) { cc_##T##_destroy(m, c); }                    \
	static const map_ops_t T##_ops = { #T,          T##_create_, T##_insert_, T##_remove_,              \
		                               T##_lookup_, T##_check_,  T##_destroy_, NULL };

MAP_OPS(skiplist)
MAP_OPS(bst)

static uint64_t value_of(uint64_t key);

/* The generic map behind the same interface: key k is the pointer k + 1,
 * a value is its hash as a pointer. */
static uint64_t om_key_releases, om_value_releases, om_replaced;

static int om_compare(void *arg, const void *a, const void *b, bool *failed)
{
	(void)arg;
	(void)failed;
	uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;
	return x < y ? -1 : x > y;
}

static void om_release(void *arg, void *key, void *value)
{
	(void)arg;
	(void)value;
	/* seq_cst add: counted from whichever thread frees; read after the
	 * domain is destroyed */
	cc_atomic_faa_u64(key != NULL ? &om_key_releases : &om_value_releases, 1);
}

/* A coarse summary (8 neighbouring keys share one), so that searches take
 * both the summary path and the comparator. */
static uint64_t om_summarize(void *arg, const void *key, uint16_t *cls)
{
	(void)arg;
	*cls = 1;
	return (uint64_t)(uintptr_t)key >> 3;
}

/* A multiplicative hash, so the hash index is used by every operation. */
static bool om_hash(void *arg, const void *key, uint64_t *hash)
{
	(void)arg;
	*hash = (uint64_t)(uintptr_t)key * UINT64_C(0x9E3779B97F4A7C15) >> 17;
	return true;
}

static const cc_omap_ops_t om_hooks = { .compare = om_compare, .release = om_release, .summarize = om_summarize,
	                                .hash = om_hash };

/* The generic maps (omap, otree) share a contract: one set of adapters
 * each.  Lookups take turns as lookup, replace (by the same value), seek GE
 * and a scan of a few entries from the key. */
#define GMAP_OPS(T)                                                                                     \
	static void *T##_create_(smr_context_t *c) { return cc_##T##_create(c, &om_hooks); }             \
	static int T##_insert_(void *m, smr_context_t *c, uint64_t k, uint64_t v)                           \
	{                                                                                                   \
		return cc_##T##_insert(m, c, (void *)(uintptr_t)(k + 1), (void *)(uintptr_t)v, NULL, NULL);    \
	}                                                                                                   \
	static int T##_remove_(void *m, smr_context_t *c, uint64_t k, uint64_t *v)                          \
	{                                                                                                   \
		void *ko = NULL, *vo = NULL;                                                                    \
		int rc = cc_##T##_remove(m, c, (void *)(uintptr_t)(k + 1), &ko, &vo, NULL);                    \
		if (rc == 1 && (uintptr_t)ko != k + 1)                                                          \
			return -1;                                                                                  \
		*v = (uint64_t)(uintptr_t)vo;                                                                   \
		return rc;                                                                                      \
	}                                                                                                   \
	static int T##_lookup_(void *m, smr_context_t *c, uint64_t k, uint64_t *v)                          \
	{                                                                                                   \
		static _Thread_local unsigned turn;                                                            \
		void *key = (void *)(uintptr_t)(k + 1), *ko = NULL, *vo = NULL;                                 \
		int rc;                                                                                         \
		switch (turn++ % 4) {                                                                           \
		case 0:                                                                                         \
			rc = cc_##T##_lookup(m, c, key, &vo, NULL);                                                 \
			break;                                                                                      \
		case 1: /* the same value again: a new cell, the old one released */                          \
			rc = cc_##T##_replace(m, c, key, (void *)(uintptr_t)value_of(k), &vo, NULL);               \
			if (rc == 1)                                                                                \
				cc_atomic_faa_u64(&om_replaced, 1); /* seq_cst add: a count */                          \
			break;                                                                                      \
		case 2: /* the ceiling of the key: found when it is the key itself */                         \
			rc = cc_##T##_seek(m, c, key, CC_OMAP_GE, &ko, &vo, NULL);                                  \
			if (rc == 1 && (uintptr_t)vo != value_of((uint64_t)(uintptr_t)ko - 1))                      \
				return -1;                                                                              \
			if (rc == 1 && (uintptr_t)ko != k + 1)                                                      \
				rc = 0;                                                                                 \
			break;                                                                                      \
		default: /* a batch from the key, either way: in order, values their keys' */                 \
			rc = gmap_scan_check(turn & 4 ? CC_OMAP_LE : CC_OMAP_GE, k, &vo,                           \
			                     cc_##T##_scan(m, c, key, turn & 4 ? CC_OMAP_LE : CC_OMAP_GE, 8,           \
			                                   scan_keys, scan_values, NULL));                          \
			break;                                                                                      \
		}                                                                                               \
		if (rc == 1)                                                                                    \
			*v = (uint64_t)(uintptr_t)vo;                                                               \
		return rc;                                                                                      \
	}                                                                                                   \
	static int T##_check_(void *m, smr_context_t *c, size_t *n, uint64_t *sum)                          \
	{                                                                                                   \
		if (cc_##T##_check(m, c, n) != 0 || cc_##T##_size(m) != *n)                                     \
			return -1;                                                                                  \
		/* the key sum by a forward iteration (FIRST, then GT), and the count by                      \
		 * batches of 5 both ways */                                                                   \
		size_t seen = 0;                                                                                \
		uint64_t s = 0;                                                                                 \
		void *ko = NULL;                                                                                \
		int rc = cc_##T##_seek(m, c, NULL, CC_OMAP_FIRST, &ko, NULL, NULL);                             \
		while (rc == 1) {                                                                               \
			seen++;                                                                                     \
			s += (uint64_t)(uintptr_t)ko - 1;                                                           \
			rc = cc_##T##_seek(m, c, ko, CC_OMAP_GT, &ko, NULL, NULL);                                  \
		}                                                                                               \
		*sum = s;                                                                                       \
		for (int down = 0; down < 2 && rc == 0; down++) {                                               \
			void *ks[5];                                                                                \
			size_t batches = 0;                                                                         \
			int got = cc_##T##_scan(m, c, NULL, down ? CC_OMAP_LAST : CC_OMAP_FIRST, 5, ks, NULL, NULL); \
			while (got > 0) {                                                                           \
				batches += (size_t)got;                                                                 \
				if (got < 5)                                                                            \
					break;                                                                              \
				got = cc_##T##_scan(m, c, ks[4], down ? CC_OMAP_LT : CC_OMAP_GT, 5, ks, NULL, NULL);    \
			}                                                                                           \
			if (got < 0 || batches != *n)                                                               \
				rc = -1;                                                                                \
		}                                                                                               \
		return rc == 0 && seen == *n ? 0 : -1;                                                          \
	}                                                                                                   \
	static void T##_destroy_(void *m, smr_context_t *c) { cc_##T##_destroy(m, c); }                    \
	static const map_ops_t T##_ops = { #T,          T##_create_, T##_insert_,  T##_remove_,             \
		                               T##_lookup_, T##_check_,  T##_destroy_, om_released_ };

/* A scan's batch (rc entries in scan_keys/scan_values) checked: keys
 * strictly in the scan's direction, on the right side of k, each value its
 * key's.  1 (with *vo the value) when the first entry is k itself, 0 when
 * not, -1 on a violation. */
static _Thread_local void *scan_keys[8], *scan_values[8];
static int gmap_scan_check(cc_omap_seek_t mode, uint64_t k, void **vo, int rc)
{
	if (rc < 0 || rc > 8)
		return -1;
	for (int i = 0; i < rc; i++) {
		uint64_t kk = (uint64_t)(uintptr_t)scan_keys[i] - 1;
		if ((uintptr_t)scan_values[i] != value_of(kk) || (mode == CC_OMAP_GE ? kk < k : kk > k))
			return -1;
		if (i > 0) {
			uint64_t pk = (uint64_t)(uintptr_t)scan_keys[i - 1] - 1;
			if (mode == CC_OMAP_GE ? kk <= pk : kk >= pk)
				return -1;
		}
	}
	if (rc >= 1 && (uintptr_t)scan_keys[0] == k + 1) {
		*vo = scan_values[0];
		return 1;
	}
	return 0;
}

static bool om_released_(uint64_t inserted, char *detail, size_t cap)
{
	uint64_t keys = cc_atomic_load_acquire_u64(&om_key_releases); /* acquire: pairs with om_release */
	uint64_t values = cc_atomic_load_acquire_u64(&om_value_releases);
	uint64_t replaced = cc_atomic_load_relaxed_u64(&om_replaced);
	if (keys == inserted && values == inserted + replaced)
		return true;
	snprintf(detail, cap, "releases: %llu keys, %llu values; expected %llu keys, %llu values",
	         (unsigned long long)keys, (unsigned long long)values, (unsigned long long)inserted,
	         (unsigned long long)(inserted + replaced));
	return false;
}

GMAP_OPS(omap)
GMAP_OPS(otree)

/* ---- run state -------------------------------------------------------------------- */

static struct {
	const map_ops_t *map; /* NULL: the queue */
	long threads;
	uint64_t range, prefill, target_ops;
	unsigned insert_pct, remove_pct;
	double duration;
} cfg = { .threads = 4, .range = 1024, .prefill = UINT64_MAX, .insert_pct = 50, .remove_pct = 50,
	      .duration = 2.0 };

static smr_domain_t *g_d;
static void *g_map;
static cc_queue_t *g_queue;
static uint64_t g_stop, g_ops_claimed, g_ops_done;

typedef struct {
	uint32_t id;
	uint64_t seed, ops;
	/* maps */
	uint64_t inserted, removed, ins_sum, rem_sum, found;
	/* queue */
	uint64_t enq, deq, enq_sum, deq_sum, enq_xor, deq_xor;
	uint64_t *last_seq; /* per producer: last sequence this consumer took */
	/* both */
	uint64_t violations;
	char first_violation[160];
} worker_t;

static uint64_t value_of(uint64_t key)
{
	uint64_t z = key + 0x9E3779B97F4A7C15ull;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	return z ^ (z >> 27);
}

static void violation(worker_t *w, const char *what, uint64_t a, uint64_t b)
{
	if (w->violations++ == 0)
		snprintf(w->first_violation, sizeof w->first_violation, "%s (%llu, %llu)", what,
		         (unsigned long long)a, (unsigned long long)b);
}

/* Claims the next operation: false once the run is over. */
static bool next_op(uint64_t *budget)
{
	if (cc_atomic_load_relaxed_u64(&g_stop))
		return false;
	if (cfg.target_ops == 0)
		return true;
	if (*budget == 0) {
		uint64_t from = cc_atomic_faa_u64(&g_ops_claimed, OPS_CHUNK);
		if (from >= cfg.target_ops) {
			cc_atomic_store_relaxed_u64(&g_stop, 1);
			return false;
		}
		*budget = cfg.target_ops - from < OPS_CHUNK ? cfg.target_ops - from : OPS_CHUNK;
	}
	(*budget)--;
	return true;
}

static void map_op(worker_t *w, smr_context_t *c)
{
	uint64_t r = sh_rng(&w->seed), key = r % cfg.range, v = 0;
	unsigned pick = (unsigned)((r >> 40) % 100);
	if (pick < cfg.insert_pct) {
		int rc = cfg.map->insert(g_map, c, key, value_of(key));
		if (rc == 1) {
			w->inserted++;
			w->ins_sum += key;
		} else if (rc < 0) {
			violation(w, "insert failed", key, (uint64_t)errno);
		}
	} else if (pick < cfg.insert_pct + cfg.remove_pct) {
		int rc = cfg.map->remove(g_map, c, key, &v);
		if (rc == 1) {
			w->removed++;
			w->rem_sum += key;
			if (v != value_of(key))
				violation(w, "removed value is not its key's", key, v);
		} else if (rc < 0) {
			violation(w, "remove failed", key, (uint64_t)errno);
		}
	} else {
		int rc = cfg.map->lookup(g_map, c, key, &v);
		if (rc == 1) {
			w->found++;
			if (v != value_of(key))
				violation(w, "looked-up value is not its key's", key, v);
		} else if (rc < 0) {
			violation(w, "lookup failed", key, (uint64_t)errno);
		}
	}
}

static void queue_op(worker_t *w, smr_context_t *c)
{
	uint64_t r = sh_rng(&w->seed);
	if ((unsigned)((r >> 40) % 100) < cfg.insert_pct) {
		uint64_t v = (uint64_t)w->id << 40 | w->enq;
		if (cc_queue_enqueue(g_queue, c, v) != 0) {
			violation(w, "enqueue failed", v, (uint64_t)errno);
			return;
		}
		w->enq++;
		w->enq_sum += value_of(v);
		w->enq_xor ^= value_of(v);
	} else {
		uint64_t v;
		if (!cc_queue_dequeue(g_queue, c, &v))
			return;
		uint64_t p = v >> 40, seq = v & ((1ull << 40) - 1);
		if (p >= (uint64_t)cfg.threads) {
			violation(w, "dequeued a value no thread enqueued", v, p);
			return;
		}
		if (w->last_seq[p] != UINT64_MAX && seq <= w->last_seq[p])
			violation(w, "producer's values out of order", p, seq);
		w->last_seq[p] = seq;
		w->deq++;
		w->deq_sum += value_of(v);
		w->deq_xor ^= value_of(v);
	}
}

static void *thread_main(void *arg)
{
	worker_t *w = arg;
	smr_context_t *c = smr_thread_register(g_d);
	if (c == NULL) {
		fprintf(stderr, "stress-ds: register: %s\n", strerror(errno));
		exit(1);
	}
	uint64_t budget = 0;
	while (next_op(&budget)) {
		if (cfg.map)
			map_op(w, c);
		else
			queue_op(w, c);
		w->ops++;
		if ((w->ops & 1023) == 0)
			cc_atomic_faa_u64(&g_ops_done, 1024);
	}
	smr_thread_unregister(c);
	return NULL;
}

/* ---- command line ------------------------------------------------------------------ */

static int bad_args(const char *msg)
{
	fprintf(stderr, "stress-ds: %s (valid: --structure queue|skiplist|bst|omap|otree; --threads N (1..%d); "
	                "--scheme ibr|debra|debra+|none; --backend mimalloc|system|fault; --duration SECONDS "
	                "(> 0); --ops N (> 0); --range K (1..2^40); --mix INSERT:REMOVE (percentages, sum <= 100); "
	                "--prefill N (<= range); --fill; --no-profile; --json FILE)\n",
	        msg, MAX_THREADS - 1);
	return 2;
}

static void usage(void)
{
	printf("usage: stress-ds --structure queue|skiplist|bst|omap|otree [options]\n"
	       "  --threads N          worker threads (default 4; more than the cores oversubscribes)\n"
	       "  --scheme S           ibr, debra, debra+ or none (default debra)\n"
	       "  --backend B          mimalloc, system or fault (default: the glue's)\n"
	       "  --duration SECONDS   run for this long (default 2)\n"
	       "  --ops N              or run exactly N operations in all\n"
	       "  --range K            maps: keys are drawn from [0, K) (default 1024)\n"
	       "  --mix I:R            percent inserts (queue: enqueues) and removes; lookups the rest\n"
	       "                       (default 50:50)\n"
	       "  --prefill N          maps: insert N distinct keys first (default range / 2)\n"
	       "  --fill               debug fill: freed memory reads as 0xDF, so a late read shows\n"
	       "  --no-profile         no profiler (the summary then has no cross-thread frees)\n"
	       "  --json FILE          write the summary as JSON\n"
	       "Exit status: 0 all invariants held, 1 a violation, 2 bad arguments.\n");
}

static bool parse_mix(const char *s, unsigned *ins, unsigned *rem)
{
	long a, b;
	const char *colon = strchr(s, ':');
	if (colon == NULL || colon - s > 8)
		return false;
	char first[16];
	memcpy(first, s, (size_t)(colon - s));
	first[colon - s] = '\0';
	if (!sh_parse_long(first, 0, 100, &a) || !sh_parse_long(colon + 1, 0, 100, &b) || a + b > 100)
		return false;
	*ins = (unsigned)a;
	*rem = (unsigned)b;
	return true;
}

int main(int argc, char **argv)
{
	smr_scheme_t scheme = SMR_DEBRA;
	const char *json = NULL, *structure = NULL;
	bool fill = false, profile = true;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		if (strcmp(o, "--help") == 0) {
			usage();
			return 0;
		}
		if (strcmp(o, "--fill") == 0) {
			fill = true;
			continue;
		}
		if (strcmp(o, "--no-profile") == 0) {
			profile = false;
			continue;
		}
		if (strncmp(o, "--", 2) != 0 ||
		    (strcmp(o, "--structure") && strcmp(o, "--threads") && strcmp(o, "--scheme") &&
		     strcmp(o, "--backend") && strcmp(o, "--duration") && strcmp(o, "--ops") && strcmp(o, "--range") &&
		     strcmp(o, "--mix") && strcmp(o, "--prefill") && strcmp(o, "--json")))
			return bad_args("unknown option");
		const char *v = i + 1 < argc ? argv[++i] : NULL;
		if (v == NULL)
			return bad_args("missing value");
		if (strcmp(o, "--structure") == 0) {
			structure = v;
		} else if (strcmp(o, "--threads") == 0) {
			if (!sh_parse_long(v, 1, MAX_THREADS - 1, &cfg.threads))
				return bad_args("--threads wants a count from 1");
		} else if (strcmp(o, "--scheme") == 0) {
			if (smr_scheme_parse(v, &scheme) != 0)
				return bad_args("unknown scheme");
		} else if (strcmp(o, "--backend") == 0) {
			cc_backend_t b;
			if (cc_backend_parse(v, &b) != 0)
				return bad_args("unknown backend");
			if (cc_config_set_backend(b) != 0)
				return bad_args("backend not available in this build");
		} else if (strcmp(o, "--duration") == 0) {
			if (!sh_parse_seconds(v, &cfg.duration))
				return bad_args("--duration wants a number of seconds above 0");
			cfg.target_ops = 0;
		} else if (strcmp(o, "--ops") == 0) {
			if (!sh_parse_count(v, &cfg.target_ops))
				return bad_args("--ops wants a count above 0");
		} else if (strcmp(o, "--range") == 0) {
			if (!sh_parse_count(v, &cfg.range) || cfg.range > (1ull << 40))
				return bad_args("--range wants a count from 1 to 2^40");
		} else if (strcmp(o, "--mix") == 0) {
			if (!parse_mix(v, &cfg.insert_pct, &cfg.remove_pct))
				return bad_args("--mix wants INSERT:REMOVE percentages");
		} else if (strcmp(o, "--prefill") == 0) {
			long p;
			if (!sh_parse_long(v, 0, (long)1 << 40, &p))
				return bad_args("--prefill wants a count from 0");
			cfg.prefill = (uint64_t)p;
		} else {
			json = v;
		}
	}
	if (structure == NULL)
		return bad_args("--structure is required");
	if (strcmp(structure, "skiplist") == 0)
		cfg.map = &skiplist_ops;
	else if (strcmp(structure, "bst") == 0)
		cfg.map = &bst_ops;
	else if (strcmp(structure, "omap") == 0)
		cfg.map = &omap_ops;
	else if (strcmp(structure, "otree") == 0)
		cfg.map = &otree_ops;
	else if (strcmp(structure, "queue") != 0)
		return bad_args("unknown structure");
	if (cfg.prefill == UINT64_MAX)
		cfg.prefill = cfg.map ? cfg.range / 2 : 0;
	if (cfg.map && cfg.prefill > cfg.range)
		return bad_args("--prefill is above --range");

	cc_alloc_stats_enable(true);
	cc_alloc_stats_reset();
	if (fill)
		cc_config_set_debug_fill(true);
	cc_profiler_t *prof = NULL;
	if (profile) {
		cc_profiler_options_t po;
		cc_profiler_options_init(&po);
		po.track_sizes = false;
		po.track_latency = false;
		po.track_cross_thread = true;
		po.sample_rate = 1.0;
		prof = cc_profiler_create(&po);
		if (prof == NULL || cc_profiler_start(prof) != 0) {
			fprintf(stderr, "stress-ds: profiler: %s\n", strerror(errno));
			return 1;
		}
	}
	smr_options_t opts;
	smr_options_init(&opts, scheme);
	opts.max_threads = MAX_THREADS;
	g_d = smr_domain_create(&opts);
	if (g_d == NULL) {
		fprintf(stderr, "stress-ds: domain: %s\n", strerror(errno));
		return 1;
	}
	smr_context_t *mc = smr_thread_register(g_d);
	worker_t main_w = { .id = 0 };
	uint64_t pre_sum = 0;
	if (cfg.map) {
		g_map = cfg.map->create(mc);
		/* prefill: distinct keys spread over the range */
		for (uint64_t k = 0; g_map && k < cfg.prefill; k++) {
			uint64_t key = cfg.prefill == cfg.range ? k : k * cfg.range / cfg.prefill;
			if (cfg.map->insert(g_map, mc, key, value_of(key)) != 1)
				violation(&main_w, "prefill insert failed", key, (uint64_t)errno);
			pre_sum += key;
		}
	} else {
		g_queue = cc_queue_create(mc);
	}
	if (cfg.map ? g_map == NULL : g_queue == NULL) {
		fprintf(stderr, "stress-ds: create: %s\n", strerror(errno));
		return 1;
	}
	printf("stress-ds: %s, %ld threads, scheme %s, backend %s, ", structure, cfg.threads, smr_scheme_name(scheme),
	       cc_backend_name(cc_config_backend()));
	if (cfg.map)
		printf("range %llu, prefill %llu, ", (unsigned long long)cfg.range, (unsigned long long)cfg.prefill);
	printf("mix %u:%u:%u, %s\n", cfg.insert_pct, cfg.remove_pct, 100 - cfg.insert_pct - cfg.remove_pct,
	       cfg.target_ops ? "bounded by --ops" : "timed");
	fflush(stdout);

	static worker_t w[MAX_THREADS];
	pthread_t th[MAX_THREADS];
	for (long k = 0; k < cfg.threads; k++) {
		w[k] = (worker_t){ .id = (uint32_t)k, .seed = 0x9E3779B97F4A7C15ull * (uint64_t)(k + 1) };
		w[k].last_seq = calloc((size_t)cfg.threads, sizeof(uint64_t));
		if (w[k].last_seq == NULL)
			return 1;
		for (long p = 0; p < cfg.threads; p++)
			w[k].last_seq[p] = UINT64_MAX;
		pthread_create(&th[k], NULL, thread_main, &w[k]);
	}
	double t0 = sh_now(), last = 0;
	smr_stats_t s;
	while (!cc_atomic_load_relaxed_u64(&g_stop)) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		double el = sh_now() - t0;
		if (!cfg.target_ops && el >= cfg.duration)
			cc_atomic_store_relaxed_u64(&g_stop, 1);
		if (el - last >= 0.5) {
			last = el;
			smr_domain_stats(g_d, &s);
			sh_progress("%6.1fs ops %llu retired %llu freed %llu pending %llu", el,
			            (unsigned long long)cc_atomic_load_relaxed_u64(&g_ops_done),
			            (unsigned long long)s.retired, (unsigned long long)s.freed, (unsigned long long)s.pending);
		}
	}
	for (long k = 0; k < cfg.threads; k++)
		pthread_join(th[k], NULL);
	sh_progress_end();
	double secs = sh_now() - t0;

	/* ---- the invariants --------------------------------------------------------- */
	uint64_t ops = 0, violations = main_w.violations;
	const char *first = main_w.violations ? main_w.first_violation : NULL;
	uint64_t ins = 0, rem = 0, sum = pre_sum, found = 0;
	uint64_t enq = 0, deq = 0, enq_sum = 0, deq_sum = 0, enq_xor = 0, deq_xor = 0, drained = 0;
	for (long k = 0; k < cfg.threads; k++) {
		ops += w[k].ops;
		violations += w[k].violations;
		if (first == NULL && w[k].violations)
			first = w[k].first_violation;
		ins += w[k].inserted;
		rem += w[k].removed;
		sum += w[k].ins_sum - w[k].rem_sum;
		found += w[k].found;
		enq += w[k].enq;
		deq += w[k].deq;
		enq_sum += w[k].enq_sum;
		deq_sum += w[k].deq_sum;
		enq_xor ^= w[k].enq_xor;
		deq_xor ^= w[k].deq_xor;
	}
	char detail[200] = "";
	if (cfg.map) {
		size_t n = 0;
		uint64_t ksum = 0;
		if (cfg.map->check(g_map, mc, &n, &ksum) != 0) {
			violations++;
			snprintf(detail, sizeof detail, "structural check failed");
		} else if (n != cfg.prefill + ins - rem || ksum != sum) {
			violations++;
			snprintf(detail, sizeof detail, "contents: %zu keys (sum %llu), expected %llu (sum %llu)", n,
			         (unsigned long long)ksum, (unsigned long long)(cfg.prefill + ins - rem),
			         (unsigned long long)sum);
		}
		cfg.map->destroy(g_map, mc);
	} else {
		uint64_t v;
		worker_t *dw = &w[0]; /* drain as one more consumer: order per producer still holds */
		while (cc_queue_dequeue(g_queue, mc, &v)) {
			drained++;
			deq_sum += value_of(v);
			deq_xor ^= value_of(v);
			uint64_t p = v >> 40;
			if (p >= (uint64_t)cfg.threads)
				violation(dw, "drained a value no thread enqueued", v, p);
		}
		if (enq != deq + drained || enq_sum != deq_sum || enq_xor != deq_xor) {
			violations++;
			snprintf(detail, sizeof detail, "enqueued %llu, dequeued %llu + drained %llu%s",
			         (unsigned long long)enq, (unsigned long long)deq, (unsigned long long)drained,
			         enq == deq + drained ? " (same count, different values)" : "");
		}
		cc_queue_destroy(g_queue, mc);
	}
	smr_domain_stats(g_d, &s);
	uint64_t retired = s.retired, freed_live = s.freed, peak = s.peak_pending;
	smr_thread_unregister(mc);
	smr_domain_destroy(g_d);
	if (cfg.map && cfg.map->released && !cfg.map->released(cfg.prefill + ins, detail, sizeof detail))
		violations++;
	cc_alloc_snapshot_t g = cc_alloc_stats_snapshot();
	bool leak = g.current_allocated != 0 || g.alloc_count != g.free_count;
	uint64_t cross = 0;
	if (prof != NULL) {
		const cc_profiler_report_t *rep = NULL;
		if (cc_profiler_stop(prof) == 0)
			rep = cc_profiler_report(prof);
		if (rep == NULL) {
			violations++;
			snprintf(detail, sizeof detail, "profiler report: %s", strerror(errno));
		} else {
			cross = rep->cross_thread_free_count;
		}
	}
	for (long k = 0; k < cfg.threads; k++)
		free(w[k].last_seq);

	printf("\nsummary (%.2f s)\n", secs);
	printf("  operations         %12llu (%.0f per second)\n", (unsigned long long)ops, (double)ops / secs);
	if (cfg.map)
		printf("  inserted / removed %12llu / %llu, %llu lookups found\n", (unsigned long long)ins,
		       (unsigned long long)rem, (unsigned long long)found);
	else
		printf("  enqueued / dequeued%12llu / %llu (+%llu drained)\n", (unsigned long long)enq,
		       (unsigned long long)deq, (unsigned long long)drained);
	printf("  retired            %12llu\n", (unsigned long long)retired);
	printf("  freed              %12llu while running, the other %llu at destroy\n",
	       (unsigned long long)freed_live, (unsigned long long)(retired - freed_live));
	printf("  peak pending       %12llu\n", (unsigned long long)peak);
	if (prof != NULL)
		printf("  cross-thread frees %12llu (blocks freed by a thread that did not allocate them)\n",
		       (unsigned long long)cross);
	printf("  violations         %12llu%s%s\n", (unsigned long long)violations, first ? ": " : "",
	       first ? first : "");
	if (detail[0])
		printf("                     %s\n", detail);
	printf("  left after destroy %12llu bytes in %lld blocks\n", (unsigned long long)g.current_allocated,
	       (long long)(g.alloc_count - g.free_count));
	if (json) {
		FILE *f = fopen(json, "w");
		if (f == NULL) {
			fprintf(stderr, "stress-ds: cannot write %s: %s\n", json, strerror(errno));
		} else {
			fprintf(f,
			        "{\"structure\": \"%s\", \"scheme\": \"%s\", \"threads\": %ld, \"seconds\": %.3f, "
			        "\"operations\": %llu, \"inserted\": %llu, \"removed\": %llu, \"enqueued\": %llu, "
			        "\"dequeued\": %llu, \"retired\": %llu, \"peak_pending\": %llu, \"violations\": %llu, "
			        "\"cross_thread_frees\": %llu, \"left_bytes\": %llu}\n",
			        structure, smr_scheme_name(scheme), cfg.threads, secs, (unsigned long long)ops,
			        (unsigned long long)ins, (unsigned long long)rem, (unsigned long long)enq,
			        (unsigned long long)(deq + drained), (unsigned long long)retired, (unsigned long long)peak,
			        (unsigned long long)violations, (unsigned long long)cross,
			        (unsigned long long)g.current_allocated);
			fclose(f);
		}
	}
	cc_profiler_destroy(prof);
	if (violations || leak) {
		printf("FAILED:%s%s\n", violations ? " invariant violated" : "", leak ? " memory left after destroy" : "");
		return 1;
	}
	printf("OK\n");
	return 0;
}

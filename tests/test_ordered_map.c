/* Check suite of the generic ordered maps, compiled twice: test_omap (the
 * skip list, include/ccmem/omap.h, src/ds/omap.c) and test_otree
 * (-DCCT_OTREE=1: the tree, include/ccmem/otree.h, src/ds/otree*.c), which
 * share one contract.  Every test runs under IBR, DEBRA and NONE (DEBRA+ is
 * refused), each twice: with the comparator alone, and with key summaries
 * (ops->summarize) and a hash (ops->hash, the skip list's index; the tree
 * has none and ignores it).  Keys and values are heap boxes that count what the map does to
 * them: acquire (the test drops each acquired reference it is handed; the
 * tree also acquires a key for each routing node that copies it) and release
 * (exactly once per reference the map held, checked after the domain has
 * freed everything). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <ccmem.h>
#include <ccmem/omap.h>
#include <ccmem/otree.h>

#include "support.h"

#if CCT_OTREE
typedef cc_otree_t map_t;
#define MAP(fn) cc_otree_##fn
#define MAP_NAME "otree"
#define INSERT_ALLOCS 3 /* value cell, leaf, internal node */
#else
typedef cc_omap_t map_t;
#define MAP(fn) cc_omap_##fn
#define MAP_NAME "omap"
#define INSERT_ALLOCS 2 /* value cell, node */
#endif

static const smr_scheme_t schemes[] = { SMR_IBR, SMR_DEBRA, SMR_NONE };
#define NSCHEMES ((int)(sizeof schemes / sizeof schemes[0]))
/* loop index _i: the scheme, then whether keys have summaries and hashes */
#define SCHEME (schemes[_i % NSCHEMES])
#define MAP_OPS (_i >= NSCHEMES ? &box_sum_ops : &box_ops)

/* A key or a value: k is the key (a value's k is the key it was stored
 * under).  Counters are updated by any thread (release runs where SMR frees). */
typedef struct {
	uint64_t k;
	uint64_t taken;    /* times the map took it (successful insert / replace) */
	uint64_t released; /* ops->release calls */
	uint64_t acquired; /* ops->acquire calls */
	uint64_t dropped;  /* references the test dropped */
} box_t;

static box_t *box_new(uint64_t k)
{
	box_t *b = calloc(1, sizeof *b);
	ck_assert_ptr_nonnull(b);
	b->k = k;
	return b;
}

static void bump(uint64_t *c) { cc_atomic_faa_u64(c, 1); /* seq_cst add: counted from any thread */ }
static uint64_t get(uint64_t *c) { return cc_atomic_load_acquire_u64(c); /* acquire: pairs with bump */ }

/* The comparator counts its calls and fails on call number g_fail_at (0:
 * never) and on every g_fail_every-th call (0: never); g_random makes it
 * answer at random (not a total order). */
static uint64_t g_calls, g_fail_at, g_fail_every, g_random;

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* A thread whose comparisons are neither counted nor failed (the helper
 * below), and a hook that runs, once, inside the g_hook_at-th comparison. */
static _Thread_local bool t_uncounted;
static uint64_t g_hook_at;
static void (*g_hook)(void);

static int box_compare(void *arg, const void *a, const void *b, bool *failed)
{
	(void)arg;
	if (t_uncounted) {
		uint64_t x = ((const box_t *)a)->k, y = ((const box_t *)b)->k;
		return x < y ? -1 : x > y;
	}
	uint64_t n = cc_atomic_faa_u64(&g_calls, 1) + 1; /* seq_cst add: a count */
	if (n == g_hook_at && g_hook != NULL) {
		void (*h)(void) = g_hook;
		g_hook = NULL;
		h();
	}
	uint64_t every = cc_atomic_load_relaxed_u64(&g_fail_every);
	if (n == cc_atomic_load_relaxed_u64(&g_fail_at) || (every != 0 && n % every == 0)) {
		*failed = true;
		return 0;
	}
	if (cc_atomic_load_relaxed_u64(&g_random) != 0) {
		uint64_t s = n * 7919u;
		return (int)(rnd(&s) % 3) - 1;
	}
	uint64_t x = ((const box_t *)a)->k, y = ((const box_t *)b)->k;
	return x < y ? -1 : x > y;
}

static void box_acquire(void *arg, void *key, void *value)
{
	(void)arg;
	ck_assert(key != NULL || value != NULL);
	if (key != NULL)
		bump(&((box_t *)key)->acquired);
	if (value != NULL)
		bump(&((box_t *)value)->acquired);
}

static void box_release(void *arg, void *key, void *value)
{
	(void)arg;
	if (key != NULL)
		bump(&((box_t *)key)->released);
	if (value != NULL)
		bump(&((box_t *)value)->released);
}

static const cc_omap_ops_t box_ops = { .compare = box_compare, .acquire = box_acquire, .release = box_release };

/* A coarse summary (k / 4, so neighbours often tie and go to compare), in
 * two classes (every 7th key in another, so classes meet in searches). */
static uint64_t box_summarize(void *arg, const void *key, uint16_t *cls)
{
	(void)arg;
	uint64_t k = ((const box_t *)key)->k;
	*cls = k % 7 == 0 ? 2 : 1;
	return k >> 2;
}

/* A hash that three neighbours share (so buckets overflow and ways are
 * taken from one another), none for every 5th key (found by search only). */
static bool box_hash(void *arg, const void *key, uint64_t *hash)
{
	(void)arg;
	uint64_t k = ((const box_t *)key)->k;
	*hash = k / 3;
	return k % 5 != 0;
}

static const cc_omap_ops_t box_hash_ops = { .compare = box_compare, .acquire = box_acquire, .release = box_release,
	                                    .hash = box_hash };
static const cc_omap_ops_t box_sum_ops = { .compare = box_compare, .acquire = box_acquire, .release = box_release,
	                                   .summarize = box_summarize, .hash = box_hash };

static void drop(box_t *b) { bump(&b->dropped); }

/* After smr_domain_destroy: every reference the map held released exactly
 * once, and every acquired reference the test was handed dropped.  The map's
 * own references are those it was given (taken) and those it acquired for
 * itself (the tree's routing copies: acquired and never handed out), so
 * released - taken == acquired - dropped; the skip list acquires nothing for
 * itself. */
static void assert_balanced(box_t **boxes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t taken = get(&boxes[i]->taken), released = get(&boxes[i]->released);
		uint64_t acquired = get(&boxes[i]->acquired), dropped = get(&boxes[i]->dropped);
		ck_assert_msg(released + dropped == taken + acquired && released >= taken && acquired >= dropped,
		              "box %zu (k %llu): taken %llu, released %llu, acquired %llu, dropped %llu", i,
		              (unsigned long long)boxes[i]->k, (unsigned long long)taken, (unsigned long long)released,
		              (unsigned long long)acquired, (unsigned long long)dropped);
#if !CCT_OTREE
		ck_assert_uint_eq(released, taken);
#endif
	}
}

/* A growable list of every box a test made. */
typedef struct {
	box_t **v;
	size_t n, cap;
} boxes_t;

static box_t *boxes_add(boxes_t *bs, uint64_t k)
{
	if (bs->n == bs->cap) {
		bs->cap = bs->cap ? 2 * bs->cap : 256;
		bs->v = realloc(bs->v, bs->cap * sizeof *bs->v);
		ck_assert_ptr_nonnull(bs->v);
	}
	return bs->v[bs->n++] = box_new(k);
}

static void boxes_free(boxes_t *bs)
{
	for (size_t i = 0; i < bs->n; i++)
		free(bs->v[i]);
	free(bs->v);
}

/* The end of a single-threaded test: the map destroyed, the domain with
 * it (which frees everything), then every box balanced and the glue too. */
static void destroy_and_balance(map_t *m, smr_context_t *c, smr_domain_t *d, boxes_t *bs)
{
	MAP(destroy)(m, c);
	smr_thread_unregister(c);
	smr_domain_destroy(d);
	assert_balanced(bs->v, bs->n);
	boxes_free(bs);
	cct_assert_glue_balanced();
}

static void assert_check(map_t *m, smr_context_t *c, size_t count)
{
	size_t n = 12345;
	ck_assert_int_eq(MAP(check)(m, c, &n), 0);
	ck_assert_uint_eq(n, count);
	ck_assert_uint_eq(MAP(size)(m), count);
}

/* ---- the model: model[k] is the value box of key k, NULL when absent ---------- */

static int model_seek(box_t **model, int range, int64_t probe, cc_omap_seek_t mode)
{
	switch (mode) {
	case CC_OMAP_FIRST:
		for (int k = 0; k < range; k++)
			if (model[k])
				return k;
		return -1;
	case CC_OMAP_LAST:
		for (int k = range - 1; k >= 0; k--)
			if (model[k])
				return k;
		return -1;
	case CC_OMAP_GE:
	case CC_OMAP_GT:
		for (int64_t k = probe + (mode == CC_OMAP_GT); k < range; k++)
			if (k >= 0 && model[k])
				return (int)k;
		return -1;
	default:
		for (int64_t k = probe - (mode == CC_OMAP_LT); k >= 0; k--)
			if (k < range && model[k])
				return (int)k;
		return -1;
	}
}

/* What a scan from (probe, mode) of at most max entries must return: the
 * model's keys, into want[]; their count. */
static int model_scan(box_t **model, int range, int64_t probe, cc_omap_seek_t mode, int max, int *want)
{
	bool asc = mode == CC_OMAP_FIRST || mode == CC_OMAP_GE || mode == CC_OMAP_GT;
	int n = 0, k = model_seek(model, range, probe, mode);
	while (k >= 0 && n < max) {
		want[n++] = k;
		k = model_seek(model, range, k, asc ? CC_OMAP_GT : CC_OMAP_LT);
	}
	return n;
}

/* A scan checked against the model: count, keys, values, order; every
 * handed-out reference dropped.  Returns the count. */
static int check_scan(map_t *m, smr_context_t *c, box_t **model, box_t **keys, int range, int64_t probe,
                      cc_omap_seek_t mode, int max)
{
	enum { CAP = 512 };
	ck_assert_int_le(max, CAP);
	int want[CAP];
	void *ko[CAP], *vo[CAP];
	int n = model_scan(model, range, probe, mode, max, want);
	box_t pb = { .k = (uint64_t)probe };
	bool failed = true;
	int rc = MAP(scan)(m, c, &pb, mode, (size_t)max, ko, vo, &failed);
	ck_assert(!failed);
	ck_assert_int_eq(rc, n);
	for (int i = 0; i < rc; i++) {
		ck_assert_ptr_eq(ko[i], keys[want[i]]);
		ck_assert_ptr_eq(vo[i], model[want[i]]);
		drop(ko[i]);
		drop(vo[i]);
	}
	/* the same batch with one array only, and counting only */
	ck_assert_int_eq(MAP(scan)(m, c, &pb, mode, (size_t)max, ko, NULL, NULL), n);
	for (int i = 0; i < n; i++) {
		ck_assert_ptr_eq(ko[i], keys[want[i]]);
		drop(ko[i]);
	}
	ck_assert_int_eq(MAP(scan)(m, c, &pb, mode, (size_t)max, NULL, vo, NULL), n);
	for (int i = 0; i < n; i++) {
		ck_assert_ptr_eq(vo[i], model[want[i]]);
		drop(vo[i]);
	}
	ck_assert_int_eq(MAP(scan)(m, c, &pb, mode, (size_t)max, NULL, NULL, NULL), n);
	return n;
}

/* Random operations of every kind against the model: every return value,
 * every key and value handed out, the structure every 400 operations, and
 * at the end every release. */
START_TEST(sequential_matches_model)
{
	enum { RANGE = 300, OPS = 8000 };
	cc_alloc_stats_enable(true);
	smr_domain_t *d = cct_domain(SCHEME, 8);
	smr_context_t *c = smr_thread_register(d);
	map_t *m = MAP(create)(c, MAP_OPS);
	ck_assert_ptr_nonnull(m);
	boxes_t bs = { 0 };
	box_t *keys[RANGE], *model[RANGE];
	for (int k = 0; k < RANGE; k++) {
		keys[k] = boxes_add(&bs, (uint64_t)k);
		model[k] = NULL;
	}
	box_t *probe = boxes_add(&bs, 0);
	size_t count = 0;
	uint64_t seed = 7;
	for (int op = 0; op < OPS; op++) {
		uint64_t r = rnd(&seed);
		int k = (int)(r % RANGE);
		probe->k = (uint64_t)k;
		void *ko = (void *)0x1, *vo = (void *)0x1;
		bool failed = true;
		switch ((r >> 32) % 7) {
		case 0:
		case 1: {
			box_t *v = boxes_add(&bs, (uint64_t)k);
			int rc = MAP(insert)(m, c, keys[k], v, &vo, &failed);
			ck_assert(!failed);
			ck_assert_int_eq(rc, model[k] ? 0 : 1);
			if (rc == 1) {
				v->taken++;
				keys[k]->taken++;
				model[k] = v;
				count++;
				ck_assert_ptr_eq(vo, (void *)0x1);
			} else {
				ck_assert_ptr_eq(vo, model[k]);
				drop(vo);
			}
			break;
		}
		case 2: {
			int rc = MAP(remove)(m, c, probe, (r >> 50) & 1 ? &ko : NULL, &vo, &failed);
			ck_assert(!failed);
			ck_assert_int_eq(rc, model[k] ? 1 : 0);
			if (rc == 1) {
				ck_assert_ptr_eq(vo, model[k]);
				drop(vo);
				if ((r >> 50) & 1) {
					ck_assert_ptr_eq(ko, keys[k]);
					drop(ko);
				}
				model[k] = NULL;
				count--;
			} else {
				ck_assert_ptr_eq(vo, (void *)0x1);
			}
			break;
		}
		case 3: {
			int rc = MAP(lookup)(m, c, probe, &vo, &failed);
			ck_assert(!failed);
			ck_assert_int_eq(rc, model[k] ? 1 : 0);
			if (rc == 1) {
				ck_assert_ptr_eq(vo, model[k]);
				drop(vo);
			}
			ck_assert_int_eq(MAP(lookup)(m, c, probe, NULL, NULL), rc);
			break;
		}
		case 4: {
			box_t *v = boxes_add(&bs, (uint64_t)k);
			int rc = MAP(replace)(m, c, probe, v, (r >> 50) & 1 ? &vo : NULL, &failed);
			ck_assert(!failed);
			ck_assert_int_eq(rc, model[k] ? 1 : 0);
			if (rc == 1) {
				if ((r >> 50) & 1) {
					ck_assert_ptr_eq(vo, model[k]);
					drop(vo);
				}
				v->taken++;
				model[k] = v;
			}
			break;
		}
		case 5: {
			box_t *v = boxes_add(&bs, (uint64_t)k);
			bool right = (r >> 50) & 1;
			box_t *expected = right ? model[k] : v;
			int rc = MAP(replace_if)(m, c, probe, expected, v, &failed);
			ck_assert(!failed);
			ck_assert_int_eq(rc, model[k] && right ? 1 : 0);
			if (rc == 1) {
				v->taken++;
				model[k] = v;
			}
			break;
		}
		default: {
			cc_omap_seek_t mode = (cc_omap_seek_t)((r >> 48) % 6);
			int64_t p = (int64_t)((r >> 8) % (RANGE + 10)); /* probes past the end too */
			if ((r >> 60) & 1) { /* a batch: sizes around the boundaries */
				static const int sizes[] = { 1, 2, 3, 7, 63, 64, 65, 300 };
				check_scan(m, c, model, keys, RANGE, p, mode, sizes[(r >> 56) % 8]);
				break;
			}
			box_t pb = { .k = (uint64_t)p };
			int want = model_seek(model, RANGE, p, mode);
			int rc = MAP(seek)(m, c, &pb, mode, &ko, &vo, &failed);
			ck_assert(!failed);
			ck_assert_int_eq(rc, want >= 0 ? 1 : 0);
			if (rc == 1) {
				ck_assert_ptr_eq(ko, keys[want]);
				ck_assert_ptr_eq(vo, model[want]);
				drop(ko);
				drop(vo);
			}
			break;
		}
		}
		if (op % 400 == 0)
			assert_check(m, c, count);
	}
	assert_check(m, c, count);
	/* a forward iteration: FIRST, then GT from the last key seen */
	void *ko, *vo;
	size_t seen = 0;
	int rc = MAP(seek)(m, c, NULL, CC_OMAP_FIRST, &ko, &vo, NULL);
	while (rc == 1) {
		int k = (int)((box_t *)ko)->k;
		ck_assert_ptr_eq(model[k], vo);
		ck_assert_int_eq(model_seek(model, RANGE, (int64_t)k - 1, CC_OMAP_GT), k);
		seen++;
		drop(vo);
		rc = MAP(seek)(m, c, ko, CC_OMAP_GT, &ko, &vo, NULL);
		drop(((box_t *)keys[k]));
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(seen, count);
	/* the same iterations by batches, both ways, with a batch boundary
	 * everywhere (batch sizes 1 .. 9) */
	for (int dir = 0; dir < 2; dir++) {
		for (int batch = 1; batch <= 9; batch++) {
			int64_t at = 0;
			cc_omap_seek_t mode = dir ? CC_OMAP_LAST : CC_OMAP_FIRST;
			size_t got = 0;
			for (;;) {
				int n = check_scan(m, c, model, keys, RANGE, at, mode, batch);
				if (n == 0)
					break;
				int want[9];
				model_scan(model, RANGE, at, mode, n, want);
				at = want[n - 1];
				mode = dir ? CC_OMAP_LT : CC_OMAP_GT;
				got += (size_t)n;
				if (n < batch)
					break; /* fewer than asked: the end */
			}
			ck_assert_uint_eq(got, count);
		}
	}
	/* descending fill then ascending removal reach every tower shape */
	for (int k = RANGE - 1; k >= 0; k--) {
		if (model[k] == NULL) {
			box_t *v = boxes_add(&bs, (uint64_t)k);
			ck_assert_int_eq(MAP(insert)(m, c, keys[k], v, NULL, NULL), 1);
			v->taken++;
			keys[k]->taken++;
			model[k] = v;
		}
	}
	assert_check(m, c, RANGE);
	for (int k = 0; k < RANGE; k += 2) {
		probe->k = (uint64_t)k;
		ck_assert_int_eq(MAP(remove)(m, c, probe, NULL, NULL, NULL), 1);
	}
	assert_check(m, c, RANGE / 2);
	MAP(destroy)(NULL, c);
	destroy_and_balance(m, c, d, &bs); /* the rest released by the domain */
}
END_TEST

START_TEST(refused_and_invalid)
{
	smr_domain_t *d = cct_domain(SMR_DEBRA_PLUS, 8);
	smr_context_t *c = smr_thread_register(d);
	errno = 0;
	ck_assert_ptr_null(MAP(create)(c, &box_ops));
	ck_assert_int_eq(errno, ENOTSUP);
	smr_thread_unregister(c);
	smr_domain_destroy(d);

	d = cct_domain(SMR_IBR, 8);
	c = smr_thread_register(d);
	errno = 0;
	ck_assert_ptr_null(MAP(create)(c, NULL));
	ck_assert_int_eq(errno, EINVAL);
	cc_omap_ops_t no_cmp = { .compare = NULL };
	errno = 0;
	ck_assert_ptr_null(MAP(create)(c, &no_cmp));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(MAP(create)(NULL, &box_ops));
	ck_assert_int_eq(errno, EINVAL);
	/* acquire and release may be NULL */
	static const cc_omap_ops_t bare = { .compare = box_compare };
	map_t *m = MAP(create)(c, &bare);
	ck_assert_ptr_nonnull(m);
	box_t k1 = { .k = 1 }, v1 = { .k = 1 };
	void *vo = NULL;
	ck_assert_int_eq(MAP(insert)(m, c, &k1, &v1, NULL, NULL), 1);
	ck_assert_int_eq(MAP(lookup)(m, c, &k1, &vo, NULL), 1);
	ck_assert_ptr_eq(vo, &v1);
	errno = 0;
	ck_assert_int_eq(MAP(seek)(m, c, &k1, (cc_omap_seek_t)6, NULL, NULL, NULL), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(MAP(seek)(m, c, &k1, CC_OMAP_LT, NULL, NULL, NULL), 0);
	ck_assert_int_eq(MAP(seek)(m, c, &k1, CC_OMAP_LE, NULL, NULL, NULL), 1);
	void *kb[2];
	errno = 0;
	ck_assert_int_eq(MAP(scan)(m, c, &k1, CC_OMAP_GE, 0, kb, NULL, NULL), -1);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(MAP(scan)(m, c, &k1, (cc_omap_seek_t)6, 2, kb, NULL, NULL), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(MAP(scan)(m, c, NULL, CC_OMAP_FIRST, 2, kb, NULL, NULL), 1);
	ck_assert_ptr_eq(kb[0], &k1);
	ck_assert_int_eq(MAP(scan)(m, c, &k1, CC_OMAP_LT, 2, kb, NULL, NULL), 0);
	MAP(destroy)(m, c);
	smr_thread_unregister(c);
	smr_domain_destroy(d);
	ck_assert_uint_eq(k1.released + v1.released + k1.acquired + v1.acquired, 0);
}
END_TEST

/* A comparator that fails on its N-th call, for every N over an insert, a
 * remove, a replace and a seek on a map of 50 keys: before the
 * linearisation point -1/ECANCELED and nothing changed; after it the effect
 * stands, *cmp_failed says so, and the structure is whole. */
START_TEST(comparator_failure_at_every_call)
{
	enum { N = 50, ROUNDS = 12 };
	cc_alloc_stats_enable(true);
	smr_domain_t *d = cct_domain(SCHEME, 8);
	smr_context_t *c = smr_thread_register(d);
	map_t *m = MAP(create)(c, MAP_OPS);
	boxes_t bs = { 0 };
	box_t *keys[2 * N], *model[2 * N];
	for (int k = 0; k < 2 * N; k++) {
		keys[k] = boxes_add(&bs, (uint64_t)k);
		model[k] = NULL;
	}
	for (int k = 0; k < 2 * N; k += 2) {
		model[k] = boxes_add(&bs, (uint64_t)k);
		ck_assert_int_eq(MAP(insert)(m, c, keys[k], model[k], NULL, NULL), 1);
		model[k]->taken++;
		keys[k]->taken++;
	}
	size_t count = N;
	unsigned canceled = 0, late_insert = 0, late_remove = 0, completed = 0;
	box_t probe = { 0 };
	for (int round = 0; round < ROUNDS; round++) {
		for (int what = 0; what < 5; what++) {
			for (uint64_t nth = 1;; nth++) {
				int k = what == 0 ? 2 * (round * 4 + 3) % (2 * N) + 1 : 2 * ((round * 7 + what) % N);
				probe.k = (uint64_t)k;
				box_t *v = boxes_add(&bs, (uint64_t)k);
				void *out = (void *)0x1, *kout = (void *)0x1;
				void *skeys[7], *svals[7];
				for (int i = 0; i < 7; i++)
					skeys[i] = svals[i] = (void *)0x1;
				cc_omap_seek_t scan_mode = (cc_omap_seek_t)(round % 6);
				bool failed = false;
				cc_atomic_store_relaxed_u64(&g_calls, 0);
				cc_atomic_store_relaxed_u64(&g_fail_at, nth);
				int rc;
				errno = 0;
				if (what == 0)
					rc = MAP(insert)(m, c, keys[k], v, &out, &failed);
				else if (what == 1)
					rc = MAP(remove)(m, c, &probe, &kout, &out, &failed);
				else if (what == 2)
					rc = MAP(replace)(m, c, &probe, v, &out, &failed);
				else if (what == 3)
					rc = MAP(seek)(m, c, &probe, (cc_omap_seek_t)(2 + round % 4), &kout, &out, &failed);
				else
					rc = MAP(scan)(m, c, &probe, scan_mode, 7, skeys, svals, &failed);
				uint64_t calls = cc_atomic_load_relaxed_u64(&g_calls);
				cc_atomic_store_relaxed_u64(&g_fail_at, 0);
				bool hit = calls >= nth;
				ck_assert_int_eq(failed, hit);
				if (rc == -1) {
					ck_assert(hit);
					ck_assert_int_eq(errno, ECANCELED);
					ck_assert_ptr_eq(out, (void *)0x1);
					ck_assert_ptr_eq(kout, (void *)0x1);
					for (int i = 0; i < 7; i++)
						ck_assert(skeys[i] == (void *)0x1 && svals[i] == (void *)0x1);
					canceled++;
				} else if (what == 0) {
					ck_assert_int_eq(rc, 1);
					v->taken++;
					keys[k]->taken++;
					model[k] = v;
					count++;
					late_insert += hit;
				} else if (what == 1) {
					ck_assert_int_eq(rc, 1);
					ck_assert_ptr_eq(out, model[k]);
					ck_assert_ptr_eq(kout, keys[k]);
					drop(out);
					drop(kout);
					model[k] = NULL;
					count--;
					late_remove += hit;
				} else if (what == 2) {
					ck_assert(!hit);
					ck_assert_int_eq(rc, 1);
					ck_assert_ptr_eq(out, model[k]);
					drop(out);
					v->taken++;
					model[k] = v;
				} else if (what == 4) {
					ck_assert(!hit); /* single-threaded, a scan compares only before its first entry */
					int want[7];
					int n = model_scan(model, 2 * N, k, scan_mode, 7, want);
					ck_assert_int_eq(rc, n);
					for (int i = 0; i < rc; i++) {
						ck_assert_ptr_eq(skeys[i], keys[want[i]]);
						ck_assert_ptr_eq(svals[i], model[want[i]]);
						drop(skeys[i]);
						drop(svals[i]);
					}
				} else {
					ck_assert(!hit);
					int want = model_seek(model, 2 * N, k, (cc_omap_seek_t)(2 + round % 4));
					ck_assert_int_eq(rc, want >= 0);
					if (rc == 1) {
						ck_assert_ptr_eq(kout, keys[want]);
						ck_assert_ptr_eq(out, model[want]);
						drop(out);
						drop(kout);
					}
				}
				assert_check(m, c, count);
				/* the contents, key by key */
				for (int j = 0; j < 2 * N; j++) {
					probe.k = (uint64_t)j;
					ck_assert_int_eq(MAP(lookup)(m, c, &probe, &out, NULL), model[j] != NULL);
					if (model[j]) {
						ck_assert_ptr_eq(out, model[j]);
						drop(out);
					}
				}
				/* back to the 50 even keys for the next N */
				if (what == 0 && model[k]) {
					probe.k = (uint64_t)k;
					ck_assert_int_eq(MAP(remove)(m, c, &probe, NULL, NULL, NULL), 1);
					model[k] = NULL;
					count--;
				}
				if (what == 1 && model[k] == NULL) {
					box_t *nv = boxes_add(&bs, (uint64_t)k);
					ck_assert_int_eq(MAP(insert)(m, c, keys[k], nv, NULL, NULL), 1);
					nv->taken++;
					keys[k]->taken++;
					model[k] = nv;
					count++;
				}
				if (!hit) {
					completed++;
					break; /* the operation made fewer calls than nth: every N done */
				}
			}
		}
	}
	ck_assert_uint_eq(completed, ROUNDS * 5);
	ck_assert_uint_gt(canceled, 0);
	/* Alone, neither map compares after an insert's or a remove's
	 * linearisation point: the tree unless a concurrent update moved the
	 * leaf (remove_cleanup_failure below makes one); the skip list links an
	 * insert's upper levels on the path of its level-0 search and cuts a
	 * removed node on the path of its own search, comparing again only after
	 * a CAS lost to another thread (concurrent_failing_comparator covers
	 * those paths: short towers, the remover's walk). */
	ck_assert_uint_eq(late_insert + late_remove, 0);
	destroy_and_balance(m, c, d, &bs);
}
END_TEST

/* ENOMEM from the fault backend: an insert failing on any of its
 * allocations and a replace failing on its cell leave the map as it was and
 * take nothing. */
START_TEST(allocation_failure_changes_nothing)
{
	cc_alloc_stats_enable(true);
	smr_domain_t *d = cct_domain(SCHEME, 8);
	smr_context_t *c = smr_thread_register(d);
	map_t *m = MAP(create)(c, MAP_OPS);
	boxes_t bs = { 0 };
	box_t *keys[100];
	for (int k = 0; k < 100; k++)
		keys[k] = boxes_add(&bs, (uint64_t)k);
	box_t *v0 = NULL;
	for (int k = 0; k < 100; k += 2) {
		box_t *v = boxes_add(&bs, (uint64_t)k);
		ck_assert_int_eq(MAP(insert)(m, c, keys[k], v, NULL, NULL), 1);
		v->taken++;
		keys[k]->taken++;
		if (k == 50)
			v0 = v;
	}
	ck_assert_int_eq(cc_config_set_backend(CC_BACKEND_FAULT), 0);
	box_t *lost = boxes_add(&bs, 51);
	for (uint64_t nth = 1; nth <= INSERT_ALLOCS; nth++) {
		uint64_t before = cc_config_fault_injected();
		ck_assert_int_eq(cc_config_fault_nth(nth), 0);
		errno = 0;
		bool failed = true;
		ck_assert_int_eq(MAP(insert)(m, c, keys[51], lost, NULL, &failed), -1);
		ck_assert_int_eq(errno, ENOMEM);
		ck_assert(!failed);
		ck_assert_uint_eq(cc_config_fault_injected(), before + 1);
		ck_assert_int_eq(MAP(lookup)(m, c, keys[51], NULL, NULL), 0);
		assert_check(m, c, 50);
	}
	ck_assert_int_eq(cc_config_fault_nth(1), 0);
	errno = 0;
	void *vo = (void *)0x1;
	ck_assert_int_eq(MAP(replace)(m, c, keys[50], lost, &vo, NULL), -1);
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert_ptr_eq(vo, (void *)0x1);
	ck_assert_int_eq(MAP(lookup)(m, c, keys[50], &vo, NULL), 1);
	ck_assert_ptr_eq(vo, v0);
	drop(vo);
	assert_check(m, c, 50);
	box_t *v = boxes_add(&bs, 51); /* the next attempt succeeds */
	ck_assert_int_eq(MAP(insert)(m, c, keys[51], v, NULL, NULL), 1);
	v->taken++;
	keys[51]->taken++;
	assert_check(m, c, 51);
	MAP(destroy)(m, c);
	smr_thread_unregister(c);
	smr_domain_destroy(d);
	ck_assert_uint_eq(lost->released, 0);
	assert_balanced(bs.v, bs.n);
	boxes_free(&bs);
	cct_assert_glue_balanced();
}
END_TEST

/* A comparator that answers at random (not an order) may leave the map
 * unordered, but never unsafe: no node retired while reachable (the link
 * count and the identity walk), every key and value released exactly once. */
START_TEST(inconsistent_comparator_stays_safe)
{
	enum { RANGE = 64, OPS = 3000 };
	cc_alloc_stats_enable(true);
	smr_domain_t *d = cct_eager_domain(SCHEME);
	smr_context_t *c = smr_thread_register(d);
	/* with the index but no summaries: these would answer most comparisons
	 * consistently and hide the disorder */
	map_t *m = MAP(create)(c, _i >= NSCHEMES ? &box_hash_ops : &box_ops);
	boxes_t bs = { 0 };
	box_t *keys[RANGE];
	for (int k = 0; k < RANGE; k++)
		keys[k] = boxes_add(&bs, (uint64_t)k);
	uint64_t seed = 3;
	cc_atomic_store_relaxed_u64(&g_random, 1);
	for (int op = 0; op < OPS; op++) {
		uint64_t r = rnd(&seed);
		int k = (int)(r % RANGE);
		void *ko = NULL, *vo = NULL;
		if ((r >> 32) % 2 == 0) {
			/* a key box may be taken several times at once here: counted */
			box_t *v = boxes_add(&bs, (uint64_t)k);
			int rc = MAP(insert)(m, c, keys[k], v, &vo, NULL);
			if (rc == 1) {
				v->taken++;
				keys[k]->taken++;
			} else if (rc == 0) {
				drop(vo);
			}
		} else if (MAP(remove)(m, c, keys[k], &ko, &vo, NULL) == 1) {
			drop(ko);
			drop(vo);
		}
	}
	cc_atomic_store_relaxed_u64(&g_random, 0);
	destroy_and_balance(m, c, d, &bs);
}
END_TEST

#if CCT_OTREE
/* A helper thread that runs one insert when asked, with its own context,
 * while the asking thread waits inside an operation (in its comparator):
 * a concurrent update at an exact point, deterministically. */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int state; /* 0 idle, 1 asked, 2 done, 3 quit */
	map_t *m;
	smr_domain_t *d;
	box_t *key, *val;
	int rc;
} g_helper = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, NULL, NULL, NULL, NULL, 0 };

static void *helper_main(void *arg)
{
	(void)arg;
	t_uncounted = true;
	smr_context_t *c = smr_thread_register(g_helper.d);
	pthread_mutex_lock(&g_helper.mu);
	for (;;) {
		while (g_helper.state != 1 && g_helper.state != 3)
			pthread_cond_wait(&g_helper.cv, &g_helper.mu);
		if (g_helper.state == 3)
			break;
		pthread_mutex_unlock(&g_helper.mu);
		int rc = MAP(insert)(g_helper.m, c, g_helper.key, g_helper.val, NULL, NULL);
		pthread_mutex_lock(&g_helper.mu);
		g_helper.rc = rc;
		g_helper.state = 2;
		pthread_cond_broadcast(&g_helper.cv);
	}
	pthread_mutex_unlock(&g_helper.mu);
	smr_thread_unregister(c);
	return NULL;
}

static void helper_insert_now(void)
{
	pthread_mutex_lock(&g_helper.mu);
	g_helper.state = 1;
	pthread_cond_broadcast(&g_helper.cv);
	while (g_helper.state != 2)
		pthread_cond_wait(&g_helper.cv, &g_helper.mu);
	g_helper.state = 0;
	pthread_mutex_unlock(&g_helper.mu);
}

/* Keys 20 and 30 (the tree: 30 routes, 20 and 30 below it).  remove(20)
 * compares at 30, then at the leaf 20; inside that second comparison the
 * helper inserts 25 at the leaf 20, so the remover's record is stale: it
 * marks 20 (the removal takes effect), its flag CAS fails, it searches
 * again, and that search's first comparison fails.  Returns the map. */
static map_t *pending_removal(smr_context_t *c, boxes_t *bs, box_t **k20)
{
	map_t *m = MAP(create)(c, &box_ops);
	box_t *k30 = boxes_add(bs, 30), *v20 = boxes_add(bs, 20), *v30 = boxes_add(bs, 30);
	*k20 = boxes_add(bs, 20);
	ck_assert_int_eq(MAP(insert)(m, c, *k20, v20, NULL, NULL), 1);
	ck_assert_int_eq(MAP(insert)(m, c, k30, v30, NULL, NULL), 1);
	(*k20)->taken++, v20->taken++, k30->taken++, v30->taken++;
	g_helper.m = m;
	g_helper.key = boxes_add(bs, 25);
	g_helper.val = boxes_add(bs, 25);
	box_t probe = { .k = 20 };
	void *ko = NULL, *vo = NULL;
	bool failed = false;
	cc_atomic_store_relaxed_u64(&g_calls, 0);
	g_hook_at = 2;
	g_hook = helper_insert_now;
	cc_atomic_store_relaxed_u64(&g_fail_at, 3);
	ck_assert_int_eq(MAP(remove)(m, c, &probe, &ko, &vo, &failed), 1);
	cc_atomic_store_relaxed_u64(&g_fail_at, 0);
	ck_assert_ptr_null(g_hook); /* the helper ran */
	ck_assert_int_eq(g_helper.rc, 1);
	g_helper.key->taken++, g_helper.val->taken++;
	ck_assert(failed); /* the effect stands, the failure is reported */
	ck_assert_uint_ge(cc_atomic_load_relaxed_u64(&g_calls), 3);
	ck_assert_ptr_eq(ko, *k20);
	ck_assert_ptr_eq(vo, v20);
	drop(ko);
	drop(vo);
	return m;
}

/* A comparator failing in a remove's clean-up: the removal stands, the leaf
 * stays linked and marked, absent to every read, check passes, its key is
 * not released (nothing freed while reachable); a later insert of the key
 * unlinks it (then it is released once); destroy handles one left behind. */
START_TEST(remove_cleanup_failure)
{
	cc_alloc_stats_enable(true);
	g_helper.d = cct_domain(SCHEME, 8);
	smr_context_t *c = smr_thread_register(g_helper.d);
	pthread_t helper;
	g_helper.state = 0;
	ck_assert_int_eq(pthread_create(&helper, NULL, helper_main, NULL), 0);
	boxes_t bs = { 0 };
	box_t *k20;
	map_t *m = pending_removal(c, &bs, &k20);
	box_t probe = { .k = 20 };
	void *ko = NULL, *vo = NULL, *ks[8], *vs[8];
	ck_assert_int_eq(MAP(lookup)(m, c, &probe, &vo, NULL), 0);
	ck_assert_int_eq(MAP(replace)(m, c, &probe, k20, &vo, NULL), 0);
	ck_assert_int_eq(MAP(seek)(m, c, &probe, CC_OMAP_GE, &ko, &vo, NULL), 1);
	ck_assert_uint_eq(((box_t *)ko)->k, 25);
	drop(ko), drop(vo);
	ck_assert_int_eq(MAP(seek)(m, c, &probe, CC_OMAP_LE, &ko, &vo, NULL), 0);
	ck_assert_int_eq(MAP(scan)(m, c, NULL, CC_OMAP_FIRST, 8, ks, vs, NULL), 2);
	ck_assert_uint_eq(((box_t *)ks[0])->k, 25);
	ck_assert_uint_eq(((box_t *)ks[1])->k, 30);
	for (int i = 0; i < 2; i++)
		drop(ks[i]), drop(vs[i]);
	ck_assert_int_eq(MAP(scan)(m, c, NULL, CC_OMAP_LAST, 8, ks, NULL, NULL), 2);
	ck_assert_uint_eq(((box_t *)ks[1])->k, 25);
	drop(ks[0]), drop(ks[1]);
	assert_check(m, c, 2);
	for (int i = 0; i < 8; i++)
		smr_poll(c);
	ck_assert_uint_eq(get(&k20->released), 0); /* its leaf is still linked */
	/* a later insert of 20 meets the marked leaf, unlinks it, inserts */
	box_t *nv = boxes_add(&bs, 20);
	ck_assert_int_eq(MAP(insert)(m, c, k20, nv, NULL, NULL), 1);
	nv->taken++, k20->taken++;
	assert_check(m, c, 3);
	if (SCHEME != SMR_NONE) {
		for (int i = 0; i < 64 && get(&k20->released) == 0; i++)
			smr_poll(c);
		ck_assert_uint_eq(get(&k20->released), 1); /* the old leaf, freed */
	}
	MAP(destroy)(m, c);
	/* again, and destroy with the marked leaf still linked */
	m = pending_removal(c, &bs, &k20);
	assert_check(m, c, 2);
	MAP(destroy)(m, c);
	pthread_mutex_lock(&g_helper.mu);
	g_helper.state = 3;
	pthread_cond_broadcast(&g_helper.cv);
	pthread_mutex_unlock(&g_helper.mu);
	pthread_join(helper, NULL);
	smr_thread_unregister(c);
	smr_domain_destroy(g_helper.d);
	assert_balanced(bs.v, bs.n);
	boxes_free(&bs);
	cct_assert_glue_balanced();
}
END_TEST
#endif

#if !CCT_OTREE
static bool box_exact_hash(void *arg, const void *key, uint64_t *hash)
{
	(void)arg;
	*hash = ((const box_t *)key)->k;
	return true;
}

/* With an exact hash and no summaries, every present key is answered from
 * the index: one comparison (the equality check) per lookup and replace,
 * where a search of 1000 keys makes about twenty. */
START_TEST(lookups_answer_from_the_index)
{
	enum { N = 1000 };
	static const cc_omap_ops_t ops = { .compare = box_compare, .acquire = box_acquire, .release = box_release,
		                           .hash = box_exact_hash };
	cc_alloc_stats_enable(true);
	smr_domain_t *d = cct_domain(SCHEME, 8);
	smr_context_t *c = smr_thread_register(d);
	map_t *m = MAP(create)(c, &ops);
	boxes_t bs = { 0 };
	for (uint64_t k = 0; k < N; k++) {
		box_t *key = boxes_add(&bs, k), *v = boxes_add(&bs, k);
		ck_assert_int_eq(MAP(insert)(m, c, key, v, NULL, NULL), 1);
		key->taken++;
		v->taken++;
	}
	box_t probe = { 0 };
	for (uint64_t k = 0; k < N; k++) {
		void *out = NULL;
		probe.k = k;
		cc_atomic_store_relaxed_u64(&g_calls, 0);
		ck_assert_int_eq(MAP(lookup)(m, c, &probe, &out, NULL), 1);
		ck_assert_uint_eq(cc_atomic_load_relaxed_u64(&g_calls), 1);
		ck_assert_uint_eq(((box_t *)out)->k, k);
		drop(out);
		box_t *v = boxes_add(&bs, k);
		cc_atomic_store_relaxed_u64(&g_calls, 0);
		ck_assert_int_eq(MAP(replace)(m, c, &probe, v, &out, NULL), 1);
		ck_assert_uint_eq(cc_atomic_load_relaxed_u64(&g_calls), 1);
		v->taken++;
		drop(out);
	}
	/* a removed key is not answered from its stale slot */
	probe.k = 7;
	ck_assert_int_eq(MAP(remove)(m, c, &probe, NULL, NULL, NULL), 1);
	ck_assert_int_eq(MAP(lookup)(m, c, &probe, NULL, NULL), 0);
	assert_check(m, c, N - 1);
	destroy_and_balance(m, c, d, &bs);
}
END_TEST
#endif

/* ---- concurrent ---------------------------------------------------------------- */

#define THREADS 4
typedef struct {
	uint64_t seed, range, ops;
	uint64_t inserted, removed, bad;
	boxes_t values;
} worker_t;
static map_t *g_m;
static smr_domain_t *g_d;
static box_t **g_keys;

static void bad_if(worker_t *w, bool cond) { w->bad += cond; }

/* Keys range .. range + STABLE - 1 are inserted before the workers start and
 * never touched: every whole iteration must see each of them. */
#define STABLE 8

/* One entry of a scan, checked: the key is a key box, the value belongs to
 * it, keys strictly in the scan's direction after *prev (-1: none yet). */
static void check_entry(worker_t *w, void *ko, void *vo, bool asc, int64_t *prev)
{
	uint64_t kk = ((box_t *)ko)->k;
	bad_if(w, ko != g_keys[kk] || ((box_t *)vo)->k != kk);
	bad_if(w, *prev >= 0 && (asc ? (int64_t)kk <= *prev : (int64_t)kk >= *prev));
	*prev = (int64_t)kk;
	drop(ko);
	drop(vo);
}

/* A whole iteration by batches of `batch`, in one direction: in order, and
 * every stable key seen. */
static void iterate_all(worker_t *w, smr_context_t *c, bool asc, size_t batch)
{
	void *ko[16], *vo[16];
	int64_t prev = -1;
	unsigned stable = 0;
	int rc = MAP(scan)(g_m, c, NULL, asc ? CC_OMAP_FIRST : CC_OMAP_LAST, batch, ko, vo, NULL);
	while (rc > 0) {
		for (int i = 0; i < rc; i++) {
			stable += ((box_t *)ko[i])->k >= w->range;
			check_entry(w, ko[i], vo[i], asc, &prev);
		}
		if ((size_t)rc < batch)
			break;
		box_t *at = g_keys[prev];
		rc = MAP(scan)(g_m, c, at, asc ? CC_OMAP_GT : CC_OMAP_LT, batch, ko, vo, NULL);
	}
	bad_if(w, rc < 0 || stable != STABLE);
}

/* rc of a call that should not have failed: only ECANCELED while the
 * comparator fails on purpose (errno read at once) */
static bool refused(int rc)
{
	return rc < 0 && !(errno == ECANCELED && cc_atomic_load_relaxed_u64(&g_fail_every) != 0);
}

static void *worker(void *arg)
{
	worker_t *w = arg;
	smr_context_t *c = smr_thread_register(g_d);
	ck_assert_ptr_nonnull(c);
	box_t probe = { 0 };
	for (uint64_t i = 0; i < w->ops; i++) {
		uint64_t r = rnd(&w->seed), k = r % w->range;
		probe.k = k;
		void *ko = NULL, *vo = NULL;
		bool failed = false;
		int rc;
		switch ((r >> 40) % 8) {
		case 0:
		case 1: {
			box_t *v = boxes_add(&w->values, k);
			rc = MAP(insert)(g_m, c, g_keys[k], v, &vo, &failed);
			if (rc == 1) {
				w->inserted++;
				v->taken++;
				bump(&g_keys[k]->taken);
			} else if (rc == 0) {
				bad_if(w, ((box_t *)vo)->k != k);
				drop(vo);
			} else {
				bad_if(w, refused(rc));
			}
			break;
		}
		case 2:
		case 3:
			rc = MAP(remove)(g_m, c, &probe, &ko, &vo, &failed);
			if (rc == 1) {
				w->removed++;
				bad_if(w, ko != g_keys[k] || ((box_t *)vo)->k != k);
				drop(ko);
				drop(vo);
			}
			bad_if(w, refused(rc));
			break;
		case 4: {
			box_t *v = boxes_add(&w->values, k);
			rc = MAP(replace)(g_m, c, &probe, v, &vo, &failed);
			if (rc == 1) {
				v->taken++;
				bad_if(w, ((box_t *)vo)->k != k);
				drop(vo);
			}
			bad_if(w, refused(rc));
			break;
		}
		case 5:
			rc = MAP(lookup)(g_m, c, &probe, &vo, &failed);
			if (rc == 1) {
				box_t *v = boxes_add(&w->values, k);
				bad_if(w, ((box_t *)vo)->k != k);
				int rc2 = MAP(replace_if)(g_m, c, &probe, vo, v, &failed);
				if (rc2 == 1)
					v->taken++;
				bad_if(w, refused(rc2));
				drop(vo);
			}
			bad_if(w, refused(rc));
			break;
		case 6: {
			cc_omap_seek_t mode = (cc_omap_seek_t)((r >> 48) % 6);
			bool asc = mode == CC_OMAP_FIRST || mode == CC_OMAP_GE || mode == CC_OMAP_GT;
			size_t max = 1 + (r >> 52) % 16;
			void *ks[16], *vs[16];
			rc = MAP(scan)(g_m, c, &probe, mode, max, ks, vs, &failed);
			int64_t prev = -1;
			for (int j = 0; j < rc; j++) {
				uint64_t kk = ((box_t *)ks[j])->k;
				bad_if(w, (mode == CC_OMAP_GE && kk < k) || (mode == CC_OMAP_GT && kk <= k) ||
				              (mode == CC_OMAP_LE && kk > k) || (mode == CC_OMAP_LT && kk >= k));
				check_entry(w, ks[j], vs[j], asc, &prev);
			}
			bad_if(w, refused(rc) || (rc > 0 && (size_t)rc > max));
			/* a failing comparator may cut an iteration short */
			if ((i & 1023) == 0 && cc_atomic_load_relaxed_u64(&g_fail_every) == 0)
				iterate_all(w, c, (i & 2048) == 0, 1 + (r >> 56) % 16);
			break;
		}
		default: {
			cc_omap_seek_t mode = (cc_omap_seek_t)((r >> 48) % 6);
			rc = MAP(seek)(g_m, c, &probe, mode, &ko, &vo, &failed);
			if (rc == 1) {
				uint64_t kk = ((box_t *)ko)->k;
				bad_if(w, ko != g_keys[kk] || ((box_t *)vo)->k != kk);
				bad_if(w, (mode == CC_OMAP_GE && kk < k) || (mode == CC_OMAP_GT && kk <= k) ||
				              (mode == CC_OMAP_LE && kk > k) || (mode == CC_OMAP_LT && kk >= k));
				drop(ko);
				drop(vo);
			}
			bad_if(w, refused(rc));
			break;
		}
		}
		bad_if(w, failed && cc_atomic_load_relaxed_u64(&g_fail_every) == 0);
	}
	smr_thread_unregister(c);
	return NULL;
}

static void run_concurrent(smr_scheme_t scheme, const cc_omap_ops_t *map_ops, uint64_t range, uint64_t ops)
{
	cc_alloc_stats_enable(true);
	cc_config_set_debug_fill(true); /* a node read after its free shows as 0xDF */
	g_d = cct_eager_domain(scheme);
	smr_context_t *c = smr_thread_register(g_d);
	g_m = MAP(create)(c, map_ops);
	boxes_t keys = { 0 }, stable = { 0 };
	for (uint64_t k = 0; k < range + STABLE; k++)
		boxes_add(&keys, k);
	g_keys = keys.v;
	for (uint64_t k = range; k < range + STABLE; k++) {
		box_t *v = boxes_add(&stable, k);
		ck_assert_int_eq(MAP(insert)(g_m, c, g_keys[k], v, NULL, NULL), 1);
		v->taken++;
		g_keys[k]->taken++;
	}
	static worker_t w[THREADS];
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++) {
		memset(&w[i], 0, sizeof w[i]);
		w[i].seed = 1000 + (uint64_t)i;
		w[i].range = range;
		w[i].ops = ops;
		ck_assert_int_eq(pthread_create(&t[i], NULL, worker, &w[i]), 0);
	}
	uint64_t ins = 0, rem = 0, bad = 0;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		ins += w[i].inserted;
		rem += w[i].removed;
		bad += w[i].bad;
	}
	cc_atomic_store_relaxed_u64(&g_fail_every, 0); /* the check compares too */
	ck_assert_uint_eq(bad, 0);
	ck_assert_uint_gt(rem, 0);
	assert_check(g_m, c, ins - rem + STABLE);
	MAP(destroy)(g_m, c);
	smr_thread_unregister(c);
	smr_domain_destroy(g_d);
	assert_balanced(keys.v, keys.n);
	assert_balanced(stable.v, stable.n);
	boxes_free(&stable);
	for (int i = 0; i < THREADS; i++) {
		assert_balanced(w[i].values.v, w[i].values.n);
		boxes_free(&w[i].values);
	}
	boxes_free(&keys);
	cct_assert_glue_balanced();
}

#if CCT_SANITIZED
#define CONC_OPS 20000
#else
#define CONC_OPS 100000
#endif

START_TEST(concurrent_small_range) { run_concurrent(SCHEME, MAP_OPS, 16, CONC_OPS); }
END_TEST

START_TEST(concurrent_large_range) { run_concurrent(SCHEME, MAP_OPS, 1024, CONC_OPS); }
END_TEST

/* Every 97th comparison fails, on any thread: each call is canceled with
 * nothing changed or takes effect (a skip-list insert whose upper-level
 * search after a lost link CAS fails keeps a short tower; a remove whose
 * clean-up search fails walks or leaves the work for later), and the
 * contents, the structure and every release balance at the end as without
 * failures. */
START_TEST(concurrent_failing_comparator)
{
	cc_atomic_store_relaxed_u64(&g_fail_every, 97);
	run_concurrent(SCHEME, MAP_OPS, 64, CONC_OPS / 2);
}
END_TEST

static Suite *map_suite(void)
{
	Suite *s = suite_create(MAP_NAME);
	int n = 2 * NSCHEMES; /* every scheme, without and with summaries and hashes */
	TCase *seq = tcase_create("sequential");
	tcase_set_timeout(seq, 300);
	tcase_add_test(seq, refused_and_invalid);
	tcase_add_loop_test(seq, sequential_matches_model, 0, n);
	tcase_add_loop_test(seq, comparator_failure_at_every_call, 0, n);
	tcase_add_loop_test(seq, allocation_failure_changes_nothing, 0, n);
	tcase_add_loop_test(seq, inconsistent_comparator_stays_safe, 0, n);
#if CCT_OTREE
	tcase_add_loop_test(seq, remove_cleanup_failure, 0, NSCHEMES);
#else
	tcase_add_loop_test(seq, lookups_answer_from_the_index, 0, NSCHEMES);
#endif
	suite_add_tcase(s, seq);
	TCase *conc = tcase_create("concurrent");
	tcase_set_timeout(conc, 600);
	tcase_add_loop_test(conc, concurrent_small_range, 0, n);
	tcase_add_loop_test(conc, concurrent_large_range, 0, n);
	tcase_add_loop_test(conc, concurrent_failing_comparator, 0, n);
	suite_add_tcase(s, conc);
	return s;
}

int main(int argc, char **argv)
{
	return cct_main(argc, argv, map_suite, NULL);
}

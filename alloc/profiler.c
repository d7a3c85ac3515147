/*
 * alloc/profiler.c - the memory profiler: hooks on the glue's out-of-line
 * paths, per-thread records, the address index of sampled blocks, the stack
 * depot, the timeline thread, and the report.  Design and contracts:
 * include/ccmem/profiler.h.  Exports: profiler_export.c, profiler_html.c.
 *
 * Lifetime.  Everything a hook may touch (per-thread records, index tables,
 * stack depot, the run's options) is allocated once with mmap and kept for
 * the life of the process, so a hook still in flight when stop, reset or
 * destroy returns never touches freed memory.  Runs are told apart by a
 * generation number: the current one is g_gen (0 when none runs), each
 * record and each index key carries the generation it belongs to, and data of
 * another generation is ignored (records are cleared lazily by their owner on
 * its first event of a new run).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <execinfo.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "ccmem/alloc.h"
#include "ccmem/atomic.h"
#include "ccmem/profiler.h"
#include "config_internal.h"
#include "profiler_internal.h"

/* Heap areas come from mimalloc, unless the blocks are a sanitizer's or the
 * build has no mimalloc (CC_NO_MIMALLOC). */
#define CC_PROF_HEAP_AREAS (!CC_SANITIZER_BUILD && !CC_NO_MIMALLOC)
#if CC_PROF_HEAP_AREAS
#include <mimalloc.h>
#endif

#if CC_SANITIZER_BUILD
/* The sanitizers' allocator interface (sanitizer/allocator_interface.h, not
 * installed with every compiler): ASan and TSan both provide these. */
size_t __sanitizer_get_heap_size(void);
size_t __sanitizer_get_free_bytes(void);
size_t __sanitizer_get_current_allocated_bytes(void);
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#define NSB CC_PROFILER_SIZE_BUCKETS
#define FLOW CC_PROFILER_FLOW_THREADS
#define MAXLAT CC_PROFILER_MAX_LATENCY_BUCKETS
#define MAX_FRAMES 32
#define MAX_RECORDS 4096     /* records created; beyond, exited threads' records are shared */
#define TIMELINE_MAX 512
#define HEAP_SCAN_MS 50
#define USABLE_MEMO 129 /* sizes up to 1024 */

/* ---- small helpers ---------------------------------------------------------------- */

static inline void bump(uint64_t *c, uint64_t v)
{
	/* single writer (the record's owner): relaxed load + store; readers load relaxed. */
	cc_atomic_store_relaxed_u64(c, cc_atomic_load_relaxed_u64(c) + v);
}

static inline uint64_t rd(const uint64_t *c)
{
	return cc_atomic_load_relaxed_u64(c);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double unix_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *map_zeroed(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* ---- time source ------------------------------------------------------------------- */

/* Set once (pthread_once) before any run starts; read-only afterwards. */
static bool g_use_tsc;
static double g_ns_per_tick = 1.0;
static uint64_t g_heap_scan_ticks = HEAP_SCAN_MS * 1000000ull; /* HEAP_SCAN_MS in ticks */
/* Ticks at the timeline's last tick (atomic; written by start and the
 * timeline thread): the time of events that are not timed. */
static uint64_t g_coarse_ticks;
static pthread_once_t g_clock_once = PTHREAD_ONCE_INIT;

static inline uint64_t ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
	if (CC_LIKELY(g_use_tsc))
		return __builtin_ia32_rdtsc();
#endif
	return mono_ns();
}

#if defined(__x86_64__) || defined(__i386__)
/* A (CLOCK_MONOTONIC, TSC) pair read as close together as a few tries allow
 * (a preemption between the two reads would skew the calibration). */
static void clock_pair(uint64_t *ns, uint64_t *tsc)
{
	uint64_t best = UINT64_MAX;
	for (int i = 0; i < 8; i++) {
		uint64_t a = __builtin_ia32_rdtsc(), n = mono_ns(), b = __builtin_ia32_rdtsc();
		if (b - a < best) {
			best = b - a;
			*ns = n;
			*tsc = a + (b - a) / 2;
		}
	}
}
#endif

static void clock_init(void)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned a, b, c, d;
	/* CPUID 0x80000007 EDX bit 8: invariant TSC (constant rate, runs in all C-states). */
	if (__get_cpuid(0x80000007, &a, &b, &c, &d) && (d & (1u << 8))) {
		uint64_t n0 = 0, t0 = 0, n1 = 0, t1 = 0;
		clock_pair(&n0, &t0);
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
		clock_pair(&n1, &t1);
		if (t1 > t0 && n1 > n0) {
			g_ns_per_tick = (double)(n1 - n0) / (double)(t1 - t0);
			g_heap_scan_ticks = (uint64_t)(HEAP_SCAN_MS * 1e6 / g_ns_per_tick);
			g_use_tsc = true;
		}
	}
#endif
}

/* ---- size classes ------------------------------------------------------------------ */

static inline unsigned size_class(uint64_t n)
{
	if (n <= 8)
		return 0;
	unsigned b = (unsigned)(64 - __builtin_clzll(n - 1)) - 3; /* ceil(log2 n) - 3 */
	return b < NSB ? b : NSB - 1;
}

static void size_class_bounds(unsigned b, uint64_t *lo, uint64_t *hi)
{
	*lo = b == 0 ? 1 : ((uint64_t)1 << (b + 2)) + 1;
	*hi = b == NSB - 1 ? UINT64_MAX : (uint64_t)1 << (b + 3);
}

/* ---- latency histogram layout ------------------------------------------------------ */

/* m: the largest with 2^m * (37 - m) <= n. */
static unsigned lat_precision(uint32_t n)
{
	unsigned m = 0;
	while (m < 16 && ((uint64_t)1 << (m + 1)) * (37 - (m + 1)) <= n)
		m++;
	return m;
}

static inline uint32_t lat_count(unsigned m)
{
	return (uint32_t)(((uint64_t)1 << m) * (37 - m));
}

static inline uint32_t lat_index(uint64_t v, unsigned m)
{
	uint64_t s = (uint64_t)1 << m;
	if (v < 2 * s)
		return (uint32_t)v;
	if (v >> 36)
		v = ((uint64_t)1 << 36) - 1;
	unsigned e = 63 - (unsigned)__builtin_clzll(v); /* >= m + 1 */
	uint64_t sub = (v >> (e - m)) - s;
	return (uint32_t)(2 * s + (uint64_t)(e - m - 1) * s + sub);
}

static void lat_bounds(uint32_t i, unsigned m, uint64_t *lo, uint64_t *hi)
{
	uint64_t s = (uint64_t)1 << m;
	if (i < 2 * s) {
		*lo = *hi = i;
		return;
	}
	uint64_t g = (i - 2 * s) / s, sub = (i - 2 * s) % s;
	unsigned e = (unsigned)g + m + 1;
	*lo = (s + sub) << (e - m);
	*hi = *lo + ((uint64_t)1 << (e - m)) - 1;
}

/* ---- the run's options, as the hooks see them ------------------------------------- */

/* F_FILTER: the run samples (p < 1): the index is on, the filter of sampled
 * blocks is kept, and only sampled blocks are counted (see merge_counts). */
enum { F_SIZES = 1, F_LATENCY = 2, F_INDEX = 4, F_STACKS = 8, F_CROSS = 16, F_FILTER = 32 };

/* Generation of the running run; 0 when none runs.  Written under g_ctl. */
static uint64_t g_gen;
/* The run's options, written under g_ctl while g_gen is 0 (seqlock: see
 * reset_record). */
static uint32_t g_opt_flags, g_opt_m, g_opt_frames;
/* The run's frame source (cc_profiler_set_frame_source): its capture function
 * (as a data pointer, NULL: none) and argument, options like the above. */
typedef size_t (*frames_capture_fn)(void *arg, uint64_t *out, size_t max);
static void *g_opt_capture, *g_opt_capture_arg;
static uint64_t g_opt_p_bits, g_opt_q_bits; /* sample_rate; timed share of the sampled events */

static pthread_mutex_t g_ctl = PTHREAD_MUTEX_INITIALIZER;
static cc_profiler_t *g_running; /* under g_ctl */
static uint64_t g_last_gen;      /* under g_ctl */

/* ---- per-thread records ------------------------------------------------------------ */

/* Every figure but K_ALLOC counts sampled events only (all events at p = 1,
 * and at p = 1 also the frees of blocks the index does not know). */
enum {
	/* first cache line: what a sampled allocation touches */
	K_ALLOC,       /* allocations: the lengths of the completed countdown gaps */
	K_ALLOC_BYTES,
	K_FREE_BYTES,
	K_SAMPLED_ALLOC,
	K_LIVE_REQ,    /* wrapping sums: the run's total is exact, one thread's may be "negative" */
	K_LIVE_USABLE,
	K_SAMP_USABLE, /* usable bytes of the sampled blocks (requested: K_ALLOC_BYTES) */
	K_NET_MAX,     /* largest alloc_bytes - free_bytes of this thread ... */
	/* second: the rest of a free's, and the rare ones */
	K_FREE,
	K_SAMPLED_FREE,
	K_XRECV,
	K_LAT_SUM_A,
	K_LAT_SUM_F,
	K_UNSIZED,
	K_UNTRACKED,
	K_NET_MAX_AT, /* ... and its alloc_count then */
	K_NUM
};
enum { H_COMMITTED, H_USED, H_FREE_SLOTS, H_LARGEST, H_VALID, H_NUM };

struct prec {
	/* Owner-only state (no other thread reads these), the part every sampled
	 * event reads in the first cache line.  The countdown itself is the
	 * thread's cc__tls_prof (ccmem/alloc.h). */
	int64_t gap;            /* length of the countdown's current gap */
	uint64_t rng;
	double inv_log1mp;      /* 1 / ln(1 - p); 0 when p == 1 */
	double inv_log1mq;      /* the same for q, the timed share of sampled events */
	int64_t time_cd[2];     /* sampled allocations / frees to the next timed one */
	uint32_t flags;
	uint32_t idx;           /* immutable once the record is published (others read it) */
	uint64_t last_heap_scan; /* ticks */
	/* owner-only, used less often */
	uint32_t lat_m;
	uint32_t frames;
	frames_capture_fn capture; /* the run's frame source, NULL: none */
	void *capture_arg;
	/* usable size of a plain (unaligned) mimalloc block of a small size,
	 * by (size + 7) / 8: mimalloc serves such a request from the pages of its
	 * size class only, so the answer is the same for every block; 0 = not yet
	 * asked.  Cleared with the record. */
	uint32_t usable_memo[USABLE_MEMO];

	/* Read by others: gen (atomic), identity (written before gen is published). */
	uint64_t gen;
	uint32_t owned; /* atomic: 1 while a live thread uses the record */
	struct prec *next; /* registry list, immutable once published */
	uint64_t tid;
	char name[16];

	/* Counters: written by the owner (bump), read by the merge (relaxed). */
	uint64_t k[K_NUM] __attribute__((aligned(64)));
	uint64_t size_cb[NSB][2]; /* allocations and bytes per size class (one line) */
	uint64_t heap[H_NUM];
	uint64_t flow[FLOW]; /* sampled frees here of blocks of thread index j */
	uint64_t lat[2][MAXLAT];
};

_Static_assert(offsetof(struct prec, lat_m) == 64, "a sampled event's owner-only fields fill one cache line");

static struct prec *g_rec_head; /* published with release; push-only */
static uint32_t g_nrec;         /* under g_reg */
static pthread_mutex_t g_reg = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t g_key;
static pthread_once_t g_key_once = PTHREAD_ONCE_INIT;
static _Thread_local struct prec *t_rec __attribute__((tls_model("initial-exec")));
/* The countdown the inline paths decrement (ccmem/alloc.h). */
_Thread_local struct cc__tprof cc__tls_prof __attribute__((tls_model("initial-exec"))) = {UINT64_MAX, 0};

/* Allocations of the calling thread in its current gap (not yet in K_ALLOC). */
static inline uint64_t gap_done(const struct prec *r)
{
	int64_t done = r->gap - cc__tls_prof.countdown;
	return done <= 0 ? 0 : (uint64_t)(done < r->gap ? done : r->gap);
}

static void detach(void *arg)
{
	struct prec *r = arg;
	/* the allocations since the last sampled one count too */
	if (cc__tls_prof.gen == cc_atomic_load_relaxed_u64(&r->gen))
		bump(&r->k[K_ALLOC], gap_done(r));
	cc__tls_prof.gen = UINT64_MAX;
	/* release: pairs with the acquire in attach; this thread's last counts are
	 * visible to whoever adopts the record. */
	cc_atomic_store_release_u32(&r->owned, 0);
	t_rec = NULL;
}

static void key_init(void)
{
	if (pthread_key_create(&g_key, detach) != 0)
		abort(); /* only with PTHREAD_KEYS_MAX keys in use */
}

/* The calling thread's record, adopted or created; NULL when out of memory. */
static struct prec *attach(uint64_t g)
{
	pthread_once(&g_key_once, key_init);
	pthread_mutex_lock(&g_reg);
	struct prec *r, *any = NULL, *free_one = NULL;
	uint64_t tid = (uint64_t)syscall(SYS_gettid);
	for (r = cc_atomic_load_acquire_ptr((void **)&g_rec_head); r != NULL; r = r->next) {
		/* acquire: pairs with the release in detach. */
		if (cc_atomic_load_acquire_u32(&r->owned) != 0)
			continue;
		if (any == NULL)
			any = r;
		/* This very thread again (a free from a later thread-exit
		 * destructor, after detach ran): its own record. */
		if (r->tid == tid && cc_atomic_load_relaxed_u64(&r->gen) == g)
			break;
		/* A record that holds figures of the current run stays with its
		 * (exited) thread, so per-thread figures stay per thread. */
		if (free_one == NULL && cc_atomic_load_relaxed_u64(&r->gen) != g)
			free_one = r;
	}
	if (r == NULL)
		r = free_one;
	if (r == NULL && g_nrec < MAX_RECORDS) {
		r = map_zeroed(sizeof *r);
		if (r != NULL) {
			r->idx = g_nrec++;
			cc_atomic_store_relaxed_u64(&r->gen, UINT64_MAX); /* no run's */
			r->next = g_rec_head;
			/* release: the record's initial state before it is reachable. */
			cc_atomic_store_release_ptr((void **)&g_rec_head, r);
		}
	}
	if (r == NULL)
		r = any;
	if (r == NULL) {
		pthread_mutex_unlock(&g_reg);
		return NULL;
	}
	cc_atomic_store_relaxed_u32(&r->owned, 1);
	pthread_mutex_unlock(&g_reg);
	pthread_setspecific(g_key, r);
	t_rec = r;
	return r;
}

static inline uint64_t rng_next(uint64_t *s)
{
	/* xorshift64* */
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1Dull;
}

/* Allocations until the next sampled one: geometric on {1, 2, ...} with
 * parameter p, so every allocation is sampled with probability exactly p,
 * independently of the others.  G = 1 + floor(ln U / ln(1 - p)), U in (0, 1]. */
static int64_t geometric(uint64_t *rng, double inv_log1mp)
{
	if (inv_log1mp == 0.0)
		return 1;
	double u = (double)((rng_next(rng) >> 11) + 1) * 0x1.0p-53;
	double g = floor(log(u) * inv_log1mp);
	if (!(g < 4e18))
		return INT64_MAX / 2;
	return 1 + (int64_t)g;
}

static int64_t next_gap(struct prec *r)
{
	return geometric(&r->rng, r->inv_log1mp);
}

/* Whether this sampled allocation (which 0) or free (1) is timed: each with
 * probability q, independently (a countdown with geometric gaps, as above). */
static inline bool timed(struct prec *r, int which)
{
	if (CC_LIKELY(--r->time_cd[which] > 0))
		return false;
	r->time_cd[which] = geometric(&r->rng, r->inv_log1mq);
	return true;
}

/* First event of this thread in run g: take the run's options and clear the
 * figures.  false if the run ended meanwhile. */
static bool reset_record(struct prec *r, uint64_t g)
{
	/* Seqlock reader.  acquire: pairs with the release store of g_gen in start
	 * (options are written before it). */
	if (cc_atomic_load_acquire_u64(&g_gen) != g)
		return false;
	uint32_t flags = cc_atomic_load_relaxed_u32(&g_opt_flags);
	uint32_t m = cc_atomic_load_relaxed_u32(&g_opt_m);
	uint32_t frames = cc_atomic_load_relaxed_u32(&g_opt_frames);
	uint64_t pbits = cc_atomic_load_relaxed_u64(&g_opt_p_bits);
	uint64_t qbits = cc_atomic_load_relaxed_u64(&g_opt_q_bits);
	void *capture = cc_atomic_load_relaxed_ptr(&g_opt_capture);
	void *capture_arg = cc_atomic_load_relaxed_ptr(&g_opt_capture_arg);
	/* acquire fence: the option loads above complete before the re-check;
	 * pairs with the release fence in start between clearing g_gen and
	 * writing the next run's options. */
	cc_atomic_fence_acquire();
	if (cc_atomic_load_relaxed_u64(&g_gen) != g)
		return false;
	double p;
	memcpy(&p, &pbits, sizeof p);
	double q;
	memcpy(&q, &qbits, sizeof q);

	uint32_t n = lat_count(m);
	memset(r->k, 0, sizeof r->k);
	memset(r->size_cb, 0, sizeof r->size_cb);
	memset(r->heap, 0, sizeof r->heap);
	memset(r->flow, 0, sizeof r->flow);
	memset(r->usable_memo, 0, sizeof r->usable_memo);
	if (flags & F_LATENCY) {
		memset(r->lat[0], 0, n * sizeof(uint64_t));
		memset(r->lat[1], 0, n * sizeof(uint64_t));
	}
	r->flags = flags;
	r->lat_m = m;
	r->frames = frames;
	memcpy(&r->capture, &capture, sizeof r->capture);
	r->capture_arg = capture_arg;
	r->inv_log1mp = p >= 1.0 ? 0.0 : 1.0 / log1p(-p);
	r->inv_log1mq = q >= 1.0 ? 0.0 : 1.0 / log1p(-q);
	r->rng = (mono_ns() ^ ((uint64_t)r->idx << 40) ^ (uint64_t)(uintptr_t)r) | 1;
	r->time_cd[0] = geometric(&r->rng, r->inv_log1mq);
	r->time_cd[1] = geometric(&r->rng, r->inv_log1mq);
	r->last_heap_scan = 0;
	r->tid = (uint64_t)syscall(SYS_gettid);
	memset(r->name, 0, sizeof r->name);
	pthread_getname_np(pthread_self(), r->name, sizeof r->name);
	/* release: pairs with the merge's acquire load of gen; the cleared
	 * figures and the identity are visible before the record counts in run g. */
	cc_atomic_store_release_u64(&r->gen, g);
	return true;
}

/* The calling thread's first event in run g (its countdown is of another
 * run, or none): the record, cleared for the run if need be, and a fresh
 * countdown.  NULL when no run is on (g == 0) or out of memory. */
static struct prec *enter_slow(uint64_t g)
{
	if (g == 0)
		return NULL;
	struct prec *r = t_rec;
	if (r == NULL && (r = attach(g)) == NULL)
		return NULL;
	if (cc_atomic_load_relaxed_u64(&r->gen) != g && !reset_record(r, g))
		return NULL;
	r->gap = next_gap(r);
	cc__tls_prof.countdown = r->gap;
	cc__tls_prof.gen = g;
	return r;
}

/* ---- address index of sampled blocks ---------------------------------------------- */

/*
 * Lock-free open addressing.  A key packs the address (>> 3: blocks are at
 * least 8-aligned; 45 bits cover 2^48), a BUSY bit (claimed, payload being
 * written) and 18 bits of the run's generation.  0 is EMPTY; TOMB (1) and any
 * key of another generation are dead and may be claimed again.  A slot is
 * claimed by CAS, published by CAS (BUSY -> key) and removed by its block's
 * freer with a release store of TOMB; keys never move, so an entry is always
 * within `maxdisp` slots of its home, and lookups stop there or at EMPTY.
 */
#define IDX_TABLES 8
#define IDX_MAX_PROBE 32
#define IDX_FIRST_SHIFT 14 /* table i has 2^(14 + 2i) slots: keys 128 KiB, then x4 (touched as used) */
#define KEY_ADDR_BITS 45
#define KEY_BUSY ((uint64_t)1 << KEY_ADDR_BITS)
#define KEY_GEN_SHIFT 46
#define KEY_EMPTY 0
#define KEY_TOMB 1

/* Keys in one array (dense: a lookup reads one cache line), payloads in a
 * parallel one, written before the key is published. */
struct ipay {
	uint64_t size;
	uint64_t t0;     /* ticks at allocation */
	uint64_t aux;    /* owner index << 32 | stack id */
	uint64_t usable; /* usable size (the free does not ask the allocator again) */
};

struct islot {
	uint64_t *key;
	struct ipay *pay;
};

struct itab {
	uint64_t *keys; /* published with release (after pay) */
	struct ipay *pay;
	uint64_t mask;
	unsigned shift;
	uint64_t maxdisp; /* atomic: longest displacement of an insert this run */
};

static struct itab g_tab[IDX_TABLES];
static uint32_t g_tab_hi; /* atomic: tables in use this run */
static pthread_mutex_t g_tab_lock = PTHREAD_MUTEX_INITIALIZER;

static inline uint64_t key_gen(uint64_t g)
{
	return (g & ((1u << (64 - KEY_GEN_SHIFT)) - 1)) << KEY_GEN_SHIFT;
}

static inline bool key_dead(uint64_t k, uint64_t gbits)
{
	return k != KEY_EMPTY && (k & ~(((uint64_t)1 << KEY_GEN_SHIFT) - 1)) != gbits;
}

static inline uint64_t idx_hash(uint64_t a)
{
	return a * 0x9E3779B97F4A7C15ull;
}

/* Caller holds g_tab_lock. */
static bool tab_ensure(unsigned i)
{
	if (g_tab[i].keys != NULL)
		return true;
	unsigned bits = IDX_FIRST_SHIFT + 2 * i;
	uint64_t *keys = map_zeroed(sizeof(uint64_t) << bits);
	struct ipay *pay = map_zeroed(sizeof(struct ipay) << bits);
	if (keys == NULL || pay == NULL) {
		if (keys)
			munmap(keys, sizeof(uint64_t) << bits);
		if (pay)
			munmap(pay, sizeof(struct ipay) << bits);
		return false;
	}
	g_tab[i].pay = pay;
	g_tab[i].mask = ((uint64_t)1 << bits) - 1;
	g_tab[i].shift = 64 - bits;
	/* release: pay, mask and shift before the table is reachable. */
	cc_atomic_store_release_ptr((void **)&g_tab[i].keys, keys);
	return true;
}

/* New run: empty tables (stale entries of older runs would be dead anyway;
 * zeroing keeps probes short).  Hooks of older runs still in flight may write
 * into them: their keys carry an older generation. */
static int index_reset(void)
{
	pthread_mutex_lock(&g_tab_lock);
	for (unsigned i = 0; i < IDX_TABLES; i++) {
		if (g_tab[i].keys == NULL)
			continue;
		madvise(g_tab[i].keys, sizeof(uint64_t) * (g_tab[i].mask + 1), MADV_DONTNEED);
		cc_atomic_store_relaxed_u64(&g_tab[i].maxdisp, 0);
	}
	int rc = tab_ensure(0) ? 0 : -1;
	cc_atomic_store_release_u32(&g_tab_hi, 1);
	pthread_mutex_unlock(&g_tab_lock);
	return rc;
}

static bool index_grow(uint32_t hi)
{
	bool ok = true;
	pthread_mutex_lock(&g_tab_lock);
	if (cc_atomic_load_relaxed_u32(&g_tab_hi) == hi) {
		if (hi >= IDX_TABLES || !tab_ensure(hi)) {
			ok = false;
		} else {
			cc_atomic_store_relaxed_u64(&g_tab[hi].maxdisp, 0);
			/* release: pairs with the acquire in index_insert/find; the table is ready. */
			cc_atomic_store_release_u32(&g_tab_hi, hi + 1);
		}
	}
	pthread_mutex_unlock(&g_tab_lock);
	return ok;
}

static inline __attribute__((always_inline)) bool index_find(const void *ptr, uint64_t g, struct islot *out)
{
	uint64_t a = (uint64_t)(uintptr_t)ptr >> 3;
	if (a >> KEY_ADDR_BITS)
		return false;
	uint64_t want = key_gen(g) | a;
	uint64_t h = idx_hash(a);
	/* acquire: pairs with the release in index_grow.  The insert of this very
	 * block happened before this free (the caller's own synchronisation), so
	 * its table, key and maxdisp are visible; any other entry may be stale,
	 * which only matters to other addresses. */
	uint32_t hi = cc_atomic_load_acquire_u32(&g_tab_hi);
	for (uint32_t i = hi; i-- > 0;) {
		struct itab *t = &g_tab[i];
		uint64_t *keys = cc_atomic_load_acquire_ptr((void **)&t->keys);
		if (keys == NULL)
			continue;
		uint64_t md = cc_atomic_load_relaxed_u64(&t->maxdisp);
		uint64_t home = h >> t->shift;
		for (uint64_t d = 0; d <= md; d++) {
			uint64_t slot = (home + d) & t->mask;
			uint64_t k = cc_atomic_load_relaxed_u64(&keys[slot]);
			if (k == want) {
				out->key = &keys[slot];
				out->pay = &t->pay[slot];
				return true;
			}
			if (k == KEY_EMPTY)
				break;
		}
	}
	return false;
}

static bool index_insert(const void *ptr, uint64_t g, uint64_t size, uint64_t t0, uint64_t aux, uint64_t usable)
{
	uint64_t a = (uint64_t)(uintptr_t)ptr >> 3;
	if (a >> KEY_ADDR_BITS)
		return false;
	uint64_t gbits = key_gen(g);
	uint64_t busy = gbits | KEY_BUSY | a, final = gbits | a;
	uint64_t h = idx_hash(a);
	for (;;) {
		uint32_t hi = cc_atomic_load_acquire_u32(&g_tab_hi);
		if (hi == 0)
			return false;
		struct itab *t = &g_tab[hi - 1];
		uint64_t *keys = cc_atomic_load_acquire_ptr((void **)&t->keys);
		uint64_t home = h >> t->shift;
		for (uint64_t d = 0; d < IDX_MAX_PROBE; d++) {
			uint64_t slot = (home + d) & t->mask;
			uint64_t *kp = &keys[slot];
			struct ipay *e = &t->pay[slot];
			uint64_t k = cc_atomic_load_relaxed_u64(kp);
			while (k == KEY_EMPTY || key_dead(k, gbits)) {
				/* seq_cst CAS: claims the slot; a remover's payload reads are
				 * ordered before its release store of TOMB, which we read. */
				if (cc_atomic_cas_u64(kp, k, busy)) {
					cc_atomic_store_relaxed_u64(&e->size, size);
					cc_atomic_store_relaxed_u64(&e->t0, t0);
					cc_atomic_store_relaxed_u64(&e->aux, aux);
					cc_atomic_store_relaxed_u64(&e->usable, usable);
					uint64_t md = cc_atomic_load_relaxed_u64(&t->maxdisp);
					while (md < d && !cc_atomic_cas_u64(&t->maxdisp, md, d))
						md = cc_atomic_load_relaxed_u64(&t->maxdisp);
					/* Publish (seq_cst CAS, so release: the payload before the
					 * key for the leak scan's acquire).  Fails only if a newer
					 * run took the slot from this older one. */
					return cc_atomic_cas_u64(kp, busy, final);
				}
				k = cc_atomic_load_relaxed_u64(kp);
			}
		}
		if (!index_grow(hi))
			return false;
	}
}

/* ---- filter of sampled blocks ------------------------------------------------------ */

/*
 * While a run samples (p < 1), frees stay inline unless the filter slot of the
 * address is nonzero (ccmem/alloc.h: cc__prof_free_inline).  A slot is
 * tag << 16 | count: count = sampled blocks of run `tag` (the run's
 * generation, 16 bits) whose address maps there and whose free has not yet
 * been seen; 0xFFFF sticks.  A sampled allocation increments its slot before
 * the block is returned, its free decrements it after the index entry is
 * gone, so a live sampled block's slot is never 0 (no false negatives); other
 * blocks that share the slot (same 64-byte granule, or an address 64 MiB
 * apart) take the out-of-line path and miss in the index.  The table is
 * cleared when a run starts; a hook of an older run still in flight then
 * finds another tag and leaves the slot alone (or, on an empty slot, marks it
 * for its old run: a harmless false positive).  Writes happen on sampled
 * events only (CAS).  Allocated once, kept for the life of the process.
 */
#define FILTER_SLOTS CC__PROF_FILTER_SLOTS
#define FILTER_BYTES (FILTER_SLOTS * sizeof(uint32_t))
static uint32_t *g_filter; /* under g_ctl */

static inline uint32_t *filter_slot(const void *ptr)
{
	return &g_filter[((uintptr_t)ptr >> CC__PROF_FILTER_SHIFT) & (FILTER_SLOTS - 1)];
}

static void filter_inc(const void *ptr, uint64_t g)
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

static void filter_dec(const void *ptr, uint64_t g)
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

static inline bool filter_hit(const void *ptr)
{
	return cc_atomic_load_relaxed_u32(filter_slot(ptr)) != 0;
}

/* Caller holds g_ctl: the table, empty. */
static int filter_reset(void)
{
	if (g_filter == NULL) {
		g_filter = map_zeroed(FILTER_BYTES);
		return g_filter != NULL ? 0 : -1;
	}
	madvise(g_filter, FILTER_BYTES, MADV_DONTNEED); /* reads back as zeros */
	return 0;
}

/* ---- stack depot --------------------------------------------------------------------- */

/* Unique stacks, stored once, immutable, kept for the life of the process.
 * id = offset / 8 + 1 (0: none). */
#define DEPOT_BYTES ((uint64_t)64 << 20)
#define DEPOT_SLOTS ((uint64_t)1 << 18)

struct dstack {
	uint64_t hash;
	uint32_t n;
	uint32_t nforeign; /* the first nforeign entries are frame-source tokens */
	void *pc[];
};

static char *g_depot;           /* published with release under g_ctl */
static uint64_t *g_depot_index; /* ids, claimed by CAS */
static uint64_t g_depot_used;   /* bump offset: one atomic add per NEW stack */

static int depot_init(void)
{
	if (cc_atomic_load_acquire_ptr((void **)&g_depot) != NULL)
		return 0;
	uint64_t *idx = map_zeroed(DEPOT_SLOTS * sizeof(uint64_t));
	char *d = map_zeroed(DEPOT_BYTES);
	if (idx == NULL || d == NULL) {
		if (idx)
			munmap(idx, DEPOT_SLOTS * sizeof(uint64_t));
		if (d)
			munmap(d, DEPOT_BYTES);
		return -1;
	}
	g_depot_index = idx;
	/* release: the index before the depot is seen as ready. */
	cc_atomic_store_release_ptr((void **)&g_depot, d);
	return 0;
}

static const struct dstack *depot_get(uint32_t id)
{
	char *d = cc_atomic_load_acquire_ptr((void **)&g_depot);
	if (id == 0 || d == NULL)
		return NULL;
	return (const struct dstack *)(d + (uint64_t)(id - 1) * 8);
}

static uint32_t depot_put(void *const *pc, int n, uint32_t nforeign)
{
	char *d = cc_atomic_load_acquire_ptr((void **)&g_depot);
	if (d == NULL || n <= 0)
		return 0;
	uint64_t hash = 0xcbf29ce484222325ull ^ nforeign;
	for (int i = 0; i < n; i++)
		hash = (hash ^ (uint64_t)(uintptr_t)pc[i]) * 0x100000001b3ull;
	hash |= 1;
	uint64_t i0 = (hash * 0x9E3779B97F4A7C15ull) >> (64 - 18);
	uint32_t mine = 0;
	for (uint64_t probe = 0; probe < 64; probe++) {
		uint64_t *slot = &g_depot_index[(i0 + probe) & (DEPOT_SLOTS - 1)];
		/* acquire: pairs with the CAS that published the id (stack written first). */
		uint64_t id = cc_atomic_load_acquire_u64(slot);
		if (id == 0) {
			if (mine == 0) {
				uint64_t bytes = (sizeof(struct dstack) + (uint64_t)n * sizeof(void *) + 7) & ~(uint64_t)7;
				uint64_t off = cc_atomic_faa_u64(&g_depot_used, bytes);
				if (off + bytes > DEPOT_BYTES)
					return 0; /* depot full: no stack for this block */
				struct dstack *s = (struct dstack *)(d + off);
				s->hash = hash;
				s->n = (uint32_t)n;
				s->nforeign = nforeign;
				memcpy(s->pc, pc, (size_t)n * sizeof(void *));
				mine = (uint32_t)(off / 8 + 1);
			}
			/* seq_cst CAS (release): the stack before its id. */
			if (cc_atomic_cas_u64(slot, 0, mine))
				return mine;
			id = cc_atomic_load_acquire_u64(slot);
		}
		const struct dstack *s = (const struct dstack *)(d + (id - 1) * 8);
		if (s->hash == hash && s->n == (uint32_t)n && s->nforeign == nforeign && memcmp(s->pc, pc, (size_t)n * sizeof(void *)) == 0)
			return (uint32_t)id;
	}
	return mine; /* index crowded: keep our own copy unindexed (0 if none) */
}

extern char __start_ccmem_hook_text[] __attribute__((visibility("hidden")));
extern char __stop_ccmem_hook_text[] __attribute__((visibility("hidden")));

static inline bool in_hook_text(const void *pc)
{
	return (const char *)pc >= __start_ccmem_hook_text && (const char *)pc < __stop_ccmem_hook_text;
}

/* The caller's stack above the glue: the frame source's frames first (an
 * embedding interpreter's, innermost first), then the native frames; frames
 * inside ccmem_hook_text (the glue's entry points and this path) are
 * dropped. */
__attribute__((noinline)) CC__HOOK_TEXT static uint32_t capture_stack(const struct prec *r)
{
	void *buf[MAX_FRAMES + 8];
	void *out[MAX_FRAMES];
	int n = backtrace(buf, (int)r->frames + 8);
	/* Frames before the first of ours belong to backtrace itself (or a
	 * sanitizer's interceptor of it); then ours; then the caller. */
	int first = 0, skip;
	while (first < n && !in_hook_text(buf[first]))
		first++;
	if (first == n)
		first = 0;
	skip = first;
	while (skip < n && in_hook_text(buf[skip]))
		skip++;
	size_t nf = 0;
	if (r->capture != NULL) {
		uint64_t tok[MAX_FRAMES];
		nf = r->capture(r->capture_arg, tok, r->frames);
		if (nf > r->frames)
			nf = r->frames;
		for (size_t i = 0; i < nf; i++)
			out[i] = (void *)(uintptr_t)tok[i];
	}
	int keep = n - skip;
	if (keep > (int)(r->frames - nf))
		keep = (int)(r->frames - nf);
	memcpy(out + nf, buf + skip, (size_t)keep * sizeof(void *));
	return depot_put(out, (int)nf + keep, (uint32_t)nf);
}

/* ---- heap areas --------------------------------------------------------------------- */

struct heapsum {
	uint64_t committed, used, free_slots, largest;
};

#if CC_PROF_HEAP_AREAS
static bool heap_visit(const mi_heap_t *heap, const mi_heap_area_t *area, void *block, size_t block_size, void *arg)
{
	(void)heap;
	(void)block;
	(void)block_size;
	struct heapsum *s = arg;
	if (area == NULL)
		return true;
	s->committed += area->committed;
	uint64_t used = (uint64_t)area->used * area->block_size;
	s->used += used < area->committed ? used : area->committed;
	uint64_t slots = area->full_block_size ? area->committed / area->full_block_size : 0;
	if (slots > area->used) {
		s->free_slots += slots - area->used;
		if (area->block_size > s->largest)
			s->largest = area->block_size;
	}
	return true;
}

static void heap_summary(struct heapsum *s)
{
	memset(s, 0, sizeof *s);
	mi_heap_visit_blocks(mi_heap_get_default(), false, heap_visit, s);
}
#endif

static void maybe_scan_heap(struct prec *r, uint64_t now)
{
#if !CC_PROF_HEAP_AREAS
	r->last_heap_scan = now;
#else
	r->last_heap_scan = now; /* the caller checked: HEAP_SCAN_MS since the last scan */
	struct heapsum s;
	heap_summary(&s);
	cc_atomic_store_relaxed_u64(&r->heap[H_COMMITTED], s.committed);
	cc_atomic_store_relaxed_u64(&r->heap[H_USED], s.used);
	cc_atomic_store_relaxed_u64(&r->heap[H_FREE_SLOTS], s.free_slots);
	cc_atomic_store_relaxed_u64(&r->heap[H_LARGEST], s.largest);
	cc_atomic_store_relaxed_u64(&r->heap[H_VALID], 1);
#endif
}

/* ---- the hooks ----------------------------------------------------------------------- */

/*
 * Allocation.  Every allocation of a run decrements the thread's countdown
 * (cc__tls_prof: inline in ccmem/alloc.h in the plain mode, in cc__prof_alloc
 * otherwise); the one that brings it to 0 is sampled (sampled_alloc), draws
 * the next gap, and adds the gap just completed to K_ALLOC, so K_ALLOC counts
 * every allocation up to the thread's latest sampled one (the ones since are
 * added by the thread itself at exit, snapshot or stop: gap_done).  At p = 1
 * every gap is 1 and every allocation is sampled.
 *
 * Free.  A sampled block's free finds it in the index (sampled_free).  At
 * p < 1 the filter sends only possible sampled blocks here, and frees of other
 * blocks are not counted (the report scales the sampled ones); at p = 1 every
 * free comes here and is counted.
 */

/* The glue's own allocation/free for an event the profiler only counts.  With
 * the profiler the only mode bit (backend = the plain one, no fill, no
 * statistics, nothing foreign) that is the allocator call itself, the same
 * one the glue's inline path makes (ccmem/alloc.h; the mode is read relaxed,
 * as the gate is). */
static inline void *plain_alloc(size_t size, size_t align, bool zero, size_t counted, uint32_t mode)
{
	if (CC_LIKELY(mode == CC_MODE_PROFILER)) {
		void *p = align ? mi_malloc_aligned_at(size, align, 0) : zero ? mi_zalloc(size) : mi_malloc(size);
		if (CC_UNLIKELY(p == NULL))
			errno = ENOMEM;
		return p;
	}
	return cc__glue_alloc(size, align, zero, counted, mode);
}

static inline void plain_free(void *ptr, size_t size, bool sized, uint32_t mode)
{
	if (CC_LIKELY(mode == CC_MODE_PROFILER))
		mi_free(ptr);
	else
		cc__glue_free(ptr, size, sized, mode);
}

static inline void count_free(struct prec *r, uint64_t size, bool sized)
{
	bump(&r->k[K_FREE], 1);
	if (sized)
		bump(&r->k[K_FREE_BYTES], size);
	else
		bump(&r->k[K_UNSIZED], 1);
}

static inline void lat_record(struct prec *r, int which, uint64_t dt)
{
	bump(&r->lat[which][lat_index(dt, r->lat_m)], 1);
	bump(&r->k[which ? K_LAT_SUM_F : K_LAT_SUM_A], dt);
}

static inline __attribute__((always_inline)) void *sampled_alloc(struct prec *r, uint64_t g, size_t size,
                                                                   size_t align, bool zero, size_t counted,
                                                                   uint32_t mode)
{
	uint64_t gap = (uint64_t)r->gap;
	r->gap = next_gap(r);
	cc__tls_prof.countdown = r->gap;
	uint32_t flags = r->flags;
	bool timing = (flags & F_LATENCY) && timed(r, 0);
	uint64_t t0 = timing ? ticks() : cc_atomic_load_relaxed_u64(&g_coarse_ticks);
	void *p = plain_alloc(size, align, zero, counted, mode);
	uint64_t t1 = timing ? ticks() : t0;
	if (p == NULL) {
		bump(&r->k[K_ALLOC], gap - 1); /* the failed one is no allocation */
		return NULL;
	}
	uint64_t nalloc = rd(&r->k[K_ALLOC]) + gap;
	uint64_t abytes = rd(&r->k[K_ALLOC_BYTES]) + counted;
	cc_atomic_store_relaxed_u64(&r->k[K_ALLOC], nalloc);
	cc_atomic_store_relaxed_u64(&r->k[K_ALLOC_BYTES], abytes);
	bump(&r->k[K_SAMPLED_ALLOC], 1);
	/* this thread's own high-water mark (exact peak of a one-thread run at p = 1) */
	uint64_t net = abytes - rd(&r->k[K_FREE_BYTES]);
	if ((int64_t)net > (int64_t)rd(&r->k[K_NET_MAX])) {
		cc_atomic_store_relaxed_u64(&r->k[K_NET_MAX], net);
		cc_atomic_store_relaxed_u64(&r->k[K_NET_MAX_AT], nalloc);
	}
	if (flags & F_SIZES) {
		unsigned b = size_class(counted);
		bump(&r->size_cb[b][0], 1);
		bump(&r->size_cb[b][1], counted);
	}
	if (timing)
		lat_record(r, 0, t1 - t0);
	uint64_t usable;
#if !CC_NO_MIMALLOC
	if (CC_LIKELY(mode == CC_MODE_PROFILER)) { /* the plain mode's blocks are mimalloc's */
		size_t w = (size + 7) / 8;
		if (align == 0 && w < USABLE_MEMO) {
			usable = r->usable_memo[w];
			if (CC_UNLIKELY(usable == 0))
				usable = r->usable_memo[w] = (uint32_t)mi_usable_size(p);
		} else {
			usable = mi_usable_size(p);
		}
	} else
#endif
		usable = cc__backend_usable_size(p, (mode & CC_MODE_FOREIGN) != 0);
	bump(&r->k[K_SAMP_USABLE], usable);
	if (flags & F_INDEX) {
		if (flags & F_FILTER)
			filter_inc(p, g);
		uint32_t stack = (flags & F_STACKS) ? capture_stack(r) : 0;
		if (index_insert(p, g, counted, t0, (uint64_t)r->idx << 32 | stack, usable)) {
			bump(&r->k[K_LIVE_REQ], counted);
			bump(&r->k[K_LIVE_USABLE], usable);
		} else {
			if (flags & F_FILTER)
				filter_dec(p, g);
			bump(&r->k[K_UNTRACKED], 1);
		}
	}
	/* signed: t1 is the coarse clock unless this event was timed, so it can
	 * be a little behind the last scan's time */
	if (CC_UNLIKELY((int64_t)(t1 - r->last_heap_scan) >= (int64_t)g_heap_scan_ticks))
		maybe_scan_heap(r, t1);
	return p;
}

CC__HOOK_TEXT void *cc__prof_alloc(size_t size, size_t align, bool zero, size_t counted, uint32_t mode)
{
	/* relaxed: only chooses whether and where to count; enter_slow re-reads
	 * with acquire before taking the run's options.  The thread's countdown
	 * is of run g exactly when its record is (both set by enter_slow). */
	uint64_t g = cc_atomic_load_relaxed_u64(&g_gen);
	struct prec *r = t_rec;
	if (CC_UNLIKELY(cc__tls_prof.gen != g)) {
		r = enter_slow(g);
		if (r == NULL)
			return cc__glue_alloc(size, align, zero, counted, mode);
	}
	if (CC_LIKELY(--cc__tls_prof.countdown > 0)) {
		void *p = plain_alloc(size, align, zero, counted, mode);
		if (CC_UNLIKELY(p == NULL))
			cc__tls_prof.countdown++; /* not an allocation */
		return p;
	}
	return sampled_alloc(r, g, size, align, zero, counted, mode);
}

/* From the inline path (ccmem/alloc.h): the thread's countdown is of the
 * published run and about to reach 0, the mode was exactly "profiler". */
CC__HOOK_TEXT void *cc__prof_alloc_sampled(size_t size, size_t align, bool zero, size_t counted)
{
	cc__tls_prof.countdown--;
	return sampled_alloc(t_rec, cc__tls_prof.gen, size, align, zero, counted, CC_MODE_PROFILER);
}

static inline __attribute__((always_inline)) void sampled_free(struct prec *r, uint64_t g, struct islot e, void *ptr, size_t size, bool sized,
                         uint32_t mode)
{
	uint32_t flags = r->flags;
	uint64_t bsize = cc_atomic_load_relaxed_u64(&e.pay->size);
	uint64_t aux = cc_atomic_load_relaxed_u64(&e.pay->aux);
	uint64_t usable = cc_atomic_load_relaxed_u64(&e.pay->usable);
	/* release: our reads of the payload stay before the slot can be claimed
	 * again (the claimer's seq_cst CAS reads this store). */
	cc_atomic_store_release_u64(e.key, KEY_TOMB);
	if (flags & F_FILTER)
		filter_dec(ptr, g);
	count_free(r, sized ? size : bsize, true);
	bump(&r->k[K_SAMPLED_FREE], 1);
	bump(&r->k[K_LIVE_REQ], (uint64_t)0 - bsize);
	bump(&r->k[K_LIVE_USABLE], (uint64_t)0 - usable);
	uint32_t owner = (uint32_t)(aux >> 32);
	if ((flags & F_CROSS) && owner != r->idx) {
		bump(&r->flow[owner < FLOW ? owner : FLOW - 1], 1);
		bump(&r->k[K_XRECV], 1);
	}
	if ((flags & F_LATENCY) && timed(r, 1)) {
		uint64_t t0 = ticks();
		plain_free(ptr, size, sized, mode);
		lat_record(r, 1, ticks() - t0);
	} else {
		plain_free(ptr, size, sized, mode);
	}
}

void cc__prof_free(void *ptr, size_t size, bool sized, uint32_t mode)
{
	uint64_t g = cc_atomic_load_relaxed_u64(&g_gen); /* relaxed: as in cc__prof_alloc */
	struct prec *r = t_rec;
	if (CC_UNLIKELY(cc__tls_prof.gen != g)) {
		r = enter_slow(g);
		if (r == NULL) {
			cc__glue_free(ptr, size, sized, mode);
			return;
		}
	}
	uint32_t flags = r->flags;
	/* sampling (F_FILTER): only a possible sampled block is looked up */
	struct islot e;
	if ((!(flags & F_FILTER) || filter_hit(ptr)) && index_find(ptr, g, &e)) {
		sampled_free(r, g, e, ptr, size, sized, mode);
		return;
	}
	/* sampling: other blocks are not counted; at p = 1 a block from
	 * before the run is counted, not timed */
	if (!(flags & F_FILTER))
		count_free(r, size, sized);
	plain_free(ptr, size, sized, mode);
}

/* ---- the profiler object ------------------------------------------------------------- */

enum { ST_IDLE, ST_RUNNING, ST_STOPPED };

typedef struct {
	uint64_t k[K_NUM];
	uint64_t size_count[NSB], size_bytes[NSB];
	/* allocations per sampled allocation: what a sampled figure is
	 * multiplied by (1 at p = 1; see the estimators in ccmem/profiler.h) */
	double scale;
} merged_counts_t;

struct cc_profiler {
	cc_profiler_options_t opt;
	unsigned lat_m;
	int state;
	uint64_t gen;
	uint64_t start_ticks, start_ns, stop_ticks, stop_ns;
	double start_unix, stop_unix;

	/* timeline, under tl_lock (the timeline thread and snapshots) */
	pthread_mutex_t tl_lock;
	pthread_cond_t tl_cond;
	bool tl_quit;
	pthread_t tl_thread;
	bool tl_started;
	cc_profiler_timeline_point_t *tl;
	size_t tl_len;
	uint64_t tl_stride, tl_tick;
	uint64_t peak;
	double peak_t;
	double ewma[3];
	bool ewma_init;
	double last_t;
	uint64_t last_k[3];

	cc_profiler_report_t *snap, *final;
	cc_profiler_frame_source_t frames; /* capture NULL: none */
};

/* Private part of a report: what its pointers own. */
typedef struct {
	cc_profiler_report_t r;
	char **stack_strings; /* every symbolised frame string (one free each) */
	size_t nstrings;
	char ***stack_arrays; /* arrays shared by records */
	size_t narrays;
} report_box_t;

static void report_free(cc_profiler_report_t *r)
{
	if (r == NULL)
		return;
	report_box_t *b = (report_box_t *)r;
	free(r->latency_lo);
	free(r->latency_hi);
	free(r->alloc_latency_counts);
	free(r->free_latency_counts);
	free(r->cross_thread_flow);
	free(r->thread_stats);
	free(r->leaked_allocations);
	free(r->timeline);
	for (size_t i = 0; i < r->recommendation_count; i++)
		free(r->recommendations[i]);
	free(r->recommendations);
	for (size_t i = 0; i < b->nstrings; i++)
		free(b->stack_strings[i]);
	free(b->stack_strings);
	for (size_t i = 0; i < b->narrays; i++)
		free(b->stack_arrays[i]);
	free(b->stack_arrays);
	free(b);
}

static double to_sec(const cc_profiler_t *p, uint64_t t)
{
	return t > p->start_ticks ? (double)(t - p->start_ticks) * g_ns_per_tick * 1e-9 : 0.0;
}

/* The calling thread's allocations of run g since its last sampled one. */
static uint64_t own_gap(uint64_t g)
{
	struct prec *self = t_rec;
	if (self == NULL || cc__tls_prof.gen != g || cc_atomic_load_relaxed_u64(&self->gen) != g)
		return 0;
	return gap_done(self);
}

/* Sums the counters of run p->gen over every record, and the scale. */
static void merge_counts(const cc_profiler_t *p, merged_counts_t *m)
{
	memset(m, 0, sizeof *m);
	for (struct prec *r = cc_atomic_load_acquire_ptr((void **)&g_rec_head); r != NULL; r = r->next) {
		/* acquire: pairs with the release in reset_record (cleared figures). */
		if (cc_atomic_load_acquire_u64(&r->gen) != p->gen)
			continue;
		for (int i = 0; i < K_NUM; i++)
			m->k[i] += rd(&r->k[i]);
		for (int i = 0; i < NSB; i++) {
			m->size_count[i] += rd(&r->size_cb[i][0]);
			m->size_bytes[i] += rd(&r->size_cb[i][1]);
		}
	}
	m->k[K_ALLOC] += own_gap(p->gen);
	if (p->opt.sample_rate >= 1.0)
		m->scale = 1.0;
	else if (m->k[K_SAMPLED_ALLOC] > 0 && m->k[K_ALLOC] >= m->k[K_SAMPLED_ALLOC])
		m->scale = (double)m->k[K_ALLOC] / (double)m->k[K_SAMPLED_ALLOC];
	else
		m->scale = 1.0 / p->opt.sample_rate;
}

/* A sampled figure scaled to all events. */
static uint64_t est(const merged_counts_t *m, uint64_t v)
{
	return m->scale == 1.0 ? v : (uint64_t)llround((double)v * m->scale);
}

static uint64_t current_of(const merged_counts_t *m)
{
	return m->k[K_ALLOC_BYTES] > m->k[K_FREE_BYTES] ? est(m, m->k[K_ALLOC_BYTES] - m->k[K_FREE_BYTES]) : 0;
}

/* out[i] = raw[i] * scale rounded so that the sum is exactly `target`
 * (largest remainders; target within n of the plain sum). */
static void apportion(const uint64_t *raw, size_t n, double scale, uint64_t target, uint64_t *out)
{
	double frac[NSB];
	uint64_t sum = 0;
	for (size_t i = 0; i < n; i++) {
		double v = (double)raw[i] * scale;
		out[i] = (uint64_t)v;
		frac[i] = raw[i] ? v - (double)out[i] : -1.0;
		sum += out[i];
	}
	while (sum < target) {
		size_t best = n;
		for (size_t i = 0; i < n; i++)
			if (frac[i] >= 0 && (best == n || frac[i] > frac[best]))
				best = i;
		if (best == n)
			break;
		out[best]++;
		frac[best] = -1.0;
		sum++;
	}
}

/* The size classes scaled: counts summing to the allocations (when every
 * sampled allocation was classed), bytes to the estimated bytes. */
static void scaled_sizes(const merged_counts_t *m, uint64_t *count, uint64_t *bytes)
{
	uint64_t nraw = 0;
	for (int i = 0; i < NSB; i++)
		nraw += m->size_count[i];
	bool all = nraw == m->k[K_SAMPLED_ALLOC];
	apportion(m->size_count, NSB, m->scale, all ? m->k[K_ALLOC] : 0, count);
	apportion(m->size_bytes, NSB, m->scale, all ? est(m, m->k[K_ALLOC_BYTES]) : 0, bytes);
}

/* Caller holds tl_lock.  One timeline tick at `now` (ticks). */
static void timeline_tick(cc_profiler_t *p, uint64_t now, bool force_point)
{
	merged_counts_t m;
	merge_counts(p, &m);
	double t = to_sec(p, now);
	uint64_t cur = current_of(&m);
	if (cur > p->peak) {
		p->peak = cur;
		p->peak_t = t;
	}
	uint64_t k3[3] = {m.k[K_ALLOC], est(&m, m.k[K_FREE]), est(&m, m.k[K_ALLOC_BYTES])};
	double dt = t - p->last_t;
	if (dt > 1e-6) {
		double alpha = 1.0 - exp(-dt / 1.0); /* time constant 1 s */
		for (int i = 0; i < 3; i++) {
			double inst = (double)(k3[i] - p->last_k[i]) / dt;
			p->ewma[i] = p->ewma_init ? p->ewma[i] + alpha * (inst - p->ewma[i]) : inst;
		}
		p->ewma_init = true;
		p->last_t = t;
		memcpy(p->last_k, k3, sizeof k3);
	}
	if (!force_point && (p->tl_tick++ % p->tl_stride) != 0)
		return;
	if (p->tl_len == TIMELINE_MAX) {
		size_t j = 0;
		for (size_t i = 1; i < TIMELINE_MAX; i += 2)
			p->tl[j++] = p->tl[i];
		p->tl_len = j;
		p->tl_stride *= 2;
	}
	cc_profiler_timeline_point_t *pt = &p->tl[p->tl_len++];
	pt->t = t;
	pt->current = cur;
	pt->alloc_count = k3[0];
	pt->free_count = k3[1];
	uint64_t bytes[NSB];
	scaled_sizes(&m, pt->size_counts, bytes);
}

static void *timeline_main(void *arg)
{
	cc_profiler_t *p = arg;
	pthread_setname_np(pthread_self(), "ccmem-prof");
	pthread_mutex_lock(&p->tl_lock);
	while (!p->tl_quit) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		uint64_t ns = (uint64_t)ts.tv_nsec + (uint64_t)p->opt.timeline_interval_ms * 1000000u;
		ts.tv_sec += (time_t)(ns / 1000000000u);
		ts.tv_nsec = (long)(ns % 1000000000u);
		int rc = 0;
		while (!p->tl_quit && rc != ETIMEDOUT)
			rc = pthread_cond_timedwait(&p->tl_cond, &p->tl_lock, &ts);
		if (p->tl_quit)
			break;
		uint64_t now = ticks();
		cc_atomic_store_relaxed_u64(&g_coarse_ticks, now);
		timeline_tick(p, now, false);
	}
	pthread_mutex_unlock(&p->tl_lock);
	return NULL;
}

void cc_profiler_options_init(cc_profiler_options_t *o)
{
	if (o == NULL)
		return;
	memset(o, 0, sizeof *o);
	o->track_sizes = true;
	o->track_latency = true;
	o->track_per_thread = false;
	o->track_cross_thread = true;
	o->detect_leaks = false;
	o->capture_stacks = false;
	o->sample_rate = 1.0;
	o->latency_buckets = 1000;
	o->timeline_interval_ms = 10;
	o->max_leak_records = 65536;
	o->max_stack_frames = 16;
	o->latency_sample_rate = 0.125;
}

cc_profiler_t *cc_profiler_create(const cc_profiler_options_t *o)
{
	if (o == NULL || !(o->sample_rate > 0.0 && o->sample_rate <= 1.0) ||
	    o->latency_buckets < CC_PROFILER_MIN_LATENCY_BUCKETS || o->latency_buckets > CC_PROFILER_MAX_LATENCY_BUCKETS ||
	    o->timeline_interval_ms == 0 || o->timeline_interval_ms > 60000 || o->max_stack_frames > MAX_FRAMES ||
	    !(o->latency_sample_rate > 0.0 && o->latency_sample_rate <= 1.0)) {
		errno = EINVAL;
		return NULL;
	}
	cc_profiler_t *p = calloc(1, sizeof *p);
	if (p == NULL || (p->tl = calloc(TIMELINE_MAX, sizeof *p->tl)) == NULL) {
		free(p);
		errno = ENOMEM;
		return NULL;
	}
	p->opt = *o;
	if (p->opt.max_stack_frames == 0)
		p->opt.max_stack_frames = 16;
	p->lat_m = lat_precision(o->latency_buckets);
	p->state = ST_IDLE;
	pthread_mutex_init(&p->tl_lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->tl_cond, &ca);
	pthread_condattr_destroy(&ca);
	return p;
}

static void clear_reports(cc_profiler_t *p)
{
	report_free(p->snap);
	report_free(p->final);
	p->snap = p->final = NULL;
}

/* Caller holds g_ctl.  New generation, options published, figures cleared. */
static int begin_run(cc_profiler_t *p)
{
	uint64_t g = ++g_last_gen;
	if ((g & ((1u << (64 - KEY_GEN_SHIFT)) - 1)) == 0) /* key generation 0 is reserved for TOMB */
		g = ++g_last_gen;
	/* Seqlock writer: g_gen is 0 here (no run); the release fence orders that
	 * store before the option stores (pairs with reset_record's acquire fence). */
	cc_atomic_store_relaxed_u64(&g_gen, 0);
	cc_atomic_fence_release();
	const cc_profiler_options_t *o = &p->opt;
	bool sampling = o->sample_rate < 1.0;
	uint32_t flags = (o->track_sizes ? F_SIZES : 0) | (o->track_latency ? F_LATENCY : 0) |
	                 /* always indexed: the free of a block of the run,
	                  * sized or not, then finds its size (exact live bytes) */
	                 F_INDEX |
	                 (o->capture_stacks && o->detect_leaks ? F_STACKS : 0) | (o->track_cross_thread ? F_CROSS : 0) |
	                 (sampling ? F_FILTER : 0);
	if (sampling && filter_reset() != 0)
		return -1;
	uint64_t pbits;
	memcpy(&pbits, &o->sample_rate, sizeof pbits);
	cc_atomic_store_relaxed_u32(&g_opt_flags, flags);
	cc_atomic_store_relaxed_u32(&g_opt_m, p->lat_m);
	cc_atomic_store_relaxed_u32(&g_opt_frames, o->max_stack_frames);
	void *capture = NULL;
	if (p->frames.capture != NULL)
		memcpy(&capture, &p->frames.capture, sizeof capture);
	cc_atomic_store_relaxed_ptr(&g_opt_capture, capture);
	cc_atomic_store_relaxed_ptr(&g_opt_capture_arg, p->frames.arg);
	cc_atomic_store_relaxed_u64(&g_opt_p_bits, pbits);
	/* a sampled event is timed with probability q: events overall with
	 * probability min(sample_rate, latency_sample_rate) */
	double q = o->latency_sample_rate >= o->sample_rate ? 1.0 : o->latency_sample_rate / o->sample_rate;
	memcpy(&pbits, &q, sizeof pbits);
	cc_atomic_store_relaxed_u64(&g_opt_q_bits, pbits);

	pthread_mutex_lock(&p->tl_lock); /* the timeline thread reads gen and the timeline */
	p->gen = g;
	p->tl_len = 0;
	p->tl_stride = 1;
	p->tl_tick = 0;
	p->peak = 0;
	p->peak_t = 0;
	p->ewma_init = false;
	memset(p->ewma, 0, sizeof p->ewma);
	memset(p->last_k, 0, sizeof p->last_k);
	p->last_t = 0;
	p->start_ticks = ticks();
	cc_atomic_store_relaxed_u64(&g_coarse_ticks, p->start_ticks);
	p->start_ns = mono_ns();
	p->start_unix = unix_now();
	pthread_mutex_unlock(&p->tl_lock);
	/* release: pairs with the acquire in reset_record; options first. */
	cc_atomic_store_release_u64(&g_gen, g);
	return 0;
}

/* The glue's inline paths for run p->gen (caller holds g_ctl). */
static void publish_run(const cc_profiler_t *p)
{
	cc__config_set_profiler(p->gen, p->opt.sample_rate < 1.0 ? g_filter : NULL);
}

int cc_profiler_start(cc_profiler_t *p)
{
	if (p == NULL) {
		errno = EINVAL;
		return -1;
	}
	pthread_once(&g_clock_once, clock_init);
	void *prime[4];
	backtrace(prime, 4); /* loads the unwinder now, not inside a hook */
	cc__config_ensure();
	pthread_mutex_lock(&g_ctl);
	if (g_running != NULL) {
		pthread_mutex_unlock(&g_ctl);
		errno = EBUSY;
		return -1;
	}
	if (index_reset() != 0 || (p->opt.capture_stacks && p->opt.detect_leaks && depot_init() != 0)) {
		pthread_mutex_unlock(&g_ctl);
		errno = ENOMEM;
		return -1;
	}
	clear_reports(p);
	if (begin_run(p) != 0) {
		pthread_mutex_unlock(&g_ctl);
		errno = ENOMEM;
		return -1;
	}
	p->tl_quit = false;
	if (pthread_create(&p->tl_thread, NULL, timeline_main, p) != 0) {
		cc_atomic_store_release_u64(&g_gen, 0);
		pthread_mutex_unlock(&g_ctl);
		errno = EAGAIN;
		return -1;
	}
	p->tl_started = true;
	p->state = ST_RUNNING;
	g_running = p;
	publish_run(p);
	pthread_mutex_unlock(&g_ctl);
	return 0;
}

/* ---- report ---------------------------------------------------------------------------- */

static char *dupstr(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

static void add_rec(cc_profiler_report_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_rec(cc_profiler_report_t *r, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	char **n = realloc(r->recommendations, (r->recommendation_count + 1) * sizeof *n);
	if (n == NULL)
		return;
	r->recommendations = n;
	char *s = dupstr(buf);
	if (s)
		r->recommendations[r->recommendation_count++] = s;
}

static void percentiles(const uint64_t *c, uint32_t n, const double *lo, const double *hi, uint64_t total,
                        double *p50, double *p95, double *p99, double *p999)
{
	const double q[4] = {0.50, 0.95, 0.99, 0.999};
	double *out[4] = {p50, p95, p99, p999};
	for (int j = 0; j < 4; j++) {
		*out[j] = 0;
		if (total == 0)
			continue;
		uint64_t rank = (uint64_t)ceil(q[j] * (double)total);
		if (rank == 0)
			rank = 1;
		uint64_t cum = 0;
		for (uint32_t i = 0; i < n; i++) {
			cum += c[i];
			if (cum >= rank) {
				*out[j] = (lo[i] + hi[i]) / 2;
				break;
			}
		}
	}
}

static const char *human(double b, char *buf, size_t cap)
{
	const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	int i = 0;
	while (b >= 1024 && i < 4) {
		b /= 1024;
		i++;
	}
	snprintf(buf, cap, i == 0 ? "%.0f %s" : "%.1f %s", b, u[i]);
	return buf;
}

static void recommend(cc_profiler_report_t *r)
{
	char a[32], b[32];
	const cc_profiler_fragmentation_t *f = &r->fragmentation;
	if (r->alloc_count == 0) {
		add_rec(r, "No allocation went through the glue during the run: nothing to analyse.");
		return;
	}
	if (f->internal_fragmentation > 0.20) {
		cc_profiler_size_bucket_t hot[1];
		size_t nh = cc_profiler_hot_sizes(&r->size_histogram, 1, hot);
		add_rec(r, "Internal fragmentation is %.0f%%: blocks carry that share of padding over what was "
		           "requested%s%s%s. Sizing nodes to mimalloc size classes (mi_good_size) or packing small "
		           "fields would recover it.",
		        f->internal_fragmentation * 100, nh ? " (hottest size range " : "", nh ? hot[0].label : "",
		        nh ? ")" : "");
	}
	if (f->committed_bytes > 0 && f->external_fragmentation > 0.30)
		add_rec(r, "External fragmentation is %.0f%% of %s committed: free block slots are scattered over "
		           "partly used pages. Long-lived and short-lived nodes of one size class mixed on a page keep it "
		           "alive; mi_collect(false) after bulk frees returns whole pages.",
		        f->external_fragmentation * 100, human((double)f->committed_bytes, a, sizeof a));
	if (r->cross_thread_free_pct > 25.0)
		add_rec(r, "%.0f%% of frees happen on a thread other than the allocating one: mimalloc queues them to "
		           "the owner's page (an atomic push each). Reclaiming on the allocating thread, or batching "
		           "retirement through SMR, keeps frees local.",
		        r->cross_thread_free_pct);
	if (r->alloc_latency_p50 > 0 && r->alloc_latency_p999 > 50 * r->alloc_latency_p50)
		add_rec(r, "Allocation tail latency: p99.9 is %.0f ns against a median of %.0f ns. Tails this long "
		           "usually come from fresh pages (OS commit, page faults); mi_option_reserve_os_memory or "
		           "eager commit moves that cost out of the hot path.",
		        r->alloc_latency_p999, r->alloc_latency_p50);
	if (r->free_latency_p50 > 0 && r->free_latency_p999 > 50 * r->free_latency_p50)
		add_rec(r, "Free tail latency: p99.9 is %.0f ns against a median of %.0f ns (page retirement or "
		           "delayed-free processing).",
		        r->free_latency_p999, r->free_latency_p50);
	if (r->leak_count > 0)
		add_rec(r, "%llu sampled allocation(s) (%s, about %s in all) were still live at %s%s.",
		        (unsigned long long)r->leak_count, human((double)r->leaked_bytes, a, sizeof a),
		        human(r->leaked_bytes_estimate, b, sizeof b), r->running ? "this snapshot" : "stop",
		        r->leaked_allocations_len && r->leaked_allocations[0].stack_depth
		            ? "; the leak list shows where they were allocated"
		            : "");
	if (r->peak_allocated > 0 && r->current_allocated * 4 < r->peak_allocated && r->peak_allocated > (1u << 20))
		add_rec(r, "Peak (%s at %.2f s) is more than four times the current %s: memory use is bursty; a "
		           "bounded pool or earlier reclamation (smaller SMR batches) would lower the peak.",
		        human((double)r->peak_allocated, a, sizeof a), r->peak_time,
		        human((double)r->current_allocated, b, sizeof b));
	if (r->size_histogram.total_count > 0) {
		cc_profiler_size_bucket_t hot[1];
		if (cc_profiler_hot_sizes(&r->size_histogram, 1, hot) == 1 &&
		    hot[0].count * 10 >= r->size_histogram.total_count * 9 && r->alloc_rate > 1e6)
			add_rec(r, "%.0f%% of %.1f M allocations/s are in one size range (%s): a per-thread free list "
			           "of such nodes would skip the allocator entirely.",
			        100.0 * (double)hot[0].count / (double)r->size_histogram.total_count, r->alloc_rate / 1e6,
			        hot[0].label);
	}
	if (r->untracked_samples > 0)
		add_rec(r, "%llu sampled allocations could not be indexed (index full): lower sample_rate.",
		        (unsigned long long)r->untracked_samples);
	if (r->recommendation_count == 0)
		add_rec(r, "No problem found: fragmentation, cross-thread traffic, latency tails and leaks are all "
		           "within their thresholds.");
}

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
	const struct dstack *s = depot_get(id);
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
		char *d = dupstr(buf);
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

/* Sampled blocks of run p->gen still live: counts all, keeps max records. */
static void scan_leaks(cc_profiler_t *p, report_box_t *box, double inv_tick_s)
{
	cc_profiler_report_t *r = &box->r;
	size_t max = p->opt.max_leak_records ? p->opt.max_leak_records : SIZE_MAX;
	size_t cap = 0;
	uint64_t gbits = key_gen(p->gen);
	size_t scap = 1024;
	symcache_t *cache = calloc(scap, sizeof *cache);
	size_t sused = 0;
	uint64_t tid_of[FLOW + 1] = {0};
	for (struct prec *rec = cc_atomic_load_acquire_ptr((void **)&g_rec_head); rec != NULL; rec = rec->next)
		if (cc_atomic_load_acquire_u64(&rec->gen) == p->gen && rec->idx < FLOW)
			tid_of[rec->idx] = rec->tid;
	uint32_t hi = cc_atomic_load_acquire_u32(&g_tab_hi);
	for (uint32_t t = 0; t < hi; t++) {
		uint64_t *keys = cc_atomic_load_acquire_ptr((void **)&g_tab[t].keys);
		if (keys == NULL)
			continue;
		for (uint64_t i = 0; i <= g_tab[t].mask; i++) {
			struct ipay *e = &g_tab[t].pay[i];
			/* acquire: pairs with the publishing CAS (payload first). */
			uint64_t k = cc_atomic_load_acquire_u64(&keys[i]);
			if (k == KEY_EMPTY || (k & KEY_BUSY) || key_dead(k, gbits))
				continue;
			uint64_t size = cc_atomic_load_relaxed_u64(&e->size);
			uint64_t t0 = cc_atomic_load_relaxed_u64(&e->t0);
			uint64_t aux = cc_atomic_load_relaxed_u64(&e->aux);
			/* acquire fence, then the key again: the payload belongs to it. */
			cc_atomic_fence_acquire();
			if (cc_atomic_load_relaxed_u64(&keys[i]) != k)
				continue;
			r->leak_count++;
			r->leaked_bytes += size;
			if (r->leaked_allocations_len >= max)
				continue;
			if (r->leaked_allocations_len == cap) {
				size_t nc = cap ? cap * 2 : 256;
				if (nc > max)
					nc = max;
				void *n = realloc(r->leaked_allocations, nc * sizeof *r->leaked_allocations);
				if (n == NULL)
					continue;
				r->leaked_allocations = n;
				cap = nc;
			}
			cc_profiler_allocation_record_t *a = &r->leaked_allocations[r->leaked_allocations_len++];
			memset(a, 0, sizeof *a);
			a->ptr = (k & (KEY_BUSY - 1)) << 3;
			a->size = size;
			a->timestamp = t0 > p->start_ticks ? (double)(t0 - p->start_ticks) * inv_tick_s : 0.0;
			uint32_t owner = (uint32_t)(aux >> 32);
			a->thread_id = owner < FLOW ? tid_of[owner] : 0;
			if (a->thread_id == 0)
				for (struct prec *rec = cc_atomic_load_acquire_ptr((void **)&g_rec_head); rec; rec = rec->next)
					if (rec->idx == owner)
						a->thread_id = rec->tid;
			uint32_t sid = (uint32_t)aux;
			if (sid != 0 && cache != NULL) {
				if (sused * 2 >= scap) { /* grow the cache: rebuild */
					symcache_t *nc = calloc(scap * 2, sizeof *nc);
					if (nc != NULL) {
						for (size_t j = 0; j < scap; j++) {
							if (cache[j].id == 0)
								continue;
							size_t h = (cache[j].id * 2654435761u) & (scap * 2 - 1);
							while (nc[h].id != 0)
								h = (h + 1) & (scap * 2 - 1);
							nc[h] = cache[j];
						}
						free(cache);
						cache = nc;
						scap *= 2;
					}
				}
				if (sused * 2 < scap) {
					size_t before = box->narrays;
					a->stack_trace = symbolise(p, box, cache, scap, sid, &a->stack_depth);
					sused += box->narrays - before;
				}
			}
		}
	}
	free(cache);
	if (r->leaked_allocations_len > 1)
		qsort(r->leaked_allocations, r->leaked_allocations_len, sizeof *r->leaked_allocations, cmp_leak);
}

static void fragmentation(cc_profiler_t *p, cc_profiler_report_t *r, const merged_counts_t *m)
{
	cc_profiler_fragmentation_t *f = &r->fragmentation;
	int64_t live_req = (int64_t)m->k[K_LIVE_REQ], live_usable = (int64_t)m->k[K_LIVE_USABLE];
	if (live_usable > 0 && live_req > 0 && live_req <= live_usable)
		f->internal_fragmentation = 1.0 - (double)live_req / (double)live_usable;
	else if (m->k[K_SAMP_USABLE] > 0)
		f->internal_fragmentation = 1.0 - (double)m->k[K_ALLOC_BYTES] / (double)m->k[K_SAMP_USABLE];
	f->source = "none";
#if CC_SANITIZER_BUILD
	(void)p;
	uint64_t heap = __sanitizer_get_heap_size(), freeb = __sanitizer_get_free_bytes();
	uint64_t used = __sanitizer_get_current_allocated_bytes();
	if (heap > 0 && used + freeb > 0) {
		/* the sanitizer's heap also holds its quarantine: judge used against free */
		f->committed_bytes = heap;
		f->utilization = (double)used / (double)(used + freeb);
		f->external_fragmentation = 1.0 - f->utilization;
		f->source = "sanitizer allocator";
	}
#elif CC_PROF_HEAP_AREAS
	struct heapsum tot = {0, 0, 0, 0}, mine;
	heap_summary(&mine);
	struct prec *self = t_rec;
	bool any = mine.committed > 0;
	tot = mine;
	for (struct prec *rec = cc_atomic_load_acquire_ptr((void **)&g_rec_head); rec != NULL; rec = rec->next) {
		if (rec == self || cc_atomic_load_acquire_u64(&rec->gen) != p->gen || rd(&rec->heap[H_VALID]) == 0)
			continue;
		tot.committed += rd(&rec->heap[H_COMMITTED]);
		tot.used += rd(&rec->heap[H_USED]);
		tot.free_slots += rd(&rec->heap[H_FREE_SLOTS]);
		uint64_t l = rd(&rec->heap[H_LARGEST]);
		if (l > tot.largest)
			tot.largest = l;
		any = true;
	}
	if (any && tot.committed > 0) {
		if (tot.used > tot.committed)
			tot.used = tot.committed;
		f->committed_bytes = tot.committed;
		f->utilization = (double)tot.used / (double)tot.committed;
		f->external_fragmentation = 1.0 - f->utilization;
		f->free_block_count = tot.free_slots;
		f->largest_free_block = tot.largest;
		f->source = "mimalloc heap areas";
	}
#else
	(void)p;
#endif
}

/* Builds a report of p's run (caller holds g_ctl).  now: ticks at its end. */
static cc_profiler_report_t *build_report(cc_profiler_t *p, bool running, uint64_t now, uint64_t now_ns)
{
	report_box_t *box = calloc(1, sizeof *box);
	if (box == NULL)
		return NULL;
	cc_profiler_report_t *r = &box->r;
	r->options = p->opt;
	r->running = running;
	r->sample_rate = p->opt.sample_rate;

	/* time: ticks -> seconds; the run itself refines the TSC calibration */
	double ns_per_tick = g_ns_per_tick;
	if (g_use_tsc && now > p->start_ticks && now_ns - p->start_ns > 200000000u)
		ns_per_tick = (double)(now_ns - p->start_ns) / (double)(now - p->start_ticks);
	double inv_tick_s = ns_per_tick * 1e-9;
	r->duration_seconds = (double)(now_ns - p->start_ns) * 1e-9;
	r->start_time = p->start_unix;
	r->end_time = p->start_unix + r->duration_seconds;

	merged_counts_t m;
	pthread_mutex_lock(&p->tl_lock);
	if (running)
		timeline_tick(p, now, true);
	merge_counts(p, &m);
	double inv_p = m.scale; /* what sampled figures are scaled by */
	uint64_t cur = current_of(&m);
	if (cur >= p->peak) {
		p->peak = cur;
		p->peak_t = r->duration_seconds;
	}
	/* one thread: its own high-water mark is the run's exact peak */
	struct prec *only = NULL;
	size_t contributors = 0;
	for (struct prec *rec = cc_atomic_load_acquire_ptr((void **)&g_rec_head); rec != NULL; rec = rec->next) {
		if (cc_atomic_load_acquire_u64(&rec->gen) != p->gen)
			continue;
		if (rd(&rec->k[K_ALLOC]) != 0 || rd(&rec->k[K_FREE]) != 0) {
			contributors++;
			only = rec;
		}
	}
	if (contributors == 1 && est(&m, rd(&only->k[K_NET_MAX])) > p->peak) {
		uint64_t at = rd(&only->k[K_NET_MAX_AT]);
		double t0 = 0, c0 = 0, t = r->duration_seconds;
		for (size_t i = 0; i < p->tl_len; i++) {
			double c1 = (double)p->tl[i].alloc_count, t1 = p->tl[i].t;
			if ((double)at <= c1) {
				t = c1 > c0 ? t0 + (t1 - t0) * ((double)at - c0) / (c1 - c0) : t1;
				break;
			}
			t0 = t1;
			c0 = c1;
		}
		p->peak = est(&m, rd(&only->k[K_NET_MAX]));
		p->peak_t = t;
	}
	r->peak_allocated = p->peak;
	/* tick times come from the TSC: keep them inside the run's wall time */
	r->peak_time = p->peak_t < r->duration_seconds ? p->peak_t : r->duration_seconds;
	r->peak_allocated_upper_bound = est(&m, m.k[K_NET_MAX]) > p->peak ? est(&m, m.k[K_NET_MAX]) : p->peak;
	r->alloc_rate_ewma = p->ewma[0];
	r->free_rate_ewma = p->ewma[1];
	r->bytes_rate_ewma = p->ewma[2];
	r->timeline = malloc((p->tl_len ? p->tl_len : 1) * sizeof *r->timeline);
	if (r->timeline) {
		memcpy(r->timeline, p->tl, p->tl_len * sizeof *r->timeline);
		r->timeline_len = p->tl_len;
		for (size_t i = 0; i < r->timeline_len; i++)
			if (r->timeline[i].t > r->duration_seconds)
				r->timeline[i].t = r->duration_seconds;
	}
	pthread_mutex_unlock(&p->tl_lock);

	r->alloc_count = m.k[K_ALLOC];
	r->free_count = est(&m, m.k[K_FREE]);
	r->alloc_bytes = est(&m, m.k[K_ALLOC_BYTES]);
	r->free_bytes = est(&m, m.k[K_FREE_BYTES]);
	r->unsized_free_count = m.k[K_UNSIZED];
	r->current_allocated = cur;
	r->sampled_allocs = m.k[K_SAMPLED_ALLOC];
	r->sampled_frees = m.k[K_SAMPLED_FREE];
	r->untracked_samples = m.k[K_UNTRACKED];
	if (r->duration_seconds > 0) {
		r->alloc_rate = (double)r->alloc_count / r->duration_seconds;
		r->free_rate = (double)r->free_count / r->duration_seconds;
		r->bytes_rate = (double)r->alloc_bytes / r->duration_seconds;
	}

	/* size histogram (scaled: a class with a sample reports at least 1) */
	cc_profiler_size_histogram_t *sh = &r->size_histogram;
	uint64_t hcount[NSB], hbytes[NSB];
	scaled_sizes(&m, hcount, hbytes);
	for (unsigned b = 0; b < NSB; b++) {
		sh->total_count += hcount[b];
		sh->total_bytes += hbytes[b];
		if (m.size_count[b] == 0)
			continue;
		cc_profiler_size_bucket_t *sb = &sh->buckets[sh->bucket_count++];
		size_class_bounds(b, &sb->lo, &sb->hi);
		if (sb->hi == UINT64_MAX)
			snprintf(sb->label, sizeof sb->label, "%llu+", (unsigned long long)sb->lo);
		else
			snprintf(sb->label, sizeof sb->label, "%llu-%llu", (unsigned long long)sb->lo,
			         (unsigned long long)sb->hi);
		sb->count = hcount[b];
		sb->bytes = hbytes[b];
	}

	/* latency, per thread records -> sums */
	uint32_t n = lat_count(p->lat_m);
	r->latency_bucket_count = p->opt.track_latency ? n : 0;
	r->latency_relative_error = ldexp(1.0, -(int)(p->lat_m + 1));
	if (p->opt.track_latency) {
		r->latency_lo = calloc(n, sizeof(double));
		r->latency_hi = calloc(n, sizeof(double));
		r->alloc_latency_counts = calloc(n, sizeof(uint64_t));
		r->free_latency_counts = calloc(n, sizeof(uint64_t));
		if (!r->latency_lo || !r->latency_hi || !r->alloc_latency_counts || !r->free_latency_counts) {
			report_free(r);
			return NULL;
		}
		for (uint32_t i = 0; i < n; i++) {
			uint64_t lo, hi;
			lat_bounds(i, p->lat_m, &lo, &hi);
			r->latency_lo[i] = (double)lo * ns_per_tick;
			r->latency_hi[i] = (double)hi * ns_per_tick;
		}
	}
	size_t nthreads = 0, maxidx = 0;
	for (struct prec *rec = cc_atomic_load_acquire_ptr((void **)&g_rec_head); rec != NULL; rec = rec->next) {
		if (cc_atomic_load_acquire_u64(&rec->gen) != p->gen)
			continue;
		nthreads++;
		if (rec->idx + 1 > maxidx)
			maxidx = rec->idx + 1;
	}
	r->flow_threads = maxidx < FLOW ? maxidx : FLOW;
	r->cross_thread_flow = calloc(r->flow_threads ? r->flow_threads * r->flow_threads : 1, sizeof(uint64_t));
	if (p->opt.track_per_thread)
		r->thread_stats = calloc(nthreads ? nthreads : 1, sizeof *r->thread_stats);
	uint64_t xsent[FLOW] = {0};
	uint64_t lat_sum[2] = {0, 0};
	size_t ti = 0;
	for (struct prec *rec = cc_atomic_load_acquire_ptr((void **)&g_rec_head); rec != NULL; rec = rec->next) {
		if (cc_atomic_load_acquire_u64(&rec->gen) != p->gen)
			continue;
		if (p->opt.track_latency) {
			for (uint32_t i = 0; i < n; i++) {
				r->alloc_latency_counts[i] += rd(&rec->lat[0][i]);
				r->free_latency_counts[i] += rd(&rec->lat[1][i]);
			}
			lat_sum[0] += rd(&rec->k[K_LAT_SUM_A]);
			lat_sum[1] += rd(&rec->k[K_LAT_SUM_F]);
		}
		uint32_t row = rec->idx < FLOW ? rec->idx : FLOW - 1;
		for (size_t j = 0; j < FLOW; j++) {
			uint64_t v = rd(&rec->flow[j]);
			xsent[j] += v;
			if (r->cross_thread_flow && j < r->flow_threads && row < r->flow_threads)
				r->cross_thread_flow[row * r->flow_threads + j] += v;
		}
	}
	if (r->cross_thread_flow)
		for (size_t i = 0; i < r->flow_threads * r->flow_threads; i++)
			r->cross_thread_flow[i] = (uint64_t)llround((double)r->cross_thread_flow[i] * inv_p);
	uint64_t xtotal = 0;
	for (size_t j = 0; j < FLOW; j++)
		xtotal += xsent[j];
	r->cross_thread_free_count = (uint64_t)llround((double)xtotal * inv_p);
	r->cross_thread_free_pct = r->free_count ? 100.0 * (double)r->cross_thread_free_count / (double)r->free_count : 0;
	if (r->cross_thread_free_pct > 100.0)
		r->cross_thread_free_pct = 100.0;
	if (r->thread_stats != NULL) {
		for (struct prec *rec = cc_atomic_load_acquire_ptr((void **)&g_rec_head); rec != NULL; rec = rec->next) {
			if (cc_atomic_load_acquire_u64(&rec->gen) != p->gen || ti >= nthreads)
				continue;
			cc_profiler_thread_stats_t *ts = &r->thread_stats[ti++];
			ts->thread_id = rec->tid;
			memcpy(ts->thread_name, rec->name, sizeof ts->thread_name);
			ts->thread_name[sizeof ts->thread_name - 1] = '\0';
			ts->index = rec->idx;
			ts->alloc_count = rd(&rec->k[K_ALLOC]) + (rec == t_rec ? own_gap(p->gen) : 0);
			ts->free_count = est(&m, rd(&rec->k[K_FREE]));
			ts->alloc_bytes = est(&m, rd(&rec->k[K_ALLOC_BYTES]));
			ts->free_bytes = est(&m, rd(&rec->k[K_FREE_BYTES]));
			ts->cross_thread_frees_received = (uint64_t)llround((double)rd(&rec->k[K_XRECV]) * inv_p);
			ts->cross_thread_frees_sent =
			    rec->idx < FLOW - 1 ? (uint64_t)llround((double)xsent[rec->idx] * inv_p) : 0;
		}
		r->thread_count = ti;
	} else {
		r->thread_count = nthreads;
	}
	if (p->opt.track_latency) {
		for (uint32_t i = 0; i < n; i++) {
			r->alloc_latency_samples += r->alloc_latency_counts[i];
			r->free_latency_samples += r->free_latency_counts[i];
		}
		percentiles(r->alloc_latency_counts, n, r->latency_lo, r->latency_hi, r->alloc_latency_samples,
		            &r->alloc_latency_p50, &r->alloc_latency_p95, &r->alloc_latency_p99, &r->alloc_latency_p999);
		percentiles(r->free_latency_counts, n, r->latency_lo, r->latency_hi, r->free_latency_samples,
		            &r->free_latency_p50, &r->free_latency_p95, &r->free_latency_p99, &r->free_latency_p999);
		if (r->alloc_latency_samples)
			r->alloc_latency_mean = (double)lat_sum[0] * ns_per_tick / (double)r->alloc_latency_samples;
		if (r->free_latency_samples)
			r->free_latency_mean = (double)lat_sum[1] * ns_per_tick / (double)r->free_latency_samples;
	}

	fragmentation(p, r, &m);
	if (p->opt.detect_leaks) {
		scan_leaks(p, box, inv_tick_s);
		if (r->leaked_allocations == NULL)
			r->leaked_allocations = calloc(1, sizeof *r->leaked_allocations); /* an empty list, not "off" */
		r->leaked_bytes_estimate = (double)r->leaked_bytes * inv_p;
	}
	recommend(r);
	return r;
}

int cc_profiler_stop(cc_profiler_t *p)
{
	if (p == NULL) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&g_ctl);
	if (p->state != ST_RUNNING) {
		pthread_mutex_unlock(&g_ctl);
		errno = EINVAL;
		return -1;
	}
	uint64_t now = ticks(), now_ns = mono_ns();
	cc__config_set_profiler(0, NULL);
	cc_atomic_store_release_u64(&g_gen, 0);
	pthread_mutex_lock(&p->tl_lock);
	p->tl_quit = true;
	pthread_cond_signal(&p->tl_cond);
	pthread_mutex_unlock(&p->tl_lock);
	if (p->tl_started)
		pthread_join(p->tl_thread, NULL);
	p->tl_started = false;
	p->stop_ticks = now;
	p->stop_ns = now_ns;
	/* the last point of the timeline, at stop */
	pthread_mutex_lock(&p->tl_lock);
	timeline_tick(p, now, true);
	pthread_mutex_unlock(&p->tl_lock);
	report_free(p->snap);
	p->snap = NULL;
	p->final = build_report(p, false, now, now_ns);
	p->state = ST_STOPPED;
	g_running = NULL;
	pthread_mutex_unlock(&g_ctl);
	return 0;
}

const cc_profiler_report_t *cc_profiler_snapshot(cc_profiler_t *p)
{
	if (p == NULL) {
		errno = EINVAL;
		return NULL;
	}
	pthread_mutex_lock(&g_ctl);
	const cc_profiler_report_t *out = NULL;
	if (p->state == ST_RUNNING) {
		cc_profiler_report_t *r = build_report(p, true, ticks(), mono_ns());
		if (r == NULL) {
			errno = ENOMEM;
		} else {
			report_free(p->snap);
			p->snap = r;
			out = r;
		}
	} else if (p->state == ST_STOPPED && p->final != NULL) {
		out = p->final;
	} else {
		errno = p->state == ST_STOPPED ? ENOMEM : ENODATA;
	}
	pthread_mutex_unlock(&g_ctl);
	return out;
}

const cc_profiler_report_t *cc_profiler_report(cc_profiler_t *p)
{
	if (p == NULL) {
		errno = EINVAL;
		return NULL;
	}
	pthread_mutex_lock(&g_ctl);
	const cc_profiler_report_t *out = NULL;
	if (p->state == ST_RUNNING)
		errno = EBUSY;
	else if (p->state == ST_IDLE)
		errno = ENODATA;
	else if (p->final == NULL)
		errno = ENOMEM; /* the report could not be built at stop */
	else
		out = p->final;
	pthread_mutex_unlock(&g_ctl);
	return out;
}

int cc_profiler_reset(cc_profiler_t *p)
{
	if (p == NULL) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&g_ctl);
	if (p->state == ST_RUNNING) {
		/* a new generation: records clear themselves on their next event,
		 * index entries of the old one are dead. */
		cc_atomic_store_release_u64(&g_gen, 0);
		index_reset();
		report_free(p->snap);
		p->snap = NULL;
		(void)begin_run(p); /* cannot fail: a sampling run has its filter already */
		publish_run(p);
	} else {
		clear_reports(p);
		p->state = ST_IDLE;
	}
	pthread_mutex_unlock(&g_ctl);
	return 0;
}

int cc_profiler_set_frame_source(cc_profiler_t *p, const cc_profiler_frame_source_t *src)
{
	if (p == NULL || (src != NULL && (src->capture == NULL) != (src->describe == NULL))) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&g_ctl);
	int rc = 0;
	if (p->state == ST_RUNNING) {
		errno = EBUSY;
		rc = -1;
	} else if (src != NULL) {
		p->frames = *src;
	} else {
		memset(&p->frames, 0, sizeof p->frames);
	}
	pthread_mutex_unlock(&g_ctl);
	return rc;
}

void cc_profiler_destroy(cc_profiler_t *p)
{
	if (p == NULL)
		return;
	if (p->state == ST_RUNNING)
		cc_profiler_stop(p);
	clear_reports(p);
	pthread_cond_destroy(&p->tl_cond);
	pthread_mutex_destroy(&p->tl_lock);
	free(p->tl);
	free(p);
}

size_t cc_profiler_hot_sizes(const cc_profiler_size_histogram_t *h, size_t top_n, cc_profiler_size_bucket_t *out)
{
	if (h == NULL || out == NULL)
		return 0;
	size_t n = 0;
	bool used[CC_PROFILER_SIZE_BUCKETS] = {false};
	while (n < top_n && n < h->bucket_count) {
		size_t best = SIZE_MAX;
		for (size_t i = 0; i < h->bucket_count; i++)
			if (!used[i] && (best == SIZE_MAX || h->buckets[i].count > h->buckets[best].count))
				best = i;
		used[best] = true;
		out[n++] = h->buckets[best];
	}
	return n;
}

/* The report an export uses: the final one, or a fresh snapshot while running. */
static const cc_profiler_report_t *export_source(cc_profiler_t *p)
{
	if (p == NULL) {
		errno = EINVAL;
		return NULL;
	}
	return cc_profiler_snapshot(p);
}

int cc_profiler_to_json(cc_profiler_t *p, const char *path)
{
	const cc_profiler_report_t *r = export_source(p);
	return r ? cc_profiler_report_to_json(r, path) : -1;
}

int cc_profiler_to_csv(cc_profiler_t *p, const char *path)
{
	const cc_profiler_report_t *r = export_source(p);
	return r ? cc_profiler_report_to_csv(r, path) : -1;
}

int cc_profiler_to_html(cc_profiler_t *p, const char *path)
{
	const cc_profiler_report_t *r = export_source(p);
	return r ? cc_profiler_report_to_html(r, path) : -1;
}

char *cc_profiler_to_prometheus(cc_profiler_t *p)
{
	const cc_profiler_report_t *r = export_source(p);
	return r ? cc_profiler_report_to_prometheus(r) : NULL;
}

/*
 * alloc/profiler/profiler_internal.h - what the files of the memory profiler
 * share.  Not installed.  Design and contracts: include/ccmem/profiler.h.
 *
 * The profiler sits on the glue's one hook interface (alloc/hook.h): it
 * installs a table of hooks while it runs and allocates through the glue's
 * raw paths; the glue includes nothing of it.  One concern per file:
 *
 *   hooks.c       the hook table and the design of its two paths
 *   hooks_alloc.c counting down, the sampled allocation (count, time, the
 *                 side-table entry or the index, stack)
 *   hooks_free.c  the free of a sampled block (found, counted, timed) and,
 *                 at p = 1, of every other block
 *                 (hooks.h: the glue calls and the latency record they share)
 *   records.c     per-thread records (registry, adoption at thread exit),
 *                 the run's options as the hooks see them (seqlock), a
 *                 thread's first event in a run
 *   sampling.c    the random draws: geometric gaps of the sampling and the
 *                 latency countdowns
 *   clock.c       the time source (invariant TSC calibrated against
 *                 CLOCK_MONOTONIC, or clock_gettime)
 *   sizes.c       size classes of the histogram, cc_profiler_hot_sizes
 *   latency.c     the log-linear latency histogram's layout, percentiles
 *   arena.c       the arena of sampled blocks: an exclusive mimalloc arena
 *                 below the rest of the heap, one heap in it per thread, and
 *                 the side table of per-block data indexed by address
 *                 (arena.h: its layout and the inline parts of the paths)
 *   index.c       the lock-free address index of the sampled blocks the
 *                 arena cannot hold (no mimalloc backend, arena full, a
 *                 thread exiting; index.h: its layout and the lookup)
 *   filter.c      the filter of indexed blocks, which spares unsampled
 *                 frees the index lookup when they leave the inline path
 *   stacks.c      call-stack capture and the stack depot
 *   heap.c        heap areas (mimalloc or the sanitizer's allocator) and
 *                 the fragmentation figures
 *   timeline.c    merging the records, the estimators (scale), the timeline
 *                 thread (peak, rates)
 *   report.c      building and freeing a report
 *   leaks.c       the leak list of a report, symbolised stacks
 *   recommend.c   recommendations derived from a report's figures
 *   control.c     the profiler object: create, start, stop, snapshot,
 *                 report, reset, frame source, destroy, export entry points
 *   strbuf.c      the string builder and the file writer of the exports
 *   json.c, csv.c, prometheus.c, html.c   the four export formats
 *
 * Lifetime.  Everything a hook may touch (per-thread records, arena and side
 * table, index tables, filter, stack depot, the run's options) is allocated
 * once with mmap and kept for the life of the process, so a hook still in
 * flight when stop, reset or destroy returns never touches freed memory.  Runs are told apart
 * by a generation number: the current one is cc__pf_gen (0 when none runs),
 * each record and each index key carries the generation it belongs to, and
 * data of another generation is ignored (records are cleared lazily by their
 * owner on its first event of a new run).
 *
 * Every symbol declared here is hidden (not exported from the library).
 */
#ifndef CCMEM_ALLOC_PROFILER_INTERNAL_H
#define CCMEM_ALLOC_PROFILER_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>

#include "ccmem/alloc.h"
#include "ccmem/atomic.h"
#include "ccmem/profiler.h"
#include "config_internal.h"
#include "hook.h"

#pragma GCC visibility push(hidden)

#define NSB CC_PROFILER_SIZE_BUCKETS
#define FLOW CC_PROFILER_FLOW_THREADS
#define MAXLAT CC_PROFILER_MAX_LATENCY_BUCKETS
#define MAX_FRAMES 32
#define TIMELINE_MAX 512
#define HEAP_SCAN_MS 50
#define USABLE_MEMO 129 /* sizes up to 1024 */
#define MEMO_CLASS_SHIFT 24 /* a memo entry: usable size | size class << 24 */

/* The arena of sampled blocks (arena.h) exists where mimalloc serves the
 * blocks: not with the sanitizers' allocator, not without mimalloc. */
#define CC_PF_ARENA (!CC_SANITIZER_BUILD && !CC_NO_MIMALLOC)
/* Its size: CCMEM_PROFILER_ARENA_MB (arena.c), by default 1 GiB of
 * address space, at most 4 GiB (a block's usable size then fits 32 bits). */
#define ARENA_DEFAULT_MB 1024
#define ARENA_MAX_MB 4096
#define ARENA_STEP_MB 64

/* ---- small helpers ----------------------------------------------------------------- */

static inline void bump(uint64_t *c, uint64_t v)
{
	/* single writer (the record's owner): relaxed load + store; readers load relaxed. */
	cc_atomic_store_relaxed_u64(c, cc_atomic_load_relaxed_u64(c) + v);
}

static inline uint64_t rd(const uint64_t *c)
{
	return cc_atomic_load_relaxed_u64(c);
}

/* Zeroed anonymous memory, never returned to the allocator; NULL on failure. */
static inline void *cc__pf_map_zeroed(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* ---- clock.c ------------------------------------------------------------------------- */

/* Set once (cc__pf_clock_init, through cc__pf_clock_once) before any run
 * starts; read-only afterwards. */
extern bool cc__pf_use_tsc;
extern double cc__pf_ns_per_tick;
extern uint64_t cc__pf_heap_scan_ticks; /* HEAP_SCAN_MS in ticks */
extern pthread_once_t cc__pf_clock_once;
/* Ticks at the timeline's last tick (atomic; written by start and the
 * timeline thread): the time of events that are not timed. */
extern uint64_t cc__pf_coarse_ticks;

void cc__pf_clock_init(void);
uint64_t cc__pf_mono_ns(void);
double cc__pf_unix_now(void);

/* The clock of the hooks: the TSC where calibrated, else CLOCK_MONOTONIC ns. */
static inline uint64_t cc__pf_ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
	if (CC_LIKELY(cc__pf_use_tsc))
		return __builtin_ia32_rdtsc();
#endif
	return cc__pf_mono_ns();
}

/* ---- sizes.c, latency.c ---------------------------------------------------------------- */

/* Size class of a request: "1-8", "9-16", "17-32", ... */
static inline unsigned cc__pf_size_class(uint64_t n)
{
	if (n <= 8)
		return 0;
	unsigned b = (unsigned)(64 - __builtin_clzll(n - 1)) - 3; /* ceil(log2 n) - 3 */
	return b < NSB ? b : NSB - 1;
}
void cc__pf_size_class_bounds(unsigned b, uint64_t *lo, uint64_t *hi);

/* Latency histogram: precision m is the largest with 2^m * (37 - m) <= n
 * buckets; lat_count(m) buckets in all. */
unsigned cc__pf_lat_precision(uint32_t n);
static inline uint32_t cc__pf_lat_count(unsigned m)
{
	return (uint32_t)(((uint64_t)1 << m) * (37 - m));
}
static inline uint32_t cc__pf_lat_index(uint64_t v, unsigned m)
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
void cc__pf_lat_bounds(uint32_t i, unsigned m, uint64_t *lo, uint64_t *hi);
/* p50/p95/p99/p99.9 of a histogram: the midpoints of the buckets holding them. */
void cc__pf_percentiles(const uint64_t *c, uint32_t n, const double *lo, const double *hi, uint64_t total,
                        double *p50, double *p95, double *p99, double *p999);

/* ---- records.c: the run's options and per-thread records ------------------------------- */

/* F_FILTER: the run samples (p < 1): the filter of indexed blocks is kept,
 * and only sampled blocks' frees are counted (see cc__pf_merge_counts).
 * F_ARENA: sampled blocks go to the arena when the backend is mimalloc.
 * F_BOUND: the inline free path tells the run's sampled blocks by address
 * (F_ARENA and F_FILTER); a block the run indexes must widen it first. */
enum { F_SIZES = 1, F_LATENCY = 2, F_ARENA = 4, F_STACKS = 8, F_CROSS = 16, F_FILTER = 32, F_BOUND = 64 };

/* Generation of the running run; 0 when none runs.  Written under cc__pf_ctl. */
extern uint64_t cc__pf_gen;
/* The run's options, written under cc__pf_ctl while cc__pf_gen is 0
 * (seqlock: the writer is cc__pf_publish_options, the reader the records'
 * reset on a thread's first event of a run). */
typedef size_t (*frames_capture_fn)(void *arg, uint64_t *out, size_t max);
typedef struct {
	uint32_t flags, lat_m, frames;
	double sample_rate, timed_share; /* p; q, the timed share of the sampled events */
	frames_capture_fn capture;       /* frame source, NULL: none */
	void *capture_arg;
} cc__pf_options_t;
/* Caller holds cc__pf_ctl with cc__pf_gen 0 (stored by the caller). */
void cc__pf_publish_options(const cc__pf_options_t *o);

/* Serialises the control functions of every profiler (one runs at a time). */
extern pthread_mutex_t cc__pf_ctl;

/* Every figure but K_ALLOC counts sampled events only (all events at p = 1,
 * and at p = 1 also the frees of blocks the run does not know).  A sampled
 * event bumps as few as it can; cc__pf_rec_counts derives the rest (marked
 * "derived": never bumped, or only in the runs said). */
enum {
	/* first cache line: what a sampled allocation touches */
	K_ALLOC,       /* allocations: the lengths of the completed countdown gaps */
	K_ALLOC_BYTES, /* derived with F_SIZES (the size classes' bytes) */
	K_FREE_BYTES,  /* derived: K_ALLOC_BYTES - K_NET */
	K_SAMPLED_ALLOC, /* derived with F_SIZES (the classes' counts) or at p = 1 (K_ALLOC) */
	K_SAMP_USABLE, /* usable bytes of the sampled blocks (requested: K_ALLOC_BYTES) */
	K_NET,         /* bytes allocated - bytes freed (sampled frees, and at p = 1
	                  the others' sized ones) by this thread: a wrapping sum */
	K_NET_MAX,     /* largest K_NET of this thread ... */
	K_NET_MAX_AT,  /* ... and its alloc_count then */
	/* second: a sampled free's */
	K_SAMPLED_FREE,
	K_FREED_REQ,    /* requested bytes of the sampled blocks freed */
	K_FREED_USABLE, /* and their usable bytes */
	K_XRECV,
	K_LAT_SUM_F,
	K_OTHER_FREE,   /* p = 1: frees of blocks the run does not know */
	K_UNSIZED,      /* ... of them, through cc_free_unsized */
	K_INDEXED,      /* sampled blocks kept in the index, not the arena */
	/* third: a timed allocation's, and the rare ones */
	K_LAT_SUM_A,
	K_UNTRACKED,        /* sampled blocks neither in the arena nor indexed */
	K_UNTRACKED_REQ,    /* and their requested */
	K_UNTRACKED_USABLE, /* and usable bytes */
	K_NUM
};
enum { H_COMMITTED, H_USED, H_FREE_SLOTS, H_LARGEST, H_VALID, H_NUM };

/* One thread's record.  Owner-only fields are written by the thread that
 * owns it; counters are written by the owner (bump) and read by the merge. */
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
	uint64_t gap_rest;      /* allocations of the gap beyond the countdown's stretch */
	/* one past the highest arena offset of this run's sampled blocks
	 * (written by the owner, atomic: the leak scan reads it) */
	uint64_t arena_hi;
	uint64_t last_heap_scan; /* ticks */
	/* owner-only, used less often */
	uint32_t lat_pow2;   /* k when q = 2^-k (1 <= k <= 32), else 0 */
	uint64_t lat_starts; /* then the first bit of each k-bit group of a word */
	uint32_t lat_m;
	uint32_t frames;
	frames_capture_fn capture; /* the run's frame source, NULL: none */
	void *capture_arg;
	/* usable size of a plain (unaligned) mimalloc block of a small size,
	 * by (size + 7) / 8, and the request's size class: mimalloc serves such a
	 * request from the pages of its size class only, so the answer is the
	 * same for every block (and the size classes' bounds are multiples of
	 * 8); 0 = not yet asked.  Cleared with the record. */
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

_Static_assert(offsetof(struct prec, arena_hi) == 64, "a sampled event's owner-only fields fill one cache line");

/* The registry: push-only list, published with release (load it acquire). */
extern struct prec *cc__pf_rec_head;
/* The calling thread's record (NULL until its first event of any run). */
extern _Thread_local struct prec *cc__pf_tls_rec __attribute__((tls_model("initial-exec")));

/* The calling thread's first event in run g (its countdown is of another
 * run, or none): its record, cleared for the run if need be, and a fresh
 * countdown.  NULL when no run is on (g == 0) or out of memory. */
struct prec *cc__pf_enter_slow(uint64_t g);

/* The thread's countdown word for c allocations of run g (ccmem/alloc.h). */
static inline uint64_t cc__pf_cd_word(uint64_t g, uint64_t c)
{
	return (g & (UINT64_MAX >> CC__PROF_CD_BITS)) << CC__PROF_CD_BITS | c;
}

/* Arms the calling thread's countdown for the next n (>= 1) allocations of
 * run g: a stretch of at most CC__PROF_CD_MASK - 1, the rest in gap_rest. */
static inline void cc__pf_arm(struct prec *r, uint64_t g, uint64_t n)
{
	uint64_t c = n < CC__PROF_CD_MASK ? n : CC__PROF_CD_MASK - 1;
	r->gap_rest = n - c;
	cc__tls_prof.word = cc__pf_cd_word(g, c);
}

/* Allocations of the calling thread in its current gap (not yet in K_ALLOC). */
static inline uint64_t cc__pf_gap_done(const struct prec *r)
{
	int64_t left = (int64_t)((cc__tls_prof.word & CC__PROF_CD_MASK) + r->gap_rest);
	int64_t done = r->gap - left;
	return done <= 0 ? 0 : (uint64_t)(done < r->gap ? done : r->gap);
}

/* The calling thread's allocations of run g since its last sampled one. */
uint64_t cc__pf_own_gap(uint64_t g);

/* ---- sampling.c ------------------------------------------------------------------------ */

/* A geometric draw on {1, 2, ...} with parameter p (inv_log1mp = 1 / ln(1 - p);
 * 0 means p = 1: always 1). */
int64_t cc__pf_geometric(uint64_t *rng, double inv_log1mp);

/* Allocations until the next sampled one (1 at p = 1, without a draw). */
static inline int64_t cc__pf_next_gap(struct prec *r)
{
	return r->inv_log1mp == 0.0 ? 1 : cc__pf_geometric(&r->rng, r->inv_log1mp);
}

/* Sampled events to the next timed one: geometric with parameter q (1 at
 * q = 1; for q = 2^-k drawn from groups of k random bits, without a log). */
int64_t cc__pf_timed_gap(struct prec *r);

/* Whether this sampled allocation (which 0) or free (1) is timed: each with
 * probability q, independently (a countdown with geometric gaps). */
static inline bool cc__pf_timed(struct prec *r, int which)
{
	if (CC_LIKELY(--r->time_cd[which] > 0))
		return false;
	r->time_cd[which] = cc__pf_timed_gap(r);
	return true;
}

/* ---- index.c ---------------------------------------------------------------------------- */

/* Payload of an indexed block. */
struct ipay {
	uint64_t size;
	uint64_t t0;     /* ticks at allocation */
	uint64_t aux;    /* owner index << 32 | stack id */
	uint64_t usable; /* usable size (the free does not ask the allocator again) */
};
/* An entry found: its key (to remove it) and payload. */
struct islot {
	uint64_t *key;
	struct ipay *pay;
};

/* New run: empty tables.  Caller holds cc__pf_ctl.  0 or -1 (out of memory). */
int cc__pf_index_reset(void);
/* false for generations the index cannot tell from a removed entry (skip them). */
bool cc__pf_index_gen_ok(uint64_t g);
/* Enters ptr for run g; false when it cannot (full, address above 2^48). */
bool cc__pf_index_insert(const void *ptr, uint64_t g, uint64_t size, uint64_t t0, uint64_t aux, uint64_t usable);
/* Lookup and removal: inline in index.h (the free path of the hooks). */
/* Calls fn for every entry of run g live now (payload read consistently). */
void cc__pf_index_visit(uint64_t g, void (*fn)(void *ctx, uint64_t addr, const struct ipay *e), void *ctx);

/* ---- filter.c --------------------------------------------------------------------------- */

/* The filter of indexed blocks (FILTER_SLOTS counters, slot = (address >>
 * FILTER_SHIFT) mod FILTER_SLOTS), mapped on first use, under cc__pf_ctl. */
#define FILTER_SHIFT 6
#define FILTER_SLOTS ((size_t)1 << 20)
extern uint32_t *cc__pf_filter;
void cc__pf_filter_inc(const void *ptr, uint64_t g);
void cc__pf_filter_dec(const void *ptr, uint64_t g);
/* Caller holds cc__pf_ctl: the table, empty.  0 or -1. */
int cc__pf_filter_reset(void);
static inline bool cc__pf_filter_hit(const void *ptr)
{
	return cc_atomic_load_relaxed_u32(
	           &cc__pf_filter[((uintptr_t)ptr >> FILTER_SHIFT) & (FILTER_SLOTS - 1)]) != 0;
}

/* ---- stacks.c --------------------------------------------------------------------------- */

/* A stack of the depot: n frames, the first nforeign of them frame-source
 * tokens.  Immutable once stored, kept for the life of the process. */
struct dstack {
	uint64_t hash;
	uint32_t n;
	uint32_t nforeign;
	void *pc[];
};
int cc__pf_depot_init(void);
const struct dstack *cc__pf_depot_get(uint32_t id);
/* The caller's stack above the glue, stored in the depot: its id (0: none). */
uint32_t cc__pf_capture_stack(const struct prec *r);

/* ---- heap.c ------------------------------------------------------------------------------ */

/* Summarises the calling thread's heap into its record (at most every
 * HEAP_SCAN_MS; the caller checked). */
void cc__pf_scan_heap(struct prec *r, uint64_t now);

/* ---- the profiler object (control.c) and its report (timeline.c, report.c, ...) ---------- */

enum { ST_IDLE, ST_RUNNING, ST_STOPPED };

struct cc_profiler {
	cc_profiler_options_t opt;
	unsigned lat_m;
	int state;
	uint64_t gen;
	uint32_t run_flags; /* the run's F_* (records.c's options), set with gen */
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

/* Record r's counters of a run with flags `flags` (read relaxed), with the
 * derived ones filled in.  Any thread. */
void cc__pf_rec_counts(const struct prec *r, uint32_t flags, uint64_t k[K_NUM]);

/* The counters of one run summed over the records, and what they give. */
typedef struct {
	uint64_t k[K_NUM];
	uint64_t free_count;  /* K_SAMPLED_FREE + K_OTHER_FREE */
	uint64_t live_req;    /* requested bytes of the run's sampled blocks live now */
	uint64_t live_usable; /* and their usable bytes */
	uint64_t size_count[NSB], size_bytes[NSB];
	/* allocations per sampled allocation: what a sampled figure is
	 * multiplied by (1 at p = 1; see the estimators in ccmem/profiler.h) */
	double scale;
} merged_counts_t;

void cc__pf_merge_counts(const cc_profiler_t *p, merged_counts_t *m);
/* A sampled figure scaled to all events. */
uint64_t cc__pf_est(const merged_counts_t *m, uint64_t v);
uint64_t cc__pf_current_of(const merged_counts_t *m);
/* The size classes scaled, summing to the totals. */
void cc__pf_scaled_sizes(const merged_counts_t *m, uint64_t *count, uint64_t *bytes);
/* Caller holds p->tl_lock.  One timeline tick at `now` (ticks). */
void cc__pf_timeline_tick(cc_profiler_t *p, uint64_t now, bool force_point);
void *cc__pf_timeline_main(void *arg);

/* Private part of a report: what its pointers own. */
typedef struct {
	cc_profiler_report_t r;
	char **stack_strings; /* every symbolised frame string (one free each) */
	size_t nstrings;
	char ***stack_arrays; /* arrays shared by records */
	size_t narrays;
} report_box_t;

/* Builds a report of p's run (caller holds cc__pf_ctl).  now: ticks at its end. */
cc_profiler_report_t *cc__pf_build_report(cc_profiler_t *p, bool running, uint64_t now, uint64_t now_ns);
void cc__pf_report_free(cc_profiler_report_t *r);
char *cc__pf_dupstr(const char *s);
/* The fragmentation figures of a report. */
void cc__pf_fragmentation(cc_profiler_t *p, cc_profiler_report_t *r, const merged_counts_t *m);
/* The leak list of a report (detect_leaks). */
void cc__pf_scan_leaks(cc_profiler_t *p, report_box_t *box, double inv_tick_s);
/* The recommendations of a report, from its figures. */
void cc__pf_recommend(cc_profiler_report_t *r);

/* The hooks of the profiler (hooks.c: the table of hooks.h's functions),
 * for cc__alloc_hooks_install. */
extern const cc__alloc_hooks_t cc__pf_hooks;

/* ---- exports (strbuf.c, json.c, html.c) -------------------------------------------------- */

/* A growable string (malloc); on allocation failure `failed` is set and later
 * appends do nothing. */
typedef struct {
	char *s;
	size_t len, cap;
	bool failed;
} cc__sb_t;

void cc__sb_putn(cc__sb_t *b, const char *s, size_t n);
void cc__sb_puts(cc__sb_t *b, const char *s);
void cc__sb_printf(cc__sb_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes buf to path through a temporary file renamed over it: 0 or -1/errno. */
int cc__prof_write_file(const char *path, const char *buf, size_t len);
/* A Unix time as ISO 8601 UTC with microseconds ("2026-01-02T03:04:05.000006Z"). */
void cc__pf_iso8601(double unix_s, char *buf, size_t cap);
/* Writes b's text to path and frees it: 0 or -1/errno (ENOMEM if b failed). */
int cc__sb_finish_file(cc__sb_t *b, const char *path);

/* The report as JSON (the keys of the seed's MemoryProfilerReport). */
void cc__prof_json(cc__sb_t *b, const cc_profiler_report_t *r);
/* The HTML dashboard. */
void cc__prof_html(cc__sb_t *b, const cc_profiler_report_t *r);

#pragma GCC visibility pop

#endif /* CCMEM_ALLOC_PROFILER_INTERNAL_H */

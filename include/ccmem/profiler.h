/*
 * ccmem/profiler.h - the memory profiler of the allocation glue: size
 * histogram, latency percentiles, per-thread and cross-thread figures,
 * fragmentation, peak, rates and leaks, with JSON, CSV, Prometheus and HTML
 * exports.
 *
 * What it sees.  Every cc_alloc* / cc_free* call made while a profiler runs
 * (blocks from mi_malloc or malloc called directly are not seen).  Starting a
 * profiler closes the glue's gate (include/ccmem/alloc.h).  With no profiler
 * running the glue pays nothing beyond its plain mode: one relaxed load and
 * one predictable branch per call (the gate is open again after stop unless
 * statistics, fill or a non-mimalloc backend keep it closed).
 *
 * Cost while running.  No global lock and no shared counter or shared write
 * on the allocation path.  While the glue's mode is exactly "profiler"
 * (mimalloc backend, no statistics, no fill), the unsampled events stay
 * inline in the caller: an allocation decrements the thread's countdown
 * word, which also holds the run it belongs to, and compares it with the
 * run's key (one thread-local load, subtract, compare and store; no atomic);
 * a free compares the block's address with the end of the profiler's arena
 * of sampled blocks (below) and goes out of line only for a block in it:
 * the same load, compare and branch as a free in the plain mode (the glue's
 * free bound is 0 there and the arena's end here).
 * Only sampled events and the frees of sampled blocks leave the inline path;
 * they count into the thread's own record (single writer, relaxed
 * load/store) that snapshots merge.  At p = 1 every event is sampled and
 * every free is counted, so every call leaves the inline path.  In any other
 * mode every call goes through the glue's out-of-line path (alloc/glue.c),
 * which hands it to the profiler's hooks (alloc/hook.h), counted down the
 * same way.
 * Measured (bench_profiler, one thread; callgrind instructions per
 * alloc+free pair, gcc): pair 67.5 / 82.1 / 290, churn 147.7 / 161.7 / 371
 * for no profiler / p = 0.01 / p = 1 with full tracking (before the arena:
 * 67 / 94 / 503 and 147 / 175 / 591).  At p = 0.01 the inline allocation
 * costs about 8 instructions a pair more than the plain mode's (the
 * countdown's load, subtract, key compare and store, the NULL test and the
 * jumps to code laid out after the plain path; the free costs the plain
 * mode's one compare) and a sampled allocation and its free about 560
 * (callgrind: 325 and 235, with the geometric draw, timing both with the
 * clock, the side-table entry, counters, histograms), 5.6 a pair at one in
 * a hundred.  At p = 1 every pair pays the hooks (about 90 instructions
 * for an untimed allocation and 70 for the free), the calls
 * through the glue and a quarter of a timed event (BENCHMARKS.md, "Profiler
 * overhead (issue 14)", has the breakdown); reading the clock costs
 * 7-40 ns on x86 (about 10 ns on AMD EPYC), which is why
 * latency_sample_rate times only a share of the events by default.
 *
 * Sampling (sample_rate p in (0, 1]).  Each allocation is sampled
 * independently with probability exactly p (a Bernoulli process: the
 * per-thread countdown's gaps are geometric, G = 1 + floor(ln U / ln(1 - p))
 * with U uniform in (0, 1], P(G > k) = (1 - p)^k; at p = 1 every one is).  A
 * sampled allocation is counted with its size and size class, timed (see
 * Latency), kept with its data (see Sampled blocks: cross-thread
 * attribution, leaks, live bytes) and, with capture_stacks, given its stack;
 * its free finds that data, is counted, attributed and timed.
 *
 *   Exact at every p: alloc_count (the countdown counts every allocation: a
 *   thread adds the length of each gap when it completes it, and the rest of
 *   its current gap when it exits or calls stop/snapshot itself; a thread
 *   still running elsewhere contributes its allocations up to its latest
 *   sampled one, so a snapshot may lag by up to one gap, on average
 *   (1 - p) / p, per such thread), per-thread alloc_count likewise,
 *   sampled_allocs, sampled_frees, the leak list and leaked_bytes (which are
 *   the sampled blocks themselves).
 *
 *   Estimated for p < 1 (exact at p = 1): every other count or byte figure
 *   is the same figure over the sampled blocks times R = alloc_count /
 *   sampled_allocs (a ratio estimator; R is 1/p in expectation): alloc_bytes,
 *   free_count and free_bytes (the frees of sampled blocks: frees of blocks
 *   allocated before the run are not seen), current_allocated, peak figures,
 *   the size histogram (its counts are apportioned to sum exactly to
 *   alloc_count and its bytes to alloc_bytes), the timeline, the rates,
 *   cross_thread_free_count, the per-thread bytes, frees and cross-thread
 *   figures, the flow matrix and leaked_bytes_estimate.  unsized_free_count
 *   counts only unsampled blocks' unsized frees, so it is 0 for p < 1.
 *   Error: with n = sampled_allocs (about p * alloc_count), an estimate
 *   N * mean(y over the sampled blocks) of a total N * mean(y) has a
 *   standard error of about N * sd(y) / sqrt(n): for a count of the blocks
 *   with some property (a size class, freed, freed on another thread) of
 *   share f, N * sqrt(f (1 - f) / n); for bytes, N * sd(size) / sqrt(n).
 *   Example: 2 M allocations at p = 0.01 give n ~ 20000, so a histogram
 *   class with 10 % of the allocations is within +-0.2 % of N (1 s.e.), and
 *   alloc_bytes within +-0.7 % * sd(size)/mean(size).  The estimates are
 *   consistent with each other (current_allocated = alloc_bytes -
 *   free_bytes, the histogram sums to the totals).
 *
 * Sampled blocks.  With the mimalloc backend a sampled block comes from the
 * profiler's arena: address space that mimalloc manages as an exclusive
 * arena (only the profiler's heaps allocate from it), one mimalloc heap in
 * it per thread (created on the thread's first sampled allocation, dropped
 * when the thread exits; mimalloc keeps its live blocks valid), placed below
 * the rest of the heap (at 1 TiB where that range is free) so that the
 * inline free path tells a sampled block by one compare with the arena's
 * end.  The block is an ordinary mimalloc block at its own address (no
 * header): aligned requests, cc_alloc_usable_size, cc_free_unsized,
 * cross-thread frees and frees after the run work as for any block.  Its
 * data (requested size, time, thread, stack, usable size) sits in a side
 * table indexed by the block's offset in the arena (32 bytes per 8 bytes of
 * arena, address space mapped once and touched only where blocks live),
 * tagged with the run's generation: a block freed after its run, or under a
 * later run, is one the later run does not know (not counted at p < 1; at
 * p = 1 counted with the size passed, or as an unsized free).  The arena is
 * CCMEM_PROFILER_ARENA_MB of address space (read at the first start: a
 * multiple of 64 up to 4096, default 1024; 0: no arena).  A sampled block
 * the arena cannot hold (arena full, no arena, another backend, a thread in
 * its exit, a sanitizer build) is the glue's own block entered in the
 * address index (below), counted in the report's indexed_samples: exact as
 * well, only slower, and from the first such block of a sampling run on,
 * every free of the run leaves the inline path (the arena's bound no longer
 * covers all sampled blocks).
 *
 * Filter of indexed blocks.  2^20 counters (4 MiB, mapped on first use),
 * slot = (address / 64) mod 2^20; an indexed allocation increments its slot
 * (CAS) before the block is returned and its free decrements it, so a free
 * that leaves the inline path looks a block up in the index only when its
 * slot is nonzero (a false positive, same 64-byte granule or 64 MiB apart,
 * costs one lookup).  Counters carry the run's generation so a hook of a
 * finished run cannot disturb a new one.
 *
 * Latency.  Measured around the backend call only (the allocator's time, not
 * the profiler's), on a random share of the events: each sampled event is
 * timed with probability min(1, latency_sample_rate / sample_rate) (a
 * second geometric countdown per thread), so events are timed with
 * probability min(sample_rate, latency_sample_rate), 0.125 by default; set
 * latency_sample_rate = 1 to time every sampled event.  The percentiles of a
 * random sub-sample estimate those of all events (alloc_latency_samples says
 * how many were timed).  The clock is the CPU's invariant time-stamp counter
 * where the CPU has one (x86-64 with constant/nonstop TSC; calibrated against
 * CLOCK_MONOTONIC over the run) and clock_gettime otherwise.  An untimed
 * sampled allocation's time (leak timestamps) is the timeline's last tick,
 * within timeline_interval_ms.  Values go to a
 * log-linear histogram in the style of HdrHistogram: values below 2S are
 * exact, above that each power-of-two range [2^e, 2^(e+1)) has S = 2^m
 * sub-buckets of width 2^(e-m).  m is the largest with S * (37 - m) <=
 * latency_buckets (values up to 2^36 ticks; larger ones land in the last
 * bucket).  A percentile is the midpoint of the bucket holding it, so its
 * relative error is at most 2^-(m+1) of the true value (report field
 * latency_relative_error); latency_buckets = 1000 gives m = 4, 1.6 %.
 *
 * Cross-thread frees.  A sampled block's allocating thread is found in its
 * side-table entry, or for an indexed block in the address index: a
 * lock-free open-addressed hash table (keys are
 * the address and the run's generation packed in one word, claimed by CAS,
 * removed by the freeing thread with a release store of a tombstone), grown by
 * chaining a table four times larger when an insert would probe more than 32
 * slots (the first has 16384 slots); tables are kept for the life of the
 * process and reused by later runs.
 * Lookups probe at most the longest displacement any insert used.
 *
 * Peak, timeline and rates.  A timeline thread of the profiler merges the
 * per-thread counters every timeline_interval_ms (default 10 ms): it records
 * current_allocated (exact at that instant at p = 1), the cumulative counts and the
 * size histogram, and keeps an exponentially weighted moving average of the
 * rates (time constant 1 s).  peak_allocated is the largest current_allocated
 * seen at a tick, a snapshot or stop, and in a run where one thread did all
 * the allocating and freeing, that thread's own high-water mark (then exact
 * at p = 1; its time interpolated on the timeline).  For p < 1 all of these
 * are estimates (scaled, see Sampling).  With several threads a peak that
 * rises and falls between two ticks is not seen; peak_allocated_upper_bound
 * bounds it from above (the timeline is at most 512 points: when full, every
 * other point is dropped and the interval doubles; the peak is kept apart).
 *
 * Fragmentation.  internal_fragmentation = 1 - requested / usable over the
 * sampled blocks live at the snapshot (usable from mi_usable_size, or
 * malloc_usable_size for the system backend); over every sampled allocation
 * of the run when none is live.  External fragmentation comes from mimalloc's
 * heap areas (mi_heap_visit_blocks): each profiled thread summarises its own
 * heap and its heap in the arena (committed bytes, used blocks, block sizes)
 * on a sampled event at most every 50 ms (one that the latency countdown
 * picks, whether latency is tracked or not), and the snapshot adds its own; external = free committed
 * bytes / committed bytes, utilization = used / committed, free_block_count =
 * free block slots in committed pages, largest_free_block = the largest block
 * size with a free slot.  Under ASan/TSan (whose allocator serves the blocks)
 * the sanitizer's allocator figures are used instead (fragmentation_source).
 *
 * Leaks.  With detect_leaks, stop lists the sampled blocks still live
 * (address, size, time since start, thread, and with capture_stacks the call
 * stack, symbolised with dladdr at report time), at most max_leak_records of
 * them (0 = all); leak_count and leaked_bytes cover all of them.  Finding
 * them reads the side table up to the highest arena address the run's
 * sampled blocks used (32 bytes per 8 bytes of arena; measured for a run
 * whose blocks spanned 400 MiB of it: 0.1 s with 64-byte blocks, 0.35 s
 * with 4 KiB ones, whose entries leave most of the table untouched) and the
 * index.
 *
 * Threads.  Any thread may allocate and free while a profiler runs.  The
 * control functions (create, start, stop, snapshot, report, reset, exports,
 * destroy) may be called from any thread but not concurrently on one
 * profiler (the caller serialises them); they take a mutex and may sleep.
 * Events that race with start, stop or reset (calls in flight on other
 * threads) land on one side or the other; once other threads are joined or
 * quiescent the figures are exact.  A report pointer stays valid until the
 * next snapshot (for snapshots) or start/reset/destroy (for both) of the same
 * profiler; the caller does not free it.
 *
 * Errors: NULL or -1 with errno, nothing crashes, and allocation through the
 * glue is never affected by a profiler error.
 *   cc_profiler_create: options NULL, sample_rate or latency_sample_rate
 *     outside (0, 1] or NaN,
 *     latency_buckets outside [CC_PROFILER_MIN_LATENCY_BUCKETS,
 *     CC_PROFILER_MAX_LATENCY_BUCKETS], timeline_interval_ms 0 or above
 *     60000: NULL/EINVAL; out of memory: NULL/ENOMEM.
 *   cc_profiler_start: NULL/EINVAL; this or another profiler already
 *     running: -1/EBUSY; the timeline thread cannot start: -1/EAGAIN.
 *   cc_profiler_stop: not running: -1/EINVAL.
 *   cc_profiler_report: running: NULL/EBUSY; never run (or reset since its
 *     last stop): NULL/ENODATA.
 *   cc_profiler_snapshot: never run: NULL/ENODATA.
 *   exports: as report/snapshot (running: a fresh snapshot), a path that
 *     cannot be written: -1 with the errno of fopen/fwrite/fclose (no partial
 *     file is left behind: the file is written beside and renamed).
 */
#ifndef CCMEM_PROFILER_H
#define CCMEM_PROFILER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CC_PROFILER_MIN_LATENCY_BUCKETS 37
#define CC_PROFILER_MAX_LATENCY_BUCKETS 4096
/* Size classes of the histogram: "1-8", "9-16", "17-32", ... up to 2^48. */
#define CC_PROFILER_SIZE_BUCKETS 46
/* Threads the cross-thread flow matrix tells apart; later ones share the last row. */
#define CC_PROFILER_FLOW_THREADS 64

typedef struct cc_profiler cc_profiler_t;

typedef struct {
	bool track_sizes;        /* size histogram (default true) */
	bool track_latency;      /* alloc/free latency histograms (default true) */
	bool track_per_thread;   /* thread_stats in the report (default false) */
	bool track_cross_thread; /* cross-thread frees (default true) */
	bool detect_leaks;       /* list sampled blocks live at stop (default false) */
	bool capture_stacks;     /* call stack of each sampled block (default false) */
	double sample_rate;      /* (0, 1], default 1.0 (see Sampling) */
	uint32_t latency_buckets; /* histogram size, default 1000 (see above) */
	/* beyond the seed's options: */
	uint32_t timeline_interval_ms; /* timeline tick, default 10 */
	uint32_t max_leak_records;     /* leak records kept, default 65536, 0 = all */
	uint32_t max_stack_frames;     /* frames per stack, default 16, at most 32 */
	/* Share of the allocations and of the frees that are timed, (0, 1],
	 * default 0.125 (beyond the seed): sampled events are timed, or when
	 * sample_rate is above this a random share of them (see Latency). */
	double latency_sample_rate;
} cc_profiler_options_t;

/* The seed's defaults.  Any thread. */
void cc_profiler_options_init(cc_profiler_options_t *o);

typedef struct {
	char label[32]; /* "1-8", "9-16", ..., "..-281474976710656" */
	uint64_t lo, hi; /* sizes lo..hi inclusive */
	uint64_t count;
	uint64_t bytes;
} cc_profiler_size_bucket_t;

typedef struct {
	/* the non-empty buckets, in increasing size order */
	cc_profiler_size_bucket_t buckets[CC_PROFILER_SIZE_BUCKETS];
	size_t bucket_count;
	uint64_t total_count;
	uint64_t total_bytes;
} cc_profiler_size_histogram_t;

/* The top_n most frequent buckets (ties: smaller sizes first) into out
 * (room for top_n); returns how many were written (<= bucket_count). */
size_t cc_profiler_hot_sizes(const cc_profiler_size_histogram_t *h, size_t top_n,
                             cc_profiler_size_bucket_t *out);

typedef struct {
	uint64_t thread_id;     /* Linux thread id (gettid) */
	char thread_name[16];   /* pthread name when the thread joined the run */
	uint32_t index;         /* row/column in cross_thread_flow */
	uint64_t alloc_count;
	uint64_t free_count;
	uint64_t alloc_bytes;
	uint64_t free_bytes;
	/* alloc_count is exact; the other figures are estimates for p < 1 */
	uint64_t cross_thread_frees_sent;     /* blocks it allocated, freed elsewhere (est.) */
	uint64_t cross_thread_frees_received; /* frees it did of others' blocks (est.) */
} cc_profiler_thread_stats_t;

typedef struct {
	double internal_fragmentation; /* 1 - requested/usable, 0..1 */
	double external_fragmentation; /* free committed / committed, 0..1 */
	uint64_t largest_free_block;   /* bytes */
	uint64_t free_block_count;
	double utilization;            /* used / committed, 0..1 */
	uint64_t committed_bytes;      /* what external/utilization are relative to */
	const char *source;            /* "mimalloc heap areas", "sanitizer allocator", "none" */
} cc_profiler_fragmentation_t;

typedef struct {
	uint64_t ptr;
	uint64_t size;
	double timestamp; /* seconds since the run started */
	uint64_t thread_id;
	size_t stack_depth;
	char **stack_trace; /* stack_depth symbolised frames, or NULL */
} cc_profiler_allocation_record_t;

typedef struct {
	double t;            /* seconds since start */
	uint64_t current;    /* current_allocated at t */
	uint64_t alloc_count; /* cumulative at t */
	uint64_t free_count;
	uint64_t size_counts[CC_PROFILER_SIZE_BUCKETS]; /* cumulative allocations per size class */
} cc_profiler_timeline_point_t;

typedef struct {
	/* basic statistics (exact) */
	uint64_t alloc_count;
	uint64_t free_count;
	uint64_t alloc_bytes;
	uint64_t free_bytes;
	/* alloc_bytes - free_bytes, 0 if negative.  Every sampled block of the
	 * run is kept with its requested size (Sampled blocks), so its free
	 * counts that size whether it was sized or not: 0 once every block of
	 * the run is freed. */
	uint64_t current_allocated;
	uint64_t peak_allocated;
	double peak_time;           /* seconds since start */
	/* sum over threads of each one's own high-water mark of (bytes it
	 * allocated - bytes it freed): the true peak lies in [peak_allocated,
	 * peak_allocated_upper_bound] */
	uint64_t peak_allocated_upper_bound;
	/* cc_free_unsized of blocks the run does not know (allocated before it,
	 * or not sampled): bytes unknown */
	uint64_t unsized_free_count;

	/* rates: over the whole run, and the moving average at the end */
	double alloc_rate, free_rate, bytes_rate;
	double alloc_rate_ewma, free_rate_ewma, bytes_rate_ewma;

	/* latency percentiles, nanoseconds (0 when not tracked / no sample) */
	double alloc_latency_p50, alloc_latency_p95, alloc_latency_p99, alloc_latency_p999;
	double free_latency_p50, free_latency_p95, free_latency_p99, free_latency_p999;
	double alloc_latency_mean, free_latency_mean;
	double latency_relative_error; /* bound on percentiles' relative error */
	/* the histograms: bucket i holds [latency_lo[i], latency_hi[i]] ns */
	size_t latency_bucket_count;
	double *latency_lo, *latency_hi;
	uint64_t *alloc_latency_counts, *free_latency_counts;
	uint64_t alloc_latency_samples, free_latency_samples;

	/* cross-thread analysis (estimates for p < 1: scaled by R, see Sampling) */
	uint64_t cross_thread_free_count;
	double cross_thread_free_pct; /* of free_count */
	/* flow[i * flow_threads + j]: frees on thread index i of blocks from thread index j */
	size_t flow_threads;
	uint64_t *cross_thread_flow;

	/* distributions */
	cc_profiler_size_histogram_t size_histogram;
	size_t thread_count;
	cc_profiler_thread_stats_t *thread_stats; /* NULL unless track_per_thread */
	cc_profiler_fragmentation_t fragmentation;

	/* leaks (detect_leaks; else leaked_allocations NULL and counts 0) */
	cc_profiler_allocation_record_t *leaked_allocations;
	size_t leaked_allocations_len; /* records kept */
	uint64_t leak_count;           /* sampled blocks live at stop */
	uint64_t leaked_bytes;
	double leaked_bytes_estimate;  /* leaked_bytes * R (see Sampling) */

	/* timeline */
	size_t timeline_len;
	cc_profiler_timeline_point_t *timeline;

	/* sampling */
	double sample_rate;
	uint64_t sampled_allocs, sampled_frees;
	uint64_t untracked_samples; /* sampled but not kept (index full, address above 2^48) */
	/* sampled blocks kept in the address index instead of the profiler's
	 * arena (see Sampled blocks): as exact, only slower */
	uint64_t indexed_samples;

	/* recommendations derived from the figures, recommendation_count strings */
	size_t recommendation_count;
	char **recommendations;

	/* timing */
	double duration_seconds;
	double start_time, end_time; /* Unix time, seconds */
	bool running;                /* true for a snapshot of a running profiler */
	cc_profiler_options_t options;
} cc_profiler_report_t;

/* A profiler with these options (copied).  Any thread.  NULL/EINVAL or
 * NULL/ENOMEM (see above). */
cc_profiler_t *cc_profiler_create(const cc_profiler_options_t *o);

/* Starts a run: clears the previous one's figures and starts the timeline
 * thread.  One profiler runs at a time in a process.  0, or -1 with errno. */
int cc_profiler_start(cc_profiler_t *p);

/* Ends the run: the glue leaves profiling, the timeline thread is joined, the
 * final report (with leaks) is built.  0, or -1/EINVAL if not running. */
int cc_profiler_stop(cc_profiler_t *p);

/* The figures so far, while running or after stop (then the final report).
 * Owned by the profiler; valid until the next snapshot, start, reset or
 * destroy.  NULL with errno (see above). */
const cc_profiler_report_t *cc_profiler_snapshot(cc_profiler_t *p);

/* The final report of the last run.  Owned by the profiler; valid until the
 * next start, reset or destroy.  NULL/EBUSY while running, NULL/ENODATA when
 * there is none. */
const cc_profiler_report_t *cc_profiler_report(cc_profiler_t *p);

/* Drops every figure.  While running, counting starts again from now (blocks
 * allocated before are then unknown to the run, like blocks allocated before
 * start); when stopped, the final report is discarded.  0, or -1/EINVAL. */
int cc_profiler_reset(cc_profiler_t *p);

/* Stops the profiler if it runs and frees it.  NULL does nothing. */
void cc_profiler_destroy(cc_profiler_t *p);

/* Frames of an embedding interpreter (Python's, for example), put in front of
 * the native frames of every stack that capture_stacks records, so that a
 * leak names the script line that allocated it.
 *   capture  called on the allocating thread inside each sampled allocation
 *            of a run with capture_stacks and detect_leaks; writes at most
 *            max tokens (innermost frame first) to out and returns how many
 *            (0 for none, e.g. on a thread the interpreter does not know).
 *            It must not allocate through ccmem, block, or take a lock that
 *            an allocating caller may hold; max_stack_frames bounds the
 *            interpreter's and the native frames together.
 *   describe called while a report is built (stop, snapshot, exports; on
 *            the thread that calls them) for each token of a reported
 *            stack; returns its text ("file:line in function"), which the
 *            report copies, or NULL ("?").  Stacks are kept for the life of
 *            the process, so a token must stay describable that long.
 *   arg      passed to both.
 * ccmem keeps tokens as opaque 64-bit values; equal tokens are one frame. */
typedef struct {
	size_t (*capture)(void *arg, uint64_t *out, size_t max);
	const char *(*describe)(void *arg, uint64_t token);
	void *arg;
} cc_profiler_frame_source_t;

/* Installs src (copied; NULL removes it) for the next runs of p.  Not while
 * p runs.  0, or -1/EINVAL (p NULL, or only one of capture and describe),
 * -1/EBUSY while running. */
int cc_profiler_set_frame_source(cc_profiler_t *p, const cc_profiler_frame_source_t *src);

/* Exports (see above for which report and the errors).  0, or -1 with errno. */
int cc_profiler_to_json(cc_profiler_t *p, const char *path);
int cc_profiler_to_csv(cc_profiler_t *p, const char *path);
/* One self-contained HTML file (inline script and SVG; works offline) with
 * the seven panels: memory timeline with the peak, size heatmap, latency
 * distribution, thread activity, cross-thread flow, fragmentation gauge,
 * recommendations. */
int cc_profiler_to_html(cc_profiler_t *p, const char *path);
/* Prometheus text exposition (format 0.0.4), metric names cc_memory_*.
 * A string the caller releases with free(); NULL with errno. */
char *cc_profiler_to_prometheus(cc_profiler_t *p);

/* The same, from a report (e.g. one kept from cc_profiler_snapshot). */
int cc_profiler_report_to_json(const cc_profiler_report_t *r, const char *path);
int cc_profiler_report_to_csv(const cc_profiler_report_t *r, const char *path);
int cc_profiler_report_to_html(const cc_profiler_report_t *r, const char *path);
char *cc_profiler_report_to_prometheus(const cc_profiler_report_t *r);

#ifdef __cplusplus
}
#endif

#endif /* CCMEM_PROFILER_H */

/*
 * bench/dsb.h - the data-structure benchmark engine shared by the workbench
 * (bench/workbench.c) and the variant families (bench/dsb_*.c).
 *
 * A cell is one measurement: a structure, a workload, a thread count and a
 * variant (a reclamation scheme, or a peer's own queue).  Each cell runs in a
 * fresh process (the workbench execs itself), so every variant starts from
 * the same allocator state and its peak RSS is its own.
 */
#ifndef CCMEM_BENCH_DSB_H
#define CCMEM_BENCH_DSB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* DSB_PUBQ: a Michael-Scott queue written against each library's public API
 * only (bench/pubq/), as a user's own structure is; DSB_QUEUE is the
 * library's queue (ccmem_ds, compiled once per scheme).  DSB_PUBQ_S: the same
 * public-API queue compiled once per scheme with smr.h's SMR_SCHEME (the peers'
 * cells run their twins, as under DSB_PUBQ). */
enum { DSB_QUEUE, DSB_SKIPLIST, DSB_BST, DSB_PUBQ, DSB_PUBQ_S, DSB_NSTRUCT };
enum { DSB_W_UPDATE, DSB_W_READ, DSB_NWORK };
enum {
	DSB_V_NONE,     /* ccmem SMR_NONE: nothing freed until the end */
	DSB_V_IBR,      /* ccmem SMR_IBR */
	DSB_V_DEBRA,    /* ccmem SMR_DEBRA */
	DSB_V_DEBRAP,   /* ccmem SMR_DEBRA_PLUS */
	DSB_V_CK,       /* our structure on ck_epoch (bench/adapters/ck_epoch.h) */
	DSB_V_URCU,     /* our structure on liburcu memb (bench/adapters/urcu_memb.h) */
	DSB_V_URCU_LFQ, /* liburcu's own queue, cds_lfq (queue only) */
	DSB_V_CK_FIFO,  /* CK's own queue, ck_fifo_mpmc on ck_epoch (queue only) */
	DSB_NVAR
};
enum { DSB_B_MIMALLOC, DSB_B_SYSTEM, DSB_NBACK };

extern const char *const dsb_struct_name[DSB_NSTRUCT];
extern const char *const dsb_work_name[DSB_NWORK];
extern const char *const dsb_var_name[DSB_NVAR];
extern const char *const dsb_back_name[DSB_NBACK];

/* Key range and prefill of the maps (the IBR paper's setting); the queue is
 * prefilled with DSB_PREFILL values too, so that dequeues find something. */
#define DSB_KEYS 100000u
#define DSB_PREFILL 50000u
#define DSB_MAX_THREADS 256
#define DSB_MAX_SAMPLES 4096

typedef struct dsb_cell {
	int structure, workload, variant, backend;
	int threads;          /* worker threads (the stalled thread is extra) */
	int stall;            /* 1: the stalled-thread experiment */
	uint64_t duration_ns; /* timed part */
	uint64_t sample_ns;   /* pending-node sampling period */
	uint64_t seed;
} dsb_cell_t;

#define DSB_RESULT_MAGIC 0x63636d656d647362ull /* "ccmemdsb" */

typedef struct dsb_result {
	uint64_t magic;
	int ok;                 /* 0: the cell failed (message on stderr) */
	uint64_t ops;           /* operations completed in the timed part */
	double secs;            /* length of the timed part */
	double mops;            /* ops / secs / 1e6 */
	double avg_pending;     /* mean of the samples: the average backlog */
	uint64_t peak_pending;  /* largest sample */
	uint64_t retired;       /* nodes retired in the timed part (approx.) */
	/* DEBRA+ in the timed part (approx.; 0 for other variants): */
	uint64_t signals;       /* neutralisation signals sent */
	uint64_t restarts;      /* operations restarted by a signal */
	uint64_t waits;         /* smr_begin_op calls that waited for room */
	long peak_rss_kb;       /* filled by the parent (wait4) */
	unsigned nsamples;      /* stall experiment: pending every sample_ns */
	uint64_t samples[DSB_MAX_SAMPLES];
} dsb_result_t;

/* Variants a structure has (the peers' own queues are queues). */
bool dsb_variant_applies(int variant, int structure);

/* Runs a cell in this process; fills *r (r->ok = 0 on failure). */
void dsb_run_cell(const dsb_cell_t *c, dsb_result_t *r);

/* ---- used by the families (bench/dsb_family.h) ------------------------------ */

/* Set by the engine: workers run while stop is 0. */
extern uint32_t dsb_stop;
/* The stalled thread stays inside its operation while unstall is 0. */
extern uint32_t dsb_unstall;

/* One family per reclamation library; run a cell of one of its variants. */
void dsb_run_ccmem(const dsb_cell_t *c, dsb_result_t *r);
void dsb_run_ck(const dsb_cell_t *c, dsb_result_t *r);
void dsb_run_urcu(const dsb_cell_t *c, dsb_result_t *r);
void dsb_run_lfq(const dsb_cell_t *c, dsb_result_t *r);
void dsb_run_ckfifo(const dsb_cell_t *c, dsb_result_t *r);

/* xorshift64* */
static inline uint64_t dsb_rand(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1Dull;
}

/* Sleeps for ns nanoseconds (restarts after signals: DEBRA+ signals threads). */
void dsb_sleep_ns(uint64_t ns);

#endif

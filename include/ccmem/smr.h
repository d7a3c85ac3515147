/*
 * ccmem/smr.h - safe memory reclamation for lock-free data structures.
 *
 * A domain holds one global epoch, a registry of threads and the batches that
 * unregistered threads left behind.  Each thread registers once and gets a
 * context; every access to shared nodes happens inside an operation
 * (smr_begin_op .. smr_end_op), and every shared-pointer load inside an
 * operation goes through smr_protect.  A node that has been unlinked is handed
 * to smr_retire; the library releases it through the allocation glue
 * (cc_free) once no thread can still hold a reference it loaded inside an
 * operation.
 *
 * Schemes
 *   SMR_IBR         2GE interval-based reclamation (Wen et al., PPoPP 2018).
 *                   Garbage stays bounded even if a thread stops inside an
 *                   operation: it pins only the nodes alive when it stopped.
 *                   smr_protect costs two loads while the epoch has not moved.
 *   SMR_DEBRA       distributed epochs with a quiescent bit, three limbo bags
 *                   per thread and an amortised scan of one other thread per
 *                   operation while the thread drives the epoch (once per
 *                   full batch it retires; Brown, PODC 2015).  The cheapest
 *                   read side.
 *                   NOT bounded: a thread that stops inside an operation
 *                   stops the epoch, and every node retired after that waits
 *                   (the test suite shows the growth).
 *   SMR_DEBRA_PLUS  DEBRA plus neutralisation: a thread whose limbo bags pass
 *                   a threshold signals a thread that holds the epoch back
 *                   from inside a restartable region and has stayed in the
 *                   same operation over 32 of the signaller's checks (a
 *                   running thread moves on by itself; one outside any
 *                   region would ignore the signal); the signalled thread
 *                   becomes quiescent and jumps back to its checkpoint.  At
 *                   most one signal is in flight to a thread, whoever sends
 *                   it (a second waits until the first reaches its handler,
 *                   or 10 ms if it never does).
 *                   Bounded as long as stalled threads stall in restartable
 *                   regions.
 *   SMR_NONE        retire keeps everything until smr_domain_destroy: the
 *                   baseline of the benchmarks.
 *
 * Bounds (pending = retired and not yet freed, whole domain)
 *   IBR:    pending <= L + T * (2 * batch_size + empty_freq + poll_chunk), where
 *           T is the number of registered threads and L the number of nodes
 *           that were alive (allocated, not yet retired) when a stalled
 *           thread last raised its reservation.
 *   DEBRA+: pending <= T * (4 * neutralize_after + batch_size + R + 32), R being
 *           the most nodes one operation retires (a thread checks its own
 *           count every 32 retires), as long as the threads that
 *           hold the epoch back are in restartable regions.  A thread whose
 *           own unfreed nodes pass 4 * neutralize_after waits at its next
 *           smr_begin_op (quiescent, yielding the processor) until the
 *           signalled threads have handled their signal, and while threads
 *           in write phases make progress; a thread outside any restartable
 *           region whose announcement stays unchanged for 50 ms is taken for
 *           stalled and not waited for again in that operation (it holds the
 *           epoch as under DEBRA until it ends its operation).
 *   DEBRA:  unbounded while any thread stays inside an operation.
 *
 * Liveness: every retired node is freed eventually: by the retiring thread's
 * passes (every empty_freq retires) once safe, by any thread's smr_poll, when
 * its thread unregisters (the nodes are handed to the domain, never leaked)
 * and at smr_domain_destroy.  Under DEBRA and DEBRA+ a thread drives the
 * epoch once for each full batch it retires, and while more than two batches
 * of its nodes wait; a thread that retired fewer and went idle gets them
 * freed when other threads advance the epoch, or by calling smr_poll (which
 * advances it itself).
 *
 * What IBR requires of a data structure (like hazard eras): a thread must not
 * dereference a pointer it read out of a node that had already been unlinked
 * when it read it, unless it validates afterwards that the node it read from
 * is still linked (a Harris-Michael list that restarts from a live node when
 * it meets a marked one does).  Reservations
 * cover the lifetimes a thread observed, and a successor installed in a node
 * after that node was read may already be retired.  The epoch schemes have no
 * such requirement: every node reachable during an operation stays.
 *
 * Nodes: smr_alloc returns a 16-byte-aligned node behind a 16-byte header
 * (birth epoch, size, state); smr_retire accepts only such nodes.  Both are
 * inline (a few instructions over cc_alloc; a few stores), with the periodic
 * work out of line behind one predictable branch.  Any thread
 * may free any node (alloc in A, retire in B, free in C).
 *
 * Threads: a context belongs to the thread that registered it; every call on
 * it comes from that thread (SMR_DEBUG builds check it), except
 * smr_domain_stats and smr_domain_destroy, which take the domain.  Contexts
 * are records of a fixed registry, reused after unregistration, so thread
 * churn does not grow a domain.
 *
 * Errors: NULL or -1 with errno; detected corruption (a node retired twice, a
 * pointer smr_alloc did not return) aborts with a message naming the node.
 *
 * One scheme per source file: a source whose contexts all have one scheme may
 * define SMR_SCHEME to it (SMR_IBR, SMR_DEBRA, SMR_DEBRA_PLUS or SMR_NONE)
 * before including this header.  The inline calls then fold to that scheme's
 * code (no test of the context's scheme in smr_protect, smr_reserve, ...; and
 * outside DEBRA+ smr_checkpoint compiles to nothing, so the function keeps
 * its locals in registers), as the library's own structures are compiled
 * once per scheme.  smr_begin_op checks in every build that the context's
 * scheme is SMR_SCHEME and aborts with a message if not.  Without it, every
 * call reads the context's scheme (the same source runs under every scheme).
 *
 * Debug checks: with SMR_DEBUG defined non-zero (default: when NDEBUG is not
 * defined) the inline functions assert that the calling thread owns the
 * context, that smr_protect is called inside an operation and that nothing
 * that may block or allocate is called inside a restartable region.
 */
#ifndef CCMEM_SMR_H
#define CCMEM_SMR_H

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ccmem/alloc.h"
#include "ccmem/atomic.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef SMR_DEBUG
#ifdef NDEBUG
#define SMR_DEBUG 0
#else
#define SMR_DEBUG 1
#endif
#endif

typedef enum { SMR_IBR, SMR_DEBRA, SMR_DEBRA_PLUS, SMR_NONE } smr_scheme_t;
#define SMR_SCHEME_COUNT 4

typedef struct smr_domain smr_domain_t;   /* one reclamation domain: epoch, registry, orphans */
typedef struct smr_context smr_context_t; /* one registered thread of a domain */

/* Largest max_threads a domain accepts. */
#define SMR_THREADS_LIMIT 4096
/* Protection slots per thread (DEBRA+; see smr_reserve). */
#define SMR_SLOTS 4

/* Options.  smr_options_init fills the defaults for a scheme; change fields
 * after it.  Every count must be at least 1 unless its comment says 0 is
 * allowed; smr_domain_create answers NULL/EINVAL otherwise. */
typedef struct smr_options {
	smr_scheme_t scheme;
	/* Threads registered at once (default 256, at most SMR_THREADS_LIMIT);
	 * one more gets NULL/EAGAIN from smr_thread_register. */
	unsigned max_threads;
	/* Retired nodes per batch (default 64, at most 65536): a batch is one
	 * block of entries, the unit that moves between threads. */
	unsigned batch_size;
	/* Retires between the thread's own reclamation passes (default 64; the
	 * reference's empty_freq).  0: the thread never reclaims on its own; every
	 * full batch goes to the domain, where smr_poll of any thread frees it (a
	 * dedicated reclaimer thread). */
	unsigned empty_freq;
	/* Most nodes one pass or one smr_poll frees (default 1024). */
	unsigned poll_chunk;
	/* Safe nodes freed per retire, amortised (default 2; 0 allowed: passes
	 * alone free them). */
	unsigned free_per_retire;
	/* Sealed batches a thread keeps before it hands the oldest to the domain,
	 * where any thread's poll may free them (default 16). */
	unsigned max_local_batches;
	/* IBR: allocations between epoch advances, system-wide (default 150). */
	unsigned epoch_freq;
	/* DEBRA, DEBRA+: operations between two checks of another thread's
	 * announcement (default 1, as the reference). */
	unsigned scan_every;
	/* DEBRA+: the neutralisation signal (default SIGRTMIN + 2).  Must be a
	 * catchable signal whose disposition is the default or ccmem's own. */
	int signal;
	/* DEBRA+: nodes waiting in this thread's limbo bags before it signals a
	 * thread that holds the epoch back; past 4 * neutralize_after unfreed
	 * nodes the thread waits at smr_begin_op.  Default 0: batch_size, as
	 * smr_domain_create finds it (set batch_size after smr_options_init and
	 * this follows). */
	unsigned neutralize_after;
} smr_options_t;

typedef struct smr_stats {
	uint64_t retired;      /* nodes retired since the domain was created */
	uint64_t freed;        /* nodes released through cc_free */
	uint64_t pending;      /* retired - freed */
	uint64_t peak_pending; /* largest pending seen; sampled at each reclamation
	                          pass, so it may trail the true peak by up to one
	                          batch per thread */
	uint64_t epoch;        /* the global epoch now */
	uint64_t threads;      /* threads registered now */
	uint64_t orphaned;     /* nodes in batches held by the domain (from
	                          unregistered threads or handed off) */
	uint64_t signals;      /* DEBRA+: neutralisation signals sent */
	uint64_t restarts;     /* DEBRA+: operations restarted by a signal */
	uint64_t records;      /* registry records ever used (the high-water mark:
	                          thread churn does not raise it) */
	uint64_t waits;        /* DEBRA+: smr_begin_op calls that found their
	                          thread over its cap (4 * neutralize_after unfreed
	                          nodes) and waited for room */
} smr_stats_t;

/* ---- domain and threads ----------------------------------------------------- */

/* Fills *opts with the defaults of `scheme`.  Any thread. */
void smr_options_init(smr_options_t *opts, smr_scheme_t scheme);

/* A new domain, or NULL with errno: EINVAL for invalid options (unknown
 * scheme, a zero count, max_threads or batch_size above its limit, an invalid
 * signal), EBUSY when the DEBRA+ signal already has another handler, ENOMEM.
 * Any thread; O(max_threads) memory. */
smr_domain_t *smr_domain_create(const smr_options_t *opts);

/* Frees every node still retired (running their fini), the contexts still
 * registered (which become invalid) and the domain.  Call it once no thread
 * uses the domain any more.  If a registered thread is still inside an
 * operation, nothing is freed: the call prints a message, sets errno to EBUSY
 * and returns, and the domain stays valid (so no node in use is ever freed). */
void smr_domain_destroy(smr_domain_t *d);

/* Registers the calling thread: NULL with errno EAGAIN when max_threads are
 * registered already, EINVAL for a NULL domain.  O(max_threads) worst case.
 * Unregister before the thread exits: a record left registered keeps its
 * unfreed nodes, and under DEBRA+ other threads may still signal its thread
 * and write to its thread-local storage. */
smr_context_t *smr_thread_register(smr_domain_t *d);

/* Unregisters: ends an open operation first, then hands every node not yet
 * freed to the domain (freed later by any thread's pass or poll, or at
 * destroy): nothing is lost.  The context is invalid afterwards. */
void smr_thread_unregister(smr_context_t *ctx);

/* ---- operations --------------------------------------------------------------- */

static inline void smr_begin_op(smr_context_t *ctx);
static inline void smr_end_op(smr_context_t *ctx);
static inline void *smr_protect(smr_context_t *ctx, void *const *src);

/* A node of `size` usable bytes, 16-byte aligned, stamped as the scheme needs
 * (IBR: birth epoch).  NULL with errno as cc_alloc (EINVAL for size 0, ENOMEM
 * above 2^48 - 64 bytes).  Not inside a restartable region.  Inside or
 * outside an operation.  Inline: cc_alloc's inline path and two header
 * stores (IBR: and the epoch load, and a countdown to the next advance; every
 * epoch_freq * threads allocations of the thread, an out-of-line call
 * advances the epoch).  IBR, inside an operation: a node born after the
 * operation's reservation raises it to its birth (a store and a fence, only
 * when the epoch moved since the last smr_protect), so the node stays
 * protected for the rest of the operation even if another thread unlinks
 * and retires it as soon as it is published. */
static inline void *smr_alloc(smr_context_t *ctx, size_t size);

/* Hands an unlinked node to the library; it is released (fini, if given,
 * then cc_free) once no thread can hold it.  `size` must be the size given to
 * smr_alloc (the caller's debug builds, SMR_DEBUG, check; the header's size
 * is what is freed).  NULL does nothing.  Call after the unlink (a seq_cst
 * CAS, as ck_pr_cas and C11's defaults are), inside or outside an operation,
 * never inside a restartable region.
 * fini runs on whichever thread frees the node and must not call into this
 * domain.
 * Cost: inline, a few loads and stores (the node's header state, which
 * catches a node retired twice in every build, and one entry of the thread's
 * retire block); one predictable branch sends every 32nd retire (or every
 * empty_freq-th, if smaller, and the one after a block fills) out of line,
 * where the thread frees up to 32 * free_per_retire ready nodes and, every
 * empty_freq retires, runs a reclamation pass; a block from a per-thread pool
 * now and then. */
static inline void smr_retire(smr_context_t *ctx, void *node, size_t size);
static inline void smr_retire_cb(smr_context_t *ctx, void *node, size_t size, void (*fini)(void *node));

/* Frees what is safe now: this thread's own batches, then batches held by
 * the domain, at most poll_chunk nodes; DEBRA tries to advance the epoch
 * first.  Returns how many nodes it freed.  Outside an operation. */
size_t smr_poll(smr_context_t *ctx);

/* Totals of the domain (see smr_stats_t).  Any thread; O(max_threads).  Exact
 * once the threads that retire and free are quiescent. */
void smr_domain_stats(const smr_domain_t *d, smr_stats_t *out);

/* Name of a scheme ("ibr", "debra", "debra+", "none"); NULL/EINVAL if unknown. */
const char *smr_scheme_name(smr_scheme_t scheme);
/* Parses a scheme name; -1/EINVAL if unknown. */
int smr_scheme_parse(const char *name, smr_scheme_t *out);

/* ---- DEBRA+ restartable regions ----------------------------------------------
 *
 * An operation of a data structure under DEBRA+ is written as
 *
 *     smr_begin_op(ctx);
 *     smr_checkpoint(ctx);           // a restart lands here, the op re-begun
 *     ... read phase: search with smr_protect only ...
 *     smr_reserve(ctx, 0, pred);     // records the write phase needs
 *     smr_reserve(ctx, 1, curr);
 *     smr_write_phase(ctx);          // no restart from here on
 *     ... CAS, smr_alloc, smr_retire ...
 *     smr_end_op(ctx);               // also clears the slots
 *
 * Between smr_checkpoint and smr_write_phase the thread is in a restartable
 * region: a neutralisation signal makes it quiescent and jumps back to the
 * checkpoint (the operation is begun again, reserved records stay reserved).
 * Rules inside the region: only loads, smr_protect and smr_reserve; no store
 * another thread could see, no allocation or free, no lock, no system call,
 * nothing that is not async-signal-safe.  Locals that the read phase changes
 * must be re-initialised after the checkpoint (or be volatile).  A later read
 * phase in the same operation takes another smr_checkpoint.
 *
 * smr_checkpoint saves the caller's frame for the jump back: on x86_64 (ELF,
 * no sanitizer, no CET) a call of 14 instructions to smr__cp_arm, which also
 * opens the region; elsewhere sigsetjmp, which needs POSIX (GNU C's default;
 * with -std=c11 define _POSIX_C_SOURCE 200809L before any include).  Both
 * return twice, so the compiler keeps the caller's locals that live across
 * the checkpoint in memory (a few more loads in that function under every
 * scheme, unless SMR_SCHEME folds the checkpoint away).  Including this
 * header alone needs nothing.
 *
 * Cost under DEBRA+, per operation, beyond DEBRA's: the checkpoint call, one
 * store per smr_reserve, one store at smr_write_phase, and at smr_end_op the
 * SMR_SLOTS slot stores and the armed-context clear.
 *
 * A thread that has no armed checkpoint (outside the region, or under another
 * scheme) is never jumped: the signal is ignored and the thread is waited for.
 * Under IBR, DEBRA and NONE these calls cost a branch and do nothing else;
 * the same data-structure source runs under every scheme.
 */
#ifdef SMR_SCHEME
#define SMR__SCHEME(ctx) ((void)(ctx), (smr_scheme_t)(SMR_SCHEME))
#else
#define SMR__SCHEME(ctx) ((ctx)->priv.scheme)
#endif
/* The x86_64 checkpoint (smr/checkpoint.c): smr__cp_arm(ctx) saves the
 * registers a function call preserves, the stack pointer and the return
 * address into ctx->priv.jb, then opens the restartable
 * region as smr__arm does, and returns.  When the neutralisation handler
 * jumps back, it returns a second time, after smr__restarted has begun the
 * operation again and the region has been re-armed: the caller's code is one
 * call.  Declared returns_twice, as sigsetjmp is, so the compiler keeps every
 * local that lives across it where the jump finds it.  14 instructions
 * (sigsetjmp alone: 23, plus the test and the arming in the caller; no pointer
 * mangling or signal mask here: the jump never leaves the thread's own stack,
 * and the restart path unblocks the signal itself).  Used where the caller is
 * compiled for x86_64 ELF without a sanitizer (their interceptors must see
 * every jump) and without CET (a jump would have to unwind the shadow stack
 * and land on an end-branch); sigsetjmp elsewhere, or with
 * SMR_NO_FAST_CHECKPOINT defined. */
#if defined(__x86_64__) && defined(__ELF__) && defined(__GNUC__) && !defined(SMR_NO_FAST_CHECKPOINT)
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || defined(__SANITIZE_HWADDRESS__)
#define SMR__CP_FAST 0
#elif defined(__CET__)
#define SMR__CP_FAST 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer) ||      \
    __has_feature(hwaddress_sanitizer) || __has_feature(dataflow_sanitizer)
#define SMR__CP_FAST 0
#endif
#endif
#ifndef SMR__CP_FAST
#define SMR__CP_FAST 1
#endif
#else
#define SMR__CP_FAST 0
#endif
#define smr_checkpoint(ctx) smr__checkpoint_as((ctx), SMR__SCHEME(ctx))
#if SMR__CP_FAST
#define smr__checkpoint_as(ctx, scheme)                                                                \
	do {                                                                                               \
		if ((scheme) == SMR_DEBRA_PLUS)                                                                \
			smr__cp_arm(ctx); /* saves, arms; a restart returns here again, re-begun */                \
	} while (0)
#else
#define smr__checkpoint_as(ctx, scheme)                                                                \
	do {                                                                                               \
		smr_context_t *smr_cp_ = (ctx);                                                                \
		if ((scheme) == SMR_DEBRA_PLUS) {                                                              \
			smr_cp_->priv.jb.regs[SMR__CP_PC] = 0; /* the handler siglongjmps */                       \
			if (sigsetjmp(*(sigjmp_buf *)(void *)smr_cp_->priv.jb.sj, 0) != 0)                         \
				smr__restarted(smr_cp_);                                                               \
			smr__arm(smr_cp_);                                                                         \
		}                                                                                              \
	} while (0)
#endif

/* Publishes `node` in protection slot `slot` (< SMR_SLOTS): reclaimers keep it
 * even after this thread is neutralised, until smr_release or smr_end_op.
 * Call it while the node is protected (inside the operation).  One store. */
static inline void smr_reserve(smr_context_t *ctx, unsigned slot, void *node);
static inline void smr_release(smr_context_t *ctx, unsigned slot);

/* Leaves the restartable region: from here on the operation is not restarted
 * (signals are ignored and the thread holds the epoch as under DEBRA). */
static inline void smr_write_phase(smr_context_t *ctx);

/* True between smr_checkpoint and smr_write_phase/smr_end_op. */
static inline bool smr_in_restartable(const smr_context_t *ctx);

/* ---- internals of the inline paths (not for direct use) ---------------------- */

#define SMR__JMPBUF_BYTES 256

/* DEBRA+: what smr_checkpoint saved.  regs[SMR__CP_PC] != 0: regs holds
 * rbx, rbp, r12-r15, the stack pointer and the resume address, saved by
 * smr__cp_arm (x86_64); 0: sj holds a sigjmp_buf (kept as bytes so that
 * including this header needs no POSIX feature macro; smr/debra.c asserts
 * the size).  The handler jumps the way the last checkpoint saved. */
#define SMR__CP_PC 7
struct smr__jmp {
	uint64_t regs[8];
	_Alignas(16) unsigned char sj[SMR__JMPBUF_BYTES];
};

#if SMR__CP_FAST
void smr__cp_arm(smr_context_t *ctx) __attribute__((returns_twice));
#endif
#define SMR__INACTIVE UINT64_MAX
#define SMR__QBIT ((uint64_t)1)
/* DEBRA+: set with SMR__QBIT by the handler in an operation it restarts (the
 * thread is quiescent and still inside the operation); cleared by the next
 * announcement.  Epochs never reach it. */
#define SMR__RBIT ((uint64_t)1 << 63)

struct smr__block;
struct smr__list {
	struct smr__block *head, *tail;
	size_t blocks, nodes;
};

/* Read by other threads (scans, signals, stats): two cache lines. */
struct smr__shared {
	uint64_t announce;          /* DEBRA: epoch | SMR__QBIT when quiescent */
	uint64_t lower, upper;      /* IBR reservation, SMR__INACTIVE outside ops */
	void *slots[SMR_SLOTS];     /* DEBRA+ protection slots */
	uint32_t state;             /* registry state, see smr/internal.h */
	uint32_t signalers;         /* DEBRA+: senders between check and pthread_kill */
	uint32_t neutralizable;     /* DEBRA+: 1 while in a restartable region: the handler's
	                               test (same thread), advisory for senders */
	uint64_t generation;        /* bumped at each registration of this record */
	pthread_t thread;           /* the owner, for pthread_kill */
	uint32_t *inflight;         /* DEBRA+: the owner thread's flag, set while a
	                               signal sent to it is not yet handled */
} __attribute__((aligned(CC_CACHE_LINE_SIZE)));

/* Written by the owner, read by smr_domain_stats: its own line. */
struct smr__counters {
	uint64_t retired, freed, signals, restarts, waits;
	uint64_t flushed_retired, flushed_freed; /* already added to the domain's pending */
} __attribute__((aligned(CC_CACHE_LINE_SIZE)));

/* A node's header, in the 16 bytes before the node (smr_alloc). */
struct smr__hdr {
	uint64_t birth; /* IBR: epoch at allocation */
	uint64_t info;  /* requested size (low 48 bits) | state << 48 */
};
#define SMR__HDR_SIZE_BITS 48
#define SMR__HDR_SIZE_MASK (((uint64_t)1 << SMR__HDR_SIZE_BITS) - 1)
#define SMR__HDR_LIVE ((uint64_t)0xA11Eu)
#define SMR__HDR_RETIRED ((uint64_t)0xDEADu)
/* Largest size smr_alloc serves. */
#define SMR__ALLOC_MAX (((size_t)1 << SMR__HDR_SIZE_BITS) - 64)

/* One retired node in a retire block (smr/internal.h). */
struct smr__entry {
	struct smr__hdr *hdr;
	void (*fini)(void *node);
};

/* The owner's private state. */
struct smr__private {
	/* the retire fast path: entries are appended at rcur while rcur < rlimit
	 * (room in the current block and retires left before the periodic work);
	 * both NULL when the thread has no current block */
	struct smr__entry *rcur, *rlimit;
	uint32_t rfini;                    /* an entry since the last fold has a fini */
	uint64_t alloc_left;               /* IBR: allocations before this thread advances the epoch */
	smr_scheme_t scheme;
	uint32_t in_op;                    /* SMR_NONE; see smr__in_op */
	uint64_t *epoch;                   /* &domain->epoch */
	smr_domain_t *domain;
	uint64_t upper;                    /* IBR: cached reservation upper bound */
	uint64_t announced;                /* DEBRA: epoch of the last announcement */
	uint64_t fast_epoch;               /* DEBRA: `announced` while smr_begin_op may take
	                                      its fast path, SMR__QBIT (no epoch) otherwise */
	unsigned scan_every, scan_count;   /* DEBRA: amortised scan */
	bool scan_due;                     /* DEBRA: there is something to reclaim */
	struct smr__jmp jb; /* DEBRA+: the checkpoint */
};

struct smr_context {
	struct smr__shared sh;
	struct smr__counters cnt;
	struct smr__private priv;
	/* followed by the out-of-line state (struct smr__local in smr/internal.h) */
};

void smr__debra_begin_slow(smr_context_t *ctx, uint64_t epoch);
void smr__ibr_raise(smr_context_t *ctx, uint64_t epoch);
void *smr__alloc_slow(smr_context_t *ctx, size_t size);
void smr__ibr_advance(smr_context_t *ctx);
void smr__retire_slow(smr_context_t *ctx, void *node, size_t size, void (*fini)(void *node));
void smr__restarted(smr_context_t *ctx);
void smr__debug_fail(const smr_context_t *ctx, const char *what) __attribute__((noreturn));
void smr__scheme_mismatch(const smr_context_t *ctx, smr_scheme_t compiled) __attribute__((noreturn));

/* DEBRA+: the context of this thread's last checkpoint, until the end of that
 * operation (NULL outside DEBRA+ operations): what the signal handler acts on,
 * if its region is still open (sh.neutralizable). */
extern _Thread_local smr_context_t *smr__t_armed __attribute__((tls_model("initial-exec")));

/* Opens the restartable region (smr_checkpoint, after the jump buffer is
 * saved; smr/checkpoint.c does the same stores in smr__cp_arm).  The handler runs on this thread and acts only while the flag is
 * set: compiler barriers order the stores against it. */
static inline void smr__arm(smr_context_t *ctx)
{
	smr__t_armed = ctx;
	cc_atomic_compiler_barrier(); /* t_armed before the flag, for the handler */
	/* relaxed: the handler reads it on this thread; senders read it as advice */
	cc_atomic_store_relaxed_u32(&ctx->sh.neutralizable, 1);
	cc_atomic_compiler_barrier(); /* the flag before the first read of the region */
}

/* Whether an operation is open.  Derived from the published state, so the
 * hot paths keep no extra flag: IBR's lower bound, DEBRA's quiescent bit,
 * DEBRA+'s quiescent bit unless the restart bit is set with it (the handler
 * makes a restarted operation quiescent); NONE keeps a flag.  Any thread may
 * ask (smr_domain_destroy does). */
static inline bool smr__in_op(const smr_context_t *ctx)
{
	switch (ctx->priv.scheme) {
	case SMR_IBR:
		return cc_atomic_load_relaxed_u64(&ctx->sh.lower) != SMR__INACTIVE;
	case SMR_DEBRA:
	case SMR_DEBRA_PLUS: {
		uint64_t a = cc_atomic_load_relaxed_u64(&ctx->sh.announce);
		return (a & SMR__QBIT) == 0 || (a & SMR__RBIT) != 0;
	}
	default:
		return cc_atomic_load_relaxed_u32(&ctx->priv.in_op) != 0;
	}
}

/* DEBRA+: true between smr_checkpoint and smr_write_phase (or smr_end_op). */
static inline bool smr__restartable(const smr_context_t *ctx)
{
	return cc_atomic_load_relaxed_u32(&ctx->sh.neutralizable) != 0;
}

#if SMR_DEBUG
#define SMR__CHECK(ctx, cond, what)                                                                    \
	do {                                                                                               \
		if (CC_UNLIKELY(!(cond)))                                                                      \
			smr__debug_fail((ctx), (what));                                                            \
	} while (0)
#define SMR__CHECK_OWNER(ctx, fn)                                                                      \
	SMR__CHECK(ctx, pthread_equal((ctx)->sh.thread, pthread_self()), fn ": context used by another thread than its own")
#else
#define SMR__CHECK(ctx, cond, what) ((void)0)
#define SMR__CHECK_OWNER(ctx, fn) ((void)0)
#endif

/* The inline paths take the scheme as an argument: smr_begin_op(ctx) passes
 * ctx->priv.scheme, and code compiled once per scheme (src/ds does) passes a
 * constant, so the compiler drops the other schemes' branches.  `scheme`
 * must be the context's own. */
static inline void smr__begin_op_as(smr_context_t *ctx, smr_scheme_t scheme)
{
	SMR__CHECK_OWNER(ctx, "smr_begin_op");
	SMR__CHECK(ctx, !smr__in_op(ctx), "smr_begin_op: an operation is already open on this context");
	SMR__CHECK(ctx, scheme == ctx->priv.scheme, "smr_begin_op: code compiled for another scheme");
	switch (scheme) {
	case SMR_IBR: {
		/* acquire: pairs with the advancing fetch-and-add (smr_alloc). */
		uint64_t e = cc_atomic_load_acquire_u64(ctx->priv.epoch);
		ctx->priv.upper = e;
		/* lower first, upper second (the scan reads them in that order); the
		 * fence orders both before the first smr_protect load and pairs with
		 * the reclaimer's fence before it reads reservations. */
		cc_atomic_store_release_u64(&ctx->sh.lower, e);
		cc_atomic_store_fence_u64(&ctx->sh.upper, e);
		break;
	}
	case SMR_DEBRA:
	case SMR_DEBRA_PLUS: {
		/* acquire: pairs with the advancing CAS on the epoch. */
		uint64_t e = cc_atomic_load_acquire_u64(ctx->priv.epoch);
		/* one compare: a new epoch, or a scan due, or back-pressure, makes
		 * fast_epoch differ (smr/debra.c) */
		if (CC_UNLIKELY(e != ctx->priv.fast_epoch)) {
			smr__debra_begin_slow(ctx, e); /* rotate bags, scan one thread, announce */
			break;
		}
		/* the announcement (quiescent bit clear), then a full fence before the
		 * first shared load; pairs with the advancer's fence before it reads
		 * announcements. */
		cc_atomic_store_fence_u64(&ctx->sh.announce, e);
		break;
	}
	default:
		cc_atomic_store_relaxed_u32(&ctx->priv.in_op, 1);
		break;
	}
}

static inline void smr__write_phase_as(smr_context_t *ctx, smr_scheme_t scheme);

static inline void smr__end_op_as(smr_context_t *ctx, smr_scheme_t scheme)
{
	SMR__CHECK_OWNER(ctx, "smr_end_op");
	SMR__CHECK(ctx, smr__in_op(ctx), "smr_end_op: no operation is open on this context");
	switch (scheme) {
	case SMR_IBR:
		/* release: the operation's loads happen before a reclaimer that reads
		 * the interval as inactive (acquire) frees anything. upper first. */
		cc_atomic_store_release_u64(&ctx->sh.upper, SMR__INACTIVE);
		cc_atomic_store_release_u64(&ctx->sh.lower, SMR__INACTIVE);
		break;
	case SMR_DEBRA_PLUS:
		smr__write_phase_as(ctx, scheme); /* closes the region, if still open */
		smr__t_armed = NULL; /* the handler never follows a context that may go */
		/* release: the operation's reads of the reserved nodes happen before
		 * a reclaimer that sees the slot empty frees them.  Every slot, one
		 * plain store each on x86 (cheaper than tracking the used ones). */
		for (unsigned i = 0; i < SMR_SLOTS; i++)
			cc_atomic_store_release_ptr(&ctx->sh.slots[i], NULL);
		/* fallthrough */
	case SMR_DEBRA:
		/* release: pairs with the advancer's acquire load of the announcement
		 * (also clears DEBRA+'s restart bit). */
		cc_atomic_store_release_u64(&ctx->sh.announce, ctx->priv.announced | SMR__QBIT);
		break;
	default:
		cc_atomic_store_relaxed_u32(&ctx->priv.in_op, 0);
		break;
	}
}

static inline void *smr__protect_as(smr_context_t *ctx, void *const *src, smr_scheme_t scheme)
{
	SMR__CHECK_OWNER(ctx, "smr_protect");
	SMR__CHECK(ctx, smr__in_op(ctx), "smr_protect: called outside an operation");
	if (scheme == SMR_IBR) {
		for (;;) {
			/* acquire: the node's contents as published by its writer. */
			void *p = cc_atomic_load_acquire_ptr(src);
			/* acquire: orders the epoch read after the pointer read. */
			uint64_t e = cc_atomic_load_acquire_u64(ctx->priv.epoch);
			if (CC_LIKELY(e == ctx->priv.upper))
				return p;
			smr__ibr_raise(ctx, e); /* publish the new upper bound, load again */
		}
	}
	/* acquire: the node's contents as published by its writer. */
	return cc_atomic_load_acquire_ptr(src);
}

static inline void smr__reserve_as(smr_context_t *ctx, unsigned slot, void *node, smr_scheme_t scheme)
{
	SMR__CHECK(ctx, slot < SMR_SLOTS, "smr_reserve: slot out of range");
	SMR__CHECK(ctx, smr__in_op(ctx), "smr_reserve: called outside an operation");
	if (scheme != SMR_DEBRA_PLUS)
		return;
	/* relaxed: while the thread is not quiescent the epoch protects the node;
	 * the handler's release store of the quiescent bit publishes the slot
	 * before any reclaimer can count this thread as quiescent. */
	cc_atomic_store_relaxed_ptr(&ctx->sh.slots[slot], node);
}

static inline void smr_release(smr_context_t *ctx, unsigned slot)
{
	SMR__CHECK(ctx, slot < SMR_SLOTS, "smr_release: slot out of range");
	if (SMR__SCHEME(ctx) != SMR_DEBRA_PLUS)
		return;
	cc_atomic_store_release_ptr(&ctx->sh.slots[slot], NULL);
}

static inline void smr__write_phase_as(smr_context_t *ctx, smr_scheme_t scheme)
{
	SMR__CHECK(ctx, smr__in_op(ctx), "smr_write_phase: called outside an operation");
	if (scheme == SMR_DEBRA_PLUS) {
		/* Unconditional (a store is cheaper than a test and a branch).
		 * relaxed: the handler runs on this thread and ignores a signal once
		 * the flag is clear; senders take it as advice.  A compiler barrier
		 * keeps every write of the write phase after it.  smr__t_armed may
		 * still name this context: smr_end_op clears it. */
		cc_atomic_store_relaxed_u32(&ctx->sh.neutralizable, 0);
		cc_atomic_compiler_barrier();
	}
}

static inline bool smr_in_restartable(const smr_context_t *ctx)
{
	return ctx->priv.scheme == SMR_DEBRA_PLUS && smr__restartable(ctx);
}

static inline void smr_begin_op(smr_context_t *ctx)
{
#ifdef SMR_SCHEME
	/* every build: code folded for one scheme must not run on another's
	 * context (every smr_protect and smr_reserve is inside an operation) */
	if (CC_UNLIKELY(ctx->priv.scheme != (smr_scheme_t)(SMR_SCHEME)))
		smr__scheme_mismatch(ctx, (smr_scheme_t)(SMR_SCHEME));
#endif
	smr__begin_op_as(ctx, SMR__SCHEME(ctx));
}
static inline void smr_end_op(smr_context_t *ctx) { smr__end_op_as(ctx, SMR__SCHEME(ctx)); }
static inline void *smr_protect(smr_context_t *ctx, void *const *src)
{
	return smr__protect_as(ctx, src, SMR__SCHEME(ctx));
}
static inline void smr_reserve(smr_context_t *ctx, unsigned slot, void *node)
{
	smr__reserve_as(ctx, slot, node, SMR__SCHEME(ctx));
}
static inline void smr_write_phase(smr_context_t *ctx) { smr__write_phase_as(ctx, SMR__SCHEME(ctx)); }

static inline void *smr_alloc(smr_context_t *ctx, size_t size)
{
	SMR__CHECK(ctx, !smr__restartable(ctx), "smr_alloc: called inside a restartable region");
	if (CC_UNLIKELY(size - 1 >= SMR__ALLOC_MAX))
		return smr__alloc_slow(ctx, size); /* size 0 or too large: errno */
	/* the header, then the node, in whole 16-byte units */
	struct smr__hdr *h = (struct smr__hdr *)cc_alloc((size + sizeof(struct smr__hdr) + 15u) & ~(size_t)15u);
	if (CC_UNLIKELY(h == NULL))
		return NULL;
	h->info = (uint64_t)size | (SMR__HDR_LIVE << SMR__HDR_SIZE_BITS);
	h->birth = 0;
	if (SMR__SCHEME(ctx) == SMR_IBR) {
		/* acquire: pairs with the advancing fetch-and-add; the birth epoch is
		 * read before the node can be published. */
		h->birth = cc_atomic_load_acquire_u64(ctx->priv.epoch);
		/* inside an operation (upper is SMR__INACTIVE outside one): cover
		 * the birth before the node can be published and retired by
		 * another thread while this one still uses it */
		if (CC_UNLIKELY(h->birth > ctx->priv.upper))
			smr__ibr_raise(ctx, h->birth);
		if (CC_UNLIKELY(--ctx->priv.alloc_left == 0))
			smr__ibr_advance(ctx);
	}
	return h + 1;
}

static inline void smr_retire_cb(smr_context_t *ctx, void *node, size_t size, void (*fini)(void *node))
{
	SMR__CHECK(ctx, !smr__restartable(ctx), "smr_retire: called inside a restartable region");
	SMR__CHECK(ctx, node == NULL || ((struct smr__hdr *)node - 1)->info >> SMR__HDR_SIZE_BITS != SMR__HDR_LIVE ||
	                    (((struct smr__hdr *)node - 1)->info & SMR__HDR_SIZE_MASK) == size,
	           "smr_retire: size differs from the one given to smr_alloc");
	struct smr__entry *e = ctx->priv.rcur;
	/* integer compare: both are NULL while the thread has no block */
	if (CC_LIKELY(node != NULL && (uintptr_t)e < (uintptr_t)ctx->priv.rlimit)) {
		struct smr__hdr *h = (struct smr__hdr *)node - 1;
		uint64_t info = h->info;
		/* a node retired twice, or not from smr_alloc, goes out of line and aborts */
		if (CC_LIKELY(info >> SMR__HDR_SIZE_BITS == SMR__HDR_LIVE)) {
			(void)size;
			h->info = info ^ ((SMR__HDR_LIVE ^ SMR__HDR_RETIRED) << SMR__HDR_SIZE_BITS);
			e->hdr = h;
			e->fini = fini;
			if (fini != NULL) /* folds away for smr_retire */
				ctx->priv.rfini = 1;
			ctx->priv.rcur = e + 1;
			/* single writer (this thread), read by smr_domain_stats */
			cc_atomic_store_relaxed_u64(&ctx->cnt.retired, ctx->cnt.retired + 1);
			return;
		}
	}
	smr__retire_slow(ctx, node, size, fini); /* NULL, misuse, a full block or the periodic work */
}

static inline void smr_retire(smr_context_t *ctx, void *node, size_t size)
{
	smr_retire_cb(ctx, node, size, NULL);
}

#ifdef __cplusplus
}
#endif

#endif /* CCMEM_SMR_H */

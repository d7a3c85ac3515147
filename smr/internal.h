/*
 * smr/internal.h - the reclamation layer's internal state.  Not installed.
 *
 * Layout
 *   domain.c   options, domain create/destroy, registry, statistics
 *   batch.c    retire blocks, block lists, per-thread pools, node release,
 *              the domain's shared batch stack
 *   reclaim.c  smr_alloc, smr_retire, reclamation passes, smr_poll
 *   ibr.c      IBR reservations and the interval test
 *   debra.c    DEBRA announcements, limbo bags, epoch advance; DEBRA+
 *              neutralisation (signals, handler, restartable regions)
 *
 * Safety rules, by scheme (see smr.h for the user's side):
 *   IBR     a retired entry [birth, retire] is freeable when no active
 *           reservation [lower, upper] has lower <= retire && upper >= birth;
 *           retire is the epoch read (after a full fence) when the entry's
 *           block was sealed, an upper bound of the epoch at its unlink;
 *           reservations are read lower before upper, after a seq_cst fence
 *           that pairs with the fence in smr_begin_op / smr__ibr_raise.
 *   DEBRA   a thread's limbo bag is freeable when the thread has observed
 *           three epoch changes since it stopped filling it (three bags,
 *           rotated at each observed change).  A block handed to the domain
 *           carries `tag`, the epoch read when it was sealed (after every
 *           unlink of its nodes); it is freeable once epoch >= tag + 4.
 *   DEBRA+  as DEBRA, and a node in some thread's protection slot is kept.
 */
#ifndef CCMEM_SMR_INTERNAL_H
#define CCMEM_SMR_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ccmem/smr.h"

/* ---- node header ---------------------------------------------------------------- */

#define SMR_HDR_SIZE 16u
#define SMR_HDR_SIZE_BITS SMR__HDR_SIZE_BITS
#define SMR_HDR_LIVE SMR__HDR_LIVE
#define SMR_HDR_RETIRED SMR__HDR_RETIRED

/* birth (IBR: epoch at allocation); info: requested size (low 48 bits) |
 * state << 48.  Defined in smr.h for the inline paths. */
typedef struct smr__hdr smr_hdr_t;
_Static_assert(sizeof(smr_hdr_t) == SMR_HDR_SIZE, "the node header is 16 bytes");

static inline smr_hdr_t *smr_hdr_of(void *node) { return (smr_hdr_t *)((char *)node - SMR_HDR_SIZE); }
static inline void *smr_node_of(smr_hdr_t *h) { return (char *)h + SMR_HDR_SIZE; }
static inline size_t smr_hdr_size(const smr_hdr_t *h) { return (size_t)(h->info & SMR__HDR_SIZE_MASK); }
/* What the glue allocated for a node of `size` bytes (header included). */
static inline size_t smr_block_bytes(size_t size) { return (size + SMR_HDR_SIZE + 15u) & ~(size_t)15u; }

/* ---- retire blocks ---------------------------------------------------------------- */

/* hdr, fini (smr.h: the inline retire writes them).  IBR reads the birth
 * epoch from the header; the retire epoch is the block's, read at seal. */
typedef struct smr__entry smr_entry_t;

typedef struct smr__block {
	struct smr__block *next;
	uint32_t count;
	uint32_t cap;
	uint32_t fini_any;              /* some entry has a fini (else the drain skips the test) */
	uint64_t tag;                   /* DEBRA: epoch at seal; see the rules above */
	uint64_t min_birth, max_retire; /* IBR: the union of the entries' intervals */
	uint64_t max_birth;             /* IBR: the latest birth among the entries; min > max
	                                   (SMR_BIRTH_UNKNOWN_*): births not gathered yet */
	smr_entry_t e[];
} smr_block_t;

/* A sealed IBR block whose births have not been gathered (min > max). */
#define SMR_BIRTH_UNKNOWN_MIN UINT64_MAX
#define SMR_BIRTH_UNKNOWN_MAX 0
#define SMR_TAG_NEVER UINT64_MAX /* SMR_NONE: freed at destroy only */
#define SMR_TAG_SAFE 0           /* already known safe (a DEBRA bag past its third rotation) */

typedef struct smr__list smr_list_t;

/* ---- per-thread state beyond struct smr_context ------------------------------------ */

typedef struct smr__local {
	/* reset at each registration (everything before `pool`) */
	smr_block_t *cur;        /* the block being filled; its count is stale while it is
	                            current: priv.rcur is the next entry (smr_cur_count) */
	smr_entry_t *rbase;      /* priv.rcur when the fast path last got its grant */
	bool cur_aged;           /* DEBRA: cur was already current at the last rotation */
	smr_list_t bag[3];       /* DEBRA limbo bags (sealed blocks) */
	unsigned cur_bag;
	smr_list_t sealed;       /* IBR (and NONE): sealed blocks, oldest first */
	smr_list_t ready;        /* safe blocks whose nodes are being freed */
	uint64_t retires_since_pass;
	uint32_t tick;           /* retires left before the periodic work, as of rbase */
	uint32_t tick_len;       /* retires between two runs of it */
	unsigned check_next;     /* DEBRA: next record to check */
	unsigned signal_target;  /* DEBRA+: last signalled record + 1, 0 = none */
	uint64_t signal_epoch;   /* DEBRA+: the epoch it was signalled for */
	unsigned signal_patience;
	unsigned watch_idx;      /* DEBRA+: record + 1 watched before a signal, 0 = none */
	unsigned watch_count;    /* ... checks that found it in the same operation */
	uint64_t watch_word;     /* ... and its announcement then */
	unsigned stalled_idx;    /* DEBRA+: record + 1 taken for stalled, 0 = none */
	uint64_t stalled_word;   /* ... and its announcement at the time */
	size_t limbo;            /* DEBRA: nodes of sealed blocks in the bags (not yet moved
	                            to ready); the current block's are counted apart */
	/* kept across registrations of the record */
	smr_list_t pool;         /* empty blocks for reuse */
	uint64_t *scratch;       /* IBR: reservations; DEBRA+: slots (SMR_SLOTS * max_threads words) */
	size_t scratch_words;
} smr_local_t;

/* Retires between two runs of a thread's periodic work (amortised frees, the
 * pass every empty_freq retires, DEBRA+ back-pressure): at most this, and at
 * most empty_freq. */
#define SMR_RETIRE_TICK 32u

static inline smr_local_t *smr_local(smr_context_t *ctx) { return (smr_local_t *)(void *)(ctx + 1); }

/* Entries in the current block (its count field is stale while it is current). */
static inline uint32_t smr_cur_count(smr_context_t *ctx)
{
	smr_block_t *b = smr_local(ctx)->cur;
	return b == NULL ? 0 : (uint32_t)(ctx->priv.rcur - b->e);
}

/* ---- domain ---------------------------------------------------------------------------- */

enum { SMR_REC_FREE = 0, SMR_REC_ACTIVE = 1, SMR_REC_LEAVING = 2 };

struct smr_domain {
	uint64_t epoch __attribute__((aligned(CC_CACHE_LINE_SIZE)));
	char pad0[CC_CACHE_LINE_SIZE - sizeof(uint64_t)];

	/* the domain's shared stack of batches (orphans and hand-offs) */
	smr_block_t *shared __attribute__((aligned(CC_CACHE_LINE_SIZE)));
	uint64_t shared_nodes;
	uint64_t pending, peak_pending; /* flushed at passes */
	uint32_t hwm;                    /* records [0, hwm) may be in use */
	uint32_t registered;
	uint64_t signals; /* signals sent for records already reused */

	smr_options_t opts __attribute__((aligned(CC_CACHE_LINE_SIZE)));
	size_t rec_size;
	char *records;
	size_t records_bytes;
};

static inline smr_context_t *smr_record(const smr_domain_t *d, unsigned i)
{
	return (smr_context_t *)(void *)(d->records + (size_t)i * d->rec_size);
}

static inline unsigned smr_record_index(const smr_domain_t *d, const smr_context_t *ctx)
{
	return (unsigned)(((const char *)ctx - d->records) / d->rec_size);
}

/* ---- batch.c ------------------------------------------------------------------------------ */

smr_block_t *smr_block_new(smr_domain_t *d);               /* fresh, NULL on ENOMEM */
smr_block_t *smr_block_get(smr_context_t *ctx);            /* pooled or fresh, NULL on ENOMEM */
void smr_block_put(smr_context_t *ctx, smr_block_t *b);    /* back to the pool (or freed) */
void smr_block_release(smr_domain_t *d, smr_block_t *b);   /* cc_free of the block itself */
void smr_list_push(smr_list_t *l, smr_block_t *b);         /* append */
void smr_list_push_head(smr_list_t *l, smr_block_t *b);    /* prepend (the pool: a stack) */
smr_block_t *smr_list_pop(smr_list_t *l);                  /* oldest */
void smr_list_splice(smr_list_t *dst, smr_list_t *src);    /* append all of src, O(1) */
/* fini, then cc_free; the caller counts the frees with smr_count_freed. */
static inline void smr_entry_release(const smr_entry_t *e)
{
	smr_hdr_t *h = e->hdr;
	if (e->fini)
		e->fini(smr_node_of(h));
	cc_free(h, smr_block_bytes(smr_hdr_size(h)));
}
static inline void smr_count_freed(smr_context_t *freer, size_t n)
{
	/* single writer (the freeing thread's own counter), read by stats. */
	cc_atomic_store_relaxed_u64(&freer->cnt.freed, freer->cnt.freed + n);
}
/* Frees entries from the top of b, at most *budget; true when b is empty. */
bool smr_block_drain(smr_context_t *freer, smr_block_t *b, size_t *budget, size_t *freed);
/* Folds the inline retire path's appends since its grant into the current
 * block's count and the countdown to the periodic work. */
void smr_retire_fold(smr_context_t *ctx);
/* Seals ctx's current block (if it has entries) and returns it, NULL if none;
 * the inline retire path is closed until the next retire takes a block. */
smr_block_t *smr_seal_current(smr_context_t *ctx);
void smr_shared_push_list(smr_domain_t *d, smr_list_t *l);
void smr_shared_push(smr_domain_t *d, smr_block_t *b);
smr_block_t *smr_shared_take_all(smr_domain_t *d);
/* Frees every node of every block in l (destroy) and the blocks. */
void smr_list_destroy(smr_domain_t *d, smr_context_t *freer, smr_list_t *l);

/* ---- reclaim.c ---------------------------------------------------------------------------- */

size_t smr_pass(smr_context_t *ctx, size_t budget, bool polling);
void smr_flush_pending(smr_context_t *ctx);
/* Frees up to *budget nodes from the ready list. */
size_t smr_free_ready(smr_context_t *ctx, size_t *budget);

/* ---- ibr.c -------------------------------------------------------------------------------- */

/* Snapshot of active reservations into ctx's scratch (pairs of lower, upper);
 * returns how many pairs. */
size_t smr_ibr_snapshot(smr_context_t *ctx);
/* Frees the entries of b that no reservation covers (at most *budget),
 * compacting the rest; true when b is empty. */
bool smr_ibr_scan_block(smr_context_t *ctx, smr_block_t *b, size_t nres, size_t *budget, size_t *freed);

/* ---- debra.c ------------------------------------------------------------------------------ */

/* Limbo nodes (sealed, in the bags) above which a DEBRA thread keeps
 * driving the epoch after a rotation: more than two batches (one thread
 * alone holds two full bags between its advances). */
static inline bool smr_debra_limbo_high(const smr_local_t *loc, const smr_domain_t *d)
{
	return loc->limbo > 2 * (size_t)d->opts.batch_size;
}
/* One full scan of every announcement and, if all allow it, an advance. */
bool smr_debra_try_advance(smr_context_t *ctx);
/* Rotates the limbo bags after an observed epoch change. */
void smr_debra_rotate(smr_context_t *ctx, uint64_t epoch);
/* DEBRA: recomputes priv.fast_epoch after scan_due or the cap changed. */
void smr_debra_refresh_fast(smr_context_t *ctx);
/* DEBRA+: whether this thread's unfreed nodes are over 4 * neutralize_after. */
bool smr_debra_over_cap(smr_context_t *ctx);
/* DEBRA+: snapshot of every non-NULL protection slot into scratch; count. */
size_t smr_slots_snapshot(smr_context_t *ctx);
bool smr_slots_hold(const smr_context_t *ctx, size_t n, const void *node);
/* DEBRA+: back to the checkpoint smr__cp_arm took in jb (smr/checkpoint.c;
 * x86_64 only: elsewhere no checkpoint saves a resume address in regs). */
void smr_cp_jump(const struct smr__jmp *jb) __attribute__((noreturn));
/* DEBRA+: install the handler for `sig` (0 or -1 with errno). */
int smr_neutralize_install(int sig);
/* The calling thread's in-flight-signal flag (struct smr__shared.inflight). */
uint32_t *smr_neutralize_flag(void);
/* DEBRA+: registry side of unregistration (waits for in-flight signalers). */
void smr_neutralize_leave(smr_context_t *ctx);
/* DEBRA+: forget this thread's armed context (unregistration). */
void smr_neutralize_forget(smr_context_t *ctx);

#endif /* CCMEM_SMR_INTERNAL_H */

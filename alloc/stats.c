/*
 * alloc/stats.c - per-thread allocation counters and their snapshot.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ccmem/alloc.h"
#include "ccmem/atomic.h"
#include "config_internal.h"
#include "stats.h"

#if CC_ALLOC_STATS

enum {
	C_ALLOC_COUNT = CC__C_ALLOC_COUNT,
	C_FREE_COUNT = CC__C_FREE_COUNT,
	C_ALLOC_BYTES = CC__C_ALLOC_BYTES,
	C_FREE_BYTES = CC__C_FREE_BYTES,
	C_UNSIZED = CC__C_UNSIZED,
	C_LIVE = CC__C_LIVE,
	C_NUM = CC__C_NUM
};
typedef struct cc__tstats cc_tstats_t;

_Thread_local struct cc__tstats *cc__tls_stats __attribute__((tls_model("initial-exec")));

static cc_tstats_t *g_head;     /* registry: push-only list, under g_lock */
static uint64_t g_base[C_NUM];  /* values at the last reset, under g_lock */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t g_key;
static pthread_once_t g_key_once = PTHREAD_ONCE_INIT;

/* Thread exit: the record keeps its counts (the totals include exited
 * threads) and becomes free for the next thread that attaches. */
static void detach(void *arg)
{
	cc_tstats_t *rec = arg;
	/* release: the owner's last counter stores are visible to the adopter. */
	cc_atomic_store_release_u32(&rec->owned, 0);
	cc__tls_stats = NULL;
}

static void key_init(void)
{
	if (pthread_key_create(&g_key, detach) != 0)
		abort(); /* only with PTHREAD_KEYS_MAX keys in use: nothing sane to do */
}

static cc_tstats_t *attach(void)
{
	pthread_once(&g_key_once, key_init);
	pthread_mutex_lock(&g_lock);
	cc_tstats_t *rec;
	for (rec = g_head; rec != NULL; rec = rec->next) {
		/* acquire: pairs with the release in detach (the counts we continue). */
		if (cc_atomic_load_acquire_u32(&rec->owned) == 0)
			break;
	}
	if (rec == NULL) {
		/* The C library's allocator: the glue must not recurse into itself. */
		rec = aligned_alloc(CC_CACHE_LINE_SIZE, sizeof *rec);
		if (rec == NULL) {
			pthread_mutex_unlock(&g_lock);
			return NULL;
		}
		memset(rec, 0, sizeof *rec);
		rec->next = g_head;
		g_head = rec;
	}
	cc_atomic_store_relaxed_u32(&rec->owned, 1);
	pthread_mutex_unlock(&g_lock);
	pthread_setspecific(g_key, rec);
	cc__tls_stats = rec;
	return rec;
}

#define bump cc__stats_bump

void cc__stats_count_alloc(size_t bytes, size_t usable)
{
	cc_tstats_t *rec = cc__tls_stats;
	if (CC_UNLIKELY(rec == NULL) && (rec = attach()) == NULL)
		return; /* out of memory for the record itself: this event is lost */
	bump(rec, C_ALLOC_COUNT, 1);
	bump(rec, C_ALLOC_BYTES, bytes);
	bump(rec, C_LIVE, usable);
}

void cc__stats_count_free(size_t bytes, size_t usable, bool sized)
{
	cc_tstats_t *rec = cc__tls_stats;
	if (CC_UNLIKELY(rec == NULL) && (rec = attach()) == NULL)
		return;
	bump(rec, C_FREE_COUNT, 1);
	bump(rec, C_FREE_BYTES, sized ? bytes : usable);
	if (!sized)
		bump(rec, C_UNSIZED, 1);
	bump(rec, C_LIVE, (uint64_t)0 - usable);
}

/* Caller holds g_lock. */
static void sum_locked(uint64_t out[C_NUM])
{
	memset(out, 0, sizeof(uint64_t) * C_NUM);
	for (cc_tstats_t *rec = g_head; rec != NULL; rec = rec->next)
		for (int i = 0; i < C_NUM; i++)
			out[i] += cc_atomic_load_relaxed_u64(&rec->c[i]);
}

cc_alloc_snapshot_t cc_alloc_stats_snapshot(void)
{
	uint64_t s[C_NUM];
	cc_alloc_snapshot_t snap;
	pthread_mutex_lock(&g_lock);
	sum_locked(s);
	snap.alloc_count = s[C_ALLOC_COUNT] - g_base[C_ALLOC_COUNT];
	snap.free_count = s[C_FREE_COUNT] - g_base[C_FREE_COUNT];
	snap.alloc_bytes = s[C_ALLOC_BYTES] - g_base[C_ALLOC_BYTES];
	snap.free_bytes = s[C_FREE_BYTES] - g_base[C_FREE_BYTES];
	snap.unsized_free_count = s[C_UNSIZED] - g_base[C_UNSIZED];
	pthread_mutex_unlock(&g_lock);
	/* the wrapping sum of every thread's live usable bytes, never reset */
	snap.current_allocated = (int64_t)s[C_LIVE] > 0 ? s[C_LIVE] : 0;
	return snap;
}

void cc_alloc_stats_reset(void)
{
	pthread_mutex_lock(&g_lock);
	sum_locked(g_base);
	pthread_mutex_unlock(&g_lock);
}

void cc_alloc_stats_enable(bool enable)
{
	cc__config_update_mode(enable ? CC_MODE_STATS : 0, enable ? 0 : CC_MODE_STATS);
}

bool cc_alloc_stats_enabled(void)
{
	cc__config_ensure();
	return (cc__config_mode() & CC_MODE_STATS) != 0;
}

#else /* !CC_ALLOC_STATS: no trace beyond the API's answers */

void cc__stats_count_alloc(size_t bytes, size_t usable) { (void)bytes; (void)usable; }
void cc__stats_count_free(size_t bytes, size_t usable, bool sized) { (void)bytes; (void)usable; (void)sized; }

cc_alloc_snapshot_t cc_alloc_stats_snapshot(void)
{
	cc_alloc_snapshot_t snap;
	memset(&snap, 0, sizeof snap);
	return snap;
}

void cc_alloc_stats_reset(void) {}

void cc_alloc_stats_enable(bool enable)
{
	if (enable)
		errno = ENOTSUP;
}

bool cc_alloc_stats_enabled(void) { return false; }

#endif /* CC_ALLOC_STATS */

/*
 * src/config.c - run-time configuration of the glue: backend, fault
 * injector, debug fill, and the mode/gate that the inline fast paths test.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccmem/alloc.h"
#include "ccmem/atomic.h"
#include "ccmem/config.h"
#include "config_internal.h"

/* Closed (0) until the environment has been read. */
uint64_t cc__alloc_gate = 0;
uint32_t cc__alloc_stats_fast = 0;
/* The profiler's inline path (ccmem/alloc.h): off (UINT64_MAX) until a
 * profiler runs in the plain mode. */
uint64_t cc__alloc_prof_key = UINT64_MAX;
/* Every free out of line (UINT64_MAX) until the environment has been read. */
uint64_t cc__alloc_free_from = UINT64_MAX;
static uint64_t g_prof_gen;         /* the running profiler's run, 0: none; under g_lock */
static uint64_t g_prof_inline_from; /* its inline free bound (UINT64_MAX: none); under g_lock */
static uint32_t g_ready;         /* 1 once config_init has run (release) */

static uint32_t g_mode;    /* CC_MODE_* bits; written under g_lock */
static uint32_t g_backend; /* cc_backend_t; written under g_lock */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static const char *const g_backend_names[CC_BACKEND_COUNT] = {"mimalloc", "system", "fault"};

/* ---- fault injector ------------------------------------------------------ */

enum { FAULT_OFF = 0, FAULT_NTH = 1, FAULT_RANDOM = 2 };
static uint32_t g_fault_kind;
static uint64_t g_fault_n;         /* FAULT_NTH: the attempt that fails */
static uint64_t g_fault_threshold; /* FAULT_RANDOM: fail when draw < threshold */
static uint64_t g_fault_always;    /* FAULT_RANDOM with p == 1 */
static uint64_t g_fault_seed;
static uint64_t g_fault_attempts;
static uint64_t g_fault_injected;

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

bool cc__fault_should_fail(void)
{
	/* acquire: pairs with the release store of the kind, so the parameters
	 * written before it are seen. */
	uint32_t kind = cc_atomic_load_acquire_u32(&g_fault_kind);
	if (kind == FAULT_OFF)
		return false;
	uint64_t k = cc_atomic_faa_u64(&g_fault_attempts, 1) + 1;
	bool fail;
	if (kind == FAULT_NTH) {
		fail = k == cc_atomic_load_relaxed_u64(&g_fault_n);
	} else {
		uint64_t draw = splitmix64(cc_atomic_load_relaxed_u64(&g_fault_seed) + k * 0xd1342543de82ef95ull);
		fail = cc_atomic_load_relaxed_u64(&g_fault_always) ||
		       draw < cc_atomic_load_relaxed_u64(&g_fault_threshold);
	}
	if (fail)
		cc_atomic_faa_u64(&g_fault_injected, 1);
	return fail;
}

static void fault_arm(uint32_t kind, uint64_t n, uint64_t threshold, uint64_t always, uint64_t seed)
{
	pthread_mutex_lock(&g_lock);
	cc_atomic_store_release_u32(&g_fault_kind, FAULT_OFF);
	cc_atomic_store_relaxed_u64(&g_fault_n, n);
	cc_atomic_store_relaxed_u64(&g_fault_threshold, threshold);
	cc_atomic_store_relaxed_u64(&g_fault_always, always);
	cc_atomic_store_relaxed_u64(&g_fault_seed, seed);
	cc_atomic_store_relaxed_u64(&g_fault_attempts, 0);
	/* release: pairs with the acquire in cc__fault_should_fail. */
	cc_atomic_store_release_u32(&g_fault_kind, kind);
	pthread_mutex_unlock(&g_lock);
}

int cc_config_fault_nth(uint64_t n)
{
	fault_arm(n == 0 ? FAULT_OFF : FAULT_NTH, n, 0, 0, 0);
	return 0;
}

int cc_config_fault_random(double p, uint64_t seed)
{
	if (!(p >= 0.0 && p <= 1.0)) { /* also rejects NaN */
		errno = EINVAL;
		return -1;
	}
	uint64_t threshold = p >= 1.0 ? UINT64_MAX : (uint64_t)ldexp(p, 64);
	fault_arm(p == 0.0 ? FAULT_OFF : FAULT_RANDOM, 0, threshold, p >= 1.0, seed);
	return 0;
}

uint64_t cc_config_fault_injected(void)
{
	return cc_atomic_load_relaxed_u64(&g_fault_injected);
}

/* ---- mode and gate ------------------------------------------------------- */

/* Caller holds g_lock. */
static void mode_store_locked(uint32_t mode)
{
	cc_atomic_store_relaxed_u32(&g_mode, mode);
	/* The gate may open only when no bit is set: in particular never once
	 * CC_MODE_FOREIGN is set, so no non-mimalloc block reaches mi_free.
	 * Relaxed: the thread that allocates a foreign block has read the backend
	 * with acquire after this store (cc__config_backend_acquire), and passes
	 * the block on through its own synchronisation. */
	cc_atomic_store_relaxed_u64(&cc__alloc_gate, mode == 0 ? CC__GATE_OPEN : 0);
	/* Statistics alone (mimalloc backend, nothing foreign) may count inline. */
	cc_atomic_store_relaxed_u32(&cc__alloc_stats_fast, mode == CC_MODE_STATS);
	/* The free bound follows the gate in the plain mode (0: every free is
	 * mi_free inline) and is UINT64_MAX in every other mode but the
	 * profiler's, in particular once CC_MODE_FOREIGN is set (the same
	 * argument as the gate's).
	 * The profiler alone may count inline (mimalloc backend, nothing else).
	 * Both relaxed, like the gate: each is one word, and a free that reads
	 * a stale bound still frees correctly.  A sampled block of the run lies
	 * below every bound the run publishes (the profiler's arena); a block
	 * the run keeps elsewhere was allocated after cc__config_profiler_widen
	 * stored CC__PROF_ALL, which happens before its free (the caller's own
	 * synchronisation), so that free reads CC__PROF_ALL or a later value
	 * (UINT64_MAX once the mode changes: every free then leaves the inline
	 * path). */
	bool prof = mode == CC_MODE_PROFILER && g_prof_gen != 0;
	cc_atomic_store_relaxed_u64(&cc__alloc_free_from, mode == 0 ? 0 : prof ? g_prof_inline_from : UINT64_MAX);
	/* (g_prof_inline_from is CC__PROF_ALL, never UINT64_MAX, while a run is on:
	 * UINT64_MAX means "no inline free" to the glue) */
	cc_atomic_store_relaxed_u64(&cc__alloc_prof_key,
	                            prof ? (g_prof_gen & ((uint64_t)-1 >> CC__PROF_CD_BITS)) << CC__PROF_CD_BITS : UINT64_MAX);
}

void cc__config_set_profiler(uint64_t gen, uint64_t inline_from)
{
	cc__config_ensure();
	pthread_mutex_lock(&g_lock);
	g_prof_gen = gen;
	g_prof_inline_from = gen == 0 ? UINT64_MAX : inline_from < CC__PROF_ALL ? inline_from : CC__PROF_ALL;
	uint32_t mode = cc_atomic_load_relaxed_u32(&g_mode);
	mode_store_locked(gen != 0 ? mode | CC_MODE_PROFILER : mode & ~(uint32_t)CC_MODE_PROFILER);
	pthread_mutex_unlock(&g_lock);
}

void cc__config_profiler_widen(uint64_t gen)
{
	pthread_mutex_lock(&g_lock);
	if (gen != 0 && gen == g_prof_gen && g_prof_inline_from != CC__PROF_ALL) {
		g_prof_inline_from = CC__PROF_ALL;
		mode_store_locked(cc_atomic_load_relaxed_u32(&g_mode));
	}
	pthread_mutex_unlock(&g_lock);
}

void cc__config_update_mode(uint32_t set, uint32_t clear)
{
	cc__config_ensure();
	pthread_mutex_lock(&g_lock);
	uint32_t mode = (cc_atomic_load_relaxed_u32(&g_mode) | set) & ~clear;
	mode_store_locked(mode);
	pthread_mutex_unlock(&g_lock);
}

uint32_t cc__config_mode(void)
{
	return cc_atomic_load_relaxed_u32(&g_mode);
}

/* Caller holds g_lock. */
static void backend_store_locked(cc_backend_t backend)
{
	uint32_t mode = cc_atomic_load_relaxed_u32(&g_mode);
	/* the inline paths call mimalloc, or the C library without it */
	if (backend == (CC_NO_MIMALLOC ? CC_BACKEND_SYSTEM : CC_BACKEND_MIMALLOC))
		mode &= ~(uint32_t)CC_MODE_BACKEND;
	else
		mode |= CC_MODE_BACKEND | CC_MODE_FOREIGN;
	mode_store_locked(mode);
	/* release: pairs with cc__config_backend_acquire; the closed gate and
	 * CC_MODE_FOREIGN are visible to whoever allocates from this backend. */
	cc_atomic_store_release_u32(&g_backend, (uint32_t)backend);
}

cc_backend_t cc__config_backend_acquire(void)
{
	return (cc_backend_t)cc_atomic_load_acquire_u32(&g_backend);
}

static bool env_flag(const char *name, bool *out)
{
	const char *v = getenv(name);
	if (v == NULL || *v == '\0')
		return false;
	if (strcmp(v, "1") == 0 || strcmp(v, "on") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "true") == 0) {
		*out = true;
		return true;
	}
	if (strcmp(v, "0") == 0 || strcmp(v, "off") == 0 || strcmp(v, "no") == 0 || strcmp(v, "false") == 0) {
		*out = false;
		return true;
	}
	fprintf(stderr, "ccmem: %s=%s is not a flag (valid: 1, 0, on, off, yes, no, true, false); ignored\n",
	        name, v);
	return false;
}

/* "nth:N" or "p:P[,seed:S]". */
static void env_fault(void)
{
	const char *v = getenv("CCMEM_FAULT");
	if (v == NULL || *v == '\0')
		return;
	char *end;
	if (strncmp(v, "nth:", 4) == 0) {
		errno = 0;
		unsigned long long n = strtoull(v + 4, &end, 10);
		if (errno == 0 && end != v + 4 && *end == '\0') {
			cc_config_fault_nth(n);
			return;
		}
	} else if (strncmp(v, "p:", 2) == 0) {
		double p = strtod(v + 2, &end);
		unsigned long long seed = 0;
		bool ok = end != v + 2;
		if (ok && strncmp(end, ",seed:", 6) == 0) {
			const char *s = end + 6;
			errno = 0;
			seed = strtoull(s, &end, 10);
			ok = errno == 0 && end != s;
		}
		if (ok && *end == '\0' && cc_config_fault_random(p, seed) == 0)
			return;
	}
	fprintf(stderr, "ccmem: CCMEM_FAULT=%s is not valid (valid: nth:N, p:P or p:P,seed:S with P in [0,1]); "
	                "fault injection stays off\n", v);
}

static void config_init(void)
{
	cc_backend_t backend = CC_SANITIZER_BUILD || CC_NO_MIMALLOC ? CC_BACKEND_SYSTEM : CC_BACKEND_MIMALLOC;
	const char *name = getenv("CCMEM_BACKEND");
	if (name != NULL && *name != '\0') {
		cc_backend_t parsed;
		if (cc_backend_parse(name, &parsed) == 0 && CC_NO_MIMALLOC && parsed == CC_BACKEND_MIMALLOC)
			fprintf(stderr, "ccmem: CCMEM_BACKEND=mimalloc: this build has no mimalloc (CC_NO_MIMALLOC); "
			                "using system\n");
		else if (cc_backend_parse(name, &parsed) == 0)
			backend = parsed;
		else
			fprintf(stderr, "ccmem: unknown CCMEM_BACKEND '%s' (valid: mimalloc, system, fault); using %s\n",
			        name, g_backend_names[backend]);
	}
	uint32_t mode = 0;
	bool flag = CC_DEBUG_FILL_DEFAULT;
	env_flag("CCMEM_DEBUG_FILL", &flag);
	if (flag)
		mode |= CC_MODE_FILL;
	flag = false;
	if (env_flag("CCMEM_ALLOC_STATS", &flag) && flag && CC_ALLOC_STATS)
		mode |= CC_MODE_STATS;
	env_fault();

	pthread_mutex_lock(&g_lock);
	cc_atomic_store_relaxed_u32(&g_mode, mode);
	backend_store_locked(backend);
	pthread_mutex_unlock(&g_lock);
	/* release: pairs with the acquire in cc__config_ensure; what this
	 * function set is visible to a thread that skips pthread_once. */
	cc_atomic_store_release_u32(&g_ready, 1);
}

void cc__config_ensure(void)
{
	/* acquire: pairs with the release at the end of config_init.  The glue's
	 * out-of-line paths call this on every event: one load, not a call into
	 * pthread_once. */
	if (CC_LIKELY(cc_atomic_load_acquire_u32(&g_ready) != 0))
		return;
	pthread_once(&g_once, config_init);
}

/* ---- public API ---------------------------------------------------------- */

int cc_config_set_backend(cc_backend_t backend)
{
	if ((unsigned)backend >= CC_BACKEND_COUNT) {
		errno = EINVAL;
		return -1;
	}
	if (CC_NO_MIMALLOC && backend == CC_BACKEND_MIMALLOC) {
		errno = ENOTSUP; /* a build without mimalloc (CC_NO_MIMALLOC) */
		return -1;
	}
	cc__config_ensure();
	pthread_mutex_lock(&g_lock);
	backend_store_locked(backend);
	pthread_mutex_unlock(&g_lock);
	return 0;
}

cc_backend_t cc_config_backend(void)
{
	cc__config_ensure();
	return cc__config_backend_acquire();
}

const char *cc_backend_name(cc_backend_t backend)
{
	if ((unsigned)backend >= CC_BACKEND_COUNT) {
		errno = EINVAL;
		return NULL;
	}
	return g_backend_names[backend];
}

int cc_backend_parse(const char *name, cc_backend_t *out)
{
	if (name != NULL && out != NULL) {
		for (unsigned i = 0; i < CC_BACKEND_COUNT; i++) {
			if (strcmp(name, g_backend_names[i]) == 0) {
				*out = (cc_backend_t)i;
				return 0;
			}
		}
	}
	errno = EINVAL;
	return -1;
}

void cc_config_set_debug_fill(bool on)
{
	cc__config_update_mode(on ? CC_MODE_FILL : 0, on ? 0 : CC_MODE_FILL);
}

bool cc_config_debug_fill(void)
{
	cc__config_ensure();
	return (cc__config_mode() & CC_MODE_FILL) != 0;
}

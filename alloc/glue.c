/*
 * alloc/glue.c - the out-of-line paths of the allocation glue: validation,
 * backend dispatch, debug fill and statistics, and the hook table
 * (alloc/hook.h) they hand calls to while one is installed.  The inline fast
 * paths are in include/ccmem/alloc.h.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "backend.h"
#include "ccmem/alloc.h"
#include "config_internal.h"
#include "hook.h"
#include "stats.h"

/* The installed hooks (NULL: none).  Set before CC_MODE_PROFILER, cleared
 * after it; a caller that sees the mode bit and NULL here (the bit read
 * relaxed, just before an install completes or just after a removal) takes
 * the glue's own path, like any call racing with a profiler's start/stop. */
static const cc__alloc_hooks_t *g_hooks;

/* The countdown of the inline paths (ccmem/alloc.h): the glue owns it, the
 * hooks set and read it. */
_Thread_local struct cc__tprof cc__tls_prof __attribute__((tls_model("initial-exec"))) = {1, UINT64_MAX};

static inline const cc__alloc_hooks_t *hooks(void)
{
	/* acquire: pairs with the release store in cc__alloc_hooks_install. */
	return cc_atomic_load_acquire_ptr((void *const *)&g_hooks);
}

void cc__alloc_hooks_install(const cc__alloc_hooks_t *h, uint64_t gen, uint64_t inline_from)
{
	if (h != NULL) {
		/* release: the table before the mode bit can send a call to it. */
		cc_atomic_store_release_ptr((void **)&g_hooks, (void *)h);
		cc__config_set_profiler(gen, inline_from);
	} else {
		cc__config_set_profiler(0, UINT64_MAX);
		cc_atomic_store_release_ptr((void **)&g_hooks, NULL);
	}
}

void cc__alloc_hooks_widen(uint64_t gen)
{
	cc__config_profiler_widen(gen);
}

/* size and align are validated; counted is what statistics record.  The
 * slow entry points and this function sit in the hook section
 * (CC__HOOK_TEXT), so captured call stacks can drop the glue's own frames. */
CC__HOOK_TEXT static void *alloc_checked(size_t size, size_t align, bool zero, size_t counted)
{
	uint32_t mode = cc__config_mode();
	/* The one branch the hooks add. */
	if (CC_UNLIKELY(mode & CC_MODE_PROFILER)) {
		const cc__alloc_hooks_t *h = hooks();
		if (h != NULL)
			return h->alloc(size, align, zero, counted, mode);
	}
	return cc__glue_alloc(size, align, zero, counted, mode);
}

/* The hooks were removed after the caller read the mode. */
CC__HOOK_TEXT __attribute__((noinline)) static void *sampled_unhooked(size_t size, size_t align, bool zero,
                                                                      size_t counted)
{
	cc__tls_prof.word = 1; /* this countdown is over */
	return cc__glue_alloc(size, align, zero, counted, cc__config_mode());
}

/* The inline path's sampled allocation (ccmem/alloc.h): the mode was exactly
 * CC_MODE_PROFILER when the caller read it. */
CC__HOOK_TEXT void *cc__alloc_sampled_slow(size_t size, size_t align, bool zero, size_t counted)
{
	const cc__alloc_hooks_t *h = hooks();
	if (CC_LIKELY(h != NULL))
		return h->alloc_sampled(size, align, zero, counted);
	return sampled_unhooked(size, align, zero, counted);
}

/* The inline path's allocation that mimalloc failed (ccmem/alloc.h). */
void *cc__prof_alloc_failed(void)
{
	cc__tls_prof.word++; /* not an allocation: do not count it */
	errno = ENOMEM;
	return NULL;
}

/* Debug fill and statistics of a fresh block (foreign: not mimalloc's). */
static void account(void *p, bool zero, size_t counted, uint32_t mode, bool foreign)
{
	size_t usable = 0;
	if (((mode & CC_MODE_FILL) && !zero) || (CC_ALLOC_STATS && (mode & CC_MODE_STATS)))
		usable = cc__backend_usable_size(p, foreign);
	if ((mode & CC_MODE_FILL) && !zero)
		memset(p, CC_FILL_FRESH, usable);
	if (CC_ALLOC_STATS && (mode & CC_MODE_STATS))
		cc__stats_count_alloc(counted, usable);
}

void *cc__glue_alloc(size_t size, size_t align, bool zero, size_t counted, uint32_t mode)
{
	cc_backend_t backend = cc__config_backend_acquire();
	void *p = cc__backend_alloc(backend, size, align, zero);
	if (p == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	account(p, zero, counted, mode, backend != CC_BACKEND_MIMALLOC);
	return p;
}

void cc__glue_account_alloc(void *ptr, bool zero, size_t counted, uint32_t mode)
{
	account(ptr, zero, counted, mode, false);
}

static void *fail(int err)
{
	errno = err;
	return NULL;
}

CC__HOOK_TEXT void *cc__alloc_slow(size_t size)
{
	cc__config_ensure();
	if (size == 0)
		return fail(EINVAL);
	if (size > PTRDIFF_MAX)
		return fail(ENOMEM);
	return alloc_checked(size, 0, false, size);
}

CC__HOOK_TEXT void *cc__calloc_slow(size_t count, size_t size)
{
	cc__config_ensure();
	size_t total;
	if (count == 0 || size == 0)
		return fail(EINVAL);
	if (__builtin_mul_overflow(count, size, &total) || total > PTRDIFF_MAX)
		return fail(ENOMEM);
	return alloc_checked(total, 0, true, total);
}

CC__HOOK_TEXT void *cc__alloc_aligned_slow(size_t size, size_t alignment)
{
	cc__config_ensure();
	if (size == 0 || !cc__align_ok(alignment))
		return fail(EINVAL);
	if (size > PTRDIFF_MAX - alignment)
		return fail(ENOMEM);
	return alloc_checked(size, alignment, false, size);
}

CC__HOOK_TEXT void *cc__alloc_node_slow(size_t size)
{
	cc__config_ensure();
	if (size == 0)
		return fail(EINVAL);
	if (size > PTRDIFF_MAX - (CC_CACHE_LINE_SIZE - 1))
		return fail(ENOMEM);
	size_t rounded = (size + (CC_CACHE_LINE_SIZE - 1)) & ~(size_t)(CC_CACHE_LINE_SIZE - 1);
	return alloc_checked(rounded, CC_CACHE_LINE_SIZE, false, size);
}

/* The inline path's bound was set, so the mode was exactly "profiler" when
 * the caller read it. */
CC__HOOK_TEXT void cc__free_hooked(void *ptr, size_t size, bool sized)
{
	if (ptr == NULL)
		return;
	const cc__alloc_hooks_t *h = hooks();
	if (CC_LIKELY(h != NULL)) {
		h->free(ptr, size, sized, CC_MODE_PROFILER);
		return;
	}
	cc__free_slow(ptr, size, sized); /* removed meanwhile */
}

void cc__free_slow(void *ptr, size_t size, bool sized)
{
	if (ptr == NULL)
		return;
	uint32_t mode = cc__config_mode();
	/* Hooks alone (every free of a sample_rate 1 run comes here): no more
	 * to check; the mode bit is set only after the configuration is. */
	if (mode != CC_MODE_PROFILER) {
		cc__config_ensure();
		mode = cc__config_mode();
	}
	/* The one branch the hooks add. */
	if (CC_UNLIKELY(mode & CC_MODE_PROFILER)) {
		const cc__alloc_hooks_t *h = hooks();
		if (h != NULL) {
			h->free(ptr, size, sized, mode);
			return;
		}
	}
	cc__glue_free(ptr, size, sized, mode);
}

void cc__glue_free(void *ptr, size_t size, bool sized, uint32_t mode)
{
	bool check_owner = (mode & CC_MODE_FOREIGN) != 0;
	size_t usable = 0;
	if ((mode & CC_MODE_FILL) || (CC_ALLOC_STATS && (mode & CC_MODE_STATS)))
		usable = cc__backend_usable_size(ptr, check_owner);
	if (mode & CC_MODE_FILL)
		memset(ptr, CC_FILL_FREED, usable);
	if (CC_ALLOC_STATS && (mode & CC_MODE_STATS))
		cc__stats_count_free(size, usable, sized);
	cc__backend_free(ptr, check_owner);
}

size_t cc_alloc_usable_size(const void *ptr)
{
	/* check the owner always: the block may be the system backend's */
	return ptr != NULL ? cc__backend_usable_size(ptr, true) : 0;
}

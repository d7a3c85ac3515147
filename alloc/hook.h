/*
 * alloc/hook.h - the glue's one hook interface, and the raw paths a hook
 * calls.  Not installed.
 *
 * While a table of hooks is installed (cc__alloc_hooks_install: a running
 * profiler), the glue's out-of-line paths (alloc/glue.c) hand every call to
 * it, and the inline paths of ccmem/alloc.h count down the thread's
 * cc__tls_prof and call alloc_sampled for the allocation that ends a
 * countdown.  The glue knows nothing else of what is installed; a hook
 * allocates and frees through cc__glue_alloc / cc__glue_free (or, in the
 * plain "hooks only" mode, mimalloc directly, as the inline paths do).  The
 * dependency is one-way: the glue includes this header, the profiler
 * includes it too; the glue includes nothing of the profiler.
 */
#ifndef CCMEM_ALLOC_HOOK_H
#define CCMEM_ALLOC_HOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Functions on the path from the glue's entry points into a hook live in
 * their own section, so that a hook capturing the call stack can drop
 * exactly the frames of ccmem's own allocation path (the linker defines
 * __start_ccmem_hook_text / __stop_ccmem_hook_text).  Tail calls and
 * inlining cannot move a frame out of it. */
#define CC__HOOK_TEXT __attribute__((section("ccmem_hook_text")))

/* Same contracts as cc__glue_alloc / cc__glue_free below; `mode` is the
 * mode the glue read (CC_MODE_* of src/config_internal.h).  alloc_sampled
 * comes from the inline path, whose mode was exactly CC_MODE_PROFILER, with
 * the thread's countdown about to reach 0.  Called on any thread, at any
 * time while installed and shortly after removal (a caller that read the
 * table just before): the table and what it reaches must stay valid for the
 * life of the process. */
typedef struct {
	void *(*alloc)(size_t size, size_t align, bool zero, size_t counted, uint32_t mode);
	void (*free)(void *ptr, size_t size, bool sized, uint32_t mode);
	void *(*alloc_sampled)(size_t size, size_t align, bool zero, size_t counted);
} cc__alloc_hooks_t;

/* Installs `hooks` (static, never freed) for run `gen` (nonzero), or, with
 * hooks NULL, removes them (gen and inline_from ignored).  While the mode is
 * exactly "profiler" the inline free path frees a block at an address >=
 * inline_from itself and hands the others to hooks->free (UINT64_MAX: every
 * free goes to the hooks; cc__free_hooked calls it with mode CC_MODE_PROFILER).  Serialised by the caller (one profiler runs at a
 * time); takes the configuration mutex. */
void cc__alloc_hooks_install(const cc__alloc_hooks_t *hooks, uint64_t gen, uint64_t inline_from);

/* Run gen (the installed one; otherwise nothing happens) keeps a block that
 * the inline bound cannot tell: every free of the run goes to the hooks from
 * now on.  Returns after the change is published, so the caller may then
 * return such a block.  Takes the configuration mutex (a rare event: call it
 * once per run). */
void cc__alloc_hooks_widen(uint64_t gen);

/* The glue's allocation and free for a validated request in `mode`: backend
 * dispatch, debug fill and statistics.  Any thread.  NULL/ENOMEM when the
 * backend fails. */
void *cc__glue_alloc(size_t size, size_t align, bool zero, size_t counted, uint32_t mode);
void cc__glue_free(void *ptr, size_t size, bool sized, uint32_t mode);

/* What cc__glue_alloc does after the backend call (debug fill, statistics),
 * for a mimalloc block a hook allocated itself (from its own heap) in
 * `mode`.  Any thread. */
void cc__glue_account_alloc(void *ptr, bool zero, size_t counted, uint32_t mode);

#endif /* CCMEM_ALLOC_HOOK_H */

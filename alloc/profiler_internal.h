/*
 * alloc/profiler_internal.h - what the glue (alloc/glue.c) and the profiler
 * (alloc/profiler*.c) share.  Not installed.
 *
 * The glue's out-of-line paths test CC_MODE_PROFILER once; while it is set
 * they hand the call to cc__prof_alloc / cc__prof_free, which count it down,
 * and for a sampled event count, time and index the block, around
 * cc__glue_alloc / cc__glue_free (the glue's own backend dispatch, fill and
 * statistics).  In the plain mode the unsampled events never get here (the
 * inline path in ccmem/alloc.h), and the sampled allocation enters through
 * cc__prof_alloc_sampled.
 */
#ifndef CCMEM_ALLOC_PROFILER_INTERNAL_H
#define CCMEM_ALLOC_PROFILER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ccmem/profiler.h"

/* Functions on the path from the glue's entry points to the stack capture
 * live in their own section, so a captured stack can drop exactly the frames
 * of ccmem's own allocation path (the linker defines __start_/__stop_ for
 * it).  Tail calls and inlining cannot move a frame out of it. */
#define CC__HOOK_TEXT __attribute__((section("ccmem_hook_text")))

/* The glue's allocation and free, for a validated request, in `mode`. */
void *cc__glue_alloc(size_t size, size_t align, bool zero, size_t counted, uint32_t mode);
void cc__glue_free(void *ptr, size_t size, bool sized, uint32_t mode);

/* The profiler's hooks: same contract as the two above. */
void *cc__prof_alloc(size_t size, size_t align, bool zero, size_t counted, uint32_t mode);
void cc__prof_free(void *ptr, size_t size, bool sized, uint32_t mode);

/* ---- between profiler.c and the exporters ---------------------------------------- */

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

/* The report as JSON (the keys of the seed's MemoryProfilerReport). */
void cc__prof_json(cc__sb_t *b, const cc_profiler_report_t *r);

/* Writes buf to path through a temporary file renamed over it: 0 or -1/errno. */
int cc__prof_write_file(const char *path, const char *buf, size_t len);

/* The HTML dashboard (alloc/profiler_html.c). */
void cc__prof_html(cc__sb_t *b, const cc_profiler_report_t *r);

#endif /* CCMEM_ALLOC_PROFILER_INTERNAL_H */

/*
 * python/src/frames.c - the Python frame source of captured stacks
 * (cc_profiler_set_frame_source in include/ccmem/profiler.h): a leaked block
 * allocated while Python code runs names the Python lines that allocated it,
 * "file:line in function", innermost first, before the native frames.
 *
 * A token is an index into a table of (code object, line) pairs, each with
 * its text formatted once; the table holds a reference to each code object
 * so that its address cannot be reused for another, and the table lives as
 * long as the process (ccmem keeps stacks that long).  One mutex guards it:
 * capture runs on an allocating thread that holds the GIL (or is attached,
 * on free-threaded builds), describe on whichever thread builds a report,
 * with or without the GIL.  Nothing under the mutex waits for the GIL.
 *
 * Capture runs inside an allocation, so it must not run Python code: the
 * frame objects it may create could start a garbage collection (and so
 * finalisers), so the collector is paused around the walk, and a pending
 * exception is kept aside and put back.
 */
#include "ext.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct frame_entry {
	PyCodeObject *code; /* strong reference */
	int line;
	bool internal; /* in the package's own folder */
	char *text;
};

/* Frames of files under this folder (the package's own Python code) are
 * left out at the innermost end of a stack, so that a stack starts at the
 * user's line that called into the package. */
static char *g_internal_prefix;
static size_t g_internal_len;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct frame_entry *g_entries; /* token t is g_entries[t - 1] */
static size_t g_count, g_cap;
static uint32_t *g_slots; /* open addressing: token, 0 empty */
static size_t g_mask;     /* slots - 1 */

/* Frames kept at most (a stack beyond it names its innermost frames). */
#define MAX_ENTRIES ((size_t)1 << 20)

static size_t slot_of(const PyCodeObject *code, int line)
{
	uint64_t h = ((uint64_t)(uintptr_t)code >> 4) * 0x9E3779B97F4A7C15ull ^ (uint64_t)(unsigned)line * 0xC2B2AE3D27D4EB4Full;
	return (size_t)(h ^ (h >> 29));
}

static int grow_slots(void)
{
	size_t n = g_slots == NULL ? 1024 : (g_mask + 1) * 2;
	uint32_t *s = calloc(n, sizeof *s);
	if (s == NULL)
		return -1;
	for (size_t t = 1; t <= g_count; t++) {
		size_t i = slot_of(g_entries[t - 1].code, g_entries[t - 1].line) & (n - 1);
		while (s[i] != 0)
			i = (i + 1) & (n - 1);
		s[i] = (uint32_t)t;
	}
	free(g_slots);
	g_slots = s;
	g_mask = n - 1;
	return 0;
}

static const char *utf8_or(PyObject *s, const char *fallback)
{
	const char *u = s != NULL && PyUnicode_Check(s) ? PyUnicode_AsUTF8(s) : NULL;
	if (u == NULL) {
		PyErr_Clear();
		return fallback;
	}
	return u;
}

/* The token of (code, line), entered on first sight; 0 if the table is
 * full or memory is short.  Caller holds g_lock and the GIL. */
static uint32_t intern(PyCodeObject *code, int line)
{
	if (g_slots == NULL && grow_slots() != 0)
		return 0;
	size_t i = slot_of(code, line) & g_mask;
	for (; g_slots[i] != 0; i = (i + 1) & g_mask) {
		const struct frame_entry *e = &g_entries[g_slots[i] - 1];
		if (e->code == code && e->line == line)
			return g_slots[i];
	}
	if (g_count >= MAX_ENTRIES)
		return 0;
	if (g_count == g_cap) {
		size_t nc = g_cap ? g_cap * 2 : 256;
		struct frame_entry *ne = realloc(g_entries, nc * sizeof *ne);
		if (ne == NULL)
			return 0;
		g_entries = ne;
		g_cap = nc;
	}
#if PY_VERSION_HEX >= 0x030B0000
	PyObject *name = code->co_qualname;
#else
	PyObject *name = code->co_name;
#endif
	const char *file = utf8_or(code->co_filename, "?"), *func = utf8_or(name, "?");
	size_t len = strlen(file) + strlen(func) + 32;
	char *text = malloc(len);
	if (text == NULL)
		return 0;
	snprintf(text, len, "%s:%d in %s", file, line, func);
	Py_INCREF(code);
	bool internal = g_internal_prefix != NULL && strncmp(file, g_internal_prefix, g_internal_len) == 0;
	g_entries[g_count] = (struct frame_entry){code, line, internal, text};
	uint32_t t = (uint32_t)++g_count;
	g_slots[i] = t;
	if (g_count * 2 > g_mask + 1)
		(void)grow_slots(); /* on failure the table just gets fuller */
	return t;
}

static size_t capture(void *arg, uint64_t *out, size_t max)
{
	(void)arg;
	if (!PyGILState_Check())
		return 0; /* a thread without Python (or not holding the GIL) */
	PyThreadState *ts = PyThreadState_Get();
	/* leave room for the native frames below the interpreter */
	size_t limit = max > 16 ? max - 8 : max / 2;
	PyObject *et, *ev, *tb;
	PyErr_Fetch(&et, &ev, &tb);
	int gc_was_on = PyGC_Disable();
	size_t n = 0;
	PyFrameObject *f = PyThreadState_GetFrame(ts);
	pthread_mutex_lock(&g_lock);
	while (f != NULL && n < limit) {
		PyCodeObject *code = PyFrame_GetCode(f);
		uint32_t t = intern(code, PyFrame_GetLineNumber(f));
		Py_DECREF(code);
		if (t != 0 && (n > 0 || !g_entries[t - 1].internal))
			out[n++] = t;
		PyFrameObject *back = PyFrame_GetBack(f);
		Py_DECREF(f);
		f = back;
	}
	pthread_mutex_unlock(&g_lock);
	Py_XDECREF(f);
	if (gc_was_on)
		PyGC_Enable();
	PyErr_Clear(); /* a frame object that could not be made */
	PyErr_Restore(et, ev, tb);
	return n;
}

static const char *describe(void *arg, uint64_t token)
{
	(void)arg;
	const char *text = NULL;
	pthread_mutex_lock(&g_lock);
	if (token >= 1 && token <= g_count)
		text = g_entries[token - 1].text; /* never freed: stable after unlock */
	pthread_mutex_unlock(&g_lock);
	return text;
}

static const cc_profiler_frame_source_t source = {capture, describe, NULL};

int ccpy_frames_set_internal(const char *folder)
{
	size_t len = strlen(folder);
	char *copy = malloc(len + 2);
	if (copy == NULL)
		return -1;
	memcpy(copy, folder, len);
	copy[len] = '/';
	copy[len + 1] = '\0';
	pthread_mutex_lock(&g_lock);
	char *old = g_internal_prefix;
	if (old == NULL || strcmp(old, copy) != 0) {
		g_internal_prefix = copy; /* entries made before keep their flag */
		g_internal_len = len + 1;
		copy = NULL;
	}
	pthread_mutex_unlock(&g_lock);
	free(copy);
	(void)old; /* kept: entries' flags were computed against it (a few bytes, once) */
	return 0;
}

const cc_profiler_frame_source_t *ccpy_frame_source(void)
{
	return &source;
}

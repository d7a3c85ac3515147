/*
 * alloc/profiler/strbuf.c - the string builder of the profiler's exports and
 * the file writer they share (a temporary file renamed over the target, so no
 * partial file is left behind).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>
#include <unistd.h>

#include "profiler_internal.h"

/* ---- string builder --------------------------------------------------------------- */

static bool sb_reserve(cc__sb_t *b, size_t extra)
{
	if (b->failed)
		return false;
	if (b->len + extra + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->len + extra + 1)
		cap *= 2;
	char *n = realloc(b->s, cap);
	if (n == NULL) {
		b->failed = true;
		return false;
	}
	b->s = n;
	b->cap = cap;
	return true;
}

void cc__sb_putn(cc__sb_t *b, const char *s, size_t n)
{
	if (!sb_reserve(b, n))
		return;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void cc__sb_puts(cc__sb_t *b, const char *s)
{
	cc__sb_putn(b, s, strlen(s));
}

void cc__sb_printf(cc__sb_t *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !sb_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* ---- files -------------------------------------------------------------------------- */

int cc__prof_write_file(const char *path, const char *buf, size_t len)
{
	if (path == NULL || *path == '\0') {
		errno = EINVAL;
		return -1;
	}
	size_t pl = strlen(path);
	char *tmp = malloc(pl + 32);
	if (tmp == NULL) {
		errno = ENOMEM;
		return -1;
	}
	snprintf(tmp, pl + 32, "%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");
	if (f == NULL) {
		int e = errno;
		free(tmp);
		errno = e;
		return -1;
	}
	size_t w = fwrite(buf, 1, len, f);
	int e = w == len ? 0 : (errno ? errno : EIO);
	if (fclose(f) != 0 && e == 0)
		e = errno ? errno : EIO;
	if (e == 0 && rename(tmp, path) != 0)
		e = errno;
	if (e != 0) {
		unlink(tmp);
		free(tmp);
		errno = e;
		return -1;
	}
	free(tmp);
	return 0;
}


int cc__sb_finish_file(cc__sb_t *b, const char *path)
{
	if (b->failed) {
		free(b->s);
		errno = ENOMEM;
		return -1;
	}
	int rc = cc__prof_write_file(path, b->s ? b->s : "", b->len);
	int e = errno;
	free(b->s);
	errno = e;
	return rc;
}

void cc__pf_iso8601(double unix_s, char *buf, size_t cap)
{
	time_t t = (time_t)floor(unix_s);
	struct tm tm;
	gmtime_r(&t, &tm);
	int us = (int)((unix_s - floor(unix_s)) * 1e6);
	if (us > 999999)
		us = 999999;
	snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	         tm.tm_hour, tm.tm_min, tm.tm_sec, us);
}

/* stress/harness.c - see harness.h. */
#include "harness.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

double sh_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bool sh_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool sh_parse_count(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v <= 0)
		return false;
	*out = (uint64_t)v;
	return true;
}

bool sh_parse_seconds(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || *end || !(v > 0 && v < 86400))
		return false;
	*out = v;
	return true;
}

void sh_progress(const char *fmt, ...)
{
	bool tty = isatty(2);
	va_list ap;
	va_start(ap, fmt);
	if (tty)
		fputs("\r\033[K", stderr);
	vfprintf(stderr, fmt, ap);
	if (!tty)
		fputc('\n', stderr);
	va_end(ap);
}

void sh_progress_end(void)
{
	if (isatty(2))
		fputc('\n', stderr);
}

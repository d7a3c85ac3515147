/*
 * stress/harness.h - what every stress harness shares: option values that
 * parse strictly, a monotonic clock, the progress line.
 */
#ifndef CCMEM_STRESS_HARNESS_H
#define CCMEM_STRESS_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

/* Seconds on the monotonic clock. */
double sh_now(void);

/* A whole number in [min, max]: false for anything else (junk, overflow). */
bool sh_parse_long(const char *s, long min, long max, long *out);

/* A count above 0 (up to 2^63 - 1). */
bool sh_parse_count(const char *s, uint64_t *out);

/* A number of seconds above 0 and below a day. */
bool sh_parse_seconds(const char *s, double *out);

/* Prints one progress line on stderr: rewritten in place on a terminal,
 * one line each on anything else. */
void sh_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Ends the progress line (a newline on a terminal). */
void sh_progress_end(void);

/* xorshift64: the threads' operation streams (seed must not be 0). */
static inline uint64_t sh_rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

#endif

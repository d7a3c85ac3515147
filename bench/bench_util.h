/* bench/bench_util.h - timing, medians, progress and report files for the benchmarks. */
#ifndef CCMEM_BENCH_UTIL_H
#define CCMEM_BENCH_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

uint64_t bu_now_ns(void);
double bu_median(double *v, size_t n); /* sorts v */

/* A progress line on stderr, redrawn in place when stderr is a terminal. */
void bu_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void bu_progress_done(void);

/* Opens path for writing, creating its parent folder; NULL with a message. */
FILE *bu_open_out(const char *path);

#endif

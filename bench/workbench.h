/*
 * bench/workbench.h - what the workbench's files share (bench/workbench.c):
 * the settings, the per-cell results and the functions each file offers.
 *
 *   workbench.c    the command line and main
 *   wb_measure.c   one cell in a child process; the comparison and the
 *                  stalled-thread experiment (fills g_agg and g_stall)
 *   wb_report.c    the goals, the terminal table, JSON and CSV
 *   wb_html.c      the HTML page
 *   wb_profile.c   the profiled run (a MemoryProfiler dashboard)
 *
 * Single-threaded: the workbench's own process only starts children and
 * writes reports; the measured threads run in the children.
 */
#ifndef CCMEM_BENCH_WORKBENCH_H
#define CCMEM_BENCH_WORKBENCH_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dsb.h"

#define MAX_RUNS 64
#define MAX_TLIST 16

typedef struct wb_settings {
	bool st[DSB_NSTRUCT], var[DSB_NVAR], work[DSB_NWORK], back[DSB_NBACK];
	int threads[MAX_TLIST], nthreads;
	double duration; /* seconds per run */
	int runs;
	double stall;    /* seconds; 0: no stall experiment */
	double profile;  /* seconds of the profiled run; 0: none */
	int stall_struct, stall_threads;
	const char *out;
	uint64_t seed;
	bool full;
} wb_settings_t;

extern wb_settings_t S;
extern char g_cmdline[4096];    /* the command, for the reports */
extern char g_dir[PATH_MAX];    /* the folder of this binary (and of its sibling) */

/* Every (allocator, structure, workload, threads, variant) cell of the run,
 * in report order. */
#define FOR_EACH_CELL(b, s, w, t, v)                                                                   \
	for (int b = 0; b < DSB_NBACK; b++)                                                                \
		for (int s = 0; s < DSB_NSTRUCT; s++)                                                          \
			for (int w = 0; w < DSB_NWORK; w++)                                                        \
				for (int t = 0; t < S.nthreads; t++)                                                   \
					for (int v = 0; v < DSB_NVAR; v++)

typedef struct agg {
	bool have;
	int nok;
	double mops, backlog, rss_mib;
	double ev_pm[3]; /* DEBRA+'s signals, restarts and waits per million operations */
	uint64_t peak;
	double samples[MAX_RUNS];
} agg_t;

extern agg_t g_agg[DSB_NBACK][DSB_NSTRUCT][DSB_NWORK][MAX_TLIST][DSB_NVAR];

typedef struct stallres {
	bool have;
	unsigned n;
	uint64_t *series;
} stallres_t;
extern stallres_t g_stall[DSB_NVAR];
extern int g_stall_backend;

#define SAMPLE_NS 10000000ull       /* 10 ms: backlog sampling */
#define STALL_SAMPLE_NS 50000000ull /* 50 ms: the stall series */

/* wb_measure.c */
int child_main(const char *spec);
bool work_applies(int s, int w);
int count_cells(void);
void run_comparison(void);
void run_stall(void);
bool stall_grows(const stallres_t *st);

/* wb_report.c */
double ratio(const agg_t *a, const agg_t *base);
void print_table(void);
void goals_report(FILE *f);
void print_stall(void);
void machine(char *buf, size_t len);
void write_json(const char *path, const char *mach);
void write_csv(const char *path, const char *stall_path);

/* wb_html.c */
void write_html(const char *path, const char *mach);

/* wb_profile.c */
int profile_run(void);

#endif

/*
 * bench/wb_measure.c - the workbench's measurements: one cell in a fresh
 * child process (the workbench execs itself, or its no-mimalloc sibling, with
 * --_cell and reads a dsb_result_t back through a pipe), the interleaved
 * comparison (medians over rounds into g_agg) and the stalled-thread
 * experiment (the pending series into g_stall).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dlfcn.h>

#include <ccmem.h>

#include "bench_util.h"
#include "dsb.h"
#include "workbench.h"


/* ---- one cell in a child process -------------------------------------------------- */

int child_main(const char *spec)
{
	dsb_cell_t c;
	unsigned long long dur, samp, seed;
	if (sscanf(spec, "%d,%d,%d,%d,%d,%d,%llu,%llu,%llu", &c.structure, &c.workload, &c.variant, &c.backend,
	           &c.threads, &c.stall, &dur, &samp, &seed) != 9 || c.structure < 0 || c.structure >= DSB_NSTRUCT ||
	    c.workload < 0 || c.workload >= DSB_NWORK || c.variant < 0 || c.variant >= DSB_NVAR || c.backend < 0 ||
	    c.backend >= DSB_NBACK || c.threads < 1 || c.threads > DSB_MAX_THREADS || samp == 0) {
		fprintf(stderr, "ccmem-workbench: bad cell '%s'\n", spec);
		return 2;
	}
	c.duration_ns = dur, c.sample_ns = samp, c.seed = seed;
	/* The allocator must be the one the cell names: the system binary has no
	 * mimalloc anywhere in the process. */
	bool has_mi = dlsym(RTLD_DEFAULT, "mi_malloc") != NULL;
	if (has_mi != (c.backend == DSB_B_MIMALLOC)) {
		fprintf(stderr, "ccmem-workbench: cell wants %s but mimalloc is %sloaded in this binary\n",
		        dsb_back_name[c.backend], has_mi ? "" : "not ");
		return 1;
	}
	alarm((unsigned)(dur / 1000000000u) + 30); /* a hung cell ends; the parent reports it */
	static dsb_result_t r;
	memset(&r, 0, sizeof r);
	dsb_run_cell(&c, &r);
	size_t len = offsetof(dsb_result_t, samples) + r.nsamples * sizeof r.samples[0];
	const char *p = (const char *)&r;
	while (len > 0) {
		ssize_t n = write(1, p, len);
		if (n <= 0)
			_exit(1);
		p += n, len -= (size_t)n;
	}
	_exit(r.ok ? 0 : 1); /* no teardown: the cell's structures die with the process */
}

/* Runs c in a fresh process of the binary for its backend; r->ok = 0 on failure. */
static void run_child(const dsb_cell_t *c, dsb_result_t *r)
{
	memset(r, 0, offsetof(dsb_result_t, samples));
	char exe[PATH_MAX + 64], spec[256];
	snprintf(exe, sizeof exe, "%s/%s", g_dir, c->backend == DSB_B_SYSTEM ? "ccmem-workbench-system" : "ccmem-workbench");
	snprintf(spec, sizeof spec, "%d,%d,%d,%d,%d,%d,%llu,%llu,%llu", c->structure, c->workload, c->variant,
	         c->backend, c->threads, c->stall, (unsigned long long)c->duration_ns,
	         (unsigned long long)c->sample_ns, (unsigned long long)c->seed);
	int fd[2];
	if (pipe(fd) != 0) {
		fprintf(stderr, "ccmem-workbench: pipe: %s\n", strerror(errno));
		return;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "ccmem-workbench: fork: %s\n", strerror(errno));
		close(fd[0]), close(fd[1]);
		return;
	}
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]), close(fd[1]);
		execl(exe, exe, "--_cell", spec, (char *)NULL);
		fprintf(stderr, "ccmem-workbench: cannot run %s: %s\n", exe, strerror(errno));
		_exit(127);
	}
	close(fd[1]);
	size_t got = 0, cap = sizeof *r;
	char *p = (char *)r;
	for (;;) {
		ssize_t n = read(fd[0], p + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd[0]);
	int status;
	struct rusage ru;
	while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
		;
	size_t head = offsetof(dsb_result_t, samples);
	if (got < head || r->magic != DSB_RESULT_MAGIC || got != head + r->nsamples * sizeof r->samples[0] ||
	    !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (WIFSIGNALED(status))
			fprintf(stderr, "ccmem-workbench: %s %s %d threads: killed by signal %d\n",
			        dsb_var_name[c->variant], dsb_struct_name[c->structure], c->threads, WTERMSIG(status));
		r->ok = 0;
		return;
	}
	r->peak_rss_kb = ru.ru_maxrss;
}

/* ---- the comparison ------------------------------------------------------------------ */

agg_t g_agg[DSB_NBACK][DSB_NSTRUCT][DSB_NWORK][MAX_TLIST][DSB_NVAR];
stallres_t g_stall[DSB_NVAR];
int g_stall_backend;

bool work_applies(int s, int w)
{
	return (s != DSB_QUEUE && s != DSB_PUBQ && s != DSB_PUBQ_S) || w == DSB_W_UPDATE; /* a queue has no lookup */
}

int count_cells(void)
{
	int n = 0;
	FOR_EACH_CELL(b, s, w, t, v)
		n += S.back[b] && S.st[s] && S.work[w] && work_applies(s, w) && S.var[v] &&
		     dsb_variant_applies(v, s);
	return n;
}

void run_comparison(void)
{
	int total = count_cells() * S.runs, done = 0;
	static dsb_result_t r;
	static double raw[DSB_NBACK][DSB_NSTRUCT][DSB_NWORK][MAX_TLIST][DSB_NVAR][6][MAX_RUNS];
	uint64_t t_start = bu_now_ns();
	for (int run = 0; run < S.runs; run++)
		for (int s = 0; s < DSB_NSTRUCT; s++)
			for (int w = 0; w < DSB_NWORK; w++)
				for (int t = 0; t < S.nthreads; t++)
					for (int b = 0; b < DSB_NBACK; b++) {
						if (!S.back[b] || !S.st[s] || !S.work[w] || !work_applies(s, w))
							continue;
						for (int k = 0; k < DSB_NVAR; k++) {
							int v = (k + run) % DSB_NVAR; /* rotated: no variant always first */
							if (!S.var[v] || !dsb_variant_applies(v, s))
								continue;
							double el = (double)(bu_now_ns() - t_start) / 1e9;
							double eta = done ? el / done * (total - done) : 0;
							bu_progress("[%d/%d] run %d/%d  %-8s %-6s %2d thr  %-8s %-8s  ETA %.0f s", done + 1,
							            total, run + 1, S.runs, dsb_struct_name[s], dsb_work_name[w],
							            S.threads[t], dsb_var_name[v], dsb_back_name[b], eta);
							dsb_cell_t c = {.structure = s, .workload = w, .variant = v, .backend = b,
							                .threads = S.threads[t], .stall = 0,
							                .duration_ns = (uint64_t)(S.duration * 1e9),
							                .sample_ns = SAMPLE_NS, .seed = S.seed + (uint64_t)run * 7919};
							run_child(&c, &r);
							done++;
							agg_t *a = &g_agg[b][s][w][t][v];
							a->have = true;
							if (!r.ok) {
								bu_progress_done();
								fprintf(stderr, "ccmem-workbench: %s %s %s %d threads (%s) failed in run %d\n",
								        dsb_var_name[v], dsb_struct_name[s], dsb_work_name[w], S.threads[t],
								        dsb_back_name[b], run + 1);
								continue;
							}
							int i = a->nok++;
							raw[b][s][w][t][v][0][i] = r.mops;
							raw[b][s][w][t][v][1][i] = r.avg_pending;
							raw[b][s][w][t][v][2][i] = (double)r.peak_rss_kb / 1024.0;
							double mop = r.ops ? (double)r.ops / 1e6 : 1.0;
							raw[b][s][w][t][v][3][i] = (double)r.signals / mop;
							raw[b][s][w][t][v][4][i] = (double)r.restarts / mop;
							raw[b][s][w][t][v][5][i] = (double)r.waits / mop;
							a->samples[i] = r.mops;
							a->peak = r.peak_pending > a->peak ? r.peak_pending : a->peak;
						}
					}
	bu_progress_done();
	FOR_EACH_CELL(b, s, w, t, v) {
		agg_t *a = &g_agg[b][s][w][t][v];
		if (a->nok == 0)
			continue;
		a->mops = bu_median(raw[b][s][w][t][v][0], (size_t)a->nok);
		a->backlog = bu_median(raw[b][s][w][t][v][1], (size_t)a->nok);
		a->rss_mib = bu_median(raw[b][s][w][t][v][2], (size_t)a->nok);
		for (int e = 0; e < 3; e++)
			a->ev_pm[e] = bu_median(raw[b][s][w][t][v][3 + e], (size_t)a->nok);
	}
}

void run_stall(void)
{
	int b = S.back[DSB_B_MIMALLOC] ? DSB_B_MIMALLOC : DSB_B_SYSTEM;
	g_stall_backend = b;
	static dsb_result_t r;
	for (int v = 0; v < DSB_NVAR; v++) {
		if (v == DSB_V_NONE || !S.var[v] || !dsb_variant_applies(v, S.stall_struct))
			continue; /* SMR_NONE frees nothing, stalled or not */
		bu_progress("stalled thread: %-8s on the %s, %d workers, %.1f s", dsb_var_name[v],
		            dsb_struct_name[S.stall_struct], S.stall_threads, S.stall);
		dsb_cell_t c = {.structure = S.stall_struct, .workload = DSB_W_UPDATE, .variant = v, .backend = b,
		                .threads = S.stall_threads, .stall = 1, .duration_ns = (uint64_t)(S.stall * 1e9),
		                .sample_ns = STALL_SAMPLE_NS, .seed = S.seed};
		run_child(&c, &r);
		if (!r.ok) {
			bu_progress_done();
			fprintf(stderr, "ccmem-workbench: stall experiment of %s failed\n", dsb_var_name[v]);
			continue;
		}
		g_stall[v].have = true;
		g_stall[v].n = r.nsamples;
		g_stall[v].series = malloc(r.nsamples * sizeof(uint64_t));
		if (g_stall[v].series == NULL) {
			g_stall[v].have = false;
			continue;
		}
		memcpy(g_stall[v].series, r.samples, r.nsamples * sizeof(uint64_t));
	}
	bu_progress_done();
}

/* Grows: over the second half of the experiment pending rose by more than a
 * fifth of its mid-point value and by more than 20000 nodes (a bounded scheme
 * has reached its plateau by then; an unbounded one keeps adding every node
 * retired since the stall). */
bool stall_grows(const stallres_t *st)
{
	unsigned n = st->n;
	if (n < 4)
		return false;
	double mid = (double)st->series[n / 2], end = (double)st->series[n - 1];
	return end - mid > 0.2 * mid && end - mid > 20000;
}

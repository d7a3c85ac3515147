/*
 * bench/workbench.c - the main job: ccmem's reclamation schemes against the
 * peers a user would pick instead, on the same structures, in the same run.
 *
 * Variants: ccmem SMR_NONE, IBR, DEBRA, DEBRA+ (the library's structures);
 * the same structure sources compiled against ck_epoch and liburcu-memb
 * (bench/adapters); and the peers' own queues (liburcu cds_lfq, CK
 * ck_fifo_mpmc).  Structures: queue, skip list, BST, and "pubqueue", a
 * Michael-Scott queue written against each library's public API only
 * (bench/pubq/: what a user's own structure pays).  Each measurement (a
 * cell) runs in a fresh process: the workbench execs itself (or its
 * no-mimalloc sibling, ccmem-workbench-system, for the system allocator), so
 * every variant starts from the same allocator state and its peak RSS is its
 * own.  Rounds interleave the variants (rotated order) so machine drift
 * cancels; figures are medians over rounds.
 *
 * Then the stalled-thread experiment: one thread enters an operation and
 * stops while the others run the update workload; pending nodes (retired,
 * not yet freed) are sampled over time for every scheme.
 *
 * Output: a table on stdout, OUT/workbench.json, OUT/workbench.csv,
 * OUT/stall.csv and OUT/workbench.html (self-contained, inline SVG).
 * --help lists the options; bad arguments: one line on stderr, exit 2.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <dlfcn.h>

#include <ccmem.h>
#include <ccmem/bst.h>
#include <ccmem/queue.h>
#include <ccmem/skiplist.h>
#include <pthread.h>

#include "bench_util.h"
#include "dsb.h"

#define MAX_RUNS 64
#define MAX_TLIST 16

/* ---- settings ------------------------------------------------------------------ */

static struct {
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
} S;

static char g_cmdline[4096];

/* Every (allocator, structure, workload, threads, variant) cell of the run,
 * in report order. */
#define FOR_EACH_CELL(b, s, w, t, v)                                                                   \
	for (int b = 0; b < DSB_NBACK; b++)                                                                \
		for (int s = 0; s < DSB_NSTRUCT; s++)                                                          \
			for (int w = 0; w < DSB_NWORK; w++)                                                        \
				for (int t = 0; t < S.nthreads; t++)                                                   \
					for (int v = 0; v < DSB_NVAR; v++)

static const char *const USAGE =
    "usage: ccmem-workbench [options]\n"
    "Compares ccmem's reclamation schemes with Concurrency Kit's ck_epoch and liburcu (memb) on\n"
    "the same lock-free structures, then runs the stalled-thread experiment.  With no options: a\n"
    "short comparison (about a minute on 2 cores).  Prints a table and writes OUT/workbench.json,\n"
    "OUT/workbench.csv, OUT/stall.csv and OUT/workbench.html; then a profiled run (a MemoryProfiler\n"
    "over the three structures under DEBRA+, alloc on one thread, free on others) writes\n"
    "OUT/memory_profile.{html,json,csv,prom}.\n"
    "\n"
    "  --structure LIST   queue,skiplist,bst,pubqueue,pubqueue_s or all   (default all)\n"
    "                     (pubqueue: a queue written against each library's public API;\n"
    "                     pubqueue_s: the same, compiled once per scheme with SMR_SCHEME)\n"
    "  --scheme LIST      none,ibr,debra,debra+ (ccmem), ck_epoch, urcu (our structures on the\n"
    "                     peers), urcu_lfq, ck_fifo (the peers' own queues) or all (default all)\n"
    "  --workload LIST    update (50% insert, 50% remove: the IBR paper's), read (90% lookup)\n"
    "                     or all; the queue runs 50% enqueue, 50% dequeue     (default update)\n"
    "  --threads LIST     worker threads per run, e.g. 1,2,4,8            (default 1,2,8)\n"
    "  --duration SEC     timed part of one run                            (default 0.2)\n"
    "  --runs N           interleaved rounds; figures are medians          (default 3)\n"
    "  --backend NAME     mimalloc, system (glibc malloc, run by the sibling binary\n"
    "                     ccmem-workbench-system, which does not link mimalloc) or both\n"
    "                                                                      (default mimalloc)\n"
    "  --stall SEC        length of the stalled-thread experiment, 0 to skip (default 2)\n"
    "  --stall-structure NAME  structure of the stall experiment            (default skiplist)\n"
    "  --stall-threads N  worker threads beside the stalled one            (default 2)\n"
    "  --full             the full benchmark: --workload all --threads 1,2,4,8 --duration 1\n"
    "                     --runs 5 --stall 5 (about 13 minutes per backend on 2 cores)\n"
    "  --neutralize-after N  DEBRA+'s smr_options_t.neutralize_after (default batch_size, 64)\n"
    "  --check            verify each map's invariants after each run (cc_*_check; slow for\n"
    "                     the skip list, whose check is quadratic)\n"
    "  --profile SEC      length of the profiled run, 0 to skip             (default 1)\n"
    "  --seed N           random seed                                      (default 1)\n"
    "  --out DIR          folder of the report files                      (default out)\n"
    "  --help             this text\n"
    "Maps: keys uniform in [0, 100000), prefilled with 50000 keys; the queue is prefilled with\n"
    "50000 values.  Figures: Mops/s (all threads), the ratio to SMR_NONE of the same run,\n"
    "backlog (pending nodes, sampled every 10 ms and averaged: the IBR paper's retired objects\n"
    "per operation), peak pending nodes and the peak RSS of the run's process; the JSON and CSV\n"
    "add DEBRA+'s neutralisation signals, restarted operations and back-pressure waits per\n"
    "million operations.\n";

static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("ccmem-workbench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs(" (see --help)\n", stderr);
	va_end(ap);
	return 2;
}

static int find_name(const char *const *names, int n, const char *s, size_t len)
{
	for (int i = 0; i < n; i++)
		if (strlen(names[i]) == len && strncmp(names[i], s, len) == 0)
			return i;
	return -1;
}

/* "a,b,c" or "all" into set[]; -1 and a message on an unknown name. */
static int parse_set(const char *opt, const char *arg, const char *const *names, int n, bool *set)
{
	memset(set, 0, (size_t)n * sizeof *set);
	if (strcmp(arg, "all") == 0) {
		for (int i = 0; i < n; i++)
			set[i] = true;
		return 0;
	}
	const char *p = arg;
	for (;;) {
		size_t len = strcspn(p, ",");
		int k = find_name(names, n, p, len);
		if (k < 0) {
			char valid[256] = "";
			for (int i = 0; i < n; i++)
				snprintf(valid + strlen(valid), sizeof valid - strlen(valid), "%s%s", i ? ", " : "", names[i]);
			bad("%s: unknown name '%.*s' (valid: %s, all)", opt, (int)len, p, valid);
			return -1;
		}
		set[k] = true;
		if (p[len] == '\0')
			return 0;
		p += len + 1;
	}
}

static int parse_threads(const char *arg)
{
	S.nthreads = 0;
	const char *p = arg;
	for (;;) {
		char *end;
		errno = 0;
		long v = strtol(p, &end, 10);
		if (end == p || errno || v < 1 || v > DSB_MAX_THREADS || (*end != ',' && *end != '\0') ||
		    S.nthreads == MAX_TLIST)
			return bad("--threads: '%s' is not a list of at most %d counts from 1 to %d, e.g. 1,2,4,8", arg,
			           MAX_TLIST, DSB_MAX_THREADS);
		S.threads[S.nthreads++] = (int)v;
		if (*end == '\0')
			return 0;
		p = end + 1;
	}
}

static int parse_double(const char *opt, const char *arg, double lo, double hi, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(arg, &end);
	if (end == arg || *end || errno || !(v >= lo && v <= hi))
		return bad("%s: '%s' is not a number from %g to %g", opt, arg, lo, hi);
	*out = v;
	return 0;
}

static int parse_int(const char *opt, const char *arg, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(arg, &end, 10);
	if (end == arg || *end || errno || v < lo || v > hi)
		return bad("%s: '%s' is not a whole number from %ld to %ld", opt, arg, lo, hi);
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv)
{
	bool set_work = false, set_threads = false, set_dur = false, set_runs = false, set_stall = false;
	for (int i = 0; i < DSB_NSTRUCT; i++)
		S.st[i] = true;
	for (int i = 0; i < DSB_NVAR; i++)
		S.var[i] = true;
	S.work[DSB_W_UPDATE] = true;
	S.back[CC_NO_MIMALLOC ? DSB_B_SYSTEM : DSB_B_MIMALLOC] = true;
	S.threads[0] = 1, S.threads[1] = 2, S.threads[2] = 8, S.nthreads = 3;
	S.duration = 0.2, S.runs = 3, S.stall = 2, S.stall_struct = DSB_SKIPLIST, S.stall_threads = 2;
	S.out = "out";
	S.seed = 1;
	S.profile = 1;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
			fputs(USAGE, stdout);
			exit(0);
		}
		if (strcmp(o, "--full") == 0) {
			S.full = true;
			continue;
		}
		if (strcmp(o, "--check") == 0) {
			setenv("CCMEM_WB_CHECK", "1", 1); /* read by the cells (bench/dsb_family.h) */
			continue;
		}
		if (strcmp(o, "--neutralize-after") == 0 && i + 1 < argc) {
			char *end;
			unsigned long v = strtoul(argv[i + 1], &end, 10);
			if (*end != '\0' || v == 0 || v > UINT32_MAX)
				return bad("--neutralize-after: a count of at least 1, not '%s'", argv[i + 1]);
			setenv("CCMEM_WB_NEUTRALIZE_AFTER", argv[++i], 1); /* read by the ccmem cells (bench/dsb_ccmem.c) */
			continue;
		}
		static const char *const with_arg[] = {"--structure", "--scheme", "--workload", "--threads",
		                                       "--duration", "--runs", "--backend", "--stall",
		                                       "--stall-structure", "--stall-threads", "--seed", "--out",
		                                       "--profile"};
		bool known = false;
		for (size_t k = 0; k < sizeof with_arg / sizeof *with_arg; k++)
			known |= strcmp(o, with_arg[k]) == 0;
		if (!known)
			return bad("unknown option '%s'", o);
		if (i + 1 >= argc)
			return bad("%s needs a value", o);
		const char *a = argv[++i];
		long v;
		int rc = 0;
		if (strcmp(o, "--structure") == 0)
			rc = parse_set(o, a, dsb_struct_name, DSB_NSTRUCT, S.st) ? 2 : 0;
		else if (strcmp(o, "--scheme") == 0)
			rc = parse_set(o, a, dsb_var_name, DSB_NVAR, S.var) ? 2 : 0;
		else if (strcmp(o, "--workload") == 0)
			rc = parse_set(o, a, dsb_work_name, DSB_NWORK, S.work) ? 2 : 0, set_work = true;
		else if (strcmp(o, "--backend") == 0) {
			int k = find_name(dsb_back_name, DSB_NBACK, a, strlen(a));
			if (strcmp(a, "both") == 0)
				S.back[0] = S.back[1] = true;
			else if (k < 0)
				rc = bad("--backend: unknown name '%s' (valid: mimalloc, system, both)", a);
			else
				S.back[0] = S.back[1] = false, S.back[k] = true;
		} else if (strcmp(o, "--threads") == 0)
			rc = parse_threads(a), set_threads = true;
		else if (strcmp(o, "--duration") == 0)
			rc = parse_double(o, a, 0.01, 3600, &S.duration), set_dur = true;
		else if (strcmp(o, "--stall") == 0)
			rc = parse_double(o, a, 0, 600, &S.stall), set_stall = true;
		else if (strcmp(o, "--profile") == 0)
			rc = parse_double(o, a, 0, 600, &S.profile);
		else if (strcmp(o, "--runs") == 0) {
			rc = parse_int(o, a, 1, MAX_RUNS, &v), set_runs = true;
			S.runs = (int)v;
		} else if (strcmp(o, "--stall-threads") == 0) {
			rc = parse_int(o, a, 1, DSB_MAX_THREADS - 1, &v);
			S.stall_threads = (int)v;
		} else if (strcmp(o, "--seed") == 0) {
			rc = parse_int(o, a, 0, LONG_MAX, &v);
			S.seed = (uint64_t)v;
		} else if (strcmp(o, "--stall-structure") == 0) {
			S.stall_struct = find_name(dsb_struct_name, DSB_NSTRUCT, a, strlen(a));
			if (S.stall_struct < 0)
				rc = bad("--stall-structure: unknown name '%s' (valid: queue, skiplist, bst, pubqueue, pubqueue_s)", a);
		} else {
			if (*a == '\0')
				rc = bad("--out needs a folder name");
			S.out = a;
		}
		if (rc)
			return 2;
	}
	if (S.full) {
		if (!set_work)
			S.work[DSB_W_UPDATE] = S.work[DSB_W_READ] = true;
		if (!set_threads)
			S.threads[0] = 1, S.threads[1] = 2, S.threads[2] = 4, S.threads[3] = 8, S.nthreads = 4;
		if (!set_dur)
			S.duration = 1;
		if (!set_runs)
			S.runs = 5;
		if (!set_stall)
			S.stall = 5;
	}
	bool any = false;
	for (int v = 0; v < DSB_NVAR; v++)
		for (int s = 0; s < DSB_NSTRUCT; s++)
			any |= S.var[v] && S.st[s] && dsb_variant_applies(v, s);
	if (!any)
		return bad("no scheme of --scheme applies to a structure of --structure (urcu_lfq and ck_fifo are queues)");
	return 0;
}

/* ---- one cell in a child process -------------------------------------------------- */

static char g_dir[PATH_MAX];

static int child_main(const char *spec)
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

typedef struct agg {
	bool have;
	int nok;
	double mops, backlog, rss_mib;
	double ev_pm[3]; /* DEBRA+'s signals, restarts and waits per million operations */
	uint64_t peak;
	double samples[MAX_RUNS];
} agg_t;

static agg_t g_agg[DSB_NBACK][DSB_NSTRUCT][DSB_NWORK][MAX_TLIST][DSB_NVAR];

typedef struct stallres {
	bool have;
	unsigned n;
	uint64_t *series;
} stallres_t;
static stallres_t g_stall[DSB_NVAR];
static int g_stall_backend;

static const uint64_t SAMPLE_NS = 10000000;       /* 10 ms: backlog sampling */
static const uint64_t STALL_SAMPLE_NS = 50000000; /* 50 ms: the stall series */

static bool work_applies(int s, int w)
{
	return (s != DSB_QUEUE && s != DSB_PUBQ && s != DSB_PUBQ_S) || w == DSB_W_UPDATE; /* a queue has no lookup */
}

static int count_cells(void)
{
	int n = 0;
	FOR_EACH_CELL(b, s, w, t, v)
		n += S.back[b] && S.st[s] && S.work[w] && work_applies(s, w) && S.var[v] &&
		     dsb_variant_applies(v, s);
	return n;
}

static void run_comparison(void)
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

static void run_stall(void)
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
static bool stall_grows(const stallres_t *st)
{
	unsigned n = st->n;
	if (n < 4)
		return false;
	double mid = (double)st->series[n / 2], end = (double)st->series[n - 1];
	return end - mid > 0.2 * mid && end - mid > 20000;
}

/* ---- goals ------------------------------------------------------------------------------ */

typedef struct goal {
	int scheme, peer;
	double min;
} goal_t;
static const goal_t GOALS[] = {
    {DSB_V_DEBRA, DSB_V_CK, 1.0},   {DSB_V_DEBRAP, DSB_V_CK, 0.95}, {DSB_V_IBR, DSB_V_CK, 0.9},
    {DSB_V_IBR, DSB_V_URCU, 1.3},   {DSB_V_DEBRA, DSB_V_URCU, 1.3}, {DSB_V_DEBRAP, DSB_V_URCU, 1.3},
};
#define NGOALS (sizeof GOALS / sizeof *GOALS)

static bool goal_thread(int threads)
{
	return threads == 1 || threads == 2 || threads == 8;
}

/* ---- report ----------------------------------------------------------------------------- */

static double ratio(const agg_t *a, const agg_t *base)
{
	return a->nok && base->nok && base->mops > 0 ? a->mops / base->mops : NAN;
}

static void print_table(void)
{
	for (int b = 0; b < DSB_NBACK; b++)
		for (int s = 0; s < DSB_NSTRUCT; s++)
			for (int w = 0; w < DSB_NWORK; w++) {
				if (!S.back[b] || !S.st[s] || !S.work[w] || !work_applies(s, w))
					continue;
				printf("\n%s, %s workload, %s allocator\n", dsb_struct_name[s],
				       s == DSB_QUEUE || s == DSB_PUBQ || s == DSB_PUBQ_S ? "50% enqueue / 50% dequeue"
				       : w == DSB_W_UPDATE ? "update (50% insert / 50% remove)"
				                           : "read-mostly (90% lookup)",
				       dsb_back_name[b]);
				printf("  %3s  %-9s %9s %8s %8s %8s %12s %12s %9s\n", "thr", "scheme", "Mops/s", "x none",
				       "x ck", "x urcu", "backlog", "peak pend.", "RSS MiB");
				for (int t = 0; t < S.nthreads; t++)
					for (int v = 0; v < DSB_NVAR; v++) {
						agg_t *a = &g_agg[b][s][w][t][v];
						if (!a->have)
							continue;
						if (a->nok == 0) {
							printf("  %3d  %-9s %9s\n", S.threads[t], dsb_var_name[v], "FAILED");
							continue;
						}
						agg_t *row = g_agg[b][s][w][t];
						printf("  %3d  %-9s %9.3f %8.2f %8.2f %8.2f %12.0f %12llu %9.1f\n", S.threads[t],
						       dsb_var_name[v], a->mops, ratio(a, &row[DSB_V_NONE]), ratio(a, &row[DSB_V_CK]),
						       ratio(a, &row[DSB_V_URCU]), a->backlog, (unsigned long long)a->peak, a->rss_mib);
					}
			}
}

/* Prints (and writes to f, as JSON objects, when f is not NULL) every goal check. */
static void goals_report(FILE *f)
{
	int met = 0, missed = 0;
	bool first = true;
	if (f == NULL)
		printf("\ngoals (ratios of medians from this run; threads 1, 2 and 8):\n");
	for (size_t g = 0; g < NGOALS; g++) {
		const goal_t *G = &GOALS[g];
		if (!S.var[G->scheme] || !S.var[G->peer])
			continue;
		if (f == NULL)
			printf("  %-7s >= %.2fx %-8s:", dsb_var_name[G->scheme], G->min, dsb_var_name[G->peer]);
		for (int b = 0; b < DSB_NBACK; b++)
			for (int s = 0; s < DSB_NSTRUCT; s++)
				for (int w = 0; w < DSB_NWORK; w++)
					for (int t = 0; t < S.nthreads; t++) {
						agg_t *row = g_agg[b][s][w][t];
						if (!goal_thread(S.threads[t]) || !row[G->scheme].nok || !row[G->peer].nok)
							continue;
						double x = ratio(&row[G->scheme], &row[G->peer]);
						bool ok = x >= G->min;
						if (f != NULL) {
							fprintf(f, "%s\n    {\"scheme\": \"%s\", \"peer\": \"%s\", \"min\": %.2f, \"backend\": \"%s\", "
							           "\"structure\": \"%s\", \"workload\": \"%s\", \"threads\": %d, \"ratio\": %.4f, "
							           "\"met\": %s}",
							        first ? "" : ",", dsb_var_name[G->scheme], dsb_var_name[G->peer], G->min,
							        dsb_back_name[b], dsb_struct_name[s], dsb_work_name[w], S.threads[t], x,
							        ok ? "true" : "false");
							first = false;
						} else {
							printf(" %s%s/%s/%d%s %.2f%s", ok ? "" : "[", dsb_struct_name[s],
							       w == DSB_W_UPDATE ? "u" : "r", S.threads[t],
							       S.back[0] && S.back[1] ? (b ? "/sys" : "/mi") : "", x, ok ? "" : " MISSED]");
						}
						ok ? met++ : missed++;
					}
		if (f == NULL)
			printf("\n");
	}
	if (f == NULL)
		printf("  %d met, %d missed (structure/workload u=update r=read/threads ratio)\n", met, missed);
}

static void print_stall(void)
{
	bool any = false;
	for (int v = 0; v < DSB_NVAR; v++)
		any |= g_stall[v].have;
	if (!any)
		return;
	printf("\nstalled thread: one thread stops inside an operation; %d threads run the update workload on "
	       "the %s (%s allocator)\n", S.stall_threads, dsb_struct_name[S.stall_struct], dsb_back_name[g_stall_backend]);
	printf("  %-9s %12s %12s %12s %12s   %s\n", "scheme", "pending 25%", "50%", "75%", "end", "verdict");
	for (int v = 0; v < DSB_NVAR; v++) {
		stallres_t *st = &g_stall[v];
		if (!st->have || st->n == 0)
			continue;
		unsigned n = st->n;
		printf("  %-9s %12llu %12llu %12llu %12llu   %s\n", dsb_var_name[v],
		       (unsigned long long)st->series[n / 4], (unsigned long long)st->series[n / 2],
		       (unsigned long long)st->series[3 * n / 4], (unsigned long long)st->series[n - 1],
		       stall_grows(st) ? "grows (unbounded)" : "bounded");
	}
}

static void machine(char *buf, size_t len)
{
	char model[256] = "unknown cpu";
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (f) {
		char line[512];
		while (fgets(line, sizeof line, f))
			if (strncmp(line, "model name", 10) == 0) {
				char *p = strchr(line, ':');
				if (p) {
					p += 1 + strspn(p + 1, " \t");
					p[strcspn(p, "\n")] = '\0';
					snprintf(model, sizeof model, "%s", p);
				}
				break;
			}
		fclose(f);
	}
	struct utsname u;
	uname(&u);
	snprintf(buf, len, "%s, %ld cpus, Linux %s", model, sysconf(_SC_NPROCESSORS_ONLN), u.release);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json_num(FILE *f, double x)
{
	if (isfinite(x))
		fprintf(f, "%.6g", x);
	else
		fputs("null", f);
}

static void write_json(const char *path, const char *mach)
{
	FILE *f = bu_open_out(path);
	if (!f)
		return;
	fprintf(f, "{\n  \"tool\": \"ccmem-workbench\", \"version\": \"%s\",\n  \"machine\": ", CCMEM_VERSION_STRING);
	json_str(f, mach);
	fprintf(f, ",\n  \"command\": ");
	json_str(f, g_cmdline);
	fprintf(f, ",\n  \"settings\": {\"duration_s\": %g, \"runs\": %d, \"keys\": %u, \"prefill\": %u, "
	           "\"backlog_sample_ms\": %llu, \"stall_s\": %g, \"stall_threads\": %d, \"stall_structure\": \"%s\"},\n",
	        S.duration, S.runs, DSB_KEYS, DSB_PREFILL, (unsigned long long)(SAMPLE_NS / 1000000), S.stall,
	        S.stall_threads, dsb_struct_name[S.stall_struct]);
	fprintf(f, "  \"results\": [");
	bool first = true;
	FOR_EACH_CELL(b, s, w, t, v) {
		agg_t *a = &g_agg[b][s][w][t][v], *row = g_agg[b][s][w][t];
		if (!a->have)
			continue;
		fprintf(f, "%s\n    {\"backend\": \"%s\", \"structure\": \"%s\", \"workload\": \"%s\", "
		           "\"threads\": %d, \"scheme\": \"%s\", \"runs_ok\": %d, \"mops\": ",
		        first ? "" : ",", dsb_back_name[b], dsb_struct_name[s], dsb_work_name[w],
		        S.threads[t], dsb_var_name[v], a->nok);
		first = false;
		json_num(f, a->nok ? a->mops : NAN);
		fprintf(f, ", \"mops_runs\": [");
		for (int i = 0; i < a->nok; i++)
			fprintf(f, "%s%.6g", i ? ", " : "", a->samples[i]);
		fprintf(f, "], \"ratio_none\": ");
		json_num(f, ratio(a, &row[DSB_V_NONE]));
		fprintf(f, ", \"ratio_ck_epoch\": ");
		json_num(f, ratio(a, &row[DSB_V_CK]));
		fprintf(f, ", \"ratio_urcu\": ");
		json_num(f, ratio(a, &row[DSB_V_URCU]));
		fprintf(f, ", \"backlog\": ");
		json_num(f, a->nok ? a->backlog : NAN);
		fprintf(f, ", \"peak_pending\": %llu, \"peak_rss_mib\": ", (unsigned long long)a->peak);
		json_num(f, a->nok ? a->rss_mib : NAN);
		fprintf(f, ", \"signals_per_mop\": %.6g, \"restarts_per_mop\": %.6g, \"waits_per_mop\": %.6g}",
		        a->ev_pm[0], a->ev_pm[1], a->ev_pm[2]);
	}
	fprintf(f, "\n  ],\n  \"goals\": [");
	goals_report(f);
	fprintf(f, "\n  ],\n  \"stall\": {\"backend\": \"%s\", \"sample_ms\": %llu, \"series\": [",
	        dsb_back_name[g_stall_backend], (unsigned long long)(STALL_SAMPLE_NS / 1000000));
	first = true;
	for (int v = 0; v < DSB_NVAR; v++) {
		stallres_t *st = &g_stall[v];
		if (!st->have)
			continue;
		fprintf(f, "%s\n    {\"scheme\": \"%s\", \"grows\": %s, \"pending\": [", first ? "" : ",", dsb_var_name[v],
		        stall_grows(st) ? "true" : "false");
		first = false;
		for (unsigned i = 0; i < st->n; i++)
			fprintf(f, "%s%llu", i ? ", " : "", (unsigned long long)st->series[i]);
		fprintf(f, "]}");
	}
	fprintf(f, "\n  ]}\n}\n");
	fclose(f);
}

static void write_csv(const char *path, const char *stall_path)
{
	FILE *f = bu_open_out(path);
	if (f) {
		fprintf(f, "backend,structure,workload,threads,scheme,runs_ok,mops,ratio_none,ratio_ck_epoch,ratio_urcu,"
		           "backlog,peak_pending,peak_rss_mib,signals_per_mop,restarts_per_mop,waits_per_mop\n");
		FOR_EACH_CELL(b, s, w, t, v) {
			agg_t *a = &g_agg[b][s][w][t][v], *row = g_agg[b][s][w][t];
			if (!a->have || !a->nok)
				continue;
			fprintf(f, "%s,%s,%s,%d,%s,%d,%.6g,%.4f,%.4f,%.4f,%.1f,%llu,%.1f,%.2f,%.2f,%.2f\n", dsb_back_name[b],
			        dsb_struct_name[s], dsb_work_name[w], S.threads[t], dsb_var_name[v], a->nok, a->mops,
			        ratio(a, &row[DSB_V_NONE]), ratio(a, &row[DSB_V_CK]), ratio(a, &row[DSB_V_URCU]),
			        a->backlog, (unsigned long long)a->peak, a->rss_mib, a->ev_pm[0], a->ev_pm[1], a->ev_pm[2]);
		}
		fclose(f);
	}
	f = bu_open_out(stall_path);
	if (f) {
		fprintf(f, "scheme,time_s,pending\n");
		for (int v = 0; v < DSB_NVAR; v++)
			for (unsigned i = 0; g_stall[v].have && i < g_stall[v].n; i++)
				fprintf(f, "%s,%.3f,%llu\n", dsb_var_name[v], (double)(i + 1) * (double)STALL_SAMPLE_NS / 1e9,
				        (unsigned long long)g_stall[v].series[i]);
		fclose(f);
	}
}

/* ---- the HTML page: inline SVG, no script, no external resource ---------------------- */

static const char *const COLOR[DSB_NVAR] = {"#888888", "#1f77b4", "#2ca02c", "#17becf",
                                            "#d62728", "#ff7f0e", "#9467bd", "#8c564b"};

typedef struct chart {
	FILE *f;
	double x0, x1, y0, y1; /* data range */
	bool logx;
} chart_t;

enum { CW = 460, CH = 280, ML = 64, MR = 110, MT = 28, MB = 40 };

static double cx(const chart_t *c, double x)
{
	double a = c->logx ? log2(x) : x, lo = c->logx ? log2(c->x0) : c->x0, hi = c->logx ? log2(c->x1) : c->x1;
	return ML + (hi > lo ? (a - lo) / (hi - lo) : 0.5) * (CW - ML - MR);
}

static double cy(const chart_t *c, double y)
{
	return CH - MB - (c->y1 > c->y0 ? (y - c->y0) / (c->y1 - c->y0) : 0) * (CH - MT - MB);
}

static double nice_ceil(double y)
{
	if (y <= 0)
		return 1;
	double m = pow(10, floor(log10(y)));
	for (double k = 1; k <= 10; k += (k < 2 ? 0.5 : 1))
		if (k * m >= y)
			return k * m;
	return 10 * m;
}

static void chart_open(chart_t *c, const char *title, const char *xlabel, const char *ylabel)
{
	FILE *f = c->f;
	fprintf(f, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' font-family='sans-serif' font-size='11'>\n",
	        CW, CH);
	fprintf(f, "<text x='%d' y='16' font-size='12' font-weight='bold'>%s</text>\n", ML, title);
	fprintf(f, "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='#000'/>\n", ML, CH - MB, CW - MR, CH - MB);
	fprintf(f, "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='#000'/>\n", ML, MT, ML, CH - MB);
	for (int i = 0; i <= 4; i++) {
		double y = c->y0 + (c->y1 - c->y0) * i / 4;
		fprintf(f, "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='#ddd'/>", ML, cy(c, y), CW - MR, cy(c, y));
		fprintf(f, "<text x='%d' y='%.1f' text-anchor='end'>%.3g</text>\n", ML - 4, cy(c, y) + 4, y);
	}
	fprintf(f, "<text x='%d' y='%d' text-anchor='middle'>%s</text>\n", (ML + CW - MR) / 2, CH - 6, xlabel);
	fprintf(f, "<text x='12' y='%d' transform='rotate(-90 12 %d)' text-anchor='middle'>%s</text>\n",
	        (MT + CH - MB) / 2, (MT + CH - MB) / 2, ylabel);
}

static void chart_line(chart_t *c, int v, int legend_row, const double *xs, const double *ys, int n)
{
	FILE *f = c->f;
	fprintf(f, "<polyline fill='none' stroke='%s' stroke-width='2' points='", COLOR[v]);
	for (int i = 0; i < n; i++)
		fprintf(f, "%.1f,%.1f ", cx(c, xs[i]), cy(c, ys[i]));
	fprintf(f, "'/>\n");
	if (n <= 16)
		for (int i = 0; i < n; i++)
			fprintf(f, "<circle cx='%.1f' cy='%.1f' r='2.5' fill='%s'/>", cx(c, xs[i]), cy(c, ys[i]), COLOR[v]);
	fprintf(f, "<rect x='%d' y='%d' width='10' height='10' fill='%s'/><text x='%d' y='%d'>%s</text>\n", CW - MR + 8,
	        MT + 16 * legend_row, COLOR[v], CW - MR + 22, MT + 9 + 16 * legend_row, dsb_var_name[v]);
}

static void write_html(const char *path, const char *mach)
{
	FILE *f = bu_open_out(path);
	if (!f)
		return;
	fprintf(f, "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>ccmem workbench</title>\n"
	           "<style>body{font-family:sans-serif;margin:24px;max-width:1500px}svg{margin:6px;border:1px solid #eee}"
	           "table{border-collapse:collapse;font-size:12px}td,th{padding:2px 8px;text-align:right;"
	           "border-bottom:1px solid #eee}</style></head><body>\n");
	fprintf(f, "<h1>ccmem workbench</h1>\n<p>ccmem %s on %s.<br>Command: <code>%s</code><br>"
	           "Each point: median of %d interleaved runs of %.2f s; each run a fresh process.</p>\n",
	        CCMEM_VERSION_STRING, mach, g_cmdline, S.runs, S.duration);
	fprintf(f, "<h2>Throughput against threads</h2>\n<div>\n");
	for (int b = 0; b < DSB_NBACK; b++)
		for (int s = 0; s < DSB_NSTRUCT; s++)
			for (int w = 0; w < DSB_NWORK; w++) {
				if (!S.back[b] || !S.st[s] || !S.work[w] || !work_applies(s, w))
					continue;
				chart_t c = {.f = f, .x0 = 1e300, .x1 = 0, .y0 = 0, .y1 = 0, .logx = true};
				for (int t = 0; t < S.nthreads; t++) {
					c.x0 = fmin(c.x0, S.threads[t]);
					c.x1 = fmax(c.x1, S.threads[t]);
					for (int v = 0; v < DSB_NVAR; v++)
						if (g_agg[b][s][w][t][v].nok)
							c.y1 = fmax(c.y1, g_agg[b][s][w][t][v].mops);
				}
				c.y1 = nice_ceil(c.y1);
				char title[160];
				snprintf(title, sizeof title, "%s, %s, %s", dsb_struct_name[s],
				         s == DSB_QUEUE || s == DSB_PUBQ || s == DSB_PUBQ_S ? "enqueue/dequeue" : w == DSB_W_UPDATE ? "50/50 update" : "90% lookup",
				         dsb_back_name[b]);
				chart_open(&c, title, "threads (log scale)", "Mops/s");
				for (int t = 0; t < S.nthreads; t++)
					fprintf(f, "<text x='%.1f' y='%d' text-anchor='middle'>%d</text>", cx(&c, S.threads[t]),
					        CH - MB + 14, S.threads[t]);
				int row = 0;
				for (int v = 0; v < DSB_NVAR; v++) {
					double xs[MAX_TLIST], ys[MAX_TLIST];
					int n = 0;
					for (int t = 0; t < S.nthreads; t++)
						if (g_agg[b][s][w][t][v].nok)
							xs[n] = S.threads[t], ys[n++] = g_agg[b][s][w][t][v].mops;
					if (n)
						chart_line(&c, v, row++, xs, ys, n);
				}
				fprintf(f, "</svg>\n");
			}
	fprintf(f, "</div>\n");
	bool any = false;
	for (int v = 0; v < DSB_NVAR; v++)
		any |= g_stall[v].have;
	if (any) {
		fprintf(f, "<h2>Pending nodes with one thread stalled inside an operation</h2>\n<p>%d threads run the "
		           "update workload on the %s (%s allocator) while one more thread stops inside an operation; "
		           "pending = retired and not yet freed, sampled every %llu ms.</p>\n",
		        S.stall_threads, dsb_struct_name[S.stall_struct], dsb_back_name[g_stall_backend],
		        (unsigned long long)(STALL_SAMPLE_NS / 1000000));
		chart_t c = {.f = f, .x0 = 0, .x1 = S.stall, .y0 = 0, .y1 = 0};
		for (int v = 0; v < DSB_NVAR; v++)
			for (unsigned i = 0; g_stall[v].have && i < g_stall[v].n; i++)
				c.y1 = fmax(c.y1, (double)g_stall[v].series[i]);
		c.y1 = nice_ceil(c.y1);
		chart_open(&c, "pending nodes, one thread stalled", "seconds", "pending nodes");
		for (int i = 0; i <= 4; i++)
			fprintf(f, "<text x='%.1f' y='%d' text-anchor='middle'>%.3g</text>", cx(&c, S.stall * i / 4),
			        CH - MB + 14, S.stall * i / 4);
		int row = 0;
		for (int v = 0; v < DSB_NVAR; v++) {
			stallres_t *st = &g_stall[v];
			if (!st->have || st->n == 0)
				continue;
			double *xs = malloc(st->n * sizeof *xs), *ys = malloc(st->n * sizeof *ys);
			if (xs && ys) {
				for (unsigned i = 0; i < st->n; i++)
					xs[i] = (double)(i + 1) * (double)STALL_SAMPLE_NS / 1e9, ys[i] = (double)st->series[i];
				chart_line(&c, v, row++, xs, ys, (int)st->n);
			}
			free(xs);
			free(ys);
		}
		fprintf(f, "</svg>\n");
	}
	/* The table, as on stdout. */
	fprintf(f, "<h2>Figures</h2>\n<table><tr><th>allocator</th><th>structure</th><th>workload</th><th>threads</th>"
	           "<th>scheme</th><th>Mops/s</th><th>&times; none</th><th>&times; ck_epoch</th><th>&times; urcu</th>"
	           "<th>backlog</th><th>peak pending</th><th>peak RSS MiB</th></tr>\n");
	FOR_EACH_CELL(b, s, w, t, v) {
		agg_t *a = &g_agg[b][s][w][t][v], *row = g_agg[b][s][w][t];
		if (!a->nok)
			continue;
		fprintf(f, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%d</td><td>%s</td><td>%.3f</td>"
		           "<td>%.2f</td><td>%.2f</td><td>%.2f</td><td>%.0f</td><td>%llu</td><td>%.1f</td></tr>\n",
		        dsb_back_name[b], dsb_struct_name[s], dsb_work_name[w], S.threads[t], dsb_var_name[v],
		        a->mops, ratio(a, &row[DSB_V_NONE]), ratio(a, &row[DSB_V_CK]),
		        ratio(a, &row[DSB_V_URCU]), a->backlog, (unsigned long long)a->peak, a->rss_mib);
	}
	fprintf(f, "</table>\n</body></html>\n");
	fclose(f);
}

/* ---- the profiled run: the main job's memory dashboard (ccmem/profiler.h) ---------- */

typedef struct {
	smr_domain_t *d;
	cc_queue_t *q;
	cc_skiplist_t *sl;
	cc_bst_t *bst;
	int role; /* 0: producer (allocates), 1: consumer (retires and frees) */
	uint64_t seed, ops;
	volatile int *stop;
	char name[16]; /* thread name in the dashboard: allocating, freeing-1, ... */
} prof_arg_t;

static void *prof_thread(void *p)
{
	prof_arg_t *a = p;
	pthread_setname_np(pthread_self(), a->name); /* before its first allocation: the profiler reads it then */
	smr_context_t *c = smr_thread_register(a->d);
	if (c == NULL)
		return NULL;
	while (!*a->stop) {
		a->seed ^= a->seed << 13; /* xorshift64 */
		a->seed ^= a->seed >> 7;
		a->seed ^= a->seed << 17;
		uint64_t r = a->seed, key = r % 100000;
		if (a->role == 0) { /* alloc in A: queue nodes and map inserts */
			cc_queue_enqueue(a->q, c, r);
			if (r & 1)
				cc_skiplist_insert(a->sl, c, key, r);
			else
				cc_bst_insert(a->bst, c, key, r);
		} else { /* retire and free in B/C: other threads' nodes */
			uint64_t v;
			cc_queue_dequeue(a->q, c, &v);
			if (r & 1)
				cc_skiplist_remove(a->sl, c, key, NULL);
			else
				cc_bst_remove(a->bst, c, key, NULL);
			if ((a->ops & 255) == 0)
				smr_poll(c);
		}
		a->ops++;
	}
	smr_thread_unregister(c);
	return NULL;
}

/* One producer and two consumers on the three structures under DEBRA+ for
 * S.profile seconds with a MemoryProfiler running (sizes, latency, per-thread
 * and cross-thread tracking, leaks; stacks for 1 % of the blocks would cost
 * ~17k instructions each, so none), then the four exports.  0, or -1. */
static int profile_run(void)
{
	cc_profiler_options_t po;
	cc_profiler_options_init(&po);
	po.track_per_thread = true;
	po.detect_leaks = true;
	cc_profiler_t *prof = cc_profiler_create(&po);
	if (prof == NULL || cc_profiler_start(prof) != 0) {
		fprintf(stderr, "ccmem-workbench: profiler: %s\n", strerror(errno));
		cc_profiler_destroy(prof);
		return -1;
	}
	smr_options_t o;
	smr_options_init(&o, SMR_DEBRA_PLUS);
	smr_domain_t *d = smr_domain_create(&o);
	smr_context_t *mc = d ? smr_thread_register(d) : NULL;
	if (mc == NULL) {
		fprintf(stderr, "ccmem-workbench: domain: %s\n", strerror(errno));
		cc_profiler_destroy(prof);
		return -1;
	}
	volatile int stop = 0;
	prof_arg_t args[3];
	pthread_t th[3];
	cc_queue_t *q = cc_queue_create(mc);
	cc_skiplist_t *sl = cc_skiplist_create(mc);
	cc_bst_t *bst = cc_bst_create(mc);
	for (int i = 0; i < 3; i++) {
		args[i] = (prof_arg_t){.d = d, .q = q, .sl = sl, .bst = bst, .role = i > 0, .seed = S.seed * 977 + (uint64_t)i + 1,
		                       .stop = &stop};
		snprintf(args[i].name, sizeof args[i].name, i == 0 ? "allocating" : "freeing-%d", i);
		pthread_create(&th[i], NULL, prof_thread, &args[i]);
	}
	struct timespec ts = {(time_t)S.profile, (long)((S.profile - (double)(time_t)S.profile) * 1e9)};
	nanosleep(&ts, NULL);
	stop = 1;
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	cc_queue_destroy(q, mc);
	cc_skiplist_destroy(sl, mc);
	cc_bst_destroy(bst, mc);
	smr_thread_unregister(mc);
	smr_domain_destroy(d);
	int rc = cc_profiler_stop(prof);
	const cc_profiler_report_t *r = rc == 0 ? cc_profiler_report(prof) : NULL;
	char p[4][PATH_MAX];
	snprintf(p[0], sizeof p[0], "%s/memory_profile.html", S.out);
	snprintf(p[1], sizeof p[1], "%s/memory_profile.json", S.out);
	snprintf(p[2], sizeof p[2], "%s/memory_profile.csv", S.out);
	snprintf(p[3], sizeof p[3], "%s/memory_profile.prom", S.out);
	if (r == NULL || cc_profiler_to_html(prof, p[0]) != 0 || cc_profiler_to_json(prof, p[1]) != 0 ||
	    cc_profiler_to_csv(prof, p[2]) != 0) {
		fprintf(stderr, "ccmem-workbench: profiler report: %s\n", strerror(errno));
		cc_profiler_destroy(prof);
		return -1;
	}
	char *prom = cc_profiler_to_prometheus(prof);
	FILE *f = prom ? fopen(p[3], "w") : NULL;
	if (f) {
		fputs(prom, f);
		fclose(f);
	}
	free(prom);
	printf("\nprofiled run (%.1f s, DEBRA+, 1 allocating and 2 freeing threads): %llu allocations, peak %llu "
	       "bytes, %.1f %% of frees cross-thread, alloc p50/p99 %.0f/%.0f ns\nwrote %s, %s, %s and %s\n",
	       S.profile, (unsigned long long)r->alloc_count, (unsigned long long)r->peak_allocated,
	       r->cross_thread_free_pct, r->alloc_latency_p50, r->alloc_latency_p99, p[0], p[1], p[2], p[3]);
	cc_profiler_destroy(prof);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--_cell") == 0)
		return child_main(argv[2]);
	int rc = parse_args(argc, argv);
	if (rc)
		return rc;
	size_t len = 0;
	for (int i = 0; i < argc && len < sizeof g_cmdline - 1; i++)
		len += (size_t)snprintf(g_cmdline + len, sizeof g_cmdline - len, "%s%s", i ? " " : "", argv[i]);

	ssize_t n = readlink("/proc/self/exe", g_dir, sizeof g_dir - 1);
	if (n <= 0) {
		fprintf(stderr, "ccmem-workbench: cannot find its own binary: %s\n", strerror(errno));
		return 1;
	}
	g_dir[n] = '\0';
	char *slash = strrchr(g_dir, '/');
	if (slash)
		*slash = '\0';
	for (int b = 0; b < DSB_NBACK; b++) {
		char exe[PATH_MAX + 64];
		snprintf(exe, sizeof exe, "%s/%s", g_dir, b == DSB_B_SYSTEM ? "ccmem-workbench-system" : "ccmem-workbench");
		if (S.back[b] && access(exe, X_OK) != 0) {
			fprintf(stderr, "ccmem-workbench: the %s allocator runs in %s, which is missing (build the target)\n",
			        dsb_back_name[b], exe);
			return 1;
		}
	}

	char mach[512];
	machine(mach, sizeof mach);
	printf("ccmem %s workbench on %s\n", CCMEM_VERSION_STRING, mach);
	printf("%d cells x %d runs of %.2f s (median), backlog sampled every %llu ms%s\n", count_cells(), S.runs,
	       S.duration, (unsigned long long)(SAMPLE_NS / 1000000),
	       S.stall > 0 ? ", then the stalled-thread experiment" : "");
	fflush(stdout);
	run_comparison();
	if (S.stall > 0)
		run_stall();

	print_table();
	goals_report(NULL);
	print_stall();

	char p1[PATH_MAX], p2[PATH_MAX], p3[PATH_MAX], p4[PATH_MAX];
	snprintf(p1, sizeof p1, "%s/workbench.json", S.out);
	snprintf(p2, sizeof p2, "%s/workbench.csv", S.out);
	snprintf(p3, sizeof p3, "%s/stall.csv", S.out);
	snprintf(p4, sizeof p4, "%s/workbench.html", S.out);
	write_json(p1, mach);
	write_csv(p2, p3);
	write_html(p4, mach);
	printf("\nwrote %s, %s, %s and %s\n", p1, p2, p3, p4);
	int prof_failed = S.profile > 0 && profile_run() != 0;
	int failed = 0;
	FOR_EACH_CELL(b, s, w, t, v)
		failed += g_agg[b][s][w][t][v].have && g_agg[b][s][w][t][v].nok < S.runs;
	if (failed)
		fprintf(stderr, "ccmem-workbench: %d cell(s) had failed runs (messages above)\n", failed);
	return failed || prof_failed ? 1 : 0;
}

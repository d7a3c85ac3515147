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
 *
 * This file: the command line and main.  The measurements, the reports, the
 * HTML page and the profiled run have files of their own (workbench.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ccmem.h>

#include "dsb.h"
#include "workbench.h"

/* ---- settings ------------------------------------------------------------------ */

wb_settings_t S;
char g_cmdline[4096];
char g_dir[PATH_MAX];

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

/*
 * bench/wb_report.c - the workbench's figures out of g_agg and g_stall: the
 * goals of issue 13 (checked per cell), the terminal table and the stall
 * verdicts, OUT/workbench.json, OUT/workbench.csv and OUT/stall.csv.
 */
#include <math.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <ccmem.h>

#include "bench_util.h"
#include "dsb.h"
#include "workbench.h"


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

double ratio(const agg_t *a, const agg_t *base)
{
	return a->nok && base->nok && base->mops > 0 ? a->mops / base->mops : NAN;
}

void print_table(void)
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
void goals_report(FILE *f)
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

void print_stall(void)
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

void machine(char *buf, size_t len)
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

void write_json(const char *path, const char *mach)
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

void write_csv(const char *path, const char *stall_path)
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

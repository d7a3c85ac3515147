/*
 * bench/wb_html.c - OUT/workbench.html: the workbench's charts (Mops/s and
 * backlog against threads, the stall series) as inline SVG in one page, no
 * script, no external resource.
 */
#include <math.h>
#include <stdlib.h>

#include <ccmem.h>

#include "bench_util.h"
#include "dsb.h"
#include "workbench.h"


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

void write_html(const char *path, const char *mach)
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

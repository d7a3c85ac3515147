/*
 * alloc/profiler/report.c - building a report of a run from the merged
 * records, the timeline, the heap and the index, and freeing one.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profiler_internal.h"

void cc__pf_report_free(cc_profiler_report_t *r)
{
	if (r == NULL)
		return;
	report_box_t *b = (report_box_t *)r;
	free(r->latency_lo);
	free(r->latency_hi);
	free(r->alloc_latency_counts);
	free(r->free_latency_counts);
	free(r->cross_thread_flow);
	free(r->thread_stats);
	free(r->leaked_allocations);
	free(r->timeline);
	for (size_t i = 0; i < r->recommendation_count; i++)
		free(r->recommendations[i]);
	free(r->recommendations);
	for (size_t i = 0; i < b->nstrings; i++)
		free(b->stack_strings[i]);
	free(b->stack_strings);
	for (size_t i = 0; i < b->narrays; i++)
		free(b->stack_arrays[i]);
	free(b->stack_arrays);
	free(b);
}

char *cc__pf_dupstr(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

cc_profiler_report_t *cc__pf_build_report(cc_profiler_t *p, bool running, uint64_t now, uint64_t now_ns)
{
	report_box_t *box = calloc(1, sizeof *box);
	if (box == NULL)
		return NULL;
	cc_profiler_report_t *r = &box->r;
	r->options = p->opt;
	r->running = running;
	r->sample_rate = p->opt.sample_rate;

	/* time: ticks -> seconds; the run itself refines the TSC calibration */
	double ns_per_tick = cc__pf_ns_per_tick;
	if (cc__pf_use_tsc && now > p->start_ticks && now_ns - p->start_ns > 200000000u)
		ns_per_tick = (double)(now_ns - p->start_ns) / (double)(now - p->start_ticks);
	double inv_tick_s = ns_per_tick * 1e-9;
	r->duration_seconds = (double)(now_ns - p->start_ns) * 1e-9;
	r->start_time = p->start_unix;
	r->end_time = p->start_unix + r->duration_seconds;

	merged_counts_t m;
	pthread_mutex_lock(&p->tl_lock);
	if (running)
		cc__pf_timeline_tick(p, now, true);
	cc__pf_merge_counts(p, &m);
	double inv_p = m.scale; /* what sampled figures are scaled by */
	uint64_t cur = cc__pf_current_of(&m);
	if (cur >= p->peak) {
		p->peak = cur;
		p->peak_t = r->duration_seconds;
	}
	/* one thread: its own high-water mark is the run's exact peak */
	struct prec *only = NULL;
	size_t contributors = 0;
	for (struct prec *rec = cc_atomic_load_acquire_ptr((void **)&cc__pf_rec_head); rec != NULL; rec = rec->next) {
		if (cc_atomic_load_acquire_u64(&rec->gen) != p->gen)
			continue;
		if (rd(&rec->k[K_ALLOC]) != 0 || rd(&rec->k[K_SAMPLED_FREE]) != 0 || rd(&rec->k[K_OTHER_FREE]) != 0) {
			contributors++;
			only = rec;
		}
	}
	if (contributors == 1 && cc__pf_est(&m, rd(&only->k[K_NET_MAX])) > p->peak) {
		uint64_t at = rd(&only->k[K_NET_MAX_AT]);
		double t0 = 0, c0 = 0, t = r->duration_seconds;
		for (size_t i = 0; i < p->tl_len; i++) {
			double c1 = (double)p->tl[i].alloc_count, t1 = p->tl[i].t;
			if ((double)at <= c1) {
				t = c1 > c0 ? t0 + (t1 - t0) * ((double)at - c0) / (c1 - c0) : t1;
				break;
			}
			t0 = t1;
			c0 = c1;
		}
		p->peak = cc__pf_est(&m, rd(&only->k[K_NET_MAX]));
		p->peak_t = t;
	}
	r->peak_allocated = p->peak;
	/* tick times come from the TSC: keep them inside the run's wall time */
	r->peak_time = p->peak_t < r->duration_seconds ? p->peak_t : r->duration_seconds;
	r->peak_allocated_upper_bound = cc__pf_est(&m, m.k[K_NET_MAX]) > p->peak ? cc__pf_est(&m, m.k[K_NET_MAX]) : p->peak;
	r->alloc_rate_ewma = p->ewma[0];
	r->free_rate_ewma = p->ewma[1];
	r->bytes_rate_ewma = p->ewma[2];
	r->timeline = malloc((p->tl_len ? p->tl_len : 1) * sizeof *r->timeline);
	if (r->timeline) {
		memcpy(r->timeline, p->tl, p->tl_len * sizeof *r->timeline);
		r->timeline_len = p->tl_len;
		for (size_t i = 0; i < r->timeline_len; i++)
			if (r->timeline[i].t > r->duration_seconds)
				r->timeline[i].t = r->duration_seconds;
	}
	pthread_mutex_unlock(&p->tl_lock);

	r->alloc_count = m.k[K_ALLOC];
	r->free_count = cc__pf_est(&m, m.free_count);
	r->alloc_bytes = cc__pf_est(&m, m.k[K_ALLOC_BYTES]);
	r->free_bytes = cc__pf_est(&m, m.k[K_FREE_BYTES]);
	r->unsized_free_count = m.k[K_UNSIZED];
	r->current_allocated = cur;
	r->sampled_allocs = m.k[K_SAMPLED_ALLOC];
	r->sampled_frees = m.k[K_SAMPLED_FREE];
	r->untracked_samples = m.k[K_UNTRACKED];
	r->indexed_samples = m.k[K_INDEXED];
	if (r->duration_seconds > 0) {
		r->alloc_rate = (double)r->alloc_count / r->duration_seconds;
		r->free_rate = (double)r->free_count / r->duration_seconds;
		r->bytes_rate = (double)r->alloc_bytes / r->duration_seconds;
	}

	/* size histogram (scaled: a class with a sample reports at least 1) */
	cc_profiler_size_histogram_t *sh = &r->size_histogram;
	uint64_t hcount[NSB], hbytes[NSB];
	cc__pf_scaled_sizes(&m, hcount, hbytes);
	for (unsigned b = 0; b < NSB; b++) {
		sh->total_count += hcount[b];
		sh->total_bytes += hbytes[b];
		if (m.size_count[b] == 0)
			continue;
		cc_profiler_size_bucket_t *sb = &sh->buckets[sh->bucket_count++];
		cc__pf_size_class_bounds(b, &sb->lo, &sb->hi);
		if (sb->hi == UINT64_MAX)
			snprintf(sb->label, sizeof sb->label, "%llu+", (unsigned long long)sb->lo);
		else
			snprintf(sb->label, sizeof sb->label, "%llu-%llu", (unsigned long long)sb->lo,
			         (unsigned long long)sb->hi);
		sb->count = hcount[b];
		sb->bytes = hbytes[b];
	}

	/* latency, per thread records -> sums */
	uint32_t n = cc__pf_lat_count(p->lat_m);
	r->latency_bucket_count = p->opt.track_latency ? n : 0;
	r->latency_relative_error = ldexp(1.0, -(int)(p->lat_m + 1));
	if (p->opt.track_latency) {
		r->latency_lo = calloc(n, sizeof(double));
		r->latency_hi = calloc(n, sizeof(double));
		r->alloc_latency_counts = calloc(n, sizeof(uint64_t));
		r->free_latency_counts = calloc(n, sizeof(uint64_t));
		if (!r->latency_lo || !r->latency_hi || !r->alloc_latency_counts || !r->free_latency_counts) {
			cc__pf_report_free(r);
			return NULL;
		}
		for (uint32_t i = 0; i < n; i++) {
			uint64_t lo, hi;
			cc__pf_lat_bounds(i, p->lat_m, &lo, &hi);
			r->latency_lo[i] = (double)lo * ns_per_tick;
			r->latency_hi[i] = (double)hi * ns_per_tick;
		}
	}
	size_t nthreads = 0, maxidx = 0;
	for (struct prec *rec = cc_atomic_load_acquire_ptr((void **)&cc__pf_rec_head); rec != NULL; rec = rec->next) {
		if (cc_atomic_load_acquire_u64(&rec->gen) != p->gen)
			continue;
		nthreads++;
		if (rec->idx + 1 > maxidx)
			maxidx = rec->idx + 1;
	}
	r->flow_threads = maxidx < FLOW ? maxidx : FLOW;
	r->cross_thread_flow = calloc(r->flow_threads ? r->flow_threads * r->flow_threads : 1, sizeof(uint64_t));
	if (p->opt.track_per_thread)
		r->thread_stats = calloc(nthreads ? nthreads : 1, sizeof *r->thread_stats);
	uint64_t xsent[FLOW] = {0};
	uint64_t lat_sum[2] = {0, 0};
	size_t ti = 0;
	for (struct prec *rec = cc_atomic_load_acquire_ptr((void **)&cc__pf_rec_head); rec != NULL; rec = rec->next) {
		if (cc_atomic_load_acquire_u64(&rec->gen) != p->gen)
			continue;
		if (p->opt.track_latency) {
			for (uint32_t i = 0; i < n; i++) {
				r->alloc_latency_counts[i] += rd(&rec->lat[0][i]);
				r->free_latency_counts[i] += rd(&rec->lat[1][i]);
			}
			lat_sum[0] += rd(&rec->k[K_LAT_SUM_A]);
			lat_sum[1] += rd(&rec->k[K_LAT_SUM_F]);
		}
		uint32_t row = rec->idx < FLOW ? rec->idx : FLOW - 1;
		for (size_t j = 0; j < FLOW; j++) {
			uint64_t v = rd(&rec->flow[j]);
			xsent[j] += v;
			if (r->cross_thread_flow && j < r->flow_threads && row < r->flow_threads)
				r->cross_thread_flow[row * r->flow_threads + j] += v;
		}
	}
	if (r->cross_thread_flow)
		for (size_t i = 0; i < r->flow_threads * r->flow_threads; i++)
			r->cross_thread_flow[i] = (uint64_t)llround((double)r->cross_thread_flow[i] * inv_p);
	uint64_t xtotal = 0;
	for (size_t j = 0; j < FLOW; j++)
		xtotal += xsent[j];
	r->cross_thread_free_count = (uint64_t)llround((double)xtotal * inv_p);
	r->cross_thread_free_pct = r->free_count ? 100.0 * (double)r->cross_thread_free_count / (double)r->free_count : 0;
	if (r->cross_thread_free_pct > 100.0)
		r->cross_thread_free_pct = 100.0;
	if (r->thread_stats != NULL) {
		for (struct prec *rec = cc_atomic_load_acquire_ptr((void **)&cc__pf_rec_head); rec != NULL; rec = rec->next) {
			if (cc_atomic_load_acquire_u64(&rec->gen) != p->gen || ti >= nthreads)
				continue;
			cc_profiler_thread_stats_t *ts = &r->thread_stats[ti++];
			ts->thread_id = rec->tid;
			memcpy(ts->thread_name, rec->name, sizeof ts->thread_name);
			ts->thread_name[sizeof ts->thread_name - 1] = '\0';
			ts->index = rec->idx;
			uint64_t k[K_NUM];
			cc__pf_rec_counts(rec, p->run_flags, k);
			ts->alloc_count = k[K_ALLOC] + (rec == cc__pf_tls_rec ? cc__pf_own_gap(p->gen) : 0);
			ts->free_count = cc__pf_est(&m, rd(&rec->k[K_SAMPLED_FREE]) + rd(&rec->k[K_OTHER_FREE]));
			ts->alloc_bytes = cc__pf_est(&m, k[K_ALLOC_BYTES]);
			ts->free_bytes = cc__pf_est(&m, k[K_FREE_BYTES]);
			ts->cross_thread_frees_received = (uint64_t)llround((double)rd(&rec->k[K_XRECV]) * inv_p);
			ts->cross_thread_frees_sent =
			    rec->idx < FLOW - 1 ? (uint64_t)llround((double)xsent[rec->idx] * inv_p) : 0;
		}
		r->thread_count = ti;
	} else {
		r->thread_count = nthreads;
	}
	if (p->opt.track_latency) {
		for (uint32_t i = 0; i < n; i++) {
			r->alloc_latency_samples += r->alloc_latency_counts[i];
			r->free_latency_samples += r->free_latency_counts[i];
		}
		cc__pf_percentiles(r->alloc_latency_counts, n, r->latency_lo, r->latency_hi, r->alloc_latency_samples,
		            &r->alloc_latency_p50, &r->alloc_latency_p95, &r->alloc_latency_p99, &r->alloc_latency_p999);
		cc__pf_percentiles(r->free_latency_counts, n, r->latency_lo, r->latency_hi, r->free_latency_samples,
		            &r->free_latency_p50, &r->free_latency_p95, &r->free_latency_p99, &r->free_latency_p999);
		if (r->alloc_latency_samples)
			r->alloc_latency_mean = (double)lat_sum[0] * ns_per_tick / (double)r->alloc_latency_samples;
		if (r->free_latency_samples)
			r->free_latency_mean = (double)lat_sum[1] * ns_per_tick / (double)r->free_latency_samples;
	}

	cc__pf_fragmentation(p, r, &m);
	if (p->opt.detect_leaks) {
		cc__pf_scan_leaks(p, box, inv_tick_s);
		if (r->leaked_allocations == NULL)
			r->leaked_allocations = calloc(1, sizeof *r->leaked_allocations); /* an empty list, not "off" */
		r->leaked_bytes_estimate = (double)r->leaked_bytes * inv_p;
	}
	cc__pf_recommend(r);
	return r;
}

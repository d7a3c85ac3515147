/*
 * alloc/profiler/timeline.c - merging the per-thread records of a run, the
 * estimators that scale sampled figures (include/ccmem/profiler.h, Sampling),
 * and the timeline thread: peak, timeline points and moving-average rates.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "profiler_internal.h"

static double to_sec(const cc_profiler_t *p, uint64_t t)
{
	return t > p->start_ticks ? (double)(t - p->start_ticks) * cc__pf_ns_per_tick * 1e-9 : 0.0;
}

void cc__pf_rec_counts(const struct prec *r, uint32_t flags, uint64_t k[K_NUM])
{
	for (int i = 0; i < K_NUM; i++)
		k[i] = rd(&r->k[i]);
	if (flags & F_SIZES) { /* every sampled allocation is classed */
		uint64_t n = 0, b = 0;
		for (int i = 0; i < NSB; i++) {
			n += rd(&r->size_cb[i][0]);
			b += rd(&r->size_cb[i][1]);
		}
		k[K_SAMPLED_ALLOC] = n;
		k[K_ALLOC_BYTES] = b;
	} else if (!(flags & F_FILTER)) {
		k[K_SAMPLED_ALLOC] = k[K_ALLOC]; /* p = 1: every allocation */
	}
	/* wrapping: a record that freed others' blocks has a "negative" K_NET */
	k[K_FREE_BYTES] = k[K_ALLOC_BYTES] - k[K_NET];
}

/* Sums the counters of run p->gen over every record, and the scale. */
void cc__pf_merge_counts(const cc_profiler_t *p, merged_counts_t *m)
{
	memset(m, 0, sizeof *m);
	for (struct prec *r = cc_atomic_load_acquire_ptr((void **)&cc__pf_rec_head); r != NULL; r = r->next) {
		/* acquire: pairs with the release in reset_record, records.c (cleared figures). */
		if (cc_atomic_load_acquire_u64(&r->gen) != p->gen)
			continue;
		uint64_t k[K_NUM];
		cc__pf_rec_counts(r, p->run_flags, k);
		for (int i = 0; i < K_NUM; i++)
			m->k[i] += k[i];
		for (int i = 0; i < NSB; i++) {
			m->size_count[i] += rd(&r->size_cb[i][0]);
			m->size_bytes[i] += rd(&r->size_cb[i][1]);
		}
	}
	m->k[K_ALLOC] += cc__pf_own_gap(p->gen);
	m->free_count = m->k[K_SAMPLED_FREE] + m->k[K_OTHER_FREE];
	/* wrapping sums: one record's may be "negative", the run's is exact */
	m->live_req = m->k[K_ALLOC_BYTES] - m->k[K_UNTRACKED_REQ] - m->k[K_FREED_REQ];
	m->live_usable = m->k[K_SAMP_USABLE] - m->k[K_UNTRACKED_USABLE] - m->k[K_FREED_USABLE];
	if (p->opt.sample_rate >= 1.0)
		m->scale = 1.0;
	else if (m->k[K_SAMPLED_ALLOC] > 0 && m->k[K_ALLOC] >= m->k[K_SAMPLED_ALLOC])
		m->scale = (double)m->k[K_ALLOC] / (double)m->k[K_SAMPLED_ALLOC];
	else
		m->scale = 1.0 / p->opt.sample_rate;
}

/* A sampled figure scaled to all events. */
uint64_t cc__pf_est(const merged_counts_t *m, uint64_t v)
{
	return m->scale == 1.0 ? v : (uint64_t)llround((double)v * m->scale);
}

uint64_t cc__pf_current_of(const merged_counts_t *m)
{
	return m->k[K_ALLOC_BYTES] > m->k[K_FREE_BYTES] ? cc__pf_est(m, m->k[K_ALLOC_BYTES] - m->k[K_FREE_BYTES]) : 0;
}

/* out[i] = raw[i] * scale rounded so that the sum is exactly `target`
 * (largest remainders; target within n of the plain sum). */
static void apportion(const uint64_t *raw, size_t n, double scale, uint64_t target, uint64_t *out)
{
	double frac[NSB];
	uint64_t sum = 0;
	for (size_t i = 0; i < n; i++) {
		double v = (double)raw[i] * scale;
		out[i] = (uint64_t)v;
		frac[i] = raw[i] ? v - (double)out[i] : -1.0;
		sum += out[i];
	}
	while (sum < target) {
		size_t best = n;
		for (size_t i = 0; i < n; i++)
			if (frac[i] >= 0 && (best == n || frac[i] > frac[best]))
				best = i;
		if (best == n)
			break;
		out[best]++;
		frac[best] = -1.0;
		sum++;
	}
}

/* The size classes scaled: counts summing to the allocations (when every
 * sampled allocation was classed), bytes to the estimated bytes. */
void cc__pf_scaled_sizes(const merged_counts_t *m, uint64_t *count, uint64_t *bytes)
{
	uint64_t nraw = 0;
	for (int i = 0; i < NSB; i++)
		nraw += m->size_count[i];
	bool all = nraw == m->k[K_SAMPLED_ALLOC];
	apportion(m->size_count, NSB, m->scale, all ? m->k[K_ALLOC] : 0, count);
	apportion(m->size_bytes, NSB, m->scale, all ? cc__pf_est(m, m->k[K_ALLOC_BYTES]) : 0, bytes);
}

/* Caller holds tl_lock.  One timeline tick at `now` (ticks). */
void cc__pf_timeline_tick(cc_profiler_t *p, uint64_t now, bool force_point)
{
	merged_counts_t m;
	cc__pf_merge_counts(p, &m);
	double t = to_sec(p, now);
	uint64_t cur = cc__pf_current_of(&m);
	if (cur > p->peak) {
		p->peak = cur;
		p->peak_t = t;
	}
	uint64_t k3[3] = {m.k[K_ALLOC], cc__pf_est(&m, m.free_count), cc__pf_est(&m, m.k[K_ALLOC_BYTES])};
	double dt = t - p->last_t;
	if (dt > 1e-6) {
		double alpha = 1.0 - exp(-dt / 1.0); /* time constant 1 s */
		for (int i = 0; i < 3; i++) {
			double inst = (double)(k3[i] - p->last_k[i]) / dt;
			p->ewma[i] = p->ewma_init ? p->ewma[i] + alpha * (inst - p->ewma[i]) : inst;
		}
		p->ewma_init = true;
		p->last_t = t;
		memcpy(p->last_k, k3, sizeof k3);
	}
	if (!force_point && (p->tl_tick++ % p->tl_stride) != 0)
		return;
	if (p->tl_len == TIMELINE_MAX) {
		size_t j = 0;
		for (size_t i = 1; i < TIMELINE_MAX; i += 2)
			p->tl[j++] = p->tl[i];
		p->tl_len = j;
		p->tl_stride *= 2;
	}
	cc_profiler_timeline_point_t *pt = &p->tl[p->tl_len++];
	pt->t = t;
	pt->current = cur;
	pt->alloc_count = k3[0];
	pt->free_count = k3[1];
	uint64_t bytes[NSB];
	cc__pf_scaled_sizes(&m, pt->size_counts, bytes);
}

void *cc__pf_timeline_main(void *arg)
{
	cc_profiler_t *p = arg;
	pthread_setname_np(pthread_self(), "ccmem-prof");
	pthread_mutex_lock(&p->tl_lock);
	while (!p->tl_quit) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		uint64_t ns = (uint64_t)ts.tv_nsec + (uint64_t)p->opt.timeline_interval_ms * 1000000u;
		ts.tv_sec += (time_t)(ns / 1000000000u);
		ts.tv_nsec = (long)(ns % 1000000000u);
		int rc = 0;
		while (!p->tl_quit && rc != ETIMEDOUT)
			rc = pthread_cond_timedwait(&p->tl_cond, &p->tl_lock, &ts);
		if (p->tl_quit)
			break;
		uint64_t now = cc__pf_ticks();
		cc_atomic_store_relaxed_u64(&cc__pf_coarse_ticks, now);
		cc__pf_timeline_tick(p, now, false);
	}
	pthread_mutex_unlock(&p->tl_lock);
	return NULL;
}

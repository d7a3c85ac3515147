/*
 * alloc/profiler/clock.c - the profiler's time source: the CPU's invariant
 * time-stamp counter calibrated against CLOCK_MONOTONIC where there is one,
 * clock_gettime otherwise (include/ccmem/profiler.h, Latency).
 */
#include <stdint.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "profiler_internal.h"

bool cc__pf_use_tsc;
double cc__pf_ns_per_tick = 1.0;
uint64_t cc__pf_heap_scan_ticks = HEAP_SCAN_MS * 1000000ull;
uint64_t cc__pf_coarse_ticks;
pthread_once_t cc__pf_clock_once = PTHREAD_ONCE_INIT;

uint64_t cc__pf_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double cc__pf_unix_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#if defined(__x86_64__) || defined(__i386__)
/* A (CLOCK_MONOTONIC, TSC) pair read as close together as a few tries allow
 * (a preemption between the two reads would skew the calibration). */
static void clock_pair(uint64_t *ns, uint64_t *tsc)
{
	uint64_t best = UINT64_MAX;
	for (int i = 0; i < 8; i++) {
		uint64_t a = __builtin_ia32_rdtsc(), n = cc__pf_mono_ns(), b = __builtin_ia32_rdtsc();
		if (b - a < best) {
			best = b - a;
			*ns = n;
			*tsc = a + (b - a) / 2;
		}
	}
}
#endif

void cc__pf_clock_init(void)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned a, b, c, d;
	/* CPUID 0x80000007 EDX bit 8: invariant TSC (constant rate, runs in all C-states). */
	if (__get_cpuid(0x80000007, &a, &b, &c, &d) && (d & (1u << 8))) {
		uint64_t n0 = 0, t0 = 0, n1 = 0, t1 = 0;
		clock_pair(&n0, &t0);
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
		clock_pair(&n1, &t1);
		if (t1 > t0 && n1 > n0) {
			cc__pf_ns_per_tick = (double)(n1 - n0) / (double)(t1 - t0);
			cc__pf_heap_scan_ticks = (uint64_t)(HEAP_SCAN_MS * 1e6 / cc__pf_ns_per_tick);
			cc__pf_use_tsc = true;
		}
	}
#endif
}

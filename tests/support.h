/* tests/support.h - helpers shared by the Check suites. */
#ifndef CCMEM_TESTS_SUPPORT_H
#define CCMEM_TESTS_SUPPORT_H

#include <check.h>
#include <stddef.h>

/* 1 in ASan/TSan builds (where reading freed memory must not be tried). */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CCT_SANITIZED 1
#else
#define CCT_SANITIZED 0
#endif

/* Runs this test binary again as `self --probe NAME` with the extra
 * environment `env` ("K=V" strings, NULL-terminated), capturing stdout and
 * stderr (together, at most cap-1 bytes, NUL-terminated) into out.  Returns the
 * exit status, 128 + the signal if a signal ended it, or -1 if it could not run. */
int cct_run_probe(const char *name, char *const env[], char *out, size_t cap);

/* main() for a suite: `--probe NAME` runs probe(NAME) and exits with its
 * result; otherwise runs the suite and exits non-zero on any failure. */
int cct_main(int argc, char **argv, Suite *(*make_suite)(void), int (*probe)(const char *name));

/* A domain of `scheme` with default options but max_threads threads. */
#include <ccmem.h>
smr_domain_t *cct_domain(smr_scheme_t scheme, unsigned max_threads);

/* A domain of `scheme`, 16 threads, that reclaims eagerly (small batches,
 * frequent passes and epoch advances; DEBRA+ neutralises early), so that a
 * node freed too soon is reused, filled or seen by ASan within the run. */
smr_domain_t *cct_eager_domain(smr_scheme_t scheme);

/* The glue's statistics balance (counts, bytes, nothing live); a no-op when
 * statistics are compiled out. */
void cct_assert_glue_balanced(void);

#endif

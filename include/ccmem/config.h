/*
 * ccmem/config.h - run-time configuration of the allocation glue.
 *
 * Backends
 *   CC_BACKEND_MIMALLOC  mi_malloc/mi_free (the default in normal builds).
 *   CC_BACKEND_SYSTEM    malloc/posix_memalign/free from the C library.  The
 *                        default in ASan/TSan builds of ccmem: the sanitizers
 *                        cannot see memory that mi_malloc hands out.  Note that
 *                        Debian's libmimalloc.so exports malloc/free, so in a
 *                        process that links it "system" is mimalloc too unless a
 *                        sanitizer (or another allocator) interposes malloc.
 *   CC_BACKEND_FAULT     the system allocator behind a fault injector, for tests:
 *                        it fails the Nth allocation or each allocation with
 *                        probability p drawn from a seeded generator.
 *
 * Environment (read once, at the first call into the glue):
 *   CCMEM_BACKEND=mimalloc|system|fault   the backend.  An unknown name prints
 *                                         one message naming the valid names and
 *                                         the default backend is used.
 *   CCMEM_FAULT=nth:N | p:P[,seed:S]      arms the fault backend (as the two
 *                                         cc_config_fault_* calls below).
 *   CCMEM_ALLOC_STATS=1                   switches statistics on at start.
 *   CCMEM_DEBUG_FILL=0|1                  overrides the build's fill default.
 *
 * Switching the backend is allowed at any time and from any thread: each block
 * is always released to the allocator that produced it.  After a non-mimalloc
 * backend has produced blocks, every free pays an ownership check (a lookup in
 * mimalloc's segment map); a process that only uses the default never does.
 *
 * Errors: functions returning int give 0, or -1 with errno set.
 */
#ifndef CCMEM_CONFIG_H
#define CCMEM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "ccmem/build_config.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
	CC_BACKEND_MIMALLOC = 0,
	CC_BACKEND_SYSTEM = 1,
	CC_BACKEND_FAULT = 2,
} cc_backend_t;

#define CC_BACKEND_COUNT 3

/* Selects the backend for every later allocation.  Any thread, any time.
 * -1/EINVAL for a value outside cc_backend_t; -1/ENOTSUP for mimalloc in a
 * build without it (CC_NO_MIMALLOC, the benchmarks' system binary). */
int cc_config_set_backend(cc_backend_t backend);

/* The backend in force now (after the environment has been read). */
cc_backend_t cc_config_backend(void);

/* "mimalloc", "system", "fault"; NULL with errno EINVAL for an unknown value. */
const char *cc_backend_name(cc_backend_t backend);

/* Parses a backend name (exact, lower case).  -1/EINVAL for an unknown name. */
int cc_backend_parse(const char *name, cc_backend_t *out);

/* Fault backend: the n-th allocation attempt made through the fault backend
 * after this call fails (1 = the next one); 0 disarms.  Replaces any random
 * setting.  Any thread; the count is global. */
int cc_config_fault_nth(uint64_t n);

/* Fault backend: every allocation fails with probability p, decided by a
 * deterministic generator seeded with seed (the k-th attempt after this call
 * gets the k-th draw).  p must lie in [0, 1], else -1/EINVAL; 0 disarms. */
int cc_config_fault_random(double p, uint64_t seed);

/* Number of allocations the fault backend has failed on purpose so far. */
uint64_t cc_config_fault_injected(void);

/* Debug fill: fresh blocks are filled with CC_FILL_FRESH and blocks about to be
 * freed with CC_FILL_FREED (their whole usable size), so that a use-after-free
 * reads recognisable garbage.  On by default in Debug builds of ccmem.  While
 * on, every allocation takes the out-of-line path. */
#define CC_FILL_FRESH 0xA5
#define CC_FILL_FREED 0xDF
void cc_config_set_debug_fill(bool on);
bool cc_config_debug_fill(void);

#ifdef __cplusplus
}
#endif

#endif /* CCMEM_CONFIG_H */

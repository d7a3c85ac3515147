/*
 * src/config_internal.h - run-time mode of the glue, shared by src/ and alloc/.
 * Not installed.
 *
 * The mode is a set of bits; the glue's inline fast paths run only while it is
 * empty (the gate, cc__alloc_gate, is open).  Bits change under one mutex,
 * which also recomputes the gate, so the gate always matches some mode that
 * was in force.  Readers load the bits relaxed: a thread that sees a change
 * late only allocates through the path of the previous mode, and every path
 * frees correctly whatever the mode (see CC_MODE_FOREIGN).
 */
#ifndef CCMEM_SRC_CONFIG_INTERNAL_H
#define CCMEM_SRC_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "ccmem/config.h"

/* 1 when this translation unit is built with ASan or TSan. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CC_SANITIZER_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define CC_SANITIZER_BUILD 1
#endif
#endif
#ifndef CC_SANITIZER_BUILD
#define CC_SANITIZER_BUILD 0
#endif

/* 1 in a build without mimalloc (see ccmem/alloc.h): the system backend is
 * then the plain mode, and the mimalloc backend is refused. */
#ifndef CC_NO_MIMALLOC
#define CC_NO_MIMALLOC 0
#endif

enum {
	CC_MODE_STATS = 1u << 0,    /* statistics are counted */
	CC_MODE_FILL = 1u << 1,     /* debug fill patterns */
	CC_MODE_BACKEND = 1u << 2,  /* the backend is not mimalloc */
	CC_MODE_FOREIGN = 1u << 3,  /* sticky: blocks not from mimalloc may exist,
	                               so frees check ownership */
	CC_MODE_PROFILER = 1u << 4, /* a profiler is running */
};

/* Reads the environment once (any thread, idempotent, cheap after the first). */
void cc__config_ensure(void);

/* Current mode bits (relaxed). */
uint32_t cc__config_mode(void);

/* Sets or clears bits, recomputing the gate.  Serialised by the config mutex. */
void cc__config_update_mode(uint32_t set, uint32_t clear);

/* A profiler run starts (gen != 0: sets CC_MODE_PROFILER) or ends (gen 0:
 * clears it).  While the mode is exactly CC_MODE_PROFILER the inline paths
 * publish gen as cc__alloc_prof_key and inline_from as the free bound
 * cc__alloc_free_from (ccmem/alloc.h: frees of blocks below it go to the
 * hooks; UINT64_MAX or CC__PROF_ALL: every free does); in the plain mode the
 * free bound is 0 and in every other mode UINT64_MAX.  Serialised by the
 * config mutex. */
void cc__config_set_profiler(uint64_t gen, uint64_t inline_from);

/* Run gen (the running one, else nothing happens) can no longer tell its
 * sampled blocks by address: from now on every free of the run leaves the
 * inline path (cc__alloc_free_from = CC__PROF_ALL until the run ends).
 * Returns once the store is done, so a block the caller allocates after it is
 * freed out of line by whoever the caller hands it to.  Takes the config
 * mutex. */
void cc__config_profiler_widen(uint64_t gen);

/* The backend for the next allocation (acquire: pairs with the release store
 * in cc_config_set_backend, so a thread that allocates from a non-mimalloc
 * backend has also seen CC_MODE_FOREIGN and a closed gate). */
cc_backend_t cc__config_backend_acquire(void);

/* Fault backend: counts one allocation attempt and says whether it must fail. */
bool cc__fault_should_fail(void);

#endif /* CCMEM_SRC_CONFIG_INTERNAL_H */

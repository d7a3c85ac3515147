/*
 * alloc/backend.c - the allocators behind the glue.
 */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "config_internal.h"
#if !CC_NO_MIMALLOC
#include <mimalloc.h>
#endif

/*
 * mimalloc 2.0.9 (Debian 12) returns misaligned blocks from mi_malloc_aligned
 * when size == alignment in {256, 512, 1024} (upstream issue #700, fixed in
 * 2.1): its shortcut for power-of-two sizes assumes small blocks are naturally
 * aligned.  mi_malloc_aligned_at(size, align, 0) skips that shortcut and is
 * correct; the glue calls it everywhere.  posix_memalign reaches the same bug
 * when Debian's libmimalloc.so replaces malloc, so the system path checks the
 * result and retries with a size that is not a power of two.
 */
static void *system_alloc(size_t size, size_t align, bool zero)
{
	void *p;
	if (align > sizeof(void *)) { /* malloc guarantees only this much for tiny blocks under mimalloc */
		/* posix_memalign wants a multiple of sizeof(void *); align is a power of two. */
		size_t a = align < sizeof(void *) ? sizeof(void *) : align;
		if (posix_memalign(&p, a, size) != 0)
			return NULL;
		if ((uintptr_t)p % a != 0) { /* mimalloc #700 behind malloc: see above */
			free(p);
			if (posix_memalign(&p, a, size + 1) != 0)
				return NULL;
			if ((uintptr_t)p % a != 0) {
				free(p);
				return NULL;
			}
		}
		if (zero)
			memset(p, 0, size);
		return p;
	}
	return zero ? calloc(1, size) : malloc(size);
}

void *cc__backend_alloc(cc_backend_t backend, size_t size, size_t align, bool zero)
{
	switch (backend) {
#if !CC_NO_MIMALLOC /* without mimalloc, src/config.c never selects it */
	case CC_BACKEND_MIMALLOC:
		if (align > 0) /* _at: see the note on mimalloc #700 above */
			return zero ? mi_zalloc_aligned_at(size, align, 0) : mi_malloc_aligned_at(size, align, 0);
		return zero ? mi_zalloc(size) : mi_malloc(size);
#endif
	case CC_BACKEND_FAULT:
		if (cc__fault_should_fail())
			return NULL;
		return system_alloc(size, align, zero);
	case CC_BACKEND_SYSTEM:
	default:
		return system_alloc(size, align, zero);
	}
}

/*
 * Which allocator owns a block, once blocks from both may exist.
 * - Sanitizer builds: the sanitizer's allocator answers for its own blocks
 *   (mimalloc's segment map cannot: under ASan mimalloc maps above the 40 TiB
 *   its map covers, so mi_is_in_heap_region says no for its own blocks).
 * - Otherwise, when malloc is mimalloc's own (Debian's libmimalloc.so exports
 *   malloc/free, so a process linking it has one allocator), mi_free is right
 *   for every block.
 * - Otherwise (another allocator preloaded), mimalloc's segment map decides.
 */
#if CC_NO_MIMALLOC
/* built without mimalloc: every block is the C library's */
#elif CC_SANITIZER_BUILD
int __sanitizer_get_ownership(const volatile void *p);
#else
#include <dlfcn.h>
#include <pthread.h>
static bool g_malloc_is_mimalloc;
static pthread_once_t g_probe_once = PTHREAD_ONCE_INIT;
static void probe_malloc(void)
{
	void *m = dlsym(RTLD_DEFAULT, "malloc");
	g_malloc_is_mimalloc = m != NULL && m == dlsym(RTLD_DEFAULT, "mi_malloc");
}
#endif

#if !CC_NO_MIMALLOC
static bool owned_by_mimalloc(const void *ptr, bool check_owner)
{
	if (!check_owner)
		return true;
#if CC_SANITIZER_BUILD
	return !__sanitizer_get_ownership(ptr);
#else
	pthread_once(&g_probe_once, probe_malloc);
	return g_malloc_is_mimalloc || mi_is_in_heap_region(ptr);
#endif
}

#endif

void cc__backend_free(void *ptr, bool check_owner)
{
#if CC_NO_MIMALLOC
	(void)check_owner;
#else
	if (owned_by_mimalloc(ptr, check_owner)) {
		mi_free(ptr);
		return;
	}
#endif
	free(ptr);
}

size_t cc__backend_usable_size(const void *ptr, bool check_owner)
{
#if CC_NO_MIMALLOC
	(void)check_owner;
#else
	if (owned_by_mimalloc(ptr, check_owner))
		return mi_usable_size(ptr);
#endif
	return malloc_usable_size((void *)ptr);
}

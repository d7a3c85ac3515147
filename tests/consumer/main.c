/* A tiny consumer of an installed ccmem: allocate, count, free, check. */
#include <stdio.h>
#include <stdint.h>

#include <ccmem.h>

int main(void)
{
	cc_alloc_stats_enable(true);
	void *node = cc_alloc_node(40);
	if (node == NULL || (uintptr_t)node % CC_CACHE_LINE_SIZE != 0)
		return 1;
	cc_free(node, 40);
	cc_alloc_snapshot_t s = cc_alloc_stats_snapshot();
	if (s.alloc_count != 1 || s.free_count != 1 || s.alloc_bytes != 40 || s.free_bytes != 40 ||
	    s.current_allocated != 0)
		return 2;
	printf("consumer ok: ccmem %s, line %d\n", CCMEM_VERSION_STRING, CC_CACHE_LINE_SIZE);
	return 0;
}

/*
 * alloc/profiler/hooks.c - the profiler's hooks on the glue (alloc/hook.h):
 * the table the profiler installs while it runs, and the design of the two
 * paths (hooks_alloc.c: allocation; hooks_free.c: free; hooks.h: what they
 * share).
 */
#include "hooks.h"

/*
 * Allocation.  Every allocation of a run decrements the thread's countdown
 * (cc__tls_prof: inline in ccmem/alloc.h in the plain mode, in
 * cc__pf_prof_alloc otherwise); the one that brings it to 0 is sampled (sampled_alloc), draws
 * the next gap, and adds the gap just completed to K_ALLOC, so K_ALLOC counts
 * every allocation up to the thread's latest sampled one (the ones since are
 * added by the thread itself at exit, snapshot or stop: cc__pf_gap_done).  At
 * p = 1 every gap is 1 and every allocation is sampled.  With the mimalloc
 * backend a sampled block comes from the thread's heap in the arena and its
 * data goes to the side table (arena.h); otherwise, or when the arena cannot
 * take it, the block is the glue's own and its data goes to the index.
 *
 * Free.  A block in the arena is found in the side table; any other is
 * looked up in the index (at p < 1 only when the filter says it may be
 * there).  At p < 1 frees of other blocks are not counted (the report scales
 * the sampled ones); at p = 1 every free comes here and is counted.
 */

const cc__alloc_hooks_t cc__pf_hooks = {cc__pf_prof_alloc, cc__pf_prof_free, cc__pf_prof_alloc_sampled};

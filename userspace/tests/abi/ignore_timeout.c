/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Ignoring a timed wait's result must not compile with
 * -Werror=unused-result: -ETIMEDOUT means holders remain (or, for the
 * pointers, that the old object is still held). IGNORE selects which call
 * is ignored; with -DUSE_RESULT every call, used, compiles (the control).
 */
#include <rundown/ptr.h>
#include <rundown/rundown.h>

int f(struct rundown_ref *r, struct rundown_pcpu *p, struct rundown_ptr *rp,
      struct rundown_ptr_pcpu *pp);

int f(struct rundown_ref *r, struct rundown_pcpu *p, struct rundown_ptr *rp,
      struct rundown_ptr_pcpu *pp)
{
	void *old;
#ifdef USE_RESULT
	return rundown_wait_timeout(r, 1) + rundown_pcpu_wait_timeout(p, 1) +
	       rundown_wait_until(r, 1) + rundown_pcpu_wait_until(p, 1) +
	       rundown_ptr_replace_timeout(rp, 0, &old, 1) + rundown_ptr_retire_timeout(rp, &old, 1) +
	       rundown_ptr_reclaim_timeout(rp, &old, 1) + rundown_ptr_pcpu_replace_timeout(pp, 0, &old, 1) +
	       rundown_ptr_pcpu_retire_timeout(pp, &old, 1) + rundown_ptr_pcpu_reclaim_timeout(pp, &old, 1);
#else
#if IGNORE == 0
	rundown_wait_timeout(r, 1);
#elif IGNORE == 1
	rundown_pcpu_wait_timeout(p, 1);
#elif IGNORE == 2
	rundown_wait_until(r, 1);
#elif IGNORE == 3
	rundown_pcpu_wait_until(p, 1);
#elif IGNORE == 4
	rundown_ptr_replace_timeout(rp, 0, &old, 1);
#elif IGNORE == 5
	rundown_ptr_retire_timeout(rp, &old, 1);
#elif IGNORE == 6
	rundown_ptr_reclaim_timeout(rp, &old, 1);
#elif IGNORE == 7
	rundown_ptr_pcpu_replace_timeout(pp, 0, &old, 1);
#elif IGNORE == 8
	rundown_ptr_pcpu_retire_timeout(pp, &old, 1);
#else
	rundown_ptr_pcpu_reclaim_timeout(pp, &old, 1);
#endif
	(void)r, (void)p, (void)rp, (void)pp, (void)old;
	return 0;
#endif
}

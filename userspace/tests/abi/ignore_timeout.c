/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Ignoring a timed wait's result must not compile with
 * -Werror=unused-result: -ETIMEDOUT means holders remain. With
 * -DUSE_RESULT the same calls, used, compile (the control).
 */
#include <rundown/rundown.h>

int f(struct rundown_ref *r, struct rundown_pcpu *p);

int f(struct rundown_ref *r, struct rundown_pcpu *p)
{
#ifdef USE_RESULT
	return rundown_wait_timeout(r, 1) + rundown_pcpu_wait_timeout(p, 1) +
	       rundown_wait_until(r, 1) + rundown_pcpu_wait_until(p, 1);
#else
	rundown_wait_timeout(r, 1);
	rundown_pcpu_wait_timeout(p, 1);
	rundown_wait_until(r, 1);
	rundown_pcpu_wait_until(p, 1);
	return 0;
#endif
}

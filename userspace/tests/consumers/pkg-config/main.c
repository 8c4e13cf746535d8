/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A C program built with pkg-config's flags against an installed librundown:
 * both variants and both rundown-protected pointers.
 */
#include <rundown/ptr.h>
#include <rundown/rundown.h>

#include <stdio.h>

int main(void)
{
	struct rundown_ref r = RUNDOWN_REF_INIT;
	struct rundown_pcpu p;
	struct rundown_ptr rp = RUNDOWN_PTR_INIT;
	struct rundown_ptr_pcpu pp;
	int a = 1, b = 2;
	unsigned token;
	void *got;

	if (rundown_pcpu_init(&p) != 0 || !rundown_acquire(&r) || !rundown_pcpu_acquire(&p))
		return 1;
	rundown_release(&r);
	rundown_pcpu_release(&p);
	rundown_wait(&r);
	rundown_pcpu_wait(&p);
	if (rundown_acquire(&r) || rundown_pcpu_acquire(&p))
		return 2;
	if (rundown_ptr_get(&rp, &token) || rundown_ptr_replace(&rp, &a) || rundown_ptr_pcpu_init(&pp) != 0 ||
	    rundown_ptr_pcpu_replace(&pp, &a))
		return 3;
	got = rundown_ptr_pcpu_get(&pp, &token);
	if (got != &a)
		return 4;
	rundown_ptr_pcpu_put(&pp, token);
	if (rundown_ptr_pcpu_replace(&pp, &b) != &a || rundown_ptr_pcpu_retire(&pp) != &b ||
	    rundown_ptr_retire(&rp) != &a)
		return 5;
	printf("protocol=%s\n", rundown_pcpu_protocol());
	rundown_ptr_pcpu_exit(&pp);
	rundown_pcpu_exit(&p);
	return 0;
}

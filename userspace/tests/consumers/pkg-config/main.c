/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* A C program built with pkg-config's flags against an installed librundown. */
#include <rundown/rundown.h>

#include <stdio.h>

int main(void)
{
	struct rundown_ref r = RUNDOWN_REF_INIT;
	struct rundown_pcpu p;

	if (rundown_pcpu_init(&p) != 0 || !rundown_acquire(&r) || !rundown_pcpu_acquire(&p))
		return 1;
	rundown_release(&r);
	rundown_pcpu_release(&p);
	rundown_wait(&r);
	rundown_pcpu_wait(&p);
	if (rundown_acquire(&r) || rundown_pcpu_acquire(&p))
		return 2;
	printf("protocol=%s\n", rundown_pcpu_protocol());
	rundown_pcpu_exit(&p);
	return 0;
}

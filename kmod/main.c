// SPDX-License-Identifier: GPL-2.0
/*
 * rundown.ko: the module around the primitive. kmod/rundown.c is the
 * primitive itself, a library unit that knows nothing of what else the
 * module holds but its debugging aids (kmod/track.c); this file brings up
 * those aids' debugfs directory and /dev/rundown (kmod/dev.c, which also
 * dispatches the in-kernel benchmarks of kmod/bench.c), and takes them down.
 */
#include <linux/init.h>
#include <linux/module.h>

#include "internal.h"
#include "track.h"

static int __init rundown_module_init(void)
{
	int ret = rundown_track_init();

	if (ret)
		return ret;
	ret = rundown_dev_init();
	if (ret)
		goto err_track;
	return 0;

err_track:
	rundown_track_exit_module();
	return ret;
}

static void __exit rundown_module_exit(void)
{
	rundown_dev_exit();
	rundown_track_exit_module();
}

module_init(rundown_module_init);
module_exit(rundown_module_exit);

MODULE_DESCRIPTION("Run-down protection (NT's EX_RUNDOWN_REF), plain and cache-aware");
MODULE_AUTHOR("The rundown authors");
MODULE_LICENSE("GPL");
MODULE_VERSION("0.1.0");

// SPDX-License-Identifier: GPL-2.0
/*
 * rundown.ko: the module around the primitive. kmod/rundown.c is the
 * primitive itself, a library unit that knows nothing of what else the
 * module holds; this file brings up /dev/rundown (kmod/dev.c, which also
 * dispatches the in-kernel benchmarks of kmod/bench.c) and takes it down.
 */
#include <linux/init.h>
#include <linux/module.h>

#include "internal.h"

static int __init rundown_module_init(void)
{
	return rundown_dev_init();
}

static void __exit rundown_module_exit(void)
{
	rundown_dev_exit();
}

module_init(rundown_module_init);
module_exit(rundown_module_exit);

MODULE_DESCRIPTION("Run-down protection (NT's EX_RUNDOWN_REF), plain and cache-aware");
MODULE_AUTHOR("The rundown authors");
MODULE_LICENSE("GPL");
MODULE_VERSION("0.1.0");

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Declarations shared by the parts of rundown.ko around the primitive;
 * not an interface. The primitive (kmod/rundown.c) includes none of this:
 * main.c -> dev.c -> bench.c -> <linux/rundown.h>, never the other way.
 */
#ifndef _RUNDOWN_INTERNAL_H
#define _RUNDOWN_INTERNAL_H

struct file;

/* dev.c: /dev/rundown, brought up and down by main.c */
int rundown_dev_init(void);
void rundown_dev_exit(void);

/* bench.c: RUNDOWN_IOC_BENCH, the in-kernel benchmarks */
long rundown_bench_ioctl(struct file *file, void __user *argp);

#endif /* _RUNDOWN_INTERNAL_H */

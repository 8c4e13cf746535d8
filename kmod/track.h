/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Between the primitive (kmod/rundown.c) and its debugging aids
 * (kmod/track.c: holder tracking, stalled-wait reports, debugfs,
 * tracepoints); not an interface. Neither includes the device's or the
 * benchmarks' declarations.
 */
#ifndef _RUNDOWN_TRACK_H
#define _RUNDOWN_TRACK_H

struct dentry;

/* How long a wait may sleep before it is reported (0: never), in jiffies. */
unsigned long rundown_stall_jiffies(void);
/* Report a wait on @ref that has slept @waited jiffies; @held < 0: unknown. */
void rundown_report_stall(const void *ref, const char *what, long held,
			  unsigned long waited);
/* @ref is (re)initialised: no reference is held, drop its records. Not NMI. */
void rundown_track_forget(const void *ref);
/* @ref goes away: stop tracking it one by one. Process context if tracked. */
void rundown_track_exit(const void *ref);

/* Module init and exit (kmod/main.c); the debugfs directory for dev.c. */
int rundown_track_init(void);
void rundown_track_exit_module(void);
struct dentry *rundown_debugfs_dir(void);

#endif /* _RUNDOWN_TRACK_H */

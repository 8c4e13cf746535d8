// SPDX-License-Identifier: GPL-2.0
/*
 * rundown_test.ko: out-of-line instances of the cache-aware fast paths.
 *
 * The fast paths are inline in <linux/rundown.h>; these noinline copies
 * give them a symbol of their own, so that kmod/test/check-fastpath.sh can
 * disassemble exactly what a caller's module gets and check that it holds
 * no locked instruction, no exchange with memory and no fence. The NT
 * forms' copies are in rundown_test_nt.c. t_ool_fast_paths() runs these.
 */
#define pr_fmt(fmt) "rundown_test: " fmt

#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/rundown.h>
#include "rundown_test.h"

static noinline bool ool_rundown_pcpu_acquire(struct rundown_pcpu *ref)
{
	return rundown_pcpu_acquire(ref);
}

static noinline bool ool_rundown_pcpu_acquire_many(struct rundown_pcpu *ref,
						   unsigned long n)
{
	return rundown_pcpu_acquire_many(ref, n);
}

static noinline void ool_rundown_pcpu_release(struct rundown_pcpu *ref)
{
	rundown_pcpu_release(ref);
}

static noinline void ool_rundown_pcpu_release_many(struct rundown_pcpu *ref,
						   unsigned long n)
{
	rundown_pcpu_release_many(ref, n);
}

static int ool_waiter_fn(void *ref)
{
	rundown_pcpu_wait(ref);
	while (!kthread_should_stop())
		schedule_timeout_idle(1);
	return 0;
}

/*
 * Both init forms, live and during run-down, through the copies. The run-
 * down comes from another task: this one holds references meanwhile.
 */
void t_ool_fast_paths(struct rd *unused)
{
	size_t size = rundown_pcpu_size();
	struct rundown_pcpu *p = kzalloc(size, GFP_KERNEL);
	struct task_struct *waiter;
	int form, tries;

	if (!p) {
		EXPECT(0);
		return;
	}
	for (form = 0; form < 2; form++) {
		if (form)
			rundown_pcpu_init_buffer(p, size);
		else if (rundown_pcpu_init(p, GFP_KERNEL))
			break;
		EXPECT(ool_rundown_pcpu_acquire(p));
		EXPECT(ool_rundown_pcpu_acquire_many(p, 3));
		EXPECT(ool_rundown_pcpu_acquire_many(p, 3));
		ool_rundown_pcpu_release_many(p, 5);
		/* Two held; a waiter hands them over to the central count. */
		waiter = kthread_run(ool_waiter_fn, p, "rundown_test/ool");
		if (IS_ERR(waiter)) {
			EXPECT(0);
			break;
		}
		get_task_struct(waiter);
		for (tries = 0; tries < 10000 && atomic_long_read(&p->central) != 2; tries++)
			usleep_range(100, 200);
		EXPECT(atomic_long_read(&p->central) == 2);
		EXPECT(!ool_rundown_pcpu_acquire(p));
		EXPECT(!ool_rundown_pcpu_acquire_many(p, 1));
		ool_rundown_pcpu_release(p);	/* through the central count */
		EXPECT(atomic_long_read(&p->central) == 1);
		ool_rundown_pcpu_release_many(p, 1);
		for (tries = 0; tries < 10000 && !rundown_pcpu_is_drained(p); tries++)
			usleep_range(100, 200);
		EXPECT(rundown_pcpu_is_drained(p));
		kthread_stop(waiter);
		put_task_struct(waiter);
		rundown_pcpu_exit(p);
	}
	kfree(p);
}

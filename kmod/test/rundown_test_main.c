// SPDX-License-Identifier: GPL-2.0
/*
 * rundown_test.ko: the primitive's tests, run at module load.
 *
 * Every case runs on both variants (struct rundown_ref and struct
 * rundown_pcpu) through a small ops table, and prints one KTAP line. The
 * summary line "rundown_test: RESULT <passed> <failed>" is what the VM lane
 * reads. Loading with misuse=1 runs the misuse cases instead: each provokes
 * a WARN_ON_ONCE() on purpose and checks that the count survived; the VM
 * lane runs them with panic_on_warn off and checks the reports.
 */
#define pr_fmt(fmt) "rundown_test: " fmt

#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/rundown.h>
#include "rundown_test.h"

static bool misuse;
module_param(misuse, bool, 0444);
MODULE_PARM_DESC(misuse, "Run the misuse cases (they WARN on purpose)");

unsigned int stress_ms = 400;
module_param(stress_ms, uint, 0444);
MODULE_PARM_DESC(stress_ms, "Duration of each stress case in ms");

static unsigned int stall;
module_param(stall, uint, 0444);
MODULE_PARM_DESC(stall,
		 "Run the stalled-wait cases instead: 1 with rundown's track_holders on, 2 tracking each object (the VM lane sets rundown's parameters)");

static unsigned int stall_ms = 3500;
module_param(stall_ms, uint, 0444);
MODULE_PARM_DESC(stall_ms, "How long the stalled-wait cases hold their reference, in ms");

/* ---- harness ---------------------------------------------------------- */

static unsigned int nr_passed, nr_failed, nr_case;
bool case_failed;

/* ---- one ops table for both variants ---------------------------------- */

static const char *const rd_variant_names[] = {
	[RD_PLAIN] = "plain", [RD_PCPU] = "pcpu", [RD_PCPU_BUFFER] = "pcpu_buffer",
};

static int rd_init(struct rd *r, enum rd_variant variant)
{
	size_t size = rundown_pcpu_size();

	r->variant = variant;
	r->pcpu = variant != RD_PLAIN;
	switch (variant) {
	case RD_PLAIN:
		rundown_init(&r->ref);
		return 0;
	case RD_PCPU:
		r->p = &r->pref;
		return rundown_pcpu_init(r->p, GFP_KERNEL);
	case RD_PCPU_BUFFER:
		/* Deliberately not cache-line aligned: init aligns the slots. */
		r->p = kmalloc(size + 8, GFP_KERNEL);
		if (!r->p)
			return -ENOMEM;
		r->p = (void *)r->p + 8;
		rundown_pcpu_init_buffer(r->p, size);
		return 0;
	}
	return -EINVAL;
}

static void rd_exit(struct rd *r)
{
	if (!r->pcpu)
		return;
	rundown_pcpu_exit(r->p);
	if (r->variant == RD_PCPU_BUFFER)
		kfree((void *)r->p - 8);
}

static bool rd_acquire_many(struct rd *r, unsigned long n)
{
	return r->pcpu ? rundown_pcpu_acquire_many(r->p, n) :
			 rundown_acquire_many(&r->ref, n);
}

static bool rd_acquire(struct rd *r)
{
	return r->pcpu ? rundown_pcpu_acquire(r->p) :
			 rundown_acquire(&r->ref);
}

static void rd_release_many(struct rd *r, unsigned long n)
{
	if (r->pcpu)
		rundown_pcpu_release_many(r->p, n);
	else
		rundown_release_many(&r->ref, n);
}

static void rd_release(struct rd *r)
{
	if (r->pcpu)
		rundown_pcpu_release(r->p);
	else
		rundown_release(&r->ref);
}

static void rd_wait(struct rd *r)
{
	if (r->pcpu)
		rundown_pcpu_wait(r->p);
	else
		rundown_wait(&r->ref);
}

static int rd_wait_killable(struct rd *r)
{
	return r->pcpu ? rundown_pcpu_wait_killable(r->p) :
			 rundown_wait_killable(&r->ref);
}

static long rd_wait_timeout(struct rd *r, long timeout)
{
	return r->pcpu ? rundown_pcpu_wait_timeout(r->p, timeout) :
			 rundown_wait_timeout(&r->ref, timeout);
}

static void rd_completed(struct rd *r)
{
	if (r->pcpu)
		rundown_pcpu_completed(r->p);
	else
		rundown_completed(&r->ref);
}

static void rd_reinit(struct rd *r)
{
	if (r->pcpu)
		rundown_pcpu_reinit(r->p);
	else
		rundown_reinit(&r->ref);
}

static bool rd_is_active(struct rd *r)
{
	return r->pcpu ? rundown_pcpu_is_active(r->p) :
			 rundown_is_active(&r->ref);
}

static bool rd_acquire_owned(struct rd *r)
{
	return r->pcpu ? rundown_pcpu_acquire_owned(r->p) :
			 rundown_acquire_owned(&r->ref);
}

static void rd_release_owned(struct rd *r)
{
	if (r->pcpu)
		rundown_pcpu_release_owned(r->p);
	else
		rundown_release_owned(&r->ref);
}

/*
 * Whether lockdep counts the current task as holding @r: 1 or 0, or -1
 * without lockdep (or once a report switched it off).
 */
static int rd_lockdep_held(struct rd *r)
{
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	if (debug_locks)
		return !!lock_is_held(r->pcpu ? &r->p->dep_map : &r->ref.dep_map);
#endif
	return -1;
}

/* ---- threads ------------------------------------------------------------ */

struct worker {
	struct task_struct *task;
	struct rd *r;
	int cpu;
	long ret;
	unsigned long ops, refused, bad;
	struct completion started, done;
	void *arg;
};

static struct worker *worker_start(int (*fn)(void *), struct rd *r, int cpu,
				   void *arg)
{
	struct worker *w = kzalloc(sizeof(*w), GFP_KERNEL);

	if (!w)
		return NULL;
	w->r = r;
	w->cpu = cpu;
	w->arg = arg;
	init_completion(&w->started);
	init_completion(&w->done);
	w->task = kthread_create(fn, w, "rundown_test/%d", cpu);
	if (IS_ERR(w->task)) {
		kfree(w);
		return NULL;
	}
	get_task_struct(w->task);
	if (cpu >= 0)
		kthread_bind(w->task, cpu);
	wake_up_process(w->task);
	wait_for_completion(&w->started);
	return w;
}

/* Stop (if still running) and free; returns the thread's ret. */
static long worker_stop(struct worker *w)
{
	long ret;

	if (!w)
		return -ENOMEM;
	kthread_stop(w->task);
	put_task_struct(w->task);
	ret = w->ret;
	kfree(w);
	return ret;
}

/* Thread bodies end by waiting for kthread_stop(), so stop never races exit. */
static void worker_park(struct worker *w)
{
	complete(&w->done);
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
}

static int cpu_nth(unsigned int n)
{
	unsigned int cpu, i = 0, nr = num_online_cpus();

	n %= nr;
	for_each_online_cpu(cpu)
		if (i++ == n)
			return cpu;
	return raw_smp_processor_id();
}

/* ---- cases --------------------------------------------------------------- */

static void t_acquire_release(struct rd *r)
{
	EXPECT(rd_is_active(r));
	EXPECT(rd_acquire(r));
	EXPECT(rd_acquire(r));
	rd_release(r);
	rd_release(r);
	EXPECT(rd_acquire_many(r, 5));
	rd_release_many(r, 2);
	rd_release_many(r, 3);
	/* Nothing held: wait returns at once, then acquires fail. */
	EXPECT(rd_wait_timeout(r, 1) > 0);
	EXPECT(!rd_acquire(r));
	EXPECT(!rd_acquire_many(r, 3));
	EXPECT(!rd_is_active(r));
}

static void t_wait_repeat_completed_reinit(struct rd *r)
{
	int i;

	for (i = 0; i < 100; i++) {
		EXPECT(rd_acquire(r));
		rd_release(r);
		rd_wait(r);
		rd_wait(r);	/* again: returns at once (beyond NT) */
		EXPECT(rd_wait_killable(r) == 0);
		EXPECT(rd_wait_timeout(r, 0) > 0);
		EXPECT(!rd_acquire(r));
		rd_completed(r);
		EXPECT(!rd_acquire(r));
		rd_reinit(r);
		EXPECT(rd_is_active(r));
	}
	EXPECT(rd_acquire(r));
	rd_release(r);
}

static void t_many_limits(struct rd *r)
{
	unsigned long max = r->pcpu ? RUNDOWN_PCPU_MAX_MANY : RUNDOWN_MAX_REFS;

	/* The largest count one call may take works, and releases exactly. */
	EXPECT(rd_acquire_many(r, max));
	rd_release_many(r, max);
	EXPECT(rd_acquire_many(r, max - 1));
	EXPECT(rd_acquire(r));
	rd_release_many(r, max);
	if (r->pcpu) {	/* the total may exceed what one call takes */
		EXPECT(rd_acquire_many(r, max));
		EXPECT(rd_acquire_many(r, max));
		rd_release_many(r, max);
		rd_release_many(r, max);
	}
	EXPECT(rd_wait_timeout(r, 1) > 0);
}

static int holder_fn(void *data)
{
	struct worker *w = data;
	struct completion *release = w->arg;

	w->ret = rd_acquire(w->r);
	complete(&w->started);
	if (w->ret)
		wait_for_completion(release);
	if (w->ret)
		rd_release(w->r);
	worker_park(w);
	return 0;
}

static void t_wait_blocks_until_release(struct rd *r)
{
	DECLARE_COMPLETION_ONSTACK(release);
	struct worker *w = worker_start(holder_fn, r, cpu_nth(1), &release);

	EXPECT(w && w->ret);
	if (!w)
		return;
	/* Held elsewhere: a timed wait times out and leaves run-down begun. */
	EXPECT(rd_wait_timeout(r, msecs_to_jiffies(20)) == 0);
	EXPECT(!rd_acquire(r));
	EXPECT(!rd_is_active(r));
	complete(&release);
	EXPECT(rd_wait_timeout(r, 10 * HZ) > 0);
	worker_stop(w);
}

static int killable_waiter_fn(void *data)
{
	struct worker *w = data;

	allow_signal(SIGKILL);
	complete(&w->started);
	w->ret = rd_wait_killable(w->r);
	worker_park(w);
	return 0;
}

static void t_wait_killable(struct rd *r)
{
	struct worker *w;

	EXPECT(rd_acquire(r));
	w = worker_start(killable_waiter_fn, r, -1, NULL);
	if (!w) {
		EXPECT(0);
		rd_release(r);
		return;
	}
	/* Let it reach the sleep, then kill it. */
	EXPECT(!wait_for_completion_timeout(&w->done, msecs_to_jiffies(30)));
	send_sig(SIGKILL, w->task, 1);
	EXPECT(wait_for_completion_timeout(&w->done, 10 * HZ));
	EXPECT(w->ret == -EINTR);
	worker_stop(w);
	/* Run-down stays in progress after the interrupted wait. */
	EXPECT(!rd_acquire(r));
	rd_release(r);
	EXPECT(rd_wait_killable(r) == 0);
}

static int waiter_fn(void *data)
{
	struct worker *w = data;
	bool *released = w->arg;

	complete(&w->started);
	rd_wait(w->r);
	/* Pairs with the release in the test body: must see the flag. */
	w->ret = READ_ONCE(*released) ? 0 : -EINVAL;
	worker_park(w);
	return 0;
}

static void t_several_waiters(struct rd *r)
{
	struct worker *w[4];
	bool released = false;
	int i;

	EXPECT(rd_acquire_many(r, 2));
	for (i = 0; i < ARRAY_SIZE(w); i++)
		w[i] = worker_start(waiter_fn, r, cpu_nth(i), &released);
	for (i = 0; i < ARRAY_SIZE(w); i++)
		EXPECT(w[i] && !wait_for_completion_timeout(&w[i]->done, 1));
	msleep(20);
	for (i = 0; i < ARRAY_SIZE(w); i++)
		EXPECT(w[i] && !completion_done(&w[i]->done));
	rd_release(r);
	msleep(20);
	for (i = 0; i < ARRAY_SIZE(w); i++)
		EXPECT(w[i] && !completion_done(&w[i]->done));
	WRITE_ONCE(released, true);
	rd_release(r);
	for (i = 0; i < ARRAY_SIZE(w); i++) {
		EXPECT(w[i] && wait_for_completion_timeout(&w[i]->done, 10 * HZ));
		EXPECT(worker_stop(w[i]) == 0);
	}
}

/* Acquire on one CPU, in one task; release on another CPU, in another. */
static int releaser_fn(void *data)
{
	struct worker *w = data;
	unsigned long n = (unsigned long)w->arg;

	complete(&w->started);
	rd_release_many(w->r, n);
	worker_park(w);
	return 0;
}

static int acquirer_fn(void *data)
{
	struct worker *w = data;
	unsigned long n = (unsigned long)w->arg;

	complete(&w->started);
	w->ret = rd_acquire_many(w->r, n) ? 0 : -EINVAL;
	worker_park(w);
	return 0;
}

static void t_release_other_cpu(struct rd *r)
{
	unsigned int i;

	for (i = 0; i < 20; i++) {
		struct worker *a, *b;

		a = worker_start(acquirer_fn, r, cpu_nth(i), (void *)3UL);
		EXPECT(a && wait_for_completion_timeout(&a->done, 10 * HZ));
		EXPECT(worker_stop(a) == 0);
		b = worker_start(releaser_fn, r, cpu_nth(i + 1), (void *)3UL);
		EXPECT(b && wait_for_completion_timeout(&b->done, 10 * HZ));
		worker_stop(b);
	}
	/* Everything was released somewhere: wait returns at once. */
	EXPECT(rd_wait_timeout(r, 1) > 0);
}

/* hrtimer callbacks run in hard interrupt context. */
struct irq_case {
	struct hrtimer timer;
	struct rd *r;
	bool acquired;
	bool release;
	bool in_hardirq;
};

static enum hrtimer_restart irq_fn(struct hrtimer *t)
{
	struct irq_case *c = container_of(t, struct irq_case, timer);

	c->in_hardirq = in_hardirq();
	if (c->release)
		rd_release(c->r);
	else
		c->acquired = rd_acquire(c->r);
	return HRTIMER_NORESTART;
}

static void t_hardirq(struct rd *r)
{
	struct irq_case c = { .r = r };

	hrtimer_init_on_stack(&c.timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	c.timer.function = irq_fn;
	hrtimer_start(&c.timer, ns_to_ktime(1000), HRTIMER_MODE_REL_HARD);
	while (hrtimer_active(&c.timer))
		usleep_range(100, 200);
	EXPECT(c.acquired && c.in_hardirq);
	/* Now the last release happens in hard IRQ while we wait. */
	c.release = true;
	hrtimer_start(&c.timer, ms_to_ktime(20), HRTIMER_MODE_REL_HARD);
	EXPECT(rd_wait_timeout(r, 10 * HZ) > 0);
	hrtimer_cancel(&c.timer);
	destroy_hrtimer_on_stack(&c.timer);
	EXPECT(!rd_acquire(r));
}

/*
 * Hand-offs, the correct use that lockdep must never report: this task
 * acquires, hands the references to an interrupt (an I/O completion) or
 * to another task, and waits for them while they are still out.
 */
struct handoff {
	struct hrtimer timer;
	struct rd *r;
	bool released;		/* written by the releaser before its release */
	bool in_hardirq;
};

static enum hrtimer_restart handoff_irq_fn(struct hrtimer *t)
{
	struct handoff *h = container_of(t, struct handoff, timer);

	h->in_hardirq = in_hardirq();
	WRITE_ONCE(h->released, true);
	rd_release_many(h->r, 2);
	return HRTIMER_NORESTART;
}

static void t_handoff_irq_then_wait(struct rd *r)
{
	struct handoff h = { .r = r };

	hrtimer_init_on_stack(&h.timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	h.timer.function = handoff_irq_fn;
	EXPECT(rd_acquire_many(r, 2));
	EXPECT(rd_lockdep_held(r) != 1);	/* handed off: not ours */
	hrtimer_start(&h.timer, ms_to_ktime(20), HRTIMER_MODE_REL_HARD);
	/* The wait starts while the interrupt still holds them. */
	EXPECT(rd_wait_timeout(r, 10 * HZ) > 0);
	/* The releaser's write happened before the wait returned. */
	EXPECT(READ_ONCE(h.released) && h.in_hardirq);
	hrtimer_cancel(&h.timer);
	destroy_hrtimer_on_stack(&h.timer);
}

static int late_releaser_fn(void *data)
{
	struct worker *w = data;
	bool *released = w->arg;

	complete(&w->started);
	msleep(20);
	WRITE_ONCE(*released, true);
	rd_release(w->r);
	worker_park(w);
	return 0;
}

static void t_handoff_task_then_wait(struct rd *r)
{
	bool released = false;
	struct worker *w;

	EXPECT(rd_acquire(r));
	w = worker_start(late_releaser_fn, r, cpu_nth(1), &released);
	if (!w) {
		EXPECT(0);
		rd_release(r);
		return;
	}
	EXPECT(rd_wait_timeout(r, 10 * HZ) > 0);
	EXPECT(READ_ONCE(released));
	worker_stop(w);
}

/* Owned references in hard IRQ: taken and dropped by the same interrupt. */
struct owned_irq {
	struct hrtimer timer;
	struct rd *r;
	bool acquired;
	bool in_hardirq;
	int held;		/* rd_lockdep_held() inside the interrupt */
};

static enum hrtimer_restart owned_irq_fn(struct hrtimer *t)
{
	struct owned_irq *c = container_of(t, struct owned_irq, timer);

	c->in_hardirq = in_hardirq();
	c->acquired = rd_acquire_owned(c->r);
	if (c->acquired) {
		c->held = rd_lockdep_held(c->r);
		rd_release_owned(c->r);
	}
	return HRTIMER_NORESTART;
}

/*
 * The _owned forms: the same counts as the plain ones, nested, mixed with
 * references that are handed off, in hard IRQ. Lockdep (where the kernel
 * has it) sees the owned ones held, and never the others.
 */
static void t_owned(struct rd *r)
{
	struct owned_irq c = { .r = r };
	int none = rd_lockdep_held(r);	/* -1 without lockdep, else 0 */
	int held = none < 0 ? -1 : 1;
	struct worker *w;

	EXPECT(none <= 0);
	EXPECT(rd_acquire_owned(r));
	EXPECT(rd_acquire_owned(r));	/* nested: to lockdep a recursive read */
	EXPECT(rd_lockdep_held(r) == held);
	EXPECT(rd_acquire(r));		/* handed off below */
	rd_release_owned(r);
	EXPECT(rd_lockdep_held(r) == held);
	rd_release_owned(r);
	EXPECT(rd_lockdep_held(r) == none);
	w = worker_start(releaser_fn, r, cpu_nth(1), (void *)1UL);
	EXPECT(w && wait_for_completion_timeout(&w->done, 10 * HZ));
	worker_stop(w);

	hrtimer_init_on_stack(&c.timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	c.timer.function = owned_irq_fn;
	hrtimer_start(&c.timer, ns_to_ktime(1000), HRTIMER_MODE_REL_HARD);
	while (hrtimer_active(&c.timer))
		usleep_range(100, 200);
	destroy_hrtimer_on_stack(&c.timer);
	EXPECT(c.acquired && c.in_hardirq && c.held == held);

	/* Nothing held: the wait returns, and owned acquires fail like the others. */
	EXPECT(rd_wait_timeout(r, 10 * HZ) > 0);
	EXPECT(!rd_acquire_owned(r));
	EXPECT(rd_lockdep_held(r) == none);
	rd_completed(r);
	rd_reinit(r);
	EXPECT(rd_acquire_owned(r));
	rd_release_owned(r);
}

/*
 * Ordering: a holder writes a block of data, then releases; the waiter,
 * once returned, must see every write.
 */
#define ORDER_WORDS 64

static int writer_fn(void *data)
{
	struct worker *w = data;
	unsigned long *buf = w->arg;
	int i;

	w->ret = rd_acquire(w->r) ? 0 : -EINVAL;
	complete(&w->started);
	if (!w->ret) {
		for (i = 0; i < ORDER_WORDS; i++)
			WRITE_ONCE(buf[i], i + 1);
		rd_release(w->r);
	}
	worker_park(w);
	return 0;
}

static void t_ordering(struct rd *r)
{
	unsigned long *buf = kcalloc(ORDER_WORDS, sizeof(*buf), GFP_KERNEL);
	int round, i;

	if (!buf) {
		EXPECT(0);
		return;
	}
	for (round = 0; round < 200; round++) {
		struct worker *w;

		memset(buf, 0, ORDER_WORDS * sizeof(*buf));
		w = worker_start(writer_fn, r, cpu_nth(round), buf);
		EXPECT(w && !w->ret);
		rd_wait(r);
		for (i = 0; i < ORDER_WORDS; i++)
			if (READ_ONCE(buf[i]) != i + 1) {
				EXPECT(buf[i] == i + 1);
				break;
			}
		worker_stop(w);
		rd_completed(r);
		rd_reinit(r);
	}
	kfree(buf);
}

/*
 * Stress: readers on every CPU acquire and release as fast as they can and
 * count themselves "inside"; the owner runs down, checks nobody is inside
 * and that no acquire succeeds, then reinitialises: many cycles under load.
 */
struct stress {
	atomic_t inside;
	atomic_t late;		/* acquires that succeeded while run down */
	bool down;		/* written by the owner between wait and reinit */
};

static int reader_fn(void *data)
{
	struct worker *w = data;
	struct stress *s = w->arg;
	unsigned long iter = 0;

	complete(&w->started);
	while (!kthread_should_stop()) {
		unsigned long n = 1 + (w->ops & 3);

		if (rd_acquire_many(w->r, n)) {
			atomic_inc(&s->inside);
			if (READ_ONCE(s->down))
				atomic_inc(&s->late);
			w->ops++;
			atomic_dec(&s->inside);
			/* Release part of it here, part after a possible move. */
			rd_release(w->r);
			if (n > 1) {
				cond_resched();
				rd_release_many(w->r, n - 1);
			}
		} else {
			w->refused++;
		}
		if (!(++iter & 63))
			cond_resched();
	}
	return 0;
}

static void t_stress_reinit_cycles(struct rd *r)
{
	struct worker *w[8];
	struct stress s = { .inside = ATOMIC_INIT(0), .late = ATOMIC_INIT(0) };
	unsigned long end = jiffies + msecs_to_jiffies(stress_ms);
	unsigned long cycles = 0, ops = 0, refused = 0;
	int i, nr = min_t(int, ARRAY_SIZE(w), 2 * num_online_cpus());

	for (i = 0; i < nr; i++) {
		w[i] = worker_start(reader_fn, r, -1, &s);
		EXPECT(w[i]);
	}
	do {
		rd_wait(r);
		/* Nobody may be inside once the wait returned. */
		EXPECT(atomic_read(&s.inside) == 0);
		WRITE_ONCE(s.down, true);
		usleep_range(10, 20);
		EXPECT(!rd_acquire(r));
		WRITE_ONCE(s.down, false);
		rd_completed(r);
		rd_reinit(r);
		cycles++;
		usleep_range(50, 200);
	} while (time_before(jiffies, end));
	for (i = 0; i < nr; i++) {
		if (!w[i])
			continue;
		ops += w[i]->ops;
		refused += w[i]->refused;
		worker_stop(w[i]);
	}
	EXPECT(atomic_read(&s.late) == 0);
	pr_info("    %s: %lu cycles, %lu acquires, %lu refused\n",
		rd_variant_names[r->variant], cycles, ops, refused);
	EXPECT(rd_wait_timeout(r, 10 * HZ) > 0);
}

/*
 * Every acquire that starts after the wait's fence fails, on every CPU:
 * readers hammer the reference while one reference is held, so the wait
 * sets the flag, fences, hands over and sleeps. The test publishes "the
 * fence has passed" once it sees the hand-over (the flag, for the plain
 * variant); a reader that read that and then acquired is a violation.
 */
struct after_fence {
	bool passed;		/* published by the test thread with release */
	atomic_t violations;
	atomic_t acquired_before;
};

static int fence_reader_fn(void *data)
{
	struct worker *w = data;
	struct after_fence *f = w->arg;

	complete(&w->started);
	while (!kthread_should_stop()) {
		/* Acquire: orders this load before the acquire's flag load. */
		bool passed = smp_load_acquire(&f->passed);

		if (rd_acquire(w->r)) {
			if (passed)
				atomic_inc(&f->violations);
			else
				atomic_inc(&f->acquired_before);
			rd_release(w->r);
		} else {
			w->refused++;
		}
		cond_resched();
	}
	return 0;
}

static int plain_waiter_fn(void *data)
{
	struct worker *w = data;

	complete(&w->started);
	rd_wait(w->r);
	worker_park(w);
	return 0;
}

/* Whether the wait's fence has passed: the hand-over, or the plain flag. */
static bool rd_fence_passed(struct rd *r)
{
	if (r->pcpu)	/* the bias is gone: the sweep ran after the fence */
		return atomic_long_read_acquire(&r->p->central) < RUNDOWN_PCPU_BIAS / 2;
	return atomic_long_read_acquire(&r->ref.count) & RUNDOWN_DYING;
}

static void t_acquire_after_fence_fails(struct rd *r)
{
	struct after_fence f = { .violations = ATOMIC_INIT(0) };
	struct worker *readers[8], *waiter;
	unsigned long refused = 0;
	unsigned int i, nr = min_t(unsigned int, ARRAY_SIZE(readers),
				   num_online_cpus());
	int tries;

	for (i = 0; i < nr; i++)
		readers[i] = worker_start(fence_reader_fn, r, cpu_nth(i), &f);
	EXPECT(rd_acquire(r));
	msleep(20);
	waiter = worker_start(plain_waiter_fn, r, -1, NULL);
	EXPECT(waiter);
	for (tries = 0; tries < 10000 && !rd_fence_passed(r); tries++)
		usleep_range(100, 200);
	EXPECT(rd_fence_passed(r));
	/* Pairs with the acquire load in fence_reader_fn(). */
	smp_store_release(&f.passed, true);
	msleep(50);
	/* The wait is still sleeping on our reference. */
	EXPECT(waiter && !completion_done(&waiter->done));
	rd_release(r);
	EXPECT(waiter && wait_for_completion_timeout(&waiter->done, 10 * HZ));
	worker_stop(waiter);
	for (i = 0; i < nr; i++) {
		if (!readers[i]) {
			EXPECT(0);
			continue;
		}
		refused += readers[i]->refused;
		worker_stop(readers[i]);
	}
	EXPECT(atomic_read(&f.violations) == 0);
	EXPECT(atomic_read(&f.acquired_before) > 0);
	EXPECT(refused > 0);
	/* Reinit: every CPU acquires again. */
	rd_completed(r);
	rd_reinit(r);
	for (i = 0; i < nr; i++) {
		struct worker *a = worker_start(acquirer_fn, r, cpu_nth(i), (void *)1UL);

		EXPECT(a && wait_for_completion_timeout(&a->done, 10 * HZ));
		EXPECT(worker_stop(a) == 0);
	}
	rd_release_many(r, nr);
	EXPECT(rd_wait_timeout(r, 10 * HZ) > 0);
}

/*
 * CPU hotplug: references taken on a CPU that then goes offline are still
 * counted (the counters of every possible CPU are summed), and readers
 * that migrate as CPUs come and go keep the count exact while the owner
 * runs down and reinitialises.
 */
static int hotplug_fn(void *data)
{
	struct worker *w = data;
	unsigned int cpu;

	complete(&w->started);
	while (!kthread_should_stop()) {
		for_each_present_cpu(cpu) {
			if (!cpu || kthread_should_stop())
				continue;
			if (!remove_cpu(cpu)) {
				usleep_range(2000, 3000);
				if (add_cpu(cpu))
					w->bad++;
				w->ops++;
			}
			usleep_range(2000, 3000);
		}
	}
	return 0;
}

static int migrating_reader_fn(void *data)
{
	struct worker *w = data;
	struct stress *s = w->arg;
	unsigned int cpu;

	complete(&w->started);
	while (!kthread_should_stop()) {
		if (!rd_acquire_many(w->r, 2)) {
			w->refused++;
			usleep_range(10, 20);
			continue;
		}
		atomic_inc(&s->inside);
		if (READ_ONCE(s->down))
			atomic_inc(&s->late);
		cpu = raw_smp_processor_id();
		rd_release(w->r);
		/* Move before the second release, if the scheduler lets us. */
		set_cpus_allowed_ptr(current, cpumask_of(cpu_nth(cpu + 1)));
		atomic_dec(&s->inside);
		rd_release(w->r);
		set_cpus_allowed_ptr(current, cpu_possible_mask);
		w->ops++;
		cond_resched();
	}
	return 0;
}

static void t_hotplug(struct rd *r)
{
	struct stress s = { .inside = ATOMIC_INIT(0), .late = ATOMIC_INIT(0) };
	unsigned long end = jiffies + msecs_to_jiffies(2 * stress_ms);
	struct worker *holder, *rel, *plug, *w[4];
	unsigned long cycles = 0, ops = 0;
	int i, last = -1;

	if (!IS_ENABLED(CONFIG_HOTPLUG_CPU) || num_online_cpus() < 2) {
		pr_info("    hotplug: skipped (no CPU hotplug or one CPU)\n");
		return;
	}
	for_each_online_cpu(i)
		last = i;
	/*
	 * Two references taken on the last CPU, which then goes offline;
	 * one is released on CPU 0 while live, the other during run-down.
	 */
	holder = worker_start(acquirer_fn, r, last, (void *)2UL);
	EXPECT(holder && wait_for_completion_timeout(&holder->done, 10 * HZ));
	EXPECT(!remove_cpu(last));
	rel = worker_start(releaser_fn, r, 0, (void *)1UL);
	EXPECT(rel && wait_for_completion_timeout(&rel->done, 10 * HZ));
	worker_stop(rel);
	EXPECT(rd_wait_timeout(r, msecs_to_jiffies(20)) == 0);
	EXPECT(!rd_acquire(r));
	rel = worker_start(releaser_fn, r, 0, (void *)1UL);
	EXPECT(rel && wait_for_completion_timeout(&rel->done, 10 * HZ));
	worker_stop(rel);
	EXPECT(rd_wait_timeout(r, 10 * HZ) > 0);
	EXPECT(!add_cpu(last));
	EXPECT(worker_stop(holder) == 0);
	rd_completed(r);
	rd_reinit(r);

	/* Migrating readers while CPUs go offline and online. */
	for (i = 0; i < ARRAY_SIZE(w); i++)
		w[i] = worker_start(migrating_reader_fn, r, -1, &s);
	plug = worker_start(hotplug_fn, r, 0, NULL);
	do {
		rd_wait(r);
		EXPECT(atomic_read(&s.inside) == 0);
		WRITE_ONCE(s.down, true);
		EXPECT(!rd_acquire(r));
		WRITE_ONCE(s.down, false);
		rd_completed(r);
		rd_reinit(r);
		cycles++;
		usleep_range(500, 1000);
		/* At least one CPU offline and back, however slow the kernel. */
	} while (time_before(jiffies, end) ||
		 (plug && !READ_ONCE(plug->ops) && time_before(jiffies, end + 30 * HZ)));
	EXPECT(plug);
	if (plug) {
		unsigned long rounds, bad;

		kthread_stop(plug->task);	/* then its counts are final */
		rounds = plug->ops;
		bad = plug->bad;
		put_task_struct(plug->task);
		kfree(plug);
		EXPECT(rounds > 0);
		EXPECT(bad == 0);
		pr_info("    hotplug: %lu offline/online rounds\n", rounds);
	}
	for (i = 0; i < ARRAY_SIZE(w); i++) {
		EXPECT(w[i]);
		if (!w[i])
			continue;
		ops += w[i]->ops;
		worker_stop(w[i]);
	}
	EXPECT(atomic_read(&s.late) == 0);
	EXPECT(ops > 0);
	EXPECT(num_online_cpus() == num_present_cpus());
	pr_info("    %s hotplug: %lu cycles, %lu acquires\n",
		rd_variant_names[r->variant], cycles, ops);
	EXPECT(rd_wait_timeout(r, 10 * HZ) > 0);
}

struct test_case {
	const char *name;
	void (*fn)(struct rd *r);
};

static const struct test_case cases[] = {
	{ "acquire_release", t_acquire_release },
	{ "wait_repeat_completed_reinit", t_wait_repeat_completed_reinit },
	{ "many_limits", t_many_limits },
	{ "wait_blocks_until_release", t_wait_blocks_until_release },
	{ "wait_killable", t_wait_killable },
	{ "several_waiters", t_several_waiters },
	{ "release_other_cpu", t_release_other_cpu },
	{ "hardirq", t_hardirq },
	{ "ordering", t_ordering },
	{ "stress_reinit_cycles", t_stress_reinit_cycles },
	{ "acquire_after_fence_fails", t_acquire_after_fence_fails },
	{ "hotplug", t_hotplug },
	{ "handoff_irq_then_wait", t_handoff_irq_then_wait },
	{ "handoff_task_then_wait", t_handoff_task_then_wait },
	{ "owned", t_owned },
};

/*
 * The rundown-protected pointer's cases (rundown_test_ptr.c), on its two
 * forms: struct rundown_ptr (plain) and struct rundown_ptr_pcpu, which
 * allocates its generations (r->pcpu picks the form; r is otherwise unused).
 */
static const struct test_case ptr_cases[] = {
	{ "ptr_basic", t_ptr_basic },
	{ "ptr_replace_waits", t_ptr_replace_waits },
	{ "ptr_killable", t_ptr_killable },
	{ "ptr_stress_replace", t_ptr_stress_replace },
	{ "ptr_stress_retire", t_ptr_stress_retire },
};

static void run_case(const char *name, void (*fn)(struct rd *r),
		     enum rd_variant variant)
{
	struct rd *r = kzalloc(sizeof(*r), GFP_KERNEL);

	case_failed = false;
	nr_case++;
	if (!r || rd_init(r, variant)) {
		case_failed = true;
	} else {
		fn(r);
		rd_exit(r);
	}
	kfree(r);
	if (case_failed) {
		nr_failed++;
		pr_info("not ok %u %s.%s\n", nr_case, rd_variant_names[variant], name);
	} else {
		nr_passed++;
		pr_info("ok %u %s.%s\n", nr_case, rd_variant_names[variant], name);
	}
}

/* ---- static initialisers and the NT names ---------------------------- */

static DEFINE_RUNDOWN_REF(static_live);
static struct rundown_ref static_dead = RUNDOWN_REF_INIT_DEAD(static_dead);

static void t_static_init(struct rd *unused)
{
	EXPECT(rundown_acquire(&static_live));
	rundown_release(&static_live);
	EXPECT(!rundown_acquire(&static_dead));
	EXPECT(!rundown_is_active(&static_dead));
	rundown_wait(&static_dead);
	rundown_reinit(&static_dead);
	EXPECT(rundown_acquire(&static_dead));
	rundown_release(&static_dead);
	rundown_init_dead(&static_live);
	EXPECT(!rundown_acquire(&static_live));
	EXPECT(sizeof(struct rundown_ref) == sizeof(long) ||
	       IS_ENABLED(CONFIG_DEBUG_LOCK_ALLOC));
}

static void t_pcpu_buffer(struct rd *unused)
{
	size_t size = rundown_pcpu_size();
	struct rundown_pcpu *p = kzalloc(size, GFP_KERNEL);
	struct rundown_pcpu dead;
	unsigned int cpu;

	EXPECT(size >= sizeof(*p) + nr_cpu_ids * SMP_CACHE_BYTES);
	if (!p)
		return;
	rundown_pcpu_init_buffer(p, size);
	EXPECT(IS_ALIGNED((unsigned long)p->slots, SMP_CACHE_BYTES));
	EXPECT((void *)(p->slots + nr_cpu_ids) <= (void *)p + size);
	for (cpu = 0; cpu < nr_cpu_ids; cpu++)
		EXPECT(local_read(&p->slots[cpu].count) == 0);
	EXPECT(rundown_pcpu_acquire_many(p, 7));
	rundown_pcpu_release_many(p, 7);
	rundown_pcpu_wait(p);
	EXPECT(!rundown_pcpu_acquire(p));
	rundown_pcpu_completed(p);
	rundown_pcpu_reinit(p);
	EXPECT(rundown_pcpu_acquire(p));
	rundown_pcpu_release(p);
	rundown_pcpu_exit(p);
	kfree(p);

	/* Born run down: acquires fail until reinit. */
	EXPECT(!rundown_pcpu_init_dead(&dead, GFP_KERNEL));
	if (!dead.slots)
		return;
	EXPECT(!rundown_pcpu_is_active(&dead));
	EXPECT(!rundown_pcpu_acquire(&dead));
	EXPECT(rundown_pcpu_wait_timeout(&dead, 0) > 0);
	rundown_pcpu_reinit(&dead);
	EXPECT(rundown_pcpu_acquire(&dead));
	rundown_pcpu_release(&dead);
	rundown_pcpu_exit(&dead);
}

/*
 * rundown_pcpu_wait_many(): one fence for many references, of both init
 * forms; it returns only once every one is drained, acquires on all of
 * them fail from its start, and a reference another task is already
 * running down is only waited for.
 */
#define MANY_REFS 64

struct many_case {
	struct rundown_pcpu *refs[MANY_REFS];
	struct rundown_pcpu *const *arg;
	unsigned int n;
};

static int many_waiter_fn(void *data)
{
	struct worker *w = data;
	struct many_case *m = w->arg;

	complete(&w->started);
	rundown_pcpu_wait_many(m->arg, m->n);
	worker_park(w);
	return 0;
}

static int single_pcpu_waiter_fn(void *data)
{
	struct worker *w = data;

	complete(&w->started);
	rundown_pcpu_wait(w->arg);
	worker_park(w);
	return 0;
}

static void t_pcpu_wait_many(struct rd *unused)
{
	struct many_case *m = kzalloc(sizeof(*m), GFP_KERNEL);
	size_t size = rundown_pcpu_size();
	struct worker *w, *single;
	unsigned int i;

	if (!m) {
		EXPECT(0);
		return;
	}
	for (i = 0; i < MANY_REFS; i++) {
		m->refs[i] = kzalloc(size, GFP_KERNEL);
		if (!m->refs[i]) {
			EXPECT(0);
			goto out;
		}
		if (i & 1)
			rundown_pcpu_init_buffer(m->refs[i], size);
		else
			EXPECT(!rundown_pcpu_init(m->refs[i], GFP_KERNEL));
	}
	m->arg = m->refs;
	m->n = MANY_REFS;

	/* Nothing held: returns, and every reference is run down. */
	rundown_pcpu_wait_many(m->arg, 0);
	rundown_pcpu_wait_many(m->arg, m->n);
	for (i = 0; i < MANY_REFS; i++) {
		EXPECT(rundown_pcpu_is_drained(m->refs[i]));
		EXPECT(!rundown_pcpu_acquire(m->refs[i]));
		rundown_pcpu_reinit(m->refs[i]);
	}

	/* Holders on every third; another task already waits on refs[3]. */
	for (i = 0; i < MANY_REFS; i += 3)
		EXPECT(rundown_pcpu_acquire_many(m->refs[i], 2));
	single = worker_start(single_pcpu_waiter_fn, NULL, -1, m->refs[3]);
	while (rundown_pcpu_is_active(m->refs[3]))
		usleep_range(100, 200);
	w = worker_start(many_waiter_fn, NULL, -1, m);
	if (!w || !single) {
		EXPECT(0);
		goto out;
	}
	msleep(20);
	for (i = 0; i < MANY_REFS; i++)
		EXPECT(!rundown_pcpu_acquire(m->refs[i]));
	for (i = 0; i < MANY_REFS; i += 3) {
		EXPECT(!completion_done(&w->done));
		rundown_pcpu_release(m->refs[i]);
		if (i == 3)
			EXPECT(!completion_done(&single->done));
		rundown_pcpu_release(m->refs[i]);
	}
	EXPECT(wait_for_completion_timeout(&w->done, 10 * HZ));
	EXPECT(wait_for_completion_timeout(&single->done, 10 * HZ));
	for (i = 0; i < MANY_REFS; i++) {
		EXPECT(rundown_pcpu_is_drained(m->refs[i]));
		rundown_pcpu_completed(m->refs[i]);
	}
	worker_stop(w);
	worker_stop(single);
out:
	for (i = 0; i < MANY_REFS && m->refs[i]; i++) {
		rundown_pcpu_exit(m->refs[i]);
		kfree(m->refs[i]);
	}
	kfree(m);
}

/*
 * Holder tracking (issue 12): a reference taken in a function of its own
 * and kept while another task waits. The wait is reported once stalled
 * (the VM lane sets stall_timeout_s below stall_ms and checks the report
 * and debugfs while it is held); releasing ends the wait. With stall=2 the
 * object is tracked by itself (rundown_track()), not by track_holders;
 * the cache-aware one stops through rundown_pcpu_exit().
 */
static noinline bool rundown_test_leaky_acquire(struct rd *r)
{
	/* The primitive's inline acquire itself, so that its caller is us. */
	return r->pcpu ? rundown_pcpu_acquire(r->p) : rundown_acquire(&r->ref);
}

/*
 * The stalled waiter: stall=1 waits with rd_wait(), stall=2 with the
 * killable timed form (reports cover every wait), which must then return
 * the time left.
 */
static int stall_waiter_fn(void *data)
{
	struct worker *w = data;
	long left;

	complete(&w->started);
	if (stall == 2) {
		left = w->r->pcpu ?
			rundown_pcpu_wait_killable_timeout(w->r->p, 60 * HZ) :
			rundown_wait_killable_timeout(&w->r->ref, 60 * HZ);
		EXPECT(left > 0);
	} else {
		rd_wait(w->r);
	}
	worker_park(w);
	return 0;
}

static void t_stall_report(struct rd *r)
{
	struct worker *w;

	if (stall == 2)
		EXPECT(!(r->pcpu ? rundown_pcpu_track(r->p, true) :
			 rundown_track(&r->ref, true)));
	EXPECT(rundown_test_leaky_acquire(r));
	w = worker_start(stall_waiter_fn, r, -1, NULL);
	EXPECT(w);
	pr_info("stall: %s holding\n", rd_variant_names[r->variant]);
	msleep(stall_ms);
	EXPECT(w && !completion_done(&w->done));
	/* For the acquire_fail tracepoint, with us as the caller. */
	EXPECT(!(r->pcpu ? rundown_pcpu_acquire(r->p) : rundown_acquire(&r->ref)));
	pr_info("stall: %s releasing\n", rd_variant_names[r->variant]);
	rd_release(r);
	EXPECT(w && wait_for_completion_timeout(&w->done, 10 * HZ));
	worker_stop(w);
	if (stall == 2 && !r->pcpu)
		EXPECT(!rundown_track(&r->ref, false));
}

static const struct test_case single_cases[] = {
	{ "static_init", t_static_init },
	{ "pcpu_buffer", t_pcpu_buffer },
	{ "pcpu_wait_many", t_pcpu_wait_many },
	{ "ool_fast_paths", t_ool_fast_paths },
	{ "nt_plain", t_nt_plain },
	{ "nt_cache_aware", t_nt_cache_aware },
};

/* ---- misuse: each WARNs once on purpose --------------------------------- */

static void m_release_unheld(struct rd *r)
{
	EXPECT(rd_acquire(r));
	rd_release(r);
	if (!r->pcpu) {
		rundown_release(&r->ref);	/* one too many: undone */
		EXPECT(atomic_long_read(&r->ref.count) == 0);
		EXPECT(rd_wait_timeout(r, 1) > 0);
		return;
	}
	/*
	 * pcpu, after the hand-over: the central count is exact, so the
	 * extra release is caught at once and undone.
	 */
	EXPECT(rd_wait_timeout(r, 1) > 0);
	rundown_pcpu_release(r->p);
	EXPECT(atomic_long_read(&r->p->central) == 0);
	EXPECT(rundown_pcpu_is_drained(r->p));
	rd_reinit(r);
	/*
	 * While live, a counter may go negative legitimately: the sweep
	 * finds the surplus, reports it, and no wait returns.
	 */
	rundown_pcpu_release(r->p);
	EXPECT(rd_wait_timeout(r, 1) == 0);
	EXPECT(atomic_long_read(&r->p->central) == -1);
	atomic_long_set(&r->p->central, 0);	/* repair for exit */
}

static void m_reinit_misuse(struct rd *r)
{
	rd_reinit(r);			/* live: ignored */
	EXPECT(rd_is_active(r));
	EXPECT(rd_acquire(r));
	EXPECT(rd_wait_timeout(r, 1) == 0);
	rd_reinit(r);			/* held: ignored */
	EXPECT(!rd_acquire(r));
	rd_completed(r);		/* held: reported */
	rd_release(r);
	EXPECT(rd_wait_timeout(r, 1) > 0);
}

static void m_acquire_overflow(struct rd *r)
{
	EXPECT(!rd_acquire_many(r, 0));
	if (r->pcpu) {
		EXPECT(!rd_acquire_many(r, RUNDOWN_PCPU_MAX_MANY + 1));
	} else {
		EXPECT(rd_acquire_many(r, RUNDOWN_MAX_REFS));
		EXPECT(!rd_acquire_many(r, 1));	/* would overflow: fails */
		EXPECT(!rd_acquire_many(r, RUNDOWN_MAX_REFS + 1));
		rd_release_many(r, RUNDOWN_MAX_REFS);
	}
	EXPECT(rd_wait_timeout(r, 1) > 0);
}

static void m_pcpu_exit_held(struct rd *unused)
{
	struct rundown_pcpu p;

	EXPECT(!rundown_pcpu_init(&p, GFP_KERNEL));
	if (!p.slots)
		return;
	EXPECT(rundown_pcpu_acquire(&p));
	rundown_pcpu_exit(&p);		/* reported, still freed */
	EXPECT(!p.slots);
}

/*
 * Over-release of the plain variant against the operations that race with
 * it, in the interleavings that once lost a wake-up or undid a legitimate
 * release. The bad release's subtraction is done by hand (the inline part
 * of rundown_release_many()), then what races with it, then its slow path.
 */
/*
 * A wait of up to a minute: one woken by the last release returns with
 * most of it left (the test gives up after 10 s); one whose wake-up was
 * lost returns only at the timeout, with 1.
 */
#define WOKEN(left)	((left) > 50 * HZ)

static int timed_waiter_fn(void *data)
{
	struct worker *w = data;

	complete(&w->started);
	w->ret = rd_wait_timeout(w->r, 60 * HZ);
	worker_park(w);
	return 0;
}

/* Start a waiter and let it reach its sleep on the count. */
static struct worker *start_sleeping_waiter(struct rd *r)
{
	struct worker *w = worker_start(timed_waiter_fn, r, -1, NULL);
	int i;

	for (i = 0; w && i < 1000; i++) {
		if (atomic_long_read(&r->ref.count) & RUNDOWN_DYING)
			break;
		usleep_range(100, 200);
	}
	/* Started run-down and sleeps: it cannot return before the undo. */
	EXPECT(w && !wait_for_completion_timeout(&w->done, msecs_to_jiffies(20)));
	return w;
}

static void m_over_release_vs_wait(struct rd *r)
{
	struct rundown_ref *ref = &r->ref;
	struct worker *w;
	long count;

	/* 1: nothing held; a wait starts before the undo, which must wake it. */
	count = atomic_long_sub_return(RUNDOWN_BIAS, &ref->count);
	EXPECT(count == -RUNDOWN_BIAS);
	EXPECT(!rundown_acquire(ref));		/* fails until undone */
	w = start_sleeping_waiter(r);
	__rundown_release_slow(ref, count, 1);
	EXPECT(w && wait_for_completion_timeout(&w->done, 10 * HZ));
	EXPECT(WOKEN(worker_stop(w)));
	EXPECT(atomic_long_read(&ref->count) == RUNDOWN_DYING);
	rundown_reinit(ref);

	/*
	 * 2: one held; two released; a wait starts, then the holder releases
	 * its one (legitimately: it must not be undone), then the undo.
	 */
	EXPECT(rundown_acquire(ref));
	count = atomic_long_sub_return(2 * RUNDOWN_BIAS, &ref->count);
	EXPECT(count == -RUNDOWN_BIAS);
	w = start_sleeping_waiter(r);
	rundown_release(ref);
	EXPECT(w && !completion_done(&w->done));
	__rundown_release_slow(ref, count, 2);
	EXPECT(w && wait_for_completion_timeout(&w->done, 10 * HZ));
	EXPECT(WOKEN(worker_stop(w)));
	EXPECT(atomic_long_read(&ref->count) == RUNDOWN_DYING);
	rundown_reinit(ref);

	/* 3: the holder releases before the wait starts; the undo wakes it. */
	EXPECT(rundown_acquire_many(ref, 3));
	count = atomic_long_sub_return(4 * RUNDOWN_BIAS, &ref->count);
	rundown_release_many(ref, 3);
	w = start_sleeping_waiter(r);
	__rundown_release_slow(ref, count, 4);
	EXPECT(w && wait_for_completion_timeout(&w->done, 10 * HZ));
	EXPECT(WOKEN(worker_stop(w)));
	EXPECT(atomic_long_read(&ref->count) == RUNDOWN_DYING);
	rundown_reinit(ref);

	/* Live and exact again. */
	EXPECT(rundown_acquire(ref));
	rundown_release(ref);
	EXPECT(atomic_long_read(&ref->count) == 0);
}

/*
 * Two over-releases at once: the second finds the count negative and
 * leaves it to the first's undo, which finds it still negative. Both are
 * reported; acquires fail and waits time out, never return early.
 */
static void m_over_release_twice(struct rd *r)
{
	struct rundown_ref *ref = &r->ref;
	long count;

	count = atomic_long_sub_return(RUNDOWN_BIAS, &ref->count);
	rundown_release(ref);
	__rundown_release_slow(ref, count, 1);
	EXPECT(atomic_long_read(&ref->count) == -RUNDOWN_BIAS);
	EXPECT(!rundown_acquire(ref));
	EXPECT(rundown_wait_timeout(ref, 1) == 0);
	atomic_long_set(&ref->count, RUNDOWN_DYING);	/* repair */
}

/*
 * The same race, free-running: a holder releases its references one by
 * one, another task releases one more than all of them at once, and a
 * third waits, all started together on different CPUs, many rounds. Every
 * wait must return, and the count must end exact, whichever lands where.
 * (The code before the atomic undo failed this within a few rounds.)
 */
#define ORR_HELD	32
/* Rounds to run at least: stress_ms, and up to ten times that, to get them. */
#define ORR_MIN_ROUNDS	100

struct orr {
	struct rundown_ref *ref;
	unsigned int round;	/* written by the test: start this round */
	atomic_t done;		/* threads finished with the current round */
	unsigned int stalls;	/* waits that timed out */
};

/* One thread of the race and its role in every round. */
struct orr_thread {
	struct orr *o;
	enum { ORR_HOLDER, ORR_BAD_RELEASE, ORR_WAITER } role;
};

/* Wait for the next round, or false when told to stop. */
static bool orr_next(struct orr *o, unsigned int *seen)
{
	unsigned int spins = 0;

	/* Pairs with the release store of the round in m_over_release_race(). */
	while (smp_load_acquire(&o->round) == *seen) {
		if (kthread_should_stop())
			return false;
		if (++spins & 1023)
			cpu_relax();
		else
			cond_resched();
	}
	(*seen)++;
	return true;
}

static int orr_fn(void *data)
{
	struct worker *w = data;
	struct orr_thread *t = w->arg;
	struct orr *o = t->o;
	unsigned int seen = 0;
	int i;

	complete(&w->started);
	while (orr_next(o, &seen)) {
		switch (t->role) {
		case ORR_HOLDER:
			for (i = 0; i < ORR_HELD; i++)
				rundown_release(o->ref);
			break;
		case ORR_BAD_RELEASE:
			rundown_release_many(o->ref, ORR_HELD + 1);
			break;
		case ORR_WAITER:
			if (!WOKEN(rundown_wait_timeout(o->ref, 60 * HZ)))
				o->stalls++;
			break;
		}
		/*
		 * This round's work before @done; pairs with the acquire read
		 * of @done in m_over_release_race().
		 */
		smp_mb__before_atomic();
		atomic_inc(&o->done);
	}
	return 0;
}

static void m_over_release_race(struct rd *r)
{
	struct orr o = { .ref = &r->ref, .done = ATOMIC_INIT(0) };
	unsigned long duration = msecs_to_jiffies(stress_ms);
	unsigned long end = jiffies + duration;
	struct orr_thread t[] = {
		{ &o, ORR_HOLDER }, { &o, ORR_BAD_RELEASE }, { &o, ORR_WAITER },
	};
	struct worker *w[ARRAY_SIZE(t)];
	unsigned int rounds = 0, bad = 0;
	int i, n = 0;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		w[i] = worker_start(orr_fn, r, cpu_nth(i + 1), &t[i]);
		n += !!w[i];
	}
	EXPECT(n == ARRAY_SIZE(t));
	while (n == ARRAY_SIZE(t)) {
		EXPECT(rundown_acquire_many(o.ref, ORR_HELD));
		atomic_set(&o.done, 0);
		/* The references and @done before the round; pairs with orr_next(). */
		smp_store_release(&o.round, o.round + 1);
		while (atomic_read_acquire(&o.done) < n)
			usleep_range(10, 20);
		rounds++;
		if (atomic_long_read(&o.ref->count) != RUNDOWN_DYING) {
			pr_err("    round %u: count %ld\n", rounds,
			       atomic_long_read(&o.ref->count));
			atomic_long_set(&o.ref->count, RUNDOWN_DYING);
			bad++;
		}
		rundown_reinit(o.ref);
		if (bad || o.stalls || time_after(jiffies, end + 9 * duration) ||
		    (rounds >= ORR_MIN_ROUNDS && time_after(jiffies, end)))
			break;
	}
	for (i = 0; i < ARRAY_SIZE(t); i++)
		if (w[i])
			worker_stop(w[i]);
	pr_info("    %u rounds, %u with a wrong count, %u waits stalled\n",
		rounds, bad, o.stalls);
	EXPECT(rounds > 0 && !bad && !o.stalls);
	EXPECT(rundown_wait_timeout(o.ref, 1) > 0);
}

/*
 * Last, as lockdep switches itself off after its first report: waiting
 * while holding an owned reference is reported ("possible recursive
 * locking"); the timed wait times out, and nothing else goes wrong.
 */
static void m_wait_holding_owned(struct rd *r)
{
	if (IS_ENABLED(CONFIG_PROVE_LOCKING))
		pr_info("# lockdep: expect possible recursive locking in %s\n",
			__func__);
	EXPECT(rd_acquire_owned(r));
	EXPECT(rd_wait_timeout(r, 1) == 0);
	rd_release_owned(r);
	EXPECT(rd_wait_timeout(r, 1) > 0);
}

static const struct test_case plain_misuse_cases[] = {
	{ "misuse_over_release_vs_wait", m_over_release_vs_wait },
	{ "misuse_over_release_twice", m_over_release_twice },
	{ "misuse_over_release_race", m_over_release_race },
};

static const struct test_case misuse_cases[] = {
	{ "misuse_release_unheld", m_release_unheld },
	{ "misuse_reinit_completed", m_reinit_misuse },
	{ "misuse_acquire_overflow", m_acquire_overflow },
	{ "misuse_ptr_two_replacers", m_ptr_two_replacers },
};

static int __init rundown_test_init(void)
{
	unsigned int i;

	pr_info("KTAP version 1\n");
	if (stall) {
		pr_info("1..2\n");
		run_case("stall_report", t_stall_report, RD_PLAIN);
		run_case("stall_report", t_stall_report, RD_PCPU);
	} else if (misuse) {
		pr_info("1..%zu\n", 2 * ARRAY_SIZE(misuse_cases) +
			ARRAY_SIZE(plain_misuse_cases) + 2);
		run_case("misuse_pcpu_exit_held", m_pcpu_exit_held, RD_PLAIN);
		for (i = 0; i < ARRAY_SIZE(misuse_cases); i++) {
			run_case(misuse_cases[i].name, misuse_cases[i].fn, RD_PLAIN);
			run_case(misuse_cases[i].name, misuse_cases[i].fn, RD_PCPU);
		}
		for (i = 0; i < ARRAY_SIZE(plain_misuse_cases); i++)
			run_case(plain_misuse_cases[i].name,
				 plain_misuse_cases[i].fn, RD_PLAIN);
		run_case("misuse_wait_holding_owned", m_wait_holding_owned, RD_PLAIN);
	} else {
		pr_info("1..%zu\n", 3 * ARRAY_SIZE(cases) + 2 * ARRAY_SIZE(ptr_cases) +
			ARRAY_SIZE(single_cases));
		for (i = 0; i < ARRAY_SIZE(single_cases); i++)
			run_case(single_cases[i].name, single_cases[i].fn, RD_PLAIN);
		for (i = 0; i < ARRAY_SIZE(cases); i++) {
			run_case(cases[i].name, cases[i].fn, RD_PLAIN);
			run_case(cases[i].name, cases[i].fn, RD_PCPU);
			run_case(cases[i].name, cases[i].fn, RD_PCPU_BUFFER);
		}
		for (i = 0; i < ARRAY_SIZE(ptr_cases); i++) {
			run_case(ptr_cases[i].name, ptr_cases[i].fn, RD_PLAIN);
			run_case(ptr_cases[i].name, ptr_cases[i].fn, RD_PCPU);
		}
	}
	pr_info("RESULT %u %u\n", nr_passed, nr_failed);
	return 0;
}

static void __exit rundown_test_exit(void)
{
}

module_init(rundown_test_init);
module_exit(rundown_test_exit);

MODULE_DESCRIPTION("Tests of run-down protection");
MODULE_LICENSE("GPL");

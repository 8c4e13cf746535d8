// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of <linux/rundown.h>, both variants (struct rundown_ref and
 * struct rundown_pcpu), for the debug kernel (KASAN, lockdep, full
 * preemption) of the debug-kernel lane. Built only against a kernel with
 * CONFIG_KUNIT; the suites run when the module is loaded:
 *
 *	insmod rundown.ko && insmod rundown_kunit.ko
 *	cat /sys/kernel/debug/kunit/rundown_kunit/results
 *
 * Suite rundown_kunit uses the API correctly and must not trigger any
 * kernel report (the lane boots with panic_on_warn=1). Suite
 * rundown_kunit_misuse misuses it on purpose (acquire_many() overflow,
 * over-release, reinit while live): each of its tests fires a WARN_ON_ONCE()
 * in the primitive, so it lives in its own module, rundown_kunit_misuse.ko
 * (rundown_kunit_misuse.c includes this file with RUNDOWN_KUNIT_MISUSE
 * defined), which the lane loads in a second pass with panic_on_warn=0.
 * (A module parameter cannot select the suites: on 6.1, KUnit runs a
 * module's suites before its parameters are parsed.)
 *
 * Threads other than the test's own never call KUNIT_* (a failed assertion
 * would end the wrong thread): they count what they saw, and the test
 * checks the counts.
 */
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/rundown.h>

/* Longest a test waits for another thread before it calls the test failed. */
#define RD_TIMEOUT	(30 * HZ)

/* ---- one interface over both variants ---------------------------------- */

struct rd_ops {
	const char *name;
	int (*init)(void *ref);
	void (*exit)(void *ref);
	bool (*acquire)(void *ref);
	bool (*acquire_many)(void *ref, unsigned long n);
	void (*release)(void *ref);
	void (*release_many)(void *ref, unsigned long n);
	void (*wait)(void *ref);
	int (*wait_killable)(void *ref);
	long (*wait_timeout)(void *ref, long timeout);
	long (*wait_killable_timeout)(void *ref, long timeout);
	void (*completed)(void *ref);
	void (*reinit)(void *ref);
	bool (*is_active)(void *ref);
	unsigned long max_many;
};

static int ref_init(void *ref) { rundown_init((struct rundown_ref *)ref); return 0; }
static void ref_exit(void *ref) { }
static bool ref_acquire(void *ref) { return rundown_acquire(ref); }
static bool ref_acquire_many(void *ref, unsigned long n) { return rundown_acquire_many(ref, n); }
static void ref_release(void *ref) { rundown_release(ref); }
static void ref_release_many(void *ref, unsigned long n) { rundown_release_many(ref, n); }
static void ref_wait(void *ref) { rundown_wait(ref); }
static int ref_wait_killable(void *ref) { return rundown_wait_killable(ref); }
static long ref_wait_timeout(void *ref, long t) { return rundown_wait_timeout(ref, t); }
static long ref_wait_killable_timeout(void *ref, long t)
{
	return rundown_wait_killable_timeout(ref, t);
}

static void ref_completed(void *ref) { rundown_completed(ref); }
static void ref_reinit(void *ref) { rundown_reinit(ref); }
static bool ref_is_active(void *ref) { return rundown_is_active(ref); }

static const struct rd_ops rd_ref_ops = {
	.name = "rundown_ref",
	.init = ref_init, .exit = ref_exit,
	.acquire = ref_acquire, .acquire_many = ref_acquire_many,
	.release = ref_release, .release_many = ref_release_many,
	.wait = ref_wait, .wait_killable = ref_wait_killable,
	.wait_timeout = ref_wait_timeout,
	.wait_killable_timeout = ref_wait_killable_timeout,
	.completed = ref_completed, .reinit = ref_reinit,
	.is_active = ref_is_active,
	.max_many = RUNDOWN_MAX_REFS,
};

static int pcpu_init(void *ref)
{
	return rundown_pcpu_init((struct rundown_pcpu *)ref, GFP_KERNEL);
}

static void pcpu_exit(void *ref) { rundown_pcpu_exit(ref); }
static bool pcpu_acquire(void *ref) { return rundown_pcpu_acquire(ref); }
static bool pcpu_acquire_many(void *ref, unsigned long n)
{
	return rundown_pcpu_acquire_many(ref, n);
}

static void pcpu_release(void *ref) { rundown_pcpu_release(ref); }
static void pcpu_release_many(void *ref, unsigned long n) { rundown_pcpu_release_many(ref, n); }
static void pcpu_wait(void *ref) { rundown_pcpu_wait(ref); }
static int pcpu_wait_killable(void *ref) { return rundown_pcpu_wait_killable(ref); }
static long pcpu_wait_timeout(void *ref, long t) { return rundown_pcpu_wait_timeout(ref, t); }
static long pcpu_wait_killable_timeout(void *ref, long t)
{
	return rundown_pcpu_wait_killable_timeout(ref, t);
}

static void pcpu_completed(void *ref) { rundown_pcpu_completed(ref); }
static void pcpu_reinit(void *ref) { rundown_pcpu_reinit(ref); }
static bool pcpu_is_active(void *ref) { return rundown_pcpu_is_active(ref); }

static const struct rd_ops rd_pcpu_ops = {
	.name = "rundown_pcpu",
	.init = pcpu_init, .exit = pcpu_exit,
	.acquire = pcpu_acquire, .acquire_many = pcpu_acquire_many,
	.release = pcpu_release, .release_many = pcpu_release_many,
	.wait = pcpu_wait, .wait_killable = pcpu_wait_killable,
	.wait_timeout = pcpu_wait_timeout,
	.wait_killable_timeout = pcpu_wait_killable_timeout,
	.completed = pcpu_completed, .reinit = pcpu_reinit,
	.is_active = pcpu_is_active,
	.max_many = RUNDOWN_PCPU_MAX_MANY,
};

/*
 * The caller-buffer form, in place at the end of struct rd_ctx, whose
 * allocation leaves rundown_pcpu_size() bytes there (rd_ctx_init()).
 */
static int pcpu_buffer_init(void *ref)
{
	rundown_pcpu_init_buffer((struct rundown_pcpu *)ref, rundown_pcpu_size());
	return 0;
}

static const struct rd_ops rd_pcpu_buffer_ops = {
	.name = "rundown_pcpu_buffer",
	.init = pcpu_buffer_init, .exit = pcpu_exit,
	.acquire = pcpu_acquire, .acquire_many = pcpu_acquire_many,
	.release = pcpu_release, .release_many = pcpu_release_many,
	.wait = pcpu_wait, .wait_killable = pcpu_wait_killable,
	.wait_timeout = pcpu_wait_timeout,
	.wait_killable_timeout = pcpu_wait_killable_timeout,
	.completed = pcpu_completed, .reinit = pcpu_reinit,
	.is_active = pcpu_is_active,
	.max_many = RUNDOWN_PCPU_MAX_MANY,
};

static const struct rd_ops *const rd_variants[] = {
	&rd_ref_ops, &rd_pcpu_ops, &rd_pcpu_buffer_ops,
};

static void rd_variant_desc(const struct rd_ops *const *ops, char *desc)
{
	strscpy(desc, (*ops)->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(rd_variant, rd_variants, rd_variant_desc);

/*
 * Per-test state: the variant under test and one live reference of it,
 * last, with room for the caller-buffer form's counters after it.
 */
struct rd_ctx {
	const struct rd_ops *ops;
	bool live;
	union {
		struct rundown_ref ref;
		struct rundown_pcpu pcpu;
	} u;
};

static int rd_ctx_init(struct kunit *test)
{
	struct rd_ctx *c = kunit_kzalloc(test, sizeof(*c) + rundown_pcpu_size(),
					 GFP_KERNEL);

	if (!c)
		return -ENOMEM;
	c->ops = test->param_value ?
		 *(const struct rd_ops *const *)test->param_value : &rd_ref_ops;
	if (c->ops->init(&c->u))
		return -ENOMEM;
	c->live = true;
	test->priv = c;
	return 0;
}

static void rd_test_exit(struct kunit *test)
{
	struct rd_ctx *c = test->priv;

	if (c && c->live)
		c->ops->exit(&c->u);
}

#define RD_SETUP(test)							\
	struct rd_ctx *ctx = (test)->priv;				\
	const struct rd_ops *ops = ctx->ops;				\
	void *ref = &ctx->u

/* ---- helper threads -------------------------------------------------------- */

struct rd_thread {
	struct task_struct *task;
	struct completion started, done;
	long (*fn)(struct rd_thread *t);
	const struct rd_ops *ops;
	void *ref;
	void *priv;
	long arg;
	long ret;
};

static int rd_thread_main(void *data)
{
	struct rd_thread *t = data;

	complete(&t->started);
	t->ret = t->fn(t);
	/* A killable-wait test may have left SIGKILL pending: drop it. */
	flush_signals(current);
	complete(&t->done);
	/* Park until kthread_stop(), so the task outlives our last access. */
	for (;;) {
		set_current_state(TASK_IDLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/* Start @fn in a kthread, bound to @cpu unless @cpu < 0. */
static struct rd_thread *rd_thread_start(struct kunit *test,
					 long (*fn)(struct rd_thread *),
					 const struct rd_ops *ops, void *ref,
					 int cpu, long arg, void *priv)
{
	struct rd_thread *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct task_struct *task;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
	init_completion(&t->started);
	init_completion(&t->done);
	t->fn = fn;
	t->ops = ops;
	t->ref = ref;
	t->arg = arg;
	t->priv = priv;
	if (cpu >= 0)
		task = kthread_create_on_cpu(rd_thread_main, t, cpu, "rd_kunit/%u");
	else
		task = kthread_create(rd_thread_main, t, "rd_kunit");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, task);
	get_task_struct(task);
	t->task = task;
	wake_up_process(task);
	return t;
}

/* Wait for @t's function to return; false (and a failure) on timeout. */
static bool rd_thread_join(struct kunit *test, struct rd_thread *t)
{
	if (!wait_for_completion_timeout(&t->done, RD_TIMEOUT)) {
		KUNIT_FAIL(test, "helper thread did not finish in %d s", RD_TIMEOUT / HZ);
		return false;
	}
	return true;
}

static void rd_thread_stop(struct rd_thread *t)
{
	kthread_stop(t->task);
	put_task_struct(t->task);
}

static long rd_timed_wait_fn(struct rd_thread *t)
{
	return t->priv ? t->ops->wait_killable_timeout(t->ref, t->arg) :
			 t->ops->wait_timeout(t->ref, t->arg);
}

/*
 * A timed wait, run by another task: a task waiting on a rundown it holds
 * itself is a deadlock (lockdep reports it for owned references, even with
 * a timeout), so a test that holds references and wants to see a wait time
 * out waits from a helper thread.
 * Returns the wait's result, or LONG_MIN if the helper did not finish.
 */
static long rd_wait_other(struct kunit *test, const struct rd_ops *ops,
			  void *ref, bool killable, long timeout)
{
	struct rd_thread *t = rd_thread_start(test, rd_timed_wait_fn, ops, ref,
					      -1, timeout, killable ? (void *)1 : NULL);
	long ret = LONG_MIN;

	if (rd_thread_join(test, t))
		ret = t->ret;
	rd_thread_stop(t);
	return ret;
}

#ifndef RUNDOWN_KUNIT_MISUSE
/* Another online CPU than @cpu, or -1. */
static int rd_other_cpu(int cpu)
{
	int other;

	for_each_online_cpu(other)
		if (other != cpu)
			return other;
	return -1;
}

/* ---- suite rundown_kunit: correct use ------------------------------------- */

static void rd_test_init_live(struct kunit *test)
{
	RD_SETUP(test);

	KUNIT_EXPECT_TRUE(test, ops->is_active(ref));
	KUNIT_ASSERT_TRUE(test, ops->acquire(ref));
	KUNIT_EXPECT_TRUE(test, ops->is_active(ref));
	ops->release(ref);
	KUNIT_EXPECT_TRUE(test, ops->is_active(ref));
	ops->wait(ref);
	KUNIT_EXPECT_FALSE(test, ops->is_active(ref));
	KUNIT_EXPECT_FALSE(test, ops->acquire(ref));
	KUNIT_EXPECT_FALSE(test, ops->acquire_many(ref, 3));
	ops->completed(ref);
	KUNIT_EXPECT_FALSE(test, ops->acquire(ref));
}

static struct rundown_ref rd_static_live = RUNDOWN_REF_INIT(rd_static_live);
static struct rundown_ref rd_static_dead = RUNDOWN_REF_INIT_DEAD(rd_static_dead);
static DEFINE_RUNDOWN_REF(rd_static_defined);

static void rd_test_static_init(struct kunit *test)
{
	struct rundown_ref *dyn = kunit_kzalloc(test, sizeof(*dyn), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dyn);

	/* Live initialisers. */
	KUNIT_EXPECT_TRUE(test, rundown_is_active(&rd_static_live));
	KUNIT_ASSERT_TRUE(test, rundown_acquire(&rd_static_live));
	rundown_release(&rd_static_live);
	KUNIT_ASSERT_TRUE(test, rundown_acquire(&rd_static_defined));
	rundown_release(&rd_static_defined);

	/* Born run down: acquires fail until rundown_reinit(). */
	KUNIT_EXPECT_FALSE(test, rundown_is_active(&rd_static_dead));
	KUNIT_EXPECT_FALSE(test, rundown_acquire(&rd_static_dead));
	KUNIT_EXPECT_EQ(test, rundown_wait_timeout(&rd_static_dead, 5), 5L);
	rundown_reinit(&rd_static_dead);
	KUNIT_EXPECT_TRUE(test, rundown_is_active(&rd_static_dead));
	KUNIT_ASSERT_TRUE(test, rundown_acquire(&rd_static_dead));
	rundown_release(&rd_static_dead);
	rundown_wait(&rd_static_dead);	/* back to born-dead for a rerun */

	rundown_init_dead(dyn);
	KUNIT_EXPECT_FALSE(test, rundown_is_active(dyn));
	KUNIT_EXPECT_FALSE(test, rundown_acquire(dyn));
	rundown_reinit(dyn);
	KUNIT_ASSERT_TRUE(test, rundown_acquire(dyn));
	rundown_release(dyn);
	rundown_wait(dyn);
	rundown_completed(dyn);
}

static void rd_test_many(struct kunit *test)
{
	RD_SETUP(test);
	int i;

	KUNIT_ASSERT_TRUE(test, ops->acquire_many(ref, 5));
	KUNIT_ASSERT_TRUE(test, ops->acquire(ref));
	ops->release_many(ref, 2);
	ops->release(ref);
	/* 3 still held: a timed wait expires and leaves run-down in progress. */
	KUNIT_EXPECT_EQ(test, rd_wait_other(test, ops, ref, false, 1), 0L);
	KUNIT_EXPECT_FALSE(test, ops->acquire(ref));
	ops->release_many(ref, 3);
	KUNIT_EXPECT_GT(test, ops->wait_timeout(ref, HZ), 0L);
	ops->completed(ref);
	ops->reinit(ref);

	/* The largest legal acquire_many() succeeds and is released. */
	KUNIT_ASSERT_TRUE(test, ops->acquire_many(ref, ops->max_many));
	ops->release_many(ref, ops->max_many);
	/* Many single references. */
	for (i = 0; i < 1000; i++)
		KUNIT_ASSERT_TRUE(test, ops->acquire(ref));
	for (i = 0; i < 1000; i++)
		ops->release(ref);
	ops->wait(ref);
	ops->completed(ref);
}

static void rd_test_wait_unused(struct kunit *test)
{
	RD_SETUP(test);

	/* Nothing held: every wait returns at once; waiting again is fine. */
	ops->wait(ref);
	ops->wait(ref);
	KUNIT_EXPECT_EQ(test, ops->wait_killable(ref), 0);
	KUNIT_EXPECT_EQ(test, ops->wait_timeout(ref, 7), 7L);
	/* wait_event_timeout() convention: 1 if the condition holds at 0. */
	KUNIT_EXPECT_EQ(test, ops->wait_timeout(ref, 0), 1L);
	KUNIT_EXPECT_EQ(test, ops->wait_killable_timeout(ref, 7), 7L);
	KUNIT_EXPECT_FALSE(test, ops->is_active(ref));
	ops->completed(ref);
}

static void rd_test_wait_timeout(struct kunit *test)
{
	RD_SETUP(test);
	unsigned long start;
	long left;

	/* A fresh reference runs down with a timed wait too. */
	KUNIT_EXPECT_EQ(test, ops->wait_timeout(ref, 0), 1L);
	ops->completed(ref);
	ops->reinit(ref);

	KUNIT_ASSERT_TRUE(test, ops->acquire(ref));
	start = jiffies;
	KUNIT_EXPECT_EQ(test, rd_wait_other(test, ops, ref, false, HZ / 20), 0L);
	KUNIT_EXPECT_GE(test, (long)(jiffies - start), (long)(HZ / 20));
	KUNIT_EXPECT_EQ(test, rd_wait_other(test, ops, ref, true, 2), 0L);
	/* Run-down stays in progress after a timeout. */
	KUNIT_EXPECT_FALSE(test, ops->is_active(ref));
	KUNIT_EXPECT_FALSE(test, ops->acquire(ref));
	ops->release(ref);
	left = ops->wait_timeout(ref, 10 * HZ);
	KUNIT_EXPECT_GT(test, left, 0L);
	KUNIT_EXPECT_LE(test, left, (long)(10 * HZ));
	ops->completed(ref);
}

static void rd_test_reinit_cycles(struct kunit *test)
{
	RD_SETUP(test);
	int round;

	for (round = 0; round < 5; round++) {
		KUNIT_EXPECT_TRUE(test, ops->is_active(ref));
		KUNIT_ASSERT_TRUE(test, ops->acquire_many(ref, round + 1));
		ops->release_many(ref, round + 1);
		switch (round % 3) {
		case 0:
			ops->wait(ref);
			break;
		case 1:
			KUNIT_EXPECT_EQ(test, ops->wait_killable(ref), 0);
			break;
		default:
			KUNIT_EXPECT_GT(test, ops->wait_timeout(ref, HZ), 0L);
		}
		KUNIT_EXPECT_FALSE(test, ops->is_active(ref));
		KUNIT_EXPECT_FALSE(test, ops->acquire(ref));
		ops->completed(ref);
		ops->reinit(ref);
	}
	KUNIT_EXPECT_TRUE(test, ops->is_active(ref));
	KUNIT_ASSERT_TRUE(test, ops->acquire(ref));
	ops->release(ref);
}

/* Killable waits interrupted by a fatal signal sent to the waiting thread. */
static long rd_killed_waiter(struct rd_thread *t)
{
	long a, b;

	force_sig(SIGKILL);	/* fatal to this kthread only, made pending now */
	if (!fatal_signal_pending(current))
		return -1000;
	a = t->ops->wait_killable(t->ref);
	b = t->ops->wait_killable_timeout(t->ref, RD_TIMEOUT);
	/* Both must have been interrupted: encode both results. */
	return (a == -EINTR && b == -EINTR) ? -EINTR : a * 1000 + b;
}

static void rd_test_killable(struct kunit *test)
{
	RD_SETUP(test);
	struct rd_thread *t;

	KUNIT_ASSERT_TRUE(test, ops->acquire(ref));
	t = rd_thread_start(test, rd_killed_waiter, ops, ref, -1, 0, NULL);
	if (rd_thread_join(test, t))
		KUNIT_EXPECT_EQ(test, t->ret, (long)-EINTR);
	/* Run-down stays in progress after an interrupted wait. */
	KUNIT_EXPECT_FALSE(test, ops->is_active(ref));
	KUNIT_EXPECT_FALSE(test, ops->acquire(ref));
	ops->release(ref);
	KUNIT_EXPECT_EQ(test, ops->wait_killable(ref), 0);
	ops->completed(ref);
	rd_thread_stop(t);
}

static long rd_acquire_fn(struct rd_thread *t)
{
	return t->ops->acquire_many(t->ref, t->arg);
}

static long rd_release_fn(struct rd_thread *t)
{
	/* One single release, the rest in one go. */
	t->ops->release(t->ref);
	if (t->arg > 1)
		t->ops->release_many(t->ref, t->arg - 1);
	return raw_smp_processor_id();
}

static long rd_wait_fn(struct rd_thread *t)
{
	switch (t->arg) {
	case 0:
		t->ops->wait(t->ref);
		return 0;
	case 1:
		return t->ops->wait_killable(t->ref);
	case 2:
		return t->ops->wait_timeout(t->ref, RD_TIMEOUT) > 0 ? 0 : -ETIMEDOUT;
	default:
		return t->ops->wait_killable_timeout(t->ref, RD_TIMEOUT) > 0 ?
		       0 : -ETIMEDOUT;
	}
}

/* References taken on one CPU and released on another. */
static void rd_test_release_other_cpu(struct kunit *test)
{
	RD_SETUP(test);
	struct rd_thread *a, *r, *w;
	int cpu_a = cpumask_first(cpu_online_mask);
	int cpu_b = rd_other_cpu(cpu_a);

	if (cpu_b < 0)
		kunit_skip(test, "needs 2 online CPUs");

	/* Balanced across CPUs while live: the per-CPU slots go +/-. */
	a = rd_thread_start(test, rd_acquire_fn, ops, ref, cpu_a, 3, NULL);
	KUNIT_ASSERT_TRUE(test, rd_thread_join(test, a));
	KUNIT_ASSERT_EQ(test, a->ret, 1L);
	r = rd_thread_start(test, rd_release_fn, ops, ref, cpu_b, 3, NULL);
	KUNIT_ASSERT_TRUE(test, rd_thread_join(test, r));
	KUNIT_EXPECT_EQ(test, r->ret, (long)cpu_b);
	rd_thread_stop(a);
	rd_thread_stop(r);
	/* Nothing held in sum: the wait returns at once. */
	KUNIT_EXPECT_EQ(test, ops->wait_timeout(ref, 0), 1L);
	ops->completed(ref);
	ops->reinit(ref);

	/* Held on A, waited for by a third thread, released on B during the wait. */
	a = rd_thread_start(test, rd_acquire_fn, ops, ref, cpu_a, 2, NULL);
	KUNIT_ASSERT_TRUE(test, rd_thread_join(test, a));
	KUNIT_ASSERT_EQ(test, a->ret, 1L);
	w = rd_thread_start(test, rd_wait_fn, ops, ref, -1, 0, NULL);
	msleep(50);
	KUNIT_EXPECT_FALSE(test, completion_done(&w->done));
	KUNIT_EXPECT_FALSE(test, ops->acquire(ref));
	r = rd_thread_start(test, rd_release_fn, ops, ref, cpu_b, 2, NULL);
	KUNIT_EXPECT_TRUE(test, rd_thread_join(test, r));
	KUNIT_EXPECT_TRUE(test, rd_thread_join(test, w));
	KUNIT_EXPECT_EQ(test, w->ret, 0L);
	ops->completed(ref);
	rd_thread_stop(a);
	rd_thread_stop(r);
	rd_thread_stop(w);
}

/* Several tasks waiting at once, with every kind of wait. */
static void rd_test_several_waiters(struct kunit *test)
{
	RD_SETUP(test);
	struct rd_thread *w[8];
	int i;

	KUNIT_ASSERT_TRUE(test, ops->acquire_many(ref, 2));
	for (i = 0; i < ARRAY_SIZE(w); i++)
		w[i] = rd_thread_start(test, rd_wait_fn, ops, ref, -1, i % 4, NULL);
	for (i = 0; i < ARRAY_SIZE(w); i++)
		wait_for_completion(&w[i]->started);
	msleep(100);
	for (i = 0; i < ARRAY_SIZE(w); i++)
		KUNIT_EXPECT_FALSE(test, completion_done(&w[i]->done));
	ops->release(ref);
	msleep(20);
	for (i = 0; i < ARRAY_SIZE(w); i++)
		KUNIT_EXPECT_FALSE(test, completion_done(&w[i]->done));
	ops->release(ref);
	for (i = 0; i < ARRAY_SIZE(w); i++) {
		if (rd_thread_join(test, w[i]))
			KUNIT_EXPECT_EQ(test, w[i]->ret, 0L);
	}
	/* Another wait after all of them: immediate. */
	KUNIT_EXPECT_EQ(test, ops->wait_timeout(ref, 3), 3L);
	ops->completed(ref);
	for (i = 0; i < ARRAY_SIZE(w); i++)
		rd_thread_stop(w[i]);
}

/* Acquirers racing a waiter, over several run-down/reinit rounds. */
struct rd_race {
	const struct rd_ops *ops;
	void *ref;
	int stop;
	int wait_returned;	/* set once a wait returned, cleared before reinit */
	atomic_t inside;	/* holders inside their critical section */
	atomic_t violations;	/* acquires that succeeded after a wait returned */
	atomic_long_t acquired, failed, released_elsewhere;
};

static long rd_race_worker(struct rd_thread *t)
{
	struct rd_race *r = t->priv;
	unsigned long n = 0;

	while (!READ_ONCE(r->stop)) {
		unsigned long many = (n++ % 4 == 3) ? 3 : 1;
		int cpu;

		if (!r->ops->acquire_many(r->ref, many)) {
			atomic_long_inc(&r->failed);
			cond_resched();
			continue;
		}
		cpu = raw_smp_processor_id();
		atomic_inc(&r->inside);
		if (READ_ONCE(r->wait_returned))
			atomic_inc(&r->violations);
		atomic_long_inc(&r->acquired);
		if (n % 8 == 0)
			schedule();	/* give preemption/migration a chance */
		else
			cpu_relax();
		atomic_dec(&r->inside);
		if (raw_smp_processor_id() != cpu)
			atomic_long_inc(&r->released_elsewhere);
		if (many > 1) {
			r->ops->release(r->ref);
			r->ops->release_many(r->ref, many - 1);
		} else {
			r->ops->release(r->ref);
		}
	}
	return 0;
}

static void rd_test_acquire_vs_wait(struct kunit *test)
{
	RD_SETUP(test);
	struct rd_race *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct rd_thread *w[4];
	int nw = 0, cpu, i, round;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, r);
	r->ops = ops;
	r->ref = ref;
	atomic_set(&r->inside, 0);
	atomic_set(&r->violations, 0);
	atomic_long_set(&r->acquired, 0);
	atomic_long_set(&r->failed, 0);
	atomic_long_set(&r->released_elsewhere, 0);

	/* Bound workers on up to 3 CPUs, plus an unbound one that migrates. */
	for_each_online_cpu(cpu) {
		if (nw == ARRAY_SIZE(w) - 1)
			break;
		w[nw++] = rd_thread_start(test, rd_race_worker, ops, ref, cpu, 0, r);
	}
	w[nw++] = rd_thread_start(test, rd_race_worker, ops, ref, -1, 0, r);

	for (round = 0; round < 4; round++) {
		long base = atomic_long_read(&r->acquired);
		unsigned long deadline = jiffies + RD_TIMEOUT;

		/* Let the workers get going before running down. */
		while (atomic_long_read(&r->acquired) < base + 200 &&
		       time_before(jiffies, deadline))
			usleep_range(1000, 2000);
		KUNIT_EXPECT_GE(test, atomic_long_read(&r->acquired), base + 200);

		switch (round) {
		case 0:
			ops->wait(ref);
			break;
		case 1:
			KUNIT_EXPECT_EQ(test, ops->wait_killable(ref), 0);
			break;
		case 2:
			KUNIT_EXPECT_GT(test, ops->wait_timeout(ref, RD_TIMEOUT), 0L);
			break;
		default:
			KUNIT_EXPECT_GT(test, ops->wait_killable_timeout(ref, RD_TIMEOUT), 0L);
		}
		/* Every holder's critical section happened before the wait returned. */
		KUNIT_EXPECT_EQ(test, atomic_read(&r->inside), 0);
		WRITE_ONCE(r->wait_returned, 1);
		/*
		 * Publish the flag before the checks below. Workers read it
		 * only after a successful acquire (acquire ordering), and
		 * none can succeed now: a worker seeing it set is a bug.
		 */
		smp_mb();
		msleep(20);	/* workers keep trying: every acquire must fail */
		KUNIT_EXPECT_EQ(test, atomic_read(&r->inside), 0);
		KUNIT_EXPECT_FALSE(test, ops->is_active(ref));
		ops->completed(ref);
		WRITE_ONCE(r->wait_returned, 0);
		smp_mb();	/* cleared before reinit publishes the ref again */
		ops->reinit(ref);
	}

	WRITE_ONCE(r->stop, 1);
	for (i = 0; i < nw; i++)
		rd_thread_join(test, w[i]);
	ops->wait(ref);
	KUNIT_EXPECT_EQ(test, atomic_read(&r->violations), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&r->inside), 0);
	kunit_info(test, "%s: %ld acquired, %ld failed, %ld released on another CPU\n",
		   ops->name, atomic_long_read(&r->acquired),
		   atomic_long_read(&r->failed),
		   atomic_long_read(&r->released_elsewhere));
	ops->completed(ref);
	for (i = 0; i < nw; i++)
		rd_thread_stop(w[i]);
}

static void rd_test_pcpu_buffer(struct kunit *test)
{
	size_t size = rundown_pcpu_size();
	struct rundown_pcpu *ref;
	char *buf;

	KUNIT_EXPECT_GE(test, size, sizeof(struct rundown_pcpu) +
			nr_cpu_ids * sizeof(struct rundown_pcpu_slot));
	/* Not cache-line aligned on purpose (but word aligned). */
	buf = kunit_kzalloc(test, size + sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	ref = (struct rundown_pcpu *)(buf + sizeof(long));
	rundown_pcpu_init_buffer(ref, size);
	KUNIT_EXPECT_TRUE(test, rundown_pcpu_is_active(ref));
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)ref->slots, SMP_CACHE_BYTES));
	KUNIT_EXPECT_GE(test, (unsigned long)ref->slots, (unsigned long)(ref + 1));
	KUNIT_EXPECT_LE(test, (unsigned long)(ref->slots + nr_cpu_ids),
			(unsigned long)ref + size);
	KUNIT_ASSERT_TRUE(test, rundown_pcpu_acquire_many(ref, 4));
	rundown_pcpu_release_many(ref, 4);
	rundown_pcpu_wait(ref);
	KUNIT_EXPECT_FALSE(test, rundown_pcpu_acquire(ref));
	rundown_pcpu_completed(ref);
	rundown_pcpu_reinit(ref);
	KUNIT_ASSERT_TRUE(test, rundown_pcpu_acquire(ref));
	rundown_pcpu_release(ref);
	rundown_pcpu_exit(ref);		/* frees nothing: the buffer is ours */
}

static void rd_test_pcpu_exit(struct kunit *test)
{
	struct rundown_pcpu *ref = kunit_kzalloc(test, sizeof(*ref), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ref);
	/* Exit of a never-used live reference, and a second exit, are fine. */
	KUNIT_ASSERT_EQ(test, rundown_pcpu_init(ref, GFP_KERNEL), 0);
	rundown_pcpu_exit(ref);
	rundown_pcpu_exit(ref);
	/* Exit after run-down. */
	KUNIT_ASSERT_EQ(test, rundown_pcpu_init(ref, GFP_KERNEL), 0);
	KUNIT_ASSERT_TRUE(test, rundown_pcpu_acquire(ref));
	rundown_pcpu_release(ref);
	rundown_pcpu_wait(ref);
	rundown_pcpu_completed(ref);
	rundown_pcpu_exit(ref);
}

static struct kunit_case rd_cases[] = {
	KUNIT_CASE_PARAM(rd_test_init_live, rd_variant_gen_params),
	KUNIT_CASE(rd_test_static_init),
	KUNIT_CASE_PARAM(rd_test_many, rd_variant_gen_params),
	KUNIT_CASE_PARAM(rd_test_wait_unused, rd_variant_gen_params),
	KUNIT_CASE_PARAM(rd_test_wait_timeout, rd_variant_gen_params),
	KUNIT_CASE_PARAM(rd_test_reinit_cycles, rd_variant_gen_params),
	KUNIT_CASE_PARAM(rd_test_killable, rd_variant_gen_params),
	KUNIT_CASE_PARAM(rd_test_release_other_cpu, rd_variant_gen_params),
	KUNIT_CASE_PARAM(rd_test_several_waiters, rd_variant_gen_params),
	KUNIT_CASE_PARAM(rd_test_acquire_vs_wait, rd_variant_gen_params),
	KUNIT_CASE(rd_test_pcpu_buffer),
	KUNIT_CASE(rd_test_pcpu_exit),
	{}
};

static struct kunit_suite rd_suite = {
	.name = "rundown_kunit",
	.init = rd_ctx_init,
	.exit = rd_test_exit,
	.test_cases = rd_cases,
};

kunit_test_suites(&rd_suite);

MODULE_DESCRIPTION("KUnit tests of run-down protection");

#else /* RUNDOWN_KUNIT_MISUSE */

/* ---- suite rundown_kunit_misuse: every test WARNs on purpose ------------- */

/* acquire_many() that would overflow the count, or takes nothing, fails. */
static void rd_misuse_overflow(struct kunit *test)
{
	RD_SETUP(test);

	KUNIT_EXPECT_FALSE(test, ops->acquire_many(ref, 0));
	KUNIT_EXPECT_FALSE(test, ops->acquire_many(ref, ops->max_many + 1));
	KUNIT_EXPECT_FALSE(test, ops->acquire_many(ref, ULONG_MAX));
	if (ops == &rd_ref_ops) {
		/* At the maximum, one more fails and changes nothing. */
		KUNIT_ASSERT_TRUE(test, ops->acquire_many(ref, ops->max_many));
		KUNIT_EXPECT_FALSE(test, ops->acquire(ref));
		KUNIT_EXPECT_FALSE(test, ops->acquire_many(ref, 2));
		ops->release_many(ref, ops->max_many);
	}
	/* Still live and balanced. */
	KUNIT_EXPECT_TRUE(test, ops->is_active(ref));
	KUNIT_ASSERT_TRUE(test, ops->acquire(ref));
	ops->release(ref);
	KUNIT_EXPECT_EQ(test, ops->wait_timeout(ref, 0), 1L);
	ops->completed(ref);
}

/* Releasing more than was acquired is reported and undone. */
static void rd_misuse_over_release(struct kunit *test)
{
	RD_SETUP(test);

	if (ops != &rd_ref_ops) {
		long left;

		/*
		 * Live slots may go negative legitimately: only a fold can
		 * tell. Reported (WARN); whether the count is repaired is not
		 * specified for this variant, so only report what happens.
		 */
		KUNIT_ASSERT_TRUE(test, ops->acquire(ref));
		KUNIT_EXPECT_EQ(test, rd_wait_other(test, ops, ref, false, 1), 0L);
		ops->release(ref);
		ops->release(ref);	/* one too many, after the fold */
		left = ops->wait_timeout(ref, 1);
		kunit_info(test, "rundown_pcpu after over-release: wait_timeout %s\n",
			   left ? "returns" : "times out (count left negative)");
		KUNIT_EXPECT_FALSE(test, ops->is_active(ref));
		return;
	}
	ops->release(ref);
	/* Undone: the count is balanced again. */
	KUNIT_ASSERT_TRUE(test, ops->acquire(ref));
	ops->release(ref);
	KUNIT_EXPECT_EQ(test, ops->wait_timeout(ref, 0), 1L);
	ops->completed(ref);
}

/* reinit while live, or while references are held, is reported and ignored. */
static void rd_misuse_reinit(struct kunit *test)
{
	RD_SETUP(test);

	ops->reinit(ref);			/* live */
	KUNIT_EXPECT_TRUE(test, ops->is_active(ref));
	KUNIT_ASSERT_TRUE(test, ops->acquire(ref));
	KUNIT_EXPECT_EQ(test, rd_wait_other(test, ops, ref, false, 1), 0L);
	ops->reinit(ref);			/* held, run-down in progress */
	KUNIT_EXPECT_FALSE(test, ops->is_active(ref));
	KUNIT_EXPECT_FALSE(test, ops->acquire(ref));
	ops->release(ref);
	KUNIT_EXPECT_GT(test, ops->wait_timeout(ref, HZ), 0L);
	ops->completed(ref);
}

static struct kunit_case rd_misuse_cases[] = {
	KUNIT_CASE_PARAM(rd_misuse_overflow, rd_variant_gen_params),
	KUNIT_CASE_PARAM(rd_misuse_over_release, rd_variant_gen_params),
	KUNIT_CASE_PARAM(rd_misuse_reinit, rd_variant_gen_params),
	{}
};

static struct kunit_suite rd_misuse_suite = {
	.name = "rundown_kunit_misuse",
	.init = rd_ctx_init,
	.exit = rd_test_exit,
	.test_cases = rd_misuse_cases,
};

kunit_test_suites(&rd_misuse_suite);

MODULE_DESCRIPTION("KUnit tests of run-down protection: misuse, WARNs on purpose");

#endif /* RUNDOWN_KUNIT_MISUSE */

MODULE_LICENSE("GPL");

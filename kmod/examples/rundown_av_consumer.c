// SPDX-License-Identifier: GPL-2.0
/*
 * Example: a file-system filter that scans I/O with a pluggable antivirus
 * engine, the scenario NT's run-down protection was made for.
 *
 * This module owns the registration point: one engine pointer guarded by
 * run-down protection, and the exported av_register_engine() and
 * av_unregister_engine(). A few kernel threads stand for the I/O paths:
 * each takes a reference, calls the engine, releases. Taking the reference
 * never blocks; when it fails (no engine, or one being replaced) the I/O
 * goes through unscanned. The engine's owner, rundown_av_provider.ko,
 * replaces its engine every few milliseconds and may unload at any time:
 * av_unregister_engine() runs the protection down, so when it returns no
 * thread is inside the engine and the provider may free it.
 *
 * No lock is taken on the I/O path and no module reference either: the
 * run-down wait in av_unregister_engine() is what keeps the provider's code
 * and data alive while a thread is inside them.
 *
 * Parameters: threads (I/O threads, bound round-robin to the online CPUs),
 * cache_aware (use struct rundown_pcpu rather than struct rundown_ref).
 * Read-only counters: /sys/module/rundown_av_consumer/parameters/stats.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cache.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/rundown.h>

#include "rundown_av.h"

#define AVC_MAX_THREADS	64

static unsigned int threads = 4;
module_param(threads, uint, 0444);
MODULE_PARM_DESC(threads, "I/O threads calling the engine (1-64, default 4)");

static bool cache_aware = true;
module_param(cache_aware, bool, 0444);
MODULE_PARM_DESC(cache_aware, "use the cache-aware variant (default 1)");

/*
 * The registration point. @avc_engine is written only while the protection
 * is run down (no holder), and read only by holders: the protection itself
 * orders the two, so it needs neither a lock nor READ_ONCE(). Only one of
 * the two variants is in use, chosen at load time.
 */
static struct av_engine *avc_engine;
static struct rundown_ref avc_ref = RUNDOWN_REF_INIT_DEAD(avc_ref);
static struct rundown_pcpu avc_pcpu;
static DEFINE_MUTEX(avc_lock);		/* serialises (un)registration */
static unsigned long avc_replacements;	/* engines registered, under avc_lock */

/*
 * One I/O thread and its counters, on its own cache line. Static, so that
 * reading the stats cannot race with freeing them at unload.
 */
static struct avc_thread {
	struct task_struct *task;
	unsigned long calls;		/* scans done through the engine */
	unsigned long refused;		/* I/O let through: no engine */
	unsigned long violations;	/* dead engine touched: must stay 0 */
} ____cacheline_aligned_in_smp avc_threads[AVC_MAX_THREADS];

/*
 * Each I/O thread releases what it acquired, in the same call: the _owned
 * forms say so, and lockdep then checks the bracket (a wait inside it
 * would never end).
 */
static bool avc_acquire(void)
{
	return cache_aware ? rundown_pcpu_acquire_owned(&avc_pcpu) :
			     rundown_acquire_owned(&avc_ref);
}

static void avc_release(void)
{
	if (cache_aware)
		rundown_pcpu_release_owned(&avc_pcpu);
	else
		rundown_release_owned(&avc_ref);
}

/* Fail new acquires, wait for the holders to leave: no one is inside. */
static void avc_run_down(void)
{
	if (cache_aware) {
		rundown_pcpu_wait(&avc_pcpu);
		rundown_pcpu_completed(&avc_pcpu);
	} else {
		rundown_wait(&avc_ref);
		rundown_completed(&avc_ref);
	}
}

/* Live again: release ordering publishes what was written before. */
static void avc_reinit(void)
{
	if (cache_aware)
		rundown_pcpu_reinit(&avc_pcpu);
	else
		rundown_reinit(&avc_ref);
}

/**
 * av_register_engine - make @engine the one the filter scans with
 * @engine: a fully set-up engine, magic %AV_ENGINE_MAGIC
 *
 * Publishes @engine, then reinitialises the run-down protection. The
 * reinitialisation has release semantics and every successful acquire has
 * acquire semantics, so every thread that gets in sees @engine and all the
 * caller wrote to it.
 *
 * Lifetime: @engine, and the code and data its ops use, must stay valid
 * until av_unregister_engine(@engine) has returned.
 *
 * Context: process context, may sleep.
 * Return: 0; -EINVAL if @engine is not live; -EBUSY if an engine is
 * already registered.
 */
int av_register_engine(struct av_engine *engine)
{
	int err = 0;

	if (engine->magic != AV_ENGINE_MAGIC || !engine->ops->scan)
		return -EINVAL;
	mutex_lock(&avc_lock);
	if (avc_engine) {
		err = -EBUSY;
		goto out_unlock;
	}
	avc_engine = engine;		/* first publish, */
	avc_reinit();			/* then let the threads in */
	WRITE_ONCE(avc_replacements, avc_replacements + 1);
out_unlock:
	mutex_unlock(&avc_lock);
	return err;
}
EXPORT_SYMBOL_GPL(av_register_engine);

/**
 * av_unregister_engine - withdraw @engine and wait until no one uses it
 * @engine: the registered engine
 *
 * Runs the protection down: from the start of the call, scans are refused
 * (the I/O goes through unscanned); then sleeps until every scan already
 * inside @engine has returned.
 *
 * Lifetime: once it returns 0, no thread is or will be inside @engine's
 * code or data: the caller may free @engine and its module may unload.
 *
 * Context: process context, may sleep; never from within @engine->ops.
 * Return: 0, or -ENOENT if @engine is not the registered engine (then
 * nothing was done).
 */
int av_unregister_engine(struct av_engine *engine)
{
	int err = 0;

	mutex_lock(&avc_lock);
	if (!engine || engine != avc_engine) {
		err = -ENOENT;
		goto out_unlock;
	}
	avc_run_down();
	avc_engine = NULL;		/* no holder left: plain store */
out_unlock:
	mutex_unlock(&avc_lock);
	return err;
}
EXPORT_SYMBOL_GPL(av_unregister_engine);

/* One I/O request: scanned if an engine is there, else passed through. */
static void avc_filter_io(struct avc_thread *t, const void *buf, size_t len)
{
	struct av_engine *engine;

	if (!avc_acquire()) {
		WRITE_ONCE(t->refused, t->refused + 1);
		return;
	}
	/* Until the release, the engine can be neither freed nor unloaded. */
	engine = avc_engine;
	if (READ_ONCE(engine->magic) == AV_ENGINE_MAGIC)
		engine->ops->scan(engine, buf, len);
	/* The demo's check: the engine must still be alive after the call. */
	if (READ_ONCE(engine->magic) != AV_ENGINE_MAGIC)
		WRITE_ONCE(t->violations, t->violations + 1);
	avc_release();
	WRITE_ONCE(t->calls, t->calls + 1);
}

static int avc_thread_fn(void *data)
{
	struct avc_thread *t = data;
	u8 io[64];

	memset(io, 0x5a, sizeof(io));
	while (!kthread_should_stop()) {
		avc_filter_io(t, io, sizeof(io));
		cond_resched();
	}
	return 0;
}

static void avc_stop_threads(void)
{
	unsigned int i;

	for (i = 0; i < AVC_MAX_THREADS; i++) {
		if (avc_threads[i].task)
			kthread_stop(avc_threads[i].task);
		avc_threads[i].task = NULL;
	}
}

/* A CPU that goes offline later just has its thread moved elsewhere. */
static int avc_start_threads(void)
{
	unsigned int i, cpu = cpumask_first(cpu_online_mask);
	struct task_struct *task;

	for (i = 0; i < threads; i++) {
		task = kthread_create(avc_thread_fn, &avc_threads[i],
				      "av_filter/%u", i);
		if (IS_ERR(task))
			goto err_stop;
		kthread_bind(task, cpu);
		avc_threads[i].task = task;
		wake_up_process(task);
		cpu = cpumask_next(cpu, cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_online_mask);
	}
	return 0;

err_stop:
	avc_stop_threads();
	return PTR_ERR(task);
}

static int avc_stats_get(char *buf, const struct kernel_param *kp)
{
	unsigned long calls = 0, refused = 0, violations = 0;
	unsigned int i;

	for (i = 0; i < AVC_MAX_THREADS; i++) {
		calls += READ_ONCE(avc_threads[i].calls);
		refused += READ_ONCE(avc_threads[i].refused);
		violations += READ_ONCE(avc_threads[i].violations);
	}
	return scnprintf(buf, PAGE_SIZE,
			 "calls=%lu refused=%lu violations=%lu replacements=%lu\n",
			 calls, refused, violations,
			 READ_ONCE(avc_replacements));
}

static int avc_stats_set(const char *val, const struct kernel_param *kp)
{
	return -EPERM;			/* read-only */
}

static const struct kernel_param_ops avc_stats_ops = {
	.get = avc_stats_get,
	.set = avc_stats_set,
};
module_param_cb(stats, &avc_stats_ops, NULL, 0444);
MODULE_PARM_DESC(stats, "counters: calls refused violations replacements");

static int __init avc_init(void)
{
	int err;

	if (!threads || threads > AVC_MAX_THREADS)
		return -EINVAL;
	/*
	 * Born run down: every acquire fails until the first engine is
	 * registered. The plain variant has a static initialiser for that;
	 * the cache-aware one is run down right away, before anyone can
	 * hold it, which returns at once.
	 */
	if (cache_aware) {
		err = rundown_pcpu_init(&avc_pcpu, GFP_KERNEL);
		if (err)
			return err;
		rundown_pcpu_wait(&avc_pcpu);
		rundown_pcpu_completed(&avc_pcpu);
	}
	err = avc_start_threads();
	if (err)
		goto err_exit_pcpu;
	pr_info("%u threads, %s variant\n", threads,
		cache_aware ? "cache-aware" : "plain");
	return 0;

err_exit_pcpu:
	if (cache_aware)
		rundown_pcpu_exit(&avc_pcpu);
	return err;
}

static void __exit avc_exit(void)
{
	/*
	 * The provider uses our symbols, so it is gone and has unregistered
	 * its engine: no thread can be inside it.
	 */
	avc_stop_threads();
	WARN_ON_ONCE(avc_engine);
	if (cache_aware)
		rundown_pcpu_exit(&avc_pcpu);
}

module_init(avc_init);
module_exit(avc_exit);
MODULE_DESCRIPTION("rundown example: a filter calling a replaceable antivirus engine");
MODULE_LICENSE("GPL");

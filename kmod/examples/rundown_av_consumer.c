// SPDX-License-Identifier: GPL-2.0
/*
 * Example: a file-system filter that scans I/O with a pluggable antivirus
 * engine, the scenario NT's run-down protection was made for.
 *
 * This module owns the registration point: one engine pointer guarded by a
 * rundown-protected pointer (<linux/rundown_ptr.h>), and the exported
 * av_register_engine(), av_replace_engine() and av_unregister_engine(). A
 * few kernel threads stand for the I/O paths: each gets the engine, calls
 * it, puts it. Getting it never blocks; it fails only while no engine is
 * registered, and then the I/O goes through unscanned. Upgrading the engine
 * refuses nobody: the new engine is published before the old one is run
 * down, so a thread that races the upgrade gets the new one, and
 * av_replace_engine() returns once the last thread inside the old engine
 * has left it. The engine's owner, rundown_av_provider.ko, upgrades its
 * engine every few milliseconds this way and may unload at any time:
 * av_unregister_engine() retires the pointer, so when it returns no thread
 * is inside the engine and the provider may free it.
 *
 * No lock is taken on the I/O path and no module reference either: the
 * run-down in av_replace_engine() and av_unregister_engine() is what keeps
 * the provider's code and data alive while a thread is inside them.
 *
 * Parameters: threads (I/O threads, bound round-robin to the online CPUs),
 * cache_aware (use struct rundown_ptr_pcpu rather than struct rundown_ptr).
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
 * The registration point: the engine, published through one of the two
 * forms of rundown-protected pointer, chosen at load time. Only one
 * replacer at a time may publish, replace or retire: avc_lock.
 */
static struct rundown_ptr avc_ptr = RUNDOWN_PTR_INIT(avc_ptr);
static struct rundown_ptr_pcpu avc_ptr_pcpu;
static DEFINE_MUTEX(avc_lock);		/* serialises (un)registration */
static unsigned long avc_replacements;	/* engines registered, under avc_lock */

/*
 * Bumped under avc_lock when an engine has been registered (odd: one is
 * registered) and before one is unregistered (even): the I/O threads read
 * it around each get to tell a refusal while an engine was registered all
 * along, which must never happen, from one while there was none.
 */
static unsigned long avc_registered;

/*
 * One I/O thread and its counters, on its own cache line. Static, so that
 * reading the stats cannot race with freeing them at unload.
 */
static struct avc_thread {
	struct task_struct *task;
	unsigned long calls;		/* scans done through the engine */
	unsigned long refused;		/* I/O let through: no engine */
	unsigned long refused_registered; /* ... while one was: must stay 0 */
	unsigned long violations;	/* dead engine touched: must stay 0 */
} ____cacheline_aligned_in_smp avc_threads[AVC_MAX_THREADS];

/*
 * Each I/O thread puts what it got, in the same call: the _owned forms say
 * so, and lockdep then checks the bracket (a replacement inside it would
 * wait for ever).
 */
static struct av_engine *avc_get(unsigned int *token)
{
	return cache_aware ? rundown_ptr_pcpu_get_owned(&avc_ptr_pcpu, token) :
			     rundown_ptr_get_owned(&avc_ptr, token);
}

static void avc_put(unsigned int token)
{
	if (cache_aware)
		rundown_ptr_pcpu_put_owned(&avc_ptr_pcpu, token);
	else
		rundown_ptr_put_owned(&avc_ptr, token);
}

static struct av_engine *avc_published(void)
{
	return cache_aware ? rundown_ptr_pcpu_published(&avc_ptr_pcpu) :
			     rundown_ptr_published(&avc_ptr);
}

/*
 * Publish @engine (NULL: retire); returns the engine it replaced once no
 * thread is inside it. Called under avc_lock only, so it cannot find
 * another replacer running, and never leaves an old engine behind (it is
 * not interruptible): it cannot fail.
 */
static struct av_engine *avc_replace(struct av_engine *engine)
{
	void *old;

	lockdep_assert_held(&avc_lock);
	old = cache_aware ? rundown_ptr_pcpu_replace(&avc_ptr_pcpu, engine) :
			    rundown_ptr_replace(&avc_ptr, engine);
	return WARN_ON_ONCE(IS_ERR(old)) ? NULL : old;
}

/* Under avc_lock: an engine is registered (odd) or not (even) from now on. */
static void avc_set_registered(void)
{
	/*
	 * Release: the I/O threads that read the new value (acquire) see
	 * the publication that came before.
	 */
	smp_store_release(&avc_registered, avc_registered + 1);
	/*
	 * Orders it before the retirement that may follow: pairs with the
	 * smp_rmb() in avc_filter_io().
	 */
	smp_mb();
}

static bool avc_engine_live(const struct av_engine *engine)
{
	return engine && engine->magic == AV_ENGINE_MAGIC && engine->ops->scan;
}

/**
 * av_register_engine - make @engine the one the filter scans with
 * @engine: a fully set-up engine, magic %AV_ENGINE_MAGIC
 *
 * Publishes @engine: every thread that gets it sees it set up, with all
 * the caller wrote to it before (the publication has release semantics).
 *
 * Lifetime: @engine, and the code and data its ops use, must stay valid
 * until av_replace_engine() replaced it or av_unregister_engine(@engine)
 * has returned.
 *
 * Context: process context, may sleep.
 * Return: 0; -EINVAL if @engine is not live; -EBUSY if an engine is
 * already registered.
 */
int av_register_engine(struct av_engine *engine)
{
	int err = 0;

	if (!avc_engine_live(engine))
		return -EINVAL;
	mutex_lock(&avc_lock);
	if (avc_published()) {
		err = -EBUSY;
		goto out_unlock;
	}
	WARN_ON_ONCE(avc_replace(engine));	/* nothing to replace */
	avc_set_registered();
	WRITE_ONCE(avc_replacements, avc_replacements + 1);
out_unlock:
	mutex_unlock(&avc_lock);
	return err;
}
EXPORT_SYMBOL_GPL(av_register_engine);

/**
 * av_replace_engine - upgrade the registered engine without refusing a scan
 * @old: the registered engine
 * @new: its replacement, fully set up
 *
 * Publishes @new at once: scans that start from now on use it, scans that
 * raced the upgrade may still use @old, and none is refused. Then sleeps
 * until the last scan inside @old has returned.
 *
 * Lifetime: once it returns 0, no thread is or will be inside @old, which
 * the caller may free; @new is registered as by av_register_engine().
 *
 * Context: process context, may sleep; never from within an engine's ops.
 * Return: 0; -EINVAL if @new is not live; -ENOENT if @old is not the
 * registered engine (then nothing was done).
 */
int av_replace_engine(struct av_engine *old, struct av_engine *new)
{
	int err = 0;

	if (!avc_engine_live(new))
		return -EINVAL;
	mutex_lock(&avc_lock);
	if (!old || old != avc_published()) {
		err = -ENOENT;
		goto out_unlock;
	}
	WARN_ON_ONCE(avc_replace(new) != old);
	WRITE_ONCE(avc_replacements, avc_replacements + 1);
out_unlock:
	mutex_unlock(&avc_lock);
	return err;
}
EXPORT_SYMBOL_GPL(av_replace_engine);

/**
 * av_unregister_engine - withdraw @engine and wait until no one uses it
 * @engine: the registered engine
 *
 * Retires the pointer: from the start of the call, scans are refused (the
 * I/O goes through unscanned); then sleeps until every scan already inside
 * @engine has returned.
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
	if (!engine || engine != avc_published()) {
		err = -ENOENT;
		goto out_unlock;
	}
	avc_set_registered();		/* no longer, from now on */
	WARN_ON_ONCE(avc_replace(NULL) != engine);
out_unlock:
	mutex_unlock(&avc_lock);
	return err;
}
EXPORT_SYMBOL_GPL(av_unregister_engine);

/* One I/O request: scanned if an engine is there, else passed through. */
static void avc_filter_io(struct avc_thread *t, const void *buf, size_t len)
{
	struct av_engine *engine;
	unsigned long before, after;
	unsigned int token;

	/* Pairs with smp_store_release() in avc_set_registered(). */
	before = smp_load_acquire(&avc_registered);
	engine = avc_get(&token);
	if (!engine) {
		/* Pairs with smp_mb() in avc_set_registered(). */
		smp_rmb();
		after = READ_ONCE(avc_registered);
		if (before == after && (before & 1))
			WRITE_ONCE(t->refused_registered, t->refused_registered + 1);
		WRITE_ONCE(t->refused, t->refused + 1);
		return;
	}
	/* Until the put, the engine can be neither freed nor unloaded. */
	if (READ_ONCE(engine->magic) == AV_ENGINE_MAGIC)
		engine->ops->scan(engine, buf, len);
	/* The demo's check: the engine must still be alive after the call. */
	if (READ_ONCE(engine->magic) != AV_ENGINE_MAGIC)
		WRITE_ONCE(t->violations, t->violations + 1);
	WRITE_ONCE(t->calls, t->calls + 1);
	avc_put(token);
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
	unsigned long calls = 0, refused = 0, refused_reg = 0, violations = 0;
	unsigned int i;

	for (i = 0; i < AVC_MAX_THREADS; i++) {
		calls += READ_ONCE(avc_threads[i].calls);
		refused += READ_ONCE(avc_threads[i].refused);
		refused_reg += READ_ONCE(avc_threads[i].refused_registered);
		violations += READ_ONCE(avc_threads[i].violations);
	}
	return scnprintf(buf, PAGE_SIZE,
			 "calls=%lu refused=%lu refused_registered=%lu violations=%lu replacements=%lu\n",
			 calls, refused, refused_reg, violations,
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
MODULE_PARM_DESC(stats, "counters: calls refused refused_registered violations replacements");

static int __init avc_init(void)
{
	int err;

	if (!threads || threads > AVC_MAX_THREADS)
		return -EINVAL;
	/*
	 * Nothing published: every get fails until the first engine is
	 * registered. The plain form has a static initialiser for that.
	 */
	if (cache_aware) {
		err = rundown_ptr_pcpu_init(&avc_ptr_pcpu, GFP_KERNEL);
		if (err)
			return err;
	}
	err = avc_start_threads();
	if (err)
		goto err_exit_pcpu;
	pr_info("%u threads, %s variant\n", threads,
		cache_aware ? "cache-aware" : "plain");
	return 0;

err_exit_pcpu:
	if (cache_aware)
		rundown_ptr_pcpu_exit(&avc_ptr_pcpu);
	return err;
}

static void __exit avc_exit(void)
{
	/*
	 * The provider uses our symbols, so it is gone and has unregistered
	 * its engine: no thread can be inside it.
	 */
	avc_stop_threads();
	WARN_ON_ONCE(avc_published());
	if (cache_aware)
		rundown_ptr_pcpu_exit(&avc_ptr_pcpu);
}

module_init(avc_init);
module_exit(avc_exit);
MODULE_DESCRIPTION("rundown example: a filter calling a replaceable antivirus engine");
MODULE_LICENSE("GPL");

// SPDX-License-Identifier: GPL-2.0
/*
 * Example: an antivirus whose engine a filter calls from many threads
 * (rundown_av_consumer.ko, which must be loaded first).
 *
 * At load the antivirus registers an engine: an ops table and private data
 * (a "signature database" its scan() reads). Every replace_ms milliseconds
 * it "upgrades" the engine: it sets up a new version and hands it to the
 * filter with av_replace_engine(), which publishes it at once (no scan is
 * refused) and returns when no thread is inside the old engine any more;
 * then it poisons and frees the old one. At unload it unregisters the
 * engine, after which its code may go away even though the filter's
 * threads keep trying to call it.
 *
 * Nothing here knows about run-down protection: the filter owns it, and
 * av_replace_engine() and av_unregister_engine() returning is the whole
 * contract.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "rundown_av.h"

static unsigned int replace_ms = 5;
module_param(replace_ms, uint, 0444);
MODULE_PARM_DESC(replace_ms, "upgrade the engine every this many ms (0: never, default 5)");

/**
 * struct avp_engine - the engine with its private data
 * @av: what the filter sees, registered with it
 * @signatures: the data scan() reads, rewritten at every upgrade
 */
struct avp_engine {
	struct av_engine av;
	u8 signatures[256];
};

/*
 * The registered engine and the version counter: only the upgrader thread
 * touches them, or module init/exit while that thread does not run.
 */
static struct avp_engine *avp_engine;
static u32 avp_version;
static struct task_struct *avp_upgrader;

/* Called by the filter's threads, concurrently, under its protection. */
static u32 avp_scan(struct av_engine *engine, const void *buf, size_t len)
{
	struct avp_engine *e = container_of(engine, struct avp_engine, av);
	const u8 *p = buf;
	u32 sum = e->av.version;
	size_t i;

	for (i = 0; i < len; i++)
		sum = sum * 31 + (p[i] ^ e->signatures[i % sizeof(e->signatures)]);
	return sum;
}

static const struct av_engine_ops avp_ops = {
	.scan = avp_scan,
};

static struct avp_engine *avp_engine_alloc(void)
{
	struct avp_engine *e = kmalloc(sizeof(*e), GFP_KERNEL);

	if (!e)
		return NULL;
	e->av.ops = &avp_ops;
	e->av.magic = AV_ENGINE_MAGIC;
	e->av.version = ++avp_version;
	memset(e->signatures, e->av.version & 0xff, sizeof(e->signatures));
	return e;
}

/*
 * Free an engine that no filter thread can reach any more, poisoning it
 * first: a thread that still touched it would see the bad magic and count
 * a violation (or KASAN would report the access).
 */
static void avp_engine_free(struct avp_engine *e)
{
	WRITE_ONCE(e->av.magic, AV_ENGINE_POISON);
	memset(e->signatures, 0x6b, sizeof(e->signatures));
	kfree(e);
}

/* Withdraw the registered engine; on return no one is inside it. */
static void avp_engine_retire(void)
{
	int err = av_unregister_engine(&avp_engine->av);

	if (err)
		pr_warn("engine v%u was not registered: %d\n",
			avp_engine->av.version, err);
	avp_engine_free(avp_engine);
	avp_engine = NULL;
}

/* Replace the engine by a new version; keep the old one if out of memory. */
static int avp_upgrade(void)
{
	struct avp_engine *new = avp_engine_alloc();
	int err;

	if (!new)
		return -ENOMEM;
	err = av_replace_engine(&avp_engine->av, &new->av);
	if (err) {
		/* Ours was not the registered engine: keep it, drop the new. */
		avp_engine_free(new);
		return err;
	}
	/* No filter thread is inside the old engine, none can get it. */
	avp_engine_free(avp_engine);
	avp_engine = new;
	return 0;
}

static int avp_upgrader_fn(void *unused)
{
	int err;

	while (!kthread_should_stop()) {
		schedule_timeout_interruptible(msecs_to_jiffies(replace_ms));
		if (kthread_should_stop() || !avp_engine)
			continue;
		err = avp_upgrade();
		if (err)
			pr_warn_ratelimited("upgrade failed: %d\n", err);
	}
	return 0;
}

static int __init avp_init(void)
{
	int err;

	avp_engine = avp_engine_alloc();
	if (!avp_engine)
		return -ENOMEM;
	err = av_register_engine(&avp_engine->av);
	if (err)
		goto err_free;
	if (replace_ms) {
		avp_upgrader = kthread_run(avp_upgrader_fn, NULL, "av_upgrade");
		if (IS_ERR(avp_upgrader)) {
			err = PTR_ERR(avp_upgrader);
			goto err_unregister;
		}
	}
	pr_info("engine v%u registered, upgraded every %u ms\n",
		avp_engine->av.version, replace_ms);
	return 0;

err_unregister:
	av_unregister_engine(&avp_engine->av);
err_free:
	avp_engine_free(avp_engine);
	avp_engine = NULL;
	return err;
}

static void __exit avp_exit(void)
{
	if (avp_upgrader)
		kthread_stop(avp_upgrader);
	/* After this the filter's threads are refused, and our code may go. */
	if (avp_engine)
		avp_engine_retire();
	pr_info("unloaded after %u engine versions\n", avp_version);
}

module_init(avp_init);
module_exit(avp_exit);
MODULE_DESCRIPTION("rundown example: an antivirus engine replaced under its callers");
MODULE_LICENSE("GPL");

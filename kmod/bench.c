// SPDX-License-Identifier: GPL-2.0
/*
 * RUNDOWN_IOC_BENCH: rundown against the kernel's alternatives, in the
 * style of kernel/rcu/refscale.c.
 *
 * One ops table, one entry per mechanism, each with the same read-side
 * hooks (acquire, release) and teardown hooks (start run-down and wait
 * until the object may be freed; make it live again). Three workloads:
 *
 * - READ: N reader kthreads bound to CPUs acquire, hold for cs_ns and
 *   release for a set duration: read-side throughput.
 * - TEARDOWN: the caller tears the object down and brings it back, again
 *   and again, with N readers running (or none): how long from the start
 *   of run-down until the object may be freed, as p50/p99/max.
 * - REPLACE: readers keep using an object that the caller tears down,
 *   frees and replaces every period_us: reader throughput, refused
 *   acquires, replacement rate.
 *
 * The protected object is one of two payloads published through a
 * pointer. Tearing down poisons the old one, so a reader that reaches a
 * freed payload under a successful acquire is counted as "bad": the
 * benchmark checks every mechanism as it measures it. RCU and SRCU publish
 * the new payload before waiting (their readers are never refused); the
 * others run the object down first and publish the new payload before
 * making it live again.
 */
#include <linux/capability.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/percpu-refcount.h>
#include <linux/percpu-rwsem.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/srcu.h>
#include <linux/uaccess.h>
#include <linux/wait_bit.h>
#include <linux/rundown.h>
#include <uapi/linux/rundown.h>

#include "internal.h"

#define BENCH_LIVE	0x4c495645UL	/* a payload in use */
#define BENCH_FREED	0x6b6b6b6bUL	/* a payload torn down */
#define BENCH_BATCH	256		/* reader operations between stop checks */

struct bench_payload {
	unsigned long magic;
} ____cacheline_aligned;

/* One reader's results, on its own cache line. */
struct bench_reader {
	struct bench_ctx *ctx;
	struct task_struct *task;
	u64 ops;
	u64 refused;
	u64 bad;
	u64 ns;
} ____cacheline_aligned;

struct bench_ctx {
	const struct bench_ops *ops;
	u32 cs_ns;

	/* the protected object and its mechanism */
	struct bench_payload __rcu *cur;
	struct bench_payload payload[2];
	struct rundown_ref rundown;
	struct rundown_pcpu rundown_pcpu;
	struct percpu_ref pref;
	struct completion pref_done;
	struct srcu_struct srcu;
	struct rw_semaphore rwsem;
	struct percpu_rw_semaphore pcpu_rwsem;
	refcount_t refcount;

	/* the readers */
	unsigned int nr_readers;
	struct bench_reader *readers;
	atomic_t nr_ready;
	atomic_t nr_running;
	struct completion all_ready;
	struct completion all_done;
	wait_queue_head_t start_wq;
	bool started;
	bool stop;
};

/**
 * struct bench_ops - one mechanism
 * @name: for messages
 * @publish_first: publish the new object before the teardown wait (RCU
 *                 style: readers are never refused)
 * @init: set the mechanism up, live; 0 or -errno
 * @exit: undo @init (readers stopped, object live or run down)
 * @acquire: take a reference: a token >= 0 to pass to @release, or -1
 *           when refused
 * @release: drop it
 * @teardown: start run-down and wait until the old object may be freed
 * @revive: make the object live again (not with @publish_first)
 */
struct bench_ops {
	const char *name;
	bool publish_first;
	int (*init)(struct bench_ctx *ctx);
	void (*exit)(struct bench_ctx *ctx);
	int (*acquire)(struct bench_ctx *ctx);
	void (*release)(struct bench_ctx *ctx, int token);
	void (*teardown)(struct bench_ctx *ctx);
	void (*revive)(struct bench_ctx *ctx);
};

static int bench_init_none(struct bench_ctx *ctx)
{
	return 0;
}

static void bench_exit_none(struct bench_ctx *ctx)
{
}

static void bench_revive_none(struct bench_ctx *ctx)
{
}

/* ---- rundown ---------------------------------------------------------- */

static int rundown_b_init(struct bench_ctx *ctx)
{
	rundown_init(&ctx->rundown);
	return 0;
}

static int rundown_b_acquire(struct bench_ctx *ctx)
{
	return rundown_acquire(&ctx->rundown) ? 0 : -1;
}

static void rundown_b_release(struct bench_ctx *ctx, int token)
{
	rundown_release(&ctx->rundown);
}

static void rundown_b_teardown(struct bench_ctx *ctx)
{
	rundown_wait(&ctx->rundown);
}

static void rundown_b_revive(struct bench_ctx *ctx)
{
	rundown_completed(&ctx->rundown);
	rundown_reinit(&ctx->rundown);
}

/* ---- rundown_pcpu ----------------------------------------------------- */

static int rundown_pcpu_b_init(struct bench_ctx *ctx)
{
	return rundown_pcpu_init(&ctx->rundown_pcpu, GFP_KERNEL);
}

static void rundown_pcpu_b_exit(struct bench_ctx *ctx)
{
	rundown_pcpu_exit(&ctx->rundown_pcpu);
}

static int rundown_pcpu_b_acquire(struct bench_ctx *ctx)
{
	return rundown_pcpu_acquire(&ctx->rundown_pcpu) ? 0 : -1;
}

static void rundown_pcpu_b_release(struct bench_ctx *ctx, int token)
{
	rundown_pcpu_release(&ctx->rundown_pcpu);
}

static void rundown_pcpu_b_teardown(struct bench_ctx *ctx)
{
	rundown_pcpu_wait(&ctx->rundown_pcpu);
}

static void rundown_pcpu_b_revive(struct bench_ctx *ctx)
{
	rundown_pcpu_completed(&ctx->rundown_pcpu);
	rundown_pcpu_reinit(&ctx->rundown_pcpu);
}

/* ---- percpu_ref ------------------------------------------------------- */

static void percpu_ref_b_released(struct percpu_ref *ref)
{
	struct bench_ctx *ctx = container_of(ref, struct bench_ctx, pref);

	complete(&ctx->pref_done);
}

static int percpu_ref_b_init(struct bench_ctx *ctx)
{
	init_completion(&ctx->pref_done);
	return percpu_ref_init(&ctx->pref, percpu_ref_b_released,
			       PERCPU_REF_ALLOW_REINIT, GFP_KERNEL);
}

static void percpu_ref_b_exit(struct bench_ctx *ctx)
{
	percpu_ref_exit(&ctx->pref);
}

static int percpu_ref_b_acquire(struct bench_ctx *ctx)
{
	return percpu_ref_tryget_live(&ctx->pref) ? 0 : -1;
}

static void percpu_ref_b_release(struct bench_ctx *ctx, int token)
{
	percpu_ref_put(&ctx->pref);
}

/* Kill, then wait for the release callback: the count reached zero. */
static void percpu_ref_b_teardown(struct bench_ctx *ctx)
{
	reinit_completion(&ctx->pref_done);
	percpu_ref_kill(&ctx->pref);
	wait_for_completion(&ctx->pref_done);
}

static void percpu_ref_b_revive(struct bench_ctx *ctx)
{
	percpu_ref_reinit(&ctx->pref);
}

/* ---- SRCU ------------------------------------------------------------- */

static int srcu_b_init(struct bench_ctx *ctx)
{
	return init_srcu_struct(&ctx->srcu);
}

static void srcu_b_exit(struct bench_ctx *ctx)
{
	cleanup_srcu_struct(&ctx->srcu);
}

static int srcu_b_acquire(struct bench_ctx *ctx) __acquires(&ctx->srcu)
{
	return srcu_read_lock(&ctx->srcu);
}

static void srcu_b_release(struct bench_ctx *ctx, int token)
	__releases(&ctx->srcu)
{
	srcu_read_unlock(&ctx->srcu, token);
}

static void srcu_b_teardown(struct bench_ctx *ctx)
{
	synchronize_srcu(&ctx->srcu);
}

static void srcu_exp_b_teardown(struct bench_ctx *ctx)
{
	synchronize_srcu_expedited(&ctx->srcu);
}

/* ---- RCU -------------------------------------------------------------- */

static int rcu_b_acquire(struct bench_ctx *ctx) __acquires(RCU)
{
	rcu_read_lock();
	return 0;
}

static void rcu_b_release(struct bench_ctx *ctx, int token) __releases(RCU)
{
	rcu_read_unlock();
}

static void rcu_b_teardown(struct bench_ctx *ctx)
{
	synchronize_rcu();
}

static void rcu_exp_b_teardown(struct bench_ctx *ctx)
{
	synchronize_rcu_expedited();
}

/* ---- rwsem ------------------------------------------------------------ */

static int rwsem_b_init(struct bench_ctx *ctx)
{
	init_rwsem(&ctx->rwsem);
	return 0;
}

static int rwsem_b_acquire(struct bench_ctx *ctx)
{
	return down_read_trylock(&ctx->rwsem) ? 0 : -1;
}

static void rwsem_b_release(struct bench_ctx *ctx, int token)
{
	up_read(&ctx->rwsem);
}

static void rwsem_b_teardown(struct bench_ctx *ctx)
{
	down_write(&ctx->rwsem);
}

static void rwsem_b_revive(struct bench_ctx *ctx)
{
	up_write(&ctx->rwsem);
}

/* ---- percpu_rw_semaphore ---------------------------------------------- */

static int percpu_rwsem_b_init(struct bench_ctx *ctx)
{
	return percpu_init_rwsem(&ctx->pcpu_rwsem);
}

static void percpu_rwsem_b_exit(struct bench_ctx *ctx)
{
	percpu_free_rwsem(&ctx->pcpu_rwsem);
}

/* The trylock, so that readers are refused, not blocked, by a writer. */
static int percpu_rwsem_b_acquire(struct bench_ctx *ctx)
{
	return percpu_down_read_trylock(&ctx->pcpu_rwsem) ? 0 : -1;
}

static void percpu_rwsem_b_release(struct bench_ctx *ctx, int token)
{
	percpu_up_read(&ctx->pcpu_rwsem);
}

static void percpu_rwsem_b_teardown(struct bench_ctx *ctx)
{
	percpu_down_write(&ctx->pcpu_rwsem);
}

static void percpu_rwsem_b_revive(struct bench_ctx *ctx)
{
	percpu_up_write(&ctx->pcpu_rwsem);
}

/* ---- refcount_t: the owner holds one reference ------------------------ */

static int refcount_b_init(struct bench_ctx *ctx)
{
	refcount_set(&ctx->refcount, 1);
	return 0;
}

static int refcount_b_acquire(struct bench_ctx *ctx)
{
	return refcount_inc_not_zero(&ctx->refcount) ? 0 : -1;
}

static void refcount_b_release(struct bench_ctx *ctx, int token)
{
	if (refcount_dec_and_test(&ctx->refcount))
		wake_up_var(&ctx->refcount);
}

static void refcount_b_teardown(struct bench_ctx *ctx)
{
	if (!refcount_dec_and_test(&ctx->refcount))
		wait_var_event(&ctx->refcount, !refcount_read(&ctx->refcount));
}

static void refcount_b_revive(struct bench_ctx *ctx)
{
	refcount_set(&ctx->refcount, 1);
}

static const struct bench_ops bench_ops[RUNDOWN_BENCH_NR_MECHS] = {
	[RUNDOWN_BENCH_RUNDOWN] = {
		.name = "rundown", .init = rundown_b_init, .exit = bench_exit_none,
		.acquire = rundown_b_acquire, .release = rundown_b_release,
		.teardown = rundown_b_teardown, .revive = rundown_b_revive,
	},
	[RUNDOWN_BENCH_RUNDOWN_PCPU] = {
		.name = "rundown_pcpu", .init = rundown_pcpu_b_init,
		.exit = rundown_pcpu_b_exit, .acquire = rundown_pcpu_b_acquire,
		.release = rundown_pcpu_b_release,
		.teardown = rundown_pcpu_b_teardown,
		.revive = rundown_pcpu_b_revive,
	},
	[RUNDOWN_BENCH_PERCPU_REF] = {
		.name = "percpu_ref", .init = percpu_ref_b_init,
		.exit = percpu_ref_b_exit, .acquire = percpu_ref_b_acquire,
		.release = percpu_ref_b_release,
		.teardown = percpu_ref_b_teardown,
		.revive = percpu_ref_b_revive,
	},
	[RUNDOWN_BENCH_SRCU] = {
		.name = "srcu", .publish_first = true, .init = srcu_b_init,
		.exit = srcu_b_exit, .acquire = srcu_b_acquire,
		.release = srcu_b_release, .teardown = srcu_b_teardown,
		.revive = bench_revive_none,
	},
	[RUNDOWN_BENCH_SRCU_EXP] = {
		.name = "srcu_exp", .publish_first = true, .init = srcu_b_init,
		.exit = srcu_b_exit, .acquire = srcu_b_acquire,
		.release = srcu_b_release, .teardown = srcu_exp_b_teardown,
		.revive = bench_revive_none,
	},
	[RUNDOWN_BENCH_RCU] = {
		.name = "rcu", .publish_first = true, .init = bench_init_none,
		.exit = bench_exit_none, .acquire = rcu_b_acquire,
		.release = rcu_b_release, .teardown = rcu_b_teardown,
		.revive = bench_revive_none,
	},
	[RUNDOWN_BENCH_RCU_EXP] = {
		.name = "rcu_exp", .publish_first = true,
		.init = bench_init_none, .exit = bench_exit_none,
		.acquire = rcu_b_acquire, .release = rcu_b_release,
		.teardown = rcu_exp_b_teardown, .revive = bench_revive_none,
	},
	[RUNDOWN_BENCH_RWSEM] = {
		.name = "rwsem", .init = rwsem_b_init, .exit = bench_exit_none,
		.acquire = rwsem_b_acquire, .release = rwsem_b_release,
		.teardown = rwsem_b_teardown, .revive = rwsem_b_revive,
	},
	[RUNDOWN_BENCH_PERCPU_RWSEM] = {
		.name = "percpu_rwsem", .init = percpu_rwsem_b_init,
		.exit = percpu_rwsem_b_exit, .acquire = percpu_rwsem_b_acquire,
		.release = percpu_rwsem_b_release,
		.teardown = percpu_rwsem_b_teardown,
		.revive = percpu_rwsem_b_revive,
	},
	[RUNDOWN_BENCH_REFCOUNT] = {
		.name = "refcount", .init = refcount_b_init,
		.exit = bench_exit_none, .acquire = refcount_b_acquire,
		.release = refcount_b_release, .teardown = refcount_b_teardown,
		.revive = refcount_b_revive,
	},
};

/* ---- readers ---------------------------------------------------------- */

static void bench_read_batch(struct bench_ctx *ctx, struct bench_reader *r)
{
	const struct bench_ops *ops = ctx->ops;
	struct bench_payload *p;
	unsigned int i;
	int token;

	for (i = 0; i < BENCH_BATCH; i++) {
		token = ops->acquire(ctx);
		if (token < 0) {
			r->refused++;
			cpu_relax();
			continue;
		}
		p = rcu_dereference_raw(ctx->cur);
		if (READ_ONCE(p->magic) != BENCH_LIVE)
			r->bad++;
		if (ctx->cs_ns)
			ndelay(ctx->cs_ns);
		ops->release(ctx, token);
		r->ops++;
	}
}

static int bench_reader_fn(void *arg)
{
	struct bench_reader *r = arg;
	struct bench_ctx *ctx = r->ctx;
	u64 t0;

	if (atomic_dec_and_test(&ctx->nr_ready))
		complete(&ctx->all_ready);
	wait_event(ctx->start_wq, READ_ONCE(ctx->started) || kthread_should_stop());

	t0 = ktime_get_ns();
	while (!READ_ONCE(ctx->stop) && !kthread_should_stop()) {
		bench_read_batch(ctx, r);
		cond_resched();
	}
	r->ns = ktime_get_ns() - t0;
	if (atomic_dec_and_test(&ctx->nr_running))
		complete(&ctx->all_done);

	/* Park until the caller collects us with kthread_stop(). */
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/* Create the readers, bound to the online CPUs in turn; they wait for start. */
static int bench_readers_create(struct bench_ctx *ctx)
{
	unsigned int i, cpu = nr_cpu_ids;

	atomic_set(&ctx->nr_ready, ctx->nr_readers);
	atomic_set(&ctx->nr_running, ctx->nr_readers);
	for (i = 0; i < ctx->nr_readers; i++) {
		struct bench_reader *r = &ctx->readers[i];
		struct task_struct *t;

		cpu = cpumask_next(cpu, cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_online_mask);
		r->ctx = ctx;
		t = kthread_create(bench_reader_fn, r, "rundown_bench/%u", i);
		if (IS_ERR(t))
			return PTR_ERR(t);
		kthread_bind(t, cpu);
		r->task = t;
	}
	for (i = 0; i < ctx->nr_readers; i++)
		wake_up_process(ctx->readers[i].task);
	return 0;
}

static void bench_readers_start(struct bench_ctx *ctx)
{
	WRITE_ONCE(ctx->started, true);
	wake_up_all(&ctx->start_wq);
}

/* Stop and collect every reader; safe at any stage of bench_readers_create(). */
static void bench_readers_stop(struct bench_ctx *ctx)
{
	unsigned int i;

	WRITE_ONCE(ctx->stop, true);
	for (i = 0; i < ctx->nr_readers; i++) {
		if (ctx->readers[i].task)
			kthread_stop(ctx->readers[i].task);
		ctx->readers[i].task = NULL;
	}
}

/* ---- the object's life cycle ------------------------------------------ */

/* Tear the object down, free (poison) it and publish the next one. */
static u64 bench_replace(struct bench_ctx *ctx)
{
	const struct bench_ops *ops = ctx->ops;
	struct bench_payload *old, *new;
	u64 t0, t1;

	old = rcu_dereference_protected(ctx->cur, true);
	new = old == &ctx->payload[0] ? &ctx->payload[1] : &ctx->payload[0];
	WRITE_ONCE(new->magic, BENCH_LIVE);
	t0 = ktime_get_ns();
	if (ops->publish_first) {
		rcu_assign_pointer(ctx->cur, new);
		ops->teardown(ctx);
		t1 = ktime_get_ns();
		WRITE_ONCE(old->magic, BENCH_FREED);
	} else {
		ops->teardown(ctx);
		t1 = ktime_get_ns();
		WRITE_ONCE(old->magic, BENCH_FREED);
		rcu_assign_pointer(ctx->cur, new);
		ops->revive(ctx);
	}
	return t1 - t0;
}

static void bench_pause_us(u32 us)
{
	if (us >= 20)
		usleep_range(us, us + us / 8 + 1);
	else if (us)
		udelay(us);
	cond_resched();
}

static int bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static void bench_latency_stats(struct rundown_ioc_bench *b, u64 *lat,
				unsigned int n)
{
	u64 sum = 0;
	unsigned int i;

	b->samples_done = n;
	if (!n)
		return;
	sort(lat, n, sizeof(*lat), bench_cmp_u64, NULL);
	for (i = 0; i < n; i++)
		sum += lat[i];
	b->lat_min_ns = lat[0];
	b->lat_p50_ns = lat[(n - 1) / 2];
	b->lat_p99_ns = lat[div_u64((u64)(n - 1) * 99, 100)];
	b->lat_max_ns = lat[n - 1];
	b->lat_mean_ns = div_u64(sum, n);
}

/*
 * Run the workload with the readers started: sleep (READ) or tear down and
 * replace (TEARDOWN, REPLACE) until the duration or the samples run out.
 * Returns 0 or -EINTR on a fatal signal.
 */
static int bench_owner(struct bench_ctx *ctx, struct rundown_ioc_bench *b,
		       u64 *lat, unsigned int *nlat)
{
	u64 end = ktime_get_ns() + (u64)b->duration_ms * NSEC_PER_MSEC;

	if (b->workload == RUNDOWN_BENCH_READ) {
		long left = msecs_to_jiffies(b->duration_ms);

		while (left > 0 && !fatal_signal_pending(current))
			left = schedule_timeout_killable(left);
		return fatal_signal_pending(current) ? -EINTR : 0;
	}
	while (ktime_get_ns() < end) {
		if (fatal_signal_pending(current))
			return -EINTR;
		if (b->workload == RUNDOWN_BENCH_TEARDOWN && *nlat >= b->samples)
			break;
		if (b->period_us)
			bench_pause_us(b->period_us);
		else
			cond_resched();
		if (*nlat < b->samples)
			lat[(*nlat)++] = bench_replace(ctx);
		else
			bench_replace(ctx);
		b->replacements++;
	}
	return 0;
}

static int bench_check(const struct rundown_ioc_bench *b)
{
	unsigned int max_threads = min(num_online_cpus() * 4,
				       (unsigned int)RUNDOWN_BENCH_MAX_THREADS);
	unsigned int min_threads = b->workload == RUNDOWN_BENCH_TEARDOWN ? 0 : 1;

	if (b->mech >= RUNDOWN_BENCH_NR_MECHS ||
	    b->workload >= RUNDOWN_BENCH_NR_WORKLOADS)
		return -EINVAL;
	if (b->flags || b->reserved_in[0] || b->reserved_in[1])
		return -EINVAL;
	if (b->threads < min_threads || b->threads > max_threads)
		return -EINVAL;
	if (!b->duration_ms || b->duration_ms > RUNDOWN_BENCH_MAX_DURATION_MS)
		return -EINVAL;
	if (b->cs_ns > RUNDOWN_BENCH_MAX_CS_NS)
		return -EINVAL;
	if (b->workload == RUNDOWN_BENCH_READ)
		return b->samples || b->period_us ? -EINVAL : 0;
	if (!b->samples || b->samples > RUNDOWN_BENCH_MAX_SAMPLES)
		return -EINVAL;
	if (b->period_us > RUNDOWN_BENCH_MAX_PERIOD_US)
		return -EINVAL;
	return 0;
}

static int bench_run(struct bench_ctx *ctx, struct rundown_ioc_bench *b)
{
	unsigned int i, nlat = 0;
	u64 *lat = NULL;
	u64 t0, t1;
	int ret;

	if (b->samples) {
		lat = kvcalloc(b->samples, sizeof(*lat), GFP_KERNEL);
		if (!lat)
			return -ENOMEM;
	}
	ctx->readers = kcalloc(max(b->threads, 1U), sizeof(*ctx->readers),
			       GFP_KERNEL);
	if (!ctx->readers) {
		kvfree(lat);
		return -ENOMEM;
	}
	ctx->nr_readers = b->threads;
	ctx->cs_ns = b->cs_ns;
	init_completion(&ctx->all_ready);
	init_completion(&ctx->all_done);
	init_waitqueue_head(&ctx->start_wq);
	ctx->payload[0].magic = BENCH_LIVE;
	ctx->payload[1].magic = BENCH_FREED;
	RCU_INIT_POINTER(ctx->cur, &ctx->payload[0]);

	ret = ctx->ops->init(ctx);
	if (ret)
		goto out_free;

	b->nr_cpus = num_online_cpus();
	ret = bench_readers_create(ctx);
	if (!ret && ctx->nr_readers)
		ret = wait_for_completion_killable(&ctx->all_ready);
	if (ret) {
		bench_readers_stop(ctx);
		goto out_exit;
	}

	t0 = ktime_get_ns();
	bench_readers_start(ctx);
	ret = bench_owner(ctx, b, lat, &nlat);
	WRITE_ONCE(ctx->stop, true);
	if (ctx->nr_readers && wait_for_completion_killable(&ctx->all_done))
		ret = -EINTR;
	t1 = ktime_get_ns();
	bench_readers_stop(ctx);

	b->elapsed_ns = t1 - t0;
	for (i = 0; i < ctx->nr_readers; i++) {
		b->ops += ctx->readers[i].ops;
		b->refused += ctx->readers[i].refused;
		b->bad += ctx->readers[i].bad;
		b->reader_ns += ctx->readers[i].ns;
	}
	bench_latency_stats(b, lat, nlat);
	if (b->bad)
		pr_warn("rundown_bench: %s: %llu reads of a freed object\n",
			ctx->ops->name, b->bad);
out_exit:
	ctx->ops->exit(ctx);
out_free:
	kfree(ctx->readers);
	kvfree(lat);
	return ret;
}

/**
 * rundown_bench_ioctl - RUNDOWN_IOC_BENCH
 * @file: the /dev/rundown file (unused: the benchmark has its own objects)
 * @argp: struct rundown_ioc_bench in user memory
 *
 * Context: process context; sleeps for up to the requested duration.
 * Return: 0 with the results written back, -EPERM without CAP_SYS_ADMIN,
 * -EINVAL for a parameter out of range, -EFAULT, -ENOMEM, or -EINTR when
 * a fatal signal ended the run.
 */
long rundown_bench_ioctl(struct file *file, void __user *argp)
{
	struct rundown_ioc_bench in, b = {};
	struct bench_ctx *ctx;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&in, argp, sizeof(in)))
		return -EFAULT;
	ret = bench_check(&in);
	if (ret)
		return ret;
	/* The inputs as given, every output zero until written. */
	memcpy(&b, &in, offsetof(struct rundown_ioc_bench, ops));

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	ctx->ops = &bench_ops[b.mech];
	ret = bench_run(ctx, &b);
	kfree(ctx);
	if (ret)
		return ret;
	if (copy_to_user(argp, &b, sizeof(b)))
		return -EFAULT;
	return 0;
}

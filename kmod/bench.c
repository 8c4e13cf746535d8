// SPDX-License-Identifier: GPL-2.0
/*
 * RUNDOWN_IOC_BENCH: rundown against the kernel's alternatives, in the
 * style of kernel/rcu/refscale.c.
 *
 * One ops table, one entry per mechanism, each with the same read-side
 * hooks (acquire, release) and teardown hooks (start run-down and wait
 * until the object may be freed; make it live again), and a "none" entry
 * that runs the same loops with no synchronisation: the baseline. The read
 * loops are instantiated per mechanism (bench_read_loop() and friends are
 * always inlined with the mechanism's own acquire and release), so that a
 * read costs the mechanism and the loop, not two indirect calls.
 *
 * Workloads (uapi/linux/rundown.h has the parameters and the placement):
 *
 * - READ: reader kthreads, one per CPU, acquire, hold for cs_ns and
 *   release for a set duration: read-side throughput.
 * - HANDOFF: pairs of kthreads on two CPUs; one acquires and passes the
 *   reference through a ring to the other, which releases it.
 * - TEARDOWN: the owner, alone on its CPU, tears the object down and
 *   brings it back, again and again, with readers on the other CPUs (or
 *   none): how long from the start of run-down until the object may be
 *   freed, as p50/p99/max.
 * - REPLACE: readers keep using an object that the owner tears down,
 *   frees and replaces every period_us (0: as fast as it can): reader
 *   throughput, refused acquires, replacement rate.
 * - ISOLATION: a holder keeps object B for hold_us at a time while the
 *   owner tears object A down: does A's teardown wait for B's holder?
 * - BATCH: the owner tears down @objects objects at once: each one by one,
 *   or with the mechanism's batch wait where it has one (one grace period
 *   for all of them, percpu_ref's kills before the waits,
 *   rundown_pcpu_wait_many()'s one fence).
 *
 * The protected object of READ, TEARDOWN and REPLACE is one of two
 * payloads published through a pointer. Tearing down poisons the old one,
 * so a reader that reaches a freed payload under a successful acquire is
 * counted as "bad": the benchmark checks every mechanism as it measures it.
 * RCU and SRCU publish the new payload before waiting (their readers are
 * never refused); the others run the object down first and publish the new
 * payload before making it live again. The rundown_ptr mechanisms publish
 * the payloads themselves: rundown_ptr_replace() publishes the new one and
 * returns the old one once its last reader put it (that call is their
 * teardown), and their readers check the payload their get returned. They
 * run READ, TEARDOWN and REPLACE only: isolation and batch would measure
 * their generations' rundown (the plain and cache-aware rows), and a
 * hand-off, a put on another CPU, is the same rundown release.
 */
#include <linux/capability.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/nospec.h>
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
#define BENCH_RING	256		/* HANDOFF: references in flight per pair */
#define BENCH_CLOCK_SAMPLES 255		/* back-to-back clock reads to time */
#define BENCH_GRACE_MS	1000		/* past the duration, for a first sample */

struct bench_payload {
	unsigned long magic;
} ____cacheline_aligned;

/* One protected object; only the mechanism's own members are used. */
struct bench_obj {
	struct rundown_ref rundown;
	struct rundown_pcpu rundown_pcpu;
	struct percpu_ref pref;
	struct rw_semaphore rwsem;
	struct percpu_rw_semaphore pcpu_rwsem;
	refcount_t refcount;
	struct rundown_ptr ptr;
	struct rundown_ptr_pcpu ptr_pcpu;
	struct rcu_head rcu;
	struct completion done;		/* percpu_ref released, call_rcu ran */
	u64 done_ns;			/* when call_rcu's callback ran */
};

/* HANDOFF: one pair's references in flight, acquirer to releaser. */
struct bench_ring {
	unsigned int head ____cacheline_aligned;	/* written by the acquirer */
	bool done;					/* the acquirer stopped */
	unsigned int tail ____cacheline_aligned;	/* written by the releaser */
	int token[BENCH_RING] ____cacheline_aligned;
};

enum bench_role {
	BENCH_READER,
	BENCH_ACQUIRER,
	BENCH_RELEASER,
	BENCH_HOLDER,
	BENCH_OWNER,
};

/* One kthread and its results, on its own cache lines. */
struct bench_worker {
	struct bench_ctx *ctx;
	struct task_struct *task;
	struct bench_ring *ring;
	enum bench_role role;
	unsigned int index;		/* among the workers of its role */
	u64 ops;
	u64 refused;
	u64 bad;
	u64 ns;
} ____cacheline_aligned;

struct bench_ctx {
	const struct bench_ops *ops;
	struct rundown_ioc_bench *b;
	u32 cs_ns;

	/* the protected objects and the mechanism's domain */
	struct bench_payload __rcu *cur;
	struct bench_payload payload[2];
	struct bench_obj *objs;
	unsigned int nr_objs;
	unsigned int nr_inited;
	struct srcu_struct srcu;
	struct rundown_pcpu **pcpu_refs;	/* rundown_pcpu_many's */
	bool domain_inited;

	/* the owner's results */
	u64 *lat;
	u64 *enq;
	unsigned int nlat;
	u64 t0;				/* when every worker ran */
	u64 clock_ns;
	u64 enqueue_ns;			/* call_rcu() time of the current sample */
	u64 freed_ns;			/* when the sample's objects were free, if known */
	bool holding;			/* ISOLATION: the holder has object B */

	/* the kthreads */
	struct bench_worker *workers;
	unsigned int nr_workers;
	bool has_owner;
	struct bench_ring *rings;
	atomic_t nr_ready;
	atomic_t nr_started;
	atomic_t nr_running;
	struct completion all_ready;
	struct completion owner_done;
	struct completion all_done;
	wait_queue_head_t start_wq;
	bool started;
	bool stop;
};

/**
 * struct bench_ops - one mechanism
 * @name: for messages
 * @workloads: BIT(RUNDOWN_BENCH_<workload>) of the workloads it can run
 * @publish_first: publish the new object before the teardown wait (RCU
 *                 style: readers are never refused)
 * @never_frees: the object is never poisoned (none: nothing protects it)
 * @may_sleep: a holder may sleep inside its read-side section
 * @domain_init: set up what all objects share (SRCU's srcu_struct); may
 *               be NULL; 0 or -errno
 * @domain_exit: undo @domain_init; may be NULL
 * @init: set one object up, live; may be NULL; 0 or -errno
 * @exit: undo @init (no holders; live or run down); may be NULL
 * @acquire: take a reference: a token >= 0 to pass to @release, or -1
 *           when refused; NULL with @replace
 * @release: drop it
 * @read: BENCH_BATCH read-side operations (bench_read_loop(); with
 *        @replace, bench_get_loop())
 * @push: HANDOFF's acquirer (bench_push_loop()); NULL without HANDOFF
 * @pop: HANDOFF's releaser (bench_pop_loop()); returns how many it
 *       released
 * @teardown: start run-down of one object and wait until it may be freed
 * @teardown_many: the same for several objects at once; NULL: one by one
 * @revive: make an object live again (not with @publish_first); may be NULL
 * @replace: instead of @teardown, for a mechanism that publishes the
 *           payload itself (rundown_ptr): publish @new and return the old
 *           payload once no reader holds it, or an ERR_PTR()
 */
struct bench_ops {
	const char *name;
	unsigned int workloads;
	bool publish_first;
	bool never_frees;
	bool may_sleep;
	int (*domain_init)(struct bench_ctx *ctx);
	void (*domain_exit)(struct bench_ctx *ctx);
	int (*init)(struct bench_ctx *ctx, struct bench_obj *obj);
	void (*exit)(struct bench_ctx *ctx, struct bench_obj *obj);
	int (*acquire)(struct bench_ctx *ctx, struct bench_obj *obj);
	void (*release)(struct bench_ctx *ctx, struct bench_obj *obj, int token);
	void (*read)(struct bench_ctx *ctx, struct bench_obj *obj,
		     struct bench_worker *w);
	void (*push)(struct bench_ctx *ctx, struct bench_obj *obj,
		     struct bench_worker *w);
	unsigned int (*pop)(struct bench_ctx *ctx, struct bench_obj *obj,
			    struct bench_worker *w);
	void (*teardown)(struct bench_ctx *ctx, struct bench_obj *obj);
	void (*teardown_many)(struct bench_ctx *ctx, struct bench_obj *objs,
			      unsigned int n);
	void (*revive)(struct bench_ctx *ctx, struct bench_obj *obj);
	struct bench_payload *(*replace)(struct bench_ctx *ctx,
					 struct bench_obj *obj,
					 struct bench_payload *new);
};

typedef int (*bench_acquire_fn)(struct bench_ctx *ctx, struct bench_obj *obj);
typedef void (*bench_release_fn)(struct bench_ctx *ctx, struct bench_obj *obj,
				 int token);
typedef struct bench_payload *(*bench_get_fn)(struct bench_ctx *ctx,
					      struct bench_obj *obj,
					      unsigned int *token);
typedef void (*bench_put_fn)(struct bench_ctx *ctx, struct bench_obj *obj,
			     unsigned int token);

/* ---- the loops, inlined into each mechanism --------------------------- */

/* Under a reference: check that payload @p is not freed. */
static __always_inline bool bench_use_payload(struct bench_ctx *ctx,
					      const struct bench_payload *p)
{
	bool ok = READ_ONCE(p->magic) == BENCH_LIVE;

	if (ctx->cs_ns)
		ndelay(ctx->cs_ns);
	return ok;
}

/* The same for the published payload. */
static __always_inline bool bench_use(struct bench_ctx *ctx)
{
	return bench_use_payload(ctx, rcu_dereference_raw(ctx->cur));
}

static __always_inline void bench_read_loop(struct bench_ctx *ctx,
					    struct bench_obj *obj,
					    struct bench_worker *w,
					    bench_acquire_fn acquire,
					    bench_release_fn release)
{
	u64 ops = 0, refused = 0, bad = 0;
	unsigned int i;
	int token;

	for (i = 0; i < BENCH_BATCH; i++) {
		token = acquire(ctx, obj);
		if (token < 0) {
			refused++;
			cpu_relax();
			continue;
		}
		if (!bench_use(ctx))
			bad++;
		release(ctx, obj, token);
		ops++;
	}
	w->ops += ops;
	w->refused += refused;
	w->bad += bad;
}

/*
 * The read loop of a mechanism that hands out the payload (rundown_ptr):
 * the reader checks what its get returned, never ctx->cur.
 */
static __always_inline void bench_get_loop(struct bench_ctx *ctx,
					   struct bench_obj *obj,
					   struct bench_worker *w,
					   bench_get_fn get, bench_put_fn put)
{
	u64 ops = 0, refused = 0, bad = 0;
	struct bench_payload *p;
	unsigned int i, token;

	for (i = 0; i < BENCH_BATCH; i++) {
		p = get(ctx, obj, &token);
		if (!p) {
			refused++;
			cpu_relax();
			continue;
		}
		if (!bench_use_payload(ctx, p))
			bad++;
		put(ctx, obj, token);
		ops++;
	}
	w->ops += ops;
	w->refused += refused;
	w->bad += bad;
}

/* HANDOFF's acquirer: up to BENCH_BATCH references into the ring. */
static __always_inline void bench_push_loop(struct bench_ctx *ctx,
					    struct bench_obj *obj,
					    struct bench_worker *w,
					    bench_acquire_fn acquire)
{
	struct bench_ring *ring = w->ring;
	unsigned int head = ring->head, i;
	u64 ops = 0, refused = 0, bad = 0;
	int token;

	for (i = 0; i < BENCH_BATCH; i++) {
		/*
		 * Pairs with the smp_store_release() of @tail in
		 * bench_pop_loop(): the releaser read the slot before it
		 * freed it.
		 */
		while (head - smp_load_acquire(&ring->tail) == BENCH_RING) {
			if (READ_ONCE(ctx->stop))
				goto out;
			cpu_relax();
		}
		token = acquire(ctx, obj);
		if (token < 0) {
			refused++;
			continue;
		}
		if (!bench_use(ctx))
			bad++;
		ring->token[head % BENCH_RING] = token;
		/*
		 * Pairs with the smp_load_acquire() of @head in
		 * bench_pop_loop(): the slot and the acquire come before the
		 * release on the other CPU.
		 */
		smp_store_release(&ring->head, ++head);
		ops++;
	}
out:
	w->ops += ops;
	w->refused += refused;
	w->bad += bad;
}

/* HANDOFF's releaser: release what the ring holds, up to BENCH_BATCH. */
static __always_inline unsigned int bench_pop_loop(struct bench_ctx *ctx,
						   struct bench_obj *obj,
						   struct bench_worker *w,
						   bench_release_fn release)
{
	struct bench_ring *ring = w->ring;
	unsigned int tail = ring->tail, head, n, i;

	/* Pairs with the smp_store_release() of @head in bench_push_loop(). */
	head = smp_load_acquire(&ring->head);
	n = min(head - tail, (unsigned int)BENCH_BATCH);
	for (i = 0; i < n; i++) {
		release(ctx, obj, ring->token[tail % BENCH_RING]);
		/* Pairs with the smp_load_acquire() of @tail in bench_push_loop(). */
		smp_store_release(&ring->tail, ++tail);
	}
	w->ops += n;
	return n;
}

/* The read loop of mechanism @m, from m##_b_acquire and m##_b_release. */
#define BENCH_READ_FN(m)						\
static void m##_b_read(struct bench_ctx *ctx, struct bench_obj *obj,	\
		       struct bench_worker *w)				\
{									\
	bench_read_loop(ctx, obj, w, m##_b_acquire, m##_b_release);	\
}

/* The read loop and the HANDOFF loops of mechanism @m. */
#define BENCH_LOOP_FNS(m)						\
BENCH_READ_FN(m)							\
static void m##_b_push(struct bench_ctx *ctx, struct bench_obj *obj,	\
		       struct bench_worker *w)				\
{									\
	bench_push_loop(ctx, obj, w, m##_b_acquire);			\
}									\
static unsigned int m##_b_pop(struct bench_ctx *ctx,			\
			      struct bench_obj *obj,			\
			      struct bench_worker *w)			\
{									\
	return bench_pop_loop(ctx, obj, w, m##_b_release);		\
}

/* The read loop of mechanism @m, from m##_b_get and m##_b_put. */
#define BENCH_GET_READ_FN(m)						\
static void m##_b_read(struct bench_ctx *ctx, struct bench_obj *obj,	\
		       struct bench_worker *w)				\
{									\
	bench_get_loop(ctx, obj, w, m##_b_get, m##_b_put);		\
}

/* ---- none: the loops alone -------------------------------------------- */

static int none_b_acquire(struct bench_ctx *ctx, struct bench_obj *obj)
{
	return 0;
}

static void none_b_release(struct bench_ctx *ctx, struct bench_obj *obj,
			   int token)
{
}

static void none_b_teardown(struct bench_ctx *ctx, struct bench_obj *obj)
{
}

BENCH_LOOP_FNS(none)

/* ---- rundown ---------------------------------------------------------- */

static int rundown_b_init(struct bench_ctx *ctx, struct bench_obj *obj)
{
	rundown_init(&obj->rundown);
	return 0;
}

static int rundown_b_acquire(struct bench_ctx *ctx, struct bench_obj *obj)
{
	return rundown_acquire(&obj->rundown) ? 0 : -1;
}

static void rundown_b_release(struct bench_ctx *ctx, struct bench_obj *obj,
			      int token)
{
	rundown_release(&obj->rundown);
}

static void rundown_b_teardown(struct bench_ctx *ctx, struct bench_obj *obj)
{
	rundown_wait(&obj->rundown);
}

static void rundown_b_revive(struct bench_ctx *ctx, struct bench_obj *obj)
{
	rundown_completed(&obj->rundown);
	rundown_reinit(&obj->rundown);
}

BENCH_LOOP_FNS(rundown)

/* ---- rundown_pcpu ----------------------------------------------------- */

static int rundown_pcpu_b_init(struct bench_ctx *ctx, struct bench_obj *obj)
{
	return rundown_pcpu_init(&obj->rundown_pcpu, GFP_KERNEL);
}

static void rundown_pcpu_b_exit(struct bench_ctx *ctx, struct bench_obj *obj)
{
	rundown_pcpu_exit(&obj->rundown_pcpu);
}

static int rundown_pcpu_b_acquire(struct bench_ctx *ctx, struct bench_obj *obj)
{
	return rundown_pcpu_acquire(&obj->rundown_pcpu) ? 0 : -1;
}

static void rundown_pcpu_b_release(struct bench_ctx *ctx,
				   struct bench_obj *obj, int token)
{
	rundown_pcpu_release(&obj->rundown_pcpu);
}

static void rundown_pcpu_b_teardown(struct bench_ctx *ctx,
				    struct bench_obj *obj)
{
	rundown_pcpu_wait(&obj->rundown_pcpu);
}

static void rundown_pcpu_b_revive(struct bench_ctx *ctx, struct bench_obj *obj)
{
	rundown_pcpu_completed(&obj->rundown_pcpu);
	rundown_pcpu_reinit(&obj->rundown_pcpu);
}

BENCH_LOOP_FNS(rundown_pcpu)

/*
 * rundown_pcpu_many: BATCH only, the objects run down together by one
 * rundown_pcpu_wait_many() (one fence) instead of one rundown_pcpu_wait()
 * each. The array of their refs is made before the run.
 */
static int rundown_pcpu_many_b_domain_init(struct bench_ctx *ctx)
{
	unsigned int i;

	ctx->pcpu_refs = kvmalloc_array(ctx->nr_objs, sizeof(*ctx->pcpu_refs),
					GFP_KERNEL);
	if (!ctx->pcpu_refs)
		return -ENOMEM;
	for (i = 0; i < ctx->nr_objs; i++)
		ctx->pcpu_refs[i] = &ctx->objs[i].rundown_pcpu;
	return 0;
}

static void rundown_pcpu_many_b_domain_exit(struct bench_ctx *ctx)
{
	kvfree(ctx->pcpu_refs);
}

static void rundown_pcpu_many_b_teardown_many(struct bench_ctx *ctx,
					      struct bench_obj *objs,
					      unsigned int n)
{
	rundown_pcpu_wait_many(ctx->pcpu_refs, n);
}

/* ---- rundown_ptr: the pointer publishes the payloads ------------------ */

static int rundown_ptr_b_init(struct bench_ctx *ctx, struct bench_obj *obj)
{
	struct bench_payload *old;

	rundown_ptr_init(&obj->ptr);
	old = rundown_ptr_replace(&obj->ptr, &ctx->payload[0]);
	return PTR_ERR_OR_ZERO(old);
}

static void rundown_ptr_b_exit(struct bench_ctx *ctx, struct bench_obj *obj)
{
	WARN_ON_ONCE(IS_ERR(rundown_ptr_retire(&obj->ptr)));
}

static struct bench_payload *rundown_ptr_b_get(struct bench_ctx *ctx,
					       struct bench_obj *obj,
					       unsigned int *token)
{
	return rundown_ptr_get(&obj->ptr, token);
}

static void rundown_ptr_b_put(struct bench_ctx *ctx, struct bench_obj *obj,
			      unsigned int token)
{
	rundown_ptr_put(&obj->ptr, token);
}

static struct bench_payload *rundown_ptr_b_replace(struct bench_ctx *ctx,
						   struct bench_obj *obj,
						   struct bench_payload *new)
{
	return rundown_ptr_replace(&obj->ptr, new);
}

BENCH_GET_READ_FN(rundown_ptr)

static int rundown_ptr_pcpu_b_init(struct bench_ctx *ctx, struct bench_obj *obj)
{
	struct bench_payload *old;
	int ret;

	ret = rundown_ptr_pcpu_init(&obj->ptr_pcpu, GFP_KERNEL);
	if (ret)
		return ret;
	old = rundown_ptr_pcpu_replace(&obj->ptr_pcpu, &ctx->payload[0]);
	if (IS_ERR(old)) {
		ret = PTR_ERR(old);
		goto err_exit;
	}
	return 0;

err_exit:
	rundown_ptr_pcpu_exit(&obj->ptr_pcpu);
	return ret;
}

static void rundown_ptr_pcpu_b_exit(struct bench_ctx *ctx,
				    struct bench_obj *obj)
{
	WARN_ON_ONCE(IS_ERR(rundown_ptr_pcpu_retire(&obj->ptr_pcpu)));
	rundown_ptr_pcpu_exit(&obj->ptr_pcpu);
}

static struct bench_payload *rundown_ptr_pcpu_b_get(struct bench_ctx *ctx,
						    struct bench_obj *obj,
						    unsigned int *token)
{
	return rundown_ptr_pcpu_get(&obj->ptr_pcpu, token);
}

static void rundown_ptr_pcpu_b_put(struct bench_ctx *ctx,
				   struct bench_obj *obj, unsigned int token)
{
	rundown_ptr_pcpu_put(&obj->ptr_pcpu, token);
}

static struct bench_payload *
rundown_ptr_pcpu_b_replace(struct bench_ctx *ctx, struct bench_obj *obj,
			   struct bench_payload *new)
{
	return rundown_ptr_pcpu_replace(&obj->ptr_pcpu, new);
}

BENCH_GET_READ_FN(rundown_ptr_pcpu)

/* ---- percpu_ref ------------------------------------------------------- */

static void percpu_ref_b_released(struct percpu_ref *ref)
{
	struct bench_obj *obj = container_of(ref, struct bench_obj, pref);

	complete(&obj->done);
}

static int percpu_ref_b_init(struct bench_ctx *ctx, struct bench_obj *obj)
{
	init_completion(&obj->done);
	return percpu_ref_init(&obj->pref, percpu_ref_b_released,
			       PERCPU_REF_ALLOW_REINIT, GFP_KERNEL);
}

static void percpu_ref_b_exit(struct bench_ctx *ctx, struct bench_obj *obj)
{
	percpu_ref_exit(&obj->pref);
}

static int percpu_ref_b_acquire(struct bench_ctx *ctx, struct bench_obj *obj)
{
	return percpu_ref_tryget_live(&obj->pref) ? 0 : -1;
}

static void percpu_ref_b_release(struct bench_ctx *ctx, struct bench_obj *obj,
				 int token)
{
	percpu_ref_put(&obj->pref);
}

/* Kill, then wait for the release callback: the count reached zero. */
static void percpu_ref_b_teardown(struct bench_ctx *ctx, struct bench_obj *obj)
{
	reinit_completion(&obj->done);
	percpu_ref_kill(&obj->pref);
	wait_for_completion(&obj->done);
}

/* Every kill first, so that their grace periods overlap; then the waits. */
static void percpu_ref_b_teardown_many(struct bench_ctx *ctx,
				       struct bench_obj *objs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		reinit_completion(&objs[i].done);
		percpu_ref_kill(&objs[i].pref);
	}
	for (i = 0; i < n; i++)
		wait_for_completion(&objs[i].done);
}

static void percpu_ref_b_revive(struct bench_ctx *ctx, struct bench_obj *obj)
{
	percpu_ref_reinit(&obj->pref);
}

BENCH_LOOP_FNS(percpu_ref)

/* ---- SRCU: one srcu_struct for all objects ---------------------------- */

static int srcu_b_domain_init(struct bench_ctx *ctx)
{
	return init_srcu_struct(&ctx->srcu);
}

static void srcu_b_domain_exit(struct bench_ctx *ctx)
{
	cleanup_srcu_struct(&ctx->srcu);
}

static int srcu_b_acquire(struct bench_ctx *ctx, struct bench_obj *obj)
	__acquires(&ctx->srcu)
{
	return srcu_read_lock(&ctx->srcu);
}

static void srcu_b_release(struct bench_ctx *ctx, struct bench_obj *obj,
			   int token)
	__releases(&ctx->srcu)
{
	srcu_read_unlock(&ctx->srcu, token);
}

static void srcu_b_teardown(struct bench_ctx *ctx, struct bench_obj *obj)
{
	synchronize_srcu(&ctx->srcu);
}

static void srcu_b_teardown_many(struct bench_ctx *ctx, struct bench_obj *objs,
				 unsigned int n)
{
	synchronize_srcu(&ctx->srcu);
}

static void srcu_exp_b_teardown(struct bench_ctx *ctx, struct bench_obj *obj)
{
	synchronize_srcu_expedited(&ctx->srcu);
}

static void srcu_exp_b_teardown_many(struct bench_ctx *ctx,
				     struct bench_obj *objs, unsigned int n)
{
	synchronize_srcu_expedited(&ctx->srcu);
}

BENCH_READ_FN(srcu)

/* ---- RCU -------------------------------------------------------------- */

static int rcu_b_acquire(struct bench_ctx *ctx, struct bench_obj *obj)
	__acquires(RCU)
{
	rcu_read_lock();
	return 0;
}

static void rcu_b_release(struct bench_ctx *ctx, struct bench_obj *obj,
			  int token)
	__releases(RCU)
{
	rcu_read_unlock();
}

static void rcu_b_teardown(struct bench_ctx *ctx, struct bench_obj *obj)
{
	synchronize_rcu();
}

static void rcu_b_teardown_many(struct bench_ctx *ctx, struct bench_obj *objs,
				unsigned int n)
{
	synchronize_rcu();
}

static void rcu_exp_b_teardown(struct bench_ctx *ctx, struct bench_obj *obj)
{
	synchronize_rcu_expedited();
}

static void rcu_exp_b_teardown_many(struct bench_ctx *ctx,
				    struct bench_obj *objs, unsigned int n)
{
	synchronize_rcu_expedited();
}

BENCH_READ_FN(rcu)

/* ---- call_rcu: RCU readers; the owner hands the object to a callback -- */

static int call_rcu_b_init(struct bench_ctx *ctx, struct bench_obj *obj)
{
	init_completion(&obj->done);
	return 0;
}

static void call_rcu_b_cb(struct rcu_head *head)
{
	struct bench_obj *obj = container_of(head, struct bench_obj, rcu);

	/* Read by the owner after wait_for_completion(), which orders it. */
	obj->done_ns = ktime_get_ns();
	complete(&obj->done);
}

/*
 * The objects may be freed when their callbacks ran: that is the latency
 * (ctx->freed_ns); the owner itself spent only the call_rcu() calls
 * (ctx->enqueue_ns) before it could go on.
 */
static void call_rcu_b_teardown_many(struct bench_ctx *ctx,
				     struct bench_obj *objs, unsigned int n)
{
	unsigned int i;
	u64 t0, last = 0;

	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		reinit_completion(&objs[i].done);
		call_rcu(&objs[i].rcu, call_rcu_b_cb);
	}
	ctx->enqueue_ns = ktime_get_ns() - t0;
	for (i = 0; i < n; i++) {
		wait_for_completion(&objs[i].done);
		last = max(last, objs[i].done_ns);
	}
	ctx->freed_ns = last;
}

static void call_rcu_b_teardown(struct bench_ctx *ctx, struct bench_obj *obj)
{
	call_rcu_b_teardown_many(ctx, obj, 1);
}

/* ---- rwsem ------------------------------------------------------------ */

static int rwsem_b_init(struct bench_ctx *ctx, struct bench_obj *obj)
{
	init_rwsem(&obj->rwsem);
	return 0;
}

static int rwsem_b_acquire(struct bench_ctx *ctx, struct bench_obj *obj)
{
	return down_read_trylock(&obj->rwsem) ? 0 : -1;
}

static void rwsem_b_release(struct bench_ctx *ctx, struct bench_obj *obj,
			    int token)
{
	up_read(&obj->rwsem);
}

static void rwsem_b_teardown(struct bench_ctx *ctx, struct bench_obj *obj)
{
	down_write(&obj->rwsem);
}

static void rwsem_b_revive(struct bench_ctx *ctx, struct bench_obj *obj)
{
	up_write(&obj->rwsem);
}

BENCH_READ_FN(rwsem)

/* ---- percpu_rw_semaphore ---------------------------------------------- */

static int percpu_rwsem_b_init(struct bench_ctx *ctx, struct bench_obj *obj)
{
	return percpu_init_rwsem(&obj->pcpu_rwsem);
}

static void percpu_rwsem_b_exit(struct bench_ctx *ctx, struct bench_obj *obj)
{
	percpu_free_rwsem(&obj->pcpu_rwsem);
}

/* The trylock, so that readers are refused, not blocked, by a writer. */
static int percpu_rwsem_b_acquire(struct bench_ctx *ctx, struct bench_obj *obj)
{
	return percpu_down_read_trylock(&obj->pcpu_rwsem) ? 0 : -1;
}

static void percpu_rwsem_b_release(struct bench_ctx *ctx,
				   struct bench_obj *obj, int token)
{
	percpu_up_read(&obj->pcpu_rwsem);
}

static void percpu_rwsem_b_teardown(struct bench_ctx *ctx,
				    struct bench_obj *obj)
{
	percpu_down_write(&obj->pcpu_rwsem);
}

static void percpu_rwsem_b_revive(struct bench_ctx *ctx, struct bench_obj *obj)
{
	percpu_up_write(&obj->pcpu_rwsem);
}

BENCH_READ_FN(percpu_rwsem)

/* ---- refcount_t: the owner holds one reference ------------------------ */

static int refcount_b_init(struct bench_ctx *ctx, struct bench_obj *obj)
{
	refcount_set(&obj->refcount, 1);
	return 0;
}

static int refcount_b_acquire(struct bench_ctx *ctx, struct bench_obj *obj)
{
	return refcount_inc_not_zero(&obj->refcount) ? 0 : -1;
}

static void refcount_b_release(struct bench_ctx *ctx, struct bench_obj *obj,
			       int token)
{
	if (refcount_dec_and_test(&obj->refcount))
		wake_up_var(&obj->refcount);
}

static void refcount_b_teardown(struct bench_ctx *ctx, struct bench_obj *obj)
{
	if (!refcount_dec_and_test(&obj->refcount))
		wait_var_event(&obj->refcount, !refcount_read(&obj->refcount));
}

static void refcount_b_revive(struct bench_ctx *ctx, struct bench_obj *obj)
{
	refcount_set(&obj->refcount, 1);
}

BENCH_LOOP_FNS(refcount)

/* ---- the table -------------------------------------------------------- */

#define BENCH_W(w)	BIT(RUNDOWN_BENCH_##w)
/* What every mechanism runs; HANDOFF needs releases from any context. */
#define BENCH_W_ALL	(BENCH_W(READ) | BENCH_W(TEARDOWN) | BENCH_W(REPLACE) | \
			 BENCH_W(ISOLATION) | BENCH_W(BATCH))
#define BENCH_W_HANDOFF	(BENCH_W_ALL | BENCH_W(HANDOFF))
/* A mechanism that publishes the payloads itself (@replace). */
#define BENCH_W_PTR	(BENCH_W(READ) | BENCH_W(TEARDOWN) | BENCH_W(REPLACE))

static const struct bench_ops bench_ops[RUNDOWN_BENCH_NR_MECHS] = {
	[RUNDOWN_BENCH_NONE] = {
		.name = "none", .workloads = BENCH_W_HANDOFF,
		.never_frees = true, .may_sleep = true,
		.acquire = none_b_acquire, .release = none_b_release,
		.read = none_b_read, .push = none_b_push, .pop = none_b_pop,
		.teardown = none_b_teardown,
	},
	[RUNDOWN_BENCH_RUNDOWN] = {
		.name = "rundown", .workloads = BENCH_W_HANDOFF,
		.may_sleep = true, .init = rundown_b_init,
		.acquire = rundown_b_acquire, .release = rundown_b_release,
		.read = rundown_b_read, .push = rundown_b_push,
		.pop = rundown_b_pop, .teardown = rundown_b_teardown,
		.revive = rundown_b_revive,
	},
	[RUNDOWN_BENCH_RUNDOWN_PCPU] = {
		.name = "rundown_pcpu", .workloads = BENCH_W_HANDOFF,
		.may_sleep = true, .init = rundown_pcpu_b_init,
		.exit = rundown_pcpu_b_exit, .acquire = rundown_pcpu_b_acquire,
		.release = rundown_pcpu_b_release, .read = rundown_pcpu_b_read,
		.push = rundown_pcpu_b_push, .pop = rundown_pcpu_b_pop,
		.teardown = rundown_pcpu_b_teardown,
		.revive = rundown_pcpu_b_revive,
	},
	[RUNDOWN_BENCH_RUNDOWN_PCPU_MANY] = {
		.name = "rundown_pcpu_many", .workloads = BENCH_W(BATCH),
		.may_sleep = true,
		.domain_init = rundown_pcpu_many_b_domain_init,
		.domain_exit = rundown_pcpu_many_b_domain_exit,
		.init = rundown_pcpu_b_init, .exit = rundown_pcpu_b_exit,
		.acquire = rundown_pcpu_b_acquire,
		.release = rundown_pcpu_b_release, .read = rundown_pcpu_b_read,
		.teardown = rundown_pcpu_b_teardown,
		.teardown_many = rundown_pcpu_many_b_teardown_many,
		.revive = rundown_pcpu_b_revive,
	},
	[RUNDOWN_BENCH_RUNDOWN_PTR] = {
		.name = "rundown_ptr", .workloads = BENCH_W_PTR,
		.publish_first = true, .init = rundown_ptr_b_init,
		.exit = rundown_ptr_b_exit, .read = rundown_ptr_b_read,
		.replace = rundown_ptr_b_replace,
	},
	[RUNDOWN_BENCH_RUNDOWN_PTR_PCPU] = {
		.name = "rundown_ptr_pcpu", .workloads = BENCH_W_PTR,
		.publish_first = true, .init = rundown_ptr_pcpu_b_init,
		.exit = rundown_ptr_pcpu_b_exit,
		.read = rundown_ptr_pcpu_b_read,
		.replace = rundown_ptr_pcpu_b_replace,
	},
	[RUNDOWN_BENCH_PERCPU_REF] = {
		.name = "percpu_ref", .workloads = BENCH_W_HANDOFF,
		.may_sleep = true, .init = percpu_ref_b_init,
		.exit = percpu_ref_b_exit, .acquire = percpu_ref_b_acquire,
		.release = percpu_ref_b_release, .read = percpu_ref_b_read,
		.push = percpu_ref_b_push, .pop = percpu_ref_b_pop,
		.teardown = percpu_ref_b_teardown,
		.teardown_many = percpu_ref_b_teardown_many,
		.revive = percpu_ref_b_revive,
	},
	[RUNDOWN_BENCH_SRCU] = {
		.name = "srcu", .workloads = BENCH_W_ALL, .publish_first = true,
		.may_sleep = true, .domain_init = srcu_b_domain_init,
		.domain_exit = srcu_b_domain_exit, .acquire = srcu_b_acquire,
		.release = srcu_b_release, .read = srcu_b_read,
		.teardown = srcu_b_teardown,
		.teardown_many = srcu_b_teardown_many,
	},
	[RUNDOWN_BENCH_SRCU_EXP] = {
		.name = "srcu_exp", .workloads = BENCH_W_ALL,
		.publish_first = true, .may_sleep = true,
		.domain_init = srcu_b_domain_init,
		.domain_exit = srcu_b_domain_exit, .acquire = srcu_b_acquire,
		.release = srcu_b_release, .read = srcu_b_read,
		.teardown = srcu_exp_b_teardown,
		.teardown_many = srcu_exp_b_teardown_many,
	},
	[RUNDOWN_BENCH_RCU] = {
		.name = "rcu", .workloads = BENCH_W_ALL, .publish_first = true,
		.acquire = rcu_b_acquire, .release = rcu_b_release,
		.read = rcu_b_read, .teardown = rcu_b_teardown,
		.teardown_many = rcu_b_teardown_many,
	},
	[RUNDOWN_BENCH_RCU_EXP] = {
		.name = "rcu_exp", .workloads = BENCH_W_ALL,
		.publish_first = true, .acquire = rcu_b_acquire,
		.release = rcu_b_release, .read = rcu_b_read,
		.teardown = rcu_exp_b_teardown,
		.teardown_many = rcu_exp_b_teardown_many,
	},
	[RUNDOWN_BENCH_CALL_RCU] = {
		.name = "call_rcu", .workloads = BENCH_W_ALL,
		.publish_first = true, .init = call_rcu_b_init,
		.acquire = rcu_b_acquire, .release = rcu_b_release,
		.read = rcu_b_read, .teardown = call_rcu_b_teardown,
		.teardown_many = call_rcu_b_teardown_many,
	},
	[RUNDOWN_BENCH_RWSEM] = {
		.name = "rwsem", .workloads = BENCH_W_ALL, .may_sleep = true,
		.init = rwsem_b_init, .acquire = rwsem_b_acquire,
		.release = rwsem_b_release, .read = rwsem_b_read,
		.teardown = rwsem_b_teardown, .revive = rwsem_b_revive,
	},
	/* Not BATCH: every down_write of a fresh one waits a grace period. */
	[RUNDOWN_BENCH_PERCPU_RWSEM] = {
		.name = "percpu_rwsem",
		.workloads = BENCH_W_ALL & ~BENCH_W(BATCH), .may_sleep = true,
		.init = percpu_rwsem_b_init, .exit = percpu_rwsem_b_exit,
		.acquire = percpu_rwsem_b_acquire,
		.release = percpu_rwsem_b_release, .read = percpu_rwsem_b_read,
		.teardown = percpu_rwsem_b_teardown,
		.revive = percpu_rwsem_b_revive,
	},
	[RUNDOWN_BENCH_REFCOUNT] = {
		.name = "refcount", .workloads = BENCH_W_HANDOFF,
		.may_sleep = true, .init = refcount_b_init,
		.acquire = refcount_b_acquire, .release = refcount_b_release,
		.read = refcount_b_read, .push = refcount_b_push,
		.pop = refcount_b_pop, .teardown = refcount_b_teardown,
		.revive = refcount_b_revive,
	},
};

/* ---- timing ----------------------------------------------------------- */

static int bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* The median cost of two back-to-back clock reads; 0 if out of memory. */
static u64 bench_clock_cost(void)
{
	u64 *d, t0, ret;
	unsigned int i;

	d = kmalloc_array(BENCH_CLOCK_SAMPLES, sizeof(*d), GFP_KERNEL);
	if (!d)
		return 0;
	for (i = 0; i < BENCH_CLOCK_SAMPLES; i++) {
		t0 = ktime_get_ns();
		d[i] = ktime_get_ns() - t0;
	}
	sort(d, BENCH_CLOCK_SAMPLES, sizeof(*d), bench_cmp_u64, NULL);
	ret = d[BENCH_CLOCK_SAMPLES / 2];
	kfree(d);
	return ret;
}

/* A latency less the clock's own cost. */
static u64 bench_net(const struct bench_ctx *ctx, u64 ns)
{
	return ns > ctx->clock_ns ? ns - ctx->clock_ns : 0;
}

static void bench_pause_us(u32 us)
{
	if (us >= 20)
		usleep_range(us, us + us / 8 + 1);
	else if (us)
		udelay(us);
	cond_resched();
}

/* Busy for @us; a read-side section that must not sleep stays inside. */
static void bench_busy_us(u32 us)
{
	mdelay(us / 1000);
	udelay(us % 1000);
}

/* ---- the workers ------------------------------------------------------ */

/*
 * Readers (and acquirers) do one batch at least, even when their CPU ran
 * them only after the owner had finished.
 */
static void bench_reader(struct bench_ctx *ctx, struct bench_worker *w)
{
	struct bench_obj *obj = &ctx->objs[0];

	do {
		ctx->ops->read(ctx, obj, w);
		cond_resched();
	} while (!READ_ONCE(ctx->stop));
}

static void bench_acquirer(struct bench_ctx *ctx, struct bench_worker *w)
{
	struct bench_obj *obj = &ctx->objs[0];

	do {
		ctx->ops->push(ctx, obj, w);
		cond_resched();
	} while (!READ_ONCE(ctx->stop));
	/* Pairs with the smp_load_acquire() of @done in bench_releaser(). */
	smp_store_release(&w->ring->done, true);
}

/* Release everything the acquirer passed on, until it stopped. */
static void bench_releaser(struct bench_ctx *ctx, struct bench_worker *w)
{
	struct bench_obj *obj = &ctx->objs[0];
	struct bench_ring *ring = w->ring;

	for (;;) {
		if (ctx->ops->pop(ctx, obj, w))
			continue;
		/*
		 * Pairs with the smp_store_release() of @done in
		 * bench_acquirer(): its last @head is visible now.
		 */
		if (smp_load_acquire(&ring->done) &&
		    READ_ONCE(ring->tail) == READ_ONCE(ring->head))
			break;
		cpu_relax();
		cond_resched();
	}
}

/*
 * ISOLATION: keep object B, hold_us at a time, sleeping inside where the
 * mechanism allows it. Between two holds a short sleep lets RCU see this
 * CPU quiescent.
 */
static void bench_holder(struct bench_ctx *ctx, struct bench_worker *w)
{
	const struct bench_ops *ops = ctx->ops;
	struct bench_obj *obj = &ctx->objs[1];
	u32 hold = ctx->b->hold_us;
	int token;

	while (!READ_ONCE(ctx->stop)) {
		token = ops->acquire(ctx, obj);
		if (token < 0) {
			w->refused++;
			cond_resched();
			continue;
		}
		WRITE_ONCE(ctx->holding, true);
		if (ops->may_sleep)
			bench_pause_us(hold);
		else
			bench_busy_us(hold);
		WRITE_ONCE(ctx->holding, false);
		ops->release(ctx, obj, token);
		w->ops++;
		usleep_range(10, 20);
	}
}

/* Record one latency sample: t0 until the objects may be freed. */
static void bench_record(struct bench_ctx *ctx, u64 t0, u64 t1)
{
	struct rundown_ioc_bench *b = ctx->b;

	if (ctx->freed_ns)
		t1 = ctx->freed_ns;
	if (ctx->nlat < b->samples) {
		ctx->lat[ctx->nlat] = bench_net(ctx, t1 - t0);
		ctx->enq[ctx->nlat] = bench_net(ctx, ctx->enqueue_ns);
		ctx->nlat++;
	}
	ctx->freed_ns = 0;
	ctx->enqueue_ns = 0;
	b->replacements++;
}

/*
 * Tear object 0 down, free (poison) its payload and publish the next one.
 * With @replace the mechanism publishes and hands the old payload back;
 * ctx->cur is then only the owner's record of what it published.
 */
static void bench_replace(struct bench_ctx *ctx)
{
	const struct bench_ops *ops = ctx->ops;
	struct bench_obj *obj = &ctx->objs[0];
	struct bench_payload *old, *new, *gone;
	u64 t0, t1;

	old = rcu_dereference_protected(ctx->cur, true);
	new = old == &ctx->payload[0] ? &ctx->payload[1] : &ctx->payload[0];
	WRITE_ONCE(new->magic, BENCH_LIVE);
	t0 = ktime_get_ns();
	if (ops->replace) {
		gone = ops->replace(ctx, obj, new);
		t1 = ktime_get_ns();
		/*
		 * Anything but the payload published before is as wrong as
		 * a read of a freed one: count it with them.
		 */
		if (gone == old)
			WRITE_ONCE(old->magic, BENCH_FREED);
		else
			ctx->b->bad++;
		rcu_assign_pointer(ctx->cur, new);
	} else if (ops->publish_first) {
		rcu_assign_pointer(ctx->cur, new);
		ops->teardown(ctx, obj);
		t1 = ktime_get_ns();
		WRITE_ONCE(old->magic, BENCH_FREED);
	} else {
		ops->teardown(ctx, obj);
		t1 = ktime_get_ns();
		if (!ops->never_frees)
			WRITE_ONCE(old->magic, BENCH_FREED);
		rcu_assign_pointer(ctx->cur, new);
		if (ops->revive)
			ops->revive(ctx, obj);
	}
	bench_record(ctx, t0, t1);
}

/* Until when the owner goes on: @end, or later while it has no sample. */
static u64 bench_end(const struct bench_ctx *ctx, u64 end)
{
	return ctx->b->replacements ? end : end + BENCH_GRACE_MS * NSEC_PER_MSEC;
}

/* ISOLATION: tear object A down while the holder keeps B. */
static void bench_isolate(struct bench_ctx *ctx, u64 end)
{
	const struct bench_ops *ops = ctx->ops;
	struct bench_obj *a = &ctx->objs[0];
	u64 t0, t1;

	while (!READ_ONCE(ctx->holding)) {
		if (READ_ONCE(ctx->stop) || ktime_get_ns() >= bench_end(ctx, end))
			return;
		cpu_relax();
		cond_resched();
	}
	t0 = ktime_get_ns();
	ops->teardown(ctx, a);
	t1 = ktime_get_ns();
	if (ops->revive)
		ops->revive(ctx, a);
	bench_record(ctx, t0, t1);
}

/* BATCH: tear every object down at once, then bring them back. */
static void bench_batch(struct bench_ctx *ctx)
{
	const struct bench_ops *ops = ctx->ops;
	unsigned int i;
	u64 t0, t1;

	t0 = ktime_get_ns();
	if (ops->teardown_many)
		ops->teardown_many(ctx, ctx->objs, ctx->nr_objs);
	else
		for (i = 0; i < ctx->nr_objs; i++)
			ops->teardown(ctx, &ctx->objs[i]);
	t1 = ktime_get_ns();
	bench_record(ctx, t0, t1);
	if (ops->revive)
		for (i = 0; i < ctx->nr_objs; i++)
			ops->revive(ctx, &ctx->objs[i]);
}

/*
 * Wait until every worker runs (a woken CPU may take a while to pick its
 * worker up), so that they all start together; false when the run is
 * stopped meanwhile.
 */
static bool bench_wait_started(struct bench_ctx *ctx)
{
	while (atomic_read(&ctx->nr_started) < ctx->nr_workers) {
		if (READ_ONCE(ctx->stop) || kthread_should_stop())
			return false;
		cpu_relax();
		cond_resched();
	}
	return true;
}

/*
 * The owner: teardowns until the duration or the samples run out. It
 * takes one sample at least, unless a further BENCH_GRACE_MS passes
 * (a virtual CPU that went idle may take longer than a short duration to
 * run again).
 */
static void bench_owner(struct bench_ctx *ctx)
{
	struct rundown_ioc_bench *b = ctx->b;
	u64 end;

	if (!bench_wait_started(ctx))
		return;
	ctx->t0 = ktime_get_ns();
	end = ctx->t0 + (u64)b->duration_ms * NSEC_PER_MSEC;

	while (!READ_ONCE(ctx->stop) && ktime_get_ns() < bench_end(ctx, end)) {
		if (b->workload != RUNDOWN_BENCH_REPLACE &&
		    ctx->nlat >= b->samples)
			break;
		if (b->period_us)
			bench_pause_us(b->period_us);
		else
			cond_resched();
		if (b->workload == RUNDOWN_BENCH_ISOLATION)
			bench_isolate(ctx, end);
		else if (b->workload == RUNDOWN_BENCH_BATCH)
			bench_batch(ctx);
		else
			bench_replace(ctx);
	}
}

static int bench_worker_fn(void *arg)
{
	struct bench_worker *w = arg;
	struct bench_ctx *ctx = w->ctx;
	u64 t0;

	if (atomic_dec_and_test(&ctx->nr_ready))
		complete(&ctx->all_ready);
	wait_event(ctx->start_wq, READ_ONCE(ctx->started) || kthread_should_stop());
	atomic_inc(&ctx->nr_started);
	bench_wait_started(ctx);

	t0 = ktime_get_ns();
	if (!kthread_should_stop()) {
		switch (w->role) {
		case BENCH_READER:
			bench_reader(ctx, w);
			break;
		case BENCH_ACQUIRER:
			bench_acquirer(ctx, w);
			break;
		case BENCH_RELEASER:
			bench_releaser(ctx, w);
			break;
		case BENCH_HOLDER:
			bench_holder(ctx, w);
			break;
		case BENCH_OWNER:
			bench_owner(ctx);
			WRITE_ONCE(ctx->stop, true);
			complete(&ctx->owner_done);
			break;
		}
	}
	w->ns = ktime_get_ns() - t0;
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

/* Which of the @n online CPUs (by rank) worker @w runs on. */
static unsigned int bench_slot(const struct bench_ctx *ctx,
			       const struct bench_worker *w, unsigned int n)
{
	switch (w->role) {
	case BENCH_OWNER:
		return 0;
	case BENCH_HOLDER:
		return 1 % n;
	case BENCH_READER:
		if (ctx->has_owner)
			return n > 1 ? 1 + w->index % (n - 1) : 0;
		return w->index % n;
	default:	/* a HANDOFF pair's acquirer and releaser, in turn */
		return w->index % n;
	}
}

/*
 * Create the workers, then bind each to its CPU and wake it with CPU
 * hotplug held off, so that the CPUs chosen stay online until they run.
 */
static int bench_workers_create(struct bench_ctx *ctx)
{
	unsigned int i, n = 0;
	int cpu, *cpus;

	atomic_set(&ctx->nr_ready, ctx->nr_workers);
	atomic_set(&ctx->nr_started, 0);
	atomic_set(&ctx->nr_running, ctx->nr_workers);
	for (i = 0; i < ctx->nr_workers; i++) {
		struct bench_worker *w = &ctx->workers[i];
		struct task_struct *t;

		w->ctx = ctx;
		t = kthread_create(bench_worker_fn, w, "rundown_bench/%u", i);
		if (IS_ERR(t))
			return PTR_ERR(t);
		w->task = t;
	}
	cpus = kmalloc_array(nr_cpu_ids, sizeof(*cpus), GFP_KERNEL);
	if (!cpus)
		return -ENOMEM;
	cpus_read_lock();
	for_each_online_cpu(cpu)
		cpus[n++] = cpu;
	for (i = 0; i < ctx->nr_workers; i++)
		kthread_bind(ctx->workers[i].task,
			     cpus[bench_slot(ctx, &ctx->workers[i], n)]);
	for (i = 0; i < ctx->nr_workers; i++)
		wake_up_process(ctx->workers[i].task);
	cpus_read_unlock();
	kfree(cpus);
	return 0;
}

/* Stop and collect every worker; safe at any stage of bench_workers_create(). */
static void bench_workers_stop(struct bench_ctx *ctx)
{
	unsigned int i;

	WRITE_ONCE(ctx->stop, true);
	for (i = 0; i < ctx->nr_workers; i++) {
		if (ctx->workers[i].task)
			kthread_stop(ctx->workers[i].task);
		ctx->workers[i].task = NULL;
	}
}

/* The workers of each workload, by role (placement: bench_slot()). */
static int bench_workers_alloc(struct bench_ctx *ctx)
{
	const struct rundown_ioc_bench *b = ctx->b;
	unsigned int i, readers = 0, pairs = 0, holders = 0, owners = 0, k = 0;

	switch (b->workload) {
	case RUNDOWN_BENCH_READ:
		readers = b->threads;
		break;
	case RUNDOWN_BENCH_HANDOFF:
		pairs = b->threads / 2;
		break;
	case RUNDOWN_BENCH_ISOLATION:
		holders = 1;
		owners = 1;
		break;
	default:	/* TEARDOWN, REPLACE, BATCH */
		readers = b->threads;
		owners = 1;
		break;
	}
	ctx->has_owner = owners;
	ctx->nr_workers = readers + 2 * pairs + holders + owners;
	ctx->workers = kcalloc(ctx->nr_workers, sizeof(*ctx->workers),
			       GFP_KERNEL);
	if (!ctx->workers)
		return -ENOMEM;
	if (pairs) {
		ctx->rings = kvcalloc(pairs, sizeof(*ctx->rings), GFP_KERNEL);
		if (!ctx->rings)
			return -ENOMEM;
	}
	for (i = 0; i < owners; i++)
		ctx->workers[k++].role = BENCH_OWNER;
	for (i = 0; i < holders; i++)
		ctx->workers[k++].role = BENCH_HOLDER;
	for (i = 0; i < readers; i++) {
		ctx->workers[k].role = BENCH_READER;
		ctx->workers[k++].index = i;
	}
	for (i = 0; i < 2 * pairs; i++) {
		ctx->workers[k].role = i % 2 ? BENCH_RELEASER : BENCH_ACQUIRER;
		ctx->workers[k].ring = &ctx->rings[i / 2];
		ctx->workers[k++].index = i;
	}
	return 0;
}

/* ---- one run ---------------------------------------------------------- */

static void bench_latency_stats(struct rundown_ioc_bench *b, u64 *lat,
				u64 *enq, unsigned int n)
{
	u64 sum = 0;
	unsigned int i;

	b->samples_done = n;
	if (!n)
		return;
	sort(lat, n, sizeof(*lat), bench_cmp_u64, NULL);
	sort(enq, n, sizeof(*enq), bench_cmp_u64, NULL);
	for (i = 0; i < n; i++)
		sum += lat[i];
	b->lat_min_ns = lat[0];
	b->lat_p50_ns = lat[(n - 1) / 2];
	b->lat_p99_ns = lat[div_u64((u64)(n - 1) * 99, 100)];
	b->lat_max_ns = lat[n - 1];
	b->lat_mean_ns = div_u64(sum, n);
	b->enqueue_ns = enq[(n - 1) / 2];
}

static int bench_check(const struct rundown_ioc_bench *b)
{
	unsigned int cpus = num_online_cpus(), lo = 0, hi = 0, mech;
	bool over = b->flags & RUNDOWN_BENCH_OVERSUBSCRIBE;
	unsigned int most = min(cpus * 4, (unsigned int)RUNDOWN_BENCH_MAX_THREADS);
	bool timed;

	if (b->mech >= RUNDOWN_BENCH_NR_MECHS ||
	    b->workload >= RUNDOWN_BENCH_NR_WORKLOADS)
		return -EINVAL;
	if (b->flags & ~RUNDOWN_BENCH_OVERSUBSCRIBE || b->reserved_in[0])
		return -EINVAL;
	switch (b->workload) {
	case RUNDOWN_BENCH_READ:
		lo = 1;
		hi = over ? most : cpus;
		break;
	case RUNDOWN_BENCH_HANDOFF:
		if (b->threads % 2)
			return -EINVAL;
		lo = 2;
		hi = over ? most : cpus;
		break;
	case RUNDOWN_BENCH_TEARDOWN:
		hi = over ? most : cpus - 1;
		break;
	case RUNDOWN_BENCH_REPLACE:
		lo = 1;
		hi = over ? most : cpus - 1;
		break;
	case RUNDOWN_BENCH_ISOLATION:
		if (cpus < 2 && !over)
			return -EINVAL;
		break;
	}
	if (b->threads < lo || b->threads > hi)
		return -EINVAL;
	if (!b->duration_ms || b->duration_ms > RUNDOWN_BENCH_MAX_DURATION_MS)
		return -EINVAL;
	if (b->cs_ns > RUNDOWN_BENCH_MAX_CS_NS)
		return -EINVAL;
	timed = b->workload != RUNDOWN_BENCH_READ &&
		b->workload != RUNDOWN_BENCH_HANDOFF;
	if (!timed && (b->samples || b->period_us))
		return -EINVAL;
	if (timed && (!b->samples || b->samples > RUNDOWN_BENCH_MAX_SAMPLES ||
		      b->period_us > RUNDOWN_BENCH_MAX_PERIOD_US))
		return -EINVAL;
	/* @objects is BATCH's alone, @hold_us ISOLATION's. */
	if (b->workload == RUNDOWN_BENCH_BATCH ?
	    !b->objects || b->objects > RUNDOWN_BENCH_MAX_OBJECTS : b->objects)
		return -EINVAL;
	if (b->workload == RUNDOWN_BENCH_ISOLATION ?
	    !b->hold_us || b->hold_us > RUNDOWN_BENCH_MAX_HOLD_US : b->hold_us)
		return -EINVAL;
	mech = array_index_nospec(b->mech, RUNDOWN_BENCH_NR_MECHS);
	if (!(bench_ops[mech].workloads & BIT(b->workload)))
		return -EOPNOTSUPP;
	return 0;
}

/* Set the mechanism and its objects up; bench_objs_exit() undoes it. */
static int bench_objs_init(struct bench_ctx *ctx)
{
	const struct bench_ops *ops = ctx->ops;
	const struct rundown_ioc_bench *b = ctx->b;
	int ret;

	ctx->nr_objs = b->workload == RUNDOWN_BENCH_BATCH ? b->objects :
		       b->workload == RUNDOWN_BENCH_ISOLATION ? 2 : 1;
	ctx->objs = kvcalloc(ctx->nr_objs, sizeof(*ctx->objs), GFP_KERNEL);
	if (!ctx->objs)
		return -ENOMEM;
	if (ops->domain_init) {
		ret = ops->domain_init(ctx);
		if (ret)
			return ret;
		ctx->domain_inited = true;
	}
	for (; ctx->nr_inited < ctx->nr_objs; ctx->nr_inited++) {
		ret = ops->init ? ops->init(ctx, &ctx->objs[ctx->nr_inited]) : 0;
		if (ret)
			return ret;
	}
	return 0;
}

static void bench_objs_exit(struct bench_ctx *ctx)
{
	const struct bench_ops *ops = ctx->ops;
	unsigned int i;

	if (ops->exit)
		for (i = 0; i < ctx->nr_inited; i++)
			ops->exit(ctx, &ctx->objs[i]);
	if (ctx->domain_inited)
		ops->domain_exit(ctx);
	kvfree(ctx->objs);
}

/*
 * READ and HANDOFF: once every worker runs, sleep for the duration; -EINTR
 * on a fatal signal.
 */
static int bench_sleep(struct bench_ctx *ctx, u32 ms)
{
	long left = msecs_to_jiffies(ms);

	while (atomic_read(&ctx->nr_started) < ctx->nr_workers &&
	       !fatal_signal_pending(current))
		usleep_range(100, 200);
	ctx->t0 = ktime_get_ns();

	while (left > 0 && !fatal_signal_pending(current))
		left = schedule_timeout_killable(left);
	return fatal_signal_pending(current) ? -EINTR : 0;
}

/* The results of a finished run, from the workers and the owner. */
static void bench_collect(struct bench_ctx *ctx)
{
	struct rundown_ioc_bench *b = ctx->b;
	unsigned int i;

	for (i = 0; i < ctx->nr_workers; i++) {
		struct bench_worker *w = &ctx->workers[i];

		b->refused += w->refused;
		b->bad += w->bad;
		if (w->role == BENCH_READER || w->role == BENCH_ACQUIRER) {
			b->ops += w->ops;
			b->reader_ns += w->ns;
		}
	}
	bench_latency_stats(b, ctx->lat, ctx->enq, ctx->nlat);
	if (b->bad)
		pr_warn("rundown_bench: %s: %llu reads of a freed object\n",
			ctx->ops->name, b->bad);
}

static int bench_run(struct bench_ctx *ctx)
{
	struct rundown_ioc_bench *b = ctx->b;
	int ret;

	ctx->cs_ns = b->cs_ns;
	init_completion(&ctx->all_ready);
	init_completion(&ctx->owner_done);
	init_completion(&ctx->all_done);
	init_waitqueue_head(&ctx->start_wq);
	ctx->payload[0].magic = BENCH_LIVE;
	ctx->payload[1].magic = BENCH_FREED;
	RCU_INIT_POINTER(ctx->cur, &ctx->payload[0]);

	if (b->samples) {
		ctx->lat = kvcalloc(b->samples, sizeof(*ctx->lat), GFP_KERNEL);
		ctx->enq = kvcalloc(b->samples, sizeof(*ctx->enq), GFP_KERNEL);
		if (!ctx->lat || !ctx->enq) {
			ret = -ENOMEM;
			goto out_free;
		}
	}
	ret = bench_workers_alloc(ctx);
	if (ret)
		goto out_free;
	ret = bench_objs_init(ctx);
	if (ret)
		goto out_objs;

	b->nr_cpus = num_online_cpus();
	ctx->clock_ns = bench_clock_cost();
	b->clock_ns = ctx->clock_ns;
	ret = bench_workers_create(ctx);
	if (!ret)
		ret = wait_for_completion_killable(&ctx->all_ready);
	if (ret) {
		bench_workers_stop(ctx);
		goto out_objs;
	}

	ctx->t0 = ktime_get_ns();
	WRITE_ONCE(ctx->started, true);
	wake_up_all(&ctx->start_wq);
	if (ctx->has_owner)
		ret = wait_for_completion_killable(&ctx->owner_done);
	else
		ret = bench_sleep(ctx, b->duration_ms);
	/* The workers finish the operation in flight and stop: not long. */
	WRITE_ONCE(ctx->stop, true);
	wait_for_completion(&ctx->all_done);
	b->elapsed_ns = ktime_get_ns() - ctx->t0;
	bench_workers_stop(ctx);
	if (!ret)
		bench_collect(ctx);
out_objs:
	bench_objs_exit(ctx);
out_free:
	kvfree(ctx->rings);
	kfree(ctx->workers);
	kvfree(ctx->enq);
	kvfree(ctx->lat);
	return ret;
}

/**
 * rundown_bench_ioctl - RUNDOWN_IOC_BENCH
 * @file: the /dev/rundown file (unused: the benchmark has its own objects)
 * @argp: struct rundown_ioc_bench in user memory
 *
 * Context: process context; sleeps for up to the requested duration.
 * Return: 0 with the results written back, -EPERM without CAP_SYS_ADMIN,
 * -EINVAL for a parameter out of range, -EOPNOTSUPP for a workload the
 * mechanism cannot run, -EFAULT, -ENOMEM, or -EINTR when a fatal signal
 * ended the run.
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
	ctx->ops = &bench_ops[array_index_nospec(b.mech, RUNDOWN_BENCH_NR_MECHS)];
	ctx->b = &b;
	ret = bench_run(ctx);
	kfree(ctx);
	if (ret)
		return ret;
	if (copy_to_user(argp, &b, sizeof(b)))
		return -EFAULT;
	return 0;
}

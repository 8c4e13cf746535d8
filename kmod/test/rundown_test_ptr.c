// SPDX-License-Identifier: GPL-2.0
/*
 * rundown_test.ko: the cases of the rundown-protected pointer
 * (<linux/rundown_ptr.h>), on both forms (struct rundown_ptr on the plain
 * variant, struct rundown_ptr_pcpu on the cache-aware one).
 *
 * Objects carry a magic and a data pattern written before they are
 * published, and a count of the readers inside; they are checked by every
 * reader, and poisoned before they are freed, so that a reader that gets
 * an object half set up, or keeps one past its replacement, is counted
 * (and reported by KASAN on the debug kernel).
 */
#define pr_fmt(fmt) "rundown_test: " fmt

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/rundown.h>
#include "rundown_test.h"

/* ---- one interface over both forms -------------------------------------- */

struct tp {
	bool pcpu;
	struct rundown_ptr p;
	struct rundown_ptr_pcpu pp;
};

static int tp_init(struct tp *t, bool pcpu)
{
	t->pcpu = pcpu;
	if (pcpu)
		return rundown_ptr_pcpu_init(&t->pp, GFP_KERNEL);
	rundown_ptr_init(&t->p);
	return 0;
}

static void tp_exit(struct tp *t)
{
	if (t->pcpu)
		rundown_ptr_pcpu_exit(&t->pp);
}

static void *tp_get(struct tp *t, unsigned int *token)
{
	return t->pcpu ? rundown_ptr_pcpu_get(&t->pp, token) :
			 rundown_ptr_get(&t->p, token);
}

static void tp_put(struct tp *t, unsigned int token)
{
	if (t->pcpu)
		rundown_ptr_pcpu_put(&t->pp, token);
	else
		rundown_ptr_put(&t->p, token);
}

static void *tp_published(struct tp *t)
{
	return t->pcpu ? rundown_ptr_pcpu_published(&t->pp) :
			 rundown_ptr_published(&t->p);
}

static void *tp_replace(struct tp *t, void *new)
{
	return t->pcpu ? rundown_ptr_pcpu_replace(&t->pp, new) :
			 rundown_ptr_replace(&t->p, new);
}

static int tp_replace_killable(struct tp *t, void *new, void **old)
{
	return t->pcpu ? rundown_ptr_pcpu_replace_killable(&t->pp, new, old) :
			 rundown_ptr_replace_killable(&t->p, new, old);
}

static long tp_replace_timeout(struct tp *t, void *new, void **old, long tmo)
{
	return t->pcpu ? rundown_ptr_pcpu_replace_timeout(&t->pp, new, old, tmo) :
			 rundown_ptr_replace_timeout(&t->p, new, old, tmo);
}

static void *tp_retire(struct tp *t)
{
	return t->pcpu ? rundown_ptr_pcpu_retire(&t->pp) :
			 rundown_ptr_retire(&t->p);
}

static int tp_retire_killable(struct tp *t, void **old)
{
	return t->pcpu ? rundown_ptr_pcpu_retire_killable(&t->pp, old) :
			 rundown_ptr_retire_killable(&t->p, old);
}

static long tp_retire_timeout(struct tp *t, void **old, long tmo)
{
	return t->pcpu ? rundown_ptr_pcpu_retire_timeout(&t->pp, old, tmo) :
			 rundown_ptr_retire_timeout(&t->p, old, tmo);
}

static void *tp_reclaim(struct tp *t)
{
	return t->pcpu ? rundown_ptr_pcpu_reclaim(&t->pp) :
			 rundown_ptr_reclaim(&t->p);
}

static int tp_reclaim_killable(struct tp *t, void **old)
{
	return t->pcpu ? rundown_ptr_pcpu_reclaim_killable(&t->pp, old) :
			 rundown_ptr_reclaim_killable(&t->p, old);
}

static long tp_reclaim_timeout(struct tp *t, void **old, long tmo)
{
	return t->pcpu ? rundown_ptr_pcpu_reclaim_timeout(&t->pp, old, tmo) :
			 rundown_ptr_reclaim_timeout(&t->p, old, tmo);
}

static struct tp *tp_new(struct rd *r)
{
	struct tp *t = kzalloc(sizeof(*t), GFP_KERNEL);

	if (t && tp_init(t, r->pcpu)) {
		kfree(t);
		t = NULL;
	}
	EXPECT(t);
	return t;
}

static void tp_free(struct tp *t)
{
	tp_exit(t);
	kfree(t);
}

/* ---- objects that tell when they are used too early or too late -------- */

#define OBJ_LIVE	0x4f424a4cU	/* "OBJL" */
#define OBJ_DEAD	0x6b6b6b6bU	/* the poison written before kfree() */
#define OBJ_WORDS	16

struct tobj {
	u32 magic;
	u32 id;
	atomic_t users;			/* readers inside, must be 0 at return */
	unsigned long data[OBJ_WORDS];	/* id * OBJ_WORDS + index */
};

static struct tobj *obj_new(u32 id)
{
	struct tobj *o = kmalloc(sizeof(*o), GFP_KERNEL);
	int i;

	if (!o)
		return NULL;
	o->id = id;
	atomic_set(&o->users, 0);
	for (i = 0; i < OBJ_WORDS; i++)
		o->data[i] = (unsigned long)id * OBJ_WORDS + i;
	o->magic = OBJ_LIVE;
	return o;
}

/* Set up completely and not freed: what every reader must see. */
static bool obj_ok(const struct tobj *o)
{
	int i;

	if (READ_ONCE(o->magic) != OBJ_LIVE)
		return false;
	for (i = 0; i < OBJ_WORDS; i++)
		if (READ_ONCE(o->data[i]) != (unsigned long)o->id * OBJ_WORDS + i)
			return false;
	return true;
}

/* Free an object its replacement returned: nobody may be inside. */
static void obj_free(struct tobj *o)
{
	if (IS_ERR_OR_NULL(o))
		return;
	EXPECT(atomic_read(&o->users) == 0);
	EXPECT(obj_ok(o));
	WRITE_ONCE(o->magic, OBJ_DEAD);
	memset(o->data, 0x6b, sizeof(o->data));
	kfree(o);
}

/* Allocate @n objects with ids 1..@n, all or none. */
static bool objs_new(struct tobj **o, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		o[i] = obj_new(i + 1);
		if (!o[i])
			goto err_free;
	}
	return true;

err_free:
	while (i--)
		kfree(o[i]);
	EXPECT(0);
	return false;
}

/* ---- helper threads -------------------------------------------------------- */

struct helper {
	struct task_struct *task;
	struct tp *t;
	struct completion started, done, go;
	long (*fn)(struct helper *h);
	long ret;
	void *old;
	void *arg;
	unsigned int token;
};

static int helper_main(void *data)
{
	struct helper *h = data;

	allow_signal(SIGKILL);
	complete(&h->started);
	h->ret = h->fn(h);
	flush_signals(current);		/* a killable case left SIGKILL */
	complete(&h->done);
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

static struct helper *helper_run(long (*fn)(struct helper *h), struct tp *t,
				 void *arg)
{
	struct helper *h = kzalloc(sizeof(*h), GFP_KERNEL);

	if (!h)
		goto err;
	h->fn = fn;
	h->t = t;
	h->arg = arg;
	init_completion(&h->started);
	init_completion(&h->done);
	init_completion(&h->go);
	h->task = kthread_run(helper_main, h, "rundown_ptr_test");
	if (IS_ERR(h->task))
		goto err_free;
	get_task_struct(h->task);
	wait_for_completion(&h->started);
	return h;

err_free:
	kfree(h);
err:
	EXPECT(0);
	return NULL;
}

static bool helper_done(struct helper *h, unsigned long timeout)
{
	return h && wait_for_completion_timeout(&h->done, timeout);
}

static void helper_stop(struct helper *h)
{
	if (!h)
		return;
	kthread_stop(h->task);
	put_task_struct(h->task);
	kfree(h);
}

/* Get the object, say so (ret 1, or 0 if refused), hold it until go. */
static long holder_fn(struct helper *h)
{
	struct tobj *o = tp_get(h->t, &h->token);

	h->old = o;
	if (!o)
		return 0;
	atomic_inc(&o->users);
	complete(&h->done);
	wait_for_completion(&h->go);
	/* Must still be intact: its replacement has not returned it. */
	if (!obj_ok(o))
		h->ret = -EINVAL;
	atomic_dec(&o->users);
	tp_put(h->t, h->token);
	return 1;
}

/* A holder that got @want and is inside it now. */
static struct helper *holder_start(struct tp *t, struct tobj *want)
{
	struct helper *h = helper_run(holder_fn, t, NULL);

	EXPECT(helper_done(h, 10 * HZ));
	EXPECT(h && h->old == want);
	if (h)
		reinit_completion(&h->done);
	return h;
}

/* Let the holder put its object; 1 once it did, with the object intact. */
static long holder_finish(struct helper *h)
{
	long ret;

	if (!h)
		return -ENOMEM;
	complete(&h->go);
	EXPECT(helper_done(h, 10 * HZ));
	ret = h->ret;
	helper_stop(h);
	return ret;
}

/* ---- cases --------------------------------------------------------------- */

/* Every call on one thread, no reader in the way. */
void t_ptr_basic(struct rd *r)
{
	struct tp *t = tp_new(r);
	unsigned int tok1, tok2;
	void *old = (void *)1;
	struct tobj *o[5];

	if (!t || !objs_new(o, ARRAY_SIZE(o)))
		goto out;
	/* Nothing published yet. */
	EXPECT(!tp_get(t, &tok1));
	EXPECT(!tp_published(t));
	EXPECT(!tp_reclaim(t));
	EXPECT(!tp_retire(t));
	EXPECT(!tp_get(t, &tok1));

	EXPECT(!tp_replace(t, o[0]));
	EXPECT(tp_published(t) == o[0]);
	EXPECT(tp_get(t, &tok1) == o[0]);
	EXPECT(tp_get(t, &tok2) == o[0] && tok2 == tok1);
	tp_put(t, tok1);
	tp_put(t, tok2);

	EXPECT(tp_replace(t, o[1]) == o[0]);
	obj_free(o[0]);
	EXPECT(tp_get(t, &tok1) == o[1]);
	EXPECT(tok1 != tok2);		/* the other generation */
	tp_put(t, tok1);

	EXPECT(tp_replace_timeout(t, o[2], &old, HZ) > 0 && old == o[1]);
	obj_free(o[1]);
	EXPECT(tp_replace_killable(t, o[3], &old) == 0 && old == o[2]);
	obj_free(o[2]);
	EXPECT(tp_replace_timeout(t, o[4], &old, 0) > 0 && old == o[3]);
	obj_free(o[3]);

	/* Retire: gets fail from now on, until the next publication. */
	EXPECT(tp_retire(t) == o[4]);
	EXPECT(!tp_get(t, &tok1));
	EXPECT(!tp_published(t));
	EXPECT(!tp_retire(t));
	EXPECT(!tp_get(t, &tok1));
	EXPECT(!tp_replace(t, o[4]));
	EXPECT(tp_get(t, &tok1) == o[4]);
	tp_put(t, tok1);
	EXPECT(tp_retire_killable(t, &old) == 0 && old == o[4]);
	obj_free(o[4]);
	EXPECT(!tp_get(t, &tok1));
	old = (void *)1;
	EXPECT(tp_retire_timeout(t, &old, 0) > 0 && !old);
	old = (void *)1;
	EXPECT(tp_reclaim_killable(t, &old) == 0 && !old);
	old = (void *)1;
	EXPECT(tp_reclaim_timeout(t, &old, 0) > 0 && !old);
	EXPECT(!tp_replace(t, NULL));	/* NULL retires too */
	EXPECT(!tp_get(t, &tok1));
out:
	if (t)
		tp_free(t);
}

/* A replacer thread for the blocking cases: replace(arg) into ->old. */
static long replacer_fn(struct helper *h)
{
	h->old = tp_replace(h->t, h->arg);
	return 0;
}

static long killable_replacer_fn(struct helper *h)
{
	h->old = (void *)1;
	return tp_replace_killable(h->t, h->arg, &h->old);
}

static long killable_retirer_fn(struct helper *h)
{
	h->old = (void *)1;
	return tp_retire_killable(h->t, &h->old);
}

/*
 * Replacement waits for the old object's last holder and never refuses a
 * reader meanwhile; an interrupted (timed) one leaves the old object to
 * reclaim and refuses to replace again before.
 */
void t_ptr_replace_waits(struct rd *r)
{
	struct helper *holder, *rep;
	struct tp *t = tp_new(r);
	struct tobj *o[3], *a, *b, *c;
	unsigned int tok;
	void *old;

	if (!t || !objs_new(o, ARRAY_SIZE(o)))
		goto out;
	a = o[0];
	b = o[1];
	c = o[2];
	EXPECT(!tp_replace(t, a));
	holder = holder_start(t, a);

	/* Timed replacement times out; b is published all the same. */
	old = (void *)1;
	EXPECT(tp_replace_timeout(t, b, &old, msecs_to_jiffies(20)) == 0);
	EXPECT(!old);
	EXPECT(tp_get(t, &tok) == b);
	tp_put(t, tok);
	EXPECT(tp_published(t) == b);
	/* a is pending: no replacement or retirement before reclaim. */
	EXPECT(tp_replace(t, c) == ERR_PTR(-EBUSY));
	EXPECT(tp_retire(t) == ERR_PTR(-EBUSY));
	EXPECT(tp_replace_killable(t, c, &old) == -EBUSY && !old);
	EXPECT(tp_published(t) == b);
	old = (void *)1;
	EXPECT(tp_reclaim_timeout(t, &old, msecs_to_jiffies(20)) == 0 && !old);
	EXPECT(atomic_read(&a->users) == 1);
	EXPECT(holder_finish(holder) == 1);
	EXPECT(tp_reclaim(t) == a);
	obj_free(a);
	EXPECT(!tp_reclaim(t));

	/* Untimed: the replacer sleeps until the holder of b has left. */
	holder = holder_start(t, b);
	rep = helper_run(replacer_fn, t, c);
	EXPECT(!helper_done(rep, msecs_to_jiffies(30)));
	EXPECT(tp_get(t, &tok) == c);	/* the new one, while b drains */
	tp_put(t, tok);
	EXPECT(atomic_read(&b->users) == 1);
	EXPECT(holder_finish(holder) == 1);
	EXPECT(helper_done(rep, 10 * HZ));
	EXPECT(rep && rep->old == b);
	helper_stop(rep);
	obj_free(b);
	obj_free(tp_retire(t));
out:
	if (t)
		tp_free(t);
}

/*
 * A fatal signal interrupts a killable replacement or retirement: what it
 * published stays published, the old object waits for reclaim.
 */
void t_ptr_killable(struct rd *r)
{
	struct helper *holder, *rep;
	struct tp *t = tp_new(r);
	struct tobj *o[2], *a, *b;
	unsigned int tok;
	void *old;

	if (!t || !objs_new(o, ARRAY_SIZE(o)))
		goto out;
	a = o[0];
	b = o[1];
	EXPECT(!tp_replace(t, a));
	holder = holder_start(t, a);
	rep = helper_run(killable_replacer_fn, t, b);
	EXPECT(!helper_done(rep, msecs_to_jiffies(30)));
	if (rep)
		send_sig(SIGKILL, rep->task, 1);
	EXPECT(helper_done(rep, 10 * HZ));
	EXPECT(rep && rep->ret == -EINTR && !rep->old);
	helper_stop(rep);
	EXPECT(tp_get(t, &tok) == b);
	tp_put(t, tok);
	EXPECT(tp_replace(t, NULL) == ERR_PTR(-EBUSY));
	EXPECT(holder_finish(holder) == 1);
	EXPECT(tp_reclaim_killable(t, &old) == 0 && old == a);
	obj_free(a);

	/* The same with a retirement: gets fail at once, b waits. */
	holder = holder_start(t, b);
	rep = helper_run(killable_retirer_fn, t, NULL);
	EXPECT(!helper_done(rep, msecs_to_jiffies(30)));
	EXPECT(!tp_get(t, &tok));
	if (rep)
		send_sig(SIGKILL, rep->task, 1);
	EXPECT(helper_done(rep, 10 * HZ));
	EXPECT(rep && rep->ret == -EINTR && !rep->old);
	helper_stop(rep);
	EXPECT(!tp_get(t, &tok));
	EXPECT(holder_finish(holder) == 1);
	EXPECT(tp_reclaim(t) == b);
	obj_free(b);
	EXPECT(!tp_get(t, &tok));
out:
	if (t)
		tp_free(t);
}

/* ---- under load: readers on every CPU and in hard interrupts ------------- */

/*
 * What the owner is doing, for the readers to judge a get by: @state counts
 * up, and @state & 3 is the phase (LOAD_*). A reader reads it before and
 * after a get; when both reads agree, the get ran entirely in that phase.
 */
#define LOAD_PUBLISHING	0	/* a replacement may be under way */
#define LOAD_PUBLISHED	1	/* it returned: a get must not fail */
#define LOAD_RETIRING	2	/* a retirement may be under way */
#define LOAD_RETIRED	3	/* it returned: a get must fail */

struct load {
	struct tp *t;
	unsigned long state;
	unsigned long irq_gets, irq_bad;
	struct hrtimer timer;
	bool timer_stop;
};

struct load_reader {
	struct task_struct *task;
	struct load *l;
	unsigned long gets;	/* objects got */
	unsigned long nulls;	/* NULL while no object was published */
	unsigned long refused;	/* NULL while published: must stay 0 */
	unsigned long bad;	/* half set up or freed object: must stay 0 */
	unsigned long late;	/* an object after a retirement: must stay 0 */
};

/* The owner enters the next phase; the publication or retirement follows. */
static void load_phase(struct load *l, unsigned long phase)
{
	unsigned long state = l->state;

	state += (phase - state) & 3;
	/*
	 * Release: pairs with the readers' acquire load of @state, which
	 * then see the replacement or retirement that came before.
	 */
	smp_store_release(&l->state, state);
	/*
	 * Orders the store before the next publication's @seq store: pairs
	 * with the readers' smp_rmb() before their second read of @state.
	 */
	smp_mb();
}

/* One get: check the object inside and out. True if it got one. */
static bool load_get(struct tp *t, unsigned long *bad)
{
	unsigned int tok;
	struct tobj *o = tp_get(t, &tok);

	if (!o)
		return false;
	if (!obj_ok(o))
		(*bad)++;
	atomic_inc(&o->users);
	if (!obj_ok(o))
		(*bad)++;
	atomic_dec(&o->users);
	tp_put(t, tok);
	return true;
}

static int load_reader_fn(void *data)
{
	struct load_reader *lr = data;
	struct load *l = lr->l;
	unsigned long iter = 0, before, after;
	bool got;

	while (!kthread_should_stop()) {
		/* Pairs with smp_store_release() in load_phase(). */
		before = smp_load_acquire(&l->state);
		got = load_get(l->t, &lr->bad);
		/* Pairs with smp_mb() in load_phase(). */
		smp_rmb();
		after = READ_ONCE(l->state);
		if (got) {
			lr->gets++;
			if (before == after && (before & 3) == LOAD_RETIRED)
				lr->late++;
		} else if (before == after && (before & 3) == LOAD_PUBLISHED) {
			lr->refused++;
		} else {
			lr->nulls++;
		}
		if (!(++iter & 31))
			cond_resched();
	}
	return 0;
}

static enum hrtimer_restart load_irq_fn(struct hrtimer *timer)
{
	struct load *l = container_of(timer, struct load, timer);

	if (load_get(l->t, &l->irq_bad))
		l->irq_gets++;
	if (READ_ONCE(l->timer_stop))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(timer, ns_to_ktime(50 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

#define LOAD_READERS	8

struct load_run {
	struct load l;
	struct load_reader r[LOAD_READERS];
	int nr;
};

static void load_start(struct load_run *run, struct tp *t)
{
	unsigned int cpu = cpumask_first(cpu_online_mask);
	struct task_struct *task;
	int i;

	run->l.t = t;
	run->nr = min_t(int, LOAD_READERS, 2 * num_online_cpus());
	for (i = 0; i < run->nr; i++) {
		run->r[i].l = &run->l;
		task = kthread_create(load_reader_fn, &run->r[i],
				      "rundown_ptr_rd/%d", i);
		EXPECT(!IS_ERR(task));
		if (IS_ERR(task))
			continue;
		get_task_struct(task);
		kthread_bind(task, cpu);
		run->r[i].task = task;
		wake_up_process(task);
		cpu = cpumask_next(cpu, cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_online_mask);
	}
	hrtimer_init(&run->l.timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	run->l.timer.function = load_irq_fn;
	hrtimer_start(&run->l.timer, ns_to_ktime(50 * NSEC_PER_USEC), HRTIMER_MODE_REL_HARD);
}

/* Stop the readers; sum their counters into run->r[0]'s view. */
static void load_stop(struct load_run *run, struct load_reader *sum)
{
	int i;

	WRITE_ONCE(run->l.timer_stop, true);
	hrtimer_cancel(&run->l.timer);
	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < run->nr; i++) {
		if (!run->r[i].task)
			continue;
		kthread_stop(run->r[i].task);
		put_task_struct(run->r[i].task);
		sum->gets += run->r[i].gets;
		sum->nulls += run->r[i].nulls;
		sum->refused += run->r[i].refused;
		sum->bad += run->r[i].bad;
		sum->late += run->r[i].late;
	}
	sum->gets += run->l.irq_gets;
	sum->bad += run->l.irq_bad;
}

/*
 * Replace the object as fast as possible under readers: no reader is ever
 * refused (nothing is retired until they stopped), none sees an object
 * half set up or freed, every replacement returns the old object with no
 * reader inside. The replacer mixes the forms, timed ones with a zero
 * timeout so that some find readers in and leave the object to reclaim.
 */
void t_ptr_stress_replace(struct rd *r)
{
	unsigned long end, replacements = 0, reclaims = 0;
	struct load_run *run = kzalloc(sizeof(*run), GFP_KERNEL);
	struct tp *t = tp_new(r);
	struct load_reader sum;
	struct tobj *o;
	u32 id = 1;
	void *old;
	long ret;

	if (!t || !run)
		goto out;
	o = obj_new(id++);
	EXPECT(o && !tp_replace(t, o));
	load_phase(&run->l, LOAD_PUBLISHED);
	load_start(run, t);
	end = jiffies + msecs_to_jiffies(stress_ms);
	do {
		o = obj_new(id++);
		if (!o) {
			EXPECT(0);
			break;
		}
		switch (replacements & 3) {
		case 0:
			old = tp_replace(t, o);
			break;
		case 1:
			EXPECT(tp_replace_killable(t, o, &old) == 0);
			break;
		default:
			ret = tp_replace_timeout(t, o, &old, 0);
			EXPECT(ret >= 0);
			if (ret == 0) {
				EXPECT(!old);
				reclaims++;
				old = tp_reclaim(t);
			}
			break;
		}
		EXPECT(old && !IS_ERR(old));
		obj_free(old);
		replacements++;
		if (!(replacements & 7))
			usleep_range(10, 50);
	} while (time_before(jiffies, end));
	load_stop(run, &sum);
	obj_free(tp_retire(t));
	EXPECT(sum.gets > 0);
	EXPECT(sum.refused == 0);
	EXPECT(sum.nulls == 0);
	EXPECT(sum.bad == 0);
	pr_info("    %s: %lu replacements (%lu reclaimed), %lu gets (%lu in hard irq), %lu refused, %lu bad\n",
		r->pcpu ? "pcpu" : "plain", replacements, reclaims, sum.gets,
		run->l.irq_gets, sum.refused, sum.bad);
out:
	kfree(run);
	if (t)
		tp_free(t);
}

/*
 * Retire under readers: while published no get fails, after the
 * retirement returned no get succeeds, and the retired object comes back
 * unused; a new publication lets them in again.
 */
void t_ptr_stress_retire(struct rd *r)
{
	struct load_run *run = kzalloc(sizeof(*run), GFP_KERNEL);
	struct tp *t = tp_new(r);
	struct load_reader sum;
	unsigned int tok;
	struct tobj *o;
	int round;

	if (!t || !run)
		goto out;
	load_start(run, t);
	for (round = 0; round < 4; round++) {
		o = obj_new(round + 1);
		if (!o) {
			EXPECT(0);
			break;
		}
		load_phase(&run->l, LOAD_PUBLISHING);
		EXPECT(!tp_replace(t, o));
		load_phase(&run->l, LOAD_PUBLISHED);
		msleep(stress_ms / 8);
		load_phase(&run->l, LOAD_RETIRING);
		EXPECT(tp_retire(t) == o);
		load_phase(&run->l, LOAD_RETIRED);
		EXPECT(atomic_read(&o->users) == 0);
		EXPECT(!tp_get(t, &tok));
		obj_free(o);
		msleep(stress_ms / 16);
	}
	load_stop(run, &sum);
	EXPECT(sum.gets > 0);
	EXPECT(sum.nulls > 0);
	EXPECT(sum.refused == 0);
	EXPECT(sum.late == 0);
	EXPECT(sum.bad == 0);
	pr_info("    %s: %lu gets, %lu NULL while retired, %lu refused, %lu late, %lu bad\n",
		r->pcpu ? "pcpu" : "plain", sum.gets, sum.nulls, sum.refused,
		sum.late, sum.bad);
out:
	kfree(run);
	if (t)
		tp_free(t);
}

/* ---- misuse: WARNs on purpose --------------------------------------------- */

/*
 * A second replacer while one is in progress is reported and does
 * nothing; so is a token that get never returned.
 */
void m_ptr_two_replacers(struct rd *r)
{
	struct helper *holder, *rep;
	struct tp *t = tp_new(r);
	struct tobj *o[3], *a, *b, *c;
	unsigned int tok;
	void *old;

	if (!t || !objs_new(o, ARRAY_SIZE(o)))
		goto out;
	a = o[0];
	b = o[1];
	c = o[2];
	EXPECT(!tp_replace(t, a));
	holder = holder_start(t, a);
	rep = helper_run(replacer_fn, t, b);
	EXPECT(!helper_done(rep, msecs_to_jiffies(30)));
	EXPECT(tp_replace(t, c) == ERR_PTR(-EBUSY));	/* reported */
	EXPECT(tp_reclaim_killable(t, &old) == -EBUSY && !old);
	EXPECT(tp_get(t, &tok) == b);
	tp_put(t, tok + 2);				/* reported, ignored */
	tp_put(t, tok);
	EXPECT(holder_finish(holder) == 1);
	EXPECT(helper_done(rep, 10 * HZ));
	EXPECT(rep && rep->old == a);
	helper_stop(rep);
	obj_free(a);
	EXPECT(tp_replace(t, c) == b);
	obj_free(b);
	obj_free(tp_retire(t));
out:
	if (t)
		tp_free(t);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Rundown-protected pointers: the replacer's side of <linux/rundown_ptr.h>.
 *
 * Built on the public API of both rundown variants only (acquire in the
 * header, waits and reinit here): one protocol, two generation types. The
 * read side is inline in the header; see there for the protocol and its
 * argument, and selftests/model/rundown-ptr.pml for the model spin checks.
 */
#include <linux/bitops.h>
#include <linux/export.h>
#include <linux/sched.h>
#include <linux/rundown.h>

static_assert(__RUNDOWN_PTR_FOREVER == MAX_SCHEDULE_TIMEOUT);

/* What the protocol needs of one variant's generation @i. */
struct rundown_ptr_gens {
	void (*reinit)(struct rundown_ptr_core *core, unsigned int i);
	long (*wait)(struct rundown_ptr_core *core, unsigned int i,
		     bool killable, long timeout);
};

/* One replacer at a time: an overlapping call is misuse, reported, refused. */
static bool rundown_ptr_enter(struct rundown_ptr_core *core)
{
	/*
	 * Acquire: pairs with clear_bit_unlock() in rundown_ptr_leave(), so
	 * that a replacer sees what the previous one (maybe another task)
	 * did to @core.
	 */
	if (WARN_ON_ONCE(test_and_set_bit_lock(RUNDOWN_PTR_BUSY, &core->flags)))
		return false;
	might_sleep();
	return true;
}

static void rundown_ptr_leave(struct rundown_ptr_core *core)
{
	clear_bit_unlock(RUNDOWN_PTR_BUSY, &core->flags);
}

/*
 * Run generation @i down and hand back its object: on return > 0 nobody
 * holds it or can get it until it is reinitialised for another object.
 * Returns what the wait returned: > 0 done, 0 timed out, -EINTR.
 */
static long rundown_ptr_drain(struct rundown_ptr_core *core,
			      const struct rundown_ptr_gens *gens,
			      unsigned int i, void **old, bool killable,
			      long timeout)
{
	long ret = gens->wait(core, i, killable, timeout);

	*old = NULL;
	if (ret <= 0) {
		/* Some holder is still in: keep the object for reclaim. */
		set_bit(RUNDOWN_PTR_PENDING, &core->flags);
		return ret;
	}
	clear_bit(RUNDOWN_PTR_PENDING, &core->flags);
	/*
	 * The wait orders every holder's accesses before ours, and nobody
	 * can acquire generation @i again before the replacement that
	 * reinitialises it: a plain store suffices.
	 */
	*old = core->obj[i];
	core->obj[i] = NULL;
	return ret;
}

/*
 * Publish @new (or nothing) on the spare generation, then run the old one
 * down. Returns > 0 with *@old set, 0 or -EINTR with the old object left
 * in its slot for rundown_ptr_reclaim_core(), -EBUSY if nothing was done.
 */
static long rundown_ptr_publish(struct rundown_ptr_core *core,
				const struct rundown_ptr_gens *gens,
				void *new, void **old, bool killable,
				long timeout)
{
	unsigned long seq;
	unsigned int cur, spare;
	long ret;

	*old = NULL;
	if (!rundown_ptr_enter(core))
		return -EBUSY;
	seq = core->seq;
	cur = seq & 1;
	spare = cur ^ 1;
	if (test_bit(RUNDOWN_PTR_PENDING, &core->flags)) {
		/* An interrupted replacement left its old object to reclaim. */
		ret = -EBUSY;
		goto out;
	}
	/*
	 * The spare generation has been run down, with no holder, since the
	 * replacement that last used it (or was never live): its slot is
	 * ours. Retiring leaves it run down, so gets on it fail.
	 */
	if (new) {
		core->obj[spare] = new;
		/*
		 * Release ordering (the variant's reinit) pairs with the
		 * acquire in rundown_ptr_get(): whoever gets @new sees it
		 * set up.
		 */
		gens->reinit(core, spare);
	}
	/*
	 * Release: pairs with the acquire loads of @seq in
	 * __rundown_ptr_get(): a reader that sees the new @seq sees the
	 * spare generation reinitialised.
	 */
	smp_store_release(&core->seq, seq + 1);
	/*
	 * Orders the new @seq before the run-down of the old generation
	 * (whatever the variant's wait writes first): pairs with smp_rmb()
	 * in __rundown_ptr_get(), so that a reader whose acquire failed
	 * because of this run-down reads the new @seq and retries.
	 */
	smp_mb();
	ret = rundown_ptr_drain(core, gens, cur, old, killable, timeout);
out:
	rundown_ptr_leave(core);
	return ret;
}

static long rundown_ptr_reclaim_core(struct rundown_ptr_core *core,
				     const struct rundown_ptr_gens *gens,
				     void **old, bool killable, long timeout)
{
	long ret;

	*old = NULL;
	if (!rundown_ptr_enter(core))
		return -EBUSY;
	/* The old generation; run down since its replacement began. */
	ret = rundown_ptr_drain(core, gens, (core->seq & 1) ^ 1, old,
				killable, timeout);
	rundown_ptr_leave(core);
	return ret;
}

static void rundown_ptr_core_init(struct rundown_ptr_core *core)
{
	core->seq = 0;
	core->obj[0] = NULL;
	core->obj[1] = NULL;
	core->flags = 0;
}

/* ---- struct rundown_ptr ------------------------------------------------- */

static struct rundown_ref *rundown_ptr_gen(struct rundown_ptr_core *core,
					   unsigned int i)
{
	return &container_of(core, struct rundown_ptr, core)->gen[i];
}

static void rundown_ptr_reinit_gen(struct rundown_ptr_core *core,
				   unsigned int i)
{
	rundown_reinit(rundown_ptr_gen(core, i));
}

static long rundown_ptr_wait_gen(struct rundown_ptr_core *core, unsigned int i,
				 bool killable, long timeout)
{
	struct rundown_ref *ref = rundown_ptr_gen(core, i);

	return killable ? rundown_wait_killable_timeout(ref, timeout) :
			  rundown_wait_timeout(ref, timeout);
}

static const struct rundown_ptr_gens rundown_ptr_ref_gens = {
	.reinit = rundown_ptr_reinit_gen,
	.wait = rundown_ptr_wait_gen,
};

/**
 * rundown_ptr_init - initialise a struct rundown_ptr with nothing published
 * @p: the pointer
 *
 * Gets return NULL until the first rundown_ptr_replace().
 *
 * Context: any. Must not race with any other operation on @p.
 */
void rundown_ptr_init(struct rundown_ptr *p)
{
	rundown_ptr_core_init(&p->core);
	rundown_init_dead(&p->gen[0]);
	rundown_init_dead(&p->gen[1]);
}
EXPORT_SYMBOL_GPL(rundown_ptr_init);

/**
 * __rundown_ptr_replace - publish @new, run the old generation down
 * @p: the pointer
 * @new: the new object, or NULL to retire
 * @old: where to store the old object (NULL unless it was handed back)
 * @killable: a fatal signal interrupts the wait for the old object's holders
 * @timeout: the most jiffies to wait for them, or MAX_SCHEDULE_TIMEOUT
 *
 * The common body of rundown_ptr_replace(), rundown_ptr_retire() and
 * their killable and timed forms; use those.
 *
 * Context: process context, may sleep. One replacer at a time.
 * Return: the jiffies left (at least 1) once the old object is unused,
 * with *@old set. 0 (timeout) or -EINTR: @new is published, the old object
 * stays with @p until __rundown_ptr_reclaim(). -EBUSY: nothing was done,
 * because another replacer runs (reported) or an old object waits to be
 * reclaimed.
 */
long __rundown_ptr_replace(struct rundown_ptr *p, void *new, void **old,
			   bool killable, long timeout)
{
	return rundown_ptr_publish(&p->core, &rundown_ptr_ref_gens, new, old,
				   killable, timeout);
}
EXPORT_SYMBOL_GPL(__rundown_ptr_replace);

/**
 * __rundown_ptr_reclaim - wait for the old object an interrupted replacement left
 * @p: the pointer
 * @old: where to store it (NULL if there is none, or on timeout or -EINTR)
 * @killable: a fatal signal interrupts the wait
 * @timeout: the most jiffies to wait, or MAX_SCHEDULE_TIMEOUT
 *
 * The common body of rundown_ptr_reclaim() and its forms; use those.
 *
 * Context: process context, may sleep. One replacer at a time.
 * Return: the jiffies left (at least 1) with *@old set, 0 on timeout,
 * -EINTR, or -EBUSY if another replacer runs (reported).
 */
long __rundown_ptr_reclaim(struct rundown_ptr *p, void **old, bool killable,
			   long timeout)
{
	return rundown_ptr_reclaim_core(&p->core, &rundown_ptr_ref_gens, old,
					killable, timeout);
}
EXPORT_SYMBOL_GPL(__rundown_ptr_reclaim);

/* ---- struct rundown_ptr_pcpu -------------------------------------------- */

static struct rundown_pcpu *rundown_ptr_pcpu_gen(struct rundown_ptr_core *core,
						 unsigned int i)
{
	return &container_of(core, struct rundown_ptr_pcpu, core)->gen[i];
}

static void rundown_ptr_pcpu_reinit_gen(struct rundown_ptr_core *core,
					unsigned int i)
{
	rundown_pcpu_reinit(rundown_ptr_pcpu_gen(core, i));
}

static long rundown_ptr_pcpu_wait_gen(struct rundown_ptr_core *core,
				      unsigned int i, bool killable,
				      long timeout)
{
	struct rundown_pcpu *ref = rundown_ptr_pcpu_gen(core, i);

	return killable ? rundown_pcpu_wait_killable_timeout(ref, timeout) :
			  rundown_pcpu_wait_timeout(ref, timeout);
}

static const struct rundown_ptr_gens rundown_ptr_pcpu_gens = {
	.reinit = rundown_ptr_pcpu_reinit_gen,
	.wait = rundown_ptr_pcpu_wait_gen,
};

/**
 * rundown_ptr_pcpu_init - allocate a cache-aware pointer with nothing published
 * @p: the pointer
 * @gfp: allocation flags for the two generations' per-CPU slots
 *
 * Gets return NULL until the first rundown_ptr_pcpu_replace().
 *
 * Context: may sleep if @gfp allows it. Must not race with any other
 * operation on @p.
 * Return: 0, or -ENOMEM (nothing to free then). Free with
 * rundown_ptr_pcpu_exit().
 */
int rundown_ptr_pcpu_init(struct rundown_ptr_pcpu *p, gfp_t gfp)
{
	int err;

	rundown_ptr_core_init(&p->core);
	err = rundown_pcpu_init_dead(&p->gen[0], gfp);
	if (err)
		return err;
	err = rundown_pcpu_init_dead(&p->gen[1], gfp);
	if (err)
		goto err_exit_gen0;
	return 0;

err_exit_gen0:
	rundown_pcpu_exit(&p->gen[0]);
	return err;
}
EXPORT_SYMBOL_GPL(rundown_ptr_pcpu_init);

/**
 * rundown_ptr_pcpu_exit - free what rundown_ptr_pcpu_init() allocated
 * @p: the pointer, retired and reclaimed (or never published)
 *
 * Freeing a pointer that still publishes an object or keeps one to
 * reclaim is reported (the objects are the caller's and stay untouched).
 *
 * Context: any. No get may run or start on @p.
 */
void rundown_ptr_pcpu_exit(struct rundown_ptr_pcpu *p)
{
	WARN_ON_ONCE(p->core.obj[0] || p->core.obj[1] ||
		     test_bit(RUNDOWN_PTR_PENDING, &p->core.flags));
	rundown_pcpu_exit(&p->gen[0]);
	rundown_pcpu_exit(&p->gen[1]);
}
EXPORT_SYMBOL_GPL(rundown_ptr_pcpu_exit);

/**
 * __rundown_ptr_pcpu_replace - __rundown_ptr_replace() for the cache-aware form
 * @p: the pointer
 * @new: the new object, or NULL to retire
 * @old: where to store the old object
 * @killable: a fatal signal interrupts the wait for the old object's holders
 * @timeout: the most jiffies to wait for them, or MAX_SCHEDULE_TIMEOUT
 *
 * Use rundown_ptr_pcpu_replace() and its forms.
 *
 * Context: process context, may sleep. One replacer at a time.
 * Return: as __rundown_ptr_replace().
 */
long __rundown_ptr_pcpu_replace(struct rundown_ptr_pcpu *p, void *new,
				void **old, bool killable, long timeout)
{
	return rundown_ptr_publish(&p->core, &rundown_ptr_pcpu_gens, new, old,
				   killable, timeout);
}
EXPORT_SYMBOL_GPL(__rundown_ptr_pcpu_replace);

/**
 * __rundown_ptr_pcpu_reclaim - __rundown_ptr_reclaim() for the cache-aware form
 * @p: the pointer
 * @old: where to store the reclaimed object
 * @killable: a fatal signal interrupts the wait
 * @timeout: the most jiffies to wait, or MAX_SCHEDULE_TIMEOUT
 *
 * Use rundown_ptr_pcpu_reclaim() and its forms.
 *
 * Context: process context, may sleep. One replacer at a time.
 * Return: as __rundown_ptr_reclaim().
 */
long __rundown_ptr_pcpu_reclaim(struct rundown_ptr_pcpu *p, void **old,
				bool killable, long timeout)
{
	return rundown_ptr_reclaim_core(&p->core, &rundown_ptr_pcpu_gens, old,
					killable, timeout);
}
EXPORT_SYMBOL_GPL(__rundown_ptr_pcpu_reclaim);

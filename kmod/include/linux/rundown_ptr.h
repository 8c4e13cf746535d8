/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rundown-protected pointers: replace an object under its users without
 * refusing them.
 *
 * A bare rundown reference refuses every acquire from the start of run-down
 * until the owner reinitialises it for the next object: callers that arrive
 * while an object is being replaced find nothing. A struct rundown_ptr
 * publishes one object behind two generations of run-down protection, so
 * that the new object is live before the old one is run down: a reader that
 * races a replacement retries on the new generation and is never refused
 * while an object is published::
 *
 *	engine = rundown_ptr_get(&av->engine, &token);	// never blocks
 *	if (engine) {
 *		engine->scan(buf);
 *		rundown_ptr_put(&av->engine, token);	// any context, any task
 *	}
 *
 *	old = rundown_ptr_replace(&av->engine, new);	// owner: publishes new,
 *	kfree(old);					// old has no user left
 *	...
 *	old = rundown_ptr_retire(&av->engine);		// gets return NULL now
 *	kfree(old);
 *
 * Readers pay one rundown acquire and release of the variant chosen
 * (struct rundown_ptr on the plain one, struct rundown_ptr_pcpu on the
 * cache-aware one), plus one load of the generation sequence. Replacement
 * costs one run-down of the old generation: the wait for its last reader
 * (nanoseconds to microseconds) with the plain variant, plus the
 * cache-aware variant's fence, one expedited RCU grace period; never a
 * normal grace period.
 *
 * The protocol. @seq counts publications; bit 0 of it names the current
 * generation gen[@seq & 1], which guards obj[@seq & 1]. A replacement
 * stores the new object in the spare slot, reinitialises the spare
 * generation (its release ordering publishes the object), increments @seq
 * (release), and only then runs the old generation down and returns the old
 * object. Retiring is a replacement by nothing: @seq moves on to the spare
 * generation, left run down, and the old one is run down. A reader acquires
 * the generation @seq names; when that fails, the generation is being or
 * has been run down, and every run-down starts after @seq moved on: the
 * reader reads @seq again (ordered after the failed acquire) and retries if
 * it changed, and returns NULL only if it did not, that is when nothing is
 * published. Comparing the whole sequence, not its bit 0, keeps a reader
 * that slept across two replacements from taking "same generation" for
 * "nothing published".
 *
 * Ordering: everything the replacer did to an object before publishing it
 * (rundown_ptr_replace() and its forms) is visible to every reader that gets
 * it; everything a reader did before rundown_ptr_put() happens before the
 * replacement or retirement that returns the object.
 *
 * One replacer at a time: rundown_ptr_replace(), rundown_ptr_retire(),
 * rundown_ptr_reclaim() and their forms must not run concurrently on one
 * pointer (use the caller's own lock, or a single owning thread). A call
 * that overlaps another is reported with WARN_ON_ONCE() on every kernel and
 * does nothing (it returns -EBUSY). Readers are never serialised against
 * the replacer or against each other. A replacer that holds the pointer
 * itself (between its own get and put) deadlocks; lockdep reports it as a
 * wait on a rundown the task holds when the get was rundown_ptr_get_owned()
 * (or its cache-aware form): the object stays with the task that got it,
 * as for rundown_acquire_owned(). A plain get may be put by another task
 * or an interrupt, and lockdep does not see it.
 *
 * An interrupted killable or timed replacement or retirement has done its
 * publishing: the new object (or nothing) is what readers get, and only the
 * return of the old object is missing, because some reader still holds it.
 * The pointer keeps the old object until rundown_ptr_reclaim() (or one of
 * its forms) has waited for that reader and hands it back; replacing or
 * retiring again before that returns -EBUSY and does nothing.
 *
 * Lifetime: the struct itself must outlive every get, as a rundown
 * reference must; retire and reclaim before freeing it.
 */
#ifndef _LINUX_RUNDOWN_PTR_H
#define _LINUX_RUNDOWN_PTR_H

#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/container_of.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/limits.h>
#include <linux/types.h>
#include <linux/rundown.h>

/**
 * struct rundown_ptr_core - what both forms of the pointer share
 * @seq: publications (replacements and retirements) so far; bit 0 is the
 *       index of the current generation. Written by the replacer only.
 * @obj: the object each generation guards; obj[@seq & 1] is published
 *       when non-NULL, obj[(@seq & 1) ^ 1] is an old object not yet handed
 *       back (after an interrupted replacement) or NULL. Written only while
 *       its generation is run down with no holder.
 * @flags: %RUNDOWN_PTR_BUSY while a replacer runs, %RUNDOWN_PTR_PENDING
 *         while an interrupted replacement's old object waits for reclaim
 *
 * Not for direct use: the fields are read through the rundown_ptr_*()
 * functions only.
 */
struct rundown_ptr_core {
	unsigned long seq;
	void *obj[2];
	unsigned long flags;
};

/* struct rundown_ptr_core.flags bits */
#define RUNDOWN_PTR_BUSY	0	/* a replace, retire or reclaim runs */
#define RUNDOWN_PTR_PENDING	1	/* an old object waits to be reclaimed */

/**
 * struct rundown_ptr - a rundown-protected pointer on the plain variant
 * @core: the published objects and the sequence
 * @gen: the two generations of run-down protection, one per object slot
 *
 * Initialise with DEFINE_RUNDOWN_PTR(), RUNDOWN_PTR_INIT() or
 * rundown_ptr_init(); nothing is published until the first
 * rundown_ptr_replace(). Needs no teardown beyond retiring its object.
 */
struct rundown_ptr {
	struct rundown_ptr_core core;
	struct rundown_ref gen[2];
};

/**
 * RUNDOWN_PTR_INIT - static initialiser of a struct rundown_ptr
 * @name: the variable's name, used by lockdep
 *
 * Nothing is published: gets return NULL until rundown_ptr_replace().
 */
#define RUNDOWN_PTR_INIT(name)						\
	__RUNDOWN_PTR_INITIALIZER(#name ".gen[0]", #name ".gen[1]")

#define __RUNDOWN_PTR_INITIALIZER(str0, str1)				\
	{ .gen = { __RUNDOWN_REF_INITIALIZER(RUNDOWN_DYING, str0),	\
		   __RUNDOWN_REF_INITIALIZER(RUNDOWN_DYING, str1) } }

/**
 * DEFINE_RUNDOWN_PTR - define and initialise a struct rundown_ptr
 * @name: the variable
 */
#define DEFINE_RUNDOWN_PTR(name)					\
	struct rundown_ptr name =					\
		__RUNDOWN_PTR_INITIALIZER(#name ".gen[0]", #name ".gen[1]")

/**
 * struct rundown_ptr_pcpu - a rundown-protected pointer on the cache-aware variant
 * @core: the published objects and the sequence
 * @gen: the two generations, each a struct rundown_pcpu
 *
 * Readers on different CPUs do not share a written cache line. Set up with
 * rundown_ptr_pcpu_init(), freed with rundown_ptr_pcpu_exit().
 */
struct rundown_ptr_pcpu {
	struct rundown_ptr_core core;
	struct rundown_pcpu gen[2];
};

void rundown_ptr_init(struct rundown_ptr *p);
long __rundown_ptr_replace(struct rundown_ptr *p, void *new, void **old,
			   bool killable, long timeout);
long __rundown_ptr_reclaim(struct rundown_ptr *p, void **old, bool killable,
			   long timeout);

int rundown_ptr_pcpu_init(struct rundown_ptr_pcpu *p, gfp_t gfp);
void rundown_ptr_pcpu_exit(struct rundown_ptr_pcpu *p);
long __rundown_ptr_pcpu_replace(struct rundown_ptr_pcpu *p, void *new,
				void **old, bool killable, long timeout);
long __rundown_ptr_pcpu_reclaim(struct rundown_ptr_pcpu *p, void **old,
				bool killable, long timeout);

/* The replacers' "forever": MAX_SCHEDULE_TIMEOUT, without <linux/sched.h>. */
#define __RUNDOWN_PTR_FOREVER	LONG_MAX

/*
 * The read side of both forms: @acquire takes generation @i of the form
 * that embeds @core. Both are inlined, @acquire included.
 */
static __always_inline void *
__rundown_ptr_get(struct rundown_ptr_core *core,
		  bool (*acquire)(struct rundown_ptr_core *core, unsigned int i),
		  unsigned int *token)
{
	/*
	 * Acquire: pairs with the release store of @seq in
	 * rundown_ptr_publish(), so that the generation it names is seen
	 * reinitialised.
	 */
	unsigned long seq = smp_load_acquire(&core->seq);
	unsigned long now;
	unsigned int i;

	for (;;) {
		i = seq & 1;
		/*
		 * The acquire's own ordering pairs with the release in the
		 * reinitialisation that published obj[i].
		 */
		if (likely(acquire(core, i))) {
			*token = i;
			return core->obj[i];
		}
		/*
		 * Run down: a replacement or retirement moved @seq on before
		 * it began. Pairs with smp_mb() in rundown_ptr_publish():
		 * whoever sees the run-down sees the new @seq.
		 */
		smp_rmb();
		/* Acquire, as above: a new @seq names a live generation. */
		now = smp_load_acquire(&core->seq);
		if (now == seq)
			return NULL;	/* nothing published */
		seq = now;
	}
}

static __always_inline bool __rundown_ptr_acquire(struct rundown_ptr_core *core,
						  unsigned int i)
{
	return rundown_acquire(&container_of(core, struct rundown_ptr, core)->gen[i]);
}

/**
 * rundown_ptr_get - get the published object, protected from replacement
 * @p: the pointer
 * @token: where to store the token rundown_ptr_put() needs
 *
 * Never blocks. Never fails while an object is published: a get that races
 * a replacement retries on the new generation (once per replacement that
 * began meanwhile) and returns the old or the new object.
 *
 * Context: any, hard interrupt included.
 * Return: the object, which stays valid (its replacement or retirement
 * does not return it) until rundown_ptr_put(@p, *@token); everything the
 * replacer wrote to it before publishing it is visible. NULL when nothing
 * is published (never replaced, or retired): then there is nothing to put.
 */
static inline void * __must_check rundown_ptr_get(struct rundown_ptr *p,
						  unsigned int *token)
{
	return __rundown_ptr_get(&p->core, __rundown_ptr_acquire, token);
}

/**
 * rundown_ptr_put - release the object rundown_ptr_get() returned
 * @p: the pointer
 * @token: the token that get stored
 *
 * Wakes the replacer when this was the last holder of an object being
 * replaced. May run in another task or on another CPU than the get.
 *
 * Context: any, hard interrupt included. Never blocks.
 */
static inline void rundown_ptr_put(struct rundown_ptr *p, unsigned int token)
{
	if (WARN_ON_ONCE(token > 1))
		return;
	rundown_release(&p->gen[token]);
}

/**
 * rundown_ptr_get_owned - rundown_ptr_get() by a caller that puts it itself
 * @p: the pointer
 * @token: where to store the token rundown_ptr_put_owned() needs
 *
 * As rundown_ptr_get(), and tells lockdep that the caller puts the object
 * with rundown_ptr_put_owned() in the same task and context, as
 * rundown_acquire_owned() does: a replacement or retirement by the task
 * meanwhile (the wait that could never end) is then reported.
 *
 * Context: any, hard interrupt included. Never blocks.
 * Return: as rundown_ptr_get().
 */
static inline void * __must_check
rundown_ptr_get_owned(struct rundown_ptr *p, unsigned int *token)
{
	void *obj = rundown_ptr_get(p, token);

	if (obj)
		__rundown_own(&p->gen[*token].dep_map);
	return obj;
}

/**
 * rundown_ptr_put_owned - release the object rundown_ptr_get_owned() returned
 * @p: the pointer
 * @token: the token that get stored
 *
 * Context: the task and context of the get. Never blocks.
 */
static inline void rundown_ptr_put_owned(struct rundown_ptr *p,
					 unsigned int token)
{
	if (token <= 1)		/* else rundown_ptr_put() reports it */
		__rundown_disown(&p->gen[token].dep_map);
	rundown_ptr_put(p, token);
}

/**
 * rundown_ptr_published - the published object, for the replacer
 * @p: the pointer
 *
 * Context: the replacer (a caller that no replacement can race), to
 * compare or inspect what it published itself.
 * Return: the object published now, or NULL. Not a protected reference:
 * anyone but the replacer must use rundown_ptr_get().
 */
static inline void *rundown_ptr_published(const struct rundown_ptr *p)
{
	return p->core.obj[p->core.seq & 1];
}

/**
 * rundown_ptr_replace - publish @new and return the old object once unused
 * @p: the pointer
 * @new: the new object, fully set up; NULL retires (rundown_ptr_retire())
 *
 * From the moment @new is published, gets return it; gets that started
 * before may still return the old object, and the call sleeps until every
 * holder of the old object has put it. Never refuses a reader.
 *
 * Context: process context, may sleep (uninterruptibly). One replacer at a
 * time; the caller must not hold @p itself.
 * Return: the old object (NULL if none was published): no reader holds it
 * and none can get it any more, so the caller may free it. ERR_PTR(-EBUSY)
 * if another replacer runs (reported) or an interrupted one left an old
 * object to reclaim: nothing was done.
 */
static inline void *rundown_ptr_replace(struct rundown_ptr *p, void *new)
{
	void *old;
	long ret = __rundown_ptr_replace(p, new, &old, false,
					 __RUNDOWN_PTR_FOREVER);

	return ret > 0 ? old : ERR_PTR(ret);
}

/**
 * rundown_ptr_replace_killable - rundown_ptr_replace() that a fatal signal interrupts
 * @p: the pointer
 * @new: the new object, or NULL to retire
 * @old: where to store the old object
 *
 * Context: process context, may sleep. One replacer at a time.
 * Return: 0 with *@old the old object (NULL if none), free to go.
 * -EINTR if a fatal signal came while readers still held the old object:
 * @new is published all the same and *@old is NULL; the pointer keeps the
 * old object until rundown_ptr_reclaim() hands it back. -EBUSY as
 * rundown_ptr_replace(): nothing was done.
 */
static inline int __must_check
rundown_ptr_replace_killable(struct rundown_ptr *p, void *new, void **old)
{
	long ret = __rundown_ptr_replace(p, new, old, true,
					 __RUNDOWN_PTR_FOREVER);

	return ret > 0 ? 0 : (int)ret;
}

/**
 * rundown_ptr_replace_timeout - rundown_ptr_replace() for at most @timeout jiffies
 * @p: the pointer
 * @new: the new object, or NULL to retire
 * @old: where to store the old object
 * @timeout: jiffies, or MAX_SCHEDULE_TIMEOUT
 *
 * Context: process context, may sleep (uninterruptibly). One replacer at a
 * time.
 * Return: the jiffies left (at least 1) with *@old the old object. 0 if
 * the time ran out while readers still held the old object: @new is
 * published and *@old is NULL, reclaim as after
 * rundown_ptr_replace_killable(). -EBUSY: nothing was done.
 */
static inline long rundown_ptr_replace_timeout(struct rundown_ptr *p,
					       void *new, void **old,
					       long timeout)
{
	return __rundown_ptr_replace(p, new, old, false, timeout);
}

/**
 * rundown_ptr_retire - unpublish: later gets return NULL
 * @p: the pointer
 *
 * rundown_ptr_replace(@p, NULL): gets that start after it returned get
 * NULL (those racing it may still get the old object), and it sleeps until
 * the holders of the old object have put it. A later rundown_ptr_replace()
 * may publish again.
 *
 * Context: process context, may sleep (uninterruptibly). One replacer at a
 * time.
 * Return: the retired object (NULL if none), or ERR_PTR(-EBUSY) as
 * rundown_ptr_replace().
 */
static inline void *rundown_ptr_retire(struct rundown_ptr *p)
{
	return rundown_ptr_replace(p, NULL);
}

/**
 * rundown_ptr_retire_killable - rundown_ptr_retire() that a fatal signal interrupts
 * @p: the pointer
 * @old: where to store the retired object
 *
 * Context: process context, may sleep. One replacer at a time.
 * Return: as rundown_ptr_replace_killable() with a NULL new object.
 */
static inline int __must_check rundown_ptr_retire_killable(struct rundown_ptr *p,
							   void **old)
{
	return rundown_ptr_replace_killable(p, NULL, old);
}

/**
 * rundown_ptr_retire_timeout - rundown_ptr_retire() for at most @timeout jiffies
 * @p: the pointer
 * @old: where to store the retired object
 * @timeout: jiffies, or MAX_SCHEDULE_TIMEOUT
 *
 * Context: process context, may sleep (uninterruptibly). One replacer at a
 * time.
 * Return: as rundown_ptr_replace_timeout() with a NULL new object.
 */
static inline long rundown_ptr_retire_timeout(struct rundown_ptr *p,
					      void **old, long timeout)
{
	return rundown_ptr_replace_timeout(p, NULL, old, timeout);
}

/**
 * rundown_ptr_reclaim - hand back the old object of an interrupted replacement
 * @p: the pointer
 *
 * Sleeps until the last holder of the object that an interrupted
 * rundown_ptr_replace_killable(), _timeout() or a retire form left behind
 * has put it. Returns at once when there is none.
 *
 * Context: process context, may sleep (uninterruptibly). One replacer at a
 * time.
 * Return: that object (NULL if none), which the caller may now free, or
 * ERR_PTR(-EBUSY) if another replacer runs (reported).
 */
static inline void *rundown_ptr_reclaim(struct rundown_ptr *p)
{
	void *old;
	long ret = __rundown_ptr_reclaim(p, &old, false, __RUNDOWN_PTR_FOREVER);

	return ret > 0 ? old : ERR_PTR(ret);
}

/**
 * rundown_ptr_reclaim_killable - rundown_ptr_reclaim() that a fatal signal interrupts
 * @p: the pointer
 * @old: where to store the reclaimed object
 *
 * Context: process context, may sleep. One replacer at a time.
 * Return: 0 with *@old the object (NULL if none). -EINTR (*@old NULL, the
 * object stays with @p: reclaim again) or -EBUSY.
 */
static inline int __must_check rundown_ptr_reclaim_killable(struct rundown_ptr *p,
							    void **old)
{
	long ret = __rundown_ptr_reclaim(p, old, true, __RUNDOWN_PTR_FOREVER);

	return ret > 0 ? 0 : (int)ret;
}

/**
 * rundown_ptr_reclaim_timeout - rundown_ptr_reclaim() for at most @timeout jiffies
 * @p: the pointer
 * @old: where to store the reclaimed object
 * @timeout: jiffies, or MAX_SCHEDULE_TIMEOUT
 *
 * Context: process context, may sleep (uninterruptibly). One replacer at a
 * time.
 * Return: the jiffies left (at least 1) with *@old the object (NULL if
 * none); 0 on timeout (*@old NULL, reclaim again); -EBUSY.
 */
static inline long rundown_ptr_reclaim_timeout(struct rundown_ptr *p,
					       void **old, long timeout)
{
	return __rundown_ptr_reclaim(p, old, false, timeout);
}

/* ---- cache-aware form ------------------------------------------------- */

static __always_inline bool
__rundown_ptr_pcpu_acquire(struct rundown_ptr_core *core, unsigned int i)
{
	return rundown_pcpu_acquire(&container_of(core, struct rundown_ptr_pcpu,
						  core)->gen[i]);
}

/**
 * rundown_ptr_pcpu_get - rundown_ptr_get() for the cache-aware form
 * @p: the pointer
 * @token: where to store the token rundown_ptr_pcpu_put() needs
 *
 * Context: any, hard interrupt included. Never blocks.
 * Return: as rundown_ptr_get().
 */
static inline void * __must_check
rundown_ptr_pcpu_get(struct rundown_ptr_pcpu *p, unsigned int *token)
{
	return __rundown_ptr_get(&p->core, __rundown_ptr_pcpu_acquire, token);
}

/**
 * rundown_ptr_pcpu_put - rundown_ptr_put() for the cache-aware form
 * @p: the pointer
 * @token: the token that get stored
 *
 * Context: any, hard interrupt included. Never blocks.
 */
static inline void rundown_ptr_pcpu_put(struct rundown_ptr_pcpu *p,
					unsigned int token)
{
	if (WARN_ON_ONCE(token > 1))
		return;
	rundown_pcpu_release(&p->gen[token]);
}

/**
 * rundown_ptr_pcpu_get_owned - rundown_ptr_get_owned() for the cache-aware form
 * @p: the pointer
 * @token: where to store the token rundown_ptr_pcpu_put_owned() needs
 *
 * Context: any, hard interrupt included. Never blocks.
 * Return: as rundown_ptr_get().
 */
static inline void * __must_check
rundown_ptr_pcpu_get_owned(struct rundown_ptr_pcpu *p, unsigned int *token)
{
	void *obj = rundown_ptr_pcpu_get(p, token);

	if (obj)
		__rundown_own(&p->gen[*token].dep_map);
	return obj;
}

/**
 * rundown_ptr_pcpu_put_owned - rundown_ptr_put_owned() for the cache-aware form
 * @p: the pointer
 * @token: the token that get stored
 *
 * Context: the task and context of the get. Never blocks.
 */
static inline void rundown_ptr_pcpu_put_owned(struct rundown_ptr_pcpu *p,
					      unsigned int token)
{
	if (token <= 1)		/* else rundown_ptr_pcpu_put() reports it */
		__rundown_disown(&p->gen[token].dep_map);
	rundown_ptr_pcpu_put(p, token);
}

/**
 * rundown_ptr_pcpu_published - rundown_ptr_published() for the cache-aware form
 * @p: the pointer
 *
 * Context: the replacer.
 * Return: the object published now, or NULL; not a protected reference.
 */
static inline void *rundown_ptr_pcpu_published(const struct rundown_ptr_pcpu *p)
{
	return p->core.obj[p->core.seq & 1];
}

/**
 * rundown_ptr_pcpu_replace - rundown_ptr_replace() for the cache-aware form
 * @p: the pointer
 * @new: the new object, or NULL to retire
 *
 * Context: process context, may sleep (uninterruptibly). One replacer at a
 * time.
 * Return: as rundown_ptr_replace().
 */
static inline void *rundown_ptr_pcpu_replace(struct rundown_ptr_pcpu *p,
					     void *new)
{
	void *old;
	long ret = __rundown_ptr_pcpu_replace(p, new, &old, false,
					      __RUNDOWN_PTR_FOREVER);

	return ret > 0 ? old : ERR_PTR(ret);
}

/**
 * rundown_ptr_pcpu_replace_killable - rundown_ptr_replace_killable() for the cache-aware form
 * @p: the pointer
 * @new: the new object, or NULL to retire
 * @old: where to store the old object
 *
 * Context: process context, may sleep. One replacer at a time.
 * Return: as rundown_ptr_replace_killable().
 */
static inline int __must_check
rundown_ptr_pcpu_replace_killable(struct rundown_ptr_pcpu *p, void *new,
				  void **old)
{
	long ret = __rundown_ptr_pcpu_replace(p, new, old, true,
					      __RUNDOWN_PTR_FOREVER);

	return ret > 0 ? 0 : (int)ret;
}

/**
 * rundown_ptr_pcpu_replace_timeout - rundown_ptr_replace_timeout() for the cache-aware form
 * @p: the pointer
 * @new: the new object, or NULL to retire
 * @old: where to store the old object
 * @timeout: jiffies, or MAX_SCHEDULE_TIMEOUT
 *
 * Context: process context, may sleep (uninterruptibly). One replacer at a
 * time.
 * Return: as rundown_ptr_replace_timeout().
 */
static inline long rundown_ptr_pcpu_replace_timeout(struct rundown_ptr_pcpu *p,
						    void *new, void **old,
						    long timeout)
{
	return __rundown_ptr_pcpu_replace(p, new, old, false, timeout);
}

/**
 * rundown_ptr_pcpu_retire - rundown_ptr_retire() for the cache-aware form
 * @p: the pointer
 *
 * Context: process context, may sleep (uninterruptibly). One replacer at a
 * time.
 * Return: as rundown_ptr_retire().
 */
static inline void *rundown_ptr_pcpu_retire(struct rundown_ptr_pcpu *p)
{
	return rundown_ptr_pcpu_replace(p, NULL);
}

/**
 * rundown_ptr_pcpu_retire_killable - rundown_ptr_retire_killable() for the cache-aware form
 * @p: the pointer
 * @old: where to store the retired object
 *
 * Context: process context, may sleep. One replacer at a time.
 * Return: as rundown_ptr_retire_killable().
 */
static inline int __must_check
rundown_ptr_pcpu_retire_killable(struct rundown_ptr_pcpu *p, void **old)
{
	return rundown_ptr_pcpu_replace_killable(p, NULL, old);
}

/**
 * rundown_ptr_pcpu_retire_timeout - rundown_ptr_retire_timeout() for the cache-aware form
 * @p: the pointer
 * @old: where to store the retired object
 * @timeout: jiffies, or MAX_SCHEDULE_TIMEOUT
 *
 * Context: process context, may sleep (uninterruptibly). One replacer at a
 * time.
 * Return: as rundown_ptr_retire_timeout().
 */
static inline long rundown_ptr_pcpu_retire_timeout(struct rundown_ptr_pcpu *p,
						   void **old, long timeout)
{
	return rundown_ptr_pcpu_replace_timeout(p, NULL, old, timeout);
}

/**
 * rundown_ptr_pcpu_reclaim - rundown_ptr_reclaim() for the cache-aware form
 * @p: the pointer
 *
 * Context: process context, may sleep (uninterruptibly). One replacer at a
 * time.
 * Return: as rundown_ptr_reclaim().
 */
static inline void *rundown_ptr_pcpu_reclaim(struct rundown_ptr_pcpu *p)
{
	void *old;
	long ret = __rundown_ptr_pcpu_reclaim(p, &old, false,
					      __RUNDOWN_PTR_FOREVER);

	return ret > 0 ? old : ERR_PTR(ret);
}

/**
 * rundown_ptr_pcpu_reclaim_killable - rundown_ptr_reclaim_killable() for the cache-aware form
 * @p: the pointer
 * @old: where to store the reclaimed object
 *
 * Context: process context, may sleep. One replacer at a time.
 * Return: as rundown_ptr_reclaim_killable().
 */
static inline int __must_check
rundown_ptr_pcpu_reclaim_killable(struct rundown_ptr_pcpu *p, void **old)
{
	long ret = __rundown_ptr_pcpu_reclaim(p, old, true,
					      __RUNDOWN_PTR_FOREVER);

	return ret > 0 ? 0 : (int)ret;
}

/**
 * rundown_ptr_pcpu_reclaim_timeout - rundown_ptr_reclaim_timeout() for the cache-aware form
 * @p: the pointer
 * @old: where to store the reclaimed object
 * @timeout: jiffies, or MAX_SCHEDULE_TIMEOUT
 *
 * Context: process context, may sleep (uninterruptibly). One replacer at a
 * time.
 * Return: as rundown_ptr_reclaim_timeout().
 */
static inline long rundown_ptr_pcpu_reclaim_timeout(struct rundown_ptr_pcpu *p,
						    void **old, long timeout)
{
	return __rundown_ptr_pcpu_reclaim(p, old, false, timeout);
}

#endif /* _LINUX_RUNDOWN_PTR_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Run-down protection: Windows NT's EX_RUNDOWN_REF for Linux.
 *
 * A rundown reference guards the lifetime of a shared object that is almost
 * always there but must sometimes be torn down and replaced. The classic
 * user is a filter that calls into another module's engine: each call is
 * bracketed by rundown_acquire() and rundown_release(), and the engine's
 * owner, before freeing it, calls rundown_wait(), which makes every later
 * acquire fail and sleeps until every earlier acquire has been released::
 *
 *	if (rundown_acquire(&av->rundown)) {		// never blocks
 *		av->engine->scan(buf);
 *		rundown_release(&av->rundown);		// any context, any task
 *	}
 *
 *	rundown_wait(&av->rundown);			// owner: no new users,
 *	kfree(av->engine);				// old ones all gone
 *	rundown_completed(&av->rundown);
 *	av->engine = new_engine;
 *	rundown_reinit(&av->rundown);			// live again
 *
 * It is a reference count with one extra bit, not a lock: holders are never
 * serialised against each other, acquire never sleeps and fails instead of
 * waiting once run-down has begun, and there is no writer to starve.
 *
 * Two variants share one protocol:
 *
 * - struct rundown_ref: one machine word (NT's layout: bit 0 set once
 *   run-down began, the count of references above it in units of 2).
 *   Acquire is one compare-and-swap loop, release one atomic subtraction.
 *
 * - struct rundown_pcpu, the cache-aware variant: one counter per possible
 *   CPU, each on its own cache line, so that CPUs acquiring and releasing
 *   at once do not bounce a shared line. A reference may be released on
 *   another CPU than the one that took it: single slots may go negative,
 *   only their sum means anything. Waiting marks every slot and folds all
 *   of them into one central count.
 *
 * Ordering: everything a holder did before rundown_release() happens before
 * rundown_wait() (and its killable and timed variants) returns 0, and
 * everything the owner did before rundown_init()/rundown_reinit() happens
 * before the critical section of any rundown_acquire() that succeeds
 * afterwards. The owner may therefore free or replace the object as soon as
 * the wait returns, and publish a new one by reinitialising.
 *
 * Lifetime: the owner initialises the reference before publishing it and
 * must not free it while acquires may still be attempted on it: run it down
 * first, then make sure no one can reach the reference itself any more
 * (module unload, RCU, or the reference living longer than the object).
 *
 * Wait may be called several times and from several tasks at once (NT
 * allows neither). Waiting while the same task holds a reference deadlocks;
 * lockdep reports it where the kernel has lockdep. A reference may be
 * released by another task, or from interrupt context, than the one that
 * took it.
 *
 * Misuse is reported with WARN_ON_ONCE() and never silently corrupts the
 * count: releasing more than was acquired, reinitialising while references
 * are held or before run-down, and an acquire_many() that would overflow
 * the count (it fails instead).
 */
#ifndef _LINUX_RUNDOWN_H
#define _LINUX_RUNDOWN_H

#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/cache.h>
#include <linux/compiler.h>
#include <linux/gfp.h>
#include <linux/limits.h>
#include <linux/lockdep.h>
#include <linux/smp.h>
#include <linux/types.h>

/* Bit 0 of the word: run-down has begun, acquires fail (NT's EX_RUNDOWN_ACTIVE). */
#define RUNDOWN_DYING		1L
/* One reference, counted above the flag bit (NT's EX_RUNDOWN_COUNT_INC). */
#define RUNDOWN_BIAS		2L
/* Most references one struct rundown_ref can hold. */
#define RUNDOWN_MAX_REFS	(LONG_MAX / RUNDOWN_BIAS)
/* Most references one rundown_pcpu_acquire_many() call may take. */
#define RUNDOWN_PCPU_MAX_MANY	((unsigned long)INT_MAX)

/**
 * struct rundown_ref - run-down protection for one object
 * @count: references held, in units of %RUNDOWN_BIAS, or'ed with
 *         %RUNDOWN_DYING once run-down has begun
 * @dep_map: lockdep map (only with CONFIG_DEBUG_LOCK_ALLOC)
 *
 * One machine word without lockdep, like NT's EX_RUNDOWN_REF. Waiters sleep
 * on the kernel's hashed wait queues (wait_var_event() on @count), so no
 * wait queue head lives in here.
 */
struct rundown_ref {
	atomic_long_t count;
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	struct lockdep_map dep_map;
#endif
};

#ifdef CONFIG_DEBUG_LOCK_ALLOC
#define __RUNDOWN_DEP_MAP_INIT(str)	\
	, .dep_map = { .name = str, .wait_type_inner = LD_WAIT_SLEEP }
#else
#define __RUNDOWN_DEP_MAP_INIT(str)
#endif

#define __RUNDOWN_REF_INITIALIZER(v, str)				\
	{ .count = ATOMIC_LONG_INIT(v) __RUNDOWN_DEP_MAP_INIT(str) }

/**
 * RUNDOWN_REF_INIT - static initialiser of a live struct rundown_ref
 * @name: the variable's name, used by lockdep
 */
#define RUNDOWN_REF_INIT(name) __RUNDOWN_REF_INITIALIZER(0, #name)

/**
 * RUNDOWN_REF_INIT_DEAD - static initialiser of a run-down struct rundown_ref
 * @name: the variable's name, used by lockdep
 *
 * For an object that does not exist yet: acquires fail until the owner
 * calls rundown_reinit() once the object is published.
 */
#define RUNDOWN_REF_INIT_DEAD(name)					\
	__RUNDOWN_REF_INITIALIZER(RUNDOWN_DYING, #name)

/**
 * DEFINE_RUNDOWN_REF - define and initialise a live struct rundown_ref
 * @name: the variable
 */
#define DEFINE_RUNDOWN_REF(name)					\
	struct rundown_ref name = __RUNDOWN_REF_INITIALIZER(0, #name)

void __rundown_init(struct rundown_ref *ref, bool dead, const char *name,
		    struct lock_class_key *key);

/**
 * rundown_init - initialise a struct rundown_ref as live
 * @ref: the reference
 *
 * Context: any. Must not race with any other operation on @ref.
 */
#define rundown_init(ref)						\
do {									\
	static struct lock_class_key __rundown_key;			\
									\
	__rundown_init((ref), false, #ref, &__rundown_key);		\
} while (0)

/**
 * rundown_init_dead - initialise a struct rundown_ref as already run down
 * @ref: the reference
 *
 * Context: any. Acquires fail until rundown_reinit().
 */
#define rundown_init_dead(ref)						\
do {									\
	static struct lock_class_key __rundown_key;			\
									\
	__rundown_init((ref), true, #ref, &__rundown_key);		\
} while (0)

void rundown_reinit(struct rundown_ref *ref);
void rundown_completed(struct rundown_ref *ref);
void rundown_wait(struct rundown_ref *ref);
int __must_check rundown_wait_killable(struct rundown_ref *ref);
long rundown_wait_timeout(struct rundown_ref *ref, long timeout);
long rundown_wait_killable_timeout(struct rundown_ref *ref, long timeout);
void __rundown_release_slow(struct rundown_ref *ref, long count, unsigned long n);

#ifdef CONFIG_DEBUG_LOCK_ALLOC
void __rundown_dep_acquire(const void *key, unsigned long n);
void __rundown_dep_release(const void *key, unsigned long n);
#else
static inline void __rundown_dep_acquire(const void *key, unsigned long n) { }
static inline void __rundown_dep_release(const void *key, unsigned long n) { }
#endif

/**
 * rundown_acquire_many - take @n references unless run-down has begun
 * @ref: the reference
 * @n: how many references, 1 to %RUNDOWN_MAX_REFS
 *
 * Never blocks. Fails once rundown_wait() (or a variant) has started on
 * @ref, until rundown_reinit(); also fails, with a warning, for @n == 0 or
 * when the count would overflow.
 *
 * Context: any, hard interrupt included.
 * Return: true if the references were taken: the protected object stays
 * valid until they are released with rundown_release_many(). False if
 * nothing was taken: the object must not be touched.
 */
static inline bool __must_check
rundown_acquire_many(struct rundown_ref *ref, unsigned long n)
{
	long old = atomic_long_read(&ref->count);
	long add;

	if (WARN_ON_ONCE(n - 1 >= RUNDOWN_MAX_REFS))
		return false;
	add = (long)n * RUNDOWN_BIAS;
	do {
		if (unlikely(old & RUNDOWN_DYING))
			return false;
		if (WARN_ON_ONCE(old > LONG_MAX - add))
			return false;
		/*
		 * Acquire ordering pairs with the release store in
		 * rundown_reinit()/__rundown_init(): the new object the owner
		 * set up is visible to the successful acquirer.
		 */
	} while (!atomic_long_try_cmpxchg_acquire(&ref->count, &old, old + add));
	__rundown_dep_acquire(ref, n);
	return true;
}

/**
 * rundown_acquire - take one reference unless run-down has begun
 * @ref: the reference
 *
 * Context: any, hard interrupt included. Never blocks.
 * Return: true if the reference was taken (release it with
 * rundown_release()), false if @ref is being or has been run down.
 */
static inline bool __must_check rundown_acquire(struct rundown_ref *ref)
{
	return rundown_acquire_many(ref, 1);
}

/**
 * rundown_release_many - drop @n references taken by rundown_acquire_many()
 * @ref: the reference
 * @n: how many references
 *
 * Wakes the waiters of rundown_wait() when the last reference goes. The
 * references may have been taken by another task or on another CPU.
 * Releasing more than is held is reported and undone.
 *
 * Context: any, hard interrupt included. Never blocks.
 */
static inline void rundown_release_many(struct rundown_ref *ref, unsigned long n)
{
	long count;

	__rundown_dep_release(ref, n);
	/*
	 * Fully ordered: the holder's accesses happen before the subtraction
	 * (pairs with the acquire read of the count in rundown_wait() and its
	 * variants), and the subtraction is ordered before the wait-queue
	 * check in wake_up_var() (pairs with prepare_to_wait() in
	 * wait_var_event()).
	 */
	count = atomic_long_sub_return((long)n * RUNDOWN_BIAS, &ref->count);
	if (unlikely(count == RUNDOWN_DYING || count < 0))
		__rundown_release_slow(ref, count, n);
}

/**
 * rundown_release - drop one reference taken by rundown_acquire()
 * @ref: the reference
 *
 * Context: any, hard interrupt included. Never blocks.
 */
static inline void rundown_release(struct rundown_ref *ref)
{
	rundown_release_many(ref, 1);
}

/**
 * rundown_is_active - whether acquires currently succeed
 * @ref: the reference
 *
 * Racy by nature: the answer may be stale by the time it is used. For
 * diagnostics and assertions only, never to decide to skip an acquire.
 *
 * Context: any.
 * Return: true while run-down has not begun (or after rundown_reinit()).
 */
static inline bool rundown_is_active(const struct rundown_ref *ref)
{
	return !(atomic_long_read(&ref->count) & RUNDOWN_DYING);
}

/**
 * rundown_is_drained - whether run-down has finished
 * @ref: the reference
 *
 * True once a wait has begun and every reference has been released: the
 * state rundown_completed() and rundown_reinit() require. It stays true
 * until rundown_reinit(), as nothing can be acquired or released meanwhile;
 * otherwise the answer may be stale at once.
 *
 * Context: any.
 * Return: true if @ref is run down with no reference held. When true, the
 * holders' accesses happen before the caller's later ones (acquire load,
 * pairs with the fully ordered subtraction in rundown_release_many()).
 */
static inline bool rundown_is_drained(const struct rundown_ref *ref)
{
	return atomic_long_read_acquire(&ref->count) == RUNDOWN_DYING;
}

/* ---- cache-aware variant ------------------------------------------------ */

/**
 * struct rundown_pcpu_slot - one CPU's share of a struct rundown_pcpu
 * @count: references taken minus released on this CPU, in units of
 *         %RUNDOWN_BIAS (modulo 2^BITS_PER_LONG), or'ed with %RUNDOWN_DYING
 */
struct rundown_pcpu_slot {
	atomic_long_t count;
} ____cacheline_aligned_in_smp;

/**
 * struct rundown_pcpu - cache-aware run-down protection
 * @slots: one slot per possible CPU, each on its own cache line
 * @dead: while run-down is in progress, the references still held in units
 *        of %RUNDOWN_BIAS plus a bias that the first waiter drops once it
 *        has folded every slot in; zero when run down. Releases on a slot
 *        already folded subtract here.
 * @flags: %RUNDOWN_PCPU_* state bits
 * @dep_map: lockdep map (only with CONFIG_DEBUG_LOCK_ALLOC)
 *
 * A small handle plus one cache line per possible CPU (nr_cpu_ids). The
 * slots are either allocated by rundown_pcpu_init() or, for NT's
 * ExInitializeRundownProtectionCacheAware(), placed in a caller's buffer
 * right after the handle (rundown_pcpu_init_buffer()).
 */
struct rundown_pcpu {
	struct rundown_pcpu_slot *slots;
	atomic_long_t dead;
	unsigned long flags;
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	struct lockdep_map dep_map;
#endif
};

/* struct rundown_pcpu.flags bits */
#define RUNDOWN_PCPU_DYING	0	/* a waiter is marking and folding slots */
#define RUNDOWN_PCPU_FOLDED	1	/* every slot is marked and folded */
#define RUNDOWN_PCPU_COMPLETED	2	/* rundown_pcpu_completed() was called */
#define RUNDOWN_PCPU_OWN_SLOTS	3	/* @slots were allocated: free them */

int __rundown_pcpu_init(struct rundown_pcpu *ref, gfp_t gfp, bool dead,
			const char *name, struct lock_class_key *key);
void __rundown_pcpu_init_buffer(struct rundown_pcpu *ref, size_t size,
				const char *name, struct lock_class_key *key);
size_t rundown_pcpu_size(void);
void rundown_pcpu_exit(struct rundown_pcpu *ref);
void rundown_pcpu_reinit(struct rundown_pcpu *ref);
void rundown_pcpu_completed(struct rundown_pcpu *ref);
void rundown_pcpu_wait(struct rundown_pcpu *ref);
int __must_check rundown_pcpu_wait_killable(struct rundown_pcpu *ref);
long rundown_pcpu_wait_timeout(struct rundown_pcpu *ref, long timeout);
long rundown_pcpu_wait_killable_timeout(struct rundown_pcpu *ref, long timeout);
bool rundown_pcpu_is_active(struct rundown_pcpu *ref);
bool rundown_pcpu_is_drained(struct rundown_pcpu *ref);
void __rundown_pcpu_release_slow(struct rundown_pcpu *ref, unsigned long n);

/**
 * rundown_pcpu_init - allocate and initialise a live cache-aware reference
 * @ref: the handle
 * @gfp: allocation flags for the per-CPU slots
 *
 * Context: may sleep if @gfp allows it.
 * Return: 0, or -ENOMEM. Free with rundown_pcpu_exit().
 */
#define rundown_pcpu_init(ref, gfp)					\
({									\
	static struct lock_class_key __rundown_key;			\
									\
	__rundown_pcpu_init((ref), (gfp), false, #ref, &__rundown_key); \
})

/**
 * rundown_pcpu_init_dead - allocate a cache-aware reference born run down
 * @ref: the handle
 * @gfp: allocation flags for the per-CPU slots
 *
 * For an object that does not exist yet: acquires fail until
 * rundown_pcpu_reinit().
 *
 * Context: may sleep if @gfp allows it.
 * Return: 0, or -ENOMEM. Free with rundown_pcpu_exit().
 */
#define rundown_pcpu_init_dead(ref, gfp)				\
({									\
	static struct lock_class_key __rundown_key;			\
									\
	__rundown_pcpu_init((ref), (gfp), true, #ref, &__rundown_key);	\
})

/**
 * rundown_pcpu_init_buffer - initialise a live cache-aware reference in place
 * @ref: a buffer of rundown_pcpu_size() bytes, cache-line aligned or not
 * @size: its size, at least rundown_pcpu_size()
 *
 * The slots live in the same buffer, after the handle. The caller owns the
 * buffer; rundown_pcpu_exit() frees nothing.
 *
 * Context: any.
 */
#define rundown_pcpu_init_buffer(ref, size)				\
do {									\
	static struct lock_class_key __rundown_key;			\
									\
	__rundown_pcpu_init_buffer((ref), (size), #ref, &__rundown_key); \
} while (0)

static inline struct rundown_pcpu_slot *
__rundown_pcpu_this_slot(struct rundown_pcpu *ref)
{
	/*
	 * Preemption may move us to another CPU right after this: harmless,
	 * every slot operation is atomic, only contention suffers.
	 */
	return &ref->slots[raw_smp_processor_id()];
}

/**
 * rundown_pcpu_acquire_many - take @n references unless run-down has begun
 * @ref: the cache-aware reference
 * @n: how many references, 1 to %RUNDOWN_PCPU_MAX_MANY
 *
 * Works on the current CPU's slot only. Fails once a wait has started on
 * @ref, until rundown_pcpu_reinit(), and fails with a warning for @n out
 * of range.
 *
 * Context: any, hard interrupt included. Never blocks.
 * Return: true if the references were taken, false otherwise.
 */
static inline bool __must_check
rundown_pcpu_acquire_many(struct rundown_pcpu *ref, unsigned long n)
{
	struct rundown_pcpu_slot *slot = __rundown_pcpu_this_slot(ref);
	long old = atomic_long_read(&slot->count);
	long add;

	if (WARN_ON_ONCE(n - 1 >= RUNDOWN_PCPU_MAX_MANY))
		return false;
	add = (long)n * RUNDOWN_BIAS;
	do {
		if (unlikely(old & RUNDOWN_DYING))
			return false;
		/*
		 * Slots count modulo 2^BITS_PER_LONG (releases on other CPUs
		 * make them negative), so no per-slot overflow check: the sum
		 * is exact while fewer than LONG_MAX / 2 references are held.
		 * Acquire ordering pairs with the release stores of the slots
		 * in rundown_pcpu_reinit() and the initialisers.
		 */
	} while (!atomic_long_try_cmpxchg_acquire(&slot->count, &old,
						  (long)((unsigned long)old + add)));
	__rundown_dep_acquire(ref, n);
	return true;
}

/**
 * rundown_pcpu_acquire - take one reference unless run-down has begun
 * @ref: the cache-aware reference
 *
 * Context: any, hard interrupt included. Never blocks.
 * Return: true if the reference was taken, false otherwise.
 */
static inline bool __must_check rundown_pcpu_acquire(struct rundown_pcpu *ref)
{
	return rundown_pcpu_acquire_many(ref, 1);
}

/**
 * rundown_pcpu_release_many - drop @n references of a cache-aware reference
 * @ref: the cache-aware reference
 * @n: how many references
 *
 * Works on the current CPU's slot, whichever CPU took the references.
 * Wakes the waiters when the last reference goes during run-down.
 *
 * Context: any, hard interrupt included. Never blocks.
 */
static inline void rundown_pcpu_release_many(struct rundown_pcpu *ref,
					     unsigned long n)
{
	struct rundown_pcpu_slot *slot = __rundown_pcpu_this_slot(ref);
	long count;

	__rundown_dep_release(ref, n);
	/*
	 * Fully ordered: the holder's accesses happen before the subtraction.
	 * The slot is one location, so either the waiter's marking exchange
	 * (rundown_pcpu_fold()) comes after this subtraction and carries it
	 * into @ref->dead, or it came before and this release sees the mark
	 * and takes its references off @ref->dead itself. What it left in the
	 * marked slot is never read again.
	 */
	count = atomic_long_sub_return((long)n * RUNDOWN_BIAS, &slot->count);
	if (unlikely(count & RUNDOWN_DYING))
		__rundown_pcpu_release_slow(ref, n);
}

/**
 * rundown_pcpu_release - drop one reference of a cache-aware reference
 * @ref: the cache-aware reference
 *
 * Context: any, hard interrupt included. Never blocks.
 */
static inline void rundown_pcpu_release(struct rundown_pcpu *ref)
{
	rundown_pcpu_release_many(ref, 1);
}

#include <linux/rundown_ptr.h>

#endif /* _LINUX_RUNDOWN_H */

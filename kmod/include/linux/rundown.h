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
 *   CPU, so that CPUs acquiring and releasing at once do not bounce a
 *   shared line. Acquire and release are one non-locked per-CPU addition
 *   after a flag check, with no barrier: the read side of RCU's class. A
 *   reference may be released on another CPU than the one that took it:
 *   single counters may go negative, only their sum means anything.
 *   Waiting sets the flag, pays one expedited RCU grace period as the
 *   readers' missing barrier, and sums the counters into one central
 *   count (the protocol is described before struct rundown_pcpu).
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
 * (RCU, the reference living longer than the object, or module unload).
 * Two things a wait returning does not promise:
 *
 * - That the releasing code has finished running. A release is the last
 *   access to the reference, but the function that called it (an interrupt
 *   handler, a timer or work function, a kthread) may still be executing
 *   its tail when the wait returns. Before unloading the module whose code
 *   releases, or freeing what that code still touches, quiesce those
 *   contexts as well: free_irq()/synchronize_irq(), del_timer_sync() or
 *   hrtimer_cancel(), cancel_work_sync()/flush_workqueue(), kthread_stop().
 *
 * - That no other wait is still running. With several waiters at once,
 *   each returns once the count drains, but the others may still be
 *   reading the reference: free it only after every wait on it returned
 *   (have the waiters agree on who frees, e.g. under a lock or with a
 *   count of their own).
 *
 * Wait may be called several times and from several tasks at once (NT
 * allows neither). A reference may be released by another task, on
 * another CPU, or from interrupt context, than the one that took it.
 * Waiting while the same task holds a reference deadlocks; lockdep reports
 * it for references taken with rundown_acquire_owned() (the reference stays
 * with its task: see the end of this file), and never reports a hand-off.
 *
 * Misuse is reported with WARN_ON_ONCE() and never silently corrupts the
 * count: releasing more than was acquired (undone on the plain variant,
 * without losing a wake-up), reinitialising while references are held or
 * before run-down, and an acquire_many() that would overflow the count (it
 * fails instead).
 */
#ifndef _LINUX_RUNDOWN_H
#define _LINUX_RUNDOWN_H

#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/cache.h>
#include <linux/compiler.h>
#include <linux/gfp.h>
#include <linux/limits.h>
#include <asm/local.h>
#include <linux/lockdep.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/smp.h>
#include <linux/types.h>

/* Bit 0 of the word: run-down has begun, acquires fail (NT's EX_RUNDOWN_ACTIVE). */
#define RUNDOWN_DYING		1L
/* One reference, counted above the flag bit (NT's EX_RUNDOWN_COUNT_INC). */
#define RUNDOWN_BIAS		2L
/* Most references one struct rundown_ref can hold. */
#define RUNDOWN_MAX_REFS	(LONG_MAX / RUNDOWN_BIAS)

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
		/*
		 * Unsigned, so that one comparison catches both an overflow
		 * (warned) and a negative count, which means that an
		 * over-release is being undone (__rundown_release_slow()
		 * reports it): acquires fail until it is, so that every
		 * release landing meanwhile is of a reference really held.
		 */
		if (unlikely((unsigned long)old > LONG_MAX - add)) {
			WARN_ON_ONCE(old >= 0);
			return false;
		}
		/*
		 * Acquire ordering pairs with the release store in
		 * rundown_reinit()/__rundown_init(): the new object the owner
		 * set up is visible to the successful acquirer.
		 */
	} while (!atomic_long_try_cmpxchg_acquire(&ref->count, &old, old + add));
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
 * references may have been taken by another task, on another CPU or in
 * another context.
 *
 * Releasing more than is held (or @n == 0, or above %RUNDOWN_MAX_REFS) is
 * reported and undone: acquires fail while the undo is under way, and
 * whatever raced with it (releases, waits) ends as if the bad release
 * never happened, wake-up included. Should a second over-release race with
 * the first, both are reported and the count stays negative: acquires
 * keep failing and waits do not return, rather than return while a
 * reference may still be held.
 *
 * Context: any, hard interrupt included. Never blocks.
 */
static inline void rundown_release_many(struct rundown_ref *ref, unsigned long n)
{
	long count;

	if (WARN_ON_ONCE(n - 1 >= RUNDOWN_MAX_REFS))
		return;
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

/*
 * The cache-aware protocol. The userspace library's cache-aware variant
 * (userspace/include/rundown/rundown.hpp) follows the same steps with an
 * rseq critical section for the section and membarrier for the fence.
 *
 * - The flag: RUNDOWN_PCPU_DYING in @state. Acquires fail once they see
 *   it; releases that see it subtract from the central count instead.
 * - The section: acquire and release run with preemption disabled. Inside,
 *   they load @state and, while the flag is clear, add to or subtract from
 *   the counter of the CPU they run on with one non-locked per-CPU
 *   instruction (this_cpu_add(), or local_add() on the slot of the
 *   caller-buffer form). Counters are modular: a reference released on
 *   another CPU than it was taken on leaves one counter up and another
 *   down, and only their sum means anything.
 * - The fence: the first waiter sets the flag and waits for an expedited
 *   RCU grace period. Every preemption-disabled section either ends before
 *   the grace period does, its counter update visible to the waiter, or
 *   sees the flag. The grace period is the readers' missing barrier: they
 *   execute no full barrier (on arm64 the acquire's flag load is a
 *   load-acquire, on x86 a plain load).
 * - The sweep: after the fence no section updates a counter any more. The
 *   first waiter sums every possible CPU's counter once, in unsigned
 *   arithmetic, and hands the sum over to the central count.
 * - The central count (@central) carries RUNDOWN_PCPU_BIAS while the
 *   reference is live and during the fence, so that releases subtracting
 *   from it before the hand-over cannot take it to zero. The hand-over
 *   adds the sum minus the bias, once (a compare-and-swap that only a
 *   biased count lets through): from then on @central is the exact number
 *   of references still held. Whoever takes it to zero wakes the waiters,
 *   and "drained" is one acquire load of it reading zero.
 *
 * Ordering pairs:
 * [A] holder to waiter: a release through a counter ends its section before
 *     the fence returns; a release through @central is a fully ordered
 *     subtraction. Either is ordered before the hand-over's fully ordered
 *     addition or the acquire load that reads @central as zero.
 * [B] owner to acquirer: rundown_pcpu_reinit() and the initialisers store
 *     @state with release, acquires load it with acquire.
 * [C] flag to fence: the flag is set by a fully ordered test_and_set_bit()
 *     before the grace period starts, so every section that does not end
 *     before the grace period ends sees it (a section that begins after
 *     the start and ends before the end may miss it: it is swept).
 *
 * The trade: a run-down costs one expedited grace period, where the
 * one-word struct rundown_ref costs one atomic operation. That is tens of
 * microseconds on an idle machine, with an IPI to each CPU that is not
 * idle; it also waits for every task preempted inside rcu_read_lock() (on
 * PREEMPT_RCU kernels) and, on PREEMPT_RT (rcu_normal_after_boot), for a
 * normal grace period of milliseconds. rundown_pcpu_wait_many() pays it
 * once for many references.
 *
 * Contexts: acquire and release work wherever RCU is watching: any task,
 * softirq, hard IRQ or NMI context, but not in the idle loop's
 * RCU-quiescent part, nor early in CPU onlining or late in offlining
 * (lockdep kernels check it). On PREEMPT_RT, the release that drops the
 * last reference during run-down wakes the waiters through a sleeping
 * lock: it must not run in hard IRQ context or under a raw spinlock there.
 */

/* Bits of struct rundown_pcpu.state. */
#define RUNDOWN_PCPU_DYING	0	/* run-down began: acquires fail */
#define RUNDOWN_PCPU_PERCPU	1	/* @counts is alloc_percpu() memory */
#define RUNDOWN_PCPU_COMPLETED	2	/* rundown_pcpu_completed() was called */

/* The central count's bias while live: 2^62 on 64-bit, 2^30 on 32-bit. */
#define RUNDOWN_PCPU_BIAS	(1L << (BITS_PER_LONG - 2))
/*
 * Most references a struct rundown_pcpu may hold at once: below half the
 * bias, so that a biased central count (before the hand-over) and an
 * unbiased one never overlap. One rundown_pcpu_acquire_many() call may
 * take up to RUNDOWN_PCPU_MAX_MANY.
 */
#define RUNDOWN_PCPU_MAX_REFS	((unsigned long)RUNDOWN_PCPU_BIAS / 2 - 1)
#define RUNDOWN_PCPU_MAX_MANY	(RUNDOWN_PCPU_MAX_REFS > (unsigned long)INT_MAX ? \
				 (unsigned long)INT_MAX : RUNDOWN_PCPU_MAX_REFS)

/**
 * struct rundown_pcpu_slot - one CPU's counter in a caller's buffer
 * @count: references taken minus released on this CPU (modular)
 *
 * Only the caller-buffer form (rundown_pcpu_init_buffer()) uses slots; the
 * allocated form keeps its counters in alloc_percpu() memory.
 */
struct rundown_pcpu_slot {
	local_t count;
} ____cacheline_aligned_in_smp;

/**
 * struct rundown_pcpu - cache-aware run-down protection
 * @state: %RUNDOWN_PCPU_* bits; read by every acquire and release, written
 *         only by waits, rundown_pcpu_completed() and reinitialisation
 * @counts: the allocated form's per-CPU counters
 * @slots: the caller-buffer form's counters, one cache line per possible
 *         CPU, right after the handle in the caller's buffer
 * @central: while live and during the fence, %RUNDOWN_PCPU_BIAS minus the
 *           releases that saw the flag; after the hand-over, the references
 *           still held; zero once run down
 * @dep_map: lockdep map (only with CONFIG_DEBUG_LOCK_ALLOC)
 *
 * A small handle plus one counter per possible CPU.
 */
struct rundown_pcpu {
	unsigned long state;
	union {
		unsigned long __percpu *counts;
		struct rundown_pcpu_slot *slots;
	};
	atomic_long_t central;
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	struct lockdep_map dep_map;
#endif
};

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
void rundown_pcpu_wait_many(struct rundown_pcpu *const *refs, unsigned int n);
bool rundown_pcpu_is_active(struct rundown_pcpu *ref);
bool rundown_pcpu_is_drained(struct rundown_pcpu *ref);
void __rundown_pcpu_release_slow(struct rundown_pcpu *ref, unsigned long n);

/**
 * rundown_pcpu_init - allocate and initialise a live cache-aware reference
 * @ref: the handle
 * @gfp: allocation flags for the per-CPU counters
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
 * @gfp: allocation flags for the per-CPU counters
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
 * @ref: a buffer of rundown_pcpu_size() bytes, aligned to at least a long
 *       (a cache line is not needed: the counters are aligned within it)
 * @size: its size, at least rundown_pcpu_size()
 *
 * The counters live in the same buffer, after the handle, one cache line
 * per possible CPU. The caller owns the buffer; rundown_pcpu_exit() frees
 * nothing.
 *
 * Context: any.
 */
#define rundown_pcpu_init_buffer(ref, size)				\
do {									\
	static struct lock_class_key __rundown_key;			\
									\
	__rundown_pcpu_init_buffer((ref), (size), #ref, &__rundown_key); \
} while (0)

/*
 * Add @v (modulo 2^BITS_PER_LONG) to the current CPU's counter, in one
 * non-locked instruction that an interrupt on this CPU cannot split (a
 * release in hard IRQ may interrupt a task's acquire). Preemption must be
 * disabled: the counter must be the one of the CPU whose section this is.
 */
static __always_inline void __rundown_pcpu_add(struct rundown_pcpu *ref,
					       unsigned long state, long v)
{
	if (likely(state & BIT(RUNDOWN_PCPU_PERCPU)))
		this_cpu_add(*ref->counts, v);
	else
		local_add(v, &ref->slots[smp_processor_id()].count);
}

/**
 * rundown_pcpu_acquire_many - take @n references unless run-down has begun
 * @ref: the cache-aware reference
 * @n: how many references, 1 to %RUNDOWN_PCPU_MAX_MANY
 *
 * Counts on the current CPU only, without a locked instruction or a
 * barrier. Fails once a wait has started on @ref and its fence has passed
 * this CPU, until rundown_pcpu_reinit(); an acquire racing the start of a
 * wait may still succeed, and the wait then waits for it. Fails with a
 * warning for @n out of range. The references held at once must stay
 * below %RUNDOWN_PCPU_MAX_REFS in total: the fast path cannot check it,
 * so the caller must (the plain variant's acquire fails instead).
 *
 * Context: any where RCU is watching, hard interrupt and NMI included
 * (NMI only where this_cpu_add() and local_add() are NMI-safe, as on x86
 * and arm64). Never blocks.
 * Return: true if the references were taken, false otherwise.
 */
static inline bool __must_check
rundown_pcpu_acquire_many(struct rundown_pcpu *ref, unsigned long n)
{
	unsigned long state;

	if (WARN_ON_ONCE(n - 1 >= RUNDOWN_PCPU_MAX_MANY))
		return false;
	/* The section: the fence in rundown_pcpu_wait() waits for it ([C]). */
	RCU_LOCKDEP_WARN(!rcu_is_watching(), "rundown_pcpu_acquire() where RCU is not watching");
	preempt_disable();
	/* [B] Acquire: pairs with the release store of @state in reinit. */
	state = smp_load_acquire(&ref->state);
	if (unlikely(state & BIT(RUNDOWN_PCPU_DYING))) {
		preempt_enable();
		return false;
	}
	__rundown_pcpu_add(ref, state, (long)n);
	preempt_enable();
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
 * Counts on the current CPU, whichever CPU took the references, without a
 * locked instruction while no run-down is in progress. During run-down it
 * subtracts from the central count and wakes the waiters when the last
 * reference goes; @ref may then be freed at once, so nothing of it is
 * touched after that subtraction but the wake-up key. Releasing more than
 * is held is found once run-down began: see rundown_pcpu_wait().
 *
 * Context: any where RCU is watching, hard interrupt included; NMI for
 * references the NMI took itself (such a release never drops the last
 * reference: the fence waits for the NMI). Never blocks.
 */
static inline void rundown_pcpu_release_many(struct rundown_pcpu *ref,
					     unsigned long n)
{
	unsigned long state;

	RCU_LOCKDEP_WARN(!rcu_is_watching(), "rundown_pcpu_release() where RCU is not watching");
	preempt_disable();
	/*
	 * [A] No ordering of its own: a counter update ends its section
	 * before the fence returns; past the flag, the slow path's fully
	 * ordered subtraction orders the holder's accesses.
	 */
	state = READ_ONCE(ref->state);
	if (likely(!(state & BIT(RUNDOWN_PCPU_DYING)))) {
		__rundown_pcpu_add(ref, state, -(long)n);
		preempt_enable();
		return;
	}
	preempt_enable();
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

/* ---- references that stay with their task: what lockdep checks ---------- */

/*
 * Lockdep sees a reference only where its acquirer says that the reference
 * stays with it: taken by rundown_acquire_owned() (or the cache-aware
 * rundown_pcpu_acquire_owned()) and dropped by the matching _owned release
 * in the same task and context, like a read lock. Plain rundown_acquire()
 * references may be handed to another task or to an interrupt (an I/O
 * completion, say), so nothing tells whether a waiter still holds them;
 * lockdep never sees them, and a hand-off is never reported.
 *
 * To lockdep an owned reference is a recursive read trylock of the
 * rundown's map (acquire never blocks and may nest), and every wait takes
 * the map exclusively and drops it at once. So lockdep reports a wait by a
 * task that holds an owned reference of the same lockdep class ("possible
 * recursive locking": the wait can never end), and lock-order cycles
 * between the locks taken under owned references and the locks held while
 * waiting. A class is per initialisation site, as for locks; objects that
 * share one are told apart by giving them their own key (__rundown_init()).
 * Each owned reference held is one of lockdep's held locks of the task
 * (at most MAX_LOCK_DEPTH, 48). Nothing of this takes a lock or touches
 * shared memory of ours: lockdep keeps its held locks per task.
 */
#ifdef CONFIG_DEBUG_LOCK_ALLOC
#define __rundown_own(map)	lock_acquire_shared_recursive(map, 0, 1, NULL, _THIS_IP_)
#define __rundown_disown(map)	lock_release(map, _THIS_IP_)
#else
#define __rundown_own(map)	do { } while (0)
#define __rundown_disown(map)	do { } while (0)
#endif

/**
 * rundown_acquire_owned - rundown_acquire() of a reference that stays with the caller
 * @ref: the reference
 *
 * As rundown_acquire(), and tells lockdep that the caller releases the
 * reference itself, with rundown_release_owned(), in the same task and
 * context: lockdep then reports a wait for @ref while it is held (and lock
 * orders that can deadlock against a wait). Without lockdep it is
 * rundown_acquire().
 *
 * Context: any, hard interrupt included. Never blocks. The reference must
 * not be handed off, nor held across a return to user space.
 * Return: as rundown_acquire().
 */
static inline bool __must_check rundown_acquire_owned(struct rundown_ref *ref)
{
	if (!rundown_acquire(ref))
		return false;
	__rundown_own(&ref->dep_map);
	return true;
}

/**
 * rundown_release_owned - drop a reference taken by rundown_acquire_owned()
 * @ref: the reference
 *
 * Context: the task and context that took the reference. Never blocks.
 */
static inline void rundown_release_owned(struct rundown_ref *ref)
{
	/* Before the release: once it is done, the owner may free @ref. */
	__rundown_disown(&ref->dep_map);
	rundown_release(ref);
}

/**
 * rundown_pcpu_acquire_owned - rundown_pcpu_acquire() of a reference that stays with the caller
 * @ref: the cache-aware reference
 *
 * As rundown_acquire_owned(), for the cache-aware variant.
 *
 * Context: any, hard interrupt included. Never blocks. Released by
 * rundown_pcpu_release_owned() in the same task and context.
 * Return: as rundown_pcpu_acquire().
 */
static inline bool __must_check rundown_pcpu_acquire_owned(struct rundown_pcpu *ref)
{
	if (!rundown_pcpu_acquire(ref))
		return false;
	__rundown_own(&ref->dep_map);
	return true;
}

/**
 * rundown_pcpu_release_owned - drop a reference taken by rundown_pcpu_acquire_owned()
 * @ref: the cache-aware reference
 *
 * Context: the task and context that took the reference. Never blocks.
 */
static inline void rundown_pcpu_release_owned(struct rundown_pcpu *ref)
{
	__rundown_disown(&ref->dep_map);
	rundown_pcpu_release(ref);
}

#include <linux/rundown_ptr.h>

#endif /* _LINUX_RUNDOWN_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * Run-down protection: the out-of-line slow paths of <linux/rundown.h>.
 *
 * The fast paths (acquire and release) are inline in the header. What lives
 * here runs only when run-down is under way or the API is misused: waiting,
 * waking the waiters, folding the cache-aware variant's per-CPU slots, and
 * telling lockdep about waits.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/export.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>
#include <linux/rundown.h>

#include "track.h"
#include "rundown_trace.h"

/* What a wait sleeps on, and what a stalled-wait report says about it. */
struct rundown_sleeper {
	void *var;			/* the wake-up key */
	bool (*drained)(void *ref);
	long (*held)(void *ref);	/* references still held, or -1 */
	void *ref;
	const char *what;		/* the wait's name, for the report */
};

static long __rundown_sleep(const struct rundown_sleeper *s,
			    unsigned int state, long timeout)
{
	return ___wait_var_event(s->var, ___wait_cond_timeout(s->drained(s->ref)),
				 state, 0, timeout,
				 __ret = schedule_timeout(__ret));
}

/*
 * Sleep on @s->var until @s->drained(@s->ref), in task state @state, for at
 * most @timeout jiffies (MAX_SCHEDULE_TIMEOUT: forever). Returns the
 * jiffies left (at least 1) once drained, 0 on timeout, or -ERESTARTSYS
 * when a killable wait was interrupted by a fatal signal. A wait still
 * asleep after stall_timeout_s is reported once, and sleeps on.
 */
static long rundown_sleep(const struct rundown_sleeper *s, unsigned int state,
			  long timeout)
{
	long stall = rundown_stall_jiffies(), ret;

	might_sleep();
	if (s->drained(s->ref))
		return timeout ? timeout : 1;
	if (!stall || timeout <= stall)
		return __rundown_sleep(s, state, timeout);
	ret = __rundown_sleep(s, state, stall);
	if (ret)	/* drained (ret jiffies of @stall left), or interrupted */
		return ret < 0 || timeout == MAX_SCHEDULE_TIMEOUT ? ret :
		       timeout - stall + ret;
	rundown_report_stall(s->ref, s->what, s->held(s->ref), stall);
	return __rundown_sleep(s, state, timeout == MAX_SCHEDULE_TIMEOUT ?
			       MAX_SCHEDULE_TIMEOUT : timeout - stall);
}

/* The start of a wait, for the wait_end tracepoint (0 while it is off). */
static u64 rundown_wait_clock(void)
{
	return trace_wait_end_enabled() ? ktime_get_ns() : 0;
}

/* ---- lockdep --------------------------------------------------------------- */

#ifdef CONFIG_DEBUG_LOCK_ALLOC
/*
 * A wait, to lockdep, takes the rundown's map exclusively and drops it at
 * once, as a sleeping lock would: with an owned reference of the same
 * class held by this task (rundown_acquire_owned()) that is reported as
 * recursive locking, the wait that can never end; otherwise it records
 * the locks held while waiting, for the lock-order checks against the
 * locks taken under owned references. See the header for what lockdep
 * does not see (references that may be handed off).
 */
static void rundown_dep_wait(struct lockdep_map *map)
{
	lock_map_acquire(map);
	lock_map_release(map);
}

#define rundown_dep_map(ref)	(&(ref)->dep_map)
#else
static inline void rundown_dep_wait(void *map) { }
#define rundown_dep_map(ref)	NULL
#endif

/* ---- struct rundown_ref --------------------------------------------------- */

/* One machine word, like EX_RUNDOWN_REF; one cache line per CPU slot. */
#ifndef CONFIG_DEBUG_LOCK_ALLOC
static_assert(sizeof(struct rundown_ref) == sizeof(long));
#endif
#ifdef CONFIG_SMP
static_assert(sizeof(struct rundown_pcpu_slot) == SMP_CACHE_BYTES);
#endif

/**
 * __rundown_init - initialise a struct rundown_ref (use rundown_init())
 * @ref: the reference
 * @dead: born run down (acquires fail until rundown_reinit())
 * @name: lockdep name
 * @key: lockdep class key
 *
 * Context: any.
 */
void __rundown_init(struct rundown_ref *ref, bool dead, const char *name,
		    struct lock_class_key *key)
{
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	lockdep_init_map_wait(&ref->dep_map, name, key, 0, LD_WAIT_SLEEP);
#endif
	rundown_track_forget(ref);
	/* Pairs with the acquire cmpxchg in rundown_acquire_many(). */
	atomic_long_set_release(&ref->count, dead ? RUNDOWN_DYING : 0);
}
EXPORT_SYMBOL_GPL(__rundown_init);

/**
 * rundown_reinit - make a run-down reference live again, for a new object
 * @ref: the reference, run down by a wait that returned 0
 *
 * NT's ExReInitializeRundownProtection(). Acquires succeed again, and see
 * everything the caller did before this call. Reinitialising while
 * references are held, or before run-down, is reported and ignored.
 *
 * Context: any. Must not race with waits on @ref.
 */
void rundown_reinit(struct rundown_ref *ref)
{
	long old = RUNDOWN_DYING;

	rundown_track_forget(ref);
	/*
	 * Release ordering pairs with the acquire cmpxchg in
	 * rundown_acquire_many(): whoever acquires the new object sees it
	 * set up.
	 */
	if (WARN_ON_ONCE(!atomic_long_try_cmpxchg_release(&ref->count, &old, 0)))
		pr_err("%s(%p) while %s\n", __func__, ref,
		       old & RUNDOWN_DYING ? "references are held" : "live");
}
EXPORT_SYMBOL_GPL(rundown_reinit);

/**
 * rundown_completed - record that run-down of the old object is complete
 * @ref: the reference, run down by a wait that returned 0
 *
 * NT's ExRundownCompleted(). Acquires keep failing; rundown_reinit() may
 * follow. Calling it while references are held or before run-down is
 * reported.
 *
 * Context: any.
 */
void rundown_completed(struct rundown_ref *ref)
{
	WARN_ON_ONCE(atomic_long_read(&ref->count) != RUNDOWN_DYING);
}
EXPORT_SYMBOL_GPL(rundown_completed);

static bool rundown_drained(void *data)
{
	struct rundown_ref *ref = data;

	/*
	 * No reference left (or already reinitialised by the owner after
	 * another waiter returned). Acquire: pairs with the fully ordered
	 * subtraction in rundown_release_many(), so the holders' accesses
	 * happen before the waiter returns.
	 */
	return !(atomic_long_read_acquire(&ref->count) & ~RUNDOWN_DYING);
}

/* References still held, for a stalled-wait report. */
static long rundown_held(void *data)
{
	struct rundown_ref *ref = data;

	return (atomic_long_read(&ref->count) & ~RUNDOWN_DYING) / RUNDOWN_BIAS;
}

/* @what: the caller's name, for a stalled-wait report. */
static long __rundown_wait(struct rundown_ref *ref, unsigned int state,
			   long timeout, const char *what)
{
	struct rundown_sleeper s = {
		.var = &ref->count, .drained = rundown_drained,
		.held = rundown_held, .ref = ref, .what = what,
	};
	u64 start = rundown_wait_clock();
	long old = 0, ret;

	rundown_dep_wait(rundown_dep_map(ref));
	/* No holder: a single compare-and-swap runs it down (fully ordered). */
	if (atomic_long_try_cmpxchg(&ref->count, &old, RUNDOWN_DYING)) {
		ret = timeout ? timeout : 1;
	} else {
		/*
		 * Fully ordered: no acquire succeeds after this. Releases
		 * that bring the count to RUNDOWN_DYING see the flag and
		 * wake us.
		 */
		old = atomic_long_fetch_or(RUNDOWN_DYING, &ref->count);
		trace_wait_start(ref, false, (old & ~RUNDOWN_DYING) / RUNDOWN_BIAS);
		ret = rundown_sleep(&s, state, timeout);
	}
	trace_wait_end(ref, false, start ? ktime_get_ns() - start : 0,
		       (old & ~RUNDOWN_DYING) / RUNDOWN_BIAS, ret);
	return ret;
}

/**
 * rundown_wait - run down: fail new acquires, wait for every holder to leave
 * @ref: the reference
 *
 * NT's ExWaitForRundownProtectionRelease(). Returns at once when nothing
 * is held. From the start of the call, acquires fail until
 * rundown_reinit(); on return, every reference taken before has been
 * released and everything its holder did is visible. May be called again,
 * and by several tasks at once.
 *
 * Lifetime: on return the releasers may still be running the code after
 * their release, and other waits on @ref may still be reading it: see
 * <linux/rundown.h> before freeing @ref or unloading the releasing code.
 *
 * Context: process context, may sleep (uninterruptibly). The caller must
 * not hold a reference on @ref itself (lockdep reports it for references
 * taken with rundown_acquire_owned()).
 */
void rundown_wait(struct rundown_ref *ref)
{
	__rundown_wait(ref, TASK_UNINTERRUPTIBLE, MAX_SCHEDULE_TIMEOUT, __func__);
}
EXPORT_SYMBOL_GPL(rundown_wait);

/**
 * rundown_wait_killable - rundown_wait() that a fatal signal interrupts
 * @ref: the reference
 *
 * Context: process context, may sleep.
 * Return: 0 once run down, or -EINTR if a fatal signal arrived first. In
 * that case run-down stays in progress (acquires keep failing) and the
 * wait may be repeated.
 */
int rundown_wait_killable(struct rundown_ref *ref)
{
	long ret = __rundown_wait(ref, TASK_KILLABLE, MAX_SCHEDULE_TIMEOUT, __func__);

	return ret < 0 ? -EINTR : 0;
}
EXPORT_SYMBOL_GPL(rundown_wait_killable);

/**
 * rundown_wait_timeout - rundown_wait() for at most @timeout jiffies
 * @ref: the reference
 * @timeout: jiffies, or MAX_SCHEDULE_TIMEOUT
 *
 * Same convention as wait_event_timeout().
 *
 * Context: process context, may sleep (uninterruptibly).
 * Return: 0 if the timeout elapsed with references still held (run-down
 * stays in progress and may be waited again), otherwise the jiffies left,
 * at least 1.
 */
long rundown_wait_timeout(struct rundown_ref *ref, long timeout)
{
	return __rundown_wait(ref, TASK_UNINTERRUPTIBLE, timeout, __func__);
}
EXPORT_SYMBOL_GPL(rundown_wait_timeout);

/**
 * rundown_wait_killable_timeout - killable rundown_wait_timeout()
 * @ref: the reference
 * @timeout: jiffies, or MAX_SCHEDULE_TIMEOUT
 *
 * Context: process context, may sleep.
 * Return: the jiffies left (at least 1) once run down, 0 on timeout, or
 * -EINTR if a fatal signal arrived first. Run-down stays in progress
 * unless it completed.
 */
long rundown_wait_killable_timeout(struct rundown_ref *ref, long timeout)
{
	long ret = __rundown_wait(ref, TASK_KILLABLE, timeout, __func__);

	return ret < 0 ? -EINTR : ret;
}
EXPORT_SYMBOL_GPL(rundown_wait_killable_timeout);

/**
 * __rundown_release_slow - a release saw run-down in progress or misuse
 * @ref: the reference
 * @count: the count the release left
 * @n: the references it released
 *
 * Called by rundown_release_many() only, when @count is RUNDOWN_DYING (the
 * last holder left during run-down) or negative (more released than held).
 *
 * Context: any.
 */
void __rundown_release_slow(struct rundown_ref *ref, long count,
			    unsigned long n)
{
	long sub = (long)n * RUNDOWN_BIAS;

	if (count < 0) {
		/*
		 * Negative already before this release (it found count + sub):
		 * another release went too far and is being undone. That
		 * undo's addition counts this release in and decides the
		 * wake-up; this one has nothing to do.
		 */
		if (count + sub < 0)
			return;
		/*
		 * This release took the count below zero: it released more
		 * than was held. Undo it with one atomic addition, fully
		 * ordered like the subtraction. Until then the count stays
		 * negative, as acquires fail on a negative count (see
		 * rundown_acquire_many()) and releases only lower it: every
		 * release landing meanwhile is of a reference really held and
		 * found the count negative (the branch above), and no other
		 * undo can start. So the sum is exact again after the
		 * addition, and its result decides the wake-up: a wait that
		 * began meanwhile sleeps until the count reads RUNDOWN_DYING,
		 * which only this addition can make it.
		 */
		WARN_ON_ONCE(1);
		pr_err_ratelimited("rundown_release(%p): %lu reference(s) released, more than were held; undone\n",
				   ref, n);
		count = atomic_long_add_return(sub, &ref->count);
		if (unlikely(count < 0)) {
			/*
			 * Still negative: a release that landed meanwhile went
			 * too far as well, and nothing can tell by how much.
			 * Leave it: acquires keep failing and waits do not
			 * return, rather than return while one may be held.
			 */
			WARN_ON_ONCE(1);
			pr_err_ratelimited("rundown_release(%p): another release went too far at the same time; count left at %ld, acquires fail and waits do not return\n",
					   ref, count);
			return;
		}
	}
	if (count == RUNDOWN_DYING) {
		/*
		 * Last holder gone during run-down. The subtraction (or the
		 * undo's addition) was fully ordered before this wake-up's
		 * wait-queue check (pairs with prepare_to_wait_event() in the
		 * waiter). A waiter may already have seen the count and freed
		 * @ref: wake_up_var() only uses the address as a key into the
		 * hashed wait queues.
		 */
		wake_up_var(&ref->count);
	}
}
EXPORT_SYMBOL_GPL(__rundown_release_slow);

/* ---- struct rundown_pcpu -------------------------------------------------- */

/*
 * The protocol is described in <linux/rundown.h>, before struct
 * rundown_pcpu; the ordering pairs [A], [B] and [C] are named there. The
 * Promela model selftests/model/rundown-pcpu.pml checks it.
 */

/* The counters' sum, modulo 2^BITS_PER_LONG: the net references they hold. */
static long rundown_pcpu_sum(struct rundown_pcpu *ref)
{
	unsigned long sum = 0;
	int cpu;

	if (test_bit(RUNDOWN_PCPU_PERCPU, &ref->state)) {
		for_each_possible_cpu(cpu)
			sum += READ_ONCE(*per_cpu_ptr(ref->counts, cpu));
	} else {
		for_each_possible_cpu(cpu)
			sum += local_read(&ref->slots[cpu].count);
	}
	return (long)sum;
}

/*
 * Make @ref live (or born run down when @dead). Nobody may use @ref
 * meanwhile; the counters are frozen (never used, or run down).
 */
static void rundown_pcpu_reset(struct rundown_pcpu *ref, bool dead)
{
	unsigned long state = ref->state & BIT(RUNDOWN_PCPU_PERCPU);
	int cpu;

	for_each_possible_cpu(cpu) {
		if (state)
			WRITE_ONCE(*per_cpu_ptr(ref->counts, cpu), 0);
		else
			local_set(&ref->slots[cpu].count, 0);
	}
	rundown_track_forget(ref);
	atomic_long_set(&ref->central, dead ? 0 : RUNDOWN_PCPU_BIAS);
	if (dead)
		state |= BIT(RUNDOWN_PCPU_DYING);
	/*
	 * [B] Release: pairs with the acquire load of @state in
	 * rundown_pcpu_acquire_many(). Whoever acquires sees the zeroed
	 * counters, the bias and everything the owner set up before.
	 */
	smp_store_release(&ref->state, state);
}

static void rundown_pcpu_dep_init(struct rundown_pcpu *ref, const char *name,
				  struct lock_class_key *key)
{
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	lockdep_init_map_wait(&ref->dep_map, name, key, 0, LD_WAIT_SLEEP);
#endif
}

/**
 * rundown_pcpu_size - bytes a caller's buffer needs for rundown_pcpu_init_buffer()
 *
 * NT's ExSizeOfRundownProtectionCacheAware(): the handle, then one cache
 * line per possible CPU, with room to align the counters to a cache line.
 *
 * Context: any.
 * Return: the size in bytes.
 */
size_t rundown_pcpu_size(void)
{
	return sizeof(struct rundown_pcpu) + SMP_CACHE_BYTES - 1 +
	       nr_cpu_ids * sizeof(struct rundown_pcpu_slot);
}
EXPORT_SYMBOL_GPL(rundown_pcpu_size);

/**
 * __rundown_pcpu_init - allocate the counters (use rundown_pcpu_init())
 * @ref: the handle
 * @gfp: allocation flags
 * @dead: born run down (acquires fail until rundown_pcpu_reinit())
 * @name: lockdep name
 * @key: lockdep class key
 *
 * The counters come from alloc_percpu_gfp(): each CPU's on its own node,
 * next to that CPU's other per-CPU data.
 *
 * Context: may sleep if @gfp allows.
 * Return: 0 or -ENOMEM.
 */
int __rundown_pcpu_init(struct rundown_pcpu *ref, gfp_t gfp, bool dead,
			const char *name, struct lock_class_key *key)
{
	ref->counts = alloc_percpu_gfp(unsigned long, gfp);
	if (!ref->counts)
		return -ENOMEM;
	ref->state = BIT(RUNDOWN_PCPU_PERCPU);
	rundown_pcpu_dep_init(ref, name, key);
	rundown_pcpu_reset(ref, dead);
	return 0;
}
EXPORT_SYMBOL_GPL(__rundown_pcpu_init);

/**
 * __rundown_pcpu_init_buffer - initialise in place (use rundown_pcpu_init_buffer())
 * @ref: a buffer of at least rundown_pcpu_size() bytes
 * @size: its size
 * @name: lockdep name
 * @key: lockdep class key
 *
 * Context: any.
 */
void __rundown_pcpu_init_buffer(struct rundown_pcpu *ref, size_t size,
				const char *name, struct lock_class_key *key)
{
	if (WARN_ON_ONCE(size < rundown_pcpu_size())) {
		/* Leave a handle that fails acquires and that exit() ignores. */
		if (size >= sizeof(*ref)) {
			ref->slots = NULL;
			ref->state = BIT(RUNDOWN_PCPU_DYING);
			atomic_long_set(&ref->central, 0);
		}
		return;
	}
	ref->slots = PTR_ALIGN((void *)(ref + 1), SMP_CACHE_BYTES);
	ref->state = 0;
	rundown_pcpu_dep_init(ref, name, key);
	rundown_pcpu_reset(ref, false);
}
EXPORT_SYMBOL_GPL(__rundown_pcpu_init_buffer);

static bool rundown_pcpu_drained(void *data)
{
	struct rundown_pcpu *ref = data;

	/*
	 * [A] Acquire: pairs with the fully ordered hand-over in
	 * rundown_pcpu_hand_over() and subtractions in
	 * __rundown_pcpu_release_slow(). @central reads zero only after the
	 * hand-over (the bias keeps it above zero until then), so a second
	 * waiter cannot return early.
	 */
	return !atomic_long_read_acquire(&ref->central);
}

static void rundown_pcpu_over_released(struct rundown_pcpu *ref, long left,
				       const char *when)
{
	pr_err_ratelimited("rundown_pcpu_release(%p): %ld reference(s) more released than acquired (%s)\n",
			   ref, -left, when);
	WARN_ON_ONCE(1);
}

/* Whether @central still carries the bias: the hand-over has not happened. */
static bool rundown_pcpu_biased(long central)
{
	return central > RUNDOWN_PCPU_BIAS / 2;
}

/*
 * The sweep and the hand-over, after a fence that began once the flag was
 * set: no section updates a counter any more ([C]), so one pass reads them
 * all. Done exactly once per run-down, by whoever comes first: the bias
 * tells whether it happened (the references held stay below half of it,
 * see RUNDOWN_PCPU_MAX_REFS), and the compare-and-swap that drops it
 * lets only one caller do so.
 *
 * A negative result means that releases without an acquire landed in the
 * counters while the reference was live: the modular sum cannot tell how
 * many references are really still held, so @central stays negative and
 * the waits never return, rather than return while one may still be held.
 * The misuse is reported; the object must be considered leaked.
 */
static long rundown_pcpu_hand_over(struct rundown_pcpu *ref)
{
	long old = atomic_long_read(&ref->central);
	long sum, left;

	if (!rundown_pcpu_biased(old))
		return -1;
	sum = rundown_pcpu_sum(ref);
	/*
	 * [A] Fully ordered: the counters were read after the fence, and the
	 * exchange is ordered before the acquire loads that see @central
	 * reach zero (pairs with rundown_pcpu_drained()) and before the
	 * wait-queue check in wake_up_var(). Releases subtracting meanwhile
	 * make it retry.
	 */
	do {
		if (!rundown_pcpu_biased(old))
			return -1;	/* another waiter handed over first */
		left = old + sum - RUNDOWN_PCPU_BIAS;
	} while (!atomic_long_try_cmpxchg(&ref->central, &old, left));
	trace_fold(ref, sum, left);
	if (!left)
		wake_up_var(&ref->central);
	else if (unlikely(left < 0))
		rundown_pcpu_over_released(ref, left, "found by the sweep");
	return left;
}

/**
 * __rundown_pcpu_release_slow - a release saw run-down in progress
 * @ref: the cache-aware reference
 * @n: the references it released
 *
 * Called by rundown_pcpu_release_many() only. The references are counted
 * in @ref->central, or will be by the hand-over (their acquire is in a
 * counter), so @ref is alive until the subtraction below; after it, only
 * the address of @ref->central is used, as the wake-up key.
 *
 * Context: any.
 */
void __rundown_pcpu_release_slow(struct rundown_pcpu *ref, unsigned long n)
{
	/*
	 * [A] Fully ordered: the holder's accesses happen before the
	 * subtraction (pairs with the acquire load in
	 * rundown_pcpu_drained()), and it is ordered before the wait-queue
	 * check in wake_up_var() (pairs with prepare_to_wait_event()).
	 * Before the hand-over the bias keeps @central above zero.
	 */
	long left = atomic_long_sub_return((long)n, &ref->central);

	if (!left) {
		wake_up_var(&ref->central);
	} else if (unlikely(left < 0)) {
		/*
		 * Below zero, @central is past the hand-over and exact: this
		 * release took more than was held. Undo it, as the plain
		 * variant does, so that the count stays true.
		 */
		rundown_pcpu_over_released(ref, left, "undone");
		atomic_long_add((long)n, &ref->central);
	}
}
EXPORT_SYMBOL_GPL(__rundown_pcpu_release_slow);

/*
 * Set the flag ([C]: test_and_set_bit() is fully ordered). True for the
 * first waiter since init or reinit, which owes the fence and the sweep.
 */
static bool rundown_pcpu_start(struct rundown_pcpu *ref)
{
	rundown_dep_wait(rundown_dep_map(ref));
	return !test_and_set_bit(RUNDOWN_PCPU_DYING, &ref->state);
}

/*
 * The fence. Every preemption-disabled section has either ended, its
 * counter update visible to us, or sees the flag ([C]). It is not
 * interruptible: a killable or timed wait honours its signal or timeout
 * once the fence has passed. It lasts one expedited grace period, which
 * also waits for tasks preempted inside rcu_read_lock() on PREEMPT_RCU
 * kernels, and is a normal grace period on PREEMPT_RT.
 */
static void rundown_pcpu_fence(void)
{
	synchronize_rcu_expedited();
}

/* References still held, for a stalled-wait report: -1 before the hand-over. */
static long rundown_pcpu_held(void *data)
{
	struct rundown_pcpu *ref = data;
	long central = atomic_long_read(&ref->central);

	return rundown_pcpu_biased(central) ? -1 : central;
}

static struct rundown_sleeper rundown_pcpu_sleeper(struct rundown_pcpu *ref,
						   const char *what)
{
	return (struct rundown_sleeper){
		.var = &ref->central, .drained = rundown_pcpu_drained,
		.held = rundown_pcpu_held, .ref = ref, .what = what,
	};
}

/* @what: the caller's name, for a stalled-wait report. */
static long __rundown_pcpu_wait(struct rundown_pcpu *ref, unsigned int state,
				long timeout, const char *what)
{
	struct rundown_sleeper s = rundown_pcpu_sleeper(ref, what);
	u64 start = rundown_wait_clock();
	long found = -1, ret;

	trace_wait_start(ref, true, -1);
	if (rundown_pcpu_start(ref)) {
		rundown_pcpu_fence();
		found = rundown_pcpu_hand_over(ref);
	}
	ret = rundown_sleep(&s, state, timeout);
	trace_wait_end(ref, true, start ? ktime_get_ns() - start : 0, found, ret);
	return ret;
}

/**
 * rundown_pcpu_wait - run down a cache-aware reference
 * @ref: the cache-aware reference
 *
 * NT's ExWaitForRundownProtectionReleaseCacheAware(); see rundown_wait().
 * The first waiter pays one expedited RCU grace period, then reads every
 * possible CPU's counter once; later waiters only wait. With several
 * concurrent waiters, the object may be freed only once every one of
 * them has returned. If releases without an acquire were made while the
 * reference was live, the first waiter reports it and no wait returns.
 *
 * Context: process context, may sleep (uninterruptibly). Not from an RCU
 * read-side critical section, nor with preemption disabled.
 */
void rundown_pcpu_wait(struct rundown_pcpu *ref)
{
	__rundown_pcpu_wait(ref, TASK_UNINTERRUPTIBLE, MAX_SCHEDULE_TIMEOUT, __func__);
}
EXPORT_SYMBOL_GPL(rundown_pcpu_wait);

/**
 * rundown_pcpu_wait_killable - rundown_pcpu_wait() that a fatal signal interrupts
 * @ref: the cache-aware reference
 *
 * The fence is not interrupted (one grace period, see rundown_pcpu_wait());
 * the sleep after it is.
 *
 * Context: process context, may sleep.
 * Return: 0 once run down, or -EINTR (run-down stays in progress).
 */
int rundown_pcpu_wait_killable(struct rundown_pcpu *ref)
{
	long ret = __rundown_pcpu_wait(ref, TASK_KILLABLE, MAX_SCHEDULE_TIMEOUT, __func__);

	return ret < 0 ? -EINTR : 0;
}
EXPORT_SYMBOL_GPL(rundown_pcpu_wait_killable);

/**
 * rundown_pcpu_wait_timeout - rundown_pcpu_wait() for at most @timeout jiffies
 * @ref: the cache-aware reference
 * @timeout: jiffies, or MAX_SCHEDULE_TIMEOUT
 *
 * The timeout bounds the sleep after the fence.
 *
 * Context: process context, may sleep (uninterruptibly).
 * Return: as rundown_wait_timeout().
 */
long rundown_pcpu_wait_timeout(struct rundown_pcpu *ref, long timeout)
{
	return __rundown_pcpu_wait(ref, TASK_UNINTERRUPTIBLE, timeout, __func__);
}
EXPORT_SYMBOL_GPL(rundown_pcpu_wait_timeout);

/**
 * rundown_pcpu_wait_killable_timeout - killable rundown_pcpu_wait_timeout()
 * @ref: the cache-aware reference
 * @timeout: jiffies, or MAX_SCHEDULE_TIMEOUT
 *
 * Context: process context, may sleep.
 * Return: as rundown_wait_killable_timeout().
 */
long rundown_pcpu_wait_killable_timeout(struct rundown_pcpu *ref, long timeout)
{
	long ret = __rundown_pcpu_wait(ref, TASK_KILLABLE, timeout, __func__);

	return ret < 0 ? -EINTR : ret;
}
EXPORT_SYMBOL_GPL(rundown_pcpu_wait_killable_timeout);

/**
 * rundown_pcpu_wait_many - run down several cache-aware references at once
 * @refs: the references
 * @n: how many
 *
 * rundown_pcpu_wait() on each of @refs, paying one fence for all of them:
 * for owners that tear down many objects at once (module unload, say).
 * Acquires on every one of them fail from the start of the call; on
 * return, every one is run down. A reference already being run down by
 * another waiter is only waited for.
 *
 * Context: process context, may sleep (uninterruptibly).
 */
void rundown_pcpu_wait_many(struct rundown_pcpu *const *refs, unsigned int n)
{
	unsigned int i;
	bool fence = false;

	for (i = 0; i < n; i++)
		fence |= rundown_pcpu_start(refs[i]);
	/*
	 * One fence, begun once every flag was seen set, then the sweep of
	 * every reference still owed one, including those whose flag another
	 * waiter set (still inside its own fence, say): our grace period
	 * began after that flag too, so it covers them ([C]). The hand-over
	 * happens once whoever does it (rundown_pcpu_hand_over()). Without a
	 * flag of our own, the waiters that set them owe the sweeps.
	 */
	if (fence) {
		rundown_pcpu_fence();
		for (i = 0; i < n; i++)
			rundown_pcpu_hand_over(refs[i]);
	}
	for (i = 0; i < n; i++) {
		struct rundown_sleeper s =
			rundown_pcpu_sleeper(refs[i], "rundown_pcpu_wait_many");

		rundown_sleep(&s, TASK_UNINTERRUPTIBLE, MAX_SCHEDULE_TIMEOUT);
	}
}
EXPORT_SYMBOL_GPL(rundown_pcpu_wait_many);

/**
 * rundown_pcpu_is_active - whether acquires currently succeed (racy)
 * @ref: the cache-aware reference
 *
 * Reports what acquires see: false from the moment a wait sets the flag
 * (acquires racing that moment may still succeed until the wait's fence),
 * until rundown_pcpu_reinit().
 *
 * Context: any.
 * Return: true while no wait has started since init or reinit.
 */
bool rundown_pcpu_is_active(struct rundown_pcpu *ref)
{
	return !(READ_ONCE(ref->state) & BIT(RUNDOWN_PCPU_DYING));
}
EXPORT_SYMBOL_GPL(rundown_pcpu_is_active);

/**
 * rundown_pcpu_is_drained - whether run-down of a cache-aware reference finished
 * @ref: the cache-aware reference
 *
 * As rundown_is_drained(): true once a wait has begun and every reference
 * has been released, until rundown_pcpu_reinit().
 *
 * Context: any.
 * Return: true if @ref is run down with no reference held; the holders'
 * accesses then happen before the caller's later ones.
 */
bool rundown_pcpu_is_drained(struct rundown_pcpu *ref)
{
	return rundown_pcpu_drained(ref);
}
EXPORT_SYMBOL_GPL(rundown_pcpu_is_drained);

static bool rundown_pcpu_check_down(struct rundown_pcpu *ref, const char *what)
{
	if (!WARN_ON_ONCE(!rundown_pcpu_drained(ref)))
		return true;
	pr_err("%s(%p) while %s\n", what, ref,
	       rundown_pcpu_is_active(ref) ? "live" : "references are held");
	return false;
}

/**
 * rundown_pcpu_completed - record that run-down is complete
 * @ref: the cache-aware reference, run down by a wait that returned 0
 *
 * NT's ExRundownCompletedCacheAware(). Misuse is reported.
 *
 * Context: any.
 */
void rundown_pcpu_completed(struct rundown_pcpu *ref)
{
	if (rundown_pcpu_check_down(ref, "rundown_pcpu_completed"))
		set_bit(RUNDOWN_PCPU_COMPLETED, &ref->state);
}
EXPORT_SYMBOL_GPL(rundown_pcpu_completed);

/**
 * rundown_pcpu_reinit - make a run-down cache-aware reference live again
 * @ref: the cache-aware reference, run down by a wait that returned 0
 *
 * NT's ExReInitializeRundownProtectionCacheAware(). Acquires succeed again
 * and see everything the caller did before. Misuse (references held, or
 * not run down) is reported and ignored.
 *
 * Context: any. Must not race with waits on @ref: every wait must have
 * returned.
 */
void rundown_pcpu_reinit(struct rundown_pcpu *ref)
{
	if (rundown_pcpu_check_down(ref, "rundown_pcpu_reinit"))
		rundown_pcpu_reset(ref, false);
}
EXPORT_SYMBOL_GPL(rundown_pcpu_reinit);

/**
 * rundown_pcpu_exit - free what rundown_pcpu_init() allocated
 * @ref: the cache-aware reference, run down or never used
 *
 * Freeing while references may be held is reported. Frees nothing for
 * rundown_pcpu_init_buffer(); the caller owns that buffer. Stops the
 * tracking rundown_pcpu_track() started.
 *
 * Context: any; process context if @ref was tracked with
 * rundown_pcpu_track().
 */
void rundown_pcpu_exit(struct rundown_pcpu *ref)
{
	long held;

	if (!ref->slots)
		return;
	if (!rundown_pcpu_is_active(ref)) {
		rundown_pcpu_check_down(ref, "rundown_pcpu_exit");
	} else {
		held = rundown_pcpu_sum(ref);
		if (WARN_ON_ONCE(held))
			pr_err("%s(%p) with %ld reference(s) held\n",
			       __func__, ref, held);
	}
	rundown_track_exit(ref);
	rundown_track_forget(ref);
	if (test_bit(RUNDOWN_PCPU_PERCPU, &ref->state))
		free_percpu(ref->counts);
	ref->slots = NULL;
}
EXPORT_SYMBOL_GPL(rundown_pcpu_exit);

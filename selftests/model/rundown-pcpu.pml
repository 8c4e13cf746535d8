/*
 * SPDX-License-Identifier: GPL-2.0
 *
 * rundown-pcpu.pml: the kernel's cache-aware run-down protocol
 * (struct rundown_pcpu, kmod/include/linux/rundown.h and kmod/rundown.c).
 *
 * The protocol, in the header's words: acquire and release run in a
 * section with preemption disabled; inside it they load the flag and,
 * while it is clear, add to or subtract from the counter of the CPU they
 * run on. The first waiter sets the flag, waits for the fence (an
 * expedited RCU grace period), sums every CPU's counter once and hands
 * the sum over to the central count, which carried a bias until then.
 * Releases that see the flag subtract from the central count. A wait
 * returns when the central count reads zero.
 *
 * What is modelled: NCPU CPUs; NREADERS tasks (one does ITER acquires, the
 * other one, to keep the search to seconds) that acquire, may migrate
 * to another CPU, and release there or hand their reference to an
 * interrupt that releases it on the CPU it interrupts (nesting inside a
 * task's section on that CPU); the owner, who waits, reinitialises, and
 * waits again; a second waiter that runs down the first generation
 * concurrently with the owner (either may set the flag first), either as
 * a single wait or as a rundown_pcpu_wait_many() that also sweeps this
 * reference when the owner set its flag.
 *
 * Memory model: sequentially consistent. Weak memory is abstracted by the
 * guarantee the fence gives on every architecture, and the protocol uses
 * no other: a section that began before the fence ends, its accesses
 * visible, before the fence returns; a section that begins after the
 * fence began sees the flag. The fence below waits, for each CPU, until
 * that CPU is seen outside any section, which is what the grace period
 * does. The per-CPU add is one step (this_cpu_add(), local_add()).
 *
 * Not modelled (argued in the code, or tested in the VM instead): the
 * wake-ups themselves (a wait is a guarded step on the central count:
 * wait_var_event() and the fully ordered subtraction before wake_up_var()
 * provide it), weak memory beyond the fence's guarantee, killable and timed
 * waits, over-release, and counts near the bias.
 * Two tasks and the IRQ may interleave on one CPU in ways a real CPU
 * would not: an over-approximation, harmless for these properties.
 *
 * Properties, as assertions and end states:
 *  - no wait returns while a holder is inside (held == 0 when it returns);
 *  - no wait sleeps forever once the holders are gone (spin reports a
 *    waiter blocked at the end as an invalid end state);
 *  - no acquire that starts after the fence of its generation succeeds
 *    (and so none after a wait returned, until reinit).
 *
 * Planted bugs, each of which spin must catch (run-models.sh):
 */
// cc: -DSAFETY -DCOLLAPSE
// plant: PLANT_NO_DEFER      the fence does not wait for open sections (a bare on_each_cpu())
// plant: PLANT_CHECK_OUTSIDE the flag is loaded before the section opens
// plant: PLANT_INC_FIRST     increment, then check the flag, undoing through release on failure
// plant: PLANT_CACHED_FLAG   a task keeps the flag it loaded at its first acquire (stale after the fence)
// plant: PLANT_SPLIT_ADD     the per-CPU add as load + store (__this_cpu_add): an IRQ splits it
// plant: PLANT_NO_BIAS       the central count starts at zero: a second waiter reads 0 early
// plant: PLANT_MANY_NO_FENCE wait_many() sweeps a reference another waiter flagged, without a fence of its own

#define NCPU		2
#define NREADERS	2
#define ITER		2
#define BIAS		64	/* above any count the model reaches */

bit dying;			/* the flag */
short cnt[NCPU];		/* per-CPU counters (modular in C; exact here) */
#ifdef PLANT_NO_BIAS
#define LIVE_CENTRAL	0
#else
#define LIVE_CENTRAL	BIAS
#endif
short central = LIVE_CENTRAL;
byte nest[NCPU];		/* sections open on each CPU (task and IRQ) */

/* Ghost state, for the properties. */
byte held;			/* references held right now */
byte gen;			/* generation: bumped by reinit */
bit fenced;			/* the first waiter's fence passed, this generation */
bit w2done;			/* the second waiter returned */
byte handoff = 255;		/* CPU the IRQ must release a reference on, or 255 */
byte readers_done;

/*
 * Steps that touch only local state, or that the real code performs with
 * nothing in between that another CPU could observe (opening a section and
 * loading the flag; the per-CPU add and closing the section), are merged
 * into one atomic step; everything another CPU can interleave with stays
 * a step of its own.
 */

/* The per-CPU add of @v on CPU @c in an open section, then close it. */
inline counter_add_close(cpu, v)
{
#ifdef PLANT_SPLIT_ADD
	t = cnt[cpu];		/* __this_cpu_add(): an IRQ may come in here */
	atomic { cnt[cpu] = t + v; held = held + v; nest[cpu]-- }
#else
	atomic { cnt[cpu] = cnt[cpu] + v; held = held + v; nest[cpu]-- }
#endif
}

/* rundown_pcpu_release() on CPU @c. */
inline release(rcpu)
{
	atomic { nest[rcpu]++; f = dying };
	if
	:: !f -> counter_add_close(rcpu, -1)
	:: else ->
		nest[rcpu]--;				/* preempt_enable() */
		atomic { central--; held-- }		/* then the slow path */
	fi
}

/* rundown_pcpu_acquire() on CPU @c; sets @ok. */
inline acquire(acpu, ok)
{
#ifdef PLANT_INC_FIRST
	atomic { g = gen; after = fenced; cnt[acpu]++; held++ };	/* this_cpu_inc() */
	atomic { nest[acpu]++; f = dying; nest[acpu]-- };
	if
	:: f -> release(acpu); ok = false
	:: else -> ok = true
	fi;
#else
	/* Whether the fence of this generation had passed when we began. */
	atomic { g = gen; after = fenced };
#ifdef PLANT_CHECK_OUTSIDE
	f = dying;
	nest[acpu]++;
#elif defined(PLANT_CACHED_FLAG)
	nest[acpu]++;
	if
	:: !loaded -> f = dying; loaded = 1
	:: else -> skip		/* the flag of the first acquire, kept */
	fi;
#else
	atomic { nest[acpu]++; f = dying };
#endif
	if
	:: f -> atomic { nest[acpu]--; ok = false }
	:: else -> counter_add_close(acpu, 1); ok = true
	fi;
#endif
	/* An acquire that began after its generation's fence must fail. */
	assert(!(ok && after && g == gen))
}

/* The fence: every CPU seen outside its sections at least once. */
inline fence()
{
#ifdef PLANT_NO_DEFER
	skip
#else
	i = 0;
	do
	:: i < NCPU -> (nest[i] == 0); i++
	:: else -> break
	od
#endif
}

/*
 * The sweep and the hand-over: one pass over the counters, then the
 * compare-and-swap that only a biased count lets through (exactly once,
 * whoever comes first).
 */
inline hand_over()
{
	i = 0;
	sum = 0;
	do
	:: i < NCPU -> sum = sum + cnt[i]; i++
	:: else -> break
	od;
	atomic {
		if
		:: central > LIVE_CENTRAL / 2 -> central = central + sum - LIVE_CENTRAL
		:: else -> skip		/* another waiter handed over first */
		fi
	}
}

/*
 * rundown_pcpu_wait(), or with @many rundown_pcpu_wait_many() on this
 * reference and others: when it set another reference's flag, it fences
 * and then sweeps every reference still biased, this one included, even
 * though another waiter set this one's flag.
 */
inline wait(many)
{
	atomic { first = !dying; dying = 1 };	/* test_and_set_bit() */
	if
	:: first ->
		fence();
		fenced = 1;
		hand_over()
	:: !first && many ->
#ifndef PLANT_MANY_NO_FENCE
		fence();
		fenced = 1;
#endif
		hand_over()
	:: !first -> skip
	fi;
	/* Sleep until drained (the wake-up itself is the kernel's wait_var_event()). */
	atomic { central == 0 -> assert(held == 0) }
}

proctype reader(byte iters)
{
	byte c, g, n = 0;
	bit ok, f, after, loaded;
	short t;

	do
	:: n < iters ->
		/* Tasks migrate between their operations. */
		if
		:: c = 0
		:: c = 1
		fi;
		acquire(c, ok);
		if
		:: ok ->
			if
			:: release(c)				/* here */
			:: c = 1 - c; release(c)		/* after a migration */
			:: atomic { handoff == 255 -> handoff = c }	/* to an IRQ on c */
			fi
		:: else -> skip
		fi;
		n++
	:: else -> break
	od;
	readers_done++
}

/* An interrupt on CPU @handoff releasing the reference a task gave it. */
proctype irq()
{
	byte c;
	bit f;
	short t;

	if
	:: handoff != 255 -> c = handoff; release(c)
	:: readers_done == NREADERS && handoff == 255 -> skip
	fi
}

proctype second_waiter()
{
	byte i;
	bit first;
	short sum;

	wait(1);
	w2done = 1
}

proctype owner()
{
	byte i;
	bit first;
	short sum;

	wait(0);
	/* Reinit may not race a wait: let the second waiter return first. */
	w2done;
	atomic {
		cnt[0] = 0; cnt[1] = 0;
		central = LIVE_CENTRAL;
		fenced = 0;
		gen++;
		dying = 0		/* the release store of @state */
	};
	wait(0)
}

init
{
	atomic {
		run reader(ITER);
		run reader(1);
		run irq();
		run second_waiter();
		run owner()
	}
}

/*
 * librundown's cache-aware variant, "rseq" protocol (userspace/src/pcpu.cpp,
 * userspace/include/rundown/detail/rseq.hpp), checked with spin.
 *
 * Two CPUs; two holder threads that acquire and release once each, and are
 * interrupted (preempted, signalled: the section aborts) and migrated to the
 * other CPU at any point, inside a critical section or between them; two
 * waiters that run the object down at once (the one whose flag CAS won
 * fences and sweeps); the first reinitialises it as soon as its own wait
 * returned, while the second may still be asleep (it must return: the
 * generation moved on), and runs it down again. Memory is sequentially consistent here: the model checks
 * the protocol's logic (flag, abort, fence, sweep, central count, wake), not
 * the hardware ordering, which the membarrier's barriers and the acquire
 * load of the flag carry (see the sources).
 *
 * Checked:
 *  - no wait returns while a holder is inside (assertion at the return);
 *  - no acquire commits after a wait returned and before the reinit
 *    (assertion at the commit);
 *  - the count never goes negative (the library would abort: misuse);
 *  - no wait sleeps forever once the holders are gone, and every process
 *    ends (spin's invalid end states).
 *
 * Planted bugs, each must be caught:
 */
// plant: PLANT_ANY_WAITER_SWEEPS
//   any waiter that sees the count unswept fences, sweeps and hands over
//   with a CAS from that value: after a reinit the next run-down's count
//   can read the same, and a stale sum is handed over.
// plant: PLANT_NO_LATE_SLEEPERS
//   the flag does not inherit "sleepers" from a run-down that had some: a
//   late waiter that read the futex word before the reinit can find the
//   same value in the next run-down, sleep, and never be woken.
// cc: -DSAFETY -DCOLLAPSE
// pan: -m1000000
// plant: PLANT_FENCE_NO_ABORT
//   membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED): a barrier that does not
//   abort the sections in flight.
// plant: PLANT_FLAG_OUTSIDE
//   the flag read before the section is armed.
// plant: PLANT_REARM_AT_START
//   the abort handler jumps back to the start_ip: the retry runs unarmed.

#define NCPU	2
#define NHOLD	2
#define NWAIT	2
#define BUDGET	2	/* interruptions (aborts, migrations) in all */
#define BIAS	8

/* rundown_pcpu::count, as its fields. live: !dying. */
bool dying, sleepers, unswept;
short cnt;			/* bits 0-60 */
short slot[NCPU];	/* a slot's acquires minus its releases (two words in
			 * the library: one add each, never both) */
/* The futex word, the low half of count: cnt here (the model's counts
 * are small). */
#define LOW	cnt
#define DRAINED	(dying && !unswept && cnt == 0)

byte cpu[NHOLD];
bool armed[NHOLD];		/* rseq_cs set and the ip in [start, post_commit) */
bool abort_pending[NHOLD];	/* the kernel moved the ip to the abort handler */
bool asleep[NWAIT];
byte gen;			/* rundown_pcpu::gen, bumped by reinit */
bool late;			/* its top bit: the finished run-down had sleepers */
byte inside;			/* holders between a successful acquire and its release */
bool returned;			/* a wait returned, no reinit since */
byte budget = BUDGET;
byte done_waiting;

/*
 * Every step of a holder runs on its CPU, so two threads on one CPU never
 * interleave inside a section: a holder may run on the CPU where the other
 * one's section is armed only by preempting it, which aborts that section
 * and uses up one interruption of the budget; otherwise it waits until the
 * section ends. CAN_RUN guards each step, take_cpu() follows.
 */
#define OTHER		(1 - id)
#define CONFLICT	(armed[OTHER] && cpu[OTHER] == cpu[id])
#define CAN_RUN		(!CONFLICT || budget > 0)
inline take_cpu()
{
	if
	:: CONFLICT ->
		budget--;
		abort_pending[OTHER] = 1;
		armed[OTHER] = 0
	:: else -> skip
	fi
}

inline wake()
{
	atomic { asleep[0] = 0; asleep[1] = 0 }
}

/*
 * rseq_slot_add(delta): slot[cpu] += delta unless the flag is set; flagged
 * is set when it was. Every step inside the section first checks whether
 * the kernel aborted it (the interrupter or the fence): the kernel moves
 * the ip to the abort handler, which re-arms and restarts (stage 0). The
 * add is a load and a store (aarch64: ldr, add, str; x86's addq is no more
 * atomic against another CPU).
 */
inline rseq_add(delta, flagged)
{
	stage = 0;
	fresh = 1;
#ifdef PLANT_FLAG_OUTSIDE
	/* read once, before the section: a restart does not read it again */
	atomic { CAN_RUN -> take_cpu(); f = dying };
#endif
	do
	:: stage == 0 ->
		atomic {
			CAN_RUN -> take_cpu();
			if
			:: delta < 0 && fresh -> inside--	/* the holder leaves */
			:: else -> skip
			fi;
			abort_pending[id] = 0;
#ifdef PLANT_REARM_AT_START
			if
			:: fresh -> armed[id] = 1
			:: else -> skip
			fi;
#else
			armed[id] = 1;
#endif
			fresh = 0;
			stage = 1
		}
	:: stage == 1 ->
		atomic {
			CAN_RUN -> take_cpu();
			if
			:: abort_pending[id] -> stage = 0
			:: else -> mycpu = cpu[id]; stage = 2
			fi
		}
	:: stage == 2 ->
		atomic {
			CAN_RUN -> take_cpu();
			if
			:: abort_pending[id] -> stage = 0
			:: else ->
#ifndef PLANT_FLAG_OUTSIDE
				f = dying;
#endif
				if
				:: f -> armed[id] = 0; flagged = 1; stage = 5
				:: else -> stage = 3
				fi
			fi
		}
	:: stage == 3 ->
		atomic {
			CAN_RUN -> take_cpu();
			if
			:: abort_pending[id] -> stage = 0
			:: else -> v = slot[mycpu]; stage = 4
			fi
		}
	:: stage == 4 ->
		atomic {
			CAN_RUN -> take_cpu();
			if
			:: abort_pending[id] -> stage = 0
			:: else ->
				/* the commit */
				slot[mycpu] = v + delta;
				if
				:: delta > 0 ->
					assert(!returned);	/* after a wait returned */
					inside++
				:: else -> skip
				fi;
				armed[id] = 0;
				flagged = 0;
				stage = 5
			fi
		}
	:: stage == 5 -> break
	od;
	/* dead locals reset, so that they do not split states */
	atomic { v = 0; mycpu = 0; f = 0; fresh = 0; stage = 0 }
}

/* A release after the flag: the central count (fetch_sub, acq_rel). */
inline release_central()
{
	atomic {
		CAN_RUN -> take_cpu();
		assert(cnt > 0);	/* else: misuse, more releases than acquires */
		cnt--;
		w = DRAINED && sleepers
	}
	if
	:: w -> wake()
	:: else -> skip
	fi;
	w = 0
}

proctype holder(byte id; byte rounds)
{
	byte round, stage, mycpu;
	bool flagged, f, fresh, w;
	short v;
	for (round : 1 .. rounds) {
		/* acquire */
		rseq_add(1, flagged);
		if
		:: flagged -> skip	/* failed: run-down began */
		:: else ->
			/* release, maybe on the other CPU by now */
			rseq_add(-1, flagged);
			if
			:: flagged -> release_central()
			:: else -> skip
			fi
		fi
	}
}

/* Preemptions, signals and migrations, at any point, BUDGET of them. */
active proctype interrupter()
{
	byte t;
end:	do
	:: atomic {
			budget > 0 ->
			select(t : 0 .. NHOLD - 1);
			budget--;
			if
			:: cpu[t] = 1 - cpu[t]	/* migrated */
			:: skip			/* preempted or signalled in place */
			fi;
			if
			:: armed[t] -> abort_pending[t] = 1; armed[t] = 0
			:: else -> skip
			fi;
			t = 0
		}
	od
}

/* Steps 2-4 of the run-down, by a waiter that saw the flag set. */
inline fence_and_sweep()
{
#ifndef PLANT_FENCE_NO_ABORT
	/* membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ) */
	atomic {
		for (i : 0 .. NHOLD - 1) {
			if
			:: armed[i] -> abort_pending[i] = 1; armed[i] = 0
			:: else -> skip
			fi
		}
	}
#endif
	sum = 0;
	for (i : 0 .. NCPU - 1) {
		sum = sum + slot[i]	/* one load per slot, interleaved */
	}
	/* the hand-over (fetch_add; with the plant: a CAS from "unswept") */
	atomic {
		if
#ifdef PLANT_ANY_WAITER_SWEEPS
		:: unswept ->
#else
		:: true ->
#endif
			assert(sum >= 0);
			cnt = cnt - BIAS + sum;
			assert(cnt >= 0);
			unswept = 0;
			w = DRAINED && sleepers
		:: else -> w = 0
		fi
	}
	if
	:: w -> wake()
	:: else -> skip
	fi;
	atomic { sum = 0; i = 0; w = 0 }
}

/* rundown_pcpu_wait(): flag, fence and sweep, sleep until drained. */
inline wait(me)
{
	atomic {
		if
		:: !dying -> dying = 1; unswept = 1; cnt = BIAS; sleepers = late; won = 1
#ifdef PLANT_ANY_WAITER_SWEEPS
		:: else -> won = unswept
#else
		:: else -> won = 0
#endif
		fi
	}
	if
	:: won -> fence_and_sweep()
	:: else -> skip
	fi;
	mygen = gen;
	do
	:: atomic { (!dying || gen != mygen) -> break }	/* reinitialised: over */
	:: atomic { DRAINED -> assert(inside == 0); returned = 1; low = 0; won = 0; break }
	:: atomic { (dying && gen == mygen && !DRAINED) -> sleepers = 1; low = LOW }
		/* FUTEX_WAIT: sleeps only while the word still holds low */
		atomic {
			if
			:: LOW == low -> asleep[me] = 1
			:: else -> skip
			fi
		}
		(asleep[me] == 0);
		low = 0
	od
}

inline reinit()
{
	atomic {
		assert(DRAINED);
		returned = 0;
		gen++;
#ifndef PLANT_NO_LATE_SLEEPERS
		late = sleepers;
#endif
		slot[0] = 0;
		slot[1] = 0;
		cnt = 0;
		sleepers = 0;
		dying = 0
	}
}

proctype waiter(byte me)
{
	short sum, low;
	byte i;
	bool w, won;
	byte mygen;
	wait(me);
	done_waiting++;
	if
	:: me == 0 ->
		/* the owner: revive at once (the other waiter may not have
		 * woken up yet: it must return all the same), run down again */
		reinit();
		wait(me)
	:: else -> skip
	fi
}

init {
	atomic {
		run holder(0, 1);
		run holder(1, 1);
		run waiter(0);
		run waiter(1)
	}
}

/*
 * librundown's cache-aware variant, "locked" protocol (the fallback:
 * userspace/src/pcpu.cpp, userspace/include/rundown/detail/core.hpp),
 * checked with spin.
 *
 * Two CPU slots; two holders that acquire and release (twice, once), each
 * operation on whichever slot the thread's CPU hint names at that moment
 * (a hint: a thread may migrate between reading it and the atomic op); two
 * waiters that run the object down at once (the flag's winner sweeps; the
 * other sleeps); the first reinitialises it as soon as its own wait returned (the
 * second, maybe still asleep, must return: the generation moved on) and
 * runs it down again. Sequentially consistent memory, as in librundown-pcpu.pml.
 *
 * Checked: no wait returns while a holder is inside; no acquire succeeds
 * after a wait returned and before the reinit; the count never goes
 * negative; no wait sleeps forever, every process ends.
 */
// cc: -DSAFETY
// pan: -m1000000
// plant: PLANT_ANY_WAITER_SWEEPS
//   every waiter that sees the count unswept collapses slots and hands over,
//   not only the flag's winner: the sum is split and the bias removed twice.
// plant: PLANT_RELEASE_IGNORES_COLLAPSED
//   a release on a collapsed slot leaves its delta there: the sweep has
//   taken that slot already, the count never drains.
// plant: PLANT_NO_LATE_SLEEPERS
//   the flag does not inherit "sleepers" from a run-down that had some: a
//   late waiter that read the futex word before the reinit can find the
//   same value in the next run-down, sleep, and never be woken.
// plant: PLANT_ZERO_LOW_BIAS
//   a bias whose low half is 0 (and no poll): the second waiter, asleep
//   before the hand-over, reads the futex word unchanged when the count
//   drains and sleeps through the wake.

#define NCPU	2
#define NWAIT	2
#define BIAS	8

bool dying, sleepers, unswept, biased;
short cnt;
short slot[NCPU];
bool collapsed[NCPU];
#ifdef PLANT_ZERO_LOW_BIAS
#define LOW	(biased -> cnt - BIAS : cnt)
#else
#define LOW	cnt
#endif
#define DRAINED	(dying && !unswept && cnt == 0)

bool asleep[NWAIT];
byte gen;			/* rundown_pcpu::gen, bumped by reinit */
bool late;			/* its top bit: the finished run-down had sleepers */
byte inside;
bool returned;
byte done_waiting;

inline wake()
{
	atomic { asleep[0] = 0; asleep[1] = 0 }
}

inline release_central()
{
	atomic {
		assert(cnt > 0);	/* else: misuse */
		cnt--;
		w = DRAINED && sleepers
	}
	if
	:: w -> wake()
	:: else -> skip
	fi;
	w = 0
}

proctype holder(byte rounds)
{
	byte round, mycpu;
	bool ok, was, w;
	for (round : 1 .. rounds) {
		/* acquire: the CAS loop on the hinted slot */
		select(mycpu : 0 .. NCPU - 1);
		atomic {
			if
			:: collapsed[mycpu] -> ok = 0
			:: else ->
				slot[mycpu]++;
				ok = 1;
				assert(!returned);
				inside++
			fi
		}
		if
		:: ok ->
			inside--;
			/* release: fetch_sub on the slot hinted now */
			select(mycpu : 0 .. NCPU - 1);
			atomic { was = collapsed[mycpu]; slot[mycpu]-- };
			if
#ifndef PLANT_RELEASE_IGNORES_COLLAPSED
			:: was -> release_central()
#endif
			:: else -> skip
			fi
		:: else -> skip
		fi;
		atomic { mycpu = 0; ok = 0; was = 0 }
	}
}

/* The flag's winner (mine) collapses every slot (exchange), hands over. */
inline sweep()
{
	if
	:: mine ->
		sum = 0;
		for (i : 0 .. NCPU - 1) {
			atomic {
				if
				:: !collapsed[i] -> sum = sum + slot[i]; slot[i] = 0; collapsed[i] = 1
				:: else -> skip
				fi
			}
		}
		atomic {
			assert(sum >= 0);
			cnt = cnt - BIAS + sum;
			assert(cnt >= 0);
			unswept = 0;
			biased = 0;
			w = DRAINED && sleepers
		}
		if
		:: w -> wake()
		:: else -> skip
		fi
	:: else -> skip
	fi;
	atomic { sum = 0; i = 0; w = 0; mine = 0 }
}

inline wait(me)
{
	atomic {
		if
		:: !dying -> dying = 1; unswept = 1; biased = 1; cnt = BIAS; sleepers = late; mine = 1
#ifdef PLANT_ANY_WAITER_SWEEPS
		:: else -> mine = unswept
#else
		:: else -> mine = 0
#endif
		fi
	}
	sweep();
	mygen = gen;
	do
	:: atomic { (!dying || gen != mygen) -> break }	/* reinitialised: over */
	:: atomic { DRAINED -> assert(inside == 0); returned = 1; break }
	:: atomic { (dying && gen == mygen && !DRAINED) -> sleepers = 1; low = LOW }
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
		collapsed[0] = 0;
		collapsed[1] = 0;
		cnt = 0;
		sleepers = 0;
		dying = 0
	}
}

proctype waiter(byte me)
{
	short sum, low;
	byte i;
	bool w, mine;
	byte mygen;
	wait(me);
	done_waiting++;
	if
	:: me == 0 ->
		reinit();	/* at once: the other waiter must return all the same */
		wait(me)
	:: else -> skip
	fi
}

init {
	atomic {
		run holder(2);
		run holder(1);
		run waiter(0);
		run waiter(1)
	}
}

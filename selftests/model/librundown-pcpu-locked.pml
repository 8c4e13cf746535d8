/*
 * librundown's cache-aware variant, "locked" protocol (the fallback:
 * userspace/src/pcpu.cpp, userspace/include/rundown/detail/core.hpp),
 * checked with spin.
 *
 * Two CPU slots; two holders that acquire and release (twice, once), each
 * operation on whichever slot the thread's CPU hint names at that moment
 * (a hint: a thread may migrate between reading it and the atomic op); two
 * waiters that run the object down at once (one claims the sweep; the other
 * sleeps); the first reinitialises it after both returned and runs it down
 * again. Sequentially consistent memory, as in librundown-pcpu.pml.
 *
 * Checked: no wait returns while a holder is inside; no acquire succeeds
 * after a wait returned and before the reinit; the count never goes
 * negative; no wait sleeps forever, every process ends.
 */
// cc: -DSAFETY
// pan: -m1000000
// plant: PLANT_NO_CLAIM
//   every waiter that sees the count unswept collapses slots and hands over
//   (no claim): the sum is split and the bias removed twice.
// plant: PLANT_RELEASE_IGNORES_COLLAPSED
//   a release on a collapsed slot leaves its delta there: the sweep has
//   taken that slot already, the count never drains.
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

/* Claim, collapse every slot (exchange), hand over. */
inline sweep()
{
	atomic {
		if
#ifdef PLANT_NO_CLAIM
		:: unswept -> mine = 1
#else
		:: unswept -> unswept = 0; mine = 1
#endif
		:: else -> mine = 0
		fi
	}
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
		:: !dying -> dying = 1; unswept = 1; biased = 1; cnt = BIAS
		:: else -> skip
		fi
	}
	sweep();
	do
	:: atomic { DRAINED -> assert(inside == 0); returned = 1; break }
	:: atomic { !DRAINED -> sleepers = 1; low = LOW }
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
	wait(me);
	done_waiting++;
	if
	:: me == 0 ->
		(done_waiting == NWAIT);
		reinit();
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

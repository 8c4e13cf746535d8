/*
 * librundown's plain variant (userspace/include/rundown/detail/core.hpp,
 * userspace/src/rundown.cpp), checked with spin: one 64-bit word
 *
 *   bit 0 TRAP     acquires and releases leave the inline code
 *   bit 1 DYING    run-down in progress: acquires fail
 *   bits 2..       the count, in units of BIAS
 *   TRACKED        the object records its holders (RUNDOWN_DEBUG=track)
 *   GEN_UNIT..     the generation, bumped by reinit
 *
 * A wait sets TRAP and DYING in one fetch_or; a tracked object has TRAP set
 * all its life. The inline release takes the slow path exactly when the old
 * word has TRAP, and the slow path wakes the waiters when its release left
 * "run down, no holder". Waiters sleep on the low half of the word (FUTEX_WAIT
 * compares it under the bucket lock: modelled as one atomic step).
 *
 * The object starts untracked, tracked, or statically initialised while
 * tracking is on (it becomes tracked at its first reinit). Two holders:
 * one takes one reference twice, the other two at once (with a limit of
 * two references, it may hit the limit and fail). Two waiters run it down
 * at once; the first reinitialises as soon as its own wait returned (the
 * second, maybe still asleep, must return: the generation moved on) and
 * runs it down again. Sequentially consistent memory: the orderings are
 * the ones the code names ([A] release/acquire on the word, [B] reinit).
 *
 * Checked: no wait returns while a holder of its generation is inside; no
 * acquire succeeds after a wait returned and before the reinit; a release
 * never takes more than is held; every acquire of a tracked object records
 * its holder and every release drops it; no wait sleeps forever, every
 * process ends.
 */
// cc: -DSAFETY
// plant: PLANT_STALE_RELEASE_TEST
//   the inline release leaves the fast path only when it took the word to
//   "dying, no holder" (ABI 1's test, bit 1 alone): with TRAP set too that
//   value never occurs, the last release does not wake the waiters.
// plant: PLANT_WAIT_SETS_DYING_ONLY
//   the wait sets DYING without TRAP: on an untracked object the releases
//   stay inline and nobody wakes the waiters.
// plant: PLANT_REINIT_CLEARS_TRAP
//   reinit leaves TRAP clear on a tracked object: its acquires go inline
//   and record nobody.

#define TRAP		1
#define DYING		2
#define RUN_DOWN	3
#define BIAS		4
#define MAXREFS		2
#define TRACKED		32
#define STATE		31	/* TRACKED - 1: trap, dying, count */
#define GEN_UNIT	64
#define COUNT(x)	(((x) & STATE) / BIAS)
/* The futex word: the low half (tracked and the generation are above). */
#define LOW(x)		((x) & STATE)
#define NWAIT		2

int word;
bool tracking;		/* RUNDOWN_DEBUG=track: fixed for the process */
byte records;		/* holder records (ghost) */
byte inside;
bool returned;
bool asleep[NWAIT];
byte done_waiting;

inline wake()
{
	atomic { asleep[0] = 0; asleep[1] = 0 }
}

/* rundown_slow_plain_acquire(): the inline code came here. */
inline slow_acquire(n)
{
	do
	:: atomic {
		if
		:: (old & DYING) || COUNT(old) > MAXREFS - n -> ok = 0; break
		:: else ->
			if
			:: word == old ->
				word = old + n * BIAS;
				ok = 1;
				assert(!returned);
				inside = inside + n;
				break
			:: else -> old = word	/* the CAS failed: retry */
			fi
		fi
	}
	od;
	if
	:: ok && (old & TRACKED) -> records = records + n; recorded = 1
	:: else -> skip
	fi
}

inline acquire(n)
{
	old = word;	/* relaxed load */
	do
	:: atomic {
		if
		:: (old & TRAP) || COUNT(old) > MAXREFS - n -> break
		:: else ->
			if
			:: word == old ->
				word = old + n * BIAS;
				ok = 1;
				assert(!returned);
				inside = inside + n;
				break
			:: else -> old = word
			fi
		fi
	}
	od;
	if
	:: !ok -> slow_acquire(n)
	:: else -> skip
	fi;
	/* A tracked object's holders are all on record. */
	assert(!ok || !(old & TRACKED) || recorded)
}

inline release(n)
{
	inside = inside - n;
	atomic { old = word; assert(COUNT(old) >= n); word = old - n * BIAS };
	if
#ifdef PLANT_STALE_RELEASE_TEST
	:: ((old - n * BIAS) & STATE) == DYING ->
#else
	:: old & TRAP ->
#endif
		/* rundown_slow_plain_release() */
		if
		:: old & TRACKED -> assert(records >= n); records = records - n
		:: else -> skip
		fi;
		if
		:: ((old - n * BIAS) & STATE) == RUN_DOWN -> wake()
		:: else -> skip
		fi
	:: else -> skip
	fi
}

proctype holder(byte rounds; byte n)
{
	byte round;
	int old;
	bool ok, recorded;
	for (round : 1 .. rounds) {
		acquire(n);
		if
		:: ok -> release(n)
		:: else -> skip
		fi;
		atomic { ok = 0; recorded = 0; old = 0 }
	}
}

#define OVER(x)	(((x) & ~STATE) != mygen || ((x) & STATE) == RUN_DOWN)

inline wait(me)
{
	atomic {
		v = word;
#ifdef PLANT_WAIT_SETS_DYING_ONLY
		word = word | DYING;
#else
		word = word | RUN_DOWN;
#endif
		v = word;
		mygen = v & ~STATE
	}
	do
	:: OVER(v) -> break
	:: else ->
		atomic {
			if
			:: LOW(word) == LOW(v) -> asleep[me] = 1
			:: else -> skip
			fi
		}
		(asleep[me] == 0);
		v = word
	od;
	atomic {
		if
		/* Still our generation: drained, nobody inside, acquires fail. */
		:: (word & ~STATE) == mygen -> assert((word & STATE) == RUN_DOWN && inside == 0); returned = 1
		:: else -> skip	/* reinitialised since: over */
		fi
	}
}

inline reinit()
{
	atomic {
		assert((word & STATE) == RUN_DOWN);
		returned = 0;
		next = (word & ~STATE) + GEN_UNIT;
#ifdef PLANT_REINIT_CLEARS_TRAP
		next = next | ((next & TRACKED) -> 0 : (tracking -> TRACKED | TRAP : 0));
#else
		next = next | ((next & TRACKED) -> TRAP : (tracking -> TRACKED | TRAP : 0));
#endif
		word = next
	}
}

proctype waiter(byte me)
{
	int v, mygen, next;
	wait(me);
	done_waiting++;
	if
	:: me == 0 ->
		reinit();
		wait(me)
	:: else -> skip
	fi
}

init
{
	atomic {
		if
		:: tracking = 0; word = 0
		:: tracking = 1; word = 0		/* RUNDOWN_REF_INIT */
		:: tracking = 1; word = TRACKED | TRAP	/* rundown_init() */
		fi;
		run holder(2, 1);
		run holder(1, 2);
		run waiter(0);
		run waiter(1)
	}
	(_nr_pr == 1);
	assert(records == 0 && inside == 0)
}

/*
 * SPDX-License-Identifier: GPL-2.0
 *
 * rundown-ptr.pml: the rundown-protected pointer's generation switch
 * (struct rundown_ptr and struct rundown_ptr_pcpu,
 * kmod/include/linux/rundown_ptr.h and kmod/rundown_ptr.c; the shim's
 * userspace/include/rundown/ptr.h follows the same protocol).
 *
 * The protocol, in the header's words: @seq counts publications, bit 0 of
 * it names the current generation gen[@seq & 1], which guards
 * obj[@seq & 1]. A replacement stores the new object in the spare slot,
 * reinitialises the spare generation, increments @seq, and only then runs
 * the old generation down and hands back the old object. Retiring is a
 * replacement by nothing: the spare generation is left run down. A reader
 * acquires the generation @seq names; when that fails it reads @seq again
 * and retries if it changed, and returns NULL if it did not.
 *
 * What is modelled: NREADERS readers doing NGETS gets each (a get may
 * retry any number of times), and one replacer running OPS: publish,
 * replace, replace, retire, publish again. Each generation is the plain
 * run-down protocol (a count with a dying bit; the cache-aware variant
 * offers the same guarantees through its public API). Any one run-down
 * may be interrupted (a killable or timed replacement giving up while a
 * reader still holds the old object), after which the replacer reclaims
 * the old object before its next operation, as the API makes it do
 * (-EBUSY otherwise).
 *
 * Memory model: sequentially consistent. The orderings the code pays for
 * (the release of reinit and of the @seq store, the smp_mb() between the
 * @seq store and the run-down, the reader's acquire loads and smp_rmb())
 * are what make this order the only one the readers can observe; the
 * planted bugs below drop them one at a time by reordering the accesses
 * they keep in order.
 *
 * Properties, as assertions and end states:
 *  - a reader that gets an object sees it set up and not freed, for as
 *    long as it holds it;
 *  - no reader holds the old generation (or its object) once the
 *    replacement that returns it has returned;
 *  - no reader is refused while an object is published: a get returns
 *    NULL only when, at its last read of @seq, nothing is published;
 *  - a generation is reinitialised (and its slot written) only when run
 *    down with no holder;
 *  - nobody waits forever (no invalid end state).
 *
 * Planted bugs, each of which spin must catch (run-models.sh):
 */
// plant: PLANT_ONE_BIT       readers compare bit 0 of @seq only: a reader asleep across two replacements takes "same generation" for "nothing published"
// plant: PLANT_NO_RETRY      a failed acquire returns NULL at once
// plant: PLANT_NO_MB         no smp_mb() between the @seq store and the run-down: the run-down is seen first
// plant: PLANT_NO_RMB        no smp_rmb() in the reader: its second read of @seq is satisfied before the acquire
// plant: PLANT_PUBLISH_FIRST @seq is stored before the spare generation is reinitialised
// plant: PLANT_INIT_LATE     the object is set up after the reinit's release (it does not publish it)
// plant: PLANT_FREE_EARLY    the old object is handed back without waiting for its holders
// plant: PLANT_NO_PENDING    a replacement after an interrupted one reuses the generation still draining

// cc: -DSAFETY -DCOLLAPSE

#define NREADERS	2
#define NGETS		2
#define NOPS		5
#define NOBJ		5	/* object ids 1..4; 0 is NULL */

/* Object states (ghost). */
#define UNUSED		0
#define SETUP		1	/* allocated, being written */
#define LIVE		2	/* set up, not freed */
#define FREED		3

#ifdef PLANT_ONE_BIT
#define SAME(a, b)	((a) % 2 == (b) % 2)
#else
#define SAME(a, b)	((a) == (b))
#endif

byte seq;			/* publications so far */
bit dying[2] = 1;		/* each generation: run-down begun */
byte cnt[2];			/* each generation: references held */
byte obj[2];			/* the object each generation guards */
bit pending;			/* an interrupted run-down left an object */

/* Ghost state, for the properties. */
byte ostate[NOBJ];		/* UNUSED, SETUP, LIVE, FREED */
byte users[NOBJ];		/* readers holding each object */
bit live;			/* an object is published right now */
bit intr_used;			/* the one interruption happened */
byte ops[NOPS];			/* the replacer's operations: an id, or 0 to retire */

/* ---- one generation: the plain run-down protocol ------------------------- */

inline acquire(g, ok)
{
	atomic {
		if
		:: !dying[g] -> cnt[g]++; ok = 1
		:: else -> ok = 0
		fi
	}
}

inline release(g)
{
	atomic { assert(cnt[g] > 0); cnt[g]-- }
}

inline reinit(g)
{
	atomic { assert(dying[g] && cnt[g] == 0); dying[g] = 0 }
}

/* ---- the reader: rundown_ptr_get(), use, rundown_ptr_put() --------------- */

proctype reader()
{
	byte k, s, now, i, o;
	bit ok, again;

	for (k : 1 .. NGETS) {
		s = seq;		/* smp_load_acquire() */
retry:
#ifdef PLANT_NO_RMB
		now = seq;		/* hoisted above the acquire */
#endif
		atomic { i = s % 2; acquire(i, ok) }
		if
		:: ok ->
			/* The object under the generation: set up, alive. */
			atomic {
				o = obj[i];
				assert(o != 0);
				assert(ostate[o] == LIVE);
				users[o]++
			}
			/* ... used here, while held ... */
			atomic { assert(ostate[o] == LIVE); users[o]--; release(i) }
		:: else ->
			/* Run down: has @seq moved on? (smp_rmb(), acquire) */
			atomic {
#ifdef PLANT_NO_RETRY
				now = s;
#elif !defined(PLANT_NO_RMB)
				now = seq;
#endif
				if
				:: SAME(now, s) ->
					/* NULL: nothing may be published. */
					assert(!live)
				:: else ->
					s = now;
					again = 1
				fi
			}
			if
			:: again -> again = 0; goto retry
			:: else
			fi
		fi
	}
}

/* ---- the replacer ---------------------------------------------------------- */

/* Hand back generation g's object: nobody holds it any more. */
inline finish(g)
{
	atomic {
		assert(cnt[g] == 0);
		o = obj[g];
		if
		:: o != 0 -> assert(users[o] == 0); ostate[o] = FREED
		:: else
		fi;
		obj[g] = 0;
		pending = 0
	}
}

/* Run generation g down; the wait may be interrupted once. */
inline drain(g)
{
	dying[g] = 1;
	if
	:: atomic { !intr_used && cnt[g] > 0 -> intr_used = 1; pending = 1 }
	:: true ->
#ifndef PLANT_FREE_EARLY
		(cnt[g] == 0);
#endif
		finish(g)
	fi
}

/* rundown_ptr_reclaim(): wait for the object an interruption left. */
inline reclaim()
{
	g = 1 - seq % 2;
	(cnt[g] == 0);
	finish(g)
}

proctype replacer()
{
	byte k, cur, spare, new, g, o;

	for (k : 0 .. NOPS - 1) {
		new = ops[k];
#ifndef PLANT_NO_PENDING
		if
		:: pending -> reclaim()
		:: else
		fi;
#endif
		cur = seq % 2;
		spare = 1 - cur;
		if
		:: new != 0 ->
			ostate[new] = SETUP;
#ifndef PLANT_INIT_LATE
			ostate[new] = LIVE;	/* the caller set it up */
#endif
			atomic { assert(dying[spare] && cnt[spare] == 0); obj[spare] = new }
#ifndef PLANT_PUBLISH_FIRST
			reinit(spare);		/* release */
#endif
#ifdef PLANT_INIT_LATE
			ostate[new] = LIVE;
#endif
		:: else
		fi;
#ifdef PLANT_NO_MB
		dying[cur] = 1;		/* the run-down's first store, seen early */
#endif
		atomic { seq++; live = (new != 0) }	/* smp_store_release(); smp_mb() */
#ifdef PLANT_PUBLISH_FIRST
		if
		:: new != 0 -> reinit(spare)
		:: else
		fi;
#endif
		drain(cur)
	}
	if
	:: pending -> reclaim()
	:: else
	fi
}

init {
	ops[0] = 1;	/* publish */
	ops[1] = 2;	/* replace */
	ops[2] = 3;	/* replace */
	ops[3] = 0;	/* retire */
	ops[4] = 4;	/* publish again */
	atomic {
		run replacer();
		run reader();
		run reader()
	}
}

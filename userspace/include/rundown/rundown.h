/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * <rundown/rundown.h>: run-down protection for userspace, the C API.
 *
 * The same names and shapes as the kernel's <linux/rundown.h>, implemented
 * in C++ (librundown) and callable from C. A rundown reference guards a
 * resource that is about to go away: code that wants to use the resource
 * acquires run-down protection (never blocks; fails once the owner started
 * to run the resource down), uses it and releases; the owner calls
 * rundown_wait(), after which no acquire succeeds and nobody holds a
 * reference, so the resource can be torn down. See <rundown/rundown.hpp>
 * for the design, the costs and the C++ API.
 *
 * Guarantees, for both variants:
 *  - acquire never blocks; it fails once a wait began (and until reinit);
 *  - release may run on another thread and CPU than its acquire;
 *  - wait returns at once when nobody holds a reference, may be repeated,
 *    and may be called by several threads at once; it sleeps on a futex;
 *  - everything a holder did before its release happens-before the return
 *    of every wait that returns 0;
 *  - no system call on the release fast path: a release only wakes a
 *    futex when a wait is in progress and it dropped the last reference.
 *
 * Misuse (a release without a matching acquire where it can be detected,
 * reinit while references are held or before run-down, completed before
 * the run-down finished) aborts the process with a "rundown: misuse:"
 * message in every build: the state is already wrong. An acquire_many
 * that would overflow the count fails instead of wrapping.
 *
 * The objects are process-private: their futexes are FUTEX_PRIVATE, so do
 * not place them in memory shared between processes (use /dev/rundown and
 * <rundown/kernel.hpp> for that).
 */
#ifndef RUNDOWN_RUNDOWN_H
#define RUNDOWN_RUNDOWN_H

#include <stddef.h>
#include <stdint.h>

/* (Helper macros, undefined at the end of this header.) */
#ifdef __cplusplus
#define RUNDOWN_NOEXCEPT noexcept
#define RUNDOWN_MUST_CHECK [[nodiscard]]
#define RUNDOWN_STATIC_ASSERT(cond) static_assert(cond, #cond)
extern "C" {
#else
#include <stdbool.h>
#define RUNDOWN_NOEXCEPT
#define RUNDOWN_MUST_CHECK __attribute__((warn_unused_result))
#define RUNDOWN_STATIC_ASSERT(cond) _Static_assert(cond, #cond)
#endif
/* Everything declared here is librundown's exported API. */
#pragma GCC visibility push(default)

/*
 * The binary interface. The fast paths are inline in the programs built
 * against this header, so the structs' layout and the encoding of their
 * words are part of the ABI: RUNDOWN_ABI_VERSION is librundown.so's soname
 * number (librundown.so.2) and the C++ API's inline namespace (rundown::abi2),
 * and goes up whenever either changes (userspace/abi/ records each version's
 * layout; a test fails when it changes without a bump).
 * RUNDOWN_LAYOUT_VERSION is stored in every initialised rundown_pcpu.
 */
#define RUNDOWN_ABI_VERSION 2
#define RUNDOWN_LAYOUT_VERSION 1

/*
 * The most references one acquire_many/release_many call may take or drop,
 * and the most a plain rundown_ref may hold at once (the same limit as
 * /dev/rundown's RUNDOWN_COUNT_MAX). A cache-aware rundown_pcpu checks it
 * per call and bounds each CPU slot (see rundown_pcpu_acquire_many).
 */
#define RUNDOWN_ACQUIRE_MAX 0xffffffffUL

/**
 * struct rundown_ref - run-down protection, one 64-bit word (NT's EX_RUNDOWN_REF)
 * @count: private: the number of references and the run-down state (the
 *         encoding is in <rundown/detail/core.hpp>)
 *
 * Embed it anywhere (8 bytes, 8-aligned); initialise with RUNDOWN_REF_INIT
 * or rundown_init(). It needs no destructor. Touch it only through the
 * functions below: the word is accessed atomically. With holder tracking on
 * (RUNDOWN_DEBUG=track, see rundown_init()), only objects set up by
 * rundown_init() or rundown_reinit() are tracked, not RUNDOWN_REF_INIT ones.
 */
struct rundown_ref {
	uint64_t count __attribute__((aligned(8)));
};

/* A live reference: acquires succeed. */
#define RUNDOWN_REF_INIT { 0 }
/* Born run down (acquires fail until rundown_reinit), like the kernel's. */
#define RUNDOWN_REF_INIT_DEAD { 3 }

/*
 * Initialise (live). Not concurrently with any other call on @ref.
 *
 * RUNDOWN_DEBUG in the environment (read once per process, at load) turns
 * on librundown's debugging aids, for both variants:
 *  - stall=SECONDS (decimals allowed; 0: off): a wait (also a timed one,
 *    wait_many, and rundown_ptr's replace, retire and reclaim) still
 *    sleeping after SECONDS prints, once, a report on stderr that starts
 *    with "rundown: wait stalled:" (the waiting thread and its backtrace,
 *    the object, the references still held) and goes on waiting;
 *  - track: every object initialised from then on records its holders
 *    (thread, references, when, backtrace()), and the report lists them
 *    (stall defaults to 10 seconds then). Tracked objects take their
 *    acquires and releases out of line (the cache-aware variant on the
 *    locked protocol): for debugging, not for production.
 * Unset, nothing changes: no object is tracked and the fast paths never
 * leave the inline code. Unknown or malformed keys are reported once on
 * stderr and ignored.
 */
void rundown_init(struct rundown_ref *ref) RUNDOWN_NOEXCEPT;

/*
 * Make a run-down @ref live again. Only after a wait returned 0 (run-down
 * finished, no holders); aborts otherwise. Waits still in progress on the
 * finished run-down (a second waiter that had not woken up yet) return 0.
 */
void rundown_reinit(struct rundown_ref *ref) RUNDOWN_NOEXCEPT;

/* Take one reference: true on success, false once run-down began. */
RUNDOWN_MUST_CHECK bool rundown_acquire(struct rundown_ref *ref) RUNDOWN_NOEXCEPT;

/*
 * Take @n references at once. Fails (false, nothing taken) once run-down
 * began, when @n is 0 or above RUNDOWN_ACQUIRE_MAX, or when the total would
 * exceed RUNDOWN_ACQUIRE_MAX.
 */
RUNDOWN_MUST_CHECK bool rundown_acquire_many(struct rundown_ref *ref,
					     unsigned long n) RUNDOWN_NOEXCEPT;

/* Drop one reference (any thread). Aborts when none is held. */
void rundown_release(struct rundown_ref *ref) RUNDOWN_NOEXCEPT;

/* Drop @n references (0 does nothing). Aborts when fewer are held. */
void rundown_release_many(struct rundown_ref *ref, unsigned long n) RUNDOWN_NOEXCEPT;

/*
 * Start run-down (acquires fail from now on) and sleep until every
 * reference is released. Returns at once when none is held; may be
 * repeated; several threads may wait at once. Must not be called by a
 * holder of @ref (it would wait for itself).
 */
void rundown_wait(struct rundown_ref *ref) RUNDOWN_NOEXCEPT;

/*
 * rundown_wait() giving up after @timeout_ns nanoseconds (relative,
 * CLOCK_MONOTONIC; 0 only starts run-down and checks): 0 when run-down
 * finished, -ETIMEDOUT otherwise. Run-down stays in progress either way:
 * -ETIMEDOUT means holders remain, and the object must not be freed.
 */
RUNDOWN_MUST_CHECK int rundown_wait_timeout(struct rundown_ref *ref,
					    uint64_t timeout_ns) RUNDOWN_NOEXCEPT;
/* The same with an absolute CLOCK_MONOTONIC deadline in nanoseconds. */
RUNDOWN_MUST_CHECK int rundown_wait_until(struct rundown_ref *ref,
					  uint64_t deadline_ns) RUNDOWN_NOEXCEPT;

/*
 * Say the run-down is over (NT's ExRundownCompleted). Only after a wait
 * returned 0; aborts otherwise. The state stays "run down".
 */
void rundown_completed(struct rundown_ref *ref) RUNDOWN_NOEXCEPT;

/* Racy: true while acquires can succeed (no run-down begun). */
bool rundown_is_active(const struct rundown_ref *ref) RUNDOWN_NOEXCEPT;

/*
 * Cache-aware run-down protection (NT's EX_RUNDOWN_REF_CACHE_AWARE).
 *
 * One counter ("slot") per possible CPU, each on its own
 * RUNDOWN_PCPU_STRIDE bytes, and one central count. While the object is
 * live, acquire and release add to and subtract from the slot of the CPU
 * they run on; a release may land on another slot than its acquire (slot
 * values are modular, only their sum means anything). Run-down sets the
 * flag (the central count becomes non-zero), fences, sums the slots once
 * into the central count and sleeps until it drains. Two protocols, chosen
 * once per process (rundown_pcpu_protocol()):
 *  - "rseq" (x86-64, aarch64, with glibc's rseq registration and the
 *    kernel's MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ): acquire and release
 *    are restartable sequences that check the flag and commit with one
 *    non-locked add; run-down's fence is one membarrier system call.
 *  - "locked" (everywhere else, or with RUNDOWN_PCPU_PROTOCOL=locked in the
 *    environment): acquire is a compare-and-swap and release an atomic
 *    subtraction on the slot; run-down collapses every slot with an
 *    atomic exchange.
 * See <rundown/rundown.hpp> for the protocols, the costs and fork().
 * All fields are private.
 */
#define RUNDOWN_PCPU_STRIDE 128 /* two 64-byte lines: x86 prefetches pairs */

struct rundown_pcpu {
	uint64_t count __attribute__((aligned(8)));   /* central count: 0 while live */
	union {                                       /* (8 bytes on every ABI) */
		uint64_t *slots;                      /* nr_slots words, RUNDOWN_PCPU_STRIDE apart */
		uint64_t slots_storage_;
	} __attribute__((aligned(8)));
	int64_t rseq_offset __attribute__((aligned(8))); /* glibc's __rseq_offset */
	uint32_t nr_slots;                            /* possible CPUs; 0: not initialised */
	uint32_t mode;                                /* the protocol and how to find the CPU */
	uint32_t gen;                                 /* bumped by every reinit */
	uint32_t layout;                              /* RUNDOWN_LAYOUT_VERSION once initialised */
	uint64_t reserved[3] __attribute__((aligned(8))); /* 0 */
};

/* The layout every ABI shares (x86-64, aarch64, i386 alike). */
RUNDOWN_STATIC_ASSERT(sizeof(struct rundown_ref) == 8);
RUNDOWN_STATIC_ASSERT(__alignof__(struct rundown_ref) == 8);
RUNDOWN_STATIC_ASSERT(sizeof(struct rundown_pcpu) == 64);
RUNDOWN_STATIC_ASSERT(__alignof__(struct rundown_pcpu) == 8);
RUNDOWN_STATIC_ASSERT(offsetof(struct rundown_pcpu, count) == 0);
RUNDOWN_STATIC_ASSERT(offsetof(struct rundown_pcpu, slots) == 8);
RUNDOWN_STATIC_ASSERT(offsetof(struct rundown_pcpu, rseq_offset) == 16);
RUNDOWN_STATIC_ASSERT(offsetof(struct rundown_pcpu, nr_slots) == 24);
RUNDOWN_STATIC_ASSERT(offsetof(struct rundown_pcpu, mode) == 28);
RUNDOWN_STATIC_ASSERT(offsetof(struct rundown_pcpu, gen) == 32);
RUNDOWN_STATIC_ASSERT(offsetof(struct rundown_pcpu, layout) == 36);
RUNDOWN_STATIC_ASSERT(offsetof(struct rundown_pcpu, reserved) == 40);


/* Allocate the slots and make @ref live: 0, or -ENOMEM. */
RUNDOWN_MUST_CHECK int rundown_pcpu_init(struct rundown_pcpu *ref) RUNDOWN_NOEXCEPT;
/*
 * Free the slots. Nobody may use @ref any more (no holder, no waiter). A
 * @ref whose init failed may be exited too.
 */
void rundown_pcpu_exit(struct rundown_pcpu *ref) RUNDOWN_NOEXCEPT;

void rundown_pcpu_reinit(struct rundown_pcpu *ref) RUNDOWN_NOEXCEPT;
/* As rundown_acquire(); always false on a @ref whose init failed. */
RUNDOWN_MUST_CHECK bool rundown_pcpu_acquire(struct rundown_pcpu *ref) RUNDOWN_NOEXCEPT;
/*
 * As rundown_acquire_many(), except that the total is not bounded by
 * RUNDOWN_ACQUIRE_MAX: the count is exact while fewer than 2^60
 * references are held at once (run-down reports more as misuse).
 */
RUNDOWN_MUST_CHECK bool rundown_pcpu_acquire_many(struct rundown_pcpu *ref,
						  unsigned long n) RUNDOWN_NOEXCEPT;
/*
 * Drop references. A release without a matching acquire is detected once
 * run-down began (the summed count would go negative), not before:
 * while live, slots are modular and any one of them may be negative.
 */
void rundown_pcpu_release(struct rundown_pcpu *ref) RUNDOWN_NOEXCEPT;
void rundown_pcpu_release_many(struct rundown_pcpu *ref, unsigned long n) RUNDOWN_NOEXCEPT;
void rundown_pcpu_wait(struct rundown_pcpu *ref) RUNDOWN_NOEXCEPT;
RUNDOWN_MUST_CHECK int rundown_pcpu_wait_timeout(struct rundown_pcpu *ref,
						 uint64_t timeout_ns) RUNDOWN_NOEXCEPT;
RUNDOWN_MUST_CHECK int rundown_pcpu_wait_until(struct rundown_pcpu *ref,
					       uint64_t deadline_ns) RUNDOWN_NOEXCEPT;
/*
 * Run down @n objects at once and wait for all of them: the same as
 * rundown_pcpu_wait() on each, but one fence (one membarrier system call)
 * for all of them instead of one each. @refs may repeat an object.
 */
void rundown_pcpu_wait_many(struct rundown_pcpu *const *refs, size_t n) RUNDOWN_NOEXCEPT;
/* The same, with the i-th object given by @at(@ctx, i) (0 <= i < @n). */
void rundown_pcpu_wait_many_at(size_t n, struct rundown_pcpu *(*at)(void *ctx, size_t i),
			       void *ctx) RUNDOWN_NOEXCEPT;
void rundown_pcpu_completed(struct rundown_pcpu *ref) RUNDOWN_NOEXCEPT;
bool rundown_pcpu_is_active(const struct rundown_pcpu *ref) RUNDOWN_NOEXCEPT;

/*
 * The cache-aware protocol this process uses: "rseq" or "locked". Chosen
 * once, before the first object exists, and never changed (a child of
 * fork() keeps its parent's).
 */
const char *rundown_pcpu_protocol(void) RUNDOWN_NOEXCEPT;

#pragma GCC visibility pop

#ifdef __cplusplus
} /* extern "C" */
#endif

#undef RUNDOWN_NOEXCEPT
#undef RUNDOWN_MUST_CHECK
#undef RUNDOWN_STATIC_ASSERT

#endif /* RUNDOWN_RUNDOWN_H */

/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * <rundown/ptr.h>: rundown-protected pointers, the C API.
 *
 * The kernel's <linux/rundown_ptr.h> for userspace: replace an object under
 * its users without refusing them. One object is published behind two
 * generations of run-down protection (plain: struct rundown_ptr, or
 * cache-aware: struct rundown_ptr_pcpu); a replacement publishes the new
 * object on the spare generation before it runs the old one down, so a
 * reader that races it retries on the new generation and is never refused
 * while an object is published, and the replacer gets the old object back
 * as soon as its last reader left (no grace period):
 *
 *	unsigned token;
 *	struct engine *e = rundown_ptr_get(&av_engine, &token);
 *	if (e) {
 *		scan(e, buf);
 *		rundown_ptr_put(&av_engine, token);	// any thread
 *	}
 *
 *	free(rundown_ptr_replace(&av_engine, new_engine));	// the owner
 *
 * Guarantees:
 *  - get never blocks and returns NULL only when nothing is published
 *    (never published, or retired); put may run on another thread;
 *  - everything the replacer wrote to an object before publishing it is
 *    visible to every reader that gets it;
 *  - a replacement returns the old object only once every reader that got
 *    it has put it, and after everything they did before their put;
 *  - one replacer at a time: replace, retire and reclaim must not overlap
 *    on one pointer (use your own lock); an overlap aborts as misuse.
 *
 * Timed forms: a replacement or retirement that times out has published
 * all the same (readers get the new object, or NULL); only the old object
 * is not handed back yet, because a reader still holds it. The pointer
 * keeps it until rundown_ptr_reclaim() or rundown_ptr_reclaim_timeout()
 * hands it back. Until then rundown_ptr_replace_timeout() and
 * rundown_ptr_retire_timeout() return -EBUSY, doing nothing, and the
 * untimed rundown_ptr_replace() and rundown_ptr_retire() abort as misuse.
 *
 * The protocol is the kernel's (see <linux/rundown_ptr.h> and the Promela
 * model selftests/model/rundown-ptr.pml); the C++ API is <rundown/ptr.hpp>.
 * Like the rest of librundown, the objects are process-private.
 */
#ifndef RUNDOWN_PTR_H
#define RUNDOWN_PTR_H

#include <rundown/rundown.h>

#include <stddef.h>
#include <stdint.h>

/* (Helper macros, undefined at the end of this header.) */
#ifdef __cplusplus
#define RUNDOWN_NOEXCEPT noexcept
#define RUNDOWN_MUST_CHECK [[nodiscard]]
#define RUNDOWN_STATIC_ASSERT(cond) static_assert(cond, #cond)
extern "C" {
#else
#define RUNDOWN_NOEXCEPT
#define RUNDOWN_MUST_CHECK __attribute__((warn_unused_result))
#define RUNDOWN_STATIC_ASSERT(cond) _Static_assert(cond, #cond)
#endif
/* Everything declared here is librundown's exported API. */
#pragma GCC visibility push(default)

/*
 * The structs are part of librundown's ABI (RUNDOWN_ABI_VERSION, see
 * <rundown/rundown.h>): rundown::ptr<T> (<rundown/ptr.hpp>) works on
 * struct rundown_ptr_core inline, and users embed all three. Their layout
 * is the same on every ABI (x86-64, aarch64, i386), asserted below.
 */

/**
 * struct rundown_ptr_core - what both forms share (private)
 * @seq: publications so far; bit 0 names the current generation
 * @obj: the object each generation guards (@obj[i].p; 8 bytes on every ABI)
 * @flags: replacer state (one replacer running, an object to reclaim)
 * @reserved: 0
 */
struct rundown_ptr_core {
	uint64_t seq __attribute__((aligned(8)));
	union {
		void *p;
		uint64_t storage_;
	} obj[2] __attribute__((aligned(8)));
	uint32_t flags;
	uint32_t reserved;
};

/* struct rundown_ptr - a rundown-protected pointer on two plain rundown_refs. */
struct rundown_ptr {
	struct rundown_ptr_core core;
	struct rundown_ref gen[2];
};

/* Nothing published: gets return NULL until the first replacement. */
#define RUNDOWN_PTR_INIT { { 0, { { 0 }, { 0 } }, 0, 0 }, { RUNDOWN_REF_INIT_DEAD, RUNDOWN_REF_INIT_DEAD } }

/* Initialise with nothing published. Not concurrently with any other call. */
void rundown_ptr_init(struct rundown_ptr *p) RUNDOWN_NOEXCEPT;

/*
 * Get the published object, protected from its replacement until
 * rundown_ptr_put(p, *token). Never blocks; NULL when nothing is
 * published (then there is nothing to put).
 */
RUNDOWN_MUST_CHECK void *rundown_ptr_get(struct rundown_ptr *p, unsigned *token) RUNDOWN_NOEXCEPT;

/* Put what get returned (any thread). Aborts on a token get never gave. */
void rundown_ptr_put(struct rundown_ptr *p, unsigned token) RUNDOWN_NOEXCEPT;

/* The object published now, for the replacer only: not a protected reference. */
void *rundown_ptr_published(const struct rundown_ptr *p) RUNDOWN_NOEXCEPT;

/*
 * Publish @obj (NULL: retire) and sleep until no reader holds the old
 * object. Returns the old object (NULL if none was published), which the
 * caller may free. Aborts as misuse if another replacer runs or a timed-out
 * replacement's old object was not reclaimed.
 */
void *rundown_ptr_replace(struct rundown_ptr *p, void *obj) RUNDOWN_NOEXCEPT;

/*
 * rundown_ptr_replace() that waits at most @timeout_ns (relative,
 * CLOCK_MONOTONIC; 0 only checks) for the old object's readers. 0 with
 * *@old the old object; -ETIMEDOUT with @obj published and *@old NULL (the
 * pointer keeps the old object for reclaim); -EBUSY, doing nothing, while
 * an old object waits to be reclaimed.
 */
RUNDOWN_MUST_CHECK int rundown_ptr_replace_timeout(struct rundown_ptr *p, void *obj, void **old,
						   uint64_t timeout_ns) RUNDOWN_NOEXCEPT;

/* rundown_ptr_replace(p, NULL): later gets return NULL. Returns the object. */
void *rundown_ptr_retire(struct rundown_ptr *p) RUNDOWN_NOEXCEPT;

/* rundown_ptr_replace_timeout(p, NULL, old, timeout_ns). */
RUNDOWN_MUST_CHECK int rundown_ptr_retire_timeout(struct rundown_ptr *p, void **old,
						  uint64_t timeout_ns) RUNDOWN_NOEXCEPT;

/*
 * Sleep until no reader holds the old object a timed-out replacement or
 * retirement left, and return it (NULL if there is none).
 */
void *rundown_ptr_reclaim(struct rundown_ptr *p) RUNDOWN_NOEXCEPT;

/* rundown_ptr_reclaim() for at most @timeout_ns: 0 with *@old set, or -ETIMEDOUT. */
RUNDOWN_MUST_CHECK int rundown_ptr_reclaim_timeout(struct rundown_ptr *p, void **old,
						   uint64_t timeout_ns) RUNDOWN_NOEXCEPT;

/* struct rundown_ptr_pcpu - the same on two cache-aware rundown_pcpus. */
struct rundown_ptr_pcpu {
	struct rundown_ptr_core core;
	struct rundown_pcpu gen[2];
};

/* The layout every ABI shares (x86-64, aarch64, i386 alike). */
RUNDOWN_STATIC_ASSERT(sizeof(struct rundown_ptr_core) == 32);
RUNDOWN_STATIC_ASSERT(__alignof__(struct rundown_ptr_core) == 8);
RUNDOWN_STATIC_ASSERT(offsetof(struct rundown_ptr_core, seq) == 0);
RUNDOWN_STATIC_ASSERT(offsetof(struct rundown_ptr_core, obj) == 8);
RUNDOWN_STATIC_ASSERT(sizeof(((struct rundown_ptr_core *)0)->obj) == 16);
RUNDOWN_STATIC_ASSERT(offsetof(struct rundown_ptr_core, flags) == 24);
RUNDOWN_STATIC_ASSERT(offsetof(struct rundown_ptr_core, reserved) == 28);
RUNDOWN_STATIC_ASSERT(sizeof(struct rundown_ptr) == 48);
RUNDOWN_STATIC_ASSERT(__alignof__(struct rundown_ptr) == 8);
RUNDOWN_STATIC_ASSERT(offsetof(struct rundown_ptr, core) == 0);
RUNDOWN_STATIC_ASSERT(offsetof(struct rundown_ptr, gen) == 32);
RUNDOWN_STATIC_ASSERT(sizeof(struct rundown_ptr_pcpu) == 160);
RUNDOWN_STATIC_ASSERT(__alignof__(struct rundown_ptr_pcpu) == 8);
RUNDOWN_STATIC_ASSERT(offsetof(struct rundown_ptr_pcpu, core) == 0);
RUNDOWN_STATIC_ASSERT(offsetof(struct rundown_ptr_pcpu, gen) == 32);

/* Allocate the generations, nothing published: 0, or -ENOMEM. */
RUNDOWN_MUST_CHECK int rundown_ptr_pcpu_init(struct rundown_ptr_pcpu *p) RUNDOWN_NOEXCEPT;
/*
 * Free the generations. No get may run any more; the objects are the
 * caller's (retire and reclaim first, or free rundown_ptr_pcpu_published()).
 */
void rundown_ptr_pcpu_exit(struct rundown_ptr_pcpu *p) RUNDOWN_NOEXCEPT;

RUNDOWN_MUST_CHECK void *rundown_ptr_pcpu_get(struct rundown_ptr_pcpu *p, unsigned *token) RUNDOWN_NOEXCEPT;
void rundown_ptr_pcpu_put(struct rundown_ptr_pcpu *p, unsigned token) RUNDOWN_NOEXCEPT;
void *rundown_ptr_pcpu_published(const struct rundown_ptr_pcpu *p) RUNDOWN_NOEXCEPT;
void *rundown_ptr_pcpu_replace(struct rundown_ptr_pcpu *p, void *obj) RUNDOWN_NOEXCEPT;
RUNDOWN_MUST_CHECK int rundown_ptr_pcpu_replace_timeout(struct rundown_ptr_pcpu *p, void *obj, void **old,
							uint64_t timeout_ns) RUNDOWN_NOEXCEPT;
void *rundown_ptr_pcpu_retire(struct rundown_ptr_pcpu *p) RUNDOWN_NOEXCEPT;
RUNDOWN_MUST_CHECK int rundown_ptr_pcpu_retire_timeout(struct rundown_ptr_pcpu *p, void **old,
						       uint64_t timeout_ns) RUNDOWN_NOEXCEPT;
void *rundown_ptr_pcpu_reclaim(struct rundown_ptr_pcpu *p) RUNDOWN_NOEXCEPT;
RUNDOWN_MUST_CHECK int rundown_ptr_pcpu_reclaim_timeout(struct rundown_ptr_pcpu *p, void **old,
							uint64_t timeout_ns) RUNDOWN_NOEXCEPT;

#pragma GCC visibility pop

#ifdef __cplusplus
} /* extern "C" */
#endif

#undef RUNDOWN_NOEXCEPT
#undef RUNDOWN_MUST_CHECK
#undef RUNDOWN_STATIC_ASSERT

#endif /* RUNDOWN_PTR_H */

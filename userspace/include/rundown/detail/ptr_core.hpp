// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// rundown/detail/ptr_core.hpp: the rundown-protected pointer's protocol,
// once, over any pair of rundown generations. Instantiated by the C API
// (src/ptr.cpp, on the C structs of <rundown/ptr.h>) and inline by
// <rundown/ptr.hpp> (on rundown::ref, rundown::pcpu_ref or the kernel
// backend's types).
//
// A Gens type gives generation i of the pointer:
//   bool acquire(unsigned i) noexcept      try-acquire, acquire on success
//   void release(unsigned i) noexcept
//   int wait_ns(unsigned i, uint64_t ns)   0 once drained, else -ETIMEDOUT
//                                          (k_ptr_forever: wait forever)
//   void reinit(unsigned i) noexcept       release ordering
//
// The protocol (the kernel's, <linux/rundown_ptr.h>; model in
// selftests/model/rundown-ptr.pml): @seq counts publications and bit 0 of
// it names the current generation. A replacement writes the new object
// into the spare slot, reinitialises the spare generation, stores @seq + 1,
// and only then runs the old generation down. A reader acquires the
// generation @seq names; when that fails it reads @seq again, retries if it
// changed and returns nullptr if not. Ordering pairs:
//  [P1] replacer's release store of @seq  ->  reader's acquire loads of
//       @seq: the generation a new @seq names is seen reinitialised.
//  [P2] the generation's reinit (release) ->  the reader's successful
//       acquire: the object in its slot is seen set up.
//  [P3] replacer's seq_cst fence between the @seq store and the run-down
//       ->  reader's acquire fence after a failed acquire: a reader that
//       sees the run-down (any atomic write of the wait, which the fence
//       precedes) reads the new @seq, so it retries instead of giving up.
//  [P4] the old generation's wait (acquire)  ->  the holders' releases:
//       what readers did before their put happens before the old object
//       is handed back.

#ifndef RUNDOWN_DETAIL_PTR_CORE_HPP
#define RUNDOWN_DETAIL_PTR_CORE_HPP

#include <rundown/detail/core.hpp>
#include <rundown/ptr.h>

#include <atomic>
#include <cerrno>
#include <cstdint>

namespace rundown::inline abi2::detail {

inline constexpr std::uint64_t k_ptr_forever = UINT64_MAX;
inline constexpr std::uint32_t k_ptr_busy = 1;     // a replace, retire or reclaim runs
inline constexpr std::uint32_t k_ptr_pending = 2;  // an old object waits to be reclaimed

// [P3]'s fences. They order atomic accesses only (which value of @seq a
// reader reads); every plain access of the protocol is ordered by the
// generations' own release/acquire pairs, so ThreadSanitizer, which does not
// model fences, misses nothing here: its warning about them is silenced.
inline void ptr_fence(std::memory_order mo) noexcept
{
#if defined(__SANITIZE_THREAD__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wtsan"
#endif
	__atomic_thread_fence(static_cast<int>(mo));
#if defined(__SANITIZE_THREAD__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
}

template <class Gens>
inline void* ptr_get(rundown_ptr_core* c, Gens& g, unsigned* token) noexcept
{
	std::atomic_ref<std::uint64_t> seq_ref(c->seq);
	// Acquire: [P1].
	std::uint64_t seq = seq_ref.load(std::memory_order_acquire);
	for (;;) {
		const unsigned i = static_cast<unsigned>(seq & 1);
		// The acquire's own ordering: [P2].
		if (g.acquire(i)) [[likely]] {
			*token = i;
			return c->obj[i].p;
		}
		// Run down: [P3], then [P1] again for the retry.
		ptr_fence(std::memory_order_acquire);
		const std::uint64_t now = seq_ref.load(std::memory_order_acquire);
		if (now == seq)
			return nullptr;  // nothing published
		seq = now;
	}
}

template <class Gens>
inline void ptr_put(Gens& g, unsigned token) noexcept
{
	if (token > 1) [[unlikely]]
		misuse("rundown_ptr_put: not a token rundown_ptr_get returned");
	g.release(token);
}

inline void* ptr_published(const rundown_ptr_core* c) noexcept
{
	// The replacer reads what it wrote itself: relaxed.
	const std::uint64_t seq =
		std::atomic_ref<std::uint64_t>(const_cast<std::uint64_t&>(c->seq)).load(std::memory_order_relaxed);
	return c->obj[seq & 1].p;
}

// One replacer at a time: an overlapping call is misuse.
inline void ptr_enter(rundown_ptr_core* c) noexcept
{
	// Acquire: pairs with ptr_leave()'s release, so that a replacer on
	// another thread sees what the previous one did to @c.
	if (std::atomic_ref<std::uint32_t>(c->flags).fetch_or(k_ptr_busy, std::memory_order_acquire) &
	    k_ptr_busy)
		misuse("rundown_ptr: two replacers at once (replace, retire and reclaim must not "
		       "overlap)");
}

inline void ptr_leave(rundown_ptr_core* c) noexcept
{
	std::atomic_ref<std::uint32_t>(c->flags).fetch_and(~k_ptr_busy, std::memory_order_release);
}

inline bool ptr_pending(rundown_ptr_core* c) noexcept
{
	// Only the replacer touches the bit, under k_ptr_busy: relaxed.
	return std::atomic_ref<std::uint32_t>(c->flags).load(std::memory_order_relaxed) & k_ptr_pending;
}

// Run generation @i down and hand back its object: 0 or -ETIMEDOUT (the
// object stays in its slot, pending).
template <class Gens>
inline int ptr_drain(rundown_ptr_core* c, Gens& g, unsigned i, void** old, std::uint64_t ns) noexcept
{
	std::atomic_ref<std::uint32_t> flags(c->flags);
	*old = nullptr;
	// [P4]: the wait's acquire.
	if (g.wait_ns(i, ns) != 0) {
		flags.fetch_or(k_ptr_pending, std::memory_order_relaxed);
		return -ETIMEDOUT;
	}
	flags.fetch_and(~k_ptr_pending, std::memory_order_relaxed);
	// Nobody holds generation @i or can acquire it before the
	// replacement that reinitialises it: plain accesses.
	*old = c->obj[i].p;
	c->obj[i].p = nullptr;
	return 0;
}

// Publish @obj (nullptr: retire) and run the old generation down: 0,
// -ETIMEDOUT (published, old object pending) or -EBUSY (an old object is
// pending: nothing done).
template <class Gens>
inline int ptr_replace(rundown_ptr_core* c, Gens& g, void* obj, void** old, std::uint64_t ns) noexcept
{
	std::atomic_ref<std::uint64_t> seq_ref(c->seq);
	int ret = -EBUSY;

	*old = nullptr;
	ptr_enter(c);
	if (!ptr_pending(c)) {
		// Only the replacer stores @seq: relaxed.
		const std::uint64_t seq = seq_ref.load(std::memory_order_relaxed);
		const unsigned cur = static_cast<unsigned>(seq & 1);
		const unsigned spare = cur ^ 1;
		// The spare generation is run down with no holder since the
		// replacement that last used it: its slot is ours. Retiring
		// leaves it run down.
		if (obj) {
			c->obj[spare].p = obj;
			g.reinit(spare);  // release: [P2]
		}
		seq_ref.store(seq + 1, std::memory_order_release);  // [P1]
		ptr_fence(std::memory_order_seq_cst);  // [P3]
		ret = ptr_drain(c, g, cur, old, ns);
	}
	ptr_leave(c);
	return ret;
}

// Hand back the old object a timed-out call left: 0 (*@old may be
// nullptr: there was none) or -ETIMEDOUT.
template <class Gens>
inline int ptr_reclaim(rundown_ptr_core* c, Gens& g, void** old, std::uint64_t ns) noexcept
{
	ptr_enter(c);
	const std::uint64_t seq = std::atomic_ref<std::uint64_t>(c->seq).load(std::memory_order_relaxed);
	const int ret = ptr_drain(c, g, static_cast<unsigned>(seq & 1) ^ 1, old, ns);
	ptr_leave(c);
	return ret;
}

inline void ptr_core_init(rundown_ptr_core* c) noexcept
{
	c->seq = 0;
	c->obj[0] = {};  // p = nullptr, the whole 8 bytes on i386 too
	c->obj[1] = {};
	c->flags = 0;
	c->reserved = 0;
}

}  // namespace rundown::inline abi2::detail

#endif  // RUNDOWN_DETAIL_PTR_CORE_HPP

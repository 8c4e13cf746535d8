// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// rundown/detail/core.hpp: the fast paths of both variants, inline, on the C
// structs of <rundown/rundown.h>. Included by <rundown/rundown.hpp> (so C++
// callers pay no call) and by the library (so C callers get the same code).
// The slow paths (waits, futex wakes, misuse reports) live in src/rundown.cpp.
//
// Memory-ordering summary (each pair is named again at its operations):
//  [A] holder's release RMW (release)  ->  waiter's read of "no holders"
//      (acquire): a holder's work happens-before the wait's return.
//  [B] reinit's store (release)        ->  acquire's successful CAS
//      (acquire): a new holder sees what the owner re-initialised.
// Failed acquires and the run-down mark publish nothing: relaxed.

#ifndef RUNDOWN_DETAIL_CORE_HPP
#define RUNDOWN_DETAIL_CORE_HPP

#include <rundown/rundown.h>

#include <atomic>
#include <cstdint>
#include <sched.h>

#if __has_include(<sys/rseq.h>)
#include <sys/rseq.h>
#define RUNDOWN_HAVE_RSEQ 1
#else
#define RUNDOWN_HAVE_RSEQ 0
#endif

namespace rundown::detail {

using u64_ref = std::atomic_ref<std::uint64_t>;
using i64_ref = std::atomic_ref<std::int64_t>;
using u32_ref = std::atomic_ref<std::uint32_t>;

// ---------------------------------------------------------------------------
// Plain word (NT layout): bit 0 = run-down in progress, count in units of 2.
inline constexpr std::uint64_t k_dying = 1;  // bit 0 of a plain word and of a slot
inline constexpr std::uint64_t k_bias = 2;   // one reference in a plain word
inline constexpr std::uint64_t k_word_max = std::uint64_t{RUNDOWN_ACQUIRE_MAX} * k_bias;

// Out of line (src/rundown.cpp).
[[noreturn, gnu::cold]] void misuse(const char* what) noexcept;
[[gnu::cold]] void plain_release_slow(rundown_ref* r, std::uint64_t old, unsigned long n) noexcept;
[[gnu::cold]] void pcpu_release_slow(rundown_pcpu* p, std::uint64_t old, unsigned long n) noexcept;

inline u64_ref plain_word(rundown_ref* r) noexcept { return u64_ref(r->count); }

// n in 1..RUNDOWN_ACQUIRE_MAX (one compare: n - 1 wraps for 0).
inline bool valid_count(unsigned long n) noexcept { return n - 1 < RUNDOWN_ACQUIRE_MAX; }

inline bool plain_acquire_many(rundown_ref* r, unsigned long n) noexcept
{
	if (!valid_count(n)) [[unlikely]]
		return false;
	const std::uint64_t add = std::uint64_t{n} * k_bias;
	u64_ref w = plain_word(r);
	std::uint64_t old = w.load(std::memory_order_relaxed);
	do {
		// Fail once run-down began, or when the total would pass the
		// limit (old <= k_word_max always holds, so no wrap here).
		if ((old & k_dying) || old > k_word_max - add) [[unlikely]]
			return false;
		// Success: acquire, pairs with [B] reinit's release CAS.
		// Failure: relaxed, we only retry with the fresh value.
	} while (!w.compare_exchange_weak(old, old + add, std::memory_order_acquire,
					  std::memory_order_relaxed));
	return true;
}

inline bool plain_acquire(rundown_ref* r) noexcept { return plain_acquire_many(r, 1); }

inline void plain_release_many(rundown_ref* r, unsigned long n) noexcept
{
	if (n == 0)
		return;
	// One atomic op. Release: [A], pairs with the waiter's acquire read
	// of the word == k_dying (wait's fetch_or / load / CAS in
	// src/rundown.cpp). Later RMWs on the word keep this store in the
	// release sequence, so the waiter synchronizes with every release.
	const std::uint64_t old =
		plain_word(r).fetch_sub(std::uint64_t{n} * k_bias, std::memory_order_release);
	// Slow path only when this release emptied a word that is being run
	// down (a waiter exists: wake it) or took more than was held.
	if (old - std::uint64_t{n} * k_bias == k_dying || (old >> 1) < n) [[unlikely]]
		plain_release_slow(r, old, n);
}

inline void plain_release(rundown_ref* r) noexcept { plain_release_many(r, 1); }

inline bool plain_is_active(const rundown_ref* r) noexcept
{
	// Racy query, orders nothing.
	return !(u64_ref(const_cast<std::uint64_t&>(r->count)).load(std::memory_order_relaxed) & k_dying);
}

// ---------------------------------------------------------------------------
// Cache-aware: per-CPU slots. A slot counts in units of 4: bit 0 = run-down
// in progress (acquires fail), bit 1 = "collapsed": the waiter has taken
// this slot's count into rundown_pcpu::central, and releases that land on
// it must subtract from central themselves. Adding and subtracting
// multiples of 4 never touches bits 0-1, so slot values are free to wrap.
inline constexpr std::uint64_t k_collapsed = 2;
inline constexpr std::uint64_t k_unit = 4;
inline constexpr int k_slot_words = RUNDOWN_PCPU_STRIDE / sizeof(std::uint64_t);

// rundown_pcpu::state, the futex word the waiters sleep on.
inline constexpr std::uint32_t k_live = 0;
inline constexpr std::uint32_t k_running_down = 1;  // run-down begun, holders may remain
inline constexpr std::uint32_t k_sleepers = 2;      // with k_running_down: someone is in FUTEX_WAIT
inline constexpr std::uint32_t k_dead = 4;          // run-down finished, no holders

// The CPU this thread runs on, from the rseq area glibc registered (a load
// the kernel keeps up to date), else sched_getcpu(). Only a hint: the
// thread may migrate right after; correctness never depends on it.
inline unsigned current_cpu() noexcept
{
#if RUNDOWN_HAVE_RSEQ
	if (__rseq_size != 0) [[likely]] {
		auto* rs = reinterpret_cast<struct rseq*>(static_cast<char*>(__builtin_thread_pointer()) +
							  __rseq_offset);
		// Written by the kernel on migration; relaxed: a hint.
		const auto cpu =
			static_cast<std::int32_t>(u32_ref(rs->cpu_id).load(std::memory_order_relaxed));
		if (cpu >= 0) [[likely]]
			return static_cast<unsigned>(cpu);
	}
#endif
	const int cpu = sched_getcpu();
	return cpu < 0 ? 0U : static_cast<unsigned>(cpu);
}

inline u64_ref pcpu_slot(rundown_pcpu* p, unsigned cpu) noexcept
{
	if (cpu >= p->nr_slots) [[unlikely]]
		cpu %= p->nr_slots;
	return u64_ref(p->slots[static_cast<std::size_t>(cpu) * k_slot_words]);
}

inline bool pcpu_acquire_many(rundown_pcpu* p, unsigned long n) noexcept
{
	if (!valid_count(n)) [[unlikely]]
		return false;
	u64_ref s = pcpu_slot(p, current_cpu());
	const std::uint64_t add = std::uint64_t{n} * k_unit;
	std::uint64_t old = s.load(std::memory_order_relaxed);
	do {
		// This slot's signed count (modular: may be negative when
		// releases landed here). Bounded so the sum of all slots stays
		// far below 2^61, where the modular sum would be ambiguous.
		const std::int64_t held = static_cast<std::int64_t>(old) >> 2;
		if ((old & k_dying) || held > p->slot_max - static_cast<std::int64_t>(n)) [[unlikely]]
			return false;
		// Success: acquire, pairs with [B] reinit's release stores.
	} while (!s.compare_exchange_weak(old, old + add, std::memory_order_acquire,
					  std::memory_order_relaxed));
	return true;
}

inline bool pcpu_acquire(rundown_pcpu* p) noexcept { return pcpu_acquire_many(p, 1); }

inline void pcpu_release_many(rundown_pcpu* p, unsigned long n) noexcept
{
	if (n == 0)
		return;
	if (n > RUNDOWN_ACQUIRE_MAX) [[unlikely]]
		misuse("rundown_pcpu_release_many: count above RUNDOWN_ACQUIRE_MAX");
	// One atomic op on this CPU's slot. Release: [A], pairs with the
	// waiter's acquire exchange that collects the slot (or, on a
	// collapsed slot, via central: see pcpu_release_slow).
	const std::uint64_t old =
		pcpu_slot(p, current_cpu()).fetch_sub(std::uint64_t{n} * k_unit, std::memory_order_release);
	if (old & k_dying) [[unlikely]]
		pcpu_release_slow(p, old, n);
}

inline void pcpu_release(rundown_pcpu* p) noexcept { pcpu_release_many(p, 1); }

inline bool pcpu_is_active(const rundown_pcpu* p) noexcept
{
	return u32_ref(const_cast<std::uint32_t&>(p->state)).load(std::memory_order_relaxed) == k_live;
}

}  // namespace rundown::detail

#endif  // RUNDOWN_DETAIL_CORE_HPP

// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// rundown/detail/core.hpp: the fast paths of both variants, inline, on the C
// structs of <rundown/rundown.h>. Included by <rundown/rundown.hpp> (so C++
// callers pay no call) and by the library (so C callers get the same code).
// The slow paths (waits, futex wakes, misuse reports) live in src/rundown.cpp.
//
// Memory-ordering summary (each pair is named again at its operations):
//  [A] holder's release  ->  waiter's read of "no holders" (acquire): a
//      holder's work happens-before the wait's return. Plain word and
//      locked slots: a release RMW. rseq sections: no barrier of their
//      own; the run-down fence (membarrier) orders every committed
//      section before the sweep, which hands over through the central
//      count's acq_rel RMWs.
//  [B] reinit's store (release)  ->  acquire's successful CAS, or the
//      rseq section's flag load (acquire): a new holder sees what the
//      owner re-initialised.
// Failed acquires publish nothing: relaxed.

#ifndef RUNDOWN_DETAIL_CORE_HPP
#define RUNDOWN_DETAIL_CORE_HPP

#include <rundown/detail/rseq.hpp>
#include <rundown/rundown.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

// The slow paths, out of line in librundown (src/rundown.cpp, src/pcpu.cpp):
// exported with C linkage and a rundown_slow_ prefix, so that what inline
// code calls does not depend on the C++ ABI. Not for use outside this
// header. Objects that track their holders (RUNDOWN_DEBUG=track) take every
// acquire and release through them: the inline code reaches them only on
// paths it already left the fast path on (a run-down word, a mode other
// than the rseq and locked-rseq ones), so untracked objects pay nothing.
extern "C" {
#pragma GCC visibility push(default)
[[noreturn, gnu::cold]] void rundown_slow_misuse(const char* what) noexcept;
[[gnu::cold]] bool rundown_slow_plain_acquire(rundown_ref* r, unsigned long n) noexcept;
[[gnu::cold]] void rundown_slow_plain_release(rundown_ref* r, std::uint64_t old, unsigned long n) noexcept;
bool rundown_slow_pcpu_acquire(rundown_pcpu* p, unsigned long n) noexcept;
void rundown_slow_pcpu_release(rundown_pcpu* p, unsigned long n) noexcept;
[[gnu::cold]] void rundown_slow_pcpu_central_release(rundown_pcpu* p, unsigned long n) noexcept;
[[noreturn, gnu::cold]] void rundown_slow_pcpu_no_cpu(const rundown_pcpu* p) noexcept;
#pragma GCC visibility pop
}

namespace rundown::inline abi2::detail {

using u64_ref = std::atomic_ref<std::uint64_t>;
using i64_ref = std::atomic_ref<std::int64_t>;
using u32_ref = std::atomic_ref<std::uint32_t>;

[[noreturn]] inline void misuse(const char* what) noexcept { rundown_slow_misuse(what); }

// ---------------------------------------------------------------------------
// Plain word (NT's layout, with a "trap" bit in front):
//   bit 0       k_trap     acquires and releases leave the inline code: set
//                          while run down, and always on a tracked object
//   bit 1       k_dying    run-down in progress: acquires fail
//   bits 2-33   the count, in units of 4 (k_bias)
//   bit 34      k_tracked  the object records its holders (RUNDOWN_DEBUG)
//   bits 35-63  a generation, bumped by reinit, so that a wait that is
//               still running can tell that its run-down is over (and
//               the key of a tracked object's holder records)
// The inline acquire tests bit 0 where it tested the dying bit before, and
// the inline release tests it instead of comparing the new value with
// "dying, no holder": an untracked object's fast paths cost what they did.
// The protocol, tracking included, is modelled in
// selftests/model/librundown-plain.pml (make check-model).
inline constexpr std::uint64_t k_trap = 1;       // bit 0
inline constexpr std::uint64_t k_dying = 2;      // bit 1
inline constexpr std::uint64_t k_run_down = k_trap | k_dying;
inline constexpr std::uint64_t k_bias = 4;       // one reference
inline constexpr std::uint64_t k_word_max = std::uint64_t{RUNDOWN_ACQUIRE_MAX} * k_bias;
inline constexpr std::uint64_t k_tracked = std::uint64_t{1} << 34;
inline constexpr int k_gen_shift = 35;
inline constexpr std::uint64_t k_gen_unit = std::uint64_t{1} << k_gen_shift;
inline constexpr std::uint64_t k_state = k_tracked - 1;  // trap, dying, count
inline constexpr std::uint64_t k_count = k_state & ~k_run_down;
static_assert(k_word_max <= k_count);
inline constexpr rundown_ref k_ref_init_dead = RUNDOWN_REF_INIT_DEAD;
static_assert(k_ref_init_dead.count == k_run_down, "RUNDOWN_REF_INIT_DEAD is a drained run-down");

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
		// Out of line once run-down began (it fails there) or on a
		// tracked object, and when the total would pass the limit (it
		// fails there too; the count is at most k_word_max, no wrap).
		if ((old & k_trap) || (old & k_count) > k_word_max - add) [[unlikely]]
			return rundown_slow_plain_acquire(r, n);
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
	// of the word's state == k_run_down (wait's fetch_or / load in
	// src/rundown.cpp). Later RMWs on the word keep this store in the
	// release sequence, so the waiter synchronizes with every release.
	const std::uint64_t old =
		plain_word(r).fetch_sub(std::uint64_t{n} * k_bias, std::memory_order_release);
	// Slow path only while run down (the release that empties the word
	// wakes the waiters), on a tracked object, or when it took more than
	// was held.
	if ((old & k_trap) || ((old & k_count) >> 2) < n) [[unlikely]]
		rundown_slow_plain_release(r, old, n);
}

inline void plain_release(rundown_ref* r) noexcept { plain_release_many(r, 1); }

inline bool plain_is_active(const rundown_ref* r) noexcept
{
	// Racy query, orders nothing.
	return !(u64_ref(const_cast<std::uint64_t&>(r->count)).load(std::memory_order_relaxed) & k_dying);
}

// ---------------------------------------------------------------------------
// Cache-aware (the protocols are described in <rundown/rundown.hpp>; the
// slow paths, the fence and the sweep live in src/pcpu.cpp).
//
// rundown_pcpu::count, the central count: 0 while live (that is the
// run-down flag the read side checks: count != 0), else
//   bit 63 k_pc_dying     run-down began
//   bit 62 k_pc_sleepers  a waiter sleeps (or is about to) on the low half
//   bit 61 k_pc_unswept   the slots have not been summed in yet
//   bits 0-60             references: k_pc_bias minus the releases that
//                         came here, until the sweep adds the slots' sum
//                         and removes the bias; then exactly those held.
// "Drained" is one acquire load: (count & ~k_pc_sleepers) == k_pc_dying.
inline constexpr std::uint64_t k_pc_dying = std::uint64_t{1} << 63;
inline constexpr std::uint64_t k_pc_sleepers = std::uint64_t{1} << 62;
inline constexpr std::uint64_t k_pc_unswept = std::uint64_t{1} << 61;
inline constexpr std::uint64_t k_pc_count = k_pc_unswept - 1;
// The bias has 2^31 in its low half, the futex word: that word changes at
// the hand-over and whenever the count drains (a bias with a zero low half
// would read the same before a hand-over with no releases and after the
// drain, and a waiter could sleep through the wake).
inline constexpr std::uint64_t k_pc_bias = (std::uint64_t{1} << 59) | (std::uint64_t{1} << 31);

// rundown_pcpu::mode: the protocol, fixed at init (the process's choice).
// The inline code runs the first two; the others go out of line.
inline constexpr std::uint32_t k_mode_rseq = 1;         // rseq sections, membarrier fence
inline constexpr std::uint32_t k_mode_locked_rseq = 2;  // locked slots, CPU from the rseq area
inline constexpr std::uint32_t k_mode_locked = 3;       // locked slots, CPU from sched_getcpu()
inline constexpr std::uint32_t k_mode_tracked = 4;      // locked slots, holders recorded

// A slot of the rseq protocol counts acquires in its word 0 and releases
// in its word 1 (both modular; held = the sums' difference).
inline constexpr int k_rseq_acquires = 0;
inline constexpr int k_rseq_releases = 1;
// A slot of the locked protocol counts in units of 2; bit 0 = collapsed:
// the sweep took its count, acquires fail, releases go to the central
// count.
inline constexpr std::uint64_t k_lk_collapsed = 1;
inline constexpr std::uint64_t k_lk_unit = 2;
inline constexpr int k_slot_words = RUNDOWN_PCPU_STRIDE / sizeof(std::uint64_t);

inline u64_ref pcpu_slot(rundown_pcpu* p, unsigned cpu) noexcept
{
	return u64_ref(p->slots[static_cast<std::size_t>(cpu) * k_slot_words]);
}

// The CPU this thread runs on, from glibc's rseq area, for the locked
// protocol: only a hint (the thread may migrate right after; correctness
// never depends on it). At or above nr_slots for a thread without the
// registration. Only in mode k_mode_locked_rseq (p->rseq_offset is set).
inline std::uint32_t pcpu_rseq_cpu(const rundown_pcpu* p) noexcept
{
	auto* id = reinterpret_cast<std::uint32_t*>(static_cast<char*>(__builtin_thread_pointer()) +
						    p->rseq_offset + k_rseq_cpu_id_offset);
	// Written by the kernel on migration; relaxed: a hint.
	return u32_ref(*id).load(std::memory_order_relaxed);
}

// The locked protocol's acquire on slot @cpu (< nr_slots).
inline bool pcpu_locked_acquire(rundown_pcpu* p, unsigned cpu, unsigned long n) noexcept
{
	u64_ref s = pcpu_slot(p, cpu);
	const std::uint64_t add = std::uint64_t{n} * k_lk_unit;
	std::uint64_t old = s.load(std::memory_order_relaxed);
	do {
		if (old & k_lk_collapsed) [[unlikely]]
			return false;
		// Success: acquire, pairs with [B] reinit's release stores.
	} while (!s.compare_exchange_weak(old, old + add, std::memory_order_acquire,
					  std::memory_order_relaxed));
	return true;
}

// The locked protocol's release on slot @cpu (< nr_slots).
inline void pcpu_locked_release(rundown_pcpu* p, unsigned cpu, unsigned long n) noexcept
{
	// Release: [A], pairs with the sweep's acquire exchange of this slot
	// (or, on a collapsed slot, through the central count).
	const std::uint64_t old =
		pcpu_slot(p, cpu).fetch_sub(std::uint64_t{n} * k_lk_unit, std::memory_order_release);
	if (old & k_lk_collapsed) [[unlikely]]
		rundown_slow_pcpu_central_release(p, n);
}

inline bool pcpu_acquire_many(rundown_pcpu* p, unsigned long n) noexcept
{
	if (!valid_count(n)) [[unlikely]]
		return false;
	if constexpr (k_rseq_arch) {
		if (p->mode == k_mode_rseq) [[likely]] {
			// [B]: the flag load in the section is an acquire load.
			const rseq_outcome o = rseq_slot_add<k_rseq_acquires>(p, n);
			if (o == rseq_outcome::committed) [[likely]]
				return true;
			if (o == rseq_outcome::flagged)
				return false;
			rundown_slow_pcpu_no_cpu(p);
		}
		if (p->mode == k_mode_locked_rseq) [[likely]] {
			const std::uint32_t cpu = pcpu_rseq_cpu(p);
			if (cpu < p->nr_slots) [[likely]]
				return pcpu_locked_acquire(p, cpu, n);
		}
	}
	// The locked protocol without the rseq area's CPU number, a tracked
	// object, one whose init failed: out of line.
	return rundown_slow_pcpu_acquire(p, n);
}

inline bool pcpu_acquire(rundown_pcpu* p) noexcept { return pcpu_acquire_many(p, 1); }

inline void pcpu_release_many(rundown_pcpu* p, unsigned long n) noexcept
{
	if (n == 0)
		return;
	if (n > RUNDOWN_ACQUIRE_MAX) [[unlikely]]
		misuse("rundown_pcpu_release_many: count above RUNDOWN_ACQUIRE_MAX");
	if constexpr (k_rseq_arch) {
		if (p->mode == k_mode_rseq) [[likely]] {
			// [A] for a committed release: the membarrier fence
			// orders everything before the section before the sweep.
			const rseq_outcome o = rseq_slot_add<k_rseq_releases>(p, n);
			if (o == rseq_outcome::committed) [[likely]]
				return;
			if (o == rseq_outcome::flagged) {
				rundown_slow_pcpu_central_release(p, n);
				return;
			}
			rundown_slow_pcpu_no_cpu(p);
		}
		if (p->mode == k_mode_locked_rseq) [[likely]] {
			const std::uint32_t cpu = pcpu_rseq_cpu(p);
			if (cpu < p->nr_slots) [[likely]] {
				pcpu_locked_release(p, cpu, n);
				return;
			}
		}
	}
	rundown_slow_pcpu_release(p, n);
}

inline void pcpu_release(rundown_pcpu* p) noexcept { pcpu_release_many(p, 1); }

inline bool pcpu_is_active(const rundown_pcpu* p) noexcept
{
	// Racy query, orders nothing: what an acquire of the rseq protocol
	// checks (the locked one fails a moment later, at the sweep).
	return u64_ref(const_cast<std::uint64_t&>(p->count)).load(std::memory_order_relaxed) == 0;
}

}  // namespace rundown::inline abi2::detail

#endif  // RUNDOWN_DETAIL_CORE_HPP

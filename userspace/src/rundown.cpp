// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// librundown, the plain variant: its slow paths (waits, wakes, reinit) and
// C API, and the misuse report both variants share. The cache-aware variant
// is in pcpu.cpp; the fast paths are inline in <rundown/detail/core.hpp>;
// the protocols are described in <rundown/rundown.hpp>. Nothing here throws
// or allocates.

#include <rundown/detail/core.hpp>

#include "debug.hpp"
#include "futex.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace rundown::inline abi2::detail {

namespace {

// ---------------------------------------------------------------------------
// Plain word.
//
// Waiters sleep on the 32-bit half of the word that holds bit 0 (the low
// half). Only the release that takes the word's state to exactly
// k_run_down (run-down in progress, no holder left) wakes them; while no
// wait began, the trap bit is clear (on an untracked object) and no
// release leaves the inline code.

std::uint32_t* plain_futex(rundown_ref* r) noexcept { return low_half(&r->count); }

std::uint32_t plain_generation(std::uint64_t word) noexcept
{
	return static_cast<std::uint32_t>(word >> k_gen_shift);
}

// The state of a live word set up now: tracked or not (RUNDOWN_DEBUG).
std::uint64_t plain_fresh_word() noexcept
{
	if (!debug::tracking())
		return 0;
	return (std::uint64_t{debug::fresh_generation()} << k_gen_shift) | k_tracked | k_trap;
}

void plain_report(rundown_ref* r, std::uint64_t v, const debug::stall_watch& watch) noexcept
{
	const bool tracked = v & k_tracked;
	debug::report({r, "rundown_ref", tracked ? "plain, tracked" : "plain", true, (v & k_count) >> 2, tracked,
		       plain_generation(v), watch.waited_ns()});
}

// Sleep until the run-down of the generation we joined is over: no holder
// left, or a reinit since. 0, or -ETIMEDOUT at @deadline.
int plain_wait(rundown_ref* r, std::uint64_t deadline, bool spin) noexcept
{
	u64_ref w = plain_word(r);
	debug::stall_watch watch = debug::stall_watch::start();
	// Begin run-down: from here on every acquire fails. Acquire: [A], in
	// case the holders are gone already (reading "no holders" pairs with
	// the releases' fetch_sub: the word's release sequence).
	std::uint64_t v = w.fetch_or(k_run_down, std::memory_order_acquire) | k_run_down;
	const std::uint64_t gen = v & ~k_state;
	// Over: no holder left, or the owner reinitialised (the generation
	// moved on; its CAS read "no holder" with acquire first, and released).
	const auto over = [gen](std::uint64_t x) {
		return (x & ~k_state) != gen || (x & k_state) == k_run_down;
	};
	for (int i = 0; !over(v) && spin && i < k_spin_rounds; ++i) {
		cpu_relax();
		v = w.load(std::memory_order_acquire);  // [A]
	}
	while (!over(v)) {
		if (expired(deadline))
			return -ETIMEDOUT;
		if (watch.due())
			plain_report(r, v, watch);
		const auto low = static_cast<std::uint32_t>(v);
		std::uint64_t until = watch.sleep_until(deadline);
		// With exactly a multiple of 2^30 references held, the low half
		// already reads k_run_down: the last release would not change
		// it, and FUTEX_WAIT could sleep through its wake. Poll each
		// millisecond in that (theoretical) case instead. A reinit
		// changes the low half too (bit 1 goes).
		if (low == k_run_down)
			until = std::min(until, now_ns() + 1000000U);
		(void)futex_wait(plain_futex(r), low, until);
		v = w.load(std::memory_order_acquire);  // [A]
	}
	return 0;
}

}  // namespace

}  // namespace rundown::inline abi2::detail

using namespace rundown::detail;

// ---------------------------------------------------------------------------
// The slow paths the inline code calls.

extern "C" {

void rundown_slow_misuse(const char* what) noexcept
{
	std::fprintf(stderr, "rundown: misuse: %s\n", what);
	std::fflush(stderr);
	std::abort();
}

bool rundown_slow_plain_acquire(rundown_ref* r, unsigned long n) noexcept
{
	// The inline code checked n; it comes here when the word's trap bit
	// is set (run down, or tracked) or the count is at its limit.
	const std::uint64_t add = std::uint64_t{n} * k_bias;
	u64_ref w = plain_word(r);
	std::uint64_t old = w.load(std::memory_order_relaxed);
	do {
		if ((old & k_dying) || (old & k_count) > k_word_max - add)
			return false;
		// Success: acquire, [B] as inline.
	} while (!w.compare_exchange_weak(old, old + add, std::memory_order_acquire,
					  std::memory_order_relaxed));
	if (old & k_tracked)
		debug::record(r, plain_generation(old), n, __builtin_return_address(0));
	return true;
}

void rundown_slow_plain_release(rundown_ref* r, std::uint64_t old, unsigned long n) noexcept
{
	if (((old & k_count) >> 2) < n)
		misuse("rundown_release: more releases than acquires");
	// After the release: a waiter may have returned and the object be
	// gone, but the records are ours, keyed by the object's address and
	// generation, which a new object there does not share.
	if (old & k_tracked)
		debug::drop(r, plain_generation(old), n);
	// We took the word to "run down, no holder": a wait began and we
	// dropped the last reference. Wake the waiters (they re-read the word
	// with [A]). The futex key is the address: harmless after a free.
	if (((old - std::uint64_t{n} * k_bias) & k_state) == k_run_down)
		futex_wake_all(plain_futex(r));
}

}  // extern "C"

// ---------------------------------------------------------------------------
// The C API.

extern "C" {

void rundown_init(rundown_ref* ref) noexcept
{
	// A new object at this address: whatever records an old one left go.
	debug::forget(ref);
	plain_word(ref).store(plain_fresh_word(), std::memory_order_relaxed);
}

void rundown_reinit(rundown_ref* ref) noexcept
{
	u64_ref w = plain_word(ref);
	std::uint64_t v = w.load(std::memory_order_relaxed);
	// A statically initialised object starts tracking here.
	const std::uint64_t track = debug::tracking() ? k_tracked | k_trap : 0;
	// Live, next generation. acq_rel: acquire is [A] (we take over from
	// the last holder, like a wait); release is [B], pairing with the
	// next successful acquires, and tells late waiters it is over.
	std::uint64_t next;
	do {
		if ((v & k_state) != k_run_down)
			misuse((v & k_dying) ? "rundown_reinit: references still held (wait for run-down first)"
					     : "rundown_reinit: not run down (wait first)");
		next = (v & ~k_state) + k_gen_unit;
		next |= (next & k_tracked) ? k_trap : track;
	} while (!w.compare_exchange_weak(v, next, std::memory_order_acq_rel, std::memory_order_relaxed));
}

bool rundown_acquire(rundown_ref* ref) noexcept { return plain_acquire(ref); }
bool rundown_acquire_many(rundown_ref* ref, unsigned long n) noexcept { return plain_acquire_many(ref, n); }
void rundown_release(rundown_ref* ref) noexcept { plain_release(ref); }
void rundown_release_many(rundown_ref* ref, unsigned long n) noexcept { plain_release_many(ref, n); }
void rundown_wait(rundown_ref* ref) noexcept { (void)plain_wait(ref, k_forever, true); }
int rundown_wait_timeout(rundown_ref* ref, uint64_t timeout_ns) noexcept
{
	return plain_wait(ref, deadline_after(timeout_ns), timeout_ns != 0);
}
int rundown_wait_until(rundown_ref* ref, uint64_t deadline_ns) noexcept
{
	return plain_wait(ref, deadline_ns, true);
}

void rundown_completed(rundown_ref* ref) noexcept
{
	if ((plain_word(ref).load(std::memory_order_acquire) & k_state) != k_run_down)
		misuse("rundown_completed: run-down not finished (wait first)");
}

bool rundown_is_active(const rundown_ref* ref) noexcept { return plain_is_active(ref); }

}  // extern "C"

// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// librundown, the plain variant: its slow paths (waits, wakes, reinit) and
// C API, and the misuse report both variants share. The cache-aware variant
// is in pcpu.cpp; the fast paths are inline in <rundown/detail/core.hpp>;
// the protocols are described in <rundown/rundown.hpp>. Nothing here throws
// or allocates.

#include <rundown/detail/core.hpp>

#include "futex.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace rundown::inline abi1::detail {

namespace {

// ---------------------------------------------------------------------------
// Plain word.
//
// Waiters sleep on the 32-bit half of the word that holds bit 0 (the low
// half). Only the release that takes the word to exactly k_dying (run-down
// in progress, no holder left) wakes them; while no wait began, bit 0 is
// clear and no release ever enters the kernel.

std::uint32_t* plain_futex(rundown_ref* r) noexcept { return low_half(&r->count); }

// Sleep until the run-down of the generation we joined is over: no holder
// left, or a reinit since. 0, or -ETIMEDOUT at @deadline.
int plain_wait(rundown_ref* r, std::uint64_t deadline, bool spin) noexcept
{
	u64_ref w = plain_word(r);
	// Begin run-down: from here on every acquire fails. Acquire: [A], in
	// case the holders are gone already (reading "no holders" pairs with
	// the releases' fetch_sub: the word's release sequence).
	std::uint64_t v = w.fetch_or(k_dying, std::memory_order_acquire) | k_dying;
	const std::uint64_t gen = v & ~k_state;
	// Over: no holder left, or the owner reinitialised (the generation
	// moved on; its CAS read "no holder" with acquire first, and released).
	const auto over = [gen](std::uint64_t x) { return (x & ~k_state) != gen || (x & k_state) == k_dying; };
	for (int i = 0; !over(v) && spin && i < k_spin_rounds; ++i) {
		cpu_relax();
		v = w.load(std::memory_order_acquire);  // [A]
	}
	while (!over(v)) {
		if (expired(deadline))
			return -ETIMEDOUT;
		const auto low = static_cast<std::uint32_t>(v);
		std::uint64_t until = deadline;
		// With exactly a multiple of 2^31 references held, the low half
		// already reads k_dying: the last release would not change it,
		// and FUTEX_WAIT could sleep through its wake. Poll each
		// millisecond in that (theoretical) case instead. A reinit
		// changes the low half too (bit 0 goes).
		if (low == k_dying)
			until = std::min(deadline, now_ns() + 1000000U);
		(void)futex_wait(plain_futex(r), low, until);
		v = w.load(std::memory_order_acquire);  // [A]
	}
	return 0;
}

}  // namespace

}  // namespace rundown::inline abi1::detail

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

void rundown_slow_plain_release(rundown_ref* r, std::uint64_t old, unsigned long n) noexcept
{
	if (((old & k_state) >> 1) < n)
		misuse("rundown_release: more releases than acquires");
	// We took the word to "dying, no holder": a wait began and we dropped
	// the last reference. Wake the waiters (they re-read the word with [A]).
	futex_wake_all(plain_futex(r));
}

}  // extern "C"

// ---------------------------------------------------------------------------
// The C API.

extern "C" {

void rundown_init(rundown_ref* ref) noexcept { plain_word(ref).store(0, std::memory_order_relaxed); }

void rundown_reinit(rundown_ref* ref) noexcept
{
	u64_ref w = plain_word(ref);
	std::uint64_t v = w.load(std::memory_order_relaxed);
	// Live, next generation. acq_rel: acquire is [A] (we take over from
	// the last holder, like a wait); release is [B], pairing with the
	// next successful acquires, and tells late waiters it is over.
	do {
		if ((v & k_state) != k_dying)
			misuse((v & k_dying) ? "rundown_reinit: references still held (wait for run-down first)"
					     : "rundown_reinit: not run down (wait first)");
	} while (!w.compare_exchange_weak(v, (v & ~k_state) + k_gen_unit, std::memory_order_acq_rel,
					  std::memory_order_relaxed));
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
	if ((plain_word(ref).load(std::memory_order_acquire) & k_state) != k_dying)
		misuse("rundown_completed: run-down not finished (wait first)");
}

bool rundown_is_active(const rundown_ref* ref) noexcept { return plain_is_active(ref); }

}  // extern "C"

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

namespace rundown::detail {

void misuse(const char* what) noexcept
{
	std::fprintf(stderr, "rundown: misuse: %s\n", what);
	std::fflush(stderr);
	std::abort();
}

namespace {

// ---------------------------------------------------------------------------
// Plain word.
//
// Waiters sleep on the 32-bit half of the word that holds bit 0 (the low
// half). Only the release that takes the word to exactly k_dying (run-down
// in progress, no holder left) wakes them; while no wait began, bit 0 is
// clear and no release ever enters the kernel.

std::uint32_t* plain_futex(rundown_ref* r) noexcept { return low_half(&r->count); }

int plain_wait(rundown_ref* r, std::uint64_t timeout_ns) noexcept
{
	u64_ref w = plain_word(r);
	// Fast path, nobody holds it: 0 -> k_dying in one CAS (a fetch_or
	// whose result is used is a CAS loop on x86 anyway). Acquire on both
	// outcomes: reading 0 or k_dying is [A], pairing with the releases'
	// fetch_sub (the word's release sequence).
	std::uint64_t v = 0;
	if (w.compare_exchange_strong(v, k_dying, std::memory_order_acquire, std::memory_order_acquire) ||
	    v == k_dying)
		return 0;
	// Begin run-down: from here on every acquire fails. Acquire: [A] in
	// case the holders are gone by now.
	v = w.fetch_or(k_dying, std::memory_order_acquire) | k_dying;

	const std::uint64_t deadline = deadline_after(timeout_ns);
	for (int i = 0; v != k_dying && timeout_ns != 0 && i < k_spin_rounds; ++i) {
		cpu_relax();
		v = w.load(std::memory_order_acquire);  // [A]
	}
	while (v != k_dying) {
		if (expired(deadline))
			return -ETIMEDOUT;
		const auto low = static_cast<std::uint32_t>(v);
		std::uint64_t until = deadline;
		// With exactly a multiple of 2^31 references held, the low half
		// already reads k_dying: the last release would not change it,
		// and FUTEX_WAIT could sleep through its wake. Poll each
		// millisecond in that (theoretical) case instead.
		if (low == k_dying)
			until = std::min(deadline, now_ns() + 1000000U);
		(void)futex_wait(plain_futex(r), low, until);
		v = w.load(std::memory_order_acquire);  // [A]
	}
	return 0;
}

}  // namespace

void plain_release_slow(rundown_ref* r, std::uint64_t old, unsigned long n) noexcept
{
	if ((old >> 1) < n)
		misuse("rundown_release: more releases than acquires");
	// We took the word to exactly k_dying: a wait began and we dropped the
	// last reference. Wake the waiters (they re-read the word with [A]).
	futex_wake_all(plain_futex(r));
}

}  // namespace rundown::detail

// ---------------------------------------------------------------------------
// The C API.

using namespace rundown::detail;

extern "C" {

void rundown_init(rundown_ref* ref) noexcept { plain_word(ref).store(0, std::memory_order_relaxed); }

void rundown_reinit(rundown_ref* ref) noexcept
{
	std::uint64_t v = k_dying;
	// acq_rel: acquire is [A] (we take over from the last holder, like a
	// wait); release is [B], pairing with the next successful acquires.
	if (!plain_word(ref).compare_exchange_strong(v, 0, std::memory_order_acq_rel,
						     std::memory_order_relaxed))
		misuse((v & k_dying) ? "rundown_reinit: references still held (wait for run-down first)"
				     : "rundown_reinit: not run down (wait first)");
}

bool rundown_acquire(rundown_ref* ref) noexcept { return plain_acquire(ref); }
bool rundown_acquire_many(rundown_ref* ref, unsigned long n) noexcept { return plain_acquire_many(ref, n); }
void rundown_release(rundown_ref* ref) noexcept { plain_release(ref); }
void rundown_release_many(rundown_ref* ref, unsigned long n) noexcept { plain_release_many(ref, n); }
void rundown_wait(rundown_ref* ref) noexcept { plain_wait(ref, k_forever); }
int rundown_wait_timeout(rundown_ref* ref, uint64_t timeout_ns) noexcept
{
	return plain_wait(ref, timeout_ns);
}

void rundown_completed(rundown_ref* ref) noexcept
{
	if (plain_word(ref).load(std::memory_order_acquire) != k_dying)
		misuse("rundown_completed: run-down not finished (wait first)");
}

bool rundown_is_active(const rundown_ref* ref) noexcept { return plain_is_active(ref); }

}  // extern "C"

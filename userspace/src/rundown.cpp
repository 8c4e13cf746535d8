// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// librundown: the slow paths (waits, wakes, reinit, misuse reports) and the
// C API of <rundown/rundown.h>. The fast paths are inline in
// <rundown/detail/core.hpp>; the protocol is described in
// <rundown/rundown.hpp>. Nothing here throws or allocates, except
// rundown_pcpu_init's slot array.

#include <rundown/detail/core.hpp>

#include "futex.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

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

std::uint32_t* plain_futex(rundown_ref* r) noexcept
{
	auto* half = reinterpret_cast<std::uint32_t*>(&r->count);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return half + 1;
#else
	return half;
#endif
}

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

// ---------------------------------------------------------------------------
// Cache-aware.
//
// Run-down (the first waiter, who moves state from live to running-down):
//  1. mark every slot (fetch_or bit 0): acquires fail from then on;
//  2. collect every slot: exchange it with "dying | collapsed" and sum the
//     old counts (modular: exact as long as fewer than 2^61 are held);
//  3. add the sum minus k_central_bias to central in one RMW.
// central starts at k_central_bias (2^62), so it cannot reach 0 before
// step 3 whatever order the releases come in. A release whose fetch_sub
// saw bit 0 (slow path):
//  - slot not collapsed yet: its delta stays in the slot and step 2 takes
//    it. It must not touch the object again: the waiter may be gone.
//  - slot collapsed: step 2 will not see its delta, so it subtracts from
//    central itself. The wait cannot end before that subtraction, so the
//    object is still alive for it.
// Whoever brings central to 0 (step 3, or the last such release) sets
// state to dead and wakes the sleepers, if any marked themselves.
// Percpu_ref's "switch to atomic mode" is the same idea, with an RCU grace
// period where we have the collapsed bit.

constexpr std::int64_t k_central_bias = std::int64_t{1} << 62;

u64_ref pcpu_slot_at(rundown_pcpu* p, std::uint32_t i) noexcept
{
	return u64_ref(p->slots[static_cast<std::size_t>(i) * k_slot_words]);
}

void pcpu_finish(rundown_pcpu* p) noexcept
{
	// Release: pairs with the waiters' acquire loads of state == k_dead;
	// with the acq_rel chain on central before it, that is [A] for
	// every holder.
	const std::uint32_t old = u32_ref(p->state).exchange(k_dead, std::memory_order_release);
	if (old & k_sleepers)
		futex_wake_all(&p->state);
}

void pcpu_collect(rundown_pcpu* p) noexcept
{
	// 1. Mark. Relaxed: it publishes nothing; each slot's later exchange
	// follows its mark in that slot's modification order, so every
	// successful acquire on a slot precedes the slot's collection.
	for (std::uint32_t i = 0; i < p->nr_slots; ++i)
		pcpu_slot_at(p, i).fetch_or(k_dying, std::memory_order_relaxed);
	// 2. Collect. Acquire: [A], pairs with the release fetch_sub of every
	// holder whose release landed in the slot before this exchange.
	std::uint64_t sum = 0;
	for (std::uint32_t i = 0; i < p->nr_slots; ++i)
		sum += pcpu_slot_at(p, i).exchange(k_dying | k_collapsed, std::memory_order_acquire) &
		       ~(k_dying | k_collapsed);
	const std::int64_t held = static_cast<std::int64_t>(sum) >> 2;
	// 3. Hand over, drop the bias. acq_rel: acquire pairs with the
	// central fetch_sub of releases on already collapsed slots; release
	// pairs with the acquire of the release that later takes central to
	// 0, so its k_dead store carries our collection along.
	const std::int64_t left =
		i64_ref(p->central).fetch_add(held - k_central_bias, std::memory_order_acq_rel) + held -
		k_central_bias;
	if (left < 0)
		misuse("rundown_pcpu_release: more releases than acquires");
	if (left == 0)
		pcpu_finish(p);
}

int pcpu_wait(rundown_pcpu* p, std::uint64_t timeout_ns) noexcept
{
	u32_ref st(p->state);
	// Acquire: pairs with pcpu_finish's release exchange.
	std::uint32_t s = st.load(std::memory_order_acquire);
	if (s == k_dead)
		return 0;
	if (s == k_live && st.compare_exchange_strong(s, k_running_down, std::memory_order_acquire,
						      std::memory_order_acquire)) {
		pcpu_collect(p);
		s = st.load(std::memory_order_acquire);
	}

	const std::uint64_t deadline = deadline_after(timeout_ns);
	for (int i = 0; s != k_dead && timeout_ns != 0 && i < k_spin_rounds; ++i) {
		cpu_relax();
		s = st.load(std::memory_order_acquire);
	}
	while (s != k_dead) {
		if (s == k_live)
			misuse("rundown_pcpu_reinit raced a wait");
		if (expired(deadline))
			return -ETIMEDOUT;
		if (s == k_running_down) {
			// Ask the finisher for a wake. FUTEX_WAIT re-checks the
			// value under the futex bucket lock, which pairs with the
			// finisher's exchange + FUTEX_WAKE; acquire only because a
			// failure may read k_dead (and success may not be weaker).
			if (!st.compare_exchange_weak(s, k_running_down | k_sleepers,
						      std::memory_order_acquire, std::memory_order_acquire))
				continue;
			s = k_running_down | k_sleepers;
		}
		(void)futex_wait(&p->state, s, deadline);
		s = st.load(std::memory_order_acquire);
	}
	return 0;
}

// Possible CPUs (not online ones: a CPU may come online later), from the
// highest id in /sys/devices/system/cpu/possible ("0-3", "0,2-5").
std::uint32_t possible_cpus() noexcept
{
	static const std::uint32_t n = [] {
		long max = -1;
		if (FILE* f = std::fopen("/sys/devices/system/cpu/possible", "re")) {
			char buf[256] = {};
			if (std::fgets(buf, sizeof(buf), f)) {
				// Numbers separated by '-' and ',': read digits only.
				for (char* s = buf; *s;) {
					if (*s < '0' || *s > '9') {
						++s;
						continue;
					}
					char* end = nullptr;
					max = std::max(max, std::strtol(s, &end, 10));
					s = end;
				}
			}
			std::fclose(f);
		}
		if (max < 0)
			max = sysconf(_SC_NPROCESSORS_CONF) - 1;
		return static_cast<std::uint32_t>(std::clamp(max + 1, 1L, 1L << 20));
	}();
	return n;
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

void pcpu_release_slow(rundown_pcpu* p, std::uint64_t old, unsigned long n) noexcept
{
	if (!(old & k_collapsed))
		return;  // the collection takes our delta with the slot
	// acq_rel: release is [A] for this holder (central's release sequence
	// reaches whoever takes it to 0); acquire, in case that is us, so our
	// k_dead store carries the other holders and the collection along.
	const std::int64_t left =
		i64_ref(p->central).fetch_sub(static_cast<std::int64_t>(n), std::memory_order_acq_rel) -
		static_cast<std::int64_t>(n);
	if (left < 0)
		misuse("rundown_pcpu_release: more releases than acquires");
	if (left == 0)
		pcpu_finish(p);
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

int rundown_pcpu_init(rundown_pcpu* ref) noexcept
{
	const std::uint32_t n = possible_cpus();
	const std::size_t bytes = std::size_t{n} * RUNDOWN_PCPU_STRIDE;
	void* mem = std::aligned_alloc(RUNDOWN_PCPU_STRIDE, bytes);
	if (!mem)
		return -ENOMEM;
	std::memset(mem, 0, bytes);
	// Not atomic ops: nobody may use the object during init.
	ref->slots = static_cast<std::uint64_t*>(mem);
	ref->nr_slots = n;
	ref->state = k_live;
	ref->central = k_central_bias;
	ref->slot_max = (std::int64_t{1} << 60) / n;
	return 0;
}

void rundown_pcpu_exit(rundown_pcpu* ref) noexcept
{
	std::free(ref->slots);
	ref->slots = nullptr;
	ref->nr_slots = 0;
}

void rundown_pcpu_reinit(rundown_pcpu* ref) noexcept
{
	u32_ref st(ref->state);
	// Acquire: pairs with pcpu_finish (we take over from the holders).
	const std::uint32_t s = st.load(std::memory_order_acquire);
	if (s != k_dead)
		misuse(s == k_live ? "rundown_pcpu_reinit: not run down (wait first)"
				   : "rundown_pcpu_reinit: references still held (wait for run-down first)");
	// Relaxed: published by the slot stores below.
	i64_ref(ref->central).store(k_central_bias, std::memory_order_relaxed);
	st.store(k_live, std::memory_order_relaxed);
	// Release: [B], pairs with the acquire CAS of the next acquires.
	for (std::uint32_t i = 0; i < ref->nr_slots; ++i)
		pcpu_slot_at(ref, i).store(0, std::memory_order_release);
}

bool rundown_pcpu_acquire(rundown_pcpu* ref) noexcept { return pcpu_acquire(ref); }
bool rundown_pcpu_acquire_many(rundown_pcpu* ref, unsigned long n) noexcept
{
	return pcpu_acquire_many(ref, n);
}
void rundown_pcpu_release(rundown_pcpu* ref) noexcept { pcpu_release(ref); }
void rundown_pcpu_release_many(rundown_pcpu* ref, unsigned long n) noexcept { pcpu_release_many(ref, n); }
void rundown_pcpu_wait(rundown_pcpu* ref) noexcept { pcpu_wait(ref, k_forever); }
int rundown_pcpu_wait_timeout(rundown_pcpu* ref, uint64_t timeout_ns) noexcept
{
	return pcpu_wait(ref, timeout_ns);
}

void rundown_pcpu_completed(rundown_pcpu* ref) noexcept
{
	if (u32_ref(ref->state).load(std::memory_order_acquire) != k_dead)
		misuse("rundown_pcpu_completed: run-down not finished (wait first)");
}

bool rundown_pcpu_is_active(const rundown_pcpu* ref) noexcept { return pcpu_is_active(ref); }

}  // extern "C"

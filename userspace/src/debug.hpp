// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// librundown's debugging aids, RUNDOWN_DEBUG=stall=SECONDS[,track] (see
// rundown_init() in <rundown/rundown.h>): stalled-wait reports on stderr and
// holder records. The slow paths of both variants call in here; the inline
// fast paths never do (a tracked object's word or mode sends them out of
// line first). Nothing here allocates after load, throws or takes a lock on
// the acquire and release side: those hooks may run in signal handlers.

#ifndef RUNDOWN_SRC_DEBUG_HPP
#define RUNDOWN_SRC_DEBUG_HPP

#include "futex.hpp"

#include <algorithm>
#include <cstdint>

namespace rundown::inline abi2::detail::debug {

struct table;

// What RUNDOWN_DEBUG asked for, parsed once per process (at load, or at the
// first call, whichever comes first), never changed.
struct settings {
	std::uint64_t stall_ns = 0;  // report waits sleeping this long; 0: never
	table* records = nullptr;    // holder records; null: tracking is off
};

const settings& config() noexcept;

// True when objects initialised now should track their holders.
inline bool tracking() noexcept { return config().records != nullptr; }

// Holder records, keyed by the object's address and a generation (see the
// variants). record() must be called from the exported slow path itself,
// with its __builtin_return_address(0): the backtrace starts at its caller.
// drop() forgets @n references of @obj's generation @gen: the releasing
// thread's records first, else the newest ones. Lossy by design: when the
// table is full a record is dropped and counted; an acquire never fails
// for it.
void record(const void* obj, std::uint32_t gen, unsigned long n, const void* caller) noexcept;
void drop(const void* obj, std::uint32_t gen, unsigned long n) noexcept;
// Forget every record of @obj (its memory is being set up or freed).
void forget(const void* obj) noexcept;
// A generation for an object initialised now: its records never match
// those a freed object at the same address left behind.
std::uint32_t fresh_generation() noexcept;

// What a stalled wait knows about its object.
struct stalled_wait {
	const void* obj;
	const char* type;      // "rundown_ref", "rundown_pcpu"
	const char* variant;   // "plain", "cache-aware, rseq protocol", ...
	bool held_known;       // the cache-aware variant knows after its hand-over
	std::uint64_t held;
	bool tracked;          // the object records its holders
	std::uint32_t gen;     // of the records to list
	std::uint64_t waited_ns;
};

// Prints the report on stderr (serialised between threads).
void report(const stalled_wait& w) noexcept;

// One wait's stall timer: the moment it reports, once.
class stall_watch {
public:
	// Starts now, if RUNDOWN_DEBUG set a stall time.
	static stall_watch start() noexcept
	{
		stall_watch w;
		const std::uint64_t stall = config().stall_ns;
		if (stall != 0) {
			w.start_ = now_ns();
			w.at_ = stall >= k_forever - w.start_ ? k_forever : w.start_ + stall;
		}
		return w;
	}
	// The deadline to sleep until: @deadline, or earlier to report.
	std::uint64_t sleep_until(std::uint64_t deadline) const noexcept { return std::min(deadline, at_); }
	// True once, when the wait should report (the caller checked first
	// that its own deadline has not passed).
	bool due() noexcept
	{
		if (at_ == k_forever || now_ns() < at_)
			return false;
		at_ = k_forever;
		return true;
	}
	std::uint64_t waited_ns() const noexcept { return now_ns() - start_; }

private:
	std::uint64_t start_ = 0;
	std::uint64_t at_ = k_forever;
};

}  // namespace rundown::inline abi2::detail::debug

#endif  // RUNDOWN_SRC_DEBUG_HPP

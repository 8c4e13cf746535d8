// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// <rundown/rundown.hpp>: Windows NT run-down protection, in C++.
//
// What it is for
// --------------
// Run-down protection lets many threads use a resource while its owner may
// decide, at any moment, to tear it down. Users acquire protection (it never
// blocks and fails once the tear-down began), use the resource and release.
// The owner "runs the resource down": it waits until every holder released,
// after which no acquire can succeed and the resource can be freed or
// replaced. It is a reference count with a "dying" bit, and a wait that
// sleeps until the count drains. Unlike RCU, readers are counted, so the
// owner waits for exactly the holders of this object (not a grace period of
// the whole process), and an acquire can fail: the caller learns the
// resource is going away instead of using a stale copy.
//
// Example
// -------
//   struct engine { rundown::pcpu_ref live; scanner s; ... };
//
//   bool scan(engine& e, const file& f) {        // any thread
//       auto g = rundown::try_acquire(e.live);
//       if (!g)
//           return false;                        // being unloaded: back off
//       return e.s.scan(f);                      // safe until g goes out of scope
//   }
//
//   void unload(engine& e) {                     // the owner
//       e.live.wait();                           // new scans fail; old ones drain
//       e.live.completed();
//       destroy(e.s);                            // nobody can be inside any more
//   }
//
// Two variants, one interface:
//  - rundown::ref: one 64-bit word (NT's EX_RUNDOWN_REF, 8 bytes, no
//    destructor, constexpr-constructible). Acquire is a CAS loop, release a
//    single fetch_sub. Every thread hits the same cache line: best for
//    objects used by a few threads, or many objects.
//  - rundown::pcpu_ref: cache-aware (NT's EX_RUNDOWN_REF_CACHE_AWARE). One
//    slot per possible CPU on its own 128 bytes and a central count. While
//    the object is live, acquire and release touch only the current CPU's
//    slot, with no locked instruction and no barrier (the "rseq" protocol
//    below), so the read side costs what RCU's does and scales with cores.
//    Costs 128 bytes per possible CPU and a run-down that pays one
//    membarrier system call and visits every slot.
// rundown::kernel::ref / kernel::pcpu_ref (<rundown/kernel.hpp>) have the
// same interface, backed by /dev/rundown, so tests and benchmarks can swap
// the native implementation for the kernel's.
//
// Guarantees
// ----------
//  - acquire never blocks; it fails from the moment a wait began until
//    reinit(). acquire_many(n) fails, taking nothing, when n is 0, above
//    RUNDOWN_ACQUIRE_MAX, or when the count would overflow.
//  - release may run on any thread and CPU, not only the acquirer's.
//  - wait returns at once when nobody holds a reference; it may be called
//    again, and by several threads at once. It spins briefly, then sleeps
//    on a futex. wait_for/wait_until ([[nodiscard]] bool) give up with false
//    after the timeout: holders remain, the object must not be freed;
//    run-down stays in progress and the wait can be repeated. A
//    steady_clock deadline goes to the futex as it is.
//  - reinit() may come as soon as the owner's wait returned: a second
//    waiter of the same run-down that has not woken up yet returns too (a
//    generation in the word tells it that its run-down is over).
//  - everything a holder did before its release happens-before the return
//    of a wait that saw the count drained (release/acquire pairs, each named
//    at its operation in detail/core.hpp and src/rundown.cpp).
//  - release makes no system call unless a wait is in progress and it
//    dropped the last reference (ref), or a sleeping waiter must be woken
//    (pcpu_ref).
//  - misuse aborts with "rundown: misuse: ..." in every build: a release
//    without a matching acquire (ref: always; pcpu_ref: once run-down began),
//    reinit before run-down or while held, completed before the run-down
//    finished.
//
// The protocols
// -------------
// ref: NT's word with a trap bit in front (detail/core.hpp has the bits):
// bit 0 = trap (leave the inline code), bit 1 = run-down in progress, the
// count in units of 4. acquire CASes count+4 unless bit 0 is set (then it
// goes out of line, where it fails while run down); release fetch_subs 4
// and goes out of line when bit 0 was set. wait fetch_ors bits 0 and 1,
// then sleeps on the word's low 32 bits until its state is exactly 3 (run
// down, no holders). The release that takes it there is the only one that
// calls FUTEX_WAKE: the trap bit set means a waiter exists (or the object
// tracks its holders, RUNDOWN_DEBUG=track, and every acquire and release is
// out of line), so the release fast path stays one atomic op with no waiter
// flag of its own. Model: selftests/model/librundown-plain.pml.

// pcpu_ref, "rseq" protocol (x86-64 and aarch64 with glibc's rseq
// registration and MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ; the kernel's
// rundown_pcpu follows the same design with its own tools):
//  - Flag: the central count, 0 while live. Reader: inside an rseq critical
//    section on glibc's registration, read the CPU number, load the flag
//    (acquire), and if it is clear commit with one non-locked add to that
//    CPU's slot (release: subtract). The kernel aborts the section when
//    the thread is preempted, migrated or signalled inside it, and the
//    section restarts. (The kernel's reader disables preemption instead
//    and uses this_cpu_add: it cannot be interrupted half-way, where ours
//    is restarted.) A release that finds the flag set subtracts from the
//    central count with a fully ordered RMW.
//  - Run-down: set the flag (CAS 0 -> dying | unswept | bias); fence:
//    membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ), which runs a full
//    barrier on every CPU running one of our threads and aborts the
//    section in flight there (the kernel's fence is
//    synchronize_rcu_expedited(): a grace period waits for the sections
//    instead of aborting them). After the fence no section that read the
//    flag clear can commit, so the slots are frozen: sum them once
//    (modular: a reference taken on one CPU and dropped on another leaves
//    +1 and -1 behind) and hand the sum over to the central count in one
//    RMW that also removes the bias. The bias (2^59 + 2^31) keeps the
//    central count from reading 0 before the hand-over whatever the
//    releases that came to it since the flag. Drained is one acquire load:
//    the central count is 0 (with its flags). Whoever takes it there (the
//    hand-over or the last release) wakes the waiters that marked
//    themselves; the futex word is the count's low half, which is why the
//    bias has bits there. The waiter whose flag CAS succeeded fences,
//    sweeps and hands over; the others sleep. A reinit starts a new
//    generation: waiters of the finished run-down return, and when it had
//    sleepers the next flag starts with "sleepers" set, so that a late
//    waiter that read the futex word before the reinit is woken even if
//    the next run-down brings the word back to the value it read.
//  - Plain MEMBARRIER_CMD_PRIVATE_EXPEDITED would not do: a section that
//    read the flag clear before the fence could commit after the sweep.
//  - rundown_pcpu_wait_many() / rundown::wait_many() flag every object,
//    fence once, then sweep and wait for each: one system call for all.
//
// pcpu_ref, "locked" protocol (the fallback; chosen once per process where
// the rseq one cannot run: other architectures, __rseq_size == 0, e.g.
// GLIBC_TUNABLES=glibc.pthread.rseq=0, a kernel or a seccomp profile without
// membarrier's rseq commands, a ThreadSanitizer build of the library, or
// RUNDOWN_PCPU_PROTOCOL=locked in the environment, for debuggers: single-
// stepping through a critical section aborts it forever): a slot counts in
// units of 2, bit 0 = collapsed. acquire CASes +2 unless collapsed; release
// fetch_subs 2 and, when the slot was collapsed, subtracts from the central
// count. Run-down sets the flag the same way; its winner exchanges every
// slot with "collapsed" and hands the sum over as above; no fence, the
// exchanges are the fence. The two
// protocols never mix: every object of a process follows the process's
// choice, and a slot is only ever updated by one kind of instruction.
//
// fork(): the child keeps the parent's protocol (it inherits the rseq
// registration of the forking thread and the process's membarrier
// registration) and a copy of every object, with the references that any
// thread held at the fork still counted, as a copied lock stays locked:
// references of threads that do not exist in the child are never released
// there, so the child must not wait for those objects (it may for objects
// whose holders are its own). Objects are never shared between parent and
// child.
//
// Using it
// --------
// CMake: find_package(rundown 0.2) (0.x: each minor version its own API),
// then link rundown::rundown (shared) or rundown::rundown_static; both carry
// cxx_std_20. add_subdirectory/FetchContent of userspace/ builds neither
// tests nor benchmarks (RUNDOWN_BUILD_TESTS, RUNDOWN_BUILD_BENCH) and sets
// nothing global. C: pkg-config rundown. Guards: try_acquire(r),
// try_acquire_many(r, n), guard(r, std::adopt_lock[, n]) for references
// taken elsewhere; std::shared_lock<Ref>(r, std::try_to_lock) works
// (try_lock_shared/unlock_shared; there is no blocking lock_shared).
//
// ABI: the fast paths are inline, so the structs' layout and the words'
// encoding are baked into programs. They are versioned by
// RUNDOWN_ABI_VERSION: librundown.so.<N>'s soname and the inline namespace
// rundown::abi<N> change together whenever the inline protocol does
// (userspace/abi/ records each version; a test fails on a change without a
// bump). The slow paths the inline code calls are C symbols
// (rundown_slow_*); the library exports nothing else beyond the documented
// API (userspace/abi/librundown.symbols).
//
// Limitations
// -----------
//  - Process-private (private futexes): not for memory shared between
//    processes. The kernel backend is.
//  - A waiter that holds a reference itself waits forever (the kernel
//    backend reports -EDEADLK; the native one cannot tell holders apart).
//  - pcpu_ref detects a surplus release only once run-down began, and does
//    not bound the total: the count is exact while fewer than 2^59
//    references are held at once (run-down reports more as misuse). Slots
//    drift apart with every hand-off between CPUs, harmlessly.
//  - rseq protocol: a thread without glibc's rseq registration (created by
//    a raw clone(), or after unregistering it) must not use a pcpu_ref
//    (misuse: abort). ThreadSanitizer cannot see the sections; a TSan build
//    of the library runs the locked protocol.
//  - Objects must not move while in use: ref and pcpu_ref are neither
//    copyable nor movable.
//
// Costs (x86-64, see the benchmark for numbers on your machine)
// -----
//  - ref: acquire = one locked CAS, release = one locked sub: the floor for
//    one shared word, about 12 ns per pair on the reference 2-core machine.
//  - pcpu_ref, rseq: acquire and release are about ten plain instructions
//    each (arm the section, load the CPU number and the flag, add); no
//    sharing between CPUs while live. Run-down: two CASes, one membarrier
//    system call (about a microsecond with no other thread running; an
//    IPI to each CPU that runs one of our threads otherwise) and one load
//    per possible CPU. locked: the same as ref on a per-CPU line; run-down
//    one exchange per possible CPU, no system call.

#ifndef RUNDOWN_RUNDOWN_HPP
#define RUNDOWN_RUNDOWN_HPP

#include <rundown/detail/core.hpp>
#include <rundown/rundown.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <new>
#include <span>
#include <type_traits>
#include <utility>

// Everything lives in the inline namespace rundown::abi<RUNDOWN_ABI_VERSION>:
// code built against another ABI links against other names.
static_assert(RUNDOWN_ABI_VERSION == 2, "rename the inline namespace abi2 with RUNDOWN_ABI_VERSION");

namespace rundown::inline abi2 {

namespace detail {

// A duration as a relative timeout in nanoseconds for the C API: <= 0 is
// 0 (start run-down, check once), too large to represent is "forever".
template <class Rep, class Period>
constexpr std::uint64_t to_timeout_ns(const std::chrono::duration<Rep, Period>& d) noexcept
{
	const std::chrono::duration<long double, std::nano> ns(d);
	if (!(ns.count() > 0))
		return 0;
	if (ns.count() >= 18446744073709551615.0L)
		return UINT64_MAX;
	return static_cast<std::uint64_t>(ns.count());
}

// A steady_clock time point as the C API's absolute deadline: libstdc++'s
// steady_clock is CLOCK_MONOTONIC, the futexes' clock.
template <class Duration>
constexpr std::uint64_t to_deadline_ns(const std::chrono::time_point<std::chrono::steady_clock, Duration>& t) noexcept
{
	const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
	return ns <= 0 ? 0 : static_cast<std::uint64_t>(ns);
}

// The members every rundown type shares, written once on top of the
// derived type's wait_timeout_ns() and wait_deadline_ns() (0 or
// -ETIMEDOUT): the std::chrono waits (true: the run-down finished; false:
// holders remain, the object must not be freed) and the SharedLockable
// members, so that std::shared_lock works (with std::try_to_lock or
// std::adopt_lock: an acquire never blocks, so there is no lock_shared).
template <class Derived>
class waits {
public:
	template <class Rep, class Period>
	[[nodiscard]] bool wait_for(const std::chrono::duration<Rep, Period>& d) noexcept
	{
		return self().wait_timeout_ns(to_timeout_ns(d)) == 0;
	}

	// A steady_clock deadline goes to the futex as it is; any other
	// clock's is converted to the time left, measured once.
	template <class Clock, class Duration>
	[[nodiscard]] bool wait_until(const std::chrono::time_point<Clock, Duration>& t) noexcept
	{
		if constexpr (std::is_same_v<Clock, std::chrono::steady_clock>)
			return self().wait_deadline_ns(to_deadline_ns(t)) == 0;
		else
			return wait_for(t - Clock::now());
	}

	[[nodiscard]] bool try_lock_shared() noexcept { return self().acquire(); }
	void unlock_shared() noexcept { self().release(); }

private:
	Derived& self() noexcept { return static_cast<Derived&>(*this); }
};

}  // namespace detail

// Plain run-down protection: one 64-bit word.
class ref : public detail::waits<ref> {
public:
	// Constant-initialised where it can be (a namespace-scope or static
	// ref); constructed at run time it goes through rundown_init(), which
	// turns on holder tracking under RUNDOWN_DEBUG=track.
	constexpr ref() noexcept
	{
		if (!std::is_constant_evaluated())
			rundown_init(&r_);
	}
	ref(const ref&) = delete;
	ref& operator=(const ref&) = delete;

	[[nodiscard]] bool acquire() noexcept { return detail::plain_acquire(&r_); }
	[[nodiscard]] bool acquire_many(unsigned long n) noexcept
	{
		return detail::plain_acquire_many(&r_, n);
	}
	void release() noexcept { detail::plain_release(&r_); }
	void release_many(unsigned long n) noexcept { detail::plain_release_many(&r_, n); }
	void wait() noexcept { rundown_wait(&r_); }
	void completed() noexcept { rundown_completed(&r_); }
	// Waits still running on the finished run-down return.
	void reinit() noexcept { rundown_reinit(&r_); }
	[[nodiscard]] bool is_active() const noexcept { return detail::plain_is_active(&r_); }

	// For the C API.
	rundown_ref* native_handle() noexcept { return &r_; }

private:
	friend class detail::waits<ref>;
	int wait_timeout_ns(std::uint64_t ns) noexcept { return rundown_wait_timeout(&r_, ns); }
	int wait_deadline_ns(std::uint64_t t) noexcept { return rundown_wait_until(&r_, t); }

	rundown_ref r_ = RUNDOWN_REF_INIT;
};

// Cache-aware run-down protection: one slot per possible CPU.
class pcpu_ref : public detail::waits<pcpu_ref> {
public:
	// Throws std::bad_alloc when the slots cannot be allocated.
	pcpu_ref()
	{
		if (rundown_pcpu_init(&r_) != 0)
			throw std::bad_alloc();
	}
	// Non-throwing: check valid() afterwards.
	explicit pcpu_ref(std::nothrow_t) noexcept { (void)rundown_pcpu_init(&r_); }
	~pcpu_ref() { rundown_pcpu_exit(&r_); }
	pcpu_ref(const pcpu_ref&) = delete;
	pcpu_ref& operator=(const pcpu_ref&) = delete;

	// False when the non-throwing constructor could not allocate the
	// slots: such an object is born run down (acquires fail, waits
	// return at once).
	[[nodiscard]] bool valid() const noexcept { return r_.slots != nullptr; }

	[[nodiscard]] bool acquire() noexcept { return detail::pcpu_acquire(&r_); }
	[[nodiscard]] bool acquire_many(unsigned long n) noexcept
	{
		return detail::pcpu_acquire_many(&r_, n);
	}
	void release() noexcept { detail::pcpu_release(&r_); }
	void release_many(unsigned long n) noexcept { detail::pcpu_release_many(&r_, n); }
	void wait() noexcept { rundown_pcpu_wait(&r_); }
	void completed() noexcept { rundown_pcpu_completed(&r_); }
	void reinit() noexcept { rundown_pcpu_reinit(&r_); }
	[[nodiscard]] bool is_active() const noexcept { return detail::pcpu_is_active(&r_); }

	rundown_pcpu* native_handle() noexcept { return &r_; }

private:
	friend class detail::waits<pcpu_ref>;
	int wait_timeout_ns(std::uint64_t ns) noexcept { return rundown_pcpu_wait_timeout(&r_, ns); }
	int wait_deadline_ns(std::uint64_t t) noexcept { return rundown_pcpu_wait_until(&r_, t); }

	rundown_pcpu r_{};
};

// Run down every object of @refs and wait for all of them, with one fence
// for the lot (rundown_pcpu_wait_many).
inline void wait_many(std::span<pcpu_ref* const> refs) noexcept
{
	rundown_pcpu_wait_many_at(
		refs.size(),
		[](void* ctx, std::size_t i) {
			return (*static_cast<std::span<pcpu_ref* const>*>(ctx))[i]->native_handle();
		},
		&refs);
}

// Tag for guard's try-acquiring constructors.
struct try_to_acquire_t {
	explicit try_to_acquire_t() = default;
};
inline constexpr try_to_acquire_t try_to_acquire{};

// Move-only holder of references on any rundown type (native or kernel):
// one (try_acquire), n (try_acquire_many), or ones taken elsewhere
// (std::adopt_lock: through the C API, or by acquire()). Empty when the
// acquire failed: test it with `if (g)`.
template <class Ref>
class [[nodiscard]] guard {
public:
	constexpr guard() noexcept = default;
	guard(Ref& r, try_to_acquire_t) noexcept : ref_(r.acquire() ? &r : nullptr), n_(1) {}
	guard(Ref& r, try_to_acquire_t, unsigned long n) noexcept
		: ref_(r.acquire_many(n) ? &r : nullptr), n_(ref_ ? n : 0)
	{
	}
	// Takes over @n references already held on @r (n >= 1).
	guard(Ref& r, std::adopt_lock_t, unsigned long n = 1) noexcept : ref_(n ? &r : nullptr), n_(n) {}
	guard(const guard&) = delete;
	guard& operator=(const guard&) = delete;
	guard(guard&& other) noexcept
		: ref_(std::exchange(other.ref_, nullptr)), n_(std::exchange(other.n_, 0))
	{
	}
	guard& operator=(guard&& other) noexcept
	{
		if (this != &other) {
			reset();
			ref_ = std::exchange(other.ref_, nullptr);
			n_ = std::exchange(other.n_, 0);
		}
		return *this;
	}
	~guard() { reset(); }

	explicit operator bool() const noexcept { return ref_ != nullptr; }
	// References held (0 when empty).
	[[nodiscard]] unsigned long count() const noexcept { return ref_ ? n_ : 0; }

	// Release now (if held).
	void reset() noexcept
	{
		if (Ref* r = std::exchange(ref_, nullptr))
			r->release_many(std::exchange(n_, 0));
	}
	// Give the references up without releasing them (the caller
	// releases them later, e.g. through the C API); returns how many.
	[[nodiscard]] unsigned long release_ownership() noexcept
	{
		ref_ = nullptr;
		return std::exchange(n_, 0);
	}

private:
	Ref* ref_ = nullptr;
	unsigned long n_ = 0;
};

// Try to acquire @r; the guard is empty when run-down began.
template <class Ref>
[[nodiscard]] guard<Ref> try_acquire(Ref& r) noexcept
{
	return guard<Ref>(r, try_to_acquire);
}

// Try to acquire @n references on @r at once (acquire_many's rules).
template <class Ref>
[[nodiscard]] guard<Ref> try_acquire_many(Ref& r, unsigned long n) noexcept
{
	return guard<Ref>(r, try_to_acquire, n);
}

}  // namespace rundown::inline abi2

#endif  // RUNDOWN_RUNDOWN_HPP

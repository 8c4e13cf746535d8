// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// Private futex helpers and deadlines (CLOCK_MONOTONIC, nanoseconds).
// Errors come back as -errno; nothing here throws.

#ifndef RUNDOWN_SRC_FUTEX_HPP
#define RUNDOWN_SRC_FUTEX_HPP

#include <cerrno>
#include <climits>
#include <cstdint>
#include <ctime>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace rundown::inline abi2::detail {

inline constexpr std::uint64_t k_forever = UINT64_MAX;

inline std::uint64_t now_ns() noexcept
{
	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000U + static_cast<std::uint64_t>(ts.tv_nsec);
}

// Absolute deadline for a relative timeout; k_forever when it saturates.
inline std::uint64_t deadline_after(std::uint64_t timeout_ns) noexcept
{
	if (timeout_ns == k_forever)
		return k_forever;
	const std::uint64_t now = now_ns();
	return timeout_ns >= k_forever - now ? k_forever : now + timeout_ns;
}

// True once an absolute deadline has passed (never for k_forever).
inline bool expired(std::uint64_t deadline) noexcept { return deadline != k_forever && now_ns() >= deadline; }

// Sleep while *addr == expected, until woken or until the absolute
// CLOCK_MONOTONIC deadline (k_forever: none). 0, -EAGAIN (value changed),
// -EINTR or -ETIMEDOUT. FUTEX_WAIT_BITSET takes an absolute time, so
// retries after -EINTR never stretch the timeout.
inline int futex_wait(std::uint32_t* addr, std::uint32_t expected, std::uint64_t deadline) noexcept
{
	timespec ts{};
	timespec* tsp = nullptr;
	if (deadline != k_forever) {
		ts.tv_sec = static_cast<time_t>(deadline / 1000000000U);
		ts.tv_nsec = static_cast<long>(deadline % 1000000000U);
		tsp = &ts;
	}
	const long rc = syscall(SYS_futex, addr, FUTEX_WAIT_BITSET_PRIVATE, expected, tsp, nullptr,
				FUTEX_BITSET_MATCH_ANY);
	return rc == 0 ? 0 : -errno;
}

// Wake every waiter. The futex key of a private futex is the address, not
// the memory: waking after the waiter may have freed the object is benign.
inline void futex_wake_all(std::uint32_t* addr) noexcept
{
	syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}

// The 32-bit half of a 64-bit word that holds its low bits: the futex
// word of both variants.
inline std::uint32_t* low_half(std::uint64_t* word) noexcept
{
	auto* half = reinterpret_cast<std::uint32_t*>(word);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return half + 1;
#else
	return half;
#endif
}

inline void cpu_relax() noexcept
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	asm volatile("yield" ::: "memory");
#endif
}

// Spin this many rounds (a few microseconds) before sleeping: a holder
// about to release spares the waiter two context switches.
inline constexpr int k_spin_rounds = 256;

}  // namespace rundown::inline abi2::detail

#endif  // RUNDOWN_SRC_FUTEX_HPP

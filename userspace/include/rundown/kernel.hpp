// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// <rundown/kernel.hpp>: the rundown interface of <rundown/rundown.hpp>,
// backed by kernel objects through /dev/rundown (uapi <linux/rundown.h>).
//
// Each rundown::kernel::ref or kernel::pcpu_ref creates one kernel object
// (RUNDOWN_IOC_CREATE with the plain or cache-aware variant) and drives it
// with one ioctl per call. The kernel accounts references per open file and
// refuses a wait from a file that holds references (-EDEADLK), so a handle
// keeps two files: one that acquires and releases (shared by all threads
// using the handle) and one, attached with RUNDOWN_IOC_OPEN, that waits.
// Closing the handle closes both, which releases anything still held.
//
// Same semantics and misuse reports as the native types, with a system call
// per operation; useful to test and benchmark the kernel implementation
// with the same code. Construction throws std::system_error when
// /dev/rundown cannot be used; available() says whether it exists.

#ifndef RUNDOWN_KERNEL_HPP
#define RUNDOWN_KERNEL_HPP

#include <rundown/rundown.hpp>

#include <cstdint>

#pragma GCC visibility push(default)

namespace rundown::inline abi2::kernel {

// The device node, "/dev/rundown".
extern const char* const device_path;

// True when the device node exists.
[[nodiscard]] bool available() noexcept;

enum class variant : std::uint32_t { plain = 0, pcpu = 1 };

class handle : public detail::waits<handle> {
public:
	// Open /dev/rundown twice and create an object of variant @v.
	// Throws std::system_error on failure.
	explicit handle(variant v);
	~handle();
	handle(const handle&) = delete;
	handle& operator=(const handle&) = delete;

	[[nodiscard]] bool acquire() noexcept { return acquire_many(1); }
	// False (nothing taken) on -ESHUTDOWN (run-down began), -EOVERFLOW, or
	// n outside 1..RUNDOWN_ACQUIRE_MAX.
	[[nodiscard]] bool acquire_many(unsigned long n) noexcept;
	void release() noexcept { release_many(1); }
	void release_many(unsigned long n) noexcept;
	void wait() noexcept;
	void completed() noexcept;
	void reinit() noexcept;
	[[nodiscard]] bool is_active() const noexcept;

	[[nodiscard]] std::uint32_t id() const noexcept { return id_; }
	[[nodiscard]] int fd() const noexcept { return fd_; }
	// References this handle's file holds, and all files together
	// (RUNDOWN_IOC_QUERY), for tests.
	[[nodiscard]] std::uint64_t held_by_handle() const noexcept;
	[[nodiscard]] std::uint64_t held_total() const noexcept;

private:
	friend class detail::waits<handle>;
	int wait_timeout_ns(std::uint64_t ns) noexcept;
	int wait_deadline_ns(std::uint64_t deadline) noexcept;

	int fd_ = -1;       // acquires and releases
	int wait_fd_ = -1;  // waits: holds nothing, so never -EDEADLK
	std::uint32_t id_ = 0;
};

// Plain kernel rundown object (struct rundown_ref in the kernel).
class ref : public handle {
public:
	ref() : handle(variant::plain) {}
};

// Cache-aware kernel rundown object (struct rundown_pcpu in the kernel).
class pcpu_ref : public handle {
public:
	pcpu_ref() : handle(variant::pcpu) {}
};

}  // namespace rundown::inline abi2::kernel

#pragma GCC visibility pop

#endif  // RUNDOWN_KERNEL_HPP

// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// The /dev/rundown backend of <rundown/kernel.hpp>: one ioctl per call.

#include <rundown/kernel.hpp>

#include "futex.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <linux/rundown.h>
#include <sys/ioctl.h>
#include <system_error>
#include <unistd.h>

namespace rundown::inline abi2::kernel {

static_assert(static_cast<std::uint32_t>(variant::plain) == RUNDOWN_VARIANT_PLAIN);
static_assert(static_cast<std::uint32_t>(variant::pcpu) == RUNDOWN_VARIANT_PCPU);
static_assert(RUNDOWN_ACQUIRE_MAX == RUNDOWN_COUNT_MAX);

const char* const device_path = "/dev/" RUNDOWN_DEVICE_NAME;

namespace {

// ioctl, retried on EINTR; 0 or -errno.
template <class Arg>
int xioctl(int fd, unsigned long cmd, Arg* arg) noexcept
{
	for (;;) {
		if (ioctl(fd, cmd, arg) == 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

[[noreturn]] void fail(const char* what, int err) noexcept
{
	char msg[160];
	std::snprintf(msg, sizeof(msg), "%s: %s", what, std::strerror(-err));
	detail::misuse(msg);
}

int open_device()
{
	const int fd = ::open(device_path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		throw std::system_error(errno, std::generic_category(), device_path);
	return fd;
}

rundown_ioc_query query(int fd, std::uint32_t id) noexcept
{
	rundown_ioc_query q{};
	q.id = id;
	if (const int rc = xioctl(fd, RUNDOWN_IOC_QUERY, &q))
		fail("RUNDOWN_IOC_QUERY", rc);
	return q;
}

}  // namespace

bool available() noexcept { return ::access(device_path, F_OK) == 0; }

handle::handle(variant v)
{
	fd_ = open_device();
	try {
		rundown_ioc_create c{};
		c.variant = static_cast<std::uint32_t>(v);
		if (const int rc = xioctl(fd_, RUNDOWN_IOC_CREATE, &c))
			throw std::system_error(-rc, std::generic_category(), "RUNDOWN_IOC_CREATE");
		id_ = c.id;
		wait_fd_ = open_device();
		rundown_ioc_obj o{};
		o.id = id_;
		if (const int rc = xioctl(wait_fd_, RUNDOWN_IOC_OPEN, &o))
			throw std::system_error(-rc, std::generic_category(), "RUNDOWN_IOC_OPEN");
	} catch (...) {
		if (wait_fd_ >= 0)
			::close(wait_fd_);
		::close(fd_);
		throw;
	}
}

handle::~handle()
{
	::close(wait_fd_);
	::close(fd_);
}

bool handle::acquire_many(unsigned long n) noexcept
{
	if (!detail::valid_count(n))
		return false;
	rundown_ioc_count c{};
	c.id = id_;
	c.count = n;
	const int rc = xioctl(fd_, RUNDOWN_IOC_ACQUIRE, &c);
	if (rc == 0)
		return true;
	if (rc == -ESHUTDOWN || rc == -EOVERFLOW)
		return false;
	fail("RUNDOWN_IOC_ACQUIRE", rc);
}

void handle::release_many(unsigned long n) noexcept
{
	if (n == 0)
		return;
	rundown_ioc_count c{};
	c.id = id_;
	c.count = n;
	if (const int rc = xioctl(fd_, RUNDOWN_IOC_RELEASE, &c))
		fail(rc == -EINVAL ? "rundown_release: more releases than acquires (RUNDOWN_IOC_RELEASE)"
				   : "RUNDOWN_IOC_RELEASE",
		     rc);
}

int handle::wait_timeout_ns(std::uint64_t ns) noexcept { return wait_deadline_ns(detail::deadline_after(ns)); }

int handle::wait_deadline_ns(std::uint64_t deadline) noexcept
{
	// The kernel takes a relative timeout: recompute it from the absolute
	// deadline when a signal interrupts the wait.
	for (;;) {
		rundown_ioc_wait w{};
		w.id = id_;
		if (deadline != detail::k_forever) {
			const std::uint64_t now = detail::now_ns();
			w.flags = RUNDOWN_WAIT_TIMEOUT;
			w.timeout_ns = deadline > now ? deadline - now : 0;
		}
		if (ioctl(wait_fd_, RUNDOWN_IOC_WAIT, &w) == 0)
			return 0;
		const int rc = -errno;
		if (rc == -ETIMEDOUT)
			return rc;
		if (rc != -EINTR)
			fail("RUNDOWN_IOC_WAIT", rc);
	}
}

void handle::wait() noexcept { (void)wait_timeout_ns(detail::k_forever); }

void handle::completed() noexcept
{
	rundown_ioc_obj o{};
	o.id = id_;
	if (const int rc = xioctl(fd_, RUNDOWN_IOC_COMPLETE, &o))
		fail("rundown_completed: run-down not finished (RUNDOWN_IOC_COMPLETE)", rc);
}

void handle::reinit() noexcept
{
	rundown_ioc_obj o{};
	o.id = id_;
	if (const int rc = xioctl(fd_, RUNDOWN_IOC_REINIT, &o))
		fail("rundown_reinit: not run down or still held (RUNDOWN_IOC_REINIT)", rc);
}

bool handle::is_active() const noexcept { return !(query(fd_, id_).state & RUNDOWN_STATE_DYING); }
std::uint64_t handle::held_by_handle() const noexcept { return query(fd_, id_).held_by_file; }
std::uint64_t handle::held_total() const noexcept { return query(fd_, id_).held_total; }

}  // namespace rundown::inline abi2::kernel

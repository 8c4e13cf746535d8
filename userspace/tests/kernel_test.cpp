// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// The kernel-backend suite: the shared semantics through /dev/rundown,
// plus the device's own promises. Linked statically to run inside the
// test VM's busybox initramfs; every test skips when /dev/rundown is absent.

#include "semantics.hpp"

#include <rundown/kernel.hpp>

#include <linux/rundown.h>

namespace rundown_test {

// One ioctl per operation, and the VM may be emulated: smaller loops.
constexpr int kernel_work(int n) { return std::max(1, n / 10); }

template <class Ref>
struct kernel_traits {
	static const char* skip_reason()
	{
		return rundown::kernel::available() ? nullptr : "no /dev/rundown (load rundown.ko)";
	}
	static std::unique_ptr<Ref> make() { return std::make_unique<Ref>(); }
	static constexpr bool total_limit = true;           // -EOVERFLOW past RUNDOWN_COUNT_MAX per object
	static constexpr bool release_checked_live = true;  // -EINVAL: per-file accounting
	// Reinit/completed misuse through the device is the kselftests' to
	// check; a kernel WARN would fail the VM run.
	static constexpr bool reinit_checked = false;
	static constexpr bool late_waiter_returns = false;
	static constexpr int work(int n) { return kernel_work(n); }
};

template <>
struct ref_traits<rundown::kernel::ref> : kernel_traits<rundown::kernel::ref> {
};
template <>
struct ref_traits<rundown::kernel::pcpu_ref> : kernel_traits<rundown::kernel::pcpu_ref> {
};

using KernelTypes = ::testing::Types<rundown::kernel::ref, rundown::kernel::pcpu_ref>;
INSTANTIATE_TYPED_TEST_SUITE_P(Kernel, Semantics, KernelTypes);

class KernelDevice : public ::testing::Test {
protected:
	void SetUp() override
	{
		if (!rundown::kernel::available())
			GTEST_SKIP() << "no /dev/rundown (load rundown.ko)";
	}
};

TEST_F(KernelDevice, EachHandleIsItsOwnObject)
{
	rundown::kernel::ref a;
	rundown::kernel::pcpu_ref b;
	EXPECT_NE(a.id(), b.id());
	ASSERT_TRUE(b.acquire());
	a.wait();
	EXPECT_FALSE(a.acquire());
	EXPECT_TRUE(b.is_active());
	b.release();
	b.wait();
}

TEST_F(KernelDevice, QueryCountsTheHandlesReferences)
{
	rundown::kernel::ref r;
	EXPECT_EQ(r.held_by_handle(), 0U);
	ASSERT_TRUE(r.acquire_many(3));
	EXPECT_EQ(r.held_by_handle(), 3U);
	EXPECT_EQ(r.held_total(), 3U);
	std::thread([&] { r.release_many(2); }).join();  // same file, other thread
	EXPECT_EQ(r.held_by_handle(), 1U);
	r.release();
	EXPECT_EQ(r.held_total(), 0U);
}

TEST_F(KernelDevice, ClosingAHandleReleasesItsReferences)
{
	// A second handle on the same object is what another process would
	// have; here we check the simplest form: destroying a holder handle.
	auto r = std::make_unique<rundown::kernel::pcpu_ref>();
	ASSERT_TRUE(r->acquire_many(5));
	r.reset();  // closes both files: must not hang or leak (kmemleak/KASAN in the VM)
	SUCCEED();
}

TEST_F(KernelDevice, DeviceNodeNameMatchesUapi)
{
	EXPECT_STREQ(rundown::kernel::device_path, "/dev/" RUNDOWN_DEVICE_NAME);
}

}  // namespace rundown_test

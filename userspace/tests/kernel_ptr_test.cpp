// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// rundown::ptr<T, Gen> over the kernel backend (/dev/rundown): the
// protocol of <rundown/ptr.hpp> on the kernel's objects, both variants.
// Part of the kernel-backend suite (runs in the test VM; skips without
// /dev/rundown).

#include <rundown/kernel.hpp>
#include <rundown/ptr.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

namespace rundown_test {
namespace {

using namespace std::chrono_literals;

template <class Gen>
class KernelPtr : public ::testing::Test {
protected:
	void SetUp() override
	{
		if (!rundown::kernel::available())
			GTEST_SKIP() << "no /dev/rundown (load rundown.ko)";
	}
	using ptr_t = rundown::ptr<int, Gen>;
};

using KernelGens = ::testing::Types<rundown::kernel::ref, rundown::kernel::pcpu_ref>;
TYPED_TEST_SUITE(KernelPtr, KernelGens);

TYPED_TEST(KernelPtr, ReplaceUnderAHolderAndRetire)
{
	typename TestFixture::ptr_t p(std::make_unique<int>(1));
	auto held = p.get();
	ASSERT_TRUE(held);
	EXPECT_EQ(*held, 1);
	// Timed out on the holder: published, the old one left for reclaim.
	EXPECT_FALSE(p.replace_for(std::make_unique<int>(2), 5ms));
	EXPECT_EQ(*p.get(), 2);
	EXPECT_FALSE(p.reclaim_for(1ms));
	held.reset();
	auto old = p.reclaim();
	ASSERT_TRUE(old);
	EXPECT_EQ(*old, 1);

	// Untimed: returns once the holder of 2 left, gets see 3 meanwhile.
	held = p.get();
	std::atomic<bool> done{false};
	std::thread replacer([&] {
		auto o = p.replace(std::make_unique<int>(3));
		EXPECT_TRUE(o && *o == 2);
		done.store(true, std::memory_order_release);
	});
	std::this_thread::sleep_for(20ms);
	EXPECT_FALSE(done.load(std::memory_order_acquire));
	EXPECT_EQ(*p.get(), 3);
	held.reset();
	replacer.join();
	EXPECT_TRUE(done.load(std::memory_order_acquire));

	auto r = p.retire();
	ASSERT_TRUE(r);
	EXPECT_EQ(*r, 3);
	EXPECT_FALSE(p.get());
}

}  // namespace
}  // namespace rundown_test

// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// The semantics every rundown type must hold, as a typed GoogleTest suite.
// A test binary specialises rundown_test::ref_traits<Ref> for its types and
// instantiates the suite:
//
//   template <> struct rundown_test::ref_traits<my_ref> {
//       static const char* skip_reason();          // nullptr: usable
//       static std::unique_ptr<my_ref> make();
//       static constexpr bool total_limit;          // acquire_many fails past RUNDOWN_ACQUIRE_MAX held
//       static constexpr bool release_checked_live; // a surplus release aborts while live
//       static constexpr bool reinit_checked;       // reinit/completed misuse aborts
//       static constexpr bool late_waiter_returns;  // reinit lets a second waiter go
//       static constexpr int work(int n);           // loop sizes for this backend
//   };
//   INSTANTIATE_TYPED_TEST_SUITE_P(Name, Semantics, ::testing::Types<...>);
//
// No assertion depends on timing: a short sleep only gives a wrong
// implementation the chance to show itself (e.g. "the waiter is not done
// yet" must hold however long we sleep).

#ifndef RUNDOWN_TESTS_SEMANTICS_HPP
#define RUNDOWN_TESTS_SEMANTICS_HPP

#include "test_util.hpp"

#include <rundown/rundown.hpp>

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace rundown_test {

using namespace std::chrono_literals;

template <class Ref>
struct ref_traits;

template <class Ref>
class Semantics : public ::testing::Test {
protected:
	using traits = ref_traits<Ref>;

	void SetUp() override
	{
		if (const char* why = traits::skip_reason())
			GTEST_SKIP() << why;
		ref_ = traits::make();
	}

	Ref& r() { return *ref_; }

	std::unique_ptr<Ref> ref_;
};

TYPED_TEST_SUITE_P(Semantics);

TYPED_TEST_P(Semantics, LiveAcquireRelease)
{
	auto& r = this->r();
	EXPECT_TRUE(r.is_active());
	ASSERT_TRUE(r.acquire());
	ASSERT_TRUE(r.acquire());
	r.release();
	r.release();
	ASSERT_TRUE(r.acquire_many(5));
	r.release_many(2);
	r.release_many(0);  // no-op
	r.release_many(3);
	EXPECT_TRUE(r.is_active());
	EXPECT_TRUE(r.wait_for(0ms));
}

TYPED_TEST_P(Semantics, WaitWithoutHoldersReturnsAndIsRepeatable)
{
	auto& r = this->r();
	r.wait();
	EXPECT_FALSE(r.is_active());
	EXPECT_FALSE(r.acquire());
	EXPECT_FALSE(r.acquire_many(2));
	r.wait();  // again
	EXPECT_TRUE(r.wait_for(0ms));
	EXPECT_TRUE(r.wait_until(std::chrono::steady_clock::now()));
	r.completed();
	r.wait();  // still fine after completed
	r.reinit();
	EXPECT_TRUE(r.is_active());
	ASSERT_TRUE(r.acquire());
	r.release();
	r.wait();
	EXPECT_FALSE(r.acquire());
}

TYPED_TEST_P(Semantics, AcquireManyRejectsBadCounts)
{
	auto& r = this->r();
	EXPECT_FALSE(r.acquire_many(0));
	EXPECT_FALSE(r.acquire_many(RUNDOWN_ACQUIRE_MAX + 1UL));
	EXPECT_FALSE(r.acquire_many(~0UL));
	EXPECT_TRUE(r.is_active());
	EXPECT_TRUE(r.wait_for(0ms)) << "a failed acquire_many took references";
}

TYPED_TEST_P(Semantics, AcquireManyOverflowFails)
{
	if constexpr (!ref_traits<TypeParam>::total_limit) {
		GTEST_SKIP() << "bounded per CPU slot, see the native slot-bound test";
	} else {
		auto& r = this->r();
		ASSERT_TRUE(r.acquire_many(RUNDOWN_ACQUIRE_MAX));
		EXPECT_FALSE(r.acquire());
		EXPECT_FALSE(r.acquire_many(2));
		EXPECT_FALSE(r.acquire_many(RUNDOWN_ACQUIRE_MAX));
		EXPECT_TRUE(r.is_active()) << "an overflow must fail, not start run-down";
		r.release();
		ASSERT_TRUE(r.acquire());  // back at the limit
		EXPECT_FALSE(r.acquire());
		r.release_many(RUNDOWN_ACQUIRE_MAX);
		EXPECT_TRUE(r.wait_for(0ms)) << "the count wrapped";
	}
}

TYPED_TEST_P(Semantics, TimedWaitWhileHeld)
{
	auto& r = this->r();
	ASSERT_TRUE(r.acquire());
	EXPECT_FALSE(r.wait_for(0ms));
	EXPECT_FALSE(r.wait_for(20ms));
	EXPECT_FALSE(r.wait_until(std::chrono::steady_clock::now() + 5ms));
	EXPECT_FALSE(r.wait_until(std::chrono::system_clock::now() + 1ms));  // another clock
	// Run-down stays in progress after a timeout.
	EXPECT_FALSE(r.is_active());
	EXPECT_FALSE(r.acquire());
	r.release();
	EXPECT_TRUE(r.wait_for(std::chrono::hours(24)));
	EXPECT_TRUE(r.wait_for(std::chrono::duration<double>(1e300)));  // "forever"
	r.wait();
}

TYPED_TEST_P(Semantics, WaitReturnsOnlyAfterLastRelease)
{
	auto& r = this->r();
	ASSERT_TRUE(r.acquire_many(2));
	std::atomic<bool> done{false};
	std::thread waiter([&] {
		r.wait();
		done.store(true, std::memory_order_seq_cst);
	});
	std::this_thread::sleep_for(20ms);
	EXPECT_FALSE(done.load()) << "wait returned with two references held";
	EXPECT_FALSE(r.acquire()) << "acquire succeeded while a wait is in progress";
	r.release();
	std::this_thread::sleep_for(10ms);
	EXPECT_FALSE(done.load()) << "wait returned with one reference held";
	r.release();
	waiter.join();
	EXPECT_TRUE(done.load());
}

TYPED_TEST_P(Semantics, ReleaseOnAnotherThreadAndCpu)
{
	auto& r = this->r();
	const int n = ref_traits<TypeParam>::work(64);
	{
		pinned here(first_cpu());
		for (int i = 0; i < n; ++i)
			ASSERT_TRUE(r.acquire());
	}
	std::thread([&] {
		pin_self(last_cpu());
		for (int i = 0; i < n - 1; ++i)
			r.release();
	}).join();
	EXPECT_FALSE(r.wait_for(5ms)) << "one reference is still held";
	std::atomic<bool> done{false};
	std::thread waiter([&] {
		r.wait();
		done.store(true);
	});
	std::this_thread::sleep_for(5ms);
	EXPECT_FALSE(done.load());
	std::thread([&] {
		pin_self(last_cpu());
		r.release();  // the last one, on another CPU than its acquire
	}).join();
	waiter.join();
	EXPECT_TRUE(done.load());
}

TYPED_TEST_P(Semantics, HolderMigratesBetweenAcquireAndRelease)
{
	auto& r = this->r();
	const int rounds = ref_traits<TypeParam>::work(scaled(20000));
	{
		pinned restore(first_cpu());
		for (int i = 0; i < rounds; ++i) {
			pin_self(first_cpu());
			ASSERT_TRUE(r.acquire());
			pin_self(last_cpu());
			r.release();
		}
		pin_self(first_cpu());
		ASSERT_TRUE(r.acquire_many(3));
		pin_self(last_cpu());
		r.release_many(2);
	}
	EXPECT_FALSE(r.wait_for(1ms)) << "one reference is still held";
	r.release();
	EXPECT_TRUE(r.wait_for(std::chrono::hours(1)));
}

TYPED_TEST_P(Semantics, SeveralWaitersSeeTheHoldersWrites)
{
	auto& r = this->r();
	constexpr int kWaiters = 4;
	ASSERT_TRUE(r.acquire());
	int payload = 0;  // plain: ordered by release -> wait
	std::atomic<int> done{0};
	std::vector<std::thread> waiters;
	for (int i = 0; i < kWaiters; ++i)
		waiters.emplace_back([&] {
			r.wait();
			EXPECT_EQ(payload, 42);
			done.fetch_add(1);
		});
	std::this_thread::sleep_for(20ms);
	EXPECT_EQ(done.load(), 0);
	payload = 42;
	r.release();
	for (auto& w : waiters)
		w.join();
	EXPECT_EQ(done.load(), kWaiters);
	r.wait();  // and once more
}

TYPED_TEST_P(Semantics, HoldersWritesOnManyCpusVisibleAfterWait)
{
	auto& r = this->r();
	const auto cpus = allowed_cpus();
	const int n = static_cast<int>(std::clamp<std::size_t>(cpus.size(), 2, 8));
	std::vector<std::array<long, 32>> data(static_cast<std::size_t>(n));  // plain
	ASSERT_TRUE(r.acquire_many(static_cast<unsigned long>(n)));
	std::vector<std::thread> holders;
	for (int t = 0; t < n; ++t)
		holders.emplace_back([&, t] {
			pin_self(cpus[static_cast<std::size_t>(t) % cpus.size()]);
			for (std::size_t k = 0; k < data[0].size(); ++k)
				data[static_cast<std::size_t>(t)][k] = t * 1000 + static_cast<long>(k);
			r.release();
		});
	r.wait();
	for (int t = 0; t < n; ++t)
		for (std::size_t k = 0; k < data[0].size(); ++k)
			ASSERT_EQ(data[static_cast<std::size_t>(t)][k], t * 1000 + static_cast<long>(k));
	for (auto& h : holders)
		h.join();
}

// Acquirers hammer the object while it is run down: no acquire may succeed
// once wait returned, and nobody may be inside when it returns.
TYPED_TEST_P(Semantics, WaitRacingAcquires)
{
	auto& r = this->r();
	const auto cpus = allowed_cpus();
	constexpr int kThreads = 4;
	const int cycles = ref_traits<TypeParam>::work(scaled(300));
	for (int c = 0; c < cycles; ++c) {
		std::atomic<int> inside{0};
		std::atomic<long> acquired{0}, bad{0}, late{0};
		std::atomic<bool> returned{false}, stop{false};
		std::vector<std::thread> threads;
		for (int t = 0; t < kThreads; ++t)
			threads.emplace_back([&, t] {
				pin_self(cpus[static_cast<std::size_t>(t) % cpus.size()]);
				while (!stop.load()) {
					const bool after = returned.load();
					if (r.acquire()) {
						inside.fetch_add(1);
						acquired.fetch_add(1);
						if (returned.load())
							bad.fetch_add(1);
						if (after)
							late.fetch_add(1);
						inside.fetch_sub(1);
						r.release();
					} else {
						std::this_thread::yield();
					}
				}
			});
		while (acquired.load() < kThreads * 4)
			std::this_thread::yield();
		r.wait();
		returned.store(true);
		EXPECT_EQ(inside.load(), 0) << "a holder is inside after wait returned";
		std::this_thread::sleep_for(1ms);  // let them try some more
		stop.store(true);
		for (auto& t : threads)
			t.join();
		EXPECT_EQ(bad.load(), 0) << "a holder held it while wait had returned";
		EXPECT_EQ(late.load(), 0) << "an acquire succeeded after wait returned";
		EXPECT_FALSE(r.acquire());
		r.completed();
		r.reinit();
	}
}

// Run-down and reinit, again and again, under load. The holders write plain
// per-thread counters: the waiter reads them between wait and reinit, so
// both directions of the ordering are exercised (and checked by TSan).
TYPED_TEST_P(Semantics, ReinitCyclesUnderLoad)
{
	auto& r = this->r();
	const auto cpus = allowed_cpus();
	constexpr int kThreads = 3;
	struct alignas(64) counter {
		long n = 0;
	};
	std::vector<counter> work(kThreads);
	std::atomic<int> inside{0};
	std::atomic<bool> stop{false};
	std::vector<std::thread> threads;
	for (int t = 0; t < kThreads; ++t)
		threads.emplace_back([&, t] {
			pin_self(cpus[static_cast<std::size_t>(t) % cpus.size()]);
			while (!stop.load(std::memory_order_relaxed)) {
				if (auto g = rundown::try_acquire(r)) {
					inside.fetch_add(1);
					++work[static_cast<std::size_t>(t)].n;
					inside.fetch_sub(1);
				} else {
					std::this_thread::yield();
				}
			}
		});
	const int cycles = ref_traits<TypeParam>::work(scaled(3000));
	long previous = 0;
	for (int c = 0; c < cycles; ++c) {
		std::this_thread::sleep_for(50us);
		r.wait();
		ASSERT_EQ(inside.load(), 0) << "cycle " << c;
		long total = 0;
		for (const auto& w : work)
			total += w.n;
		EXPECT_GE(total, previous);
		previous = total;
		EXPECT_FALSE(r.acquire());
		r.completed();
		r.reinit();
	}
	stop.store(true);
	for (auto& t : threads)
		t.join();
	EXPECT_GT(previous, 0);
	r.wait();
}

TYPED_TEST_P(Semantics, Guard)
{
	using guard = rundown::guard<TypeParam>;
	static_assert(!std::is_copy_constructible_v<guard> && !std::is_copy_assignable_v<guard>);
	static_assert(std::is_nothrow_move_constructible_v<guard> &&
		      std::is_nothrow_move_assignable_v<guard>);
	static_assert(!std::is_convertible_v<guard, bool>, "operator bool must be explicit");
	auto& r = this->r();
	{
		auto g = rundown::try_acquire(r);
		ASSERT_TRUE(g);
		auto g2 = std::move(g);
		EXPECT_FALSE(g);
		EXPECT_TRUE(g2);
		guard g3(r, rundown::try_to_acquire);
		ASSERT_TRUE(g3);
		g3 = std::move(g2);  // releases g3's own reference
		EXPECT_FALSE(g2);
		EXPECT_TRUE(g3);
		EXPECT_FALSE(r.wait_for(0ms));
		g3.reset();
		EXPECT_FALSE(g3);
		EXPECT_TRUE(r.wait_for(0ms)) << "a guard leaked its reference";
		auto late = rundown::try_acquire(r);
		EXPECT_FALSE(late);
	}
	r.wait();
}

TYPED_TEST_P(Semantics, SurplusReleaseAborts)
{
	auto& r = this->r();
	if constexpr (ref_traits<TypeParam>::release_checked_live) {
		EXPECT_DEATH(r.release(), "rundown: misuse");
		ASSERT_TRUE(r.acquire_many(2));
		EXPECT_DEATH(r.release_many(3), "rundown: misuse");
		r.release_many(2);
	}
	r.wait();
	EXPECT_DEATH(r.release(), "rundown: misuse");
}

TYPED_TEST_P(Semantics, ReinitAndCompletedMisuseAborts)
{
	if constexpr (!ref_traits<TypeParam>::reinit_checked) {
		GTEST_SKIP() << "how the device answers this misuse is its kselftests' business";
	} else {
		auto& r = this->r();
		EXPECT_DEATH(r.reinit(), "rundown: misuse.*not run down");
		EXPECT_DEATH(r.completed(), "rundown: misuse");
		ASSERT_TRUE(r.acquire());
		EXPECT_FALSE(r.wait_for(0ms));
		EXPECT_DEATH(r.reinit(), "rundown: misuse.*held");
		EXPECT_DEATH(r.completed(), "rundown: misuse");
		r.release();
		r.wait();
		r.completed();
		r.reinit();
		EXPECT_TRUE(r.is_active());
	}
}

// The owner reinitialises the moment its wait returns, while a second
// waiter of the same run-down has not woken up yet (or not even gone to
// sleep): that waiter must return too (its run-down is over), not sleep on
// a live object forever. Its watchdog is the test timeout.
TYPED_TEST_P(Semantics, ReinitLetsALateWaiterGo)
{
	if constexpr (!ref_traits<TypeParam>::late_waiter_returns) {
		GTEST_SKIP() << "the device's own tests cover its waits";
	} else {
		auto& r = this->r();
		const int rounds = scaled(2000);
		for (int i = 0; i < rounds; ++i) {
			ASSERT_TRUE(r.acquire());
			std::atomic<bool> started{false}, done{false};
			std::thread late([&] {
				started.store(true);
				r.wait();
				done.store(true);
			});
			while (!started.load())
				std::this_thread::yield();
			if (i % 4 == 0)
				std::this_thread::sleep_for(100us);  // let it fall asleep
			std::thread([&] { r.release(); }).join();
			r.wait();
			r.completed();
			r.reinit();
			late.join();
			EXPECT_TRUE(done.load());
			ASSERT_TRUE(r.is_active()) << "round " << i;
		}
	}
}

// Guards from acquire_many and adopted references, and the standard lock
// utilities on top of try_lock_shared/unlock_shared.
TYPED_TEST_P(Semantics, GuardsManyAdoptAndSharedLock)
{
	auto& r = this->r();
	{
		auto g = rundown::try_acquire_many(r, 3);
		ASSERT_TRUE(g);
		EXPECT_EQ(g.count(), 3U);
		EXPECT_FALSE(rundown::try_acquire_many(r, 0));
		ASSERT_TRUE(r.acquire_many(2));
		rundown::guard<TypeParam> adopted(r, std::adopt_lock, 2);
		EXPECT_EQ(adopted.count(), 2U);
		ASSERT_TRUE(r.acquire());
		rundown::guard<TypeParam> one(r, std::adopt_lock);
		auto moved = std::move(one);
		EXPECT_EQ(one.count(), 0U);
		EXPECT_EQ(moved.count(), 1U);
		auto given_up = rundown::try_acquire(r);
		const unsigned long n = given_up.release_ownership();
		EXPECT_FALSE(given_up);
		EXPECT_FALSE(r.wait_for(0ms));  // 3 + 2 + 1 + 1 held
		r.release_many(n);
	}
	EXPECT_TRUE(r.wait_for(0ms)) << "a guard leaked references";
	r.completed();
	r.reinit();
	{
		std::shared_lock<TypeParam> lock(r, std::try_to_lock);
		ASSERT_TRUE(lock.owns_lock());
		std::shared_lock<TypeParam> second(r, std::try_to_lock);
		EXPECT_TRUE(second.owns_lock());
		EXPECT_FALSE(r.wait_for(0ms));
	}
	EXPECT_TRUE(r.wait_for(0ms));
	std::shared_lock<TypeParam> refused(r, std::try_to_lock);
	EXPECT_FALSE(refused.owns_lock());
}

REGISTER_TYPED_TEST_SUITE_P(Semantics, LiveAcquireRelease, WaitWithoutHoldersReturnsAndIsRepeatable,
			    AcquireManyRejectsBadCounts, AcquireManyOverflowFails, TimedWaitWhileHeld,
			    WaitReturnsOnlyAfterLastRelease, ReleaseOnAnotherThreadAndCpu,
			    HolderMigratesBetweenAcquireAndRelease, SeveralWaitersSeeTheHoldersWrites,
			    HoldersWritesOnManyCpusVisibleAfterWait, WaitRacingAcquires,
			    ReinitCyclesUnderLoad, Guard, SurplusReleaseAborts,
			    ReinitAndCompletedMisuseAborts, ReinitLetsALateWaiterGo,
			    GuardsManyAdoptAndSharedLock);

}  // namespace rundown_test

#endif  // RUNDOWN_TESTS_SEMANTICS_HPP

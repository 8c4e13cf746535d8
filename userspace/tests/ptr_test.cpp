// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// rundown::ptr<T, Gen> (<rundown/ptr.hpp>) on both native variants, and the
// C API of <rundown/ptr.h> (ptr_c_test.c).
//
// Objects carry a magic and a data pattern written before they are
// published, and count the readers inside them; a replaced object is
// poisoned and freed as soon as replace() returns, so a reader that keeps
// it too long reads poison (counted) or freed memory (AddressSanitizer).
// No assertion depends on timing: a sleep only gives a wrong
// implementation the chance to show itself.

#include "test_util.hpp"

#include <rundown/ptr.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

extern "C" int rundown_ptr_c_api_test(void);

namespace rundown_test {
namespace {

using namespace std::chrono_literals;

constexpr std::uint32_t k_live = 0x4f424a4c;
constexpr std::uint32_t k_dead = 0x6b6b6b6b;
constexpr int k_words = 16;

struct obj {
	explicit obj(std::uint64_t i) : id(i)
	{
		for (int k = 0; k < k_words; ++k)
			data[k] = id * k_words + static_cast<std::uint64_t>(k);
		magic.store(k_live, std::memory_order_relaxed);
	}
	~obj()
	{
		// Poison: a reader still inside reads it (or ASan reports the
		// access after the free).
		magic.store(k_dead, std::memory_order_relaxed);
		for (auto& d : data)
			d = 0;
	}
	obj(const obj&) = delete;
	obj& operator=(const obj&) = delete;

	// Set up and not freed: what every reader must see.
	bool ok() const
	{
		if (magic.load(std::memory_order_relaxed) != k_live)
			return false;
		for (int k = 0; k < k_words; ++k)
			if (data[k] != id * k_words + static_cast<std::uint64_t>(k))
				return false;
		return true;
	}

	std::uint64_t id;
	std::uint64_t data[k_words];
	std::atomic<std::uint32_t> magic{0};
	std::atomic<int> users{0};  // readers inside: 0 when replace returns it
};

template <class Gen>
class Ptr : public ::testing::Test {
protected:
	using ptr_t = rundown::ptr<obj, Gen>;
};

using Gens = ::testing::Types<rundown::ref, rundown::pcpu_ref>;
TYPED_TEST_SUITE(Ptr, Gens);

TYPED_TEST(Ptr, EveryCallOneThread)
{
	typename TestFixture::ptr_t p;
	EXPECT_FALSE(p.get());
	EXPECT_EQ(p.published(), nullptr);
	EXPECT_EQ(p.retire(), nullptr);
	EXPECT_EQ(p.reclaim(), nullptr);

	auto a = std::make_unique<obj>(1);
	obj* const pa = a.get();
	EXPECT_EQ(p.replace(std::move(a)), nullptr);
	EXPECT_EQ(p.published(), pa);
	{
		auto g1 = p.get();
		auto g2 = p.get();
		ASSERT_TRUE(g1 && g2);
		EXPECT_EQ(g1.get(), pa);
		EXPECT_EQ(&*g2, pa);
		EXPECT_EQ(g1->id, 1U);
		auto g3 = std::move(g1);  // moved guards put once
		EXPECT_FALSE(g1);
		EXPECT_TRUE(g3);
	}
	auto old = p.replace(std::make_unique<obj>(2));
	EXPECT_EQ(old.get(), pa);
	old.reset();
	auto b = p.replace_for(std::make_unique<obj>(3), 1s);
	ASSERT_TRUE(b && *b);
	EXPECT_EQ((*b)->id, 2U);
	EXPECT_EQ(p.get()->id, 3U);

	auto r = p.retire();
	ASSERT_TRUE(r);
	EXPECT_EQ(r->id, 3U);
	EXPECT_FALSE(p.get());
	EXPECT_EQ(p.retire(), nullptr);
	// Published again after a retirement.
	EXPECT_EQ(p.replace(std::make_unique<obj>(4)), nullptr);
	EXPECT_EQ(p.get()->id, 4U);
	auto r2 = p.retire_for(0ns);
	ASSERT_TRUE(r2 && *r2);
	EXPECT_EQ((*r2)->id, 4U);
	auto none = p.reclaim_for(0ns);
	ASSERT_TRUE(none);
	EXPECT_EQ(*none, nullptr);
	// The destructor deletes what is still published.
	typename TestFixture::ptr_t q(std::make_unique<obj>(5));
	EXPECT_EQ(q.get()->id, 5U);
}

// A replacement sleeps until the old object's last guard went, and the new
// object is what every get returns meanwhile.
TYPED_TEST(Ptr, ReplaceWaitsForTheLastReader)
{
	typename TestFixture::ptr_t p(std::make_unique<obj>(1));
	auto held = p.get();
	ASSERT_TRUE(held);
	held->users.fetch_add(1, std::memory_order_relaxed);

	std::atomic<bool> done{false}, reader_gone{false};
	bool gone_seen = false;
	std::unique_ptr<obj> old;
	std::thread replacer([&] {
		old = p.replace(std::make_unique<obj>(2));
		// Everything the reader did before its put is visible.
		gone_seen = reader_gone.load(std::memory_order_relaxed);
		done.store(true, std::memory_order_release);
	});
	std::this_thread::sleep_for(20ms);
	EXPECT_FALSE(done.load(std::memory_order_acquire));
	for (int i = 0; i < 100; ++i) {
		auto g = p.get();  // never refused while a replacement runs
		ASSERT_TRUE(g);
		EXPECT_EQ(g->id, 2U);
	}
	EXPECT_TRUE(held->ok());
	held->users.fetch_sub(1, std::memory_order_relaxed);
	reader_gone.store(true, std::memory_order_relaxed);
	held.reset();
	replacer.join();
	EXPECT_TRUE(gone_seen);
	ASSERT_TRUE(old);
	EXPECT_EQ(old->id, 1U);
	EXPECT_EQ(old->users.load(std::memory_order_relaxed), 0);
}

// A timed replacement that finds a reader in publishes and leaves the old
// object for reclaim(); replacing before that is misuse.
TYPED_TEST(Ptr, TimedOutReplacementLeavesTheOldForReclaim)
{
	typename TestFixture::ptr_t p(std::make_unique<obj>(1));
	auto held = p.get();
	ASSERT_TRUE(held);
	EXPECT_FALSE(p.replace_for(std::make_unique<obj>(2), 10ms));
	EXPECT_EQ(p.get()->id, 2U);
	EXPECT_EQ(p.published()->id, 2U);
	EXPECT_FALSE(p.reclaim_for(1ms));
	EXPECT_DEATH((void)p.replace(std::make_unique<obj>(3)), "rundown: misuse.*reclaim");
	EXPECT_DEATH((void)p.retire_for(1s), "rundown: misuse.*reclaim");
	held.reset();
	auto old = p.reclaim();
	ASSERT_TRUE(old);
	EXPECT_EQ(old->id, 1U);
	EXPECT_EQ(p.reclaim(), nullptr);

	// A timed-out retirement: gets fail at once, the object waits.
	held = p.get();
	ASSERT_TRUE(held);
	EXPECT_FALSE(p.retire_for(1ms));
	EXPECT_FALSE(p.get());
	held.reset();
	auto r = p.reclaim_for(10s);
	ASSERT_TRUE(r && *r);
	EXPECT_EQ((*r)->id, 2U);

	// A pointer destroyed with an unreclaimed object deletes it (ASan
	// would report the leak otherwise).
	auto q = std::make_unique<typename TestFixture::ptr_t>(std::make_unique<obj>(7));
	held = q->get();
	EXPECT_FALSE(q->replace_for(std::make_unique<obj>(8), 0ns));
	held.reset();
	q.reset();
}

TYPED_TEST(Ptr, TwoReplacersAtOnceAbort)
{
	typename TestFixture::ptr_t p(std::make_unique<obj>(1));
	auto held = p.get();
	std::atomic<bool> done{false};
	std::thread replacer([&] {
		(void)p.replace(std::make_unique<obj>(2));
		done.store(true, std::memory_order_release);
	});
	for (;;) {  // until the replacer published 2 and waits for `held`
		auto g = p.get();
		if (g && g->id == 2)
			break;
		std::this_thread::yield();
	}
	EXPECT_FALSE(done.load(std::memory_order_acquire));
	EXPECT_DEATH((void)p.replace(std::make_unique<obj>(3)), "rundown: misuse.*two replacers");
	held.reset();
	replacer.join();
}

// Readers on every CPU, the owner replacing as fast as it can with the
// forms mixed: no reader is refused, none sees an object half set up or
// freed, every returned object has no reader inside.
TYPED_TEST(Ptr, ReplaceUnderReaders)
{
	typename TestFixture::ptr_t p(std::make_unique<obj>(0));
	const auto cpus = allowed_cpus();
	const int nr = std::max<int>(2, static_cast<int>(cpus.size()));
	std::atomic<bool> stop{false};
	std::atomic<long> gets{0}, refused{0}, bad{0};
	std::atomic<int> ready{0};
	std::vector<std::thread> readers;
	for (int t = 0; t < nr; ++t)
		readers.emplace_back([&, t] {
			pin_self(cpus[static_cast<std::size_t>(t) % cpus.size()]);
			long n = 0, nulls = 0, wrong = 0;
			ready.fetch_add(1, std::memory_order_relaxed);
			while (!stop.load(std::memory_order_relaxed)) {
				auto g = p.get();
				if (!g) {
					++nulls;
					continue;
				}
				if (!g->ok())
					++wrong;
				g->users.fetch_add(1, std::memory_order_relaxed);
				if (!g->ok())
					++wrong;
				g->users.fetch_sub(1, std::memory_order_relaxed);
				// Let the replacer run on a machine with fewer CPUs
				// than threads.
				if (++n % 1024 == 0)
					std::this_thread::yield();
			}
			gets += n;
			refused += nulls;
			bad += wrong;
		});
	while (ready.load(std::memory_order_relaxed) < nr)  // all of them in the loop
		std::this_thread::yield();
	const int rounds = scaled(4000);
	long reclaims = 0;
	for (int i = 1; i <= rounds; ++i) {
		auto next = std::make_unique<obj>(static_cast<std::uint64_t>(i));
		std::unique_ptr<obj> old;
		if (i % 3 == 0) {
			old = p.replace(std::move(next));
		} else if (auto o = p.replace_for(std::move(next), 0ns)) {
			old = std::move(*o);
		} else {
			++reclaims;
			old = p.reclaim();
		}
		ASSERT_TRUE(old);
		EXPECT_EQ(old->id, static_cast<std::uint64_t>(i - 1));
		EXPECT_EQ(old->users.load(std::memory_order_relaxed), 0);
		EXPECT_TRUE(old->ok());
		// Freed here, right after the replacement returned.
		if (i % 64 == 0)
			std::this_thread::yield();
	}
	stop.store(true, std::memory_order_relaxed);
	for (auto& r : readers)
		r.join();
	EXPECT_EQ(refused.load(), 0);
	EXPECT_EQ(bad.load(), 0);
	EXPECT_GT(gets.load(), 0);
	this->RecordProperty("reclaims", static_cast<int>(reclaims));
}

// Retire under readers: while published no get fails, after retire()
// returned none succeeds; publishing again lets them in.
TYPED_TEST(Ptr, RetireUnderReaders)
{
	typename TestFixture::ptr_t p;
	// The owner's phase, counting up: phase & 3 is 0 publishing, 1
	// published, 2 retiring, 3 retired. A reader whose get ran entirely
	// in one phase (the same value before and after) is judged by it.
	std::atomic<std::uint64_t> phase{0};
	std::atomic<bool> stop{false};
	std::atomic<long> refused{0}, late{0}, nulls{0}, gets{0};
	std::vector<std::thread> readers;
	for (int t = 0; t < 4; ++t)
		readers.emplace_back([&] {
			while (!stop.load(std::memory_order_relaxed)) {
				// Acquire: pairs with the owner's release stores.
				const std::uint64_t before = phase.load(std::memory_order_acquire);
				const bool got = static_cast<bool>(p.get());
				// A get that saw a newer publication read its @seq with
				// acquire: the owner's phase store before it is visible.
				const std::uint64_t after = phase.load(std::memory_order_acquire);
				if (got) {
					++gets;
					if (before == after && (before & 3) == 3)
						++late;
				} else if (before == after && (before & 3) == 1) {
					++refused;
				} else {
					++nulls;
				}
			}
		});
	const auto next_phase = [&](std::uint64_t want) {
		const std::uint64_t cur = phase.load(std::memory_order_relaxed);
		phase.store(cur + ((want - cur) & 3), std::memory_order_seq_cst);
	};
	for (int round = 0; round < scaled(40); ++round) {
		next_phase(0);
		EXPECT_EQ(p.replace(std::make_unique<obj>(static_cast<std::uint64_t>(round))), nullptr);
		next_phase(1);
		std::this_thread::sleep_for(1ms);
		next_phase(2);
		auto old = p.retire();
		next_phase(3);
		ASSERT_TRUE(old);
		EXPECT_EQ(old->users.load(std::memory_order_relaxed), 0);
		EXPECT_FALSE(p.get());
		std::this_thread::sleep_for(500us);
	}
	stop.store(true, std::memory_order_relaxed);
	for (auto& r : readers)
		r.join();
	EXPECT_EQ(refused.load(), 0);
	EXPECT_EQ(late.load(), 0);
	EXPECT_GT(gets.load(), 0);
	EXPECT_GT(nulls.load(), 0);
}

TEST(PtrCApi, CallableFromC) { EXPECT_EQ(rundown_ptr_c_api_test(), 0) << "failed at that line of ptr_c_test.c"; }

TEST(PtrCApi, BadTokenAborts)
{
	rundown_ptr p = RUNDOWN_PTR_INIT;
	int x = 0;
	EXPECT_EQ(rundown_ptr_replace(&p, &x), nullptr);
	EXPECT_DEATH(rundown_ptr_put(&p, 2), "rundown: misuse.*token");
	EXPECT_EQ(rundown_ptr_retire(&p), &x);
}

TEST(PtrCApi, UntimedReplaceBeforeReclaimAborts)
{
	rundown_ptr p = RUNDOWN_PTR_INIT;
	int x = 0, y = 0;
	unsigned tok;
	void* old;
	EXPECT_EQ(rundown_ptr_replace(&p, &x), nullptr);
	ASSERT_EQ(rundown_ptr_get(&p, &tok), &x);
	EXPECT_EQ(rundown_ptr_replace_timeout(&p, &y, &old, 0), -ETIMEDOUT);
	EXPECT_DEATH((void)rundown_ptr_retire(&p), "rundown: misuse.*reclaim");
	rundown_ptr_put(&p, tok);
	EXPECT_EQ(rundown_ptr_reclaim(&p), &x);
	EXPECT_EQ(rundown_ptr_retire(&p), &y);
}

static_assert(!std::is_copy_constructible_v<rundown::ptr<obj>>);
static_assert(std::is_nothrow_move_constructible_v<rundown::ptr<obj>::guard>);
static_assert(noexcept(std::declval<rundown::ptr<obj>&>().get()));
static_assert(noexcept(std::declval<rundown::pcpu_ptr<obj>&>().get()));

}  // namespace
}  // namespace rundown_test

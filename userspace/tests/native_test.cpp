// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// The native suite: the shared semantics on rundown::ref and
// rundown::pcpu_ref, plus what only the native implementation promises
// (layout, the C API, no system call on the release fast path, slot choice).

#include "semantics.hpp"

#include <rundown/rundown.hpp>

#include <csignal>
#include <cstdio>
#include <cstddef>
#include <cstdlib>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

extern "C" int rundown_c_api_test(void);

namespace rundown_test {

template <>
struct ref_traits<rundown::ref> {
	static const char* skip_reason() { return nullptr; }
	static std::unique_ptr<rundown::ref> make() { return std::make_unique<rundown::ref>(); }
	static constexpr bool total_limit = true;
	static constexpr bool release_checked_live = true;
	static constexpr bool reinit_checked = true;
	static constexpr bool late_waiter_returns = true;
	static constexpr int work(int n) { return n; }
};

template <>
struct ref_traits<rundown::pcpu_ref> {
	static const char* skip_reason() { return nullptr; }
	static std::unique_ptr<rundown::pcpu_ref> make() { return std::make_unique<rundown::pcpu_ref>(); }
	static constexpr bool total_limit = false;           // per slot: see SlotBound below
	static constexpr bool release_checked_live = false;  // slots are modular while live
	static constexpr bool reinit_checked = true;
	static constexpr bool late_waiter_returns = true;
	static constexpr int work(int n) { return n; }
};

using NativeTypes = ::testing::Types<rundown::ref, rundown::pcpu_ref>;
INSTANTIATE_TYPED_TEST_SUITE_P(Native, Semantics, NativeTypes);

static_assert(sizeof(rundown_ref) == 8 && alignof(rundown_ref) == 8);
static_assert(sizeof(rundown::ref) == 8, "rundown::ref must stay one word");
static_assert(!std::is_copy_constructible_v<rundown::ref> && !std::is_move_constructible_v<rundown::ref>);
static_assert(!std::is_copy_constructible_v<rundown::pcpu_ref> &&
	      !std::is_move_constructible_v<rundown::pcpu_ref>);
static_assert(noexcept(std::declval<rundown::ref&>().acquire()) && noexcept(
	std::declval<rundown::ref&>().release()));
static_assert(noexcept(std::declval<rundown::pcpu_ref&>().acquire()) && noexcept(
	std::declval<rundown::pcpu_ref&>().release()));

TEST(CApi, CallableFromC) { EXPECT_EQ(rundown_c_api_test(), 0) << "failed at line of c_api_test.c"; }

TEST(NativeRef, ConstantInitialisedAndEmbeddable)
{
	static constinit rundown::ref global;
	struct object {
		int x = 0;
		rundown_ref live = RUNDOWN_REF_INIT;
	} o;
	ASSERT_TRUE(global.acquire());
	global.release();
	ASSERT_TRUE(rundown_acquire(&o.live));
	rundown_release(&o.live);
	rundown_wait(&o.live);
	EXPECT_FALSE(rundown_acquire(&o.live));
}

// With exactly 2^31 references the low 32 bits the waiter sleeps on already
// read "done": the waiter must poll instead of sleeping through the wake.
TEST(NativeRef, WaitWithTwoToTheThirtyOneHolders)
{
	rundown::ref r;
	constexpr unsigned long kHalf = 1UL << 31;
	ASSERT_TRUE(r.acquire_many(kHalf));
	EXPECT_FALSE(r.wait_for(3ms));
	std::atomic<bool> done{false};
	std::thread waiter([&] {
		r.wait();
		done.store(true);
	});
	std::this_thread::sleep_for(5ms);
	EXPECT_FALSE(done.load());
	r.release_many(kHalf);
	waiter.join();
	EXPECT_TRUE(done.load());
}

// One slot count unit: the rseq protocol counts 1 per reference, the
// locked one 2 (bit 0 is its "collapsed" mark).
static std::uint64_t slot_unit(const rundown_pcpu* h) { return h->mode == 1 ? 1 : 2; }

// A slot's net count: the rseq protocol counts acquires in word 0 and
// releases in word 1, the locked one both in word 0.
static std::uint64_t slot_value(const rundown_pcpu* h, std::uint32_t i)
{
	auto word = [&](int w) {
		return std::atomic_ref<std::uint64_t>(h->slots[std::size_t{i} * RUNDOWN_PCPU_STRIDE / 8 + w])
			.load(std::memory_order_relaxed);
	};
	return h->mode == 1 ? word(0) - word(1) : word(0);
}

TEST(NativePcpu, SlotsOnTheirOwnLinesOnePerPossibleCpu)
{
	rundown::pcpu_ref p;
	ASSERT_TRUE(p.valid());
	const rundown_pcpu* h = p.native_handle();
	EXPECT_EQ(reinterpret_cast<std::uintptr_t>(h->slots) % RUNDOWN_PCPU_STRIDE, 0U);
	EXPECT_GT(h->nr_slots, static_cast<std::uint32_t>(allowed_cpus().back()));
}

TEST(NativePcpu, PicksTheCurrentCpusSlot)
{
	for (const int cpu : allowed_cpus()) {
		pinned here(cpu);
		rundown::pcpu_ref p;
		const rundown_pcpu* h = p.native_handle();
		ASSERT_TRUE(p.acquire_many(3));
		EXPECT_EQ(slot_value(h, static_cast<std::uint32_t>(cpu)), 3U * slot_unit(h)) << "cpu " << cpu;
		for (std::uint32_t i = 0; i < h->nr_slots; ++i) {
			if (i != static_cast<std::uint32_t>(cpu)) {
				EXPECT_EQ(slot_value(h, i), 0U) << "cpu " << cpu << " slot " << i;
			}
		}
		p.release_many(3);
		EXPECT_EQ(slot_value(h, static_cast<std::uint32_t>(cpu)), 0U);
	}
}

// Hand-offs (acquire on one CPU, release on another) drift the slots apart
// without bound; only their sum means anything. A slot that drifted far
// (here: as far as 2^61 pairs would take it) must not make acquires fail.
TEST(NativePcpu, SlotDriftFromHandOffsIsHarmless)
{
	rundown::pcpu_ref p;
	rundown_pcpu* h = p.native_handle();
	if (h->nr_slots < 2)
		GTEST_SKIP() << "one possible CPU: no hand-off between slots";
	const int cpu = first_cpu();
	const std::uint32_t other = static_cast<std::uint32_t>(cpu) == 0 ? h->nr_slots - 1 : 0;
	const std::uint64_t drift = (std::uint64_t{1} << 61) * slot_unit(h);
	pinned here(cpu);
	std::atomic_ref<std::uint64_t>(h->slots[std::size_t(cpu) * RUNDOWN_PCPU_STRIDE / 8])
		.store(drift, std::memory_order_relaxed);
	std::atomic_ref<std::uint64_t>(h->slots[std::size_t(other) * RUNDOWN_PCPU_STRIDE / 8])
		.store(0 - drift, std::memory_order_relaxed);
	for (int i = 0; i < 1000; ++i) {
		ASSERT_TRUE(p.acquire()) << "a drifted slot refused an acquire on a live object";
		p.release();
	}
	ASSERT_TRUE(p.acquire_many(RUNDOWN_ACQUIRE_MAX));
	EXPECT_FALSE(p.wait_for(0ms));
	p.release_many(RUNDOWN_ACQUIRE_MAX);
	EXPECT_TRUE(p.wait_for(0ms)) << "the drifted slots did not sum to 0";
}

// Drops the process on its first futex system call.
static void forbid_futex()
{
	static sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_futex, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	static sock_fprog prog = {static_cast<unsigned short>(std::size(filter)), filter};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
		std::_Exit(3);
}

TEST(NativeNoSyscall, FilterKillsOnFutex)
{
#ifdef RUNDOWN_TEST_SLOW
	GTEST_SKIP() << "the sanitizer runtimes make futex calls of their own";
#endif
	EXPECT_EXIT(
		{
			forbid_futex();
			std::uint32_t word = 0;
			syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
			std::_Exit(0);
		},
		::testing::KilledBySignal(SIGSYS), "");
}

// The release fast path, waits that find no holder and timed-out zero
// waits make no system call; the one release that must wake (the last,
// during a run-down of a plain word) does, after the marker line.
TEST(NativeNoSyscall, OnlyTheWakingReleaseCallsFutex)
{
#ifdef RUNDOWN_TEST_SLOW
	GTEST_SKIP() << "the sanitizer runtimes make futex calls of their own";
#endif
	EXPECT_EXIT(
		{
			rundown::ref r;
			rundown::pcpu_ref p;
			forbid_futex();
			for (int i = 0; i < 1000; ++i) {
				if (!r.acquire() || !p.acquire())
					std::_Exit(1);
				r.release();
				p.release();
			}
			if (!r.acquire_many(2) || !p.acquire_many(2))
				std::_Exit(1);
			if (r.wait_for(0ms) || p.wait_for(0ms))  // begins run-down, holders remain
				std::_Exit(1);
			r.release();  // not the last: no wake
			p.release();
			if (r.wait_for(0ms) || p.wait_for(0ms))
				std::_Exit(1);
			p.release();  // the last, nobody sleeps: no wake
			p.wait();     // finished: no sleep
			p.completed();
			p.reinit();
			rundown::ref idle;
			idle.wait();  // no holders: no sleep
			std::fprintf(stderr, "reached the waking release\n");
			r.release();  // the last during a run-down: FUTEX_WAKE
			std::_Exit(0);
		},
		::testing::KilledBySignal(SIGSYS), "reached the waking release");
}

}  // namespace rundown_test

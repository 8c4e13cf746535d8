// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// The cache-aware variant's own promises, beyond the shared semantics: the
// protocol the process chose (and what forces the fallback), rseq sections
// aborted by signals and migrations, fork(), freeing right after the wait,
// rundown_pcpu_wait_many(), a failed non-throwing init.
//
// The rseq protocol is invisible to ThreadSanitizer (inline assembly, and
// ordering by membarrier); a TSan build of the library runs the locked
// protocol, so under TSan these tests check that one.

#include "test_util.hpp"

#include <rundown/rundown.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <pthread.h>
#include <string>
#include <thread>
#include <ucontext.h>
#include <vector>

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <malloc.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#if __has_include(<sys/rseq.h>)
#include <sys/rseq.h>
#endif
#include <linux/membarrier.h>

// The abort handlers of every rseq section in this binary (the library's
// and the inlined ones): the linker defines these for the section.
extern "C" const char __start___rseq_failure[] __attribute__((weak));
extern "C" const char __stop___rseq_failure[] __attribute__((weak));
// And their descriptors (struct rseq_cs, 32 bytes each).
struct rseq_descriptor {
	std::uint32_t version, flags;
	std::uint64_t start_ip, post_commit_offset, abort_ip;
} __attribute__((aligned(32)));
extern "C" const rseq_descriptor __start___rseq_cs[] __attribute__((weak));
extern "C" const rseq_descriptor __stop___rseq_cs[] __attribute__((weak));

// Fails aligned_alloc (which rundown_pcpu_init uses) while set on this thread.
static thread_local bool g_fail_aligned_alloc = false;
extern "C" void* aligned_alloc(size_t alignment, size_t size)
{
	if (g_fail_aligned_alloc)
		return nullptr;
	return memalign(alignment, size);
}

namespace rundown_test {

using namespace std::chrono_literals;

static bool is_rseq() { return std::strcmp(rundown_pcpu_protocol(), "rseq") == 0; }

// What this process should have chosen, found independently of the library.
static std::string expected_protocol()
{
	if (const char* forced = std::getenv("RUNDOWN_TEST_EXPECT_PROTOCOL"))
		return forced;
#if defined(__SANITIZE_THREAD__)
	return "locked";
#endif
	const char* env = std::getenv("RUNDOWN_PCPU_PROTOCOL");
	if (env && std::strcmp(env, "locked") == 0)
		return "locked";
	bool rseq = false;
#if __has_include(<sys/rseq.h>) && (defined(__x86_64__) || defined(__aarch64__))
	const long cmds = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
	rseq = __rseq_size >= 16 && cmds > 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ);
#endif
	return rseq ? "rseq" : "locked";
}

TEST(PcpuProtocol, IsTheExpectedOne)
{
	EXPECT_EQ(rundown_pcpu_protocol(), expected_protocol());
	rundown::pcpu_ref p;
	EXPECT_EQ(p.native_handle()->mode == 1, is_rseq()) << "an object does not follow the process's choice";
}

// ---------------------------------------------------------------------------
// The probe in a fresh process, under what must force the fallback.


// A seccomp filter failing system call @nr with ENOSYS, as an old kernel or
// a container's profile would.
static bool deny_syscall(long nr)
{
	sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<__u32>(nr), 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	sock_fprog prog = {static_cast<unsigned short>(std::size(filter)), filter};
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0;
}

// Runs the probe with @env added, after denying @deny (0: nothing); returns
// its output, or "" when it failed.
static std::string run_probe(const char* env, long deny)
{
	int out[2];
	if (pipe(out) != 0)
		return {};
	const std::string path = sibling_binary("rundown_probe");
	const pid_t pid = fork();
	if (pid == 0) {
		dup2(out[1], 1);
		close(out[0]);
		if (env)
			putenv(const_cast<char*>(env));
		if (deny && !deny_syscall(deny))
			_exit(100);
		execl(path.c_str(), path.c_str(), static_cast<char*>(nullptr));
		_exit(101);
	}
	close(out[1]);
	std::string text;
	char buf[256];
	for (ssize_t n; (n = read(out[0], buf, sizeof(buf))) > 0;)
		text.append(buf, static_cast<std::size_t>(n));
	close(out[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return "failed: status " + std::to_string(status) + ": " + text;
	return text;
}

TEST(PcpuProtocol, FallbackWhereRseqOrMembarrierIsMissing)
{
	if (std::getenv("RUNDOWN_TEST_EXPECT_PROTOCOL") || std::getenv("RUNDOWN_PCPU_PROTOCOL"))
		GTEST_SKIP() << "runs in the default suite only";
	const std::string normal = "protocol=" + expected_protocol() + "\nok\n";
	EXPECT_EQ(run_probe(nullptr, 0), normal);
	EXPECT_EQ(run_probe("RUNDOWN_PCPU_PROTOCOL=locked", 0), "protocol=locked\nok\n");
	EXPECT_EQ(run_probe("RUNDOWN_PCPU_PROTOCOL=anything-else", 0), normal);
	EXPECT_EQ(run_probe("GLIBC_TUNABLES=glibc.pthread.rseq=0", 0), "protocol=locked\nok\n");
	EXPECT_EQ(run_probe(nullptr, SYS_membarrier), "protocol=locked\nok\n");
	EXPECT_EQ(run_probe(nullptr, SYS_rseq), "protocol=locked\nok\n");
}

// ---------------------------------------------------------------------------
// Signals at a high rate and affinity churn: sections aborted at every
// point and restarted on another CPU, signal handlers that acquire and
// release the same object inside the interrupted section, while the owner
// runs the object down and revives it. No reference may be lost or counted
// twice (the final wait would hang or report a negative count), no holder
// may be inside when a wait returns, no acquire may succeed between the
// return and the reinit.

namespace chaos {
rundown::pcpu_ref* obj = nullptr;
std::atomic<int> inside{0};
std::atomic<bool> returned{false};
std::atomic<long> bad{0}, handled{0}, aborted{0}, unarmed{0};
}  // namespace chaos

static void chaos_handler(int, siginfo_t*, void* uctx)
{
	chaos::handled.fetch_add(1, std::memory_order_relaxed);
	std::uintptr_t ip = 0;
#if defined(__x86_64__)
	ip = static_cast<std::uintptr_t>(static_cast<ucontext_t*>(uctx)->uc_mcontext.gregs[REG_RIP]);
#elif defined(__aarch64__)
	ip = static_cast<std::uintptr_t>(static_cast<ucontext_t*>(uctx)->uc_mcontext.pc);
#endif
	// The kernel moved an interrupted section to its abort handler
	// before building our frame: the saved ip is there.
	if (__start___rseq_failure && ip >= reinterpret_cast<std::uintptr_t>(__start___rseq_failure) &&
	    ip < reinterpret_cast<std::uintptr_t>(__stop___rseq_failure))
		chaos::aborted.fetch_add(1, std::memory_order_relaxed);
	// A signal that finds the ip still inside a section hit one that was
	// not armed (the kernel would have moved it to the abort handler).
	if (__start___rseq_cs)
		for (const rseq_descriptor* d = __start___rseq_cs; d < __stop___rseq_cs; ++d)
			if (ip - d->start_ip < d->post_commit_offset)
				chaos::unarmed.fetch_add(1, std::memory_order_relaxed);
	if (chaos::obj->acquire()) {
		chaos::inside.fetch_add(1);
		if (chaos::returned.load())
			chaos::bad.fetch_add(1);
		chaos::inside.fetch_sub(1);
		chaos::obj->release();
	}
}

TEST(PcpuChaos, SignalsAndMigrationsInsideSections)
{
	const auto cpus = allowed_cpus();
	rundown::pcpu_ref p;
	chaos::obj = &p;
	chaos::bad = 0;
	chaos::handled = 0;
	chaos::aborted = 0;
	chaos::unarmed = 0;
	struct sigaction sa = {};
	sa.sa_sigaction = chaos_handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	struct sigaction old = {};
	ASSERT_EQ(sigaction(SIGUSR1, &sa, &old), 0);

	constexpr int kWorkers = 3;
	std::atomic<bool> stop{false};
	std::atomic<long> migrated{0}, acquired{0};
	std::vector<pthread_t> handles(kWorkers);
	std::vector<std::atomic<pid_t>> tids(kWorkers);
	std::vector<std::thread> workers;
	for (int t = 0; t < kWorkers; ++t)
		workers.emplace_back([&, t] {
			handles[static_cast<std::size_t>(t)] = pthread_self();
			tids[static_cast<std::size_t>(t)] = static_cast<pid_t>(syscall(SYS_gettid));
			unsigned hop = 0;
			while (!stop.load(std::memory_order_relaxed)) {
				if (!p.acquire()) {
					std::this_thread::yield();
					continue;
				}
				chaos::inside.fetch_add(1);
				acquired.fetch_add(1, std::memory_order_relaxed);
				if (chaos::returned.load())
					chaos::bad.fetch_add(1);
				// Now and then hand the reference to another CPU.
				if (++hop % 64 == 0 && cpus.size() > 1) {
					const int cpu = cpus[hop / 64 % cpus.size()];
					const int before = sched_getcpu();
					pin_self(cpu);
					if (sched_getcpu() != before)
						migrated.fetch_add(1, std::memory_order_relaxed);
				}
				chaos::inside.fetch_sub(1);
				p.release();
			}
		});
	for (auto& tid : tids)
		while (tid.load() == 0)
			std::this_thread::yield();

	// The chaos thread: signals as fast as it can, and moves the workers
	// around behind their backs.
	std::thread chaos_thread([&] {
		unsigned i = 0;
		while (!stop.load(std::memory_order_relaxed)) {
			for (int t = 0; t < kWorkers; ++t)
				pthread_kill(handles[static_cast<std::size_t>(t)], SIGUSR1);
			if (++i % 16 == 0 && cpus.size() > 1) {
				cpu_set_t set;
				CPU_ZERO(&set);
				CPU_SET(cpus[i / 16 % cpus.size()], &set);
				sched_setaffinity(tids[i % kWorkers], sizeof(set), &set);
				migrated.fetch_add(1, std::memory_order_relaxed);
			}
		}
	});

	const int cycles = scaled(400);
	for (int c = 0; c < cycles; ++c) {
		std::this_thread::sleep_for(200us);
		ASSERT_TRUE(p.wait_for(10s)) << "cycle " << c << ": a reference was lost";
		chaos::returned.store(true);
		EXPECT_EQ(chaos::inside.load(), 0) << "cycle " << c << ": a holder is inside after the wait";
		std::this_thread::sleep_for(20us);
		EXPECT_FALSE(p.acquire());
		chaos::returned.store(false);
		p.completed();
		p.reinit();
	}
	std::this_thread::sleep_for(20ms);  // a live stretch at the end
	stop.store(true);
	chaos_thread.join();
	for (auto& w : workers)
		w.join();
	EXPECT_TRUE(p.wait_for(10s)) << "a reference was lost or counted twice";
	sigaction(SIGUSR1, &old, nullptr);
	EXPECT_EQ(chaos::bad.load(), 0) << "an acquire succeeded between a wait's return and the reinit";
	EXPECT_GT(acquired.load(), 0);
	EXPECT_GT(chaos::handled.load(), 0);
	if (cpus.size() > 1) {
		EXPECT_GT(migrated.load(), 0);
	}
	if (is_rseq()) {
		EXPECT_GT(chaos::aborted.load(), 0) << "no signal ever landed inside a section";
		EXPECT_GT(__stop___rseq_cs - __start___rseq_cs, 0) << "no rseq descriptor in the binary";
	}
	EXPECT_EQ(chaos::unarmed.load(), 0) << "a signal interrupted a section that was not armed";
	std::printf("  %ld acquires, %ld signals (%ld inside a section), %ld migrations\n", acquired.load(),
		    chaos::handled.load(), chaos::aborted.load(), migrated.load());
	chaos::obj = nullptr;
}

// ---------------------------------------------------------------------------
// The owner frees the object the moment its wait returns, while the last
// holders release on other threads, some before and some after the flag
// (the central count's slow path). Under AddressSanitizer any touch of the
// object after the release that drained it is a use after free.
TEST(PcpuLifetime, FreeRightAfterWait)
{
	const auto cpus = allowed_cpus();
	constexpr int kHolders = 3;
	const int cycles = scaled(2000);
	for (int c = 0; c < cycles; ++c) {
		auto* p = new rundown::pcpu_ref;
		std::atomic<int> ready{0};
		std::vector<std::thread> holders;
		for (int t = 0; t < kHolders; ++t)
			holders.emplace_back([&, t] {
				pin_self(cpus[static_cast<std::size_t>(t + c) % cpus.size()]);
				if (!p->acquire())
					std::abort();
				ready.fetch_add(1);
				if ((t + c) % 2 == 0) {
					// After the flag: the central count.
					while (p->is_active())
						std::this_thread::yield();
				}
				p->release();  // the last touch of *p
			});
		while (ready.load() < kHolders)
			std::this_thread::yield();
		p->wait();
		delete p;
		for (auto& h : holders)
			h.join();
	}
}

// ---------------------------------------------------------------------------
// fork(): the child keeps the protocol, its copies of the objects (with the
// references every thread held at the fork still counted), and can run
// objects down (the membarrier registration is inherited).
TEST(PcpuFork, ChildKeepsProtocolAndCopies)
{
	rundown::pcpu_ref p;
	ASSERT_TRUE(p.acquire());  // ours: the child releases its copy
	std::atomic<bool> held{false}, stop{false};
	std::thread other([&] {
		if (!p.acquire())
			std::abort();
		held.store(true);
		while (!stop.load())
			std::this_thread::sleep_for(1ms);
		p.release();
	});
	// A third thread hammers a second object across the fork.
	rundown::pcpu_ref q;
	std::thread hammer([&] {
		while (!stop.load(std::memory_order_relaxed))
			if (q.acquire())
				q.release();
	});
	while (!held.load())
		std::this_thread::yield();
	const std::string protocol = rundown_pcpu_protocol();

	const pid_t pid = fork();
	if (pid == 0) {
		if (protocol != rundown_pcpu_protocol())
			_exit(1);
		p.release();
		if (p.wait_for(20ms))
			_exit(2);  // the other thread's reference is still counted
		if (p.acquire())
			_exit(3);
		// q: the hammer held 0 or 1 at the fork; never a negative count
		// (that would abort as misuse).
		(void)q.wait_for(20ms);
		rundown::pcpu_ref r;  // a new object, run down in the child
		if (!r.acquire_many(2))
			_exit(4);
		if (r.wait_for(0ms))
			_exit(5);
		r.release_many(2);
		if (!r.wait_for(1s))
			_exit(6);
		r.completed();
		r.reinit();
		if (!r.acquire())
			_exit(7);
		r.release();
		_exit(0);
	}
	ASSERT_GT(pid, 0);
	int status = 0;
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
	// The parent's objects are its own.
	EXPECT_TRUE(p.is_active());
	stop.store(true);
	other.join();
	hammer.join();
	p.release();
	EXPECT_TRUE(p.wait_for(1s));
	EXPECT_TRUE(q.wait_for(1s));
}

// ---------------------------------------------------------------------------
TEST(PcpuWaitMany, ThousandObjectsOneCall)
{
	constexpr std::size_t kObjects = 1000;
	std::vector<std::unique_ptr<rundown::pcpu_ref>> objs;
	std::vector<rundown::pcpu_ref*> ptrs;
	for (std::size_t i = 0; i < kObjects; ++i) {
		objs.push_back(std::make_unique<rundown::pcpu_ref>());
		ptrs.push_back(objs.back().get());
	}
	// Every 7th object held, on another CPU than the waiter's.
	std::atomic<bool> held{false}, go{false};
	std::thread holder([&] {
		pin_self(last_cpu());
		for (std::size_t i = 0; i < kObjects; i += 7)
			if (!ptrs[i]->acquire())
				std::abort();
		held.store(true);
		while (!go.load())
			std::this_thread::sleep_for(1ms);
		for (std::size_t i = 0; i < kObjects; i += 7)
			ptrs[i]->release();
	});
	while (!held.load())
		std::this_thread::yield();
	std::atomic<bool> done{false};
	std::thread waiter([&] {
		pin_self(first_cpu());
		rundown::wait_many(ptrs);
		done.store(true);
	});
	std::this_thread::sleep_for(20ms);
	EXPECT_FALSE(done.load()) << "wait_many returned with references held";
	for (auto* p : ptrs)
		EXPECT_FALSE(p->acquire()) << "an acquire succeeded while wait_many runs";
	go.store(true);
	holder.join();
	waiter.join();
	EXPECT_TRUE(done.load());
	for (auto* p : ptrs) {
		EXPECT_FALSE(p->acquire());
		p->completed();
		p->reinit();
	}
	// Repeats, already run-down objects, an empty batch, the C form.
	rundown::wait_many(std::span<rundown::pcpu_ref* const>());
	ptrs[1]->wait();
	std::vector<rundown_pcpu*> natives;
	for (std::size_t i = 0; i < 10; ++i)
		natives.push_back(ptrs[i % 3]->native_handle());
	rundown_pcpu_wait_many(natives.data(), natives.size());
	for (std::size_t i = 0; i < 3; ++i)
		EXPECT_FALSE(ptrs[i]->acquire());
	EXPECT_TRUE(ptrs[3]->is_active());
}

// Two batches and single waits racing over the same objects with holders
// coming and going: each object is swept exactly once per run-down.
TEST(PcpuWaitMany, RacingWaitersAndHolders)
{
	const auto cpus = allowed_cpus();
	constexpr std::size_t kObjects = 16;
	std::vector<std::unique_ptr<rundown::pcpu_ref>> objs;
	std::vector<rundown::pcpu_ref*> ptrs;
	for (std::size_t i = 0; i < kObjects; ++i) {
		objs.push_back(std::make_unique<rundown::pcpu_ref>());
		ptrs.push_back(objs.back().get());
	}
	const int cycles = scaled(300);
	for (int c = 0; c < cycles; ++c) {
		std::atomic<bool> stop{false};
		std::atomic<int> inside{0};
		std::thread holder([&] {
			pin_self(cpus[static_cast<std::size_t>(c) % cpus.size()]);
			while (!stop.load())
				for (auto* p : ptrs)
					if (p->acquire()) {
						inside.fetch_add(1);
						inside.fetch_sub(1);
						p->release();
					}
		});
		std::this_thread::sleep_for(50us);
		std::thread a([&] { rundown::wait_many(ptrs); });
		std::thread b([&] { rundown::wait_many(std::span(ptrs).subspan(kObjects / 2)); });
		ptrs[static_cast<std::size_t>(c) % kObjects]->wait();
		a.join();
		b.join();
		EXPECT_EQ(inside.load(), 0);
		stop.store(true);
		holder.join();
		for (auto* p : ptrs) {
			ASSERT_FALSE(p->acquire());
			p->completed();
			p->reinit();
		}
	}
}

// ---------------------------------------------------------------------------
// A failed non-throwing construction: a run-down object without slots, on
// which acquires fail (they used to divide by zero) and waits return.
TEST(PcpuInit, FailedNothrowConstruction)
{
	g_fail_aligned_alloc = true;
	rundown::pcpu_ref p(std::nothrow);
	g_fail_aligned_alloc = false;
	ASSERT_FALSE(p.valid());
	EXPECT_FALSE(p.acquire());
	EXPECT_FALSE(p.acquire_many(3));
	EXPECT_FALSE(p.is_active());
	p.wait();
	EXPECT_TRUE(p.wait_for(0ms));
	rundown::pcpu_ref* one[] = {&p};
	rundown::wait_many(one);
	EXPECT_DEATH(p.release(), "rundown: misuse");
	EXPECT_DEATH(p.reinit(), "rundown: misuse.*not initialised");
	g_fail_aligned_alloc = true;
	rundown_pcpu c;
	EXPECT_EQ(rundown_pcpu_init(&c), -ENOMEM);
	g_fail_aligned_alloc = false;
	EXPECT_FALSE(rundown_pcpu_acquire(&c));
	rundown_pcpu_exit(&c);
	EXPECT_THROW(
		{
			g_fail_aligned_alloc = true;
			try {
				rundown::pcpu_ref q;
			} catch (...) {
				g_fail_aligned_alloc = false;
				throw;
			}
		},
		std::bad_alloc);
}

}  // namespace rundown_test

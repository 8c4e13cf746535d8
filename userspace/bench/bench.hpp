// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// The userspace benchmarks' engine: the kernel's three workloads
// (kmod/bench.c) run with threads over any mechanism that provides
//
//   struct M {
//       static constexpr bool publish_first;  // RCU style: publish, then wait
//       void reader_online(); void reader_offline();  // per reader thread
//       int acquire();            // token >= 0, or -1 when refused
//       void release(int token);
//       void quiescent();         // between batches (liburcu qsbr)
//       void teardown();          // start run-down, wait until safe to free
//       void revive();            // live again (not with publish_first)
//   };
//
// Readers start on one flag, count in their own locals (written once to a
// padded slot at the end), are pinned to CPUs in turn and check under every
// successful acquire that the object they reach was not freed (poisoned):
// "bad" must stay 0. Each mechanism is instantiated in its own translation
// unit so that its fast path inlines (liburcu flavours cannot share one).
#ifndef RUNDOWN_BENCH_HPP
#define RUNDOWN_BENCH_HPP

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <pthread.h>
#include <sched.h>
#include <time.h>

namespace rdbench {

enum class workload : std::uint32_t { read = 0, teardown = 1, replace = 2 };

struct params {
	workload wl = workload::read;
	unsigned threads = 1;
	unsigned duration_ms = 1000;
	unsigned cs_ns = 0;
	unsigned samples = 0;
	unsigned period_us = 0;
};

struct result {
	std::uint64_t ops = 0, refused = 0, bad = 0, elapsed_ns = 0, reader_ns = 0;
	std::uint64_t replacements = 0, samples_done = 0;
	std::uint64_t lat_min_ns = 0, lat_p50_ns = 0, lat_p99_ns = 0, lat_max_ns = 0, lat_mean_ns = 0;
	unsigned nr_cpus = 0;
};

using runner = std::function<result(const params&)>;

// name -> runner; each mechanism's TU adds itself at startup.
std::map<std::string, runner>& registry();

struct registrar {
	registrar(const char* name, runner r) { registry().emplace(name, std::move(r)); }
};

inline std::uint64_t now_ns() noexcept
{
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return std::uint64_t(ts.tv_sec) * 1000000000u + std::uint64_t(ts.tv_nsec);
}

// Busy-wait @ns nanoseconds (the critical section).
inline void spin_ns(unsigned ns) noexcept
{
	if (!ns)
		return;
	const std::uint64_t end = now_ns() + ns;
	while (now_ns() < end) {
	}
}

std::vector<int> online_cpus();
void pin_to(int cpu) noexcept;
void pause_us(unsigned us) noexcept;
void latency_stats(result& r, std::vector<std::uint64_t>& lat);

constexpr unsigned long kLive = 0x4c495645UL, kFreed = 0x6b6b6b6bUL;
constexpr int kBatch = 256;

struct alignas(64) payload {
	std::atomic<unsigned long> magic{kFreed};
};

struct alignas(64) reader_slot {
	std::uint64_t ops = 0, refused = 0, bad = 0, ns = 0;
};

template <class M>
result run(const params& p)
{
	auto m = std::make_unique<M>();
	payload pl[2];
	std::atomic<payload*> cur{&pl[0]};
	pl[0].magic.store(kLive, std::memory_order_relaxed);
	std::atomic<bool> go{false}, stop{false};
	std::atomic<unsigned> ready{0};
	std::vector<reader_slot> slots(p.threads);
	std::vector<std::thread> th;
	const std::vector<int> cpus = online_cpus();
	const unsigned cs = p.cs_ns;
	result r;
	r.nr_cpus = unsigned(cpus.size());

	for (unsigned i = 0; i < p.threads; i++) {
		th.emplace_back([&, i] {
			pin_to(cpus[i % cpus.size()]);
			m->reader_online();
			std::uint64_t ops = 0, refused = 0, bad = 0;  // thread-local counts
			ready.fetch_add(1, std::memory_order_relaxed);
			while (!go.load(std::memory_order_acquire))
				m->quiescent();
			const std::uint64_t t0 = now_ns();
			while (!stop.load(std::memory_order_relaxed)) {
				for (int k = 0; k < kBatch; k++) {
					int tok = m->acquire();
					if (tok < 0) {
						refused++;
						continue;
					}
					// rcu_dereference(): acquire is free on x86, consume is not
					// implemented otherwise.
					payload* pp = cur.load(std::memory_order_acquire);
					if (pp->magic.load(std::memory_order_relaxed) != kLive)
						bad++;
					spin_ns(cs);
					m->release(tok);
					ops++;
				}
				m->quiescent();
			}
			slots[i].ns = now_ns() - t0;
			slots[i].ops = ops;
			slots[i].refused = refused;
			slots[i].bad = bad;
			m->reader_offline();
		});
	}
	while (ready.load(std::memory_order_relaxed) < p.threads)
		std::this_thread::yield();

	std::vector<std::uint64_t> lat;
	lat.reserve(p.samples);
	const std::uint64_t t0 = now_ns(), end = t0 + std::uint64_t(p.duration_ms) * 1000000u;
	go.store(true, std::memory_order_release);
	if (p.wl == workload::read) {
		std::this_thread::sleep_for(std::chrono::milliseconds(p.duration_ms));
	} else {
		int which = 0;
		while (now_ns() < end) {
			if (p.wl == workload::teardown && lat.size() >= p.samples)
				break;
			pause_us(p.period_us);
			payload* old = &pl[which];
			payload* nw = &pl[which ^ 1];
			nw->magic.store(kLive, std::memory_order_relaxed);
			std::uint64_t a, b;
			if (M::publish_first) {
				a = now_ns();
				cur.store(nw, std::memory_order_release);
				m->teardown();
				b = now_ns();
				old->magic.store(kFreed, std::memory_order_relaxed);
			} else {
				a = now_ns();
				m->teardown();
				b = now_ns();
				old->magic.store(kFreed, std::memory_order_relaxed);
				cur.store(nw, std::memory_order_release);
				m->revive();
			}
			which ^= 1;
			if (lat.size() < p.samples)
				lat.push_back(b - a);
			r.replacements++;
		}
	}
	stop.store(true, std::memory_order_relaxed);
	for (auto& t : th)
		t.join();
	r.elapsed_ns = now_ns() - t0;
	for (auto& s : slots) {
		r.ops += s.ops;
		r.refused += s.refused;
		r.bad += s.bad;
		r.reader_ns += s.ns;
	}
	latency_stats(r, lat);
	return r;
}

}  // namespace rdbench

#endif  // RUNDOWN_BENCH_HPP

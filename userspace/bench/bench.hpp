// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// The userspace benchmarks' engine: the kernel's workloads (kmod/bench.c)
// run with threads over any mechanism M that provides
//
//   struct M : rdbench::mech_base {
//       static constexpr bool publish_first;  // RCU style: publish, then wait
//       int acquire();            // token >= 0, or -1 when refused
//       void release(int token);
//       void teardown();          // start run-down, wait until safe to free
//       // optional, with mech_base's defaults:
//       static constexpr bool handoff;      // release on another thread
//       static constexpr bool batch;        // BATCH of many objects
//       static constexpr bool never_frees;  // none: never poison
//       void reader_online(); void reader_offline();  // per reader thread
//       void owner_online(); void owner_offline();    // the owner thread
//       void quiescent();         // between batches (liburcu qsbr)
//       void revive();            // live again (not with publish_first)
//       static void teardown_many(M* objs, std::size_t n);  // BATCH at once
//   };
//
// or, for a mechanism that publishes the object itself (rundown::ptr),
//
//   struct M : rdbench::mech_base {
//       static constexpr bool owns_object = true;
//       G get();                  // a guard: false when refused, get()
//                                 // the payload; its destructor puts
//       payload* next();          // what replace() publishes next
//       payload* replace();       // publish next(), return the old
//                                 // payload once no reader holds it
//   };
//
// which runs READ, TEARDOWN and REPLACE only: its readers check the payload
// their get() returned, not a shared "current" pointer, and the owner
// times replace() as the teardown (it publishes first; nothing revives).
//
// Placement: READ pins reader i to CPU i (mod CPUs); HANDOFF pins thread j
// of the pairs to CPU j; TEARDOWN, REPLACE, ISOLATION and BATCH pin the
// owner alone to the first CPU and the readers (the holder) to the others.
// More threads than that only with params::oversubscribe (main.cpp checks).
//
// Readers start on one flag, count in their own locals (written once to a
// padded slot at the end) and check under every successful acquire that
// the object they reach was not freed (poisoned): "bad" must stay 0. Each
// mechanism is instantiated in its own translation unit so that its fast
// path inlines (liburcu flavours cannot share one).
#ifndef RUNDOWN_BENCH_HPP
#define RUNDOWN_BENCH_HPP

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
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

// The uapi's RUNDOWN_BENCH_<workload> numbers.
enum class workload : std::uint32_t { read = 0, teardown = 1, replace = 2, isolation = 3, batch = 4, handoff = 5 };
constexpr unsigned kNrWorkloads = 6;
constexpr const char* kWorkloadNames[kNrWorkloads] = {"read",      "teardown", "replace",
						      "isolation", "batch",    "handoff"};
constexpr unsigned bit(workload w) { return 1u << unsigned(w); }

struct params {
	workload wl = workload::read;
	unsigned threads = 1;
	unsigned duration_ms = 1000;
	unsigned cs_ns = 0;
	unsigned samples = 0;
	unsigned period_us = 0;
	unsigned objects = 0;  // BATCH
	unsigned hold_us = 0;  // ISOLATION
	bool oversubscribe = false;
};

struct result {
	std::uint64_t ops = 0, refused = 0, bad = 0, elapsed_ns = 0, reader_ns = 0;
	std::uint64_t replacements = 0, samples_done = 0;
	std::uint64_t lat_min_ns = 0, lat_p50_ns = 0, lat_p99_ns = 0, lat_max_ns = 0, lat_mean_ns = 0;
	std::uint64_t clock_ns = 0, enqueue_ns = 0;
	unsigned nr_cpus = 0;
};

using runner = std::function<result(const params&)>;

struct mech_entry {
	runner run;
	unsigned workloads;  // bit(workload) of those it can run
};

// name -> mechanism; each mechanism's TU adds itself at startup.
std::map<std::string, mech_entry>& registry();

inline std::uint64_t now_ns() noexcept
{
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return std::uint64_t(ts.tv_sec) * 1000000000u + std::uint64_t(ts.tv_nsec);
}

inline void cpu_relax() noexcept
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	asm volatile("yield" ::: "memory");
#endif
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
void pause_us(unsigned us) noexcept;  // 0: nothing at all
void sleep_us(unsigned us) noexcept;
std::uint64_t clock_cost() noexcept;  // two back-to-back now_ns(), median
void latency_stats(result& r, std::vector<std::uint64_t>& lat, std::vector<std::uint64_t>& enq);

// What the owner's last teardown knew better than its return: when the
// objects could be freed (a call_rcu callback ran) and how long enqueueing
// took. Written and read by the owner thread only.
struct stamps {
	std::uint64_t enqueue_ns = 0, freed_ns = 0;
};
inline stamps owner_stamps;

// Defaults of the optional members.
struct mech_base {
	static constexpr bool handoff = false;
	static constexpr bool batch = true;
	static constexpr bool never_frees = false;
	static constexpr bool owns_object = false;
	void reader_online() {}
	void reader_offline() {}
	void owner_online() {}
	void owner_offline() {}
	void quiescent() {}
	void revive() {}
};

constexpr unsigned long kLive = 0x4c495645UL, kFreed = 0x6b6b6b6bUL;
// Past the duration, the owner goes on until its first sample (a CPU that
// went idle may take longer than a short duration to run again).
constexpr std::uint64_t kGraceNs = 1000000000u;
constexpr int kBatch = 256;
constexpr unsigned kRing = 256;

struct alignas(64) payload {
	std::atomic<unsigned long> magic{kFreed};
};

struct alignas(64) reader_slot {
	std::uint64_t ops = 0, refused = 0, bad = 0, ns = 0;
};

// HANDOFF: one pair's references in flight, acquirer to releaser.
struct ring {
	alignas(64) std::atomic<unsigned> head{0};  // written by the acquirer
	std::atomic<bool> done{false};              // the acquirer stopped
	alignas(64) std::atomic<unsigned> tail{0};  // written by the releaser
	alignas(64) int token[kRing];
};

// The threads of one run and what they share.
struct run_state {
	payload pl[2];
	std::atomic<payload*> cur{&pl[0]};
	std::atomic<bool> go{false}, stop{false}, holding{false};
	std::atomic<unsigned> ready{0};
	std::vector<int> cpus = online_cpus();
	std::vector<std::thread> th;
	std::uint64_t t0 = 0, clock = 0;

	run_state() { pl[0].magic.store(kLive, std::memory_order_relaxed); }
	int cpu(unsigned i) const { return cpus[i % cpus.size()]; }
	// A reader of an owner workload: any CPU but the owner's.
	int reader_cpu(unsigned i) const
	{
		const std::size_t n = cpus.size();
		return n > 1 ? cpus[1 + i % (n - 1)] : cpus[0];
	}
	template <class F>
	void spawn(int on, F f)
	{
		th.emplace_back([on, f] {
			pin_to(on);
			f();
		});
	}
	void wait_ready(unsigned n) const
	{
		while (ready.load(std::memory_order_acquire) < n)
			std::this_thread::yield();
	}
	void start()
	{
		clock = clock_cost();
		t0 = now_ns();
		go.store(true, std::memory_order_release);
	}
	void join()
	{
		for (auto& t : th)
			t.join();
	}
	// Under a reference: reach the payload; false if it was freed.
	bool use(unsigned cs) const noexcept
	{
		// rcu_dereference(): acquire is free on x86, consume is not
		// implemented otherwise.
		return use(cur.load(std::memory_order_acquire), cs);
	}
	// The same for the payload @pp that the mechanism handed out.
	static bool use(const payload* pp, unsigned cs) noexcept
	{
		const bool ok = pp->magic.load(std::memory_order_relaxed) == kLive;
		spin_ns(cs);
		return ok;
	}
};

// The owner's samples: latencies less the clock's cost, and how many
// teardowns it did.
struct sampler {
	std::vector<std::uint64_t> lat, enq;
	std::uint64_t clock = 0, teardowns = 0;
	explicit sampler(const params& p)
	{
		lat.reserve(p.samples);
		enq.reserve(p.samples);
	}
	std::uint64_t net(std::uint64_t ns) const { return ns > clock ? ns - clock : 0; }
	// Until when the owner goes on: @end, or later while it has no sample.
	std::uint64_t until(std::uint64_t end) const { return lat.empty() ? end + kGraceNs : end; }
	void record(std::size_t max, std::uint64_t a, std::uint64_t b)
	{
		stamps& s = owner_stamps;
		if (s.freed_ns)
			b = s.freed_ns;
		if (lat.size() < max) {
			lat.push_back(net(b - a));
			enq.push_back(s.enqueue_ns ? net(s.enqueue_ns) : 0);
		}
		s = stamps{};
		teardowns++;
	}
};

template <class M>
void reader_loop(M& m, run_state& s, reader_slot& slot, unsigned cs)
{
	m.reader_online();
	std::uint64_t ops = 0, refused = 0, bad = 0;  // thread-local counts
	s.ready.fetch_add(1, std::memory_order_release);
	while (!s.go.load(std::memory_order_acquire))
		m.quiescent();
	const std::uint64_t t0 = now_ns();
	// One batch at least, even when this thread ran only after the owner
	// had finished.
	do {
		for (int k = 0; k < kBatch; k++) {
			if constexpr (M::owns_object) {
				auto g = m.get();  // put when it goes
				if (!g) {
					refused++;
					continue;
				}
				if (!run_state::use(g.get(), cs))
					bad++;
			} else {
				int tok = m.acquire();
				if (tok < 0) {
					refused++;
					continue;
				}
				if (!s.use(cs))
					bad++;
				m.release(tok);
			}
			ops++;
		}
		m.quiescent();
	} while (!s.stop.load(std::memory_order_relaxed));
	slot.ns = now_ns() - t0;
	slot.ops = ops;
	slot.refused = refused;
	slot.bad = bad;
	m.reader_offline();
}

inline void sum_slots(result& r, const std::vector<reader_slot>& slots)
{
	for (auto& s : slots) {
		r.ops += s.ops;
		r.refused += s.refused;
		r.bad += s.bad;
		r.reader_ns += s.ns;
	}
}

// Start the @n threads spawned, let them run for the duration, stop and
// collect them (READ, HANDOFF).
inline void run_for(run_state& s, result& r, const std::vector<reader_slot>& slots, unsigned n,
		    unsigned ms)
{
	s.wait_ready(n);
	s.start();
	std::this_thread::sleep_for(std::chrono::milliseconds(ms));
	s.stop.store(true, std::memory_order_relaxed);
	s.join();
	r.elapsed_ns = now_ns() - s.t0;
	r.clock_ns = s.clock;
	r.nr_cpus = unsigned(s.cpus.size());
	sum_slots(r, slots);
}

// Collect the threads of an owner workload and the owner's samples.
inline void finish(run_state& s, result& r, sampler& smp)
{
	s.join();
	r.elapsed_ns = now_ns() - s.t0;
	r.clock_ns = s.clock;
	r.nr_cpus = unsigned(s.cpus.size());
	r.replacements = smp.teardowns;
	latency_stats(r, smp.lat, smp.enq);
}

// READ: readers for the duration, one per CPU.
template <class M>
result run_read(const params& p)
{
	auto m = std::make_unique<M>();
	run_state s;
	std::vector<reader_slot> slots(p.threads);
	result r;
	for (unsigned i = 0; i < p.threads; i++)
		s.spawn(s.cpu(i), [&, i] { reader_loop(*m, s, slots[i], p.cs_ns); });
	run_for(s, r, slots, p.threads, p.duration_ms);
	return r;
}

// TEARDOWN, REPLACE: the owner alone on the first CPU tears down, frees
// (poisons) and replaces the object under the readers on the others (an
// owns_object mechanism: replaces it, then poisons the old one).
template <class M>
result run_replace(const params& p)
{
	auto m = std::make_unique<M>();
	run_state s;
	std::vector<reader_slot> slots(p.threads);
	result r;
	sampler smp(p);
	for (unsigned i = 0; i < p.threads; i++)
		s.spawn(s.reader_cpu(i), [&, i] { reader_loop(*m, s, slots[i], p.cs_ns); });
	s.spawn(s.cpus[0], [&] {
		m->owner_online();
		s.wait_ready(p.threads);
		s.start();
		smp.clock = s.clock;
		const std::uint64_t end = s.t0 + std::uint64_t(p.duration_ms) * 1000000u;
		int which = 0;
		while (now_ns() < smp.until(end)) {
			if (p.wl == workload::teardown && smp.lat.size() >= p.samples)
				break;
			pause_us(p.period_us);
			payload* old = &s.pl[which];
			payload* nw = &s.pl[which ^ 1];
			if constexpr (M::owns_object)
				nw = m->next();
			nw->magic.store(kLive, std::memory_order_relaxed);
			std::uint64_t a, b;
			if constexpr (M::owns_object) {
				a = now_ns();
				old = m->replace();
				b = now_ns();
				old->magic.store(kFreed, std::memory_order_relaxed);
			} else if constexpr (M::publish_first) {
				a = now_ns();
				s.cur.store(nw, std::memory_order_release);
				m->teardown();
				b = now_ns();
				old->magic.store(kFreed, std::memory_order_relaxed);
			} else {
				a = now_ns();
				m->teardown();
				b = now_ns();
				if (!M::never_frees)
					old->magic.store(kFreed, std::memory_order_relaxed);
				s.cur.store(nw, std::memory_order_release);
				m->revive();
			}
			which ^= 1;
			smp.record(p.samples, a, b);
		}
		s.stop.store(true, std::memory_order_relaxed);
		m->owner_offline();
	});
	finish(s, r, smp);
	sum_slots(r, slots);
	return r;
}

// ISOLATION: a holder keeps object B, hold_us at a time (asleep inside its
// read-side section), while the owner tears object A down: A's teardown.
template <class M>
result run_isolation(const params& p)
{
	auto a = std::make_unique<M>(), b = std::make_unique<M>();
	run_state s;
	std::vector<reader_slot> slots(1);
	result r;
	sampler smp(p);
	s.spawn(s.cpu(1), [&] {
		b->reader_online();
		s.ready.fetch_add(1, std::memory_order_release);
		while (!s.go.load(std::memory_order_acquire))
			b->quiescent();
		while (!s.stop.load(std::memory_order_relaxed)) {
			int tok = b->acquire();
			if (tok < 0) {
				slots[0].refused++;
				continue;
			}
			s.holding.store(true, std::memory_order_release);
			sleep_us(p.hold_us);
			s.holding.store(false, std::memory_order_relaxed);
			b->release(tok);
			b->quiescent();
		}
		b->reader_offline();
	});
	s.spawn(s.cpus[0], [&] {
		a->owner_online();
		s.wait_ready(1);
		s.start();
		smp.clock = s.clock;
		const std::uint64_t end = s.t0 + std::uint64_t(p.duration_ms) * 1000000u;
		while (now_ns() < smp.until(end) && smp.lat.size() < p.samples) {
			pause_us(p.period_us);
			while (!s.holding.load(std::memory_order_acquire) && now_ns() < smp.until(end))
				cpu_relax();
			if (!s.holding.load(std::memory_order_acquire))
				break;
			const std::uint64_t t0 = now_ns();
			a->teardown();
			const std::uint64_t t1 = now_ns();
			if constexpr (!M::publish_first)
				a->revive();
			smp.record(p.samples, t0, t1);
		}
		s.stop.store(true, std::memory_order_relaxed);
		a->owner_offline();
	});
	finish(s, r, smp);
	r.refused = slots[0].refused;
	return r;
}

// BATCH: the owner tears p.objects objects down at once (one sample), by
// M::teardown_many() where M has one, else one by one; then revives them.
template <class M>
result run_batch(const params& p)
{
	std::unique_ptr<M[]> objs(new M[p.objects]);
	run_state s;
	result r;
	sampler smp(p);
	s.spawn(s.cpus[0], [&] {
		objs[0].owner_online();
		s.start();
		smp.clock = s.clock;
		const std::uint64_t end = s.t0 + std::uint64_t(p.duration_ms) * 1000000u;
		while (now_ns() < smp.until(end) && smp.lat.size() < p.samples) {
			pause_us(p.period_us);
			const std::uint64_t t0 = now_ns();
			if constexpr (requires { M::teardown_many(objs.get(), std::size_t(1)); })
				M::teardown_many(objs.get(), p.objects);
			else
				for (unsigned i = 0; i < p.objects; i++)
					objs[i].teardown();
			const std::uint64_t t1 = now_ns();
			smp.record(p.samples, t0, t1);
			if constexpr (!M::publish_first)
				for (unsigned i = 0; i < p.objects; i++)
					objs[i].revive();
		}
		objs[0].owner_offline();
	});
	finish(s, r, smp);
	return r;
}

// HANDOFF: pairs of threads on two CPUs; the first acquires and passes
// the reference through a ring, the second releases it.
template <class M>
result run_handoff(const params& p)
{
	auto m = std::make_unique<M>();
	run_state s;
	const unsigned pairs = p.threads / 2;
	std::vector<ring> rings(pairs);
	std::vector<reader_slot> slots(pairs);
	result r;
	for (unsigned i = 0; i < pairs; i++) {
		s.spawn(s.cpu(2 * i), [&, i] {
			ring& rg = rings[i];
			std::uint64_t ops = 0, refused = 0, bad = 0;
			unsigned head = 0;
			m->reader_online();
			s.ready.fetch_add(1, std::memory_order_release);
			while (!s.go.load(std::memory_order_acquire)) {
			}
			const std::uint64_t t0 = now_ns();
			do {  // one batch at least
				for (int k = 0; k < kBatch; k++) {
					// The releaser read the slot before it freed it.
					while (head - rg.tail.load(std::memory_order_acquire) == kRing) {
						if (s.stop.load(std::memory_order_relaxed))
							goto out;
						cpu_relax();
					}
					int tok = m->acquire();
					if (tok < 0) {
						refused++;
						continue;
					}
					if (!s.use(p.cs_ns))
						bad++;
					rg.token[head % kRing] = tok;
					// The slot and the acquire before the release.
					rg.head.store(++head, std::memory_order_release);
					ops++;
				}
			} while (!s.stop.load(std::memory_order_relaxed));
		out:
			slots[i] = {ops, refused, bad, now_ns() - t0};
			rg.done.store(true, std::memory_order_release);
			m->reader_offline();
		});
		s.spawn(s.cpu(2 * i + 1), [&, i] {
			ring& rg = rings[i];
			unsigned tail = 0;
			m->reader_online();
			s.ready.fetch_add(1, std::memory_order_release);
			for (;;) {
				const unsigned h = rg.head.load(std::memory_order_acquire);
				if (h == tail) {
					// After done, head is final.
					if (rg.done.load(std::memory_order_acquire) &&
					    rg.head.load(std::memory_order_relaxed) == tail)
						break;
					cpu_relax();
					continue;
				}
				for (; tail != h;) {
					m->release(rg.token[tail % kRing]);
					rg.tail.store(++tail, std::memory_order_release);
				}
			}
			m->reader_offline();
		});
	}
	run_for(s, r, slots, 2 * pairs, p.duration_ms);
	return r;
}

template <class M>
result run(const params& p)
{
	switch (p.wl) {
	case workload::read:
		return run_read<M>(p);
	case workload::teardown:
	case workload::replace:
		return run_replace<M>(p);
	case workload::isolation:
		if constexpr (!M::owns_object)
			return run_isolation<M>(p);
		break;
	case workload::batch:
		if constexpr (M::batch && !M::owns_object)
			return run_batch<M>(p);
		break;
	case workload::handoff:
		if constexpr (M::handoff && !M::owns_object)
			return run_handoff<M>(p);
		break;
	}
	return {};
}

template <class M>
constexpr unsigned workloads_of()
{
	unsigned w = bit(workload::read) | bit(workload::teardown) | bit(workload::replace);
	if (M::owns_object)
		return w;
	w |= bit(workload::isolation);
	if (M::batch)
		w |= bit(workload::batch);
	if (M::handoff)
		w |= bit(workload::handoff);
	return w;
}

template <class M>
struct registrar {
	explicit registrar(const char* name) { registry().emplace(name, mech_entry{run<M>, workloads_of<M>()}); }
};

}  // namespace rdbench

#endif  // RUNDOWN_BENCH_HPP

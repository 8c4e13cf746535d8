// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// The benchmark mechanisms that need no liburcu: the shim's two variants,
// the kernel object through /dev/rundown (one ioctl per operation),
// std::shared_mutex, pthread_rwlock and a plain atomic reference count.
#include "bench.hpp"

#include <rundown/kernel.hpp>
#include <rundown/rundown.hpp>

#include <shared_mutex>

namespace {

struct nothing_per_thread {
	void reader_online() {}
	void reader_offline() {}
	void quiescent() {}
};

struct rundown_m : nothing_per_thread {
	static constexpr bool publish_first = false;
	rundown::ref r;
	int acquire() { return r.acquire() ? 0 : -1; }
	void release(int) { r.release(); }
	void teardown() { r.wait(); }
	void revive()
	{
		r.completed();
		r.reinit();
	}
};

struct rundown_pcpu_m : nothing_per_thread {
	static constexpr bool publish_first = false;
	rundown::pcpu_ref r;
	int acquire() { return r.acquire() ? 0 : -1; }
	void release(int) { r.release(); }
	void teardown() { r.wait(); }
	void revive()
	{
		r.completed();
		r.reinit();
	}
};

template <class K>
struct kernel_m : nothing_per_thread {
	static constexpr bool publish_first = false;
	K r;
	int acquire() { return r.acquire() ? 0 : -1; }
	void release(int) { r.release(); }
	void teardown() { r.wait(); }
	void revive()
	{
		r.completed();
		r.reinit();
	}
};

struct shared_mutex_m : nothing_per_thread {
	static constexpr bool publish_first = false;
	std::shared_mutex m;
	int acquire() { return m.try_lock_shared() ? 0 : -1; }
	void release(int) { m.unlock_shared(); }
	void teardown() { m.lock(); }
	void revive() { m.unlock(); }
};

// Writer-preferring, so that a waiting teardown refuses new readers (the
// default prefers readers and would starve the owner).
struct pthread_rwlock_m : nothing_per_thread {
	static constexpr bool publish_first = false;
	pthread_rwlock_t l;
	pthread_rwlock_m()
	{
		pthread_rwlockattr_t a;
		pthread_rwlockattr_init(&a);
		pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
		pthread_rwlock_init(&l, &a);
		pthread_rwlockattr_destroy(&a);
	}
	~pthread_rwlock_m() { pthread_rwlock_destroy(&l); }
	int acquire() { return pthread_rwlock_tryrdlock(&l) == 0 ? 0 : -1; }
	void release(int) { pthread_rwlock_unlock(&l); }
	void teardown() { pthread_rwlock_wrlock(&l); }
	void revive() { pthread_rwlock_unlock(&l); }
};

// A plain reference count: the owner holds one; acquire is increment-
// unless-zero (a CAS loop), release a decrement that wakes the owner at 0.
struct atomic_ref_m : nothing_per_thread {
	static constexpr bool publish_first = false;
	alignas(64) std::atomic<long> c{1};
	int acquire()
	{
		long v = c.load(std::memory_order_relaxed);
		do {
			if (v == 0)
				return -1;
		} while (!c.compare_exchange_weak(v, v + 1, std::memory_order_acquire,
						  std::memory_order_relaxed));
		return 0;
	}
	void release(int)
	{
		if (c.fetch_sub(1, std::memory_order_release) == 1)
			c.notify_all();
	}
	void teardown()
	{
		if (c.fetch_sub(1, std::memory_order_acq_rel) == 1)
			return;
		for (long v; (v = c.load(std::memory_order_acquire)) != 0;)
			c.wait(v, std::memory_order_acquire);
	}
	void revive() { c.store(1, std::memory_order_release); }
};

const rdbench::registrar r1("rundown", rdbench::run<rundown_m>);
const rdbench::registrar r2("rundown_pcpu", rdbench::run<rundown_pcpu_m>);
const rdbench::registrar r3("kernel_rundown", rdbench::run<kernel_m<rundown::kernel::ref>>);
const rdbench::registrar r4("kernel_rundown_pcpu", rdbench::run<kernel_m<rundown::kernel::pcpu_ref>>);
const rdbench::registrar r5("shared_mutex", rdbench::run<shared_mutex_m>);
const rdbench::registrar r6("pthread_rwlock", rdbench::run<pthread_rwlock_m>);
const rdbench::registrar r7("atomic_ref", rdbench::run<atomic_ref_m>);

}  // namespace

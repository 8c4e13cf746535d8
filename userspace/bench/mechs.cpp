// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// The benchmark mechanisms that need no liburcu: the baseline (none), the
// shim's two variants and its rundown-protected pointer on each, the kernel
// object through /dev/rundown (one ioctl per operation), std::shared_mutex,
// pthread_rwlock and a plain atomic reference count. A new mechanism is a struct on rdbench::mech_base and a
// registrar line at the end.
#include "bench.hpp"

#include <rundown/kernel.hpp>
#include <rundown/ptr.hpp>
#include <rundown/rundown.hpp>

#include <shared_mutex>

namespace {

using rdbench::mech_base;

// The same loops with no synchronisation at all, and an object that is
// never freed: what every other row pays on top.
struct none_m : mech_base {
	static constexpr bool publish_first = false;
	static constexpr bool handoff = true;
	static constexpr bool never_frees = true;
	int acquire() noexcept { return 0; }
	void release(int) noexcept {}
	void teardown() noexcept {}
};

// The shim's types, natively or through /dev/rundown (same interface).
template <class R, bool Batch = true>
struct rundown_m : mech_base {
	static constexpr bool publish_first = false;
	static constexpr bool handoff = true;
	static constexpr bool batch = Batch;
	R r;
	int acquire() noexcept { return r.acquire() ? 0 : -1; }
	void release(int) noexcept { r.release(); }
	void teardown() noexcept { r.wait(); }
	void revive() noexcept
	{
		r.completed();
		r.reinit();
	}
};

// The shim's rundown-protected pointer over either variant (P:
// rundown::ptr or rundown::pcpu_ptr): it publishes the payloads itself, two
// in turn, so that the timed replace allocates nothing. Readers are never
// refused while a payload is published and check the one get() returned;
// replace() returns the old one only once no guard holds it, and the
// owner poisons it then.
template <class P>
struct ptr_m : mech_base {
	static constexpr bool publish_first = true;
	static constexpr bool owns_object = true;
	static std::unique_ptr<rdbench::payload> live()
	{
		auto pl = std::make_unique<rdbench::payload>();
		pl->magic.store(rdbench::kLive, std::memory_order_relaxed);
		return pl;
	}
	P p{live()};
	std::unique_ptr<rdbench::payload> spare = std::make_unique<rdbench::payload>();
	auto get() noexcept { return p.get(); }
	rdbench::payload* next() noexcept { return spare.get(); }
	rdbench::payload* replace() noexcept
	{
		spare = p.replace(std::move(spare));
		return spare.get();
	}
};

// Not BATCH through the device: each object keeps two open files.
template <class K>
using kernel_m = rundown_m<K, false>;

struct shared_mutex_m : mech_base {
	static constexpr bool publish_first = false;
	std::shared_mutex m;
	int acquire() { return m.try_lock_shared() ? 0 : -1; }
	void release(int) { m.unlock_shared(); }
	void teardown() { m.lock(); }
	void revive() { m.unlock(); }
};

// Writer-preferring, so that a waiting teardown refuses new readers (the
// default prefers readers and would starve the owner).
struct pthread_rwlock_m : mech_base {
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
struct atomic_ref_m : mech_base {
	static constexpr bool publish_first = false;
	static constexpr bool handoff = true;
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

const rdbench::registrar<none_m> r0("none");
const rdbench::registrar<rundown_m<rundown::ref>> r1("rundown");
const rdbench::registrar<rundown_m<rundown::pcpu_ref>> r2("rundown_pcpu");
const rdbench::registrar<kernel_m<rundown::kernel::ref>> r3("kernel_rundown");
const rdbench::registrar<kernel_m<rundown::kernel::pcpu_ref>> r4("kernel_rundown_pcpu");
const rdbench::registrar<shared_mutex_m> r5("shared_mutex");
const rdbench::registrar<pthread_rwlock_m> r6("pthread_rwlock");
const rdbench::registrar<atomic_ref_m> r7("atomic_ref");
const rdbench::registrar<ptr_m<rundown::ptr<rdbench::payload>>> r8("rundown_ptr");
const rdbench::registrar<ptr_m<rundown::pcpu_ptr<rdbench::payload>>> r9("rundown_ptr_pcpu");

}  // namespace

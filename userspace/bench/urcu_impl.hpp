// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// One liburcu flavour as a benchmark mechanism: include the flavour's
// header with _LGPL_SOURCE (inline read side), define RDB_F to its prefix
// (urcu_memb, urcu_qsbr, ...), RDB_NAME to the mechanism's name and
// RDB_QSBR to 1 for the quiescent-state flavour, then include this file.
//
// Used as liburcu's authors intend: every thread that reads or calls
// call_rcu() is registered (and, for qsbr, online except while it blocks).
// Two mechanisms per flavour:
//  - <name>: the owner waits with synchronize_rcu(); BATCH: one
//    synchronize_rcu() for all objects.
//  - <name>_call_rcu: the owner hands the old object to call_rcu() and goes
//    on; the latency is the reclamation delay, from call_rcu() until the
//    callback ran (liburcu's call_rcu thread batches: after a wake-up it
//    sleeps 10 ms before its grace period), and the enqueue cost (the
//    call_rcu() itself) is reported beside it. BATCH: one call_rcu() per
//    object, until the last callback ran.
#include "bench.hpp"

#define RDB_CAT2(a, b) a##_##b
#define RDB_CAT(a, b) RDB_CAT2(a, b)
#define RDB_FN(x) RDB_CAT(RDB_F, x)

namespace {

struct urcu_base : rdbench::mech_base {
	static constexpr bool publish_first = true;
	void reader_online() { RDB_FN(register_thread)(); }
	void reader_offline() { RDB_FN(unregister_thread)(); }
	void owner_online() { RDB_FN(register_thread)(); }
	void owner_offline() { RDB_FN(unregister_thread)(); }
	int acquire()
	{
		RDB_FN(read_lock)();
		return 0;
	}
	void release(int) { RDB_FN(read_unlock)(); }
	void quiescent()
	{
#if RDB_QSBR
		RDB_FN(quiescent_state)();
#endif
	}
};

struct urcu_sync : urcu_base {
	void teardown() { RDB_FN(synchronize_rcu)(); }
	static void teardown_many(urcu_sync*, std::size_t) { RDB_FN(synchronize_rcu)(); }
};

struct urcu_call : urcu_base {
	// head first: a node is pointer-interconvertible with its head.
	struct node {
		rcu_head head;
		std::atomic<std::uint64_t> done_ns{0};
	};
	node n;
	static void cb(rcu_head* h)
	{
		// Pairs with the acquire load in wait().
		reinterpret_cast<node*>(h)->done_ns.store(rdbench::now_ns(), std::memory_order_release);
		reinterpret_cast<node*>(h)->done_ns.notify_all();
	}
	void enqueue()
	{
		n.done_ns.store(0, std::memory_order_relaxed);
		RDB_FN(call_rcu)(&n.head, cb);
	}
	// Block until the callback ran; a qsbr thread is offline meanwhile, or
	// the grace period would wait for it.
	std::uint64_t wait()
	{
#if RDB_QSBR
		RDB_FN(thread_offline)();
#endif
		std::uint64_t t;
		while ((t = n.done_ns.load(std::memory_order_acquire)) == 0)
			n.done_ns.wait(0, std::memory_order_acquire);
#if RDB_QSBR
		RDB_FN(thread_online)();
#endif
		return t;
	}
	void teardown() { teardown_many(this, 1); }
	static void teardown_many(urcu_call* objs, std::size_t count)
	{
		rdbench::stamps& s = rdbench::owner_stamps;
		const std::uint64_t t0 = rdbench::now_ns();
		for (std::size_t i = 0; i < count; i++)
			objs[i].enqueue();
		s.enqueue_ns = rdbench::now_ns() - t0;
		for (std::size_t i = 0; i < count; i++)
			s.freed_ns = std::max(s.freed_ns, objs[i].wait());
	}
};

const rdbench::registrar<urcu_sync> reg_sync(RDB_NAME);
const rdbench::registrar<urcu_call> reg_call(RDB_NAME "_call_rcu");

}  // namespace

// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// One liburcu flavour as a benchmark mechanism: include the flavour's
// header with _LGPL_SOURCE (inline read side), define RDB_F to its prefix
// (urcu_memb, urcu_qsbr, ...), RDB_NAME to the mechanism's name and
// RDB_QSBR to 1 for the quiescent-state flavour, then include this file.
// Two mechanisms per flavour: <name> waits with synchronize_rcu(), and
// <name>_cb hands the old object to call_rcu() and waits for the callback
// (the time until the object may be freed, measured the same way).
#include "bench.hpp"

#define RDB_CAT2(a, b) a##_##b
#define RDB_CAT(a, b) RDB_CAT2(a, b)
#define RDB_FN(x) RDB_CAT(RDB_F, x)

namespace {

struct urcu_base {
	static constexpr bool publish_first = true;
	void reader_online() { RDB_FN(register_thread)(); }
	void reader_offline() { RDB_FN(unregister_thread)(); }
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
	void revive() {}
};

struct urcu_sync : urcu_base {
	void teardown() { RDB_FN(synchronize_rcu)(); }
};

struct urcu_cb : urcu_base {
	struct node {
		rcu_head head;
		std::atomic<bool> done{false};
	};
	node n;
	static void cb(rcu_head* h)
	{
		reinterpret_cast<node*>(h)->done.store(true, std::memory_order_release);
	}
	void teardown()
	{
		n.done.store(false, std::memory_order_relaxed);
		RDB_FN(call_rcu)(&n.head, cb);
		while (!n.done.load(std::memory_order_acquire))
			rdbench::pause_us(1);
	}
};

const rdbench::registrar reg_sync(RDB_NAME, rdbench::run<urcu_sync>);
const rdbench::registrar reg_cb(RDB_NAME "_cb", rdbench::run<urcu_cb>);

}  // namespace

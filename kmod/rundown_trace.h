/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of rundown.ko, under rundown: in tracefs (perf trace -e
 * 'rundown:*', or /sys/kernel/tracing/events/rundown/). Every field that
 * names an object is its address, as %p prints it elsewhere.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM rundown

#if !defined(_RUNDOWN_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _RUNDOWN_TRACE_H

#include <linux/tracepoint.h>

/* A wait began: @held references were found (-1: not known yet). */
TRACE_EVENT(wait_start,
	TP_PROTO(const void *ref, bool pcpu, long held),
	TP_ARGS(ref, pcpu, held),
	TP_STRUCT__entry(
		__field(const void *, ref)
		__field(bool, pcpu)
		__field(long, held)
	),
	TP_fast_assign(
		__entry->ref = ref;
		__entry->pcpu = pcpu;
		__entry->held = held;
	),
	TP_printk("ref=%p variant=%s held=%ld", __entry->ref,
		  __entry->pcpu ? "pcpu" : "plain", __entry->held)
);

/*
 * A wait ended after @ns nanoseconds: @ret as the wait returns it (jiffies
 * left, 0 on timeout, negative when interrupted); @found references were
 * held when it began (-1: not known to this waiter).
 */
TRACE_EVENT(wait_end,
	TP_PROTO(const void *ref, bool pcpu, u64 ns, long found, long ret),
	TP_ARGS(ref, pcpu, ns, found, ret),
	TP_STRUCT__entry(
		__field(const void *, ref)
		__field(bool, pcpu)
		__field(u64, ns)
		__field(long, found)
		__field(long, ret)
	),
	TP_fast_assign(
		__entry->ref = ref;
		__entry->pcpu = pcpu;
		__entry->ns = ns;
		__entry->found = found;
		__entry->ret = ret;
	),
	TP_printk("ref=%p variant=%s waited_ns=%llu found=%ld ret=%ld",
		  __entry->ref, __entry->pcpu ? "pcpu" : "plain", __entry->ns,
		  __entry->found, __entry->ret)
);

/*
 * The cache-aware variant's sweep after its fence: the counters summed to
 * @sum, and @left references were still held after the hand-over.
 */
TRACE_EVENT(fold,
	TP_PROTO(const void *ref, long sum, long left),
	TP_ARGS(ref, sum, left),
	TP_STRUCT__entry(
		__field(const void *, ref)
		__field(long, sum)
		__field(long, left)
	),
	TP_fast_assign(
		__entry->ref = ref;
		__entry->sum = sum;
		__entry->left = left;
	),
	TP_printk("ref=%p sum=%ld left=%ld", __entry->ref, __entry->sum,
		  __entry->left)
);

int rundown_trace_fail_reg(void);
void rundown_trace_fail_unreg(void);

/*
 * An acquire failed because run-down had begun, called from @ip. Enabling
 * this event switches the fast paths' debug hook on (rundown_debug_key).
 */
TRACE_EVENT_FN(acquire_fail,
	TP_PROTO(const void *ref, bool pcpu, unsigned long ip),
	TP_ARGS(ref, pcpu, ip),
	TP_STRUCT__entry(
		__field(const void *, ref)
		__field(bool, pcpu)
		__field(unsigned long, ip)
	),
	TP_fast_assign(
		__entry->ref = ref;
		__entry->pcpu = pcpu;
		__entry->ip = ip;
	),
	TP_printk("ref=%p variant=%s caller=%pS", __entry->ref,
		  __entry->pcpu ? "pcpu" : "plain", (void *)__entry->ip),
	rundown_trace_fail_reg, rundown_trace_fail_unreg
);

#endif /* _RUNDOWN_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE rundown_trace
#include <trace/define_trace.h>

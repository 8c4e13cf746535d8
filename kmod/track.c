// SPDX-License-Identifier: GPL-2.0
/*
 * "Who holds my rundown?": holder tracking, stalled-wait reports, the
 * debugfs view of them and the tracepoints' definitions.
 *
 * Off by default and free when off: the fast paths reach this file only
 * through rundown_debug_key, a static key that is a no-op instruction
 * until tracking is switched on (module parameter track_holders, or
 * rundown_track() for one object) or the rundown:acquire_fail tracepoint
 * is enabled.
 *
 * When on, each successful acquire of a tracked object takes a record from
 * a fixed pool (module parameter track_records, allocated when tracking is
 * first switched on) and files it in a hash table under the object's
 * address: the caller's address and stack (stackdepot), task, CPU, context
 * and time. The acquire path never allocates and never fails because of
 * tracking: without a free record (or in NMI context) the acquire is left
 * unrecorded and counted as lost. A release drops references from a record
 * of its object: the newest one its own task made, or else the oldest one
 * (a reference handed to a completion is usually the oldest). Counts are
 * therefore exact per object, while the stacks name the acquire sites still
 * outstanding as far as the API lets a release be matched to its acquire
 * (NT's has no token).
 *
 * A wait that has not returned after stall_timeout_s seconds (module
 * parameter, default 10, 0 disables) prints, once, "rundown: wait stalled"
 * with the waiter, the object, the references still held and every
 * tracked holder with its stack; /sys/kernel/debug/rundown/holders shows
 * the same for every object with tracked holders, on demand.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/debugfs.h>
#include <linux/hash.h>
#include <linux/jump_label.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/stackdepot.h>
#include <linux/stacktrace.h>
#include <linux/vmalloc.h>
#include <linux/xarray.h>
#include <linux/rundown.h>

#include "track.h"

#define CREATE_TRACE_POINTS
#include "rundown_trace.h"

DEFINE_STATIC_KEY_FALSE(rundown_debug_key);
EXPORT_SYMBOL_GPL(rundown_debug_key);

#define RUNDOWN_TRACK_DEPTH	16		/* stack entries kept per record */
#define RUNDOWN_TRACK_BITS	8		/* hash table: 256 buckets */
#define RUNDOWN_REPORT_MAX	32		/* records shown per object */

/**
 * struct rundown_holder - one tracked acquire that is not fully released
 * @node: in its object's bucket
 * @ref: the object (either variant)
 * @n: references of that acquire still held
 * @ip: where the acquire was called from
 * @since: when (ktime_get_mono_fast_ns())
 * @stack: the acquirer's stack, or 0
 * @pid: the acquiring task (the interrupted one outside task context)
 * @cpu: the CPU it ran on
 * @pcpu: @ref is a struct rundown_pcpu
 * @context: 't' task, 's' softirq, 'h' hard IRQ
 * @comm: the task's name
 */
struct rundown_holder {
	struct hlist_node node;
	const void *ref;
	unsigned long n;
	unsigned long ip;
	u64 since;
	depot_stack_handle_t stack;
	pid_t pid;
	int cpu;
	bool pcpu;
	char context;
	char comm[TASK_COMM_LEN];
};

static struct {
	struct hlist_head head;
	raw_spinlock_t lock;		/* the bucket's records */
} rundown_track_table[1 << RUNDOWN_TRACK_BITS];

/* The pool: records, and which are in use (set and cleared atomically). */
static struct rundown_holder *rundown_recs;
static unsigned long *rundown_recs_used;
static unsigned int rundown_nr_recs;

static DEFINE_MUTEX(rundown_track_mutex);	/* switching on and off, the pool */
static bool rundown_track_all;			/* track_holders */
static DEFINE_XARRAY(rundown_tracked);		/* objects tracked one by one */
static atomic_long_t rundown_track_lost = ATOMIC_LONG_INIT(0);

static unsigned int track_records = 4096;
module_param(track_records, uint, 0444);
MODULE_PARM_DESC(track_records, "Holder records in the tracking pool (default 4096)");

static unsigned int stall_timeout_s = 10;
module_param(stall_timeout_s, uint, 0644);
MODULE_PARM_DESC(stall_timeout_s,
		 "Report a wait that has not returned after this many seconds, once (0: never)");

static int rundown_track_holders_set(const char *val, const struct kernel_param *kp);

static const struct kernel_param_ops rundown_track_holders_ops = {
	.set = rundown_track_holders_set,
	.get = param_get_bool,
};
module_param_cb(track_holders, &rundown_track_holders_ops, &rundown_track_all, 0644);
MODULE_PARM_DESC(track_holders, "Record who holds every rundown reference (default 0)");

/* The pool's size once it is set up, else 0. */
static unsigned int rundown_pool_size(void)
{
	/*
	 * Acquire: pairs with the release store in rundown_pool_get(), so
	 * that the records, the bitmap and the buckets' locks are seen
	 * initialised.
	 */
	return smp_load_acquire(&rundown_nr_recs);
}

static unsigned int rundown_bucket_of(const void *ref)
{
	return hash_ptr((void *)ref, RUNDOWN_TRACK_BITS);
}

/* ---- the pool ---------------------------------------------------------- */

/* Process context, under rundown_track_mutex. */
static int rundown_pool_get(void)
{
	unsigned int nr = clamp(track_records, 16U, 1U << 20);
	unsigned int i;

	lockdep_assert_held(&rundown_track_mutex);
	if (rundown_recs)
		return 0;
	rundown_recs_used = bitmap_zalloc(nr, GFP_KERNEL);
	rundown_recs = vcalloc(nr, sizeof(*rundown_recs));
	if (!rundown_recs_used || !rundown_recs) {
		bitmap_free(rundown_recs_used);
		vfree(rundown_recs);
		rundown_recs_used = NULL;
		rundown_recs = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < ARRAY_SIZE(rundown_track_table); i++) {
		INIT_HLIST_HEAD(&rundown_track_table[i].head);
		raw_spin_lock_init(&rundown_track_table[i].lock);
	}
	if (IS_ENABLED(CONFIG_STACKDEPOT))
		stack_depot_init();
	/* Published last; pairs with the acquire in rundown_pool_size(). */
	smp_store_release(&rundown_nr_recs, nr);
	return 0;
}

static struct rundown_holder *rundown_rec_alloc(void)
{
	unsigned int nr = rundown_pool_size();
	unsigned int i = 0;

	while (nr && (i = find_next_zero_bit(rundown_recs_used, nr, i)) < nr) {
		if (!test_and_set_bit(i, rundown_recs_used))
			return &rundown_recs[i];
		i++;
	}
	return NULL;
}

static void rundown_rec_free(struct rundown_holder *h)
{
	clear_bit(h - rundown_recs, rundown_recs_used);
}

/* ---- the hooks ----------------------------------------------------------- */

static bool rundown_tracks(const void *ref)
{
	return READ_ONCE(rundown_track_all) ||
	       xa_load(&rundown_tracked, (unsigned long)ref);
}

/*
 * The caller's caller's stack (this function and its caller left out), or
 * nothing on a kernel without stack traces.
 */
static noinline unsigned int rundown_save_stack(unsigned long *entries,
						unsigned int size)
{
#ifdef CONFIG_STACKTRACE
	return stack_trace_save(entries, size, 2);
#else
	return 0;
#endif
}

/**
 * __rundown_debug_acquired - record a successful acquire (tracking on)
 * @ref: the object, either variant
 * @pcpu: @ref is a struct rundown_pcpu
 * @n: references taken
 * @ip: the caller
 *
 * Called by the acquire fast paths through rundown_debug_key only.
 * Context: any; nothing is recorded in NMI context.
 */
void __rundown_debug_acquired(const void *ref, bool pcpu, unsigned long n,
			      unsigned long ip)
{
	unsigned long entries[RUNDOWN_TRACK_DEPTH];
	struct rundown_holder *h;
	unsigned long flags;
	unsigned int b, nr;

	if (!rundown_pool_size() || !rundown_tracks(ref))
		return;
	if (in_nmi())
		goto lost;
	h = rundown_rec_alloc();
	if (!h)
		goto lost;
	h->ref = ref;
	h->n = n;
	h->ip = ip;
	h->pcpu = pcpu;
	h->since = ktime_get_mono_fast_ns();
	h->pid = task_pid_nr(current);
	h->cpu = raw_smp_processor_id();
	h->context = in_hardirq() ? 'h' : in_serving_softirq() ? 's' : 't';
	get_task_comm(h->comm, current);
	h->stack = 0;
	if (IS_ENABLED(CONFIG_STACKDEPOT)) {
		/*
		 * The depot may grow only where nothing forbids it (no lock
		 * held, preemption on); elsewhere it takes what room it has,
		 * and a stack that does not fit is left out of the record.
		 */
		nr = rundown_save_stack(entries, ARRAY_SIZE(entries));
		h->stack = __stack_depot_save(entries, nr, 0, GFP_NOWAIT, preemptible());
	}
	b = rundown_bucket_of(ref);
	raw_spin_lock_irqsave(&rundown_track_table[b].lock, flags);
	/* Switched off meanwhile: its records are being dropped, drop ours. */
	if (!rundown_tracks(ref)) {
		raw_spin_unlock_irqrestore(&rundown_track_table[b].lock, flags);
		rundown_rec_free(h);
		return;
	}
	hlist_add_head(&h->node, &rundown_track_table[b].head);
	raw_spin_unlock_irqrestore(&rundown_track_table[b].lock, flags);
	return;
lost:
	atomic_long_inc(&rundown_track_lost);
}
EXPORT_SYMBOL_GPL(__rundown_debug_acquired);

/**
 * __rundown_debug_released - drop released references from the records
 * @ref: the object, either variant
 * @n: references released
 *
 * Takes them from the newest record of the releasing task, then from the
 * oldest records of the object. A release carries no identity: releasing
 * an untracked reference (taken before tracking was on, or lost) drops a
 * record of another holder of the object if it has one. The counts stay
 * right (the report shows as many untracked references as there are),
 * only the attribution may be off.
 *
 * Called by the release fast paths through rundown_debug_key only, before
 * the release itself, so that a record never outlives its reference.
 * Context: any; nothing is done in NMI context.
 */
void __rundown_debug_released(const void *ref, unsigned long n)
{
	struct rundown_holder *h, *mine = NULL, *oldest;
	pid_t pid = in_task() ? task_pid_nr(current) : 0;
	unsigned long flags;
	unsigned int b;

	if (!rundown_pool_size() || in_nmi())
		return;
	b = rundown_bucket_of(ref);
	raw_spin_lock_irqsave(&rundown_track_table[b].lock, flags);
	while (n) {
		oldest = NULL;
		hlist_for_each_entry(h, &rundown_track_table[b].head, node) {
			if (h->ref != ref)
				continue;
			if (!mine && pid && h->pid == pid && h->context == 't')
				mine = h;	/* the list is newest first */
			oldest = h;
		}
		h = mine ?: oldest;
		if (!h)
			break;
		if (h->n > n) {
			h->n -= n;
			break;
		}
		n -= h->n;
		hlist_del(&h->node);
		rundown_rec_free(h);
		mine = NULL;
	}
	raw_spin_unlock_irqrestore(&rundown_track_table[b].lock, flags);
}
EXPORT_SYMBOL_GPL(__rundown_debug_released);

/**
 * __rundown_debug_failed - an acquire failed (the acquire_fail tracepoint)
 * @ref: the object, either variant
 * @pcpu: @ref is a struct rundown_pcpu
 * @ip: the caller
 *
 * Called by the acquire fast paths through rundown_debug_key only.
 * Context: any.
 */
void __rundown_debug_failed(const void *ref, bool pcpu, unsigned long ip)
{
	trace_acquire_fail(ref, pcpu, ip);
}
EXPORT_SYMBOL_GPL(__rundown_debug_failed);

/* The tracepoint's registration switches the hooks on and off. */
int rundown_trace_fail_reg(void)
{
	static_branch_inc(&rundown_debug_key);
	return 0;
}

void rundown_trace_fail_unreg(void)
{
	static_branch_dec(&rundown_debug_key);
}

/* Drop every record of @ref, or of every object not tracked one by one. */
static void rundown_track_drop(const void *ref)
{
	struct rundown_holder *h;
	struct hlist_node *tmp;
	unsigned long flags;
	unsigned int b, first = 0, last = ARRAY_SIZE(rundown_track_table) - 1;

	if (!rundown_pool_size())
		return;
	if (ref) {
		first = rundown_bucket_of(ref);
		last = first;
	}
	for (b = first; b <= last; b++) {
		raw_spin_lock_irqsave(&rundown_track_table[b].lock, flags);
		hlist_for_each_entry_safe(h, tmp, &rundown_track_table[b].head, node) {
			if (ref ? h->ref != ref :
			    !!xa_load(&rundown_tracked, (unsigned long)h->ref))
				continue;
			hlist_del(&h->node);
			rundown_rec_free(h);
		}
		raw_spin_unlock_irqrestore(&rundown_track_table[b].lock, flags);
	}
}

/**
 * rundown_track_forget - forget the holders of an object being reset
 * @ref: the object, either variant
 *
 * Called when @ref is initialised, reinitialised or freed: no reference
 * can be held, so no record may remain. Context: any but NMI.
 */
void rundown_track_forget(const void *ref)
{
	if (static_branch_unlikely(&rundown_debug_key))
		rundown_track_drop(ref);
}

static int rundown_track_holders_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int ret = kstrtobool(val, &on);

	if (ret)
		return ret;
	mutex_lock(&rundown_track_mutex);
	if (on && !rundown_track_all) {
		ret = rundown_pool_get();
		if (!ret) {
			WRITE_ONCE(rundown_track_all, true);
			static_branch_inc(&rundown_debug_key);
		}
	} else if (!on && rundown_track_all) {
		/* The hooks re-check under their bucket's lock. */
		WRITE_ONCE(rundown_track_all, false);
		static_branch_dec(&rundown_debug_key);
		rundown_track_drop(NULL);
	}
	mutex_unlock(&rundown_track_mutex);
	return ret;
}

static int rundown_track_object(const void *ref, bool on)
{
	int ret = 0;

	mutex_lock(&rundown_track_mutex);
	if (on && !xa_load(&rundown_tracked, (unsigned long)ref)) {
		ret = rundown_pool_get();
		if (!ret)
			ret = xa_err(xa_store(&rundown_tracked, (unsigned long)ref,
					      xa_mk_value(1), GFP_KERNEL));
		if (!ret)
			static_branch_inc(&rundown_debug_key);
	} else if (!on && xa_erase(&rundown_tracked, (unsigned long)ref)) {
		static_branch_dec(&rundown_debug_key);
		if (!READ_ONCE(rundown_track_all))
			rundown_track_drop(ref);
	}
	mutex_unlock(&rundown_track_mutex);
	return ret;
}

/**
 * rundown_track - track the holders of one plain reference
 * @ref: the reference
 * @on: start (true) or stop (false)
 *
 * Like the module parameter track_holders, for @ref alone: from now on,
 * who acquires it is recorded, shown by stalled-wait reports and in
 * debugfs. References already held stay untracked. Stop tracking before
 * @ref is freed.
 *
 * Context: process context, may sleep.
 * Return: 0, or -ENOMEM.
 */
int rundown_track(struct rundown_ref *ref, bool on)
{
	return rundown_track_object(ref, on);
}
EXPORT_SYMBOL_GPL(rundown_track);

/**
 * rundown_pcpu_track - track the holders of one cache-aware reference
 * @ref: the cache-aware reference
 * @on: start (true) or stop (false)
 *
 * As rundown_track(); rundown_pcpu_exit() stops it.
 *
 * Context: process context, may sleep.
 * Return: 0, or -ENOMEM.
 */
int rundown_pcpu_track(struct rundown_pcpu *ref, bool on)
{
	return rundown_track_object(ref, on);
}
EXPORT_SYMBOL_GPL(rundown_pcpu_track);

/* Stop tracking @ref if it was tracked one by one (rundown_pcpu_exit()). */
void rundown_track_exit(const void *ref)
{
	if (xa_load(&rundown_tracked, (unsigned long)ref))
		rundown_track_object(ref, false);
}

/* ---- reports ------------------------------------------------------------- */

/* Where a report goes: the kernel log, or a debugfs file. */
struct rundown_sink {
	struct seq_file *m;
};

static __printf(2, 3) void rundown_say(struct rundown_sink *s, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	if (s->m) {
		seq_vprintf(s->m, fmt, args);
	} else {
		vaf.fmt = fmt;
		vaf.va = &args;
		pr_warn("%pV", &vaf);
	}
	va_end(args);
}

static int rundown_cmp_since(const void *a, const void *b)
{
	const struct rundown_holder *x = a, *y = b;

	return x->since < y->since ? -1 : x->since > y->since;
}

/*
 * Copy up to @max records of @ref out of its bucket into @out (oldest
 * first); return how many references the object's records hold in all.
 */
static unsigned long rundown_track_collect(const void *ref,
					   struct rundown_holder *out,
					   unsigned int max, unsigned int *nr)
{
	unsigned int b = rundown_bucket_of(ref);
	struct rundown_holder *h;
	unsigned long flags, total = 0;

	*nr = 0;
	if (!rundown_pool_size())
		return 0;
	raw_spin_lock_irqsave(&rundown_track_table[b].lock, flags);
	hlist_for_each_entry(h, &rundown_track_table[b].head, node) {
		if (h->ref != ref)
			continue;
		total += h->n;
		if (*nr < max)
			out[(*nr)++] = *h;
	}
	raw_spin_unlock_irqrestore(&rundown_track_table[b].lock, flags);
	sort(out, *nr, sizeof(*out), rundown_cmp_since, NULL);
	return total;
}

/* A stack, one frame a line, below the line before it. */
static void rundown_say_stack(struct rundown_sink *s, const unsigned long *entries,
			      unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		rundown_say(s, "    %pS\n", (void *)entries[i]);
}

static void rundown_report_holder(struct rundown_sink *s,
				  const struct rundown_holder *h, u64 now)
{
	unsigned long *entries = NULL;
	unsigned int nr = 0;

	rundown_say(s,
		    "  holder: %lu reference(s) taken by %s[%d] on CPU %d (%s), %llu ms ago, at %pS\n",
		    h->n, h->comm, h->pid, h->cpu,
		    h->context == 'h' ? "hard IRQ" : h->context == 's' ? "softirq" : "task",
		    div_u64(now - h->since, NSEC_PER_MSEC), (void *)h->ip);
	if (IS_ENABLED(CONFIG_STACKDEPOT) && h->stack)
		nr = stack_depot_fetch(h->stack, &entries);
	rundown_say_stack(s, entries, nr);
}

/*
 * The holders part of a report on @ref, which holds @held references
 * (negative: not known). Process context (it allocates).
 */
static void rundown_report_holders(struct rundown_sink *s, const void *ref, long held)
{
	struct rundown_holder *recs;
	unsigned long tracked;
	unsigned int i, nr;
	u64 now = ktime_get_mono_fast_ns();

	if (!static_branch_unlikely(&rundown_debug_key) || !rundown_tracks(ref)) {
		rundown_say(s,
			    "  holders are not tracked: echo 1 > /sys/module/rundown/parameters/track_holders\n");
		return;
	}
	recs = kmalloc_array(RUNDOWN_REPORT_MAX, sizeof(*recs), GFP_KERNEL);
	if (!recs) {
		rundown_say(s, "  holders: no memory to list them\n");
		return;
	}
	tracked = rundown_track_collect(ref, recs, RUNDOWN_REPORT_MAX, &nr);
	for (i = 0; i < nr; i++)
		rundown_report_holder(s, &recs[i], now);
	if (tracked > 0 && nr == RUNDOWN_REPORT_MAX)
		rundown_say(s, "  (only the %u oldest records shown)\n", nr);
	if (held >= 0 && held > (long)tracked)
		rundown_say(s,
			    "  %lu reference(s) not tracked (taken before tracking was on, or lost: %ld so far)\n",
			    held - tracked, atomic_long_read(&rundown_track_lost));
	kfree(recs);
}

/**
 * rundown_report_stall - report a wait that has not returned
 * @ref: the object, either variant
 * @what: the wait's name, for the report
 * @held: references still held (negative: not known yet)
 * @waited: jiffies waited so far
 *
 * Context: process context (the waiter).
 */
void rundown_report_stall(const void *ref, const char *what, long held,
			  unsigned long waited)
{
	struct rundown_sink s = { };
	unsigned long entries[RUNDOWN_TRACK_DEPTH];
	unsigned int nr;

	pr_warn("wait stalled: %s[%d] has waited %u s in %s(%p): %ld reference(s) still held\n",
		current->comm, task_pid_nr(current), jiffies_to_msecs(waited) / 1000,
		what, ref, held);
	/* Where the waiter waits: which driver cannot unload. */
	nr = rundown_save_stack(entries, ARRAY_SIZE(entries));
	if (nr)
		rundown_say(&s, "  waiting in:\n");
	rundown_say_stack(&s, entries, nr);
	rundown_report_holders(&s, ref, held);
}

/**
 * rundown_stall_jiffies - how long a wait may last before it is reported
 *
 * Context: any.
 * Return: jiffies, or 0 when stalled waits are not reported.
 */
unsigned long rundown_stall_jiffies(void)
{
	return min_t(u64, (u64)READ_ONCE(stall_timeout_s) * HZ, MAX_JIFFY_OFFSET);
}

/* ---- debugfs --------------------------------------------------------------- */

static struct dentry *rundown_debugfs;

/* /sys/kernel/debug/rundown/holders: every object with tracked holders. */
static int rundown_holders_show(struct seq_file *m, void *unused)
{
	struct rundown_sink s = { .m = m };
	const void **refs;
	struct rundown_holder *h;
	unsigned long flags;
	unsigned int b, i, nr, max = 256;

	seq_printf(m, "tracking: %s, %ld acquire(s) not recorded, %u record(s) in the pool\n",
		   READ_ONCE(rundown_track_all) ? "all objects" :
		   !xa_empty(&rundown_tracked) ? "some objects" : "off",
		   atomic_long_read(&rundown_track_lost), READ_ONCE(rundown_nr_recs));
	if (!rundown_pool_size())
		return 0;
	refs = kmalloc_array(max, sizeof(*refs), GFP_KERNEL);
	if (!refs)
		return -ENOMEM;
	for (b = 0; b < ARRAY_SIZE(rundown_track_table); b++) {
		/* The bucket's distinct objects, then each one's report. */
		nr = 0;
		raw_spin_lock_irqsave(&rundown_track_table[b].lock, flags);
		hlist_for_each_entry(h, &rundown_track_table[b].head, node) {
			for (i = 0; i < nr && refs[i] != h->ref; i++)
				;
			if (i == nr && nr < max)
				refs[nr++] = h->ref;
		}
		raw_spin_unlock_irqrestore(&rundown_track_table[b].lock, flags);
		for (i = 0; i < nr; i++) {
			seq_printf(m, "object %p:\n", refs[i]);
			rundown_report_holders(&s, refs[i], -1);
		}
	}
	kfree(refs);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rundown_holders);

/**
 * rundown_debugfs_dir - the module's debugfs directory, for its other parts
 *
 * Context: any, between rundown_track_init() and rundown_track_exit_module().
 * Return: the directory, or an error pointer when debugfs is not there.
 */
struct dentry *rundown_debugfs_dir(void)
{
	return rundown_debugfs;
}

/**
 * rundown_track_init - create /sys/kernel/debug/rundown/
 *
 * Context: module init.
 * Return: 0 (debugfs is optional).
 */
int rundown_track_init(void)
{
	rundown_debugfs = debugfs_create_dir("rundown", NULL);
	debugfs_create_file("holders", 0400, rundown_debugfs, NULL,
			    &rundown_holders_fops);
	return 0;
}

/**
 * rundown_track_exit_module - remove debugfs, switch tracking off, free the pool
 *
 * Context: module exit: no object of ours is in use any more.
 */
void rundown_track_exit_module(void)
{
	unsigned long index;
	void *entry;

	debugfs_remove_recursive(rundown_debugfs);
	mutex_lock(&rundown_track_mutex);
	xa_for_each(&rundown_tracked, index, entry) {
		xa_erase(&rundown_tracked, index);
		static_branch_dec(&rundown_debug_key);
	}
	if (rundown_track_all) {
		rundown_track_all = false;
		static_branch_dec(&rundown_debug_key);
	}
	WRITE_ONCE(rundown_nr_recs, 0);
	vfree(rundown_recs);
	bitmap_free(rundown_recs_used);
	rundown_recs = NULL;
	rundown_recs_used = NULL;
	mutex_unlock(&rundown_track_mutex);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/rundown: rundown objects for userspace (ABI: uapi/linux/rundown.h).
 *
 * Each open file is a struct rundown_file: a table of the objects it is
 * attached to, keyed by their global id, and for each of them the number of
 * references taken through this file. An object (struct rundown_obj) holds
 * one struct rundown_ref or struct rundown_pcpu, lives in a global table of
 * ids, and is reference counted by the files attached to it and by the
 * waits in progress on it: it is freed when the last of them lets it go.
 *
 * Userspace must never be able to reach the primitive's misuse warnings,
 * so the device accounts for everything the primitive would check:
 *
 * - every reference is counted in the file that took it (struct
 *   rundown_attach.held), and a file releases only what it holds, so the
 *   primitive's count never goes below zero;
 * - the references held on an object through all files are counted in
 *   rundown_obj.total, reserved before the primitive's acquire and dropped
 *   after its release, and capped at RUNDOWN_DEV_MAX_REFS, so the
 *   primitive's count never overflows;
 * - COMPLETE and REINIT act only on an object that is run down with no
 *   reference left, and REINIT never runs while a wait is in progress.
 *
 * Users are kept apart as SysV IPC keeps them (ipcperms()): an object
 * records its creator's effective uid and gid and a mode, and OPEN checks
 * the caller's credentials against them (rundown_obj_may_open()). Every
 * object is counted against its creator's uid from CREATE until it is
 * freed (rundown_users), so that no user can take the whole id space, and
 * its memory is charged to the creator's memory cgroup (GFP_KERNEL_ACCOUNT
 * everywhere, the primitive's slots included).
 *
 * Locking, outermost first:
 *
 * - rundown_file.lock (mutex): the file's attachments, their held counts
 *   and nr_objs. The primitive's acquires and releases run under it (they
 *   never sleep); its waits never do.
 * - rundown_obj.lock (mutex): starting a wait (waiters goes up) against
 *   COMPLETE and REINIT, and the completed flag.
 * - rundown_objs' xa_lock (spinlock): looking an id up and taking a kref
 *   (kref_get_unless_zero()) against the final kref_put() erasing the id.
 * - rundown_users_lock (mutex): the per-user counts. Taken by CREATE before
 *   any other lock, and by the final kref_put(), which may run under
 *   rundown_file.lock.
 *
 * Two threads of one file (or processes sharing it across fork()) are
 * serialised by rundown_file.lock; file release runs when no ioctl() on the
 * file is in progress (the VFS holds a file reference across ioctl()), so
 * it needs the lock only for form. A wait holds a kref on its object, so a
 * CLOSE of that object by another thread cannot free it under the waiter.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/cred.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/kref.h>
#include <linux/math64.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait_bit.h>
#include <linux/xarray.h>
#include <linux/rundown.h>
#include <uapi/linux/rundown.h>

#include "internal.h"
#include "track.h"

/*
 * Most references one object may hold: the ABI's limit, and never more than
 * either variant can count without overflow (rundown_acquire_many() warns
 * past RUNDOWN_MAX_REFS; the cache-aware sum is exact below that too).
 */
#define RUNDOWN_DEV_MAX_REFS						\
	((u64)RUNDOWN_COUNT_MAX < (u64)RUNDOWN_MAX_REFS ?		\
	 (u64)RUNDOWN_COUNT_MAX : (u64)RUNDOWN_MAX_REFS)

/**
 * struct rundown_obj - one rundown object of the device
 * @kref: one per attached file, plus one per wait in progress
 * @id: global id, the index in rundown_objs
 * @variant: RUNDOWN_VARIANT_*
 * @total: references held through all files, plus acquires in progress
 * @nr_files: files attached
 * @waiters: waits in progress (incremented under @lock)
 * @lock: starting a wait against COMPLETE and REINIT; @completed
 * @completed: COMPLETE was done since the last REINIT
 * @uid: the creator's effective uid: the owner, and whom it is counted against
 * @gid: the creator's effective gid
 * @mode: permission bits (RUNDOWN_MODE_MASK), never 0
 * @ref: the plain variant's reference
 * @pcpu: the cache-aware variant's reference
 */
struct rundown_obj {
	struct kref kref;
	u32 id;
	u32 variant;
	atomic64_t total;
	atomic_t nr_files;
	atomic_t waiters;
	struct mutex lock;	/* wait start vs COMPLETE/REINIT; completed */
	bool completed;
	kuid_t uid;
	kgid_t gid;
	u32 mode;
	union {
		struct rundown_ref ref;
		struct rundown_pcpu pcpu;
	};
};

/**
 * struct rundown_attach - one file's attachment to an object
 * @obj: the object (holds a kref on it)
 * @held: references this file holds on @obj
 */
struct rundown_attach {
	struct rundown_obj *obj;
	u64 held;
};

/**
 * struct rundown_file - an open /dev/rundown
 * @lock: @objs, each attachment's @held, @nr_objs
 * @objs: id -> struct rundown_attach
 * @nr_objs: attachments in @objs
 */
struct rundown_file {
	struct mutex lock;	/* objs, each attachment's held, nr_objs */
	struct xarray objs;
	unsigned int nr_objs;
};

/* Every object alive, by id; ids start at 1 so a zeroed struct never names one. */
static DEFINE_XARRAY_ALLOC(rundown_objs);
static u32 rundown_next_id;

/*
 * Objects alive per creating uid: __kuid_val(uid) -> xa_mk_value(count),
 * no entry for a count of 0. Under rundown_users_lock.
 */
static DEFINE_XARRAY(rundown_users);
static DEFINE_MUTEX(rundown_users_lock);

/* ---- per-user limit ------------------------------------------------------- */

/* Count one more object against @uid, or -EDQUOT (or -ENOMEM). */
static int rundown_user_charge(kuid_t uid)
{
	unsigned long n;
	int ret = 0;

	mutex_lock(&rundown_users_lock);
	n = xa_to_value(xa_load(&rundown_users, __kuid_val(uid)) ?: xa_mk_value(0));
	if (n >= RUNDOWN_MAX_OBJECTS_PER_USER)
		ret = -EDQUOT;
	else
		ret = xa_err(xa_store(&rundown_users, __kuid_val(uid),
				      xa_mk_value(n + 1), GFP_KERNEL_ACCOUNT));
	mutex_unlock(&rundown_users_lock);
	return ret;
}

static void rundown_user_uncharge(kuid_t uid)
{
	unsigned long n;

	mutex_lock(&rundown_users_lock);
	n = xa_to_value(xa_load(&rundown_users, __kuid_val(uid)) ?: xa_mk_value(0));
	if (WARN_ON_ONCE(!n))
		goto out;
	if (n == 1)
		xa_erase(&rundown_users, __kuid_val(uid));
	else	/* replaces an entry: allocates nothing, cannot fail */
		xa_store(&rundown_users, __kuid_val(uid), xa_mk_value(n - 1),
			 GFP_KERNEL);
out:
	mutex_unlock(&rundown_users_lock);
}

/* ---- objects -------------------------------------------------------------- */

static void rundown_obj_free(struct kref *kref)
{
	struct rundown_obj *obj = container_of(kref, struct rundown_obj, kref);

	xa_erase(&rundown_objs, obj->id);
	if (obj->variant == RUNDOWN_VARIANT_PCPU)
		rundown_pcpu_exit(&obj->pcpu);
	rundown_user_uncharge(obj->uid);
	mutex_destroy(&obj->lock);
	kfree(obj);
}

static void rundown_obj_put(struct rundown_obj *obj)
{
	kref_put(&obj->kref, rundown_obj_free);
}

/*
 * Whether the calling task may attach to @obj: SysV IPC's rule (ipcperms()),
 * with read and write both needed. The capability is asked last, only when
 * the bits deny, so that it is neither used nor audited needlessly.
 */
static bool rundown_obj_may_open(const struct rundown_obj *obj)
{
	u32 granted = obj->mode;

	if (uid_eq(current_euid(), obj->uid))
		granted >>= 6;
	else if (in_egroup_p(obj->gid))
		granted >>= 3;
	if ((granted & 06) == 06)
		return true;
	return capable(CAP_IPC_OWNER);
}

/* Look up a published object by id and take a kref on it, or NULL. */
static struct rundown_obj *rundown_obj_get(u32 id)
{
	struct rundown_obj *obj;

	xa_lock(&rundown_objs);
	obj = xa_load(&rundown_objs, id);
	if (obj && !kref_get_unless_zero(&obj->kref))
		obj = NULL;
	xa_unlock(&rundown_objs);
	return obj;
}

/* Most references one call of the variant's acquire_many() may take. */
static u64 rundown_obj_chunk(struct rundown_obj *obj)
{
	if (obj->variant == RUNDOWN_VARIANT_PCPU)
		return min_t(u64, RUNDOWN_PCPU_MAX_MANY, RUNDOWN_DEV_MAX_REFS);
	return RUNDOWN_DEV_MAX_REFS;
}

/* Release @n references of @obj's primitive; the caller holds them. */
static void rundown_obj_release(struct rundown_obj *obj, u64 n)
{
	u64 chunk = rundown_obj_chunk(obj);

	while (n) {
		unsigned long c = min(n, chunk);

		if (obj->variant == RUNDOWN_VARIANT_PCPU)
			rundown_pcpu_release_many(&obj->pcpu, c);
		else
			rundown_release_many(&obj->ref, c);
		n -= c;
	}
}

/*
 * Take @n references of @obj's primitive, all or none. The caller has
 * reserved them in @obj->total, so the primitive cannot overflow. They
 * belong to the file, not to the task (any thread or process sharing the
 * file may release them): the plain acquire, which lockdep does not track.
 */
static bool rundown_obj_acquire(struct rundown_obj *obj, u64 n)
{
	u64 chunk = rundown_obj_chunk(obj);
	u64 done = 0;

	while (done < n) {
		unsigned long c = min(n - done, chunk);
		bool ok;

		if (obj->variant == RUNDOWN_VARIANT_PCPU)
			ok = rundown_pcpu_acquire_many(&obj->pcpu, c);
		else
			ok = rundown_acquire_many(&obj->ref, c);
		if (!ok) {
			/* Run-down began between two chunks: undo. */
			rundown_obj_release(obj, done);
			return false;
		}
		done += c;
	}
	return true;
}

/* Reserve @n references in @obj->total, or false if over the limit. */
static bool rundown_obj_reserve(struct rundown_obj *obj, u64 n)
{
	s64 old = atomic64_read(&obj->total);

	do {
		if ((u64)old + n > RUNDOWN_DEV_MAX_REFS)
			return false;
	} while (!atomic64_try_cmpxchg(&obj->total, &old, old + n));
	return true;
}

static bool rundown_obj_dying(struct rundown_obj *obj)
{
	if (obj->variant == RUNDOWN_VARIANT_PCPU)
		return !rundown_pcpu_is_active(&obj->pcpu);
	return !rundown_is_active(&obj->ref);
}

/*
 * Whether @obj is run down with no reference left, the state that
 * rundown_completed() and rundown_reinit() (and their cache-aware
 * counterparts) require. Stable under @obj->lock: acquires fail, nobody
 * holds a reference to release, and only REINIT (under the lock) leaves it.
 */
static bool rundown_obj_drained(struct rundown_obj *obj)
{
	lockdep_assert_held(&obj->lock);
	if (obj->variant == RUNDOWN_VARIANT_PCPU)
		return rundown_pcpu_is_drained(&obj->pcpu);
	return rundown_is_drained(&obj->ref);
}

/* ---- attachments ---------------------------------------------------------- */

/* Attach @obj to @rf, consuming the caller's kref on @obj. */
static int rundown_attach(struct rundown_file *rf, struct rundown_obj *obj,
			  struct rundown_attach *att)
{
	int ret;

	lockdep_assert_held(&rf->lock);
	if (rf->nr_objs >= RUNDOWN_MAX_OBJECTS_PER_FILE)
		return -EMFILE;
	att->obj = obj;
	att->held = 0;
	ret = xa_insert(&rf->objs, obj->id, att, GFP_KERNEL_ACCOUNT);
	if (ret)
		return ret == -EBUSY ? -EEXIST : ret;
	rf->nr_objs++;
	atomic_inc(&obj->nr_files);
	return 0;
}

/*
 * Drop what an attachment held and free it; it is already out of its file's
 * table, so nobody else can reach it.
 */
static void rundown_detach(struct rundown_attach *att)
{
	struct rundown_obj *obj = att->obj;

	if (att->held) {
		rundown_obj_release(obj, att->held);
		atomic64_sub(att->held, &obj->total);
	}
	atomic_dec(&obj->nr_files);
	kfree(att);
	rundown_obj_put(obj);
}

static struct rundown_attach *rundown_lookup(struct rundown_file *rf, u32 id)
{
	lockdep_assert_held(&rf->lock);
	return xa_load(&rf->objs, id);
}

/*
 * The object @id that @rf is attached to, pinned by a kref the caller puts
 * with rundown_obj_put() (a CLOSE by another thread of the file may detach
 * it meanwhile), and, if @held is not NULL, the references @rf held on it
 * at the time; or NULL.
 */
static struct rundown_obj *rundown_pin(struct rundown_file *rf, u32 id,
				       u64 *held)
{
	struct rundown_attach *att;
	struct rundown_obj *obj = NULL;

	mutex_lock(&rf->lock);
	att = rundown_lookup(rf, id);
	if (att) {
		obj = att->obj;
		kref_get(&obj->kref);
		if (held)
			*held = att->held;
	}
	mutex_unlock(&rf->lock);
	return obj;
}

/* ---- ioctls --------------------------------------------------------------- */

static long rundown_ioc_create(struct rundown_file *rf, void __user *argp)
{
	struct rundown_ioc_create args;
	struct rundown_attach *att;
	kuid_t uid = current_euid();
	struct rundown_obj *obj;
	long ret;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (args.variant != RUNDOWN_VARIANT_PLAIN &&
	    args.variant != RUNDOWN_VARIANT_PCPU)
		return -EINVAL;
	if (args.mode & ~RUNDOWN_MODE_MASK || args.pad)
		return -EINVAL;

	ret = rundown_user_charge(uid);
	if (ret)
		return ret;
	obj = kzalloc(sizeof(*obj), GFP_KERNEL_ACCOUNT);
	if (!obj) {
		ret = -ENOMEM;
		goto err_uncharge;
	}
	kref_init(&obj->kref);
	mutex_init(&obj->lock);
	obj->variant = args.variant;
	obj->uid = uid;
	obj->gid = current_egid();
	obj->mode = args.mode ?: RUNDOWN_MODE_DEFAULT;
	if (obj->variant == RUNDOWN_VARIANT_PCPU) {
		ret = rundown_pcpu_init(&obj->pcpu, GFP_KERNEL_ACCOUNT);
		if (ret)
			goto err_free_obj;
	} else {
		rundown_init(&obj->ref);
	}
	att = kzalloc(sizeof(*att), GFP_KERNEL_ACCOUNT);
	if (!att) {
		ret = -ENOMEM;
		goto err_exit_obj;
	}

	/* Reserve an id; OPEN cannot find the object before it is stored. */
	ret = xa_alloc_cyclic(&rundown_objs, &obj->id, NULL,
			      XA_LIMIT(1, RUNDOWN_MAX_OBJECTS), &rundown_next_id,
			      GFP_KERNEL_ACCOUNT);
	if (ret < 0) {
		if (ret == -EBUSY)
			ret = -ENOSPC;
		goto err_free_att;
	}
	args.id = obj->id;
	if (copy_to_user(argp, &args, sizeof(args))) {
		ret = -EFAULT;
		goto err_release_id;
	}

	mutex_lock(&rf->lock);
	ret = rundown_attach(rf, obj, att);
	if (ret)
		goto err_unlock;
	/* Publish: the slot is reserved, so this cannot need memory. */
	ret = xa_err(xa_store(&rundown_objs, obj->id, obj, GFP_KERNEL_ACCOUNT));
	if (WARN_ON_ONCE(ret)) {
		xa_erase(&rf->objs, obj->id);
		rf->nr_objs--;
		goto err_unlock;
	}
	mutex_unlock(&rf->lock);
	return 0;

err_unlock:
	mutex_unlock(&rf->lock);
err_release_id:
	xa_release(&rundown_objs, obj->id);
err_free_att:
	kfree(att);
err_exit_obj:
	if (obj->variant == RUNDOWN_VARIANT_PCPU)
		rundown_pcpu_exit(&obj->pcpu);
err_free_obj:
	mutex_destroy(&obj->lock);
	kfree(obj);
err_uncharge:
	rundown_user_uncharge(uid);
	return ret;
}

static int rundown_get_obj_args(struct rundown_ioc_obj *args, void __user *argp)
{
	if (copy_from_user(args, argp, sizeof(*args)))
		return -EFAULT;
	if (args->pad)
		return -EINVAL;
	return 0;
}

static long rundown_ioc_open(struct rundown_file *rf, void __user *argp)
{
	struct rundown_attach *att;
	struct rundown_ioc_obj args;
	struct rundown_obj *obj;
	int ret;

	ret = rundown_get_obj_args(&args, argp);
	if (ret)
		return ret;

	att = kzalloc(sizeof(*att), GFP_KERNEL_ACCOUNT);
	if (!att)
		return -ENOMEM;
	mutex_lock(&rf->lock);
	if (rundown_lookup(rf, args.id)) {
		ret = -EEXIST;
		goto err_unlock;
	}
	obj = rundown_obj_get(args.id);
	if (!obj) {
		ret = -ENOENT;
		goto err_unlock;
	}
	if (!rundown_obj_may_open(obj)) {
		ret = -EACCES;
		goto err_put;
	}
	ret = rundown_attach(rf, obj, att);
	if (ret)
		goto err_put;
	mutex_unlock(&rf->lock);
	return 0;

err_put:
	rundown_obj_put(obj);
err_unlock:
	mutex_unlock(&rf->lock);
	kfree(att);
	return ret;
}

static long rundown_ioc_close(struct rundown_file *rf, void __user *argp)
{
	struct rundown_attach *att;
	struct rundown_ioc_obj args;
	int ret;

	ret = rundown_get_obj_args(&args, argp);
	if (ret)
		return ret;

	mutex_lock(&rf->lock);
	att = xa_erase(&rf->objs, args.id);
	if (att)
		rf->nr_objs--;
	mutex_unlock(&rf->lock);
	if (!att)
		return -ENOENT;
	rundown_detach(att);
	return 0;
}

static int rundown_get_count_args(struct rundown_ioc_count *args,
				  void __user *argp)
{
	if (copy_from_user(args, argp, sizeof(*args)))
		return -EFAULT;
	if (args->pad || !args->count || args->count > RUNDOWN_COUNT_MAX)
		return -EINVAL;
	return 0;
}

static long rundown_ioc_acquire(struct rundown_file *rf, void __user *argp)
{
	struct rundown_ioc_count args;
	struct rundown_attach *att;
	struct rundown_obj *obj;
	int ret;

	ret = rundown_get_count_args(&args, argp);
	if (ret)
		return ret;

	mutex_lock(&rf->lock);
	att = rundown_lookup(rf, args.id);
	if (!att) {
		ret = -ENOENT;
		goto out_unlock;
	}
	obj = att->obj;
	if (!rundown_obj_reserve(obj, args.count)) {
		ret = -EOVERFLOW;
		goto out_unlock;
	}
	if (!rundown_obj_acquire(obj, args.count)) {
		atomic64_sub(args.count, &obj->total);
		ret = -ESHUTDOWN;
		goto out_unlock;
	}
	att->held += args.count;
out_unlock:
	mutex_unlock(&rf->lock);
	return ret;
}

static long rundown_ioc_release(struct rundown_file *rf, void __user *argp)
{
	struct rundown_ioc_count args;
	struct rundown_attach *att;
	int ret;

	ret = rundown_get_count_args(&args, argp);
	if (ret)
		return ret;

	mutex_lock(&rf->lock);
	att = rundown_lookup(rf, args.id);
	if (!att) {
		ret = -ENOENT;
		goto out_unlock;
	}
	if (args.count > att->held) {
		ret = -EINVAL;
		goto out_unlock;
	}
	/* The primitive first: @total never drops below its count. */
	rundown_obj_release(att->obj, args.count);
	atomic64_sub(args.count, &att->obj->total);
	att->held -= args.count;
out_unlock:
	mutex_unlock(&rf->lock);
	return ret;
}

/*
 * Relative nanoseconds to jiffies for a wait, rounded up, plus one: a
 * timeout of n jiffies ends at the n-th tick from now, and the first of
 * those ticks may come at once (msleep() adds the same one), so that a
 * wait never ends early. 0 stays 0 (poll). Anything too long for the timer
 * wheel to express (see MAX_JIFFY_OFFSET) waits forever.
 */
static long rundown_ns_to_jiffies(u64 ns)
{
	u32 rem;
	u64 j = div_u64_rem(ns, TICK_NSEC, &rem);

	if (!ns)
		return 0;
	j += rem ? 2 : 1;
	if (j >= (u64)MAX_JIFFY_OFFSET)
		return MAX_SCHEDULE_TIMEOUT;
	return j;
}

static long rundown_ioc_wait(struct rundown_file *rf, void __user *argp)
{
	struct rundown_ioc_wait args;
	struct rundown_obj *obj;
	long timeout, left;
	u64 held;
	int ret;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (args.flags & ~RUNDOWN_WAIT_TIMEOUT)
		return -EINVAL;
	if (!(args.flags & RUNDOWN_WAIT_TIMEOUT) && args.timeout_ns)
		return -EINVAL;
	timeout = MAX_SCHEDULE_TIMEOUT;
	if (args.flags & RUNDOWN_WAIT_TIMEOUT)
		timeout = rundown_ns_to_jiffies(args.timeout_ns);

	obj = rundown_pin(rf, args.id, &held);
	if (!obj)
		return -ENOENT;
	/*
	 * This file's own references could only be released by another
	 * thread sharing the file; refuse rather than wait on ourselves. An
	 * acquire through this file racing with the start of the wait may
	 * still slip in: that wait is killable and ends when it is released.
	 */
	if (held) {
		ret = -EDEADLK;
		goto out_put;
	}

	ret = mutex_lock_killable(&obj->lock);
	if (ret)
		goto out_put;
	atomic_inc(&obj->waiters);
	mutex_unlock(&obj->lock);

	if (obj->variant == RUNDOWN_VARIANT_PCPU)
		left = rundown_pcpu_wait_killable_timeout(&obj->pcpu, timeout);
	else
		left = rundown_wait_killable_timeout(&obj->ref, timeout);

	/* Fully ordered before the wake-up; pairs with REINIT's wait. */
	if (atomic_dec_and_test(&obj->waiters))
		wake_up_var(&obj->waiters);

	if (left > 0)
		ret = 0;
	else if (left == 0)
		ret = -ETIMEDOUT;
	else
		ret = left;	/* -EINTR: a fatal signal */
out_put:
	rundown_obj_put(obj);
	return ret;
}

/*
 * Nothing is held through any file, yet @obj is not drained: a cache-aware
 * run-down is between its flag and its hand-over (the first waiter's
 * fence, one grace period). Wait for it to drain rather than fail, so that
 * COMPLETE and REINIT work as soon as the last reference is released.
 * Acquires fail meanwhile, so nothing can be taken again. Killable.
 */
static int rundown_obj_finish_fence(struct rundown_obj *obj)
{
	long left;

	lockdep_assert_held(&obj->lock);
	if (rundown_obj_drained(obj) || !rundown_obj_dying(obj) ||
	    atomic64_read(&obj->total))
		return 0;
	if (obj->variant == RUNDOWN_VARIANT_PCPU)
		left = rundown_pcpu_wait_killable_timeout(&obj->pcpu,
							  MAX_SCHEDULE_TIMEOUT);
	else
		left = rundown_wait_killable_timeout(&obj->ref, MAX_SCHEDULE_TIMEOUT);
	return left < 0 ? -EINTR : 0;
}

/*
 * COMPLETE (@reinit false) and REINIT (@reinit true): both act only on an
 * object run down with no reference left, under @obj->lock so that no wait
 * starts meanwhile.
 */
static long rundown_ioc_settle(struct rundown_file *rf, void __user *argp,
			       bool reinit)
{
	struct rundown_ioc_obj args;
	struct rundown_obj *obj;
	int ret;

	ret = rundown_get_obj_args(&args, argp);
	if (ret)
		return ret;
	obj = rundown_pin(rf, args.id, NULL);
	if (!obj)
		return -ENOENT;

	ret = mutex_lock_killable(&obj->lock);
	if (ret)
		goto out_put;
	ret = rundown_obj_finish_fence(obj);
	if (ret)
		goto out_unlock;
	if (!rundown_obj_drained(obj)) {
		ret = -EBUSY;
		goto out_unlock;
	}
	if (!reinit) {
		if (obj->variant == RUNDOWN_VARIANT_PCPU)
			rundown_pcpu_completed(&obj->pcpu);
		else
			rundown_completed(&obj->ref);
		WRITE_ONCE(obj->completed, true);
		goto out_unlock;
	}
	/*
	 * The primitive's reinit must not race with its waits. Waits already
	 * in progress on a drained object return without sleeping again (or
	 * were woken by the last release), and new ones cannot start while we
	 * hold @obj->lock: let the ones in progress leave.
	 */
	ret = wait_var_event_killable(&obj->waiters,
				      !atomic_read(&obj->waiters));
	if (ret)
		goto out_unlock;
	if (obj->variant == RUNDOWN_VARIANT_PCPU)
		rundown_pcpu_reinit(&obj->pcpu);
	else
		rundown_reinit(&obj->ref);
	WRITE_ONCE(obj->completed, false);
out_unlock:
	mutex_unlock(&obj->lock);
out_put:
	rundown_obj_put(obj);
	return ret;
}

static long rundown_ioc_query(struct rundown_file *rf, void __user *argp)
{
	struct rundown_ioc_query args;
	struct rundown_attach *att;
	struct rundown_obj *obj;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (args.pad)
		return -EINVAL;

	mutex_lock(&rf->lock);
	att = rundown_lookup(rf, args.id);
	if (!att) {
		mutex_unlock(&rf->lock);
		return -ENOENT;
	}
	obj = att->obj;
	memset(&args, 0, sizeof(args));
	args.id = obj->id;
	args.variant = obj->variant;
	if (rundown_obj_dying(obj))
		args.state |= RUNDOWN_STATE_DYING;
	if (READ_ONCE(obj->completed))
		args.state |= RUNDOWN_STATE_COMPLETED;
	args.held_by_file = att->held;
	args.held_total = atomic64_read(&obj->total);
	args.nr_files = atomic_read(&obj->nr_files);
	args.uid = from_kuid_munged(current_user_ns(), obj->uid);
	args.gid = from_kgid_munged(current_user_ns(), obj->gid);
	args.mode = obj->mode;
	mutex_unlock(&rf->lock);

	if (copy_to_user(argp, &args, sizeof(args)))
		return -EFAULT;
	return 0;
}

static long rundown_dev_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	struct rundown_file *rf = file->private_data;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case RUNDOWN_IOC_CREATE:
		return rundown_ioc_create(rf, argp);
	case RUNDOWN_IOC_OPEN:
		return rundown_ioc_open(rf, argp);
	case RUNDOWN_IOC_CLOSE:
		return rundown_ioc_close(rf, argp);
	case RUNDOWN_IOC_ACQUIRE:
		return rundown_ioc_acquire(rf, argp);
	case RUNDOWN_IOC_RELEASE:
		return rundown_ioc_release(rf, argp);
	case RUNDOWN_IOC_WAIT:
		return rundown_ioc_wait(rf, argp);
	case RUNDOWN_IOC_COMPLETE:
		return rundown_ioc_settle(rf, argp, false);
	case RUNDOWN_IOC_REINIT:
		return rundown_ioc_settle(rf, argp, true);
	case RUNDOWN_IOC_QUERY:
		return rundown_ioc_query(rf, argp);
	case RUNDOWN_IOC_BENCH:
		return rundown_bench_ioctl(file, argp);
	default:
		return -ENOTTY;
	}
}

/* ---- file ----------------------------------------------------------------- */

static int rundown_dev_open(struct inode *inode, struct file *file)
{
	struct rundown_file *rf;

	rf = kzalloc(sizeof(*rf), GFP_KERNEL_ACCOUNT);
	if (!rf)
		return -ENOMEM;
	mutex_init(&rf->lock);
	xa_init(&rf->objs);
	file->private_data = rf;
	return nonseekable_open(inode, file);
}

/*
 * Last close of the file, even by a process killed while holding
 * references: drop them all (waking the waiters) and detach.
 */
static int rundown_dev_release(struct inode *inode, struct file *file)
{
	struct rundown_file *rf = file->private_data;
	struct rundown_attach *att;
	unsigned long id;

	mutex_lock(&rf->lock);
	xa_for_each(&rf->objs, id, att) {
		xa_erase(&rf->objs, id);
		rundown_detach(att);
	}
	rf->nr_objs = 0;
	mutex_unlock(&rf->lock);
	xa_destroy(&rf->objs);
	mutex_destroy(&rf->lock);
	kfree(rf);
	return 0;
}

static const struct file_operations rundown_fops = {
	.owner		= THIS_MODULE,
	.open		= rundown_dev_open,
	.release	= rundown_dev_release,
	.unlocked_ioctl	= rundown_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= no_llseek,
};

static struct miscdevice rundown_misc = {
	.minor		= MISC_DYNAMIC_MINOR,
	.name		= RUNDOWN_DEVICE_NAME,
	.fops		= &rundown_fops,
	.mode		= 0600,
};

/*
 * /sys/kernel/debug/rundown/objects: every object alive, one line each.
 * Fields are read under the table's lock, which an object's final put
 * must take to erase it, so none is freed under us; each field is a
 * snapshot.
 */
static int rundown_objects_show(struct seq_file *m, void *unused)
{
	struct rundown_obj *obj;
	unsigned long id;
	const char *state;
	bool dying, drained;

	seq_puts(m, "id variant uid gid mode state held files waiters\n");
	xa_lock(&rundown_objs);
	xa_for_each(&rundown_objs, id, obj) {
		if (obj->variant == RUNDOWN_VARIANT_PCPU) {
			dying = !rundown_pcpu_is_active(&obj->pcpu);
			drained = rundown_pcpu_is_drained(&obj->pcpu);
		} else {
			dying = !rundown_is_active(&obj->ref);
			drained = rundown_is_drained(&obj->ref);
		}
		state = READ_ONCE(obj->completed) ? "completed" : drained ? "drained" :
			dying ? "dying" : "live";
		seq_printf(m, "%u %s %u %u %04o %s %lld %d %d\n", obj->id,
			   obj->variant == RUNDOWN_VARIANT_PCPU ? "pcpu" : "plain",
			   from_kuid(&init_user_ns, obj->uid),
			   from_kgid(&init_user_ns, obj->gid), obj->mode, state,
			   (long long)atomic64_read(&obj->total),
			   atomic_read(&obj->nr_files), atomic_read(&obj->waiters));
	}
	xa_unlock(&rundown_objs);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rundown_objects);

/**
 * rundown_dev_init - register /dev/rundown
 *
 * Context: module init.
 * Return: 0 or a negative errno from misc_register().
 */
int rundown_dev_init(void)
{
	/* Removed with the directory (rundown_track_exit_module()). */
	debugfs_create_file("objects", 0400, rundown_debugfs_dir(), NULL,
			    &rundown_objects_fops);
	return misc_register(&rundown_misc);
}

/**
 * rundown_dev_exit - unregister /dev/rundown
 *
 * No file is open (each pins the module), so no object is left, and no
 * user has one counted.
 *
 * Context: module exit.
 */
void rundown_dev_exit(void)
{
	misc_deregister(&rundown_misc);
	WARN_ON_ONCE(!xa_empty(&rundown_objs));
	WARN_ON_ONCE(!xa_empty(&rundown_users));
}

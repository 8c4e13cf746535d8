/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * /dev/rundown: run-down protection objects for userspace.
 *
 * Opening /dev/rundown gives a file that can create rundown objects, attach
 * to objects created by other files (by their global id), and acquire,
 * release, wait for, complete and re-initialise them. Every reference is
 * accounted to the file that took it: closing the file (or the process
 * dying, even by SIGKILL) releases what it held and detaches it. An object
 * is freed when the last file attached to it lets it go. A file shared by
 * fork() shares its references.
 *
 * Access, as for SysV IPC objects (semget(), shmget()): an object belongs
 * to the effective uid and gid of the task that created it and has a mode,
 * the permission bits given at CREATE (0 means 0600). OPEN by another file
 * needs both the read and the write bit of the caller's class: owner (the
 * caller's effective uid is the object's), group (the object's gid is the
 * caller's effective gid or one of its supplementary groups) or other;
 * CAP_IPC_OWNER overrides. Once attached, a file may do everything with the
 * object. Credentials are those of the calling task at the time of the
 * ioctl; QUERY reports the owner in the caller's user namespace.
 *
 * Each effective uid may have RUNDOWN_MAX_OBJECTS_PER_USER objects alive,
 * counted from CREATE until the object is freed (whichever files keep it
 * alive), and their memory is charged to the creator's memory cgroup.
 *
 * Rules of this ABI: __u32/__u64 fields only, explicit padding that must be
 * zero (-EINVAL otherwise), output fields always fully written, one magic
 * number and sequential command numbers. Unknown commands fail with -ENOTTY.
 *
 * Errors common to the commands:
 *   -EINVAL     non-zero padding or reserved field, bad variant, mode or
 *               flags, a count of 0 or above RUNDOWN_COUNT_MAX, a release
 *               of more than this file holds on the object
 *   -ENOENT     unknown id, or an object this file is not attached to
 *   -EEXIST     OPEN of an object this file is already attached to
 *   -EACCES     OPEN of an object whose mode denies the caller read and
 *               write, without CAP_IPC_OWNER
 *   -EMFILE     RUNDOWN_MAX_OBJECTS_PER_FILE objects attached to this file
 *   -EDQUOT     CREATE by an effective uid that has
 *               RUNDOWN_MAX_OBJECTS_PER_USER objects alive
 *   -ENOSPC     RUNDOWN_MAX_OBJECTS objects alive in the system
 *   -ENOMEM     no memory, or the creator's memory cgroup is at its limit
 *   -EOVERFLOW  the object would hold more than RUNDOWN_COUNT_MAX references
 *   -ESHUTDOWN  ACQUIRE after run-down began
 *   -EBUSY      COMPLETE or REINIT of an object not run down, or with
 *               references held
 *   -EDEADLK    WAIT by a file that holds references on the object
 *   -ETIMEDOUT  WAIT's timeout expired (rounded up to the kernel's tick)
 *   -EINTR      WAIT, COMPLETE or REINIT ended by a fatal signal
 *   -EFAULT     bad argument pointer
 *
 * Ids are never 0. CLOSE releases the references the file holds on the
 * object. REINIT waits for WAITs already in progress on a drained object to
 * return (they do at once) before making it live again. COMPLETE and
 * REINIT of an object that no file holds references on, while a WAIT is
 * still finishing its run-down (the cache-aware variant's fence, one RCU
 * grace period), wait for it (killable) instead of failing with -EBUSY.
 */
#ifndef _UAPI_LINUX_RUNDOWN_H
#define _UAPI_LINUX_RUNDOWN_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define RUNDOWN_DEVICE_NAME	"rundown"

/* Object variants (struct rundown_ioc_create.variant). */
#define RUNDOWN_VARIANT_PLAIN	0	/* struct rundown_ref: one word */
#define RUNDOWN_VARIANT_PCPU	1	/* struct rundown_pcpu: cache-aware */

/* Limits. */
#define RUNDOWN_MAX_OBJECTS_PER_FILE	1024	/* attached objects per open file */
#define RUNDOWN_MAX_OBJECTS_PER_USER	4096	/* objects alive per creating euid */
#define RUNDOWN_MAX_OBJECTS		65536	/* objects alive in the system */
#define RUNDOWN_COUNT_MAX		0xffffffffULL	/* refs per call and per object */

/* struct rundown_ioc_create.mode: permission bits, owner/group/other. */
#define RUNDOWN_MODE_MASK	0777
#define RUNDOWN_MODE_DEFAULT	0600	/* what a mode of 0 means */

/**
 * struct rundown_ioc_create - RUNDOWN_IOC_CREATE
 * @variant: in, RUNDOWN_VARIANT_PLAIN or RUNDOWN_VARIANT_PCPU
 * @mode: in, permission bits within RUNDOWN_MODE_MASK, or 0 for
 *        RUNDOWN_MODE_DEFAULT; the object belongs to the caller's
 *        effective uid and gid
 * @id: out, the object's global id; the creating file is attached to it
 * @pad: must be zero
 */
struct rundown_ioc_create {
	__u32 variant;
	__u32 mode;
	__u32 id;
	__u32 pad;
};

/**
 * struct rundown_ioc_obj - RUNDOWN_IOC_OPEN, _CLOSE, _COMPLETE, _REINIT
 * @id: in, the object's global id
 * @pad: must be zero
 */
struct rundown_ioc_obj {
	__u32 id;
	__u32 pad;
};

/**
 * struct rundown_ioc_count - RUNDOWN_IOC_ACQUIRE and RUNDOWN_IOC_RELEASE
 * @id: in, the object's global id
 * @pad: must be zero
 * @count: in, 1..RUNDOWN_COUNT_MAX references
 *
 * ACQUIRE never blocks: it fails with -ESHUTDOWN once run-down has begun,
 * and with -EOVERFLOW when the object would hold more than
 * RUNDOWN_COUNT_MAX references. RELEASE fails with -EINVAL when @count
 * exceeds what this file holds on the object.
 */
struct rundown_ioc_count {
	__u32 id;
	__u32 pad;
	__u64 count;
};

/* struct rundown_ioc_wait.flags */
#define RUNDOWN_WAIT_TIMEOUT	0x1	/* honour timeout_ns */

/**
 * struct rundown_ioc_wait - RUNDOWN_IOC_WAIT
 * @id: in, the object's global id
 * @flags: in, RUNDOWN_WAIT_*; unknown bits give -EINVAL
 * @timeout_ns: in, relative timeout when RUNDOWN_WAIT_TIMEOUT is set,
 *              else must be zero
 *
 * Starts run-down (acquires fail from then on) and sleeps until every
 * reference is released. Returns 0, -ETIMEDOUT when the timeout expired,
 * -EDEADLK when this file itself holds references on the object (the wait
 * could never end), or is ended by a fatal signal. Run-down stays in
 * progress in every case and the wait may be repeated.
 */
struct rundown_ioc_wait {
	__u32 id;
	__u32 flags;
	__u64 timeout_ns;
};

/* struct rundown_ioc_query.state bits */
#define RUNDOWN_STATE_DYING	0x1	/* run-down begun: acquires fail */
#define RUNDOWN_STATE_COMPLETED	0x2	/* rundown_completed() was called */

/**
 * struct rundown_ioc_query - RUNDOWN_IOC_QUERY
 * @id: in, the object's global id
 * @pad: must be zero
 * @variant: out, RUNDOWN_VARIANT_*
 * @state: out, RUNDOWN_STATE_* bits
 * @held_by_file: out, references held through this file
 * @held_total: out, references held through all files
 * @nr_files: out, files attached to the object
 * @uid: out, the owner: the creator's effective uid, in the caller's user
 *       namespace (the overflow uid where it has no mapping)
 * @gid: out, the creator's effective gid, likewise
 * @mode: out, the permission bits (RUNDOWN_MODE_DEFAULT for a mode of 0)
 */
struct rundown_ioc_query {
	__u32 id;
	__u32 pad;
	__u32 variant;
	__u32 state;
	__u64 held_by_file;
	__u64 held_total;
	__u32 nr_files;
	__u32 uid;
	__u32 gid;
	__u32 mode;
};

#define RUNDOWN_IOC_MAGIC	0xB9

#define RUNDOWN_IOC_CREATE	_IOWR(RUNDOWN_IOC_MAGIC, 0, struct rundown_ioc_create)
#define RUNDOWN_IOC_OPEN	_IOW(RUNDOWN_IOC_MAGIC, 1, struct rundown_ioc_obj)
#define RUNDOWN_IOC_CLOSE	_IOW(RUNDOWN_IOC_MAGIC, 2, struct rundown_ioc_obj)
#define RUNDOWN_IOC_ACQUIRE	_IOW(RUNDOWN_IOC_MAGIC, 3, struct rundown_ioc_count)
#define RUNDOWN_IOC_RELEASE	_IOW(RUNDOWN_IOC_MAGIC, 4, struct rundown_ioc_count)
#define RUNDOWN_IOC_WAIT	_IOW(RUNDOWN_IOC_MAGIC, 5, struct rundown_ioc_wait)
#define RUNDOWN_IOC_COMPLETE	_IOW(RUNDOWN_IOC_MAGIC, 6, struct rundown_ioc_obj)
#define RUNDOWN_IOC_REINIT	_IOW(RUNDOWN_IOC_MAGIC, 7, struct rundown_ioc_obj)
#define RUNDOWN_IOC_QUERY	_IOWR(RUNDOWN_IOC_MAGIC, 8, struct rundown_ioc_query)
#define RUNDOWN_IOC_BENCH	_IOWR(RUNDOWN_IOC_MAGIC, 9, struct rundown_ioc_bench)

/*
 * RUNDOWN_IOC_BENCH: the in-kernel benchmarks (CAP_SYS_ADMIN, else -EPERM).
 *
 * Runs one workload over one mechanism with kthreads bound to the online
 * CPUs and returns the results in the same struct. Every mechanism has the
 * same read-side hooks (acquire, release) and teardown hooks (start
 * run-down and wait until the object may be freed; make it live again).
 * Readers check, under each successful acquire, that the object they reach
 * has not been freed (poisoned): @bad counts the reads that found it freed
 * and is 0 for every correct mechanism. The "none" mechanism runs the same
 * loops without any synchronisation (and never frees the object): the
 * baseline to subtract.
 *
 * Placement, over the online CPUs in order (c0, c1, ...): READ puts reader
 * i on c(i mod CPUs); HANDOFF puts pair p's acquirer on c(2p) and its
 * releaser on c(2p+1); TEARDOWN, REPLACE, ISOLATION and BATCH run the owner
 * (the thread that tears down) alone on c0 and the readers (the holder)
 * on the others. Without RUNDOWN_BENCH_OVERSUBSCRIBE the thread counts are
 * bounded so that no two threads share a CPU; with it, up to 4 x CPUs
 * readers wrap around the CPUs.
 *
 * Teardown latencies exclude the clock's own cost (@clock_ns, measured in
 * the run and subtracted from every sample). The call is ended by a fatal
 * signal (-EINTR); other signals are ignored until it finishes.
 */

/* Mechanisms (struct rundown_ioc_bench.mech); userspace maps names to ids. */
#define RUNDOWN_BENCH_RUNDOWN		0	/* rundown_acquire/release; rundown_wait */
#define RUNDOWN_BENCH_RUNDOWN_PCPU	1	/* the cache-aware variant */
#define RUNDOWN_BENCH_PERCPU_REF	2	/* tryget_live/put; kill, wait for release */
#define RUNDOWN_BENCH_SRCU		3	/* srcu_read_lock/unlock; synchronize_srcu */
#define RUNDOWN_BENCH_SRCU_EXP		4	/* ...; synchronize_srcu_expedited */
#define RUNDOWN_BENCH_RCU		5	/* rcu_read_lock/unlock; synchronize_rcu */
#define RUNDOWN_BENCH_RCU_EXP		6	/* ...; synchronize_rcu_expedited */
#define RUNDOWN_BENCH_RWSEM		7	/* down_read_trylock/up_read; down_write */
#define RUNDOWN_BENCH_PERCPU_RWSEM	8	/* percpu_down_read_trylock/up_read; _down_write */
#define RUNDOWN_BENCH_REFCOUNT		9	/* refcount_inc_not_zero/dec; wait for zero */
#define RUNDOWN_BENCH_NONE		10	/* the same loops, no synchronisation */
#define RUNDOWN_BENCH_CALL_RCU		11	/* rcu_read_lock/unlock; call_rcu, wait for it */
#define RUNDOWN_BENCH_RUNDOWN_PCPU_MANY	12	/* BATCH only: rundown_pcpu_wait_many() */
#define RUNDOWN_BENCH_RUNDOWN_PTR	13	/* rundown_ptr_get/put; rundown_ptr_replace */
#define RUNDOWN_BENCH_RUNDOWN_PTR_PCPU	14	/* the same on struct rundown_ptr_pcpu */
#define RUNDOWN_BENCH_NR_MECHS		15

/* Workloads (struct rundown_ioc_bench.workload). */
#define RUNDOWN_BENCH_READ	0	/* read-side throughput for @duration_ms */
#define RUNDOWN_BENCH_TEARDOWN	1	/* @samples teardowns, @threads readers */
#define RUNDOWN_BENCH_REPLACE	2	/* replace every @period_us under readers */
#define RUNDOWN_BENCH_ISOLATION	3	/* tear down A while a holder keeps B */
#define RUNDOWN_BENCH_BATCH	4	/* tear down @objects objects at once */
#define RUNDOWN_BENCH_HANDOFF	5	/* acquire on one CPU, release on another */
#define RUNDOWN_BENCH_NR_WORKLOADS	6

/* Flags (struct rundown_ioc_bench.flags). */
#define RUNDOWN_BENCH_OVERSUBSCRIBE	0x1	/* allow more threads than CPUs */

/* Limits; with RUNDOWN_BENCH_OVERSUBSCRIBE also at most 4 x online CPUs. */
#define RUNDOWN_BENCH_MAX_THREADS	1024
#define RUNDOWN_BENCH_MAX_DURATION_MS	10000	/* 10 s */
#define RUNDOWN_BENCH_MAX_CS_NS		100000	/* 100 us */
#define RUNDOWN_BENCH_MAX_SAMPLES	100000
#define RUNDOWN_BENCH_MAX_PERIOD_US	1000000	/* 1 s */
#define RUNDOWN_BENCH_MAX_OBJECTS	10000
#define RUNDOWN_BENCH_MAX_HOLD_US	100000	/* 100 ms */

/**
 * struct rundown_ioc_bench - RUNDOWN_IOC_BENCH
 * @mech: in, RUNDOWN_BENCH_<mechanism>; -EOPNOTSUPP for a workload the
 *        mechanism cannot run (HANDOFF where the release must come from
 *        the acquiring context: RCU, SRCU, the rwsems; BATCH for
 *        percpu_rwsem, which waits for one grace period per object;
 *        anything but BATCH for RUNDOWN_PCPU_MANY; anything but READ,
 *        TEARDOWN and REPLACE for the RUNDOWN_PTR ones, whose replacement
 *        publishes the next object: their readers check the object their
 *        get returned, and their teardown latency is the replace call)
 * @workload: in, RUNDOWN_BENCH_<workload>
 * @threads: in, READ: readers, 1..CPUs; HANDOFF: acquirer+releaser
 *           threads, even, 2..CPUs; TEARDOWN: readers, 0..CPUs-1;
 *           REPLACE: readers, 1..CPUs-1; ISOLATION (which runs one
 *           holder, needing 2 CPUs) and BATCH: 0. Up to 4 x CPUs (and
 *           RUNDOWN_BENCH_MAX_THREADS) with RUNDOWN_BENCH_OVERSUBSCRIBE.
 * @duration_ms: in, 1..RUNDOWN_BENCH_MAX_DURATION_MS: how long READ,
 *               HANDOFF and REPLACE run; the most the others may take
 *               (they stop early with fewer samples). The owner takes one
 *               sample at least, going on up to one second longer for it.
 * @cs_ns: in, critical-section length (busy wait while holding), 0 to
 *         RUNDOWN_BENCH_MAX_CS_NS
 * @samples: in, TEARDOWN, REPLACE, ISOLATION, BATCH:
 *           1..RUNDOWN_BENCH_MAX_SAMPLES latencies to record (BATCH: one
 *           per batch); READ, HANDOFF: must be zero
 * @period_us: in, TEARDOWN, REPLACE, ISOLATION, BATCH: the pause between
 *             two teardowns (0..RUNDOWN_BENCH_MAX_PERIOD_US; 0: none, the
 *             rate is the mechanism's); READ, HANDOFF: must be zero
 * @flags: in, 0 or RUNDOWN_BENCH_OVERSUBSCRIBE
 * @objects: in, BATCH: 1..RUNDOWN_BENCH_MAX_OBJECTS objects torn down
 *           together (one sample); others: must be zero
 * @hold_us: in, ISOLATION: 1..RUNDOWN_BENCH_MAX_HOLD_US, how long the
 *           holder keeps object B each time (sleeping where the read side
 *           may sleep, else busy) while the owner tears object A down;
 *           others: must be zero
 * @reserved_in: in, must be zero
 * @ops: out, acquire+release pairs the readers completed (HANDOFF: the
 *       pairs completed, each released on another CPU)
 * @refused: out, acquires that failed (the object was being torn down)
 * @bad: out, reads that found the object already freed: 0 unless broken
 * @elapsed_ns: out, wall time of the run (workers started to stopped)
 * @reader_ns: out, sum over the readers (HANDOFF: the acquirers) of the
 *             time each one ran
 * @replacements: out, teardowns done (BATCH: batches)
 * @lat_min_ns: out, teardown latency (start of run-down until the object
 *              may be freed; BATCH: until all may be freed; CALL_RCU:
 *              until the callback ran) over the recorded samples, less
 *              @clock_ns: minimum,
 * @lat_p50_ns: out, median,
 * @lat_p99_ns: out, 99th percentile,
 * @lat_max_ns: out, maximum,
 * @lat_mean_ns: out, and mean; all zero for READ and HANDOFF
 * @samples_done: out, latencies recorded
 * @nr_cpus: out, online CPUs during the run
 * @clock_ns: out, the median cost of reading the clock twice back to back
 * @enqueue_ns: out, CALL_RCU: median cost of the call_rcu() calls of one
 *              sample (BATCH: of all of them), less @clock_ns; else 0
 * @reserved_out: out, zero
 */
struct rundown_ioc_bench {
	__u32 mech;
	__u32 workload;
	__u32 threads;
	__u32 duration_ms;
	__u32 cs_ns;
	__u32 samples;
	__u32 period_us;
	__u32 flags;
	__u32 objects;
	__u32 hold_us;
	__u64 reserved_in[1];
	__u64 ops;
	__u64 refused;
	__u64 bad;
	__u64 elapsed_ns;
	__u64 reader_ns;
	__u64 replacements;
	__u64 lat_min_ns;
	__u64 lat_p50_ns;
	__u64 lat_p99_ns;
	__u64 lat_max_ns;
	__u64 lat_mean_ns;
	__u32 samples_done;
	__u32 nr_cpus;
	__u64 clock_ns;
	__u64 enqueue_ns;
	__u64 reserved_out[2];
};

#endif /* _UAPI_LINUX_RUNDOWN_H */

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
 * Rules of this ABI: __u32/__u64 fields only, explicit padding that must be
 * zero (-EINVAL otherwise), output fields always fully written, one magic
 * number and sequential command numbers. Unknown commands fail with -ENOTTY.
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
#define RUNDOWN_MAX_OBJECTS		65536	/* objects alive in the system */
#define RUNDOWN_COUNT_MAX		0xffffffffULL	/* refs per call and per object */

/**
 * struct rundown_ioc_create - RUNDOWN_IOC_CREATE
 * @variant: in, RUNDOWN_VARIANT_PLAIN or RUNDOWN_VARIANT_PCPU
 * @id: out, the object's global id; the creating file is attached to it
 */
struct rundown_ioc_create {
	__u32 variant;
	__u32 id;
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
 * @pad2: out, zero
 */
struct rundown_ioc_query {
	__u32 id;
	__u32 pad;
	__u32 variant;
	__u32 state;
	__u64 held_by_file;
	__u64 held_total;
	__u32 nr_files;
	__u32 pad2;
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
/* 9: RUNDOWN_IOC_BENCH, the in-kernel benchmarks (CAP_SYS_ADMIN), below. */

#endif /* _UAPI_LINUX_RUNDOWN_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of /dev/rundown (uapi/linux/rundown.h), every case on both object
 * variants. Needs root and rundown.ko loaded; skips (exit 4) otherwise.
 *
 * Most cases run as root. Those of access control, the per-user limit and
 * the fuzz switch to two unprivileged users (UID_A, UID_B) in forked
 * children with setresuid(); for them main() makes the device node 0666
 * while the tests run, and puts its mode back afterwards.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/rundown.h>

#include "kselftest_harness.h"

#define DEV_PATH	"/dev/" RUNDOWN_DEVICE_NAME
#define POISON		0xcc

/* ---- one helper per ioctl; each returns 0 or -errno ---------------------- */

static int dev_open(void)
{
	return open(DEV_PATH, O_RDWR | O_CLOEXEC);
}

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static int rd_create_mode(int fd, __u32 variant, __u32 mode, __u32 *id)
{
	struct rundown_ioc_create args = {
		.variant = variant, .mode = mode, .id = 0xdeadbeef,
	};
	int ret = xioctl(fd, RUNDOWN_IOC_CREATE, &args);

	if (!ret)
		*id = args.id;
	return ret;
}

static int rd_create(int fd, __u32 variant, __u32 *id)
{
	return rd_create_mode(fd, variant, 0, id);
}

static int rd_obj(int fd, unsigned long cmd, __u32 id)
{
	struct rundown_ioc_obj args = { .id = id };

	return xioctl(fd, cmd, &args);
}

#define rd_openid(fd, id)	rd_obj(fd, RUNDOWN_IOC_OPEN, id)
#define rd_close(fd, id)	rd_obj(fd, RUNDOWN_IOC_CLOSE, id)
#define rd_complete(fd, id)	rd_obj(fd, RUNDOWN_IOC_COMPLETE, id)
#define rd_reinit(fd, id)	rd_obj(fd, RUNDOWN_IOC_REINIT, id)

static int rd_count(int fd, unsigned long cmd, __u32 id, __u64 count)
{
	struct rundown_ioc_count args = { .id = id, .count = count };

	return xioctl(fd, cmd, &args);
}

#define rd_acquire(fd, id, n)	rd_count(fd, RUNDOWN_IOC_ACQUIRE, id, n)
#define rd_release(fd, id, n)	rd_count(fd, RUNDOWN_IOC_RELEASE, id, n)

static int rd_wait(int fd, __u32 id)
{
	struct rundown_ioc_wait args = { .id = id };

	return xioctl(fd, RUNDOWN_IOC_WAIT, &args);
}

static int rd_wait_ns(int fd, __u32 id, __u64 ns)
{
	struct rundown_ioc_wait args = {
		.id = id, .flags = RUNDOWN_WAIT_TIMEOUT, .timeout_ns = ns,
	};

	return xioctl(fd, RUNDOWN_IOC_WAIT, &args);
}

/* QUERY with the output poisoned first: every output byte must be written. */
static int rd_query(int fd, __u32 id, struct rundown_ioc_query *q)
{
	memset(q, POISON, sizeof(*q));
	q->id = id;
	q->pad = 0;
	return xioctl(fd, RUNDOWN_IOC_QUERY, q);
}

static __u32 rd_state(int fd, __u32 id)
{
	struct rundown_ioc_query q;

	if (rd_query(fd, id, &q))
		return ~0U;
	return q.state;
}

/* Poll (not as an assertion) until a wait has started run-down on @id. */
static int wait_dying(int fd, __u32 id)
{
	int i;

	for (i = 0; i < 20000; i++) {
		__u32 state = rd_state(fd, id);

		if (state == ~0U)
			return -1;
		if (state & RUNDOWN_STATE_DYING)
			return 0;
		usleep(500);
	}
	return -1;
}

/* Whether @fd is readable now (a child reported), without blocking. */
static int readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

/* One-shot messages between processes over a pipe. */
static void put_int(int fd, int v)
{
	if (write(fd, &v, sizeof(v)) != sizeof(v))
		_exit(100);
}

static int get_int(int fd)
{
	int v;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return -1000;
	return v;
}

/*
 * In a forked child: die with the parent. A test that the harness kills
 * for its timeout must not leave children holding files open (rmmod
 * follows the tests). 0, or -1 if the parent is already gone.
 */
static int die_with_parent(void)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() == 1)
		return -1;
	return 0;
}

static void *shared_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* ---- fixture ---------------------------------------------------------- */

FIXTURE(rd) {
	int fd;
	__u32 id;
};

FIXTURE_VARIANT(rd) {
	__u32 variant;
};

FIXTURE_VARIANT_ADD(rd, plain) {
	.variant = RUNDOWN_VARIANT_PLAIN,
};

FIXTURE_VARIANT_ADD(rd, pcpu) {
	.variant = RUNDOWN_VARIANT_PCPU,
};

FIXTURE_SETUP(rd)
{
	self->fd = dev_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", DEV_PATH, strerror(errno));
	ASSERT_EQ(0, rd_create(self->fd, variant->variant, &self->id));
	ASSERT_NE(0, self->id);
}

FIXTURE_TEARDOWN(rd)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* A second file attached to the fixture's object. */
static int open_attached(__u32 id)
{
	int fd = dev_open();

	if (fd < 0)
		return -1;
	if (rd_openid(fd, id)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- success paths ----------------------------------------------------- */

TEST_F(rd, create_query)
{
	struct rundown_ioc_query q;
	__u32 id2;

	ASSERT_EQ(0, rd_query(self->fd, self->id, &q));
	EXPECT_EQ(self->id, q.id);
	EXPECT_EQ(0, q.pad);
	EXPECT_EQ(variant->variant, q.variant);
	EXPECT_EQ(0, q.state);
	EXPECT_EQ(0, q.held_by_file);
	EXPECT_EQ(0, q.held_total);
	EXPECT_EQ(1, q.nr_files);
	/* Root's, with the default mode. */
	EXPECT_EQ(0, q.uid);
	EXPECT_EQ(0, q.gid);
	EXPECT_EQ(RUNDOWN_MODE_DEFAULT, q.mode);

	ASSERT_EQ(0, rd_create(self->fd, variant->variant, &id2));
	EXPECT_NE(self->id, id2);
	EXPECT_NE(0, id2);
}

TEST_F(rd, acquire_release)
{
	struct rundown_ioc_query q;

	ASSERT_EQ(0, rd_acquire(self->fd, self->id, 1));
	ASSERT_EQ(0, rd_acquire(self->fd, self->id, 3));
	ASSERT_EQ(0, rd_query(self->fd, self->id, &q));
	EXPECT_EQ(4, q.held_by_file);
	EXPECT_EQ(4, q.held_total);
	EXPECT_EQ(0, q.state);
	ASSERT_EQ(0, rd_release(self->fd, self->id, 3));
	ASSERT_EQ(0, rd_release(self->fd, self->id, 1));
	ASSERT_EQ(0, rd_query(self->fd, self->id, &q));
	EXPECT_EQ(0, q.held_by_file);
	EXPECT_EQ(0, q.held_total);
}

TEST_F(rd, wait_idle_then_acquire_fails)
{
	ASSERT_EQ(0, rd_wait(self->fd, self->id));
	EXPECT_EQ(RUNDOWN_STATE_DYING, rd_state(self->fd, self->id));
	EXPECT_EQ(-ESHUTDOWN, rd_acquire(self->fd, self->id, 1));
	EXPECT_EQ(-ESHUTDOWN, rd_acquire(self->fd, self->id, 5));
	/* Repeatable, with or without a timeout. */
	EXPECT_EQ(0, rd_wait(self->fd, self->id));
	EXPECT_EQ(0, rd_wait_ns(self->fd, self->id, 0));
	EXPECT_EQ(0, rd_wait_ns(self->fd, self->id, UINT64_MAX));
	EXPECT_EQ(-ESHUTDOWN, rd_acquire(self->fd, self->id, 1));
}

TEST_F_TIMEOUT(rd, complete_reinit_cycles, 120)
{
	struct rundown_ioc_query q;
	int i;

	for (i = 0; i < 200; i++) {
		ASSERT_EQ(0, rd_acquire(self->fd, self->id, 2));
		ASSERT_EQ(0, rd_release(self->fd, self->id, 2));
		ASSERT_EQ(0, rd_wait(self->fd, self->id));
		ASSERT_EQ(-ESHUTDOWN, rd_acquire(self->fd, self->id, 1));
		ASSERT_EQ(0, rd_complete(self->fd, self->id));
		ASSERT_EQ(0, rd_query(self->fd, self->id, &q));
		ASSERT_EQ(RUNDOWN_STATE_DYING | RUNDOWN_STATE_COMPLETED, q.state);
		ASSERT_EQ(0, q.held_total);
		ASSERT_EQ(0, rd_reinit(self->fd, self->id));
		ASSERT_EQ(0, rd_state(self->fd, self->id));
	}
	/* REINIT without COMPLETE is fine too. */
	ASSERT_EQ(0, rd_wait(self->fd, self->id));
	ASSERT_EQ(0, rd_reinit(self->fd, self->id));
	ASSERT_EQ(0, rd_acquire(self->fd, self->id, 1));
	ASSERT_EQ(0, rd_release(self->fd, self->id, 1));
}

TEST_F(rd, complete_reinit_busy)
{
	int fd2 = open_attached(self->id);

	ASSERT_LE(0, fd2);
	/* Live: not run down. */
	EXPECT_EQ(-EBUSY, rd_complete(self->fd, self->id));
	EXPECT_EQ(-EBUSY, rd_reinit(self->fd, self->id));
	/* Run-down begun, a reference still held. */
	ASSERT_EQ(0, rd_acquire(self->fd, self->id, 1));
	ASSERT_EQ(-ETIMEDOUT, rd_wait_ns(fd2, self->id, 0));
	EXPECT_EQ(RUNDOWN_STATE_DYING, rd_state(fd2, self->id));
	EXPECT_EQ(-EBUSY, rd_complete(self->fd, self->id));
	EXPECT_EQ(-EBUSY, rd_reinit(fd2, self->id));
	EXPECT_EQ(-ESHUTDOWN, rd_acquire(fd2, self->id, 1));
	ASSERT_EQ(0, rd_release(self->fd, self->id, 1));
	/* Run down, nothing held: both work, from either file. */
	EXPECT_EQ(0, rd_complete(fd2, self->id));
	EXPECT_EQ(0, rd_complete(self->fd, self->id));
	EXPECT_EQ(0, rd_reinit(self->fd, self->id));
	EXPECT_EQ(-EBUSY, rd_reinit(self->fd, self->id));
	EXPECT_EQ(-EBUSY, rd_complete(fd2, self->id));
	close(fd2);
}

/* ---- bad input --------------------------------------------------------- */

TEST_F(rd, bad_padding)
{
	struct rundown_ioc_obj o = { .id = self->id, .pad = 1 };
	struct rundown_ioc_count c = { .id = self->id, .pad = 0x80000000, .count = 1 };
	struct rundown_ioc_query q;
	int fd2 = dev_open();

	ASSERT_LE(0, fd2);
	EXPECT_EQ(-EINVAL, xioctl(fd2, RUNDOWN_IOC_OPEN, &o));
	EXPECT_EQ(-EINVAL, xioctl(self->fd, RUNDOWN_IOC_CLOSE, &o));
	EXPECT_EQ(-EINVAL, xioctl(self->fd, RUNDOWN_IOC_COMPLETE, &o));
	EXPECT_EQ(-EINVAL, xioctl(self->fd, RUNDOWN_IOC_REINIT, &o));
	EXPECT_EQ(-EINVAL, xioctl(self->fd, RUNDOWN_IOC_ACQUIRE, &c));
	EXPECT_EQ(-EINVAL, xioctl(self->fd, RUNDOWN_IOC_RELEASE, &c));
	memset(&q, 0, sizeof(q));
	q.id = self->id;
	q.pad = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, RUNDOWN_IOC_QUERY, &q));
	/* Nothing happened. */
	EXPECT_EQ(-ENOENT, rd_close(fd2, self->id));
	ASSERT_EQ(0, rd_query(self->fd, self->id, &q));
	EXPECT_EQ(0, q.state);
	EXPECT_EQ(0, q.held_total);
	EXPECT_EQ(1, q.nr_files);
	close(fd2);
}

TEST_F(rd, bad_command)
{
	const unsigned long magic = RUNDOWN_IOC_MAGIC;
	const unsigned long cmds[] = {
		_IOW(magic, 10, struct rundown_ioc_obj),	/* unknown number */
		_IO(magic, 0xff),
		_IO(magic, 0),
		/* known numbers with the wrong size or direction */
		_IOW(magic, 3, struct rundown_ioc_obj),
		_IOW(magic, 1, struct rundown_ioc_count),
		_IOR(magic, 1, struct rundown_ioc_obj),
		_IOWR(magic, 8, __u64),
		/* CREATE and QUERY as they were before they grew */
		_IOWR(magic, 0, __u64),
		_IOWR(magic, 8, __u64[5]),
		/* another magic number */
		_IOW(magic + 1, 1, struct rundown_ioc_obj),
		0,
	};
	char buf[64] = { 0 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		unsigned long cmd = cmds[i];

		EXPECT_EQ(-ENOTTY, xioctl(self->fd, cmd, buf)) TH_LOG("cmd %#lx", cmd);
	}
}

TEST_F(rd, bad_variant)
{
	__u32 id = 0;

	EXPECT_EQ(-EINVAL, rd_create(self->fd, 2, &id));
	EXPECT_EQ(-EINVAL, rd_create(self->fd, 0xffffffff, &id));
	EXPECT_EQ(-EINVAL, rd_create(self->fd, variant->variant | 0x100, &id));
}

TEST_F(rd, bad_mode_and_create_padding)
{
	struct rundown_ioc_create c = { .variant = variant->variant, .pad = 1 };
	struct rundown_ioc_query q;
	__u32 id = 0;

	EXPECT_EQ(-EINVAL, rd_create_mode(self->fd, variant->variant, 01000, &id));
	EXPECT_EQ(-EINVAL, rd_create_mode(self->fd, variant->variant, 04600, &id));
	EXPECT_EQ(-EINVAL, rd_create_mode(self->fd, variant->variant, 0xffffffff, &id));
	EXPECT_EQ(-EINVAL, xioctl(self->fd, RUNDOWN_IOC_CREATE, &c));
	c.pad = 0x80000000;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, RUNDOWN_IOC_CREATE, &c));
	/* None of them created anything; every mode within 0777 works. */
	ASSERT_EQ(0, rd_query(self->fd, self->id, &q));
	EXPECT_EQ(1, q.nr_files);
	ASSERT_EQ(0, rd_create_mode(self->fd, variant->variant, 0777, &id));
	ASSERT_EQ(0, rd_query(self->fd, id, &q));
	EXPECT_EQ(0777, q.mode);
	ASSERT_EQ(0, rd_create_mode(self->fd, variant->variant, 0400, &id));
	ASSERT_EQ(0, rd_query(self->fd, id, &q));
	EXPECT_EQ(0400, q.mode);
}

TEST_F(rd, bad_wait_args)
{
	struct rundown_ioc_wait w = { .id = self->id, .flags = 2 };

	EXPECT_EQ(-EINVAL, xioctl(self->fd, RUNDOWN_IOC_WAIT, &w));
	w.flags = RUNDOWN_WAIT_TIMEOUT | 0x80000000;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, RUNDOWN_IOC_WAIT, &w));
	w.flags = 0;
	w.timeout_ns = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, RUNDOWN_IOC_WAIT, &w));
	/* None of these started run-down. */
	EXPECT_EQ(0, rd_state(self->fd, self->id));
}

TEST_F(rd, bad_release)
{
	struct rundown_ioc_query q;

	EXPECT_EQ(-EINVAL, rd_release(self->fd, self->id, 1));
	ASSERT_EQ(0, rd_acquire(self->fd, self->id, 2));
	EXPECT_EQ(-EINVAL, rd_release(self->fd, self->id, 3));
	EXPECT_EQ(-EINVAL, rd_release(self->fd, self->id, RUNDOWN_COUNT_MAX));
	EXPECT_EQ(0, rd_release(self->fd, self->id, 2));
	EXPECT_EQ(-EINVAL, rd_release(self->fd, self->id, 1));
	ASSERT_EQ(0, rd_query(self->fd, self->id, &q));
	EXPECT_EQ(0, q.held_total);
}

TEST_F(rd, count_zero)
{
	EXPECT_EQ(-EINVAL, rd_acquire(self->fd, self->id, 0));
	EXPECT_EQ(-EINVAL, rd_release(self->fd, self->id, 0));
	EXPECT_EQ(0, rd_state(self->fd, self->id));
}

TEST_F(rd, count_limits)
{
	struct rundown_ioc_query q;

	EXPECT_EQ(-EINVAL, rd_acquire(self->fd, self->id, RUNDOWN_COUNT_MAX + 1));
	EXPECT_EQ(-EINVAL, rd_acquire(self->fd, self->id, UINT64_MAX));
	EXPECT_EQ(-EINVAL, rd_release(self->fd, self->id, RUNDOWN_COUNT_MAX + 1));
	ASSERT_EQ(0, rd_acquire(self->fd, self->id, RUNDOWN_COUNT_MAX));
	EXPECT_EQ(-EOVERFLOW, rd_acquire(self->fd, self->id, 1));
	ASSERT_EQ(0, rd_query(self->fd, self->id, &q));
	EXPECT_EQ(RUNDOWN_COUNT_MAX, q.held_by_file);
	EXPECT_EQ(RUNDOWN_COUNT_MAX, q.held_total);
	ASSERT_EQ(0, rd_release(self->fd, self->id, 1));
	ASSERT_EQ(0, rd_acquire(self->fd, self->id, 1));
	ASSERT_EQ(0, rd_release(self->fd, self->id, RUNDOWN_COUNT_MAX));
	ASSERT_EQ(0, rd_query(self->fd, self->id, &q));
	EXPECT_EQ(0, q.held_total);
	/* Still consistent: a wait finishes at once. */
	EXPECT_EQ(0, rd_wait_ns(self->fd, self->id, 0));
}

TEST_F(rd, object_total_cap)
{
	struct rundown_ioc_query q;
	int fd2 = open_attached(self->id);
	int fd3 = open_attached(self->id);

	ASSERT_LE(0, fd2);
	ASSERT_LE(0, fd3);
	ASSERT_EQ(0, rd_acquire(self->fd, self->id, RUNDOWN_COUNT_MAX - 1));
	EXPECT_EQ(-EOVERFLOW, rd_acquire(fd2, self->id, 2));
	EXPECT_EQ(-EOVERFLOW, rd_acquire(fd2, self->id, RUNDOWN_COUNT_MAX));
	ASSERT_EQ(0, rd_acquire(fd2, self->id, 1));
	EXPECT_EQ(-EOVERFLOW, rd_acquire(fd3, self->id, 1));
	ASSERT_EQ(0, rd_query(fd3, self->id, &q));
	EXPECT_EQ(0, q.held_by_file);
	EXPECT_EQ(RUNDOWN_COUNT_MAX, q.held_total);
	EXPECT_EQ(3, q.nr_files);
	EXPECT_EQ(-ETIMEDOUT, rd_wait_ns(fd3, self->id, 1000000));
	ASSERT_EQ(0, rd_release(self->fd, self->id, RUNDOWN_COUNT_MAX - 1));
	EXPECT_EQ(-ETIMEDOUT, rd_wait_ns(fd3, self->id, 0));
	close(fd2);	/* releases its one reference */
	EXPECT_EQ(0, rd_wait(fd3, self->id));
	EXPECT_EQ(0, rd_complete(fd3, self->id));
	close(fd3);
}

TEST_F(rd, bad_id)
{
	static const __u32 ids[] = { 0, RUNDOWN_MAX_OBJECTS + 1, 0xffffffff };
	struct rundown_ioc_query q;
	unsigned int i;
	int fd2;

	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		__u32 id = ids[i];

		EXPECT_EQ(-ENOENT, rd_openid(self->fd, id));
		EXPECT_EQ(-ENOENT, rd_close(self->fd, id));
		EXPECT_EQ(-ENOENT, rd_acquire(self->fd, id, 1));
		EXPECT_EQ(-ENOENT, rd_release(self->fd, id, 1));
		EXPECT_EQ(-ENOENT, rd_wait(self->fd, id));
		EXPECT_EQ(-ENOENT, rd_wait_ns(self->fd, id, 1));
		EXPECT_EQ(-ENOENT, rd_complete(self->fd, id));
		EXPECT_EQ(-ENOENT, rd_reinit(self->fd, id));
		EXPECT_EQ(-ENOENT, rd_query(self->fd, id, &q));
	}
	/* An existing object that this file is not attached to. */
	fd2 = dev_open();
	ASSERT_LE(0, fd2);
	EXPECT_EQ(-ENOENT, rd_acquire(fd2, self->id, 1));
	EXPECT_EQ(-ENOENT, rd_release(fd2, self->id, 1));
	EXPECT_EQ(-ENOENT, rd_wait(fd2, self->id));
	EXPECT_EQ(-ENOENT, rd_complete(fd2, self->id));
	EXPECT_EQ(-ENOENT, rd_reinit(fd2, self->id));
	EXPECT_EQ(-ENOENT, rd_query(fd2, self->id, &q));
	EXPECT_EQ(-ENOENT, rd_close(fd2, self->id));
	EXPECT_EQ(0, rd_state(self->fd, self->id));
	close(fd2);
}

TEST_F(rd, double_open_and_close)
{
	struct rundown_ioc_query q;
	int fd2 = dev_open();

	ASSERT_LE(0, fd2);
	EXPECT_EQ(-EEXIST, rd_openid(self->fd, self->id));
	ASSERT_EQ(0, rd_openid(fd2, self->id));
	EXPECT_EQ(-EEXIST, rd_openid(fd2, self->id));
	ASSERT_EQ(0, rd_query(fd2, self->id, &q));
	EXPECT_EQ(2, q.nr_files);
	ASSERT_EQ(0, rd_close(fd2, self->id));
	EXPECT_EQ(-ENOENT, rd_close(fd2, self->id));
	EXPECT_EQ(-ENOENT, rd_query(fd2, self->id, &q));
	ASSERT_EQ(0, rd_query(self->fd, self->id, &q));
	EXPECT_EQ(1, q.nr_files);
	/* Re-attaching after CLOSE works. */
	EXPECT_EQ(0, rd_openid(fd2, self->id));
	close(fd2);
}

TEST_F(rd, bad_pointers)
{
	static const unsigned long cmds[] = {
		RUNDOWN_IOC_CREATE, RUNDOWN_IOC_OPEN, RUNDOWN_IOC_CLOSE,
		RUNDOWN_IOC_ACQUIRE, RUNDOWN_IOC_RELEASE, RUNDOWN_IOC_WAIT,
		RUNDOWN_IOC_COMPLETE, RUNDOWN_IOC_REINIT, RUNDOWN_IOC_QUERY,
	};
	struct rundown_ioc_create *c;
	struct rundown_ioc_query *q;
	unsigned int i;
	char *ro;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		EXPECT_EQ(-EFAULT, xioctl(self->fd, cmds[i], NULL));
		EXPECT_EQ(-EFAULT, xioctl(self->fd, cmds[i], (void *)1));
		EXPECT_EQ(-EFAULT, xioctl(self->fd, cmds[i], (void *)-4096L));
	}
	/* Readable but not writable: the output cannot be copied out. */
	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	c = (void *)ro;
	c->variant = variant->variant;
	q = (void *)(ro + 64);
	q->id = self->id;
	ASSERT_EQ(0, mprotect(ro, 4096, PROT_READ));
	EXPECT_EQ(-EFAULT, xioctl(self->fd, RUNDOWN_IOC_CREATE, c));
	EXPECT_EQ(-EFAULT, xioctl(self->fd, RUNDOWN_IOC_QUERY, q));
	munmap(ro, 4096);
	EXPECT_EQ(0, rd_state(self->fd, self->id));
}

TEST_F_TIMEOUT(rd, too_many_objects_per_file, 120)
{
	struct rundown_ioc_query q;
	__u32 id, other;
	int fd2 = dev_open();
	int i;

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, rd_create(fd2, variant->variant, &other));
	/* The fixture's file has one object already. */
	for (i = 1; i < RUNDOWN_MAX_OBJECTS_PER_FILE; i++)
		ASSERT_EQ(0, rd_create(self->fd, variant->variant, &id));
	EXPECT_EQ(-EMFILE, rd_create(self->fd, variant->variant, &id));
	EXPECT_EQ(-EMFILE, rd_openid(self->fd, other));
	ASSERT_EQ(0, rd_close(self->fd, id));
	ASSERT_EQ(0, rd_openid(self->fd, other));
	EXPECT_EQ(-EMFILE, rd_create(self->fd, variant->variant, &id));
	ASSERT_EQ(0, rd_query(fd2, other, &q));
	EXPECT_EQ(2, q.nr_files);
	close(fd2);
}

/* ---- waits and processes ---------------------------------------------- */

TEST_F(rd, wait_blocks_until_release_by_other_process)
{
	int *shared = shared_alloc(4096);
	int p[2], status;
	pid_t pid;

	ASSERT_NE(NULL, shared);
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, rd_acquire(self->fd, self->id, 3));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd2 = open_attached(self->id);
		int ret;

		if (fd2 < 0)
			_exit(1);
		ret = rd_wait(fd2, self->id);
		/* Everything the holder did before releasing is visible. */
		put_int(p[1], ret ? ret : atomic_load(&shared[0]));
		_exit(0);
	}
	ASSERT_EQ(0, wait_dying(self->fd, self->id));
	EXPECT_EQ(-ESHUTDOWN, rd_acquire(self->fd, self->id, 1));
	EXPECT_FALSE(readable(p[0]));
	ASSERT_EQ(0, rd_release(self->fd, self->id, 2));
	EXPECT_FALSE(readable(p[0]));
	atomic_store(&shared[0], 42);
	ASSERT_EQ(0, rd_release(self->fd, self->id, 1));
	EXPECT_EQ(42, get_int(p[0]));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(0, rd_complete(self->fd, self->id));
}

struct waiter {
	int fd;
	__u32 id;
	int ret;
	bool timed;
	__u64 ns;
	pthread_t thread;
};

static void *waiter_fn(void *arg)
{
	struct waiter *w = arg;

	w->ret = w->timed ? rd_wait_ns(w->fd, w->id, w->ns) : rd_wait(w->fd, w->id);
	return NULL;
}

TEST_F(rd, killed_holder_unblocks_waiter)
{
	struct waiter w = { .fd = self->fd, .id = self->id, .ret = 1 };
	int ready[2], status;
	pid_t pid;

	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd2 = open_attached(self->id);

		if (fd2 < 0 || rd_acquire(fd2, self->id, 7))
			_exit(1);
		put_int(ready[1], 1);
		for (;;)
			pause();
	}
	ASSERT_EQ(1, get_int(ready[0]));
	ASSERT_EQ(0, pthread_create(&w.thread, NULL, waiter_fn, &w));
	ASSERT_EQ(0, wait_dying(self->fd, self->id));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(0, pthread_join(w.thread, NULL));
	EXPECT_EQ(0, w.ret);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	EXPECT_EQ(RUNDOWN_STATE_DYING, rd_state(self->fd, self->id));
	EXPECT_EQ(0, rd_complete(self->fd, self->id));
	EXPECT_EQ(0, rd_reinit(self->fd, self->id));
}

TEST_F(rd, killed_waiter_leaves_object_consistent)
{
	struct rundown_ioc_query q;
	int status, fd3;
	pid_t pid;

	ASSERT_EQ(0, rd_acquire(self->fd, self->id, 1));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd2 = open_attached(self->id);

		if (fd2 < 0)
			_exit(1);
		rd_wait(fd2, self->id);
		_exit(2);	/* must not get here */
	}
	ASSERT_EQ(0, wait_dying(self->fd, self->id));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	ASSERT_EQ(0, rd_query(self->fd, self->id, &q));
	EXPECT_EQ(RUNDOWN_STATE_DYING, q.state);
	EXPECT_EQ(1, q.held_total);
	EXPECT_EQ(1, q.nr_files);
	EXPECT_EQ(-ESHUTDOWN, rd_acquire(self->fd, self->id, 1));
	EXPECT_EQ(-EBUSY, rd_reinit(self->fd, self->id));

	fd3 = open_attached(self->id);
	ASSERT_LE(0, fd3);
	EXPECT_EQ(-ETIMEDOUT, rd_wait_ns(fd3, self->id, 0));
	ASSERT_EQ(0, rd_release(self->fd, self->id, 1));
	EXPECT_EQ(0, rd_wait(fd3, self->id));
	EXPECT_EQ(0, rd_complete(fd3, self->id));
	EXPECT_EQ(0, rd_reinit(self->fd, self->id));
	EXPECT_EQ(0, rd_acquire(self->fd, self->id, 1));
	EXPECT_EQ(0, rd_release(self->fd, self->id, 1));
	close(fd3);
}

TEST_F(rd, deadlock_refused)
{
	ASSERT_EQ(0, rd_acquire(self->fd, self->id, 1));
	EXPECT_EQ(-EDEADLK, rd_wait(self->fd, self->id));
	EXPECT_EQ(-EDEADLK, rd_wait_ns(self->fd, self->id, 1000));
	/* Refused before starting run-down. */
	EXPECT_EQ(0, rd_state(self->fd, self->id));
	ASSERT_EQ(0, rd_release(self->fd, self->id, 1));
	EXPECT_EQ(0, rd_wait(self->fd, self->id));
}

TEST_F(rd, timeouts)
{
	struct timespec t0, t1;
	int fd2 = open_attached(self->id);
	long long ns;

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, rd_acquire(self->fd, self->id, 1));
	EXPECT_EQ(-ETIMEDOUT, rd_wait_ns(fd2, self->id, 0));
	EXPECT_EQ(-ETIMEDOUT, rd_wait_ns(fd2, self->id, 1));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EXPECT_EQ(-ETIMEDOUT, rd_wait_ns(fd2, self->id, 50000000));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = (t1.tv_sec - t0.tv_sec) * 1000000000LL + t1.tv_nsec - t0.tv_nsec;
	EXPECT_LE(50000000LL, ns);	/* never early */
	EXPECT_EQ(RUNDOWN_STATE_DYING, rd_state(fd2, self->id));
	ASSERT_EQ(0, rd_release(self->fd, self->id, 1));
	EXPECT_EQ(0, rd_wait_ns(fd2, self->id, 50000000));
	EXPECT_EQ(0, rd_wait_ns(fd2, self->id, 0));
	close(fd2);
}

TEST_F(rd, timeout_huge)
{
	struct waiter w = {
		.id = self->id, .ret = 1, .timed = true, .ns = UINT64_MAX,
	};

	/* A timeout too long to express is a wait without one. */
	w.fd = open_attached(self->id);
	ASSERT_LE(0, w.fd);
	ASSERT_EQ(0, rd_acquire(self->fd, self->id, 1));
	ASSERT_EQ(0, pthread_create(&w.thread, NULL, waiter_fn, &w));
	ASSERT_EQ(0, wait_dying(self->fd, self->id));
	ASSERT_EQ(0, rd_release(self->fd, self->id, 1));
	ASSERT_EQ(0, pthread_join(w.thread, NULL));
	EXPECT_EQ(0, w.ret);
	close(w.fd);
}

TEST_F(rd, shared_between_files)
{
	struct rundown_ioc_query q;
	int fd2 = open_attached(self->id);

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, rd_acquire(fd2, self->id, 2));
	ASSERT_EQ(0, rd_acquire(self->fd, self->id, 1));
	ASSERT_EQ(0, rd_query(self->fd, self->id, &q));
	EXPECT_EQ(1, q.held_by_file);
	EXPECT_EQ(3, q.held_total);
	EXPECT_EQ(2, q.nr_files);
	/* A file releases only what it holds. */
	EXPECT_EQ(-EINVAL, rd_release(self->fd, self->id, 2));
	ASSERT_EQ(0, rd_release(self->fd, self->id, 1));
	/* Closing the file releases what it held. */
	close(fd2);
	ASSERT_EQ(0, rd_query(self->fd, self->id, &q));
	EXPECT_EQ(0, q.held_total);
	EXPECT_EQ(1, q.nr_files);
	EXPECT_EQ(0, rd_wait_ns(self->fd, self->id, 0));
}

TEST_F(rd, shared_across_fork)
{
	struct rundown_ioc_query q;
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Same file: its references are the parent's too. */
		if (rd_acquire(self->fd, self->id, 2))
			_exit(1);
		if (rd_release(self->fd, self->id, 1))
			_exit(2);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ASSERT_EQ(0, rd_query(self->fd, self->id, &q));
	EXPECT_EQ(1, q.held_by_file);
	EXPECT_EQ(1, q.held_total);
	EXPECT_EQ(1, q.nr_files);
	EXPECT_EQ(-EDEADLK, rd_wait(self->fd, self->id));
	ASSERT_EQ(0, rd_release(self->fd, self->id, 1));
	EXPECT_EQ(0, rd_wait(self->fd, self->id));
}

TEST_F(rd, freed_on_last_detach)
{
	struct rundown_ioc_query q;
	int fd2 = dev_open();
	__u32 id2;

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, rd_create(fd2, variant->variant, &id2));
	ASSERT_EQ(0, rd_openid(self->fd, id2));
	ASSERT_EQ(0, rd_acquire(fd2, id2, 1));
	close(fd2);
	/* Alive while this file is attached. */
	ASSERT_EQ(0, rd_query(self->fd, id2, &q));
	EXPECT_EQ(1, q.nr_files);
	EXPECT_EQ(0, q.held_total);
	ASSERT_EQ(0, rd_close(self->fd, id2));
	EXPECT_EQ(-ENOENT, rd_openid(self->fd, id2));

	/* Freed when the last file closes. */
	fd2 = dev_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, rd_create(fd2, variant->variant, &id2));
	ASSERT_EQ(0, rd_acquire(fd2, id2, 5));
	close(fd2);
	EXPECT_EQ(-ENOENT, rd_openid(self->fd, id2));
}

TEST_F(rd, close_with_refs_unblocks_waiter)
{
	struct waiter w = { .fd = self->fd, .id = self->id, .ret = 1 };
	struct rundown_ioc_query q;
	int fd2 = open_attached(self->id);

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, rd_acquire(fd2, self->id, 4));
	ASSERT_EQ(0, pthread_create(&w.thread, NULL, waiter_fn, &w));
	ASSERT_EQ(0, wait_dying(self->fd, self->id));
	ASSERT_EQ(0, rd_close(fd2, self->id));
	ASSERT_EQ(0, pthread_join(w.thread, NULL));
	EXPECT_EQ(0, w.ret);
	ASSERT_EQ(0, rd_query(self->fd, self->id, &q));
	EXPECT_EQ(0, q.held_total);
	EXPECT_EQ(1, q.nr_files);
	close(fd2);
}

TEST_F(rd, wait_survives_close_of_its_object)
{
	/* One file: a thread waits on an object that another thread detaches. */
	struct rundown_ioc_query q;
	struct waiter w = { .id = self->id, .ret = 1 };

	w.fd = open_attached(self->id);
	ASSERT_LE(0, w.fd);
	ASSERT_EQ(0, rd_acquire(self->fd, self->id, 1));
	ASSERT_EQ(0, pthread_create(&w.thread, NULL, waiter_fn, &w));
	ASSERT_EQ(0, wait_dying(self->fd, self->id));
	ASSERT_EQ(0, rd_close(w.fd, self->id));
	ASSERT_EQ(0, rd_query(self->fd, self->id, &q));
	EXPECT_EQ(1, q.nr_files);
	EXPECT_EQ(-ENOENT, rd_query(w.fd, self->id, &q));
	ASSERT_EQ(0, rd_release(self->fd, self->id, 1));
	ASSERT_EQ(0, pthread_join(w.thread, NULL));
	EXPECT_EQ(0, w.ret);

	/* And when the waiter's object loses its last file meanwhile. */
	close(self->fd);
	self->fd = dev_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, rd_create(self->fd, variant->variant, &self->id));
	w.id = self->id;
	ASSERT_EQ(0, rd_openid(w.fd, self->id));
	ASSERT_EQ(0, rd_acquire(self->fd, self->id, 1));
	ASSERT_EQ(0, pthread_create(&w.thread, NULL, waiter_fn, &w));
	ASSERT_EQ(0, wait_dying(self->fd, self->id));
	ASSERT_EQ(0, rd_close(w.fd, self->id));
	close(self->fd);	/* the last file: releases, the waiter returns */
	self->fd = -1;
	ASSERT_EQ(0, pthread_join(w.thread, NULL));
	EXPECT_EQ(0, w.ret);
	close(w.fd);
}

TEST_F(rd, concurrent_waiters_and_reinit)
{
	struct waiter w[4];
	int i, fd2 = open_attached(self->id);

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, rd_acquire(self->fd, self->id, 1));
	for (i = 0; i < 4; i++) {
		w[i].fd = fd2;
		w[i].id = self->id;
		w[i].ret = 1;
		ASSERT_EQ(0, pthread_create(&w[i].thread, NULL, waiter_fn, &w[i]));
	}
	ASSERT_EQ(0, wait_dying(self->fd, self->id));
	ASSERT_EQ(0, rd_release(self->fd, self->id, 1));
	/*
	 * REINIT right away: it lets the waits in progress finish first. A
	 * waiter that had not started yet runs the object down again.
	 */
	EXPECT_EQ(0, rd_reinit(self->fd, self->id));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, pthread_join(w[i].thread, NULL));
		EXPECT_EQ(0, w[i].ret);
	}
	EXPECT_EQ(0, rd_wait(self->fd, self->id));
	EXPECT_EQ(0, rd_reinit(self->fd, self->id));
	EXPECT_EQ(0, rd_acquire(self->fd, self->id, 1));
	EXPECT_EQ(0, rd_release(self->fd, self->id, 1));
	close(fd2);
}

/* ---- users: SysV-IPC-style access, the per-user limit, memory cgroups --- */

/* Two unprivileged users with a group each; main() made the node 0666. */
#define UID_A		61001
#define UID_B		61002
#define GID_A		62001
#define GID_B		62002

/* Who a forked child becomes: real, effective and saved ids alike. */
struct who {
	uid_t uid;
	gid_t gid;
	int ngroups;
	gid_t groups[2];	/* supplementary groups */
	__u32 caps;		/* capabilities kept, effective and permitted */
};

static const struct who user_a = { UID_A, GID_A };
static const struct who user_b = { UID_B, GID_B };
static const struct who user_b_in_group_a = { UID_B, GID_B, 1, { GID_A } };
static const struct who user_b_egid_a = { UID_B, GID_A };
static const struct who user_b_ipc_owner = {
	UID_B, GID_B, .caps = 1U << CAP_IPC_OWNER,
};
static const struct who user_b_dac_override = {
	UID_B, GID_B, .caps = 1U << CAP_DAC_OVERRIDE | 1U << CAP_SYS_ADMIN,
};

/*
 * In a forked child of root: become @w for good, and die with the parent
 * (a test the harness kills must not leave files open: rmmod follows).
 * 0 or -errno.
 */
static int become(const struct who *w)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {
		{ .effective = w->caps, .permitted = w->caps },
	};

	if (setgroups(w->ngroups, w->groups) || setresgid(w->gid, w->gid, w->gid))
		return -errno;
	if (w->caps && prctl(PR_SET_KEEPCAPS, 1))
		return -errno;
	if (setresuid(w->uid, w->uid, w->uid))
		return -errno;
	/* Only @caps left (none at all without KEEPCAPS), whatever root had. */
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	/* After the id changes, which clear the parent-death signal. */
	if (die_with_parent())
		return -ESRCH;
	return geteuid() == w->uid && getegid() == w->gid ? 0 : -EPERM;
}

/*
 * Run @fn(@arg) in a child that became @w and return what it returned
 * (0..252: by convention 0 or a positive errno), 255 if the child could
 * not become @w, 253/254 if it could not be run.
 */
static int as_user(const struct who *w, int (*fn)(const void *), const void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return 254;
	if (!pid)
		_exit(become(w) ? 255 : fn(arg));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 253;
	return WEXITSTATUS(status);
}

/* A child that became someone, did something and keeps it until stopped. */
struct keeper {
	pid_t pid;
	int ctl;	/* closing it ends the child */
};

/* Start it: @fn's result (as for as_user()) once it has run. */
static int keeper_start(struct keeper *k, const struct who *w,
			int (*fn)(const void *), const void *arg)
{
	int ready[2], ctl[2], ret;
	char c;

	if (pipe(ready) || pipe(ctl))
		return 254;
	k->pid = fork();
	if (k->pid < 0)
		return 254;
	if (!k->pid) {
		close(ready[0]);
		close(ctl[1]);
		put_int(ready[1], become(w) ? 255 : fn(arg));
		/* Keep the files open until the parent closes its end. */
		if (read(ctl[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	close(ctl[0]);
	k->ctl = ctl[1];
	ret = get_int(ready[0]);
	close(ready[0]);
	return ret < 0 ? 253 : ret;
}

static void keeper_stop(struct keeper *k)
{
	close(k->ctl);
	waitpid(k->pid, NULL, 0);
}

/* What the children work on, in memory shared with the test. */
struct objs {
	__u32 variant;
	int n;			/* objects to create (make_objs) */
	__u32 modes[8];		/* their modes */
	__u32 ids[8];		/* their ids */
	int created;		/* fill_quota: objects created */
	int files;		/* fill_quota: files opened */
	__u32 id;		/* open_obj, use_attached: the object */
	int fd;			/* use_attached: a file attached to it */
};

/* Create @o->n objects with @o->modes in one file. */
static int make_objs(const void *arg)
{
	struct objs *o = (struct objs *)arg;
	int i, ret, fd = dev_open();

	if (fd < 0)
		return 252;
	for (i = 0; i < o->n; i++) {
		ret = rd_create_mode(fd, o->variant, o->modes[i], &o->ids[i]);
		if (ret)
			return -ret;
	}
	return 0;
}

/* Attach @o->id and use it: 0, or the first errno. */
static int open_obj(const void *arg)
{
	const struct objs *o = arg;
	struct rundown_ioc_query q;
	int ret, fd = dev_open();

	if (fd < 0)
		return 252;
	ret = rd_openid(fd, o->id);
	if (!ret)
		ret = rd_acquire(fd, o->id, 1);
	if (!ret)
		ret = rd_release(fd, o->id, 1);
	if (!ret)
		ret = rd_query(fd, o->id, &q);
	if (!ret && q.nr_files < 2)
		ret = -EBADE;
	return -ret;
}

/* Create objects until refused, opening files as they fill up. */
static int fill_quota(const void *arg)
{
	struct objs *o = (struct objs *)arg;
	int fd = -1, in_file = 0, ret;
	__u32 id;

	for (;;) {
		if (fd < 0 || in_file == RUNDOWN_MAX_OBJECTS_PER_FILE) {
			fd = dev_open();
			if (fd < 0)
				return 252;
			o->files++;
			in_file = 0;
		}
		ret = rd_create(fd, o->variant, &id);
		if (ret)
			return -ret;
		o->created++;
		in_file++;
	}
}

/* One object more: 0 or the errno. */
static int create_one(const void *arg)
{
	const struct objs *o = arg;
	int fd = dev_open();
	__u32 id;

	if (fd < 0)
		return 252;
	return -rd_create(fd, o->variant, &id);
}

static struct objs *objs_alloc(__u32 variant)
{
	struct objs *o = shared_alloc(sizeof(*o));

	if (o)
		o->variant = variant;
	return o;
}

TEST_F(rd, access_owner_group_other)
{
	struct objs *o = objs_alloc(variant->variant);
	struct rundown_ioc_query q;
	struct keeper k;
	int i;

	ASSERT_NE(NULL, o);
	o->n = 5;
	o->modes[0] = 0;	/* 0600 */
	o->modes[1] = 0660;
	o->modes[2] = 0666;
	o->modes[3] = 0640;	/* the group may read only: not enough */
	o->modes[4] = 0006;	/* others only: not even the owner */
	ASSERT_EQ(0, keeper_start(&k, &user_a, make_objs, o));

	/* QUERY (as root, who may attach to anything) shows the owner. */
	for (i = 0; i < o->n; i++) {
		ASSERT_EQ(0, rd_openid(self->fd, o->ids[i])) TH_LOG("object %d", i);
		ASSERT_EQ(0, rd_query(self->fd, o->ids[i], &q));
		EXPECT_EQ(UID_A, q.uid);
		EXPECT_EQ(GID_A, q.gid);
		EXPECT_EQ(o->modes[i] ?: RUNDOWN_MODE_DEFAULT, q.mode);
	}

	/* 0600: the owner only (another file of the same uid included). */
	o->id = o->ids[0];
	EXPECT_EQ(0, as_user(&user_a, open_obj, o));
	EXPECT_EQ(EACCES, as_user(&user_b, open_obj, o));
	EXPECT_EQ(EACCES, as_user(&user_b_in_group_a, open_obj, o));
	/* 0660: members of the group, by supplementary group or egid. */
	o->id = o->ids[1];
	EXPECT_EQ(EACCES, as_user(&user_b, open_obj, o));
	EXPECT_EQ(0, as_user(&user_b_in_group_a, open_obj, o));
	EXPECT_EQ(0, as_user(&user_b_egid_a, open_obj, o));
	/* 0666: anyone. */
	o->id = o->ids[2];
	EXPECT_EQ(0, as_user(&user_b, open_obj, o));
	EXPECT_EQ(0, as_user(&user_a, open_obj, o));
	/* 0640: read without write is no access. */
	o->id = o->ids[3];
	EXPECT_EQ(EACCES, as_user(&user_b_in_group_a, open_obj, o));
	/* 0006: the owner's class decides, as for SysV IPC. */
	o->id = o->ids[4];
	EXPECT_EQ(EACCES, as_user(&user_a, open_obj, o));
	EXPECT_EQ(0, as_user(&user_b, open_obj, o));

	/* A refused OPEN attached nothing. */
	ASSERT_EQ(0, rd_query(self->fd, o->ids[0], &q));
	EXPECT_EQ(2, q.nr_files);	/* A's keeper and root; A's open_obj is gone */
	keeper_stop(&k);
	munmap(o, sizeof(*o));
}

/* One 0600 object of user A's, kept by @k: @o->id is it. NULL on failure. */
static struct objs *a_keeps_one(struct keeper *k, __u32 variant)
{
	struct objs *o = objs_alloc(variant);

	if (!o)
		return NULL;
	o->n = 1;
	if (keeper_start(k, &user_a, make_objs, o)) {
		munmap(o, sizeof(*o));
		return NULL;
	}
	o->id = o->ids[0];
	return o;
}

TEST_F(rd, access_cap_ipc_owner_overrides)
{
	struct keeper k;
	struct objs *o = a_keeps_one(&k, variant->variant);

	ASSERT_NE(NULL, o);
	/* CAP_IPC_OWNER alone opens a 0600 object of someone else... */
	EXPECT_EQ(0, as_user(&user_b_ipc_owner, open_obj, o));
	/* ...and nothing else does: not CAP_DAC_OVERRIDE, not CAP_SYS_ADMIN. */
	EXPECT_EQ(EACCES, as_user(&user_b_dac_override, open_obj, o));
	EXPECT_EQ(0, rd_openid(self->fd, o->id));	/* root */
	keeper_stop(&k);
	munmap(o, sizeof(*o));
}

/* Use @o->id through the inherited file @o->fd: 0, or the first errno. */
static int use_attached(const void *arg)
{
	const struct objs *o = arg;
	struct rundown_ioc_query q;
	int ret;

	ret = rd_acquire(o->fd, o->id, 2);
	if (!ret)
		ret = rd_release(o->fd, o->id, 2);
	if (!ret)
		ret = rd_query(o->fd, o->id, &q);
	if (!ret)
		ret = rd_wait(o->fd, o->id);
	if (!ret)
		ret = rd_complete(o->fd, o->id);
	if (!ret)
		ret = rd_reinit(o->fd, o->id);
	return -ret;
}

TEST_F(rd, access_checked_at_open_only)
{
	/*
	 * A file attached to an object may do everything with it, whoever
	 * uses the file: here root's, inherited by a child that became B.
	 */
	struct keeper k;
	struct objs *o = a_keeps_one(&k, variant->variant);

	ASSERT_NE(NULL, o);
	o->fd = self->fd;
	ASSERT_EQ(0, rd_openid(self->fd, o->id));
	EXPECT_EQ(EACCES, as_user(&user_b, open_obj, o));
	EXPECT_EQ(0, as_user(&user_b, use_attached, o));
	EXPECT_EQ(0, rd_state(self->fd, o->id));	/* B reinitialised it */
	/* Unknown ids stay -ENOENT for everyone: -EACCES only for real ones. */
	o->id = 0;
	EXPECT_EQ(ENOENT, as_user(&user_b, open_obj, o));
	keeper_stop(&k);
	munmap(o, sizeof(*o));
}

/*
 * The per-user limit counts objects of either variant alike: these tests
 * (fixture "users", no variants) run once, on plain objects; thousands of
 * cache-aware ones take minutes to create and free on the debug lane's
 * kernel. So does the fuzz.
 */
FIXTURE(users) {
	int unused;
};

FIXTURE_SETUP(users)
{
}

FIXTURE_TEARDOWN(users)
{
}

TEST_F_TIMEOUT(users, per_user_limit, 120)
{
	struct objs *a = objs_alloc(RUNDOWN_VARIANT_PLAIN);
	struct objs *b = objs_alloc(RUNDOWN_VARIANT_PLAIN);
	struct keeper ka, kb;

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	/* A fills its quota, across files. */
	ASSERT_EQ(EDQUOT, keeper_start(&ka, &user_a, fill_quota, a));
	EXPECT_EQ(RUNDOWN_MAX_OBJECTS_PER_USER, a->created);
	EXPECT_LT(RUNDOWN_MAX_OBJECTS_PER_USER / RUNDOWN_MAX_OBJECTS_PER_FILE, a->files);
	/* Another process of A's is refused too; B and root still create. */
	EXPECT_EQ(EDQUOT, as_user(&user_a, create_one, a));
	EXPECT_EQ(0, as_user(&user_b, create_one, b));
	EXPECT_EQ(0, create_one(b));
	/* So does B up to its own quota, while A's is full. */
	ASSERT_EQ(EDQUOT, keeper_start(&kb, &user_b, fill_quota, b));
	EXPECT_EQ(RUNDOWN_MAX_OBJECTS_PER_USER, b->created);
	keeper_stop(&kb);
	/* Freed objects give the quota back. */
	keeper_stop(&ka);
	EXPECT_EQ(0, as_user(&user_a, create_one, a));
	munmap(a, sizeof(*a));
	munmap(b, sizeof(*b));
}

TEST_F_TIMEOUT(users, per_user_limit_counts_until_freed, 120)
{
	/* An object kept alive by another user's file still counts for its creator. */
	struct objs *o = objs_alloc(RUNDOWN_VARIANT_PLAIN);
	struct objs *f = objs_alloc(RUNDOWN_VARIANT_PLAIN);
	int fd = dev_open();
	struct keeper k;

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, o);
	ASSERT_NE(NULL, f);
	o->n = 1;
	o->modes[0] = 0666;
	EXPECT_EQ(0, as_user(&user_a, make_objs, o));	/* gone with the child */
	EXPECT_EQ(-ENOENT, rd_openid(fd, o->ids[0]));
	ASSERT_EQ(0, keeper_start(&k, &user_a, make_objs, o));
	ASSERT_EQ(0, rd_openid(fd, o->ids[0]));
	keeper_stop(&k);	/* A let go; root's file keeps it */
	EXPECT_EQ(EDQUOT, as_user(&user_a, fill_quota, f));
	EXPECT_EQ(RUNDOWN_MAX_OBJECTS_PER_USER - 1, f->created);
	ASSERT_EQ(0, rd_close(fd, o->ids[0]));	/* freed now */
	EXPECT_EQ(0, as_user(&user_a, create_one, f));
	close(fd);
	munmap(o, sizeof(*o));
	munmap(f, sizeof(*f));
}

/* Write @val to the cgroup file @dir/@name: 0 or -errno. */
static int cg_write(const char *dir, const char *name, const char *val)
{
	char path[PATH_MAX];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Read @dir/@name into @buf: its length or -errno. */
static int cg_read(const char *dir, const char *name, char *buf, size_t size)
{
	char path[PATH_MAX];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return n;
}

static long long cg_current(const char *dir)
{
	char buf[64];

	return cg_read(dir, "memory.current", buf, sizeof(buf)) > 0 ?
	       atoll(buf) : -1;
}

#define CG_OBJECTS	4000	/* below the per-user limit */

/*
 * In a child: create CG_OBJECTS cache-aware objects in cgroup @dir and
 * report, in KiB, how much its memory.current grew. Pinned to one CPU, and
 * in cgroup @other for both readings, after a charged allocation there:
 * the CPU's charge stock then belongs to @other, so that @dir's readings
 * are what its objects hold, not up to 64 pages more or less.
 */
static int cg_child(const char *dir, const char *other, int out)
{
	long long before, after;
	cpu_set_t cpus;
	int i, fd = -1;
	char pid[32];
	__u32 id;

	CPU_ZERO(&cpus);
	CPU_SET(sched_getcpu(), &cpus);
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (sched_setaffinity(0, sizeof(cpus), &cpus) ||
	    cg_write(other, "cgroup.procs", pid) || dev_open() < 0)
		return 1;
	before = cg_current(dir);
	if (cg_write(dir, "cgroup.procs", pid))
		return 1;
	for (i = 0; i < CG_OBJECTS; i++) {
		if (i % RUNDOWN_MAX_OBJECTS_PER_FILE == 0)
			fd = dev_open();
		if (fd < 0 || rd_create(fd, RUNDOWN_VARIANT_PCPU, &id))
			return 2;
	}
	if (cg_write(other, "cgroup.procs", pid) || dev_open() < 0)
		return 3;
	after = cg_current(dir);
	if (before < 0 || after < 0)
		return 4;
	put_int(out, (int)((after - before) / 1024));
	return 0;
}

TEST(objects_charged_to_memory_cgroup)
{
	char root[] = "/tmp/rundown-cgroup-XXXXXX", buf[256];
	char dir[PATH_MAX], other[PATH_MAX + 8];
	int p[2], status, grew;
	pid_t pid;

	ASSERT_NE(NULL, mkdtemp(root));
	if (mount("none", root, "cgroup2", 0, NULL)) {
		rmdir(root);
		SKIP(return, "no cgroup2: %s", strerror(errno));
	}
	snprintf(dir, sizeof(dir), "%s/rundown-kselftest-%d", root, getpid());
	snprintf(other, sizeof(other), "%s-other", dir);
	if (cg_read(root, "cgroup.controllers", buf, sizeof(buf)) < 0 ||
	    !strstr(buf, "memory") ||
	    cg_write(root, "cgroup.subtree_control", "+memory") ||
	    mkdir(dir, 0755) || mkdir(other, 0755)) {
		rmdir(dir);
		umount(root);
		rmdir(root);
		SKIP(return, "no memory controller");
	}
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(die_with_parent() ? 5 : cg_child(dir, other, p[1]));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("child status %#x", status);
	grew = get_int(p[0]);
	TH_LOG("%d objects: memory.current grew by %d KiB", CG_OBJECTS, grew);
	/*
	 * Each object is a kmalloc()ed struct of more than 64 bytes, an
	 * attachment and its per-CPU counters (about 200 bytes in all, with
	 * 4 CPUs); uncharged, only the id tables' nodes would count (a few
	 * KiB in all: 4 when measured).
	 */
	EXPECT_LT(CG_OBJECTS * 64 / 1024, grew);
	rmdir(dir);
	rmdir(other);
	umount(root);
	rmdir(root);
}

/*
 * Fuzz: processes of both users and of root throw random ioctls at the
 * device (the known commands with random arguments, unknown ones with
 * random sizes), and share the ids they create; some of them are killed
 * midway, in waits or not. Afterwards the kernel must be intact: every
 * object they made is gone (each user can create its whole quota again)
 * and the device works. BENCH is left out (it is CAP_SYS_ADMIN and long).
 */
#define FUZZ_PROCS	2	/* per identity */
#define FUZZ_THREADS	2
#define FUZZ_SECONDS	2
#define FUZZ_IDS	64

struct fuzz {
	atomic_uint ids[FUZZ_IDS];	/* ids created, shared by everyone */
	atomic_long calls;
	atomic_int stop;
};

struct fuzz_thread {
	struct fuzz *z;
	int fd[2];
	unsigned long long rng;
	pthread_t thread;
};

static unsigned int fuzz_rand(struct fuzz_thread *t)
{
	/* xorshift64* */
	t->rng ^= t->rng >> 12;
	t->rng ^= t->rng << 25;
	t->rng ^= t->rng >> 27;
	return (unsigned int)((t->rng * 2685821657736338717ULL) >> 32);
}

static __u32 fuzz_id(struct fuzz_thread *t)
{
	unsigned int r = fuzz_rand(t);

	if (r % 8 == 0)
		return r >> 8;	/* anything */
	return atomic_load(&t->z->ids[(r >> 3) % FUZZ_IDS]);
}

static void fuzz_one(struct fuzz_thread *t)
{
	union {
		struct rundown_ioc_create c;
		struct rundown_ioc_obj o;
		struct rundown_ioc_count n;
		struct rundown_ioc_wait w;
		struct rundown_ioc_query q;
		unsigned char raw[256];
	} u;
	unsigned int r = fuzz_rand(t), op = r % 12;
	int fd = t->fd[(r >> 4) & 1];
	unsigned int i, size;
	unsigned long cmd;

	memset(&u, 0, sizeof(u));
	switch (op) {
	case 0:
		u.c.variant = fuzz_rand(t) % 3;		/* 2: invalid */
		u.c.mode = fuzz_rand(t) % 8 ? 0666 : fuzz_rand(t) & 07777;
		u.c.pad = !(fuzz_rand(t) % 16);
		if (!xioctl(fd, RUNDOWN_IOC_CREATE, &u.c))
			atomic_store(&t->z->ids[fuzz_rand(t) % FUZZ_IDS], u.c.id);
		break;
	case 1: case 2: case 3: case 4: case 5:
		u.o.id = fuzz_id(t);
		u.o.pad = !(fuzz_rand(t) % 32);
		cmd = (const unsigned long[]){ RUNDOWN_IOC_OPEN, RUNDOWN_IOC_CLOSE,
			RUNDOWN_IOC_COMPLETE, RUNDOWN_IOC_REINIT, RUNDOWN_IOC_OPEN }[op - 1];
		xioctl(fd, cmd, &u.o);
		break;
	case 6: case 7:
		u.n.id = fuzz_id(t);
		u.n.count = fuzz_rand(t) % 16 ? 1 + fuzz_rand(t) % 4 :
			    (__u64)fuzz_rand(t) << 32 | fuzz_rand(t);
		xioctl(fd, op == 6 ? RUNDOWN_IOC_ACQUIRE : RUNDOWN_IOC_RELEASE, &u.n);
		break;
	case 8:
		u.w.id = fuzz_id(t);
		u.w.flags = RUNDOWN_WAIT_TIMEOUT;
		u.w.timeout_ns = fuzz_rand(t) % 1000000;
		if (!(fuzz_rand(t) % 64))	/* untimed: ends when killed */
			u.w.flags = u.w.timeout_ns = 0;
		else if (!(fuzz_rand(t) % 16))
			u.w.flags = fuzz_rand(t);
		xioctl(fd, RUNDOWN_IOC_WAIT, &u.w);
		break;
	case 9:
		u.q.id = fuzz_id(t);
		xioctl(fd, RUNDOWN_IOC_QUERY, &u.q);
		break;
	case 10:	/* any command of ours but BENCH, any size and direction */
		for (i = 0; i < sizeof(u.raw); i++)
			u.raw[i] = fuzz_rand(t);
		size = fuzz_rand(t) % sizeof(u.raw);
		r = fuzz_rand(t);
		cmd = _IOC(r & 3, RUNDOWN_IOC_MAGIC, (r >> 2) % 16, size);
		if (_IOC_NR(cmd) != _IOC_NR(RUNDOWN_IOC_BENCH))
			xioctl(fd, cmd, &u);
		break;
	default:	/* a new file: the old one's references go */
		close(fd);
		t->fd[(r >> 4) & 1] = dev_open();
	}
	atomic_fetch_add(&t->z->calls, 1);
}

static void *fuzz_fn(void *arg)
{
	struct fuzz_thread *t = arg;

	while (!atomic_load(&t->z->stop))
		fuzz_one(t);
	return NULL;
}

/* One fuzzing process: FUZZ_THREADS threads, two files each. */
static int fuzz_proc(const void *arg)
{
	struct fuzz_thread t[FUZZ_THREADS];
	int i;

	for (i = 0; i < FUZZ_THREADS; i++) {
		t[i].z = (struct fuzz *)arg;
		t[i].fd[0] = dev_open();
		t[i].fd[1] = dev_open();
		t[i].rng = (unsigned long long)getpid() << 32 | (i + 1);
		if (pthread_create(&t[i].thread, NULL, fuzz_fn, &t[i]))
			return 1;
	}
	for (i = 0; i < FUZZ_THREADS; i++)
		pthread_join(t[i].thread, NULL);
	return 0;
}

static pid_t fuzz_start(const struct who *w, struct fuzz *z)
{
	pid_t pid = fork();

	if (!pid)
		_exit((w ? become(w) : die_with_parent()) ? 255 : fuzz_proc(z));
	return pid;
}

TEST_F_TIMEOUT(users, fuzz_two_users_and_root, 180)
{
	static const struct who *const whos[] = { &user_a, &user_b, NULL };
	struct fuzz *z = shared_alloc(sizeof(*z));
	pid_t pids[ARRAY_SIZE(whos) * FUZZ_PROCS];
	struct objs *o = objs_alloc(RUNDOWN_VARIANT_PLAIN);
	int i, status, killed = 0, fd = dev_open();
	__u32 id;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, rd_create(fd, RUNDOWN_VARIANT_PCPU, &id));
	ASSERT_NE(NULL, z);
	ASSERT_NE(NULL, o);
	for (i = 0; i < ARRAY_SIZE(pids); i++) {
		pids[i] = fuzz_start(whos[i % ARRAY_SIZE(whos)], z);
		ASSERT_LE(0, pids[i]);
	}
	sleep(FUZZ_SECONDS);
	/*
	 * Half of them die by SIGKILL wherever they are; the others are
	 * told to stop, and killed too when an untimed wait keeps them.
	 */
	for (i = 0; i < ARRAY_SIZE(pids); i += 2)
		kill(pids[i], SIGKILL);
	atomic_store(&z->stop, 1);
	usleep(200000);
	for (i = 1; i < ARRAY_SIZE(pids); i += 2)
		kill(pids[i], SIGKILL);
	for (i = 0; i < ARRAY_SIZE(pids); i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		killed += WIFSIGNALED(status);
		EXPECT_TRUE(WIFSIGNALED(status) || WEXITSTATUS(status) == 0);
	}
	TH_LOG("%ld calls, %d of %zu processes killed",
	       atomic_load(&z->calls), killed, ARRAY_SIZE(pids));
	EXPECT_LT(1000, atomic_load(&z->calls));

	/* Nothing of theirs is left: each user's quota is whole again. */
	EXPECT_EQ(EDQUOT, as_user(&user_a, fill_quota, o));
	EXPECT_EQ(RUNDOWN_MAX_OBJECTS_PER_USER, o->created);
	o->created = 0;
	EXPECT_EQ(EDQUOT, as_user(&user_b, fill_quota, o));
	EXPECT_EQ(RUNDOWN_MAX_OBJECTS_PER_USER, o->created);
	o->created = 0;
	EXPECT_EQ(EDQUOT, fill_quota(o));	/* root, as itself */
	EXPECT_EQ(RUNDOWN_MAX_OBJECTS_PER_USER - 1, o->created);	/* + @id */
	/* And the device works. */
	ASSERT_EQ(0, rd_acquire(fd, id, 2));
	ASSERT_EQ(0, rd_release(fd, id, 2));
	EXPECT_EQ(0, rd_wait(fd, id));
	EXPECT_EQ(0, rd_complete(fd, id));
	close(fd);
	munmap(z, sizeof(*z));
	munmap(o, sizeof(*o));
}

/* ---- hammering ---------------------------------------------------------- */

#define HAMMER_PROCS	4
#define HAMMER_THREADS	3
#define HAMMER_SECONDS	2

struct hammer {
	atomic_int inside;	/* holders inside their critical section */
	atomic_int down;	/* a wait returned and no REINIT since */
	atomic_int stop;
	atomic_long acquired;
	atomic_long refused;
	atomic_long violations;	/* inside while down */
	atomic_long errors;	/* unexpected errno */
	atomic_int ready;
};

struct hammer_thread {
	struct hammer *h;
	int fd;
	__u32 id;
	pthread_t thread;
};

static void *hammer_fn(void *arg)
{
	struct hammer_thread *t = arg;
	struct hammer *h = t->h;
	unsigned int n = 0;

	atomic_fetch_add(&h->ready, 1);
	while (!atomic_load(&h->stop)) {
		__u64 count = 1 + (n++ % 3);
		int ret = rd_acquire(t->fd, t->id, count);

		if (ret == -ESHUTDOWN) {
			atomic_fetch_add(&h->refused, 1);
			continue;
		}
		if (ret) {
			atomic_fetch_add(&h->errors, 1);
			continue;
		}
		atomic_fetch_add(&h->inside, 1);
		if (atomic_load(&h->down))
			atomic_fetch_add(&h->violations, 1);
		atomic_fetch_add(&h->acquired, 1);
		atomic_fetch_sub(&h->inside, 1);
		if (rd_release(t->fd, t->id, count))
			atomic_fetch_add(&h->errors, 1);
	}
	return NULL;
}

/* One process: HAMMER_THREADS threads on one file of its own. */
static int hammer_proc(struct hammer *h, __u32 id)
{
	struct hammer_thread t[HAMMER_THREADS];
	int i, fd = open_attached(id);

	if (fd < 0)
		return 1;
	for (i = 0; i < HAMMER_THREADS; i++) {
		t[i].h = h;
		t[i].fd = fd;
		t[i].id = id;
		if (pthread_create(&t[i].thread, NULL, hammer_fn, &t[i]))
			return 2;
	}
	for (i = 0; i < HAMMER_THREADS; i++)
		pthread_join(t[i].thread, NULL);
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * HAMMER_PROCS processes of HAMMER_THREADS threads acquire and release for
 * HAMMER_SECONDS while this process runs the object down, checks that
 * nobody is inside once the wait returned, and (with @reinit) brings it
 * back again and again.
 */
static void hammer(struct __test_metadata *_metadata, int fd, __u32 id,
		   bool reinit)
{
	struct hammer *h = shared_alloc(sizeof(*h));
	pid_t pids[HAMMER_PROCS];
	long cycles = 0, refused_after = 0;
	double end;
	int i, status;

	ASSERT_NE(NULL, h);
	for (i = 0; i < HAMMER_PROCS; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0)
			_exit(die_with_parent() ? 3 : hammer_proc(h, id));
	}
	while (atomic_load(&h->ready) < HAMMER_PROCS * HAMMER_THREADS)
		usleep(1000);

	end = now_s() + HAMMER_SECONDS;
	if (reinit) {
		while (now_s() < end) {
			usleep(200);
			ASSERT_EQ(0, rd_wait(fd, id));
			atomic_store(&h->down, 1);
			EXPECT_EQ(0, atomic_load(&h->inside));
			EXPECT_EQ(-ESHUTDOWN, rd_acquire(fd, id, 1));
			ASSERT_EQ(0, rd_complete(fd, id));
			atomic_store(&h->down, 0);
			ASSERT_EQ(0, rd_reinit(fd, id));
			cycles++;
		}
	} else {
		usleep(HAMMER_SECONDS * 500000);
		ASSERT_EQ(0, rd_wait(fd, id));
		atomic_store(&h->down, 1);
		EXPECT_EQ(0, atomic_load(&h->inside));
		refused_after = atomic_load(&h->refused);
		/*
		 * Acquires go on failing after the wait (the violations count
		 * says none succeeded): see some, however long the wait took
		 * on a loaded machine, then let the rest of the time run.
		 */
		for (i = 0; i < 1000 && atomic_load(&h->refused) <= refused_after; i++)
			usleep(10000);
		EXPECT_LT(refused_after, atomic_load(&h->refused));
		while (now_s() < end)
			usleep(10000);
		EXPECT_EQ(0, atomic_load(&h->inside));
	}
	atomic_store(&h->stop, 1);
	for (i = 0; i < HAMMER_PROCS; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	EXPECT_EQ(0, atomic_load(&h->violations));
	EXPECT_EQ(0, atomic_load(&h->errors));
	EXPECT_LT(0, atomic_load(&h->acquired));
	TH_LOG("acquired %ld refused %ld cycles %ld",
	       atomic_load(&h->acquired), atomic_load(&h->refused), cycles);
	if (reinit)
		EXPECT_LT(0, cycles);
	munmap(h, sizeof(*h));
}

TEST_F_TIMEOUT(rd, hammer_wait, 60)
{
	struct rundown_ioc_query q;

	hammer(_metadata, self->fd, self->id, false);
	ASSERT_EQ(0, rd_query(self->fd, self->id, &q));
	EXPECT_EQ(0, q.held_total);
	EXPECT_EQ(1, q.nr_files);
	EXPECT_EQ(RUNDOWN_STATE_DYING, q.state);
}

TEST_F_TIMEOUT(rd, hammer_reinit_cycles, 60)
{
	struct rundown_ioc_query q;

	hammer(_metadata, self->fd, self->id, true);
	ASSERT_EQ(0, rd_query(self->fd, self->id, &q));
	EXPECT_EQ(0, q.held_total);
	EXPECT_EQ(1, q.nr_files);
	EXPECT_EQ(0, q.state);
}

/* ---- RUNDOWN_IOC_BENCH: validation only, performance is never asserted -- */

/* The smallest valid READ run on the fixture's variant. */
static void bench_args(struct rundown_ioc_bench *b, __u32 variant)
{
	memset(b, 0, sizeof(*b));
	b->mech = variant == RUNDOWN_VARIANT_PCPU ?
		  RUNDOWN_BENCH_RUNDOWN_PCPU : RUNDOWN_BENCH_RUNDOWN;
	b->workload = RUNDOWN_BENCH_READ;
	b->threads = 1;
	b->duration_ms = 1;
}

/* The smallest valid run of @workload (duration: the most it may take). */
static void bench_args_for(struct rundown_ioc_bench *b, __u32 variant,
			   __u32 workload)
{
	bench_args(b, variant);
	b->workload = workload;
	switch (workload) {
	case RUNDOWN_BENCH_HANDOFF:
		b->threads = 2;
		b->duration_ms = 50;	/* time for both CPUs to run */
		break;
	case RUNDOWN_BENCH_TEARDOWN:
	case RUNDOWN_BENCH_REPLACE:
	case RUNDOWN_BENCH_ISOLATION:
	case RUNDOWN_BENCH_BATCH:
		b->threads = workload == RUNDOWN_BENCH_REPLACE;
		b->samples = 3;
		b->duration_ms = RUNDOWN_BENCH_MAX_DURATION_MS;
		if (workload == RUNDOWN_BENCH_REPLACE)
			b->duration_ms = 20;
		if (workload == RUNDOWN_BENCH_ISOLATION)
			b->hold_us = 1000;
		if (workload == RUNDOWN_BENCH_BATCH)
			b->objects = 10;
		break;
	}
}

/* BENCH with every output byte poisoned first: all must be written. */
static int rd_bench(int fd, struct rundown_ioc_bench *b)
{
	size_t out = offsetof(struct rundown_ioc_bench, ops);

	memset((char *)b + out, POISON, sizeof(*b) - out);
	return xioctl(fd, RUNDOWN_IOC_BENCH, b);
}

/* The outputs every run writes, whatever its workload. */
static void bench_expect_common(struct __test_metadata *_metadata,
				const struct rundown_ioc_bench *b)
{
	int i;

	EXPECT_EQ(0, b->bad);
	EXPECT_LT(0, b->nr_cpus);
	EXPECT_LT(0, b->elapsed_ns);
	/* The clock's cost: measured (a ns clock read twice), not the poison. */
	EXPECT_LT(0, b->clock_ns);
	EXPECT_GT(1000000, b->clock_ns);
	for (i = 0; i < 2; i++)
		EXPECT_EQ(0, b->reserved_out[i]);
}

static long online_cpus(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN);
}

TEST_F(rd, bench_read)
{
	struct rundown_ioc_bench b;

	bench_args(&b, variant->variant);
	ASSERT_EQ(0, rd_bench(self->fd, &b));
	EXPECT_LT(0, b.ops);
	EXPECT_EQ(0, b.replacements);
	EXPECT_EQ(0, b.samples_done);
	EXPECT_EQ(0, b.lat_p50_ns);
	EXPECT_EQ(0, b.enqueue_ns);
	bench_expect_common(_metadata, &b);
}

TEST_F(rd, bench_teardown)
{
	struct rundown_ioc_bench b;

	bench_args_for(&b, variant->variant, RUNDOWN_BENCH_TEARDOWN);
	ASSERT_EQ(0, rd_bench(self->fd, &b));
	EXPECT_EQ(3, b.samples_done);
	EXPECT_EQ(3, b.replacements);
	EXPECT_LE(b.lat_min_ns, b.lat_p50_ns);
	EXPECT_LE(b.lat_p50_ns, b.lat_max_ns);
	EXPECT_EQ(0, b.enqueue_ns);
	bench_expect_common(_metadata, &b);
}

/* Each workload on the variant's mechanism, and on the none baseline. */
TEST_F(rd, bench_workloads)
{
	static const __u32 wls[] = {
		RUNDOWN_BENCH_HANDOFF, RUNDOWN_BENCH_REPLACE,
		RUNDOWN_BENCH_ISOLATION, RUNDOWN_BENCH_BATCH,
	};
	struct rundown_ioc_bench b;
	unsigned int i, none;

	if (online_cpus() < 2)
		SKIP(return, "hand-off, replace and isolation need 2 CPUs");
	for (none = 0; none < 2; none++) {
		for (i = 0; i < sizeof(wls) / sizeof(wls[0]); i++) {
			bench_args_for(&b, variant->variant, wls[i]);
			if (none)
				b.mech = RUNDOWN_BENCH_NONE;
			ASSERT_EQ(0, rd_bench(self->fd, &b))
				TH_LOG("workload %u none %u", wls[i], none);
			bench_expect_common(_metadata, &b);
			if (wls[i] == RUNDOWN_BENCH_HANDOFF) {
				EXPECT_LT(0, b.ops);
				EXPECT_EQ(0, b.samples_done);
				continue;
			}
			EXPECT_LT(0, b.samples_done);
			EXPECT_LE(b.samples_done, 3);
			EXPECT_LE(b.samples_done, b.replacements);
			EXPECT_LE(b.lat_min_ns, b.lat_max_ns);
			if (wls[i] == RUNDOWN_BENCH_REPLACE) {
				EXPECT_LT(0, b.ops + b.refused);
			} else {
				EXPECT_EQ(0, b.ops);
			}
			if (wls[i] == RUNDOWN_BENCH_BATCH) {
				EXPECT_EQ(3, b.samples_done);
			}
		}
	}
}

/* call_rcu reports its enqueue cost; the others leave it zero. */
TEST_F(rd, bench_call_rcu)
{
	struct rundown_ioc_bench b;

	bench_args_for(&b, variant->variant, RUNDOWN_BENCH_BATCH);
	b.mech = RUNDOWN_BENCH_CALL_RCU;
	ASSERT_EQ(0, rd_bench(self->fd, &b));
	EXPECT_EQ(3, b.samples_done);
	EXPECT_LT(0, b.lat_min_ns);
	/* Ten call_rcu()s return long before the last callback runs. */
	EXPECT_LT(b.enqueue_ns, b.lat_p50_ns);
	bench_expect_common(_metadata, &b);
}

/* rundown_pcpu_wait_many() over a batch; the mechanism runs nothing else. */
TEST_F(rd, bench_pcpu_many)
{
	struct rundown_ioc_bench b;

	bench_args_for(&b, variant->variant, RUNDOWN_BENCH_BATCH);
	b.mech = RUNDOWN_BENCH_RUNDOWN_PCPU_MANY;
	ASSERT_EQ(0, rd_bench(self->fd, &b));
	EXPECT_EQ(3, b.samples_done);
	EXPECT_EQ(3, b.replacements);
	bench_expect_common(_metadata, &b);

	bench_args(&b, variant->variant);
	b.mech = RUNDOWN_BENCH_RUNDOWN_PCPU_MANY;
	EXPECT_EQ(-EOPNOTSUPP, rd_bench(self->fd, &b));
	bench_args_for(&b, variant->variant, RUNDOWN_BENCH_TEARDOWN);
	b.mech = RUNDOWN_BENCH_RUNDOWN_PCPU_MANY;
	EXPECT_EQ(-EOPNOTSUPP, rd_bench(self->fd, &b));
}

/*
 * The rundown-protected pointer on the fixture's variant: READ, TEARDOWN
 * and REPLACE, where a reader is never refused (an object is always
 * published) and never reaches a poisoned one; nothing else.
 */
TEST_F(rd, bench_ptr)
{
	static const __u32 no[] = {
		RUNDOWN_BENCH_ISOLATION, RUNDOWN_BENCH_BATCH,
		RUNDOWN_BENCH_HANDOFF,
	};
	__u32 mech = variant->variant == RUNDOWN_VARIANT_PCPU ?
		     RUNDOWN_BENCH_RUNDOWN_PTR_PCPU : RUNDOWN_BENCH_RUNDOWN_PTR;
	struct rundown_ioc_bench b;
	unsigned int i;

	bench_args(&b, variant->variant);
	b.mech = mech;
	ASSERT_EQ(0, rd_bench(self->fd, &b));
	EXPECT_LT(0, b.ops);
	EXPECT_EQ(0, b.refused);
	EXPECT_EQ(0, b.replacements);
	bench_expect_common(_metadata, &b);

	bench_args_for(&b, variant->variant, RUNDOWN_BENCH_TEARDOWN);
	b.mech = mech;
	ASSERT_EQ(0, rd_bench(self->fd, &b));
	EXPECT_EQ(3, b.samples_done);
	EXPECT_EQ(3, b.replacements);
	EXPECT_LE(b.lat_min_ns, b.lat_max_ns);
	bench_expect_common(_metadata, &b);

	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		bench_args_for(&b, variant->variant, no[i]);
		b.mech = mech;
		EXPECT_EQ(-EOPNOTSUPP, rd_bench(self->fd, &b))
			TH_LOG("workload %u", no[i]);
	}

	if (online_cpus() < 2)
		SKIP(return, "replace needs 2 CPUs");
	/* Every reader the CPUs allow, long enough to race many replacements. */
	bench_args_for(&b, variant->variant, RUNDOWN_BENCH_REPLACE);
	b.mech = mech;
	b.threads = (__u32)online_cpus() - 1;
	b.duration_ms = 200;
	ASSERT_EQ(0, rd_bench(self->fd, &b));
	EXPECT_LT(0, b.ops);
	EXPECT_EQ(0, b.refused);
	EXPECT_LT(0, b.replacements);
	EXPECT_LT(0, b.samples_done);
	bench_expect_common(_metadata, &b);
}

/* Hand-off needs releases from any context; batch is not for percpu_rwsem. */
TEST_F(rd, bench_unsupported)
{
	static const __u32 no_handoff[] = {
		RUNDOWN_BENCH_RCU, RUNDOWN_BENCH_RCU_EXP, RUNDOWN_BENCH_SRCU,
		RUNDOWN_BENCH_SRCU_EXP, RUNDOWN_BENCH_CALL_RCU,
		RUNDOWN_BENCH_RWSEM, RUNDOWN_BENCH_PERCPU_RWSEM,
	};
	struct rundown_ioc_bench b;
	unsigned int i;

	for (i = 0; i < sizeof(no_handoff) / sizeof(no_handoff[0]); i++) {
		bench_args_for(&b, variant->variant, RUNDOWN_BENCH_HANDOFF);
		b.mech = no_handoff[i];
		EXPECT_EQ(-EOPNOTSUPP, rd_bench(self->fd, &b))
			TH_LOG("mech %u", no_handoff[i]);
	}
	bench_args_for(&b, variant->variant, RUNDOWN_BENCH_BATCH);
	b.mech = RUNDOWN_BENCH_PERCPU_RWSEM;
	EXPECT_EQ(-EOPNOTSUPP, rd_bench(self->fd, &b));
}

TEST_F(rd, bench_bad_args)
{
	__u32 cpus = (__u32)online_cpus();
	struct rundown_ioc_bench b;

#define EXPECT_BENCH_EINVAL_FOR(wl, field, value) do {			\
	bench_args_for(&b, variant->variant, (wl));			\
	b.field = (value);						\
	EXPECT_EQ(-EINVAL, rd_bench(self->fd, &b))			\
		TH_LOG(#wl ": " #field " = " #value);			\
} while (0)
#define EXPECT_BENCH_EINVAL(field, value)				\
	EXPECT_BENCH_EINVAL_FOR(RUNDOWN_BENCH_READ, field, value)
	EXPECT_BENCH_EINVAL(mech, RUNDOWN_BENCH_NR_MECHS);
	EXPECT_BENCH_EINVAL(workload, RUNDOWN_BENCH_NR_WORKLOADS);
	EXPECT_BENCH_EINVAL(threads, 0);
	EXPECT_BENCH_EINVAL(threads, RUNDOWN_BENCH_MAX_THREADS + 1);
	EXPECT_BENCH_EINVAL(duration_ms, 0);
	EXPECT_BENCH_EINVAL(duration_ms, RUNDOWN_BENCH_MAX_DURATION_MS + 1);
	EXPECT_BENCH_EINVAL(cs_ns, RUNDOWN_BENCH_MAX_CS_NS + 1);
	EXPECT_BENCH_EINVAL(samples, 1);	/* READ takes no samples */
	EXPECT_BENCH_EINVAL(period_us, 1);	/* nor a period */
	EXPECT_BENCH_EINVAL(objects, 1);	/* nor objects */
	EXPECT_BENCH_EINVAL(hold_us, 1);	/* nor a hold */
	EXPECT_BENCH_EINVAL(flags, 2);
	EXPECT_BENCH_EINVAL(reserved_in[0], 1ULL << 63);

	/* One thread per CPU; the owner has a CPU of its own. */
	EXPECT_BENCH_EINVAL(threads, cpus + 1);
	EXPECT_BENCH_EINVAL_FOR(RUNDOWN_BENCH_TEARDOWN, threads, cpus);
	EXPECT_BENCH_EINVAL_FOR(RUNDOWN_BENCH_REPLACE, threads, cpus);
	EXPECT_BENCH_EINVAL_FOR(RUNDOWN_BENCH_REPLACE, threads, 0);
	EXPECT_BENCH_EINVAL_FOR(RUNDOWN_BENCH_HANDOFF, threads, 3);
	EXPECT_BENCH_EINVAL_FOR(RUNDOWN_BENCH_HANDOFF, threads, cpus + 2);
	EXPECT_BENCH_EINVAL_FOR(RUNDOWN_BENCH_HANDOFF, samples, 1);
	EXPECT_BENCH_EINVAL_FOR(RUNDOWN_BENCH_ISOLATION, threads, 1);
	EXPECT_BENCH_EINVAL_FOR(RUNDOWN_BENCH_BATCH, threads, 1);
	/* ... unless oversubscribing on purpose (a 1 ms run). */
	bench_args(&b, variant->variant);
	b.threads = cpus + 1;
	b.flags = RUNDOWN_BENCH_OVERSUBSCRIBE;
	EXPECT_EQ(0, rd_bench(self->fd, &b));
	EXPECT_EQ(0, b.bad);

	/* Samples, period, objects and hold out of range. */
	EXPECT_BENCH_EINVAL_FOR(RUNDOWN_BENCH_TEARDOWN, samples, 0);
	EXPECT_BENCH_EINVAL_FOR(RUNDOWN_BENCH_TEARDOWN, samples,
				RUNDOWN_BENCH_MAX_SAMPLES + 1);
	EXPECT_BENCH_EINVAL_FOR(RUNDOWN_BENCH_REPLACE, period_us,
				RUNDOWN_BENCH_MAX_PERIOD_US + 1);
	EXPECT_BENCH_EINVAL_FOR(RUNDOWN_BENCH_BATCH, objects, 0);
	EXPECT_BENCH_EINVAL_FOR(RUNDOWN_BENCH_BATCH, objects,
				RUNDOWN_BENCH_MAX_OBJECTS + 1);
	EXPECT_BENCH_EINVAL_FOR(RUNDOWN_BENCH_BATCH, hold_us, 1);
	EXPECT_BENCH_EINVAL_FOR(RUNDOWN_BENCH_ISOLATION, hold_us, 0);
	EXPECT_BENCH_EINVAL_FOR(RUNDOWN_BENCH_ISOLATION, hold_us,
				RUNDOWN_BENCH_MAX_HOLD_US + 1);
	EXPECT_BENCH_EINVAL_FOR(RUNDOWN_BENCH_ISOLATION, objects, 2);
#undef EXPECT_BENCH_EINVAL
#undef EXPECT_BENCH_EINVAL_FOR

	EXPECT_EQ(-EFAULT, xioctl(self->fd, RUNDOWN_IOC_BENCH, (void *)8));
}

TEST_F(rd, bench_needs_cap_sys_admin)
{
	struct rundown_ioc_bench b;
	int status;
	pid_t pid;

	bench_args(&b, variant->variant);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* The open file stays usable; the capability is gone. */
		if (setuid(65534))
			_exit(2);
		_exit(rd_bench(self->fd, &b) == -EPERM ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

static pid_t main_pid;
static mode_t dev_mode;

/* At exit (the harness exits from test_harness_run()): the node's mode back. */
static void restore_dev_mode(void)
{
	if (getpid() == main_pid && chmod(DEV_PATH, dev_mode))
		ksft_print_msg("could not restore the mode of %s\n", DEV_PATH);
}

int main(int argc, char **argv)
{
	struct stat st;
	int fd;

	if (geteuid() != 0)
		ksft_exit_skip("%s needs root\n", argv[0]);
	fd = dev_open();
	if (fd < 0 || fstat(fd, &st))
		ksft_exit_skip("cannot open %s (is rundown.ko loaded?): %s\n",
			       DEV_PATH, strerror(errno));
	close(fd);
	/* The unprivileged users' children open the node themselves. */
	main_pid = getpid();
	dev_mode = st.st_mode & 07777;
	if (atexit(restore_dev_mode) || chmod(DEV_PATH, 0666))
		ksft_exit_fail_msg("chmod %s: %s\n", DEV_PATH, strerror(errno));
	return test_harness_run(argc, argv);
}

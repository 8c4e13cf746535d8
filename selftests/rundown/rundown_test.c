// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of /dev/rundown (uapi/linux/rundown.h), every case on both object
 * variants. Needs root and rundown.ko loaded; skips (exit 4) otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
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

static int rd_create(int fd, __u32 variant, __u32 *id)
{
	struct rundown_ioc_create args = { .variant = variant, .id = 0xdeadbeef };
	int ret = xioctl(fd, RUNDOWN_IOC_CREATE, &args);

	if (!ret)
		*id = args.id;
	return ret;
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
	EXPECT_EQ(0, q.pad2);

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

TEST_F(rd, complete_reinit_cycles)
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

TEST_F(rd, too_many_objects_per_file)
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
			_exit(hammer_proc(h, id));
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
		while (now_s() < end)
			usleep(10000);
		/* Every acquire after the wait failed. */
		EXPECT_LT(refused_after, atomic_load(&h->refused));
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

int main(int argc, char **argv)
{
	int fd;

	if (geteuid() != 0)
		ksft_exit_skip("%s needs root\n", argv[0]);
	fd = dev_open();
	if (fd < 0)
		ksft_exit_skip("cannot open %s (is rundown.ko loaded?): %s\n",
			       DEV_PATH, strerror(errno));
	close(fd);
	return test_harness_run(argc, argv);
}

/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The C API of <rundown/ptr.h>, compiled as C: the static initialiser,
 * both forms, every call, the timed forms' -ETIMEDOUT and -EBUSY. A held
 * object is simulated by a get that is put later (same thread: nothing
 * here blocks). Returns 0, or the line of the first check that failed.
 */
#include <rundown/ptr.h>

#include <errno.h>
#include <stddef.h>

#define CHECK(cond)                      \
	do {                             \
		if (!(cond))             \
			return __LINE__; \
	} while (0)

static struct rundown_ptr static_ptr = RUNDOWN_PTR_INIT;

int rundown_ptr_c_api_test(void);

static int objs[4];

int rundown_ptr_c_api_test(void)
{
	struct rundown_ptr dyn;
	struct rundown_ptr_pcpu pc;
	unsigned tok, tok2;
	void *old = &objs[0];

	/* Plain, statically initialised: nothing published. */
	CHECK(rundown_ptr_get(&static_ptr, &tok) == NULL);
	CHECK(rundown_ptr_published(&static_ptr) == NULL);
	CHECK(rundown_ptr_replace(&static_ptr, &objs[0]) == NULL);
	CHECK(rundown_ptr_get(&static_ptr, &tok) == &objs[0]);
	/* Held: a timed replacement publishes but cannot hand the old back. */
	CHECK(rundown_ptr_replace_timeout(&static_ptr, &objs[1], &old, 1000000) == -ETIMEDOUT);
	CHECK(old == NULL);
	CHECK(rundown_ptr_get(&static_ptr, &tok2) == &objs[1]);
	rundown_ptr_put(&static_ptr, tok2);
	CHECK(rundown_ptr_published(&static_ptr) == &objs[1]);
	CHECK(rundown_ptr_replace_timeout(&static_ptr, &objs[2], &old, 0) == -EBUSY);
	CHECK(rundown_ptr_retire_timeout(&static_ptr, &old, 0) == -EBUSY);
	CHECK(rundown_ptr_reclaim_timeout(&static_ptr, &old, 1000) == -ETIMEDOUT && old == NULL);
	rundown_ptr_put(&static_ptr, tok);
	CHECK(rundown_ptr_reclaim_timeout(&static_ptr, &old, 0) == 0 && old == &objs[0]);
	CHECK(rundown_ptr_reclaim(&static_ptr) == NULL);
	CHECK(rundown_ptr_retire_timeout(&static_ptr, &old, 0) == 0 && old == &objs[1]);
	CHECK(rundown_ptr_get(&static_ptr, &tok) == NULL);
	CHECK(rundown_ptr_retire(&static_ptr) == NULL);

	/* Plain, initialised at run time. */
	rundown_ptr_init(&dyn);
	CHECK(rundown_ptr_get(&dyn, &tok) == NULL);
	CHECK(rundown_ptr_replace(&dyn, &objs[2]) == NULL);
	CHECK(rundown_ptr_replace(&dyn, &objs[3]) == &objs[2]);
	CHECK(rundown_ptr_get(&dyn, &tok) == &objs[3]);
	rundown_ptr_put(&dyn, tok);
	CHECK(rundown_ptr_retire(&dyn) == &objs[3]);
	CHECK(rundown_ptr_get(&dyn, &tok) == NULL);

	/* Cache-aware. */
	CHECK(rundown_ptr_pcpu_init(&pc) == 0);
	CHECK(rundown_ptr_pcpu_get(&pc, &tok) == NULL);
	CHECK(rundown_ptr_pcpu_replace(&pc, &objs[0]) == NULL);
	CHECK(rundown_ptr_pcpu_get(&pc, &tok) == &objs[0]);
	CHECK(rundown_ptr_pcpu_replace_timeout(&pc, &objs[1], &old, 1000) == -ETIMEDOUT);
	CHECK(rundown_ptr_pcpu_get(&pc, &tok2) == &objs[1]);
	rundown_ptr_pcpu_put(&pc, tok2);
	CHECK(rundown_ptr_pcpu_published(&pc) == &objs[1]);
	CHECK(rundown_ptr_pcpu_retire_timeout(&pc, &old, 0) == -EBUSY);
	CHECK(rundown_ptr_pcpu_reclaim_timeout(&pc, &old, 0) == -ETIMEDOUT);
	rundown_ptr_pcpu_put(&pc, tok);
	CHECK(rundown_ptr_pcpu_reclaim(&pc) == &objs[0]);
	CHECK(rundown_ptr_pcpu_replace_timeout(&pc, &objs[2], &old, 0) == 0 && old == &objs[1]);
	CHECK(rundown_ptr_pcpu_retire(&pc) == &objs[2]);
	CHECK(rundown_ptr_pcpu_get(&pc, &tok) == NULL);
	CHECK(rundown_ptr_pcpu_reclaim_timeout(&pc, &old, 0) == 0 && old == NULL);
	rundown_ptr_pcpu_exit(&pc);
	return 0;
}

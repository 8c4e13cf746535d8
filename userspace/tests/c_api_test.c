/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The C API, compiled as C: static initialisers, embedding, every call.
 * Returns 0, or the line of the first check that failed.
 */
#include <rundown/rundown.h>

#include <errno.h>
#include <stddef.h>

struct device {
	int users;
	struct rundown_ref live;
};

static struct device dev = { .users = 0, .live = RUNDOWN_REF_INIT };

#define CHECK(cond)                      \
	do {                             \
		if (!(cond))             \
			return __LINE__; \
	} while (0)

int rundown_c_api_test(void);

int rundown_c_api_test(void)
{
	struct rundown_ref born_dead = RUNDOWN_REF_INIT_DEAD;
	struct rundown_pcpu pc;

	CHECK(sizeof(struct rundown_ref) == 8);
	CHECK(rundown_is_active(&dev.live));
	CHECK(rundown_acquire(&dev.live));
	CHECK(rundown_acquire_many(&dev.live, 2));
	CHECK(!rundown_acquire_many(&dev.live, 0));
	rundown_release_many(&dev.live, 2);
	CHECK(rundown_wait_timeout(&dev.live, 1000000) == -ETIMEDOUT);
	CHECK(!rundown_is_active(&dev.live));
	CHECK(!rundown_acquire(&dev.live));
	rundown_release(&dev.live);
	CHECK(rundown_wait_timeout(&dev.live, 0) == 0);
	rundown_wait(&dev.live);
	rundown_completed(&dev.live);
	rundown_reinit(&dev.live);
	CHECK(rundown_is_active(&dev.live));
	rundown_init(&dev.live); /* the static one is live again for the next run */

	CHECK(!rundown_is_active(&born_dead));
	CHECK(!rundown_acquire(&born_dead));
	rundown_wait(&born_dead);
	rundown_reinit(&born_dead);
	CHECK(rundown_acquire(&born_dead));
	rundown_release(&born_dead);

	CHECK(rundown_pcpu_init(&pc) == 0);
	CHECK(pc.slots != NULL && pc.nr_slots >= 1);
	CHECK(rundown_pcpu_is_active(&pc));
	CHECK(rundown_pcpu_acquire(&pc));
	CHECK(rundown_pcpu_acquire_many(&pc, 3));
	rundown_pcpu_release_many(&pc, 3);
	CHECK(rundown_pcpu_wait_timeout(&pc, 1000) == -ETIMEDOUT);
	CHECK(!rundown_pcpu_acquire(&pc));
	rundown_pcpu_release(&pc);
	CHECK(rundown_pcpu_wait_timeout(&pc, 0) == 0);
	rundown_pcpu_wait(&pc);
	rundown_pcpu_completed(&pc);
	rundown_pcpu_reinit(&pc);
	CHECK(rundown_pcpu_is_active(&pc));
	rundown_pcpu_exit(&pc);
	CHECK(pc.slots == NULL);
	return 0;
}

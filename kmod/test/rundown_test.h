/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by the files of rundown_test.ko. */
#ifndef _RUNDOWN_TEST_H
#define _RUNDOWN_TEST_H

#include <linux/printk.h>
#include <linux/rundown.h>

/* Set by EXPECT() when the running case fails. */
extern bool case_failed;

#define EXPECT(cond)							\
do {									\
	if (!(cond)) {							\
		pr_err("    FAIL %s:%d: %s\n", __func__, __LINE__, #cond);	\
		case_failed = true;					\
	}								\
} while (0)

/* One object of either variant, for the cases that run on both. */
struct rd {
	bool pcpu;
	struct rundown_ref ref;
	struct rundown_pcpu pref;
};

void t_nt_plain(struct rd *unused);
void t_nt_cache_aware(struct rd *unused);

#endif /* _RUNDOWN_TEST_H */

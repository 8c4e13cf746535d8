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

/* The variants every case of the ops table runs on. */
enum rd_variant {
	RD_PLAIN,		/* struct rundown_ref */
	RD_PCPU,		/* struct rundown_pcpu from rundown_pcpu_init() */
	RD_PCPU_BUFFER,		/* ... from rundown_pcpu_init_buffer() */
};

/* One object of any variant, for the cases that run on all of them. */
struct rd {
	bool pcpu;			/* a cache-aware variant: use @p */
	enum rd_variant variant;
	struct rundown_ref ref;
	struct rundown_pcpu *p;		/* &@pref, or a caller's buffer */
	struct rundown_pcpu pref;
};

/* Duration of each stress case in ms (module parameter). */
extern unsigned int stress_ms;

void t_nt_plain(struct rd *unused);
void t_nt_cache_aware(struct rd *unused);
void t_ool_fast_paths(struct rd *unused);

/* rundown_test_ptr.c: the rundown-protected pointer, on r->pcpu's form */
void t_ptr_basic(struct rd *r);
void t_ptr_replace_waits(struct rd *r);
void t_ptr_killable(struct rd *r);
void t_ptr_stress_replace(struct rd *r);
void t_ptr_stress_retire(struct rd *r);
void m_ptr_two_replacers(struct rd *r);

#endif /* _RUNDOWN_TEST_H */

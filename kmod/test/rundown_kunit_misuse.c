// SPDX-License-Identifier: GPL-2.0
/*
 * rundown_kunit_misuse.ko: KUnit suite rundown_kunit_misuse, the misuse
 * cases of rundown_kunit.c. Every test triggers a WARN_ON_ONCE() in the
 * primitive on purpose: load it only with panic_on_warn=0.
 */
#define RUNDOWN_KUNIT_MISUSE
#include "rundown_kunit.c"

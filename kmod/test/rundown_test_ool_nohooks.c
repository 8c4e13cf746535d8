// SPDX-License-Identifier: GPL-2.0
/*
 * The out-of-line fast paths of rundown_test_ool.c compiled without the
 * debugging hooks, for kmod/test/check-fastpath.sh to compare with: built
 * (extra-y in Kbuild) but linked into no module.
 */
#define RUNDOWN_NO_DEBUG_HOOKS
#include "rundown_test_ool.c"

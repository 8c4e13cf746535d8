// SPDX-License-Identifier: GPL-2.0
/*
 * The NT out-of-line fast paths of rundown_test_nt.c compiled without the
 * debugging hooks, for kmod/test/check-fastpath.sh: built, never linked.
 */
#define RUNDOWN_NO_DEBUG_HOOKS
#include "rundown_test_nt.c"

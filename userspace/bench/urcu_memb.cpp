// SPDX-License-Identifier: GPL-2.0 OR MIT
// liburcu's memb flavour (see urcu_impl.hpp).
#define _LGPL_SOURCE
#include <urcu/urcu-memb.h>
#define RDB_F urcu_memb
#define RDB_NAME "urcu_memb"
#define RDB_QSBR 0
#include "urcu_impl.hpp"

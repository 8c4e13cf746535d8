// SPDX-License-Identifier: GPL-2.0 OR MIT
// liburcu's qsbr flavour (see urcu_impl.hpp).
#define _LGPL_SOURCE
#include <urcu/urcu-qsbr.h>
#define RDB_F urcu_qsbr
#define RDB_NAME "urcu_qsbr"
#define RDB_QSBR 1
#include "urcu_impl.hpp"

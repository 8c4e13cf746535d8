// SPDX-License-Identifier: GPL-2.0 OR MIT
// liburcu's bp flavour (see urcu_impl.hpp).
#define _LGPL_SOURCE
#include <urcu/urcu-bp.h>
#define RDB_F urcu_bp
#define RDB_NAME "urcu_bp"
#define RDB_QSBR 0
#include "urcu_impl.hpp"

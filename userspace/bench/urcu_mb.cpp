// SPDX-License-Identifier: GPL-2.0 OR MIT
// liburcu's mb flavour (see urcu_impl.hpp).
#define _LGPL_SOURCE
#include <urcu/urcu-mb.h>
#define RDB_F urcu_mb
#define RDB_NAME "urcu_mb"
#define RDB_QSBR 0
#include "urcu_impl.hpp"

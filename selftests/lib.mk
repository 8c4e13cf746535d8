# SPDX-License-Identifier: GPL-2.0
#
# Shim: build a kselftest directory of this repository out of tree with the
# kselftest lib.mk and kselftest_harness.h of Debian's linux-source-6.1,
# extracted at build time by selftests/vm/linux-src.sh (never copied here).
#
#   make -C selftests/rundown [OUTPUT=<dir>] [KSFT_SRC=<linux source tree>]
#
# Output goes to OUTPUT, by default build/selftests/<test dir>/ at the root
# of the repository: nothing is written to the source tree.

RUNDOWN_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
KSFT_SRC ?= $(shell $(RUNDOWN_ROOT)/selftests/vm/linux-src.sh)
ifeq ($(KSFT_SRC),)
$(error no Linux source tree: run 'make deps' or set KSFT_SRC)
endif
KSFT_DIR := $(KSFT_SRC)/tools/testing/selftests

OUTPUT ?= $(RUNDOWN_ROOT)/build/selftests/$(notdir $(CURDIR))
override OUTPUT := $(abspath $(OUTPUT))
$(shell mkdir -p $(OUTPUT))

# lib.mk derives its own directory from MAKEFILE_LIST, where this shim is a
# second */lib.mk: pin it to the real one.
override selfdir := $(KSFT_DIR)
KHDR_INCLUDES ?= -isystem $(RUNDOWN_ROOT)/uapi
CFLAGS += -I$(KSFT_DIR)

include $(KSFT_DIR)/lib.mk

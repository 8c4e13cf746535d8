# SPDX-License-Identifier: GPL-2.0
#
# The userspace shim (librundown, C++20, CMake), included by the top-level
# Makefile, which exports ROOT, BUILD and RESULTS. Build output goes to
# $(BUILD)/userspace{,-tsan,-asan} only.
#
#   make userspace                  build librundown and the test binaries
#   make check-userspace            native GoogleTest suite
#   make check-userspace-tsan       the same under ThreadSanitizer
#   make check-userspace-asan       the same under AddressSanitizer + UBSan
#   make install-userspace PREFIX=/usr/local [DESTDIR=...]
#
# Each check writes $(RESULTS)/<suite>.count ("<passed> <failed>") and a
# .log beside it, and fails when a test fails.
# The kernel-backend suite, $(BUILD)/userspace/rundown_kernel_test, is
# built by "make userspace" and run inside the VM (it skips without
# /dev/rundown).

ROOT ?= $(CURDIR)
BUILD ?= $(ROOT)/build
RESULTS ?= $(BUILD)/results
PREFIX ?= /usr/local

US_SRC := $(ROOT)/userspace
US_BUILD := $(BUILD)/userspace
US_CMAKE ?= cmake
US_JOBS ?= $(shell nproc 2>/dev/null || echo 2)
US_CMAKE_FLAGS ?=
US_RUN := sh $(US_SRC)/tests/run-suite.sh

# $(call us_build,<build dir>,<sanitizer or empty>,<build type>)
define us_build
	$(US_CMAKE) -S $(US_SRC) -B $(1) -DCMAKE_BUILD_TYPE=$(3) -DRUNDOWN_SANITIZE=$(2) \
		-DRUNDOWN_UAPI_DIR=$(ROOT)/uapi -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(US_CMAKE_FLAGS) >/dev/null
	$(US_CMAKE) --build $(1) -j $(US_JOBS)
endef

.PHONY: userspace userspace-tsan userspace-asan install-userspace \
	check-userspace check-userspace-tsan check-userspace-asan

userspace:
	$(call us_build,$(US_BUILD),,RelWithDebInfo)

userspace-tsan:
	$(call us_build,$(US_BUILD)-tsan,thread,RelWithDebInfo)

userspace-asan:
	$(call us_build,$(US_BUILD)-asan,address,Debug)

check-userspace: userspace
	$(US_RUN) $(RESULTS)/userspace.count $(US_BUILD)/rundown_test

check-userspace-tsan: userspace-tsan
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 $(TSAN_OPTIONS)" \
		$(US_RUN) $(RESULTS)/userspace-tsan.count $(US_BUILD)-tsan/rundown_test

check-userspace-asan: userspace-asan
	ASAN_OPTIONS="detect_leaks=1 abort_on_error=0 $(ASAN_OPTIONS)" \
	UBSAN_OPTIONS="halt_on_error=1 print_stacktrace=1 $(UBSAN_OPTIONS)" \
		$(US_RUN) $(RESULTS)/userspace-asan.count $(US_BUILD)-asan/rundown_test

install-userspace: userspace
	$(US_CMAKE) --install $(US_BUILD) --prefix $(PREFIX)

CHECK_SUITES += userspace userspace-tsan userspace-asan

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
#   make check-userspace-fallback   the native suite on the cache-aware
#                                   variant's "locked" protocol (glibc's rseq
#                                   registration disabled by its tunable)
#   make check-userspace-fastpath   the rseq read side's disassembly, x86-64
#                                   and aarch64 (a cross build)
#   make check-userspace-abi        exported symbols, soname, the inline code's
#                                   layout against userspace/abi/, i386 and
#                                   aarch64 builds, unused timeout results
#   make check-userspace-package    consumers: find_package against an
#                                   installed prefix, add_subdirectory and
#                                   FetchContent without GTest, pkg-config
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
	check-userspace check-userspace-tsan check-userspace-asan check-userspace-fallback \
	check-userspace-fastpath check-userspace-abi check-userspace-package

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

# ThreadSanitizer sees no rseq section: a TSan build of the library runs the
# locked protocol (the suite checks that it did).
check-userspace-fallback: userspace
	GLIBC_TUNABLES=glibc.pthread.rseq=0 RUNDOWN_TEST_EXPECT_PROTOCOL=locked \
		$(US_RUN) $(RESULTS)/userspace-fallback.count $(US_BUILD)/rundown_test

# The probe, statically linked: natively (CMake) and for aarch64.
US_CROSS := $(BUILD)/userspace-cross
US_PROBE_SRCS := $(US_SRC)/src/rundown.cpp $(US_SRC)/src/pcpu.cpp $(US_SRC)/src/debug.cpp $(US_SRC)/tests/probe.cpp
US_CROSS_FLAGS := -std=c++20 -O2 -Wall -Wextra -Werror -static -pthread -I$(US_SRC)/include

$(US_CROSS)/rundown_probe-aarch64: $(US_PROBE_SRCS) $(wildcard $(US_SRC)/src/*.hpp $(US_SRC)/include/rundown/*.h* $(US_SRC)/include/rundown/detail/*.hpp)
	@mkdir -p $(US_CROSS)
	aarch64-linux-gnu-g++ $(US_CROSS_FLAGS) -no-pie -o $@ $(US_PROBE_SRCS)

check-userspace-fastpath: userspace $(US_CROSS)/rundown_probe-aarch64
	@mkdir -p $(RESULTS)
	sh $(US_SRC)/tests/check-fastpath.sh $(RESULTS)/userspace-fastpath.count \
		x86_64=$(US_BUILD)/rundown_probe aarch64=$(US_CROSS)/rundown_probe-aarch64

check-userspace-abi: userspace
	@mkdir -p $(RESULTS)
	sh $(US_SRC)/tests/check-abi.sh $(RESULTS)/userspace-abi.count $(US_SRC) $(US_BUILD) $(BUILD)/userspace-abi

check-userspace-package: userspace
	@mkdir -p $(RESULTS)
	sh $(US_SRC)/tests/check-package.sh $(RESULTS)/userspace-package.count $(US_SRC) $(US_BUILD) \
		$(BUILD)/userspace-package

install-userspace: userspace
	$(US_CMAKE) --install $(US_BUILD) --prefix $(PREFIX)

CHECK_SUITES += userspace userspace-tsan userspace-asan userspace-fallback userspace-fastpath \
	userspace-abi userspace-package

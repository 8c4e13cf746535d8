# SPDX-License-Identifier: GPL-2.0
#
# rundown: Windows NT run-down protection for Linux.
#
#   make            build rundown.ko (and the example and test modules)
#   make bench      the main job: rundown against RCU, percpu_ref and locks
#   make check      every test suite; ends with one "N passed, N failed" line
#                   (one suite: make check-vm, check-debug, check-builds,
#                   check-style, check-userspace{,-tsan,-asan}, check-install,
#                   check-bench)
#   make deps       install what the build and the tests need (apt-get)
#   make install    rundown.ko, its headers and Module.symvers, the udev rule
#   make uninstall  the reverse; make dkms-install / dkms-remove for DKMS
#
# KDIR selects the kernel to build against: the running kernel's build tree
# when it exists, else the newest Debian linux-headers-*-amd64.

# (Recursively expanded, and by shell rather than $(wildcard), so that a
# sub-make run after "make deps" installed the headers finds them.)
KDIR ?= $(shell d=/lib/modules/$$(uname -r)/build; [ -d $$d ] && echo $$d || \
	ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)
# The release KDIR builds for (Debian's kernel.release holds the upstream
# version; utsrelease.h has the real one).
KREL = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
ROOT := $(CURDIR)
BUILD := $(ROOT)/build
RESULTS := $(BUILD)/results
export KDIR ROOT BUILD RESULTS

KBUILD = $(MAKE) -C $(KDIR) M=$(ROOT)

.PHONY: all module modules clean deps check style sparse
all: module
module modules:
	@test -n "$(KDIR)" -a -d "$(KDIR)" || { echo "no kernel build tree: set KDIR or run 'make deps'" >&2; exit 1; }
	$(KBUILD) modules

clean:
	-$(KBUILD) clean
	rm -rf $(BUILD)

# Debian packages every target needs. linux-image-amd64 is the kernel booted
# in QEMU; linux-source-6.1 provides checkpatch, the kselftest harness and the
# debug kernel's sources; the aarch64 and i686 cross compilers build librundown
# for its disassembly and layout checks (check-userspace-fastpath, -abi: Debian's
# gcc-multilib, for -m32, conflicts with the aarch64 cross compiler, so i386 is
# a cross build too); pkgconf runs the pkg-config consumer test.
DEPS := build-essential kmod cpio xz-utils bc flex bison libelf-dev libssl-dev \
	linux-headers-amd64 linux-image-amd64 linux-source-6.1 \
	qemu-system-x86 busybox-static sparse \
	cmake g++ libgtest-dev liburcu-dev gnuplot-nox dkms rsync file perl spin \
	g++-aarch64-linux-gnu g++-i686-linux-gnu pkgconf
deps:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(DEPS)

# "make check" and "make bench" on a fresh machine: install the packages
# first when any is missing (needs root; otherwise says what to run).
.PHONY: deps-if-missing
deps-if-missing:
	@missing=$$(dpkg-query -W -f='$${db:Status-Abbrev} $${Package}\n' $(DEPS) 2>&1 | \
		awk '$$1 != "ii" { print $$NF }'); \
	if [ -n "$$missing" ]; then \
		echo "missing packages:" $$missing; \
		if [ "$$(id -u)" = 0 ]; then $(MAKE) --no-print-directory deps; \
		else echo "run 'sudo make deps' first" >&2; exit 1; fi; \
	fi

# ---------------------------------------------------------------------------
# Tests. Every suite is a target check-<name> that writes
# $(RESULTS)/<name>.count ("<passed> <failed>"); "make check" runs them all,
# keeps going past failures and sums them.
CHECK_SUITES :=

include selftests/vm/vm.mk
include selftests/vm/debug.mk
include selftests/vm/builds.mk
include kmod/install.mk
include userspace/userspace.mk
include userspace/bench/bench.mk
include selftests/model/model.mk
include kmod/test/fastpath.mk

# Kernel style: checkpatch --strict on every kernel source (one test per
# file; CamelCase and typedefs allowed only where NT's names are the point)
# and sparse (C=2) on the whole build (one test).
KSRC = $(shell sh selftests/vm/linux-src.sh)
STYLE_SRCS = $(filter-out %.mod.c,$(sort $(wildcard kmod/*.[ch] kmod/include/linux/*.h \
	kmod/examples/*.[ch] kmod/test/*.[ch] uapi/linux/*.h)))
NT_SRCS = kmod/include/linux/rundown_nt.h kmod/test/rundown_test_nt.c
CHECK_SUITES += style
.PHONY: check-style
check-style: module
	@mkdir -p $(RESULTS); ksrc=$(KSRC); p=0; f=0; \
	for src in $(STYLE_SRCS); do \
		ignore=; case " $(NT_SRCS) " in *" $$src "*) ignore="--ignore CAMELCASE,NEW_TYPEDEFS";; esac; \
		if $$ksrc/scripts/checkpatch.pl --strict --no-tree --quiet $$ignore -f $$src; then \
			p=$$((p + 1)); else echo "checkpatch: $$src: FAILED"; f=$$((f + 1)); fi; \
	done; \
	echo "checkpatch: $$p files clean, $$f not"; \
	$(KBUILD) C=2 CHECK=sparse modules > $(BUILD)/sparse.log 2>&1; \
	if grep -E 'warning:|error:' $(BUILD)/sparse.log; then echo "sparse: FAILED"; f=$$((f + 1)); \
	else echo "sparse: clean"; p=$$((p + 1)); fi; \
	echo "$$p $$f" > $(RESULTS)/style.count; [ $$f = 0 ]

check: deps-if-missing
	@rm -rf $(RESULTS); mkdir -p $(RESULTS)
	@for s in $(CHECK_SUITES); do \
		echo "==== suite $$s"; \
		$(MAKE) --no-print-directory check-$$s; echo $$? > $(RESULTS)/$$s.rc; \
	done; \
	sh selftests/summary.sh $(CHECK_SUITES)

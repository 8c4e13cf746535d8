# SPDX-License-Identifier: GPL-2.0
#
# The debug-kernel lane (issue 6): the VM lane's whole kernel-side suite
# (payload.sh: test module, misuse cases, example pair, kselftests, the
# shim's kernel backend), plus KUnit (rundown_kunit) and a kmemleak scan, on
# a kernel built from Debian's linux-source-6.1 with KASAN, lockdep,
# PROVE_RCU, DEBUG_ATOMIC_SLEEP, DEBUG_OBJECTS, kmemleak, UBSAN (our
# modules), full preemption and panic_on_warn, in QEMU with -smp 4.
#
#   make check-debug          writes $(RESULTS)/debug.count
#   make debug-kernel         only build the kernel (cached outside the repo:
#                             ~/.cache/rundown/debug-kernel-<pkgver>-<key>/)
#   make check-debug-planted  evidence that planted bugs make the lane fail:
#                             a use-after-free in the example provider (KASAN)
#                             and a wait while holding the same rundown (lockdep)
#
# Config: selftests/vm/debug.config (fragment on allnoconfig) and
# selftests/vm/debug.cmdline (boot parameters). Everything is driven by
# selftests/vm/debug-lane.sh; DEBUG_TIMEOUT (default 900 s) bounds the VM.

DEBUG_PLANTS := uaf-provider wait-holding

CHECK_SUITES += debug

.PHONY: debug-kernel check-debug check-debug-planted

debug-kernel:
	@sh $(ROOT)/selftests/vm/build-debug-kernel.sh

# The userspace binaries are kernel-independent: the VM lane's are reused.
check-debug: selftests userspace
	@sh $(ROOT)/selftests/vm/debug-lane.sh

# Not part of "make check": each planted run must FAIL with its report.
check-debug-planted: selftests userspace
	@rc=0; for p in $(DEBUG_PLANTS); do \
		sh $(ROOT)/selftests/vm/debug-lane.sh --plant $$p || rc=1; \
	done; exit $$rc

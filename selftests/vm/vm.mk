# SPDX-License-Identifier: GPL-2.0
#
# The VM lane: boot KDIR's kernel (Debian's linux-image-amd64 by default) in
# QEMU with -smp 4,maxcpus=8 and run the kernel-side suite (selftests/vm/payload.sh):
# the test module, the misuse cases, the example pair, the kselftests and
# the userspace shim's kernel backend.
#
#   make check-vm [VM_KERNEL=/boot/vmlinuz-...] [VM_TIMEOUT=600]

VM_KERNEL ?= /boot/vmlinuz-$(KREL)
VM_TIMEOUT ?= 600
# Four CPUs online out of eight possible: the cache-aware variant must count
# the counters of CPUs that are possible but not (or no longer) online.
VM_SMP ?= 4,maxcpus=8
VM_OUT = $(BUILD)/vm
KSELFTEST_BIN = $(BUILD)/selftests/rundown/rundown_test
SHIM_KERNEL_TEST = $(BUILD)/userspace/rundown_kernel_test

CHECK_SUITES += vm

.PHONY: check-vm vm-payload selftests
# The kselftests, built out of tree against Debian's linux-source (static).
selftests:
	$(MAKE) -C selftests/rundown OUTPUT=$(BUILD)/selftests/rundown

# Assemble the payload: modules, scripts and static test binaries.
vm-payload: module selftests userspace
	rm -rf $(VM_OUT)/payload && mkdir -p $(VM_OUT)/payload
	cp rundown.ko kmod/test/rundown_test.ko kmod/examples/*.ko \
	   kmod/examples/av-scenario.sh $(VM_OUT)/payload/
	cp $(KSELFTEST_BIN) $(VM_OUT)/payload/rundown_selftest
	cp $(SHIM_KERNEL_TEST) $(VM_OUT)/payload/
	cp selftests/vm/payload.sh $(VM_OUT)/payload/run.sh

# Pass/fail counts: every RESULT line of the payload, plus one failure when
# the VM itself failed (splat, timeout, no success line).
check-vm: vm-payload
	@test -r "$(VM_KERNEL)" || { echo "no VM kernel $(VM_KERNEL): run 'make deps' or set VM_KERNEL" >&2; exit 1; }
	@mkdir -p $(RESULTS); rc=0; \
	sh selftests/vm/run-vm.sh -k $(VM_KERNEL) -p $(VM_OUT)/payload \
		-o $(VM_OUT)/run -t $(VM_TIMEOUT) -s $(VM_SMP) -a "panic_on_warn=1" || rc=1; \
	awk -v rc=$$rc '/^RESULT / { p += $$3; f += $$4; print "  vm: " $$2 ": " $$3 " passed, " $$4 " failed" } \
		END { print p + 0, f + rc > "$(RESULTS)/vm.count" }' $(VM_OUT)/run/status.log; \
	cat $(RESULTS)/vm.count; exit $$rc

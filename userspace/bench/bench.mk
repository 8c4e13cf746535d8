# SPDX-License-Identifier: GPL-2.0
#
# make bench: rundown against RCU, percpu_ref and locks (issues 5 and 16).
# Included from the top-level Makefile (ROOT, BUILD, RESULTS, KDIR exported;
# targets module and userspace exist).
#
#   make bench [BENCH_DURATION=ms] [BENCH_REPS=n] [BENCH_SAMPLES=n]
#              [BENCH_MECHS=a,b] [BENCH_KMECHS=a,b] [BENCH_WORKLOADS=a,b]
#              [BENCH_THREADS=1,2] [BENCH_READERS=n] [BENCH_PERIOD=us]
#              [BENCH_OBJECTS=n] [BENCH_HOLD_US=us] [BENCH_CS=ns]
#              [BENCH_OVERSUBSCRIBE=1] [BENCH_VM=0] [BENCH_VM_CPUS=n]
#              [BENCH_VM_ACCEL=auto|kvm|tcg] [BENCH_SHORT=1] [BENCH_OUT=dir]
#   make bench-smoke          the short mode (what check-bench runs)
#   make check-bench          the smoke run as a test (check.sh): every
#                             mechanism and workload there, sane, no bad read
#   make bench-readme         rewrite README.md's Benchmarks tables from
#                             $(BENCH_OUT) (report.sh --markdown)
#
# BENCH_DURATION is per repetition: every point runs once as a warm-up and
# then BENCH_REPS times (tables: the median and the min-max). BENCH_THREADS
# are the read side's thread counts (default 1, 2, 4, ... CPUs), BENCH_READERS
# the readers beside the owner in teardown and replace (default CPUs-1);
# more than the CPUs only with BENCH_OVERSUBSCRIBE=1 (labelled). Replace runs
# with no pause (the mechanism's own rate) and with BENCH_PERIOD.
#
# The userspace part runs here, natively; the kernel part (RUNDOWN_IOC_BENCH,
# and the kernel object driven through /dev/rundown) inside the QEMU VM of
# selftests/vm/run-vm.sh: KVM when it works here, else TCG, whose numbers
# only compare like with like in the same run. Results in $(BENCH_OUT):
# summary.txt (SUMMARY, SKIPPED and FAILED lines), results.json (a
# {"type":"meta"} line, then one object per result), tables.txt, and
# throughput-*/latency-* plots with min-max error bars.

BENCH_SHORT ?=
ifeq ($(BENCH_SHORT),1)
BENCH_DURATION ?= 20
BENCH_REPS ?= 2
BENCH_SAMPLES ?= 20
BENCH_OUT ?= $(BUILD)/bench-smoke
else
BENCH_DURATION ?= 200
BENCH_REPS ?= 5
BENCH_SAMPLES ?= 1000
BENCH_OUT ?= $(BUILD)/bench
endif
BENCH_THREADS ?=
BENCH_READERS ?=
BENCH_MECHS ?= all
BENCH_KMECHS ?= all
BENCH_WORKLOADS ?= read,handoff,teardown,replace,isolation,batch
BENCH_PERIOD ?= 100
BENCH_OBJECTS ?= 1000
BENCH_HOLD_US ?= 10000
BENCH_CS ?= 0
BENCH_OVERSUBSCRIBE ?=
BENCH_VM ?= 1
BENCH_VM_CPUS ?= 2
BENCH_VM_ACCEL ?= auto
BENCH_VM_TIMEOUT ?= 900
BENCH_BIN ?= $(BUILD)/userspace/bench/rundown_bench
# The VM boots the kernel KDIR was built for (KREL: the top-level Makefile).
BENCH_VM_KERNEL ?= /boot/vmlinuz-$(KREL)
# The userspace mechanisms also run inside the VM: the kernel object
# through the ioctl, against the native shim on the same virtual CPU.
BENCH_VM_UMECHS ?= none,rundown,rundown_pcpu,rundown_ptr,rundown_ptr_pcpu,kernel_rundown,kernel_rundown_pcpu,atomic_ref,urcu_memb

BENCH_ARGS = --duration-ms $(BENCH_DURATION) --reps $(BENCH_REPS) --samples $(BENCH_SAMPLES) \
	--period-us $(BENCH_PERIOD) --objects $(BENCH_OBJECTS) --hold-us $(BENCH_HOLD_US) \
	--cs-ns $(BENCH_CS) --workloads $(BENCH_WORKLOADS) \
	$(if $(BENCH_THREADS),--threads $(BENCH_THREADS)) \
	$(if $(BENCH_READERS),--readers $(BENCH_READERS)) \
	$(if $(filter 1,$(BENCH_OVERSUBSCRIBE)),--oversubscribe)
# What results.json's meta line records.
BENCH_VARS = BENCH_SHORT BENCH_DURATION BENCH_REPS BENCH_SAMPLES BENCH_THREADS BENCH_READERS \
	BENCH_MECHS BENCH_KMECHS BENCH_WORKLOADS BENCH_PERIOD BENCH_OBJECTS BENCH_HOLD_US \
	BENCH_CS BENCH_OVERSUBSCRIBE BENCH_VM BENCH_VM_CPUS BENCH_VM_ACCEL BENCH_VM_UMECHS
BENCH_DIR = $(ROOT)/userspace/bench

CHECK_SUITES += bench
.PHONY: bench bench-smoke bench-run bench-vm bench-readme check-bench

bench: deps-if-missing
	@$(MAKE) --no-print-directory module userspace
	@$(MAKE) --no-print-directory bench-run

bench-smoke:
	@$(MAKE) --no-print-directory bench BENCH_SHORT=1

bench-run:
	@test -x $(BENCH_BIN) || { echo "bench: no $(BENCH_BIN) (liburcu-dev missing?)" >&2; exit 1; }
	@rm -rf $(BENCH_OUT); mkdir -p $(BENCH_OUT); start=$$(date +%s); rc=0; \
	cut -d' ' -f1-3 /proc/loadavg > $(BENCH_OUT)/loadavg.start; \
	echo "bench: userspace part, natively ($$(nproc) CPUs: $$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1); load $$(cat $(BENCH_OUT)/loadavg.start))"; \
	$(BENCH_BIN) $(BENCH_ARGS) --mechs $(BENCH_MECHS) --env host --json $(BENCH_OUT)/user.json \
		> $(BENCH_OUT)/user.txt 2> $(BENCH_OUT)/user.progress || { rc=1; tail -n 5 $(BENCH_OUT)/user.progress; }; \
	if [ "$(BENCH_VM)" = 1 ]; then $(MAKE) --no-print-directory bench-vm || rc=1; fi; \
	cat $(BENCH_OUT)/user.txt $(BENCH_OUT)/vm/status.log 2>/dev/null | tr -d '\r' | \
		grep -aE '^(SUMMARY|SKIPPED|FAILED) ' > $(BENCH_OUT)/summary.txt; \
	env $(foreach v,$(BENCH_VARS),$(v)='$($(v))') sh $(BENCH_DIR)/meta.sh $(BENCH_OUT) $(BENCH_BIN) \
		> $(BENCH_OUT)/meta.json || rc=1; \
	{ cat $(BENCH_OUT)/meta.json $(BENCH_OUT)/user.json 2>/dev/null; \
	  tr -d '\r' 2>/dev/null < $(BENCH_OUT)/vm/status.log | grep -aE '^RESULTJSON ' | cut -d' ' -f2-; } \
		> $(BENCH_OUT)/results.json; \
	sh $(BENCH_DIR)/report.sh $(BENCH_OUT) | tee $(BENCH_OUT)/tables.txt; \
	echo "bench: $$(grep -c '^SUMMARY' $(BENCH_OUT)/summary.txt) results, $$(grep -c '^FAILED' $(BENCH_OUT)/summary.txt) failed runs, $$(($$(date +%s) - start))s; in $(BENCH_OUT)"; \
	exit $$rc

# The kernel part: a payload with rundown.ko and the static binary.
bench-vm:
	@test -r "$(BENCH_VM_KERNEL)" || { echo "bench: no VM kernel $(BENCH_VM_KERNEL)" >&2; exit 1; }
	@rm -rf $(BENCH_OUT)/payload; mkdir -p $(BENCH_OUT)/payload; \
	cp $(ROOT)/rundown.ko $(BENCH_BIN) $(BENCH_OUT)/payload/; \
	cp $(BENCH_DIR)/vm-run.sh $(BENCH_OUT)/payload/run.sh; \
	echo "$(BENCH_ARGS)" > $(BENCH_OUT)/payload/args; \
	echo "$(BENCH_KMECHS)" > $(BENCH_OUT)/payload/kmechs; \
	echo "$(BENCH_VM_UMECHS)" > $(BENCH_OUT)/payload/umechs; \
	echo "bench: kernel part, in the QEMU VM ($(BENCH_VM_CPUS) virtual CPUs; progress below)"; \
	( sh $(ROOT)/selftests/vm/run-vm.sh -k $(BENCH_VM_KERNEL) -p $(BENCH_OUT)/payload \
		-o $(BENCH_OUT)/vm -t $(BENCH_VM_TIMEOUT) -s $(BENCH_VM_CPUS) -A $(BENCH_VM_ACCEL) \
		> $(BENCH_OUT)/vm.log 2>&1; \
	  echo $$? > $(BENCH_OUT)/vm.rc ) & \
	sleep 1; while [ ! -f $(BENCH_OUT)/vm.rc ]; do \
		grep -a '^\[[0-9]*/[0-9]*\]' $(BENCH_OUT)/vm/console.log 2>/dev/null | tail -n 1 | sed 's/^/  vm: /' > $(BENCH_OUT)/.progress; \
		if ! cmp -s $(BENCH_OUT)/.progress $(BENCH_OUT)/.shown; then cat $(BENCH_OUT)/.progress; cp $(BENCH_OUT)/.progress $(BENCH_OUT)/.shown; fi; \
		sleep 2; \
	done; cat $(BENCH_OUT)/vm.log; exit $$(cat $(BENCH_OUT)/vm.rc)

# README.md's Benchmarks tables, regenerated from one run's results.
bench-readme:
	@test -s $(BENCH_OUT)/results.json || { echo "bench-readme: run make bench first" >&2; exit 1; }
	sh $(BENCH_DIR)/report.sh --markdown $(BENCH_OUT) > $(BENCH_OUT)/readme.md
	sh $(BENCH_DIR)/report.sh --splice $(ROOT)/README.md $(BENCH_OUT)/readme.md

# Smoke test: the short mode, then check.sh asserts every mechanism and
# workload is there, with work done, no read of a freed object, the "none"
# baseline and the metadata. Performance is never judged here.
check-bench: module userspace
	@mkdir -p $(RESULTS); \
	$(MAKE) --no-print-directory bench-run BENCH_SHORT=1 > $(BUILD)/bench-smoke.log 2>&1; rc=$$?; \
	tail -n 3 $(BUILD)/bench-smoke.log; \
	sh $(BENCH_DIR)/check.sh $(BUILD)/bench-smoke $(BENCH_BIN) "$(BENCH_MECHS)" "$(BENCH_KMECHS)" \
		"$(BENCH_VM_UMECHS)" "$(BENCH_WORKLOADS)" $(BENCH_VM) $$rc > $(RESULTS)/bench.count; \
	echo "bench: $$(cat $(RESULTS)/bench.count) (passed failed)"; \
	[ "$$(cut -d' ' -f2 $(RESULTS)/bench.count)" = 0 ]

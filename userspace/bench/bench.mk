# SPDX-License-Identifier: GPL-2.0
#
# make bench: rundown against RCU, percpu_ref and locks (issue 5).
# Included from the top-level Makefile (ROOT, BUILD, RESULTS, KDIR exported;
# targets module and userspace exist).
#
#   make bench [BENCH_DURATION=ms] [BENCH_MECHS=a,b] [BENCH_KMECHS=a,b]
#              [BENCH_THREADS=1,2,4] [BENCH_SAMPLES=n] [BENCH_PERIOD=us]
#              [BENCH_CS=ns] [BENCH_VM=0] [BENCH_SHORT=1]
#   make bench-smoke          the short mode (what check-bench runs)
#   make check-bench          the smoke run as a test: one pass per
#                             mechanism and workload with a sane result
#
# The userspace part runs here, natively; the kernel part (RUNDOWN_IOC_BENCH,
# and the kernel object driven through /dev/rundown) inside the QEMU VM of
# selftests/vm/run-vm.sh, whose numbers are ratios only (emulated CPU).
# Results: $(BENCH_OUT)/summary.txt (SUMMARY lines), results.json (one
# JSON object per line), tables.txt, and throughput-*/latency-* plots.

BENCH_SHORT ?=
ifeq ($(BENCH_SHORT),1)
BENCH_DURATION ?= 50
BENCH_SAMPLES ?= 20
BENCH_THREADS ?= 1,2
BENCH_OUT ?= $(BUILD)/bench-smoke
else
BENCH_DURATION ?= 1000
BENCH_SAMPLES ?= 1000
BENCH_THREADS ?=
BENCH_OUT ?= $(BUILD)/bench
endif
BENCH_MECHS ?= all
BENCH_KMECHS ?= all
BENCH_PERIOD ?= 100
BENCH_CS ?= 0
BENCH_VM ?= 1
BENCH_VM_CPUS ?= 2
BENCH_VM_TIMEOUT ?= 900
BENCH_BIN ?= $(BUILD)/userspace/bench/rundown_bench
# The VM boots the kernel KDIR was built for (KREL: the top-level Makefile).
BENCH_VM_KERNEL ?= /boot/vmlinuz-$(KREL)
# The userspace mechanisms also run inside the VM: the kernel object
# through the ioctl, against the native shim on the same emulated CPU.
BENCH_VM_UMECHS ?= rundown,rundown_pcpu,kernel_rundown,kernel_rundown_pcpu,atomic_ref,urcu_memb

BENCH_ARGS = --duration-ms $(BENCH_DURATION) --samples $(BENCH_SAMPLES) \
	--period-us $(BENCH_PERIOD) --cs-ns $(BENCH_CS) \
	$(if $(BENCH_THREADS),--threads $(BENCH_THREADS))

CHECK_SUITES += bench
.PHONY: bench bench-smoke bench-run bench-vm bench-user check-bench

bench: deps-if-missing
	@$(MAKE) --no-print-directory module userspace
	@$(MAKE) --no-print-directory bench-run

bench-smoke:
	@$(MAKE) --no-print-directory bench BENCH_SHORT=1

bench-run:
	@test -x $(BENCH_BIN) || { echo "bench: no $(BENCH_BIN) (liburcu-dev missing?)" >&2; exit 1; }
	@rm -rf $(BENCH_OUT); mkdir -p $(BENCH_OUT); start=$$(date +%s); rc=0; \
	echo "bench: userspace part, natively ($$(nproc) CPUs: $$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1))"; \
	$(BENCH_BIN) $(BENCH_ARGS) --mechs $(BENCH_MECHS) --env host --json $(BENCH_OUT)/results.json \
		> $(BENCH_OUT)/user.txt || rc=1; \
	if [ "$(BENCH_VM)" = 1 ]; then $(MAKE) --no-print-directory bench-vm || rc=1; fi; \
	cat $(BENCH_OUT)/user.txt $(BENCH_OUT)/vm/status.log 2>/dev/null | \
		grep -E '^(SUMMARY|FAILED) ' > $(BENCH_OUT)/summary.txt; \
	grep -E '^RESULTJSON ' $(BENCH_OUT)/vm/status.log 2>/dev/null | cut -d' ' -f2- >> $(BENCH_OUT)/results.json; \
	sh $(ROOT)/userspace/bench/report.sh $(BENCH_OUT)/summary.txt $(BENCH_OUT) | tee $(BENCH_OUT)/tables.txt; \
	echo "bench: $$(grep -c '^SUMMARY' $(BENCH_OUT)/summary.txt) results, $$(grep -c '^FAILED' $(BENCH_OUT)/summary.txt) failed runs, $$(($$(date +%s) - start))s; in $(BENCH_OUT)"; \
	exit $$rc

# The kernel part: a payload with rundown.ko and the static binary.
bench-vm:
	@test -r "$(BENCH_VM_KERNEL)" || { echo "bench: no VM kernel $(BENCH_VM_KERNEL)" >&2; exit 1; }
	@rm -rf $(BENCH_OUT)/payload; mkdir -p $(BENCH_OUT)/payload; \
	cp $(ROOT)/rundown.ko $(BENCH_BIN) $(BENCH_OUT)/payload/; \
	cp $(ROOT)/userspace/bench/vm-run.sh $(BENCH_OUT)/payload/run.sh; \
	echo "$(BENCH_ARGS)" > $(BENCH_OUT)/payload/args; \
	echo "$(BENCH_KMECHS)" > $(BENCH_OUT)/payload/kmechs; \
	echo "$(BENCH_VM_UMECHS)" > $(BENCH_OUT)/payload/umechs; \
	echo "bench: kernel part, in the QEMU VM ($(BENCH_VM_CPUS) emulated CPUs; progress below)"; \
	( sh $(ROOT)/selftests/vm/run-vm.sh -k $(BENCH_VM_KERNEL) -p $(BENCH_OUT)/payload \
		-o $(BENCH_OUT)/vm -t $(BENCH_VM_TIMEOUT) -s $(BENCH_VM_CPUS) > $(BENCH_OUT)/vm.log 2>&1; \
	  echo $$? > $(BENCH_OUT)/vm.rc ) & \
	sleep 1; while [ ! -f $(BENCH_OUT)/vm.rc ]; do \
		grep -a '^\[[0-9]*/[0-9]*\]' $(BENCH_OUT)/vm/console.log 2>/dev/null | tail -n 1 | sed 's/^/  vm: /' > $(BENCH_OUT)/.progress; \
		if ! cmp -s $(BENCH_OUT)/.progress $(BENCH_OUT)/.shown; then cat $(BENCH_OUT)/.progress; cp $(BENCH_OUT)/.progress $(BENCH_OUT)/.shown; fi; \
		sleep 2; \
	done; cat $(BENCH_OUT)/vm.log; exit $$(cat $(BENCH_OUT)/vm.rc)

# Smoke test: one pass per side, mechanism and workload whose every result
# is sane (work done, no read of a freed object); every failed run and a
# failed VM count as failures. Performance is never judged here.
check-bench: module userspace
	@mkdir -p $(RESULTS); \
	$(MAKE) --no-print-directory bench-run BENCH_SHORT=1 > $(BUILD)/bench-smoke.log 2>&1; rc=$$?; \
	tail -n 3 $(BUILD)/bench-smoke.log; \
	awk -v rc=$$rc '/^FAILED / { f++ } \
	/^SUMMARY / { delete v; for (i = 2; i <= NF; i++) { split($$i, kv, "="); v[kv[1]] = kv[2] } \
		k = v["side"] "/" v["env"] "/" v["mech"] "/" v["workload"]; seen[k] = 1; \
		ok = v["bad"] == 0 && (v["workload"] == "read" ? v["ops"] > 0 : \
		     v["workload"] == "teardown" ? v["samples_done"] > 0 : v["ops"] > 0 && v["replacements"] > 0); \
		if (!ok) { bad[k] = 1; print "  bench: not sane: " $$0 } } \
	END { for (k in seen) if (k in bad) f++; else p++; print p + 0, f + (rc ? 1 : 0) > "$(RESULTS)/bench.count" }' \
		$(BUILD)/bench-smoke/summary.txt; \
	echo "bench: $$(cat $(RESULTS)/bench.count) (passed failed)"; \
	[ "$$(cut -d' ' -f2 $(RESULTS)/bench.count)" = 0 ]

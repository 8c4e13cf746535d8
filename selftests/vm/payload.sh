#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The kernel-side test suite, run inside the VM by run-vm.sh from a payload
# directory holding the modules and the test binaries (see vm.mk). Each part
# reports "RESULT <part> <passed> <failed>" on $STATUS; the host sums them.
# Exits non-zero when any part failed or is missing.
#
# panic_on_warn is on throughout, except around the misuse cases, which
# provoke WARN_ON_ONCE() on purpose between two kernel-log markers that
# run-vm.sh knows; this script then checks that each report is there. They
# run last: the last of them waits on a rundown its task holds (an owned
# reference), which lockdep reports and then switches itself off for the
# rest of the boot.
set -u
STATUS=${STATUS:-/dev/null}
failed_parts=0

result() {
	echo "RESULT $1 $2 $3" > "$STATUS"
	echo "payload: $1: $2 passed, $3 failed"
	[ "$3" = 0 ] || failed_parts=$((failed_parts + 1))
}

# Count TAP/KTAP lines "ok N ..." and "not ok N ..." at the start of a line
# (after an optional prefix), ignoring indented subtests.
tap_count() { # file prefix
	p=$(grep -cE "^$2ok [0-9]" "$1")
	f=$(grep -cE "^$2not ok [0-9]" "$1")
	echo "$p $f"
}

echo 1 > /proc/sys/kernel/panic_on_warn

# -- rundown.ko ---------------------------------------------------------------
if insmod ./rundown.ko && [ -c /dev/rundown ]; then
	result load 1 0
else
	result load 0 1
	exit 1
fi

# -- the test module ----------------------------------------------------------
dmesg -c > /dev/null
if insmod ./rundown_test.ko; then
	dmesg | sed -n 's/^\[[^]]*\] rundown_test: //p' > /tmp/ktest.log
	rmmod rundown_test
	set -- $(tap_count /tmp/ktest.log "")
	# The module's own summary must agree with the lines counted.
	grep -q "^RESULT $1 $2\$" /tmp/ktest.log || set -- "$1" $(($2 + 1))
	[ "$1" -gt 0 ] || set -- 0 $(($2 + 1))
	result kmod-test "$1" "$2"
else
	result kmod-test 0 1
fi

# -- the example pair: the antivirus scenario ------------------------------------
if [ -f av-scenario.sh ]; then
	sh ./av-scenario.sh > /tmp/av.log 2>&1
	cat /tmp/av.log
	line=$(grep -E '^av-scenario: [0-9]+ passed, [0-9]+ failed$' /tmp/av.log | tail -n 1)
	set -- $line
	if [ -n "$line" ]; then result examples "$2" "$4"; else result examples 0 1; fi
else
	result examples 0 1
fi

# -- kselftests ---------------------------------------------------------------
if [ -x ./rundown_selftest ]; then
	./rundown_selftest > /tmp/kselftest.log 2>&1
	rc=$?
	cat /tmp/kselftest.log
	set -- $(tap_count /tmp/kselftest.log "")
	[ "$rc" = 0 ] || [ "$2" -gt 0 ] || set -- "$1" 1
	[ "$1" -gt 0 ] || set -- 0 $(($2 + 1))
	result kselftest "$1" "$2"
else
	result kselftest 0 1
fi

# -- the userspace shim's kernel backend -----------------------------------------
if [ -x ./rundown_kernel_test ]; then
	./rundown_kernel_test > /tmp/gtest.log 2>&1
	rc=$?
	cat /tmp/gtest.log
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' /tmp/gtest.log)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' /tmp/gtest.log)
	p=${p:-0} f=${f:-0}
	[ "$rc" = 0 ] || [ "$f" -gt 0 ] || f=1
	[ "$p" -gt 0 ] || f=$((f + 1))
	result shim-kernel "$p" "$f"
else
	result shim-kernel 0 1
fi

# -- holder tracking, stalled-wait reports, debugfs, tracepoints ---------------
# The test module's stall cases take a reference in rundown_test_leaky_acquire()
# and hold it while a waiter sleeps; with stall_timeout_s=2 the wait must be
# reported, naming that function, and debugfs must show the holder meanwhile;
# once released, no record is left. stall=1 runs with track_holders on,
# stall=2 with it off and each object tracked by itself. The tracepoints are
# checked where the kernel has tracefs.
P=/sys/module/rundown/parameters
D=/sys/kernel/debug/rundown
T=/sys/kernel/tracing
p=0 f=0
check() { # name command...
	n=$1
	shift
	if "$@"; then
		p=$((p + 1))
	else
		echo "payload: tracking: $n: FAILED"
		f=$((f + 1))
	fi
}
# wait_log PATTERN: until the kernel log has it (30 s at most).
wait_log() {
	i=0
	while ! dmesg | grep -q "$1"; do
		i=$((i + 1))
		[ $i -lt 300 ] || return 1
		sleep 0.1
	done
}
[ -d $T/events ] || mount -t tracefs nodev $T 2>/dev/null
tracing=
if [ -d $T/events/rundown ]; then
	tracing=1
	echo > $T/trace
	echo 1 > $T/events/rundown/enable
fi
for mode in 1 2; do
	echo $((2 - mode)) > $P/track_holders
	echo 2 > $P/stall_timeout_s
	dmesg -c > /dev/null
	insmod ./rundown_test.ko stall=$mode &
	pid=$!
	for v in plain pcpu; do
		check "stall=$mode $v: held" wait_log "rundown_test: stall: $v holding"
		sleep 1
		check "stall=$mode $v: debugfs names the holder" grep -q 'rundown_test_leaky_acquire' $D/holders
		wait_log "rundown_test: stall: $v releasing"
	done
	wait $pid
	# The trace names callers by symbol only while their module is loaded.
	[ -z "$tracing" ] || cat $T/trace > /tmp/trace-$mode.log
	rmmod rundown_test
	dmesg > /tmp/stall.log
	sed -n 's/^\[[^]]*\] rundown_test: //p' /tmp/stall.log > /tmp/stall-tap.log
	set -- $(tap_count /tmp/stall-tap.log "")
	p=$((p + $1)) f=$((f + $2))
	[ "$1" = 2 ] || { echo "payload: tracking: stall=$mode: $1 cases passed of 2"; f=$((f + 1)); }
	check "stall=$mode: two reports" [ "$(grep -c 'rundown: wait stalled: ' /tmp/stall.log)" = 2 ]
	check "stall=$mode: the reports name the holder" \
		[ "$(grep -A24 'rundown: wait stalled: ' /tmp/stall.log | grep -c 'at rundown_test_leaky_acquire')" = 2 ]
	check "stall=$mode: the reports show where the waiter waits" \
		[ "$(grep -A17 'rundown:   waiting in:' /tmp/stall.log | grep -c 'rundown:     stall_waiter_fn+')" = 2 ]
	# stall=1 waits with rundown_wait(), stall=2 with the killable timed form.
	form=; [ "$mode" = 2 ] && form=_killable_timeout
	check "stall=$mode: the reports name the wait (rundown_wait$form, rundown_pcpu_wait$form)" \
		[ "$(grep -c " in rundown_wait$form(.*still held" /tmp/stall.log) $(grep -c " in rundown_pcpu_wait$form(.*still held" /tmp/stall.log)" = "1 1" ]
	check "stall=$mode: one reference still held" \
		[ "$(grep -c 'wait stalled: .*: 1 reference(s) still held' /tmp/stall.log)" = 2 ]
	check "stall=$mode: no record left" sh -c "! grep -q '^object' $D/holders"
	grep -A30 'rundown: wait stalled: ' /tmp/stall.log | head -n 32
done
echo 0 > $P/track_holders
echo 10 > $P/stall_timeout_s
check "debugfs: tracking off" grep -q '^tracking: off' $D/holders
if [ -n "$tracing" ]; then
	echo 0 > $T/events/rundown/enable
	cat /tmp/trace-1.log /tmp/trace-2.log > /tmp/trace.log
	grep -E 'wait_start|wait_end|fold|acquire_fail' /tmp/trace.log | head -n 8
	check "tracepoint wait_start" grep -q 'wait_start: .*variant=plain held=1' /tmp/trace.log
	check "tracepoint wait_end" \
		grep -qE 'wait_end: .*variant=plain waited_ns=[2-9][0-9]{9} found=1 ret=[1-9]' /tmp/trace.log
	check "tracepoint fold" grep -q 'fold: .*sum=1 left=1' /tmp/trace.log
	check "tracepoint acquire_fail" grep -q 'acquire_fail: .*variant=pcpu caller=t_stall_report' /tmp/trace.log
else
	echo "payload: tracking: no tracefs events for rundown: tracepoints not checked"
fi
result tracking "$p" "$f"

# -- KUnit, where the kernel has it (the debug lane) -----------------------------
if [ -f rundown_kunit.ko ]; then
	dmesg -c > /dev/null
	if insmod ./rundown_kunit.ko; then
		dmesg | sed -n 's/^\[[^]]*\] //p' > /tmp/kunit.log
		rmmod rundown_kunit
		set -- $(tap_count /tmp/kunit.log "    ")
		[ "$1" -gt 0 ] || set -- 0 $(($2 + 1))
		result kunit "$1" "$2"
	else
		result kunit 0 1
	fi
fi

# -- misuse: every report must appear, and the counts must survive --------------
echo 0 > /proc/sys/kernel/panic_on_warn
dmesg -c > /dev/null
echo "RUNDOWN-VM: EXPECT-SPLATS-BEGIN" > /dev/kmsg
insmod ./rundown_test.ko misuse=1 && rmmod rundown_test
echo "RUNDOWN-VM: EXPECT-SPLATS-END" > /dev/kmsg
echo 1 > /proc/sys/kernel/panic_on_warn
dmesg > /tmp/misuse.log
sed -n 's/^\[[^]]*\] rundown_test: //p' /tmp/misuse.log > /tmp/misuse-tap.log
set -- $(tap_count /tmp/misuse-tap.log "")
p=$1 f=$2
for expect in \
	'rundown_release(.*): 1 reference(s) released, more than were held; undone' \
	'rundown_release(.*): 2 reference(s) released, more than were held; undone' \
	'rundown_release(.*): another release went too far at the same time' \
	'rundown_reinit(.*) while live' \
	'rundown_reinit(.*) while references are held' \
	'rundown_pcpu_reinit(.*) while live' \
	'rundown_pcpu_reinit(.*) while references are held' \
	'rundown_pcpu_exit(.*) with 1 reference(s) held' \
	'WARNING: .* rundown_completed' \
	'rundown_pcpu_release(.*): 1 reference(s) more released than acquired (undone)' \
	'rundown_pcpu_release(.*): 1 reference(s) more released than acquired (found by the sweep)' \
	'WARNING: .*\[rundown_test\]'; do
	if grep -q "$expect" /tmp/misuse.log; then
		p=$((p + 1))
	else
		echo "payload: misuse: no report matching '$expect'"
		f=$((f + 1))
	fi
done
# With lockdep, waiting while holding an owned reference is reported, from
# that case (and it is the only lockdep report: lockdep stops after one).
if grep -q '# lockdep: expect possible recursive locking in m_wait_holding_owned' /tmp/misuse-tap.log; then
	if awk '/possible recursive locking detected/ { n = NR }
		n && NR - n < 60 && /m_wait_holding_owned/ { found = 1 }
		END { exit !found }' /tmp/misuse.log; then
		p=$((p + 1))
	else
		echo "payload: misuse: lockdep did not report the wait while holding an owned reference"
		f=$((f + 1))
	fi
fi
if grep -qE 'BUG:|Oops|general protection' /tmp/misuse.log; then
	echo "payload: misuse: a misuse crashed instead of warning"
	f=$((f + 1))
fi
result kmod-misuse "$p" "$f"

# -- unload: nothing may keep the module busy --------------------------------------
if rmmod rundown && [ ! -e /dev/rundown ]; then
	result unload 1 0
else
	result unload 0 1
fi

[ "$failed_parts" = 0 ]

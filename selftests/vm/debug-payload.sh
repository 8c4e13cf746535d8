#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh of the debug lane's payload (debug-lane.sh), inside the VM on the
# debug kernel: the VM lane's whole suite (fast.sh, a copy of payload.sh,
# which also runs rundown_kunit.ko), then KUnit's misuse suite, then a
# kmemleak scan. Reports "RESULT <part> <passed> <failed>" on $STATUS like
# payload.sh; exits non-zero when any part failed.
set -u
STATUS=${STATUS:-/dev/null}
kml=/sys/kernel/debug/kmemleak
failed=0

result() {
	echo "RESULT $1 $2 $3" > "$STATUS"
	echo "debug-payload: $1: $2 passed, $3 failed"
	[ "$3" = 0 ] || failed=$((failed + 1))
}

echo "debug-payload: booted in $(cut -d' ' -f1 /proc/uptime) s (uptime)"
echo "debug-payload: booted in $(cut -d' ' -f1 /proc/uptime) s (uptime)" > "$STATUS"

# Leaks reported before any of our code ran are the kernel's (boot-time
# allocations kmemleak cannot follow): record them and clear them, inside
# the expected-splat window, so that the final scan sees only ours.
if [ -w $kml ]; then
	echo "RUNDOWN-VM: EXPECT-SPLATS-BEGIN" > /dev/kmsg
	echo scan > $kml
	cat $kml > /tmp/kmemleak-boot.log
	echo clear > $kml
	echo "RUNDOWN-VM: EXPECT-SPLATS-END" > /dev/kmsg
	n=$(grep -c '^unreferenced object' /tmp/kmemleak-boot.log)
	[ "$n" = 0 ] || echo "debug-payload: kmemleak: cleared $n boot-time report(s)"
fi

# -- the VM lane's suite (KUnit included) --------------------------------------
sh ./fast.sh || failed=$((failed + 1))

# -- KUnit's misuse suite: WARNs on purpose, nothing worse ------------------------
if [ -f rundown_kunit_misuse.ko ]; then
	echo 0 > /proc/sys/kernel/panic_on_warn
	echo "RUNDOWN-VM: EXPECT-SPLATS-BEGIN" > /dev/kmsg
	: > /tmp/kunit-misuse.log
	if insmod ./rundown.ko && insmod ./rundown_kunit_misuse.ko; then
		cp /sys/kernel/debug/kunit/rundown_kunit_misuse/results /tmp/kunit-misuse.log
		rmmod rundown_kunit_misuse
	fi
	rmmod rundown 2>/dev/null
	echo "RUNDOWN-VM: EXPECT-SPLATS-END" > /dev/kmsg
	echo 1 > /proc/sys/kernel/panic_on_warn
	# The kernel log since the last BEGIN marker: this window's reports.
	# (busybox dmesg has no -C; and never echo a report to the console
	# outside the window: run-vm.sh would count it as a splat.)
	dmesg | awk '/RUNDOWN-VM: EXPECT-SPLATS-BEGIN/ { buf = "" } { buf = buf $0 "\n" }
		END { printf "%s", buf }' > /tmp/kunit-misuse-dmesg.log
	cat /tmp/kunit-misuse.log
	p=$(grep -E '^    ok [0-9]' /tmp/kunit-misuse.log | grep -vc '# SKIP')
	f=$(grep -cE '^    not ok [0-9]' /tmp/kunit-misuse.log)
	grep -q '^ok 1 rundown_kunit_misuse' /tmp/kunit-misuse.log || f=$((f + 1))
	[ "$p" -gt 0 ] || f=$((f + 1))
	if ! grep -q 'WARNING:' /tmp/kunit-misuse-dmesg.log; then
		echo "debug-payload: kunit-misuse: no WARN reported"
		f=$((f + 1))
	fi
	n=$(grep -cE 'BUG:|Oops|general protection|KASAN:|UBSAN:|possible recursive locking|possible circular locking|inconsistent lock state|suspicious RCU usage' \
		/tmp/kunit-misuse-dmesg.log)
	if [ "$n" != 0 ]; then
		echo "debug-payload: kunit-misuse: $n report(s) worse than a WARN (kernel log, inside the window)"
		f=$((f + 1))
	fi
	result kunit-misuse "$p" "$f"
fi

# -- kmemleak: nothing our modules allocated may be left unreferenced ---------------
# Objects younger than 5 s are not reported: wait, and scan twice.
if [ -w $kml ]; then
	sleep 6
	echo scan > $kml
	echo scan > $kml
	cat $kml > /tmp/kmemleak.log
	n=$(grep -c '^unreferenced object' /tmp/kmemleak.log)
	cat /tmp/kmemleak.log
	if [ "$n" = 0 ]; then result kmemleak 1 0; else result kmemleak 0 "$n"; fi
else
	echo "debug-payload: no $kml (kernel without kmemleak?)"
	result kmemleak 0 1
fi

echo "debug-payload: done at $(cut -d' ' -f1 /proc/uptime) s (uptime)"
[ "$failed" = 0 ]

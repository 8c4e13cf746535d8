#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The debug-kernel lane (issue 6): build the debug kernel (cached, see
# build-debug-kernel.sh), build the modules against it, and boot the VM
# lane's whole kernel-side suite (payload.sh) on it in QEMU with -smp 4,
# plus KUnit (rundown_kunit.ko) and kmemleak (debug-payload.sh). Any KASAN,
# lockdep, UBSAN, kmemleak or WARN report fails the run (run-vm.sh).
#
#   debug-lane.sh                  the lane; writes $RESULTS/debug.count
#   debug-lane.sh --plant NAME     evidence: apply planted/NAME.patch to a
#                                  copy of the sources and expect the lane to
#                                  FAIL with the report the bug must cause;
#                                  exit 0 only if it did
#
# Environment (exported by the top-level Makefile): ROOT, BUILD, RESULTS;
# DEBUG_TIMEOUT (seconds for the VM, default 900), JOBS.
# Binaries from "make selftests userspace" are used when present
# ($BUILD/selftests/rundown/rundown_test, $BUILD/userspace/rundown_kernel_test);
# payload.sh reports a missing one as a failure.
set -eu

vm=$(cd "$(dirname "$0")" && pwd)
ROOT=${ROOT:-$(cd "$vm/../.." && pwd)}
BUILD=${BUILD:-$ROOT/build}
RESULTS=${RESULTS:-$BUILD/results}
timeout=${DEBUG_TIMEOUT:-900}
jobs=${JOBS:-$(nproc)}

plant=
if [ "${1:-}" = "--plant" ]; then
	plant=${2:?--plant needs a name}
	[ -f "$vm/planted/$plant.patch" ] || {
		echo "debug-lane: no $vm/planted/$plant.patch" >&2; exit 2; }
fi

say() { echo "debug-lane: $*"; }
die() { echo "debug-lane: $*" >&2; exit 1; }

name=debug${plant:+-planted-$plant}
src=$BUILD/$name-src
out=$BUILD/$name-vm
mkdir -p "$BUILD" "$RESULTS"

# 1. The kernel (instant when cached).
t0=$(date +%s)
kdir=$(sh "$vm/build-debug-kernel.sh") || die "debug kernel build failed"
kernel=$kdir/arch/x86/boot/bzImage
say "kernel $kernel ($(($(date +%s) - t0)) s)"

# 2. The modules, built against it in a copy of the sources: out-of-tree
# modules build in place (M=), and the tree's objects belong to KDIR.
sh "$vm/copy-tree.sh" "$ROOT" "$src"
if ! grep -q 'rundown_kunit\.o' "$src/Kbuild"; then
	say "Kbuild has no rundown_kunit.o yet: adding it to the copy"
	printf '%s\n' 'ifdef CONFIG_KUNIT' \
		'obj-m += kmod/test/rundown_kunit.o kmod/test/rundown_kunit_misuse.o' \
		'endif' >> "$src/Kbuild"
fi
if [ -n "$plant" ]; then
	say "planting $plant.patch"
	patch -d "$src" -p1 --no-backup-if-mismatch < "$vm/planted/$plant.patch" ||
		die "planted/$plant.patch does not apply any more: refresh it"
fi
log=$BUILD/$name-modules.log
# UBSAN_SANITIZE=y: the kernel is built without UBSAN_SANITIZE_ALL, so
# instrument our objects explicitly.
if ! make -C "$kdir" M="$src" UBSAN_SANITIZE=y -j"$jobs" modules > "$log" 2>&1; then
	tail -n 40 "$log" >&2
	die "module build against the debug kernel failed (log: $log)"
fi
say "modules built (log: $log)"

# 3. The payload: the VM lane's payload.sh, run by debug-payload.sh.
pl=$out/payload
rm -rf "$pl"
mkdir -p "$pl"
cp "$src/rundown.ko" "$src/kmod/test/rundown_test.ko" "$pl/"
cp "$src"/kmod/examples/*.ko "$pl/" 2>/dev/null || true
[ -f "$src/kmod/examples/av-scenario.sh" ] && cp "$src/kmod/examples/av-scenario.sh" "$pl/"
for m in rundown_kunit rundown_kunit_misuse; do
	[ -f "$src/kmod/test/$m.ko" ] || die "$m.ko was not built (Kbuild: see debug.mk)"
	cp "$src/kmod/test/$m.ko" "$pl/"
done
[ -x "$BUILD/selftests/rundown/rundown_test" ] && cp "$BUILD/selftests/rundown/rundown_test" "$pl/rundown_selftest"
[ -x "$BUILD/userspace/rundown_kernel_test" ] && cp "$BUILD/userspace/rundown_kernel_test" "$pl/"
cp "$src/selftests/vm/payload.sh" "$pl/fast.sh"
cp "$vm/debug-payload.sh" "$pl/run.sh"

# 4. Boot it.
cmdline=$(sed 's/#.*//' "$vm/debug.cmdline" | tr -s ' \n' '  ')
say "booting (timeout ${timeout}s): $cmdline"
rc=0
sh "$vm/run-vm.sh" -k "$kernel" -p "$pl" -o "$out/run" -t "$timeout" -s 4 \
	-a "$cmdline" || rc=1
console=$out/run/console.log

# Lockdep switches itself off for the rest of the boot after its first
# report, even one provoked on purpose inside an expected-splat window (a
# misuse case). Every part that reports after that ran without lockdep: only
# misuse parts, unload and kmemleak may come after the first lockdep report.
lockdep_re='possible recursive locking|possible circular locking|inconsistent lock state|suspicious RCU usage|irq lock inversion|bad unlock balance|held lock freed|lock held when returning|DEBUG_LOCKS_WARN_ON|BUG: MAX_LOCK'
blind=$(awk -v re="$lockdep_re" '
	!off && $0 ~ re { off = NR; next }
	off && /^(debug-)?payload: [a-z0-9-]+: [0-9]+ passed/ {
		part = $2; sub(/:$/, "", part)
		if (part !~ /misuse/ && part != "unload" && part != "kmemleak")
			printf "%s ", part
	}' "$console")
if [ -n "$blind" ]; then
	say "lockdep was off (switched off by an earlier report, see console) while these parts ran: $blind"
	say "  -> run the misuse cases that provoke lockdep reports after every other part"
	echo "RESULT lockdep-coverage 0 1" >> "$out/run/status.log"
else
	echo "RESULT lockdep-coverage 1 0" >> "$out/run/status.log"
fi

if [ -z "$plant" ]; then
	# Pass/fail counts: every RESULT line, plus one failure when the VM
	# itself failed (splat, timeout, no success line).
	awk -v rc=$rc -v out="$RESULTS/debug.count" '
		/^RESULT / { p += $3; f += $4; print "  debug: " $2 ": " $3 " passed, " $4 " failed"
			     if ($4 + 0 > 0) bad = 1 }
		END { print p + 0, f + rc > out; exit (bad ? 1 : 0) }' "$out/run/status.log" || rc=1
	say "$(cat "$RESULTS/debug.count") (passed failed); console: $console"
	exit $rc
fi

# Planted bug: the lane must fail, with the report the bug causes.
case $plant in
uaf-*) expect='KASAN: (slab-)?use-after-free' ;;
wait-*) expect='possible recursive locking detected' ;;
*) expect='KASAN:|possible recursive locking|WARNING:' ;;
esac
if [ $rc = 0 ] && [ -n "$blind" ]; then
	say "PLANTED $plant: NOT DETECTED (the VM passed: lockdep was already off when it ran)"
	exit 1
elif [ $rc = 0 ]; then
	say "PLANTED $plant: NOT DETECTED (the lane passed)"
	exit 1
fi
# Only a report outside the expected-splat windows counts (misuse cases
# provoke some on purpose inside them).
found=$(awk -v re="$expect" '
	/RUNDOWN-VM: EXPECT-SPLATS-BEGIN/ { inside = 1; next }
	/RUNDOWN-VM: EXPECT-SPLATS-END/ { inside = 0; next }
	!inside && $0 ~ re { print NR; exit }' "$console")
if [ -n "$found" ]; then
	say "PLANTED $plant: detected, the lane failed with:"
	sed -n "${found},$((found + 12))p" "$console" | sed 's/^/  | /'
	exit 0
else
	say "PLANTED $plant: the lane failed, but without '$expect' (see $console)"
	exit 1
fi

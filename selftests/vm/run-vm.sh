#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Boot a kernel in QEMU with a busybox initramfs that runs a payload, and
# pass only on positive evidence.
#
#   run-vm.sh -k KERNEL -p PAYLOAD_DIR -o OUT_DIR [-t SECONDS] [-a CMDLINE]
#             [-m MEM] [-s CPUS]
#
# The payload directory is copied to /payload in the initramfs; /init runs
# /payload/run.sh there with STATUS=/dev/ttyS1 in its environment. Lines the
# payload writes to $STATUS (and "RUNDOWN-VM: ..." lines from /init) land in
# OUT_DIR/status.log; the console (ttyS0: kernel log and the payload's
# output) lands in OUT_DIR/console.log.
#
# The run passes only when /init reports "RUNDOWN-VM: SUCCESS" on the status
# port, which it does only when run.sh exits 0, and when the console shows
# no kernel splat: a panic, oops, BUG, WARNING, lockdep, KASAN, UBSAN or
# kmemleak report, hung task or soft lockup. Splats between the kernel-log
# markers "RUNDOWN-VM: EXPECT-SPLATS-BEGIN" and "...-END" (written to
# /dev/kmsg by a payload that provokes misuse on purpose) are the payload's
# to check. A hang ends at the timeout and fails.
set -eu

usage() {
	sed -n '4,9p' "$0" >&2
	exit 2
}

kernel= payload= out= timeout=300 extra= mem=1G cpus=4
while getopts k:p:o:t:a:m:s: opt; do
	case $opt in
	k) kernel=$OPTARG ;;
	p) payload=$OPTARG ;;
	o) out=$OPTARG ;;
	t) timeout=$OPTARG ;;
	a) extra=$OPTARG ;;
	m) mem=$OPTARG ;;
	s) cpus=$OPTARG ;;
	*) usage ;;
	esac
done
[ -n "$kernel" ] && [ -n "$payload" ] && [ -n "$out" ] || usage
[ -r "$kernel" ] || { echo "run-vm: cannot read kernel $kernel" >&2; exit 2; }
[ -f "$payload/run.sh" ] || { echo "run-vm: no $payload/run.sh" >&2; exit 2; }
busybox=$(command -v busybox || true)
[ -n "$busybox" ] || busybox=/bin/busybox
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' ||
	{ echo "run-vm: need a static busybox (apt-get install busybox-static)" >&2; exit 2; }

rm -rf "$out"
mkdir -p "$out/root/bin" "$out/root/payload"
for d in dev proc sys tmp run sbin usr/bin usr/sbin; do
	mkdir -p "$out/root/$d"
done
cp "$busybox" "$out/root/bin/busybox"
cp -R "$payload/." "$out/root/payload/"
cat > "$out/root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
ln -s /proc/self/fd /dev/fd
STATUS=/dev/ttyS1
export STATUS PATH=/bin:/sbin:/usr/bin:/usr/sbin
echo "RUNDOWN-VM: BOOTED $(uname -r) cpus=$(nproc)" > $STATUS
cd /payload
if sh ./run.sh; then
	echo "RUNDOWN-VM: SUCCESS" > $STATUS
else
	echo "RUNDOWN-VM: FAILURE run.sh exited $?" > $STATUS
fi
sync
reboot -f
EOF
chmod +x "$out/root/init"
(cd "$out/root" && find . | cpio -o -H newc --quiet) | gzip -1 > "$out/initramfs.gz"

: > "$out/console.log"
: > "$out/status.log"
start=$(date +%s)
set +e
timeout --foreground -k 10 "$timeout" qemu-system-x86_64 \
	-machine q35 -cpu max -accel tcg,thread=multi -smp "$cpus" -m "$mem" \
	-kernel "$kernel" -initrd "$out/initramfs.gz" \
	-append "console=ttyS0 panic=-1 oops=panic softlockup_panic=1 hung_task_panic=1 $extra" \
	-display none -monitor none -no-reboot \
	-serial "file:$out/console.log" -serial "file:$out/status.log" \
	</dev/null > "$out/qemu.log" 2>&1
qrc=$?
set -e
end=$(date +%s)

# Splats outside the expected-splat window fail the run.
splats=$(awk '
	/RUNDOWN-VM: EXPECT-SPLATS-BEGIN/ { inside = 1; next }
	/RUNDOWN-VM: EXPECT-SPLATS-END/ { inside = 0; next }
	!inside && /Kernel panic|Oops|BUG:|WARNING:|possible recursive locking|possible circular locking|inconsistent lock state|suspicious RCU usage|KASAN:|UBSAN:|kmemleak:.*new suspected|INFO: task .* blocked|soft lockup|hard LOCKUP|general protection fault|Call Trace:/ { print }
' "$out/console.log")

verdict=FAIL
reason=
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	reason="timed out after ${timeout}s"
elif [ -n "$splats" ]; then
	reason="kernel splat"
elif ! grep -q '^RUNDOWN-VM: SUCCESS' "$out/status.log"; then
	reason="no success line ($(grep '^RUNDOWN-VM:' "$out/status.log" | tail -n 1))"
else
	verdict=PASS
fi
echo "run-vm: $verdict in $((end - start))s${reason:+: $reason} (console: $out/console.log)"
if [ "$verdict" = FAIL ]; then
	[ -n "$splats" ] && printf '%s\n' "$splats" | head -n 20 | sed 's/^/run-vm: splat: /'
	echo "run-vm: last console lines:"
	tail -n 40 "$out/console.log" | sed 's/^/  | /'
	exit 1
fi
exit 0

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Boot a kernel in QEMU with a busybox initramfs that runs a payload, and
# pass only on positive evidence.
#
#   run-vm.sh -k KERNEL -p PAYLOAD_DIR -o OUT_DIR [-t SECONDS] [-a CMDLINE]
#             [-m MEM] [-s CPUS] [-A auto|kvm|tcg]
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
#
# Acceleration (-A, default $RUNDOWN_VM_ACCEL or auto): KVM with -cpu host
# when /dev/kvm is usable, else TCG (software emulation, -cpu max). "auto"
# takes KVM only when a probe boot of KERNEL under KVM prints its banner
# within $RUNDOWN_VM_KVM_PROBE_S seconds (default 20; nested KVM can hang
# before that), and remembers the verdict per host boot, kernel and QEMU
# under ~/.cache/rundown. The choice is printed ("run-vm: accel=...") and
# written to OUT_DIR/accel.
set -eu

usage() {
	sed -n '4,9p' "$0" >&2
	exit 2
}

kernel= payload= out= timeout=300 extra= mem=1G cpus=4 accel=${RUNDOWN_VM_ACCEL:-auto}
while getopts k:p:o:t:a:m:s:A: opt; do
	case $opt in
	k) kernel=$OPTARG ;;
	p) payload=$OPTARG ;;
	o) out=$OPTARG ;;
	t) timeout=$OPTARG ;;
	a) extra=$OPTARG ;;
	m) mem=$OPTARG ;;
	s) cpus=$OPTARG ;;
	A) accel=$OPTARG ;;
	*) usage ;;
	esac
done
case $accel in auto | kvm | tcg) ;; *) usage ;; esac
[ -n "$kernel" ] && [ -n "$payload" ] && [ -n "$out" ] || usage
[ -r "$kernel" ] || { echo "run-vm: cannot read kernel $kernel" >&2; exit 2; }
[ -f "$payload/run.sh" ] || { echo "run-vm: no $payload/run.sh" >&2; exit 2; }
busybox=$(command -v busybox || true)
[ -n "$busybox" ] || busybox=/bin/busybox
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' ||
	{ echo "run-vm: need a static busybox (apt-get install busybox-static)" >&2; exit 2; }

rm -rf "$out"
mkdir -p "$out/root/bin" "$out/root/payload"

# Does KERNEL boot under KVM here? Prints "kvm" or "tcg: <why>".
kvm_verdict() {
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "tcg: no usable /dev/kvm"; return; }
	key="$(cat /proc/sys/kernel/random/boot_id 2>/dev/null) $(readlink -f "$kernel") $(qemu-system-x86_64 --version | head -n 1)"
	cache=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/rundown
	file=$cache/kvm-probe-$(printf '%s' "$key" | cksum | cut -d' ' -f1)
	if [ -s "$file" ]; then
		cat "$file"
		return
	fi
	limit=${RUNDOWN_VM_KVM_PROBE_S:-20}
	log=$out/kvm-probe.log
	: > "$log"
	# No initramfs: the kernel prints its banner, then panics and exits.
	qemu-system-x86_64 -machine q35 -cpu host -accel kvm -smp 1 -m 256M \
		-kernel "$kernel" -append "console=ttyS0 earlyprintk=serial panic=-1" \
		-display none -monitor none -no-reboot -serial "file:$log" \
		</dev/null > /dev/null 2>&1 &
	qpid=$!
	verdict="tcg: a KVM probe boot printed no banner in ${limit}s"
	i=0
	while [ $i -lt $((limit * 5)) ]; do
		if grep -q 'Linux version' "$log"; then
			verdict=kvm
			break
		fi
		kill -0 $qpid 2>/dev/null || { verdict="tcg: a KVM probe boot failed"; break; }
		sleep 0.2
		i=$((i + 1))
	done
	kill $qpid 2>/dev/null || true
	wait $qpid 2>/dev/null || true
	mkdir -p "$cache" && echo "$verdict" > "$file"
	echo "$verdict"
}

case $accel in
auto) why=$(kvm_verdict) ;;
kvm) why=kvm ;;
tcg) why="tcg: requested" ;;
esac
if [ "$why" = kvm ]; then
	accel=kvm
	qaccel="-accel kvm -cpu host"
	extra="earlyprintk=serial $extra"
	echo "run-vm: accel=kvm (-cpu host)"
else
	accel=tcg
	qaccel="-accel tcg,thread=multi -cpu max"
	echo "run-vm: accel=tcg (software emulation: ${why#tcg: })"
fi
echo "$accel" > "$out/accel"
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
	-machine q35 $qaccel -smp "$cpus" -m "$mem" \
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

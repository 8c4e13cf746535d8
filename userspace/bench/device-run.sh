#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# make bench on a bigger machine from built files only (nothing to install:
# the static rundown_bench, and for the kernel part rundown.ko, a kernel
# image, QEMU and a static busybox):
#
#   device-run.sh OUT_DIR
#
# Run from the repository root. The userspace part runs here at THREADS
# read threads (default 1, 2, 4, 8, 12, 16, up to the CPUs). When QEMU and
# KERNEL are there, the kernel part runs in the VM of selftests/vm/run-vm.sh
# (KVM with -cpu host when it works, else TCG; ACCEL forces one) once per
# VM_CPUS count (default 1, 2, 4, 8, 16, up to the CPUs), each as env
# "vm<N>". Writes OUT_DIR/summary.txt, results.json (meta line first),
# tables.txt and the plots (report.sh; gnuplot if installed).
#
# Environment: BIN (build/userspace/bench/rundown_bench), KO (rundown.ko),
# KERNEL (/boot/vmlinuz-*, the newest), THREADS, VM_CPUS, DURATION (ms per
# repetition, 200), REPS (5), KMECHS (all), UMECHS (the VM's userspace
# mechanisms, none: only the kernel's), ACCEL (auto), TIMEOUT (s per VM).
set -eu
out=${1:?usage: device-run.sh OUT_DIR}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${BIN:-$root/build/userspace/bench/rundown_bench}
ko=${KO:-$root/rundown.ko}
kernel=${KERNEL:-$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)}
n=$(nproc)
upto() { # the counts of $1 up to $2, and $2 itself
	for t in $(echo "$1" | tr ',' ' '); do [ "$t" -lt "$2" ] && printf '%s,' "$t"; done
	echo "$2"
}
threads=${THREADS:-$(upto 1,2,4,8,12,16 "$n")}
vmcpus=${VM_CPUS:-$(upto 1,2,4,8,16 "$n")}
dur=${DURATION:-200} reps=${REPS:-5}
args="--duration-ms $dur --reps $reps --samples 1000"

rm -rf "$out"
mkdir -p "$out"
cut -d' ' -f1-3 /proc/loadavg > "$out/loadavg.start"
echo "device-run: userspace part, $n CPUs, read threads $threads"
"$bin" $args --threads "$threads" --env host --json "$out/user.json" > "$out/user.txt" 2> "$out/user.progress" ||
	echo "device-run: userspace part failed (see $out/user.progress)" >&2
cat "$out/user.txt" > "$out/summary.txt"
cat "$out/user.json" > "$out/results.body"

if command -v qemu-system-x86_64 > /dev/null && [ -r "$kernel" ] && [ -r "$ko" ]; then
	for c in $(echo "$vmcpus" | tr ',' ' '); do
		pl=$out/payload-$c
		mkdir -p "$pl"
		cp "$ko" "$bin" "$pl/"
		cp "$here/vm-run.sh" "$pl/run.sh"
		echo "$args" > "$pl/args"
		echo "${KMECHS:-all}" > "$pl/kmechs"
		echo "${UMECHS:-none}" > "$pl/umechs"
		echo "vm$c" > "$pl/env"
		echo "device-run: kernel part, VM with $c virtual CPUs"
		sh "$root/selftests/vm/run-vm.sh" -k "$kernel" -p "$pl" -o "$out/vm$c" -s "$c" -m 2G \
			-t "${TIMEOUT:-1800}" -A "${ACCEL:-auto}" | grep -E '^run-vm: (accel|PASS|FAIL)' || true
		tr -d '\r' < "$out/vm$c/status.log" | grep -aE '^(SUMMARY|SKIPPED|FAILED) ' >> "$out/summary.txt" || true
		tr -d '\r' < "$out/vm$c/status.log" | sed -n 's/^RESULTJSON //p' >> "$out/results.body"
		rm -f "$out/vm"
		ln -s "vm$c" "$out/vm"	# meta.sh describes the last VM
	done
else
	echo "device-run: no kernel part (needs qemu-system-x86_64, KERNEL=$kernel and KO=$ko)"
fi
BENCH_THREADS=$threads BENCH_VM_CPUS=$vmcpus BENCH_DURATION=$dur BENCH_REPS=$reps \
	BENCH_KMECHS=${KMECHS:-all} BENCH_VM_UMECHS=${UMECHS:-none} sh "$here/meta.sh" "$out" "$bin" > "$out/meta.json"
cat "$out/meta.json" "$out/results.body" > "$out/results.json"
rm -f "$out/results.body"
sh "$here/report.sh" "$out" | tee "$out/tables.txt"

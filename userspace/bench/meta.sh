#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# meta.sh OUT_DIR BIN: the first line of results.json, one JSON object
# {"type":"meta",...} saying what ran where: commit, date, host CPU and
# kernel, the VM's (from OUT_DIR/vm/status.log's VMMETA line and
# OUT_DIR/vm/accel), compilers, liburcu, QEMU, the load average before and
# after (OUT_DIR/loadavg.start; the cores may be shared), and every BENCH_*
# variable in the environment.
set -eu
out=$1 bin=$2

# A JSON string from arbitrary text: no quotes, backslashes or controls.
q() { printf '"%s"' "$(printf '%s' "$1" | tr -d '"\\' | tr '\t\n' '  ')"; }

root=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
commit=$(git -C "$root" describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)
cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)
vmmeta=$(tr -d '\r' 2>/dev/null < "$out/vm/status.log" | sed -n 's/^VMMETA //p' | head -n 1)
accel=$(cat "$out/vm/accel" 2>/dev/null || echo none)
kcc=$(sed -n 's/^CONFIG_CC_VERSION_TEXT=//p' "${KDIR:-/nonexistent}/include/config/auto.conf" 2>/dev/null | tr -d '"')
urcu=$(dpkg-query -W -f='${Version}' liburcu-dev 2>/dev/null || echo unknown)
qemu=$(qemu-system-x86_64 --version 2>/dev/null | head -n 1 || true)
# One field of the VM's object, as JSON; null without a VM.
vm() {
	v=$(printf '%s' "$vmmeta" | sed -n "s/.*\"$1\":\\(\"[^\"]*\"\\|[0-9][0-9]*\\).*/\\1/p")
	echo "${v:-null}"
}

params=
for v in $(env | sed -n 's/^\(BENCH_[A-Z_]*\)=.*/\1/p' | sort); do
	eval "val=\${$v}"
	params="$params${params:+,}\"$v\":$(q "$val")"
done

printf '{"type":"meta","commit":%s,"date":%s,"cpu":%s,"vm_cpu":%s,' \
	"$(q "$commit")" "$(q "$(date -u +%Y-%m-%dT%H:%M:%SZ)")" "$(q "$cpu")" "$(vm cpu)"
printf '"cpus":{"host":%s,"vm":%s},"kernel":{"host":%s,"vm":%s},' \
	"$(nproc)" "$(vm cpus)" "$(q "$(uname -r)")" "$(vm kernel)"
printf '"compiler":{"userspace":%s,"kernel":%s},"liburcu":%s,"qemu":%s,"accel":%s,' \
	"$(q "$("$bin" --version 2>/dev/null || echo unknown)")" "$(q "${kcc:-unknown}")" "$(q "$urcu")" \
	"$(q "${qemu:-none}")" "$(q "$accel")"
printf '"loadavg":{"start":%s,"end":%s},"params":{%s}}\n' \
	"$(q "$(cat "$out/loadavg.start" 2>/dev/null || echo unknown)")" "$(q "$(cut -d' ' -f1-3 /proc/loadavg)")" \
	"$params"

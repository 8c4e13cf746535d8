#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The kernel part of make bench, run inside the VM by run-vm.sh (as
# /payload/run.sh): load rundown.ko, run RUNDOWN_IOC_BENCH over the kernel
# mechanisms, then the userspace mechanisms (the kernel object through the
# ioctl among them) on the same virtual CPUs. Result lines go to $STATUS:
# SUMMARY, SKIPPED and FAILED lines, the JSON lines as "RESULTJSON ...",
# and one "VMMETA {...}" object describing the VM.
set -u
STATUS=${STATUS:-/dev/null}
args=$(cat args)
env=$(cat env 2>/dev/null || echo vm)	# device-run.sh: vm<CPUs>
cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1 | sed 's/["\\]//g')
echo "VMMETA {\"kernel\":\"$(uname -r)\",\"cpus\":$(nproc),\"cpu\":\"$cpu\"}" > "$STATUS"
insmod ./rundown.ko || exit 1
rc=0
# shellcheck disable=SC2086 # $args is a list of options
./rundown_bench --kernel --env "$env" --mechs "$(cat kmechs)" $args --json /tmp/k.json > /tmp/k.txt || rc=1
# shellcheck disable=SC2086
./rundown_bench --env "$env" --mechs "$(cat umechs)" $args --json /tmp/u.json > /tmp/u.txt || rc=1
grep -hE '^(SUMMARY|SKIPPED|FAILED) ' /tmp/k.txt /tmp/u.txt > "$STATUS"
sed 's/^/RESULTJSON /' /tmp/k.json /tmp/u.json > "$STATUS"
rmmod rundown || rc=1
exit $rc

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The kernel part of make bench, run inside the VM by run-vm.sh (as
# /payload/run.sh): load rundown.ko, run RUNDOWN_IOC_BENCH over the kernel
# mechanisms, then the userspace mechanisms (the kernel object through the
# ioctl among them) on the same emulated CPUs. Result lines go to $STATUS.
set -u
STATUS=${STATUS:-/dev/null}
args=$(cat args)
insmod ./rundown.ko || exit 1
rc=0
./rundown_bench --kernel --env vm --mechs "$(cat kmechs)" $args --json /tmp/k.json > /tmp/k.txt || rc=1
./rundown_bench --env vm --mechs "$(cat umechs)" $args --json /tmp/u.json > /tmp/u.txt || rc=1
grep -hE '^(SUMMARY|FAILED) ' /tmp/k.txt /tmp/u.txt > "$STATUS"
sed 's/^/RESULTJSON /' /tmp/k.json /tmp/u.json > "$STATUS"
rmmod rundown || rc=1
exit $rc

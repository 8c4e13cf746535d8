#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The cache-aware fast paths hold no locked instruction, no exchange with
# memory and no fence (issue 14): disassemble the out-of-line copies that
# rundown_test.ko carries (rundown_test_ool.c, rundown_test_nt.c) and look.
#
#   check-fastpath.sh COUNT_FILE rundown_test.ko
#
# One test per function: found in the module, and none of the forbidden
# instructions in its body (calls are allowed: preempt_schedule on the way
# out, the slow path once run-down began, lockdep's hooks on a debug
# kernel). x86-64 only; elsewhere it says so and counts nothing.
set -u
count=$1 ko=$2
passed=0 failed=0
fns="ool_rundown_pcpu_acquire ool_rundown_pcpu_acquire_many
ool_rundown_pcpu_release ool_rundown_pcpu_release_many
ool_ExAcquireRundownProtectionCacheAware ool_ExAcquireRundownProtectionCacheAwareEx
ool_ExReleaseRundownProtectionCacheAware ool_ExReleaseRundownProtectionCacheAwareEx"
# x86: the lock prefix, xchg (always locked with memory), cmpxchg, and the
# fences; mfence also hides in "lock or $0, (%rsp)", caught by "lock".
forbidden='(^|[[:space:]])(lock|xchg[bwlq]?|cmpxchg[0-9bwlq]*|mfence|lfence|sfence)([[:space:]]|$)'

case $(file -b "$ko") in
*x86-64*) ;;
*)
	echo "fastpath: $ko is not x86-64: nothing checked"
	echo "0 0" > "$count"
	exit 0
	;;
esac
for fn in $fns; do
	body=$(objdump -d --no-show-raw-insn --disassemble="$fn" "$ko" |
		awk -v fn="$fn" '$0 ~ "<" fn ">:$" { on = 1; next } on && /^$/ { exit } on')
	if [ -z "$body" ]; then
		echo "fastpath: $fn: not found in $ko: FAILED"
		failed=$((failed + 1))
		continue
	fi
	bad=$(printf '%s\n' "$body" | cut -f2- | grep -E "$forbidden")
	n=$(printf '%s\n' "$body" | wc -l)
	if [ -n "$bad" ]; then
		echo "fastpath: $fn: FAILED, forbidden instruction(s):"
		printf '%s\n' "$bad" | sed 's/^/  | /'
		failed=$((failed + 1))
	else
		echo "fastpath: $fn: $n instructions, none locked, no exchange, no fence"
		passed=$((passed + 1))
	fi
done
echo "fastpath: $passed passed, $failed failed"
echo "$passed $failed" > "$count"
[ "$failed" = 0 ]

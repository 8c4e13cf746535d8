#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The cache-aware fast paths hold no locked instruction, no exchange with
# memory and no fence (issue 14), and the debugging hooks add no branch to
# them while they are off (issue 12): disassemble the out-of-line copies
# that rundown_test.ko carries (rundown_test_ool.c, rundown_test_nt.c) and
# the same copies compiled without the hooks (*_nohooks.o), and look.
#
#   check-fastpath.sh COUNT_FILE rundown_test.ko OBJ_WITHOUT_HOOKS...
#
# Two tests per function. One: found in the module, and none of the
# forbidden instructions in its body (calls are allowed: preempt_schedule
# on the way out, the slow path once run-down began; so is the two-byte
# no-op "xchg %ax,%ax" that a jump label may be). Two: as many conditional
# branches as without the hooks: each hook is a jump label, a no-op that
# the kernel patches into a jump when tracking is switched on, plus code
# out of the way that only that jump reaches. x86-64 only; elsewhere it
# says so and counts nothing.
set -u
count=$1 ko=$2
shift 2
refs="$*"
passed=0 failed=0
fns="ool_rundown_pcpu_acquire ool_rundown_pcpu_acquire_many
ool_rundown_pcpu_release ool_rundown_pcpu_release_many
ool_ExAcquireRundownProtectionCacheAware ool_ExAcquireRundownProtectionCacheAwareEx
ool_ExReleaseRundownProtectionCacheAware ool_ExReleaseRundownProtectionCacheAwareEx"
# x86: the lock prefix, xchg with a memory operand (always locked),
# cmpxchg, and the fences; mfence also hides in "lock or $0, (%rsp)",
# caught by "lock".
forbidden='(^|[[:space:]])(lock|cmpxchg[0-9bwlq]*|mfence|lfence|sfence)([[:space:]]|$)|xchg[bwlq]?[[:space:]].*\('

# body FN OBJECT: the instructions (mnemonic and operands) of FN in OBJECT.
body() {
	objdump -d --no-show-raw-insn --disassemble="$1" "$2" |
		awk -v fn="$1" '$0 ~ "<" fn ">:$" { on = 1; next } on && /^$/ { exit } on' |
		cut -f2-
}

# branches FN OBJECT: how many conditional branches FN has.
branches() {
	body "$1" "$2" | awk '$1 ~ /^j/ && $1 != "jmp" { n++ } END { print n + 0 }'
}

case $(file -b "$ko") in
*x86-64*) ;;
*)
	echo "fastpath: $ko is not x86-64: nothing checked"
	echo "0 0" > "$count"
	exit 0
	;;
esac
for fn in $fns; do
	code=$(body "$fn" "$ko")
	if [ -z "$code" ]; then
		echo "fastpath: $fn: not found in $ko: FAILED"
		failed=$((failed + 2))
		continue
	fi
	bad=$(printf '%s\n' "$code" | grep -E "$forbidden")
	n=$(printf '%s\n' "$code" | wc -l)
	if [ -n "$bad" ]; then
		echo "fastpath: $fn: FAILED, forbidden instruction(s):"
		printf '%s\n' "$bad" | sed 's/^/  | /'
		failed=$((failed + 1))
	else
		echo "fastpath: $fn: $n instructions, none locked, no exchange, no fence"
		passed=$((passed + 1))
	fi
	ref=
	for o in $refs; do
		[ -n "$(body "$fn" "$o")" ] && ref=$o
	done
	if [ -z "$ref" ]; then
		echo "fastpath: $fn: no copy without the hooks among: $refs: FAILED"
		failed=$((failed + 1))
		continue
	fi
	with=$(branches "$fn" "$ko") without=$(branches "$fn" "$ref")
	if [ "$with" = "$without" ]; then
		echo "fastpath: $fn: $with conditional branches, as many as without the hooks ($(body "$fn" "$ref" | wc -l) instructions there)"
		passed=$((passed + 1))
	else
		echo "fastpath: $fn: FAILED, $with conditional branches with the hooks, $without without"
		failed=$((failed + 1))
	fi
done
echo "fastpath: $passed passed, $failed failed"
echo "$passed $failed" > "$count"
[ "$failed" = 0 ]

#!/bin/sh
# Sum the per-suite counts written by "make check-<suite>" into one line.
# A suite that wrote no count, or whose make target failed while reporting no
# failure, counts as one failure: a suite passes only on positive evidence.
set -u
results=${RESULTS:-build/results}
passed=0
failed=0
for s in "$@"; do
	p=0 f=1 rc=1
	[ -f "$results/$s.rc" ] && rc=$(cat "$results/$s.rc")
	if [ -f "$results/$s.count" ]; then
		read -r p f < "$results/$s.count"
		[ "$rc" != 0 ] && [ "$f" = 0 ] && f=1
	fi
	printf '  %-16s %5s passed %5s failed%s\n' "$s" "$p" "$f" \
		"$([ "$rc" = 0 ] || echo " (exit $rc)")"
	passed=$((passed + p))
	failed=$((failed + f))
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

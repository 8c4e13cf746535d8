#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Run one GoogleTest binary and write "<passed> <failed>" to COUNT_FILE.
#   run-suite.sh COUNT_FILE BINARY [gtest args...]
# The counts come from GoogleTest's summary lines ("[  PASSED  ] N tests",
# "[  FAILED  ] N tests"). A binary that dies before printing them (a crash,
# a sanitizer report with halt_on_error) or exits non-zero with no failure
# counted counts one more failure. Exits non-zero when anything failed.
set -u
count_file=$1
shift
log=${count_file%.count}.log
mkdir -p "$(dirname "$count_file")"
{
	"$@" 2>&1
	echo $? >"$log.rc"
} | tee "$log"
rc=$(cat "$log.rc")
rm -f "$log.rc"
passed=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) tests\{0,1\}\..*/\1/p' "$log" | tail -n 1)
failed=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) tests\{0,1\}, listed below:.*/\1/p' "$log" | tail -n 1)
passed=${passed:-0}
failed=${failed:-0}
if [ "$rc" != 0 ] && [ "$failed" = 0 ]; then
	echo "run-suite.sh: $1 exited with status $rc" >&2
	failed=1
fi
echo "$passed $failed" >"$count_file"
echo "run-suite.sh: $(basename "$count_file" .count): $passed passed, $failed failed"
[ "$failed" = 0 ]

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# The userspace part on a bigger machine without liburcu (the static
# rundown_bench needs nothing installed): 1..16 threads by default.
#
#   device-run.sh BIN OUT_DIR [THREADS] [DURATION_MS]
#
# Writes OUT_DIR/summary.txt, results.json and tables.txt (report.sh, when
# it sits beside this script and awk is there; plots need gnuplot).
set -eu
bin=$1 out=$2 threads=${3:-1,2,4,8,12,16} dur=${4:-500}
mkdir -p "$out"
env=$(nproc)cpu
"$bin" --env "$env" --threads "$threads" --duration-ms "$dur" --samples 500 \
	--json "$out/results.json" > "$out/user.txt"
grep -E '^(SUMMARY|FAILED) ' "$out/user.txt" > "$out/summary.txt"
here=$(dirname "$0")
[ -f "$here/report.sh" ] && sh "$here/report.sh" "$out/summary.txt" "$out" | tee "$out/tables.txt"

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Check the Promela models of the concurrency protocols with spin.
#
#   run-models.sh COUNT_FILE [MODEL.pml ...]   (default: every *.pml here)
#
# Every model must verify: spin finds no assertion violation, no invalid end
# state (a process blocked forever, such as a wait that never returns) and,
# where the model asks for it, no acceptance cycle of its LTL claims; the
# search must also be complete (no "max search depth too small").
#
# Every planted bug must be caught:
# - a file named *-mutant.pml must fail to verify;
# - a line "// plant: NAME" in a model names a preprocessor macro: the model
#   compiled with -DNAME must fail to verify.
#
# Further lines a model may hold:
#   // spin: FLAGS   extra flags for "spin -a" (before the file name)
#   // cc: FLAGS     extra flags for compiling pan.c (e.g. -DSAFETY)
#   // pan: FLAGS    extra flags for running pan (e.g. -m200000 -a)
#
# Writes "<passed> <failed>" to COUNT_FILE: one test per model and one per
# planted bug.
set -u
here=$(cd "$(dirname "$0")" && pwd)
count=$1
shift
[ $# -gt 0 ] || set -- "$here"/*.pml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0

# field FILE KEY: the flags of the "// KEY:" lines of FILE, joined.
field() { sed -n "s|^// $2: *||p" "$1" | tr '\n' ' '; }

# verify FILE [DEFINE]: 0 when spin verifies the model, 1 when it finds an
# error, 2 when the check itself could not run or was incomplete. The
# output lands in $work/out.
verify() {
	file=$1 def=${2:+-D$2}
	dir=$work/run
	rm -rf "$dir" && mkdir -p "$dir"
	cp "$file" "$dir/model.pml"
	(
		cd "$dir" || exit 2
		# shellcheck disable=SC2046
		spin $def $(field model.pml spin) -a model.pml > spin.log 2>&1 || { cat spin.log; exit 2; }
		# shellcheck disable=SC2046
		cc -O2 -w -o pan $def $(field model.pml cc) pan.c > cc.log 2>&1 || { cat cc.log; exit 2; }
		# shellcheck disable=SC2046
		./pan $(field model.pml pan) > pan.log 2>&1
		cat pan.log
		n=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' pan.log | tail -n 1)
		[ -n "$n" ] || exit 2
		[ "$n" -gt 0 ] && exit 1
		grep -q 'max search depth too small' pan.log && exit 2
		exit 0
	) > "$work/out" 2>&1
}

report() { # name expect-pass(0/1) rc
	what=$1 want=$2 rc=$3
	states=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' "$work/out" | tail -n 1)
	if [ "$want" = pass ] && [ "$rc" = 0 ]; then
		echo "model: $what: verified (${states:-?} states)"
		passed=$((passed + 1))
	elif [ "$want" = fail ] && [ "$rc" = 1 ]; then
		found=$(grep -m1 -E 'assertion violated|invalid end state|acceptance cycle|non-progress cycle' "$work/out")
		echo "model: $what: caught as expected: ${found:-error}"
		passed=$((passed + 1))
	else
		echo "model: $what: FAILED (wanted $want, got rc=$rc)"
		sed 's/^/  | /' "$work/out" | tail -n 30
		failed=$((failed + 1))
	fi
}

for f in "$@"; do
	name=$(basename "$f" .pml)
	case $name in
	*-mutant)
		verify "$f"
		report "$name" fail $?
		continue
		;;
	esac
	verify "$f"
	report "$name" pass $?
	for plant in $(sed -n 's|^// plant: *\([A-Za-z0-9_]*\).*|\1|p' "$f"); do
		verify "$f" "$plant"
		report "$name+$plant" fail $?
	done
done
echo "model: $passed passed, $failed failed"
echo "$passed $failed" > "$count"
[ "$failed" = 0 ]

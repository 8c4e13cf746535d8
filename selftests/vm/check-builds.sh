#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make check-builds: compile the modules (rundown.ko, the examples, the test
# module) against the kernels that Debian's is not, each prepared once from
# linux-source-6.1 and cached by build-kernel.sh:
#
#   nosmp   x86_64 without CONFIG_SMP
#   i386    32-bit x86 (ARCH=i386)
#
# A tree passes when the build (W=1) succeeds with no compiler or modpost warning
# (modpost checks every symbol against the tree's Module.symvers: a 64-bit
# division that needs libgcc fails on i386) and every module is there. A
# third test checks the layering on the nosmp objects: the primitive's
# units (kmod/rundown.o, kmod/rundown_ptr.o) use no symbol of main.o, dev.o
# or bench.o and hold no module init or exit, and their sources include
# neither internal.h nor the device's uapi. Writes "passed failed" to
# $RESULTS/builds.count.
#
# Environment (exported by the top-level Makefile): ROOT, BUILD, RESULTS; JOBS.
set -u

vm=$(cd "$(dirname "$0")" && pwd)
ROOT=${ROOT:-$(cd "$vm/../.." && pwd)}
BUILD=${BUILD:-$ROOT/build}
RESULTS=${RESULTS:-$BUILD/results}
jobs=${JOBS:-$(nproc)}
passed=0 failed=0
mkdir -p "$BUILD" "$RESULTS"

ok() { echo "builds: $1: ok"; passed=$((passed + 1)); }
bad() { echo "builds: $1: FAILED: $2"; failed=$((failed + 1)); }

# Build every module of the tree against kernel tree $1 in copy $2; $3: ARCH=.
build_against() {
	t0=$(date +%s)
	if ! kdir=$(sh "$vm/build-kernel.sh" "$1"); then
		bad "$1" "no kernel tree (build-kernel.sh $1)"
		return
	fi
	src=$BUILD/builds-$1-src
	log=$BUILD/builds-$1.log
	sh "$vm/copy-tree.sh" "$ROOT" "$src" || { bad "$1" "copying the sources"; return; }
	if ! make -C "$kdir" M="$src" $2 W=1 -j"$jobs" modules > "$log" 2>&1; then
		tail -n 30 "$log" | sed 's/^/  | /'
		bad "$1" "the build failed (log: $log)"
		return
	fi
	# Compiler, linker and modpost warnings; not make's own messages.
	if grep -vE '^make(\[[0-9]+\])?: ' "$log" | grep -E 'warning:|error:|WARNING:' > "$log.warnings"; then
		sed 's/^/  | /' "$log.warnings"
		bad "$1" "warnings (log: $log)"
		return
	fi
	# modules.order names each module as foo.o or foo.ko, relative or not.
	n=0
	for m in $(sed 's/\.k\{0,1\}o$/.ko/' "$src/modules.order"); do
		case $m in /*) ;; *) m=$src/$m ;; esac
		[ -f "$m" ] || { bad "$1" "$m was not built"; return; }
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || { bad "$1" "no module built"; return; }
	ok "$1 ($n modules, $(($(date +%s) - t0)) s)"
}

# The primitive's units: nothing from main.o, dev.o or bench.o; no module init.
PRIMITIVE="rundown rundown_ptr"
layering() {
	objs=$BUILD/builds-nosmp-src/kmod
	for o in main dev bench $PRIMITIVE; do
		[ -f "$objs/$o.o" ] || { bad layering "no $objs/$o.o (the nosmp build failed)"; return; }
	done
	for o in main dev bench; do
		nm --defined-only "$objs/$o.o" | awk '{ print $3 }'
	done | sort -u > "$BUILD/builds-layering.defined"
	for o in $PRIMITIVE; do
		nm -u "$objs/$o.o" | awk '{ print $2 }' | sort -u > "$BUILD/builds-layering.used"
		uses=$(comm -12 "$BUILD/builds-layering.defined" "$BUILD/builds-layering.used" | tr '\n' ' ')
		[ -z "$uses" ] || { bad layering "kmod/$o.o uses $uses"; return; }
		if nm --defined-only "$objs/$o.o" | grep -qwE 'init_module|cleanup_module|__this_module'; then
			bad layering "kmod/$o.o holds module init or exit"
			return
		fi
		if grep -nE '#include +("internal\.h"|<uapi/linux/rundown\.h>)' \
			"$ROOT/kmod/$o.c" "$ROOT/kmod/include/linux/$o.h"; then
			bad layering "the primitive includes the device's headers"
			return
		fi
	done
	ok layering
}

build_against nosmp ""
build_against i386 ARCH=i386
layering
echo "$passed $failed" > "$RESULTS/builds.count"
echo "builds: $passed passed, $failed failed"
[ "$failed" = 0 ]

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# librundown's binary interface, checked:
#
#   check-abi.sh COUNT_FILE SRC_DIR BUILD_DIR WORK_DIR
#
# SRC_DIR is userspace/, BUILD_DIR the native CMake build (librundown.so,
# rundown_probe), WORK_DIR scratch space for the cross builds. Tests:
#  symbols     librundown.so exports exactly userspace/abi/librundown.symbols
#              (nothing from std:: or detail);
#  documented  the list's C symbols are exactly the functions the public C
#              headers (rundown.h, ptr.h) declare, and the rundown_slow_*
#              entries detail/core.hpp declares for the inline code;
#  soname      librundown.so.<RUNDOWN_ABI_VERSION>;
#  layout      the layout and encodings the inline code bakes in equal
#              userspace/abi/layout-<RUNDOWN_ABI_VERSION>.txt: a change
#              without a bump of RUNDOWN_ABI_VERSION (soname, inline
#              namespace) fails here;
#  i386        the same layout compiled for i386 (its static asserts) and
#              run: identical;
#  aarch64     the C and C++ headers (rundown.h, ptr.h) compiled for aarch64
#              (static asserts);
#  i386-probe  the cache-aware variant running on i386 (locked protocol);
#  hygiene     a program with its own struct rseq compiles against the
#              headers; neither <sys/rseq.h> nor a helper macro leaks;
#  nodiscard-c / nodiscard-cxx
#              ignoring a timed wait's result fails to compile, using it
#              compiles.
# Writes "<passed> <failed>" to COUNT_FILE.
set -u
count=$1 src=$2 build=$3 work=$4
mkdir -p "$work"
passed=0 failed=0
inc="-I$src/include"
abi=$(sed -n 's/^#define RUNDOWN_ABI_VERSION \([0-9]*\)$/\1/p' "$src/include/rundown/rundown.h")

result() { # name rc message
	if [ "$2" = 0 ]; then
		echo "abi: $1: ok"
		passed=$((passed + 1))
	else
		echo "abi: $1: FAILED: $3"
		failed=$((failed + 1))
	fi
}

# symbols
nm -D --defined-only -C "$build/librundown.so" | awk '{ $1 = ""; $2 = ""; sub(/^  /, ""); print }' |
	LC_ALL=C sort -u >"$work/symbols"
grep -v '^#' "$src/abi/librundown.symbols" >"$work/symbols.want"
rc=0
diff -u "$work/symbols.want" "$work/symbols" >"$work/symbols.diff" || rc=1
grep -Eq 'std::|detail' "$work/symbols" && rc=1
result symbols $rc "exports differ from abi/librundown.symbols: $(cat "$work/symbols.diff")"

# documented: the C functions the headers declare, one per line, against
# the list's C symbols
{
	sed -n 's/^\(RUNDOWN_MUST_CHECK \)\{0,1\}\(const \)\{0,1\}\(void\|bool\|int\|char\|unsigned\)[ *]*\(rundown_[a-z0-9_]*\)(.*/\4/p' \
		"$src/include/rundown/rundown.h" "$src/include/rundown/ptr.h"
	sed -n 's/^\(\[\[[^]]*\]\] \)\{0,1\}\(void\|bool\|unsigned\) \(rundown_slow_[a-z_]*\)(.*/\3/p' \
		"$src/include/rundown/detail/core.hpp"
} | LC_ALL=C sort >"$work/declared"
grep '^rundown_[a-z0-9_]*$' "$work/symbols.want" >"$work/symbols.c"
rc=0
[ -s "$work/declared" ] && diff -u "$work/declared" "$work/symbols.c" >"$work/declared.diff" || rc=1
result documented $rc "the headers' C functions differ from abi/librundown.symbols: $(cat "$work/declared.diff")"

# soname
so=$(readelf -d "$build/librundown.so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$so" = "librundown.so.$abi" ]
result soname $? "soname '$so', want librundown.so.$abi (RUNDOWN_ABI_VERSION)"

# layout
rc=0
c++ -std=c++20 $inc -o "$work/layout" "$src/tests/abi/layout.cpp" && "$work/layout" >"$work/layout.txt" || rc=1
if [ $rc = 0 ] && [ ! -r "$src/abi/layout-$abi.txt" ]; then
	msg="no abi/layout-$abi.txt: record it ($work/layout.txt)"
	rc=1
elif [ $rc = 0 ] && ! diff -u "$src/abi/layout-$abi.txt" "$work/layout.txt" >"$work/layout.diff"; then
	msg="the inline code's layout or encoding changed without an ABI bump: raise RUNDOWN_ABI_VERSION (soname, inline namespace abi$abi) and record abi/layout-<new>.txt: $(cat "$work/layout.diff")"
	rc=1
fi
result layout $rc "${msg:-the layout printer did not build or run}"

# i386: compiled (static asserts) and run, the same layout
rc=0
i686-linux-gnu-g++ -std=c++20 -static $inc -o "$work/layout-i386" "$src/tests/abi/layout.cpp" &&
	i686-linux-gnu-gcc -std=c11 -fsyntax-only $inc -x c "$src/include/rundown/rundown.h" &&
	i686-linux-gnu-gcc -std=c11 -fsyntax-only $inc -x c "$src/include/rundown/ptr.h" &&
	"$work/layout-i386" | diff -u "$work/layout.txt" - || rc=1
result i386 $rc "the i386 layout differs or does not build"

# aarch64: compiled (static asserts, and the rseq sections assemble)
rc=0
aarch64-linux-gnu-g++ -std=c++20 $inc -c -o "$work/layout-aarch64.o" "$src/tests/abi/layout.cpp" &&
	aarch64-linux-gnu-gcc -std=c11 -fsyntax-only $inc -x c "$src/include/rundown/rundown.h" &&
	aarch64-linux-gnu-gcc -std=c11 -fsyntax-only $inc -x c "$src/include/rundown/ptr.h" || rc=1
result aarch64 $rc "the headers do not build for aarch64"

# i386-probe: the cache-aware variant runs there (locked protocol)
rc=0
i686-linux-gnu-g++ -std=c++20 -O2 -static -pthread $inc -o "$work/probe-i386" \
	"$src/src/rundown.cpp" "$src/src/pcpu.cpp" "$src/src/debug.cpp" "$src/tests/probe.cpp" &&
	out=$("$work/probe-i386") && [ "$out" = "protocol=locked
ok" ] || rc=1
result i386-probe $rc "the probe failed on i386: ${out:-}"

# hygiene
c++ -std=c++20 -Wall -Werror -fsyntax-only $inc "$src/tests/abi/hygiene.cpp"
result hygiene $? "the headers leak <sys/rseq.h> or a macro"

# nodiscard: ignoring fails, using compiles
rc=0
for i in 0 1 2 3 4 5 6 7 8 9; do
	# It must fail, and for the ignored result, not for anything else.
	cc -std=c11 -c -Werror=unused-result -DIGNORE=$i $inc -o "$work/n.o" "$src/tests/abi/ignore_timeout.c" \
		2>"$work/n.err" && rc=1
	grep -q 'unused-result' "$work/n.err" || rc=1
done
cc -std=c11 -c -Werror=unused-result -DUSE_RESULT $inc -o "$work/n.o" "$src/tests/abi/ignore_timeout.c" || rc=1
result nodiscard-c $rc "an ignored rundown_*wait_{timeout,until} or rundown_ptr_*_timeout result compiled, or the control did not"
rc=0
for i in 0 1 2 3 4 5 6; do
	c++ -std=c++20 -c -Werror -DIGNORE=$i $inc -o "$work/n.o" "$src/tests/abi/ignore_timeout.cpp" \
		2>"$work/n.err" && rc=1
	grep -q 'unused-result' "$work/n.err" || rc=1
done
c++ -std=c++20 -c -Werror -DUSE_RESULT $inc -o "$work/n.o" "$src/tests/abi/ignore_timeout.cpp" || rc=1
result nodiscard-cxx $rc "an ignored wait_for/wait_until or ptr replace_for/retire_for/reclaim_for result compiled, or the control did not"

echo "abi: $passed passed, $failed failed"
echo "$passed $failed" >"$count"
[ "$failed" = 0 ]

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# librundown as a dependency, tried as its users would (consumers/):
#
#   check-package.sh COUNT_FILE SRC_DIR BUILD_DIR WORK_DIR
#
# SRC_DIR is userspace/, BUILD_DIR a configured native build, WORK_DIR
# scratch space. Tests:
#  find-package  installed to a prefix: find_package(rundown 0.<minor>)
#                builds and runs a consumer on the shared and on the
#                static library;
#  version       find_package of another minor version (0.x: none is
#                compatible) or of a newer one fails;
#  subdir        add_subdirectory of the source tree, GTest unfindable, no
#                build type, a C++17 target beside it: builds and runs;
#  fetch         the same through FetchContent;
#  pkg-config    a C program built with pkg-config's flags runs; the .pc
#                file says C++20 for the C++ headers.
# Writes "<passed> <failed>" to COUNT_FILE.
set -u
count=$1 src=$(cd "$2" && pwd) build=$3 work=$4
rm -rf "$work" && mkdir -p "$work" && work=$(cd "$work" && pwd)
consumers=$src/tests/consumers
prefix=$work/prefix
passed=0 failed=0
log=$work/log

result() { # name rc
	if [ "$2" = 0 ]; then
		echo "package: $1: ok"
		passed=$((passed + 1))
	else
		echo "package: $1: FAILED"
		sed 's/^/  | /' "$log" | tail -n 25
		failed=$((failed + 1))
	fi
}

version=$(sed -n 's/^project(rundown VERSION \([0-9.]*\) .*/\1/p' "$src/CMakeLists.txt")
minor=${version%.*}
major=${minor%.*}
next=$major.$((${minor#*.} + 1))
prev=$major.$((${minor#*.} - 1))

cmake --install "$build" --prefix "$prefix" >"$log" 2>&1 || { result install 1; }

# find-package
rc=0
{
	cmake -S "$consumers/find-package" -B "$work/fp" -DCMAKE_PREFIX_PATH="$prefix" -DRUNDOWN_WANT="$minor" &&
		cmake --build "$work/fp" &&
		LD_LIBRARY_PATH=$prefix/lib "$work/fp/consumer_shared" &&
		"$work/fp/consumer_static" &&
		LD_LIBRARY_PATH=$prefix/lib ldd "$work/fp/consumer_shared" | grep -q "librundown.so.[0-9]"
} >"$log" 2>&1 || rc=1
result "find-package (rundown $minor)" $rc

# version: another minor, a newer one
rc=0
for want in "$prev" "$next"; do
	cmake -S "$consumers/find-package" -B "$work/fp-$want" -DCMAKE_PREFIX_PATH="$prefix" \
		-DRUNDOWN_WANT="$want" >"$log" 2>&1 && rc=1
done
result "version ($prev and $next refused)" $rc

# subdir, fetch
for how in subdir fetch; do
	rc=0
	{
		cmake -S "$consumers/subdir" -B "$work/$how" -DRUNDOWN_HOW=$how -DRUNDOWN_SOURCE_DIR="$src" \
			-DCMAKE_DISABLE_FIND_PACKAGE_GTest=ON &&
			cmake --build "$work/$how" -j 2 &&
			"$work/$how/consumer"
	} >"$log" 2>&1 || rc=1
	result "$how (no GTest)" $rc
done

# pkg-config
rc=0
{
	export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
	[ "$(pkg-config --variable=cxx_std rundown)" = c++20 ] &&
		# shellcheck disable=SC2046
		cc -std=c11 -Wall -Werror -o "$work/c-consumer" "$consumers/pkg-config/main.c" \
			$(pkg-config --cflags --libs rundown) &&
		LD_LIBRARY_PATH=$prefix/lib "$work/c-consumer" | grep -q '^protocol='
} >"$log" 2>&1 || rc=1
result pkg-config $rc

echo "package: $passed passed, $failed failed"
echo "$passed $failed" >"$count"
[ "$failed" = 0 ]

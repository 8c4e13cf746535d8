#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) one of the lanes' kernel trees from Debian's linux-source-6.1
# and print its directory on stdout. That directory is a complete O= build
# tree, usable as KDIR for out-of-tree modules (make -C <dir> M=...):
#
#   debug   the debug-kernel lane's kernel (debug.config: KASAN, lockdep,
#           KUnit, ...), booted in QEMU: <dir>/arch/x86/boot/bzImage
#   nosmp   x86_64 without CONFIG_SMP (nosmp.config), compile check only
#   i386    32-bit x86 (i386.config, ARCH=i386), compile check only
#
#   <dir>/vmlinux, Module.symvers, .config
#   <dir>/.rundown-built          stamp, written last: its presence means done
#   <dir>/build.log               the log of the build
#
# The directory lives in the cache, outside the repository:
#   ${RUNDOWN_CACHE:-~/.cache/rundown}/<name>-kernel-<pkgver>-<key>
# where <pkgver> is the linux-source package version and <key> a hash of
# the fragment's option lines and of this script's recipe version. A second
# run with the same key only checks the stamp and prints the directory; a
# lock makes concurrent callers wait for one build.
#
# Cold builds on 2 idle cores: debug ~4 minutes (measured 230 s); nosmp and
# i386 (allnoconfig and a few options, vmlinux only) see selftests/vm/builds.mk.
#
# Usage: build-kernel.sh NAME [--dir]   (--dir: print the directory, build nothing)
# Environment: RUNDOWN_CACHE, JOBS (default: nproc)
set -eu

# Bump when the way the kernel is configured or built changes (part of the key).
RECIPE=1

here=$(cd "$(dirname "$0")" && pwd)
cache=${RUNDOWN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rundown}
jobs=${JOBS:-$(nproc)}
name=${1:-}
[ $# -gt 0 ] && shift

die() { echo "build-kernel.sh: $*" >&2; exit 1; }
say() { echo "build-kernel.sh: $*" >&2; }

# Per tree: the make variables (ARCH), the targets and what they must leave.
case $name in
debug)	archvar='' targets=all need="arch/x86/boot/bzImage vmlinux Module.symvers" ;;
nosmp)	archvar='' targets="vmlinux modules" need="vmlinux Module.symvers" ;;
i386)	archvar=ARCH=i386 targets="vmlinux modules" need="vmlinux Module.symvers" ;;
*)	die "usage: build-kernel.sh debug|nosmp|i386 [--dir]" ;;
esac
fragment=$here/$name.config

[ -f "$fragment" ] || die "missing $fragment"
src=$(sh "$here/linux-src.sh") || die "no kernel source (linux-src.sh failed)"
[ -f "$src/Makefile" ] || die "bad kernel source tree $src"
base=$(basename "$src")			# src-linux-source-6.1-<pkgver>
pkgver=${base#src-linux-source-*-}
[ -n "$pkgver" ] && [ "$pkgver" != "$base" ] || pkgver=unknown
# Only the option lines count: editing a comment does not rebuild.
key=$( (echo "recipe $RECIPE"; grep -E '^CONFIG_|^# CONFIG_.* is not set' "$fragment") |
	sha256sum | cut -c1-12)
dir=$cache/$name-kernel-$pkgver-$key
stamp=$dir/.rundown-built

built() {
	[ -f "$stamp" ] || return 1
	for f in $need; do
		[ -f "$dir/$f" ] || return 1
	done
}

if [ "${1:-}" = "--dir" ]; then
	echo "$dir"
	exit 0
fi

# Fast path: already built.
if built; then
	echo "$dir"
	exit 0
fi

mkdir -p "$cache"
# One builder at a time per key; a second caller waits, then takes the fast path.
exec 9>"$dir.lock"
if command -v flock >/dev/null 2>&1; then
	flock 9 || die "cannot lock $dir.lock"
fi
if built; then
	echo "$dir"
	exit 0
fi

# O= builds need a pristine source tree; never write into it.
if [ -e "$src/.config" ] || [ -d "$src/include/config" ]; then
	die "source tree $src is not clean (has .config/include/config); re-extract it (rm -rf it and rerun)"
fi

mkdir -p "$dir"
log=$dir/build.log
: >"$log"
start=$(date +%s)
say "building the $name kernel $pkgver ($key) in $dir with -j$jobs; log: $log"

kmake() {
	make -C "$src" O="$dir" $archvar -j"$jobs" "$@" >>"$log" 2>&1 || {
		tail -n 60 "$log" >&2
		die "make $* failed (full log: $log)"
	}
}

# Check that every line of the fragment is in .config: "CONFIG_X=v" verbatim,
# "# CONFIG_X is not set" as that line or as an absent symbol.
check_config() {
	bad=0
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qxF "$line" "$dir/.config" || {
				sym=${line%%=*}
				say "config: wanted '$line', got '$(grep -E "^$sym=|^# $sym is not set" "$dir/.config" || echo "$sym absent")'"
				bad=1
			} ;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }; sym=${sym%% *}
			if grep -q "^$sym=" "$dir/.config"; then
				say "config: wanted '$line', got '$(grep "^$sym=" "$dir/.config")'"
				bad=1
			fi ;;
		esac
	done <"$fragment"
	return $bad
}

# Configure: allnoconfig with the fragment forced (what merge_config.sh -n
# does, without its temp files in the source tree), then olddefconfig.
if ! [ -f "$dir/.rundown-configured" ] || ! cmp -s "$fragment" "$dir/.rundown-fragment"; then
	rm -f "$dir/.rundown-configured"
	cp "$fragment" "$dir/.rundown-fragment"
	kmake KCONFIG_ALLCONFIG="$dir/.rundown-fragment" allnoconfig
	kmake olddefconfig
	check_config || die "options of $fragment did not stick after olddefconfig (dependencies missing?)"
	touch "$dir/.rundown-configured"
fi

# The build: vmlinux and Module.symvers at least (what out-of-tree modules
# need to build and to have their symbols checked), the bzImage for a tree
# that boots.
kmake $targets
for f in $need; do
	[ -f "$dir/$f" ] || die "build finished without $f"
done
check_config || die ".config changed during the build"

end=$(date +%s)
{
	echo "pkgver=$pkgver"
	echo "key=$key"
	echo "source=$src"
	echo "jobs=$jobs"
	echo "seconds=$((end - start))"
	echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
} >"$stamp.tmp"
mv "$stamp.tmp" "$stamp"
say "built in $((end - start)) s"
echo "$dir"

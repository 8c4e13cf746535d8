#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) the debug kernel of the debug-kernel lane (issue 6) from
# Debian's linux-source-6.1 and print its directory on stdout. That directory
# is a complete O= build tree:
#
#   <dir>/arch/x86/boot/bzImage   the kernel QEMU boots
#   <dir>                         KDIR for out-of-tree modules (make -C <dir> M=...)
#   <dir>/vmlinux, Module.symvers, .config
#   <dir>/.rundown-built          stamp, written last: its presence means done
#   <dir>/build.log               the log of the build
#
# The directory lives in the cache, outside the repository:
#   ${RUNDOWN_CACHE:-~/.cache/rundown}/debug-kernel-<pkgver>-<key>
# where <pkgver> is the linux-source package version and <key> a hash of
# debug.config's option lines and of this script's recipe version. A second run with the same
# key only checks the stamp and prints the directory.
#
# Usage: build-debug-kernel.sh [--dir]   (--dir: print the directory, build nothing)
# Environment: RUNDOWN_CACHE, JOBS (default: nproc)
set -eu

# Bump when the way the kernel is configured or built changes (part of the key).
RECIPE=1

here=$(cd "$(dirname "$0")" && pwd)
fragment=$here/debug.config
cache=${RUNDOWN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rundown}
jobs=${JOBS:-$(nproc)}

die() { echo "build-debug-kernel.sh: $*" >&2; exit 1; }
say() { echo "build-debug-kernel.sh: $*" >&2; }

[ -f "$fragment" ] || die "missing $fragment"
src=$(sh "$here/linux-src.sh") || die "no kernel source (linux-src.sh failed)"
[ -f "$src/Makefile" ] || die "bad kernel source tree $src"
base=$(basename "$src")			# src-linux-source-6.1-<pkgver>
pkgver=${base#src-linux-source-*-}
[ -n "$pkgver" ] && [ "$pkgver" != "$base" ] || pkgver=unknown
# Only the option lines count: editing a comment does not rebuild.
key=$( (echo "recipe $RECIPE"; grep -E '^CONFIG_|^# CONFIG_.* is not set' "$fragment") |
	sha256sum | cut -c1-12)
dir=$cache/debug-kernel-$pkgver-$key
stamp=$dir/.rundown-built

if [ "${1:-}" = "--dir" ]; then
	echo "$dir"
	exit 0
fi

# Fast path: already built.
if [ -f "$stamp" ] && [ -f "$dir/arch/x86/boot/bzImage" ] && [ -f "$dir/Module.symvers" ]; then
	echo "$dir"
	exit 0
fi

mkdir -p "$cache"
# One builder at a time per key; a second caller waits, then takes the fast path.
exec 9>"$dir.lock"
if command -v flock >/dev/null 2>&1; then
	flock 9 || die "cannot lock $dir.lock"
fi
if [ -f "$stamp" ] && [ -f "$dir/arch/x86/boot/bzImage" ] && [ -f "$dir/Module.symvers" ]; then
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
say "building debug kernel $pkgver ($key) in $dir with -j$jobs; log: $log"
say "(a cold build takes ~4 minutes on 2 idle cores, measured 230 s)"

kmake() {
	make -C "$src" O="$dir" -j"$jobs" "$@" >>"$log" 2>&1 || {
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

# Full build: bzImage, vmlinux, in-tree modules (none) and Module.symvers, so
# the tree can build out-of-tree modules.
kmake all
for f in arch/x86/boot/bzImage vmlinux Module.symvers; do
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

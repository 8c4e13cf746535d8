#!/bin/sh
# Print the path of an extracted Debian linux-source tree, extracting it once
# into the cache (outside the repository). Used for checkpatch.pl, the
# kselftest harness and lib.mk, and the debug kernel.
#
# Environment: RUNDOWN_CACHE (default: $XDG_CACHE_HOME/rundown or ~/.cache/rundown)
set -eu
cache=${RUNDOWN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rundown}
tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1)
if [ -z "$tarball" ]; then
	echo "linux-src.sh: no /usr/src/linux-source-*.tar.xz; run 'make deps'" >&2
	exit 1
fi
pkgver=$(dpkg-query -W -f='${Version}' "$(basename "$tarball" .tar.xz)" 2>/dev/null || echo unknown)
dir=$cache/src-$(basename "$tarball" .tar.xz)-$pkgver
if [ ! -f "$dir/.extracted" ]; then
	mkdir -p "$dir.tmp"
	echo "linux-src.sh: extracting $tarball into $dir" >&2
	tar -xJf "$tarball" -C "$dir.tmp" --strip-components=1
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
	touch "$dir/.extracted"
fi
echo "$dir"

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Copy the repository's sources to DST, for out-of-tree module builds
# against another kernel tree (M= builds in place, and the objects belong to
# that tree): no build outputs, no git. Objects already in DST are neither
# copied over nor deleted, so rebuilds there are incremental.
#
# Usage: copy-tree.sh SRC DST
set -eu
[ $# = 2 ] || { echo "usage: copy-tree.sh SRC DST" >&2; exit 2; }
mkdir -p "$2"
exec rsync -a --delete \
	--exclude=/build/ --exclude=/.git/ \
	--exclude='*.o' --exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' \
	--exclude='.*.cmd' --exclude='*.o.d' --exclude=Module.symvers \
	--exclude=modules.order --exclude=.tmp_versions/ --exclude=.cache.mk \
	"$1/" "$2/"

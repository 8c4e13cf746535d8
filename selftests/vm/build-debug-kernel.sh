#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The debug-kernel lane's kernel (cached): build-kernel.sh debug.
#
# Usage: build-debug-kernel.sh [--dir]
exec sh "$(cd "$(dirname "$0")" && pwd)/build-kernel.sh" debug "$@"

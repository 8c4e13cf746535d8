# SPDX-License-Identifier: GPL-2.0
#
# The compile checks (issue 10): the modules built against an x86_64 kernel
# without CONFIG_SMP and a 32-bit (i386) one, with no warning, and the
# primitive's object checked for one-way layering. The two kernel trees are
# prepared once from Debian's linux-source-6.1 (allnoconfig plus
# selftests/vm/nosmp.config or i386.config, vmlinux and Module.symvers only)
# and cached like the debug kernel, in ~/.cache/rundown/<name>-kernel-*/.
#
#   make check-builds     writes $(RESULTS)/builds.count
#   make build-trees      only prepare (or find) the two trees
#
# Cold preparation: each tree compiles ~650 files, about 7 minutes of CPU
# (measured: nosmp 7m05s, i386 7m38s user+sys with -j2 on this 2-core
# machine, which was shared at the time: 16 and 21 minutes of wall time at
# a load of 8-12), so about 3.5-4 minutes each on 2 idle cores. Warm, the
# suite only builds the modules twice: under a minute.

CHECK_SUITES += builds

.PHONY: check-builds build-trees

build-trees:
	@sh $(ROOT)/selftests/vm/build-kernel.sh nosmp
	@sh $(ROOT)/selftests/vm/build-kernel.sh i386

check-builds:
	@sh $(ROOT)/selftests/vm/check-builds.sh

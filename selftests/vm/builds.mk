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
# Cold preparations are the bulk of the suite's time (a few minutes per tree
# on 2 cores: see the README); warm, only the modules build.

CHECK_SUITES += builds

.PHONY: check-builds build-trees

build-trees:
	@sh $(ROOT)/selftests/vm/build-kernel.sh nosmp
	@sh $(ROOT)/selftests/vm/build-kernel.sh i386

check-builds:
	@sh $(ROOT)/selftests/vm/check-builds.sh

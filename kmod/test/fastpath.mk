# SPDX-License-Identifier: GPL-2.0
#
# check-fastpath: the cache-aware acquire and release, as a caller's module
# gets them (out-of-line copies in rundown_test.ko, built against KDIR),
# hold no locked instruction, no exchange with memory and no fence, and the
# debugging hooks (off) add no conditional branch to them.

CHECK_SUITES += fastpath
.PHONY: check-fastpath
check-fastpath: module
	@mkdir -p $(RESULTS)
	@sh $(ROOT)/kmod/test/check-fastpath.sh $(RESULTS)/fastpath.count \
		$(ROOT)/kmod/test/rundown_test.ko \
		$(ROOT)/kmod/test/rundown_test_ool_nohooks.o $(ROOT)/kmod/test/rundown_test_nt_nohooks.o

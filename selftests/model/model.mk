# SPDX-License-Identifier: GPL-2.0
#
# The Promela models of the concurrency protocols (selftests/model/*.pml),
# checked with spin: each must verify, and each planted bug (*-mutant.pml,
# "// plant: NAME" lines) must be caught. See run-models.sh.
#
#   make check-model [MODELS="selftests/model/foo.pml ..."]

MODELS ?= $(sort $(wildcard $(ROOT)/selftests/model/*.pml))

ifneq ($(MODELS),)
CHECK_SUITES += model
endif

.PHONY: check-model
check-model:
	@mkdir -p $(RESULTS)
	@sh $(ROOT)/selftests/model/run-models.sh $(RESULTS)/model.count $(MODELS)

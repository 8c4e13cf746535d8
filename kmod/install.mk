# SPDX-License-Identifier: GPL-2.0
#
# Installing rundown.ko, its headers and the udev rule, and DKMS. Included by
# the top-level Makefile, which defines KDIR, ROOT, RESULTS and KBUILD.
#
#   make install        (root) for KDIR's kernel: rundown.ko only (not the
#                       example and test modules) via modules_install, depmod,
#                       the headers and Module.symvers for consumer modules,
#                       the uapi header, the udev rule, the group "rundown"
#   make uninstall      (root) undo "make install" for KDIR's kernel; the
#                       shared files go with the last kernel's Module.symvers
#   make dkms-install   (root) replace any rundown in DKMS with this tree:
#                       sources to /usr/src/rundown-<version>, dkms add,
#                       dkms install for KDIR's kernel (DKMS_KERNELS=...)
#   make dkms-remove    (root) dkms remove --all for every rundown version
#                       and delete their /usr/src/rundown-<version>
#   make install-udev / uninstall-udev   the udev rule (and group) alone
#   make install-info   print the version, the kernel release and the paths
#   make check-install  the tests (kmod/test-install.sh)
#
# Where things go (PREFIX=/usr/local; <release> is KDIR's kernel release):
#   /lib/modules/<release>/extra/rundown.ko              INSTALL_MOD_DIR=extra
#   $(PREFIX)/src/rundown/include/linux/rundown*.h       kernel API
#   $(PREFIX)/src/rundown/include/uapi/linux/rundown.h   ioctl ABI, for modules
#   $(PREFIX)/src/rundown/<release>/Module.symvers       exports (CRCs differ
#                                                        between kernels)
#   $(PREFIX)/include/linux/rundown.h                    ioctl ABI, for programs
#   /etc/udev/rules.d/60-rundown.rules                   UDEV_RULES_DIR
#
# DESTDIR=<dir> stages all of it under <dir>: depmod -b <dir>, no group, no
# udev reload, and "make dkms-install" only stages the DKMS source tree.
# INSTALL_MOD_PATH alone moves the module root only, as in Kbuild.
# DEPMOD=true skips depmod (a package runs it in its postinst).
#
# The version has one source: MODULE_VERSION("x.y.z") in kmod/main.c.

RUNDOWN_VERSION := $(shell sed -n 's/^MODULE_VERSION("\([^"]*\)");.*/\1/p' $(ROOT)/kmod/main.c 2>/dev/null)

# The release that KDIR's modules carry in their vermagic and that modprobe
# looks them up by: UTS_RELEASE. include/config/kernel.release is only the
# fallback, as Debian's headers packages put the upstream version there
# (6.1.192 for 6.1.0-56-amd64); so KERNELRELEASE is passed explicitly.
ifeq ($(origin RUNDOWN_KREL),undefined)
RUNDOWN_KREL := $(shell sed -n 's/.*UTS_RELEASE "\(.*\)".*/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
ifeq ($(RUNDOWN_KREL),)
RUNDOWN_KREL := $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null)
endif
endif

PREFIX ?= /usr/local
INSTALL_MOD_PATH ?= $(DESTDIR)
INSTALL_MOD_DIR ?= extra
RUNDOWN_SRCDIR ?= $(PREFIX)/src/rundown
UDEV_RULES_DIR ?= /etc/udev/rules.d
DEPMOD ?= depmod
DKMS ?= dkms
DKMS_ACTION ?= install
DKMS_KERNELS ?= $(RUNDOWN_KREL)
DKMS_SOURCE_DIR = /usr/src/rundown-$(RUNDOWN_VERSION)

# Recursion into whichever makefile included this one.
rundown-make = $(MAKE) --no-print-directory -f $(abspath $(firstword $(MAKEFILE_LIST)))
rundown-sbin := PATH="$$PATH:/usr/sbin:/sbin"
rundown-modroot = $(abspath $(INSTALL_MOD_PATH))
rundown-moddir = $(rundown-modroot)/lib/modules/$(RUNDOWN_KREL)
rundown-kodir = $(rundown-moddir)/$(INSTALL_MOD_DIR)
rundown-srcdir = $(DESTDIR)$(RUNDOWN_SRCDIR)
rundown-build = $(BUILD)/install/rundown
# Distribution headers (Debian's) have no signing key: skip sign-file's errors.
rundown-nosign = $(if $(wildcard $(KDIR)/certs/signing_key.x509),,CONFIG_MODULE_SIG_ALL=)
rundown-kheaders = $(wildcard $(ROOT)/kmod/include/linux/*.h)
rundown-depmod = $(rundown-sbin) $(DEPMOD) $(if $(rundown-modroot),-b $(rundown-modroot)) $(RUNDOWN_KREL)
# What rundown.ko is built from; the examples and tests are left out.
rundown-src-files = $(shell cd $(ROOT) && find kmod uapi \
	\( -path kmod/examples -o -path kmod/test \) -prune -o \
	-name '*.[ch]' ! -name '*.mod.c' -print | LC_ALL=C sort)
rundown-dkms-kargs = $(if $(filter-out $(RUNDOWN_KREL),$(DKMS_KERNELS)), \
	$(addprefix -k ,$(DKMS_KERNELS)),-k $(RUNDOWN_KREL) --kernelsourcedir $(KDIR))

rundown-need-kdir = @test -n "$(KDIR)" -a -d "$(KDIR)" -a -n "$(RUNDOWN_KREL)" || \
	{ echo "no kernel build tree (KDIR='$(KDIR)'): set KDIR or run 'make deps'" >&2; exit 1; }
rundown-need-version = @test -n "$(RUNDOWN_VERSION)" || \
	{ echo 'no MODULE_VERSION("x.y.z") in kmod/main.c' >&2; exit 1; }

.PHONY: install uninstall install-build install-module install-headers \
	install-udev uninstall-udev dkms-src dkms-install dkms-remove \
	install-info check-install

install: install-module install-headers install-udev

# rundown.ko is built for installing in a tree of its own, the one DKMS
# gets: its sources, the project's Kbuild as Kbuild.full and a Kbuild that
# keeps rundown.o alone from Kbuild.full's obj-m. (obj-m=rundown.o on the
# command line does not work: kbuild rewrites obj-m.) The example and test
# modules are neither built nor installed, and the Module.symvers installed
# lists rundown.ko's exports only.
define rundown-populate
	install -d $(1)
	cd $(ROOT) && tar -cf - $(rundown-src-files) | \
		tar -C $(abspath $(1)) --no-same-owner -xf -
	cp $(ROOT)/Kbuild $(1)/Kbuild.full
	printf '%s\n' '# SPDX-License-Identifier: GPL-2.0' \
		'# Written by kmod/install.mk: rundown.ko alone, for make install and DKMS.' \
		'include $$(src)/Kbuild.full' 'obj-m := rundown.o' 'always-y :=' > $(1)/Kbuild
endef

install-build:
	$(rundown-need-kdir)
	$(call rundown-populate,$(rundown-build))
	$(MAKE) -C $(KDIR) M=$(rundown-build) modules

install-module: install-build
	$(MAKE) -C $(KDIR) M=$(rundown-build) KERNELRELEASE=$(RUNDOWN_KREL) \
		INSTALL_MOD_PATH=$(rundown-modroot) \
		INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) DEPMOD=true $(rundown-nosign) \
		modules_install
	$(rundown-depmod)

install-headers: install-build
	rm -rf $(rundown-srcdir)/include
	install -d $(rundown-srcdir)/include/linux \
		$(rundown-srcdir)/include/uapi/linux \
		$(rundown-srcdir)/$(RUNDOWN_KREL) $(DESTDIR)$(PREFIX)/include/linux
	install -m 0644 $(rundown-kheaders) $(rundown-srcdir)/include/linux/
	install -m 0644 $(ROOT)/uapi/linux/rundown.h \
		$(rundown-srcdir)/include/uapi/linux/
	install -m 0644 $(rundown-build)/Module.symvers $(rundown-srcdir)/$(RUNDOWN_KREL)/
	install -m 0644 $(ROOT)/uapi/linux/rundown.h \
		$(DESTDIR)$(PREFIX)/include/linux/

install-udev:
	install -D -m 0644 $(ROOT)/kmod/60-rundown.rules \
		$(DESTDIR)$(UDEV_RULES_DIR)/60-rundown.rules
	@if [ -z "$(DESTDIR)" ]; then \
		if ! getent group rundown >/dev/null; then \
			echo "groupadd -r rundown"; \
			$(rundown-sbin) groupadd -r rundown || exit 1; \
		fi; \
		udevadm control --reload >/dev/null 2>&1 && \
		udevadm trigger --subsystem-match=misc \
			--sysname-match=rundown >/dev/null 2>&1; \
	fi; true

uninstall:
	$(rundown-need-kdir)
	rm -f $(foreach s,.ko .ko.gz .ko.xz .ko.zst,$(rundown-kodir)/rundown$(s))
	rmdir $(rundown-kodir) 2>/dev/null || true
	if [ -d $(rundown-moddir) ]; then $(rundown-depmod); fi
	rm -f $(rundown-srcdir)/$(RUNDOWN_KREL)/Module.symvers
	rmdir $(rundown-srcdir)/$(RUNDOWN_KREL) 2>/dev/null || true
	@if ls $(rundown-srcdir)/*/Module.symvers >/dev/null 2>&1; then \
		echo "headers and udev rule kept for:" \
			$(rundown-srcdir)/*/Module.symvers; \
	else \
		echo "rm -rf $(rundown-srcdir)/include $(DESTDIR)$(PREFIX)/include/linux/rundown.h"; \
		rm -rf $(rundown-srcdir)/include; \
		rm -f $(DESTDIR)$(PREFIX)/include/linux/rundown.h; \
		rmdir $(rundown-srcdir) $(DESTDIR)$(PREFIX)/include/linux 2>/dev/null; \
		$(rundown-make) uninstall-udev || exit 1; \
	fi

# The group stays: files and users may still refer to it (groupdel rundown).
uninstall-udev:
	rm -f $(DESTDIR)$(UDEV_RULES_DIR)/60-rundown.rules
	@if [ -z "$(DESTDIR)" ]; then \
		udevadm control --reload >/dev/null 2>&1; \
		getent group rundown >/dev/null && \
			echo "group rundown kept; 'groupdel rundown' removes it"; \
	fi; true

# The DKMS source tree: the install tree's sources, Kbuild and dkms.conf.
dkms-src:
	$(rundown-need-version)
	rm -rf $(DESTDIR)$(DKMS_SOURCE_DIR)
	$(call rundown-populate,$(DESTDIR)$(DKMS_SOURCE_DIR))
	sed 's/@VERSION@/$(RUNDOWN_VERSION)/' $(ROOT)/kmod/dkms.conf.in \
		> $(DESTDIR)$(DKMS_SOURCE_DIR)/dkms.conf

# DKMS_ACTION=build builds without installing (the tests use it).
dkms-install:
	$(rundown-need-version)
	$(rundown-need-kdir)
	@if [ -z "$(DESTDIR)" ]; then \
		$(rundown-make) dkms-remove || exit 1; fi
	$(rundown-make) dkms-src
	@if [ -n "$(DESTDIR)" ]; then \
		echo "DESTDIR set: DKMS sources staged, dkms not run"; exit 0; fi; \
	$(rundown-sbin); set -ex; \
	$(DKMS) add rundown/$(RUNDOWN_VERSION); \
	$(DKMS) $(DKMS_ACTION) rundown/$(RUNDOWN_VERSION) $(rundown-dkms-kargs)

dkms-remove:
	@if [ -z "$(DESTDIR)" ] && command -v $(DKMS) >/dev/null; then \
		for v in $$($(DKMS) status -m rundown 2>/dev/null | \
			sed -n 's|^rundown/\([^,:]*\)[,:].*|\1|p' | sort -u); do \
			echo "$(DKMS) remove rundown/$$v --all"; \
			$(DKMS) remove rundown/$$v --all || exit 1; \
			rm -rf /usr/src/rundown-$$v; \
		done; \
	fi
	$(if $(RUNDOWN_VERSION),rm -rf $(DESTDIR)$(DKMS_SOURCE_DIR))

install-info:
	@echo "RUNDOWN_VERSION=$(RUNDOWN_VERSION)"
	@echo "KDIR=$(KDIR)"
	@echo "RUNDOWN_KREL=$(RUNDOWN_KREL)"
	@echo "MODULE=$(rundown-kodir)/rundown.ko"
	@echo "HEADERS=$(rundown-srcdir)/include"
	@echo "SYMVERS=$(rundown-srcdir)/$(RUNDOWN_KREL)/Module.symvers"
	@echo "UAPI=$(DESTDIR)$(PREFIX)/include/linux/rundown.h"
	@echo "UDEV_RULE=$(DESTDIR)$(UDEV_RULES_DIR)/60-rundown.rules"
	@echo "DKMS_SOURCE_DIR=$(DESTDIR)$(DKMS_SOURCE_DIR)"

CHECK_SUITES += install
check-install:
	@mkdir -p $(RESULTS)
	@RUNDOWN_MAKE="$(rundown-make) -C $(ROOT)" \
		sh $(ROOT)/kmod/test-install.sh

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Tests of kmod/install.mk, run by "make check-install" against KDIR's
# headers (Debian's linux-headers-*-amd64 here):
#
#  - make install into a staging root (DESTDIR): every file where the README
#    says, rundown.ko alone, depmod's modules.dep, modinfo -b and
#    modprobe --show-depends on that root;
#  - a program built against the installed uapi header, and a consumer
#    module built out of tree against the installed headers and
#    Module.symvers, which depmod then makes depend on rundown.ko;
#  - make uninstall leaves nothing of rundown behind;
#  - make dkms-install DKMS_ACTION=build (dkms add + dkms build) and
#    make dkms-remove, as root, unless rundown is installed in DKMS already.
#
# Each assertion counts once in $RESULTS/install.count ("<passed> <failed>");
# the details go to $RESULTS/install.log. Exits 1 when one failed.
# shellcheck disable=SC2086 # $MK and $LAYOUT are lists of words
set -u

: "${ROOT:?}" "${KDIR:?}" "${RESULTS:?}"
# How to reach install.mk's targets; "make check-install" sets it.
MK=${RUNDOWN_MAKE:-make --no-print-directory -C $ROOT}
# The documented default layout, whatever the caller's make line says.
LAYOUT="PREFIX=/usr/local INSTALL_MOD_DIR=extra UDEV_RULES_DIR=/etc/udev/rules.d"
unset INSTALL_MOD_PATH

mkdir -p "$RESULTS"
LOG=$RESULTS/install.log
: > "$LOG"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rundown-install.XXXXXX") || exit 1
STAGE=$TMP/root
passed=0
failed=0
dkms_touched=

finish() {
	[ -n "$dkms_touched" ] && $MK dkms-remove >>"$LOG" 2>&1
	rm -rf "$TMP"
	echo "$passed $failed" > "$RESULTS/install.count"
	echo "install: $passed passed, $failed failed (details: $LOG)"
}
trap finish EXIT
trap 'exit 1' HUP INT TERM

# t DESCRIPTION COMMAND...: one assertion.
t() {
	desc=$1
	shift
	echo "==== $desc: $*" >>"$LOG"
	if "$@" >>"$LOG" 2>&1; then
		passed=$((passed + 1))
		echo "  ok    $desc"
	else
		failed=$((failed + 1))
		echo "  FAIL  $desc"
	fi
}
skip() {
	echo "  SKIP  $*"
	echo "==== SKIP $*" >>"$LOG"
}

KREL=$(sed -n 's/.*UTS_RELEASE "\(.*\)".*/\1/p' "$KDIR/include/generated/utsrelease.h")
VERSION=$(sed -n 's/^MODULE_VERSION("\([^"]*\)");.*/\1/p' "$ROOT/kmod/main.c")
MODDIR=$STAGE/lib/modules/$KREL
KO=$MODDIR/extra/rundown.ko
SRC=$STAGE/usr/local/src/rundown
SYMVERS=$SRC/$KREL/Module.symvers
RULE=$STAGE/etc/udev/rules.d/60-rundown.rules
echo "install: kernel $KREL ($KDIR), rundown ${VERSION:-(no MODULE_VERSION)}, staging in $STAGE"

same_headers() {
	for h in "$ROOT"/kmod/include/linux/*.h; do
		cmp "$h" "$SRC/include/linux/${h##*/}" || return 1
	done
	[ "$(find "$SRC/include/linux" -type f | wc -l)" = \
		"$(find "$ROOT/kmod/include/linux" -name '*.h' | wc -l)" ]
}
only_rundown_ko() {
	kos=$(find "$STAGE" -name '*.ko*')
	echo "$kos"
	[ "$kos" = "$KO" ]
}
symvers_ok() {
	grep -q '	rundown_wait	' "$SYMVERS" &&
		! awk -F'\t' '$3 !~ /\/rundown$/ { print "foreign: " $0; bad = 1 } END { exit !bad }' "$SYMVERS"
}
rule_ok() {
	cmp "$ROOT/kmod/60-rundown.rules" "$RULE" &&
		grep -q '^KERNEL=="rundown".*GROUP="rundown", MODE="0660"' "$RULE"
}
modinfo_of() {		# modinfo_of MODULE FIELD EXPECTED-PATTERN
	v=$(modinfo -b "$STAGE" -k "$KREL" -F "$2" "$1") || return 1
	echo "$2: $v"
	# shellcheck disable=SC2254 # $3 is a pattern
	case $v in $3) return 0 ;; esac
	return 1
}
modinfo_field() {	# modinfo_field FIELD EXPECTED-PATTERN, of rundown
	modinfo_of rundown "$@"
}
show_depends() {
	out=$(modprobe -d "$STAGE" -S "$KREL" --show-depends rundown) || return 1
	echo "$out"
	[ "$(echo "$out" | sed 's/ *$//')" = "insmod $KO" ]
}
user_program() {
	mkdir -p "$TMP/user"
	cat > "$TMP/user/t.c" <<-'EOF'
	#include <sys/ioctl.h>
	#include <linux/rundown.h>
	int main(void)
	{
		struct rundown_ioc_create c = { .variant = RUNDOWN_VARIANT_PLAIN };
		return ioctl(-1, RUNDOWN_IOC_CREATE, &c) == 0;
	}
	EOF
	${CC:-cc} -Wall -Werror -I"$STAGE/usr/local/include" -o "$TMP/user/t" "$TMP/user/t.c"
}
consumer_build() {
	c=$TMP/consumer
	mkdir -p "$c"
	printf 'obj-m := rundown_consumer.o\nccflags-y += -I%s/include\n' "$SRC" > "$c/Kbuild"
	{
		echo '// SPDX-License-Identifier: GPL-2.0'
		echo '#include <linux/module.h>'
		for h in "$SRC"/include/linux/*.h; do echo "#include <linux/${h##*/}>"; done
		echo '#include <uapi/linux/rundown.h>'
		cat <<-'EOF'
		static DEFINE_RUNDOWN_REF(consumer_ref);
		static int __init consumer_init(void)
		{
			if (rundown_acquire(&consumer_ref))
				rundown_release(&consumer_ref);
			rundown_wait(&consumer_ref);
			return RUNDOWN_VARIANT_PLAIN;
		}
		static void __exit consumer_exit(void) { }
		module_init(consumer_init);
		module_exit(consumer_exit);
		MODULE_LICENSE("GPL");
		EOF
	} > "$c/rundown_consumer.c"
	make -C "$KDIR" M="$c" KBUILD_EXTRA_SYMBOLS="$SYMVERS" modules > "$c/build.log" 2>&1
	rc=$?
	cat "$c/build.log"
	[ $rc = 0 ] && [ -f "$c/rundown_consumer.ko" ] && ! grep -q 'undefined!' "$c/build.log"
}
consumer_depends() {
	[ "$(modinfo -F depends "$TMP/consumer/rundown_consumer.ko")" = rundown ]
}
consumer_moddep() {
	cp "$TMP/consumer/rundown_consumer.ko" "$MODDIR/extra/" &&
		depmod -b "$STAGE" "$KREL" 2>/dev/null &&
		grep -qx "extra/rundown_consumer.ko: ${KO#"$MODDIR"/}" "$MODDIR/modules.dep"
	rc=$?
	rm -f "$MODDIR/extra/rundown_consumer.ko"
	depmod -b "$STAGE" "$KREL" 2>/dev/null
	return $rc
}
nothing_left() {
	left=$(find "$STAGE" -name '*rundown*'; find "$STAGE" -type f ! -path "$MODDIR/modules.*")
	[ -z "$left" ] || { echo "left behind: $left"; return 1; }
	! grep -q rundown "$MODDIR"/modules.dep "$MODDIR"/modules.symbols
}

PATH=$PATH:/usr/sbin:/sbin

echo "-- make install / uninstall, DESTDIR=$STAGE"
t "make install DESTDIR" $MK install DESTDIR="$STAGE" $LAYOUT
# Kbuild compresses it where the kernel's config says (.ko.xz and so on).
for f in "$KO" "$KO".*; do [ -f "$f" ] && KO=$f && break; done
t "rundown.ko in /lib/modules/$KREL/extra" test -f "$KO"
t "rundown.ko alone, no example or test module" only_rundown_ko
t "kernel headers in /usr/local/src/rundown/include/linux" same_headers
t "uapi header in /usr/local/src/rundown/include/uapi/linux" \
	cmp "$ROOT/uapi/linux/rundown.h" "$SRC/include/uapi/linux/rundown.h"
t "uapi header in /usr/local/include/linux" \
	cmp "$ROOT/uapi/linux/rundown.h" "$STAGE/usr/local/include/linux/rundown.h"
t "Module.symvers in /usr/local/src/rundown/$KREL, rundown's exports only" symvers_ok
t "udev rule in /etc/udev/rules.d" rule_ok
t "modules.dep lists extra/rundown.ko" grep -qx "${KO#"$MODDIR"/}:" "$MODDIR/modules.dep"
t "modinfo -b finds the installed rundown.ko" modinfo_field filename "$KO"
t "vermagic is $KREL" modinfo_field vermagic "$KREL *"
if [ -n "$VERSION" ]; then
	t "modinfo version is $VERSION" modinfo_field version "$VERSION"
else
	t "modinfo version: MODULE_VERSION(\"x.y.z\") in kmod/main.c" false
fi
t "modprobe --show-depends rundown" show_depends
t "a program builds against the installed uapi header" user_program
t "a consumer module builds against the installed headers and Module.symvers" consumer_build
t "the consumer module depends on rundown" consumer_depends
t "depmod: the consumer module pulls rundown.ko in" consumer_moddep
t "make uninstall DESTDIR" $MK uninstall DESTDIR="$STAGE" $LAYOUT
t "uninstall left nothing of rundown" nothing_left
t "make uninstall again is a no-op" $MK uninstall DESTDIR="$STAGE" $LAYOUT

echo "-- DKMS"
if [ -z "$VERSION" ]; then
	t "DKMS: MODULE_VERSION(\"x.y.z\") in kmod/main.c" false
else
	t "make dkms-install DESTDIR stages the DKMS tree" \
		$MK dkms-install DESTDIR="$TMP/dkms"
	t "the staged dkms.conf is for rundown $VERSION" \
		grep -qx "PACKAGE_VERSION=\"$VERSION\"" "$TMP/dkms/usr/src/rundown-$VERSION/dkms.conf"
fi
if [ -z "$VERSION" ]; then
	:
elif [ "$(id -u)" != 0 ]; then
	skip "dkms build: needs root"
elif ! command -v dkms >/dev/null; then
	t "dkms is installed (make deps)" false
elif dkms status -m rundown 2>/dev/null | grep -q ': installed'; then
	skip "dkms build: rundown is installed in DKMS, not touching it"
else
	dkms_touched=1
	built() {
		st=$(dkms status -m rundown -v "$VERSION" -k "$KREL")
		echo "$st"
		echo "$st" | grep -q "^rundown/$VERSION, $KREL, [^:]*: built"
	}
	dkms_ko() {
		for ko in /var/lib/dkms/rundown/"$VERSION/$KREL"/*/module/rundown.ko; do
			modinfo_of "$ko" vermagic "$KREL *" &&
				modinfo_of "$ko" version "$VERSION" || return 1
		done
	}
	gone() {
		[ -z "$(dkms status -m rundown)" ] && [ ! -e "/usr/src/rundown-$VERSION" ] &&
			[ ! -e /var/lib/dkms/rundown ]
	}
	t "make dkms-install DKMS_ACTION=build (dkms add, dkms build -k $KREL)" \
		$MK dkms-install DKMS_ACTION=build
	t "dkms status: rundown/$VERSION built for $KREL" built
	t "dkms built rundown.ko $VERSION for $KREL" dkms_ko
	t "make dkms-remove" $MK dkms-remove
	t "dkms-remove left nothing in DKMS or /usr/src" gone
	t "make dkms-remove again is a no-op" $MK dkms-remove
	dkms_touched=
fi

[ "$failed" = 0 ]

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The antivirus scenario, played by the example modules. Runs INSIDE the test
# VM (busybox sh is enough), as root, from a directory holding rundown.ko,
# rundown_av_consumer.ko and rundown_av_provider.ko (or set KO_DIR).
#
# For each variant (plain, cache-aware): load the filter, load the antivirus
# (engine upgraded every 2 ms), let the filter's threads call it, unload the
# antivirus while they run, load it again, unload everything. The filter's
# counters must show scans, upgrades, no dead engine ever touched, no scan
# refused while an engine is registered (upgrades included), scans refused
# while the antivirus is gone and resumed when it is back.
#
# Prints one line per check and, last, exactly one line
#   av-scenario: <passed> passed, <failed> failed
# Exit status: 0 if every check passed, 1 otherwise.
#
# Environment: KO_DIR (default .), AV_VARIANTS (cache_aware values, default
# "0 1"), AV_THREADS (default 4), AV_RUN_S (seconds of load, default 2).

KO_DIR=${KO_DIR:-.}
AV_VARIANTS=${AV_VARIANTS:-0 1}
AV_THREADS=${AV_THREADS:-4}
AV_RUN_S=${AV_RUN_S:-2}
STATS=/sys/module/rundown_av_consumer/parameters/stats

passed=0
failed=0

ok() {
	passed=$((passed + 1))
	echo "ok $((passed + failed)) - $*"
}

not_ok() {
	failed=$((failed + 1))
	echo "not ok $((passed + failed)) - $*"
}

# check DESCRIPTION COMMAND...: one check, passed if COMMAND succeeds
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# field NAME "STATS": the value of NAME=value in a stats line
field() {
	echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

stats() {
	cat "$STATS" 2>/dev/null || echo "unreadable"
}

# run_variant CACHE_AWARE
run_variant() {
	v=$1
	echo "# variant cache_aware=$v, $AV_THREADS threads"
	if ! insmod "$KO_DIR/rundown_av_consumer.ko" cache_aware="$v" \
		threads="$AV_THREADS"; then
		not_ok "cache_aware=$v: load the consumer"
		return
	fi
	ok "cache_aware=$v: load the consumer"

	sleep 0.2
	s=$(stats)
	echo "# before any engine: $s"
	check "cache_aware=$v: born run down, no call without an engine" \
		[ "$(field calls "$s")" = 0 ]

	if insmod "$KO_DIR/rundown_av_provider.ko" replace_ms=2; then
		ok "cache_aware=$v: load the provider (replace_ms=2)"
	else
		not_ok "cache_aware=$v: load the provider (replace_ms=2)"
	fi
	sleep 0.2
	s0=$(stats)
	sleep "$AV_RUN_S"
	s=$(stats)
	echo "# engine registered: $s0"
	echo "# after ${AV_RUN_S}s with upgrades: $s"
	check "cache_aware=$v: calls > 0" [ "$(field calls "$s")" -gt 0 ]
	check "cache_aware=$v: engine upgraded under callers (replacements > 1)" \
		[ "$(field replacements "$s")" -gt "$(field replacements "$s0")" ]
	check "cache_aware=$v: no scan refused during upgrades" \
		[ "$(field refused "$s")" = "$(field refused "$s0")" ]
	check "cache_aware=$v: refused_registered == 0" \
		[ "$(field refused_registered "$s")" = 0 ]
	check "cache_aware=$v: violations == 0" \
		[ "$(field violations "$s")" = 0 ]

	check "cache_aware=$v: unload the provider while threads call it" \
		rmmod rundown_av_provider
	s1=$(stats)
	sleep 0.5
	s2=$(stats)
	echo "# provider gone: $s1"
	echo "# 0.5s later:    $s2"
	check "cache_aware=$v: no call after the provider's unload" \
		[ "$(field calls "$s2")" = "$(field calls "$s1")" ]
	check "cache_aware=$v: refused grows while no engine" \
		[ "$(field refused "$s2")" -gt "$(field refused "$s1")" ]

	if insmod "$KO_DIR/rundown_av_provider.ko"; then
		ok "cache_aware=$v: reload the provider"
	else
		not_ok "cache_aware=$v: reload the provider"
	fi
	sleep 1
	s3=$(stats)
	echo "# provider back: $s3"
	check "cache_aware=$v: calls resume after reload" \
		[ "$(field calls "$s3")" -gt "$(field calls "$s2")" ]
	check "cache_aware=$v: violations == 0 at the end" \
		[ "$(field violations "$s3")" = 0 ]
	check "cache_aware=$v: refused_registered == 0 at the end" \
		[ "$(field refused_registered "$s3")" = 0 ]

	check "cache_aware=$v: unload the provider" rmmod rundown_av_provider
	check "cache_aware=$v: unload the consumer" rmmod rundown_av_consumer
}

log_start=$(dmesg | wc -l)
loaded_rundown=
if [ ! -d /sys/module/rundown ]; then
	if insmod "$KO_DIR/rundown.ko"; then
		loaded_rundown=1
		ok "load rundown.ko"
	else
		not_ok "load rundown.ko"
	fi
fi

if [ -d /sys/module/rundown ]; then
	for v in $AV_VARIANTS; do
		run_variant "$v"
		# Leave nothing behind for the next variant, whatever failed.
		rmmod rundown_av_provider 2>/dev/null
		rmmod rundown_av_consumer 2>/dev/null
	done
fi

if [ -n "$loaded_rundown" ]; then
	check "unload rundown.ko" rmmod rundown
fi

bad=$(dmesg | tail -n +"$((log_start + 1))" |
	grep -E 'WARNING:|BUG:|Oops|general protection|Call Trace|KASAN|UBSAN')
if [ -z "$bad" ]; then
	ok "no WARN, BUG or oops in the kernel log"
else
	echo "$bad" | sed 's/^/# /'
	not_ok "no WARN, BUG or oops in the kernel log"
fi

echo "av-scenario: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

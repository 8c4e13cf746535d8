#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# check.sh OUT_DIR BIN MECHS KMECHS VM_UMECHS WORKLOADS VM RC: check-bench's
# verdict on one short make bench run; prints "<passed> <failed>" and says
# why on stderr. No timing is judged. It asserts:
#  - the metadata: results.json starts with {"type":"meta"} naming the
#    commit, the CPU, the kernels and the acceleration;
#  - every side ran (host; with VM=1 the VM's kernel and userspace parts),
#    each with the "none" baseline;
#  - every expected mechanism has a result for every workload (handoff and
#    batch may be SKIPPED as unsupported, not for none and rundown; so may
#    anything for a batch-only *_many row; a rundown_ptr* row has read,
#    teardown and replace results and SKIPPED isolation, batch and
#    handoff: it publishes the object itself; replace and isolation need 2
#    CPUs);
#  - every result is sane: no bad read, work done (reads, or samples, or
#    replacements with readers trying), no refused acquire on a
#    rundown_ptr* row in any repetition (an object is always published),
#    and no FAILED run; RC (the run's exit status) is 0.
# MECHS, KMECHS and VM_UMECHS are comma lists or "all" (BIN --list).
set -eu
out=$1 bin=$2 mechs=$3 kmechs=$4 umechs=$5 wls=$6 vm=$7 rc=$8

list() { "$bin" --list | sed -n "$1s/^valid mechanisms[^:]*: //p" | tr ' ' ','; }
[ "$mechs" = all ] && mechs=$(list 1 | tr ',' '\n' | grep -v '^kernel_' | paste -sd, -)
[ "$kmechs" = all ] && kmechs=$(list 3)
expect="user@host=$mechs"
[ "$vm" = 1 ] && expect="$expect kernel@vm=$kmechs user@vm=$umechs"

meta=$(head -n 1 "$out/results.json" 2>/dev/null || true)
awk -v rc="$rc" -v expect="$expect" -v wls="$wls" -v meta="$meta" -v vm="$vm" '
function say(why) { print "check-bench: " why > "/dev/stderr" }
function fail(why) { f++; say(why) }
function parse(   i, kv) { sub(/\r$/, ""); delete v; for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
/^FAILED / { fail("failed run: " $0) }
/^SKIPPED / { parse(); skipped[v["side"] "@" v["env"], v["mech"], v["workload"]] = 1 }
/^SUMMARY / {
	parse(); k = v["side"] "@" v["env"]; seen[k, v["mech"], v["workload"]] = 1; cpus[k] = v["cpus"]
	w = v["workload"]
	ok = v["bad"] == 0
	if (w == "read" || w == "handoff") ok = ok && v["ops"] > 0
	else if (w == "replace") ok = ok && v["replacements"] > 0 && v["ops"] + v["refused"] > 0
	else ok = ok && v["samples_done"] > 0
	if (v["mech"] ~ /^rundown_ptr/ && v["refused_max"] != 0) { ok = 0; say("refused while published: " $0) }
	if (!ok) { bad[k, v["mech"]] = 1; say("not sane: " $0) }
}
END {
	if (meta !~ /^\{"type":"meta",/ || meta !~ /"commit":"[^"]+"/ || meta !~ /"cpu":"[^"]+"/ ||
	    meta !~ /"kernel":\{"host":"[^"]+"/ || meta !~ /"accel":"[^"]+"/ ||
	    (vm == 1 && meta !~ /"vm":"[^"]+"\}/))
		fail("results.json has no complete {\"type\":\"meta\"} first line: " substr(meta, 1, 200))
	else p++
	nw = split(wls, wl, ",")
	ns = split(expect, sides, " ")
	for (s = 1; s <= ns; s++) {
		split(sides[s], kv, "="); k = kv[1]; nm = split(kv[2], ml, ",")
		if (!((k, "none", "read") in seen)) fail(k ": no none baseline")
		for (i = 1; i <= nm; i++) {
			m = ml[i]; okm = !((k, m) in bad)
			for (j = 1; j <= nw; j++) {
				w = wl[j]
				if ((k, m, w) in seen) continue
				if ((w == "replace" || w == "isolation") && cpus[k] != "" && cpus[k] < 2) continue
				if ((w == "handoff" || w == "batch" || m ~ /_many$/) && (k, m, w) in skipped && m != "none" && m != "rundown") continue
				if (m ~ /^rundown_ptr/ && (w == "isolation" || w == "batch" || w == "handoff") && (k, m, w) in skipped) continue
				okm = 0; say(k ": " m ": no " w " result")
			}
			if (okm) p++; else f++
		}
	}
	if (rc != 0) fail("the run exited " rc)
	print p + 0, f + 0
}' "$out/summary.txt"

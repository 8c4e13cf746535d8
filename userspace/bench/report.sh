#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
#   report.sh OUT_DIR               tables on stdout, plots in OUT_DIR
#   report.sh --markdown OUT_DIR    the README's Benchmarks tables
#   report.sh --splice README FILE  put FILE between README's markers
#                                   "<!-- bench:begin -->" / "<!-- bench:end -->"
#
# Reads OUT_DIR/summary.txt (SUMMARY lines: medians over the repetitions,
# with *_min/*_max spreads) and OUT_DIR/meta.json (the machine). Every
# table quotes the median and [min-max] over the repetitions; read and
# handoff costs are also given net of the "none" baseline (the same loop
# without synchronisation), and flagged "*" where that loop is half the
# gross cost or more. Teardown latencies already exclude the clock's cost
# (clock_ns). A mechanism that cannot run a workload (a SKIPPED line) is
# named under that workload's table. Plots (gnuplot, PNG and SVG): read throughput against
# threads with min-max error bars, and teardown, isolation and batch
# latencies per mechanism with the p50's min-max.
set -eu

if [ "${1:-}" = --splice ]; then
	readme=$2 body=$3
	grep -q '^<!-- bench:begin -->$' "$readme" && grep -q '^<!-- bench:end -->$' "$readme" ||
		{ echo "report: no bench markers in $readme" >&2; exit 1; }
	awk -v body="$body" '
		/^<!-- bench:begin -->$/ { print; while ((getline l < body) > 0) print l; skip = 1; next }
		/^<!-- bench:end -->$/ { skip = 0 }
		!skip' "$readme" > "$readme.new"
	mv "$readme.new" "$readme"
	echo "report: $readme: Benchmarks tables rewritten from $body"
	exit 0
fi
mode=text
if [ "${1:-}" = --markdown ]; then
	mode=markdown
	shift
fi
out=$1
in=$out/summary.txt
meta=$(head -n 1 "$out/meta.json" 2>/dev/null || true)
[ "$mode" = text ] && { mkdir -p "$out/data"; rm -f "$out"/data/*; }

awk -v mode="$mode" -v OUT="$out" -v meta="$meta" '
function parse(   i, kv) { sub(/\r$/, ""); delete f; for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] } }
function addk(k) { if (!(k in sides)) { sides[k] = 1; sidelist[++ns] = k } }
function addm(k, m) { if (!((k, m) in mechs)) { mechs[k, m] = 1; ml[k, ++nm[k]] = m } }
function addt(arr, k, t) { if (!((k, t) in arr)) { arr[k, t] = 1; arr[k, "n"]++; arr[k, arr[k, "n"]] = t } }
# A JSON string field of the meta line.
function mget(path,   re, s) {
	re = "\"" path "\":\"[^\"]*\""
	if (!match(meta, re)) return ""
	s = substr(meta, RSTART, RLENGTH); sub(/^"[^"]*":"/, "", s); sub(/"$/, "", s); return s
}
function mnum(obj, key,   s) {
	if (!match(meta, "\"" obj "\":\\{[^}]*\\}")) return ""
	s = substr(meta, RSTART, RLENGTH)
	if (!match(s, "\"" key "\":(\"[^\"]*\"|[0-9]+)")) return ""
	s = substr(s, RSTART, RLENGTH); sub(/^"[^"]*":/, "", s); gsub(/"/, "", s); return s
}
# What was not run, per side and workload, in order, once each.
/^SKIPPED / {
	parse(); k = f["side"] "@" f["env"]; w = f["workload"]
	if ((k, w, f["mech"]) in skd) next
	skd[k, w, f["mech"]] = 1; sk[k, w] = sk[k, w] (sk[k, w] == "" ? "" : ", ") f["mech"]
	next
}
/^SUMMARY / {
	parse(); k = f["side"] "@" f["env"]; m = f["mech"]; w = f["workload"]; t = f["threads"]
	addk(k); addm(k, m)
	if (f["placement"] == "oversubscribed") over[k] = 1
	clk[k] = f["clock_ns"]; cpus[k] = f["cpus"]
	if (w == "read") {
		addt(rth, k, t)
		rd[k, m, t] = f["ns_per_op"] " " f["ns_per_op_min"] " " f["ns_per_op_max"]
		mo[k, m, t] = f["mops"] " " f["mops_min"] " " f["mops_max"]
	} else if (w == "handoff") {
		addt(hth, k, t)
		ho[k, m, t] = f["ns_per_op"] " " f["ns_per_op_min"] " " f["ns_per_op_max"]
	} else if (w == "teardown") {
		x = t == 0 ? "idle" : "busy"; if (x == "busy") tdr[k] = t
		td[k, m, x] = f["lat_p50_ns"] " " f["lat_p50_min_ns"] " " f["lat_p50_max_ns"] " " f["lat_p99_ns"] " " f["lat_max_ns"] " " f["enqueue_ns"]
	} else if (w == "replace") {
		addt(rpp, k, f["period_us"]); rpr[k] = t
		rp[k, m, f["period_us"]] = f["rate_per_s"] " " f["rate_min"] " " f["rate_max"] " " f["mops"] " " f["refused"] " " f["ops"] " " f["lat_p50_ns"] " " f["mops_min"] " " f["mops_max"]
	} else if (w == "isolation") {
		iso[k, m] = f["lat_p50_ns"] " " f["lat_p50_min_ns"] " " f["lat_p50_max_ns"] " " f["lat_p99_ns"] " " f["lat_max_ns"] " " f["enqueue_ns"]
		hold[k] = f["hold_us"]
	} else if (w == "batch") {
		ba[k, m] = f["lat_p50_ns"] " " f["lat_p50_min_ns"] " " f["lat_p50_max_ns"] " " f["enqueue_ns"]
		nobj[k] = f["objects"]
	}
}
# ns in a short human form.
function hu(ns,   u) {
	u = mode == "markdown" ? "µs" : "us"
	if (ns == "") return "-"
	if (ns >= 1e6) return sprintf("%.2f ms", ns / 1e6)
	if (ns >= 1e4) return sprintf("%.0f %s", ns / 1e3, u)
	if (ns >= 1e3) return sprintf("%.1f %s", ns / 1e3, u)
	if (ns >= 10 || ns == int(ns)) return sprintf("%.0f ns", ns)
	return sprintf("%.1f ns", ns)
}
function num(x) { return x >= 100 ? sprintf("%.0f", x) : x >= 10 ? sprintf("%.1f", x) : sprintf("%.2f", x) }
function spread(lo, hi) { return "[" num(lo) "-" num(hi) "]" }
function hspread(lo, hi) { return "[" hu(lo) "-" hu(hi) "]" }
# "gross [min-max] net", the net of the baseline b ("med min max").
function cost(v, b,   a, z, s, n) {
	if (v == "") return "-"
	split(v, a, " "); s = num(a[1]) " " spread(a[2], a[3])
	if (b == "") return s
	split(b, z, " "); n = a[1] - z[1]
	return s " net " num(n < 0 ? 0 : n) (z[1] >= a[1] / 2 ? "*" : "")
}
function lat(v,   a) { if (v == "") return "-"; split(v, a, " "); return hu(a[1]) " " hspread(a[2], a[3]) }
# Table building: tbl_start(title), tbl_head(cells...), tbl_row(), tbl_end().
function tbl_start(title) { ttl = title; nr = 0; nc = 0 }
function cell(r, c, s) { T[r, c] = s; if (c > nc) nc = c; if (r > nr) nr = r }
function tbl_end(note,   r, c, w, line) {
	sub(/^ +/, "", note)
	if (nr < 2) return
	if (mode == "markdown") {
		printf "\n%s\n\n", ttl
		for (r = 1; r <= nr; r++) {
			line = "|"; for (c = 1; c <= nc; c++) line = line " " ((r, c) in T ? T[r, c] : "") " |"
			print line
			if (r == 1) { line = "|"; for (c = 1; c <= nc; c++) line = line (c == 1 ? "---|" : "---:|"); print line }
		}
	} else {
		printf "\n== %s\n", ttl
		for (c = 1; c <= nc; c++) { w[c] = 0; for (r = 1; r <= nr; r++) if (length(T[r, c]) > w[c]) w[c] = length(T[r, c]) }
		for (r = 1; r <= nr; r++) {
			line = ""; for (c = 1; c <= nc; c++) line = line sprintf(c == 1 ? "%-*s" : "  %*s", w[c], T[r, c])
			print line
		}
	}
	if (note != "") printf(mode == "markdown" ? "\n%s\n" : "%s\n", note)
	delete T
}
function where(k,   s) {
	split(k, s, "@")
	if (s[2] ~ /^vm/) return s[1] " side, in the VM (" accel ", " cpus[k] " virtual CPUs" (accel == "tcg" ? ": emulated, compare like with like only" : "") ")"
	return s[1] " side, " s[2] " (" cpus[k] " CPUs)"
}
# The note naming what side k did not run of workload w ("" if nothing).
function skipped(k, w) { return sk[k, w] == "" ? "" : " Not run (unsupported): " sk[k, w] "." }
# The same for the README tables: the host and VM kernel columns.
function skipped2(w,   h, v) {
	h = sk["user@host", w]; v = sk["kernel@vm", w]
	if (h == "" && v == "") return ""
	return "Not run (unsupported): " (h == "" ? "" : "host: " h) (h != "" && v != "" ? "; " : "") (v == "" ? "" : "VM: " v) "."
}
function oversub(k) { return over[k] ? " Some rows oversubscribed (placement=oversubscribed in summary.txt)." : "" }
END {
	accel = mget("accel")
	if (meta != "") {
		mach = "Machine: " mget("cpu") ", " mnum("cpus", "host") " CPUs, Linux " mnum("kernel", "host") "; "
		mach = mach (accel == "none" || accel == "" ? "no VM" : "VM: QEMU " (accel == "kvm" ? "KVM" : "TCG software emulation") ", " mnum("cpus", "vm") " virtual CPUs, Linux " mnum("kernel", "vm"))
		mach = mach "; commit " mget("commit") ", " mget("date") "; load average " mnum("loadavg", "start") " at the start."
		printf(mode == "markdown" ? "%s\n" : "%s\n", mach)
	}
	if (mode == "markdown") { readme(); decide(); exit }
	for (s = 1; s <= ns; s++) {
		k = sidelist[s]; split(k, se, "@"); base = (k, "none") in mechs

		# read
		tbl_start("Read side, " where(k) ": ns per acquire+release pair per thread, median [min-max], net of none")
		cell(1, 1, "mechanism"); for (t = 1; t <= rth[k, "n"]; t++) cell(1, t + 1, rth[k, t] " thr")
		r = 1
		for (i = 1; i <= nm[k]; i++) { m = ml[k, i]; if (!((k, m, rth[k, 1]) in rd)) continue
			cell(++r, 1, m)
			for (t = 1; t <= rth[k, "n"]; t++) { tt = rth[k, t]
				cell(r, t + 1, m == "none" ? cost(rd[k, m, tt], "") : cost(rd[k, m, tt], rd[k, "none", tt]))
				if (mode == "text") { split(mo[k, m, tt], a, " "); print tt, a[1], a[2], a[3] > (OUT "/data/tput-" se[1] "-" se[2] "-" m ".dat") }
			}
		}
		tbl_end("* the loop (none) is half the gross cost or more: the net is the mechanism." oversub(k) skipped(k, "read"))

		# handoff
		tbl_start("Hand-off, " where(k) ": ns per reference acquired on one CPU and released on another, median [min-max], net of none")
		cell(1, 1, "mechanism"); for (t = 1; t <= hth[k, "n"]; t++) cell(1, t + 1, hth[k, t] / 2 " pair" (hth[k, t] > 2 ? "s" : ""))
		r = 1
		for (i = 1; i <= nm[k]; i++) { m = ml[k, i]; if (!((k, m, hth[k, 1]) in ho)) continue
			cell(++r, 1, m)
			for (t = 1; t <= hth[k, "n"]; t++) { tt = hth[k, t]
				cell(r, t + 1, m == "none" ? cost(ho[k, m, tt], "") : cost(ho[k, m, tt], ho[k, "none", tt])) }
		}
		tbl_end("none: the ring between the two CPUs alone. Mechanisms whose release must come from the acquiring context are not run." skipped(k, "handoff"))

		# teardown
		tbl_start("Teardown, " where(k) ": start of run-down until the object may be freed (p50 [min-max of p50], p99, max), less the clock (" clk[k] " ns)")
		cell(1, 1, "mechanism"); cell(1, 2, "no readers"); cell(1, 3, "p99"); cell(1, 4, "max")
		cell(1, 5, tdr[k] " reader" (tdr[k] > 1 ? "s" : "")); cell(1, 6, "p99"); cell(1, 7, "max"); cell(1, 8, "enqueue")
		r = 1
		for (i = 1; i <= nm[k]; i++) { m = ml[k, i]
			if (!((k, m, "idle") in td) && !((k, m, "busy") in td)) continue
			cell(++r, 1, m); e = ""
			for (x = 0; x < 2; x++) { y = x ? "busy" : "idle"
				if (!((k, m, y) in td)) { cell(r, 2 + 3 * x, "-"); continue }
				split(td[k, m, y], a, " "); cell(r, 2 + 3 * x, lat(td[k, m, y])); cell(r, 3 + 3 * x, hu(a[4])); cell(r, 4 + 3 * x, hu(a[5]))
				if (a[6] > 0) e = hu(a[6])
				if (mode == "text") print m, a[1], a[2], a[3] > (OUT "/data/lat-" se[1] "-" se[2] "-" y ".dat")
			}
			cell(r, 8, e == "" ? "-" : e)
		}
		tbl_end("Readers run on the other CPUs, the owner alone on its own. call_rcu rows: until the callback ran (the reclamation delay); the owner itself waits only for the enqueue (the call_rcu() call). rundown_ptr rows: the replace call (publish the next object, run the old one down)." oversub(k) skipped(k, "teardown"))

		# replace
		for (pi = 1; pi <= rpp[k, "n"]; pi++) { pp = rpp[k, pi]
			tbl_start("Replace, " where(k) ": the owner tears down and replaces the object " (pp == 0 ? "as fast as it can" : "every " pp " us") " under " rpr[k] " reader" (rpr[k] > 1 ? "s" : ""))
			cell(1, 1, "mechanism"); cell(1, 2, "replaced/s [min-max]"); cell(1, 3, "reader Mops/s [min-max]"); cell(1, 4, "refused %"); cell(1, 5, "teardown p50")
			r = 1
			for (i = 1; i <= nm[k]; i++) { m = ml[k, i]; if (!((k, m, pp) in rp)) continue
				split(rp[k, m, pp], a, " "); cell(++r, 1, m)
				cell(r, 2, sprintf("%.0f [%.0f-%.0f]", a[1], a[2], a[3])); cell(r, 3, num(a[4]) " " spread(a[8], a[9]))
				cell(r, 4, (a[6] + a[5]) > 0 ? sprintf("%.1f", 100 * a[5] / (a[6] + a[5])) : "-"); cell(r, 5, hu(a[7]))
			}
			tbl_end((pp == 0 ? "No pause: the rate is the mechanism'"'"'s own (none: the loop'"'"'s)." : "") skipped(k, "replace"))
		}

		# isolation
		tbl_start("Isolation, " where(k) ": tearing down object A while a holder keeps object B for " hold[k] / 1000 " ms at a time")
		cell(1, 1, "mechanism"); cell(1, 2, "teardown of A, p50 [min-max]"); cell(1, 3, "p99"); cell(1, 4, "max")
		r = 1
		for (i = 1; i <= nm[k]; i++) { m = ml[k, i]; if (!((k, m) in iso)) continue
			split(iso[k, m], a, " "); cell(++r, 1, m); cell(r, 2, lat(iso[k, m])); cell(r, 3, hu(a[4])); cell(r, 4, hu(a[5]))
			if (mode == "text") print m, a[1], a[2], a[3] > (OUT "/data/iso-" se[1] "-" se[2] ".dat")
		}
		tbl_end("A grace period waits for every reader of every object; a count waits for its own holders only." skipped(k, "isolation"))

		# batch
		tbl_start("Batch, " where(k) ": tearing down " nobj[k] " objects at once")
		cell(1, 1, "mechanism"); cell(1, 2, "all, p50 [min-max]"); cell(1, 3, "per object"); cell(1, 4, "enqueue")
		r = 1
		for (i = 1; i <= nm[k]; i++) { m = ml[k, i]; if (!((k, m) in ba)) continue
			split(ba[k, m], a, " "); cell(++r, 1, m); cell(r, 2, lat(ba[k, m])); cell(r, 3, hu(a[1] / nobj[k]))
			cell(r, 4, a[4] > 0 ? hu(a[4]) : "-")
			if (mode == "text") print m, a[1], a[2], a[3] > (OUT "/data/batch-" se[1] "-" se[2] ".dat")
		}
		tbl_end("One by one, except: one synchronize_rcu/srcu for all, every percpu_ref kill before the waits, one call_rcu each until the last callback ran, and rundown_pcpu_many: one rundown_pcpu_wait_many() (one fence) for all." skipped(k, "batch"))
	}
}
# The README: one table per workload, the host (userspace) columns beside
# the VM kernel ones; rows are the mechanisms of either.
function mkrows(   i, m) {
	nrow = 0; delete inrow
	for (i = 1; i <= nm[H]; i++) { m = ml[H, i]; if (!(m in inrow)) { inrow[m] = 1; rowm[++nrow] = m } }
	for (i = 1; i <= nm[K]; i++) { m = ml[K, i]; if (!(m in inrow)) { inrow[m] = 1; rowm[++nrow] = m } }
}
function label(k) { return k == H ? "host" : "VM" }
function readme(   side, k, c, r, i, m, t, tt, any, pp, a, x, y) {
	H = "user@host"; K = "kernel@vm"; mkrows()
	tbl_start("**Read side**: ns per acquire+release pair per thread, median [min-max] over the repetitions, and net of `none` (* where the loop is half the cost or more)")
	cell(1, 1, "mechanism"); c = 1
	for (side = 1; side <= 2; side++) { k = side == 1 ? H : K; for (t = 1; t <= rth[k, "n"]; t++) cell(1, ++c, label(k) " " rth[k, t] " thr") }
	r = 1
	for (i = 1; i <= nrow; i++) { m = rowm[i]; if (!((H, m, rth[H, 1]) in rd) && !((K, m, rth[K, 1]) in rd)) continue
		cell(++r, 1, m); c = 1
		for (side = 1; side <= 2; side++) { k = side == 1 ? H : K
			for (t = 1; t <= rth[k, "n"]; t++) { tt = rth[k, t]
				cell(r, ++c, m == "none" ? cost(rd[k, m, tt], "") : cost(rd[k, m, tt], rd[k, "none", tt])) } } }
	tbl_end(skipped2("read"))

	tbl_start("**Hand-off**: ns per reference acquired on one CPU and released on another (net of `none`: the ring alone); only where a release may come from another context")
	cell(1, 1, "mechanism"); c = 1
	for (side = 1; side <= 2; side++) { k = side == 1 ? H : K; for (t = 1; t <= hth[k, "n"]; t++) cell(1, ++c, label(k) " " hth[k, t] / 2 " pair" (hth[k, t] > 2 ? "s" : "")) }
	r = 1
	for (i = 1; i <= nrow; i++) { m = rowm[i]; if (!((H, m, hth[H, 1]) in ho) && !((K, m, hth[K, 1]) in ho)) continue
		cell(++r, 1, m); c = 1
		for (side = 1; side <= 2; side++) { k = side == 1 ? H : K
			for (t = 1; t <= hth[k, "n"]; t++) { tt = hth[k, t]
				cell(r, ++c, m == "none" ? cost(ho[k, m, tt], "") : cost(ho[k, m, tt], ho[k, "none", tt])) } } }
	tbl_end(skipped2("handoff"))

	tbl_start("**Teardown**: from the start of run-down until the object may be freed, p50 [min-max of the p50] over the repetitions, less the clock (host " clk[H] " ns, VM " clk[K] " ns); call_rcu rows: until the callback ran, and the enqueue the owner waits for")
	cell(1, 1, "mechanism"); cell(1, 2, "host, no readers"); cell(1, 3, "host, " tdr[H] " reader" (tdr[H] > 1 ? "s" : ""))
	cell(1, 4, "VM, no readers"); cell(1, 5, "VM, " tdr[K] " reader" (tdr[K] > 1 ? "s" : "")); cell(1, 6, "enqueue (host / VM)")
	r = 1
	for (i = 1; i <= nrow; i++) { m = rowm[i]; any = 0; c = 1
		for (side = 1; side <= 2; side++) { k = side == 1 ? H : K
			for (x = 0; x < 2; x++) { y = x ? "busy" : "idle"; if ((k, m, y) in td) any = 1 } }
		if (!any) continue
		cell(++r, 1, m); e = ""
		for (side = 1; side <= 2; side++) { k = side == 1 ? H : K
			for (x = 0; x < 2; x++) { y = x ? "busy" : "idle"; cell(r, ++c, lat(td[k, m, y]))
				if ((k, m, y) in td) { split(td[k, m, y], a, " "); if (a[6] > 0 && x == 0) e = e (e == "" ? "" : " / ") hu(a[6]) } } }
		cell(r, 6, e == "" ? "-" : e)
	}
	tbl_end("rundown_ptr rows: the replace call, which publishes the next object and runs the old one down. " skipped2("teardown"))

	for (pp = 1; pp <= rpp[H, "n"] || pp <= rpp[K, "n"]; pp++) {
		x = rpp[H, pp] != "" ? rpp[H, pp] : rpp[K, pp]
		tbl_start("**Replace** " (x == 0 ? "as fast as the owner can" : "every " x " µs") ": replacements per second [min-max], the successful acquire+release pairs of all readers (Mops/s [min-max]) and the acquires refused to them")
		cell(1, 1, "mechanism"); cell(1, 2, "host replaced/s"); cell(1, 3, "reader Mops/s"); cell(1, 4, "refused")
		cell(1, 5, "VM replaced/s"); cell(1, 6, "reader Mops/s"); cell(1, 7, "refused")
		r = 1
		for (i = 1; i <= nrow; i++) { m = rowm[i]; if (!((H, m, x) in rp) && !((K, m, x) in rp)) continue
			cell(++r, 1, m); c = 1
			for (side = 1; side <= 2; side++) { k = side == 1 ? H : K
				if (!((k, m, x) in rp)) { cell(r, ++c, "-"); cell(r, ++c, "-"); cell(r, ++c, "-"); continue }
				split(rp[k, m, x], a, " ")
				cell(r, ++c, sprintf("%.0f [%.0f-%.0f]", a[1], a[2], a[3]))
				cell(r, ++c, num(a[4]) " " spread(a[8], a[9]))
				cell(r, ++c, (a[6] + a[5]) > 0 ? sprintf("%.1f%%", 100 * a[5] / (a[6] + a[5])) : "-") } }
		tbl_end(skipped2("replace"))
	}

	tbl_start("**Isolation**: tearing down object A while a holder keeps object B for " hold[H] / 1000 " ms at a time, p50 [min-max]")
	cell(1, 1, "mechanism"); cell(1, 2, "host"); cell(1, 3, "VM")
	r = 1
	for (i = 1; i <= nrow; i++) { m = rowm[i]; if (!((H, m) in iso) && !((K, m) in iso)) continue
		cell(++r, 1, m); cell(r, 2, lat(iso[H, m])); cell(r, 3, lat(iso[K, m])) }
	tbl_end(skipped2("isolation"))

	tbl_start("**Batch**: tearing down " nobj[H] " objects at once, all of them (p50 [min-max]) and per object")
	cell(1, 1, "mechanism"); cell(1, 2, "host"); cell(1, 3, "per object"); cell(1, 4, "VM"); cell(1, 5, "per object")
	r = 1
	for (i = 1; i <= nrow; i++) { m = rowm[i]; if (!((H, m) in ba) && !((K, m) in ba)) continue
		cell(++r, 1, m); c = 1
		for (side = 1; side <= 2; side++) { k = side == 1 ? H : K
			if (!((k, m) in ba)) { cell(r, ++c, "-"); cell(r, ++c, "-"); continue }
			split(ba[k, m], a, " "); cell(r, ++c, lat(ba[k, m])); cell(r, ++c, hu(a[1] / nobj[k])) } }
	tbl_end(skipped2("batch"))
}
# One cell of the decision table: the host value / the VM kernel value.
function pick(k, w, m, x,   a, v) {
	if (m == "") return ""
	if (w == "read") { v = rd[k, m, x]; if (v == "") return ""; split(v, a, " "); split(rd[k, "none", x], z, " "); return num(a[1] - z[1] < 0 ? 0 : a[1] - z[1]) " ns" }
	if (w == "rp") { v = rp[k, m, x]; if (v == "") return ""; split(v, a, " "); return sprintf("%.0f", a[1]) }
	if (w == "td") v = td[k, m, x]
	else if (w == "iso") v = iso[k, m]
	else if (w == "ba") { if ((k, m "_many") in ba) m = m "_many"
		v = ba[k, m]; if (v == "") return ""; split(v, a, " "); return hu(a[1] / nobj[k]) }
	if (v == "") return ""
	split(v, a, " "); return hu(a[1])
}
function both(w, hm, km, x, kx,   h, v) {
	h = pick("user@host", w, hm, x); v = pick("kernel@vm", w, km, kx)
	return (h == "" ? "-" : h) " / " (v == "" ? "-" : v)
}
function decide(   i, n, row, hm, km, hr, kr) {
	n = split("rundown|rundown|rundown|acquire fails once run-down began|none\n" \
		"rundown_pcpu|rundown_pcpu|rundown_pcpu|acquire fails once run-down began|none (userspace: rseq, automatic)\n" \
		"rundown_ptr|rundown_ptr|rundown_ptr|never while an object is published: readers get the old or the new one|none\n" \
		"rundown_ptr_pcpu|rundown_ptr_pcpu|rundown_ptr_pcpu|never while an object is published|none (userspace: rseq, automatic)\n" \
		"percpu_ref||percpu_ref|tryget_live fails once killed|none\n" \
		"SRCU||srcu|never: readers see the old or the new object|an srcu_struct per domain\n" \
		"RCU, synchronize_rcu / liburcu memb|urcu_memb|rcu|never: readers see the old or the new object|kernel: none; liburcu: every reader thread\n" \
		"liburcu qsbr|urcu_qsbr||never|every reader thread, and quiescent states\n" \
		"call_rcu|urcu_memb_call_rcu|call_rcu|never|kernel: none; liburcu: every thread that reads or calls it\n" \
		"rwsem / std::shared_mutex|shared_mutex|rwsem|trylock fails while a writer holds (rwsem: or waits)|none\n" \
		"refcount_t / atomic count|atomic_ref|refcount|only at zero: readers can keep it alive|none", rows, "\n")
	hr = rth["user@host", rth["user@host", "n"]]; kr = rth["kernel@vm", rth["kernel@vm", "n"]]
	printf "\n**Which to use**, host (userspace) / VM kernel. Read: net of none at all CPUs (%s / %s threads); teardown p50 with no readers and with readers (rundown_ptr: the replace call); replacements per second with no pause, under the same readers; isolation: A'"'"'s teardown while B is held; batch: per object of %s (with a batch wait where there is one). Numbers from the tables above; in the VM only compare like with like.\n\n", hr, kr, nobj["user@host"] != "" ? nobj["user@host"] : nobj["kernel@vm"]
	print "| mechanism | read | teardown, no readers | with readers | replaced/s | isolation | batch, per object | acquire refused | registration |"
	print "|---|---:|---:|---:|---:|---:|---:|---|---|"
	for (i = 1; i <= n; i++) {
		split(rows[i], row, "|"); hm = row[2]; km = row[3]
		printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", row[1], both("read", hm, km, hr, kr),
			both("td", hm, km, "idle", "idle"), both("td", hm, km, "busy", "busy"),
			both("rp", hm, km, 0, 0), both("iso", hm, km), both("ba", hm, km), row[4], row[5]
	}
}' "$in"

[ "$mode" = text ] || exit 0
command -v gnuplot > /dev/null || { echo "report: no gnuplot, no plots" >&2; exit 0; }
plot() { # plot NAME TITLE YLABEL GNUPLOT-PLOT-COMMAND
	for term in png svg; do
		if [ $term = png ]; then t="pngcairo noenhanced size 1100,700"; else t="svg noenhanced size 1100,700"; fi
		gnuplot -e "set terminal $t; set output '$out/$1.$term'; set title '$2'; set ylabel '$3';
			set logscale y; set key outside right; set grid; $4" 2> /dev/null || true
	done
	if [ -s "$out/$1.png" ]; then echo "report: plot $out/$1.png (and .svg)"; fi
}
for se in $(ls "$out"/data/ | sed -n 's/^tput-\([^-]*-[^-]*\)-.*\.dat$/\1/p' | sort -u); do
	p=
	for f in "$out"/data/tput-"$se"-*.dat; do
		m=${f##*/tput-"$se"-}; m=${m%.dat}
		p="$p${p:+, }'$f' using 1:2:3:4 with yerrorlines title '$m'"
	done
	plot "throughput-$se" "Read-side throughput ($se), median and min-max over the repetitions" \
		"acquire+release pairs, Mops/s (log)" "set xlabel 'threads'; plot $p"
done
bars="set style data histogram; set style histogram errorbars gap 1 lw 1; set style fill solid 0.7;
	set xtics rotate by -35"
for f in "$out"/data/lat-*.dat "$out"/data/iso-*.dat "$out"/data/batch-*.dat; do
	[ -e "$f" ] || continue
	n=${f##*/}; n=${n%.dat}
	case $n in
	lat-*) name=latency-${n#lat-} title="Teardown latency (${n#lat-}): start of run-down until safe to free" ;;
	iso-*) name=isolation-${n#iso-} title="Isolation (${n#iso-}): teardown of A while B is held" ;;
	*) name=$n title="Batch (${n#batch-}): tearing down all objects" ;;
	esac
	plot "$name" "$title; p50 and its min-max" "ns (log)" "$bars; plot '$f' using 2:3:4:xtic(1) title 'p50'"
done

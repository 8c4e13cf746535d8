#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# report.sh SUMMARY_FILE OUT_DIR: one table per workload (ratios against
# rundown) on stdout, and gnuplot plots (PNG and SVG) in OUT_DIR:
# throughput against threads per side, teardown latency per mechanism.
set -eu
in=$1 out=$2
mkdir -p "$out/data"
rm -f "$out"/data/*

# key=value fields of a SUMMARY line into awk variables: f["mech"] ...
parse='function parse(   i, kv) { delete f; for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] } }'

awk "$parse"'
/^SUMMARY / { parse(); k = f["side"] "@" f["env"]
	if (!(k in sides)) { sides[k] = 1; sidelist[++ns] = k }
	m = k SUBSEP f["mech"]
	if (!(m in mechs)) { mechs[m] = 1; ml[k, ++nm[k]] = f["mech"] }
	if (f["workload"] == "read") {
		if (!((k, f["threads"]) in th)) { th[k, f["threads"]] = 1; tl[k, ++nt[k]] = f["threads"] }
		rd[k, f["mech"], f["threads"]] = f["ns_per_op"]; mo[k, f["mech"], f["threads"]] = f["mops"]
	} else if (f["workload"] == "teardown") {
		w = f["threads"] == 0 ? "idle" : "busy"; if (w == "busy") tdr[k] = f["threads"]
		td[k, f["mech"], w] = f["lat_p50_ns"] " " f["lat_p99_ns"] " " f["lat_max_ns"] " " f["samples_done"]
	} else if (f["workload"] == "replace") {
		if (f["threads"] + 0 >= rt[k] + 0) rt[k] = f["threads"]
		rp[k, f["mech"], f["threads"]] = f["mops"] " " f["refused"] " " f["rate_per_s"] " " f["lat_p50_ns"] " " f["ops"]
	}
}
function human(ns) { return ns >= 1e6 ? sprintf("%.2fms", ns / 1e6) : ns >= 1e3 ? sprintf("%.1fus", ns / 1e3) : sprintf("%dns", ns) }
function ratio(x, y) { return (y > 0 && x != "") ? sprintf("x%.2f", x / y) : "-" }
END {
	for (s = 1; s <= ns; s++) {
		k = sidelist[s]; split(k, se, "@")
		note = se[2] == "vm" ? "  (emulated QEMU VM: compare ratios only)" : ""
		if (nt[k]) {
			printf "\n== %s side, %s: read-side cost, ns per acquire+release pair per thread (ratio to rundown)%s\n", se[1], se[2], note
			printf "%-22s", "mechanism"; for (t = 1; t <= nt[k]; t++) printf " %18s", tl[k, t] " thr"; printf "\n"
			for (i = 1; i <= nm[k]; i++) { mm = ml[k, i]; if (!((k, mm, tl[k, 1]) in rd)) continue
				printf "%-22s", mm
				for (t = 1; t <= nt[k]; t++) { v = rd[k, mm, tl[k, t]]; base = rd[k, "rundown", tl[k, t]]
					printf " %18s", v == "" ? "-" : sprintf("%.2f %s", v, ratio(v, base)) }
				printf "\n"
				for (t = 1; t <= nt[k]; t++) print tl[k, t], mo[k, mm, tl[k, t]] > (OUT "/data/tput-" se[1] "-" se[2] "-" mm ".dat")
			}
		}
		if (tdr[k] != "" || ((k, "rundown", "idle") in td)) {
			printf "\n== %s side, %s: teardown latency, start of run-down until safe to free (p50 ratio to rundown)%s\n", se[1], se[2], note
			printf "%-22s %10s %10s %10s %9s | %10s %10s %10s %9s\n", "mechanism", "p50", "p99", "max", "ratio", "p50", "p99", "max", "ratio"
			printf "%-22s %43s | %43s\n", "", "no readers", tdr[k] " readers running"
			for (i = 1; i <= nm[k]; i++) { mm = ml[k, i]; line = sprintf("%-22s", mm); any = 0
				for (wi = 1; wi <= 2; wi++) { w = wi == 1 ? "idle" : "busy"
					if ((k, mm, w) in td) { split(td[k, mm, w], a, " "); split(td[k, "rundown", w], bb, " "); any = 1
						line = line sprintf(" %10s %10s %10s %9s", human(a[1]), human(a[2]), human(a[3]), ratio(a[1], bb[1]))
						print mm, a[1], a[2], a[3] > (OUT "/data/lat-" se[1] "-" se[2] "-" w ".dat")
					} else line = line sprintf(" %43s", "-")
					if (wi == 1) line = line " |" }
				if (any) print line }
		}
		if (rt[k] != "") {
			t = rt[k]
			printf "\n== %s side, %s: replace under use, %s readers (Mops/s ratio to rundown)%s\n", se[1], se[2], t, note
			printf "%-22s %10s %8s %12s %12s %12s\n", "mechanism", "Mops/s", "ratio", "refused %", "replaced/s", "teardown p50"
			for (i = 1; i <= nm[k]; i++) { mm = ml[k, i]; if (!((k, mm, t) in rp)) continue
				split(rp[k, mm, t], a, " "); split(rp[k, "rundown", t], bb, " ")
				printf "%-22s %10.2f %8s %12.2f %12.0f %12s\n", mm, a[1], ratio(a[1], bb[1]),
					((a[5] + a[2]) > 0 ? 100 * a[2] / (a[5] + a[2]) : 0), a[3], human(a[4])
			}
		}
	}
}' OUT="$out" "$in"

command -v gnuplot > /dev/null || { echo "report: no gnuplot, no plots" >&2; exit 0; }
for f in "$out"/data/tput-*.dat; do [ -e "$f" ] || continue; echo "$f"; done |
	sed 's|.*/tput-\([^-]*-[^-]*\)-.*|\1|' | sort -u | while read -r se; do
	plot=
	for f in "$out"/data/tput-"$se"-*.dat; do
		m=${f##*/tput-"$se"-}; m=${m%.dat}
		plot="$plot${plot:+, }'$f' using 1:2 with linespoints title '$m'"
	done
	for term in png svg; do
		if [ $term = png ]; then t="pngcairo noenhanced size 1100,700"; else t="svg noenhanced size 1100,700"; fi
		gnuplot -e "set terminal $t; set output '$out/throughput-$se.$term';
			set title 'Read-side throughput ($se)'; set xlabel 'threads'; set ylabel 'acquire+release pairs, Mops/s (log)';
			set logscale y; set key outside right; set grid; plot $plot" 2> /dev/null ||
		gnuplot -e "set terminal ${t#png}; set output '$out/throughput-$se.$term'; set logscale y; set key outside right; plot $plot"
	done
done
for f in "$out"/data/lat-*.dat; do
	[ -e "$f" ] || continue
	n=${f##*/lat-}; n=${n%.dat}
	for term in png svg; do
		if [ $term = png ]; then t="pngcairo noenhanced size 1100,700"; else t="svg noenhanced size 1100,700"; fi
		gnuplot -e "set terminal $t; set output '$out/latency-$n.$term';
			set title 'Teardown latency ($n): start of run-down until safe to free'; set ylabel 'ns (log)';
			set logscale y; set style data histogram; set style histogram clustered; set style fill solid 0.8;
			set xtics rotate by -35; set grid ytics; set key top left;
			plot '$f' using 2:xtic(1) title 'p50', '' using 3 title 'p99', '' using 4 title 'max'" 2> /dev/null || true
	done
done
ls "$out"/*.png "$out"/*.svg 2> /dev/null | sed 's/^/report: plot /'

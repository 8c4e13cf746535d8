#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# The disassembly-level facts of the cache-aware read side, checked on built
# binaries rather than stated in prose:
#
#   check-fastpath.sh COUNT_FILE ARCH=BINARY ...     (ARCH: x86_64, aarch64)
#
# Each BINARY must be statically linked and not position-independent (its
# __rseq_cs descriptors then hold final addresses). For every descriptor:
#  - the critical section [start_ip, start_ip + post_commit_offset) holds no
#    locked or exclusive instruction and no fence (x86-64: no lock prefix,
#    xchg, cmpxchg, xadd, mfence/lfence/sfence; aarch64: no load/store-
#    exclusive, no LSE atomic, no dmb/dsb, no stlr; its one acquire load,
#    ldar, is the flag);
#  - its last instruction is the commit, one add or subtract to memory
#    (aarch64: the str of an ldr/add/str);
#  - the 4 bytes before abort_ip are glibc's RSEQ_SIG, and the abort
#    handler jumps back to the instruction that arms the section (stores
#    the descriptor into rseq_cs), never into the section itself.
# A binary without any descriptor fails: the fast path was not built.
#
# And the hot paths of the library's copies of the inline fast paths (the
# same inline code users compile): from the entry of rundown_acquire,
# rundown_release, rundown_pcpu_acquire and rundown_pcpu_release to the
# first return, in address order (the code the compiler laid out as
# likely), there is no call and no jump out of the function (aarch64:
# except the one outline-atomics helper a locked RMW is), exactly one
# locked RMW for the plain ones, none for the cache-aware ones (their rseq
# sections), and no reference to global data but the cache-aware ones'
# rseq descriptor (x86-64: rip-relative or absolute operands; aarch64:
# adrp, literal loads): no process-wide flag is tested. Holder tracking
# (RUNDOWN_DEBUG=track) and every other slow path must stay off it: an
# untracked object pays nothing.
# Writes "<passed> <failed>" to COUNT_FILE: two tests per binary.
set -u
count=$1
shift
passed=0 failed=0

# hexle STR: a little-endian hex byte string as a 0x number.
hexle() { echo "$1" | sed 's/../& /g' | awk '{ s = ""; for (i = NF; i >= 1; i--) s = s $i; print "0x" s }'; }

check() { # arch binary
	arch=$1 bin=$2
	case $arch in
	x86_64)
		od=objdump
		sig=53300553  # RSEQ_SIG 0x53053053, little-endian bytes
		bad='(^|[[:space:]])(lock|xchg[a-z]*|cmpxchg[a-z0-9]*|xadd[a-z]*|mfence|lfence|sfence)([[:space:]]|$)'
		commit='^(add|sub)[a-z]*[[:space:]].*\(.*\)$'
		arming='mov[a-z]*[[:space:]]+%r[a-z0-9]+,%fs:0x8\('
		jump='^jmp[a-z]*[[:space:]]'
		;;
	aarch64)
		od=aarch64-linux-gnu-objdump
		sig=00bc28d4  # RSEQ_SIG 0xd428bc00
		bad='(^|[[:space:]])(ld[a]?xr[bh]?|st[l]?xr[bh]?|ld[a]?xp|st[l]?xp|cas[a-z]*|ldadd[a-z]*|ldclr[a-z]*|ldset[a-z]*|ldeor[a-z]*|swp[a-z]*|stadd[a-z]*|dmb|dsb|stlr[a-z]*)([[:space:]]|$)'
		commit='^str[[:space:]]'
		arming='^str[[:space:]]+x[0-9]+, \[x[0-9]+, #8\]'
		jump='^b[[:space:]]'
		;;
	*)
		echo "fastpath: unknown arch $arch"
		return 1
		;;
	esac
	command -v "$od" >/dev/null || { echo "fastpath: $arch: no $od"; return 1; }
	[ -r "$bin" ] || { echo "fastpath: $arch: no $bin"; return 1; }
	# The descriptors: 32 bytes each (u32 version, u32 flags, u64
	# start_ip, u64 post_commit_offset, u64 abort_ip).
	hex=$("$od" -s -j __rseq_cs "$bin" 2>/dev/null | awk '/^ [0-9a-f]+ / { for (i = 2; i <= 5; i++) if ($i ~ /^[0-9a-f]+$/) printf "%s", $i }')
	n=$((${#hex} / 64))
	if [ "$n" = 0 ]; then
		echo "fastpath: $arch: $bin has no rseq descriptor"
		return 1
	fi
	# Disassembly with the instructions only: "addr<TAB>insn".
	dis() { "$od" -d --no-show-raw-insn --start-address="$1" --stop-address="$2" "$bin" |
		awk -F'\t' '/^ *[0-9a-f]+:/ { sub(/^ */, "", $1); sub(/:$/, "", $1); s = $2
			for (k = 3; k <= NF; k++) s = s " " $k; print $1 "\t" s }'; }
	rc=0 i=0
	while [ "$i" -lt "$n" ]; do
		rec=$(echo "$hex" | cut -c$((i * 64 + 1))-$((i * 64 + 64)))
		start=$(hexle "$(echo "$rec" | cut -c17-32)")
		len=$(hexle "$(echo "$rec" | cut -c33-48)")
		abort=$(hexle "$(echo "$rec" | cut -c49-64)")
		i=$((i + 1))
		if [ "$start" = 0x0000000000000000 ]; then
			continue  # a descriptor the linker emptied with its function
		fi
		end=$(printf '0x%x' $((start + len)))
		body=$(dis "$start" "$end")
		if echo "$body" | cut -f2 | grep -Eq "$bad"; then
			echo "fastpath: $arch: locked/exclusive instruction or fence in the section at $start:"
			echo "$body" | sed 's/^/  | /'
			rc=1
		fi
		last=$(echo "$body" | tail -n 1 | cut -f2 | sed 's/[[:space:]]*\/\/.*//; s/[[:space:]]*#.*//; s/[[:space:]]*$//')
		if ! echo "$last" | grep -Eq "$commit"; then
			echo "fastpath: $arch: section at $start does not end with its commit: '$last'"
			rc=1
		fi
		word=$("$od" -s --start-address=$((abort - 4)) --stop-address="$abort" "$bin" | awk '/^ [0-9a-f]+ / { for (i = 2; i <= 5; i++) if ($i ~ /^[0-9a-f]+$/) printf "%s", $i }')
		if [ "$word" != "$sig" ]; then
			echo "fastpath: $arch: no RSEQ_SIG before the abort handler at $abort (found '$word')"
			rc=1
		fi
		# The handler's jump target, and what lies between it and start.
		insn=$(dis "$abort" $((abort + 16)) | head -n 1 | cut -f2)
		target=$(echo "$insn" | sed -n 's/^[a-z]*[[:space:]]*\([0-9a-f]*\).*/\1/p')
		if ! echo "$insn" | grep -Eq "$jump" || [ -z "$target" ]; then
			echo "fastpath: $arch: abort handler at $abort is not a jump: '$insn'"
			rc=1
		elif [ $((0x$target)) -ge $((start)) ]; then
			echo "fastpath: $arch: abort handler at $abort jumps into the section (0x$target >= $start): the retry would run unarmed"
			rc=1
		elif ! dis "0x$target" "$start" | cut -f2 | grep -Eq "$arming"; then
			echo "fastpath: $arch: abort handler at $abort does not re-arm (no store to rseq_cs between 0x$target and $start)"
			rc=1
		fi
	done
	[ $rc = 0 ] && echo "fastpath: $arch: $n sections in $(basename "$bin"): no locked instruction, no fence, one commit each, aborts re-arm"
	return $rc
}

# check_hot ARCH BINARY: the hot paths (see the top).
check_hot() {
	arch=$1 bin=$2
	case $arch in
	x86_64)
		od=objdump
		locked='^lock[[:space:]]'
		leave='^(call|jmp)[a-z]*[[:space:]]'
		helper='^$'
		global='\(%rip\)|(^[a-z0-9]+[[:space:]]+|,)0x[0-9a-f]+(,|$)'
		;;
	aarch64)
		od=aarch64-linux-gnu-objdump
		locked='^(ld[a]?xr[bh]?|cas[a-z]*|ldadd[a-z]*|swp[a-z]*)[[:space:]]|^bl[[:space:]]+[0-9a-f]+ <__aarch64_(cas|swp|ldadd|ldclr|ldeor|ldset)[0-9a-z_]*>'
		leave='^(bl?|br|blr)[[:space:]]'
		helper='^bl[[:space:]]+[0-9a-f]+ <__aarch64_(cas|swp|ldadd|ldclr|ldeor|ldset)[0-9a-z_]*>'
		global='^adrp[[:space:]]|^ldr[a-z]*[[:space:]]+[wx][0-9]+, [0-9a-f]+ <'
		;;
	esac
	command -v "$od" >/dev/null && [ -r "$bin" ] || { echo "fastpath: $arch: no $od or $bin"; return 1; }
	rc=0
	# function:locked RMWs:global references
	for spec in rundown_acquire:1:0 rundown_release:1:0 rundown_pcpu_acquire:0:1 rundown_pcpu_release:0:1; do
		fn=${spec%%:*} want=${spec#*:} globals=${want#*:} want=${want%:*}
		# "addr<TAB>insn" from the entry to the first ret.
		body=$("$od" -d --no-show-raw-insn --disassemble="$fn" "$bin" |
			awk -F'\t' '/^ *[0-9a-f]+:/ { s = $2; for (k = 3; k <= NF; k++) s = s " " $k
				sub(/^[[:space:]]+/, "", s); print s; if (s ~ /^ret/) exit }')
		if [ -z "$body" ] || ! echo "$body" | tail -n 1 | grep -q '^ret'; then
			echo "fastpath: $arch: no $fn, or no return in it"
			rc=1
			continue
		fi
		got=$(echo "$body" | grep -Ec "$locked")
		data=$(echo "$body" | sed 's/[[:space:]]*#.*//; s/[[:space:]]*\/\/.*//' | grep -Ec "$global")
		# Leaving the function: a call, or a jump to another symbol
		# (a jump inside it names <fn+0x..>).
		out=$(echo "$body" | grep -E "$leave" | grep -Ev "$helper" | grep -v "<$fn+0x[0-9a-f]*>" || true)
		if [ "$got" != "$want" ] || [ "$data" != "$globals" ] || [ -n "$out" ]; then
			echo "fastpath: $arch: $fn's hot path has $got locked RMWs (want $want), $data references to global data (want $globals)${out:+, and leaves the function}:"
			echo "$body" | sed 's/^/  | /'
			rc=1
		fi
	done
	[ $rc = 0 ] && echo "fastpath: $arch: hot paths of $(basename "$bin"): no call, no global data, one locked RMW (plain), none (cache-aware)"
	return $rc
}

for spec in "$@"; do
	for test in check check_hot; do
		if $test "${spec%%=*}" "${spec#*=}"; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
		fi
	done
done
echo "fastpath: $passed passed, $failed failed"
echo "$passed $failed" >"$count"
[ "$failed" = 0 ]

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The race mode must find a double fetch that the plain mode cannot: plant a second fetch of
# desc->len in ioq_pop (after the range check, used by the handler), build the consumer fuzzer
# on that copy of the core, run it for the same budget in plain mode (expected: no finding) and
# in race mode (expected: the touch_buffer range invariant aborts). A planted-bug check: the
# test passes only if the race mode reports the finding.
# WHERE (default pop): pop plants it in ioq_pop (ioq.c); fused plants it in the core's fused pop
# (ioq_pop_desc in vbus_core.h, libvbus's drain), which the fuzzer runs for pop ops with bit 7 set.
# Usage: race_planted.sh CLANG|SKIP CORE_DIR ABI_INCLUDE FUZZ_SRC CORPUS SECONDS [pop|fused]
set -euo pipefail
if [ $# -ne 6 ] && [ $# -ne 7 ]; then
	echo "usage: race_planted.sh CLANG|SKIP CORE_DIR ABI_INCLUDE FUZZ_SRC CORPUS SECONDS [pop|fused]" >&2
	exit 2
fi
clang=$1 core=$2 abi=$3 src=$4 corpus=$5 secs=$6 where=${7:-pop}
if [ "$clang" = "SKIP" ]; then
	echo "SKIP: no clang with libFuzzer found at configure time (install clang-14 and libclang-rt-14-dev)"
	exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/vbus-race-XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
cp -r "$core" "$work/core"
case $where in
pop)
	# Plant: after "used = d.len;" in ioq_pop (two tabs), re-read the length from shared memory.
	awk 'BEGIN { done = 0 }
	     { print }
	     /^\t\tused = d\.len;$/ && !done { print "\t\td.len = le32_to_cpu(READ_ONCE(desc->len));\t/* PLANTED double fetch */"; done = 1 }' \
		"$core/ioq.c" >"$work/core/ioq.c"
	planted=$work/core/ioq.c ;;
fused)
	# Plant: ioq_pop_desc re-reads the length from shared memory after its checks.
	awk 'BEGIN { done = 0 }
	     /^\treturn ioq_check_desc\(q, d\);$/ && !done {
		print "\t{ int r = ioq_check_desc(q, d); d->len = le32_to_cpu(READ_ONCE(q->ring->desc[si & (q->cnt - 1)].len)); /* PLANTED double fetch */ return r; }"
		done = 1; next }
	     { print }' "$core/vbus_core.h" >"$work/core/vbus_core.h"
	planted=$work/core/vbus_core.h ;;
*)
	echo "usage: WHERE is pop or fused, not '$where'" >&2
	exit 2 ;;
esac
grep -q "PLANTED double fetch" "$planted" || { echo "FAIL: could not plant the double fetch ($where changed?)" >&2; exit 1; }
"$clang" -std=c11 -g -O1 -Wall -Wextra -Werror -DVBUS_SHIM_RACE \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-I"$work/core/shim" -I"$work/core" -I"$abi" "$src" "$work"/core/*.c -o "$work/fuzz-planted"

run() { # mode -> exit status of the fuzzer; log in $work/$mode.log
	local mode=$1
	mkdir -p "$work/new-$mode"
	set +e
	VBUS_FUZZ_RACE=$([ "$mode" = race ] && echo 1 || echo 0) "$work/fuzz-planted" -seed=1 \
		-max_total_time="$secs" -max_len=512 -timeout=10 -error_exitcode=3 \
		-artifact_prefix="$work/$mode-" "$work/new-$mode" "$corpus" >"$work/$mode.log" 2>&1
	local rc=$?
	set -e
	return $rc
}
t0=$(date +%s.%N)
plain_rc=0; run plain || plain_rc=$?
t1=$(date +%s.%N)
race_rc=0; run race || race_rc=$?
t2=$(date +%s.%N)
plain_done=$(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "$work/plain.log" | tail -1 || true)
race_execs=$(grep -Eo '#[0-9]+' "$work/race.log" | tail -1 || true)
echo "plain mode: exit $plain_rc in $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s (${plain_done:-no summary})"
echo "race mode:  exit $race_rc in $(awk -v a="$t1" -v b="$t2" 'BEGIN{printf "%.1f", b-a}') s, finding after ${race_execs:-?} executions"
grep -m1 "invariant\|ERROR: libFuzzer\|ERROR: AddressSanitizer" "$work/race.log" || true
if [ "$plain_rc" -ne 0 ]; then
	echo "FAIL: the plain mode found something (it cannot see a race): see its log" >&2
	tail -n 30 "$work/plain.log" >&2
	exit 1
fi
if [ "$race_rc" -eq 0 ] || ! grep -q "deadly signal\|ERROR: AddressSanitizer\|ERROR: UndefinedBehaviorSanitizer" "$work/race.log"; then
	echo "FAIL: the race mode did not find the planted double fetch within $secs s" >&2
	tail -n 30 "$work/race.log" >&2
	exit 1
fi
echo "PASS: the race mode found the planted double fetch of desc->len; the plain mode did not"

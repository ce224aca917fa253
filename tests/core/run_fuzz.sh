#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Bounded libFuzzer run of the consumer target from the committed corpus; new inputs go to a temp dir.
# Usage: run_fuzz.sh FUZZER CORPUS_DIR RUNS [REACH]
# REACH: ','-separated extended regexes that must each match the fuzzer's output (the paths the
# run must have reached, e.g. the drain fuzzer's outcome counts); a miss fails the test.
set -euo pipefail
if [ $# -ne 3 ] && [ $# -ne 4 ]; then
	echo "usage: run_fuzz.sh FUZZER|SKIP CORPUS_DIR RUNS [REACH]" >&2
	exit 2
fi
fuzzer=$1 corpus=$2 runs=$3 reach=${4:-}
if [ "$fuzzer" = "SKIP" ]; then
	echo "SKIP: no clang with libFuzzer found at configure time (install clang-14 and libclang-rt-14-dev)"
	exit 77
fi
[ -x "$fuzzer" ] || { echo "run_fuzz.sh: $fuzzer is not an executable fuzzer" >&2; exit 2; }
[ -d "$corpus" ] || { echo "run_fuzz.sh: corpus $corpus is not a directory" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/vbus-fuzz-XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/new"
# -seed fixed: CI runs are reproducible; crashes land in $work and are printed by libFuzzer.
# -max_total_time bounds the wall time on a loaded machine; the summary reports the runs libFuzzer
# actually made (its "Done N runs" line), not the requested count.
# libFuzzer's default -error_exitcode is 77, the project's skip code: a crash would read as "Skipped".
# Crash, timeout and OOM exits are 1 instead (tests/core/fuzz_planted.c proves it: core.fuzz-teeth).
set +e
"$fuzzer" -runs="$runs" -seed=1 -max_total_time=90 -max_len=512 -timeout=10 \
	-error_exitcode=1 -timeout_exitcode=1 -artifact_prefix="$work/" "$work/new" "$corpus" \
	2>&1 | tee "$work/log"
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" -ne 0 ]; then
	echo "FAIL: libFuzzer exited $rc (crash, leak, timeout or sanitizer report above)" >&2
	[ "$rc" -eq 77 ] && exit 1
	exit "$rc"
fi
done_line=$(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "$work/log" | tail -1)
[ -n "$done_line" ] || { echo "FAIL: no 'Done N runs' line from libFuzzer" >&2; exit 1; }
made=$(echo "$done_line" | awk '{ print $2 }')
if [ -n "$reach" ]; then
	IFS=',' read -r -a pats <<<"$reach"
	for p in "${pats[@]}"; do
		grep -Eq -- "$p" "$work/log" || { echo "FAIL: the run never reached '$p'" >&2; exit 1; }
	done
	echo "reached: $reach"
fi
echo "PASS: $made of $runs requested executions ($done_line), no crash, leak or sanitizer report"

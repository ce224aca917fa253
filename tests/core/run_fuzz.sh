#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Bounded libFuzzer run of the consumer target from the committed corpus; new inputs go to a temp dir.
# Usage: run_fuzz.sh FUZZER CORPUS_DIR RUNS
set -euo pipefail
fuzzer=$1 corpus=$2 runs=$3
if [ "$fuzzer" = "SKIP" ]; then
	echo "SKIP: no clang with libFuzzer found at configure time (install clang-14 and libclang-rt-14-dev)"
	exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# -seed fixed: CI runs are reproducible; crashes land in $work and are printed by libFuzzer.
"$fuzzer" -runs="$runs" -seed=1 -max_total_time=90 -max_len=512 -timeout=10 \
	-artifact_prefix="$work/" "$work" "$corpus"
echo "PASS: $runs executions, no crash, leak or sanitizer report"

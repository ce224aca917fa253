#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# core.fuzz-teeth: run_fuzz.sh over the fuzz target with a planted crash (fuzz_planted.c) must FAIL with
# a non-zero exit that is not the skip code 77. Usage: expect_fuzz_fail.sh RUN_FUZZ FUZZER|SKIP CORPUS
set -u
if [ $# -ne 3 ]; then
	echo "usage: expect_fuzz_fail.sh RUN_FUZZ FUZZER|SKIP CORPUS" >&2
	exit 2
fi
if [ "$2" = "SKIP" ]; then
	echo "SKIP: no clang with libFuzzer found at configure time (install clang-14 and libclang-rt-14-dev)"
	exit 77
fi
"$1" "$2" "$3" 20000 >/dev/null 2>&1
rc=$?
case $rc in
0) echo "FAIL: run_fuzz.sh passed a fuzz target with a planted crash" >&2; exit 1 ;;
77) echo "FAIL: run_fuzz.sh reported a planted crash as a skip (77)" >&2; exit 1 ;;
*) echo "PASS: run_fuzz.sh failed with exit $rc on the planted crash" ;;
esac

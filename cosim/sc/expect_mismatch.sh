#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# A mutant's ctest: the cosimulation of a build with a planted bug MUST report a mismatch.
# Usage: expect_mismatch.sh FIELD_PATTERN VBUS_COSIM_MUTANT [ARGS...]
# Exit 0 when the run exits 1 with a MISMATCH line matching FIELD_PATTERN; 1 otherwise.
set -uo pipefail
pat=${1:?usage: expect_mismatch.sh FIELD_PATTERN VBUS_COSIM_MUTANT [ARGS...]}
shift
out=$("$@" -q 2>&1); rc=$?
echo "$out" | head -30
[ $rc -eq 1 ] || { echo "FAIL: the mutant run exited $rc, expected 1 (a mismatch)"; exit 1; }
line=$(echo "$out" | grep -m1 '^MISMATCH ') || { echo "FAIL: no MISMATCH line"; exit 1; }
echo "$line" | grep -Eq -- "$pat" || { echo "FAIL: the mismatch does not match '$pat'"; exit 1; }
# the -q verdict line names the cycle the run stopped at (not 0: a stopped run used to print "0 cycles")
verdict=$(echo "$out" | grep -m1 '^vbus-cosim MISMATCH') || { echo "FAIL: no -q verdict line"; exit 1; }
echo "$verdict" | grep -Eq ', [1-9][0-9]* cycles$' ||
	{ echo "FAIL: the verdict line does not name the cycle the run stopped at: $verdict"; exit 1; }
echo "ok: the planted bug was caught: $line"

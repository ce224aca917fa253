#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Bad input to the C tools gives a message on stderr and a non-zero exit, and writes nothing.
# Usage: cli_errors.sh BINDIR (vbus-bench, vbus-core-vectors, vbus-vec-check, gen-accel-vh).
# Exit 0 pass, 1 fail (with the reason).
set -uo pipefail
bin=${1:?usage: cli_errors.sh BINDIR}
work=$(mktemp -d "${TMPDIR:-/tmp}/vbus-cli-errors-XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
failed=0

# expect RC PATTERN CMD...: CMD exits RC and its stderr matches PATTERN (run inside $work).
expect() {
	local want=$1 pat=$2 rc
	shift 2
	(cd "$work" && "$@") >"$work/out" 2>"$work/err"
	rc=$?
	if [ "$rc" -ne "$want" ] || ! grep -Eq -- "$pat" "$work/err"; then
		echo "FAIL: $* exited $rc (want $want), stderr: $(head -c 300 "$work/err")"
		failed=1
	else
		echo "ok: $* -> $rc: $(head -n 1 "$work/err")"
	fi
}

expect 2 "unknown option '--bogus'" "$bin/vbus-bench" --bogus
expect 2 "--reps '0': .* from 1 to 16" "$bin/vbus-bench" --reps 0
expect 2 "--reps '17': .* from 1 to 16" "$bin/vbus-bench" --reps 17
expect 2 "--reps 'x'" "$bin/vbus-bench" --reps x
expect 1 'gnuplot|No such|Permission|Not a directory' "$bin/vbus-bench" --plot /proc/nonexistent/x.png
expect 2 "unknown option '--bogus'" "$bin/vbus-bench" stress --bogus
expect 2 "--messages 'abc'" "$bin/vbus-bench" stress --messages abc
expect 2 "--messages '-5'" "$bin/vbus-bench" stress --messages -5
expect 2 "--seed '12x'" "$bin/vbus-bench" stress --seed 12x
expect 2 "--timeout '-1'" "$bin/vbus-bench" stress --timeout -1
expect 2 "--timeout '0': .* from 1 to 3600" "$bin/vbus-bench" stress --timeout 0
expect 2 "--mode 'fibers'" "$bin/vbus-bench" stress --mode fibers
expect 2 'usage' "$bin/vbus-core-vectors" --bogus
expect 2 'No such file' "$bin/vbus-core-vectors" "$work/missing.vec"
expect 2 'usage' "$bin/vbus-vec-check"
expect 2 'unknown option' "$bin/vbus-vec-check" --bogus
expect 2 'needs a number' "$bin/vbus-vec-check" --min x "$work"
expect 1 'No such file' "$bin/vbus-vec-check" "$work/missing.vec"
expect 1 'no \.vec files' "$bin/vbus-vec-check" "$work"
expect 2 'unknown option' "$bin/gen-accel-vh" --bogus
expect 2 'usage' "$bin/gen-accel-vh" a b
expect 1 'No such file' "$bin/gen-accel-vh" "$work/no/such/dir/x.vh"

rm -f "$work/out" "$work/err"
left=$(ls -A "$work")
if [ -n "$left" ]; then
	echo "FAIL: bad input left files behind: $left"
	failed=1
fi
[ $failed -eq 0 ] && echo "PASS: every bad input was refused with a message"
exit $failed

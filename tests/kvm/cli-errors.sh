#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vbus-kvmlab: --help works, and bad usage exits 2 with a message on stderr (no KVM needed).
set -uo pipefail
lab=${1:?usage: cli-errors.sh VBUS-KVMLAB}
fail=0
out=$("$lab" --help) || { echo "FAIL: --help exited $?"; fail=1; }
grep -q -- '--mitigation' <<<"$out" || { echo "FAIL: --help does not describe --mitigation"; fail=1; }
for args in "--workload nope" "--mitigation none,bogus" "--consumer" "--ring 3" "--messages 0" \
	"--messages -5" "--batch 64" "--rate abc" "--frobnicate" "stray"; do
	# shellcheck disable=SC2086
	err=$("$lab" $args 2>&1 >/dev/null)
	rc=$?
	if [ $rc -ne 2 ] || [ -z "$err" ]; then
		echo "FAIL: '$args' exited $rc with message '$err' (want 2 and a message)"
		fail=1
	else
		echo "ok: '$args' -> $err" | head -n1
	fi
done
exit $fail

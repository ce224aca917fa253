#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# A many-channel v2 cosim ctest: the run MUST agree AND have used the channels: every channel got an MSI and a
# notification, both streams held at least MIN_QUEUED messages in firing order at once (the HW-14 order check
# compared that many channels), and some channel waited at least MIN_WAIT grants of others (the N - 1 fairness
# bound was approached, not only kept).
# Usage: expect_spread.sh MIN_QUEUED MIN_WAIT VBUS_COSIM [ARGS...]   (ARGS without --json: added here)
set -uo pipefail
usage='usage: expect_spread.sh MIN_QUEUED MIN_WAIT VBUS_COSIM [ARGS...]'
minq=${1:?$usage}
minw=${2:?$usage}
shift 2
out=$("$@" --json 2>&1)
rc=$?
echo "$out" | head -30
[ $rc -eq 0 ] || { echo "FAIL: the run exited $rc, expected 0 (agreement)"; exit 1; }
json=$(echo "$out" | grep -m1 '^{') || { echo "FAIL: no JSON summary"; exit 1; }
field() { # the number of "KEY":N in the summary
	echo "$json" | grep -o "\"$1\":[0-9]*" | head -n1 | cut -d: -f2
}
n=$(field channels) qm=$(field max_queued_msi) qn=$(field max_queued_notify) w=$(field max_rr_wait_grants)
cm=$(field channels_with_msi) cn=$(field channels_with_notify)
for v in n qm qn w cm cn; do
	[ -n "${!v}" ] || { echo "FAIL: the summary has no value for $v"; exit 1; }
done
fail=0
[ "$cm" -eq "$n" ] && [ "$cn" -eq "$n" ] ||
	{ echo "FAIL: $cm of $n channels got an MSI and $cn a notification, expected all"; fail=1; }
[ "$qm" -ge "$minq" ] && [ "$qn" -ge "$minq" ] ||
	{ echo "FAIL: at most $qm MSIs / $qn notifications queued at once, expected >= $minq on each"; fail=1; }
[ "$w" -ge "$minw" ] && [ "$w" -le $((n - 1)) ] ||
	{ echo "FAIL: the longest wait was $w grants of others, expected $minw to $((n - 1))"; fail=1; }
[ $fail -eq 0 ] || exit 1
echo "ok: $n channels, all served on both streams; up to $qm MSIs / $qn notifications in firing order at once;" \
	"longest wait $w grants of others (bound $((n - 1)))"

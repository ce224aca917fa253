#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# model.explore-core-drops: each barrier of the production core, dropped alone, gives a counterexample in the
# memory model its proof uses (docs/spec/00-overview.md §0.5), and the counterexample names the dropped site.
# Usage: drops.sh VBUS_EXPLORE_CORE [fast|full]
set -u
[ $# -ge 1 ] || { echo "usage: drops.sh VBUS_EXPLORE_CORE [fast|full]" >&2; exit 2; }
x=$1 mode=${2:-fast} fail=0 out=$(mktemp)
trap 'rm -f "$out"' EXIT
# label | arguments (scenario, model, depth)
cases=(
	"MB-ENABLE|--depth 2"
	"MB-PUBLISH|--depth 2"
	"MB-INJECT|--depth 2"
	"MB-DRAIN|--depth 2"
	"MB-CLEAR|--depth 2"
	"MB-ARM|--scenario lower --depth 2"
	"WMB-PUBLISH|--model weak --depth 1"
	"RMB-INDEX|--model weak --depth 1"
	"WMB-COMPLETE|--scenario reclaim --model weak --depth 1"
	"RMB-RECLAIM|--scenario reclaim --model weak --depth 1"
	# out-of-order completion (§2.12): the same pair at ioq_complete's C3 and reclaim's R5' used[] reads
	"WMB-COMPLETE|--scenario ooo --model weak --depth 1"
	"RMB-RECLAIM|--scenario ooo --model weak --depth 1"
	# the asymmetric barrier (SIG-14, VBUS_IOQ_F_ASYM_MB): each barrier left on such a ring
	"MB-ENABLE|--asym --depth 2"
	"MB-INJECT|--asym --depth 2"
	"MB-DRAIN|--asym --depth 2"
	"MB-CLEAR|--asym --depth 2"
	"MB-ARM|--asym --scenario lower --depth 2"
	"WMB-INJECT|--asym --model weak --depth 2"
)
# full: ioq_take's T2 (RMB-INDEX) and the publish it pairs with, on the OOO ring (depth 2: ~1 min each)
[ "$mode" = full ] && cases+=(
	"RMB-INDEX|--scenario ooo --model weak --depth 2"
	"WMB-PUBLISH|--scenario ooo --model weak --depth 2"
)
# expect WHAT SITE ARGS...: vbus-explore-core ARGS exits 3 with a counterexample whose report names SITE
# (the changed barrier); WHAT says what was changed
expect() {
	local what=$1 site=$2
	shift 2
	"$x" "$@" >"$out" 2>&1
	rc=$?
	if [ $rc -ne 3 ] || ! grep -q "^VIOLATION: " "$out" || ! grep -qF -- "$site" "$out"; then
		echo "FAIL: $what ($*): exit $rc, expected 3 with a counterexample through $site"
		tail -3 "$out"
		fail=1
	else
		echo "ok: $what ($*): $(grep '^VIOLATION' "$out" | head -1) [$(tail -1 "$out" | sed 's/.*: \([0-9]* states\).*/\1/')]"
	fi
}
for c in "${cases[@]}"; do
	label=${c%%|*} args=${c#*|}
	# shellcheck disable=SC2086
	expect "--drop $label" " $label dropped (--drop)" $args --drop "$label"
done
# SIG-14: MB-ENABLE's membarrier() as a plain mb (the receiver's own buffer only) loses a wakeup: the
# sender's fence-free suppress (IA) needs the barrier on its own CPU
for args in "--depth 2" "--scenario link --depth 2"; do
	# shellcheck disable=SC2086
	expect --asym-as-mb "MB-ENABLE = mb (--asym-as-mb)" $args --asym-as-mb
done
exit $fail

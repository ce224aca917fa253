#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# model.explore-core-cli: --help exits 0; bad flags and values exit 2 with a message; a counterexample
# is printed in the model explorer's format. The same checks run through both front ends of the
# production-core explorer: vbus-explore-core and `vbus-model explore --impl core`.
# Usage: cli_test.sh VBUS_EXPLORE_CORE [VBUS_MODEL]
set -u
fail=0 out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT
expect() { # expected-exit args...
	local want=$1
	shift
	"${x[@]}" "$@" >"$out" 2>&1
	local rc=$?
	if [ $rc -ne "$want" ]; then
		echo "FAIL: ${x[*]} $* -> exit $rc (expected $want)"
		fail=1
	fi
}
check() {
	expect 0 --help
	grep -q "^usage: $1 " "$out" || { echo "FAIL: ${x[*]} --help does not name '$1'"; fail=1; }
	expect 2 --depth 0
	expect 2 --depth 9
	expect 2 --scenario nope
	expect 2 --model sc
	expect 2 --bogus
	expect 2 extra-arg
	expect 3 --depth 1 --model weak --drop RMB-INDEX
	grep -q "^counterexample (production core, scenario plain, weak" "$out" || { echo "FAIL: no counterexample header"; fail=1; }
	grep -q "^quiescent: both sides done" "$out" || { echo "FAIL: no quiescent line"; fail=1; }
	grep -q "RMB-INDEX dropped" "$out" || { echo "FAIL: the dropped site is not shown"; fail=1; }
	expect 0 --scenario link --depth 1
	grep -q "production core, scenario link, x86-TSO, depth 1: .* 0 violations" "$out" || { echo "FAIL: no link summary"; fail=1; }
	# --json: stdout is one object with "config" and the explorer keys of docs/cli.md, even with a violation
	# (the counterexample goes to stderr)
	for args in "--depth 1" "--depth 1 --model weak --drop RMB-INDEX"; do
		"${x[@]}" --json $args >"$out" 2>/dev/null
		python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
c = d["config"]
assert c["impl"] == "core" and c["scenario"] == "plain" and c["depth"] == 1, c
for k in ("states", "transitions", "quiescent", "violations", "seconds", "explorer_states_per_s"):
    assert isinstance(d[k], (int, float)), k
assert d["states"] > 0
assert (d["violations"] > 0) == (c["drop"] is not None), d
' "$out" || { echo "FAIL: ${x[*]} --json $args is not the documented JSON object"; fail=1; }
	done
}
x=("$1")
check vbus-explore-core
if [ $# -ge 2 ]; then
	x=("$2" explore --impl core)
	check "vbus-model explore --impl core"
	x=("$2" explore)
	expect 2 --impl nope
	expect 2 --impl
	expect 0 --impl model --depth 1 --quiet
	grep -q "^placement spec, depth 1:" "$out" || { echo "FAIL: --impl model is not the model's explorer"; fail=1; }
	expect 0 --depth 1 --quiet --impl=core
	grep -q "^production core, scenario plain" "$out" || { echo "FAIL: --impl=core after other options"; fail=1; }
fi
[ $fail -eq 0 ] && echo "PASS: vbus-explore-core CLI${2:+ and vbus-model explore --impl core}"
exit $fail

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# model.explore-core-cli: --help exits 0; bad flags and values exit 2 with a message; a counterexample
# is printed in the model explorer's format. Usage: cli_test.sh VBUS_EXPLORE_CORE
set -u
x=$1 fail=0
expect() { # expected-exit args...
	local want=$1
	shift
	"$x" "$@" >/tmp/vx-cli.$$ 2>&1
	local rc=$?
	if [ $rc -ne "$want" ]; then
		echo "FAIL: $* -> exit $rc (expected $want)"
		fail=1
	fi
}
expect 0 --help
expect 2 --depth 0
expect 2 --depth 9
expect 2 --scenario nope
expect 2 --model sc
expect 2 --bogus
expect 2 extra-arg
expect 3 --depth 1 --model weak --drop RMB-INDEX
grep -q "^counterexample (production core, scenario plain, weak" /tmp/vx-cli.$$ || { echo "FAIL: no counterexample header"; fail=1; }
grep -q "^quiescent: both sides done" /tmp/vx-cli.$$ || { echo "FAIL: no quiescent line"; fail=1; }
grep -q "RMB-INDEX dropped" /tmp/vx-cli.$$ || { echo "FAIL: the dropped site is not shown"; fail=1; }
rm -f /tmp/vx-cli.$$
[ $fail -eq 0 ] && echo "PASS: vbus-explore-core CLI"
exit $fail

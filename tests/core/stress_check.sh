#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vbus-bench stress --json as a user sees it: one JSON object on stdout with the run's "config", "pass" and
# every link's run under the keys of docs/cli.md; the seed line goes to stderr so stdout stays JSON.
# Usage: stress_check.sh VBUS-BENCH. Exit 0 pass, 1 fail (with the reason), 77 skip (with the reason).
set -uo pipefail
bench=${1:?usage: stress_check.sh VBUS-BENCH}
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v python3 >/dev/null || { echo "SKIP: python3 not installed (Debian package python3)"; exit 77; }
work=$(mktemp -d "${TMPDIR:-/tmp}/vbus-stress-check-XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

"$bench" stress --mode both --messages 20000 --seed 7 --json >"$work/json" 2>"$work/err" ||
	fail "vbus-bench stress --json exited $?: $(head -c 300 "$work/err")"
grep -q '^stress: seed 7 ' "$work/err" || fail "the seed line is not on stderr"
python3 - "$work/json" <<'PY' || fail "the JSON does not hold the contract (above)"
import json, sys
d = json.load(open(sys.argv[1]))
c = d["config"]
assert c == {"mode": "both", "messages": 20000, "seed": 7, "timeout_s": 10, "segments": 4}, c
assert d["pass"] is True, d["pass"]
runs = d["runs"]
assert [r["mode"] for r in runs] == ["threads"] * 4 + ["procs"] * 4, [r["mode"] for r in runs]
for mode in ("threads", "procs"):
    assert sum(r["messages"] for r in runs if r["mode"] == mode) == 20000, mode
for r in runs:
    for k in ("segment", "seed", "ring", "event_idx", "messages", "seconds", "msgs_per_s", "doorbells",
              "suppressed", "doorbells_per_message"):
        assert k in r, "run lacks " + k
    assert r["seconds"] > 0 and r["msgs_per_s"] > 0 and 16 <= r["ring"] <= 512, r
    assert abs(r["doorbells_per_message"] - r["doorbells"] / r["messages"]) < 1e-5, r
assert {r["event_idx"] for r in runs} == {True, False}, "both ring kinds run"
print("json ok:", len(runs), "runs")
PY
echo PASS

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# core.litmus-json: `vbus-litmus --json` prints one object on stdout (docs/cli.md): "config" with the options
# that change the figures, "pass", and one run per test with trials, seconds, trials_per_s, failed.
# Usage: litmus_json.sh VBUS-LITMUS
set -u
lit=${1:?usage: litmus_json.sh VBUS-LITMUS}
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT
"$lit" --json --seconds 0.2 --test drain --seed 7 >"$out" 2>/dev/null
rc=$?
[ $rc -eq 0 ] || { echo "FAIL: vbus-litmus --json exited $rc"; exit 1; }
python3 - "$out" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
c = d["config"]
assert c["test"] == "drain" and c["seed"] == 7 and abs(c["seconds"] - 0.2) < 1e-9, c
assert d["pass"] is True, d
runs = d["runs"]
assert len(runs) == 1 and runs[0]["test"] == "drain", runs
r = runs[0]
assert r["trials"] > 0 and r["seconds"] > 0 and r["trials_per_s"] > 0 and r["failed"] is False, r
print("PASS: vbus-litmus --json: %d trials, %.0f trials/s" % (r["trials"], r["trials_per_s"]))
PY

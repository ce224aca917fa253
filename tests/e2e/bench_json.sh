#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vbus-e2e bench --json on this machine (no guest): /dev/zero echoes zeros, so one message of a window of 1
# comes back intact. The JSON must carry "config" and the figures under the keys of docs/cli.md.
# Usage: bench_json.sh VBUS-E2E. Exit 0 pass, 1 fail (with the reason), 77 skip (with the reason).
set -uo pipefail
e2e=${1:?usage: bench_json.sh VBUS-E2E}
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v python3 >/dev/null || { echo "SKIP: python3 not installed (Debian package python3)"; exit 77; }
[ -c /dev/zero ] || { echo "SKIP: no /dev/zero character device"; exit 77; }
out=$("$e2e" bench --json /dev/zero 1 64 1 no-such-irq) || fail "vbus-e2e bench --json exited $?"
echo "$out"
python3 - "$out" <<'PY' || fail "the JSON does not hold the contract (above)"
import json, sys
d = json.loads(sys.argv[1])
assert d["config"] == {"path": "/dev/zero", "messages": 1, "size": 64, "window": 1, "irq_match": "no-such-irq"}, d
for k in ("messages", "seconds", "msgs_per_s", "rtt_ns", "interrupts", "interrupts_per_message", "cpu_busy", "bad"):
    assert k in d, "no key " + k
assert d["messages"] == 1 and d["bad"] == 0 and d["msgs_per_s"] > 0 and d["rtt_ns"] > 0, d
PY
"$e2e" echo --json /dev/null 1 1 2>/dev/null
[ $? -eq 2 ] || fail "--json on a command that prints no figures is not a usage error"
echo PASS

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vbusd with userspace norths (no QEMU): the ivshmem server protocol, several clients at once, a
# client killed mid-run, reconnection, SIGHUP with a broken config, SIGTERM. Each vbus-north attaches
# (BUS-8), opens echo device 1 and checks every echo.
# Usage: clients.sh VBUSD VBUS-NORTH
set -euo pipefail
vbusd=${1:?usage: clients.sh VBUSD VBUS-NORTH}
north=${2:?usage: clients.sh VBUSD VBUS-NORTH}
fail() { echo "e2e.vbusd_clients: FAIL: $*" >&2; [ -f "$log" ] && cat "$log" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/vbus-clients.XXXXXX") || exit 1
vpid=""
trap '[ -n "$vpid" ] && kill "$vpid" 2>/dev/null; rm -rf "$work"' EXIT
log=$work/vbusd.log
conf=$work/vbusd.conf
printf 'socket = %s\nvectors = 4\nsize = 1M\ndevice = 1 echo\ndevice = 2 null\n' "$work/s" >"$conf"
"$vbusd" --config "$conf" 2>"$log" &
vpid=$!
for _ in $(seq 100); do [ -S "$work/s" ] && break; sleep 0.05; done
[ -S "$work/s" ] || fail "no socket"

"$north" "$work/s" 4 1 100000 || fail "single client"
pids=()
for _ in 1 2 3; do "$north" "$work/s" 4 1 20000 & pids+=($!); done
for p in "${pids[@]}"; do wait "$p" || fail "concurrent client $p"; done
# A client that dies mid-run: vbusd frees its link and serves the next one.
"$north" "$work/s" 4 1 100000000 >/dev/null 2>&1 &
victim=$!
sleep 0.3
kill -9 "$victim"
wait "$victim" 2>/dev/null || true
"$north" "$work/s" 4 1 1000 || fail "client after a dead one"
for _ in $(seq 60); do grep -q 'client disconnected: peer 5' "$log" && break; sleep 0.05; done
grep -q 'client disconnected: peer 5' "$log" || fail "the killed client's link was not freed"
# A broken config on SIGHUP changes nothing.
echo 'device = 0 nosuch' >>"$conf"
kill -HUP "$vpid"
sleep 0.3
"$north" "$work/s" 4 1 1000 || fail "client after a bad SIGHUP"
grep -q 'keeping the running configuration' "$log" || fail "bad config not reported"
# --json (docs/cli.md): stdout is one object, "config" = the arguments, the figures under the shared keys
"$north" --json "$work/s" 4 1 5000 >"$work/north.json" || fail "--json client"
python3 - "$work/north.json" <<'PY' || fail "vbus-north --json is not the documented object: $(cat "$work/north.json")"
import json, sys
d = json.load(open(sys.argv[1]))
c = d["config"]
assert c == {"vectors": 4, "device_id": 1, "count": 5000, "again": 0, "hostile": False}, c
assert d["messages"] == 5000, d
for k in ("doorbells", "interrupts"):
    assert isinstance(d[k], int) and d[k] >= 0, k
assert abs(d["notifications_per_message"] - (d["doorbells"] + d["interrupts"]) / 5000) < 1e-5, d
PY
kill -TERM "$vpid"
wait "$vpid" || fail "vbusd exit status $? on SIGTERM"
vpid=""
[ ! -e "$work/s" ] || fail "socket left behind"
n=$(grep -c 'type=echo msgs=' "$log")
[ "$n" -ge 7 ] || fail "expected 7 links' echo counters, saw $n"
grep 'type=echo msgs=' "$log" | grep -v 'violations=0 broken=0' && fail "a well-behaved client caused violations"
echo "e2e.vbusd_clients: PASS: 1 x 100k, 3 concurrent x 20k, a killed client, reconnect, bad SIGHUP, --json, SIGTERM"

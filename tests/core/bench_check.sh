#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vbus-bench --quick as a user sees it (a smoke run: the figures are not judged, the output is).
# Usage: bench_check.sh VBUS_BENCH VBUS_MODEL
# Checks: a progress line on stderr while it measures; the table marks every target met or MISSED and
# counts them; --json carries the run's configuration, the figures under the keys vbus-model uses for the
# same quantity, every ratio with its target and, with --model, each vbus scenario's prediction next to its
# measured median batch and mean; --plot writes a PNG. Exit 0 pass, 1 fail.
set -uo pipefail
bench=${1:?usage: bench_check.sh VBUS_BENCH VBUS_MODEL}
model=${2:?usage: bench_check.sh VBUS_BENCH VBUS_MODEL}
work=$(mktemp -d "${TMPDIR:-/tmp}/vbus-bench-check-XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# table + plot, progress every 10 ms (stderr is not a terminal here)
VBUS_PROGRESS=0.01 "$bench" --quick --plot "$work/plots/ratios.png" >"$work/table" 2>"$work/err" ||
	fail "vbus-bench --quick --plot exited $?: $(tail -3 "$work/err")"
cat "$work/table"
grep -Eq '^vbus-bench: \[[0-9]+/[0-9]+\] rep 1/1: ' "$work/err" || fail "no progress line on stderr"
[ "$(grep -c . "$work/err")" -ge 5 ] || fail "fewer than 5 progress lines for the whole run"
grep -q '^targets: [0-9]* met, [0-9]* MISSED' "$work/table" || fail "no 'targets: N met, N MISSED' line"
ntarget=$(grep -Ec ' (>=|<=|>|<) [0-9.]+ +(met|MISSED <<<)$' "$work/table")
[ "$ntarget" -ge 8 ] || fail "only $ntarget ratio rows carry a target marked met/MISSED"
sum=$(sed -n 's/^targets: \([0-9]*\) met, \([0-9]*\) MISSED.*/\1 \2/p' "$work/table")
[ "$(echo "$sum" | awk '{print $1 + $2}')" -eq "$ntarget" ] || fail "the summary ($sum) does not count the rows"
head -c 8 "$work/plots/ratios.png" | grep -q PNG || fail "--plot wrote no PNG"

# JSON, with the timing model's predictions from a (quick) calibration
"$model" calibrate --quick --reps 1 -o "$work/params.json" 2>/dev/null || fail "vbus-model calibrate exited $?"
"$bench" --quick --json --model "$work/params.json" >"$work/json" 2>/dev/null ||
	fail "vbus-bench --quick --json --model exited $?"
python3 - "$work/json" <<'PY' || fail "the JSON does not hold the contract (above)"
import json, sys
d = json.load(open(sys.argv[1]))
cfg = d["config"]
for k in ("reps", "quick", "message_bytes", "ring", "burst", "stream_messages", "cpus_pinned"):
    assert k in cfg, "config lacks " + k
units = {"msgs_per_s", "rtt_ns", "notifications_per_message", "ns_per_op"}
seen = set()
for m in d["measurements"]:
    u = units & set(m)
    assert len(u) == 1, "measurement %s has no unit key" % m["key"]
    seen |= u
assert seen == units, "units missing: %s" % (units - seen)
assert any("target_met" in r for r in d["ratios"]), "no ratio with a target"
assert d["targets_missed"] == sum(1 for r in d["ratios"] if r.get("target_met") is False)
# the blocking RTT's paired baselines (one row, chunks interleaved): the eventfd ping-pong and our two virtqueues,
# each a figure and a ratio of vbus_rtt_block to it with its target
figs = {m["key"]: m for m in d["measurements"]}
for k in ("eventfd_pingpong_paired", "split_vq_rtt_block_paired", "packed_vq_rtt_block_paired"):
    assert k in figs and figs[k].get("rtt_ns", 0) > 0, "no paired blocking-RTT figure " + k
    assert any(r["of"] == "vbus_rtt_block" and r.get("vs") == k and "target" in r and r["ratio"] > 0
               for r in d["ratios"]), "no ratio vbus_rtt_block / %s with a target" % k
# the streaming goals on chunks interleaved with the SPSC ring (one row each, bench_stream_spsc_paired): both figures
# and the goal's ratio with its target; the separate rows' ratios beside, without a target
for of, vs in (("vbus_stream_single_paired", "spsc_single_paired"),
               ("vbus_stream_burst32_spsc_paired", "spsc_burst32_paired")):
    for k in (of, vs):
        assert k in figs and figs[k].get("msgs_per_s", 0) > 0, "no paired stream figure " + k
    assert any(r["of"] == of and r.get("vs") == vs and r.get("target") == ">= 0.9" and
               abs(r["ratio"] - figs[of]["msgs_per_s"] / figs[vs]["msgs_per_s"]) <= 1e-3 * r["ratio"]
               for r in d["ratios"]), "no ratio %s / %s >= 0.9 matching its figures" % (of, vs)
for of, vs in (("vbus_stream_single", "spsc_single"), ("vbus_stream_burst32", "spsc_burst32")):
    assert any(r["of"] == of and r.get("vs") == vs and "target" not in r for r in d["ratios"]), \
        "the separate rows' ratio %s / %s is missing or carries a target" % (of, vs)
# --model: every vbus scenario predicted next to its measured median batch and the run's mean
md = d["model"]
want = {"stream_single", "stream_burst32", "rtt_poll", "rtt_block", "stream_spin", "stream_spin_notif",
        "stream_block", "stream_block_notif"}
assert set(md) == want, "model scenarios: %s" % sorted(md)
for k, e in md.items():
    # a notification rate may be predicted 0 (a spinning receiver that never sleeps); 0 against 0 agrees
    assert (e["predicted"] > 0 or (k.endswith("_notif") and e["predicted"] == 0)) and e["measured_mean"] >= 0, (k, e)
    if e["measured"] > 0:
        assert abs(e["ratio"] - e["predicted"] / e["measured"]) <= 1e-3 * e["ratio"] + 1e-4, (k, e)
    elif e["predicted"] == 0:
        assert e["ratio"] == 1, (k, e)
    # within +-25 %; a notification rate also when its counts over the run are within 2 sqrt(max(predicted, 1))
    agree = 0.75 <= e["ratio"] <= 1.25
    if k.endswith("_notif"):
        assert e["messages"] == cfg["stream_messages"], (k, e)
        pc, mc = e["predicted_count"], e["measured_count"]
        assert abs(pc - e["predicted"] * e["messages"]) <= 0.01 + 1e-5 * pc, (k, e)
        agree = agree or abs(mc - pc) <= 2 * max(pc, 1) ** 0.5 + 1e-3
    assert e["within_25pct"] == agree, (k, e)
assert d["model_scenarios"] == len(md)
assert d["model_within_25pct"] == sum(e["within_25pct"] for e in md.values())
assert d["config"]["model_params"].endswith("params.json")
print("json ok:", len(d["measurements"]), "figures,", len(d["ratios"]), "ratios,",
      d["model_within_25pct"], "of", len(md), "model figures within 25 %")
PY
# --only: just the rows named (a paired row with its interleaved baselines) and the ratios between them
"$bench" --quick --json --only vbus_stream_single_paired,spin_pingpong >"$work/only" 2>/dev/null ||
	fail "vbus-bench --quick --json --only exited $?"
python3 - "$work/only" <<'PY' || fail "--only ran other rows or dropped its own (above)"
import json, sys
d = json.load(open(sys.argv[1]))
keys = [m["key"] for m in d["measurements"]]
assert keys == ["spin_pingpong", "vbus_stream_single_paired", "spsc_single_paired", "vbus_stream_single_paired_median",
                "spsc_single_paired_median"], keys
assert all(m.get("msgs_per_s", m.get("rtt_ns", 0)) > 0 for m in d["measurements"]), d["measurements"]
assert [(r["of"], r["vs"]) for r in d["ratios"]] == [("vbus_stream_single_paired", "spsc_single_paired"),
                                                     ("vbus_stream_single_paired_median", "spsc_single_paired_median")], \
    d["ratios"]
PY
"$bench" --quick --only spsc_single_paired >/dev/null 2>&1 && fail "--only accepted a row that does not run"
"$bench" --quick --only spsc_single --model auto >/dev/null 2>&1 && fail "--only accepted --model"
# the same quantity, the same key: vbus-model's notifications per message
"$model" run --json --messages 100 | grep -q '"notifications_per_message"' ||
	fail "vbus-model run --json has no notifications_per_message"
echo "PASS"

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Protocol v1 against v2 in one run (issue 13's before/after table).
#
# v1 is not kept in the tree (docs/spec/02-ioq.md: v2 replaces it), so the "before" binary is vbus-bench built
# from the last v1 commit of this repository's own history (git archive into a cache folder, then cmake; nothing
# outside the repository is fetched). The "after" binary is this tree's vbus-bench. Rounds alternate
# v1, v2, v1, v2, ... so both see the same machine; each figure is the median over the rounds, and each ratio
# (vbus / SPSC ring, vbus / ping-pong) is the median of the per-round ratios, each taken inside one binary's run.
# The two virtqueue baselines exist only in v2's bench; they are quoted from the v2 runs.
set -euo pipefail
prog=bench-v1-v2.sh
usage() {
	cat <<EOF
usage: $prog [--rounds N] [--quick] [--v1-commit REV] [--bin VBUS_BENCH] [--cache DIR] [--json]
Build vbus-bench at the last protocol-v1 commit and run it alternately with this tree's vbus-bench; print
the before/after table (markdown) with medians over the rounds, or --json.
  --rounds N       alternating rounds, each one vbus-bench --reps 1 of each binary (1..20, default 3)
  --quick          pass --quick to both benches (shorter runs, noisier)
  --v1-commit REV  the v1 source (default 770f5d6^, the parent of the protocol v2 commit)
  --bin PATH       this tree's vbus-bench (default build/bin/vbus-bench under the source tree)
  --cache DIR      where the v1 build lives (default \${XDG_CACHE_HOME:-\$HOME/.cache}/vbus)
  --json           one JSON object on stdout instead of the table
Progress goes to stderr. Run it on a quiet machine: the figures are wall-clock rates.
EOF
}
uerr() {
	echo "$prog: $1 (try '$prog --help')" >&2
	exit 2
}
fail() {
	echo "$prog: $1" >&2
	exit 1
}

src=$(cd "$(dirname "$0")/.." && pwd)
rounds=3 quick= v1rev=770f5d6^ bin=$src/build/bin/vbus-bench json=0
cache=${XDG_CACHE_HOME:-$HOME/.cache}/vbus
need() { [ $# -ge 2 ] && [ -n "$2" ] || uerr "$1 needs a value"; }
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--rounds)
		need "$@"
		[[ $2 =~ ^[0-9]+$ ]] && [ "$2" -ge 1 ] && [ "$2" -le 20 ] ||
			uerr "--rounds '$2': not a whole number from 1 to 20"
		rounds=$2; shift 2 ;;
	--quick) quick=--quick; shift ;;
	--v1-commit) need "$@"; v1rev=$2; shift 2 ;;
	--bin) need "$@"; bin=$2; shift 2 ;;
	--cache) need "$@"; cache=$2; shift 2 ;;
	--json) json=1; shift ;;
	*) uerr "unknown option '$1'" ;;
	esac
done
for a in "$@"; do uerr "unexpected argument '$a'"; done

[ -e "$bin" ] || fail "$bin: no such file (build the tree first: cmake --preset default && cmake --build build)"
[ -d "$bin" ] && fail "$bin: is a directory, not a file"
[ -x "$bin" ] || fail "$bin: not executable"
command -v python3 >/dev/null || fail "python3: not found (scripts/deps.sh installs it)"
git -C "$src" rev-parse --git-dir >/dev/null 2>&1 || fail "$src: not a git checkout (v1 is built from its history)"
sha=$(git -C "$src" rev-parse --verify -q "$v1rev^{commit}") ||
	fail "--v1-commit $v1rev: no such commit in this checkout (a shallow clone lacks it: git fetch --unshallow)"

# ---- build v1's vbus-bench once per commit, with the build type of the v2 binary's tree (same compiler flags)
btype=RelWithDebInfo
bcache=$(dirname "$bin")/../CMakeCache.txt
if [ -f "$bcache" ]; then
	t=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$bcache")
	[ -n "$t" ] && btype=$t
	bsrc=$(sed -n 's/^CMAKE_HOME_DIRECTORY:[A-Z]*=//p' "$bcache")
fi
# the commit the v2 binary was built from (its tree's HEAD; this checkout's when unknown)
v2sha=$(git -C "${bsrc:-$src}" rev-parse --short=12 HEAD 2>/dev/null || git -C "$src" rev-parse --short=12 HEAD)
git -C "${bsrc:-$src}" diff --quiet HEAD -- 2>/dev/null || v2sha="$v2sha+changes"
v1dir=$cache/bench-v1-${sha:0:12}-$btype
v1bin=$v1dir/build/bin/vbus-bench
if [ ! -x "$v1bin" ]; then
	echo "$prog: building v1 vbus-bench from ${sha:0:12} ($btype, as $bin) in $v1dir (once)" >&2
	rm -rf "$v1dir"
	mkdir -p "$v1dir/src"
	git -C "$src" archive "$sha" | tar -x -C "$v1dir/src" || fail "git archive $sha failed"
	cmake -S "$v1dir/src" -B "$v1dir/build" -DCMAKE_BUILD_TYPE="$btype" -DVBUS_BUILD_RTL=OFF \
		>"$v1dir/configure.log" 2>&1 || fail "configuring v1 failed (see $v1dir/configure.log)"
	cmake --build "$v1dir/build" --target vbus-bench -j2 >"$v1dir/build.log" 2>&1 ||
		fail "building v1 vbus-bench failed (see $v1dir/build.log)"
	[ -x "$v1bin" ] || fail "v1 build produced no $v1bin"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/vbus-bench-v1v2-XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
for ((r = 1; r <= rounds; r++)); do
	for v in v1 v2; do
		b=$v1bin
		[ $v = v2 ] && b=$bin
		echo "$prog: round $r/$rounds: $v ($(($(date +%s) - start)) s elapsed, load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
		VBUS_PROGRESS=0 nice -n 0 "$b" --json --reps 1 $quick >"$work/$v-$r.json" 2>"$work/$v-$r.err" ||
			fail "$v vbus-bench failed in round $r: $(tail -n 3 "$work/$v-$r.err")"
	done
done

python3 - "$work" "$rounds" "$json" "${sha:0:12}" "$v2sha" \
	"$quick" "$(cut -d' ' -f1-3 /proc/loadavg)" "$btype" <<'EOF'
import json, statistics, sys
work, rounds, as_json, v1sha, v2sha, quick, load, btype = sys.argv[1:9]
rounds = int(rounds)

def load_run(v, r):
    with open(f"{work}/{v}-{r}.json") as f:
        d = json.load(f)
    if "measurements" in d:                      # v2 bench: measurements[] with key and one figure
        out = {}
        for m in d["measurements"]:
            for unit in ("msgs_per_s", "rtt_ns", "notifications_per_message", "ns_per_op"):
                if unit in m:
                    out[m["key"]] = m[unit]
        return out
    # v1 bench: flat keys, renamed to v2's measurement keys
    ren = {"spsc_single_msgs_per_s": "spsc_single", "spsc_burst32_msgs_per_s": "spsc_burst32",
           "spin_pingpong_rtt_ns": "spin_pingpong", "eventfd_pingpong_rtt_ns": "eventfd_pingpong",
           "vbus_stream_single_msgs_per_s": "vbus_stream_single",
           "vbus_stream_burst32_msgs_per_s": "vbus_stream_burst32",
           "vbus_rtt_poll_ns": "vbus_rtt_poll", "vbus_rtt_block_ns": "vbus_rtt_block",
           "vbus_spin_stream_msgs_per_s": "vbus_stream_spin",
           "vbus_block_stream_msgs_per_s": "vbus_stream_block",
           "notifications_per_msg_saturated": "vbus_stream_spin_notif",
           "notifications_per_msg_block_stream": "vbus_stream_block_notif"}
    return {ren[k]: v for k, v in d.items() if k in ren}

runs = {v: [load_run(v, r) for r in range(1, rounds + 1)] for v in ("v1", "v2")}
# the goals are vbus-bench's own (its ratios[] targets), not a second copy here
with open(f"{work}/v2-1.json") as f:
    targets = {(t["of"], t.get("vs")): t["target"] for t in json.load(f)["ratios"] if "target" in t}

def get(run, key):
    # a bench without a paired row (v1's): its separate row instead
    return run.get(key, run.get(FALLBACK.get(key)))

def med(v, key):
    xs = [get(run, key) for run in runs[v] if get(run, key) is not None]
    return statistics.median(xs) if xs else None

def medratio(v, a, b):
    xs = [get(run, a) / get(run, b) for run in runs[v] if get(run, a) is not None and get(run, b)]
    return statistics.median(xs) if xs else None

FALLBACK = {"eventfd_pingpong_paired": "eventfd_pingpong", "vbus_stream_burst32_paired": "vbus_stream_burst32",
            "vbus_stream_single_paired": "vbus_stream_single", "spsc_single_paired": "spsc_single",
            "vbus_stream_burst32_spsc_paired": "vbus_stream_burst32", "spsc_burst32_paired": "spsc_burst32"}
rows = [  # (label, key, unit, baseline key); the goal is vbus-bench's target for (key, baseline key)
    # the streams against the SPSC ring run interleaved with them (vbus-bench's goal rows; v1: separate rows)
    ("stream 64 B, single messages, poll", "vbus_stream_single_paired", "msgs_per_s", "spsc_single_paired"),
    ("stream 64 B, bursts of 32, poll", "vbus_stream_burst32_spsc_paired", "msgs_per_s", "spsc_burst32_paired"),
    ("RTT, poll", "vbus_rtt_poll", "rtt_ns", "spin_pingpong"),
    # the blocking RTT against the eventfd ping-pong measured interleaved with it (vbus-bench's goal row)
    ("RTT, block", "vbus_rtt_block", "rtt_ns", "eventfd_pingpong_paired"),
    # the blocking stream goal is held by libvbus's default wait (VBUS_WAIT_DEFAULT: spin for the measured
    # wake-up cost, then sleep); vbus-bench sets no goal on the pure-sleep wait (VBUS_WAIT_BLOCK)
    ("stream, default wait (spin-then-block)", "vbus_stream_spin", "msgs_per_s", "vbus_stream_burst32_paired"),
    ("  notifications per message, default wait", "vbus_stream_spin_notif", "notifications_per_message", None),
    ("stream, pure sleep (VBUS_WAIT_BLOCK)", "vbus_stream_block", "msgs_per_s", "vbus_stream_burst32"),
    ("  notifications per message, pure sleep", "vbus_stream_block_notif", "notifications_per_message", None),
]
base = [("SPSC ring, single", "spsc_single", "msgs_per_s"), ("SPSC ring, bursts of 32", "spsc_burst32", "msgs_per_s"),
        ("spin ping-pong RTT", "spin_pingpong", "rtt_ns"), ("eventfd ping-pong RTT", "eventfd_pingpong", "rtt_ns")]
vq = [("split vq", "split_vq"), ("packed vq", "packed_vq")]
vqrows = [("single", "single", "vbus_stream_single"), ("burst32", "burst32", "vbus_stream_burst32"),
          ("rtt_poll", "rtt_poll", "vbus_rtt_poll"), ("rtt_block", "rtt_block", "vbus_rtt_block"),
          ("rtt_block, interleaved with vbus's", "rtt_block_paired", "vbus_rtt_block"),
          ("stream_block", "stream_block", "vbus_stream_block")]

res = {"config": {"program": "bench-v1-v2.sh", "build_type": btype, "rounds": rounds, "quick": bool(quick), "v1_commit": v1sha,
                  "v2_commit": v2sha, "loadavg_at_end": load},
       "rows": [], "baselines": [], "virtqueues": []}
for label, key, unit, bkey in rows:
    row = {"key": key, "unit": unit, "v1": med("v1", key), "v2": med("v2", key), "goal": targets.get((key, bkey))}
    if row["v1"] and row["v2"] is not None:
        row["v2_over_v1"] = row["v2"] / row["v1"]
    if bkey:
        row["vs"] = bkey
        row["v1_ratio"] = medratio("v1", key, bkey)
        row["v2_ratio"] = medratio("v2", key, bkey)
    row["label"] = label
    res["rows"].append(row)
for label, key, unit in base:
    b = {"key": key, "unit": unit, "label": label, "v1_run": med("v1", key), "v2_run": med("v2", key)}
    res["baselines"].append(b)
for vlabel, vkey in vq:
    for what, suffix, vbkey in vqrows:
        k = f"{vkey}_{suffix}"
        unit = "rtt_ns" if "rtt" in suffix else "msgs_per_s"
        res["virtqueues"].append({"key": k, "unit": unit, "label": f"{vlabel} {what}", "figure": med("v2", k),
                                  "vbus_v2_vs_it": medratio("v2", vbkey, k)})

if as_json == "1":
    json.dump(res, sys.stdout, indent=1)
    print()
    sys.exit(0)

def fmt(x, unit):
    if x is None:
        return "—"
    if unit == "msgs_per_s":
        return f"{x / 1e6:.2f} M/s"
    if unit == "rtt_ns":
        return f"{x:,.0f} ns".replace(",", " ")
    return f"{x:.5f}"

def r3(x):
    return "—" if x is None else f"{x:.2f}"

print(f"Protocol v1 ({v1sha}) against v2 ({v2sha}): {rounds} alternating rounds of vbus-bench --reps 1"
      f"{' --quick' if quick else ''} (both {btype}); medians; load at the end {load}\n")
print("| measurement | v1 | v2 | v2/v1 | v1 vs baseline | v2 vs baseline | baseline | goal |")
print("|---|---:|---:|---:|---:|---:|---|---|")
for row in res["rows"]:
    print(f"| {row['label']} | {fmt(row['v1'], row['unit'])} | {fmt(row['v2'], row['unit'])} | "
          f"{r3(row.get('v2_over_v1'))} | {r3(row.get('v1_ratio'))} | {r3(row.get('v2_ratio'))} | "
          f"{row.get('vs', '—')} | {row['goal'] or '—'} |")
print("\n| baseline | in v1's runs | in v2's runs |\n|---|---:|---:|")
for b in res["baselines"]:
    print(f"| {b['label']} | {fmt(b['v1_run'], b['unit'])} | {fmt(b['v2_run'], b['unit'])} |")
print("\n| virtqueue baseline (our implementation, v2's runs) | figure | vbus v2 / it |\n|---|---:|---:|")
for v in res["virtqueues"]:
    print(f"| {v['label']} | {fmt(v['figure'], v['unit'])} | {r3(v['vbus_v2_vs_it'])} |")
print("\nFor RTT rows a ratio below 1 is better; for streams above 1.")
EOF

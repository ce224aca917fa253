#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vbus-model CLI checks. Usage: cli_test.sh VBUS_MODEL CASE
#   vectors | explore-spec | explore-2009 | explore-evidx | explore-asym | explore-json | explore-progress | help |
#   diff | params-errors | sweep | sweep-plot | bench | trace | calibrate [VBUS_BENCH]
# Exit 0 pass, 1 fail (with the reason), 77 skip (with the reason).
set -uo pipefail
bin=${1:?usage: cli_test.sh VBUS_MODEL CASE}
case_=${2:?usage: cli_test.sh VBUS_MODEL CASE}
src=${VBUS_SOURCE_DIR:?VBUS_SOURCE_DIR must be set (ctest sets it)}
work=$(mktemp -d "${TMPDIR:-/tmp}/vbus-model-cli-XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

case $case_ in
vectors)
	n=$(find "$src/docs/spec/vectors" -name '*.vec' | wc -l)
	out=$("$bin" vectors); rc=$?
	echo "$out"
	[ $rc -eq 0 ] || fail "vectors exited $rc"
	[ "$(echo "$out" | tail -1)" = "$n passed, 0 failed" ] || fail "last line is not '$n passed, 0 failed'"
	[ "$(echo "$out" | grep -c '^PASS ')" -eq "$n" ] || fail "not one PASS line per vector"
	# a broken vector makes the command fail and names the divergence
	sed 's/^1 S enable sig0 ok N=000 S=100$/1 S enable sig0 self N=000 S=100/' \
		"$src/docs/spec/vectors/sig-enable-clean.vec" >"$work/sig-enable-clean.vec"
	cmp -s "$work/sig-enable-clean.vec" "$src/docs/spec/vectors/sig-enable-clean.vec" &&
		fail "could not corrupt sig-enable-clean.vec (its first record changed?)"
	out=$("$bin" vectors "$work"); rc=$?
	echo "$out"
	[ $rc -eq 1 ] || fail "a failing vector must exit 1, got $rc"
	echo "$out" | grep -q '^FAIL sig-enable-clean: step 1: field result: expected self, actual ok$' ||
		fail "no FAIL line with the first divergence"
	[ "$(echo "$out" | tail -1)" = "0 passed, 1 failed" ] || fail "bad summary line"
	;;
explore-spec)
	out=$("$bin" explore --placement spec); rc=$?
	echo "$out"
	[ $rc -eq 0 ] || fail "spec placement exited $rc"
	echo "$out" | grep -Eq '^placement spec, depth 2: [1-9][0-9]* states, .* 0 violations' ||
		fail "no '0 violations' line with a state count"
	;;
explore-2009)
	out=$("$bin" explore --placement 2009); rc=$?
	echo "$out"
	[ $rc -eq 3 ] || fail "2009 placement must exit 3 (violation), got $rc"
	echo "$out" | grep -q '^counterexample (placement 2009' || fail "no counterexample header"
	echo "$out" | grep -q '^VIOLATION: lost wakeup' || fail "no VIOLATION line"
	echo "$out" | grep -Eq '^placement 2009, depth 2: .* [1-9][0-9]* violations' || fail "no violation count"
	;;
explore-asym)
	# The asymmetric barrier (SIG-14): the sender's kick never elides and returns without a fence when it
	# reads the receiver disabled; the receiver's MB-ENABLE is membarrier(). Sufficient at depth 4, with
	# and without the event index; dropping any barrier left still loses a wakeup.
	for a in "" "--event-idx"; do
		out=$("$bin" explore --asym $a --placement spec --depth 4); rc=$?
		echo "$out" | tail -2
		[ $rc -eq 0 ] || fail "asymmetric spec placement $a exited $rc"
		echo "$out" | grep -Eq '^placement spec \(asymmetric\), depth 4.*: [1-9][0-9]* states, .* 0 violations' ||
			fail "no '0 violations' line ($a)"
	done
	for p in minus-MB-CLEAR minus-MB-ENABLE minus-MB-INJECT minus-MB-DRAIN; do
		out=$("$bin" explore --asym --placement $p --depth 3 --quiet); rc=$?
		echo "$out" | tail -2
		[ $rc -eq 3 ] || fail "asymmetric $p must exit 3 (lost wakeup), got $rc"
	done
	out=$("$bin" explore --asym --event-idx --lower-threshold --no-cycle --placement minus-MB-ARM --depth 3 --quiet)
	rc=$?
	echo "$out" | tail -2
	[ $rc -eq 3 ] || fail "asymmetric minus-MB-ARM must exit 3 (lost wakeup), got $rc"
	;;
explore-evidx)
	out=$("$bin" explore --event-idx --placement spec --depth 3); rc=$?
	echo "$out"
	[ $rc -eq 0 ] || fail "event-index spec placement exited $rc"
	echo "$out" | grep -Eq '^placement spec, depth 3 \(event index\): [1-9][0-9]* states, .* 0 violations' ||
		fail "no '0 violations' line"
	out=$("$bin" explore --event-idx --no-rearm); rc=$?
	echo "$out" | tail -3
	[ $rc -eq 3 ] || fail "no re-arm must exit 3 (IOQ-11 violation), got $rc"
	"$bin" explore --event-idx --lower-threshold --no-cycle --quiet || fail "lowered threshold, spec: violation"
	"$bin" explore --event-idx --lower-threshold --no-cycle --placement minus-MB-ARM --quiet; rc=$?
	[ $rc -eq 3 ] || fail "without MB-ARM lowering the threshold must lose a wakeup (exit 3), got $rc"
	;;
explore-json)
	# --json: one object on stdout with "config" and the figures; a violation still exits 3 and its
	# counterexample goes to stderr, so stdout stays JSON
	command -v python3 >/dev/null || { echo "SKIP: python3 not installed (Debian package python3)"; exit 77; }
	"$bin" explore --json --depth 2 >"$work/ok.json" 2>"$work/ok.err" || fail "explore --json exited $?"
	"$bin" explore --json --depth 1 --placement 2009 >"$work/bad.json" 2>"$work/bad.err"; rc=$?
	[ $rc -eq 3 ] || fail "explore --json with the 2009 placement exited $rc, want 3 (a violation)"
	grep -q '^counterexample' "$work/bad.err" || fail "the counterexample is not on stderr"
	python3 - "$work/ok.json" "$work/bad.json" <<'PY' || fail "the JSON does not hold the contract (above)"
import json, sys
ok, bad = (json.load(open(f)) for f in sys.argv[1:3])
keys = ["states", "transitions", "quiescent", "violations", "spurious_states", "max_spurious",
        "max_store_buffer", "seconds", "explorer_states_per_s"]
for d in (ok, bad):
    c = d["config"]
    assert c["impl"] == "model" and isinstance(c["depth"], int) and c["south_cycle"] is True, c
    for k in keys:
        assert k in d, "no key " + k
    assert d["states"] > 0 and d["transitions"] >= d["states"] - 1, d
assert ok["config"]["placement"] == "spec" and ok["config"]["depth"] == 2 and ok["violations"] == 0, ok
assert bad["config"]["placement"] == "2009" and bad["config"]["depth"] == 1 and bad["violations"] > 0, bad
print("json ok:", ok["states"], "and", bad["states"], "states")
PY
	;;
explore-progress)
	# a progress line on stderr (VBUS_PROGRESS sets the period), none on stdout; VBUS_PROGRESS=0: none
	VBUS_PROGRESS=0.0001 "$bin" explore --depth 5 --event-idx >"$work/out" 2>"$work/err" ||
		fail "explore --depth 5 exited $?"
	grep -Eq '^vbus-model explore: depth 5: [0-9]+ states found, [0-9]+ explored' "$work/err" ||
		fail "no progress line on stderr: $(head -c 200 "$work/err")"
	grep -q 'states found' "$work/out" && fail "a progress line on stdout"
	VBUS_PROGRESS=0 "$bin" explore --depth 5 --event-idx >/dev/null 2>"$work/err0" || fail "explore exited $?"
	[ ! -s "$work/err0" ] || fail "VBUS_PROGRESS=0 still printed: $(head -c 200 "$work/err0")"
	echo "$(grep -c 'states found' "$work/err") progress lines"
	;;
help)
	for c in run vectors replay explore sweep diff bench params; do
		"$bin" "$c" --help >"$work/h" || fail "$c --help exited non-zero"
		grep -q "usage: vbus-model $c" "$work/h" || fail "$c --help prints no usage line"
	done
	"$bin" --help | grep -q '^usage: vbus-model' || fail "top-level --help"
	"$bin" frobnicate 2>/dev/null; [ $? -eq 2 ] || fail "unknown command must exit 2"
	"$bin" run --workload nope 2>/dev/null; [ $? -eq 2 ] || fail "bad workload must exit 2"
	;;
diff)
	"$bin" replay "$src/docs/spec/vectors/sig-drain-loop.vec" -o "$work/a.trace" || fail "replay a"
	"$bin" replay "$src/docs/spec/vectors/sig-drain-loop.vec" -o "$work/b.trace" || fail "replay b"
	out=$("$bin" diff "$work/a.trace" "$work/b.trace") || fail "identical traces differ: $out"
	echo "$out"
	sed -i 's/ iter=2 / iter=3 /' "$work/b.trace"
	out=$("$bin" diff "$work/a.trace" "$work/b.trace"); rc=$?
	echo "$out"
	[ $rc -eq 1 ] || fail "different traces must exit 1, got $rc"
	echo "$out" | grep -Eq '^step [0-9]+: field iter: expected 2, actual 3$' || fail "divergence not reported"
	printf 'vbus-trace 1\n1 N inject sig0 notify N=000 S=111\nbogus\n' >"$work/bad.trace"
	err=$("$bin" diff "$work/a.trace" "$work/bad.trace" 2>&1); rc=$?
	echo "$err"
	[ $rc -eq 2 ] || fail "malformed trace must exit 2, got $rc"
	echo "$err" | grep -q "^$work/bad.trace:3: " || fail "no file:line for the malformed trace"
	;;
params-errors)
	printf '{\n  "doorbell": 10,\n  "wakeup": "slow"\n}\n' >"$work/p.json"
	err=$("$bin" run --params "$work/p.json" 2>&1); rc=$?
	echo "$err"
	[ $rc -ne 0 ] || fail "bad JSON accepted"
	echo "$err" | grep -q "$work/p.json:3: " || fail "no file:line for the bad JSON value"
	printf '{"doorbell": 10, "wakeup": 20}\n' >"$work/ok.json"
	"$bin" params --params "$work/ok.json" --param interrupt=7 >"$work/out" || fail "params"
	grep -q '"doorbell": 10,' "$work/out" && grep -q '"interrupt": 7,' "$work/out" || fail "overrides not applied"
	"$bin" params --param nosuch=1 2>/dev/null && fail "unknown --param accepted"
	# the printed parameters are a valid --params file
	"$bin" params >"$work/all.json" && "$bin" run --params "$work/all.json" --messages 10 >/dev/null ||
		fail "params output is not accepted by --params"
	;;
calibrate)
	# the file calibrate writes: every measured parameter, its spread around it, how it was measured;
	# --params and vbus-bench --model read it; a damaged one is refused (exit 1, file:line)
	"$bin" calibrate --quick --reps 3 -o "$work/cal/p.json" 2>"$work/err" || fail "calibrate exited $?: $(cat "$work/err")"
	cat "$work/cal/p.json"
	python3 - "$work/cal/p.json" <<'PY' || fail "the parameter file does not hold the format (above)"
import json, sys
d = json.load(open(sys.argv[1]))
names = ["line_transfer", "line_stream", "barrier_full", "doorbell", "wakeup", "produce_per_msg",
         "handler_per_msg", "poll_interval", "produce_per_call", "handler_per_call", "membarrier",
         "desched_interval", "desched_len", "spin_budget", "doorbell_wake", "produce_remote_msg",
         "produce_remote_call", "produce_stream_call"]
for n in names:
    v, (lo, hi) = d[n], d["spread"][n]
    assert isinstance(v, int) and lo <= v <= hi, "%s = %s outside its spread [%s, %s]" % (n, v, lo, hi)
assert sorted(d["spread"]) == sorted(names), "spread keys: %s" % sorted(d["spread"])
c = d["calibration"]
assert c["reps"] == 3 and c["batches"] > 0 and "load_1min_before" in c and "load_1min_after" in c, c
assert d["line_transfer"] > 0 and d["wakeup"] > 0 and d["poll_interval"] >= 1, d
# libvbus's own adaptive budget: inside its clamp, 1 .. 250 us (VBUS_LINK_SPIN_MIN_NS .. _MAX_NS) at 3 GHz
assert 3000 <= d["spin_budget"] <= 750000, "spin_budget %s outside libvbus's clamp" % d["spin_budget"]
print("format ok")
PY
	# the CPU path is libvbus's own: vbus-model also links the explorer's instrumented copy of libvbus.c
	# (vbus_explore_core) under the same names, which a direct call would time instead
	cat "$work/err"
	grep -Eq '^vbus-model calibrate: CPU path timed through .*/libvbus\.so(\.[0-9]+)*$' "$work/err" ||
		fail "the CPU path was not timed through libvbus.so"
	"$bin" params --params "$work/cal/p.json" >"$work/echo" || fail "params refused calibrate's file"
	lt=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["line_transfer"])' "$work/cal/p.json")
	grep -q "\"line_transfer\": $lt," "$work/echo" || fail "--params did not take line_transfer $lt"
	# damaged files: the spread's order, an unknown name in it, a value that is no number
	sed 's/"wakeup": \[\([0-9]*\), \([0-9]*\)\]/"wakeup": [1\2, \1]/' "$work/cal/p.json" >"$work/bad1.json"
	sed 's/"doorbell": \[/"doorbel": [/' "$work/cal/p.json" >"$work/bad2.json"
	sed 's/"reps": 3/"reps": three/' "$work/cal/p.json" >"$work/bad3.json"
	for b in bad1 bad2 bad3; do
		cmp -s "$work/$b.json" "$work/cal/p.json" && fail "$b: could not damage the file"
		err=$("$bin" run --params "$work/$b.json" --messages 10 2>&1 >/dev/null); rc=$?
		echo "$b: $err"
		[ $rc -eq 1 ] || fail "$b: vbus-model run --params exited $rc, want 1"
		echo "$err" | grep -Eq "$work/$b.json:[0-9]+: " || fail "$b: no file:line in '$err'"
		if [ -n "${3:-}" ]; then
			err=$("$3" --quick --model "$work/$b.json" 2>&1 >/dev/null); rc=$?
			[ $rc -eq 1 ] || fail "$b: vbus-bench --model exited $rc, want 1"
			echo "$err" | grep -Eq "$work/$b.json:[0-9]+: " || fail "$b: vbus-bench: no file:line in '$err'"
		fi
	done
	"$bin" calibrate --reps 0 2>/dev/null; [ $? -eq 2 ] || fail "calibrate --reps 0 must exit 2"
	if [ -n "${3:-}" ]; then
		# --model auto: calibrated in vbus-bench's own process, every scenario predicted (a number > 0,
		# or 0 notifications), the line costs measured again before each predicted run
		"$3" --quick --model auto --json >"$work/auto.json" 2>"$work/auto.err" ||
			fail "vbus-bench --quick --model auto exited $?: $(tail -3 "$work/auto.err")"
		grep -c 'line_transfer [1-9][0-9]*, line_stream [0-9]*, wakeup [1-9][0-9]*, doorbell_wake [1-9][0-9]*, spin_budget [1-9][0-9]*, desched_interval [0-9]*, desched_len [0-9]*, produce_remote_msg [0-9]*, produce_remote_call [0-9]*, produce_stream_call [1-9][0-9]*$' "$work/auto.err" | grep -qx 6 ||
			fail "not 6 line re-measurements (one per predicted run): $(cat "$work/auto.err")"
		python3 - "$work/auto.json" <<'PY' || fail "vbus-bench --model auto: bad model section"
import json, sys
d = json.load(open(sys.argv[1]))
m = d["model"]
assert d["model_auto"] is True and d["model_scenarios"] == len(m) == 8, (d["model_auto"], len(m))
for k, v in m.items():
    assert v["predicted"] > 0 or k.endswith("_notif"), (k, v)
    assert v["ratio"] >= 0 and isinstance(v["within_25pct"], bool), (k, v)
print("auto ok:", {k: round(v["ratio"], 3) for k, v in m.items()})
PY
	fi
	;;
sweep)
	(cd "$work" && "$bin" sweep --loads 0.1,1 --messages 500) || fail "sweep exited non-zero"
	[ "$(wc -l <"$work/vbus-sweep.csv")" -eq 9 ] || fail "CSV must have a header and 4x2 rows"
	head -1 "$work/vbus-sweep.csv" | grep -q '^mitigation,load,' || fail "CSV header"
	if command -v gnuplot >/dev/null; then
		[ -s "$work/vbus-sweep.png" ] || fail "gnuplot present but no PNG"
		head -c 4 "$work/vbus-sweep.png" | grep -q 'PNG' || fail "vbus-sweep.png is not a PNG"
	else
		echo "gnuplot not installed: PNG not checked"
	fi
	# p50 and p99, in cycles and in ns at the stated clock (3 GHz default, --clock-ghz)
	head -1 "$work/vbus-sweep.csv" | grep -q 'latency_p50_cycles,latency_p99_cycles,.*latency_p50_ns,latency_p99_ns$' ||
		fail "CSV lacks p50/p99 in cycles and ns: $(head -1 "$work/vbus-sweep.csv")"
	awk -F, 'NR > 1 && ($12 - $6 / 3 > 0.1 || $6 / 3 - $12 > 0.1) { bad = 1 } END { exit bad }' \
		"$work/vbus-sweep.csv" || fail "latency_p50_ns is not cycles / 3 GHz"
	# --out into folders that do not exist yet (a fresh clone), and a folder prefix: no hidden files
	(cd "$work" && "$bin" sweep --out results/sweep --loads 0.1 --messages 200 >/dev/null) ||
		fail "sweep --out results/sweep failed (folder not created?)"
	[ -s "$work/results/sweep.csv" ] || fail "no results/sweep.csv"
	(cd "$work" && "$bin" sweep --out outdir/ --loads 0.1 --messages 200 >/dev/null) || fail "sweep --out outdir/"
	[ -s "$work/outdir/vbus-sweep.csv" ] || fail "--out outdir/ did not write outdir/vbus-sweep.csv"
	[ -z "$(ls -A "$work/outdir" | grep '^\.')" ] || fail "--out outdir/ wrote hidden files: $(ls -A "$work/outdir")"
	ls "$work/outdir" | grep -q 'tmp' && fail "a temporary file was left: $(ls "$work/outdir")"
	# the load is what the sweep varies: --load is refused, not ignored
	"$bin" sweep --load 2 --out "$work/x" 2>"$work/err"; rc=$?
	[ $rc -eq 2 ] && grep -q -- '--load' "$work/err" || fail "sweep --load exited $rc, want 2 naming --load"
	[ ! -e "$work/x.csv" ] || fail "a refused sweep wrote $work/x.csv"
	# a sweep flat by construction says so; a poisson sweep does not
	for wl in ping-pong stream; do
		"$bin" sweep --workload $wl --loads 0.1,1 --messages 100 --out "$work/pp" >/dev/null 2>"$work/err" ||
			fail "$wl sweep failed"
		grep -q 'flat by construction' "$work/err" || fail "no flat-sweep warning for $wl"
	done
	"$bin" sweep --loads 0.1,1 --messages 100 --out "$work/po" >/dev/null 2>"$work/err" || fail "poisson sweep"
	grep -q 'flat' "$work/err" && fail "a flat-sweep warning for poisson"
	# the help states the sweep's own defaults (it used to print run's: ping-pong, 10000)
	"$bin" sweep --help >"$work/h"
	grep -Eq -- '--workload W .*\(default poisson\)' "$work/h" || fail "sweep --help: default workload"
	grep -Eq -- '--messages N .*\(default 5000\)' "$work/h" || fail "sweep --help: default messages"
	# progress on stderr
	VBUS_PROGRESS=0.001 "$bin" sweep --loads 0.1,1 --messages 20000 --out "$work/pr" >/dev/null 2>"$work/err" ||
		fail "sweep with progress"
	grep -Eq '^vbus-model sweep: \[[0-9]+/8\] ' "$work/err" || fail "no progress line on stderr"
	;;
sweep-plot)
	# What the PNG shows, asked of gnuplot itself: a stand-in gnuplot first in PATH records the script vbus-model
	# sends, the test replays it through the real gnuplot and prints, after each plot, the data's and the axes'
	# ranges (GPVAL_*). Every curve must lie strictly inside its plot, off the frame (it used to: `none` at 1.0
	# notification per message sat on the top edge and was invisible); a y range over more than a decade must
	# be log scale; latency is drawn as p50 and p99 of every mitigation, with a right axis in ns at the stated
	# clock; a sweep flat by construction says so in the PNG's title.
	real=$(command -v gnuplot) || { echo "SKIP: gnuplot not installed (scripts/deps.sh installs gnuplot-nox)"; exit 77; }
	mkdir -p "$work/gp"
	printf '#!/bin/sh\ntee -a "$VBUS_TEST_GP_SCRIPT" | exec %s "$@"\n' "'$real'" >"$work/gp/gnuplot"
	chmod +x "$work/gp/gnuplot"
	# replay FILE.gp: one line per plot, "RANGE n logx logy dxmin dxmax xmin xmax dymin dymax ymin ymax y2min y2max"
	replay() {
		awk -v out="$work/replay.png" '
		/^set output / { print "set output \047" out "\047"; next }
		/^set logscale x/ { logx = 1 } /^unset logscale x/ { logx = 0 }
		/^set logscale y( |$)/ { logy = 1 } /^unset logscale y( |$)/ || /^unset logscale$/ { logy = 0 }
		{ print }
		/^plot / {
			n++
			printf "print sprintf(\"RANGE %d %d %d", n, logx, logy
			for (i = 0; i < 10; i++) printf " %%.17g"
			printf "\", GPVAL_DATA_X_MIN, GPVAL_DATA_X_MAX, GPVAL_X_MIN, GPVAL_X_MAX, GPVAL_DATA_Y_MIN, "
			printf "GPVAL_DATA_Y_MAX, GPVAL_Y_MIN, GPVAL_Y_MAX, GPVAL_Y2_MIN, GPVAL_Y2_MAX)\n"
		}' "$1" >"$work/replay.gp"
		"$real" "$work/replay.gp" 2>&1 | grep '^RANGE '
	}
	csv="$work/p.csv"
	rm -f "$work/p.gp"
	VBUS_TEST_GP_SCRIPT="$work/p.gp" PATH="$work/gp:$PATH" \
		"$bin" sweep --loads 0.05,0.5,5,50 --messages 400 --clock-ghz 2 --out "$work/p" >/dev/null ||
		fail "sweep exited non-zero"
	[ -s "$work/p.gp" ] || fail "the sweep did not run gnuplot"
	[ -s "$work/p.png" ] || fail "no PNG"
	ranges=$(replay "$work/p.gp") || fail "the recorded gnuplot script does not replay"
	echo "$ranges"
	[ "$(echo "$ranges" | wc -l)" -ge 2 ] || fail "want at least two plots (notifications, latency)"
	# every curve strictly inside the frame: the data's range at least 1% of the axis span from each edge
	echo "$ranges" | awk '
	function pos(v, lg) { return lg ? log(v) : v }
	function inside(what, lg, dlo, dhi, alo, ahi,   span) {
		if (lg && (dlo <= 0 || alo <= 0)) { printf "plot %d: %s: log axis with data %g\n", $2, what, dlo; return 0 }
		span = pos(ahi, lg) - pos(alo, lg)
		if (span <= 0 || pos(dlo, lg) - pos(alo, lg) < 0.01 * span || pos(ahi, lg) - pos(dhi, lg) < 0.01 * span) {
			printf "plot %d: %s data [%g, %g] on or past the frame [%g, %g] (%s scale)\n", $2, what, dlo, dhi,
				alo, ahi, lg ? "log" : "linear"
			return 0
		}
		return 1
	}
	{
		ok = inside("x", $3, $5, $6, $7, $8) && inside("y", $4, $9, $10, $11, $12)
		if (ok && !$4 && $9 > 0 && $10 / $9 > 10) {
			printf "plot %d: y data spans %g..%g (x%.0f) on a linear axis: use log scale\n", $2, $9, $10, $10 / $9
			ok = 0
		}
		if (!ok) bad = 1
	}
	END { exit bad }' || fail "a curve lies on the frame of the PNG (invisible)"
	# the curves are the CSV's: notifications per message, p50 and p99 latency, for every mitigation
	col() { head -1 "$csv" | tr , '\n' | grep -nx "$1" | cut -d: -f1; }
	cn=$(col notifications_per_message) c50=$(col latency_p50_cycles) c99=$(col latency_p99_cycles)
	[ -n "$cn" ] && [ -n "$c50" ] && [ -n "$c99" ] || fail "CSV header lacks a plotted column: $(head -1 "$csv")"
	for m in $(tail -n +2 "$csv" | cut -d, -f1 | sort -u); do
		for c in $cn $c50 $c99; do
			grep -q "eq '$m' ? \$2 : NaN):$c " "$work/p.gp" || fail "no curve of $m for CSV column $c"
		done
	done
	lat=$(echo "$ranges" | awk '$13 < $14' | head -1)
	[ -n "$lat" ] || fail "no plot with a right axis (latency in ns)"
	read -r _ _ _ _ _ _ _ _ dymin dymax ymin ymax y2min y2max <<<"$lat"
	awk -F, -v c50="$c50" -v c99="$c99" -v lo="$dymin" -v hi="$dymax" 'NR > 1 {
		for (i = 0; i < 2; i++) { v = $(i ? c99 : c50) + 0; if (v > 0 && (min == "" || v < min)) min = v; if (v > max) max = v }
	} END { if (min != lo || max != hi) { printf "latency plot data %g..%g, CSV p50/p99 %g..%g\n", lo, hi, min, max; exit 1 } }' \
		"$csv" || fail "the latency plot does not draw both p50 and p99"
	# gnuplot prints ranges to 6 significant digits: 1511.33 / 755.667 is 1.999996
	awk -v a="$ymin" -v b="$ymax" -v c="$y2min" -v d="$y2max" \
		'BEGIN { r1 = a / c; r2 = b / d; exit !(r1 > 1.9999 && r1 < 2.0001 && r2 > 1.9999 && r2 < 2.0001) }' ||
		fail "right axis [$y2min, $y2max] is not the left [$ymin, $ymax] in ns at 2 GHz"
	grep -q "y2label '.*ns at 2 GHz" "$work/p.gp" || fail "the right axis does not say ns at 2 GHz"
	grep -q 'flat by construction' "$work/p.gp" && fail "a poisson sweep's PNG warns it is flat"
	# What the PNG itself shows (the file the sweep wrote, not a replay): every curve's colour inside its plot's
	# frame, 12 px in from it (a point marker centred on the frame reaches 7 px in), found by decoding the PNG.
	# The colours are the script's, one per curve: all distinct within a plot (p99 cannot hide as p50's twin).
	specs=$(awk '/^plot / {
		s = ""; k = 0
		while (match($0, /lc rgb \047#[0-9a-fA-F]+\047/)) {
			c = tolower(substr($0, RSTART + 8, RLENGTH - 9)); k++
			if (c in seen) { printf "plot %d: colour %s used twice\n", n, c > "/dev/stderr"; bad = 1 }
			seen[c] = 1; s = s (s == "" ? "" : ",") c; $0 = substr($0, RSTART + RLENGTH)
		}
		printf "%d=%s\n", n, s; n++; delete seen
	} END { exit bad }' "$work/p.gp") || fail "a plot draws two curves in one colour"
	echo "curve colours per plot: $specs"
	nm=$(tail -n +2 "$csv" | cut -d, -f1 | sort -u | wc -l)
	[ "$(echo "$specs" | awk -F'[=,]' 'NR == 1 { print NF - 1 }')" -eq "$nm" ] ||
		fail "the notifications plot does not draw one curve per mitigation ($nm)"
	[ "$(echo "$specs" | awk -F'[=,]' 'NR == 2 { print NF - 1 }')" -eq $((2 * nm)) ] ||
		fail "the latency plot does not draw p50 and p99 per mitigation ($((2 * nm)))"
	# shellcheck disable=SC2086
	python3 "$src/tests/model/png_curves.py" "$work/p.png" 12 $specs ||
		fail "a curve of the PNG is not inside its plot (on the frame, off the range, or not drawn)"
	rm -f "$work/f.gp"
	VBUS_TEST_GP_SCRIPT="$work/f.gp" PATH="$work/gp:$PATH" \
		"$bin" sweep --workload ping-pong --loads 0.1,1 --messages 100 --out "$work/f" >/dev/null 2>&1 ||
		fail "ping-pong sweep failed"
	grep -q "^set multiplot .*flat by construction" "$work/f.gp" || fail "the ping-pong PNG's title has no flat warning"
	replay "$work/f.gp" >/dev/null || fail "the ping-pong script does not replay"
	;;
bench)
	out=$("$bin" bench --json --messages 20000 --depth 2) || fail "bench exited non-zero"
	echo "$out"
	for k in events_per_s explorer_states_per_s peak_rss_kb; do
		echo "$out" | grep -Eq "\"$k\": [1-9][0-9]*" || fail "bench --json lacks a positive $k"
	done
	;;
trace)
	"$bin" run --workload ping-pong --mitigation shm-signal --messages 3 --trace "$work/t.trace" >/dev/null ||
		fail "run --trace"
	grep -Eq '^[0-9]+@[0-9]+ N kick r0 notify ' "$work/t.trace" || fail "no cycle-stamped kick record"
	"$bin" diff "$work/t.trace" "$work/t.trace" --cycles 0 || fail "a trace must agree with itself"
	;;
*)
	echo "cli_test.sh: unknown case '$case_'" >&2
	exit 2
	;;
esac
echo "PASS $case_"

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make demo: the main job. Usage: scripts/demo.sh BUILD_DIR
# Shows the spec, the conformance vectors, the model's explorer (spec vs 2009 barriers) and the model's
# default workloads with every mitigation side by side (none, shm-signal, event-index, moderation), and the
# KVM lab (exits and interrupts per message in a real KVM vCPU) when /dev/kvm works.
set -euo pipefail
case "${1:-}" in
-h | --help)
	echo "usage: scripts/demo.sh BUILD_DIR"
	sed -n '4,6p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
	;;
-*)
	echo "demo.sh: unknown option '$1' (try 'scripts/demo.sh --help')" >&2
	exit 2
	;;
esac
[ $# -eq 1 ] || { echo "demo.sh: needs one BUILD_DIR (try 'scripts/demo.sh --help')" >&2; exit 2; }
build=$1
if [ ! -d "$build" ]; then
	echo "demo.sh: $build: No such file or directory (run 'make demo' to build first)" >&2
	exit 1
fi
model="$build/bin/vbus-model"
if [ ! -x "$model" ]; then
	echo "demo.sh: $model is missing: build it with 'cmake --build $build --target vbus-model' (or 'make demo')" >&2
	exit 1
fi
top=$(cd "$(dirname "$0")/.." && pwd)
export VBUS_SOURCE_DIR="$top"

echo "== vbus protocol spec v1 ($top/docs/spec)"
grep -h '^| \[' "$top/docs/spec/README.md" | sed 's/^| \[\([^]]*\)\]([^)]*) | /  \1: /; s/ |$//'
echo
if [ -x "$build/bin/test_abi" ]; then
	echo "== ABI self-check (layouts and register map against the spec)"
	"$build/bin/test_abi"
	echo
fi

echo "== conformance vectors through the independent model (vbus-model vectors)"
"$model" vectors "$top/docs/spec/vectors" | tail -1
echo

echo "== explorer: every interleaving under x86-TSO store buffers, the spec's barrier placement"
"$model" explore --placement spec
echo
echo "== explorer: the 2009 placement (wmb where the spec needs mb): a minimal counterexample"
set +e
"$model" explore --placement 2009
rc=$?
set -e
if [ $rc -ne 3 ]; then
	echo "demo.sh: expected the 2009 placement to show a violation (exit 3), got exit $rc" >&2
	exit 1
fi
echo

echo "== timing model: default workloads, each mitigation side by side (cycles of a nominal 3 GHz core)"
for w in ping-pong stream bursty poisson; do
	"$model" run --workload "$w" --mitigation all
	echo
done
echo "(parameters: docs/spec/06-timing.md; override with --param name=value or --params FILE.json;"
echo " 'vbus-model sweep' writes notifications/message and latency versus offered load to CSV and PNG)"
echo

cosim="$build/bin/vbus-cosim"
if [ -x "$cosim" ]; then
	echo "== cosimulation: the Verilated accelerator under SystemC, model and production core in lockstep"
	"$cosim" --cycles 200000
	echo "(the default workload, pingpong; all workloads: $("$cosim" --help | sed -n 's/^ \{21\}\([a-z-]*\) .*/\1/p' | tr '\n' ' ')--channels 8|64;"
	echo " waveform: $cosim --workload pingpong --cycles 2000 --wave pingpong.fst && gtkwave pingpong.fst)"
else
	echo "== cosimulation: $cosim not built (needs Verilator and libsystemc-dev: scripts/deps.sh)"
fi

lab="$build/bin/vbus-kvmlab"
if [ -x "$lab" ]; then
	echo
	if probe=$("$lab" --probe 2>&1); then
		echo "== KVM lab: the protocol in a real KVM vCPU, exits and interrupts per message, measured vs model"
		"$lab" --workload ping-pong,stream --mitigation all --messages 20000
	else
		echo "== KVM lab: not run here: $probe"
		echo "   (ctest -L kvm runs it under nested KVM inside QEMU TCG; see tests/kvm/README.md)"
	fi
fi

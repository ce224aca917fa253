#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# rtl_icarus_smoke: the RTL compiles with `iverilog -g2005` and passes tb/tb_icarus.v for 8 and 64
# channels (or --channels); an out-of-range N_CHANNELS is rejected by the parameter check.
# --help for the options.
set -u
usage() {
	cat <<EOF
usage: icarus_smoke.sh [--channels LIST] [--trace DIR]
The RTL under Icarus Verilog (iverilog -g2005): tb/tb_icarus.v for each channel count, and the
parameter check rejecting N_CHANNELS=65.
  --channels LIST   comma-separated channel counts (default 8,64)
  --trace DIR       keep a VCD per run: DIR/tb_icarus_N<n>.vcd (DIR must exist)
  -h, --help        this text
Exit status: 0 pass, 1 fail, 2 usage error, 77 iverilog missing.
EOF
}
die_usage() { echo "icarus_smoke.sh: $* (try 'icarus_smoke.sh --help')" >&2; exit 2; }
channels="8,64" trace_dir=""
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--channels)
		[ $# -ge 2 ] || die_usage "--channels: missing value"
		[[ $2 =~ ^[0-9]+(,[0-9]+)*$ ]] || die_usage "--channels: '$2' is not a comma-separated list of channel counts"
		for n in ${2//,/ }; do
			[ "$n" -ge 1 ] && [ "$n" -le 64 ] || die_usage "--channels: $n is not in 1..64"
		done
		channels=$2; shift ;;
	--trace)
		[ $# -ge 2 ] || die_usage "--trace: missing value"
		[ -d "$2" ] && [ -w "$2" ] || { echo "icarus_smoke.sh: --trace: $2: not a writable directory" >&2; exit 1; }
		trace_dir=$(cd "$2" && pwd); shift ;;
	*) die_usage "$1: unknown option" ;;
	esac
	shift
done
. "$(dirname "$0")/common.sh"
need iverilog vvp
scratch
fail=0
for n in ${channels//,/ }; do
	if ! iverilog -g2005 -Wall -I"$RTL_DIR" -s tb_icarus -P tb_icarus.N_CHANNELS=$n -o "$SCRATCH/tb$n" \
		"$RTL_ACCEL/tb/tb_icarus.v" "${RTL_SOURCES[@]}" 2>"$SCRATCH/cc$n.log"; then
		echo "FAIL: iverilog N_CHANNELS=$n"; cat "$SCRATCH/cc$n.log"; fail=1; continue
	fi
	if grep -v "timescale" "$SCRATCH/cc$n.log" | grep -q .; then
		echo "FAIL: iverilog warnings N_CHANNELS=$n"; cat "$SCRATCH/cc$n.log"; fail=1
	fi
	plus=()
	[ -n "$trace_dir" ] && plus=("+vcd=$trace_dir/tb_icarus_N$n.vcd")
	out=$(cd "$SCRATCH" && vvp -n "./tb$n" "${plus[@]}" 2>&1)
	[ -n "$trace_dir" ] && echo "trace: wrote $trace_dir/tb_icarus_N$n.vcd"
	echo "$out"
	if ! grep -q "^PASS" <<<"$out" || grep -q "FAIL" <<<"$out"; then
		fail=1
	fi
done
# parameter check: 65 channels must stop the simulation with an error
iverilog -g2005 -I"$RTL_DIR" -s tb_icarus -P tb_icarus.N_CHANNELS=65 -o "$SCRATCH/tb65" \
	"$RTL_ACCEL/tb/tb_icarus.v" "${RTL_SOURCES[@]}" 2>/dev/null
out=$(cd "$SCRATCH" && vvp -n ./tb65 2>&1)
if grep -q "ERROR: .*N_CHANNELS = 65" <<<"$out"; then
	echo "ok: N_CHANNELS=65 rejected: $(grep -m1 ERROR <<<"$out")"
else
	echo "FAIL: N_CHANNELS=65 not rejected"; echo "$out" | head -5; fail=1
fi
exit $fail

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# rtl_icarus_smoke: the RTL compiles with `iverilog -g2005` and passes tb/tb_icarus.v for 8 and 64
# channels (v1) and 1, 8, 64 and 1024 channels (v2, vbus_doorbell2), or --channels; an out-of-range
# N_CHANNELS is rejected by the parameter check.
# --help for the options.
set -u
usage() {
	cat <<EOF
usage: icarus_smoke.sh [--top v1|v2|both] [--channels LIST] [--trace DIR]
The RTL under Icarus Verilog (iverilog -g2005): tb/tb_icarus.v for each channel count, and the
parameter check rejecting N_CHANNELS=65 (v1) and 1025 (v2).
  --top NAME        v1 (vbus_doorbell), v2 (vbus_doorbell2) or both (default)
  --channels LIST   comma-separated channel counts (default: v1 8,64; v2 1,8,64,1024)
  --trace DIR       keep a VCD per run: DIR/tb_icarus_<top>_N<n>.vcd (DIR must exist)
  -h, --help        this text
Exit status: 0 pass, 1 fail, 2 usage error, 77 iverilog missing.
EOF
}
die_usage() { echo "icarus_smoke.sh: $* (try 'icarus_smoke.sh --help')" >&2; exit 2; }
channels="" trace_dir="" tops="v1 v2"
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--channels)
		[ $# -ge 2 ] || die_usage "--channels: missing value"
		[[ $2 =~ ^[0-9]+(,[0-9]+)*$ ]] || die_usage "--channels: '$2' is not a comma-separated list of channel counts"
		for n in ${2//,/ }; do
			[ "$n" -ge 1 ] && [ "$n" -le 1024 ] || die_usage "--channels: $n is not in 1..1024"
		done
		channels=$2; shift ;;
	--top)
		[ $# -ge 2 ] || die_usage "--top: missing value"
		case $2 in
		v1 | v2) tops=$2 ;;
		both) tops="v1 v2" ;;
		*) die_usage "--top: '$2' is not one of v1, v2, both" ;;
		esac
		shift ;;
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
for top in $tops; do
if [ $top = v1 ]; then
	srcs=("${RTL_SOURCES[@]}") defs=() chs=${channels:-8,64} bad=65
else
	srcs=("${RTL_SOURCES_V2[@]}") defs=(-DV2) chs=${channels:-1,8,64,1024} bad=1025
fi
for n in ${chs//,/ }; do
	if [ $top = v1 ] && [ "$n" -gt 64 ]; then
		echo "FAIL: v1 has at most 64 channels (N_CHANNELS=$n)"; fail=1; continue
	fi
	if ! iverilog -g2005 -Wall "${defs[@]}" -I"$RTL_DIR" -s tb_icarus -P tb_icarus.N_CHANNELS=$n -o "$SCRATCH/tb$n" \
		"$RTL_ACCEL/tb/tb_icarus.v" "${srcs[@]}" 2>"$SCRATCH/cc$n.log"; then
		echo "FAIL: iverilog $top N_CHANNELS=$n"; cat "$SCRATCH/cc$n.log"; fail=1; continue
	fi
	if grep -v "timescale" "$SCRATCH/cc$n.log" | grep -q .; then
		echo "FAIL: iverilog warnings $top N_CHANNELS=$n"; cat "$SCRATCH/cc$n.log"; fail=1
	fi
	plus=()
	[ -n "$trace_dir" ] && plus=("+vcd=$trace_dir/tb_icarus_${top}_N$n.vcd")
	out=$(cd "$SCRATCH" && vvp -n "./tb$n" "${plus[@]}" 2>&1)
	[ -n "$trace_dir" ] && echo "trace: wrote $trace_dir/tb_icarus_${top}_N$n.vcd"
	echo "$top: $out"
	if ! grep -q "^PASS" <<<"$out" || grep -q "FAIL" <<<"$out"; then
		fail=1
	fi
done
# parameter check: one channel too many must stop the simulation with an error
iverilog -g2005 "${defs[@]}" -I"$RTL_DIR" -s tb_icarus -P tb_icarus.N_CHANNELS=$bad -o "$SCRATCH/tbbad" \
	"$RTL_ACCEL/tb/tb_icarus.v" "${srcs[@]}" 2>/dev/null
out=$(cd "$SCRATCH" && vvp -n ./tbbad 2>&1)
if grep -q "ERROR: .*N_CHANNELS = $bad" <<<"$out"; then
	echo "ok: $top N_CHANNELS=$bad rejected: $(grep -m1 ERROR <<<"$out")"
else
	echo "FAIL: $top N_CHANNELS=$bad not rejected"; echo "$out" | head -5; fail=1
fi
done
exit $fail

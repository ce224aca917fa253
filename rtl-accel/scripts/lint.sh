#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# rtl_lint: `verilator --lint-only -Wall` must be clean for every configuration that must build
# (N_CHANNELS 1/8/32/64, with and without counters and moderation). Waivers live in the RTL, each
# with its reason; none is passed on this command line.
set -u
usage() {
	cat <<EOF
usage: lint.sh [--top v1|v2|both] [--channels LIST]
verilator --lint-only -Wall of vbus_doorbell for every channel count in LIST (default 1,8,32,64)
x 4 configurations (CNT_WIDTH/MODERATION 32/1, 0/0, 16/1, 32/0), vbus_doorbell2 (v2) for
1/8/64/256/1024 channels x the same 4 configurations, and vbus_rmw_ram and
vbus_id_fifo for 1/8/64/256/1024 channels; silent output required.
  --top NAME   v1 (vbus_doorbell and the v2 blocks), v2 (vbus_doorbell2) or both (default)
  -h, --help   this text
Exit status: 0 clean, 1 a warning or error, 2 usage error, 77 verilator missing.
EOF
}
die_usage() { echo "lint.sh: $* (try 'lint.sh --help')" >&2; exit 2; }
channels="1,8,32,64" tops="v1 v2"
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--channels)
		[ $# -ge 2 ] || die_usage "--channels: missing value"
		[[ $2 =~ ^[0-9]+(,[0-9]+)*$ ]] || die_usage "--channels: '$2' is not a comma-separated list of channel counts"
		channels=$2; shift ;;
	--top)
		[ $# -ge 2 ] || die_usage "--top: missing value"
		case $2 in
		v1 | v2) tops=$2 ;;
		both) tops="v1 v2" ;;
		*) die_usage "--top: '$2' is not one of v1, v2, both" ;;
		esac
		shift ;;
	*) die_usage "$1: unknown option" ;;
	esac
	shift
done
. "$(dirname "$0")/common.sh"
need verilator
fail=0
# lint one configuration: NAME (as reported), then verilator's arguments; the output must be silent
lint() {
	local name=$1 out
	shift
	out=$(verilator --lint-only -Wall "$@" 2>&1)
	if [ $? -ne 0 ] || [ -n "$out" ]; then
		echo "FAIL: lint $name"
		echo "$out"
		fail=1
	else
		echo "ok: lint $name"
	fi
}
# a top at N channels in the 4 configurations (CNT_WIDTH MODERATION): TOP N SOURCES...
lint_top() {
	local top=$1 n=$2 cfg w m
	shift 2
	for cfg in "32 1" "0 0" "16 1" "32 0"; do
		read -r w m <<<"$cfg"
		lint "$top N_CHANNELS=$n CNT_WIDTH=$w MODERATION=$m" -I"$RTL_DIR" --top-module "$top" \
			-GN_CHANNELS=$n -GCNT_WIDTH=$w -GMODERATION=$m "$@"
	done
}
[[ " $tops " == *" v1 "* ]] && for n in ${channels//,/ }; do
	lint_top vbus_doorbell $n "${RTL_SOURCES[@]}"
done
# the v2 top (vbus_doorbell2), 1 .. 1024 channels, the same 4 configurations
[[ " $tops " == *" v2 "* ]] && for n in 1 8 64 256 1024; do
	lint_top vbus_doorbell2 $n "${RTL_SOURCES_V2[@]}"
done
# the v2 building blocks: the block-RAM read-modify-write engine (64-bit state) and the channel-id FIFO
# of the MSI/notify streams, up to 1024 channels
[[ " $tops " == *" v1 "* ]] && for n in 1 8 64 256 1024; do
	lint "vbus_rmw_ram N=$n W=64" --top-module vbus_rmw_ram -GN=$n -GW=64 "$RTL_DIR/vbus_rmw_ram.v"
	lint "vbus_id_fifo N=$n" --top-module vbus_id_fifo -GN=$n "$RTL_DIR/vbus_id_fifo.v"
done
exit $fail

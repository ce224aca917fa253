#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# rtl_lint: `verilator --lint-only -Wall` must be clean for every configuration that must build
# (N_CHANNELS 1/8/32/64, with and without counters and moderation). Waivers live in the RTL, each
# with its reason; none is passed on this command line.
set -u
. "$(dirname "$0")/common.sh"
need verilator
fail=0
for n in 1 8 32 64; do
	for cfg in "32 1" "0 0" "16 1" "32 0"; do
		set -- $cfg
		out=$(verilator --lint-only -Wall -I"$RTL_DIR" --top-module vbus_doorbell \
			-GN_CHANNELS=$n -GCNT_WIDTH=$1 -GMODERATION=$2 "${RTL_SOURCES[@]}" 2>&1)
		if [ $? -ne 0 ] || [ -n "$out" ]; then
			echo "FAIL: lint N_CHANNELS=$n CNT_WIDTH=$1 MODERATION=$2"
			echo "$out"
			fail=1
		else
			echo "ok: lint N_CHANNELS=$n CNT_WIDTH=$1 MODERATION=$2"
		fi
	done
done
exit $fail

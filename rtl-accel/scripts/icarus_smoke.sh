#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# rtl_icarus_smoke: the RTL compiles with `iverilog -g2005` and passes tb/tb_icarus.v for 8 and 64
# channels; an out-of-range N_CHANNELS is rejected by the parameter check.
set -u
. "$(dirname "$0")/common.sh"
need iverilog vvp
scratch
fail=0
for n in 8 64; do
	if ! iverilog -g2005 -Wall -I"$RTL_DIR" -s tb_icarus -P tb_icarus.N_CHANNELS=$n -o "$SCRATCH/tb$n" \
		"$RTL_ACCEL/tb/tb_icarus.v" "${RTL_SOURCES[@]}" 2>"$SCRATCH/cc$n.log"; then
		echo "FAIL: iverilog N_CHANNELS=$n"; cat "$SCRATCH/cc$n.log"; fail=1; continue
	fi
	if grep -v "timescale" "$SCRATCH/cc$n.log" | grep -q .; then
		echo "FAIL: iverilog warnings N_CHANNELS=$n"; cat "$SCRATCH/cc$n.log"; fail=1
	fi
	out=$(cd "$SCRATCH" && vvp -n "./tb$n" "$@" 2>&1)
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

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# rtl_formal / rtl_formal_mutant: bounded proofs with yosys `sat -seq N -prove-asserts` of the
# `ifdef FORMAL properties in the RTL (P1..P6, see rtl-accel/README.md).
#   formal.sh props    the real RTL: every assertion holds for DEPTH cycles from reset -> exit 0
#   formal.sh mutant   the RTL without the N.pending guard (FORMAL_MUTANT_NO_PENDING_GUARD): the
#                      proof MUST fail with a counterexample -> exit 0 only if it does
# DEPTH defaults to 16 (override: VBUS_FORMAL_DEPTH; 20 takes ~50 s, 16 ~25 s on this machine).
set -u
. "$(dirname "$0")/common.sh"
mode=${1:-props}
depth=${VBUS_FORMAL_DEPTH:-16}
defs="-DFORMAL -DFORMAL_HOLDOFF_MAX=3"
case $mode in
props) ;;
mutant) defs="$defs -DFORMAL_MUTANT_NO_PENDING_GUARD" ;;
-h | --help)
	echo "usage: formal.sh props|mutant"
	echo "Bounded proofs (yosys sat, depth \$VBUS_FORMAL_DEPTH, default 16) of the FORMAL properties;"
	echo "'mutant' passes only if the pending-guard mutant is caught. Exit: 0 pass, 1 fail, 2 usage."
	exit 0 ;;
*) echo "formal.sh: '$mode': unknown mode; use props or mutant" >&2; echo "Try 'formal.sh --help'." >&2; exit 2 ;;
esac
need yosys
scratch
log=$SCRATCH/yosys.log
{
	echo "read_verilog -formal $defs -I$RTL_DIR ${RTL_SOURCES[*]}"
	cat "$RTL_ACCEL/formal/props.ys"
	echo "tee -o $SCRATCH/asserts.txt select -count t:\$assert"
	echo "sat -verify -seq $depth -prove-asserts -set-assumes -set-at 1 rst 1 -set-init-zero -show-inputs -show-public"
} >"$SCRATCH/run.ys"
yosys -q -l "$log" -s "$SCRATCH/run.ys" >/dev/null 2>&1
rc=$?
asserts=$(grep -o '[0-9]\+ objects' "$SCRATCH/asserts.txt" 2>/dev/null | grep -o '[0-9]\+' || echo 0)
failed=$(grep -c "proof did fail\|model found: FAIL" "$log")
solved=$(grep -c "no model found: SUCCESS" "$log")
# cex_table LOG: the counterexample's key signals, one line per time step.
cex_table() {
	grep -E '^ +[0-9]+ \\' "$1" |
		grep -E '\\(rst|s_axil_awaddr|s_axil_awvalid|s_axil_wvalid|s_inject_valid|s_inject_chan|m_msi_valid|m_msi_ready|m_msi_vector) |u_chan\.(n_enabled_reg|n_pending_reg|n_dirty_reg|f_fires_reg) |g_chan\[[0-9]+\]\.f_msis ' |
		awk '{print $1, $2, $4}' |
		sed -E 's/\\g_chan\[([0-9]+)\]\.(u_chan\.)?/c\1./; s/\\//; s/_reg / /; s/s_axil_//; s/s_inject_/inj_/; s/m_msi_/msi_/' |
		awk '{v[$1] = v[$1] " " $2 "=" $3; if ($1 > m) m = $1} END {for (i = 1; i <= m; i++) print "  " i ":" v[i]}'
}

echo "formal $mode: depth $depth, $asserts assertions (2 channels), yosys exit $rc"
if [ "$mode" = props ]; then
	if [ $rc -eq 0 ] && [ "$solved" -ge 1 ] && [ "$asserts" -ge 8 ]; then
		echo "PASS: every assertion holds for $depth cycles from reset"
		exit 0
	fi
	echo "FAIL: proof failed or did not run"; grep -B2 -A40 "model found: FAIL\|ERROR" "$log" | head -120
	exit 1
fi
# mutant: the proof must fail because an assertion is violated, not because of an error
if [ $rc -ne 0 ] && [ "$failed" -ge 1 ]; then
	echo "PASS: the mutant without the pending guard is caught; counterexample (per cycle):"
	cex_table "$log"
	exit 0
fi
echo "FAIL: the mutant was not caught (yosys exit $rc)"; tail -20 "$log"
exit 1

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# rtl_formal*: unbounded proofs of the `ifdef FORMAL properties of vbus_doorbell (P1..P6 per channel,
# A1..A8 on the AXI4-Lite port; see rtl-accel/README.md) with ABC's PDR (property-directed
# reachability, IC3): yosys flattens the 2-channel design to an AIGER model (asserts = bad states,
# assumes = constraints, the first cycle a reset), ABC folds the constraints in and proves that no
# bad state is reachable from reset in any number of cycles. `formal.sh --help` for the modes.
set -u
usage() {
	cat <<EOF
usage: formal.sh [props2|props2-irq|props2-stream|mutant2|mutant2-noforward|mutant2-starve|
                 mutant2-noscan|vacuity2|props|mutant|mutant-starve|vacuity|rmw|mutant-noforward|
                 mutant-rmw-junk|rmw-split|mutant-rmw-split|fifo|mutant-fifo|fifo-bypass|mutant-fifo-small]
Unbounded proof (ABC pdr) of the FORMAL properties, 2 channels: of vbus_doorbell2 (v2, the default top;
mode props2 when none is given) or vbus_doorbell (v1: props, mutant, mutant-starve, vacuity).
  props          the real RTL: every assertion holds in every reachable state -> exit 0
  mutant         the RTL without the N.pending guard: must be refuted (a counterexample) -> exit 0
  mutant-starve  channel 1 never granted by the stream arbiters: must be refuted -> exit 0
  vacuity        a witness that the constraints allow real traffic (MSI, notify, B and R beats in
                 one cycle): its negation must be refuted -> exit 0
  rmw            the block-RAM read-modify-write engine (rtl/vbus_rmw_ram.v) against a flip-flop
                 shadow (formal/rmw_check.v): forwarding exact, one op per clock, a read meeting a
                 write of its word returning anything -> exit 0
  mutant-noforward  the engine without forwarding: must be refuted -> exit 0
  mutant-rmw-junk  rmw whose engine forwards only a write that changed its word (right for a
                 read-first RAM, wrong for block RAM without a read-during-write guarantee): must be
                 refuted (it is proved without the junk reads: the junk reaches the proofs) -> exit 0
  rmw-split      the engine as a v2 counter bank builds it (HI: the upper half in a RAM of its own,
                 written when the lower half wraps; formal/rmw_split_check.v) against shadow counters,
                 a read meeting a write of its word returning anything -> exit 0
  mutant-rmw-split  rmw-split whose second read port forwards the upper half from a lower-only write:
                 must be refuted -> exit 0
  fifo           the channel-id FIFO (rtl/vbus_id_fifo.v), 4 channels: firing order, fairness bound
                 N - 1 grants, nothing lost or invented -> exit 0
  mutant-fifo    the FIFO fetching without checking the output buffer's room: must be refuted
  fifo-bypass    the FIFO as the v2 top builds it (BYPASS = 1, pointers CW bits wide), 4 channels: the
                 same properties; the entry count in CW bits also shows the RAM never holds 2^CW -> exit 0
  mutant-fifo-small  fifo-bypass with a RAM too small for its channels (4 channels, CW = 1): must be
                 refuted (the count assertion sees a RAM holding 2^CW entries)
  props2         v2 (rtl/vbus_doorbell2.v), 2 channels: P1, P6 and the AXI4-Lite set A1..A6 -> exit 0
  props2-irq     v2: S1 the RAM words against a flip-flop shadow, P2/P3a-c no lost interrupt -> exit 0
  props2-stream  v2: Q1/F1..F3 the streams (a fire is queued, <= N - 1 grants of others, no idling
                 with work queued, nothing invented) -> exit 0
                 (props2*: a block-RAM read meeting a write of its word returns anything)
                 (the v2 properties: formal/vbus_doorbell2_props.vh)
  mutant2        v2 without the N.pending guard: must be refuted -> exit 0
  mutant2-noforward  v2 with its RAM engines' forwarding removed: must be refuted -> exit 0
  mutant2-starve v2 whose id FIFO serves the lower channel id first from its output buffer (a channel
                 can be overtaken again and again): must be refuted -> exit 0
  mutant2-noscan v2 whose moderation scanner never raises an expiry for channel 1 (a deferred
                 interrupt left behind): must be refuted -> exit 0
  vacuity2       v2 witness (MSI, notify, B and R beats in one cycle): must be refuted -> exit 0
PDR time limit: \$VBUS_FORMAL_TIMEOUT seconds (default 600). Exit: 0 pass, 1 fail, 2 usage, 77 no yosys.
EOF
}
mode=${1:-props2}
defs="-DFORMAL -DFORMAL_HOLDOFF_MAX=3"
case $mode in
props) ;;
mutant) defs="$defs -DFORMAL_MUTANT_NO_PENDING_GUARD" ;;
mutant-starve) defs="$defs -DFORMAL_MUTANT_STARVE" ;;
vacuity) defs="$defs -DFORMAL_VACUITY" ;;
rmw) defs="$defs -DFORMAL_RW_JUNK" ;;
mutant-noforward) defs="$defs -DFORMAL_MUTANT_NO_FORWARD" ;;
mutant-rmw-junk) defs="$defs -DFORMAL_RW_JUNK" ;;
rmw-split) defs="$defs -DFORMAL_RW_JUNK" ;;
mutant-rmw-split) defs="$defs -DFORMAL_RW_JUNK -DFORMAL_MUTANT_HI_RD2" ;;
fifo) defs="$defs -DFORMAL_ID_FIFO" ;;
mutant-fifo) defs="$defs -DFORMAL_ID_FIFO -DFORMAL_MUTANT_FIFO_NO_ROOM" ;;
fifo-bypass | mutant-fifo-small) defs="$defs -DFORMAL_ID_FIFO" ;;
props2) defs="$defs -DFORMAL_GROUP_BUS -DFORMAL_RW_JUNK" ;;
props2-irq) defs="$defs -DFORMAL_GROUP_IRQ -DFORMAL_RW_JUNK" ;;
props2-stream) defs="$defs -DFORMAL_GROUP_STREAM -DFORMAL_RW_JUNK" ;;
mutant2) defs="$defs -DFORMAL_GROUP_BUS -DFORMAL_MUTANT_NO_PENDING_GUARD" ;;
mutant2-noforward) defs="$defs -DFORMAL_GROUP_IRQ -DFORMAL_MUTANT_NO_FORWARD" ;;
mutant2-starve) defs="$defs -DFORMAL_GROUP_STREAM" ;;
mutant2-noscan) defs="$defs -DFORMAL_GROUP_IRQ" ;;
vacuity2) defs="$defs -DFORMAL_GROUP_BUS -DFORMAL_VACUITY" ;;
-h | --help) usage; exit 0 ;;
*) echo "formal.sh: '$mode': unknown mode (try 'formal.sh --help' for the list)" >&2
	exit 2 ;;
esac
[ $# -le 1 ] || { echo "formal.sh: unexpected argument '$2' (try 'formal.sh --help')" >&2; exit 2; }
. "$(dirname "$0")/common.sh"
need yosys yosys-abc
tlimit=${VBUS_FORMAL_TIMEOUT:-600}
if ! [[ $tlimit =~ ^[0-9]+$ ]] || [ "$tlimit" -lt 1 ]; then
	echo "formal.sh: VBUS_FORMAL_TIMEOUT: '$tlimit' is not a number of seconds >= 1" >&2
	exit 2
fi
scratch
# mutant2-starve, mutant2-noscan, mutant-rmw-junk: a planted bug in a scratch copy of the RTL (the
# sources stay clean); each edit must match exactly once, so a changed source fails loudly here instead
# of proving an unmutated design
v2_sources=("${RTL_SOURCES_V2[@]}")
rmw_source=$RTL_DIR/vbus_rmw_ram.v
if [ "$mode" = mutant2-starve ] || [ "$mode" = mutant2-noscan ] || [ "$mode" = mutant-rmw-junk ]; then
	mkdir "$SCRATCH/rtl" && cp "${RTL_SOURCES_V2[@]}" "$RTL_DIR/vbus_accel_regs.vh" "$SCRATCH/rtl/" || exit 1
	if ! python3 - "$mode" "$SCRATCH/rtl" <<'EOF'
import sys
mode, d = sys.argv[1], sys.argv[2]
if mode == "mutant-rmw-junk":
    p = d + "/vbus_rmw_ram.v"
    edits = [
        # forward the write of the read's cycle only if it changed the word: a read-first RAM then
        # returns the right word anyway, a RAM without a read-during-write guarantee does not
        ("fwd_hit_q <= LATE_FWD == 0 && w_op && m_en && w_adr == op_addr;",
         "fwd_hit_q <= LATE_FWD == 0 && w_op && m_en && w_adr == op_addr && m_new != m_old;"),
    ]
elif mode == "mutant2-noscan":
    p = d + "/vbus_doorbell2.v"
    edits = [
        # the scanner never asks the engine to expire channel 1
        ("x_req  = x_due && !busy;",
         "x_req  = x_due && !busy && x_cand != 1;"),
    ]
else:
    p = d + "/vbus_id_fifo.v"
    edits = [
    # the output shows the buffered entry with the lower id first (priority, not firing order) ...
    ("assign m_chan  = q0_chan;",
     "wire f_swap = q1_valid && q1_chan[CW-1:0] < q0_chan[CW-1:0];\n    assign m_chan  = f_swap ? q1_chan : q0_chan;"),
    # ... and a pop of that entry leaves the older one at the head
    ("3'b110: begin q0_chan <= q1_chan; q1_valid <= 1'b0; end",
     "3'b110: begin q0_chan <= f_swap ? q0_chan : q1_chan; q1_valid <= 1'b0; end"),
    ("3'b111: begin q0_chan <= q1_chan; q1_chan <= arr_d; end",
     "3'b111: begin q0_chan <= f_swap ? q0_chan : q1_chan; q1_chan <= arr_d; end"),
    ]
s = open(p).read()
for old, new in edits:
    if s.count(old) != 1:
        sys.exit(mode + ": the RTL changed, this edit no longer applies: " + old)
    s = s.replace(old, new)
open(p, "w").write(s)
EOF
	then
		echo "FAIL: could not plant the mutant"
		exit 1
	fi
	v2_sources=()
	for f in "${RTL_SOURCES_V2[@]}"; do
		v2_sources+=("$SCRATCH/rtl/$(basename "$f")")
	done
	rmw_source=$SCRATCH/rtl/vbus_rmw_ram.v
fi
{
	case $mode in
	rmw | mutant-noforward | mutant-rmw-junk)
		echo "read_verilog -formal $defs $rmw_source $RTL_ACCEL/formal/rmw_check.v"
		echo "prep -top vbus_rmw_check" ;;
	rmw-split | mutant-rmw-split)
		echo "read_verilog -formal $defs $RTL_DIR/vbus_rmw_ram.v $RTL_ACCEL/formal/rmw_split_check.v"
		echo "prep -top vbus_rmw_split_check" ;;
	props2 | props2-irq | props2-stream | mutant2 | mutant2-noforward | mutant2-starve | mutant2-noscan | vacuity2)
		echo "read_verilog -formal $defs -I$RTL_DIR -I$RTL_ACCEL/formal ${v2_sources[*]}"
		echo "chparam -set N_CHANNELS 2 -set CNT_WIDTH 2 -set TICK_LG 1 vbus_doorbell2"
		echo "prep -top vbus_doorbell2" ;;
	fifo | mutant-fifo)
		echo "read_verilog -formal $defs $RTL_DIR/vbus_id_fifo.v"
		echo "chparam -set N 4 vbus_id_fifo"
		echo "prep -top vbus_id_fifo" ;;
	fifo-bypass)
		echo "read_verilog -formal $defs $RTL_DIR/vbus_id_fifo.v"
		echo "chparam -set N 4 -set BYPASS 1 vbus_id_fifo"
		echo "prep -top vbus_id_fifo" ;;
	mutant-fifo-small)
		echo "read_verilog -formal $defs $RTL_DIR/vbus_id_fifo.v"
		echo "chparam -set N 4 -set CW 1 -set DW 2 -set BYPASS 1 vbus_id_fifo"
		echo "prep -top vbus_id_fifo" ;;
	*)
		echo "read_verilog -formal $defs -I$RTL_DIR ${RTL_SOURCES[*]}"
		echo "chparam -set N_CHANNELS 2 -set CNT_WIDTH 2 vbus_doorbell"
		echo "prep -top vbus_doorbell" ;;
	esac
	cat "$RTL_ACCEL/formal/props.ys"
	echo "tee -o $SCRATCH/asserts.txt select -count t:\$assert"
	echo "write_aiger -zinit -map $SCRATCH/model.aim $SCRATCH/model.aig"
} >"$SCRATCH/run.ys"
if ! yosys -q -l "$SCRATCH/yosys.log" -s "$SCRATCH/run.ys" >/dev/null 2>&1; then
	echo "FAIL: yosys could not build the model"; grep -A5 ERROR "$SCRATCH/yosys.log" | head -20
	exit 1
fi
asserts=$(grep -o '[0-9]\+ objects' "$SCRATCH/asserts.txt" | grep -o '[0-9]\+')
# fold: constraints (assumes) into the transition relation; orpos: one bad output = any assertion
abc_out=$(yosys-abc -c "read_aiger $SCRATCH/model.aig; print_stats; fold; strash; orpos; pdr -T $tlimit" 2>&1)
stats=$(grep -o 'i/o = .*lat = *[0-9]*' <<<"$abc_out" | head -1 | tr -s ' ')
echo "formal $mode: $asserts assertions, AIGER $stats; ABC pdr -T $tlimit"
if grep -q "Property proved" <<<"$abc_out"; then
	result=proved
	grep -E "^Invariant|Property proved" <<<"$abc_out" | tail -2 | sed 's/^/  /'
elif grep -q "was asserted in frame" <<<"$abc_out"; then
	result=refuted
	grep "was asserted in frame" <<<"$abc_out" | sed 's/^/  /'
else
	result=undecided
	tail -5 <<<"$abc_out" | sed 's/^/  /'
fi
min_asserts=30
[ "$mode" = rmw ] && min_asserts=3
[ "$mode" = rmw-split ] && min_asserts=5
[ "$mode" = fifo ] && min_asserts=8
[ "$mode" = fifo-bypass ] && min_asserts=8
[ "$mode" = props2 ] && min_asserts=15
[ "$mode" = props2-irq ] && min_asserts=8
[ "$mode" = props2-stream ] && min_asserts=8
if [ "$mode" = props ] || [ "$mode" = rmw ] || [ "$mode" = rmw-split ] || [ "$mode" = fifo ] || [ "$mode" = fifo-bypass ] || [ "$mode" = props2 ] ||
	[ "$mode" = props2-irq ] || [ "$mode" = props2-stream ]; then
	if [ "$result" = proved ] && [ "$asserts" -ge $min_asserts ]; then
		echo "PASS: every assertion holds in every state reachable from reset (unbounded)"
		exit 0
	fi
	echo "FAIL: $result"
	exit 1
fi
# the mutants and the vacuity witness must be refuted: a reachable bad state, i.e. a counterexample
if [ "$result" = refuted ]; then
	echo "PASS: $mode refuted, counterexample found (frame = cycles after the reset cycle)"
	exit 0
fi
echo "FAIL: $mode was not refuted ($result)"
exit 1

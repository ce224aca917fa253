#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Size and speed report of vbus_doorbell2 (v2, default) or vbus_doorbell (v1): yosys synth_ice40 +
# synth_xilinx, nextpnr-ice40 Fmax.
# Run `synth_report.sh --help` for the options.
set -u
usage() {
	cat <<EOF
usage: synth_report.sh [--top v1|v2] [--channels LIST] [--config full|lean|all] [--seed LIST]
                       [--no-pnr] [--update-readme [--readme FILE]] [--out FILE]
       synth_report.sh --sanity [--channels LIST]
Size and speed of the vbus doorbell accelerator: yosys synth_ice40 -abc9 and synth_xilinx cell
counts (logic, flip-flops, block RAM), nextpnr-ice40 --hx8k Fmax, one Markdown table row per
configuration, with the wall time it took and the RTL commit it measured.
  --top NAME        v2 (vbus_doorbell2, default) or v1 (vbus_doorbell)
  --channels LIST   comma-separated channel counts (default v2 1,8,64,256,1024; v1 8,32,64)
  --config NAME     full (32-bit counters + moderation), lean (CNT_WIDTH=0 MODERATION=0) or all
                    (default all)
  --seed LIST       comma-separated nextpnr seeds (default 1); with more than one, the Fmax column
                    lists every seed's result in order (placement noise is several MHz)
  --no-pnr          skip nextpnr (cell counts only; the Fmax column says "not run")
  --out FILE        write the table to FILE (written to FILE.tmp, then renamed); default stdout
  --update-readme   also put the rows into rtl-accel/README.md between the synth-table markers (v1)
                    or the synth2-table markers (v2): a row measured now replaces the row of the same
                    top, config and channel count, the other rows stay (each names its RTL commit and
                    date), so one configuration can be updated alone; rows of a table in another
                    format or from other tool versions are dropped (with a warning)
  --readme FILE     the README --update-readme edits (default rtl-accel/README.md)
  --sanity          the ctest check: a synth_ice40 of v2 (full) at 8 channels, or at each of
                    --channels, maps to iCE40 cells and block RAM, no latches
  -h, --help        this text
Each configuration takes minutes (v1 full 64 channels ~10 on 2 cores); progress goes to stderr.
Run it niced: nice -n 10 rtl-accel/scripts/synth_report.sh --channels 8 --config lean
Xilinx: cell counts only (no Xilinx place and route here, so no Xilinx Fmax).
Exit status: 0 done, 1 a tool failed, 2 usage error, 77 yosys/nextpnr missing.
EOF
}
die_usage() {
	echo "synth_report.sh: $* (try 'synth_report.sh --help')" >&2
	exit 2
}
channels="" configs="full lean" update_readme=0 out="" sanity=0 top=v2 seeds=1 chan_given=0 pnr=1 readme=""
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--sanity) sanity=1 ;;
	--update-readme) update_readme=1 ;;
	--no-pnr) pnr=0 ;;
	--channels | --config | --out | --top | --seed | --readme)
		[ $# -ge 2 ] || die_usage "$1: missing value"
		case $1 in
		--channels)
			[[ $2 =~ ^[0-9]+(,[0-9]+)*$ ]] || die_usage "--channels: '$2' is not a comma-separated list of channel counts"
			for n in ${2//,/ }; do
				[ "$n" -ge 1 ] && [ "$n" -le 1024 ] || die_usage "--channels: $n is not in 1..1024"
			done
			channels=$2 chan_given=1 ;;
		--seed)
			[[ $2 =~ ^[0-9]+(,[0-9]+)*$ ]] || die_usage "--seed: '$2' is not a comma-separated list of seeds"
			seeds=$2 ;;
		--top)
			case $2 in
			v1 | v2) top=$2 ;;
			*) die_usage "--top: '$2' is not v1 or v2" ;;
			esac ;;
		--config)
			case $2 in
			full | lean) configs=$2 ;;
			all) configs="full lean" ;;
			*) die_usage "--config: '$2' is not one of full, lean, all" ;;
			esac ;;
		--out) [ -n "$2" ] || die_usage "--out: empty file name"; out=$2 ;;
		--readme) [ -n "$2" ] || die_usage "--readme: empty file name"; readme=$2 ;;
		esac
		shift ;;
	*) die_usage "$1: unknown option" ;;
	esac
	shift
done
[ -z "$readme" ] || [ $update_readme -eq 1 ] || die_usage "--readme: only with --update-readme"
if [ $top = v1 ]; then
	for n in ${channels//,/ }; do
		[ "$n" -le 64 ] || die_usage "--channels: $n: v1 has at most 64 channels"
	done
	channels=${channels:-8,32,64}
else
	channels=${channels:-1,8,64,256,1024}
fi
. "$(dirname "$0")/common.sh"
need yosys
scratch
if [ $top = v2 ] || [ $sanity -eq 1 ]; then
	SRCS="${RTL_SOURCES_V2[*]}" TOP=vbus_doorbell2
else
	SRCS="${RTL_SOURCES[*]}" TOP=vbus_doorbell
fi
T0=$SECONDS
# progress NOTE: a line on stderr with the elapsed time
progress() { echo "synth_report: [$((SECONDS - T0)) s] $*" >&2; }

# synth_ice40 N CW MOD JSON -> prints "lut4 dff carry latches bram"
ice40_stat() {
	local log=$SCRATCH/ice40_$1_$2_$3.log
	yosys -q -l "$log" -p "read_verilog -I$RTL_DIR $SRCS; \
		chparam -set N_CHANNELS $1 -set CNT_WIDTH $2 -set MODERATION $3 $TOP; \
		synth_ice40 -abc9 -top $TOP ${4:+-json $4}; tee -o $SCRATCH/stat.txt stat" >/dev/null 2>&1 || {
		echo "ERROR: synth_ice40 N=$1 failed" >&2; tail -5 "$log" >&2; return 1; }
	awk '/SB_LUT4/ {l = $2} /SB_CARRY/ {c = $2} /SB_DFF/ {d += $2} /\$_DLATCH|\$dlatch/ {x += $2}
		/SB_RAM40_4K/ {b += $2}
		END {printf "%d %d %d %d %d\n", l, d, c, x, b}' "$SCRATCH/stat.txt"
}

# synth_xilinx N CW MOD -> prints "luts ffs lutram_cells bram36_equivalents" (luts: LUT1..LUT6 and INV)
xilinx_stat() {
	local log=$SCRATCH/xilinx_$1_$2_$3.log
	yosys -q -l "$log" -p "read_verilog -I$RTL_DIR $SRCS; \
		chparam -set N_CHANNELS $1 -set CNT_WIDTH $2 -set MODERATION $3 $TOP; \
		synth_xilinx -top $TOP -flatten; tee -o $SCRATCH/xstat.txt stat" >/dev/null 2>&1 || {
		echo "ERROR: synth_xilinx N=$1 failed" >&2; tail -5 "$log" >&2; return 1; }
	# every cell type on stderr, so a cell the columns do not count (SRL, DSP, ...) is seen
	echo "synth_report: synth_xilinx N=$1 cells: $(awk '/^ +[A-Za-z0-9_$]+ +[0-9]+$/ {printf "%s%s %s", s, $1, $2; s = ", "}' \
		"$SCRATCH/xstat.txt")" >&2
	# an INV cell is a LUT1 on the device, so it counts as a LUT
	awk '/ (LUT[1-6]|INV) / {l += $2} / FD[CPRS]E? / {f += $2} / RAM(32|64|128|256)[MX]/ {r += $2}
		/ RAMB36E1 / {b += $2} / RAMB18E1 / {b += $2 / 2}
		END {printf "%d %d %d %g\n", l, f, r, b}' "$SCRATCH/xstat.txt"
}

# nextpnr JSON SEED -> Fmax in MHz, or "no fit"
ice40_fmax() {
	local log=$SCRATCH/pnr.log
	if nextpnr-ice40 --hx8k --package ct256 --json "$1" --pcf-allow-unconstrained --freq 100 --seed "$2" \
		--timing-allow-fail >"$log" 2>&1; then
		grep -o "Max frequency for clock '[^']*': [0-9.]* MHz" "$log" | tail -1 | grep -o "[0-9.]* MHz" | cut -d' ' -f1
	elif grep -qi "unable to place\|failed to place\|too many\|exceeds\|not enough" "$log"; then
		echo "no fit ($(grep -oi 'ICESTORM_LC: *[0-9]*/ *[0-9]*' "$log" | head -1 | tr -d ' '))"
	else
		echo "failed: $(grep -m1 ERROR "$log")"
	fi
}

if [ $sanity -eq 1 ]; then
	[ $chan_given -eq 1 ] || channels=8
	for n in ${channels//,/ }; do
		stat=$(ice40_stat $n 32 1 "") || exit 1
		set -- $stat
		echo "synth_ice40 $TOP N_CHANNELS=$n: $1 SB_LUT4, $2 DFF, $3 SB_CARRY, $4 latches, $5 SB_RAM40_4K"
		if ! [ "$1" -gt 0 ] || ! [ "$2" -gt 0 ] || ! [ "$4" -eq 0 ] || ! [ "$5" -gt 0 ]; then
			echo "FAIL: unexpected synthesis result at $n channels"
			exit 1
		fi
		echo "PASS: $n-channel synthesis maps to iCE40 cells and block RAM, no latches"
	done
	exit 0
fi

[ $pnr -eq 0 ] || need nextpnr-ice40

# The RTL a row measures: the last commit that changed the top's sources (or the register map include),
# "+dirty" when they differ from that commit in the work tree.
rtl_files=($SRCS "$RTL_DIR/vbus_accel_regs.vh")
rev=$(git -C "$RTL_ACCEL" log -1 --format=%h -- "${rtl_files[@]}" 2>/dev/null)
if [ -z "$rev" ]; then
	rev=unknown
elif ! git -C "$RTL_ACCEL" diff --quiet HEAD -- "${rtl_files[@]}"; then
	rev="$rev+dirty"
fi
today=$(date -u +%Y-%m-%d)
# the tool versions (a --no-pnr row still names nextpnr's, so it can join a table of full rows)
tools="$(yosys -V | cut -d' ' -f1-2), nextpnr-ice40 "
if command -v nextpnr-ice40 >/dev/null 2>&1; then
	tools="$tools$(nextpnr-ice40 --version 2>&1 | grep -o 'Version [^ ]*' | cut -d' ' -f2 | tr -d ')')"
else
	tools="${tools}not installed"
fi
header="| top | config | channels | iCE40 LUT4 | LUT4/channel | iCE40 DFF | iCE40 BRAM | HX8K Fmax (MHz) | seeds | Xilinx LUT | LUT/channel | Xilinx FF | Xilinx LUTRAM | Xilinx BRAM36 | wall (s) | load | rtl | date |"
rows=$SCRATCH/rows.md
: >"$rows"
for name in $configs; do
	case $name in
	full) cw=32 mod=1 ;;
	lean) cw=0 mod=0 ;;
	esac
	for n in ${channels//,/ }; do
		json=$SCRATCH/d_${name}_$n.json
		t_start=$SECONDS
		progress "$top $name N=$n: synth_ice40"
		read -r lut dff carry latch bram < <(ice40_stat $n $cw $mod "$json") || exit 1
		progress "$top $name N=$n: synth_xilinx"
		read -r xlut xff xlram xbram < <(xilinx_stat $n $cw $mod) || exit 1
		used_seeds=${seeds//,/ \/ }
		if [ $pnr -eq 0 ]; then
			fmax="not run (--no-pnr)" used_seeds="-"
		elif [ "$bram" -gt 32 ]; then
			fmax="no fit (SB_RAM40_4K $bram/32)" used_seeds="-"
		else
			fmax=""
			for seed in ${seeds//,/ }; do
				progress "$top $name N=$n: nextpnr-ice40 seed $seed"
				fmax="${fmax:+$fmax / }$(ice40_fmax "$json" "$seed")"
			done
		fi
		per=$(awk -v l="$lut" -v n="$n" 'BEGIN {printf "%.2f", l / n}')
		xper=$(awk -v l="$xlut" -v n="$n" 'BEGIN {printf "%.2f", l / n}')
		wall=$((SECONDS - t_start))
		load=$(cut -d' ' -f1 /proc/loadavg)
		echo "| $top | $name | $n | $lut | $per | $dff | $bram | $fmax | $used_seeds | $xlut | $xper | $xff | $xlram | $xbram | $wall | $load | $rev | $today |" >>"$rows"
		progress "done: $top $name N=$n lut=$lut dff=$dff bram=$bram fmax=$fmax xlut=$xlut xff=$xff wall=${wall}s"
	done
done

# preamble: the text above the table (the same for every row, so rows from several runs share it)
preamble() {
	echo "Generated by \`rtl-accel/scripts/synth_report.sh\`, one row per configuration. Tools: $tools."
	echo "A row is measured by \`synth_report.sh --top TOP --channels N --config CONFIG --seed SEEDS\` (\`--update-readme\`"
	echo "replaces that row here and keeps the others); \`rtl\` is the last commit that changed the top's RTL sources"
	echo "(+dirty: uncommitted changes), \`date\` the day it was measured (UTC), \`wall\` its seconds and \`load\` the"
	echo "1-minute load average at its end (a shared 2-core machine: wall is only a rough guide)."
	echo "yosys synth_ice40 -abc9. full = 32-bit counters and moderation (the register map as specified); lean ="
	echo "CNT_WIDTH=0, MODERATION=0 (the §1 state bits, streams and bus only). LUT4/channel includes everything"
	echo "shared (the AXI4-Lite slave, decode, both streams; v2: the engines, id FIFOs and scanner). Fmax:"
	echo "nextpnr-ice40 --hx8k --package ct256 --freq 100, unconstrained IO, one result per seed in the order of"
	echo "\`seeds\` (placement noise is several MHz); not run when the design needs more than the HX8K's 32 block"
	echo "RAMs (\"no fit\"; an UP5K has 30 block RAMs and 5280 logic cells, so nothing that misses the HX8K fits it). Xilinx:"
	echo "synth_xilinx -flatten (7-series cells; LUT = LUT1..LUT6 + INV, BRAM36 counts a RAMB18E1 as half): cell counts"
	echo "only; no Xilinx place and route here (nextpnr-xilinx is not installed), so there is no Xilinx Fmax."
}
preamble >"$SCRATCH/report.md"
{
	echo
	echo "$header"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---|"
	cat "$rows"
} >>"$SCRATCH/report.md"
if [ -n "$out" ]; then
	if ! { cp "$SCRATCH/report.md" "$out.tmp" && mv "$out.tmp" "$out"; }; then
		echo "synth_report.sh: --out: cannot write $out" >&2
		rm -f "$out.tmp"
		exit 1
	fi
else
	cat "$SCRATCH/report.md"
fi
if [ $update_readme -eq 1 ]; then
	readme=${readme:-$RTL_ACCEL/README.md}
	mark=synth-table
	[ $top = v2 ] && mark=synth2-table
	b="<!-- $mark:begin -->" e="<!-- $mark:end -->"
	if [ "$(grep -cxF "$b" "$readme")" != 1 ] || [ "$(grep -cxF "$e" "$readme")" != 1 ]; then
		echo "ERROR: $readme: the $mark markers are missing (or there are several)" >&2
		exit 1
	fi
	# the present block: its header line, its tools and its rows
	awk -v b="$b" -v e="$e" '$0 == b {in_ = 1; next} $0 == e {in_ = 0} in_' "$readme" >"$SCRATCH/old"
	old=$SCRATCH/old_rows
	: >"$old"
	if grep -qxF "$header" "$SCRATCH/old" && grep -qF "Tools: $tools." "$SCRATCH/old"; then
		grep '^| v[12] |' "$SCRATCH/old" >"$old"
	elif grep -q '^| v[12] |\|^| full |\|^| lean |' "$SCRATCH/old"; then
		echo "synth_report.sh: $readme: the old $mark rows have another format or other tool versions: dropped" >&2
	fi
	# key = top, config, channels: a new row replaces the old one; full before lean, channels ascending
	awk -F'|' 'FNR == NR {k = $2 $3 $4; new[k] = 1; print; next}
		{k = $2 $3 $4; if (!(k in new)) print}' "$rows" "$old" |
		LC_ALL=C sort -t'|' -k2,2 -k3,3 -k4,4n >"$SCRATCH/merged"
	kept=$(($(wc -l <"$SCRATCH/merged") - $(wc -l <"$rows")))
	{
		preamble
		echo
		echo "$header"
		echo "|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---|"
		cat "$SCRATCH/merged"
	} >"$SCRATCH/block"
	awk -v f="$SCRATCH/block" -v b="$b" -v e="$e" '
		$0 == b {print; while ((getline l < f) > 0) print l; skip = 1; next}
		$0 == e {skip = 0}
		!skip {print}' "$readme" >"$SCRATCH/readme" && cp "$SCRATCH/readme" "$readme" || exit 1
	echo "updated $readme: $(wc -l <"$rows") row(s) measured now, $kept kept" >&2
fi

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# rtl_cli: vbus_doorbell_tb and the rtl-accel scripts keep the CLI contract (docs/cli.md): --help on
# stdout with exit 0 (and no work started), usage errors name the option and exit 2, runtime
# failures exit 1, a short random run passes, an unwritable trace fails, a written trace is complete,
# icarus_smoke.sh --trace keeps its VCD.
#   cli_check.sh PATH/TO/vbus_doorbell_tb
set -u
if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
	echo "usage: cli_check.sh PATH/TO/vbus_doorbell_tb"
	echo "Checks the command-line contract of the testbench and of rtl-accel/scripts/*.sh."
	exit 0
fi
[ $# -eq 1 ] || { echo "cli_check.sh: one argument: the testbench binary" >&2; exit 2; }
TB=$1
SCRIPTS=$(cd "$(dirname "$0")" && pwd)
[ -x "$TB" ] || { echo "cli_check.sh: $TB: not an executable" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vbus-rtl-cli.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
# expect RC GREP DESC -- CMD...: exit status RC and GREP (a regex) found in stdout+stderr
expect() {
	local rc=$1 pat=$2 desc=$3
	shift 4
	"$@" >"$tmp/out" 2>"$tmp/err"
	local got=$?
	if [ $got -ne "$rc" ] || ! cat "$tmp/out" "$tmp/err" | grep -qE -e "$pat"; then
		echo "FAIL: $desc: exit $got (want $rc), output:"; head -5 "$tmp/out" "$tmp/err"; fail=1
	else
		echo "ok: $desc"
	fi
}
expect 0 '^usage: ' "tb --help" -- "$TB" --help
[ -s "$tmp/out" ] && [ ! -s "$tmp/err" ] || { echo "FAIL: tb --help not on stdout"; fail=1; }
expect 2 "--cycles '-5'" "tb --cycles -5 rejected" -- "$TB" --test random --cycles -5
expect 2 "--cycles 'abc'" "tb --cycles abc rejected" -- "$TB" --test random --cycles abc
expect 2 "--cycles '0'" "tb --cycles 0 rejected" -- "$TB" --test random --cycles 0
expect 2 "--seed 'abc'" "tb --seed abc rejected" -- "$TB" --test random --seed abc
expect 2 "--seed '1x'" "tb --seed 1x rejected" -- "$TB" --test random --seed 1x
expect 2 "unknown option '--bogus'" "tb unknown option named" -- "$TB" --bogus
expect 2 '--test is missing' "tb without --test" -- "$TB"
expect 2 "--test 'nope': unknown test" "tb unknown test named" -- "$TB" --test nope
expect 1 "trace $tmp/none/x.fst: No such file" "tb unwritable VBUS_TRACE fails" -- \
	env VBUS_TRACE="$tmp/none/x.fst" "$TB" --test hw1
expect 0 '^PASS random: 2002 cycles' "tb short random run passes (coverage reported only)" -- \
	"$TB" --test random --cycles 2000 --seed 3 --no-progress
grep -q "coverage goal not checked" "$tmp/out" || { echo "FAIL: short run does not say coverage is unchecked"; fail=1; }
expect 0 "trace: wrote $tmp/w.fst" "tb --trace writes an FST" -- "$TB" --test hw3 --trace="$tmp/w.fst"
# FST files start with a header block of type 0 (FST_BL_HDR); no .tmp left behind
if [ "$(head -c1 "$tmp/w.fst" | od -An -tu1 | tr -d ' ')" != 0 ] || [ -e "$tmp/w.fst.tmp" ]; then
	echo "FAIL: $tmp/w.fst is not a finished FST file"; fail=1
fi
for s in lint icarus_smoke formal synth_report; do
	# --help must print usage and start no work: well under a second, nothing but the text
	expect 0 '^usage: ' "$s.sh --help" -- timeout 5 bash "$SCRIPTS/$s.sh" --help
	expect 2 '--nope' "$s.sh unknown option named" -- timeout 5 bash "$SCRIPTS/$s.sh" --nope
done
# icarus_smoke.sh --trace DIR keeps its VCD in DIR after the script's scratch folder is gone (it used to write
# it into the scratch folder, deleted on exit)
if command -v iverilog >/dev/null && command -v vvp >/dev/null; then
	mkdir "$tmp/vcd"
	expect 0 "trace: wrote $tmp/vcd/tb_icarus_v2_N8.vcd" "icarus_smoke.sh --trace DIR" -- \
		bash "$SCRIPTS/icarus_smoke.sh" --top v2 --channels 8 --trace "$tmp/vcd"
	if ! grep -q -m1 '^\$enddefinitions' "$tmp/vcd/tb_icarus_v2_N8.vcd" 2>/dev/null; then
		echo "FAIL: icarus_smoke.sh --trace left no complete VCD in $tmp/vcd: $(ls -A "$tmp/vcd")"; fail=1
	fi
else
	echo "note: iverilog not installed: icarus_smoke.sh --trace not checked"
fi
expect 2 '--channels: 0 is not in' "synth_report.sh --channels 0 rejected" -- \
	bash "$SCRIPTS/synth_report.sh" --channels 0
expect 2 "--config: 'big'" "synth_report.sh --config big rejected" -- bash "$SCRIPTS/synth_report.sh" --config big
expect 2 "--readme: only with --update-readme" "synth_report.sh --readme without --update-readme rejected" -- \
	bash "$SCRIPTS/synth_report.sh" --readme "$tmp/x.md"
# synth_report.sh --update-readme on a subset: stub yosys/nextpnr-ice40 (figures from the channel count and
# STUB_LUT; the Xilinx LUT count includes the INV cells), a scratch README. A row measured again replaces its
# row, the others stay; full before lean, channels in numeric order; the text outside the markers is
# untouched; an old-format table is dropped.
mkdir "$tmp/stub"
cat >"$tmp/stub/yosys" <<'STUB'
#!/usr/bin/env bash
[ "$1" = -V ] && { echo "Yosys 0.0 (stub)"; exit 0; }
while [ $# -gt 1 ]; do [ "$1" = -p ] && p=$2; shift; done
n=$(grep -o 'N_CHANNELS [0-9]*' <<<"$p" | cut -d' ' -f2)
f=$(grep -o 'tee -o [^ ]*' <<<"$p" | cut -d' ' -f3)
j=$(grep -o -- '-json [^;]*' <<<"$p" | cut -d' ' -f2)
[ -z "$j" ] || echo '{}' >"$j"
l=$((${STUB_LUT:-100} + n))
if grep -q synth_xilinx <<<"$p"; then
	printf '   Number of cells: 9\n     FDRE %d\n     INV 4\n     LUT3 %d\n     RAMB18E1 2\n' $((n + 1)) "$l" >"$f"
else
	printf '   Number of cells: 9\n     SB_DFF %d\n     SB_LUT4 %d\n     SB_RAM40_4K 3\n' $((n + 2)) "$l" >"$f"
fi
STUB
cat >"$tmp/stub/nextpnr-ice40" <<'STUB'
#!/usr/bin/env bash
[ "$1" = --version ] && { echo "nextpnr-ice40 -- (Version stub)"; exit 0; }
echo "Info: Max frequency for clock 'clk': 99.50 MHz (PASS at 100.00 MHz)"
STUB
chmod +x "$tmp/stub/yosys" "$tmp/stub/nextpnr-ice40"
rd=$tmp/R.md
printf 'before\n<!-- synth2-table:begin -->\n| config | channels |\n|---|---:|\n| full | 8 |\n<!-- synth2-table:end -->\nafter\n' >"$rd"
sr() { env PATH="$tmp/stub:$PATH" bash "$SCRIPTS/synth_report.sh" --update-readme --readme "$rd" --out "$tmp/o.md" "$@"; }
# rows: the table rows of the scratch README as "config channels LUT4", one line each
rows() { awk -F'|' '/^[|] v2 [|]/ {gsub(/ /, ""); print $3, $4, $5}' "$rd" | tr '\n' ';'; }
expect 0 "old .* rows have another format" "synth_report.sh --update-readme drops an old-format table" -- \
	sr --channels 8 --config full
[ "$(rows)" = "full 8 108;" ] || { echo "FAIL: README rows after the first update: $(rows)"; fail=1; }
expect 0 "1 row.s. measured now, 1 kept" "synth_report.sh --update-readme keeps the other rows" -- \
	sr --channels 64 --config lean
expect 0 "2 row.s. measured now, 2 kept" "synth_report.sh --update-readme adds rows in order" -- \
	sr --channels 1024,64 --config full
expect 0 "1 row.s. measured now, 3 kept" "synth_report.sh --update-readme replaces a row" -- \
	env STUB_LUT=500 PATH="$tmp/stub:$PATH" bash "$SCRIPTS/synth_report.sh" --update-readme --readme "$rd" \
	--channels 64 --config full
want="full 8 108;full 64 564;full 1024 1124;lean 64 164;"
[ "$(rows)" = "$want" ] || { echo "FAIL: README rows: '$(rows)', want '$want'"; fail=1; }
grep -q '| v2 | full | 64 | 564 | 8.81 | 66 | 3 | 99.50 | 1 | 568 | 8.88 | 65 | 0 | 1 |' "$rd" ||
	{ echo "FAIL: the replaced row's figures:"; grep '| 64 |' "$rd"; fail=1; }
[ "$(sed -n '1p;$p' "$rd" | tr '\n' ' ')" = "before after " ] || { echo "FAIL: text outside the markers changed"; fail=1; }
exit $fail

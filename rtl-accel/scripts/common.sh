# SPDX-License-Identifier: GPL-2.0
# Shared by the rtl-accel scripts: paths, tool checks, a private scratch directory.
RTL_ACCEL=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RTL_DIR=$RTL_ACCEL/rtl
RTL_SOURCES=("$RTL_DIR/vbus_doorbell.v" "$RTL_DIR/vbus_doorbell_chan.v" "$RTL_DIR/vbus_rr_stream.v" "$RTL_DIR/vbus_cnt_ram.v")
RTL_SOURCES_V2=("$RTL_DIR/vbus_doorbell2.v" "$RTL_DIR/vbus_rmw_ram.v" "$RTL_DIR/vbus_id_fifo.v" "$RTL_DIR/vbus_pop_gen.v")

# need TOOL...: exit 77 (ctest skip) naming the first missing tool.
need() {
	local t
	for t in "$@"; do
		if ! command -v "$t" >/dev/null 2>&1; then
			echo "SKIP: $t is not installed (Debian package: ${PKG_OF[$t]:-$t})"
			exit 77
		fi
	done
}
declare -A PKG_OF=([verilator]=verilator [iverilog]=iverilog [vvp]=iverilog [yosys]=yosys
	[nextpnr-ice40]=nextpnr-ice40 [icetime]=fpga-icestorm)

# scratch: a private temporary directory, removed on exit.
scratch() {
	SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/vbus-rtl.XXXXXX") || exit 1
	trap 'rm -rf "$SCRATCH"' EXIT
}

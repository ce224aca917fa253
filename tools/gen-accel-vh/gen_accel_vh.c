// SPDX-License-Identifier: GPL-2.0
/*
 * gen-accel-vh: print the accelerator's Verilog register include from the one
 * source of truth, <vbus/accel.h>. Usage: gen-accel-vh [OUTPUT.vh]
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <vbus/accel.h>

#include "vbus_cli.h"

static void emit(FILE *f)
{
	fprintf(f, "// Generated from kernel/include/uapi/vbus/accel.h by tools/gen-accel-vh. Do "
		   "not edit.\n");
	fprintf(f, "// Normative text: docs/spec/05-transports.md section 5.4.\n");
	fprintf(f, "localparam [31:0] VBUS_ACCEL_ID_VALUE = 32'h%08x;\n", VBUS_ACCEL_ID_VALUE);
	fprintf(f, "localparam [31:0] VBUS_ACCEL_VERSION_VALUE = 32'h%08x;\n", VBUS_ACCEL_VERSION_VALUE);
	fprintf(f, "localparam integer VBUS_ACCEL_CHAN_BASE = 'h%x;\n", VBUS_ACCEL_CHAN_BASE);
	fprintf(f, "localparam integer VBUS_ACCEL_CHAN_STRIDE = 'h%x;\n", VBUS_ACCEL_CHAN_STRIDE);
	fprintf(f, "localparam integer VBUS_ACCEL_MAX_CHANNELS = %u;\n", VBUS_ACCEL_MAX_CHANNELS);
#define G(name, off, acc, rst, desc)                                                                                   \
	fprintf(f, "localparam integer VBUS_ACCEL_%s = 'h%03x; // %s, reset 0x%08x: %s\n", #name, off, #acc,           \
		(unsigned)(rst), desc);
	VBUS_ACCEL_GLOBAL_REGS(G)
#undef G
#define C(name, off, acc, rst, desc)                                                                                   \
	fprintf(f, "localparam integer VBUS_ACCEL_CH_%s = 'h%02x; // %s, reset 0x%08x: %s\n", #name, off, #acc,        \
		(unsigned)(rst), desc);
	VBUS_ACCEL_CHAN_REGS(C)
#undef C
#define S(name, lsb, width, desc)                                                                                      \
	fprintf(f, "localparam integer VBUS_ACCEL_STATUS_%s_SHIFT = %d; // width %d: %s\n", #name, lsb, width, desc);
	VBUS_ACCEL_STATUS_FIELDS(S)
#undef S
	fprintf(f, "localparam integer VBUS_ACCEL_SOP_ENABLE = %d;\n", VBUS_ACCEL_SOP_ENABLE);
	fprintf(f, "localparam integer VBUS_ACCEL_SOP_DISABLE = %d;\n", VBUS_ACCEL_SOP_DISABLE);
	fprintf(f, "localparam integer VBUS_ACCEL_SOP_ACK = %d;\n", VBUS_ACCEL_SOP_ACK);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	struct vbus_out o;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("usage: gen-accel-vh [OUTPUT.vh]\n"
			       "Print the accelerator's Verilog register include, generated from "
			       "<vbus/accel.h>, to\n"
			       "OUTPUT.vh (written to a temporary name, then renamed; folders "
			       "created) or stdout.\n");
			return 0;
		}
		return vbus_getopt_error("gen-accel-vh", c, argv[optind - 1], optopt);
	}
	if (argc - optind > 1)
		return vbus_usage_error("gen-accel-vh", "unexpected argument '%s'", argv[optind + 1]);
	if (optind == argc) {
		emit(stdout);
		if (fflush(stdout) || ferror(stdout))
			return vbus_fail("gen-accel-vh", "stdout", strerror(errno));
		return 0;
	}
	if (vbus_out_open(&o, "gen-accel-vh", argv[optind]))
		return VBUS_EXIT_FAIL;
	emit(o.f);
	return vbus_out_commit(&o, "gen-accel-vh") ? VBUS_EXIT_FAIL : 0;
}

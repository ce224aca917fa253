// SPDX-License-Identifier: GPL-2.0
/*
 * gen-accel-vh: print the accelerator's Verilog register include from the one
 * source of truth, <vbus/accel.h>. Usage: gen-accel-vh [OUTPUT.vh]
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <vbus/accel.h>

static void emit(FILE *f)
{
	fprintf(f, "// Generated from kernel/include/uapi/vbus/accel.h by tools/gen-accel-vh. Do not edit.\n");
	fprintf(f, "// Normative text: docs/spec/05-transports.md section 5.4.\n");
	fprintf(f, "localparam [31:0] VBUS_ACCEL_ID_VALUE = 32'h%08x;\n", VBUS_ACCEL_ID_VALUE);
	fprintf(f, "localparam [31:0] VBUS_ACCEL_VERSION_VALUE = 32'h%08x;\n", VBUS_ACCEL_VERSION_VALUE);
	fprintf(f, "localparam integer VBUS_ACCEL_CHAN_BASE = 'h%x;\n", VBUS_ACCEL_CHAN_BASE);
	fprintf(f, "localparam integer VBUS_ACCEL_CHAN_STRIDE = 'h%x;\n", VBUS_ACCEL_CHAN_STRIDE);
	fprintf(f, "localparam integer VBUS_ACCEL_MAX_CHANNELS = %u;\n", VBUS_ACCEL_MAX_CHANNELS);
#define G(name, off, acc, rst, desc) \
	fprintf(f, "localparam integer VBUS_ACCEL_%s = 'h%03x; // %s, reset 0x%08x: %s\n", #name, off, #acc, \
		(unsigned)(rst), desc);
	VBUS_ACCEL_GLOBAL_REGS(G)
#undef G
#define C(name, off, acc, rst, desc) \
	fprintf(f, "localparam integer VBUS_ACCEL_CH_%s = 'h%02x; // %s, reset 0x%08x: %s\n", #name, off, #acc, \
		(unsigned)(rst), desc);
	VBUS_ACCEL_CHAN_REGS(C)
#undef C
#define S(name, lsb, width, desc) \
	fprintf(f, "localparam integer VBUS_ACCEL_STATUS_%s_SHIFT = %d; // width %d: %s\n", #name, lsb, width, \
		desc);
	VBUS_ACCEL_STATUS_FIELDS(S)
#undef S
	fprintf(f, "localparam integer VBUS_ACCEL_SOP_ENABLE = %d;\n", VBUS_ACCEL_SOP_ENABLE);
	fprintf(f, "localparam integer VBUS_ACCEL_SOP_DISABLE = %d;\n", VBUS_ACCEL_SOP_DISABLE);
	fprintf(f, "localparam integer VBUS_ACCEL_SOP_ACK = %d;\n", VBUS_ACCEL_SOP_ACK);
}

int main(int argc, char **argv)
{
	FILE *f = stdout;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("usage: gen-accel-vh [OUTPUT.vh]\n");
		return 0;
	}
	/* an unknown option is not an output file name */
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		if (argc == 2)
			fprintf(stderr, "gen-accel-vh: unknown option '%s'\n", argv[1]);
		fprintf(stderr, "usage: gen-accel-vh [OUTPUT.vh]\n");
		return 2;
	}
	if (argc == 2) {
		f = fopen(argv[1], "w");
		if (!f) {
			fprintf(stderr, "gen-accel-vh: %s: %s\n", argv[1], strerror(errno));
			return 1;
		}
	}
	emit(f);
	if (fflush(f) || ferror(f) || (f != stdout && fclose(f))) {
		fprintf(stderr, "gen-accel-vh: write failed: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
// vbus_doorbell_tb: command line of the Verilator testbench of vbus_doorbell (docs/cli.md contract:
// --help on stdout with exit 0, usage errors name the option and exit 2, runtime failures exit 1).
// The harness is tb_harness.cpp, the tests tb_directed.cpp and tb_random.cpp.
#include <cerrno>
#include <cinttypes>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <getopt.h>
#include <string>
#include <unistd.h>

#include "tb_harness.h"
#include "vbus_cli.h"

namespace
{

#ifdef TB_V2
const char *prog = "vbus_doorbell2_tb"; // the same sources over the v2 RTL: its own name in --help and errors
#else
const char *prog = "vbus_doorbell_tb";
#endif
constexpr uint64_t MAX_CYCLES = 1000000000000ull;

void print_help(FILE *f)
{
	fprintf(f,
		"usage: %s --test NAME [--seed S] [--cycles N] [--trace[=FILE]] [--no-progress]\n"
		"Verilator testbench of the vbus doorbell accelerator (rtl-accel/, spec §5.4): the RTL runs in\n"
		"lockstep with a cycle-accurate reference model and AXI4-Lite/stream protocol checkers.\n"
		"\n"
		"  --test NAME      regmap hw1 hw2 hw3 hw4 hw5 hw6 hw7 hw8 hw9 mod random all\n"
		"  --seed S         random: seed, 0..2^64-1, decimal or 0x hex (default 1)\n"
		"  --cycles N       random: cycles to run, 1..%" PRIu64 " (default 1000000); the coverage goal\n"
		"                   is enforced from %" PRIu64 " cycles, shorter runs only report coverage\n"
		"  --trace[=FILE]   write an FST waveform (default FILE: $VBUS_TRACE, else vbus_doorbell_tb.fst);\n"
		"                   not with --test all. +trace and a set VBUS_TRACE also turn it on.\n"
		"  --no-progress    no progress line on stderr during the random run (else every\n"
		"                   $VBUS_PROGRESS s, default 5, or redrawn on a terminal)\n"
		"  -h, --help       this text\n"
		"Exit status: 0 pass, 1 test failure or runtime error, 2 usage error.\n",
		prog, MAX_CYCLES, TB_COVERAGE_MIN_CYCLES);
}

[[noreturn]] void usage_exit(int rc)
{
	exit(rc);
}

uint64_t parse_u64(const char *opt, const char *s, uint64_t lo, uint64_t hi)
{
	uint64_t v;
	if (vbus_parse_u64(prog, opt, s, lo, hi, &v))
		usage_exit(VBUS_EXIT_USAGE);
	return v;
}

} // namespace

int main(int argc, char **argv)
{
	static const option longopts[] = {
		{ "test", required_argument, nullptr, 't' },
		{ "seed", required_argument, nullptr, 's' },
		{ "cycles", required_argument, nullptr, 'c' },
		{ "trace", optional_argument, nullptr, 'T' },
		{ "no-progress", no_argument, nullptr, 'P' },
		{ "help", no_argument, nullptr, 'h' },
		{ nullptr, 0, nullptr, 0 },
	};
	std::string test, trace_file;
	TbRandomOpts ro;
	bool trace = false, progress = true;
	int opt;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", longopts, nullptr)) != -1) {
		switch (opt) {
		case 't':
			test = optarg;
			break;
		case 's':
			ro.seed = parse_u64("--seed", optarg, 0, UINT64_MAX);
			break;
		case 'c':
			ro.cycles = parse_u64("--cycles", optarg, 1, MAX_CYCLES);
			break;
		case 'T':
			trace = true;
			if (optarg) {
				if (!*optarg)
					return vbus_usage_error(prog, "--trace: empty file name");
				trace_file = optarg;
			}
			break;
		case 'P':
			progress = false;
			break;
		case 'h':
			print_help(stdout);
			return 0;
		default:
			return vbus_getopt_error(prog, opt, argv[optind - 1], optopt);
		}
	}
	for (int i = optind; i < argc; i++) {
		if (!strcmp(argv[i], "+trace"))
			trace = true; // Verilator plusarg style, kept
		else
			return vbus_usage_error(prog, "unexpected argument '%s'", argv[i]);
	}
	if (test.empty())
		return vbus_usage_error(prog, "--test is missing: name a test (regmap hw1..hw9 mod random all)");
	bool known = test == "random" || test == "all";
	for (unsigned i = 0; i < tb_n_directed; i++)
		known |= test == tb_directed[i].name;
	if (!known)
		return vbus_usage_error(prog, "--test '%s': unknown test; one of regmap hw1..hw9 mod random all",
					test.c_str());

	const char *env = getenv("VBUS_TRACE");
	if (env && *env) {
		trace = true;
		if (trace_file.empty())
			trace_file = env;
	}
	if (trace && trace_file.empty())
		trace_file = "vbus_doorbell_tb.fst";
	if (trace && test == "all")
		return vbus_usage_error(prog, "--trace: one test at a time (not with --test all)");
	if (trace) {
		// Fail before any simulation if the waveform cannot be written (the FST writer would not say).
		std::string tmp = trace_file + ".tmp";
		FILE *f = fopen(tmp.c_str(), "w");
		if (!f) {
			std::string what = "trace " + trace_file;
			return vbus_fail(prog, what.c_str(), strerror(errno));
		}
		fclose(f);
		remove(tmp.c_str());
	}
	ro.progress = progress;

	unsigned failed = 0;
	auto report = [&](const char *name, Tb &tb) {
		for (const std::string &v : tb.checker().violations())
			printf("FAIL %s\n", v.c_str());
		bool ok = tb.clean();
		printf("%s %s: %" PRIu64 " cycles, %" PRIu64 " protocol checks\n", ok ? "PASS" : "FAIL", name, tb.cyc,
		       tb.checker().checks());
		if (!tb.finish_trace())
			ok = false;
		failed += !ok;
	};
	const char *tp = trace ? trace_file.c_str() : nullptr;
	for (unsigned i = 0; i < tb_n_directed; i++) {
		if (test != tb_directed[i].name && test != "all")
			continue;
		Tb tb(tp);
		tb_directed[i].fn(tb);
		report(tb_directed[i].name, tb);
	}
	if (test == "random" || test == "all") {
		Tb tb(tp);
		test_random(tb, ro);
		report("random", tb);
	}
	return failed ? 1 : 0;
}

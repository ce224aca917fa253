// SPDX-License-Identifier: GPL-2.0
// vbus_doorbell_tb: command line of the Verilator testbench of vbus_doorbell (docs/cli.md contract:
// --help on stdout with exit 0, usage errors name the option and exit 2, runtime failures exit 1).
// The harness is tb_harness.cpp, the tests tb_directed.cpp and tb_random.cpp.
#include <cctype>
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

namespace {

const char *prog = "vbus_doorbell_tb";
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
		"  --no-progress    no progress line on stderr during the random run\n"
		"  -h, --help       this text\n"
		"Exit status: 0 pass, 1 test failure or runtime error, 2 usage error.\n",
		prog, MAX_CYCLES, TB_COVERAGE_MIN_CYCLES);
}

[[noreturn]] void usage_error(const char *fmt, const char *a, const char *b = "")
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, a, b);
	fprintf(stderr, "\nTry '%s --help'.\n", prog);
	exit(2);
}

// Strict unsigned parse: digits only (0x hex allowed), no sign, no trailing text, within [lo, hi].
uint64_t parse_u64(const char *opt, const char *s, uint64_t lo, uint64_t hi)
{
	char range[96];
	snprintf(range, sizeof(range), "%s: '%%s' is not a number in %" PRIu64 "..%" PRIu64, "%s", lo, hi);
	const char *p = s;
	int base = 10;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (*p == '\0')
		usage_error(range, opt, s);
	for (const char *q = p; *q; q++)
		if (!(base == 16 ? isxdigit((unsigned char)*q) : isdigit((unsigned char)*q)))
			usage_error(range, opt, s);
	errno = 0;
	char *end;
	unsigned long long v = strtoull(p, &end, base);
	if (errno == ERANGE || *end != '\0' || v < lo || v > hi)
		usage_error(range, opt, s);
	return v;
}

} // namespace

int main(int argc, char **argv)
{
	static const option longopts[] = {
		{"test", required_argument, nullptr, 't'}, {"seed", required_argument, nullptr, 's'},
		{"cycles", required_argument, nullptr, 'c'}, {"trace", optional_argument, nullptr, 'T'},
		{"no-progress", no_argument, nullptr, 'P'}, {"help", no_argument, nullptr, 'h'},
		{nullptr, 0, nullptr, 0},
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
					usage_error("%s: empty file name%s", "--trace");
				trace_file = optarg;
			}
			break;
		case 'P':
			progress = false;
			break;
		case 'h':
			print_help(stdout);
			return 0;
		case ':':
			usage_error("%s: missing value%s", argv[optind - 1]);
		default:
			usage_error("%s: unknown option%s", argv[optind - 1]);
		}
	}
	for (int i = optind; i < argc; i++) {
		if (!strcmp(argv[i], "+trace"))
			trace = true;   // Verilator plusarg style, kept
		else
			usage_error("%s: unexpected argument%s", argv[i]);
	}
	if (test.empty())
		usage_error("%s: missing; name a test (regmap hw1..hw9 mod random all)%s", "--test");
	bool known = test == "random" || test == "all";
	for (unsigned i = 0; i < tb_n_directed; i++)
		known |= test == tb_directed[i].name;
	if (!known)
		usage_error("--test: unknown test '%s'%s; one of regmap hw1..hw9 mod random all", test.c_str());

	const char *env = getenv("VBUS_TRACE");
	if (env && *env) {
		trace = true;
		if (trace_file.empty())
			trace_file = env;
	}
	if (trace && trace_file.empty())
		trace_file = "vbus_doorbell_tb.fst";
	if (trace && test == "all")
		usage_error("%s: one test at a time (not with --test all)%s", "--trace");
	if (trace) {
		// Fail before any simulation if the waveform cannot be written (the FST writer would not say).
		std::string tmp = trace_file + ".tmp";
		FILE *f = fopen(tmp.c_str(), "w");
		if (!f) {
			fprintf(stderr, "%s: trace: cannot write %s: %s\n", prog, trace_file.c_str(), strerror(errno));
			return 1;
		}
		fclose(f);
		remove(tmp.c_str());
	}
	ro.progress = progress;
	ro.progress_tty = isatty(STDERR_FILENO);

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

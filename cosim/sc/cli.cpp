// SPDX-License-Identifier: GPL-2.0
// vbus-cosim: options and report (cli.h).
#include <getopt.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cli.h"
#include "vbus_cli.h"
#include "top.h"

static void print_counts(FILE *f, const unsigned *c, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		fprintf(f, " %u", c[i]);
}

static void usage(FILE *f, const CosimProg &p, const CosimBuilt &b)
{
	fprintf(f,
		"usage: %s %s[--top v1|v2] [--workload NAME] [--seed N] [--cycles N] [--channels N]\n"
		"         [--trace FILE] [--wave FILE.fst] [--json] [--bench] [--progress] [-q]\n",
		p.name, p.synopsis ? p.synopsis : "");
	if (p.help)
		fputs(p.help, f);
	fprintf(f, "Cosimulate the Verilated doorbell accelerator (rtl-accel/) under SystemC: the north agent drives\n"
		   "its AXI4-Lite port through TLM-2.0 (the accelerator transport), the south agent plays the device\n"
		   "engines with random backpressure, and the C model and the production core run in lockstep as the\n"
		   "scoreboard. The first disagreement stops the run: cycle, channel, field, expected, actual and the\n"
		   "last trace records.\n"
		   "  --top v1|v2      the accelerator: v2 rtl/vbus_doorbell2.v (default; HW-12..HW-15: message\n"
		   "                   valid within 4 cycles, firing order, N - 1 grants, moderation in ticks of\n"
		   "                   2^TICK_LG cycles, TICK_LG = log2 N rounded up, with absolute deadlines and one\n"
		   "                   scanner), or v1 rtl/vbus_doorbell.v (HW-9..HW-11 timing, holdoff in cycles)\n"
		   "  --workload NAME  stimulus (default pingpong):\n");
	for (const Workload &w : workloads)
		fprintf(f, "                     %-10s %s\n", w.name, w.what);
	fprintf(f, "  --seed N         PRNG seed (default 1)\n"
		   "  --cycles N       clock cycles of stimulus, then a drain phase (default 200000)\n"
		   "  --channels N     N_CHANNELS of the Verilated model, 1 to 1024 (default 8); this build has v2:");
	print_counts(f, b.v2, b.n2);
	fprintf(f, ", v1:");
	print_counts(f, b.v1, b.n1);
	fprintf(f, "\n"
		   "  --trace FILE     write the run's events as a spec section 7 trace (vbus-model diff reads it)\n"
		   "  --wave FILE      write the accelerator's waveform (FST; open with gtkwave)\n"
		   "  --json           print the summary as one JSON object (with its \"config\")\n"
		   "  --bench          print cycles/s and the share of time in the RTL, the scoreboard and SystemC\n"
		   "  --progress       a progress line on stderr on runs over 3 s (default: on unless -q)\n"
		   "  -q               only the verdict line\n"
		   "Exit 0: model, core and RTL agree; 1: a mismatch (or protocol error); 2: bad usage.\n");
}

bool cosim_help_asked(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return true;
	return false;
}

int cosim_parse(int argc, char **argv, CosimOpts &o, const CosimProg &p, const CosimBuilt &b)
{
	const char *const prog = p.name;
	static const struct option opts[] = {
		{ "top", required_argument, nullptr, 'T' },	 { "workload", required_argument, nullptr, 'w' },
		{ "seed", required_argument, nullptr, 's' },	 { "cycles", required_argument, nullptr, 'c' },
		{ "channels", required_argument, nullptr, 'n' }, { "trace", required_argument, nullptr, 't' },
		{ "wave", required_argument, nullptr, 'W' },	 { "json", no_argument, nullptr, 'j' },
		{ "bench", no_argument, nullptr, 'b' },		 { "progress", no_argument, nullptr, 'p' },
		{ "help", no_argument, nullptr, 'h' },		 { nullptr, 0, nullptr, 0 },
	};
	bool progress_set = false;
	uint64_t v;
	int c;

	// --help wins over everything else on the line (docs/cli.md)
	if (cosim_help_asked(argc, argv)) {
		usage(stdout, p, b);
		return 0;
	}
	o.wl = find_workload("pingpong");
	o.channels = 8;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hq", opts, nullptr)) != -1) {
		switch (c) {
		case 'T':
			if (strcmp(optarg, "v1") && strcmp(optarg, "v2"))
				return vbus_usage_error(prog, "--top '%s': v1 or v2", optarg);
			o.v2 = !strcmp(optarg, "v2");
			break;
		case 'w':
			if (!(o.wl = find_workload(optarg)))
				return vbus_usage_error(prog, "--workload '%s': not a workload", optarg);
			break;
		case 's':
			if (vbus_parse_u64(prog, "--seed", optarg, 0, UINT64_MAX, &o.seed))
				return VBUS_EXIT_USAGE;
			break;
		case 'c':
			if (vbus_parse_u64(prog, "--cycles", optarg, 100, 1ull << 40, &v))
				return VBUS_EXIT_USAGE;
			o.cycles = v;
			break;
		case 'n':
			if (vbus_parse_u64(prog, "--channels", optarg, 1, 1024, &v))
				return VBUS_EXIT_USAGE;
			o.channels = unsigned(v);
			break;
		case 't':
			o.trace = optarg;
			break;
		case 'W':
			o.wave = optarg;
			break;
		case 'j':
			o.json = true;
			break;
		case 'b':
			o.bench = true;
			break;
		case 'p':
			o.progress = progress_set = true;
			break;
		case 'q':
			o.quiet = true;
			break;
		default:
			return vbus_getopt_error(prog, c, argv[optind - 1], optopt);
		}
	}
	if (optind < argc)
		return vbus_usage_error(prog, "unexpected argument '%s'", argv[optind]);
	// the count must have a Verilated model for the top chosen (--top may come after --channels)
	const unsigned *counts = o.v2 ? b.v2 : b.v1, ncounts = o.v2 ? b.n2 : b.n1;
	bool ok = false;

	for (unsigned i = 0; i < ncounts; i++)
		ok |= o.channels == counts[i];
	if (!ok) {
		fprintf(stderr, "%s: --channels %u: this build has %s models for", prog, o.channels,
			o.v2 ? "v2" : "v1");
		print_counts(stderr, counts, ncounts);
		fprintf(stderr, " channels (try '%s --help')\n", prog);
		return VBUS_EXIT_USAGE;
	}
	if (o.trace.empty() == false && o.trace == o.wave)
		return vbus_usage_error(prog, "--trace and --wave name the same file '%s'", o.trace.c_str());
	// progress (stderr): by default unless -q; --progress forces it
	if (!progress_set)
		o.progress = !o.quiet;
	return -1;
}

int cosim_report(const CosimOpts &o, const RunResult &r, const cs_sb *sb, const ProfileShares *prof)
{
	const struct cs_stats *s = cs_stats(sb);
	double cps = r.wall_s > 0 ? r.cycles / r.wall_s : 0;
	const char *verdict = r.mismatch ? "MISMATCH" : "agree";

	if (r.mismatch) {
		if (cs_mismatched(sb))
			cs_report(sb, stderr);
		else
			fprintf(stderr, "MISMATCH %s\n", r.why.c_str());
	}
	if (o.json) {
		printf("{\"config\":{\"top\":\"%s\",\"workload\":\"%s\",\"seed\":%" PRIu64
		       ",\"channels\":%u,\"stimulus_cycles\":%" PRIu64
		       ",\"tolerance_cycles\":%d,\"predicted_latency_cycles\":%d,\"msi_ready_pct\":%u,\"notify_ready_pct\":%u"
		       ",\"moderation\":%s},",
		       o.v2 ? "v2" : "v1", o.wl->name, o.seed, o.channels, o.cycles, CS_CYCLE_TOL,
		       o.v2 ? CS_PRED_LATENCY_V2 : CS_PRED_LATENCY, o.wl->msi_ready, o.wl->notify_ready,
		       o.wl->moderation ? "true" : "false");
		printf("\"workload\":\"%s\",\"seed\":%" PRIu64 ",\"channels\":%u,\"cycles\":%" PRIu64
		       ",\"verdict\":\"%s\",\"doorbells\":%" PRIu64 ",\"device_injects\":%" PRIu64
		       ",\"interrupts\":%" PRIu64 ",\"device_notifications\":%" PRIu64 ",\"suppressed_n\":%" PRIu64
		       ",\"suppressed_s\":%" PRIu64 ",\"deferred\":%" PRIu64 ",\"moderation_fires\":%" PRIu64
		       ",\"reads_checked\":%" PRIu64 ",\"writes\":%" PRIu64 ",\"timed_messages\":%" PRIu64
		       ",\"queued_messages\":%" PRIu64 ",\"timing_error_hist\":{",
		       o.wl->name, o.seed, o.channels, r.cycles, verdict, s->doorbells, s->dev_injects, s->irqs,
		       s->notifies, s->suppressed_n, s->suppressed_s, s->deferred, s->ticks_fired, s->reads_checked,
		       s->writes, s->timed, s->queued);
		for (int i = 0; i <= 2 * CS_CYCLE_TOL; i++)
			printf("%s\"%+d\":%" PRIu64, i ? "," : "", i - CS_CYCLE_TOL, s->terr_hist[i]);
		printf("},\"max_rr_wait_grants\":%" PRIu64 ",\"wall_s\":%.3f,\"cycles_per_s\":%.0f", s->max_wait_grants,
		       r.wall_s, cps);
		if (o.v2)
			printf(",\"max_queued_msi\":%" PRIu64 ",\"max_queued_notify\":%" PRIu64
			       ",\"channels_with_msi\":%" PRIu64 ",\"channels_with_notify\":%" PRIu64,
			       s->max_queued[1], s->max_queued[0], s->chans_msi, s->chans_notify);
		if (o.v2)
			printf(",\"tick_lg\":%u,\"expiries\":%" PRIu64 ",\"expiry_drops\":%" PRIu64
			       ",\"expiry_ops\":%" PRIu64 ",\"time_base_ticks\":%" PRIu64
			       ",\"expiry_wait_max_cycles\":%" PRIu64 ",\"holdoff_error_min_cycles\":%" PRId64
			       ",\"holdoff_error_max_cycles\":%" PRId64,
			       o.tick_lg, s->expiries, s->expiry_drops, s->expiry_ops, s->now_ticks, s->expiry_wait_max,
			       s->hold_err_min, s->hold_err_max);
		if (prof && prof->samples)
			printf(",\"share_rtl\":%.3f,\"share_systemc\":%.3f,\"share_scoreboard\":%.3f",
			       double(prof->rtl) / prof->samples, double(prof->systemc) / prof->samples,
			       r.wall_s > 0 ? r.sb_s / r.wall_s : 0);
		printf("}\n");
		return r.mismatch ? 1 : 0;
	}
	if (o.quiet) {
		printf("vbus-cosim %s: %s%s, seed %" PRIu64 ", %u channels, %" PRIu64 " cycles\n", verdict, o.wl->name,
		       o.v2 ? " (v2)" : "", o.seed, o.channels, r.cycles);
		return r.mismatch ? 1 : 0;
	}
	printf("vbus-cosim: %s, workload %s, seed %" PRIu64 ", %u channels, %" PRIu64
	       " cycles (%.2f s, %.0f cycles/s)\n",
	       o.v2 ? "v2 (rtl/vbus_doorbell2.v)" : "v1 (rtl/vbus_doorbell.v)", o.wl->name, o.seed, o.channels,
	       r.cycles, r.wall_s, cps);
	printf("  doorbells %" PRIu64 " (suppressed %" PRIu64 "), device notifications %" PRIu64 "\n", s->doorbells,
	       s->suppressed_s, s->notifies);
	printf("  device injects %" PRIu64 " (suppressed or deferred %" PRIu64 ", deferred %" PRIu64
	       "), interrupts %" PRIu64 " (%" PRIu64 " by the holdoff timer)\n",
	       s->dev_injects, s->suppressed_n, s->deferred, s->irqs, s->ticks_fired);
	printf("  register reads checked %" PRIu64 ", writes %" PRIu64 ", device control ops %" PRIu64 "\n",
	       s->reads_checked, s->writes, s->ctrl_ops);
	printf("  model vs core vs RTL: %s%s\n", verdict,
	       r.mismatch ? "" : " (every result, state, message and register read)");
	if (o.v2)
		printf("  timing (cause -> valid minus %d, HW-12 bound: <= 0, >= -%d) over %" PRIu64 " messages:",
		       CS_PRED_LATENCY_V2, CS_CYCLE_TOL, s->timed);
	else
		printf("  timing (RTL - model, COSIM-1 tolerance +-%d cycles) over %" PRIu64 " messages:", CS_CYCLE_TOL,
		       s->timed);
	for (int i = 0; i <= 2 * CS_CYCLE_TOL; i++)
		printf(" %+d:%" PRIu64, i - CS_CYCLE_TOL, s->terr_hist[i]);
	printf("; %" PRIu64 " queued behind another message (not timed), %s wait <= %" PRIu64 " grants\n", s->queued,
	       o.v2 ? "firing-order" : "round-robin", s->max_wait_grants);
	if (o.v2 && !r.mismatch)
		printf("  firing order (HW-14): up to %" PRIu64 " MSIs and %" PRIu64
		       " notifications queued at once; %" PRIu64 " of %u channels got an MSI, %" PRIu64
		       " a notification\n",
		       s->max_queued[1], s->max_queued[0], s->chans_msi, o.channels, s->chans_notify);
	if (o.v2)
		printf("  moderation (HW-15, tick %d cycles): %" PRIu64 " expiries (%" PRIu64 " fired, %" PRIu64
		       " dropped) of %" PRIu64 " scanner ops, time base %" PRIu64
		       " ticks; deadline -> expiry <= %" PRIu64
		       " cycles (bound %d); expiry - arm - H ticks in [%" PRId64 ", %" PRId64 "] cycles\n",
		       1 << o.tick_lg, s->expiries, s->ticks_fired, s->expiry_drops, s->expiry_ops, s->now_ticks,
		       s->expiry_wait_max, (1 << o.tick_lg) + CS_V2_EXPIRY_SLACK, s->hold_err_min, s->hold_err_max);
	if (prof && prof->samples)
		printf("  time: RTL %.0f%%, SystemC kernel %.0f%%, scoreboard (model + core) %.0f%%, other %.0f%% "
		       "(%" PRIu64 " samples)\n",
		       100.0 * prof->rtl / prof->samples, 100.0 * prof->systemc / prof->samples,
		       r.wall_s > 0 ? 100.0 * r.sb_s / r.wall_s : 0.0, 100.0 * prof->other / prof->samples,
		       prof->samples);
	if (o.wave.empty())
		printf("  waveform: add --wave FILE.fst and open it with gtkwave\n");
	else
		printf("  waveform: %s (gtkwave %s)\n", o.wave.c_str(), o.wave.c_str());
	return r.mismatch ? 1 : 0;
}

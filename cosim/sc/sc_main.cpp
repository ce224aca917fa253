// SPDX-License-Identifier: GPL-2.0
// vbus-cosim: sc_main builds the top (the Verilated accelerator, bridge, checker, agents, monitor),
// binds it, runs it and reports. Options and report: cli.cpp; the top: top.h.
#include <systemc>
#include <verilated.h>
#include <verilated_fst_sc.h>

#include <cstdio>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include <unistd.h>

#include "cli.h"
#include "top.h"
#include "vbus_cli.h"

#ifdef COSIM_MUTANT
// vbus-cosim-mutant: the same top over a mutant build (see CMakeLists.txt); --mutant NAME switches one
// planted bug on: an RTL one through a Verilog plusarg, the model's or the core's through a C global.
#include <cstring>
#include <string>

#include "Vdb2m.h"
#include "Vdb2m___024root.h"
#include "Vdbm.h"
#define COSIM_V2_MODELS(X) X(Vdb2m, 8, 3) // the v2 mutant build: 8 channels, TICK_LG 3
static const unsigned built_v1[] = { 8 };
extern "C" int vbus_cosim_mut_model, vbus_cosim_mut_core;
static const char *const rtl_mutants[] = { "nopend", "noack", "starve" };				// v1 (Vdbm)
static const char *const rtl2_mutants[] = { "nopend2", "noscan", "early", "tick", "fifo", "overtake" }; // v2 (Vdb2m)
static int mutant_top; // 1, 2: an RTL mutant's top
static const CosimProg prog = {
	"vbus-cosim-mutant", "[--mutant NAME] ",
	"The mutant build: the same cosimulation over copies with planted bugs, each off unless switched on.\n"
	"  --mutant NAME    switch one planted bug on (default: none, and the run must agree):\n"
	"                   v1 RTL (with --top v1):\n"
	"                     nopend  device inject ignores N.pending (I4, HW-2)\n"
	"                     noack   N_ACK clears pending without the W7 re-check\n"
	"                     starve  fixed priority instead of round-robin (HW-11)\n"
	"                   v2 RTL (with --top v2, the default):\n"
	"                     nopend2 device inject ignores N.pending (I4, HW-2)\n"
	"                     noscan  the moderation scanner never expires channel 1 (HW-15)\n"
	"                     early   M3 arms the deadline one tick early (now + H - 1, HW-15)\n"
	"                     tick    the time base ticks every 2^(TICK_LG-1) cycles (HW-15)\n"
	"                     fifo    the id FIFO serves the lower channel id first (HW-14 firing order)\n"
	"                     overtake a pushed id lower than the newest one still in the FIFO's RAM takes\n"
	"                             its place (HW-14 firing order; nothing else shows it)\n"
	"                   either top:\n"
	"                     model   the C model's inject without the I4 guard\n"
	"                     core    the production core's enable without the E3 re-check\n"
	"                   a mutant's run must stop with a mismatch (exit 1); --wave is not built in\n"
};

// Take "--mutant NAME" out of argv (the rest goes to cosim_parse). Returns -1 or an exit code.
static int take_mutant(int &argc, char **argv, std::string &plusarg)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--mutant"))
			continue;
		const char *m = i + 1 < argc ? argv[i + 1] : "";
		bool rtl = false;

		for (const char *r : rtl_mutants)
			if (!strcmp(m, r))
				rtl = true, mutant_top = 1;
		for (const char *r : rtl2_mutants)
			if (!strcmp(m, r))
				rtl = true, mutant_top = 2;
		if (rtl)
			plusarg = std::string("+vbus_mutant_") + m;
		else if (!strcmp(m, "model"))
			vbus_cosim_mut_model = 1;
		else if (!strcmp(m, "core"))
			vbus_cosim_mut_core = 1;
		else {
			fprintf(stderr,
				"vbus-cosim-mutant: --mutant '%s': not one of nopend noack starve nopend2 noscan early tick "
				"fifo overtake model core "
				"(try 'vbus-cosim-mutant --help')\n",
				m);
			return 2;
		}
		memmove(argv + i, argv + i + 2, sizeof(*argv) * (argc - i - 1)); // keeps argv[argc] == NULL
		argc -= 2;
		return -1;
	}
	return -1;
}
#else
#include "Vdb64.h"
#include "Vdb8.h"
#include "cosim_models.h" // the v2 models (one per VBUS_COSIM_V2_CHANNELS count) and COSIM_V2_MODELS
static const unsigned built_v1[] = { 8, 64 };
static const CosimProg prog = { "vbus-cosim", nullptr, nullptr };
#endif

// v2 (HW-15): the scanner's expiry request and the time base, made readable by v2_taps.vlt (public_flat_rd);
// the same names in every v2 model (the top module is vbus_doorbell2).
struct V2Tap {
	static constexpr bool v2 = true;
	template <class V> static void sample(V &d, CosimTaps &t)
	{
		t.x_valid = d.rootp->vbus_doorbell2__DOT__x_req;
		t.x_chan = d.rootp->vbus_doorbell2__DOT__x_chan;
		t.now = d.rootp->vbus_doorbell2__DOT__now;
	}
};

template <class V, class Tap = NoTap> static RunResult run(const CosimOpts &o, cs_sb *sb, ProfileShares *prof)
{
	CosimTop<V, Tap> top("top", *o.wl, o.channels, o.seed, o.cycles, sb, o.progress);
	top.timing = o.bench;
	top.tick_lg = o.tick_lg;
	VerilatedFstSc *wave = nullptr;
	std::string wave_tmp = o.wave + ".tmp-" + std::to_string(getpid());

	if (!o.wave.empty()) {
#ifdef COSIM_MUTANT
		fprintf(stderr, "vbus-cosim-mutant: --wave: the mutant build has no waveform code\n");
		exit(2);
#else
		if (vbus_mkdir_parents(o.wave.c_str())) {
			fprintf(stderr, "%s: %s: cannot create its folder\n", prog.name, o.wave.c_str());
			exit(1);
		}
		sc_core::sc_start(sc_core::SC_ZERO_TIME);
		wave = new VerilatedFstSc;
		top.dut.trace(wave, 99);
		wave->open(wave_tmp.c_str()); // renamed over --wave FILE when complete (docs/cli.md)
#endif
	}
	if (o.bench)
		profile_start();
	double t0 = mono_s();
	sc_core::sc_start();
	top.res.wall_s = mono_s() - t0;
	if (o.bench)
		*prof = profile_stop();
	if (wave) {
		wave->close();
		delete wave;
		if (rename(wave_tmp.c_str(), o.wave.c_str())) {
			fprintf(stderr, "%s: %s: %s\n", prog.name, o.wave.c_str(), strerror(errno));
			unlink(wave_tmp.c_str());
			top.res.mismatch = true;
			top.res.why = "the waveform file could not be written";
		}
	}
	return top.res;
}

// The v2 models of this build: channel count, TICK_LG (the model's, which the scoreboard must know: HW-15) and
// the run over it.
struct V2Model {
	unsigned channels, tick_lg;
	RunResult (*run)(const CosimOpts &, cs_sb *, ProfileShares *);
};
#define COSIM_V2_ENTRY(cls, n, lg) { n, lg, run<cls, V2Tap> },
static const V2Model v2_models[] = { COSIM_V2_MODELS(COSIM_V2_ENTRY) };
#undef COSIM_V2_ENTRY
static unsigned built_v2[sizeof(v2_models) / sizeof(v2_models[0])];

// SystemC prints its banner when the simulation context is first made, which static sc_time objects
// already do before sc_main: switch it off before any C++ static constructor runs (priority 101).
__attribute__((constructor(101))) static void no_systemc_banner()
{
	setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
}

int sc_main(int argc, char **argv)
{
	CosimOpts o;
	ProfileShares prof;
	FILE *trace = nullptr;
	struct vbus_out trace_out;
	RunResult r;
	int rc;
#ifdef COSIM_MUTANT
	std::string plusarg;
	const char *vargv[] = { argv[0], nullptr };

	// --help wins (docs/cli.md): cosim_parse prints the usage, --mutant and all
	if (!cosim_help_asked(argc, argv) && (rc = take_mutant(argc, argv, plusarg)) >= 0)
		return rc;
	vargv[1] = plusarg.c_str();
	Verilated::commandArgs(plusarg.empty() ? 1 : 2, vargv);
#endif
	const V2Model *v2m = nullptr;

	for (size_t i = 0; i < sizeof(v2_models) / sizeof(v2_models[0]); i++)
		built_v2[i] = v2_models[i].channels;
	rc = cosim_parse(argc, argv, o, prog,
			 CosimBuilt{ built_v1, sizeof(built_v1) / sizeof(built_v1[0]), built_v2,
				     sizeof(built_v2) / sizeof(built_v2[0]) });
	if (rc >= 0)
		return rc;
	for (const V2Model &m : v2_models)
		if (o.v2 && m.channels == o.channels)
			v2m = &m;
	o.tick_lg = v2m ? v2m->tick_lg : 0; // v1: its holdoff counts cycles
	if (!o.trace.empty()) {		    // written beside, renamed over FILE when complete (docs/cli.md)
		if (vbus_out_open(&trace_out, prog.name, o.trace.c_str()))
			return 1;
		trace = trace_out.f;
	}
	cs_sb *sb = cs_create(o.channels, trace);
	if (sb && o.v2 && cs_set_v2(sb, o.tick_lg)) {
		cs_destroy(sb);
		sb = nullptr;
	}
	if (!sb) {
		fprintf(stderr, "%s: out of memory\n", prog.name);
		if (trace)
			vbus_out_abort(&trace_out);
		return 1;
	}
	if (!o.wave.empty())
		Verilated::traceEverOn(true);
	sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
#ifdef COSIM_MUTANT
	if (mutant_top && mutant_top != (o.v2 ? 2 : 1)) {
		fprintf(stderr, "vbus-cosim-mutant: this mutant is planted in the v%d RTL: add --top v%d\n", mutant_top,
			mutant_top);
		cs_destroy(sb);
		return 2;
	}
	if (o.v2)
		r = v2m->run(o, sb, &prof);
	else
		r = run<Vdbm>(o, sb, &prof);
#else
	if (o.v2)
		r = v2m->run(o, sb, &prof); // cosim_parse took only a built count
	else
		r = o.channels == 64 ? run<Vdb64>(o, sb, &prof) : run<Vdb8>(o, sb, &prof);
#endif
	rc = cosim_report(o, r, sb, o.bench ? &prof : nullptr);
	cs_destroy(sb);
	if (trace && vbus_out_commit(&trace_out, prog.name))
		rc = rc ? rc : 1;
	return rc;
}

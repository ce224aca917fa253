// SPDX-License-Identifier: GPL-2.0
// vbus-cosim: sc_main builds the top (the Verilated accelerator, bridge, checker, agents, monitor),
// binds it, runs it and reports. Options and report: cli.cpp; the top: top.h.
#include <systemc>
#include <verilated.h>
#include <verilated_fst_sc.h>

#include <cstdio>
#include <cstdlib>

#include "cli.h"
#include "top.h"

#ifdef COSIM_MUTANT
#include "Vdbm.h"
static const unsigned built[] = { 8 };
#else
#include "Vdb64.h"
#include "Vdb8.h"
static const unsigned built[] = { 8, 64 };
#endif

template <class V> static RunResult run(const CosimOpts &o, cs_sb *sb, ProfileShares *prof)
{
	CosimTop<V> top("top", *o.wl, o.channels, o.seed, o.cycles, sb, o.progress);
	VerilatedFstSc *wave = nullptr;

	if (!o.wave.empty()) {
		sc_core::sc_start(sc_core::SC_ZERO_TIME);
		wave = new VerilatedFstSc;
		top.dut.trace(wave, 99);
		wave->open(o.wave.c_str());
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
	}
	return top.res;
}

int sc_main(int argc, char **argv)
{
	setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
	CosimOpts o;
	ProfileShares prof;
	FILE *trace = nullptr;
	RunResult r;
	int rc = cosim_parse(argc, argv, o, built, sizeof(built) / sizeof(built[0]));

	if (rc >= 0)
		return rc;
	if (!o.trace.empty() && !(trace = fopen(o.trace.c_str(), "w"))) {
		perror(o.trace.c_str());
		return 2;
	}
	cs_sb *sb = cs_create(o.channels, trace);
	if (!sb) {
		fprintf(stderr, "vbus-cosim: out of memory\n");
		return 1;
	}
	if (!o.wave.empty())
		Verilated::traceEverOn(true);
	sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
#ifdef COSIM_MUTANT
	r = run<Vdbm>(o, sb, &prof);
#else
	r = o.channels == 64 ? run<Vdb64>(o, sb, &prof) : run<Vdb8>(o, sb, &prof);
#endif
	rc = cosim_report(o, r, sb, o.bench ? &prof : nullptr);
	cs_destroy(sb);
	if (trace && fclose(trace)) {
		perror(o.trace.c_str());
		rc = rc ? rc : 1;
	}
	return rc;
}

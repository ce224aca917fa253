// SPDX-License-Identifier: GPL-2.0
// The cosimulation top: the Verilated accelerator clocked by an sc_clock, the AXI4-Lite bridge and its
// protocol checker, the north and south agents, and the bus monitor feeding the lockstep scoreboard.
// Templated on the Verilated class (one per N_CHANNELS / mutant build).
#ifndef VBUS_COSIM_TOP_H
#define VBUS_COSIM_TOP_H

#include <systemc>

#include <cstdio>
#include <ctime>
#include <string>
#include <utility>

#include "agents.h"
#include "axil.h"
#include "pins.h"
#include "scoreboard.h"
#include "vbus_cli.h"

struct RunResult {
	bool mismatch = false;
	std::string why; // mismatch or protocol error text
	uint64_t cycles = 0;
	double wall_s = 0, sb_s = 0;
};

static inline double mono_s()
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// What the scoreboard needs from inside the DUT (v2, HW-15): the scanner's expiry request and the time base.
struct CosimTaps {
	uint8_t x_valid = 0;
	uint16_t x_chan = 0;
	uint32_t now = 0;
};
// v1 needs nothing from inside (its moderation ticks every cycle, which the scoreboard counts itself).
struct NoTap {
	static constexpr bool v2 = false;
	template <class V> static void sample(V &, CosimTaps &)
	{
	}
};

template <class V, class Tap = NoTap> class CosimTop : public sc_core::sc_module, public DoorbellPins
{
      public:
	V dut{ "dut" };
	NorthAgent north;
	SouthAgent south;
	cs_sb *sb;
	RunResult res;
	bool progress, timing = false;
	uint64_t limit;
	unsigned nchan;
	unsigned tick_lg = 0; // v2: moderation time unit 2^tick_lg cycles

	SC_HAS_PROCESS(CosimTop);
	CosimTop(sc_core::sc_module_name name, const Workload &wl, unsigned nchan, uint64_t seed, uint64_t cycles,
		 cs_sb *scoreboard, bool show_progress)
	    : sc_module(name), north("north", wl, nchan, seed, cycles), south("south", wl, nchan, seed, north),
	      sb(scoreboard), progress(show_progress), limit(cycles), nchan(nchan)
	{
		bind(dut);
		bridge.window = 1u << cs_axi_aw(nchan);
		north.init_bus = [this] { bridge.init(); };
		north.socket.bind(bridge.socket);
		north.clk(clk);
		north.rst(rst);
		south.clk(clk);
		south.rst(rst);
		south.inj_valid(inj_valid);
		south.inj_ready(inj_ready);
		south.inj_chan(inj_chan);
		south.ctrl_valid(ctrl_valid);
		south.ctrl_ready(ctrl_ready);
		south.ctrl_chan(ctrl_chan);
		south.ctrl_op(ctrl_op);
		south.nt_valid(nt_valid);
		south.nt_ready(nt_ready);
		south.nt_chan(nt_chan);
		south.msi_valid(msi_valid);
		south.msi_ready(msi_ready);
		south.msi_vector(msi_vector);
		SC_METHOD(monitor);
		sensitive << clk.posedge_event();
		dont_initialize();
		if (Tap::v2) {
			// the taps are plain model variables, updated when the model evaluates: read mid-cycle, where
			// they are settled, not at the edge, where the model may or may not have run yet
			SC_METHOD(sample);
			sensitive << clk.negedge_event();
			dont_initialize();
		}
		SC_THREAD(control);
	}

      private:
	double t0 = 0;
	struct vbus_progress prog;
	CosimTaps taps; // v2: sampled mid-cycle (the cycle that ends at the next edge)
	cs_edge prev{}; // v2: the previous edge, stepped once its op's `now` (next cycle) is known
	bool have_prev = false;

	void sample()
	{
		Tap::sample(dut, taps);
	}

	void stop(const std::string &why)
	{
		res.mismatch = true;
		res.why = why;
		if (!res.cycles) // stopped mid-run: the verdict line reports the cycle it stopped at
			res.cycles = now_cycle();
		sc_core::sc_stop();
	}

	// The bus monitor: every handshake of this edge, sampled before the edge, into the scoreboard.
	void monitor()
	{
		cs_edge e;
		double t;

		if (rst.read())
			return;
		e.cycle = now_cycle();
		e.msi_valid = msi_valid.read();
		e.msi_ready = msi_ready.read();
		e.msi_chan = uint16_t(msi_vector.read());
		e.notify_valid = nt_valid.read();
		e.notify_ready = nt_ready.read();
		e.notify_chan = uint16_t(nt_chan.read());
		e.ar = axil.arvalid.read() && axil.arready.read();
		e.araddr = axil.araddr.read();
		e.r = axil.rvalid.read() && axil.rready.read();
		e.rdata = axil.rdata.read();
		e.w = axil.awvalid.read() && axil.awready.read() && axil.wvalid.read() && axil.wready.read();
		e.awaddr = axil.awaddr.read();
		e.wdata = axil.wdata.read();
		e.wstrb = axil.wstrb.read();
		e.ctrl = ctrl_valid.read() && ctrl_ready.read();
		e.ctrl_chan = uint16_t(ctrl_chan.read());
		e.ctrl_op = uint8_t(ctrl_op.read());
		e.inj = inj_valid.read() && inj_ready.read();
		e.inj_chan = uint16_t(inj_chan.read());
		e.x_valid = taps.x_valid; // v2: the north op taken at this edge is the scanner's expiry
		e.x_chan = taps.x_chan;
		e.now = 0;
		int bad = 0;
		cs_edge *step = &e;
		const uint64_t cycle = e.cycle;

		if (Tap::v2) {
			// an op taken at edge k is modified in the cycle after it, with that cycle's `now`, which this
			// edge's sample holds: so the scoreboard steps edge k here, one edge late
			prev.now = taps.now;
			std::swap(prev, e);
			step = have_prev ? &e : nullptr;
			have_prev = true;
		}
		if (!step) {
		} else if (timing) { // --bench: the scoreboard's share (two clock reads per edge otherwise saved)
			t = mono_s();
			bad = cs_step(sb, step);
			res.sb_s += mono_s() - t;
		} else {
			bad = cs_step(sb, step);
		}
		if (bad) {
			stop("scoreboard");
			return;
		}
		if (!checker.error.empty()) {
			stop(checker.error);
			return;
		}
		if (progress && (cycle & 0xffff) == 0 && (t = mono_s()) - t0 > 3.0)
			vbus_progress(&prog, cycle, limit, "cycles, %.0f cycles/s", cycle / (t - t0));
	}

	void control()
	{
		t0 = mono_s();
		vbus_progress_init(&prog, "vbus-cosim", 5);
		rst.write(true);
		for (int i = 0; i < 4; i++)
			sc_core::wait(clk.posedge_event());
		rst.write(false);
		sc_core::wait(north.done_ev);
		// drain: stimulus stops, both streams always ready, every predicted message must arrive, the north
		// agent handle every interrupt (up to one per channel queued) and every holdoff expire (the agents
		// program at most 200 time units: cycles in v1, ticks in v2)
		south.draining = true;
		const int hold_max = 210 << tick_lg, chans = nchan > 64 ? int(nchan) : 64;
		for (int i = 0; i < chans * 16 + 200 + 4 * hold_max &&
				!(south.idle() && north.idle() && cs_idle(sb) && i > 64 * 4);
		     i++)
			sc_core::wait(clk.posedge_event());
		for (int i = 0; i < 64 * 4; i++)
			sc_core::wait(clk.posedge_event());
		north.stop = true;
		res.cycles = now_cycle();
		if (progress)
			vbus_progress_done(&prog);
		if (north.transport_errors()) { // a register the agent meant to reach was never reached
			stop("transport: " + std::to_string(north.transport_errors()) +
			     " register accesses refused by the bridge (outside the accelerator's address window)");
			return;
		}
		if (cs_finish(sb, res.cycles)) {
			stop("scoreboard");
			return;
		}
		sc_core::sc_stop();
	}
};

#endif // VBUS_COSIM_TOP_H

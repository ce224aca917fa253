// SPDX-License-Identifier: GPL-2.0
// The cosimulation's software and device agents.
//  NorthAgent: the CPU side. A driver for the accelerator: every signal operation is a register access
//    through the accelerator transport (AccelTransport: TLM-2.0 generic payloads into the bridge):
//    inject = DOORBELL write, enable/disable = N_ENABLE, the interrupt handler's drain pass = N_DIRTY
//    reads until 0 then an N_ACK write (HW-4); plus the workload's register reads and moderation writes.
//  SouthAgent: the device engines (echo / null) on the device-side streams, the MSI sink, and random
//    backpressure on m_msi and m_notify.
#ifndef VBUS_COSIM_AGENTS_H
#define VBUS_COSIM_AGENTS_H

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <vector>

#include <vbus/accel.h>

#include "workload.h"

static const sc_core::sc_time kPeriod(10, sc_core::SC_NS);

static inline uint64_t now_cycle()
{
	return sc_core::sc_time_stamp().value() / kPeriod.value();
}

// The accelerator transport: register accesses as TLM-2.0 generic payloads (blocking transport).
class AccelTransport
{
      public:
	explicit AccelTransport(tlm_utils::simple_initiator_socket<sc_core::sc_module> &s) : sock(s)
	{
	}
	uint32_t read(uint32_t addr)
	{
		return access(tlm::TLM_READ_COMMAND, addr, 0);
	}
	void write(uint32_t addr, uint32_t v)
	{
		access(tlm::TLM_WRITE_COMMAND, addr, v);
	}
	uint32_t chan_read(unsigned c, uint32_t reg)
	{
		return read(VBUS_ACCEL_CHAN_ADDR(c, reg));
	}
	void chan_write(unsigned c, uint32_t reg, uint32_t v)
	{
		write(VBUS_ACCEL_CHAN_ADDR(c, reg), v);
	}
	uint64_t errors = 0;

      private:
	tlm_utils::simple_initiator_socket<sc_core::sc_module> &sock;
	uint32_t access(tlm::tlm_command cmd, uint32_t addr, uint32_t v)
	{
		tlm::tlm_generic_payload t;
		sc_core::sc_time delay = sc_core::SC_ZERO_TIME;

		t.set_command(cmd);
		t.set_address(addr);
		t.set_data_ptr(reinterpret_cast<unsigned char *>(&v));
		t.set_data_length(4);
		t.set_streaming_width(4);
		t.set_byte_enable_ptr(nullptr);
		t.set_dmi_allowed(false);
		t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
		sock->b_transport(t, delay);
		if (t.is_response_error())
			errors++;
		return v;
	}
};

class NorthAgent : public sc_core::sc_module
{
      public:
	tlm_utils::simple_initiator_socket<sc_core::sc_module> socket{ "socket" };
	sc_core::sc_in<bool> clk{ "clk" }, rst{ "rst" };
	sc_core::sc_event done_ev;
	std::function<void()> init_bus = [] {};
	bool done = false, stop = false;
	uint64_t handled_irqs = 0, drain_passes = 0;

	SC_HAS_PROCESS(NorthAgent);
	NorthAgent(sc_core::sc_module_name name, const Workload &w, unsigned nchan, uint64_t seed, uint64_t cycles)
	    : sc_module(name), wl(w), n(nchan), rng(seed ^ 0x4e4f525448ull), limit(cycles), io(socket)
	{
		active = wl.active ? wl.active : n;
		disabled_until.assign(n, 0);
		SC_THREAD(run);
	}
	// No interrupt waiting for the handler and none being handled (the drain phase waits for it).
	bool idle() const
	{
		return irqs.empty() && !handling;
	}
	// Register accesses the bridge refused (an address outside the window): the run's accesses never are.
	uint64_t transport_errors() const
	{
		return io.errors;
	}
	// The MSI sink hands over an accepted interrupt (vector = channel).
	void post_irq(unsigned c)
	{
		irqs.push_back(c);
		irq_ev.notify(sc_core::SC_ZERO_TIME);
	}

      private:
	const Workload &wl;
	unsigned n, active;
	Rng rng;
	uint64_t limit;
	AccelTransport io;
	std::deque<unsigned> irqs;
	sc_core::sc_event irq_ev;
	std::vector<uint64_t> disabled_until;
	bool inflight = false, handling = false;
	uint64_t inflight_since = 0;

	void edge()
	{
		sc_core::wait(clk.posedge_event());
	}
	// Idle for up to @cycles, waking early on an interrupt; returns on a clock edge.
	void idle(unsigned cycles)
	{
		if (irqs.empty())
			sc_core::wait(kPeriod * cycles, irq_ev);
		edge();
	}
	// The interrupt handler: HW-4 drain pass, bounded (8 passes), then N_ACK (W5-W8 in hardware).
	void handle_irq(unsigned c)
	{
		unsigned passes = 0;
		uint32_t d;

		handled_irqs++;
		handling = true;
		do {
			d = io.chan_read(c, VBUS_ACCEL_CH_N_DIRTY);
			passes++;
			if (d && wl.churn)
				idle(rng.below(3));
		} while (d && passes < 8);
		drain_passes += passes;
		io.chan_write(c, VBUS_ACCEL_CH_N_ACK, 1);
		handling = false;
		if (wl.pingpong)
			inflight = false;
	}
	void program_moderation(unsigned c)
	{
		static const uint32_t holdoffs[] = { 0, 1, 2, 3, 8, 17, 64, 200 };
		static const uint32_t short_holdoffs[] = { 1, 2, 3, 4, 5, 6, 8, 12 };

		if (wl.short_holdoff) {
			io.chan_write(c, VBUS_ACCEL_CH_MOD_HOLDOFF, short_holdoffs[rng.below(8)]);
			io.chan_write(c, VBUS_ACCEL_CH_MOD_COUNT, rng.chance(70) ? 0 : 2 + rng.below(8));
			return;
		}
		io.chan_write(c, VBUS_ACCEL_CH_MOD_HOLDOFF, holdoffs[rng.below(8)]);
		io.chan_write(c, VBUS_ACCEL_CH_MOD_COUNT, rng.below(10));
	}
	unsigned pick()
	{
		return rng.below(active);
	}
	void churn_step()
	{
		unsigned c = pick();
		static const uint32_t regs[] = { VBUS_ACCEL_CH_STATUS,	   VBUS_ACCEL_CH_CNT_DOORBELL,
						 VBUS_ACCEL_CH_CNT_IRQ,	   VBUS_ACCEL_CH_CNT_SUPP_N,
						 VBUS_ACCEL_CH_CNT_SUPP_S, VBUS_ACCEL_CH_CNT_DEV_NOTIFY,
						 VBUS_ACCEL_CH_N_ENABLE,   VBUS_ACCEL_CH_MOD_HOLDOFF,
						 VBUS_ACCEL_CH_MOD_COUNT,  VBUS_ACCEL_CH_N_ACK };

		switch (rng.below(10)) {
		case 0: // stop listening for a while (polling), then enable with the hardware re-check (HW-5)
			if (!disabled_until[c]) {
				io.chan_write(c, VBUS_ACCEL_CH_N_ENABLE, 0);
				disabled_until[c] = now_cycle() + 20 + rng.below(400);
			}
			break;
		case 1:
			program_moderation(c);
			break;
		case 2:
			io.read(rng.below(6) * 4); // ID, VERSION, N_CHANNELS, CTRL, MOD_TICK_LG, CLK_KHZ
			break;
		default:
			io.chan_read(c, regs[rng.below(10)]);
			break;
		}
		for (unsigned k = 0; k < n; k++)
			if (disabled_until[k] && now_cycle() >= disabled_until[k]) {
				disabled_until[k] = 0;
				io.chan_write(k, VBUS_ACCEL_CH_N_ENABLE, 1);
			}
	}
	void run()
	{
		unsigned burst_left = 0;

		init_bus(); // the AXI pins' idle values, driven from this thread only
		do
			edge();
		while (rst.read());
		io.read(VBUS_ACCEL_ID);
		io.read(VBUS_ACCEL_N_CHANNELS);
		for (unsigned c = 0; c < n; c++) {
			if (wl.moderation)
				program_moderation(c);
			io.chan_write(c, VBUS_ACCEL_CH_N_ENABLE, 1);
		}
		while (now_cycle() < limit && !stop) {
			if (!irqs.empty()) {
				unsigned c = irqs.front();

				irqs.pop_front();
				handle_irq(c);
				continue;
			}
			if (wl.churn && rng.chance(30)) {
				churn_step();
				continue;
			}
			if (wl.pingpong) {
				if (inflight && now_cycle() - inflight_since < 4000) {
					idle(64);
					continue;
				}
				inflight = true;
				inflight_since = now_cycle();
				io.chan_write(0, VBUS_ACCEL_CH_DOORBELL, 1);
				continue;
			}
			if (wl.burst) {
				if (!burst_left) {
					idle(20 + rng.below(300));
					burst_left = 1 + rng.below(wl.burst);
					continue;
				}
				burst_left--;
			}
			io.chan_write(pick(), VBUS_ACCEL_CH_DOORBELL, 1);
		}
		done = true;
		done_ev.notify(sc_core::SC_ZERO_TIME);
		// drain phase: keep serving interrupts until the top stops the run
		for (;;) {
			if (irqs.empty())
				sc_core::wait(irq_ev);
			edge();
			while (!irqs.empty()) {
				unsigned c = irqs.front();

				irqs.pop_front();
				handle_irq(c);
			}
		}
	}
};

class SouthAgent : public sc_core::sc_module
{
      public:
	sc_core::sc_in<bool> clk{ "clk" }, rst{ "rst" };
	sc_core::sc_out<bool> inj_valid{ "inj_valid" }, ctrl_valid{ "ctrl_valid" };
	sc_core::sc_in<bool> inj_ready{ "inj_ready" }, ctrl_ready{ "ctrl_ready" };
	sc_core::sc_out<uint32_t> inj_chan{ "inj_chan" }, ctrl_chan{ "ctrl_chan" }, ctrl_op{ "ctrl_op" };
	sc_core::sc_in<bool> nt_valid{ "nt_valid" }, msi_valid{ "msi_valid" };
	sc_core::sc_out<bool> nt_ready{ "nt_ready" }, msi_ready{ "msi_ready" };
	sc_core::sc_in<uint32_t> nt_chan{ "nt_chan" }, msi_vector{ "msi_vector" };
	bool draining = false;
	uint64_t notifications = 0, echoes = 0;

	SC_HAS_PROCESS(SouthAgent);
	SouthAgent(sc_core::sc_module_name name, const Workload &w, unsigned nchan, uint64_t seed, NorthAgent &north)
	    : sc_module(name), wl(w), n(nchan), rng(seed ^ 0x534f555448ull), north(north)
	{
		s_disabled.assign(n, false);
		SC_METHOD(step);
		sensitive << clk.pos();
		dont_initialize();
	}
	// Nothing queued or scheduled on the device side.
	bool idle() const
	{
		return injq.empty() && ctrlq.empty() && timed.empty();
	}

      private:
	enum Kind { INJECT, CTRL };
	struct Action {
		Kind kind;
		unsigned chan, op;
	};
	const Workload &wl;
	unsigned n;
	Rng rng;
	NorthAgent &north;
	std::deque<unsigned> injq;
	std::deque<std::pair<unsigned, unsigned>> ctrlq;
	std::multimap<uint64_t, Action> timed;
	std::vector<bool> s_disabled;
	bool started = false;

	struct Driven { // the values last written to the ports (the signals start at false / 0)
		bool inj_valid = false, ctrl_valid = false, nt_ready = false, msi_ready = false;
		uint32_t inj_chan = 0, ctrl_chan = 0, ctrl_op = 0;
	} out;
	template <class Port, class T> static void put(Port &p, T &last, T v)
	{
		if (v != last) {
			last = v;
			p.write(v);
		}
	}

	void at(uint64_t when, Kind k, unsigned c, unsigned op = 0)
	{
		timed.insert({ when, Action{ k, c, op } });
	}
	void step()
	{
		uint64_t now = now_cycle();

		if (rst.read()) {
			put(inj_valid, out.inj_valid, false);
			put(ctrl_valid, out.ctrl_valid, false);
			put(nt_ready, out.nt_ready, false);
			put(msi_ready, out.msi_ready, false);
			return;
		}
		if (!started) { // the device engines start listening (SOP_ENABLE, HW-6)
			started = true;
			for (unsigned c = 0; c < n; c++)
				ctrlq.push_back({ c, VBUS_ACCEL_SOP_ENABLE });
		}
		// handshakes taken at this edge
		if (inj_valid.read() && inj_ready.read())
			injq.pop_front();
		if (ctrl_valid.read() && ctrl_ready.read())
			ctrlq.pop_front();
		if (msi_valid.read() && msi_ready.read())
			north.post_irq(msi_vector.read());
		if (nt_valid.read() && nt_ready.read()) {
			// a device engine drains its channel: echo completions back toward north, then SOP_ACK
			unsigned c = nt_chan.read(), k = wl.pingpong ? 1 : rng.below(wl.echo + 1);
			uint64_t t = now + 1 + rng.below(6);

			notifications++;
			for (unsigned i = 0; i < k; i++, echoes++)
				at(t + i, INJECT, c);
			at(t + k, CTRL, c, VBUS_ACCEL_SOP_ACK);
		}
		if (!draining) {
			if (wl.spont && rng.chance(wl.spont))
				injq.push_back(rng.below(n));
			if (wl.churn && rng.chance(1)) { // a device stops and restarts listening
				unsigned c = rng.below(n);

				if (!s_disabled[c]) {
					s_disabled[c] = true;
					ctrlq.push_back({ c, VBUS_ACCEL_SOP_DISABLE });
					at(now + 10 + rng.below(200), CTRL, c, VBUS_ACCEL_SOP_ENABLE);
				}
			}
			if (wl.churn && rng.chance(1)) // an out-of-range channel and op 3 are ignored (HW-11)
				ctrlq.push_back({ rng.below(2) ? 63u : rng.below(n), 3u });
		}
		while (!timed.empty() && timed.begin()->first <= now) {
			Action a = timed.begin()->second;

			timed.erase(timed.begin());
			if (a.kind == INJECT)
				injq.push_back(a.chan);
			else {
				if (a.op == VBUS_ACCEL_SOP_ENABLE)
					s_disabled[a.chan] = false;
				ctrlq.push_back({ a.chan, a.op });
			}
		}
		// drive the next cycle (a port is written only when its value changes: a write costs a
		// kernel call even when sc_signal drops it)
		put(inj_valid, out.inj_valid, !injq.empty());
		put(inj_chan, out.inj_chan, injq.empty() ? 0u : injq.front());
		put(ctrl_valid, out.ctrl_valid, !ctrlq.empty());
		put(ctrl_chan, out.ctrl_chan, ctrlq.empty() ? 0u : ctrlq.front().first);
		put(ctrl_op, out.ctrl_op, ctrlq.empty() ? 0u : ctrlq.front().second);
		put(nt_ready, out.nt_ready, draining || rng.chance(wl.notify_ready));
		put(msi_ready, out.msi_ready, draining || rng.chance(wl.msi_ready));
	}
};

#endif // VBUS_COSIM_AGENTS_H

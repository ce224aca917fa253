// SPDX-License-Identifier: GPL-2.0
// AXI4-Lite side of the cosimulation: the pins, a TLM-2.0 target that turns generic payloads into
// AXI4-Lite transfers on those pins (the initiator -> AXI4-Lite bridge), and a protocol checker.
#ifndef VBUS_COSIM_AXIL_H
#define VBUS_COSIM_AXIL_H

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <cstdio>
#include <string>

struct AxilPins {
	sc_core::sc_signal<uint32_t> awaddr{ "awaddr" }, awprot{ "awprot" }, wdata{ "wdata" }, wstrb{ "wstrb" };
	sc_core::sc_signal<bool> awvalid{ "awvalid" }, awready{ "awready" }, wvalid{ "wvalid" }, wready{ "wready" };
	sc_core::sc_signal<uint32_t> bresp{ "bresp" };
	sc_core::sc_signal<bool> bvalid{ "bvalid" }, bready{ "bready" };
	sc_core::sc_signal<uint32_t> araddr{ "araddr" }, arprot{ "arprot" }, rdata{ "rdata" }, rresp{ "rresp" };
	sc_core::sc_signal<bool> arvalid{ "arvalid" }, arready{ "arready" }, rvalid{ "rvalid" }, rready{ "rready" };
};

// TLM-2.0 target socket -> AXI4-Lite master. b_transport runs in the initiator's thread and spends
// the clock cycles the transfer takes on the pins (loosely timed: the delay argument is not used).
// One transfer at a time: write = AW and W together, then B; read = AR, then R. 32-bit accesses only.
class AxilBridge : public sc_core::sc_module
{
      public:
	tlm_utils::simple_target_socket<AxilBridge> socket{ "socket" };
	sc_core::sc_in<bool> clk{ "clk" };
	uint32_t window = 8192; // the accelerator's address window: 2^AXI_AW bytes (13 bits up to 64 channels)

	AxilBridge(sc_core::sc_module_name name, AxilPins &pins) : sc_module(name), p(pins)
	{
		socket.register_b_transport(this, &AxilBridge::b_transport);
	}
	void init()
	{
		p.awvalid.write(false);
		p.wvalid.write(false);
		p.arvalid.write(false);
		p.bready.write(true);
		p.rready.write(true);
		p.awprot.write(0);
		p.arprot.write(0);
	}

      private:
	AxilPins &p;

	void edge()
	{
		sc_core::wait(clk.posedge_event());
	}

	void b_transport(tlm::tlm_generic_payload &t, sc_core::sc_time &)
	{
		uint32_t *data = reinterpret_cast<uint32_t *>(t.get_data_ptr());

		if (t.get_data_length() != 4 || (t.get_address() & 3) || t.get_address() >= window) {
			t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
			return;
		}
		if (t.is_write()) {
			p.awaddr.write(uint32_t(t.get_address()));
			p.wdata.write(*data);
			p.wstrb.write(0xf);
			p.awvalid.write(true);
			p.wvalid.write(true);
			do
				edge();
			while (!(p.awready.read() && p.wready.read()));
			p.awvalid.write(false);
			p.wvalid.write(false);
			do
				edge();
			while (!p.bvalid.read());
			t.set_response_status(p.bresp.read() == 0 ? tlm::TLM_OK_RESPONSE
								  : tlm::TLM_GENERIC_ERROR_RESPONSE);
		} else {
			p.araddr.write(uint32_t(t.get_address()));
			p.arvalid.write(true);
			do
				edge();
			while (!p.arready.read());
			p.arvalid.write(false);
			do
				edge();
			while (!p.rvalid.read());
			*data = p.rdata.read();
			t.set_response_status(p.rresp.read() == 0 ? tlm::TLM_OK_RESPONSE
								  : tlm::TLM_GENERIC_ERROR_RESPONSE);
		}
	}
};

// AXI4-Lite protocol checker (AMBA AXI4-Lite rules that apply to this link): a valid stays high with
// a stable payload until its ready; no B without an accepted write, no R without an accepted read;
// responses OKAY (the spec: always OKAY). Also the valid/ready rule on the two output streams.
class AxilChecker : public sc_core::sc_module
{
      public:
	sc_core::sc_in<bool> clk{ "clk" }, rst{ "rst" };
	sc_core::sc_in<bool> msi_valid{ "msi_valid" }, msi_ready{ "msi_ready" };
	sc_core::sc_in<uint32_t> msi_vector{ "msi_vector" };
	sc_core::sc_in<bool> nt_valid{ "nt_valid" }, nt_ready{ "nt_ready" };
	sc_core::sc_in<uint32_t> nt_chan{ "nt_chan" };
	std::string error; // first violation, empty when none
	uint64_t edges = 0;

	SC_HAS_PROCESS(AxilChecker);
	AxilChecker(sc_core::sc_module_name name, AxilPins &pins) : sc_module(name), p(pins)
	{
		SC_METHOD(check);
		sensitive << clk.pos();
		dont_initialize();
	}

      private:
	AxilPins &p;
	struct Prev {
		bool valid = false, ready = false;
		uint64_t payload = 0;
	} aw, w, ar, b, r, msi, nt;
	unsigned writes_open = 0, reads_open = 0;

	void fail(const char *what)
	{
		if (error.empty()) {
			char buf[160];

			snprintf(buf, sizeof(buf), "cycle %llu: AXI protocol: %s",
				 (unsigned long long)(sc_core::sc_time_stamp().value() /
						      sc_core::sc_time(10, sc_core::SC_NS).value()),
				 what);
			error = buf;
		}
	}
	// A channel at this edge: a valid not taken last edge must still be valid with the same payload.
	void hold(Prev &pr, bool valid, bool ready, uint64_t payload, const char *name)
	{
		if (pr.valid && !pr.ready) {
			if (!valid)
				fail((std::string(name) + " valid dropped before ready").c_str());
			else if (payload != pr.payload)
				fail((std::string(name) + " payload changed while valid").c_str());
		}
		pr.valid = valid;
		pr.ready = ready;
		pr.payload = payload;
	}
	void check()
	{
		edges++;
		if (rst.read()) {
			writes_open = reads_open = 0;
			aw = w = ar = b = r = msi = nt = Prev();
			return;
		}
		bool awh = p.awvalid.read() && p.awready.read(), wh = p.wvalid.read() && p.wready.read();
		bool bh = p.bvalid.read() && p.bready.read();
		bool arh = p.arvalid.read() && p.arready.read(), rh = p.rvalid.read() && p.rready.read();

		hold(aw, p.awvalid.read(), p.awready.read(), p.awaddr.read(), "AW");
		hold(w, p.wvalid.read(), p.wready.read(), (uint64_t)p.wdata.read() << 4 | p.wstrb.read(), "W");
		hold(ar, p.arvalid.read(), p.arready.read(), p.araddr.read(), "AR");
		hold(b, p.bvalid.read(), p.bready.read(), p.bresp.read(), "B");
		hold(r, p.rvalid.read(), p.rready.read(), (uint64_t)p.rdata.read() << 2 | p.rresp.read(), "R");
		hold(msi, msi_valid.read(), msi_ready.read(), msi_vector.read(), "m_msi");
		hold(nt, nt_valid.read(), nt_ready.read(), nt_chan.read(), "m_notify");
		if (awh != wh)
			fail("AW and W accepted in different cycles (this slave takes them together)");
		if (p.bvalid.read() && p.bresp.read() != 0)
			fail("BRESP not OKAY");
		if (p.rvalid.read() && p.rresp.read() != 0)
			fail("RRESP not OKAY");
		if (p.bvalid.read() && !writes_open)
			fail("B valid without an accepted write");
		if (p.rvalid.read() && !reads_open)
			fail("R valid without an accepted read");
		writes_open += awh;
		writes_open -= bh;
		reads_open += arh;
		reads_open -= rh;
	}
};

#endif // VBUS_COSIM_AXIL_H

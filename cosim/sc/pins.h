// SPDX-License-Identifier: GPL-2.0
// The doorbell accelerator's surroundings shared by both cosimulation tops (top.h's CosimTop, the vector
// replay's VectorTop): the clock and reset, the AXI4-Lite pins with their bridge and protocol checker, the
// device-side streams (inject, control) and the outputs (notify, MSI). A top derives from it after
// sc_module (so every signal is named inside the top) and calls bind(dut) with its Verilated accelerator.
#ifndef VBUS_COSIM_PINS_H
#define VBUS_COSIM_PINS_H

#include <systemc>

#include <cstdint>

#include "agents.h"
#include "axil.h"

struct DoorbellPins {
	sc_core::sc_clock clk{ "clk", kPeriod };
	sc_core::sc_signal<bool> rst{ "rst" };
	AxilPins axil;
	sc_core::sc_signal<bool> inj_valid{ "inj_valid" }, inj_ready{ "inj_ready" }, ctrl_valid{ "ctrl_valid" },
		ctrl_ready{ "ctrl_ready" }, nt_valid{ "nt_valid" }, nt_ready{ "nt_ready" }, msi_valid{ "msi_valid" },
		msi_ready{ "msi_ready" };
	sc_core::sc_signal<uint32_t> inj_chan{ "inj_chan" }, ctrl_chan{ "ctrl_chan" }, ctrl_op{ "ctrl_op" },
		nt_chan{ "nt_chan" }, msi_vector{ "msi_vector" };
	AxilBridge bridge{ "bridge", axil };
	AxilChecker checker{ "checker", axil };

	// The Verilated accelerator V (any N_CHANNELS, v1 or v2: the same ports), the bridge and the checker on
	// these pins.
	template <class V> void bind(V &dut)
	{
		dut.clk(clk);
		dut.rst(rst);
		dut.s_axil_awaddr(axil.awaddr);
		dut.s_axil_awprot(axil.awprot);
		dut.s_axil_awvalid(axil.awvalid);
		dut.s_axil_awready(axil.awready);
		dut.s_axil_wdata(axil.wdata);
		dut.s_axil_wstrb(axil.wstrb);
		dut.s_axil_wvalid(axil.wvalid);
		dut.s_axil_wready(axil.wready);
		dut.s_axil_bresp(axil.bresp);
		dut.s_axil_bvalid(axil.bvalid);
		dut.s_axil_bready(axil.bready);
		dut.s_axil_araddr(axil.araddr);
		dut.s_axil_arprot(axil.arprot);
		dut.s_axil_arvalid(axil.arvalid);
		dut.s_axil_arready(axil.arready);
		dut.s_axil_rdata(axil.rdata);
		dut.s_axil_rresp(axil.rresp);
		dut.s_axil_rvalid(axil.rvalid);
		dut.s_axil_rready(axil.rready);
		dut.s_inject_valid(inj_valid);
		dut.s_inject_ready(inj_ready);
		dut.s_inject_chan(inj_chan);
		dut.s_ctrl_valid(ctrl_valid);
		dut.s_ctrl_ready(ctrl_ready);
		dut.s_ctrl_chan(ctrl_chan);
		dut.s_ctrl_op(ctrl_op);
		dut.m_notify_valid(nt_valid);
		dut.m_notify_ready(nt_ready);
		dut.m_notify_chan(nt_chan);
		dut.m_msi_valid(msi_valid);
		dut.m_msi_ready(msi_ready);
		dut.m_msi_vector(msi_vector);
		bridge.clk(clk);
		checker.clk(clk);
		checker.rst(rst);
		checker.msi_valid(msi_valid);
		checker.msi_ready(msi_ready);
		checker.msi_vector(msi_vector);
		checker.nt_valid(nt_valid);
		checker.nt_ready(nt_ready);
		checker.nt_chan(nt_chan);
	}
};

#endif

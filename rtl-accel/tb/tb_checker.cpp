// SPDX-License-Identifier: GPL-2.0
// AXI4-Lite and valid/ready stream protocol checkers (see tb_checker.h). Rules from the AMBA AXI4
// specification (A3.2 handshake, A3.3 dependencies) as they apply to AXI4-Lite, and AXI-Stream's
// "TVALID stays asserted with stable payload until TREADY".
#include "tb_checker.h"

#include <cstdio>

void TbChecker::fail(uint64_t cycle, const char *rule)
{
	char b[200];
	snprintf(b, sizeof(b), "cycle %llu: protocol violation: %s", (unsigned long long)cycle, rule);
	if (errors_.size() < 20)
		errors_.push_back(b);
}

#define CHECK(cond, rule)                                                                                              \
	do {                                                                                                           \
		checks_++;                                                                                             \
		if (!(cond))                                                                                           \
			fail(cycle, rule);                                                                             \
	} while (0)

void TbChecker::observe(uint64_t cycle, const TbIn &in, const TbOut &out)
{
	if (in.rst) {
		have_prev_ = false;
		writes_outstanding_ = reads_outstanding_ = 0;
		return;
	}
	if (have_prev_) {
		// master (testbench) side: a valid without ready is held, with its payload, to the handshake
		if (pin_.awvalid && !pout_.awready)
			CHECK(in.awvalid && in.awaddr == pin_.awaddr && in.awprot == pin_.awprot,
			      "AWVALID/AWADDR not held until AWREADY");
		if (pin_.wvalid && !pout_.wready)
			CHECK(in.wvalid && in.wdata == pin_.wdata && in.wstrb == pin_.wstrb,
			      "WVALID/WDATA/WSTRB not held until WREADY");
		if (pin_.arvalid && !pout_.arready)
			CHECK(in.arvalid && in.araddr == pin_.araddr && in.arprot == pin_.arprot,
			      "ARVALID/ARADDR not held until ARREADY");
		// device (testbench) side of the input streams: held until ready as well
		if (pin_.inject_valid && !pout_.inject_ready)
			CHECK(in.inject_valid && in.inject_chan == pin_.inject_chan,
			      "s_inject valid/chan not held until ready");
		if (pin_.ctrl_valid && !pout_.ctrl_ready)
			CHECK(in.ctrl_valid && in.ctrl_chan == pin_.ctrl_chan && in.ctrl_op == pin_.ctrl_op,
			      "s_ctrl valid/chan/op not held until ready");
		// slave (DUT) side
		if (pout_.bvalid && !pin_.bready)
			CHECK(out.bvalid && out.bresp == pout_.bresp, "BVALID/BRESP not held until BREADY");
		if (pout_.rvalid && !pin_.rready)
			CHECK(out.rvalid && out.rdata == pout_.rdata && out.rresp == pout_.rresp,
			      "RVALID/RDATA/RRESP not held until RREADY");
		// device-side output streams
		if (pout_.msi_valid && !pin_.msi_ready)
			CHECK(out.msi_valid && out.msi_vector == pout_.msi_vector,
			      "m_msi valid/vector not held until ready");
		if (pout_.notify_valid && !pin_.notify_ready)
			CHECK(out.notify_valid && out.notify_chan == pout_.notify_chan,
			      "m_notify valid/chan not held until ready");
	}
	// a response only for a request already accepted (AXI4 A3.3.1: B after both AW and W handshakes,
	// R after the AR handshake)
	CHECK(!out.bvalid || writes_outstanding_ > 0, "BVALID without an accepted write");
	CHECK(!out.rvalid || reads_outstanding_ > 0, "RVALID without an accepted read");
	// AXI4-Lite: every transaction completes with OKAY here (this slave never reports errors)
	CHECK(!out.bvalid || out.bresp == 0, "BRESP not OKAY");
	CHECK(!out.rvalid || out.rresp == 0, "RRESP not OKAY");
	// this slave accepts AW and W only together
	CHECK(out.awready == out.wready, "AWREADY != WREADY");
	CHECK(!out.msi_valid || out.msi_vector < n_, "MSI vector out of range");
	CHECK(!out.notify_valid || out.notify_chan < n_, "notify channel out of range");

	bool aw_hs = in.awvalid && out.awready, w_hs = in.wvalid && out.wready;
	CHECK(aw_hs == w_hs, "AW and W handshakes not in the same cycle");
	if (aw_hs)
		writes_outstanding_++;
	if (out.bvalid && in.bready)
		writes_outstanding_--;
	if (in.arvalid && out.arready)
		reads_outstanding_++;
	if (out.rvalid && in.rready)
		reads_outstanding_--;
	// the slave queues 2 write responses and 3 reads (select stage A, R register, skid slot): it must
	// not accept more than it can answer
	CHECK(writes_outstanding_ >= 0 && writes_outstanding_ <= 2, "write responses do not match writes");
	CHECK(reads_outstanding_ >= 0 && reads_outstanding_ <= 3, "read responses do not match reads");
	pin_ = in;
	pout_ = out;
	have_prev_ = true;
}

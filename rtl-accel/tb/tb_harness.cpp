// SPDX-License-Identifier: GPL-2.0
// Harness of the vbus_doorbell Verilator testbench (see tb_harness.h).
#include "tb_harness.h"

#include <cerrno>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include <verilated.h>
#include <verilated_fst_c.h>

#ifdef TB_V2
#include "Vvbus_doorbell2.h"
#else
#include "Vvbus_doorbell.h"
#endif

Tb::Tb(const char *trace_path) : ref_(N, CNT_WIDTH, TB_IS_V2, TB_TICK_LG, TB_CLK_KHZ), chk_(N)
{
	ctx_ = std::make_unique<VerilatedContext>();
	if (trace_path)
		ctx_->traceEverOn(true);
	dut_ = std::make_unique<TbDut>(ctx_.get());
	if (trace_path) {
		trace_path_ = trace_path;
		fst_ = std::make_unique<VerilatedFstC>();
		dut_->trace(fst_.get(), 99);
		fst_->open((trace_path_ + ".tmp").c_str());
	}
	reset();
}

Tb::~Tb()
{
	if (fst_) { // not finished: a failed run leaves no half-written waveform under the final name
		fst_->close();
		remove((trace_path_ + ".tmp").c_str());
	}
	dut_->final();
}

bool Tb::finish_trace()
{
	if (!fst_)
		return true;
	fst_->close();
	fst_.reset();
	std::string tmp = trace_path_ + ".tmp";
	if (rename(tmp.c_str(), trace_path_.c_str()) != 0) {
		fprintf(stderr, "vbus_doorbell_tb: trace: cannot rename %s to %s: %s\n", tmp.c_str(),
			trace_path_.c_str(), strerror(errno));
		remove(tmp.c_str());
		return false;
	}
	printf("trace: wrote %s (FST)\n", trace_path_.c_str());
	return true;
}

void Tb::expect(bool cond, const char *fmt, ...)
{
	if (cond)
		return;
	va_list ap;
	va_start(ap, fmt);
	printf("FAIL cycle %" PRIu64 ": ", cyc);
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fails_++;
}

void Tb::tick()
{
	drive();
	dut_->clk = 0;
	dut_->eval();
	if (fst_)
		fst_->dump(2 * cyc);
	out = sample();
	TbOut want = ref_.outputs(in);
	if (!in.rst && !(out == want)) {
		if (mismatches_++ == 0)
			print_history();
		if (mismatches_ <= 5) {
			printf("FAIL cycle %" PRIu64 ": RTL and reference model disagree\n  rtl: %s\n  ref: %s\n", cyc,
			       out.str().c_str(), want.str().c_str());
		}
		fails_++;
	}
	hist_[cyc % HIST] = { cyc, in, {} };
	for (unsigned c = 0; c < N; c++)
		hist_[cyc % HIST].status[c] = ref_.read_value(chan_addr(c, VBUS_ACCEL_CH_STATUS));
	chk_.observe(cyc, in, out);
	aw_hs = !in.rst && in.awvalid && out.awready;
	ar_hs = !in.rst && in.arvalid && out.arready;
	cnt_track(!in.rst && out.rvalid && in.rready, ar_hs);
	if (!in.rst) {
		if (out.msi_valid && in.msi_ready)
			msi_log.push_back({ cyc, out.msi_vector });
		if (out.notify_valid && in.notify_ready)
			notify_log.push_back({ cyc, out.notify_chan });
		if (out.bvalid && in.bready)
			b_count++;
		if (out.rvalid && in.rready) {
			r_count++;
			r_last = out.rdata;
		}
	}
	ref_.step(in);
	dut_->clk = 1;
	dut_->eval();
	if (fst_)
		fst_->dump(2 * cyc + 1);
	cyc++;
}

const char *TbCntCov::name(unsigned k)
{
	static const char *const names[KINDS] = { "CNT_DOORBELL", "CNT_IRQ", "CNT_SUPP_N", "CNT_SUPP_S",
						  "CNT_DEV_NOTIFY" };
	return k < KINDS ? names[k] : "?";
}

uint16_t TbCntCov::reg(unsigned k)
{
	static const uint16_t regs[KINDS] = { VBUS_ACCEL_CH_CNT_DOORBELL, VBUS_ACCEL_CH_CNT_IRQ,
					      VBUS_ACCEL_CH_CNT_SUPP_N, VBUS_ACCEL_CH_CNT_SUPP_S,
					      VBUS_ACCEL_CH_CNT_DEV_NOTIFY };
	return k < KINDS ? regs[k] : 0;
}

int TbCntCov::kind(unsigned off)
{
	for (unsigned k = 0; k < KINDS; k++)
		if (reg(k) == off)
			return (int)k;
	return -1;
}

// Called every cycle after the outputs were compared: an R beat taken now answers the oldest read in
// flight (its data is the RTL's, checked here against what the model said at acceptance); a read accepted
// now is tagged with the counter it names and the model's value (read_value before the model steps, the
// value the read returns). A hard reset drops the reads in flight and, as the counters restart, the last
// values.
void Tb::cnt_track(bool r_hs, bool ar_acc)
{
	if (in.rst) {
		rtags_.clear();
		for (auto &row : cnt_last_ok_)
			for (bool &ok : row)
				ok = false;
		return;
	}
	if (r_hs && !rtags_.empty()) {
		const RdTag t = rtags_.front();
		rtags_.pop_front();
		if (t.kind >= 0 && out.rdata == t.want) {
			const unsigned k = (unsigned)t.kind;
			cnt_cov_.reads[k]++;
			// a soft reset restarts a counter: a smaller value starts a new run of reads
			if (cnt_last_ok_[t.ch][k] && t.want >= cnt_last_[t.ch][k] &&
			    (t.want >> 16) > (cnt_last_[t.ch][k] >> 16))
				cnt_cov_.across[k]++;
			if ((t.want & 0xffffu) == 0 && (t.want >> 16) != 0)
				cnt_cov_.at_wrap[k]++;
			cnt_last_[t.ch][k] = t.want;
			cnt_last_ok_[t.ch][k] = true;
		}
	}
	if (ar_acc) {
		RdTag t{ -1, 0, 0 };
		const unsigned a = in.araddr & 0x1fffu;
		if (a >= VBUS_ACCEL_CHAN_BASE && a < VBUS_ACCEL_CHAN_BASE + N * VBUS_ACCEL_CHAN_STRIDE) {
			t.ch = (a - VBUS_ACCEL_CHAN_BASE) / VBUS_ACCEL_CHAN_STRIDE;
			t.kind = TbCntCov::kind(a & 0x3cu);
			t.want = ref_.read_value(in.araddr);
		}
		rtags_.push_back(t);
	}
}

void Tb::reset()
{
	in = TbIn{};
	in.rst = true;
	tick();
	tick();
	in.rst = false;
}

void Tb::write(uint16_t addr, uint32_t data, uint8_t strb)
{
	uint64_t b0 = b_count;
	in.awvalid = in.wvalid = true;
	in.awaddr = addr;
	in.wdata = data;
	in.wstrb = strb;
	for (unsigned i = 0; i < 100; i++) {
		tick();
		if (aw_hs)
			break;
	}
	in.awvalid = in.wvalid = false;
	for (unsigned i = 0; i < 100 && b_count == b0; i++)
		tick();
	expect(b_count == b0 + 1, "write 0x%04x: no B response", addr);
}

uint32_t Tb::read(uint16_t addr)
{
	uint64_t r0 = r_count;
	in.arvalid = true;
	in.araddr = addr;
	for (unsigned i = 0; i < 100; i++) {
		tick();
		if (ar_hs)
			break;
	}
	in.arvalid = false;
	for (unsigned i = 0; i < 100 && r_count == r0; i++)
		tick();
	expect(r_count == r0 + 1, "read 0x%04x: no R response", addr);
	return r_last;
}

// v1 is always ready; v2 may hold an event back for a cycle (HW-13): offer it until accepted.
void Tb::inject(unsigned ch)
{
	in.inject_valid = true;
	in.inject_chan = (uint8_t)ch;
	for (unsigned i = 0; i < 100; i++) {
		tick();
		if (out.inject_ready)
			break;
	}
	expect(out.inject_ready, "inject ch %u: never accepted", ch);
	in.inject_valid = false;
}

void Tb::ctrl(unsigned ch, unsigned op)
{
	in.ctrl_valid = true;
	in.ctrl_chan = (uint8_t)ch;
	in.ctrl_op = (uint8_t)op;
	for (unsigned i = 0; i < 100; i++) {
		tick();
		if (out.ctrl_ready)
			break;
	}
	expect(out.ctrl_ready, "ctrl ch %u: never accepted", ch);
	in.ctrl_valid = false;
}

int Tb::cycles_to_msi(unsigned ch, uint64_t from, unsigned limit)
{
	for (unsigned i = 0; i < limit; i++) {
		tick();
		if (out.msi_valid && out.msi_vector == ch)
			return (int)(cyc - 1 - from);
	}
	return -1;
}

int Tb::cycles_to_notify(unsigned ch, uint64_t from, unsigned limit)
{
	for (unsigned i = 0; i < limit; i++) {
		tick();
		if (out.notify_valid && out.notify_chan == ch)
			return (int)(cyc - 1 - from);
	}
	return -1;
}

unsigned Tb::count(const std::vector<Msg> &log, unsigned ch, uint64_t from)
{
	unsigned n = 0;
	for (const Msg &m : log)
		n += m.chan == ch && m.cycle >= from;
	return n;
}

void Tb::drive()
{
	TbDut &d = *dut_;
	d.rst = in.rst;
	d.s_axil_awaddr = in.awaddr;
	d.s_axil_awprot = in.awprot;
	d.s_axil_awvalid = in.awvalid;
	d.s_axil_wdata = in.wdata;
	d.s_axil_wstrb = in.wstrb;
	d.s_axil_wvalid = in.wvalid;
	d.s_axil_bready = in.bready;
	d.s_axil_araddr = in.araddr;
	d.s_axil_arprot = in.arprot;
	d.s_axil_arvalid = in.arvalid;
	d.s_axil_rready = in.rready;
	d.s_inject_valid = in.inject_valid;
	d.s_inject_chan = in.inject_chan;
	d.s_ctrl_valid = in.ctrl_valid;
	d.s_ctrl_chan = in.ctrl_chan;
	d.s_ctrl_op = in.ctrl_op;
	d.m_notify_ready = in.notify_ready;
	d.m_msi_ready = in.msi_ready;
}

TbOut Tb::sample() const
{
	const TbDut &d = *dut_;
	TbOut o{};
	o.awready = d.s_axil_awready;
	o.wready = d.s_axil_wready;
	o.bvalid = d.s_axil_bvalid;
	o.bresp = d.s_axil_bresp;
	o.arready = d.s_axil_arready;
	o.rvalid = d.s_axil_rvalid;
	o.rresp = d.s_axil_rresp;
	o.rdata = d.s_axil_rdata;
	o.inject_ready = d.s_inject_ready;
	o.ctrl_ready = d.s_ctrl_ready;
	o.notify_valid = d.m_notify_valid;
	o.notify_chan = d.m_notify_chan;
	o.msi_valid = d.m_msi_valid;
	o.msi_vector = d.m_msi_vector;
	return o;
}

void Tb::print_history() const
{
	printf("history before the first divergence (inputs, then the model's STATUS per channel):\n");
	for (unsigned k = 0; k < HIST; k++) {
		const Hist &h = hist_[(cyc + k) % HIST];
		if (h.cycle + HIST < cyc || h.cycle >= cyc)
			continue;
		printf("  %8" PRIu64
		       " aw%d w%d a=%04x d=%08x s=%x b%d ar%d a=%04x r%d inj%d/%u ctl%d/%u/%u mr%d nr%d |",
		       h.cycle, h.in.awvalid, h.in.wvalid, h.in.awaddr, h.in.wdata, h.in.wstrb, h.in.bready,
		       h.in.arvalid, h.in.araddr, h.in.rready, h.in.inject_valid, h.in.inject_chan, h.in.ctrl_valid,
		       h.in.ctrl_chan, h.in.ctrl_op, h.in.msi_ready, h.in.notify_ready);
		for (unsigned c = 0; c < N; c++)
			printf(" %x", h.status[c]);
		printf("\n");
	}
}

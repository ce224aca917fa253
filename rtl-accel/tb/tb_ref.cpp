// SPDX-License-Identifier: GPL-2.0
// Cycle-accurate reference model of vbus_doorbell (see tb_ref.h).
#include "tb_ref.h"

#include <cstdio>

#include <vbus/accel.h>

bool TbOut::operator==(const TbOut &o) const
{
	return awready == o.awready && wready == o.wready && bvalid == o.bvalid && arready == o.arready &&
	       rvalid == o.rvalid && bresp == o.bresp && rresp == o.rresp && rdata == o.rdata &&
	       inject_ready == o.inject_ready && ctrl_ready == o.ctrl_ready && notify_valid == o.notify_valid &&
	       msi_valid == o.msi_valid && notify_chan == o.notify_chan && msi_vector == o.msi_vector;
}

std::string TbOut::str() const
{
	char b[256];
	snprintf(b, sizeof(b),
		 "awready=%d wready=%d bvalid=%d bresp=%u arready=%d rvalid=%d rresp=%u rdata=0x%08x "
		 "inject_ready=%d ctrl_ready=%d notify=%d/%u msi=%d/%u",
		 awready, wready, bvalid, bresp, arready, rvalid, rresp, rdata, inject_ready, ctrl_ready, notify_valid,
		 notify_chan, msi_valid, msi_vector);
	return b;
}

const char *TbCoverage::ev_name(int e)
{
	static const char *const names[EV_COUNT] = {
		"fire on inject (M2, holdoff 0)",
		"fire on count threshold (M2)",
		"fire on holdoff expiry (T3)",
		"drop on holdoff expiry (T4)",
		"inject deferred (M3/M4)",
		"deferred, timer not re-armed (MOD-5)",
		"inject suppressed: N disabled",
		"inject suppressed: N pending",
		"N_ENABLE self-notify (HW-5)",
		"N_ACK re-check fires (HW-3)",
		"N_ACK re-check deferred",
		"N_ACK clears pending",
		"N_DIRTY read clears dirty (HW-4)",
		"N_DIRTY read + inject same cycle",
		"N_ACK + inject same cycle",
		"doorbell notifies device (HW-1)",
		"doorbell suppressed (HW-1)",
		"SOP_ENABLE self-notify (HW-6)",
		"SOP_ACK re-notify (HW-6)",
		"MSI stream stalled (HW-7)",
		"notify stream stalled (HW-7)",
		"MSI arbitration with >1 requester",
		"CTRL.SOFT_RESET (HW-8)",
		"mc saturated at 255",
		"MSI accepted and re-fired same cycle",
	};
	return (e >= 0 && e < EV_COUNT) ? names[e] : "?";
}

TbRef::TbRef(unsigned n_channels, unsigned cnt_width, bool v2, unsigned tick_lg, unsigned clk_khz)
    : n_(n_channels), cnt_mask_(cnt_width >= 32 ? 0xffffffffu : ((1u << cnt_width) - 1u)), ch_(n_channels)
{
	v2_ = v2;
	tick_lg_ = tick_lg;
	clk_khz_ = clk_khz;
	unsigned depth = 1;
	while (depth < n_channels)
		depth *= 2;
	fmsi_.mem.assign(depth, 0);
	fntf_.mem.assign(depth, 0);
	fmsi_.bypass = fntf_.bypass = true;
	q_msi_.assign(n_channels, false);
	q_ntf_.assign(n_channels, false);
	mirror_.assign(n_channels, Mirror{});
	reset_chans();
}

void TbRef::count_incs(Chan &c)
{
	uint32_t *const k[TbCoverage::CNT_KINDS] = { &c.cnt_doorbell, &c.cnt_irq, &c.cnt_supp_n, &c.cnt_supp_s,
						     &c.cnt_dev_notify };
	for (unsigned i = 0; i < TbCoverage::CNT_KINDS; i++) {
		if (!((c.inc >> i) & 1))
			continue;
		*k[i] = (*k[i] + 1) & cnt_mask_;
		if ((*k[i] & 0xffffu) == 0)
			cov.cnt_wraps[i]++;
	}
}

void TbRef::reset_chans()
{
	for (Chan &c : ch_)
		c = Chan{};
}

int TbRef::decode_chan(uint16_t addr, unsigned *word) const
{
	addr &= 0x1fff;
	if (addr < VBUS_ACCEL_CHAN_BASE || addr >= VBUS_ACCEL_CHAN_BASE + n_ * VBUS_ACCEL_CHAN_STRIDE)
		return -1;
	*word = (addr >> 2) & 0xf;
	return (addr - VBUS_ACCEL_CHAN_BASE) / VBUS_ACCEL_CHAN_STRIDE;
}

uint32_t TbRef::read_value(uint16_t addr) const
{
	unsigned word;
	int c = decode_chan(addr, &word);

	if (c < 0) {
		if ((addr & 0x1fff) >= 0x100)
			return 0;
		switch (addr & 0xfc) {
		case VBUS_ACCEL_ID:
			return VBUS_ACCEL_ID_VALUE;
		case VBUS_ACCEL_VERSION:
			return VBUS_ACCEL_VERSION_VALUE;
		case VBUS_ACCEL_N_CHANNELS:
			return n_;
		case VBUS_ACCEL_MOD_TICK_LG:
			return v2_ ? tick_lg_ : 0; /* v1: the holdoff unit is one cycle */
		case VBUS_ACCEL_CLK_KHZ:
			return clk_khz_;
		default:
			return 0;
		}
	}
	const Chan &h = ch_[c];
	switch (word * 4) {
	case VBUS_ACCEL_CH_N_ENABLE:
		return h.n_en;
	case VBUS_ACCEL_CH_N_DIRTY:
		return h.n_di;
	case VBUS_ACCEL_CH_MOD_HOLDOFF:
		return h.holdoff;
	case VBUS_ACCEL_CH_MOD_COUNT:
		return h.count;
	case VBUS_ACCEL_CH_STATUS:
		return (uint32_t)h.n_en << VBUS_ACCEL_STATUS_N_ENABLED_SHIFT |
		       (uint32_t)h.n_pe << VBUS_ACCEL_STATUS_N_PENDING_SHIFT |
		       (uint32_t)h.n_di << VBUS_ACCEL_STATUS_N_DIRTY_SHIFT |
		       (uint32_t)h.s_en << VBUS_ACCEL_STATUS_S_ENABLED_SHIFT |
		       (uint32_t)h.s_pe << VBUS_ACCEL_STATUS_S_PENDING_SHIFT |
		       (uint32_t)h.s_di << VBUS_ACCEL_STATUS_S_DIRTY_SHIFT |
		       (uint32_t)(v2_ ? h.armed : h.mt != 0) << VBUS_ACCEL_STATUS_MOD_ARMED_SHIFT |
		       (uint32_t)h.mc << VBUS_ACCEL_STATUS_MOD_COUNT_SHIFT;
	case VBUS_ACCEL_CH_CNT_DOORBELL:
		return h.cnt_doorbell;
	case VBUS_ACCEL_CH_CNT_IRQ:
		return h.cnt_irq;
	case VBUS_ACCEL_CH_CNT_SUPP_N:
		return h.cnt_supp_n;
	case VBUS_ACCEL_CH_CNT_SUPP_S:
		return h.cnt_supp_s;
	case VBUS_ACCEL_CH_CNT_DEV_NOTIFY:
		return h.cnt_dev_notify;
	default:
		return 0;
	}
}

TbOut TbRef::outputs(const TbIn &in) const
{
	TbOut o{};
	if (v2_) {
		Sel s = select2(in);
		o.awready = o.wready = s.wr_go;
		o.bvalid = bcount_ != 0;
		o.arready = s.rd_go;
		o.rvalid = rvalid_;
		o.rdata = rdata_;
		o.inject_ready = !s.busy && (!s.inj_in || (s.nsel == in.inject_chan && !s.nblk));
		o.ctrl_ready = !s.busy && (!s.ctl_in || s.ssel == in.ctrl_chan);
		o.msi_valid = fmsi_.q0v;
		o.msi_vector = (uint8_t)fmsi_.q0c;
		o.notify_valid = fntf_.q0v;
		o.notify_chan = (uint8_t)fntf_.q0c;
		return o;
	}
	bool wr_go = in.awvalid && in.wvalid && bcount_ < 2;

	o.awready = o.wready = wr_go;
	o.bvalid = bcount_ != 0;
	o.bresp = 0;
	o.arready = !(a_valid_ && rvalid_ && skid_valid_);
	o.rvalid = rvalid_;
	o.rresp = 0;
	o.rdata = rdata_;
	o.inject_ready = o.ctrl_ready = true;
	o.msi_valid = msi_.valid;
	o.msi_vector = msi_.chan;
	o.notify_valid = notify_.valid;
	o.notify_chan = notify_.chan;
	return o;
}

void TbRef::fire(Chan &c)
{
	c.mc = 0;
	c.mt = 0;
	c.armed = false;
	c.n_pe = true;
	c.msi_req = true;
}

// §4.1 M1-M4. Returns true if it fired.
bool TbRef::mod_inject(Chan &c, bool from_ack, uint16_t h, uint8_t cnt)
{
	if (c.mc == 255)
		cov.ev[TbCoverage::EV_MC_SATURATED]++;
	else
		c.mc++;
	if (h == 0 || (cnt != 0 && c.mc >= cnt)) {
		cov.ev[h == 0 ? TbCoverage::EV_FIRE_INJECT : TbCoverage::EV_FIRE_COUNT]++;
		fire(c);
		return true;
	}
	if (c.mt == 0)
		c.mt = h;
	else
		cov.ev[TbCoverage::EV_DEFER_NO_REARM]++;
	cov.ev[from_ack ? TbCoverage::EV_ACK_REDEFER : TbCoverage::EV_DEFER]++;
	return false;
}

void TbRef::stream_step(Stream &s, bool ready, const bool *req)
{
	if (s.valid && !ready)
		return;
	int grant = -1, eligible = 0;
	for (unsigned k = 0; k < n_; k++) {
		unsigned i = (s.after + k) % n_;
		if (req[i] && !(s.valid && s.chan == i)) {
			eligible++;
			if (grant < 0)
				grant = (int)i;
		}
	}
	if (&s == &msi_ && eligible > 1)
		cov.ev[TbCoverage::EV_MSI_CONTENTION]++;
	s.valid = grant >= 0;
	if (grant >= 0) {
		s.chan = (unsigned)grant;
		s.after = (unsigned)grant + 1;
		if (s.after >= n_)
			s.after = 0;
	}
}

void TbRef::step(const TbIn &in)
{
	if (v2_) {
		step2(in);
		return;
	}
	if (in.rst) {
		reset_chans();
		msi_ = Stream{};
		notify_ = Stream{};
		bcount_ = 0;
		rvalid_ = skid_valid_ = a_valid_ = false;
		rdata_ = skid_data_ = a_data_ = 0;
		return;
	}
	TbOut o = outputs(in);
	bool wr_go = o.awready, rd_go = in.arvalid && o.arready;
	int msi_acc = (msi_.valid && in.msi_ready) ? (int)msi_.chan : -1;
	int notify_acc = (notify_.valid && in.notify_ready) ? (int)notify_.chan : -1;
	bool req_msi[64], req_notify[64];
	for (unsigned i = 0; i < n_; i++) {
		req_msi[i] = ch_[i].msi_req;
		req_notify[i] = ch_[i].notify_req;
	}
	if (msi_.valid && !in.msi_ready)
		cov.ev[TbCoverage::EV_MSI_STALL]++;
	if (notify_.valid && !in.notify_ready)
		cov.ev[TbCoverage::EV_NOTIFY_STALL]++;

	uint32_t rv = read_value(in.araddr);
	unsigned wword = 0, rword = 0;
	int wch = wr_go ? decode_chan(in.awaddr, &wword) : -1;
	int rch = rd_go ? decode_chan(in.araddr, &rword) : -1;
	bool soft_reset = wr_go && (in.awaddr & 0x1fff) < 0x100 && (in.awaddr & 0xfc) == VBUS_ACCEL_CTRL &&
			  (in.wstrb & 1) && (in.wdata & 1);

	for (unsigned i = 0; i < n_; i++) {
		Chan &c = ch_[i];
		unsigned n0 = n_state(c), s0 = s_state(c);
		uint8_t inc = 0;
		// counters: last cycle's increments land now (the RTL registers them, for timing)
		count_incs(c);
		// MOD_HOLDOFF/MOD_COUNT writes take effect from the next cycle
		const uint16_t h = c.holdoff;
		const uint8_t cnt = c.count;

		// 1. moderation tick
		if (c.mt != 0) {
			c.mt--;
			if (c.mt == 0) {
				if (c.mc != 0 && c.n_en && !c.n_pe) {
					c.n_pe = true;
					c.msi_req = true;
					cov.ev[TbCoverage::EV_FIRE_TICK]++;
				} else {
					cov.ev[TbCoverage::EV_DROP_TICK]++;
				}
				c.mc = 0;
			}
		}
		// 2. stream acceptances
		if (msi_acc == (int)i) {
			c.msi_req = false;
			inc |= 2;
		}
		if (notify_acc == (int)i) {
			c.notify_req = false;
			c.s_di = false;
			inc |= 16;
		}
		// 3. N_DIRTY read
		bool dirty_read = rch == (int)i && rword * 4 == VBUS_ACCEL_CH_N_DIRTY;
		if (dirty_read) {
			if (c.n_di)
				cov.ev[TbCoverage::EV_DIRTY_READ_CLEAR]++;
			c.n_di = false;
		}
		// 4. CPU write
		bool acked = false;
		if (wch == (int)i) {
			switch (wword * 4) {
			case VBUS_ACCEL_CH_DOORBELL:
				inc |= 1;
				c.s_di = true;
				if (c.s_en && !c.s_pe) {
					c.s_pe = true;
					c.notify_req = true;
					cov.ev[TbCoverage::EV_S_NOTIFY]++;
				} else {
					inc |= 8;
					cov.ev[TbCoverage::EV_S_SUPP]++;
				}
				break;
			case VBUS_ACCEL_CH_N_ENABLE:
				if (!(in.wstrb & 1))
					break;
				c.n_en = in.wdata & 1;
				if (c.n_en && c.n_di && !c.n_pe) {
					fire(c);
					cov.ev[TbCoverage::EV_ENABLE_SELF]++;
				}
				break;
			case VBUS_ACCEL_CH_N_ACK:
				acked = true;
				c.n_pe = false;
				if (c.n_di && c.n_en) {
					if (mod_inject(c, true, h, cnt))
						cov.ev[TbCoverage::EV_ACK_REFIRE]++;
				} else {
					cov.ev[TbCoverage::EV_ACK_CLEAR]++;
				}
				break;
			case VBUS_ACCEL_CH_MOD_HOLDOFF:
				if (in.wstrb & 1)
					c.holdoff = (uint16_t)((c.holdoff & 0xff00) | (in.wdata & 0xff));
				if (in.wstrb & 2)
					c.holdoff = (uint16_t)((c.holdoff & 0x00ff) | (in.wdata & 0xff00));
				break;
			case VBUS_ACCEL_CH_MOD_COUNT:
				if (in.wstrb & 1)
					c.count = (uint8_t)in.wdata;
				break;
			default:
				break;
			}
		}
		// 5. device control
		if (in.ctrl_valid && in.ctrl_chan == i) {
			switch (in.ctrl_op) {
			case VBUS_ACCEL_SOP_ENABLE:
				c.s_en = true;
				if (c.s_di && !c.s_pe) {
					c.s_pe = true;
					c.notify_req = true;
					cov.ev[TbCoverage::EV_S_ENABLE_SELF]++;
				}
				break;
			case VBUS_ACCEL_SOP_DISABLE:
				c.s_en = false;
				break;
			case VBUS_ACCEL_SOP_ACK:
				c.s_pe = false;
				if (c.s_di && c.s_en) {
					c.s_pe = true;
					c.notify_req = true;
					cov.ev[TbCoverage::EV_S_ACK_RENOTIFY]++;
				}
				break;
			default:
				break;
			}
		}
		// 6. device inject
		if (in.inject_valid && in.inject_chan == i) {
			if (dirty_read)
				cov.ev[TbCoverage::EV_DIRTY_READ_AND_INJECT]++;
			if (acked)
				cov.ev[TbCoverage::EV_ACK_AND_INJECT]++;
			c.n_di = true;
			if (c.n_en && !c.n_pe) {
				if (!mod_inject(c, false, h, cnt))
					inc |= 4;
			} else {
				cov.ev[c.n_en ? TbCoverage::EV_SUPP_PENDING : TbCoverage::EV_SUPP_DISABLED]++;
				inc |= 4;
			}
		}
		if (msi_acc == (int)i && c.msi_req)
			cov.ev[TbCoverage::EV_MSI_ACCEPT_AND_FIRE]++;

		c.inc = inc;
		unsigned n1 = n_state(c), s1 = s_state(c);
		if (n1 != n0)
			cov.n_trans[n0][n1]++;
		if (s1 != s0)
			cov.s_trans[s0][s1]++;
	}
	if (soft_reset) {
		reset_chans();
		cov.ev[TbCoverage::EV_SOFT_RESET]++;
	}

	if (soft_reset) { // the streams grant nothing new in the reset cycle
		for (unsigned i = 0; i < n_; i++)
			req_msi[i] = req_notify[i] = false;
	}
	stream_step(msi_, in.msi_ready, req_msi);
	stream_step(notify_, in.notify_ready, req_notify);

	bcount_ = bcount_ + wr_go - (bcount_ != 0 && in.bready);
	// Read pipeline: the value is taken when the read is accepted (stage A), moves on the next cycle
	// to R, or to the skid slot when R is held (the RTL's counter RAM read is in flight meanwhile).
	bool a_valid = a_valid_;
	if (!rvalid_ || in.rready) { // the R register frees: skid slot first, else A
		if (skid_valid_) {
			rvalid_ = true;
			rdata_ = skid_data_;
			skid_valid_ = a_valid;
			if (a_valid)
				skid_data_ = a_data_;
		} else {
			rvalid_ = a_valid;
			if (a_valid)
				rdata_ = a_data_;
		}
		a_valid = false;
	} else if (a_valid && !skid_valid_) {
		skid_valid_ = true;
		skid_data_ = a_data_;
		a_valid = false;
	}
	a_valid_ = a_valid;
	if (rd_go) {
		a_valid_ = true;
		a_data_ = rv;
	}
}

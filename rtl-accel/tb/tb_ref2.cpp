// SPDX-License-Identifier: GPL-2.0
// Reference model of vbus_doorbell2 (v2), written from docs/spec/05-transports.md §5.4 HW-12..HW-15:
// the channel rules of v1 (HW-1..HW-8, the HW-10 order), with one channel per engine per clock, the
// id FIFOs of the streams, the RAM sweep after a reset and moderation in ticks with one scanner.
#include "tb_ref.h"

#include <vbus/accel.h>

void TbRef::Fifo::step(bool rst, bool flush, bool push, unsigned chan, bool ready)
{
	const unsigned depth = (unsigned)mem.size();
	bool pop = q0v && ready;
	bool ram_some = wr != rd;
	unsigned occ_next = q0v + q1v + inflight - pop;
	bool fetch = ram_some && occ_next != 2;
	bool byp0 = bypass && push && !ram_some && !inflight && occ_next != 2;
	bool byp1 = bypass && push && !ram_some && inflight && occ_next != 2;
	unsigned new_rd_data = mem[rd % depth]; // read-first: the old content
	unsigned old_rd_data = inflight_byp ? byp_data : rd_data;
	bool old_inflight = inflight;
	byp_data = chan;
	if (push)
		mem[wr % depth] = chan;
	rd_data = new_rd_data;
	if (rst) {
		clear();
		return;
	}
	if (flush) {
		rd = wr;
		inflight = inflight_byp = false;
		q0v = q0v && !pop;
		q1v = false;
		return;
	}
	if (push && !byp0 && !byp1)
		wr = (wr + 1) % (2 * depth);
	if (fetch)
		rd = (rd + 1) % (2 * depth);
	inflight = fetch || byp1;
	inflight_byp = byp1;
	// the entry arriving at the output buffer: last cycle's RAM read (or bypassed push), or this cycle's
	// push bypassed straight to it
	const bool arr = old_inflight || byp0;
	const unsigned arr_d = old_inflight ? old_rd_data : chan;
	if (!pop && !arr)
		return;
	if (!pop) { // an entry arrives
		if (q0v) {
			q1v = true;
			q1c = arr_d;
		} else {
			q0v = true;
			q0c = arr_d;
		}
		return;
	}
	// pop
	if (!q1v && !arr) {
		q0v = false;
	} else if (!q1v) {
		q0c = arr_d;
	} else if (!arr) {
		q0c = q1c;
		q1v = false;
	} else {
		q0c = q1c;
		q1c = arr_d;
	}
}

TbRef::Sel TbRef::select2(const TbIn &in) const
{
	Sel s{};
	s.busy = sweep_ > 0;
	s.wr_offer = in.awvalid && in.wvalid && bcount_ < 2 && !s.busy;
	s.rd_offer = in.arvalid && !(a_valid_ && rvalid_ && skid_valid_) && !s.busy;
	s.wch = decode_chan(in.awaddr, &s.wword);
	s.rch = decode_chan(in.araddr, &s.rword);
	unsigned w = s.wword * 4;
	s.wr_needs_n = s.wch >= 0 && (w == VBUS_ACCEL_CH_N_ENABLE || w == VBUS_ACCEL_CH_N_ACK ||
				      w == VBUS_ACCEL_CH_MOD_HOLDOFF || w == VBUS_ACCEL_CH_MOD_COUNT);
	s.wr_needs_s = s.wch >= 0 && w == VBUS_ACCEL_CH_DOORBELL;
	unsigned r = s.rword * 4;
	// the north RAM has one read port (the engine's): reads of the registers in the north word take an op
	s.rd_needs_n =
		s.rch >= 0 && (r == VBUS_ACCEL_CH_N_DIRTY || r == VBUS_ACCEL_CH_N_ENABLE || r == VBUS_ACCEL_CH_STATUS ||
			       r == VBUS_ACCEL_CH_MOD_HOLDOFF || r == VBUS_ACCEL_CH_MOD_COUNT);
	s.inj_in = in.inject_valid && in.inject_chan < n_;
	s.ctl_in = in.ctrl_valid && in.ctrl_chan < n_ && in.ctrl_op != 3;
	s.xn = x_due_ && !s.busy; // registered: the mirror was read two cycles ago
	bool rn = s.rd_offer && s.rd_needs_n, wn = s.wr_offer && s.wr_needs_n;
	s.nsel = s.xn ? x_chan_ : rn ? (unsigned)s.rch : wn ? (unsigned)s.wch : in.inject_chan;
	s.an = fntf_.q0v && in.notify_ready && !s.busy;
	bool ws = s.wr_offer && s.wr_needs_s;
	s.ssel = s.an ? fntf_.q0c : ws ? (unsigned)s.wch : in.ctrl_chan;
	// spacing (HW-13): the north modify takes two cycles, so the channel of the cycle waits if the engine
	// took it last cycle, or if the scanner may expire it next cycle (its mirror read says armed); an
	// expiry op is never held back
	s.nblk = !s.xn &&
		 ((prev_n_ch_ >= 0 && s.nsel == (unsigned)prev_n_ch_) || (scan_ok_ && mir_armed_ && s.nsel == x_cand_));
	s.wr_go = s.wr_offer && (!s.wr_needs_n || (s.nsel == (unsigned)s.wch && !s.nblk)) &&
		  (!s.wr_needs_s || s.ssel == (unsigned)s.wch);
	s.rd_go = s.rd_offer && (!s.rd_needs_n || (s.nsel == (unsigned)s.rch && !s.nblk));
	s.inj_go = !s.busy && s.inj_in && s.nsel == in.inject_chan && !s.nblk;
	s.ctl_go = !s.busy && s.ctl_in && s.ssel == in.ctrl_chan;
	return s;
}

// §4.1 M1-M4 with an absolute deadline (v2). Returns true if it fired.
bool TbRef::mod_inject2(Chan &c, uint16_t h, uint8_t cnt, uint32_t now1)
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
	if (!c.armed) {
		c.armed = true;
		c.dl = (now1 + h) & 0x1ffffu;
	} else {
		cov.ev[TbCoverage::EV_DEFER_NO_REARM]++;
	}
	return false;
}

/* what a hard and a soft reset both restart in v2: the clearing sweep, the time base and its scanner, the
 * scanner's mirror and the stream accepts in flight */
void TbRef::reset_v2_sweep()
{
	pend_msi_ = pend_ntf_ = pend_msi1_ = -1;
	push_msi_ = push_ntf_ = push_ntf1_ = -1;
	prev_n_ch_ = -1;
	sweep_ = n_;
	tick_cnt_ = scan_ = 0;
	scan_on_ = true;
	now_ = 0;
	scan_ok_ = false;
	x_due_ = false;
	mirror_.assign(n_, Mirror{});
	pend_mir_ch_ = pend_mir1_ch_ = -1;
}

void TbRef::step2(const TbIn &in)
{
	const unsigned tmax = (1u << tick_lg_) - 1;
	if (in.rst) {
		reset_chans();
		bcount_ = 0;
		rvalid_ = skid_valid_ = a_valid_ = false;
		rdata_ = skid_data_ = a_data_ = 0;
		fmsi_.step(true, false, false, 0, false);
		fntf_.step(true, false, false, 0, false);
		q_msi_.assign(n_, false);
		q_ntf_.assign(n_, false);
		msi_stale_ = ntf_stale_ = false;
		reset_v2_sweep();
		return;
	}
	const Sel s = select2(in);
	const uint32_t now1 = (now_ + (tick_cnt_ == tmax)) & 0x1ffffu; // `now` in the modify cycle
	const bool msi_hs = fmsi_.q0v && in.msi_ready, ntf_hs = fntf_.q0v && in.notify_ready;
	const unsigned msi_head = fmsi_.q0c, ntf_head = fntf_.q0c;
	if (fmsi_.q0v && !in.msi_ready)
		cov.ev[TbCoverage::EV_MSI_STALL]++;
	if (fntf_.q0v && !in.notify_ready)
		cov.ev[TbCoverage::EV_NOTIFY_STALL]++;
	const uint32_t rv = read_value(in.araddr);
	const bool soft_reset = s.wr_go && (in.awaddr & 0x1fff) < 0x100 && (in.awaddr & 0xfc) == VBUS_ACCEL_CTRL &&
				(in.wstrb & 1) && (in.wdata & 1);

	// last cycle's counter increments: the banks take them now unless they sweep
	for (Chan &c : ch_) {
		if (!s.busy)
			count_incs(c);
		c.inc = 0;
	}
	if (msi_hs)
		ch_[msi_head].inc |= 2;
	if (ntf_hs)
		ch_[ntf_head].inc |= 16;

	// the fires decided now (north: the op of two cycles ago in its stage B; south: last cycle's op), merged
	// with a message still queued; a decided push enters its FIFO through registers (MSI 1, notify 2), so
	// that both streams show a message 4 cycles after its cause
	const bool msi_clr = msi_hs && !msi_stale_, ntf_clr = ntf_hs && !ntf_stale_;
	const bool push_m = pend_msi_ >= 0 && !(q_msi_[pend_msi_] && !(msi_clr && (int)msi_head == pend_msi_));
	const bool push_n = pend_ntf_ >= 0 && !(q_ntf_[pend_ntf_] && !(ntf_clr && (int)ntf_head == pend_ntf_));
	if (push_m && fmsi_.size() > 0 && !(msi_hs && fmsi_.size() == 1))
		cov.ev[TbCoverage::EV_MSI_CONTENTION]++;
	if (push_m && msi_hs && (int)msi_head == pend_msi_)
		cov.ev[TbCoverage::EV_MSI_ACCEPT_AND_FIRE]++;
	const int push_m_ch = pend_msi_, push_n_ch = pend_ntf_;
	pend_msi_ = pend_msi1_;
	pend_msi1_ = pend_ntf_ = -1;
	const int fifo_m = push_msi_, fifo_n = push_ntf1_;
	const unsigned fifo_m_d = push_msi_d_, fifo_n_d = push_ntf1_d_;
	push_ntf1_ = push_ntf_;
	push_ntf1_d_ = push_ntf_d_;
	push_msi_ = push_m ? push_m_ch : -1;
	push_msi_d_ = push_m ? (unsigned)push_m_ch : 0;
	push_ntf_ = push_n ? push_n_ch : -1;
	push_ntf_d_ = push_n ? (unsigned)push_n_ch : 0;

	// this cycle's ops: one channel per engine, the events on it in the HW-10 order
	int mir_ch = -1;
	if (!s.busy) {
		const bool n_op = s.xn || (s.rd_go && s.rd_needs_n) || (s.wr_go && s.wr_needs_n) || s.inj_go;
		const bool s_op = s.an || (s.wr_go && s.wr_needs_s) || s.ctl_go;
		if (n_op) {
			Chan &c = ch_[s.nsel];
			unsigned n0 = n_state(c);
			const uint16_t h = c.holdoff;
			const uint8_t cnt = c.count;
			c.msi_req = false;			     // set by fire(): this op fires
			if (s.xn && c.armed && passed(c.dl, now1)) { // 1. expiry
				if (c.mc != 0 && c.n_en && !c.n_pe) {
					c.n_pe = true;
					c.msi_req = true;
					cov.ev[TbCoverage::EV_FIRE_TICK]++;
				} else {
					cov.ev[TbCoverage::EV_DROP_TICK]++;
				}
				c.armed = false;
				c.mc = 0;
			}
			bool dirty_read = s.rd_go && s.rd_needs_n && s.rword * 4 == VBUS_ACCEL_CH_N_DIRTY;
			if (dirty_read) { // 3.
				if (c.n_di)
					cov.ev[TbCoverage::EV_DIRTY_READ_CLEAR]++;
				c.n_di = false;
			}
			bool acked = false;
			if (s.wr_go && s.wr_needs_n) { // 4.
				switch (s.wword * 4) {
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
						if (mod_inject2(c, h, cnt, now1))
							cov.ev[TbCoverage::EV_ACK_REFIRE]++;
						else
							cov.ev[TbCoverage::EV_ACK_REDEFER]++;
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
			if (s.inj_go) { // 6.
				if (dirty_read)
					cov.ev[TbCoverage::EV_DIRTY_READ_AND_INJECT]++;
				if (acked)
					cov.ev[TbCoverage::EV_ACK_AND_INJECT]++;
				c.n_di = true;
				if (c.n_en && !c.n_pe) {
					if (!mod_inject2(c, h, cnt, now1)) {
						c.inc |= 4;
						cov.ev[TbCoverage::EV_DEFER]++;
					}
				} else {
					cov.ev[c.n_en ? TbCoverage::EV_SUPP_PENDING : TbCoverage::EV_SUPP_DISABLED]++;
					c.inc |= 4;
				}
			}
			if (c.msi_req)
				pend_msi1_ = (int)s.nsel;
			c.msi_req = false;
			mir_ch = (int)s.nsel;
			unsigned n1 = n_state(c);
			if (n1 != n0)
				cov.n_trans[n0][n1]++;
		}
		if (s_op) {
			Chan &c = ch_[s.ssel];
			unsigned s0 = s_state(c);
			bool fired = false;
			if (s.an) // 2. the notification was accepted: the device's drain starts
				c.s_di = false;
			if (s.wr_go && s.wr_needs_s) { // 4. DOORBELL
				c.inc |= 1;
				c.s_di = true;
				if (c.s_en && !c.s_pe) {
					c.s_pe = true;
					fired = true;
					cov.ev[TbCoverage::EV_S_NOTIFY]++;
				} else {
					c.inc |= 8;
					cov.ev[TbCoverage::EV_S_SUPP]++;
				}
			}
			if (s.ctl_go) { // 5.
				switch (in.ctrl_op) {
				case VBUS_ACCEL_SOP_ENABLE:
					c.s_en = true;
					if (c.s_di && !c.s_pe) {
						c.s_pe = true;
						fired = true;
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
						fired = true;
						cov.ev[TbCoverage::EV_S_ACK_RENOTIFY]++;
					}
					break;
				default:
					break;
				}
			}
			if (fired)
				pend_ntf_ = (int)s.ssel;
			unsigned s1 = s_state(c);
			if (s1 != s0)
				cov.s_trans[s0][s1]++;
		}
	}

	// queued flags and FIFOs
	const bool chan_rst = soft_reset;
	if (chan_rst) {
		q_msi_.assign(n_, false);
		q_ntf_.assign(n_, false);
		msi_stale_ = fmsi_.q0v && !msi_hs;
		ntf_stale_ = fntf_.q0v && !ntf_hs;
	} else {
		if (msi_clr)
			q_msi_[msi_head] = false;
		if (push_m)
			q_msi_[push_m_ch] = true;
		if (ntf_clr)
			q_ntf_[ntf_head] = false;
		if (push_n)
			q_ntf_[push_n_ch] = true;
		if (msi_hs)
			msi_stale_ = false;
		if (ntf_hs)
			ntf_stale_ = false;
	}
	fmsi_.step(false, soft_reset, fifo_m >= 0, fifo_m_d, in.msi_ready);
	fntf_.step(false, soft_reset, fifo_n >= 0, fifo_n_d, in.notify_ready);

	// the scanner reads the mirror as left by the ops before last cycle's, then last cycle's op lands
	bool mir_armed = mirror_[scan_].armed;
	uint32_t mir_dl = mirror_[scan_].dl;
	if (pend_mir_ch_ >= 0)
		mirror_[pend_mir_ch_] = pend_mir_;
	pend_mir_ch_ = pend_mir1_ch_;
	pend_mir_ = pend_mir1_;
	pend_mir1_ch_ = mir_ch;
	if (mir_ch >= 0)
		pend_mir1_ = Mirror{ ch_[mir_ch].armed, ch_[mir_ch].dl };
	prev_n_ch_ = mir_ch; // the north op of this cycle (stage A next cycle)

	if (soft_reset) {
		reset_chans();
		cov.ev[TbCoverage::EV_SOFT_RESET]++;
		reset_v2_sweep();
		mir_armed_ = mir_armed;
		mir_dl_ = mir_dl;
	} else {
		bool busy = sweep_ > 0;
		if (sweep_ > 0)
			sweep_--;
		// the expiry check of last cycle's mirror read, against `now` of the next cycle (the request's)
		x_due_ = scan_ok_ && mir_armed_ && passed(mir_dl_, now1);
		x_chan_ = x_cand_;
		mir_armed_ = mir_armed;
		mir_dl_ = mir_dl;
		x_cand_ = scan_;
		scan_ok_ = !busy && scan_on_;
		// every channel once per tick, from the tick's first cycle, then the scanner rests
		if (tick_cnt_ == tmax) {
			scan_ = 0;
			scan_on_ = true;
		} else if (scan_ + 1 == n_) {
			scan_on_ = false;
		} else {
			scan_++;
		}
		if (tick_cnt_ == tmax) {
			tick_cnt_ = 0;
			now_ = (now_ + 1) & 0x1ffffu;
		} else {
			tick_cnt_++;
		}
	}

	bcount_ = bcount_ + s.wr_go - (bcount_ != 0 && in.bready);
	bool a_valid = a_valid_;
	if (!rvalid_ || in.rready) {
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
	if (s.rd_go) {
		a_valid_ = true;
		a_data_ = rv;
	}
}

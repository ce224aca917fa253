// SPDX-License-Identifier: GPL-2.0
// Cycle-accurate reference model (scoreboard) of vbus_doorbell, written from
// docs/spec/05-transports.md §5.4, §4.1 and the event order documented in vbus_doorbell_chan.v.
// The testbench steps it with the same inputs as the RTL and compares every output, every cycle.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

// Inputs of one clock cycle (the values driven before the rising edge).
struct TbIn {
	bool rst = false;
	bool awvalid = false, wvalid = false, bready = true, arvalid = false, rready = true;
	uint16_t awaddr = 0, araddr = 0;
	uint32_t wdata = 0;
	uint8_t wstrb = 0xf, awprot = 0, arprot = 0;
	bool inject_valid = false, ctrl_valid = false;
	uint8_t inject_chan = 0, ctrl_chan = 0, ctrl_op = 0;
	bool notify_ready = true, msi_ready = true;
};

// Outputs of one clock cycle (registered outputs and the combinational ready signals).
struct TbOut {
	bool awready, wready, bvalid, arready, rvalid;
	uint8_t bresp, rresp;
	uint32_t rdata;
	bool inject_ready, ctrl_ready;
	bool notify_valid, msi_valid;
	uint8_t notify_chan, msi_vector;
	bool operator==(const TbOut &o) const;
	std::string str() const;
};

// Coverage counters the model records while stepping (state-transition and event coverage).
struct TbCoverage {
	uint64_t n_trans[8][8] = {}; // N record (enabled,pending,dirty) from -> to, changes only
	uint64_t s_trans[8][8] = {}; // S record, same encoding
	enum Ev {
		EV_FIRE_INJECT,
		EV_FIRE_COUNT,
		EV_FIRE_TICK,
		EV_DROP_TICK,
		EV_DEFER,
		EV_DEFER_NO_REARM,
		EV_SUPP_DISABLED,
		EV_SUPP_PENDING,
		EV_ENABLE_SELF,
		EV_ACK_REFIRE,
		EV_ACK_REDEFER,
		EV_ACK_CLEAR,
		EV_DIRTY_READ_CLEAR,
		EV_DIRTY_READ_AND_INJECT,
		EV_ACK_AND_INJECT,
		EV_S_NOTIFY,
		EV_S_SUPP,
		EV_S_ENABLE_SELF,
		EV_S_ACK_RENOTIFY,
		EV_MSI_STALL,
		EV_NOTIFY_STALL,
		EV_MSI_CONTENTION,
		EV_SOFT_RESET,
		EV_MC_SATURATED,
		EV_MSI_ACCEPT_AND_FIRE,
		EV_COUNT
	};
	uint64_t ev[EV_COUNT] = {};
	static const char *ev_name(int e);
	// increments that wrapped a counter's lower 16 bits (0xffff -> 0; the v2 banks write the upper half
	// only then), any channel; index: CNT_DOORBELL, CNT_IRQ, CNT_SUPP_N, CNT_SUPP_S, CNT_DEV_NOTIFY
	static constexpr unsigned CNT_KINDS = 5;
	uint64_t cnt_wraps[CNT_KINDS] = {};
};

class TbRef
{
      public:
	// v2 = false: vbus_doorbell (v1, HW-9..HW-11); v2 = true: vbus_doorbell2 (HW-12..HW-15: one channel
	// per engine per clock, id FIFOs, a RAM sweep after reset, moderation in ticks of 2^tick_lg cycles).
	TbRef(unsigned n_channels, unsigned cnt_width, bool v2 = false, unsigned tick_lg = 0, unsigned clk_khz = 0);
	// Outputs for this cycle given the inputs (before the edge).
	TbOut outputs(const TbIn &in) const;
	// Advance one clock edge with inputs `in`.
	void step(const TbIn &in);
	// Value a read of `addr` returns if accepted now (no side effect).
	uint32_t read_value(uint16_t addr) const;
	TbCoverage cov;

      private:
	struct Chan {
		bool n_en, n_pe, n_di, s_en, s_pe, s_di, msi_req, notify_req;
		bool armed;  // v2: the deadline is armed
		uint32_t dl; // v2: absolute deadline in ticks (17 bits)
		uint16_t holdoff, mt;
		uint8_t count, mc;
		uint32_t cnt_doorbell, cnt_irq, cnt_supp_n, cnt_supp_s, cnt_dev_notify;
		uint8_t inc; // counter increments of the last cycle, applied in this one (bit per counter)
	};
	struct Stream {
		bool valid;
		unsigned chan;
		unsigned after; // first channel index eligible for the round-robin scan
	};
	void count_incs(Chan &c); // apply last cycle's counter increments (c.inc), counting lower-half wraps
	bool mod_inject(Chan &c, bool from_ack, uint16_t h, uint8_t cnt);
	void fire(Chan &c);
	void stream_step(Stream &s, bool ready, const bool *req);
	static unsigned n_state(const Chan &c)
	{
		return (c.n_en << 2) | (c.n_pe << 1) | c.n_di;
	}
	static unsigned s_state(const Chan &c)
	{
		return (c.s_en << 2) | (c.s_pe << 1) | c.s_di;
	}
	int decode_chan(uint16_t addr, unsigned *word) const;
	void reset_chans();
	void reset_v2_sweep();

	// ---- v2 (vbus_doorbell2) ----
	struct Fifo { // vbus_id_fifo, cycle by cycle
		std::vector<unsigned> mem;
		unsigned wr = 0, rd = 0, rd_data = 0, q0c = 0, q1c = 0;
		bool inflight = false, q0v = false, q1v = false;
		bool bypass = false; // BYPASS = 1: a push into an empty FIFO skips the RAM
		bool inflight_byp = false;
		unsigned byp_data = 0;
		void clear()
		{
			wr = rd = 0;
			inflight = inflight_byp = q0v = q1v = false;
		}
		void step(bool rst, bool flush, bool push, unsigned chan, bool ready);
		unsigned size() const
		{
			unsigned d2 = 2 * (unsigned)mem.size();
			return (wr + d2 - rd) % d2 + inflight + q0v + q1v;
		}
	};
	struct Sel { // one cycle's engine arbitration (outputs() and step() agree by construction)
		bool busy, wr_offer, rd_offer, wr_needs_n, wr_needs_s, rd_needs_n, inj_in, ctl_in;
		bool xn, an, wr_go, rd_go, inj_go, ctl_go;
		bool nblk; // the north channel of the cycle waits (spacing rule, HW-13)
		int wch, rch;
		unsigned wword, rword, nsel, ssel;
	};
	Sel select2(const TbIn &in) const;
	void step2(const TbIn &in);
	bool mod_inject2(Chan &c, uint16_t h, uint8_t cnt, uint32_t now1);
	static bool passed(uint32_t dl, uint32_t now)
	{
		return ((now - dl) & 0x1ffffu) < 0x10000u;
	}
	bool v2_ = false;
	unsigned tick_lg_ = 0;
	unsigned clk_khz_ = 0; // the CLK_KHZ parameter (register CLK_KHZ)
	unsigned sweep_ = 0;   // cycles of the RAM sweep left (inputs not ready)
	Fifo fmsi_, fntf_;
	std::vector<bool> q_msi_, q_ntf_; // queued flags
	bool msi_stale_ = false, ntf_stale_ = false;
	int pend_msi_ = -1, pend_ntf_ = -1; // fire decided this cycle: north 2 cycles, south 1 cycle after the op
	int pend_msi1_ = -1;		    // north fire of last cycle's op (its stage A now)
	int push_msi_ = -1, push_ntf_ = -1, push_ntf1_ = -1; // decided pushes on their way into the FIFOs
	unsigned push_msi_d_ = 0, push_ntf_d_ = 0, push_ntf1_d_ = 0;
	int prev_n_ch_ = -1; // the north op of last cycle (now in its stage A), -1: none
	bool scan_on_ = true;
	unsigned tick_cnt_ = 0, scan_ = 0, x_cand_ = 0, x_chan_ = 0;
	bool x_due_ = false; // the scanner's registered expiry request (channel x_chan_)
	uint32_t now_ = 0;
	bool scan_ok_ = false, mir_armed_ = false;
	uint32_t mir_dl_ = 0;
	struct Mirror {
		bool armed;
		uint32_t dl;
	};
	std::vector<Mirror> mirror_;
	int pend_mir_ch_ = -1; // the north op of two cycles ago: written into the mirror this cycle (stage B)
	Mirror pend_mir_{};
	int pend_mir1_ch_ = -1; // last cycle's north op
	Mirror pend_mir1_{};

	unsigned n_, cnt_mask_;
	std::vector<Chan> ch_;
	Stream msi_{}, notify_{};
	unsigned bcount_ = 0;					     // queued B responses (0..2)
	bool rvalid_ = false, skid_valid_ = false, a_valid_ = false; // R register, skid slot, stage A
	uint32_t rdata_ = 0, skid_data_ = 0, a_data_ = 0;
};

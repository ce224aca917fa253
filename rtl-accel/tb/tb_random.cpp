// SPDX-License-Identifier: GPL-2.0
// Seeded constrained-random run of vbus_doorbell: traffic in 20 000-cycle phases (bus gaps,
// backpressure on all five channels, hot channels, inject storms, soft and hard resets) with the
// reference model and protocol checkers watching every cycle (tb_harness.cpp); state-transition
// and event coverage printed at the end and enforced on runs of TB_COVERAGE_MIN_CYCLES or more.
#include <cinttypes>
#include <cstdio>
#include <random>

#include "tb_harness.h"
#include "vbus_cli.h"

namespace
{

// Progress on stderr (docs/cli.md): the shared vbus_cli.h line, off with --no-progress.
class Progress
{
      public:
	explicit Progress(bool on) : on_(on)
	{
		vbus_progress_init(&p_, "vbus_doorbell_tb", 5);
	}
	void update(uint64_t done, uint64_t total)
	{
		if (on_)
			vbus_progress(&p_, done, total, "random cycles");
	}
	void done()
	{
		vbus_progress_done(&p_);
	}

      private:
	bool on_;
	struct vbus_progress p_;
};

struct RandCfg {
	unsigned p_wr, p_rd, p_inj, p_ctrl; // per-cycle probabilities in 1/1000
	unsigned p_msi_stall, p_notify_stall, p_b_stall, p_r_stall;
	unsigned hot; // injects/writes go to channels [0, hot) 80 % of the time
	unsigned max_holdoff;
	bool storm;
};

class RandomDriver
{
      public:
	RandomDriver(Tb &tb, uint64_t seed) : tb_(tb), rng_(seed)
	{
	}

	// The counter hammer, in runs of TB_COVERAGE_MIN_CYCLES or more: from cycle HAMMER_AT (right after the
	// periodic hard reset) no reset, and every source on one channel, until each of its five counters has
	// been read before and after a wrap of its lower 16 bits (the v2 banks write the upper half only then;
	// the random phases reset far too often to count that far) or HAMMER_MAX cycles have passed.
	static constexpr uint64_t HAMMER_AT = 250000, HAMMER_MAX = 1000000;
	uint64_t hammer_cycles = 0; // how long it ran

	void run(uint64_t cycles, Progress &prog)
	{
		const bool hammer = cycles >= TB_COVERAGE_MIN_CYCLES;
		uint64_t hammer_start = 0;
		bool hammer_on = false;
		for (uint64_t i = 0; i < cycles; i++) {
			if ((i & 0xffff) == 0)
				prog.update(i, cycles);
			if (hammer && i == HAMMER_AT) {
				hammer_on = true;
				hammer_start = i;
				hammer_ch_ = uni(N);
				hammer_cfg();
				for (unsigned k = 0; k < TbCntCov::KINDS; k++)
					across0_[k] = tb_.cnt_coverage().across[k];
			}
			if (hammer_on && (hammer_covered() || i - hammer_start >= HAMMER_MAX)) {
				hammer_on = false;
				hammer_cycles = i - hammer_start;
				new_phase();
			}
			if (!hammer_on && i % 20000 == 0)
				new_phase();
			if (!hammer_on && i % 250000 == 249999) {
				tb_.in.awvalid = tb_.in.wvalid = tb_.in.arvalid = false;
				tb_.reset();
			}
			if (hammer_on)
				drive_hammer();
			else
				drive_cycle();
			tb_.tick();
			if (tb_.aw_hs)
				tb_.in.awvalid = tb_.in.wvalid = false;
			if (tb_.ar_hs)
				tb_.in.arvalid = false;
		}
		if (hammer_on)
			hammer_cycles = cycles - hammer_start;
	}

      private:
	unsigned pct(unsigned per_mille)
	{
		return uni(1000) < per_mille;
	}
	unsigned uni(unsigned n)
	{
		return (unsigned)(rng_() % n);
	}
	unsigned pick_chan()
	{
		if (uni(100) < 80)
			return uni(cfg_.hot);
		return uni(uni(50) == 0 ? 64 : N); // rarely an out-of-range id
	}

	void new_phase()
	{
		static const unsigned probs[] = { 0, 50, 200, 500, 900, 1000 };
		cfg_.p_wr = probs[1 + uni(5)];
		cfg_.p_rd = probs[uni(5)];
		cfg_.p_inj = probs[uni(6)];
		cfg_.p_ctrl = probs[uni(4)];
		cfg_.p_msi_stall = probs[uni(5)];
		cfg_.p_notify_stall = probs[uni(5)];
		cfg_.p_b_stall = probs[uni(4)];
		cfg_.p_r_stall = probs[uni(4)];
		cfg_.hot = 1 + uni(N < 4 ? N : 4);
		cfg_.max_holdoff = uni(8) == 0 ? 2000 : 40;
		cfg_.storm = uni(10) == 0;
		if (cfg_.storm) { // inject storm on one channel, timer-only moderation: mc saturates
			cfg_.hot = 1;
			cfg_.p_inj = 1000;
			cfg_.max_holdoff = 4000;
		}
	}

	void new_write()
	{
		TbIn &in = tb_.in;
		unsigned ch = pick_chan() % 64, r = uni(1000), reg;
		uint32_t data = (uint32_t)rng_();
		in.wstrb = uni(10) == 0 ? (uint8_t)uni(16) : 0xf;
		in.awprot = (uint8_t)uni(8);
		if (r < 300) {
			reg = VBUS_ACCEL_CH_DOORBELL;
		} else if (r < 480) {
			reg = VBUS_ACCEL_CH_N_ENABLE;
			data = uni(100) < 80;
		} else if (r < 800) {
			reg = VBUS_ACCEL_CH_N_ACK;
		} else if (r < 860) {
			reg = VBUS_ACCEL_CH_MOD_HOLDOFF;
			data = cfg_.storm ? 300 + uni(cfg_.max_holdoff) : uni(3) == 0 ? 0 : uni(cfg_.max_holdoff + 1);
			data = data / TB_TICK + (data != 0 && data < TB_TICK); // v2: holdoff in ticks
		} else if (r < 920) {
			reg = VBUS_ACCEL_CH_MOD_COUNT;
			data = (cfg_.storm || uni(3) == 0) ? 0 : uni(6);
		} else if (r < 990) {
			reg = 4 * uni(16); // any word, including RO and unmapped
		} else {
			// global block: CTRL a quarter of the time, a soft reset in one of ten of those
			in.awaddr = (uint16_t)(uni(4) == 0 ? (unsigned)VBUS_ACCEL_CTRL : 4 * uni(0x40));
			if ((in.awaddr & 0xfc) == VBUS_ACCEL_CTRL && (cfg_.storm || uni(10) != 0))
				data &= ~1u;
			in.wdata = data;
			in.awvalid = in.wvalid = true;
			return;
		}
		in.awaddr = (uint16_t)((VBUS_ACCEL_CHAN_BASE + ch * VBUS_ACCEL_CHAN_STRIDE + reg) & 0x1fff);
		in.wdata = data;
		// AW and W may start in different cycles (the master's choice); each is held to its handshake
		in.awvalid = true;
		in.wvalid = uni(4) != 0;
	}

	void new_read()
	{
		TbIn &in = tb_.in;
		in.arprot = (uint8_t)uni(8);
		unsigned ch = pick_chan() % 64, r = uni(100), reg;
		if (r < 35)
			reg = VBUS_ACCEL_CH_N_DIRTY;
		else if (r < 70)
			reg = VBUS_ACCEL_CH_STATUS;
		else if (r < 95)
			reg = 4 * uni(16);
		else {
			in.araddr = (uint16_t)(4 * uni(0x40));
			in.arvalid = true;
			return;
		}
		in.araddr = (uint16_t)((VBUS_ACCEL_CHAN_BASE + ch * VBUS_ACCEL_CHAN_STRIDE + reg) & 0x1fff);
		in.arvalid = true;
	}

	// the phase's own knobs are unused in the hammer; a request already offered is held to its handshake
	void hammer_cfg()
	{
		cfg_ = RandCfg{};
	}

	bool hammer_covered() const
	{
		for (unsigned k = 0; k < TbCntCov::KINDS; k++)
			if (tb_.cnt_coverage().across[k] == across0_[k])
				return false;
		return true;
	}

	// One cycle of the hammer on channel hammer_ch_: enable both records (holdoff and count 0, so every
	// N_ACK re-fires and every SOP_ACK re-notifies), then DOORBELL and N_ACK writes back to back, an inject
	// and an SOP_ACK every cycle, no backpressure. That counts DOORBELL, SUPP_S (doorbells while S is
	// pending), SUPP_N (injects while N is pending), IRQ and DEV_NOTIFY (one message per ack at most).
	// Every cycle reads one of the channel's counters: the one nearest the wrap of its lower half when
	// one is within 8 counts of it (so reads land on the wrap itself, where the read port forwards the
	// upper half), else any of the five.
	void drive_hammer()
	{
		TbIn &in = tb_.in;
		const unsigned x = hammer_ch_;
		const uint32_t st = tb_.model_value(chan_addr(x, VBUS_ACCEL_CH_STATUS));
		if (!in.awvalid && !in.wvalid) {
			unsigned reg;
			uint32_t data = 0;
			if (!(st & ST_N_EN)) {
				reg = VBUS_ACCEL_CH_N_ENABLE;
				data = 1;
			} else if (tb_.model_value(chan_addr(x, VBUS_ACCEL_CH_MOD_HOLDOFF)) != 0) {
				reg = VBUS_ACCEL_CH_MOD_HOLDOFF;
			} else if (tb_.model_value(chan_addr(x, VBUS_ACCEL_CH_MOD_COUNT)) != 0) {
				reg = VBUS_ACCEL_CH_MOD_COUNT;
			} else {
				reg = uni(100) < 60 ? VBUS_ACCEL_CH_DOORBELL : VBUS_ACCEL_CH_N_ACK;
			}
			in.awaddr = chan_addr(x, reg);
			in.wdata = data;
			in.wstrb = 0xf;
			in.awvalid = in.wvalid = true;
		} else if (in.awvalid && !in.wvalid) {
			in.wvalid = true; // a random phase's write whose W had not started yet
		}
		if (!in.arvalid) {
			unsigned best = TbCntCov::KINDS, best_d = 9;
			for (unsigned k = 0; k < TbCntCov::KINDS; k++) {
				const uint32_t lo = tb_.model_value(chan_addr(x, TbCntCov::reg(k))) & 0xffffu;
				const unsigned d = lo < 0x8000u ? lo : 0x10000u - lo;
				if (d < best_d) {
					best_d = d;
					best = k;
				}
			}
			if (best == TbCntCov::KINDS)
				best = uni(TbCntCov::KINDS);
			in.araddr = chan_addr(x, TbCntCov::reg(best));
			in.arvalid = true;
		}
		if (!(in.inject_valid && !tb_.out.inject_ready)) {
			in.inject_valid = true;
			in.inject_chan = (uint8_t)x;
		}
		if (!(in.ctrl_valid && !tb_.out.ctrl_ready)) {
			in.ctrl_valid = true;
			in.ctrl_chan = (uint8_t)x;
			in.ctrl_op = (st & ST_S_EN) ? VBUS_ACCEL_SOP_ACK : VBUS_ACCEL_SOP_ENABLE;
		}
		in.msi_ready = in.notify_ready = in.bready = in.rready = true;
	}

	void drive_cycle()
	{
		TbIn &in = tb_.in;
		if (!in.awvalid && !in.wvalid && pct(cfg_.p_wr))
			new_write();
		else if (in.awvalid && !in.wvalid && uni(2))
			in.wvalid = true;
		if (!in.arvalid && pct(cfg_.p_rd))
			new_read();
		// a device event not yet accepted is held with its payload (stream rule; v1 is always ready)
		if (!(in.inject_valid && !tb_.out.inject_ready)) {
			in.inject_valid = pct(cfg_.p_inj);
			in.inject_chan = (uint8_t)pick_chan();
		}
		if (!(in.ctrl_valid && !tb_.out.ctrl_ready)) {
			in.ctrl_valid = pct(cfg_.p_ctrl);
			in.ctrl_chan = (uint8_t)pick_chan();
			unsigned op = uni(100);
			in.ctrl_op = op < 50   ? VBUS_ACCEL_SOP_ACK
				     : op < 80 ? VBUS_ACCEL_SOP_ENABLE
				     : op < 95 ? VBUS_ACCEL_SOP_DISABLE
					       : 3;
		}
		in.msi_ready = !pct(cfg_.p_msi_stall);
		in.notify_ready = !pct(cfg_.p_notify_stall);
		in.bready = !pct(cfg_.p_b_stall);
		in.rready = !pct(cfg_.p_r_stall);
	}

	Tb &tb_;
	std::mt19937_64 rng_;
	RandCfg cfg_{};
	unsigned hammer_ch_ = 0;
	uint64_t across0_[TbCntCov::KINDS] = {};
};

void print_transitions(const char *name, const uint64_t (&t)[8][8], unsigned *hit)
{
	static const char *const st[8] = { "---", "--d", "-p-", "-pd", "e--", "e-d", "ep-", "epd" };
	printf("%s record transitions (e=enabled p=pending d=dirty; rows from, columns to):\n      ", name);
	for (int j = 0; j < 8; j++)
		printf("%9s", st[j]);
	printf("\n");
	*hit = 0;
	for (int i = 0; i < 8; i++) {
		printf("  %s ", st[i]);
		for (int j = 0; j < 8; j++) {
			if (i == j) {
				printf("%9s", ".");
				continue;
			}
			printf("%9" PRIu64, t[i][j]);
			*hit += t[i][j] != 0;
		}
		printf("\n");
	}
}

} // namespace

void test_random(Tb &tb, const TbRandomOpts &o)
{
	printf("random: seed %" PRIu64 ", %" PRIu64 " cycles, %u channels\n", o.seed, o.cycles, N);
	RandomDriver drv(tb, o.seed);
	Progress prog(o.progress);
	drv.run(o.cycles, prog);
	prog.done();
	const TbCoverage &cov = tb.coverage();
	unsigned n_hit, s_hit;
	print_transitions("N", cov.n_trans, &n_hit);
	print_transitions("S", cov.s_trans, &s_hit);
	printf("state-transition coverage: N %u of 56, S %u of 56 possible pairs\n", n_hit, s_hit);
	printf("event coverage:\n");
	unsigned missing = 0;
	for (int e = 0; e < TbCoverage::EV_COUNT; e++) {
		printf("  %-42s %10" PRIu64 "\n", TbCoverage::ev_name(e), cov.ev[e]);
		missing += cov.ev[e] == 0;
	}
	printf("MSIs %zu, notifications %zu, protocol checks %" PRIu64 "\n", tb.msi_log.size(), tb.notify_log.size(),
	       tb.checker().checks());
	// counter wraps: the model's count of lower-half wraps, and reads of the counter whose R data matched
	// the model: across a wrap (a read before it, one after) and of the wrap's own value
	const TbCntCov &cc = tb.cnt_coverage();
	printf("counter hammer: %" PRIu64 " cycles%s\n", drv.hammer_cycles,
	       o.cycles >= TB_COVERAGE_MIN_CYCLES ? "" : " (not run: a run this short has no room for it)");
	printf("counter wraps (16-bit lower half), matched reads:  %14s %10s %14s %14s\n", "wraps", "reads",
	       "across a wrap", "at the wrap");
	unsigned cnt_missing = 0;
	for (unsigned k = 0; k < TbCntCov::KINDS; k++) {
		printf("  %-48s %14" PRIu64 " %10" PRIu64 " %14" PRIu64 " %14" PRIu64 "\n", TbCntCov::name(k),
		       cov.cnt_wraps[k], cc.reads[k], cc.across[k], cc.at_wrap[k]);
		cnt_missing += cov.cnt_wraps[k] == 0 || cc.across[k] == 0;
	}
	// The coverage goal (every event point, N >= 30 and S >= 20 transitions) is what a full run must
	// reach; a short run (a quick waveform, a bisect) reports its coverage but is judged only on the
	// model comparison and the protocol checkers.
	if (o.cycles < TB_COVERAGE_MIN_CYCLES) {
		printf("coverage goal not checked: %" PRIu64 " cycles < %" PRIu64
		       " (%u event points missed, N %u, S %u "
		       "transitions, %u counters not read across a wrap)\n",
		       o.cycles, TB_COVERAGE_MIN_CYCLES, missing, n_hit, s_hit, cnt_missing);
		return;
	}
	tb.expect(missing == 0, "%u event coverage points never hit", missing);
	tb.expect(cnt_missing == 0, "%u counters never wrapped their lower 16 bits or never read across a wrap",
		  cnt_missing);
	tb.expect(n_hit >= 30 && s_hit >= 20, "state-transition coverage too low (N %u, S %u)", n_hit, s_hit);
}

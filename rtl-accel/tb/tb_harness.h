// SPDX-License-Identifier: GPL-2.0
// Harness of the vbus_doorbell Verilator testbench: the Verilated DUT, the cycle-accurate reference
// model (tb_ref) and the protocol checkers (tb_checker) stepped together every cycle, bus helpers
// (AXI4-Lite write/read, device inject/control) and the message logs the tests inspect.
// The tests live in tb_directed.cpp and tb_random.cpp, the command line in tb_main.cpp.
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "tb_checker.h"
#include "tb_ref.h"

#include <vbus/accel.h>

#ifndef TB_N_CHANNELS
#error "TB_N_CHANNELS must be the N_CHANNELS the model was Verilated with"
#endif

class VerilatedContext;
class VerilatedFstC;
#ifdef TB_V2
// vbus_doorbell2 (v2): messages valid <= 4 cycles after their cause (HW-12), moderation in ticks.
class Vvbus_doorbell2;
using TbDut = Vvbus_doorbell2;
constexpr bool TB_IS_V2 = true;
constexpr unsigned TB_MSG_LAT = 4;
#ifndef TB_TICK_LG
#error "TB_TICK_LG must be the TICK_LG the v2 model was Verilated with"
#endif
constexpr unsigned TB_TICK = 1u << TB_TICK_LG;
#else
class Vvbus_doorbell;
using TbDut = Vvbus_doorbell;
constexpr bool TB_IS_V2 = false;
constexpr unsigned TB_MSG_LAT = 2; // HW-9
#define TB_TICK_LG 0
constexpr unsigned TB_TICK = 1;	   // v1: holdoff in clock cycles
#endif

constexpr unsigned N = TB_N_CHANNELS;
#ifndef TB_CLK_KHZ
#error "TB_CLK_KHZ must be the CLK_KHZ the model was Verilated with"
#endif
constexpr unsigned CNT_WIDTH = 32;

inline uint16_t chan_addr(unsigned ch, unsigned reg)
{
	return (uint16_t)VBUS_ACCEL_CHAN_ADDR(ch, reg);
}

// Counter reads across a wrap (the v2 banks keep a counter in two 16-bit halves and write the upper half
// only when the lower one wraps): R beats of a counter register whose data matched the model, per counter
// (index: CNT_DOORBELL, CNT_IRQ, CNT_SUPP_N, CNT_SUPP_S, CNT_DEV_NOTIFY).
struct TbCntCov {
	static constexpr unsigned KINDS = TbCoverage::CNT_KINDS;
	uint64_t reads[KINDS] = {};   // matched reads
	uint64_t across[KINDS] = {};  // ... whose upper half is above that of the last matched read of the
				      // same channel's counter (a read before and a read after a wrap)
	uint64_t at_wrap[KINDS] = {}; // ... of a value with the lower half 0 and the upper half > 0
	static const char *name(unsigned k);
	// the counter a channel register word offset (0..0x3c) names, or -1
	static int kind(unsigned off);
	static uint16_t reg(unsigned k);
};

struct Msg {
	uint64_t cycle;
	unsigned chan;
};

class Tb
{
      public:
	// trace_path: FST waveform written to trace_path + ".tmp" and renamed on success, or nullptr.
	explicit Tb(const char *trace_path);
	~Tb();
	Tb(const Tb &) = delete;
	Tb &operator=(const Tb &) = delete;

	TbIn in;     // inputs driven in the next cycle; persistent
	TbOut out{}; // outputs sampled in the last cycle
	uint64_t cyc = 0;
	std::vector<Msg> msi_log, notify_log;
	uint64_t b_count = 0, r_count = 0;
	uint32_t r_last = 0;
	bool aw_hs = false, ar_hs = false;
	// tick until the AW/W (inject) offer of `in` is accepted (at most 8 cycles): v2 may hold a north event
	// back for a cycle (HW-13 spacing); v1 takes it in the first
	void tick_until_aw()
	{
		for (unsigned i = 0; i < 8; i++) {
			tick();
			if (aw_hs)
				return;
		}
	}
	void tick_until_inject()
	{
		for (unsigned i = 0; i < 8; i++) {
			tick();
			if (out.inject_ready)
				return;
		}
	}

	const TbCoverage &coverage() const
	{
		return ref_.cov;
	}
	const TbChecker &checker() const
	{
		return chk_;
	}
	const TbCntCov &cnt_coverage() const
	{
		return cnt_cov_;
	}
	// what a read of `addr` accepted now would return, by the model (no side effect): lets a driver steer
	// its stimulus by the model's state
	uint32_t model_value(uint16_t addr) const
	{
		return ref_.read_value(addr);
	}
	unsigned failures() const
	{
		return fails_;
	}

	// Record a failed expectation (with the cycle) and keep going.
	void expect(bool cond, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
	// One clock cycle with the current inputs: drive, compare with the model, check, clock.
	void tick();
	void reset();
	void idle(unsigned n)
	{
		while (n--)
			tick();
	}
	// AXI4-Lite write; returns once the B response is accepted.
	void write(uint16_t addr, uint32_t data, uint8_t strb = 0xf);
	// AXI4-Lite read.
	uint32_t read(uint16_t addr);
	void inject(unsigned ch);
	void ctrl(unsigned ch, unsigned op);
	uint32_t status(unsigned ch)
	{
		return read(chan_addr(ch, VBUS_ACCEL_CH_STATUS));
	}

	// Number of MSIs / notifications for `ch` logged at or after cycle `from`.
	unsigned msis(unsigned ch, uint64_t from = 0) const
	{
		return count(msi_log, ch, from);
	}
	unsigned notifies(unsigned ch, uint64_t from = 0) const
	{
		return count(notify_log, ch, from);
	}

	// Cycles from cycle `from` until m_msi_valid / m_notify_valid shows `ch` (sampled), or -1
	// within `limit` cycles.
	int cycles_to_msi(unsigned ch, uint64_t from, unsigned limit);
	int cycles_to_notify(unsigned ch, uint64_t from, unsigned limit);

	bool clean() const
	{
		return fails_ == 0 && chk_.violations().empty();
	}
	// Close the waveform (renaming it into place); false with the reason on stderr if that failed.
	bool finish_trace();

      private:
	static unsigned count(const std::vector<Msg> &log, unsigned ch, uint64_t from);
	void drive();
	TbOut sample() const;
	void print_history() const;

	// The last HIST cycles' inputs and the model's STATUS of every channel, printed at the first
	// divergence so it can be located without a waveform.
	static constexpr unsigned HIST = 24;
	struct Hist {
		uint64_t cycle;
		TbIn in;
		uint32_t status[N];
	} hist_[HIST] = {};

	std::unique_ptr<VerilatedContext> ctx_;
	std::unique_ptr<TbDut> dut_;
	std::unique_ptr<VerilatedFstC> fst_;
	std::string trace_path_;
	TbRef ref_;
	TbChecker chk_;
	// counter-wrap coverage: the reads in flight (accepted, R beat not yet taken) with what the model says
	// they return, and per channel and counter the last matched read's value
	struct RdTag {
		int kind; // -1: not a counter
		unsigned ch;
		uint32_t want;
	};
	std::deque<RdTag> rtags_;
	uint32_t cnt_last_[N][TbCntCov::KINDS] = {};
	bool cnt_last_ok_[N][TbCntCov::KINDS] = {};
	TbCntCov cnt_cov_;
	void cnt_track(bool r_hs, bool ar_acc);
	unsigned fails_ = 0, mismatches_ = 0;
};

constexpr uint32_t ST_N_EN = 1u << VBUS_ACCEL_STATUS_N_ENABLED_SHIFT;
constexpr uint32_t ST_N_PE = 1u << VBUS_ACCEL_STATUS_N_PENDING_SHIFT;
constexpr uint32_t ST_N_DI = 1u << VBUS_ACCEL_STATUS_N_DIRTY_SHIFT;
constexpr uint32_t ST_S_EN = 1u << VBUS_ACCEL_STATUS_S_ENABLED_SHIFT;
constexpr uint32_t ST_S_PE = 1u << VBUS_ACCEL_STATUS_S_PENDING_SHIFT;
constexpr uint32_t ST_S_DI = 1u << VBUS_ACCEL_STATUS_S_DIRTY_SHIFT;
constexpr uint32_t ST_ARMED = 1u << VBUS_ACCEL_STATUS_MOD_ARMED_SHIFT;

inline uint32_t st_mc(uint32_t st)
{
	return (st >> VBUS_ACCEL_STATUS_MOD_COUNT_SHIFT) & 0xff;
}

inline uint32_t cnt(Tb &tb, unsigned ch, unsigned reg)
{
	return tb.read(chan_addr(ch, reg));
}

// The tests (tb_directed.cpp, tb_random.cpp).
struct TbDirected {
	const char *name;
	void (*fn)(Tb &);
};
extern const TbDirected tb_directed[];
extern const unsigned tb_n_directed;

struct TbRandomOpts {
	uint64_t seed = 1, cycles = 1000000;
	bool progress = false; // progress line on stderr (vbus_cli.h: redrawn on a terminal, else every 5 s)
};
// Minimum run length for which the coverage goal is enforced (shorter runs report it only).
constexpr uint64_t TB_COVERAGE_MIN_CYCLES = 1000000;
void test_random(Tb &tb, const TbRandomOpts &o);

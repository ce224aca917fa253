// SPDX-License-Identifier: GPL-2.0
// Seeded stimulus of the accelerator cosimulation: the workloads (vbus-cosim --workload) and the PRNG.
#ifndef VBUS_COSIM_WORKLOAD_H
#define VBUS_COSIM_WORKLOAD_H

#include <cstdint>

// xorshift64*: small, fast, reproducible from --seed.
struct Rng {
	uint64_t s;
	explicit Rng(uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull)
	{
	}
	uint64_t next()
	{
		s ^= s >> 12;
		s ^= s << 25;
		s ^= s >> 27;
		return s * 0x2545F4914F6CDD1Dull;
	}
	unsigned below(unsigned n)
	{
		return n ? unsigned((next() >> 32) % n) : 0;
	}
	bool chance(unsigned percent)
	{
		return below(100) < percent;
	}
};

struct Workload {
	const char *name;
	const char *what;
	unsigned active;       // channels the north side drives (0 = all)
	unsigned msi_ready;    // % of cycles m_msi_ready is high (backpressure below 100)
	unsigned notify_ready; // % of cycles m_notify_ready is high
	bool moderation;       // MOD_HOLDOFF/MOD_COUNT programmed (random values)
	bool pingpong;	       // one message in flight: ring, wait for the echo's interrupt
	unsigned burst;	       // > 0: bursts of up to this many doorbells, then an idle gap
	unsigned echo;	       // the device echoes each notification with 0..echo injects
	unsigned spont;	       // % of cycles the device injects on its own (a device-side stream)
	bool churn;	       // enable/disable both sides, register reads, moderation rewrites
	bool short_holdoff;    // holdoffs of 1..12 time units, count mostly 0 (every deferral ends in an expiry)
};

static const Workload workloads[] = {
	{ "pingpong", "one channel, one message in flight: doorbell -> device echo -> MSI -> drain -> ack", 1, 90, 90,
	  false, true, 0, 1, 0, false, false },
	{ "stream", "every channel saturated: back-to-back doorbells, device echoes, backpressure on both streams", 0,
	  60, 60, false, false, 0, 2, 5, false, false },
	{ "stream-mod", "the stream workload with interrupt moderation on (random holdoff/count per channel)", 0, 60,
	  60, true, false, 0, 2, 5, false, false },
	{ "bursty", "bursts of doorbells and device injects separated by idle gaps, moderation on", 0, 80, 80, true,
	  false, 24, 3, 1, false, false },
	{ "contention",
	  "the stream workload under heavy backpressure (10% ready on both streams): many channels "
	  "wait on each stream at once, the fairness bounds (v2 firing order HW-14, v1 round-robin HW-11) are "
	  "exercised",
	  0, 10, 10, false, false, 0, 2, 5, false, false },
	{ "fanout",
	  "the firing-order FIFOs full: both streams ready 3% of cycles while doorbells and device injects reach "
	  "every channel, so (nearly) all N channels queue on each stream at once and a channel waits up to the "
	  "N - 1 grants of HW-14 (v2; v1: its round-robin bound)",
	  0, 3, 3, false, false, 0, 2, 5, false, false },
	{ "random",
	  "many channels, everything mixed: enable/disable on both sides, reads of every register, "
	  "moderation rewritten on the fly, heavy backpressure",
	  0, 40, 40, true, false, 8, 2, 3, true, false },
	{ "holdoff",
	  "moderation timers at work: short holdoffs (1..12 time units), mostly timer-only (count 0), device injects "
	  "in bursts, receivers disabled and re-enabled meanwhile (expiries that fire and that drop, T3/T4)",
	  0, 70, 70, true, false, 6, 2, 8, true, true },
};

static inline const Workload *find_workload(const char *name)
{
	for (const Workload &w : workloads)
		if (!__builtin_strcmp(w.name, name))
			return &w;
	return nullptr;
}

#endif // VBUS_COSIM_WORKLOAD_H

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The lockstep scoreboard of the accelerator cosimulation. A bus monitor
 * hands it, once per clock edge, every handshake the RTL took at that edge
 * (values sampled before the edge: what the RTL saw). It applies them in the
 * HW-10 order to two independent predictors per channel (the model and the
 * production core, pred.h), checks they agree, and predicts every MSI, device
 * notification and register read of the RTL: the first disagreement stops
 * the run with cycle, channel, field, expected, actual and the last trace
 * records. It also keeps the §7 trace and the timing-error distribution.
 */
#ifndef VBUS_COSIM_SCOREBOARD_H
#define VBUS_COSIM_SCOREBOARD_H

#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* COSIM-1 (§6): cycle stamps agree within this many cycles per event. */
#define CS_CYCLE_TOL 2
/* HW-9 / §6 accel_stage: the model's doorbell/inject -> message latency, in cycles (2 stages). */
#define CS_PRED_LATENCY 2
/* v2 (rtl/vbus_doorbell2.v, HW-12): a message is valid at most this many cycles after its cause. */
#define CS_PRED_LATENCY_V2 4
/* HW-15 (v2): the time base and the deadlines are this many bits wide, compared wrap-safe. */
#define CS_V2_TIME_BITS 17
/*
 * HW-15 (v2): the scanner visits every channel once per tick, so an armed channel whose deadline has passed
 * meets its expiry within one tick (2^TICK_LG cycles); the slack covers the scanner's mirror read (one cycle), its
 * registered compare (one cycle) and its request (one cycle).
 */
#define CS_V2_EXPIRY_SLACK 3
/* HW-10: a CNT_* register shows an event from the second cycle after it. */
#define CS_CNT_LAG 2
#define CS_TRACE_KEEP 16 /* trace records shown with a mismatch */

/* What the RTL did at one clock edge (each handshake: valid && ready sampled before the edge). */
struct cs_edge {
	uint64_t cycle;
	uint8_t msi_valid, msi_ready, notify_valid, notify_ready;
	uint16_t msi_chan, notify_chan; /* channel ids: N_CHANNELS up to 1024 */
	uint8_t ar, r, w, ctrl, inj;
	uint8_t ctrl_op;
	uint16_t ctrl_chan, inj_chan;
	uint32_t araddr, rdata, awaddr, wdata, wstrb;
	/* v2 only (HW-15), from the RTL (the scoreboard cannot see them at the ports): the north op taken at this
	 * edge is the scanner's expiry request for channel x_chan; now = the time base (ticks) as that op's modify
	 * stage sees it, the moment M3 arms a deadline and an expiry compares against it. */
	uint8_t x_valid;
	uint16_t x_chan;
	uint32_t now;
};

enum { CS_CNT_DOORBELL, CS_CNT_IRQ, CS_CNT_SUPP_N, CS_CNT_SUPP_S, CS_CNT_DEV_NOTIFY, CS_NCNT };

struct cs_stats {
	uint64_t edges, doorbells, dev_injects, irqs, notifies, suppressed_n, suppressed_s, deferred;
	uint64_t reads, reads_checked, writes, ctrl_ops, ticks_fired;
	uint64_t timed, queued;			  /* messages timed / delayed behind another message */
	uint64_t terr_hist[2 * CS_CYCLE_TOL + 1]; /* timing error (RTL - model) of timed messages */
	int64_t terr_min, terr_max;
	uint64_t max_wait_grants; /* most other-channel grants a requesting channel waited */
	/* v2 (HW-14): the most messages requested and not yet accepted on a stream at once ([is_msi]: the depth of
	 * the firing order checked); the channels that got at least one MSI / notification */
	uint64_t max_queued[2], chans_msi, chans_notify;
	int64_t lat_max; /* v2: longest cause -> valid of a message with nothing ahead */
	/* v2 moderation (HW-15) */
	uint64_t expiries, expiry_drops, expiry_ops; /* expiries applied (fire: ticks_fired), T4 drops, scanner ops */
	uint64_t expiry_wait_max;		     /* most cycles from a deadline passing to its expiry */
	int64_t hold_err_min, hold_err_max; /* expiry - arm - H * 2^TICK_LG, cycles (HW-15: in (-tick, tick]) */
	uint64_t now_ticks;		    /* time base increments checked */
};

struct cs_sb;

/* The accelerators' AXI address width AXI_AW for @nchan channels: 13 bits up to 64 channels, else
 * ceil(log2(256 + 64 * nchan)) (the register window; rtl/vbus_doorbell2.v's default). */
unsigned cs_axi_aw(unsigned nchan);

/* @nchan channels; @trace: write every §7 record there (or NULL). NULL on failure. */
struct cs_sb *cs_create(unsigned nchan, FILE *trace);
/*
 * Check the v2 accelerator's rules (HW-12..HW-14) instead of v1's (HW-9..HW-11); call before the first
 * cs_step. A fire takes effect when its engine decides it: one cycle after its event for a notification (the
 * south engine's modify), two for an MSI (the north engine's stage B, HW-13), so it merges only into a message
 * not yet accepted by then; a message is valid within CS_PRED_LATENCY_V2 cycles when
 * nothing is ahead of it; the streams serve channels in firing order, so a waiting channel sees at most
 * N - 1 grants of others. Moderation is in ticks of 2^@tick_lg cycles (HW-15; @tick_lg is the TICK_LG the v2 model
 * was built with, register MOD_TICK_LG): a deadline is armed at now + H (the edge's now), the RTL's expiry ops
 * (x_valid) apply T1-T4 at once (MOD-7) when the deadline has passed, and the scoreboard checks the time base (one
 * tick every 2^tick_lg cycles) and that no passed deadline waits more than a tick (+ CS_V2_EXPIRY_SLACK) for
 * its expiry. 0, or -1 out of memory.
 */
int cs_set_v2(struct cs_sb *sb, unsigned tick_lg);
/* Nothing outstanding: no message requested or about to be, no holdoff running (the drain phase waits for it). */
int cs_idle(const struct cs_sb *sb);
void cs_destroy(struct cs_sb *sb);
/* Apply one edge. 0: agreement; 1: first mismatch (cs_report() describes it). */
int cs_step(struct cs_sb *sb, const struct cs_edge *e);
/* After the drain phase: every predicted message delivered, no read outstanding. 0 or 1. */
int cs_finish(struct cs_sb *sb, uint64_t cycle);
/* The mismatch report: cycle, channel, field, expected, actual, last records. */
void cs_report(const struct cs_sb *sb, FILE *f);
const struct cs_stats *cs_stats(const struct cs_sb *sb);
/* The scoreboard's view of a channel's N record (for the agents' bookkeeping only). */
int cs_mismatched(const struct cs_sb *sb);

#ifdef __cplusplus
}
#endif

#endif /* VBUS_COSIM_SCOREBOARD_H */

// SPDX-License-Identifier: GPL-2.0
/* The lockstep scoreboard (scoreboard.h): HW-10 order, two predictors, RTL observations. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <vbus/accel.h>
#include <vbus/shm_signal.h>

#include "pred.h"
#include "scoreboard.h"

#define NPRED 2
static const struct cs_pred_ops *const pred[NPRED] = { &cs_pred_model, &cs_pred_core };

#define RFIFO 8 /* AXI4-Lite reads outstanding at most (the bridge keeps one) */
/* counter increments in one edge at most: CNT_IRQ, CNT_DEV_NOTIFY, CNT_DOORBELL + CNT_SUPP_S, CNT_SUPP_N (5) */
#define INC_MAX 8

/* One message stream (MSI toward N, notify toward S) as predicted for one channel. */
struct cs_msg {
	uint8_t req;	 /* requested, not yet accepted (HW-7) */
	uint8_t seen;	 /* its valid has been observed */
	uint8_t queued;	 /* another channel's message was valid before ours showed */
	uint64_t cause;	 /* edge of the event that raised it */
	uint32_t waited; /* other-channel grants while it was visible and waiting */
	uint8_t due;	 /* v2: fired at edge due_cause, takes effect 1 (notify) or 2 (MSI) edges later */
	uint64_t due_cause;
};

/* v2: the channels whose message is requested and not accepted, in firing order (HW-14). */
struct cs_order {
	unsigned *id, head, count;
};

struct cs_chan {
	void *p[NPRED];
	struct cs_msg msi, notify;
	uint32_t holdoff, count; /* MOD_HOLDOFF / MOD_COUNT as read back */
	uint8_t mod_wr;		 /* a MOD_* write this edge: effective from the next (HW-10) */
	uint32_t new_holdoff, new_count;
	/* v2 (HW-15): while the predictors' holdoff runs (mt != 0), the absolute deadline M3 armed */
	uint32_t deadline, arm_h;
	uint64_t arm_cycle, passed_at; /* passed_at: first edge the deadline had passed, or NOT_PASSED */
};

#define NOT_PASSED UINT64_MAX

struct cs_rec {
	uint64_t step, cycle;
	const char *op, *res;
	unsigned chan;
	int dirty;
	char side;
	uint8_t st[6], has_mod;
	uint32_t mc, mt;
};

struct cs_sb {
	unsigned n;
	FILE *trace;
	struct cs_chan *ch;
	uint32_t *cnt; /* [n][CS_NCNT]: the counters now */
	/* the counter increments of this edge and of the previous one (indices into cnt): a read shows cnt minus
	 * the previous edge's (HW-10: from the second cycle on), without a copy of every counter per edge */
	uint32_t inc[2][INC_MAX];
	unsigned ninc[2], inc_cur;
	uint32_t addr_mask; /* the RTL's AXI address bits (13 up to 64 channels, more above: AXI_AW) */
	int mod_wr_chan;    /* the channel of this edge's MOD_* write, or -1 */
	uint32_t rexp[RFIFO], raddr[RFIFO];
	unsigned rhead, rcount;
	uint64_t step, cycle;
	struct cs_rec ring[CS_TRACE_KEEP];
	unsigned ring_next, ring_n;
	int mismatch;
	char msg[1024];
	struct cs_stats st;
	int v2;		  /* cs_set_v2: HW-12..HW-14 */
	unsigned tick_lg; /* MOD_TICK_LG: v2's TICK_LG (v1: 0, the holdoff counts cycles) */
	uint32_t now;	  /* v2: the RTL's time base at this edge (HW-15), checked by check_now() */
	int now_seen, now_stepped;
	uint64_t now_since;  /* the edge `now` took its value */
	unsigned *due, ndue; /* v2: channel * 2 + is_msi of the fires not yet applied, in firing order */
	/* v2: the channels whose holdoff runs (mt != 0), in no order, so that the expiry check of every edge visits
	 * only those; armed_at[c] = index in armed + 1, 0 when not armed */
	unsigned *armed, *armed_at, narmed;
	struct cs_order order[2]; /* v2: [is_msi] */
};

static int mismatch(struct cs_sb *sb, int chan, const char *field, const char *fmt_exp, ...)
	__attribute__((format(printf, 4, 5)));

/* "cycle C: channel K: field F: expected E, actual A"; the first one wins. */
static int mismatch(struct cs_sb *sb, int chan, const char *field, const char *fmt_exp, ...)
{
	va_list ap;
	int n;

	if (sb->mismatch)
		return 1;
	sb->mismatch = 1;
	n = snprintf(sb->msg, sizeof(sb->msg), "cycle %" PRIu64 ": channel %d: field %s: ", sb->cycle, chan, field);
	va_start(ap, fmt_exp);
	vsnprintf(sb->msg + n, sizeof(sb->msg) - n, fmt_exp, ap);
	va_end(ap);
	return 1;
}

static uint8_t bit(struct cs_sb *sb, unsigned c, int side, int f)
{
	return pred[0]->irq(sb->ch[c].p[0], side)[f] != 0;
}

static void set_bit(struct cs_sb *sb, unsigned c, int side, int f, uint8_t v)
{
	for (int i = 0; i < NPRED; i++)
		pred[i]->irq(sb->ch[c].p[i], side)[f] = v;
}

static const char *res_name(int r)
{
	static const char *const n[] = { "ok", "self", "notify", "suppress", "defer", "fire", "drop", "idle", "?" };
	return n[r];
}

/* The predictors must agree on every result and on the whole state after every operation. */
static int agree(struct cs_sb *sb, unsigned c, const char *op, const int *r)
{
	uint32_t mc[NPRED], mt[NPRED];

	for (int i = 0; i < NPRED; i++)
		pred[i]->mod_get(sb->ch[c].p[i], &mc[i], &mt[i]);
	for (int i = 1; i < NPRED; i++) {
		if (r[i] != r[0])
			return mismatch(sb, c, op, "%s says %s, %s says %s", pred[0]->name, res_name(r[0]),
					pred[i]->name, res_name(r[i]));
		for (int side = 0; side < 2; side++)
			if (memcmp(pred[0]->irq(sb->ch[c].p[0], side), pred[i]->irq(sb->ch[c].p[i], side), 3))
				return mismatch(sb, c, "irq state", "after %s %s and %s differ on irq[%c]", op,
						pred[0]->name, pred[i]->name, side ? 'S' : 'N');
		if (mc[i] != mc[0] || mt[i] != mt[0])
			return mismatch(sb, c, "moderation", "after %s %s has mc=%u mt=%u, %s mc=%u mt=%u", op,
					pred[0]->name, mc[0], mt[0], pred[i]->name, mc[i], mt[i]);
	}
	return 0;
}

/* Counter @k of channel @c counts an event of this edge. */
static void count(struct cs_sb *sb, unsigned c, int k)
{
	unsigned i = c * CS_NCNT + (unsigned)k, *n = &sb->ninc[sb->inc_cur];

	sb->cnt[i]++;
	if (*n < INC_MAX)
		sb->inc[sb->inc_cur][(*n)++] = i;
}

/* The value counter @k of channel @c shows to a read accepted at this edge: every event up to two edges ago. */
static uint32_t shown(const struct cs_sb *sb, unsigned c, int k)
{
	unsigned i = c * CS_NCNT + (unsigned)k, prev = !sb->inc_cur;
	uint32_t v = sb->cnt[i];

	for (unsigned j = 0; j < sb->ninc[prev]; j++)
		v -= sb->inc[prev][j] == i;
	return v;
}

enum op { OP_ENABLE, OP_DISABLE, OP_INJECT, OP_TICK, OP_EXPIRE };

#define TIME_MASK ((1u << CS_V2_TIME_BITS) - 1)

/* HW-15: deadline @dl has passed at time @now (CS_V2_TIME_BITS arithmetic, wrap-safe) */
static int passed(uint32_t dl, uint32_t now)
{
	return ((now - dl) & TIME_MASK) < (1u << (CS_V2_TIME_BITS - 1));
}

static uint32_t mt_of(const struct cs_sb *sb, unsigned c)
{
	uint32_t mc, mt;

	pred[0]->mod_get(sb->ch[c].p[0], &mc, &mt);
	return mt;
}

/* v2: keep the armed list in step with the predictors' holdoff of channel @c (after every change of mt). */
static void track_armed(struct cs_sb *sb, unsigned c)
{
	int on = mt_of(sb, c) != 0;

	if (on && !sb->armed_at[c]) {
		sb->armed[sb->narmed++] = c;
		sb->armed_at[c] = sb->narmed;
	} else if (!on && sb->armed_at[c]) {
		unsigned i = sb->armed_at[c] - 1, last = sb->armed[--sb->narmed];

		sb->armed[i] = last;
		sb->armed_at[last] = i + 1;
		sb->armed_at[c] = 0;
	}
}

/* Run one operation on every predictor of channel @c and check they agree; the model's result. */
static int both(struct cs_sb *sb, unsigned c, const char *name, enum op op, int side)
{
	int r[NPRED];
	uint32_t mt0 = sb->v2 ? mt_of(sb, c) : 0;

	for (int i = 0; i < NPRED; i++) {
		void *p = sb->ch[c].p[i];

		switch (op) {
		case OP_ENABLE:
			r[i] = pred[i]->enable(p, side);
			break;
		case OP_DISABLE:
			r[i] = pred[i]->disable(p, side);
			break;
		case OP_INJECT:
			r[i] = pred[i]->inject(p, side);
			break;
		case OP_EXPIRE:
			r[i] = pred[i]->expire(p);
			break;
		default:
			r[i] = pred[i]->tick(p);
			break;
		}
	}
	agree(sb, c, name, r);
	if (sb->v2 && !mt0 && mt_of(sb, c)) { /* M3 armed the holdoff: v2 keeps an absolute deadline (HW-15) */
		struct cs_chan *ch = &sb->ch[c];

		ch->arm_h = ch->holdoff;
		ch->deadline = (sb->now + ch->holdoff) & TIME_MASK;
		ch->arm_cycle = sb->cycle;
		ch->passed_at = NOT_PASSED;
	}
	if (sb->v2)
		track_armed(sb, c);
	return r[0];
}

/* Format one record as §7 text (no newline). */
static void rec_format(const struct cs_rec *r, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%" PRIu64 "@%" PRIu64 " %c %s ch%u %s", r->step, r->cycle, r->side, r->op, r->chan,
			 r->res);

	if (n > 0 && (size_t)n < len && r->dirty >= 0)
		n += snprintf(buf + n, len - n, " dirty=%d", r->dirty);
	if (n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - n, " N=%u%u%u S=%u%u%u", r->st[0], r->st[1], r->st[2], r->st[3], r->st[4],
			      r->st[5]);
	if (n > 0 && (size_t)n < len && r->has_mod) {
		if (r->mt)
			snprintf(buf + n, len - n, " mc=%u mt=%u", r->mc, r->mt);
		else
			snprintf(buf + n, len - n, " mc=%u mt=-", r->mc);
	}
}

/*
 * One §7 record: kept in binary in the ring of the last CS_TRACE_KEEP (formatted only for a mismatch
 * report: the text costs more than the scoreboard's work), written as text only with --trace.
 * @op and @res are string literals; @dirty < 0: no dirty= field.
 */
static void trace_rec(struct cs_sb *sb, char side, const char *op, unsigned c, const char *res, int dirty)
{
	struct cs_rec *r = &sb->ring[sb->ring_next];

	r->step = ++sb->step;
	r->cycle = sb->cycle;
	r->side = side;
	r->op = op;
	r->chan = c;
	r->res = res;
	r->dirty = dirty;
	r->st[0] = bit(sb, c, 0, CS_EN);
	r->st[1] = bit(sb, c, 0, CS_PEND);
	r->st[2] = bit(sb, c, 0, CS_DIRTY);
	r->st[3] = bit(sb, c, 1, CS_EN);
	r->st[4] = bit(sb, c, 1, CS_PEND);
	r->st[5] = bit(sb, c, 1, CS_DIRTY);
	r->has_mod = sb->ch[c].holdoff != 0;
	if (r->has_mod)
		pred[0]->mod_get(sb->ch[c].p[0], &r->mc, &r->mt);
	sb->ring_next = (sb->ring_next + 1) % CS_TRACE_KEEP;
	if (sb->ring_n < CS_TRACE_KEEP)
		sb->ring_n++;
	if (sb->trace) {
		char buf[192];

		rec_format(r, buf, sizeof(buf));
		fprintf(sb->trace, "%s\n", buf);
	}
}

/* A message requested (HW-7/HW-11): merges with one still queued. */
static void request_now(struct cs_msg *m, uint64_t cause)
{
	if (m->req)
		return;
	m->req = 1;
	m->seen = 0;
	m->queued = 0;
	m->waited = 0;
	m->cause = cause;
}

/*
 * v1: at once. v2 (HW-12, HW-13): the fire is decided in the engine's write stage: the south engine's
 * modify, one cycle after the event, the north engine's stage B, two cycles after it; it is applied at that
 * edge after the edge's stream acceptances (a message accepted then is not merged into: a new one is queued
 * behind the others).
 */
/* one timed message: err = its timing error (RTL - model), inside +-CS_CYCLE_TOL (checked by the caller) */
static void timed(struct cs_sb *sb, int64_t err)
{
	sb->st.timed++;
	sb->st.terr_hist[err + CS_CYCLE_TOL]++;
	if (sb->st.timed == 1 || err < sb->st.terr_min)
		sb->st.terr_min = err;
	if (sb->st.timed == 1 || err > sb->st.terr_max)
		sb->st.terr_max = err;
}

static void request(struct cs_sb *sb, unsigned c, int is_msi)
{
	struct cs_msg *m = is_msi ? &sb->ch[c].msi : &sb->ch[c].notify;

	if (!sb->v2) {
		request_now(m, sb->cycle);
		return;
	}
	if (m->due)
		return;
	m->due = 1;
	m->due_cause = sb->cycle;
	sb->due[sb->ndue++] = c * 2 + (unsigned)is_msi;
}

/*
 * v2: the fires whose decision is at this edge take effect (after this edge's acceptances): merge or queue.
 * A notify fire of the previous edge (the south modify), an MSI fire of two edges ago (the north engine's
 * stage B); @all: every fire still pending (the end of the run).
 */
static void apply_due(struct cs_sb *sb, int all)
{
	unsigned keep = 0;

	for (unsigned i = 0; i < sb->ndue; i++) {
		unsigned c = sb->due[i] / 2, is_msi = sb->due[i] % 2;
		struct cs_msg *m = is_msi ? &sb->ch[c].msi : &sb->ch[c].notify;
		struct cs_order *o = &sb->order[is_msi];

		if (!all && is_msi && sb->cycle - m->due_cause < 2) {
			sb->due[keep++] = sb->due[i];
			continue;
		}
		m->due = 0;
		if (m->req)
			continue; /* merged into the message still queued */
		request_now(m, m->due_cause);
		o->id[(o->head + o->count++) % sb->n] = c;
		if (o->count > sb->st.max_queued[is_msi])
			sb->st.max_queued[is_msi] = o->count;
	}
	sb->ndue = keep;
}

static void fire_msi(struct cs_sb *sb, unsigned c)
{
	request(sb, c, 1);
}

/* ------------------------------------------------------------------ streams */

static void accept(struct cs_sb *sb, int is_msi, uint8_t valid, uint8_t ready, unsigned vc);
static int observe_stream_v2(struct cs_sb *sb, int is_msi, uint8_t valid, uint8_t ready, unsigned vc);

/* Observe one stream at this edge: valid (with its channel) and the acceptance. */
static int observe_stream(struct cs_sb *sb, int is_msi, uint8_t valid, uint8_t ready, unsigned vc)
{
	const char *name = is_msi ? "msi" : "notify";

	if (valid && vc >= sb->n)
		return mismatch(sb, vc, name, "a channel < %u, actual channel %u", sb->n, vc);
	if (valid) {
		struct cs_msg *m = is_msi ? &sb->ch[vc].msi : &sb->ch[vc].notify;

		if (!m->req)
			return mismatch(sb, vc, name, "no message (none predicted), actual valid");
		if (sb->v2 && !m->seen) {
			const struct cs_order *o = &sb->order[is_msi];
			unsigned first = o->id[o->head];

			if (first != vc)
				return mismatch(sb, vc, is_msi ? "msi order" : "notify order",
						"channel %u first (fired at cycle %" PRIu64 ", HW-14 firing order), "
						"actual channel %u (fired at cycle %" PRIu64 ")",
						first, (is_msi ? &sb->ch[first].msi : &sb->ch[first].notify)->cause, vc,
						m->cause);
		}
		if (!m->seen && sb->v2) {
			int64_t lat = (int64_t)(sb->cycle - m->cause), err = lat - CS_PRED_LATENCY_V2;

			m->seen = 1;
			if (m->queued) {
				sb->st.queued++;
			} else {
				/* HW-12: valid at most CS_PRED_LATENCY_V2 cycles after the cause */
				if (err < -CS_CYCLE_TOL || err > 0)
					return mismatch(sb, vc, is_msi ? "msi cycle" : "notify cycle",
							"valid %d..%d cycles after the event (HW-12), actual %" PRId64,
							CS_PRED_LATENCY_V2 - CS_CYCLE_TOL, CS_PRED_LATENCY_V2, lat);
				timed(sb, err);
				if (lat > sb->st.lat_max)
					sb->st.lat_max = lat;
			}
		}
		if (!m->seen) {
			int64_t lat = (int64_t)(sb->cycle - m->cause), err = lat - CS_PRED_LATENCY;

			m->seen = 1;
			if (m->queued) {
				sb->st.queued++;
			} else {
				if (err < -CS_CYCLE_TOL || err > CS_CYCLE_TOL)
					return mismatch(sb, vc, is_msi ? "msi cycle" : "notify cycle",
							"valid %d cycles after the event (+-%d), actual %" PRId64,
							CS_PRED_LATENCY, CS_CYCLE_TOL, lat);
				timed(sb, err);
			}
		}
	}
	if (sb->v2)
		return observe_stream_v2(sb, is_msi, valid, ready, vc);
	for (unsigned c = 0; c < sb->n; c++) {
		struct cs_msg *m = is_msi ? &sb->ch[c].msi : &sb->ch[c].notify;

		if (!m->req || (valid && c == vc))
			continue;
		/* HW-7: a requested message shows at once (the stream reloads in the cycle it is accepted) */
		if (!valid && sb->cycle >= m->cause + CS_PRED_LATENCY + CS_CYCLE_TOL)
			return mismatch(sb, c, name,
					"valid by cycle %" PRIu64 " (requested at cycle %" PRIu64
					"), actual the stream idle",
					m->cause + CS_PRED_LATENCY + CS_CYCLE_TOL, m->cause);
		if (valid && !m->seen)
			m->queued = 1;
		/* HW-11 round-robin: a visible request is granted before every other channel has had a turn */
		if (valid && ready && sb->cycle >= m->cause + CS_PRED_LATENCY + CS_CYCLE_TOL) {
			if (++m->waited > sb->n)
				return mismatch(sb, c, is_msi ? "msi round-robin" : "notify round-robin",
						"granted within %u grants of others, actual still waiting after %u",
						sb->n, m->waited);
			if (m->waited > sb->st.max_wait_grants)
				sb->st.max_wait_grants = m->waited;
		}
	}
	accept(sb, is_msi, valid, ready, vc);
	return sb->mismatch;
}

/* The message on the stream is accepted at this edge (both versions). */
static void accept(struct cs_sb *sb, int is_msi, uint8_t valid, uint8_t ready, unsigned vc)
{
	if (valid && ready) {
		struct cs_chan *ch = &sb->ch[vc];

		if (is_msi) {
			ch->msi.req = 0;
			count(sb, vc, CS_CNT_IRQ);
			sb->st.chans_msi += sb->cnt[vc * CS_NCNT + CS_CNT_IRQ] == 1;
			sb->st.irqs++;
			trace_rec(sb, 'N', "deliver", vc, "ok", -1);
		} else {
			ch->notify.req = 0;
			set_bit(sb, vc, VBUS_SOUTH, CS_DIRTY, 0); /* HW-6: the device's drain starts */
			count(sb, vc, CS_CNT_DEV_NOTIFY);
			sb->st.chans_notify += sb->cnt[vc * CS_NCNT + CS_CNT_DEV_NOTIFY] == 1;
			sb->st.notifies++;
			trace_rec(sb, 'S', "deliver", vc, "ok", -1);
		}
	}
}

/*
 * v2 (HW-12..HW-14): a requested message not yet shown may not meet an idle stream from
 * CS_PRED_LATENCY_V2 cycles after its cause on; every other channel granted while it waits counts
 * toward the fairness bound of N - 1 grants (firing order makes it exact: the order check above).
 */
static int observe_stream_v2(struct cs_sb *sb, int is_msi, uint8_t valid, uint8_t ready, unsigned vc)
{
	const char *name = is_msi ? "msi" : "notify";
	struct cs_order *o = &sb->order[is_msi];

	for (unsigned k = 0; k < o->count; k++) {
		unsigned c = o->id[(o->head + k) % sb->n];
		struct cs_msg *m = is_msi ? &sb->ch[c].msi : &sb->ch[c].notify;

		if (valid && c == vc)
			continue;
		if (!valid && sb->cycle >= m->cause + CS_PRED_LATENCY_V2)
			return mismatch(sb, c, name,
					"valid by cycle %" PRIu64 " (requested at cycle %" PRIu64
					", HW-12), actual the stream idle",
					m->cause + CS_PRED_LATENCY_V2, m->cause);
		if (valid && !m->seen)
			m->queued = 1;
		if (valid && ready) {
			if (++m->waited > sb->n - 1)
				return mismatch(
					sb, c, is_msi ? "msi fairness" : "notify fairness",
					"granted within %u grants of others (HW-14), actual still waiting after %u",
					sb->n - 1, m->waited);
			if (m->waited > sb->st.max_wait_grants)
				sb->st.max_wait_grants = m->waited;
		}
	}
	if (valid && ready) {
		o->head = (o->head + 1) % sb->n; /* the head: checked to be vc when it showed */
		o->count--;
	}
	accept(sb, is_msi, valid, ready, vc);
	return sb->mismatch;
}

/* ------------------------------------------------------------------ registers */

static uint32_t status(struct cs_sb *sb, unsigned c)
{
	uint32_t mc, mt;

	pred[0]->mod_get(sb->ch[c].p[0], &mc, &mt);
	return (uint32_t)bit(sb, c, 0, CS_EN) << VBUS_ACCEL_STATUS_N_ENABLED_SHIFT |
	       (uint32_t)bit(sb, c, 0, CS_PEND) << VBUS_ACCEL_STATUS_N_PENDING_SHIFT |
	       (uint32_t)bit(sb, c, 0, CS_DIRTY) << VBUS_ACCEL_STATUS_N_DIRTY_SHIFT |
	       (uint32_t)bit(sb, c, 1, CS_EN) << VBUS_ACCEL_STATUS_S_ENABLED_SHIFT |
	       (uint32_t)bit(sb, c, 1, CS_PEND) << VBUS_ACCEL_STATUS_S_PENDING_SHIFT |
	       (uint32_t)bit(sb, c, 1, CS_DIRTY) << VBUS_ACCEL_STATUS_S_DIRTY_SHIFT |
	       (uint32_t)(mt != 0) << VBUS_ACCEL_STATUS_MOD_ARMED_SHIFT |
	       (mc & 0xff) << VBUS_ACCEL_STATUS_MOD_COUNT_SHIFT;
}

/* Decode a byte address: channel index (or -1 for the global block, -2 unmapped) and register. */
static int decode(const struct cs_sb *sb, uint32_t addr, uint32_t *reg)
{
	addr &= sb->addr_mask; /* AXI_AW bits, bits 1:0 ignored */
	if (addr < VBUS_ACCEL_CHAN_BASE) {
		*reg = addr;
		return -1;
	}
	*reg = (addr - VBUS_ACCEL_CHAN_BASE) % VBUS_ACCEL_CHAN_STRIDE;
	addr = (addr - VBUS_ACCEL_CHAN_BASE) / VBUS_ACCEL_CHAN_STRIDE;
	return addr < sb->n ? (int)addr : -2;
}

/* The value a read accepted at this edge returns: the state before the edge (HW-10 (3)). */
static uint32_t predict_read(struct cs_sb *sb, uint32_t addr)
{
	uint32_t reg;
	int c = decode(sb, addr, &reg);

	if (c == -1) {
		switch (reg) {
		case VBUS_ACCEL_ID:
			return VBUS_ACCEL_ID_VALUE;
		case VBUS_ACCEL_VERSION:
			return VBUS_ACCEL_VERSION_VALUE;
		case VBUS_ACCEL_N_CHANNELS:
			return sb->n;
		case VBUS_ACCEL_MOD_TICK_LG:
			return sb->tick_lg;
		case VBUS_ACCEL_CLK_KHZ:
			return 0; /* the cosim's models leave the CLK_KHZ parameter at 0 (not stated) */
		default:
			return 0; /* CTRL reads 0, unmapped 0 */
		}
	}
	if (c < 0)
		return 0;
	switch (reg) {
	case VBUS_ACCEL_CH_N_ENABLE:
		return bit(sb, c, 0, CS_EN);
	case VBUS_ACCEL_CH_N_DIRTY:
		return bit(sb, c, 0, CS_DIRTY);
	case VBUS_ACCEL_CH_MOD_HOLDOFF:
		return sb->ch[c].holdoff;
	case VBUS_ACCEL_CH_MOD_COUNT:
		return sb->ch[c].count;
	case VBUS_ACCEL_CH_STATUS:
		return status(sb, c);
	case VBUS_ACCEL_CH_CNT_DOORBELL:
		return shown(sb, c, CS_CNT_DOORBELL);
	case VBUS_ACCEL_CH_CNT_IRQ:
		return shown(sb, c, CS_CNT_IRQ);
	case VBUS_ACCEL_CH_CNT_SUPP_N:
		return shown(sb, c, CS_CNT_SUPP_N);
	case VBUS_ACCEL_CH_CNT_SUPP_S:
		return shown(sb, c, CS_CNT_SUPP_S);
	case VBUS_ACCEL_CH_CNT_DEV_NOTIFY:
		return shown(sb, c, CS_CNT_DEV_NOTIFY);
	default:
		return 0; /* DOORBELL, N_ACK (write-only), unmapped */
	}
}

static const char *read_name(uint32_t addr)
{
	static char buf[32];

	snprintf(buf, sizeof(buf), "read 0x%03x", addr & ~3u);
	return buf;
}

/* N record fires outside M1-M4 (HW-5 self-notify): pending, MSI, moderation state cleared. */
static void fire_unmoderated(struct cs_sb *sb, unsigned c)
{
	set_bit(sb, c, VBUS_NORTH, CS_PEND, 1);
	for (int i = 0; i < NPRED; i++)
		pred[i]->mod_clear(sb->ch[c].p[i]);
	if (sb->v2)
		track_armed(sb, c);
	fire_msi(sb, c);
}

static void cpu_write(struct cs_sb *sb, uint32_t addr, uint32_t data, uint32_t strb)
{
	uint32_t reg;
	int c = decode(sb, addr, &reg), r;
	struct cs_chan *ch;

	if (c == -1 && reg == VBUS_ACCEL_CTRL && (strb & 1) && (data & 1)) {
		mismatch(sb, -1, "ctrl", "no CTRL.SOFT_RESET from the agents (not modelled), actual one");
		return;
	}
	if (c < 0)
		return;
	ch = &sb->ch[c];
	switch (reg) {
	case VBUS_ACCEL_CH_DOORBELL: /* HW-1 */
		r = both(sb, c, "doorbell", OP_INJECT, VBUS_NORTH);
		count(sb, c, CS_CNT_DOORBELL);
		sb->st.doorbells++;
		if (r == CS_NOTIFY)
			request(sb, c, 0);
		else
			count(sb, c, CS_CNT_SUPP_S), sb->st.suppressed_s++;
		trace_rec(sb, 'N', "inject", c, res_name(r), -1);
		break;
	case VBUS_ACCEL_CH_N_ENABLE: /* HW-5 */
		if (!(strb & 1))
			break;
		if (data & 1) {
			r = both(sb, c, "N_ENABLE", OP_ENABLE, VBUS_NORTH);
			if (r == CS_SELF && bit(sb, c, 0, CS_DIRTY) && !bit(sb, c, 0, CS_PEND))
				fire_unmoderated(sb, c);
		} else {
			r = both(sb, c, "N_ENABLE 0", OP_DISABLE, VBUS_NORTH);
		}
		trace_rec(sb, 'N', data & 1 ? "enable" : "disable", c, res_name(r), -1);
		break;
	case VBUS_ACCEL_CH_N_ACK: /* HW-3: W5 with the W7 re-check, a new device inject when it finds work */
		set_bit(sb, c, VBUS_NORTH, CS_PEND, 0);
		r = CS_OK;
		if (bit(sb, c, 0, CS_DIRTY) && bit(sb, c, 0, CS_EN)) {
			r = both(sb, c, "N_ACK re-check", OP_INJECT, VBUS_SOUTH);
			if (r == CS_NOTIFY)
				fire_msi(sb, c);
			else if (r == CS_DEFER)
				sb->st.deferred++;
		}
		trace_rec(sb, 'N', "ack", c, res_name(r), -1);
		break;
	case VBUS_ACCEL_CH_MOD_HOLDOFF:
	case VBUS_ACCEL_CH_MOD_COUNT:
		if (!ch->mod_wr) {
			ch->new_holdoff = ch->holdoff;
			ch->new_count = ch->count;
		}
		ch->mod_wr = 1;
		sb->mod_wr_chan = c;
		if (reg == VBUS_ACCEL_CH_MOD_HOLDOFF) {
			if (strb & 1)
				ch->new_holdoff = (ch->new_holdoff & 0xff00) | (data & 0xff);
			if (strb & 2)
				ch->new_holdoff = (ch->new_holdoff & 0x00ff) | (data & 0xff00);
		} else if (strb & 1) {
			ch->new_count = data & 0xff;
		}
		break;
	default:
		break; /* RO registers and unmapped: ignored */
	}
}

static void dev_ctrl(struct cs_sb *sb, unsigned c, unsigned op)
{
	int r = CS_OK;

	if (c >= sb->n || op > VBUS_ACCEL_SOP_ACK)
		return; /* HW-11: ignored */
	sb->st.ctrl_ops++;
	switch (op) {
	case VBUS_ACCEL_SOP_ENABLE:
		r = both(sb, c, "SOP_ENABLE", OP_ENABLE, VBUS_SOUTH);
		if (r == CS_SELF && bit(sb, c, 1, CS_DIRTY) && !bit(sb, c, 1, CS_PEND)) {
			set_bit(sb, c, VBUS_SOUTH, CS_PEND, 1);
			request(sb, c, 0);
		}
		trace_rec(sb, 'S', "enable", c, res_name(r), -1);
		break;
	case VBUS_ACCEL_SOP_DISABLE:
		r = both(sb, c, "SOP_DISABLE", OP_DISABLE, VBUS_SOUTH);
		trace_rec(sb, 'S', "disable", c, res_name(r), -1);
		break;
	case VBUS_ACCEL_SOP_ACK:
		set_bit(sb, c, VBUS_SOUTH, CS_PEND, 0);
		if (bit(sb, c, 1, CS_DIRTY) && bit(sb, c, 1, CS_EN)) {
			set_bit(sb, c, VBUS_SOUTH, CS_PEND, 1);
			request(sb, c, 0);
			r = CS_NOTIFY;
		}
		trace_rec(sb, 'S', "ack", c, res_name(r), -1);
		break;
	}
}

static void dev_inject(struct cs_sb *sb, unsigned c)
{
	int r;

	if (c >= sb->n)
		return;
	sb->st.dev_injects++;
	r = both(sb, c, "device inject", OP_INJECT, VBUS_SOUTH);
	if (r == CS_NOTIFY) {
		fire_msi(sb, c);
	} else {
		count(sb, c, CS_CNT_SUPP_N);
		sb->st.suppressed_n++;
		if (r == CS_DEFER)
			sb->st.deferred++;
	}
	trace_rec(sb, 'S', "inject", c, res_name(r), -1);
}

/* ------------------------------------------------------------------ v2 moderation (HW-15) */

/* The time base: one step of +1 every 2^TICK_LG cycles (the first value may be seen mid-tick). */
static int check_now(struct cs_sb *sb, uint32_t now)
{
	const uint64_t tick = 1ull << sb->tick_lg;

	if (!sb->now_seen) {
		sb->now_seen = 1;
		sb->now = now;
		sb->now_since = sb->cycle;
		return 0;
	}
	if (now != sb->now) {
		if (now != ((sb->now + 1) & TIME_MASK))
			return mismatch(sb, -1, "time base", "now %u -> %u (HW-15: one tick at a time), actual %u",
					sb->now, (sb->now + 1) & TIME_MASK, now);
		if (sb->now_stepped && sb->cycle - sb->now_since != tick)
			return mismatch(sb, -1, "time base",
					"a tick every %" PRIu64 " cycles (HW-15, TICK_LG %u), actual %" PRIu64, tick,
					sb->tick_lg, sb->cycle - sb->now_since);
		sb->now_stepped = 1;
		sb->now = now;
		sb->now_since = sb->cycle;
		sb->st.now_ticks++;
	} else if (sb->cycle - sb->now_since > tick) {
		return mismatch(sb, -1, "time base",
				"now advanced within %" PRIu64
				" cycles (HW-15, TICK_LG %u), actual still %u after %" PRIu64,
				tick, sb->tick_lg, now, sb->cycle - sb->now_since);
	}
	return 0;
}

/*
 * (1) of the HW-10 order in v2: the RTL's scanner took a north op to expire channel @c at this edge. It applies
 * T1-T4 at once (MOD-7) when the channel's holdoff runs and its deadline has passed at the op's `now`; otherwise
 * it finds nothing to do (the scanner reads a mirror that may be a few ops old; the engine re-checks the word).
 */
static void expire_v2(struct cs_sb *sb, unsigned c)
{
	struct cs_chan *ch = &sb->ch[c];
	int64_t err;
	int r;

	sb->st.expiry_ops++;
	if (!mt_of(sb, c) || !passed(ch->deadline, sb->now))
		return;
	r = both(sb, c, "expiry", OP_EXPIRE, 0);
	sb->st.expiries++;
	if (ch->passed_at != NOT_PASSED && sb->cycle - ch->passed_at > sb->st.expiry_wait_max)
		sb->st.expiry_wait_max = sb->cycle - ch->passed_at;
	err = (int64_t)(sb->cycle - ch->arm_cycle) - ((int64_t)ch->arm_h << sb->tick_lg);
	if (sb->st.expiries == 1 || err < sb->st.hold_err_min)
		sb->st.hold_err_min = err;
	if (sb->st.expiries == 1 || err > sb->st.hold_err_max)
		sb->st.hold_err_max = err;
	/* HW-15: more than H - 1 and at most H + 1 ticks after the arming (deferring) event */
	if (err <= -((int64_t)1 << sb->tick_lg) || err > ((int64_t)1 << sb->tick_lg))
		mismatch(sb, c, "holdoff",
			 "expiry - arm - H * %u in (-%u, %u] cycles (HW-15: after more than H - 1 and at most H + 1 "
			 "ticks; holdoff %u ticks armed at cycle %" PRIu64 "), actual %" PRId64,
			 1u << sb->tick_lg, 1u << sb->tick_lg, 1u << sb->tick_lg, ch->arm_h, ch->arm_cycle, err);
	if (r == CS_FIRE) {
		fire_msi(sb, c);
		sb->st.ticks_fired++;
	} else if (r == CS_DROP) {
		sb->st.expiry_drops++;
	}
	trace_rec(sb, '-', "tick", c, res_name(r), -1);
}

/* HW-15: a scanner visits every channel once per tick, so a passed deadline meets its expiry within a tick. */
static int check_expiries(struct cs_sb *sb)
{
	const uint64_t bound = (1ull << sb->tick_lg) + CS_V2_EXPIRY_SLACK;

	for (unsigned i = 0; i < sb->narmed; i++) { /* the armed channels (mt != 0) */
		unsigned c = sb->armed[i];
		struct cs_chan *ch = &sb->ch[c];

		if (!passed(ch->deadline, sb->now)) {
			ch->passed_at = NOT_PASSED;
			continue;
		}
		if (ch->passed_at == NOT_PASSED)
			ch->passed_at = sb->cycle;
		else if (sb->cycle - ch->passed_at > bound)
			return mismatch(sb, c, "expiry",
					"by cycle %" PRIu64 " (holdoff %u ticks armed at cycle %" PRIu64
					", deadline %u passed at cycle %" PRIu64
					", HW-15: a scan per tick), actual none",
					ch->passed_at + bound, ch->arm_h, ch->arm_cycle, ch->deadline, ch->passed_at);
	}
	return 0;
}

/* ------------------------------------------------------------------ the edge */

int cs_step(struct cs_sb *sb, const struct cs_edge *e)
{
	if (sb->mismatch)
		return 1;
	sb->cycle = e->cycle;
	sb->st.edges++;
	/* counters: a read at this edge shows events up to two edges ago (HW-10): the last edge's increments are
	 * the ones it does not show yet */
	sb->inc_cur = !sb->inc_cur;
	sb->ninc[sb->inc_cur] = 0;

	/* (3) reads return the value before the edge: predicted first */
	if (e->ar) {
		unsigned i = (sb->rhead + sb->rcount) % RFIFO;

		if (sb->rcount == RFIFO)
			return mismatch(sb, -1, "axi", "at most %d reads outstanding, actual more", RFIFO);
		sb->rexp[i] = predict_read(sb, e->araddr);
		sb->raddr[i] = e->araddr;
		sb->rcount++;
		sb->st.reads++;
	}
	/* (1) v2: the scanner's expiry op (HW-15); v1: the moderation tick of every channel */
	if (sb->v2) {
		if (check_now(sb, e->now))
			return 1;
		if (e->x_valid && e->x_chan < sb->n)
			expire_v2(sb, e->x_chan);
	}
	for (unsigned c = 0; !sb->v2 && c < sb->n; c++) {
		uint32_t mc, mt;

		pred[0]->mod_get(sb->ch[c].p[0], &mc, &mt);
		if (!mt) {
			pred[1]->mod_get(sb->ch[c].p[1], &mc, &mt);
			if (!mt)
				continue; /* both timers off: the tick is idle in both (checked when not) */
		}
		int r = both(sb, c, "tick", OP_TICK, 0);
		if (r == CS_FIRE) {
			fire_msi(sb, c);
			sb->st.ticks_fired++;
		}
		if (r != CS_IDLE)
			trace_rec(sb, '-', "tick", c, res_name(r), -1);
	}
	/* (2) stream acceptances (and every valid, for timing and round-robin) */
	if (observe_stream(sb, 1, e->msi_valid, e->msi_ready, e->msi_chan) ||
	    observe_stream(sb, 0, e->notify_valid, e->notify_ready, e->notify_chan))
		return 1;
	if (sb->v2)
		apply_due(sb, 0); /* the fires decided now, after this edge's acceptances */
	/* (3) N_DIRTY read: W1 */
	if (e->ar) {
		uint32_t reg;
		int c = decode(sb, e->araddr, &reg);

		if (c >= 0 && reg == VBUS_ACCEL_CH_N_DIRTY) {
			int dirty = bit(sb, c, 0, CS_DIRTY);

			set_bit(sb, c, VBUS_NORTH, CS_DIRTY, 0);
			trace_rec(sb, 'N', "drain", c, "ok", dirty);
		}
	}
	/* (4) the CPU write */
	if (e->w) {
		sb->st.writes++;
		cpu_write(sb, e->awaddr, e->wdata, e->wstrb);
	}
	/* (5) device control, (6) device inject */
	if (e->ctrl)
		dev_ctrl(sb, e->ctrl_chan, e->ctrl_op);
	if (e->inj)
		dev_inject(sb, e->inj_chan);
	/* a MOD_* write takes effect from the next edge (one CPU write per edge) */
	if (sb->mod_wr_chan >= 0) {
		unsigned c = (unsigned)sb->mod_wr_chan;
		struct cs_chan *ch = &sb->ch[c];

		sb->mod_wr_chan = -1;
		ch->mod_wr = 0;
		ch->holdoff = ch->new_holdoff;
		ch->count = ch->new_count;
		for (int i = 0; i < NPRED; i++)
			pred[i]->mod_param(ch->p[i], ch->holdoff, ch->count);
		trace_rec(sb, 'N', "moderate", c, "ok", -1);
	}
	if (sb->v2 && check_expiries(sb))
		return 1;
	/* a read response: compare with the prediction made when it was accepted */
	if (e->r) {
		uint32_t exp;

		if (!sb->rcount)
			return mismatch(sb, -1, "axi", "no read outstanding, actual a read response");
		exp = sb->rexp[sb->rhead];
		if (exp != e->rdata) {
			uint32_t reg;
			int c = decode(sb, sb->raddr[sb->rhead], &reg);

			return mismatch(sb, c, read_name(sb->raddr[sb->rhead] & sb->addr_mask),
					"expected 0x%08x, actual 0x%08x", exp, e->rdata);
		}
		sb->rhead = (sb->rhead + 1) % RFIFO;
		sb->rcount--;
		sb->st.reads_checked++;
	}
	return sb->mismatch;
}

int cs_finish(struct cs_sb *sb, uint64_t cycle)
{
	if (sb->mismatch)
		return 1;
	sb->cycle = cycle;
	apply_due(sb, 1);
	for (unsigned c = 0; c < sb->n; c++) {
		if (sb->ch[c].msi.req)
			return mismatch(sb, c, "msi", "delivered (requested at cycle %" PRIu64 "), actual never",
					sb->ch[c].msi.cause);
		if (sb->ch[c].notify.req)
			return mismatch(sb, c, "notify", "delivered (requested at cycle %" PRIu64 "), actual never",
					sb->ch[c].notify.cause);
	}
	if (sb->rcount)
		return mismatch(sb, -1, "axi", "every read answered, actual %u outstanding", sb->rcount);

	for (unsigned c = 0; c < sb->n; c++)
		if (mt_of(sb, c))
			return mismatch(
				sb, c, "moderation",
				"every holdoff expired by the end of the drain phase, actual one running (armed at "
				"cycle %" PRIu64 ")",
				sb->ch[c].arm_cycle);
	return 0;
}

int cs_idle(const struct cs_sb *sb)
{
	if (sb->ndue)
		return 0;
	for (unsigned c = 0; c < sb->n; c++)
		if (sb->ch[c].msi.req || sb->ch[c].notify.req || mt_of(sb, c))
			return 0;
	return 1;
}

void cs_report(const struct cs_sb *sb, FILE *f)
{
	if (!sb->mismatch)
		return;
	fprintf(f, "MISMATCH %s\nlast %u trace records (model view):\n", sb->msg, sb->ring_n);
	for (unsigned i = 0; i < sb->ring_n; i++) {
		char buf[192];

		rec_format(&sb->ring[(sb->ring_next + CS_TRACE_KEEP - sb->ring_n + i) % CS_TRACE_KEEP], buf,
			   sizeof(buf));
		fprintf(f, "  %s\n", buf);
	}
}

const struct cs_stats *cs_stats(const struct cs_sb *sb)
{
	return &sb->st;
}

int cs_mismatched(const struct cs_sb *sb)
{
	return sb->mismatch;
}

unsigned cs_axi_aw(unsigned nchan)
{
	unsigned aw = 13;

	while (nchan > 64 && (1u << aw) < 256 + 64 * nchan)
		aw++;
	return aw;
}

struct cs_sb *cs_create(unsigned nchan, FILE *trace)
{
	struct cs_sb *sb = calloc(1, sizeof(*sb));

	if (!sb)
		return NULL;
	sb->n = nchan;
	sb->trace = trace;
	sb->ch = calloc(nchan, sizeof(*sb->ch));
	sb->cnt = calloc((size_t)nchan * CS_NCNT, sizeof(uint32_t));
	if (!sb->ch || !sb->cnt)
		goto fail;
	sb->mod_wr_chan = -1;
	sb->addr_mask = ((1u << cs_axi_aw(nchan)) - 1) & ~3u;
	for (unsigned c = 0; c < nchan; c++)
		for (int i = 0; i < NPRED; i++)
			if (!(sb->ch[c].p[i] = pred[i]->create()))
				goto fail;
	if (trace)
		fprintf(trace, "vbus-trace 1\n# vbus-cosim: the accelerator's events as the model predicted "
			       "and the RTL did them, in HW-10 order\n");
	return sb;
fail:
	cs_destroy(sb);
	return NULL;
}

void cs_destroy(struct cs_sb *sb)
{
	if (!sb)
		return;
	for (unsigned c = 0; sb->ch && c < sb->n; c++)
		for (int i = 0; i < NPRED; i++)
			if (sb->ch[c].p[i])
				pred[i]->destroy(sb->ch[c].p[i]);
	free(sb->ch);
	free(sb->cnt);
	free(sb->armed);
	free(sb->armed_at);
	free(sb->due);
	free(sb->order[0].id);
	free(sb->order[1].id);
	free(sb);
}

int cs_set_v2(struct cs_sb *sb, unsigned tick_lg)
{
	sb->due = calloc(2 * (size_t)sb->n, sizeof(*sb->due));
	sb->order[0].id = calloc(sb->n, sizeof(unsigned));
	sb->order[1].id = calloc(sb->n, sizeof(unsigned));
	sb->armed = calloc(sb->n, sizeof(unsigned));
	sb->armed_at = calloc(sb->n, sizeof(unsigned));
	if (!sb->due || !sb->order[0].id || !sb->order[1].id || !sb->armed || !sb->armed_at)
		return -1;
	sb->v2 = 1;
	sb->tick_lg = tick_lg;
	return 0;
}

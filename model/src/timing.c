// SPDX-License-Identifier: GPL-2.0
/*
 * Discrete-event timing engine (§6). Agents are CPUs (north, south) that run
 * one chunk of spec steps at a time; a chunk's shared-memory effects happen at
 * its start, its cost (TIM-1) makes the CPU busy until its end. Store-buffer
 * races are the explorer's business; here they only cost barrier cycles.
 *
 * Channel c carries messages from agent prod to agent cons over one ring with
 * the receiver's irq record (enabled/pending/dirty) and, for event-index, the
 * receiver's event index. Data-path costs follow the §6.1 closed form:
 * producer produce_per_msg; consumer line_transfer for the index line and for
 * each descriptor line the producer rewrote, plus handler_per_msg.
 * TIM-3 (v2): payload lines (cfg->payload_lines per message) are read like
 * descriptor lines; within one handler pass only the first miss costs
 * line_transfer, later ones line_stream (misses overlap); a producer rewriting
 * a line the consumer has read since (its index line too) issues an ownership request, and a full
 * barrier in its kick waits for those (fence stall: each line's request leaves
 * as its store executes and is done line_transfer later, line_stream at least
 * after the one before). Completion by index costs nothing per
 * descriptor (IOQ-12); reclaim is off the critical path.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <vbus/shm_signal.h>
#include <vbus/ioq.h>

/* v2: 16-byte descriptors, four to a cache line (§2.1) */
#define DESC_PER_LINE (64 / sizeof(struct vbus_ioq_desc))

#include "vbusmodel/model.h"
#include "vbusmodel/timing.h"

enum { EV_GEN, EV_PRODUCE, EV_KICK, EV_NOTIFY, EV_RUN, EV_CHECK, EV_POLL, EV_TIMER, EV_DESCHED };
enum { CS_BLOCKED, CS_WAKING, CS_ACTIVE, CS_POLLING, CS_SPINNING };

struct ev {
	uint64_t t, seq;
	uint32_t kind, ch;
	uint64_t stamp; /* EV_RUN, EV_PRODUCE after a wake-up: when the waking write started (0: none) */
};

struct chan {
	int prod, cons;	 /* agent ids: VBUS_NORTH / VBUS_SOUTH */
	const char *obj; /* trace object name */
	uint64_t target; /* messages this channel carries in total */
	uint64_t generated, backlog, pub, consumed, kick_old, kick_k;
	uint64_t *gen; /* arrival time per message */
	int prod_sched, stalled;
	/* the receiver's irq record and event index (shared), the sender's moderation (local) */
	uint8_t en, pend, dirty;
	uint64_t event;
	uint32_t mc;
	int mt_armed;
	/* consumer */
	int cst, nq, cause_notify, first_pass;
	uint64_t wake_got; /* messages the current wakeup (W0-W9, its passes) consumed */
	uint64_t spin_end;
	/* cache-line versions for TIM-1 */
	uint64_t idx_ver, idx_seen, sig_ver, ev_ver, ev_seen;
	int sig_writer;
	uint64_t sig_seen[2];
	uint32_t *dver, *dseen;
	uint32_t *pver, *pseen; /* payload lines per slot (TIM-3) */
	uint64_t rfo;		/* lines of the current batch the consumer held: the kick's fence waits for them */
	int rfo_idx;		/* ... and whether our index line is one (its store comes last) */
	uint64_t work;		/* the batch's CPU time (its stores' ownership requests overlap it) */
	uint64_t stall_t;	/* when the producer found the ring full */
	uint64_t commit_t;	/* SIG-14 without a fence: when the last batch's stores have committed */
	/* TIM-3 store window (c->wx > one call): batches published but not yet committed (visible at commit) */
#define SB_MAX 64
#define WX_ONE 1024			   /* TIM-3 store window: fixed point, one call */
	uint64_t cq[SB_MAX], cpub[SB_MAX]; /* per kick: commit time, c->pub after it */
	uint64_t nkick, vis_k, vis;	   /* kicks queued, the first not yet visible, messages visible */
	uint64_t last_commit;
	uint32_t window;   /* the current commit group's window, calls */
	uint64_t wx, wacc; /* TIM-3 store window, 1/WX_ONE calls: the mean (LT / the call's time), its dither */
	int prod_en;	   /* SIG-14 completions: the producer's irq record is enabled (it waits blocked) */
};

struct sim {
	const struct vm_sim_cfg *cfg;
	const uint64_t *P;
	struct ev *heap;
	size_t hn, hcap;
	uint64_t seq, now, busy[2];
	struct chan ch[2];
	int nch;
	uint64_t *lat;
	uint64_t nlat, last_done, rng;
	uint64_t *stamp, nstamp; /* cfg->batch_clock: when each batch of messages was done */
	uint64_t drng[2];	 /* TIM-3 descheduling: one generator per agent (ev.ch is the agent) */
	uint64_t ndesched;	 /* EV_DESCHED events in the heap */
	/* TIM-3 libvbus's adaptive spin budget per agent (cfg->spin_hi): the budget, the running average of
	 * the measured wake-ups, wake-ups measured, sleeps since the last, the sampling stride, its time */
	uint64_t bud[2], ewma[2], samples[2], sleeps[2], every[2], sample_at[2];
	struct vm_report *rep;
	unsigned trace_step;
};

/* ---- names ---- */
static const char *const wl_names[] = { "ping-pong", "stream", "bursty", "poisson" };
static const char *const cons_names[] = { "busy-poll", "block", "spin-then-block" };
static const char *const mit_names[] = { "none", "shm-signal", "event-index", "moderation" };

const char *vm_workload_name(int w)
{
	return w >= 0 && w < VM_WL_COUNT ? wl_names[w] : "?";
}
const char *vm_consumer_name(int c)
{
	return c >= 0 && c < VM_CONS_COUNT ? cons_names[c] : "?";
}
const char *vm_mitigation_name(int m)
{
	return m >= 0 && m < VM_MIT_COUNT ? mit_names[m] : "?";
}

static int parse_name(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], s))
			return i;
	return -EINVAL;
}

int vm_workload_parse(const char *s)
{
	return parse_name(wl_names, VM_WL_COUNT, s);
}
int vm_consumer_parse(const char *s)
{
	return parse_name(cons_names, VM_CONS_COUNT, s);
}
int vm_mitigation_parse(const char *s)
{
	return parse_name(mit_names, VM_MIT_COUNT, s);
}

void vm_sim_cfg_default(struct vm_sim_cfg *c)
{
	memset(c, 0, sizeof(*c));
	vm_params_default(&c->p);
	c->workload = VM_WL_PINGPONG;
	c->consumer = VM_CONS_BLOCK;
	c->mitigation = VM_MIT_SHM_SIGNAL;
	c->messages = 10000;
	c->load = 0.5;
	c->burst = 32;
	c->batch = 16;
	c->ring_count = 256;
	c->seed = 1;
	c->s2n = 1;
}

/* ---- event heap, ordered by (time, insertion) ---- */
static int ev_less(const struct ev *a, const struct ev *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static int push_ev_stamp(struct sim *s, uint64_t t, uint32_t kind, int ch, uint64_t stamp)
{
	if (s->hn == s->hcap) {
		size_t ncap = s->hcap ? s->hcap * 2 : 64;
		struct ev *nh = realloc(s->heap, ncap * sizeof(*nh));
		if (!nh)
			return -ENOMEM;
		s->heap = nh;
		s->hcap = ncap;
	}
	struct ev e = { .t = t, .seq = s->seq++, .kind = kind, .ch = (uint32_t)ch, .stamp = stamp };
	size_t i = s->hn++;
	while (i && ev_less(&e, &s->heap[(i - 1) / 2])) {
		s->heap[i] = s->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	s->heap[i] = e;
	return 0;
}

static int push_ev(struct sim *s, uint64_t t, uint32_t kind, int ch)
{
	return push_ev_stamp(s, t, kind, ch, 0);
}

static struct ev pop_ev(struct sim *s)
{
	struct ev top = s->heap[0], last = s->heap[--s->hn];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= s->hn)
			break;
		if (c + 1 < s->hn && ev_less(&s->heap[c + 1], &s->heap[c]))
			c++;
		if (!ev_less(&s->heap[c], &last))
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (s->hn)
		s->heap[i] = last;
	return top;
}

/* ---- costs (TIM-1) ---- */
#define P(s, name) ((s)->P[VM_P_##name])

/* One access by @ag to the signal line; a write makes the peer's copy stale. */
static uint64_t sig_access(struct sim *s, struct chan *c, int ag, int write)
{
	uint64_t cost = P(s, SHM_ACCESS);
	if (c->sig_writer >= 0 && c->sig_writer != ag && c->sig_seen[ag] != c->sig_ver)
		cost += P(s, LINE_TRANSFER);
	c->sig_seen[ag] = c->sig_ver;
	if (write) {
		c->sig_ver++;
		c->sig_writer = ag;
		c->sig_seen[ag] = c->sig_ver;
	}
	return cost;
}

/*
 * TIM-3 libvbus's adaptive spin budget (cfg->spin_hi, a run setting): each agent's budget is a running
 * average, weight 1/8, of the notify-to-running times of its own wake-ups (from the start of the waking
 * write to the sleeper running), clamped to [cfg->spin_lo, cfg->spin_hi]; it starts at spin_budget (the
 * budget calibrate measured libvbus adopting) and goes on from there as libvbus's does. Sampled as
 * libvbus samples: the first 8 wake-ups, then about one a millisecond (the stride from the sleeps since
 * the last sample, 1 .. 1024). Without cfg->spin_hi the budget stays spin_budget.
 */
#define SPIN_SAMPLE_FIRST 8
#define SPIN_SAMPLE_CYCLES 3000000ull /* 1 ms of the nominal 3 GHz core */
#define SPIN_SAMPLE_EVERY_MAX 1024
static uint64_t budget(const struct sim *s, int ag)
{
	return s->cfg->spin_hi ? s->bud[ag] : P(s, SPIN_BUDGET);
}

static uint64_t spin_clamp(const struct sim *s, uint64_t b)
{
	return b < s->cfg->spin_lo ? s->cfg->spin_lo : b > s->cfg->spin_hi ? s->cfg->spin_hi : b;
}

/* agent @ag runs at @t after a wake-up whose waking write started at @from */
static void wake_measured(struct sim *s, int ag, uint64_t t, uint64_t from)
{
	s->sleeps[ag]++;
	if (s->samples[ag] >= SPIN_SAMPLE_FIRST && s->sleeps[ag] < s->every[ag])
		return;
	uint64_t d = t > from ? t - from : 0;
	s->ewma[ag] = (7 * s->ewma[ag] + d) / 8;
	s->bud[ag] = spin_clamp(s, s->ewma[ag]);
	if (s->samples[ag] < SPIN_SAMPLE_FIRST)
		s->samples[ag]++;
	uint64_t dt = t - s->sample_at[ag],
		 e = s->sample_at[ag] && dt ? SPIN_SAMPLE_CYCLES * s->sleeps[ag] / dt : SPIN_SAMPLE_EVERY_MAX;
	s->every[ag] = e < 1 ? 1 : e > SPIN_SAMPLE_EVERY_MAX ? SPIN_SAMPLE_EVERY_MAX : e;
	s->sleeps[ag] = 0;
	s->sample_at[ag] = t;
}

static int shm_family(const struct sim *s)
{
	return s->cfg->mitigation != VM_MIT_NONE;
}

static void trace_rec(struct sim *s, struct chan *c, uint64_t t, int side, const char *op, const char *res,
		      const char *det)
{
	if (!s->cfg->trace)
		return;
	/* A ring's state (§7.1): for south->north the ring is an rx ring north keeps full of buffers. */
	uint64_t ni = s->cfg->s2n && c->prod == VBUS_SOUTH ? c->consumed + s->cfg->ring_count : c->pub;
	uint64_t si = s->cfg->s2n && c->prod == VBUS_SOUTH ? c->pub : c->consumed;
	uint8_t n[3] = { 0 }, sr[3] = { 0 };
	uint8_t *rx = c->cons == VBUS_NORTH ? n : sr;
	rx[0] = c->en;
	rx[1] = c->pend;
	rx[2] = c->dirty;
	fprintf(s->cfg->trace, "%u@%llu %c %s %s %s%s%s N=%u%u%u S=%u%u%u ni=%u si=%u ne=%u se=%u br=00\n",
		++s->trace_step, (unsigned long long)t,
		side < 0	     ? '-'
		: side == VBUS_NORTH ? 'N'
				     : 'S',
		op, c->obj, res, det ? " " : "", det ? det : "", n[0], n[1], n[2], sr[0], sr[1], sr[2], (uint32_t)ni,
		(uint32_t)si, (uint32_t)(c->cons == VBUS_NORTH ? c->event : 0),
		(uint32_t)(c->cons == VBUS_SOUTH ? c->event : 0));
}

/* A notification from c->prod to c->cons leaves at @t; its write started at @from (TIM-3 adaptive budget). */
static int send_notification(struct sim *s, struct chan *c, uint64_t from, uint64_t t)
{
	if (c->cons == VBUS_SOUTH)
		s->rep->doorbells++;
	else
		s->rep->interrupts++;
	return push_ev_stamp(s, t, EV_NOTIFY, (int)(c - s->ch), from + 1);
}

/*
 * TIM-3: the sender's cost of a notification: `doorbell` for a write no one sleeps on, `doorbell_wake`
 * when it wakes a blocked receiver (the write's syscall runs the wake-up: about 30 us here under load
 * against 1.3 us), `vm_exit` when the model is told north->south doorbells trap. @first: 0 for the
 * later writes of one batch (`none`): the first already woke the receiver.
 */
static uint64_t notify_cost(const struct sim *s, const struct chan *c, int first)
{
	if (c->cons == VBUS_SOUTH && s->cfg->doorbell_traps)
		return P(s, VM_EXIT);
	return first && c->cst == CS_BLOCKED ? P(s, DOORBELL_WAKE) : P(s, DOORBELL);
}

/*
 * TIM-3: the per-call CPU path (a send call, a drain pass) is charged on the one-way channel and on a
 * ping-pong's request channel; the reply of a ping-pong stands for south's completion of the request
 * (vbus-bench's RTT: north sends, south's drain pass completes it, north reads south's index), which
 * makes no call of its own.
 */
static int per_call(const struct sim *s, const struct chan *c)
{
	return s->nch == 1 || c == &s->ch[0];
}

/*
 * TIM-3 completions in a ping-pong (cfg->completions): the reply is south's completion, not a message:
 * no payload line (north's reclaim reads south's index, no buffer) and no per-message path of its own
 * (south's index store is its drain pass's, north's look at it its wait's).
 */
static int reply_is_completion(const struct sim *s, const struct chan *c)
{
	return s->cfg->completions && s->nch == 2 && c == &s->ch[1];
}

/* cache lines of payload a message of channel @c carries */
static uint32_t payload_lines(const struct sim *s, const struct chan *c)
{
	return reply_is_completion(s, c) ? 0 : s->cfg->payload_lines;
}

/*
 * IOQ-13 (cfg->stable_desc): the producer stores only descriptor fields that change; libvbus's slots keep
 * their buffer and length, so a descriptor line is written on the ring's first lap only (then neither
 * an ownership request of the producer nor a miss of the consumer).
 */
static int desc_written(const struct sim *s, const struct chan *c, uint64_t seq)
{
	(void)c;
	return !s->cfg->stable_desc || seq < s->cfg->ring_count;
}

static uint64_t visible(struct chan *c, uint64_t t);

/* ---- producer ---- */
/* TIM-3: does the batch of @k messages from c->pub write a payload line the consumer has read (an
 * ownership request per line)? */
static int remote_lines(const struct sim *s, const struct chan *c, uint64_t k)
{
	if (!payload_lines(s, c))
		return 0;
	for (uint64_t i = 0; i < k; i++) {
		uint64_t slot = (c->pub + i) & (s->cfg->ring_count - 1);
		/* written before (not the first lap), read since */
		if (c->pver[slot] && c->pseen[slot] == c->pver[slot])
			return 1;
	}
	return 0;
}

static int ev_produce(struct sim *s, struct chan *c, uint64_t t)
{
	uint64_t space = s->cfg->ring_count - (c->pub - c->consumed), k = c->backlog;
	if (!k) {
		c->prod_sched = 0;
		return 0;
	}
	if (t < c->commit_t) /* SIG-14 without a fence: the previous batch's stores still wait (ev_kick) */
		return push_ev(s, c->commit_t, EV_PRODUCE, (int)(c - s->ch));
	if (!space) {
		c->stalled = 1; /* the consumer's next pass reschedules us */
		c->stall_t = t;
		c->prod_sched = 0;
		return 0;
	}
	if (k > space)
		k = space;
	if (k > s->cfg->batch)
		k = s->cfg->batch;
	if (s->cfg->workload == VM_WL_STREAM)
		for (uint64_t i = 0; i < k; i++)
			c->gen[c->pub + i] = t; /* saturated: a message arrives when the producer starts it */
	c->backlog -= k;
	c->kick_k = k;
	/* TIM-3: lines of this batch the consumer has read since we last wrote them (ownership requests) */
	/* ... and our index line, when the consumer has read its current value (it reads it every pass) */
	c->rfo_idx = c->idx_seen == c->idx_ver;
	c->rfo = 0;
	for (uint64_t i = 0; i < k; i++) {
		uint64_t slot = (c->pub + i) & (s->cfg->ring_count - 1), line = slot / DESC_PER_LINE;
		if (c->dseen[line] == c->dver[line] && (i == 0 || slot % DESC_PER_LINE == 0) &&
		    desc_written(s, c, c->pub + i))
			c->rfo++;
		if (payload_lines(s, c) && c->pseen[slot] == c->pver[slot])
			c->rfo += payload_lines(s, c);
	}
	/* TIM-3 CPU path: one send call (produce_per_call) per batch; a ping-pong's reply is south's completion */
	uint64_t pm = P(s, PRODUCE_PER_MSG), pc = P(s, PRODUCE_PER_CALL);
	if (s->nch == 1 && remote_lines(s, c, k)) {
		/*
		 * TIM-3 send path into lines the consumer holds (a one-way stream after its first lap): each
		 * store waits for an ownership request and the store buffer lets the producer run only so far
		 * ahead of them; calibrate times libvbus's send path so (produce_remote_msg, _call), the
		 * commits' throughput included. A round trip's send finds an empty store buffer: its wait is
		 * the hand-off the consumer's line_transfer charges.
		 */
		if (P(s, PRODUCE_REMOTE_MSG) > pm)
			pm = P(s, PRODUCE_REMOTE_MSG);
		if (P(s, PRODUCE_REMOTE_CALL) > pc)
			pc = P(s, PRODUCE_REMOTE_CALL);
	}
	if (reply_is_completion(s, c))
		pm = 0;
	uint64_t cost = k * pm + (per_call(s, c) ? pc : 0);
	/*
	 * TIM-3 store window: with the send path into the consumer's lines measured (produce_remote_*), the
	 * call's whole time as calibrate timed it (this cost and the unfenced kick's I1 and IA, charged in
	 * ev_kick) is the store buffer's throughput while each line's ownership takes line_transfer: the
	 * buffer holds line_transfer / that time calls on average (Little's law), at least one. A mean, not
	 * a whole number: each commit group's window is its floor or ceiling, dithered to that mean.
	 */
	c->wx = WX_ONE;
	if (s->nch == 1 && s->cfg->asym && cost && (P(s, PRODUCE_REMOTE_MSG) || P(s, PRODUCE_REMOTE_CALL)) &&
	    remote_lines(s, c, k)) {
		uint64_t w = P(s, LINE_TRANSFER) * WX_ONE / (cost + 2 * P(s, SHM_ACCESS));
		/*
		 * A single-message call with the stream's own send call measured (produce_stream_call: the
		 * call's time while the consumer polls and drains on the other CPU, its waits for the
		 * commits included): a commit round is 2 line_transfer (below), so the calls it commits
		 * are that round at the measured call rate, 2 line_transfer / produce_stream_call.
		 */
		if (k == 1 && P(s, PRODUCE_STREAM_CALL))
			w = 2 * P(s, LINE_TRANSFER) * WX_ONE / P(s, PRODUCE_STREAM_CALL);
		c->wx = w < WX_ONE ? WX_ONE : w > SB_MAX * WX_ONE ? SB_MAX * WX_ONE : w;
	}
	c->work = cost;
	s->busy[c->prod] = t + cost;
	return push_ev(s, t + cost, EV_KICK, (int)(c - s->ch));
}

/* P4 publishes the batch, then the kick of the configured mitigation. */
static int ev_kick(struct sim *s, struct chan *c, uint64_t t)
{
	uint64_t k = c->kick_k, cost = 0;
	int ci = (int)(c - s->ch), rc = 0;
	const char *res;
	for (uint64_t i = 0; i < k; i++) {
		uint64_t slot = (c->pub + i) & (s->cfg->ring_count - 1);
		if ((i == 0 || slot % DESC_PER_LINE == 0) && desc_written(s, c, c->pub + i))
			c->dver[slot / DESC_PER_LINE]++;
		c->pver[slot]++;
	}
	c->pub += k;
	c->idx_ver++;
	if (s->cfg->trace) {
		char det[32];
		snprintf(det, sizeof(det), "n=%llu", (unsigned long long)k);
		trace_rec(s, c, t, c->prod, s->cfg->s2n && c->prod == VBUS_SOUTH ? "pop" : "push", "ok", det);
	}

	if (!shm_family(s)) {
		/* none: every message notifies, one doorbell (or interrupt) each */
		for (uint64_t i = 0; i < k && !rc; i++) {
			uint64_t from = t + cost;
			cost += notify_cost(s, c, !i);
			rc = send_notification(s, c, from, t + cost);
		}
		res = "notify";
	} else {
		/* SIG-12: without event index or moderation, K0 is MB-PUBLISH and KE reads dirty first. */
		int elide = s->cfg->mitigation == VM_MIT_SHM_SIGNAL, elided = 0;
		/*
		 * TIM-3 fence stall: the first full barrier waits for the batch's ownership requests. They
		 * are issued as the batch's stores execute and overlap its work (c->work): the n data lines'
		 * as the CPU reaches their stores, line j at j/n of the work, each done line_transfer after
		 * its issue and no sooner than line_stream after the one before (a pipeline that runs no
		 * faster than the stores feed it): the last done at line_transfer + (n - 1) max(work / n,
		 * line_stream); the index line's when it is stored, at the end. The fence waits for what
		 * is still in flight when the work is done.
		 */
		uint64_t step = c->rfo ? c->work * (c->rfo - 1) / c->rfo : 0;
		if (c->rfo && step < (c->rfo - 1) * P(s, LINE_STREAM))
			step = (c->rfo - 1) * P(s, LINE_STREAM);
		uint64_t data = c->rfo ? P(s, LINE_TRANSFER) + step : 0;
		uint64_t idx = c->rfo_idx ? c->work + P(s, LINE_TRANSFER) : 0, end = data > idx ? data : idx;
		uint64_t stall = end > c->work ? end - c->work : 0;
		c->rfo = 0;
		c->rfo_idx = 0;
		int asym = s->cfg->asym, injected = 0;
		if (asym) {
			/*
			 * SIG-14 (§1.3.2, libvbus's VBUS_LINK_ASYM_BARRIER): K0 WMB-INJECT, I1 dirty = 1
			 * always (no SIG-12 elision), IA the enabled load; a receiver that is not listening costs no
			 * fence, so the batch's ownership requests overlap with whatever the producer does next
			 * (no fence stall). A listening one: K2 MB-INJECT (with the stall) and K3 as below.
			 */
			cost += P(s, BARRIER_WRITE) + sig_access(s, c, c->prod, 1);
			c->dirty = 1;
			cost += sig_access(s, c, c->prod, 0); /* IA */
			injected = 1;
			if (c->en) {
				cost += P(s, BARRIER_FULL) + stall; /* K2 MB-INJECT */
				cost += sig_access(s, c, c->prod, 0) + sig_access(s, c, c->prod, 0);
			} else {
				/*
				 * No fence waits for the ownership requests, but stores commit in order (TSO):
				 * the batch's stores leave the store buffer once its lines are owned. The
				 * buffer holds about one batch: the next batch starts when these committed.
				 */
				if (c->wx > WX_ONE || c->vis_k < c->nkick) {
					/*
					 * The store window: the batch becomes visible when it commits. A
					 * polling consumer reads our index line between commits: its read
					 * and our ownership request for the next index store take a line
					 * transfer each, one after the other, from our previous commit.
					 */
					visible(c, t + cost);	  /* what has committed by now leaves the queue */
					if (c->vis_k == c->nkick) /* an empty queue: all before this batch is visible */
						c->vis = c->pub - c->kick_k;
					uint64_t a = t + cost + P(s, LINE_TRANSFER),
						 b = c->last_commit + 2 * P(s, LINE_TRANSFER), commit = a > b ? a : b;
					if (t + cost < c->last_commit) { /* behind a commit still waiting: with it */
						commit = c->last_commit;
					} else {
						/* a new commit group: its window, floor or ceiling of the mean */
						c->wacc += c->wx % WX_ONE;
						c->window = (uint32_t)(c->wx / WX_ONE) + (c->wacc >= WX_ONE);
						if (c->wacc >= WX_ONE)
							c->wacc -= WX_ONE;
					}
					c->last_commit = commit;
					c->cq[c->nkick % SB_MAX] = commit;
					c->cpub[c->nkick % SB_MAX] = c->pub;
					c->nkick++;
					uint32_t w = c->window ? c->window : 1;
					c->commit_t = c->nkick - c->vis_k >= w ? c->cq[(c->nkick - w) % SB_MAX] : 0;
					if (c->nkick - c->vis_k >= SB_MAX) /* the queue is full: wait for the oldest */
						c->commit_t = c->cq[c->vis_k % SB_MAX] > c->commit_t
								      ? c->cq[c->vis_k % SB_MAX]
								      : c->commit_t;
				} else {
					uint64_t from = t + cost > c->commit_t ? t + cost : c->commit_t;
					c->commit_t = from + stall;
					c->last_commit = c->commit_t;
				}
			}
		} else if (elide) {
			cost += P(s, BARRIER_FULL) + stall + sig_access(s, c, c->prod, 0); /* K0 MB-PUBLISH, KE */
			stall = 0;
			elided = c->dirty;
		} else {
			cost += P(s, BARRIER_WRITE); /* K0 WMB-INJECT (free on TSO) */
		}
		if (!elided && !injected) {
			/* K1 dirty = 1, K2 MB-INJECT, K3 loads. */
			cost += sig_access(s, c, c->prod, 1);
			c->dirty = 1;
			cost += P(s, BARRIER_FULL) + stall; /* K2 MB-INJECT (waits for the stores too) */
			cost += sig_access(s, c, c->prod, 0) + sig_access(s, c, c->prod, 0);
		}
		int skip = 0;
		if (elided) {
			/* KE: suppress below */
		} else if (c->en && !c->pend && s->cfg->mitigation == VM_MIT_EVENT_INDEX) {
			/* K4: the receiver's event index, a line it rewrites when it arms */
			cost += P(s, SHM_ACCESS) + (c->ev_seen != c->ev_ver ? P(s, LINE_TRANSFER) : 0);
			c->ev_seen = c->ev_ver;
			skip = !vm_need_event((uint32_t)c->event, (uint32_t)c->pub, (uint32_t)c->kick_old);
		}
		if (elided || !c->en || c->pend) {
			res = "suppress";
		} else if (skip) {
			res = "evskip";
		} else if (s->cfg->mitigation == VM_MIT_MODERATION && P(s, MOD_HOLDOFF) &&
			   !(P(s, MOD_COUNT) && c->mc + 1 >= P(s, MOD_COUNT))) {
			c->mc++; /* M1, M3, M4 */
			if (!c->mt_armed) {
				c->mt_armed = 1;
				rc = push_ev(s, t + cost + P(s, MOD_HOLDOFF), EV_TIMER, ci);
			}
			res = "defer";
		} else {
			c->mc = 0; /* M2 fire, or K5 */
			c->mt_armed = 0;
			cost += sig_access(s, c, c->prod, 1);
			c->pend = 1;
			uint64_t from = t + cost;
			cost += notify_cost(s, c, 1);
			rc = send_notification(s, c, from, t + cost);
			res = "notify";
		}
		if (!strcmp(res, "suppress") || !strcmp(res, "evskip"))
			s->rep->suppressed++;
		c->kick_old = c->pub;
	}
	trace_rec(s, c, t + cost, c->prod, "kick", res, NULL);
	s->busy[c->prod] = t + cost;
	if (rc)
		return rc;
	if (c->backlog)
		return push_ev(s, t + cost, EV_PRODUCE, ci);
	c->prod_sched = 0;
	return 0;
}

/* Holdoff expiry, T1-T4: fire if still allowed, else drop (MOD-4). */
static int ev_timer(struct sim *s, struct chan *c, uint64_t t)
{
	if (!c->mt_armed)
		return 0; /* fired by count meanwhile: this expiry belongs to a disarmed timer */
	c->mt_armed = 0;
	if (c->mc > 0 && c->en && !c->pend) {
		c->mc = 0;
		c->pend = 1;
		trace_rec(s, c, t, -1, "tick", "fire", NULL);
		return send_notification(s, c, t, t + notify_cost(s, c, 1));
	}
	c->mc = 0;
	trace_rec(s, c, t, -1, "tick", "drop", NULL);
	return 0;
}

static int gen_message(struct sim *s, struct chan *c, uint64_t t)
{
	if (c->generated >= c->target)
		return 0;
	c->gen[c->generated++] = t;
	c->backlog++;
	if (!c->prod_sched) {
		c->prod_sched = 1;
		return push_ev(s, t, EV_PRODUCE, (int)(c - s->ch));
	}
	return 0;
}

/* ---- consumer ---- */
/*
 * TIM-3 completions (cfg->completions, one-way streams): the consumer publishes its index and kicks
 * the producer (IOQ-6) after each quarter ring it consumed and at the end of a pass: MB-PUBLISH and the
 * SIG-12 read of the producer's irq record. A producer that found the ring full waits as the consumer's mode says
 * (vbus-bench runs both sides in one mode): polling, it reads the consumer's index (line_transfer)
 * when the pass ends; blocked, it had enabled its irq record, so the kick notifies it (the consumer
 * pays the doorbell, the producer the wake-up, then the index line); spin-then-block spins
 * spin_budget first. One notification per wait: the producer stays pending until it waits again, so
 * the kicks between are suppressed. Returns the consumer's cost; *resume when the producer goes on.
 */
static uint64_t complete_kick(struct sim *s, struct chan *c, uint64_t t, uint64_t *resume, uint64_t *from)
{
	int cons = s->cfg->consumer;
	int block =
		c->stalled && (cons == VM_CONS_BLOCK || (cons == VM_CONS_SPIN && t > c->stall_t + budget(s, c->prod)));
	uint64_t cost = P(s, BARRIER_FULL) + P(s, SHM_ACCESS); /* K0 MB-PUBLISH, KE */
	if (s->cfg->asym) {
		/* SIG-14: K0 WMB, I1, IA; the full fence only when the producer listens (it waited blocked
		 * once: a blocking waiter stays enabled, a spinning one disables again) */
		if (block)
			c->prod_en = 1;
		else if (cons != VM_CONS_BLOCK)
			c->prod_en = 0;
		cost = 2 * P(s, SHM_ACCESS) + (c->prod_en ? P(s, BARRIER_FULL) + P(s, SHM_ACCESS) : 0);
	}
	*resume = 0;
	*from = 0;
	if (!c->stalled)
		return cost;
	if (!block) {
		*resume = t + cost + P(s, LINE_TRANSFER); /* the producer sees the new index */
		return cost;
	}
	cost += P(s, SHM_ACCESS); /* K5: pending = 1 */
	*from = t + cost + 1;	  /* the eventfd write waking it starts (stamped: 1 + the time) */
	cost += P(s, DOORBELL_WAKE);
	if (c->prod == VBUS_NORTH)
		s->rep->interrupts++;
	else
		s->rep->doorbells++;
	*resume = t + cost + P(s, WAKEUP) + P(s, LINE_TRANSFER);
	return cost;
}

/* TIM-3 store window: messages of @c visible to its consumer at @t (all published, unless batches
 * published into the window have not committed yet) */
static uint64_t visible(struct chan *c, uint64_t t)
{
	while (c->vis_k < c->nkick && c->cq[c->vis_k % SB_MAX] <= t)
		c->vis = c->cpub[c->vis_k++ % SB_MAX];
	return c->vis_k < c->nkick ? c->vis : c->pub;
}

/* One handler pass: consume everything published. Returns the cost; *got the count. */
static uint64_t handler_pass(struct sim *s, struct chan *c, uint64_t t, uint64_t *got, int *rc)
{
	uint64_t cost = 0, n = visible(c, t) - c->consumed;
	*got = n;
	if (!n)
		return 0;
	if (per_call(s, c))
		cost += P(s, HANDLER_PER_CALL); /* TIM-3 CPU path: one drain pass */
	if (c->idx_seen != c->idx_ver) {
		cost += P(s, LINE_TRANSFER); /* the producer's index line */
		c->idx_seen = c->idx_ver;
	}
	/*
	 * TIM-3: the first miss of a pass costs line_transfer, later ones line_stream (misses overlap).
	 * The lines arrive as a pipeline (`mem`: when the lines of the messages so far are in) that runs
	 * ahead of the CPU work: a message's handler_per_msg starts once its lines are in and the previous
	 * message's work is done, so a pass costs about max(handler_per_msg, its lines x line_stream) per
	 * message, not their sum. A full fence (a completion kick's MB-PUBLISH) holds later loads: the
	 * pipeline restarts behind it.
	 */
	uint64_t misses = 0, mem = cost;
	/* completions: a kick after each quarter ring and at the end of the pass (libvbus's south_drain) */
	uint64_t quarter = s->cfg->ring_count >= 4 ? s->cfg->ring_count / 4 : s->cfg->ring_count, resume = 0, wfrom = 0;
	int complete = s->cfg->completions && s->nch == 1, woke = 0;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t seq = c->consumed + i, slot = seq & (s->cfg->ring_count - 1), line = slot / DESC_PER_LINE;
		if (c->dseen[line] != c->dver[line]) {
			mem += misses++ ? P(s, LINE_STREAM) : P(s, LINE_TRANSFER);
			c->dseen[line] = c->dver[line];
		}
		if (payload_lines(s, c) && c->pseen[slot] != c->pver[slot]) {
			mem += payload_lines(s, c) * P(s, LINE_STREAM);
			c->pseen[slot] = c->pver[slot];
		}
		cost = (mem > cost ? mem : cost) + (reply_is_completion(s, c) ? 0 : P(s, HANDLER_PER_MSG));
		uint64_t done = t + cost;
		struct chan *reply = s->nch == 2 ? &s->ch[1 - (c - s->ch)] : NULL;
		if (reply && c->cons == VBUS_SOUTH) {
			/* ping-pong: south answers each request; the reply carries the request's time */
			if (!*rc && reply->generated < reply->target) {
				reply->gen[reply->generated++] = c->gen[seq];
				reply->backlog++;
				if (!reply->prod_sched) {
					reply->prod_sched = 1;
					*rc = push_ev(s, done, EV_PRODUCE, (int)(reply - s->ch));
				}
			}
		} else {
			s->lat[s->nlat++] = done - c->gen[seq];
			s->last_done = done;
			if (s->stamp && s->nlat % s->cfg->batch_clock == 0)
				s->stamp[s->nstamp++] = done;
			if (reply && !*rc)
				*rc = gen_message(s, reply, done);
		}
		if (complete && ((i + 1) % quarter == 0 || i + 1 == n)) {
			uint64_t r, f;
			cost += complete_kick(s, c, t + cost, &r, &f);
			mem = cost; /* its full fence: later loads issue after it */
			if (c->stalled && !woke) {
				woke = 1; /* the first kick wakes a waiting producer; later ones find it pending */
				resume = r;
				wfrom = f;
				c->stalled = 0;
				c->prod_sched = 1;
			}
		}
	}
	c->consumed += n;
	if (s->cfg->trace) {
		char det[64];
		snprintf(det, sizeof(det), "n=%llu cookie=%llu len=64", (unsigned long long)n,
			 (unsigned long long)(c->consumed - 1));
		trace_rec(s, c, t + cost, c->cons, s->cfg->s2n && c->cons == VBUS_NORTH ? "reclaim" : "pop", "ok", det);
	}
	if (woke && !*rc)
		*rc = push_ev_stamp(s, resume, EV_PRODUCE, (int)(c - s->ch), wfrom);
	if (c->stalled && !*rc) {
		c->stalled = 0;
		c->prod_sched = 1;
		*rc = push_ev(s, resume > t + cost ? resume : t + cost, EV_PRODUCE, (int)(c - s->ch));
	}
	return cost;
}

/* Event-index mode: after a pass the handler arms for evidx_threshold more entries (§2.7 A1-A4). */
static uint64_t arm_and_drain(struct sim *s, struct chan *c, uint64_t t, uint64_t *got, int *rc)
{
	uint64_t cost = 0, thr = P(s, EVIDX_THRESHOLD);
	for (;;) {
		c->event = c->consumed + thr - 1; /* A1 */
		c->ev_ver++;
		cost += P(s, SHM_ACCESS) + P(s, BARRIER_FULL); /* A2 MB-ARM */
		cost += P(s, SHM_ACCESS);		       /* A3 */
		if (c->pub - c->consumed < thr)		       /* A4 */
			return cost;
		uint64_t more;
		cost += handler_pass(s, c, t + cost, &more, rc);
		*got += more;
	}
}

static int consumer_idle(struct sim *s, struct chan *c, uint64_t t);

/* W0-W3 (or, for `none`, one handler pass). */
static int ev_run(struct sim *s, struct chan *c, uint64_t t)
{
	int ci = (int)(c - s->ch), rc = 0;
	uint64_t cost = 0, got = 0;
	c->cst = CS_ACTIVE;
	if (shm_family(s)) {
		if (c->first_pass) {
			cost += sig_access(s, c, c->cons, 0); /* W0 */
			if (!c->en) {
				if (c->cause_notify)
					s->rep->spurious++;
				/* W0: pending stays 1; a later enable self-notifies (SIG-11) */
				trace_rec(s, c, t + cost, c->cons, "wakeup", "disabled", NULL);
				s->busy[c->cons] = t + cost;
				c->first_pass = 0;
				return consumer_idle(s, c, t + cost);
			}
		}
		cost += sig_access(s, c, c->cons, 1); /* W1 */
		c->dirty = 0;
		cost += P(s, BARRIER_FULL); /* W2 MB-DRAIN */
	}
	cost += handler_pass(s, c, t + cost, &got, &rc); /* W3 */
	if (s->cfg->mitigation == VM_MIT_EVENT_INDEX)
		cost += arm_and_drain(s, c, t + cost, &got, &rc);
	c->wake_got += got;
	if (c->first_pass && c->cause_notify && got == 0)
		s->rep->spurious++;
	c->first_pass = 0;
	s->busy[c->cons] = t + cost;
	if (rc)
		return rc;
	return push_ev(s, t + cost, EV_CHECK, ci);
}

/* The consumer finished a wakeup: block, spin or poll according to its mode. */
static int consumer_idle(struct sim *s, struct chan *c, uint64_t t)
{
	int ci = (int)(c - s->ch);
	if (s->cfg->consumer == VM_CONS_POLL) {
		c->cst = CS_POLLING;
		return push_ev(s, t + P(s, POLL_INTERVAL), EV_POLL, ci);
	}
	if (c->nq) { /* notifications that arrived meanwhile: the eventfd is readable */
		c->nq = 0;
		c->cause_notify = 1;
		c->first_pass = 1;
		c->wake_got = 0;
		return push_ev(s, t, EV_RUN, ci);
	}
	/*
	 * Spin-then-block spins again after a wakeup that consumed something (libvbus's wait returns it; the
	 * next one spins); one that found nothing (a SIG-4 self-wakeup at the enable, a spurious one) goes
	 * back to sleep, enabled, as libvbus's blocking loop does.
	 */
	if (s->cfg->consumer == VM_CONS_SPIN && c->cst != CS_SPINNING && c->wake_got) {
		uint64_t cost = 0;
		if (shm_family(s)) {
			cost = sig_access(s, c, c->cons, 1); /* D1 */
			c->en = 0;
			trace_rec(s, c, t + cost, c->cons, "disable", "ok", NULL);
		}
		c->cst = CS_SPINNING;
		c->spin_end = t + cost + budget(s, c->cons);
		s->busy[c->cons] = t + cost;
		return push_ev(s, t + cost + P(s, POLL_INTERVAL), EV_POLL, ci);
	}
	c->cst = CS_BLOCKED;
	return 0;
}

/* W4-W9 after a pass (`none`: straight to idle). */
static int ev_check(struct sim *s, struct chan *c, uint64_t t)
{
	int ci = (int)(c - s->ch);
	if (!shm_family(s) || c->cst != CS_ACTIVE)
		return consumer_idle(s, c, t);
	uint64_t cost = 0;
	/* W4: a disabled wakeup (W0) skips straight here with cst still ACTIVE but en = 0 */
	cost += sig_access(s, c, c->cons, 0) + sig_access(s, c, c->cons, 0);
	if (c->en && c->dirty) {
		s->busy[c->cons] = t + cost;
		return push_ev(s, t + cost, EV_RUN, ci);
	}
	cost += sig_access(s, c, c->cons, 1); /* W5 */
	c->pend = 0;
	cost += P(s, BARRIER_FULL);					     /* W6 MB-CLEAR */
	cost += sig_access(s, c, c->cons, 0) + sig_access(s, c, c->cons, 0); /* W7 */
	if (c->en && c->dirty) {
		cost += sig_access(s, c, c->cons, 1); /* W8 */
		c->pend = 1;
		s->busy[c->cons] = t + cost;
		return push_ev(s, t + cost, EV_RUN, ci);
	}
	trace_rec(s, c, t + cost, c->cons, "wakeup", "ok", NULL);
	s->busy[c->cons] = t + cost;
	return consumer_idle(s, c, t + cost);
}

/* One busy-poll iteration (poll mode, or the spin of spin-then-block). */
static int ev_poll(struct sim *s, struct chan *c, uint64_t t)
{
	int ci = (int)(c - s->ch), rc = 0;
	uint64_t got, cost = handler_pass(s, c, t, &got, &rc);
	if (rc)
		return rc;
	s->busy[c->cons] = t + cost;
	if (got) {
		if (c->cst == CS_SPINNING)
			c->spin_end = t + cost + budget(s, c->cons);
		return push_ev(s, t + cost + P(s, POLL_INTERVAL), EV_POLL, ci);
	}
	if (c->cst != CS_SPINNING || t < c->spin_end) {
		/*
		 * Nothing is published before the producer's CPU is free (its publish is an event of its
		 * own, which waits for busy[]): the empty polls until then change nothing, so skip to the
		 * first poll at or after that time (or after the spin budget), on the same poll grid.
		 */
		uint64_t pi = P(s, POLL_INTERVAL), until = s->busy[c->prod], k = 1;
		if (c->vis_k < c->nkick && c->cq[c->vis_k % SB_MAX] > until)
			until = c->cq[c->vis_k % SB_MAX]; /* TIM-3 store window: nothing visible before that commit */
		if (c->cst == CS_SPINNING && c->spin_end < until)
			until = c->spin_end;
		if (until > t + pi)
			k = (until - t + pi - 1) / pi;
		return push_ev(s, t + k * pi, EV_POLL, ci);
	}
	/* spin budget spent: enable (E1-E3) and block unless it self-notifies */
	if (shm_family(s)) {
		cost += sig_access(s, c, c->cons, 1); /* E1 */
		c->en = 1;
		cost += s->cfg->asym ? P(s, MEMBARRIER) : P(s, BARRIER_FULL); /* E2 MB-ENABLE (SIG-14: membarrier()) */
		cost += sig_access(s, c, c->cons, 0) + sig_access(s, c, c->cons, 0); /* E3 */
		s->busy[c->cons] = t + cost;
		if (c->dirty || c->pend) {
			trace_rec(s, c, t + cost, c->cons, "enable", "self", NULL);
			c->cst = CS_ACTIVE;
			c->cause_notify = 0;
			c->first_pass = 1;
			c->wake_got = 0;
			return push_ev(s, t + cost, EV_RUN, ci);
		}
		trace_rec(s, c, t + cost, c->cons, "enable", "ok", NULL);
	}
	if (c->nq) { /* a notification arrived while spinning: drain it instead of sleeping */
		c->cst = CS_ACTIVE;
		return consumer_idle(s, c, t + cost);
	}
	c->cst = CS_BLOCKED;
	return 0;
}

static int ev_notify(struct sim *s, struct chan *c, uint64_t t, uint64_t from)
{
	int ci = (int)(c - s->ch);
	if (c->cst == CS_BLOCKED) {
		c->cst = CS_WAKING;
		c->cause_notify = 1;
		c->first_pass = 1;
		c->wake_got = 0;
		/* the wake-up libvbus measures (TIM-3 adaptive budget): from the write's start to running */
		return push_ev_stamp(s, t + P(s, WAKEUP), EV_RUN, ci, from);
	}
	/* The receiver is running: the interrupt steals its CPU. */
	int ag = c->cons;
	s->busy[ag] = (s->busy[ag] > t ? s->busy[ag] : t) + P(s, INTERRUPT);
	if (c->cst == CS_POLLING) {
		if (c->pub == c->consumed)
			s->rep->spurious++;
		return 0;
	}
	if (c->cst != CS_WAKING)
		c->nq++;
	return 0;
}

/* ---- workload arrivals ---- */
static double rng_unit(struct sim *s)
{
	/* splitmix64 */
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}

/* splitmix64 on its own state: the descheduling of an agent does not move the arrivals */
static double rng_unit_at(uint64_t *st)
{
	uint64_t z = (*st += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}

/* the next descheduling of agent @ag: after an exponential running time, mean desched_interval (TIM-3) */
static int push_desched(struct sim *s, int ag, uint64_t t)
{
	double gap = -log(1.0 - rng_unit_at(&s->drng[ag])) * (double)P(s, DESCHED_INTERVAL);
	s->ndesched++;
	return push_ev(s, t + 1 + (uint64_t)llround(gap), EV_DESCHED, ag);
}

/*
 * TIM-3 descheduling: the agent's thread loses its CPU for desched_len cycles (another task runs);
 * whatever it was doing resumes after. Ends with the run: once every message is done, or when
 * nothing but deschedulings is left to happen (a run that cannot finish stays finite).
 */
static int ev_desched(struct sim *s, int ag, uint64_t t)
{
	s->ndesched--;
	if (s->nlat >= s->rep->messages || s->hn == s->ndesched)
		return 0;
	s->busy[ag] = (s->busy[ag] > t ? s->busy[ag] : t) + P(s, DESCHED_LEN);
	s->rep->descheds++;
	return push_desched(s, ag, s->busy[ag]); /* the running time counts from its return */
}

static int ev_gen(struct sim *s, struct chan *c, uint64_t t)
{
	const struct vm_sim_cfg *cfg = s->cfg;
	int ci = (int)(c - s->ch), rc = 0;
	if (cfg->workload == VM_WL_POISSON) {
		rc = gen_message(s, c, t);
		double gap = -log(1.0 - rng_unit(s)) * 1000.0 / cfg->load;
		if (!rc && c->generated < c->target)
			rc = push_ev(s, t + (uint64_t)llround(gap), EV_GEN, ci);
	} else { /* bursty: `burst` back-to-back arrivals, bursts spaced for the average load */
		for (uint32_t i = 0; i < cfg->burst && !rc; i++)
			rc = gen_message(s, c, t);
		if (!rc && c->generated < c->target)
			rc = push_ev(s, t + (uint64_t)llround(cfg->burst * 1000.0 / cfg->load), EV_GEN, ci);
	}
	return rc;
}

/* The k-th smallest of a[0..n) (0-based), partially reordering a: Hoare's selection, O(n) expected. */
static uint64_t select_kth(uint64_t *a, uint64_t n, uint64_t k)
{
	uint64_t lo = 0, hi = n - 1;
	while (lo < hi) {
		uint64_t pivot = a[lo + (hi - lo) / 2], i = lo, j = hi;
		while (i <= j) {
			while (a[i] < pivot)
				i++;
			while (a[j] > pivot)
				j--;
			if (i <= j) {
				uint64_t t = a[i];
				a[i] = a[j];
				a[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return a[k];
	}
	return a[k];
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/*
 * cfg->batch_clock: the run cut into batches of that many messages, the median batch's messages per
 * 1000 cycles (vbus-bench's figure, struct batch_clock: a batch a descheduling hit is an outlier, not
 * the figure). 0 when there are fewer than two batches.
 */
static double batch_median(struct sim *s)
{
	if (!s->stamp || s->nstamp < 2)
		return 0;
	uint64_t n = s->nstamp - 1;
	for (uint64_t i = 0; i < n; i++)
		s->stamp[i] = s->stamp[i + 1] - s->stamp[i]; /* batch lengths, in place */
	qsort(s->stamp, n, sizeof(*s->stamp), cmp_u64);
	double mid = n % 2 ? (double)s->stamp[n / 2] : ((double)s->stamp[n / 2 - 1] + (double)s->stamp[n / 2]) / 2;
	return mid > 0 ? (double)s->cfg->batch_clock * 1000.0 / mid : 0;
}

static int chan_init(struct sim *s, struct chan *c, int prod, const char *obj, uint64_t target)
{
	const struct vm_sim_cfg *cfg = s->cfg;
	memset(c, 0, sizeof(*c));
	c->prod = prod;
	c->cons = VBUS_PEER(prod);
	c->obj = obj;
	c->target = target;
	c->sig_writer = -1;
	c->gen = calloc(target ? target : 1, sizeof(*c->gen));
	c->dver = calloc(cfg->ring_count / DESC_PER_LINE + 1, sizeof(*c->dver));
	c->dseen = calloc(cfg->ring_count / DESC_PER_LINE + 1, sizeof(*c->dseen));
	c->pver = calloc(cfg->ring_count, sizeof(*c->pver));
	c->pseen = calloc(cfg->ring_count, sizeof(*c->pseen));
	if (!c->gen || !c->dver || !c->dseen || !c->pver || !c->pseen)
		return -ENOMEM;
	/* The receiver's initial mode: blocked and enabled, or polling with notifications off. */
	if (cfg->consumer == VM_CONS_POLL) {
		c->cst = CS_POLLING;
		c->en = 0;
		return push_ev(s, cfg->p.v[VM_P_POLL_INTERVAL], EV_POLL, (int)(c - s->ch));
	}
	c->event = cfg->p.v[VM_P_EVIDX_THRESHOLD] - 1;
	if (cfg->consumer == VM_CONS_SPIN) {
		/* spin-then-block starts spinning with notifications off (libvbus's VBUS_WAIT_SPIN: it polls
		 * for its budget before it first enables and sleeps) */
		c->cst = CS_SPINNING;
		c->en = 0;
		c->spin_end = budget(s, c->cons);
		return push_ev(s, cfg->p.v[VM_P_POLL_INTERVAL], EV_POLL, (int)(c - s->ch));
	}
	c->cst = CS_BLOCKED;
	c->en = 1;
	return 0;
}

static void chan_free(struct chan *c)
{
	free(c->gen);
	free(c->dver);
	free(c->dseen);
	free(c->pver);
	free(c->pseen);
}

static int sim_loop(struct sim *s)
{
	while (s->hn) {
		struct ev e = pop_ev(s);
		int rc = 0, ag = -1;
		s->rep->events++;
		if (e.kind == EV_DESCHED) {
			s->now = e.t;
			if ((rc = ev_desched(s, (int)e.ch, e.t)))
				return rc;
			continue;
		}
		struct chan *c = &s->ch[e.ch];
		switch (e.kind) {
		case EV_PRODUCE:
		case EV_KICK:
			ag = c->prod;
			break;
		case EV_RUN:
		case EV_CHECK:
		case EV_POLL:
			ag = c->cons;
			break;
		}
		if (ag >= 0 && e.t < s->busy[ag]) { /* the CPU is busy: run when it is free */
			if ((rc = push_ev_stamp(s, s->busy[ag], e.kind, (int)e.ch, e.stamp)))
				return rc;
			continue;
		}
		s->now = e.t;
		if (ag >= 0 && e.stamp && s->cfg->spin_hi) {
			/* TIM-3 adaptive budget: a woken agent runs; the producer's resume includes its index read */
			uint64_t run =
				e.kind == EV_PRODUCE && e.t >= P(s, LINE_TRANSFER) ? e.t - P(s, LINE_TRANSFER) : e.t;
			wake_measured(s, ag, run, e.stamp - 1);
		}
		switch (e.kind) {
		case EV_GEN:
			rc = ev_gen(s, c, e.t);
			break;
		case EV_PRODUCE:
			rc = ev_produce(s, c, e.t);
			break;
		case EV_KICK:
			rc = ev_kick(s, c, e.t);
			break;
		case EV_NOTIFY:
			rc = ev_notify(s, c, e.t, e.stamp);
			break;
		case EV_RUN:
			rc = ev_run(s, c, e.t);
			break;
		case EV_CHECK:
			rc = ev_check(s, c, e.t);
			break;
		case EV_POLL:
			/* pollers stop once everything is done, or the run would never end */
			if (s->nlat >= s->rep->messages)
				break;
			rc = ev_poll(s, c, e.t);
			break;
		case EV_TIMER:
			rc = ev_timer(s, c, e.t);
			break;
		}
		if (rc)
			return rc;
	}
	return 0;
}

int vm_sim_run(const struct vm_sim_cfg *cfg, struct vm_report *rep)
{
	struct sim s;
	int rc;
	memset(&s, 0, sizeof(s));
	memset(rep, 0, sizeof(*rep));
	if (cfg->workload < 0 || cfg->workload >= VM_WL_COUNT || cfg->consumer < 0 || cfg->consumer >= VM_CONS_COUNT ||
	    cfg->mitigation < 0 || cfg->mitigation >= VM_MIT_COUNT || !cfg->messages || cfg->messages > 100000000ull ||
	    cfg->ring_count < 2 || cfg->ring_count > 32768 || (cfg->ring_count & (cfg->ring_count - 1)) ||
	    !cfg->batch || !cfg->burst || !(cfg->load > 0) || !cfg->p.v[VM_P_EVIDX_THRESHOLD] ||
	    !cfg->p.v[VM_P_POLL_INTERVAL] || cfg->spin_lo > cfg->spin_hi)
		return -EINVAL;
	s.cfg = cfg;
	s.P = cfg->p.v;
	s.rep = rep;
	s.rng = cfg->seed;
	rep->messages = cfg->messages; /* the target, until the end */
	s.lat = malloc(cfg->messages * sizeof(*s.lat));
	if (cfg->batch_clock)
		s.stamp = malloc((cfg->messages / cfg->batch_clock + 2) * sizeof(*s.stamp));
	if (!s.lat || (cfg->batch_clock && !s.stamp)) {
		free(s.lat);
		free(s.stamp);
		return -ENOMEM;
	}
	if (s.stamp)
		s.stamp[s.nstamp++] = 0;
	for (int ag = 0; ag < 2; ag++) /* TIM-3 adaptive budget: libvbus's, from the calibrated one on */
		s.bud[ag] = s.ewma[ag] = cfg->spin_hi ? spin_clamp(&s, P(&s, SPIN_BUDGET)) : P(&s, SPIN_BUDGET);
	s.drng[0] = cfg->seed ^ 0x6a09e667f3bcc908ull;
	s.drng[1] = cfg->seed ^ 0xbb67ae8584caa73bull;
	if (cfg->workload == VM_WL_PINGPONG) {
		s.nch = 2;
		rc = chan_init(&s, &s.ch[0], VBUS_NORTH, "r0", cfg->messages);
		if (!rc)
			rc = chan_init(&s, &s.ch[1], VBUS_SOUTH, "r1", cfg->messages);
		if (!rc)
			rc = gen_message(&s, &s.ch[0], 0);
	} else {
		s.nch = 1;
		rc = chan_init(&s, &s.ch[0], cfg->s2n ? VBUS_SOUTH : VBUS_NORTH, "r0", cfg->messages);
		if (!rc && cfg->workload == VM_WL_STREAM) {
			s.ch[0].generated = s.ch[0].backlog = cfg->messages;
			s.ch[0].prod_sched = 1;
			rc = push_ev(&s, 0, EV_PRODUCE, 0);
		} else if (!rc) {
			rc = push_ev(&s, 0, EV_GEN, 0);
		}
	}
	if (!rc && P(&s, DESCHED_INTERVAL) && P(&s, DESCHED_LEN))
		for (int ag = 0; ag < 2 && !rc; ag++)
			rc = push_desched(&s, ag, 0);
	if (!rc)
		rc = sim_loop(&s);
	if (!rc) {
		rep->messages = s.nlat;
		rep->stranded = 0;
		for (int i = 0; i < s.nch; i++)
			rep->stranded += s.ch[i].pub - s.ch[i].consumed;
		rep->cycles = s.last_done;
		rep->throughput = s.last_done ? s.nlat * 1000.0 / (double)s.last_done : 0;
		if (s.nlat) {
			/* nearest-rank percentiles */
			rep->lat_p50 = select_kth(s.lat, s.nlat, (s.nlat - 1) / 2);
			rep->lat_p99 = select_kth(s.lat, s.nlat, (uint64_t)ceil(0.99 * (double)s.nlat) - 1);
			rep->lat_max = 0;
			for (uint64_t i = 0; i < s.nlat; i++)
				if (s.lat[i] > rep->lat_max)
					rep->lat_max = s.lat[i];
			rep->notif_per_msg = (double)(rep->doorbells + rep->interrupts) / (double)s.nlat;
		}
		rep->batch_throughput = batch_median(&s);
	}
	for (int i = 0; i < s.nch; i++)
		chan_free(&s.ch[i]);
	free(s.lat);
	free(s.stamp);
	free(s.heap);
	return rc;
}

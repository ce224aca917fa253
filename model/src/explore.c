// SPDX-License-Identifier: GPL-2.0
/*
 * Interleaving explorer: north pushes items into a ring and injects toward
 * south (§1.2 inject, §2.4 push); south enables, serves notifications with
 * wakeup (W0-W9) and, once, disables, polls the ring and re-enables. Every
 * spec line is one micro-step; stores go through per-agent TSO store buffers.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vbusmodel/explore.h"

/* Shared variables (one byte each: flags, the north index and the descriptor contents). */
enum { V_NE, V_NP, V_ND, V_SE, V_SP, V_SD, V_NIDX, V_SEVENT, V_DESC0, V_NVARS = V_DESC0 + VM_EX_MAX_ITEMS };

#define AG_N 0
#define AG_S 1
#define SB_N (4 * VM_EX_MAX_ITEMS) /* north stores at most 4 per round before a drain */
#define SB_S                                                                                                           \
	(4 * VM_EX_MAX_ITEMS) /* south: D1, E1 and 3 per drain loop, bounded by the injects                            \
			       */

enum { NP_PUSH, NP_I0, NP_IE, NP_I1, NP_IA, NP_I2, NP_I3, NP_I4, NP_K4, NP_I5, NP_I6, NP_DONE };
enum {
	SP_E1,
	SP_E2,
	SP_E3D,
	SP_E3P,
	SP_IDLE,
	SP_D1,
	SP_POLL,
	SP_W0,
	SP_W1,
	SP_W2,
	SP_W3,
	SP_W4,
	SP_W5,
	SP_W6,
	SP_W7,
	SP_W8,
	SP_A1,
	SP_A2,
	SP_A3
};
enum { CAUSE_NOTIFY = 0, CAUSE_SELF = 1 };
enum { A_N_STEP, A_N_FLUSH, A_S_STEP, A_S_ALT, A_S_FLUSH, A_COUNT };

/* The whole state: bytes only, no padding, so it hashes and compares as memory. */
struct ex_state {
	uint8_t mem[V_NVARS];
	uint8_t sbn_buf[SB_N]; /* (var << 4) | value, oldest first */
	uint8_t sbs_buf[SB_S];
	uint8_t sbn, sbs;
	uint8_t npc, round;
	uint8_t spc, phase, si, cause, first_pass;
	uint8_t inflight, consumed, dup, bad, spurious;
	uint8_t nk, kold, aret; /* event index: north's index at its last kick, the kick's old,
				   arm's return */
	uint8_t pad[1];		/* always 0: the size is a multiple of 8 for word-wise hashing */
};
_Static_assert(sizeof(struct ex_state) % 8 == 0, "ex_state must be whole 64-bit words");

struct ex_ctx {
	const struct vm_explore_cfg *cfg;
	FILE *log; /* non-NULL while replaying a counterexample */
};

static const char *const var_name[V_NVARS] = {
	"irq[N].enabled", "irq[N].pending", "irq[N].dirty", "irq[S].enabled", "irq[S].pending",
	"irq[S].dirty",	  "north.index",    "south.event",  "desc[0]",	      "desc[1]",
	"desc[2]",	  "desc[3]",	    "desc[4]",	    "desc[5]",
};

/* Trace output while replaying a counterexample; nothing while exploring. */
static void lg(const struct ex_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void lg(const struct ex_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->log)
		return;
	va_start(ap, fmt);
	vfprintf(c->log, fmt, ap);
	va_end(ap);
}

static uint8_t *sb_buf(struct ex_state *s, int ag)
{
	return ag == AG_N ? s->sbn_buf : s->sbs_buf;
}
static uint8_t *sb_len(struct ex_state *s, int ag)
{
	return ag == AG_N ? &s->sbn : &s->sbs;
}
static char ag_name(int ag)
{
	return ag == AG_N ? 'N' : 'S';
}

/* TSO load: the newest entry for @var in the agent's own buffer, else memory. */
static uint8_t ld(struct ex_ctx *c, struct ex_state *s, int ag, int var)
{
	uint8_t *b = sb_buf(s, ag);
	for (int i = *sb_len(s, ag) - 1; i >= 0; i--)
		if ((b[i] >> 4) == var) {
			lg(c, " load %s=%u (own buffer)", var_name[var], b[i] & 15);
			return b[i] & 15;
		}
	lg(c, " load %s=%u (memory)", var_name[var], s->mem[var]);
	return s->mem[var];
}

/* TSO store: append to the agent's FIFO store buffer. Returns -1 on overflow. */
static int st(struct ex_ctx *c, struct ex_state *s, int ag, int var, uint8_t val)
{
	uint8_t *n = sb_len(s, ag);
	if (*n >= (ag == AG_N ? SB_N : SB_S))
		return -1;
	sb_buf(s, ag)[(*n)++] = (uint8_t)(var << 4 | val);
	lg(c, " store %s=%u -> %c buffer", var_name[var], val, ag_name(ag));
	return 0;
}

/* Move the oldest buffered store of @ag to memory. */
static void flush_one(struct ex_state *s, int ag)
{
	uint8_t *b = sb_buf(s, ag), *n = sb_len(s, ag);
	s->mem[b[0] >> 4] = b[0] & 15;
	memmove(b, b + 1, (size_t)(*n - 1));
	b[--(*n)] = 0;
}

/* A barrier micro-step: `mb` drains the own buffer; `wmb` has no effect on TSO. */
static void barrier(struct ex_ctx *c, struct ex_state *s, int ag, unsigned bar, const char *label)
{
	/* SIG-14: the receiver's MB-ENABLE is membarrier(): both CPUs run a full barrier */
	if (c->cfg->asym && bar == VM_BAR_ENABLE && (c->cfg->full_barriers & bar)) {
		lg(c, " %s = membarrier: drain S buffer (%u) and N buffer (%u)", label, s->sbs, s->sbn);
		while (s->sbs)
			flush_one(s, AG_S);
		while (s->sbn)
			flush_one(s, AG_N);
		return;
	}
	if (c->cfg->full_barriers & bar) {
		lg(c, " %s = mb: drain %c buffer (%u stores)", label, ag_name(ag), *sb_len(s, ag));
		while (*sb_len(s, ag))
			flush_one(s, ag);
	} else {
		lg(c, " %s = wmb: no effect on TSO", label);
	}
}

/* Handler pass of south: consume every item north.index shows (one micro-step). */
static unsigned drain_ring(struct ex_ctx *c, struct ex_state *s)
{
	uint8_t x = ld(c, s, AG_S, V_NIDX);
	unsigned got = 0;
	for (uint8_t i = s->si; i < x; i++) {
		uint8_t v = ld(c, s, AG_S, V_DESC0 + i);
		if (v != i + 1)
			s->bad = 1; /* read a descriptor before its contents were visible */
		if (s->consumed & (1u << i))
			s->dup = 1;
		s->consumed |= (uint8_t)(1u << i);
		got++;
	}
	if (x > s->si)
		s->si = x;
	lg(c, " -> consumed %u item(s)", got);
	return got;
}

static void north_next_round(struct ex_ctx *c, struct ex_state *s)
{
	s->round++;
	s->npc = s->round < c->cfg->depth ? NP_PUSH : NP_DONE;
}

/* One micro-step of north. Returns 1 when taken, 0 when not enabled, -1 on buffer overflow. */
static int north_step(struct ex_ctx *c, struct ex_state *s)
{
	int k = s->round, rc = 0;
	switch (s->npc) {
	case NP_PUSH:
		lg(c, "push item %d: fill desc, WMB-PUBLISH (TSO: none),", k + 1);
		if (c->cfg->plant == VM_PLANT_INDEX_FIRST) { /* planted bug: publish before the contents */
			rc |= st(c, s, AG_N, V_NIDX, (uint8_t)(k + 1));
			rc |= st(c, s, AG_N, V_DESC0 + k, (uint8_t)(k + 1));
		} else {
			rc |= st(c, s, AG_N, V_DESC0 + k, (uint8_t)(k + 1));
			rc |= st(c, s, AG_N, V_NIDX, (uint8_t)(k + 1));
		}
		/* an EVENT_IDX kick has no elision (SIG-12, §2.7) unless elide_evidx asks for the
		 * counterexample; nor has an asymmetric link's (SIG-14) */
		s->npc = (c->cfg->event_idx && !c->cfg->elide_evidx) || c->cfg->asym ? NP_I1 : NP_I0;
		break;
	case NP_I0:
		lg(c, "I0");
		barrier(c, s, AG_N, VM_BAR_PUBLISH, "MB-PUBLISH");
		s->npc = NP_IE;
		break;
	case NP_IE:
		lg(c, "IE");
		if (ld(c, s, AG_N, V_SD) == 1) {
			lg(c, " -> inject returns suppress (dirty already set: elided)");
			north_next_round(c, s);
		} else {
			s->npc = NP_I1;
		}
		break;
	case NP_I1:
		if (c->cfg->event_idx) { /* kick: old = index at the previous kick, then updated to
					    new (§2.7) */
			s->kold = s->nk;
			s->nk = (uint8_t)(k + 1);
		}
		lg(c, "%s", c->cfg->event_idx ? "K0 wmb (none); K1" : c->cfg->asym ? "I0 wmb (none); I1" : "I1");
		rc = st(c, s, AG_N, V_SD, 1);
		s->npc = c->cfg->asym ? NP_IA : NP_I2;
		break;
	case NP_IA: /* SIG-14: no fence; a receiver read disabled pays at its next enable (membarrier) */
		lg(c, "IA (compiler barrier)");
		if (ld(c, s, AG_N, V_SE) == 0) {
			lg(c, " -> inject returns suppress (receiver disabled: no fence)");
			north_next_round(c, s);
		} else {
			s->npc = NP_I2;
		}
		break;
	case NP_I2:
		lg(c, "%s", c->cfg->event_idx ? "K2" : "I2");
		barrier(c, s, AG_N, VM_BAR_INJECT, "MB-INJECT");
		s->npc = NP_I3;
		break;
	case NP_I3:
		lg(c, "%s", c->cfg->event_idx ? "K3" : "I3");
		if (ld(c, s, AG_N, V_SE) == 0) {
			lg(c, " -> inject returns suppress (receiver disabled)");
			north_next_round(c, s);
		} else {
			s->npc = NP_I4;
		}
		break;
	case NP_I4:
		lg(c, "%s", c->cfg->event_idx ? "K3" : "I4");
		if (ld(c, s, AG_N, V_SP) == 1) {
			lg(c, " -> inject returns suppress (pending)");
			north_next_round(c, s);
		} else {
			s->npc = c->cfg->event_idx ? NP_K4 : NP_I5;
		}
		break;
	case NP_K4: {
		lg(c, "K4");
		uint8_t ev = ld(c, s, AG_N, V_SEVENT), nw = (uint8_t)(k + 1);
		/* need_event(event, new, old) in 8-bit arithmetic: every value here is below 16 */
		if ((uint8_t)(nw - ev - 1) >= (uint8_t)(nw - s->kold)) {
			lg(c, " -> need_event(%u, new=%u, old=%u) false: kick returns evskip", ev, nw, s->kold);
			north_next_round(c, s);
		} else {
			s->npc = NP_I5;
		}
		break;
	}
	case NP_I5:
		lg(c, "%s", c->cfg->event_idx ? "K5" : "I5");
		rc = st(c, s, AG_N, V_SP, 1);
		s->npc = NP_I6;
		break;
	case NP_I6:
		/* The transport orders I5 before the notification leaves (§1.4): a full barrier. */
		while (s->sbn)
			flush_one(s, AG_N);
		s->inflight++;
		lg(c, "I6 notify(S): the transport drains N buffer; a doorbell is in flight");
		north_next_round(c, s);
		break;
	default:
		return 0;
	}
	return rc ? -1 : 1;
}

static void south_idle(struct ex_state *s)
{
	s->spc = s->phase == 2 ? SP_POLL : SP_IDLE;
}

static void south_take_notification(struct ex_ctx *c, struct ex_state *s)
{
	s->inflight--;
	s->cause = CAUSE_NOTIFY;
	s->spc = SP_W0;
	lg(c, "a doorbell arrives: run wakeup");
}

/* South at rest (idle or polling): take a doorbell, or (@alt) start the disable/poll/enable cycle.
 * Returns 1 taken, 0 not enabled, -2 when south is not at a choice point. */
static int south_choice(struct ex_ctx *c, struct ex_state *s, int alt)
{
	switch (s->spc) {
	case SP_IDLE:
		if (!alt) {
			if (!s->inflight)
				return 0;
			south_take_notification(c, s);
		} else {
			if (!(c->cfg->south_cycle && s->phase == 1))
				return 0;
			s->phase = 2;
			s->spc = SP_D1;
			lg(c, "decides to poll for a while");
		}
		return 1;
	case SP_POLL:
		if (alt) {
			if (!s->inflight)
				return 0;
			south_take_notification(c, s);
			return 1;
		}
		lg(c, "poll while disabled:");
		drain_ring(c, s);
		if (c->cfg->event_idx && !c->cfg->no_rearm) {
			s->aret = SP_E1;
			s->spc = SP_A1;
		} else {
			s->spc = SP_E1;
		}
		return 1;
	default:
		return -2; /* not a choice point */
	}
}

/* D1, E1-E3: disable, enable and its re-check. Returns 1 when taken, -1 on buffer overflow. */
static int south_enable_step(struct ex_ctx *c, struct ex_state *s)
{
	int rc = 0;

	switch (s->spc) {
	case SP_D1:
		lg(c, "D1");
		rc = st(c, s, AG_S, V_SE, 0);
		s->spc = SP_POLL;
		break;
	case SP_E1:
		lg(c, "E1");
		rc = st(c, s, AG_S, V_SE, 1);
		s->spc = SP_E2;
		break;
	case SP_E2:
		lg(c, "E2");
		barrier(c, s, AG_S, VM_BAR_ENABLE, "MB-ENABLE");
		s->spc = SP_E3D;
		break;
	case SP_E3D:
	case SP_E3P:
		lg(c, "E3");
		if (ld(c, s, AG_S, s->spc == SP_E3D ? V_SD : V_SP)) {
			lg(c, " -> enable returns self: run wakeup");
			s->phase = s->phase == 0 ? 1 : 3;
			s->cause = CAUSE_SELF;
			s->spc = SP_W0;
		} else if (s->spc == SP_E3D) {
			s->spc = SP_E3P;
		} else {
			lg(c, " -> enable returns ok");
			if (s->phase == 0 && c->cfg->lower_threshold) {
				/* asleep and enabled, south lowers its threshold from 2 to 1
				 * outside wakeup */
				s->aret = SP_IDLE;
				s->spc = SP_A1;
			} else {
				s->spc = SP_IDLE;
			}
			s->phase = s->phase == 0 ? 1 : 3;
		}
		break;
	default:
		return 0;
	}
	return rc ? -1 : 1;
}

/* W0-W8: wakeup with its drain loop and late pending clear. Returns 1 when taken, -1 on buffer
 * overflow. */
static int south_wakeup_step(struct ex_ctx *c, struct ex_state *s)
{
	int rc = 0;

	switch (s->spc) {
	case SP_W0:
		lg(c, "W0");
		if (ld(c, s, AG_S, V_SE) == 0) {
			if (s->cause == CAUSE_NOTIFY)
				s->spurious++;
			lg(c, " -> wakeup returns disabled (pending stays)");
			south_idle(s);
		} else {
			s->first_pass = 1;
			s->spc = SP_W1;
		}
		break;
	case SP_W1: /* SIG-13: store (and MB-DRAIN) only when dirty reads 1; else rmb, nothing on
		       TSO */
		lg(c, "W1");
		if (ld(c, s, AG_S, V_SD) == 1) {
			rc = st(c, s, AG_S, V_SD, 0);
			s->spc = SP_W2;
		} else {
			lg(c, " -> clear already: no store, rmb");
			s->spc = SP_W3;
		}
		break;
	case SP_W2:
		lg(c, "W2");
		barrier(c, s, AG_S, VM_BAR_DRAIN, "MB-DRAIN");
		s->spc = SP_W3;
		break;
	case SP_W3:
		lg(c, "W3 handler:");
		if (drain_ring(c, s) == 0 && s->first_pass && s->cause == CAUSE_NOTIFY)
			s->spurious++;
		s->first_pass = 0;
		if (c->cfg->event_idx && !c->cfg->no_rearm) {
			s->aret = SP_W4;
			s->spc = SP_A1;
		} else {
			s->spc = SP_W4;
		}
		break;
	case SP_W4:
	case SP_W7:
		lg(c, "%s", s->spc == SP_W4 ? "W4" : "W7");
		if (ld(c, s, AG_S, V_SE) == 1 && ld(c, s, AG_S, V_SD) == 1) {
			lg(c, "%s", s->spc == SP_W4 ? " -> drain again" : " -> raced: re-arm");
			s->spc = s->spc == SP_W4 ? SP_W1 : SP_W8;
		} else if (s->spc == SP_W4) {
			s->spc = SP_W5;
		} else {
			lg(c, " -> wakeup returns ok");
			south_idle(s);
		}
		break;
	case SP_W5:
		lg(c, "W5");
		if (c->cfg->plant != VM_PLANT_NO_W5) /* planted bug: pending is never cleared */
			rc = st(c, s, AG_S, V_SP, 0);
		s->spc = SP_W6;
		break;
	case SP_W6:
		lg(c, "W6");
		barrier(c, s, AG_S, VM_BAR_CLEAR, "MB-CLEAR");
		s->spc = SP_W7;
		break;
	case SP_W8:
		lg(c, "W8");
		rc = st(c, s, AG_S, V_SP, 1);
		s->spc = SP_W1;
		break;
	default:
		return 0;
	}
	return rc ? -1 : 1;
}

/* A1-A3: the handler re-arms the event index. Returns 1 when taken, -1 on buffer overflow. */
static int south_arm_step(struct ex_ctx *c, struct ex_state *s)
{
	int rc = 0;

	switch (s->spc) {
	case SP_A1: /* the handler re-arms for T = 1 more entry (§2.7, IOQ-11) */
		lg(c, "A1 (arm t=1)");
		rc = st(c, s, AG_S, V_SEVENT, s->si);
		s->spc = SP_A2;
		break;
	case SP_A2:
		lg(c, "A2");
		barrier(c, s, AG_S, VM_BAR_ARM, "MB-ARM");
		s->spc = SP_A3;
		break;
	case SP_A3:
		lg(c, "A3");
		if ((uint8_t)(ld(c, s, AG_S, V_NIDX) - s->si) >= 1) {
			lg(c, " -> arm returns ready: drain again");
			drain_ring(c, s);
			s->spc = SP_A1;
		} else {
			lg(c, " -> arm returns armed");
			s->spc = s->aret;
		}
		break;
	default:
		return 0;
	}
	return rc ? -1 : 1;
}

/* One micro-step of south; @alt selects the second choice where south has two. */
static int south_step(struct ex_ctx *c, struct ex_state *s, int alt)
{
	int rc = south_choice(c, s, alt);

	if (rc != -2)
		return rc;
	if (alt)
		return 0;
	switch (s->spc) {
	case SP_D1:
	case SP_E1:
	case SP_E2:
	case SP_E3D:
	case SP_E3P:
		return south_enable_step(c, s);
	case SP_A1:
	case SP_A2:
	case SP_A3:
		return south_arm_step(c, s);
	default:
		return south_wakeup_step(c, s);
	}
}

/* Apply action @a to *s. Returns 1 when taken, 0 when not enabled, -1 on overflow. */
static int ex_apply(struct ex_ctx *c, struct ex_state *s, int a)
{
	switch (a) {
	case A_N_STEP:
		return north_step(c, s);
	case A_S_STEP:
		return south_step(c, s, 0);
	case A_S_ALT:
		return south_step(c, s, 1);
	case A_N_FLUSH:
	case A_S_FLUSH: {
		int ag = a == A_N_FLUSH ? AG_N : AG_S;
		uint8_t *b = sb_buf(s, ag);
		if (!*sb_len(s, ag))
			return 0;
		lg(c, "flush %s=%u from %c buffer to memory", var_name[b[0] >> 4], b[0] & 15, ag_name(ag));
		flush_one(s, ag);
		return 1;
	}
	}
	return 0;
}

static int quiescent(const struct vm_explore_cfg *cfg, const struct ex_state *s)
{
	return s->npc == NP_DONE && s->spc == SP_IDLE && s->phase == (cfg->south_cycle ? 3 : 1) && !s->sbn && !s->sbs &&
	       !s->inflight;
}

static unsigned popcount8(unsigned v)
{
	unsigned n = 0;
	for (; v; v &= v - 1)
		n++;
	return n;
}

/* Which §0.4 checks a quiescent state breaks, as a text (empty when none). */
static int check_state(const struct vm_explore_cfg *cfg, const struct ex_state *s, char *why, size_t len)
{
	unsigned work = cfg->depth - popcount8(s->consumed);
	why[0] = 0;
	if (s->dup)
		snprintf(why, len, "duplicated ring entry: an item was consumed twice");
	else if (s->bad)
		snprintf(why, len, "lost ring entry: south read a descriptor before its contents");
	else if (s->mem[V_SE] && work >= 1)
		snprintf(why, len,
			 "lost wakeup: irq[S].enabled=1, %u item(s) unconsumed, no notification in "
			 "flight, "
			 "nobody will wake south",
			 work);
	else if (s->mem[V_SE] && s->mem[V_SP])
		snprintf(why, len, "stranded pending: irq[S].enabled=1 and irq[S].pending=1 at rest");
	return why[0] != 0;
}

static void print_mem(FILE *f, const struct ex_state *s)
{
	fprintf(f,
		"        memory: irq[N]=%u%u%u irq[S]=%u%u%u north.index=%u south.event=%u | N "
		"buffer [",
		s->mem[V_NE], s->mem[V_NP], s->mem[V_ND], s->mem[V_SE], s->mem[V_SP], s->mem[V_SD], s->mem[V_NIDX],
		s->mem[V_SEVENT]);
	for (int i = 0; i < s->sbn; i++)
		fprintf(f, "%s%s=%u", i ? ", " : "", var_name[s->sbn_buf[i] >> 4], s->sbn_buf[i] & 15);
	fprintf(f, "] | S buffer [");
	for (int i = 0; i < s->sbs; i++)
		fprintf(f, "%s%s=%u", i ? ", " : "", var_name[s->sbs_buf[i] >> 4], s->sbs_buf[i] & 15);
	fprintf(f, "] | in flight %u\n", s->inflight);
}

/* ---- state store: an array in BFS order plus an open-addressing hash index ---- */
struct ex_store {
	struct ex_state *st;
	uint32_t *parent;
	uint8_t *act;
	uint64_t n, cap;
	uint32_t *tab; /* index + 1, 0 = empty */
	uint64_t tabmask;
};

static uint64_t ex_hash(const struct ex_state *s)
{
	const uint8_t *p = (const uint8_t *)s;
	uint64_t h = 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < sizeof(*s); i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	return h ^ (h >> 29);
}

static int store_grow_tab(struct ex_store *S)
{
	uint64_t nsz = (S->tabmask + 1) * 2;
	uint32_t *t = calloc(nsz, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (uint64_t i = 0; i < S->n; i++) {
		uint64_t h = ex_hash(&S->st[i]) & (nsz - 1);
		while (t[h])
			h = (h + 1) & (nsz - 1);
		t[h] = (uint32_t)(i + 1);
	}
	free(S->tab);
	S->tab = t;
	S->tabmask = nsz - 1;
	return 0;
}

/* Insert *s if new. Returns 1 inserted, 0 known, negative errno. */
static int store_add(struct ex_store *S, const struct ex_state *s, uint32_t parent, uint8_t act)
{
	uint64_t h = ex_hash(s) & S->tabmask;
	while (S->tab[h]) {
		if (!memcmp(&S->st[S->tab[h] - 1], s, sizeof(*s)))
			return 0;
		h = (h + 1) & S->tabmask;
	}
	if (S->n == S->cap) {
		uint64_t ncap = S->cap * 2;
		struct ex_state *ns = realloc(S->st, ncap * sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		S->st = ns;
		uint32_t *np = realloc(S->parent, ncap * sizeof(*np));
		if (!np)
			return -ENOMEM;
		S->parent = np;
		uint8_t *na = realloc(S->act, ncap);
		if (!na)
			return -ENOMEM;
		S->act = na;
		S->cap = ncap;
	}
	S->st[S->n] = *s;
	S->parent[S->n] = parent;
	S->act[S->n] = act;
	S->tab[h] = (uint32_t)(++S->n);
	if (S->n * 2 > S->tabmask) {
		int rc = store_grow_tab(S);
		return rc ? rc : 1;
	}
	return 1;
}

static void print_counterexample(const struct vm_explore_cfg *cfg, const struct ex_store *S, uint64_t idx,
				 const char *why, FILE *f)
{
	uint64_t len = 0;
	for (uint64_t i = idx; i; i = S->parent[i])
		len++;
	uint8_t *path = malloc(len ? len : 1);
	if (!path)
		return;
	uint64_t k = len;
	for (uint64_t i = idx; i; i = S->parent[i])
		path[--k] = S->act[i];
	char pname[64];
	fprintf(f,
		"counterexample (placement %s, depth %u%s): %llu micro-steps from the initial "
		"state, none shorter\n"
		"(one spec line per step; a store goes to its side's FIFO store buffer until a "
		"flush step or mb;\n"
		" the memory line is printed after each step that changed memory, a buffer or the "
		"doorbells)\n",
		vm_explore_placement_name(cfg->full_barriers, pname, sizeof(pname)), cfg->depth,
		!cfg->event_idx	       ? ""
		: cfg->elide_evidx     ? ", event index, kicks elide"
		: cfg->no_rearm	       ? ", event index, no re-arm"
		: cfg->lower_threshold ? ", event index, threshold lowered while asleep"
				       : ", event index",
		(unsigned long long)len);
	struct ex_ctx c = { .cfg = cfg, .log = f };
	struct ex_state s = S->st[0], prev;
	print_mem(f, &s);
	for (uint64_t i = 0; i < len; i++) {
		int a = path[i];
		fprintf(f, "  %3llu  %c  ", (unsigned long long)i + 1, a == A_N_STEP || a == A_N_FLUSH ? 'N' : 'S');
		prev = s;
		ex_apply(&c, &s, a);
		fputc('\n', f);
		if (memcmp(prev.mem, s.mem, sizeof(s.mem)) || prev.sbn != s.sbn || prev.sbs != s.sbs ||
		    memcmp(prev.sbn_buf, s.sbn_buf, sizeof(s.sbn_buf)) ||
		    memcmp(prev.sbs_buf, s.sbs_buf, sizeof(s.sbs_buf)) || prev.inflight != s.inflight)
			print_mem(f, &s);
	}
	fprintf(f, "quiescent: both sides done, both store buffers empty, nothing in flight\n");
	fprintf(f, "VIOLATION: %s\n", why);
	free(path);
}

int vm_explore_parse_placement(const char *s, unsigned *mask)
{
	static const struct {
		const char *name;
		unsigned bar;
	} lab[] = { { "MB-INJECT", VM_BAR_INJECT }, { "MB-ENABLE", VM_BAR_ENABLE }, { "MB-DRAIN", VM_BAR_DRAIN },
		    { "MB-CLEAR", VM_BAR_CLEAR },   { "MB-ARM", VM_BAR_ARM },	    { "MB-PUBLISH", VM_BAR_PUBLISH } };
	if (!strcmp(s, "spec")) {
		*mask = VM_BAR_ALL;
		return 0;
	}
	if (!strcmp(s, "2009")) {
		*mask = VM_BAR_2009;
		return 0;
	}
	if (!strncmp(s, "minus-", 6))
		for (unsigned i = 0; i < sizeof(lab) / sizeof(lab[0]); i++)
			if (!strcmp(s + 6, lab[i].name)) {
				*mask = VM_BAR_ALL & ~lab[i].bar;
				return 0;
			}
	return -EINVAL;
}

const char *vm_explore_placement_name(unsigned mask, char *buf, unsigned len)
{
	static const char *const lab[] = { "MB-INJECT", "MB-ENABLE", "MB-DRAIN", "MB-CLEAR", "MB-ARM", "MB-PUBLISH" };
	if (mask == VM_BAR_ALL)
		return "spec";
	if (mask == VM_BAR_2009)
		return "2009";
	for (unsigned i = 0; i < 6; i++)
		if (mask == (VM_BAR_ALL & ~(1u << i))) {
			snprintf(buf, len, "minus-%s", lab[i]);
			return buf;
		}
	snprintf(buf, len, "mask-0x%x", mask);
	return buf;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int vm_explore_run(const struct vm_explore_cfg *cfg, struct vm_explore_result *res, FILE *cex)
{
	struct ex_store S = { 0 };
	struct ex_ctx c = { .cfg = cfg, .log = NULL };
	uint64_t max = cfg->max_states ? cfg->max_states : 50000000ull;
	int rc = 0, printed = 0;
	char why[256];

	if (cfg->depth < 1 || cfg->depth > VM_EX_MAX_ITEMS || (cfg->full_barriers & ~VM_BAR_ALL) ||
	    ((cfg->no_rearm || cfg->lower_threshold || cfg->elide_evidx) && !cfg->event_idx) ||
	    (cfg->no_rearm && cfg->lower_threshold) || cfg->plant > VM_PLANT_MAX)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	double t0 = now_s();
	S.cap = 1u << 16;
	S.st = malloc(S.cap * sizeof(*S.st));
	S.parent = malloc(S.cap * sizeof(*S.parent));
	S.act = malloc(S.cap);
	S.tabmask = (1u << 17) - 1;
	S.tab = calloc(S.tabmask + 1, sizeof(*S.tab));
	if (!S.st || !S.parent || !S.act || !S.tab) {
		rc = -ENOMEM;
		goto out_free;
	}
	struct ex_state init;
	memset(&init, 0, sizeof(init));
	init.npc = NP_PUSH;
	init.spc = SP_E1;
	if (cfg->lower_threshold)
		init.mem[V_SEVENT] = 1; /* a previous arm asked for 2 entries */
	rc = store_add(&S, &init, 0, 0);
	if (rc < 0)
		goto out_free;
	rc = 0;
	for (uint64_t i = 0; i < S.n; i++) {
		if (S.n > max) {
			rc = -E2BIG;
			goto out_free;
		}
		if (cfg->progress && !(i & 0xffff))
			cfg->progress(cfg->progress_arg, S.n, i);
		for (int a = 0; a < A_COUNT; a++) {
			struct ex_state s = S.st[i];
			int took = ex_apply(&c, &s, a);
			if (took < 0) {
				rc = -EOVERFLOW;
				goto out_free;
			}
			if (!took)
				continue;
			res->transitions++;
			if (s.sbn > res->max_sb)
				res->max_sb = s.sbn;
			if (s.sbs > res->max_sb)
				res->max_sb = s.sbs;
			int added = store_add(&S, &s, (uint32_t)i, (uint8_t)a);
			if (added < 0) {
				rc = added;
				goto out_free;
			}
			if (!added || !quiescent(cfg, &s))
				continue;
			res->quiescent++;
			if (s.spurious) {
				res->spurious_states++;
				if (s.spurious > res->max_spurious)
					res->max_spurious = s.spurious;
			}
			if (check_state(cfg, &s, why, sizeof(why))) {
				res->violations++;
				if (cex && !printed) {
					print_counterexample(cfg, &S, S.n - 1, why, cex);
					printed = 1;
				}
			}
		}
	}
out_free:
	res->states = S.n;
	res->seconds = now_s() - t0;
	free(S.st);
	free(S.parent);
	free(S.act);
	free(S.tab);
	return rc;
}

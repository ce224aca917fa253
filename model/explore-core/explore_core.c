// SPDX-License-Identifier: GPL-2.0
/*
 * vbus-explore-core: the interleaving explorer over the PRODUCTION core.
 *
 * kernel/core/shm_signal.c and ioq.c are compiled unchanged against the
 * instrumented shim (shim/): every READ_ONCE, WRITE_ONCE and barrier is one
 * explorer event. Two agents (north, south) each run a script of real core
 * calls (push+kick, enable, wakeup with a popping handler, disable, arm...).
 * An agent in the middle of a call is its state at the call's start plus the
 * answers its loads got so far: a step re-executes the call from its start,
 * replays the answered loads, performs the next event and stops (longjmp).
 * So the whole state is plain bytes (ring memory, store buffers, views,
 * agents) that hash; breadth-first search gives a minimal counterexample.
 *
 * Memory models:
 *   tso   x86-TSO: a FIFO store buffer per agent; loads see the own buffer,
 *         else memory; mb drains the buffer; wmb and rmb do nothing.
 *   weak  arm64-like: stores to different addresses leave the buffer in any
 *         order unless a wmb (or mb) separates them; a load may return the
 *         value memory held at the agent's last rmb/mb (a load passing earlier
 *         loads) unless an rmb/mb came since; per-address coherence kept.
 *         Loads are not reordered with later stores (no load buffering).
 *
 * The checks at quiescence (both scripts done, buffers empty, no doorbell in
 * flight) are the model explorer's (§0.4): lost wakeup, stranded pending,
 * lost ring entry (a descriptor read before its contents, or the core
 * finding the ring broken), duplicated entry.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <asm/barrier.h>

#include "vbus_core.h"
#include "vbus_cli.h"
#include "explore_link.h"
#include "explore_core.h"

#ifndef VX_SRC_DIR
#define VX_SRC_DIR "."
#endif

#define RING_COUNT 4u
#define RING_BYTES VBUS_IOQ_RING_SIZE(RING_COUNT)
#define MAX_DEPTH 4
#define MAXEV 200 /* events of one call (a wakeup draining 4 items with re-arms) */
#define SBMAX 16

enum { AG_N, AG_S };
enum { M_TSO, M_WEAK };
enum { SC_PLAIN, SC_EVIDX, SC_LOWER, SC_BOTH, SC_LINK, SC_LINK_EVIDX, SC_RECLAIM, SC_OOO, SC_COUNT };
static const char *const sc_name[SC_COUNT] = {
	"plain", "evidx", "lower", "both", "link", "link-evidx", "reclaim", "ooo"
};
static const char *const sc_doc[SC_COUNT] = {
	"plain ring (SIG-12 dirty elision on), south enables, serves doorbells, once "
	"disables/polls/enables",
	"EVENT_IDX ring, south's handler re-arms for 1 (arm; pop again when ready), once "
	"disables/polls/enables",
	"EVENT_IDX ring, south armed for 2 lowers its threshold to 1 while asleep (MB-ARM)",
	"both directions: south completes and kicks north; north reclaims by polling before each "
	"push, then enables and reclaims in wakeup",
	"plain ring, south is libvbus's blocking wait loop itself (vbus_link_recv BLOCK: enable, "
	"sleep in read(eventfd), wakeup with a budget of 1 pass, RESCHED, the fused pop) called "
	"again and again; north pushes with the fused push (ioq_push_desc + ioq_push_publish)",
	"as link on an EVENT_IDX ring: libvbus arms for its threshold (1) before it sleeps",
	"plain ring, north pushes and kicks, then polls ioq_reclaim until every completion is "
	"back (no interrupt: only the WMB-COMPLETE / RMB-RECLAIM pair orders a completion)",
	"VBUS_IOQ_F_OOO ring (§2.12), as reclaim: south's handler ioq_takes all it sees and "
	"ioq_completes them in reverse order (used[] by id), north polls ioq_reclaim",
};
#define IS_LINK(sc) ((sc) == SC_LINK || (sc) == SC_LINK_EVIDX)

/* operations: one real core call (with its handler) each */
enum {
	OP_NONE,
	OP_N_PUSHKICK,
	OP_N_ENABLE,
	OP_N_WAKEUP,
	OP_S_ENABLE,
	OP_S_WAKEUP,
	OP_S_DISABLE,
	OP_S_POLL,
	OP_S_ARM1,
	OP_S_RECV,
	OP_N_POLL,
	OP_COUNT
};
static const char *const op_name[OP_COUNT] = {
	"-",	   "push+kick", "enable", "wakeup(reclaim)",	   "enable",	   "wakeup(pop)",
	"disable", "poll",	"arm(1)", "vbus_link_recv(BLOCK)", "reclaim(poll)"
};

/* An operation's name in a counterexample (the OOO scenario's south handler takes and completes). */
static const char *opn(int op);

struct sb_ent {
	uint16_t off;
	uint8_t size; /* 0: a wmb marker */
	uint8_t pad;
	uint32_t val;
};

struct agent {
	union {
		struct {
			struct ioq q; /* the core's private state at the start of the current call */
			/*
			 * OOO scenario: the caller's private tracking memory (§2.12), part of
			 * the state. q.ooo/q.ooo_free point into it only while a call runs on
			 * the working copy (ooo_bind); in a stored state they are NULL.
			 */
			_Alignas(8) uint8_t track[IOQ_OOO_TRACK_BYTES(RING_COUNT)];
		};
		uint8_t link[VX_LINK_MAX]; /* link scenarios, south: libvbus's struct vbus_link
					      (its struct ioq first) */
	};
	uint8_t op;	  /* current call, OP_NONE between calls */
	uint8_t k;	  /* events done in the current call */
	uint8_t phase;	  /* script position */
	uint8_t count;	  /* north: pushed; south: consumed */
	uint8_t done2;	  /* north: reclaimed; south: 1 once the disable/poll/enable cycle ran */
	uint8_t bad;	  /* a descriptor read with the wrong contents */
	uint8_t dup;	  /* an item consumed twice */
	uint8_t blocked;  /* link: asleep in read(eventfd) with nothing in flight */
	uint8_t inflight; /* doorbells sent TO this agent, not yet taken */
	uint8_t sbn;
	uint8_t got; /* OOO north: bit c-1 set once cookie c came back (each exactly once) */
	uint8_t pad[5];
	struct sb_ent sb[SBMAX];
	uint8_t ev[MAXEV]; /* load answers of the current call (every value in these scenarios fits)
			    */
};

struct xstate {
	struct agent ag[2];
	uint8_t mem[RING_BYTES];
	uint8_t view[2][RING_BYTES]; /* weak only (left out of TSO states): memory as of the last
					rmb/mb */
};

/* Bytes of a state that are stored and hashed: TSO states end before the views. */
static size_t SSZ;

struct cfg {
	int sc, model, depth, quiet;
	const char *drop; /* a barrier label whose fences become no-ops */
	int asym;	  /* --asym: the ring carries VBUS_IOQ_F_ASYM_MB (SIG-14) */
	int asym_as_mb;	  /* --asym-as-mb: the receiver's membarrier() drains only its own buffer */
	int no_por;	  /* --no-reduction: expand every step (to cross-check the reduction) */
	uint64_t max_states;
};

static struct cfg C;
static uint8_t ring_buf[RING_BYTES] __attribute__((aligned(64)));

/* ------------------------------------------------------------------ the event layer */

static struct {
	int on;		  /* 0: direct memory (setup) */
	struct xstate *s; /* the state being stepped */
	int ag;		  /* the agent running */
	unsigned int n;	  /* events seen in this execution */
	int choice;	  /* which answer the live event takes */
	int nochoice;	  /* the live event has no such choice */
	int overflow;
	int breach; /* a store to an address the other agent owns */
	int local;  /* the step taken touched only the agent itself (partial-order reduction) */
	jmp_buf jb;
	FILE *log;
} X;

static void lg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void lg(const char *fmt, ...)
{
	va_list ap;

	if (!X.log)
		return;
	va_start(ap, fmt);
	vfprintf(X.log, fmt, ap);
	va_end(ap);
}

/* The name of a ring byte offset (field names of the ABI header). */
static const char *addr_name(unsigned int off, char *buf, size_t len)
{
	static const struct {
		unsigned int off;
		const char *name;
	} f[] = {
		{ offsetof(struct vbus_ioq_ring, signal.irq[VBUS_NORTH].enabled), "irq[N].enabled" },
		{ offsetof(struct vbus_ioq_ring, signal.irq[VBUS_NORTH].pending), "irq[N].pending" },
		{ offsetof(struct vbus_ioq_ring, signal.irq[VBUS_NORTH].dirty), "irq[N].dirty" },
		{ offsetof(struct vbus_ioq_ring, signal.irq[VBUS_SOUTH].enabled), "irq[S].enabled" },
		{ offsetof(struct vbus_ioq_ring, signal.irq[VBUS_SOUTH].pending), "irq[S].pending" },
		{ offsetof(struct vbus_ioq_ring, signal.irq[VBUS_SOUTH].dirty), "irq[S].dirty" },
		{ offsetof(struct vbus_ioq_ring, north.index), "north.index" },
		{ offsetof(struct vbus_ioq_ring, north.event), "north.event" },
		{ offsetof(struct vbus_ioq_ring, south.index), "south.index" },
		{ offsetof(struct vbus_ioq_ring, south.event), "south.event" },
	};
	unsigned int d0 = offsetof(struct vbus_ioq_ring, desc);

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (f[i].off == off)
			return f[i].name;
	unsigned int c0 = VBUS_IOQ_COOKIE_OFF(RING_COUNT);

	if (off >= c0 && C.sc == SC_OOO) { /* used[] takes the cookie table's place (§2.12) */
		static const char *const uf[] = { "id", "id", "flags", "flags", "len", "len", "len", "len" };

		snprintf(buf, len, "used[%u].%s", (off - c0) / 8, uf[(off - c0) % 8]);
		return buf;
	}
	if (off >= c0) {
		snprintf(buf, len, "cookie[%u]", (off - c0) / 8);
		return buf;
	}
	if (off >= d0) {
		static const struct {
			unsigned int off;
			const char *name;
		} d[] = { { offsetof(struct vbus_ioq_desc, offset), "offset" },
			  { offsetof(struct vbus_ioq_desc, len), "len" },
			  { offsetof(struct vbus_ioq_desc, flags), "flags" },
			  { offsetof(struct vbus_ioq_desc, id), "id" } };
		unsigned int i = (off - d0) / sizeof(struct vbus_ioq_desc),
			     o = (off - d0) % sizeof(struct vbus_ioq_desc);

		for (size_t j = 0; j < sizeof(d) / sizeof(d[0]); j++)
			if (d[j].off == o) {
				snprintf(buf, len, "desc[%u].%s", i, d[j].name);
				return buf;
			}
	}
	snprintf(buf, len, "ring+0x%x", off);
	return buf;
}

/* The spec label at a source line: its trailing comment, or (barriers) the label above it. */
static const char *site_label(const char *file, int line, int fence, char *buf, size_t len)
{
	char path[512], l[256], lines[16][256];
	const char *base = strrchr(file, '/');
	FILE *f;
	int n = 0;

	buf[0] = 0;
	snprintf(path, sizeof(path), "%s/kernel/core/%s", VX_SRC_DIR, base ? base + 1 : file);
	f = fopen(path, "r");
	if (!f)
		return buf;
	while (fgets(l, sizeof(l), f) && ++n <= line)
		if (n > line - 16)
			memcpy(lines[n % 16], l, sizeof(l));
	fclose(f);
	if (n < line)
		return buf;
	if (!fence) {
		char *c = strstr(lines[line % 16], "/* ");
		char *e = c ? strstr(c, " */") : NULL;

		if (c && e && e - c - 3 < (long)len && e - c - 3 < 24) {
			memcpy(buf, c + 3, (size_t)(e - c - 3));
			buf[e - c - 3] = 0;
		}
		return buf;
	}
	int top = 0;

	for (int back = 1; back < 15 && line - back > 0 && !top; back++)
		if (strstr(lines[(line - back) % 16], "/*"))
			top = line - back;
	/* the label is the comment's first word (BAR-1), e.g. "MB-DRAIN (W2): ..." */
	for (int i = top; top && i < line; i++) {
		const char *t = strstr(lines[i % 16], "/*");
		size_t k = 0;

		t = t ? t + 2 : lines[i % 16];
		while (*t == ' ' || *t == '\t' || *t == '*')
			t++;
		if (!*t || *t == '\n')
			continue;
		while (t[k] && t[k] != ' ' && t[k] != ':' && t[k] != ',' && t[k] != '\n' && k + 1 < len)
			k++;
		memcpy(buf, t, k);
		buf[k] = 0;
		return buf;
	}
	return buf;
}

/* Label of a fence site, cached by file:line. */
static const char *fence_label(const char *file, int line)
{
	static struct {
		const char *file;
		int line;
		char label[32];
	} cache[64];
	static int nc;

	for (int i = 0; i < nc; i++)
		if (cache[i].line == line && cache[i].file == file)
			return cache[i].label;
	if (nc == 64)
		return "";
	cache[nc].file = file;
	cache[nc].line = line;
	site_label(file, line, 1, cache[nc].label, sizeof(cache[nc].label));
	return cache[nc++].label;
}

/*
 * Addresses with a single writer (§1.1, §2.2): a receiver's enabled byte, each side's index and
 * event. Loads of them by their writer are local steps for the reduction; a store by the other
 * agent is a protocol breach the search reports instead of trusting.
 */
static int writer_of(unsigned int off)
{
	if (off == offsetof(struct vbus_ioq_ring, signal.irq[VBUS_NORTH].enabled) ||
	    off == offsetof(struct vbus_ioq_ring, north.index) || off == offsetof(struct vbus_ioq_ring, north.event))
		return AG_N;
	if (off == offsetof(struct vbus_ioq_ring, signal.irq[VBUS_SOUTH].enabled) ||
	    off == offsetof(struct vbus_ioq_ring, south.index) || off == offsetof(struct vbus_ioq_ring, south.event))
		return AG_S;
	return -1;
}

static int ring_off(const volatile void *p, unsigned int size, unsigned int *off)
{
	const uint8_t *a = (const uint8_t *)p;

	if (a < ring_buf || a + size > ring_buf + RING_BYTES)
		return 0;
	*off = (unsigned int)(a - ring_buf);
	return 1;
}

static uint32_t mem_get(const uint8_t *m, unsigned int off, unsigned int size)
{
	uint64_t v = 0;

	memcpy(&v, m + off, size);
	return (uint32_t)v;
}

static void mem_put(uint8_t *m, unsigned int off, unsigned int size, uint64_t v)
{
	memcpy(m + off, &v, size);
}

static void flush_entry(struct xstate *s, int ag, int i)
{
	struct agent *a = &s->ag[ag];
	struct sb_ent e = a->sb[i];

	mem_put(s->mem, e.off, e.size, e.val);
	memmove(&a->sb[i], &a->sb[i + 1], (size_t)(a->sbn - i - 1) * sizeof(a->sb[0]));
	memset(&a->sb[--a->sbn], 0, sizeof(a->sb[0]));
	/* a marker with nothing before it is spent */
	while (a->sbn && a->sb[0].size == 0) {
		memmove(&a->sb[0], &a->sb[1], (size_t)(a->sbn - 1) * sizeof(a->sb[0]));
		memset(&a->sb[--a->sbn], 0, sizeof(a->sb[0]));
	}
}

/* May entry @i of @ag's buffer leave now? TSO: the oldest only; weak: nothing older to the same
 * address and no wmb marker before it. */
static int flushable(const struct xstate *s, int ag, int i)
{
	const struct agent *a = &s->ag[ag];

	if (a->sb[i].size == 0)
		return 0;
	if (C.model == M_TSO)
		return i == 0;
	for (int j = 0; j < i; j++)
		if (a->sb[j].size == 0 || a->sb[j].off == a->sb[i].off)
			return 0;
	return 1;
}

static void drain_all(struct xstate *s, int ag)
{
	while (s->ag[ag].sbn)
		flush_entry(s, ag, 0);
}

/* Called for every event: replay (< k) or perform the live one (== k) and stop. */
static int ev_begin(void)
{
	struct agent *a = &X.s->ag[X.ag];
	unsigned int idx = X.n++;

	if (idx < a->k)
		return 0; /* replay */
	if (idx >= MAXEV) {
		X.overflow = 1;
		longjmp(X.jb, 1);
	}
	return 1;
}

static void ev_end(void)
{
	X.s->ag[X.ag].k++;
	longjmp(X.jb, 1);
}

uint64_t vx_load(const volatile void *p, unsigned int size, const char *file, int line)
{
	struct agent *a;
	unsigned int off, idx;
	uint32_t cand[2];
	int nc = 0;
	char nb[40], lb[32] = "";

	if (!X.on || !ring_off(p, size, &off)) {
		uint64_t v = 0;

		memcpy(&v, (const void *)p, size);
		return v;
	}
	a = &X.s->ag[X.ag];
	idx = X.n;
	if (!ev_begin())
		return a->ev[idx];
	for (int i = a->sbn - 1; i >= 0; i--)
		if (a->sb[i].size && a->sb[i].off == off) {
			cand[nc++] = a->sb[i].val;
			break;
		}
	if (nc) {
		X.local = 1; /* served by the own buffer: no other step changes the answer */
	} else {
		cand[nc++] = mem_get(X.s->mem, off, size);
		if (writer_of(off) == X.ag)
			X.local = 1; /* only this agent writes here: memory changes only by its own
					flushes */
		if (C.model == M_WEAK && mem_get(X.s->view[X.ag], off, size) != cand[0])
			cand[nc++] = mem_get(X.s->view[X.ag], off, size);
	}
	if (X.choice >= nc) {
		X.nochoice = 1;
		longjmp(X.jb, 1);
	}
	if (cand[X.choice] > 255) {
		X.overflow = 1; /* a value beyond what a load answer records */
		longjmp(X.jb, 1);
	}
	a->ev[idx] = (uint8_t)cand[X.choice];
	/* coherence: later loads of this address never see an older value than this one */
	if (C.model == M_WEAK)
		mem_put(X.s->view[X.ag], off, size, cand[X.choice]);
	lg(" load %s=%u (%s)%s%s", addr_name(off, nb, sizeof(nb)), cand[X.choice],
	   nc == 1 && cand[0] != mem_get(X.s->mem, off, size) ? "own buffer"
	   : X.choice					      ? "stale: passed an earlier load"
							      : "memory",
	   X.log && site_label(file, line, 0, lb, sizeof(lb))[0] ? " " : "", lb);
	ev_end();
	return 0;
}

void vx_store(volatile void *p, unsigned int size, uint64_t v, const char *file, int line)
{
	struct agent *a;
	unsigned int off;
	char nb[40], lb[32] = "";

	if (!X.on || !ring_off(p, size, &off)) {
		memcpy((void *)p, &v, size);
		return;
	}
	if (!ev_begin())
		return;
	if (X.choice) {
		X.nochoice = 1;
		longjmp(X.jb, 1);
	}
	a = &X.s->ag[X.ag];
	if (writer_of(off) >= 0 && writer_of(off) != X.ag) {
		X.breach = 1;
		longjmp(X.jb, 1);
	}
	if (a->sbn >= SBMAX) {
		X.overflow = 1;
		longjmp(X.jb, 1);
	}
	a->sb[a->sbn++] = (struct sb_ent){ .off = (uint16_t)off, .size = (uint8_t)size, .val = (uint32_t)v };
	X.local = 1; /* only the own buffer changes: commutes with every step of the peer and every
			flush */
	lg(" store %s=%u -> %c buffer%s%s", addr_name(off, nb, sizeof(nb)), (unsigned int)(uint32_t)v,
	   X.ag == AG_N ? 'N' : 'S', X.log && site_label(file, line, 0, lb, sizeof(lb))[0] ? " " : "", lb);
	ev_end();
}

void vx_fence(int kind, const char *file, int line)
{
	struct agent *a;
	const char *label;

	if (!X.on)
		return;
	if (!ev_begin())
		return;
	if (X.choice) {
		X.nochoice = 1;
		longjmp(X.jb, 1);
	}
	a = &X.s->ag[X.ag];
	label = fence_label(file, line);
	if (C.drop && !strcmp(C.drop, label)) {
		lg(" %s dropped (--drop): no effect", label);
		X.local = 1;
		ev_end();
	}
	if (kind == VX_ASYM && !C.asym_as_mb) {
		/* membarrier(): a full barrier on the peer's CPU too, at this point of its program */
		lg(" %s = membarrier: drain N buffer (%u stores) and S buffer (%u stores)", label, X.s->ag[AG_N].sbn,
		   X.s->ag[AG_S].sbn);
		drain_all(X.s, AG_N);
		drain_all(X.s, AG_S);
		if (C.model == M_WEAK) {
			memcpy(X.s->view[AG_N], X.s->mem, RING_BYTES);
			memcpy(X.s->view[AG_S], X.s->mem, RING_BYTES);
		}
	} else if (kind == VX_MB || kind == VX_ASYM) {
		lg(" %s = mb%s: drain %c buffer (%u stores)", label, kind == VX_ASYM ? " (--asym-as-mb)" : "",
		   X.ag == AG_N ? 'N' : 'S', a->sbn);
		drain_all(X.s, X.ag);
		if (C.model == M_WEAK)
			memcpy(X.s->view[X.ag], X.s->mem, RING_BYTES);
	} else if (C.model == M_TSO) {
		lg(" %s = %s: no effect on TSO", label, kind == VX_WMB ? "wmb" : "rmb");
		X.local = 1;
	} else if (kind == VX_WMB) {
		if (a->sbn && a->sb[a->sbn - 1].size) {
			if (a->sbn >= SBMAX) {
				X.overflow = 1;
				longjmp(X.jb, 1);
			}
			a->sb[a->sbn++] = (struct sb_ent){ 0 };
		}
		lg(" %s = wmb: earlier stores leave %c buffer first", label, X.ag == AG_N ? 'N' : 'S');
		X.local = 1;
	} else {
		memcpy(X.s->view[X.ag], X.s->mem, RING_BYTES);
		lg(" %s = rmb: later loads see at least memory as of now", label);
	}
	ev_end();
}

/* A doorbell/interrupt: the transport orders everything before it (§1.4), then it is in flight. */
static void vx_notify(int to)
{
	if (!ev_begin())
		return;
	if (X.choice) {
		X.nochoice = 1;
		longjmp(X.jb, 1);
	}
	drain_all(X.s, X.ag);
	if (C.model == M_WEAK)
		memcpy(X.s->view[X.ag], X.s->mem, RING_BYTES);
	X.s->ag[to].inflight++;
	lg(" notify(%c): the transport drains %c buffer; in flight", to == AG_N ? 'N' : 'S', X.ag == AG_N ? 'N' : 'S');
	ev_end();
}

/*
 * libvbus's eventfds (link scenarios). read: the doorbells in flight to the reader are taken all
 * at once (eventfd counter semantics); with none in flight the reader falls asleep (one step that
 * only marks it) and has no step until a doorbell arrives. write: a doorbell to the peer.
 */
ssize_t vx_efd_read(int fd, void *buf, size_t n)
{
	struct agent *a;
	unsigned int idx;
	uint64_t cnt;

	if (!X.on || fd != VX_EFD_S_RX || n < sizeof(cnt)) {
		errno = EBADF;
		return -1;
	}
	a = &X.s->ag[X.ag];
	idx = X.n;
	if (!ev_begin()) {
		cnt = a->ev[idx];
		memcpy(buf, &cnt, sizeof(cnt));
		return sizeof(cnt);
	}
	if (X.choice) {
		X.nochoice = 1;
		longjmp(X.jb, 1);
	}
	if (!a->inflight) {
		if (a->blocked) {
			X.nochoice = 1; /* asleep: no step until a doorbell is in flight */
			longjmp(X.jb, 1);
		}
		a->blocked = 1;
		X.local = 1;
		lg(" read(eventfd): nothing in flight, %c sleeps", X.ag == AG_N ? 'N' : 'S');
		longjmp(X.jb, 1);
	}
	a->ev[idx] = a->inflight;
	lg(" read(eventfd)=%u: %c takes the doorbell(s) in flight", a->inflight, X.ag == AG_N ? 'N' : 'S');
	a->inflight = 0;
	a->blocked = 0;
	ev_end();
	return 0;
}

ssize_t vx_efd_write(int fd, const void *buf, size_t n)
{
	(void)buf;
	if (!X.on || fd != VX_EFD_S_TX) {
		errno = EBADF;
		return -1;
	}
	vx_notify(AG_N);
	return (ssize_t)n;
}

/* ------------------------------------------------------------------ the scripts */

static struct agent *W; /* the working copy of the running agent */

static int pop_cb(void *arg, const struct ioq_desc_info *d, u32 *used)
{
	(void)arg;
	*used = 4; /* fewer than the 8 offered: a write-back north must see (IOQ-12) */
	if (d->offset != (u64)W->count + 1 || d->len != 8)
		W->bad = 1; /* read before its contents were visible (north writes offset = item number) */
	if (W->count >= C.depth)
		W->dup = 1;
	W->count++;
	return 0;
}

static void reclaim_cb(void *arg, const struct ioq_desc_info *d)
{
	(void)arg;
	if (C.sc == SC_OOO) {
		/* any order, each pushed cookie exactly once, with the length south wrote into used[] */
		if (d->cookie < 1 || d->cookie > W->count || (W->got & (1u << (d->cookie - 1))) || d->len != 4 ||
		    d->offset != d->cookie)
			W->bad = 1;
		else
			W->got |= 1u << (d->cookie - 1);
		W->done2++;
		return;
	}
	if (d->cookie != (u64)W->done2 + 1 || d->len != 4)
		W->bad = 1; /* the completion's length read before south wrote it back */
	W->done2++;
}

/*
 * OOO south (§2.12): take everything available (in ring order: the same
 * contents checks as pop_cb), then complete the batch in reverse order with
 * one ioq_complete (used[] entries, WMB-COMPLETE, one south.index store).
 */
static int take_all_and_complete_reversed(void)
{
	struct ioq_desc_info d[RING_COUNT], c[RING_COUNT];
	int n = 0, got = 0;

	while (got < (int)RING_COUNT && (n = ioq_take(&W->q, d + got, RING_COUNT - got)) > 0) {
		for (int i = got; i < got + n; i++) {
			u32 used;

			if (pop_cb(NULL, &d[i], &used))
				W->bad = 1;
			d[i].len = used;
			d[i].flags = 0;
		}
		got += n;
	}
	if (got < (int)RING_COUNT && n < 0 && n != -EAGAIN)
		W->bad = 1; /* the core found the ring broken (a bad or duplicate id) */
	for (int i = 0; i < got; i++)
		c[i] = d[got - 1 - i];
	if (got && ioq_complete(&W->q, c, got) != got)
		W->bad = 1;
	return got;
}
static int pop_all_and_complete(void)
{
	int n, got = 0;

	while ((n = ioq_pop(&W->q, RING_COUNT, pop_cb, NULL, NULL)) > 0)
		got += n;
	if (n < 0 && n != -EAGAIN)
		W->bad = 1; /* the core found the ring broken */
	if (got && C.sc == SC_BOTH && ioq_kick(&W->q) == SHM_SIGNAL_NOTIFY)
		vx_notify(AG_N);
	return got;
}

static void south_handler(void *arg)
{
	(void)arg;
	if (C.sc == SC_OOO) {
		take_all_and_complete_reversed();
		return;
	}
	pop_all_and_complete();
	if (C.sc == SC_EVIDX || C.sc == SC_LOWER) /* §2.7 IOQ-11: re-arm for 1, drain again while ready */
		while (ioq_arm(&W->q, 1) == IOQ_READY)
			pop_all_and_complete();
}

static void north_handler(void *arg)
{
	int n;

	(void)arg;
	while ((n = ioq_reclaim(&W->q, RING_COUNT, reclaim_cb, NULL, NULL)) > 0)
		;
	if (n < 0 && n != -EAGAIN)
		W->bad = 1;
}

/* libvbus's receive callback (link scenarios): the same checks as pop_cb. */
static uint32_t link_rx(void *arg, const void *data, uint32_t len, uint64_t cookie)
{
	(void)arg;
	(void)cookie; /* north's own (v2: south never reads the cookie table) */
	if ((const uint8_t *)data - ring_buf != (long)W->count + 1 || len != 8)
		W->bad = 1;
	if (W->count >= C.depth)
		W->dup = 1;
	W->count++;
	return 4;
}

/* Run @op on the working copy; its result. */
static int run_op(int ag, int op)
{
	struct ioq_desc_info d;
	int r = 0;

	(void)ag;
	switch (op) {
	case OP_N_PUSHKICK:
		if (C.sc == SC_BOTH)
			north_handler(NULL); /* reclaim by polling first, as a sender does before
						pushing */
		d = (struct ioq_desc_info){
			.cookie = (u64)W->count + 1, .offset = (u64)W->count + 1, .len = 8, .flags = 0
		};
		if (IS_LINK(C.sc)) { /* libvbus's north: the fused push (vbus_core.h), as vbus_link_send */
			ioq_push_desc(&W->q, 0, d.offset, d.len, d.flags, d.cookie);
			if (ioq_push_publish(&W->q, 1) != 1)
				W->bad = 1;
		} else if (ioq_push(&W->q, &d, 1) != 1) {
			W->bad = 1;
		}
		r = ioq_kick(&W->q);
		if (r == SHM_SIGNAL_NOTIFY)
			vx_notify(AG_S);
		W->count++;
		break;
	case OP_N_ENABLE:
	case OP_S_ENABLE:
		r = shm_signal_enable(&W->q.sig);
		break;
	case OP_N_WAKEUP:
		r = shm_signal_wakeup(&W->q.sig, north_handler, NULL, 0, NULL);
		break;
	case OP_S_WAKEUP:
		r = shm_signal_wakeup(&W->q.sig, south_handler, NULL, 0, NULL);
		break;
	case OP_S_DISABLE:
		r = shm_signal_disable(&W->q.sig);
		break;
	case OP_S_POLL:
		south_handler(NULL);
		break;
	case OP_S_ARM1:
		/* lower the threshold to 1; while entries are ready, consume and re-arm (IOQ-11) */
		while ((r = ioq_arm(&W->q, 1)) == IOQ_READY)
			pop_all_and_complete();
		break;
	case OP_N_POLL:
		north_handler(NULL);
		break;
	case OP_S_RECV:
		r = vx_link_recv_block(W->link, link_rx);
		if (r < 0)
			W->bad = 1; /* libvbus found the ring broken */
		break;
	}
	return r;
}

/*
 * The script: which calls may start now (@ops, returns how many). Phases:
 * north 0 pushing, 1 enable (both), 2 idle/serving; south 0 enable, 1 idle,
 * 2 polling (after disable), 3 idle after the cycle.
 */
static int next_ops(const struct xstate *s, int ag, int *ops)
{
	const struct agent *a = &s->ag[ag];
	int n = 0;

	if (ag == AG_N) {
		if (a->phase == 0)
			ops[n++] = OP_N_PUSHKICK;
		else if (a->phase == 1)
			ops[n++] = OP_N_ENABLE;
		else if (a->phase == 4)
			ops[n++] = OP_N_POLL;
		else if (a->inflight)
			ops[n++] = OP_N_WAKEUP;
		return n;
	}
	if (IS_LINK(C.sc)) {
		ops[n++] = OP_S_RECV; /* a receiver loop: recv again as soon as recv returns */
		return n;
	}
	switch (a->phase) {
	case 0:
		ops[n++] = OP_S_ENABLE;
		break;
	case 1:
	case 3:
		if (a->inflight)
			ops[n++] = OP_S_WAKEUP;
		if (a->phase == 1 && (C.sc == SC_PLAIN || C.sc == SC_EVIDX))
			ops[n++] = OP_S_DISABLE;
		if (a->phase == 1 && C.sc == SC_LOWER)
			ops[n++] = OP_S_ARM1;
		break;
	case 2:
		ops[n++] = OP_S_POLL;
		break;
	}
	return n;
}

/* After a call returned @r: the script moves on (may queue a wakeup the call asked for). */
static void after_op(struct agent *a, int ag, int op, int r)
{
	(void)r;
	a->op = OP_NONE;
	switch (op) {
	case OP_N_PUSHKICK:
		if (a->count == C.depth)
			a->phase = C.sc == SC_BOTH ? 1 : C.sc == SC_RECLAIM || C.sc == SC_OOO ? 4 : 3;
		break;
	case OP_N_POLL: /* poll again until every completion is back */
		a->phase = a->done2 == C.depth ? 3 : 4;
		break;
	case OP_N_ENABLE:
		a->phase = 2;
		if (r == SHM_SIGNAL_SELF)
			a->op = OP_N_WAKEUP; /* SIG-4: the caller MUST run wakeup */
		break;
	case OP_S_ENABLE:
		a->phase = a->phase == 0 ? 1 : 3;
		if (r == SHM_SIGNAL_SELF)
			a->op = OP_S_WAKEUP;
		break;
	case OP_S_DISABLE:
		a->phase = 2;
		break;
	case OP_S_POLL:
		a->op = OP_S_ENABLE;
		break;
	case OP_S_ARM1:
		a->phase = 3;
		break;
	default:
		break;
	}
	(void)ag;
}

/* ------------------------------------------------------------------ one transition */

static const char *opn(int op)
{
	return C.sc == SC_OOO && op == OP_S_WAKEUP ? "wakeup(take+complete)" : op_name[op];
}

/* OOO scenario: point the working copy's core state at its own tracking memory (or, @on 0, nowhere). */
static void ooo_bind(struct agent *a, int on)
{
	if (C.sc != SC_OOO)
		return;
	a->q.ooo = on ? (struct ioq_ooo_slot *)a->track : NULL;
	a->q.ooo_free = on ? (u16 *)((struct ioq_ooo_slot *)a->track + RING_COUNT) : NULL;
}

enum { A_N_STEP, A_N_FLUSH, A_S_STEP, A_S_FLUSH };

/*
 * Apply action @act with @choice to *s. Returns 1 taken, 0 not enabled / no such choice, -1 on
 * an overflow (raise MAXEV/SBMAX).
 */
static int apply(struct xstate *s, int act, int choice)
{
	int ag = act >= A_S_STEP ? AG_S : AG_N;
	struct agent *a = &s->ag[ag];

	if (act == A_N_FLUSH || act == A_S_FLUSH) {
		char nb[40];
		int seen = 0;

		for (int i = 0; i < a->sbn; i++)
			if (flushable(s, ag, i) && seen++ == choice) {
				lg("flush %s=%u from %c buffer to memory", addr_name(a->sb[i].off, nb, sizeof(nb)),
				   a->sb[i].val, ag == AG_N ? 'N' : 'S');
				flush_entry(s, ag, i);
				return 1;
			}
		return 0;
	}
	if (a->op == OP_NONE) {
		int ops[4], n = next_ops(s, ag, ops);

		X.local = 0;
		if (choice >= n)
			return 0;
		a->op = (uint8_t)ops[choice];
		a->k = 0;
		if ((ops[choice] == OP_S_WAKEUP && (a->phase == 1 || a->phase == 3)) || ops[choice] == OP_N_WAKEUP) {
			a->inflight--;
			lg("a doorbell arrives: run %s", opn(ops[choice]));
		} else {
			lg("calls %s", opn(ops[choice]));
		}
		/* a script position with one fixed next call (no doorbell choice) is local */
		X.local = n == 1 && !(ag == AG_N ? a->phase == 2 : a->phase == 1 || a->phase == 3);
		return 1;
	}
	/* re-execute the current call from its start */
	struct agent work;

	memcpy(&work, a, sizeof(work));
	ooo_bind(&work, 1);
	W = &work;
	X.s = s;
	X.ag = ag;
	X.n = 0;
	X.choice = choice;
	X.nochoice = 0;
	X.overflow = 0;
	X.breach = 0;
	X.local = 0;
	X.on = 1;
	if (setjmp(X.jb)) {
		X.on = 0;
		if (X.overflow)
			return -1;
		if (X.breach)
			return -2;
		return X.nochoice ? 0 : 1; /* the live event changed s (a->k, a->ev, buffers, memory) */
	}
	lg("%s:", opn(a->op));
	int r = run_op(ag, a->op);

	X.on = 0;
	if (choice)
		return 0;
	/* the call returned: its private state and script effects become the agent's */
	int op = a->op;

	work.k = 0;
	memset(work.ev, 0, sizeof(work.ev));
	/* the working copy's buffer/inflight fields are stale: keep the live ones */
	work.sbn = a->sbn;
	memcpy(work.sb, a->sb, sizeof(work.sb));
	work.inflight = a->inflight;
	work.blocked = 0;
	ooo_bind(&work, 0); /* a stored state holds no pointer into itself */
	memcpy(a, &work, sizeof(*a));
	after_op(a, ag, op, r);
	lg(" returns %d", r);
	X.local = 1; /* the agent's own fields only (its buffer and doorbell count are kept as they
			are) */
	return 1;
}

/* ------------------------------------------------------------------ checks */

static int quiescent(const struct xstate *s)
{
	const struct agent *n = &s->ag[AG_N], *so = &s->ag[AG_S];

	if (IS_LINK(C.sc)) /* south asleep in libvbus's read(eventfd), north done */
		return !n->op && !n->sbn && !n->inflight && n->phase == 3 && so->op == OP_S_RECV && so->blocked &&
		       !so->inflight && !so->sbn;
	if (n->op != OP_NONE || so->op != OP_NONE || n->sbn || so->sbn || n->inflight || so->inflight)
		return 0;
	if (n->phase != (C.sc == SC_BOTH ? 2 : 3))
		return 0;
	if (so->phase != ((C.sc == SC_PLAIN || C.sc == SC_EVIDX || C.sc == SC_LOWER) ? 3 : 1))
		return 0;
	return 1;
}

static int check(const struct xstate *s, char *why, size_t len)
{
	const struct agent *n = &s->ag[AG_N], *so = &s->ag[AG_S];
	unsigned int se = offsetof(struct vbus_ioq_ring, signal.irq[VBUS_SOUTH].enabled);
	unsigned int sp = offsetof(struct vbus_ioq_ring, signal.irq[VBUS_SOUTH].pending);
	unsigned int ne = offsetof(struct vbus_ioq_ring, signal.irq[VBUS_NORTH].enabled);
	unsigned int np = offsetof(struct vbus_ioq_ring, signal.irq[VBUS_NORTH].pending);

	why[0] = 0;
	if (so->dup)
		snprintf(why, len, "duplicated ring entry: an item was consumed twice");
	else if (so->bad || n->bad)
		snprintf(why, len,
			 "lost ring entry: %s read a descriptor before its contents, or found the "
			 "ring broken",
			 so->bad ? "south" : "north");
	else if (s->mem[se] && so->count < C.depth)
		snprintf(why, len,
			 "lost wakeup: irq[S].enabled=1, %u item(s) unconsumed, no notification in "
			 "flight, "
			 "nobody will wake south",
			 C.depth - so->count);
	else if (C.sc == SC_BOTH && s->mem[ne] && n->done2 < C.depth)
		snprintf(why, len,
			 "lost wakeup: irq[N].enabled=1, %u completion(s) unreclaimed, no "
			 "interrupt in flight",
			 C.depth - n->done2);
	else if (s->mem[se] && s->mem[sp])
		snprintf(why, len, "stranded pending: irq[S].enabled=1 and irq[S].pending=1 at rest");
	else if (C.sc == SC_BOTH && s->mem[ne] && s->mem[np])
		snprintf(why, len, "stranded pending: irq[N].enabled=1 and irq[N].pending=1 at rest");
	return why[0] != 0;
}

/* ------------------------------------------------------------------ search */

struct vis {
	uint64_t *h1, *h2; /* 128-bit state hashes, open addressing (h1 == 0: empty) */
	uint32_t *id;
	uint64_t mask;
};

static void hash128(const void *p, size_t n, uint64_t *a, uint64_t *b)
{
	const uint8_t *q = p;
	uint64_t h = 0x9e3779b97f4a7c15ull, g = 0xc2b2ae3d27d4eb4full;

	for (size_t i = 0; i + 8 <= n; i += 8) {
		uint64_t w;

		memcpy(&w, q + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
		g = (g ^ w ^ (g >> 29)) * 0x9fb21c651e98df25ull;
	}
	for (size_t i = n & ~(size_t)7; i < n; i++) {
		h = (h ^ q[i]) * 0xff51afd7ed558ccdull;
		g = (g ^ q[i]) * 0x9fb21c651e98df25ull;
	}
	*a = (h ^ (h >> 29)) | 1;
	*b = g ^ (g >> 31);
}

static int vis_grow(struct vis *V, uint64_t n)
{
	uint64_t nsz = (V->mask + 1) * 2;
	uint64_t *h1 = calloc(nsz, 8), *h2 = calloc(nsz, 8);
	uint32_t *id = calloc(nsz, 4);

	if (!h1 || !h2 || !id)
		return -ENOMEM;
	for (uint64_t i = 0; i <= V->mask; i++)
		if (V->h1[i]) {
			uint64_t j = V->h1[i] & (nsz - 1);

			while (h1[j])
				j = (j + 1) & (nsz - 1);
			h1[j] = V->h1[i];
			h2[j] = V->h2[i];
			id[j] = V->id[i];
		}
	free(V->h1);
	free(V->h2);
	free(V->id);
	V->h1 = h1;
	V->h2 = h2;
	V->id = id;
	V->mask = nsz - 1;
	(void)n;
	return 0;
}

/* 1 new (id assigned), 0 known, <0 error */
static int vis_add(struct vis *V, const struct xstate *s, uint32_t id, uint64_t n)
{
	uint64_t a, b, j;

	hash128(s, SSZ, &a, &b);
	for (j = a & V->mask; V->h1[j]; j = (j + 1) & V->mask)
		if (V->h1[j] == a && V->h2[j] == b)
			return 0;
	V->h1[j] = a;
	V->h2[j] = b;
	V->id[j] = id;
	if (n * 2 > V->mask && vis_grow(V, n))
		return -ENOMEM;
	return 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void vx_asym_unused(void)
{
	fprintf(stderr, "vbus-explore-core: the core called the asym_mb hook instead of vbus_asym_mb\n");
	abort();
}

static void init_state(struct xstate *s)
{
	struct ioq qn, qs;
	int ooo = C.sc == SC_OOO;
	u16 fl = ooo										? VBUS_IOQ_F_OOO
		 : C.sc == SC_PLAIN || C.sc == SC_BOTH || C.sc == SC_LINK || C.sc == SC_RECLAIM ? 0
												: VBUS_IOQ_F_EVENT_IDX;
	/* SIG-14: the hook is never called here (the shim's vbus_asym_mb is the explorer's event) */
	struct ioq_offer on = { .track = s->ag[AG_N].track,
				.track_bytes = sizeof(s->ag[AG_N].track),
				.asym_mb = C.asym ? vx_asym_unused : NULL };
	struct ioq_offer os = { .track = ooo ? s->ag[AG_S].track : NULL,
				.track_bytes = sizeof(s->ag[AG_S].track),
				.asym_mb = C.asym ? vx_asym_unused : NULL };

	memset(s, 0, sizeof(*s));
	memset(ring_buf, 0, sizeof(ring_buf));
	X.on = 0;
	/* OOO: the tracking memory is each agent's own (part of the state), see ooo_bind */
	if (ioq_north_init_offer(&qn, (struct vbus_ioq_ring *)ring_buf, RING_COUNT,
				 fl | (C.asym ? VBUS_IOQ_F_ASYM_MB : 0), 0, RING_BYTES, &on) ||
	    ioq_south_attach_offer(&qs, ring_buf, RING_BYTES, 0, &os)) {
		fprintf(stderr, "vbus-explore-core: ring setup failed\n");
		exit(2);
	}
	if (C.sc == SC_LOWER && ioq_arm(&qs, 2) != IOQ_ARMED) { /* a previous arm asked for 2 entries */
		fprintf(stderr, "vbus-explore-core: initial arm failed\n");
		exit(2);
	}
	memcpy(&s->ag[AG_N].q, &qn, sizeof(qn));
	memcpy(&s->ag[AG_S].q, &qs, sizeof(qs));
	ooo_bind(&s->ag[AG_N], 0);
	ooo_bind(&s->ag[AG_S], 0);
	if (IS_LINK(C.sc) && vx_link_init(s->ag[AG_S].link, sizeof(s->ag[AG_S].link), &qs, ring_buf, RING_BYTES)) {
		fprintf(stderr, "vbus-explore-core: struct vbus_link does not fit VX_LINK_MAX\n");
		exit(2);
	}
	memcpy(s->mem, ring_buf, RING_BYTES);
	memcpy(s->view[0], ring_buf, RING_BYTES);
	memcpy(s->view[1], ring_buf, RING_BYTES);
	if (C.model == M_TSO)
		memset(s->view, 0, sizeof(s->view)); /* unused: keep them out of the state */
}

static void print_mem(FILE *f, const struct xstate *s)
{
	const struct vbus_ioq_ring *r = (const void *)s->mem;
	char nb[40];

	fprintf(f,
		"        memory: irq[N]=%u%u%u irq[S]=%u%u%u north.index=%u south.index=%u "
		"north.event=%u "
		"south.event=%u",
		r->signal.irq[0].enabled, r->signal.irq[0].pending, r->signal.irq[0].dirty, r->signal.irq[1].enabled,
		r->signal.irq[1].pending, r->signal.irq[1].dirty, r->north.index, r->south.index, r->north.event,
		r->south.event);
	for (int ag = 0; ag < 2; ag++) {
		const struct agent *a = &s->ag[ag];

		fprintf(f, " | %c buffer [", ag == AG_N ? 'N' : 'S');
		for (int i = 0; i < a->sbn; i++)
			if (a->sb[i].size)
				fprintf(f, "%s%s=%u", i ? ", " : "", addr_name(a->sb[i].off, nb, sizeof(nb)),
					a->sb[i].val);
			else
				fprintf(f, "%swmb", i ? ", " : "");
		fprintf(f, "]");
	}
	fprintf(f, " | in flight to N %u, to S %u\n", s->ag[AG_N].inflight, s->ag[AG_S].inflight);
}

static void counterexample(FILE *f, const struct xstate *init, const uint32_t *parent, const uint16_t *act, uint32_t id,
			   const char *why)
{
	uint32_t len = 0, k;
	uint16_t *path;

	for (uint32_t i = id; i; i = parent[i])
		len++;
	path = malloc((len + 1) * sizeof(*path));
	if (!path)
		return;
	k = len;
	for (uint32_t i = id; i; i = parent[i])
		path[--k] = act[i];
	fprintf(f,
		"counterexample (production core, scenario %s, %s memory model%s%s, depth %d): %u "
		"steps from the "
		"initial state, none shorter\n"
		"(one shared-memory event of a real kernel/core call per step, re-executed from "
		"the call's start; a "
		"store goes to its side's store buffer until a flush step or mb;\n"
		" the memory line is printed after each step that changed memory, a buffer or the "
		"doorbells)\n",
		sc_name[C.sc], C.model == M_TSO ? "x86-TSO" : "weak (arm64-like)", C.drop ? ", dropped " : "",
		C.drop ? C.drop : "", C.depth, len);
	struct xstate *s = malloc(sizeof(*s)), *prev = malloc(sizeof(*s));

	if (!s || !prev) {
		free(path);
		free(s);
		free(prev);
		return;
	}
	memcpy(s, init, sizeof(*s));
	print_mem(f, s);
	X.log = f;
	for (uint32_t i = 0; i < len; i++) {
		int a = path[i] >> 8, c = path[i] & 255;

		fprintf(f, "  %3u  %c  ", i + 1, a >= A_S_STEP ? 'S' : 'N');
		memcpy(prev, s, sizeof(*s));
		apply(s, a, c);
		fputc('\n', f);
		if (memcmp(prev->mem, s->mem, sizeof(s->mem)) || prev->ag[0].sbn != s->ag[0].sbn ||
		    prev->ag[1].sbn != s->ag[1].sbn || memcmp(prev->ag[0].sb, s->ag[0].sb, sizeof(s->ag[0].sb)) ||
		    memcmp(prev->ag[1].sb, s->ag[1].sb, sizeof(s->ag[1].sb)) ||
		    prev->ag[0].inflight != s->ag[0].inflight || prev->ag[1].inflight != s->ag[1].inflight)
			print_mem(f, s);
	}
	X.log = NULL;
	fprintf(f, "quiescent: %s, both store buffers empty, nothing in flight\n",
		IS_LINK(C.sc) ? "north done, south asleep in libvbus's read(eventfd)" : "both sides done");
	fprintf(f, "VIOLATION: %s\n", why);
	free(path);
	free(s);
	free(prev);
}

struct result {
	uint64_t states, transitions, quiescent, violations;
	double seconds;
};

static int explore(struct result *res, FILE *cex)
{
	struct vis V = { 0 };
	struct xstate init;
	uint8_t *cur = NULL, *nxt = NULL;
	uint64_t ncur = 0, nnxt = 0, capn = 0, n = 0, capid = 1u << 16;
	uint32_t *parent = NULL, *curid = NULL, *nxtid = NULL;
	uint16_t *act = NULL;
	int rc = 0, printed = 0;
	char why[256];
	double t0 = now_s();

	memset(res, 0, sizeof(*res));
	init_state(&init);
	V.mask = (1u << 16) - 1;
	V.h1 = calloc(V.mask + 1, 8);
	V.h2 = calloc(V.mask + 1, 8);
	V.id = calloc(V.mask + 1, 4);
	parent = malloc(capid * sizeof(*parent));
	act = malloc(capid * sizeof(*act));
	SSZ = C.model == M_TSO ? offsetof(struct xstate, view) : sizeof(struct xstate);
	cur = malloc(SSZ);
	curid = malloc(sizeof(*curid));
	if (!V.h1 || !V.h2 || !V.id || !parent || !act || !cur || !curid) {
		rc = -ENOMEM;
		goto out;
	}
	vis_add(&V, &init, 0, 1);
	parent[0] = 0;
	act[0] = 0;
	n = 1;
	memcpy(cur, &init, SSZ);
	curid[0] = 0;
	ncur = 1;
	while (ncur) {
		nnxt = 0;
		for (uint64_t i = 0; i < ncur; i++) {
			/*
			 * Partial-order reduction: a step that only touches its own agent (a store
			 * into its buffer, a fence with no effect, a call returning) commutes with
			 * everything else and stays enabled, so it alone is expanded (a persistent
			 * set; the graph is acyclic and the checked quiescent states are terminal,
			 * so all of them are kept).
			 */
			int only = -1, succ = 0;

			for (int a = A_N_STEP; a <= A_S_STEP && only < 0 && !C.no_por; a += 2) {
				struct xstate t;

				memcpy(&t, cur + i * SSZ, SSZ);
				if (apply(&t, a, 0) == 1 && X.local)
					only = a;
			}
			for (int a = A_N_STEP; a <= A_S_FLUSH; a++) {
				if (only >= 0 && a != only)
					continue;
				for (int c = 0; c < 16; c++) {
					struct xstate s;

					memcpy(&s, cur + i * SSZ, SSZ);
					int took = apply(&s, a, c);

					if (took < 0) {
						rc = took == -2 ? -EPERM : -EOVERFLOW;
						goto out;
					}
					if (!took)
						break; /* choices are dense: 0..n-1 */
					succ++;
					res->transitions++;
					int added = vis_add(&V, &s, (uint32_t)n, n + 1);

					if (added < 0) {
						rc = added;
						goto out;
					}
					if (!added)
						continue;
					if (n == capid) {
						capid *= 2;
						uint32_t *np = realloc(parent, capid * sizeof(*np));
						uint16_t *na = realloc(act, capid * sizeof(*na));

						if (np)
							parent = np;
						if (na)
							act = na;
						if (!np || !na) {
							rc = -ENOMEM;
							goto out;
						}
					}
					parent[n] = curid[i];
					act[n] = (uint16_t)(a << 8 | c);
					if (nnxt == capn) {
						capn = capn ? capn * 2 : 1024;
						uint8_t *nn = realloc(nxt, capn * SSZ);
						uint32_t *ni = realloc(nxtid, capn * sizeof(*ni));

						if (nn)
							nxt = nn;
						if (ni)
							nxtid = ni;
						if (!nn || !ni) {
							rc = -ENOMEM;
							goto out;
						}
					}
					memcpy(nxt + nnxt * SSZ, &s, SSZ);
					nxtid[nnxt++] = (uint32_t)n;
					n++;
					if (C.max_states && n > C.max_states) {
						rc = -E2BIG;
						goto out;
					}
					if (!quiescent(&s))
						continue;
					res->quiescent++;
					if (check(&s, why, sizeof(why))) {
						res->violations++;
						if (cex && !printed) {
							counterexample(cex, &init, parent, act, (uint32_t)(n - 1), why);
							printed = 1;
						}
					}
				}
			}
			if (!succ && !quiescent((const struct xstate *)(cur + i * SSZ))) {
				/* nobody can move and the scripts are not at rest: a script error */
				res->violations++;
				if (cex && !printed) {
					counterexample(cex, &init, parent, act, curid[i],
						       "stuck: no step is possible, yet the scripts are "
						       "not at rest (an explorer script error)");
					printed = 1;
				}
			}
		}
		free(cur);
		free(curid);
		cur = nxt;
		curid = nxtid;
		ncur = nnxt;
		nxt = NULL;
		nxtid = NULL;
		capn = 0;
	}
out:
	res->states = n;
	res->seconds = now_s() - t0;
	free(V.h1);
	free(V.h2);
	free(V.id);
	free(parent);
	free(act);
	free(cur);
	free(curid);
	free(nxt);
	free(nxtid);
	return rc;
}

/* ------------------------------------------------------------------ CLI */

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [--scenario plain|evidx|lower|both|link|link-evidx|reclaim|ooo]\n"
		"       [--depth 1..%d]"
		" [--model tso|weak] [--drop LABEL] [--asym | --asym-as-mb] [--max-states N] [--no-reduction] "
		"[--quiet] [--json]\n"
		"Explore every interleaving and store-buffer flush order of the production "
		"kernel/core functions.\n"
		"  --scenario  (default plain)\n",
		prog, MAX_DEPTH);
	for (int i = 0; i < SC_COUNT; i++)
		fprintf(f, "      %-10s %s\n", sc_name[i], sc_doc[i]);
	fprintf(f, "  --depth     north's push+kick calls (default 2)\n"
		   "  --model     tso (x86-TSO, default) or weak (stores and loads reorder unless "
		   "wmb/rmb/mb)\n"
		   "  --drop      make every fence carrying LABEL (e.g. MB-CLEAR, WMB-DESC, "
		   "RMB-INDEX) a no-op\n"
		   "  --asym      the ring carries VBUS_IOQ_F_ASYM_MB (SIG-14): a sender that reads the\n"
		   "              receiver disabled skips its fences; the receiver's MB-ENABLE is membarrier()\n"
		   "              (a full barrier on both agents at once)\n"
		   "  --asym-as-mb as --asym, but that membarrier() drains only the receiver's own buffer\n"
		   "              (a plain mb: shows that the sender's skip needs the remote barrier)\n"
		   "  --max-states give up beyond N states (default 20000000)\n"
		   "  --no-reduction expand every step (no partial-order reduction; for "
		   "cross-checking)\n"
		   "  --json      one JSON object on stdout: \"config\" and the figures (states, "
		   "transitions,\n"
		   "              quiescent, violations, seconds, explorer_states_per_s); a counterexample "
		   "goes to stderr\n"
		   "Exit: 0 no violation, 3 violation (minimal counterexample printed: a "
		   "documented extension),\n"
		   "      1 the search failed (a limit), 2 usage error.\n");
}

/*
 * The whole command line (vbus-explore-core's main and `vbus-model explore --impl core` both call
 * this; @prog names the command in messages). Exit 0, 3 violation, 1 search failed, 2 usage.
 */
int vbus_explore_core_main(const char *prog, int argc, char **argv)
{
	static const struct option lo[] = { { "scenario", required_argument, 0, 's' },
					    { "depth", required_argument, 0, 'd' },
					    { "model", required_argument, 0, 'm' },
					    { "drop", required_argument, 0, 'x' },
					    { "asym", no_argument, 0, 'a' },
					    { "asym-as-mb", no_argument, 0, 'A' },
					    { "max-states", required_argument, 0, 'M' },
					    { "quiet", no_argument, 0, 'q' },
					    { "no-reduction", no_argument, 0, 'R' },
					    { "json", no_argument, 0, 'j' },
					    { "help", no_argument, 0, 'h' },
					    { 0, 0, 0, 0 } };
	struct result r;
	unsigned int depth;
	int o, rc, json = 0;

	for (int i = 1; i < argc; i++) /* --help wins, whatever else is on the line */
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout, prog);
			return VBUS_EXIT_OK;
		}
	C.depth = 2;
	C.max_states = 20000000;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":hq", lo, NULL)) != -1) {
		switch (o) {
		case 's':
			C.sc = -1;
			for (int i = 0; i < SC_COUNT; i++)
				if (!strcmp(optarg, sc_name[i]))
					C.sc = i;
			if (C.sc < 0)
				return vbus_usage_error(
					prog,
					"--scenario '%s': not plain, evidx, lower, both, link, link-evidx, reclaim or ooo",
					optarg);
			break;
		case 'd':
			if (vbus_parse_uint(prog, "--depth", optarg, 1, MAX_DEPTH, &depth))
				return VBUS_EXIT_USAGE;
			C.depth = (int)depth;
			break;
		case 'm':
			if (!strcmp(optarg, "tso"))
				C.model = M_TSO;
			else if (!strcmp(optarg, "weak"))
				C.model = M_WEAK;
			else
				return vbus_usage_error(prog, "--model '%s': not tso or weak", optarg);
			break;
		case 'x':
			C.drop = optarg;
			break;
		case 'a':
			C.asym = 1;
			break;
		case 'A':
			C.asym = 1;
			C.asym_as_mb = 1;
			break;
		case 'M':
			if (vbus_parse_u64(prog, "--max-states", optarg, 1, 4000000000ull, &C.max_states))
				return VBUS_EXIT_USAGE;
			break;
		case 'q':
			C.quiet = 1;
			break;
		case 'R':
			C.no_por = 1;
			break;
		case 'j':
			json = 1;
			break;
		default:
			return vbus_getopt_error(prog, o, argv[optind - 1], optopt);
		}
	}
	if (optind != argc)
		return vbus_usage_error(prog, "unexpected argument '%s'", argv[optind]);
	/* with --json stdout carries only the object: the counterexample goes to stderr */
	rc = explore(&r, C.quiet ? NULL : json ? stderr : stdout);
	if (rc) {
		char what[64];

		snprintf(what, sizeof(what), "search stopped after %llu states", (unsigned long long)r.states);
		return vbus_fail(prog, what,
				 rc == -E2BIG	    ? "more states than --max-states"
				 : rc == -EOVERFLOW ? "an event, buffer or value limit of the explorer was reached"
				 : rc == -EPERM	    ? "an agent stored to an address only its peer may write "
						      "(single-writer breach)"
						    : strerror(-rc));
	}
	if (json) {
		/* docs/cli.md: "config" holds every option that changes the figures; the explorer keys */
		printf("{\n  \"config\": { \"impl\": \"core\", \"scenario\": \"%s\", \"model\": \"%s\", "
		       "\"depth\": %d, \"drop\": ",
		       sc_name[C.sc], C.model == M_TSO ? "tso" : "weak", C.depth);
		if (C.drop) {
			putchar('"');
			for (const char *c = C.drop; *c; c++)
				if (*c == '"' || *c == '\\')
					printf("\\%c", *c);
				else if ((unsigned char)*c >= 0x20)
					putchar(*c);
			putchar('"');
		} else {
			printf("null");
		}
		printf(", \"max_states\": %llu, \"reduction\": %s },\n", (unsigned long long)C.max_states,
		       C.no_por ? "false" : "true");
		printf("  \"states\": %llu, \"transitions\": %llu, \"quiescent\": %llu, \"violations\": %llu,\n"
		       "  \"seconds\": %.6f, \"explorer_states_per_s\": %.1f\n}\n",
		       (unsigned long long)r.states, (unsigned long long)r.transitions, (unsigned long long)r.quiescent,
		       (unsigned long long)r.violations, r.seconds, r.seconds > 0 ? (double)r.states / r.seconds : 0.0);
		return r.violations ? 3 : VBUS_EXIT_OK;
	}
	printf("production core, scenario %s, %s, depth %d%s%s: %llu states, %llu transitions, "
	       "%llu quiescent, "
	       "%llu violations, %.2f s (%.0f states/s)\n",
	       sc_name[C.sc], C.model == M_TSO ? "x86-TSO" : "weak", C.depth, C.drop ? ", dropped " : "",
	       C.drop ? C.drop : "", (unsigned long long)r.states, (unsigned long long)r.transitions,
	       (unsigned long long)r.quiescent, (unsigned long long)r.violations, r.seconds,
	       r.seconds > 0 ? (double)r.states / r.seconds : 0.0);
	return r.violations ? 3 : VBUS_EXIT_OK;
}

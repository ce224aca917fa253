/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exhaustive interleaving explorer for shm-signal (docs/spec/01-shm-signal.md)
 * under x86-TSO (docs/spec/00-overview.md §0.2).
 *
 * Each spec line (P, I1.., E1.., W1..) is one atomic micro-step of one agent;
 * stores enter the agent's FIFO store buffer; a flush micro-step may run at
 * any time; `mb` drains the agent's own buffer; `wmb` does nothing on TSO.
 * Breadth-first search with state hashing, so the first violation found is a
 * minimal counterexample (fewest micro-steps).
 */
#ifndef VBUSMODEL_EXPLORE_H
#define VBUSMODEL_EXPLORE_H

#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The five store->load barriers of MB-1 (§1.3) and MB-ARM (§2.7); a placement is the set kept as `mb`. */
#define VM_BAR_INJECT (1u << 0)	 /* MB-INJECT (I2) */
#define VM_BAR_ENABLE (1u << 1)	 /* MB-ENABLE (E2) */
#define VM_BAR_DRAIN (1u << 2)	 /* MB-DRAIN (W2) */
#define VM_BAR_CLEAR (1u << 3)	 /* MB-CLEAR (W6) */
#define VM_BAR_ARM (1u << 4)	 /* MB-ARM (A2), event-index scenario only; the 2009 code had no event index */
#define VM_BAR_PUBLISH (1u << 5) /* MB-PUBLISH (I0), before the dirty-elision load; not on EVENT_IDX kicks */
#define VM_BAR_ALL (VM_BAR_INJECT | VM_BAR_ENABLE | VM_BAR_DRAIN | VM_BAR_CLEAR | VM_BAR_ARM | VM_BAR_PUBLISH)
#define VM_BAR_2009 VM_BAR_ARM

#define VM_EX_MAX_ITEMS 6

/* Planted bugs (vm_explore_cfg.plant): each makes one §0.4 check fire, proving the check has teeth. */
#define VM_PLANT_NONE 0
#define VM_PLANT_NO_W5 1       /* south skips W5 (never clears pending): "stranded pending" */
#define VM_PLANT_INDEX_FIRST 2 /* north stores north.index before the descriptor: "lost ring entry" */
#define VM_PLANT_MAX VM_PLANT_INDEX_FIRST

struct vm_explore_cfg {
	unsigned full_barriers; /* VM_BAR_* kept as mb; the others become wmb (the 2009 placement: 0) */
	unsigned depth;		/* north's push+inject rounds, 1..VM_EX_MAX_ITEMS */
	int south_cycle;	/* 1: south also does disable, poll drain, enable once while serving */
	int event_idx;		/* 1: VBUS_IOQ_F_EVENT_IDX: north kicks (§2.7 K1-K5), south arms with T = 1 */
	int no_rearm;		/* event_idx: south never re-arms after consuming (shows why IOQ-11 exists) */
	int lower_threshold;	/* event_idx: south starts armed for 2, then re-arms for 1 while asleep (MB-ARM) */
	int elide_evidx;	/* event_idx: kicks elide anyway (violates SIG-12; shows why EVENT_IDX is excluded) */
	unsigned plant;		/* VM_PLANT_*: a planted bug, to prove a check can fire (tests only); 0 = none */
	int asym;		/* SIG-14 (§1.3.2): north's kick never elides and, reading south disabled after its
				 * dirty store (IA), returns without a fence; south's MB-ENABLE is membarrier(): it
				 * drains north's buffer too */
	uint64_t max_states;	/* give up (result -E2BIG) beyond this many states; 0 = 50 M */
	/* called every 65536 explored states with the states found so far and those explored (NULL: none) */
	void (*progress)(void *arg, uint64_t found, uint64_t explored);
	void *progress_arg;
};

struct vm_explore_result {
	uint64_t states;	  /* distinct states explored */
	uint64_t transitions;	  /* micro-steps taken (including ones reaching known states) */
	uint64_t quiescent;	  /* distinct quiescent states checked */
	uint64_t violations;	  /* quiescent states breaking a check (0 with a correct placement) */
	uint64_t spurious_states; /* quiescent states reached with at least one spurious notification */
	unsigned max_spurious;	  /* most spurious notifications on one path to a quiescent state */
	unsigned max_sb;	  /* deepest store buffer seen */
	double seconds;		  /* wall time of the search */
};

/* Parse "spec", "2009", or "minus-MB-<LABEL>" (INJECT ENABLE DRAIN CLEAR ARM PUBLISH) into a mask; -EINVAL if unknown.
 */
int vm_explore_parse_placement(const char *s, unsigned *mask);
/* Human name of a barrier mask ("spec", "2009", or the kept labels). */
const char *vm_explore_placement_name(unsigned mask, char *buf, unsigned len);

/*
 * Explore every interleaving of @cfg. Returns 0 (res filled) or a negative errno.
 * When a violation exists and @cex is not NULL, the first (minimal) one is
 * printed to @cex step by step.
 */
int vm_explore_run(const struct vm_explore_cfg *cfg, struct vm_explore_result *res, FILE *cex);

#ifdef __cplusplus
}
#endif

#endif /* VBUSMODEL_EXPLORE_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Cycle-approximate timing engine (docs/spec/06-timing.md): a discrete-event
 * simulation of a producer and a consumer (or both directions for ping-pong)
 * running the §1/§2/§4 operations, each costed with the named parameters.
 */
#ifndef VBUSMODEL_TIMING_H
#define VBUSMODEL_TIMING_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Cost parameters of §6, in the order of its table. */
enum vm_param {
	VM_P_SHM_ACCESS,
	VM_P_LINE_TRANSFER,
	VM_P_BARRIER_FULL,
	VM_P_BARRIER_WRITE,
	VM_P_DOORBELL,
	VM_P_INTERRUPT,
	VM_P_VM_EXIT,
	VM_P_WAKEUP,
	VM_P_HANDLER_PER_MSG,
	VM_P_PRODUCE_PER_MSG,
	VM_P_ACCEL_STAGE,
	VM_P_POLL_INTERVAL,
	VM_P_SPIN_BUDGET,
	VM_P_MOD_HOLDOFF,
	VM_P_MOD_COUNT,
	VM_P_EVIDX_THRESHOLD,
	VM_P_LINE_STREAM,
	VM_P_PRODUCE_PER_CALL,
	VM_P_HANDLER_PER_CALL,
	VM_P_MEMBARRIER,
	VM_P_DESCHED_INTERVAL,
	VM_P_DESCHED_LEN,
	VM_P_DOORBELL_WAKE,
	VM_P_PRODUCE_REMOTE_MSG,
	VM_P_PRODUCE_REMOTE_CALL,
	VM_P_PRODUCE_STREAM_CALL,
	VM_NPARAMS
};

struct vm_params {
	uint64_t v[VM_NPARAMS];
};

/* Fill *p with the defaults of the §6 table. */
void vm_params_default(struct vm_params *p);
/* Name of parameter @i as the spec spells it. */
const char *vm_param_name(int i);
/* Set parameter @name; -ENOENT unknown name, -ERANGE bad value. */
int vm_param_set(struct vm_params *p, const char *name, double value);
/* Apply "name=value"; -EINVAL with a message in err on bad syntax, name or value. */
int vm_param_parse(struct vm_params *p, const char *kv, char *err, size_t errlen);
/* Apply a JSON object {"name": number, ...}; errors as "file:line: message". */
int vm_params_load_json(struct vm_params *p, const char *path, char *err, size_t errlen);
/* The same, from text in memory (@path names it in messages). */
int vm_params_parse_json(struct vm_params *p, const char *path, const char *text, char *err, size_t errlen);

enum vm_workload { VM_WL_PINGPONG, VM_WL_STREAM, VM_WL_BURSTY, VM_WL_POISSON, VM_WL_COUNT };
enum vm_consumer { VM_CONS_POLL, VM_CONS_BLOCK, VM_CONS_SPIN, VM_CONS_COUNT };
enum vm_mitigation { VM_MIT_NONE, VM_MIT_SHM_SIGNAL, VM_MIT_EVENT_INDEX, VM_MIT_MODERATION, VM_MIT_COUNT };

const char *vm_workload_name(int w);
const char *vm_consumer_name(int c);
const char *vm_mitigation_name(int m);
/* Index of @name in the matching list, or -EINVAL. */
int vm_workload_parse(const char *name);
int vm_consumer_parse(const char *name);
int vm_mitigation_parse(const char *name);

struct vm_sim_cfg {
	struct vm_params p;
	int workload, consumer, mitigation;
	uint64_t messages;	/* messages (round trips for ping-pong) to complete */
	double load;		/* offered load, messages per 1000 cycles (poisson, bursty) */
	uint32_t burst;		/* messages per burst (bursty) */
	uint32_t batch;		/* most descriptors the producer publishes per kick (IOQ-6) */
	uint32_t ring_count;	/* descriptors per ring (power of two) */
	uint64_t seed;		/* poisson arrivals */
	int s2n;		/* unidirectional direction: 1 south->north (interrupts), 0 north->south (doorbells) */
	int doorbell_traps;	/* north->south doorbells cost vm_exit instead of doorbell */
	uint32_t payload_lines; /* TIM-3: cache lines of payload per message, beside the descriptor (0: not costed) */
	int completions; /* TIM-3: one-way streams: a kick per consumer pass, the producer waits on a full ring */
	int asym;	 /* SIG-14 (§1.3.2): kicks fence only toward a listening receiver, MB-ENABLE is membarrier() */
	int stable_desc; /* IOQ-13: descriptors keep their fields, written on the ring's first lap only */
	uint64_t batch_clock; /* TIM-3: also report the median batch of this many messages (0: not) */
	/* TIM-3: libvbus's adaptive spin budget, clamped to [spin_lo, spin_hi] cycles (spin_hi 0: spin_budget fixed) */
	uint64_t spin_lo, spin_hi;
	FILE *trace; /* when set: §7 records with @cycle stamps */
};

/* Defaults: ping-pong, block-on-signal, shm-signal, 10000 messages, load 0.5, burst 32, batch 16, ring 256. */
void vm_sim_cfg_default(struct vm_sim_cfg *c);

struct vm_report {
	uint64_t messages;		    /* completed (round trips for ping-pong) */
	uint64_t stranded;		    /* published but never consumed (below an event-index threshold, IOQ-9) */
	uint64_t cycles;		    /* time of the last completion */
	double throughput;		    /* messages per 1000 cycles */
	uint64_t lat_p50, lat_p99, lat_max; /* cycles, from arrival (or request) to consumption (or reply) */
	uint64_t doorbells;		    /* north->south notifications sent */
	uint64_t interrupts;		    /* south->north notifications sent */
	uint64_t spurious;		    /* notifications whose wakeup found no work, or arrived while disabled */
	uint64_t suppressed;		    /* injects/kicks that sent nothing */
	double notif_per_msg;		    /* (doorbells + interrupts) / messages */
	double batch_throughput;	    /* cfg->batch_clock: the median batch, messages per 1000 cycles */
	uint64_t descheds;		    /* TIM-3: deschedulings of either agent (desched_interval) */
	uint64_t events;		    /* discrete events processed */
};

/* Run one simulation. 0, or a negative errno (-EINVAL for a bad configuration, -ENOMEM). */
int vm_sim_run(const struct vm_sim_cfg *cfg, struct vm_report *rep);

#ifdef __cplusplus
}
#endif

#endif /* VBUSMODEL_TIMING_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The KVM lab's own contract between the micro-VMM (host, vmm.c) and its guest
 * payload (guest/): guest-physical addresses, I/O ports and the parameter and
 * result pages. Private to tools/kvmlab; the vbus region itself is laid out
 * only by the protocol core (kernel/core/) as on every other transport.
 */
#ifndef VBUS_KVMLAB_ABI_H
#define VBUS_KVMLAB_ABI_H

/* Guest-physical memory map. RAM is slot 0 at 0; the vbus region (a memfd) is slot 1. */
#define LAB_RAM_SIZE (16u << 20)
#define LAB_PARAMS_GPA 0x1000u	/* struct lab_params, written by the host before the first KVM_RUN */
#define LAB_RESULTS_GPA 0x2000u /* struct lab_results, written by the guest */
#define LAB_GDT_GPA 0x3000u
#define LAB_PML4_GPA 0x8000u /* then the PDPT and four page directories: identity map of 4 GiB, 2 MiB pages */
#define LAB_PAYLOAD_GPA 0x100000u
#define LAB_PAYLOAD_MAX (1u << 20)
#define LAB_STACK_TOP 0x400000u
#define LAB_REGION_GPA 0x40000000ull
#define LAB_LAPIC_GPA 0xfee00000ull

/* I/O ports. Only LAB_PORT_KICK is bound to an ioeventfd; the others exit to the VMM. */
#define LAB_PORT_READY 0x500   /* the guest initialised the ring: south may attach */
#define LAB_PORT_DONE 0x501    /* the guest finished; results are valid */
#define LAB_PORT_EXIT 0x502    /* calibration: a plain PIO exit to userspace */
#define LAB_PORT_CONSOLE 0x503 /* one character of guest console output */
#define LAB_PORT_FAULT 0x504   /* an unexpected exception: the vector */
#define LAB_PORT_PHASE 0x505   /* calibration phase boundary: the phase number */
#define LAB_PORT_KICK 0x510    /* the vbus doorbell: KVM_IOEVENTFD, never reaches userspace */

#define LAB_IRQ_VECTOR 0x40 /* MSI data of the irqfd route: the completion interrupt */
#define LAB_IRQ_GSI 1	    /* GSI of the one routing entry (an MSI to APIC id 0) */

#define LAB_PARAMS_MAGIC 0x6b766d6c6162u /* "kvmlab" */

#ifndef __ASSEMBLER__
#include <linux/types.h>

/* What the guest runs. */
enum lab_phase { LAB_RUN_WORKLOAD = 0, LAB_RUN_CALIBRATE = 1 };

/* Calibration sub-phases announced on LAB_PORT_PHASE; the host times some of them itself. */
enum lab_cal_phase {
	LAB_CAL_EXIT_BEGIN = 1,
	LAB_CAL_EXIT_END,
	LAB_CAL_KICK_BEGIN,
	LAB_CAL_KICK_END,
	LAB_CAL_IRQ_SPIN,
	LAB_CAL_IRQ_HLT,
	LAB_CAL_DONE
};

/* Values of workload/mitigation/consumer: the same order as vbus-model's enums (model/include/vbusmodel/timing.h). */
#define LAB_EXP_QUANTILES 256

struct lab_params {
	__u64 magic;
	__u32 phase;	  /* enum lab_phase */
	__u32 workload;	  /* ping-pong, stream, bursty, poisson */
	__u32 mitigation; /* none, shm-signal, event-index, moderation */
	__u32 consumer;	  /* busy-poll, block (hlt), spin-then-block */
	__u64 messages;	  /* messages (round trips for ping-pong) */
	__u64 region_gpa;
	__u64 region_size;
	__u32 ring_count;
	__u32 msg_len;	       /* bytes per message buffer, >= 64 */
	__u32 batch;	       /* most descriptors published per kick */
	__u32 burst;	       /* messages per burst (bursty) */
	__u32 evidx_threshold; /* event-index: arm for this many completions */
	__u32 mod_count;       /* moderation count C (north's doorbells) */
	__u64 mod_holdoff_tsc; /* moderation holdoff H in TSC ticks (one tick of the core = this) */
	__u64 spin_tsc;	       /* spin-then-block budget in TSC ticks */
	__u64 gap_tsc;	       /* bursty: TSC ticks between burst starts */
	__u32 cal_iters;       /* calibration: iterations per measurement */
	__u32 seed;
	__u64 exp_tsc[LAB_EXP_QUANTILES]; /* poisson: inter-arrival quantiles in TSC ticks (host-computed) */
	/* calibration handshake: the host rings the irqfd, the guest's handler bumps irq_ack */
};

struct lab_results {
	__u64 magic;
	__u64 kicks;	       /* doorbell writes to LAB_PORT_KICK */
	__u64 kick_suppressed; /* ioq_kick said SUPPRESS or EVSKIP */
	__u64 kick_deferred;   /* moderation held a kick back */
	__u64 ticks_fired;     /* moderation: holdoff expiries that sent a doorbell */
	__u64 irqs;	       /* completion interrupts taken by the handler */
	__u64 irq_wakeups;     /* handler passes that ran shm_signal_wakeup */
	__u64 hlts;	       /* times the guest halted waiting for an interrupt */
	__u64 spurious;	       /* wakeups that found nothing */
	__u64 shadow_fixups;   /* interrupts delivered in the sti shadow before hlt (an emulation bug) */
	__u64 sent;	       /* messages pushed */
	__u64 reclaimed;       /* completions reclaimed */
	__u64 bad;	       /* completions out of order or with a wrong reply word */
	__u64 first_bad;       /* sequence number of the first bad completion, or ~0 */
	__u64 tsc_start, tsc_end;
	__u64 rtt_sum, rtt_min, rtt_max; /* ping-pong round trips, TSC ticks */
	__s64 error;			 /* a negative errno from the core, or 0 */
	__u32 error_line;
	__u32 pad;
	/* calibration results, TSC ticks for cal_iters iterations */
	__u64 cal_exit_tsc, cal_kick_tsc;
	volatile __u64 irq_ack; /* calibration: interrupts seen (the host spins on it) */
	__u64 warmup_late;	/* warm-up interrupts taken again after the first (an emulation bug) */
};

/* One message's content: seq, payload words, checksum; south writes the reply word. */
#define LAB_MSG_WORDS 8
#define LAB_REPLY_XOR 0x5a5aa5a5c3c33c3cull

static inline __u64 lab_mix(__u64 x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/* Checksum of words 0..5 (word 6 holds it, word 7 is the reply). */
static inline __u64 lab_csum(const __u64 *w)
{
	__u64 h = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < 6; i++)
		h = lab_mix(h ^ w[i]) + (__u64)i;
	return h;
}

#endif /* !__ASSEMBLER__ */
#endif /* VBUS_KVMLAB_ABI_H */

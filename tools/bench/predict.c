// SPDX-License-Identifier: GPL-2.0
/*
 * vbus-bench --model PARAMS: the timing model's prediction of every vbus
 * scenario vbus-bench measures, from a parameter file (vbus-model calibrate
 * writes one). Each scenario is configured as vbus-bench runs it over libvbus:
 * north -> south, 64-byte messages (one payload line, TIM-3), ring 1024
 * (64 for the round trips), batches of 1 or 32, the receiver polling,
 * blocking or spinning, completions on (a producer on a full ring waits in the same mode, TIM-3), the
 * spin budget libvbus's adaptive one (from the calibrated spin_budget on, adapting to the run's own wake-ups
 * within libvbus's clamp, TIM-3). Cycles are of the model's nominal 3 GHz core.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <string.h>

#include "vbusmodel/calib.h"
#include "vbusmodel/timing.h"
#include "bench.h"
#include "libvbus.h"

#define PRED_GHZ 3.0

/*
 * The barrier vbus-bench's vbus rows run: both ends of each link are threads of the bench's process, so
 * libvbus gives them the asymmetric barrier (SIG-14, SIG-15) when the kernel has
 * membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED), full fences otherwise (libvbus's link_asym_register_once
 * makes the same test; registering twice is harmless).
 */
static int pred_asym(void)
{
	long cmds = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);

	return cmds >= 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
	       !syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0);
}

/*
 * vbus-bench's measured figure for a stream is its median batch of 4096 messages (struct batch_clock);
 * the engine reports the same (cfg.batch_clock), so a batch a descheduling hit is an outlier in both.
 */
#define PRED_BATCH 4096

static int pred_run(const struct vm_params *p, int workload, int consumer, uint32_t batch, uint32_t ring,
		    uint64_t messages, struct vm_report *r)
{
	struct vm_sim_cfg c;

	vm_sim_cfg_default(&c);
	c.p = *p;
	c.workload = workload;
	c.consumer = consumer;
	c.mitigation = VM_MIT_SHM_SIGNAL;
	c.batch = batch;
	c.ring_count = ring;
	c.messages = messages;
	c.s2n = 0;	     /* north -> south, like vbus_link_send */
	c.payload_lines = 1; /* 64-byte messages */
	c.completions = 1;   /* completion kicks; a producer on a full ring waits in the same mode */
	c.stable_desc = 1;   /* IOQ-13: libvbus's slots keep their buffer and length */
	c.asym = pred_asym();
	c.batch_clock = workload == VM_WL_STREAM ? PRED_BATCH : 0;
	/* libvbus's adaptive spin budget: its own wake-ups fold in from spin_budget on, within its clamp */
	c.spin_lo = (uint64_t)(VBUS_LINK_SPIN_MIN_NS * PRED_GHZ);
	c.spin_hi = (uint64_t)(VBUS_LINK_SPIN_MAX_NS * PRED_GHZ);
	return vm_sim_run(&c, r);
}

static double rate(const struct vm_report *r)
{
	/* messages per 1000 cycles -> per second: the median batch (a run shorter than two: the whole run) */
	double x = r->batch_throughput > 0 ? r->batch_throughput : r->throughput;
	return x * PRED_GHZ * 1e9 / 1000.0;
}

int bench_predict_load(const char *path, struct vm_params *p)
{
	char err[256];

	vm_params_default(p);
	if (vm_params_load_json(p, path, err, sizeof(err))) {
		fprintf(stderr, "vbus-bench: --model %s: %s\n", path, err);
		return -1;
	}
	return 0;
}

int bench_predict_auto(struct vm_params *p)
{
	struct vm_cal cal;
	char err[256];

	vm_params_default(p);
	fprintf(stderr, "vbus-bench: --model auto: calibrating (vbus-model calibrate's measurements, this process)\n");
	if (vm_calibrate(3, 0, &cal, err, sizeof(err))) {
		fprintf(stderr, "vbus-bench: --model auto: %s\n", err);
		return -1;
	}
	vm_cal_apply(&cal, p);
	return 0;
}

int bench_predict_lines(struct vm_params *p)
{
	if (vm_calibrate_lines(p, 40)) {
		fprintf(stderr, "vbus-bench: --model auto: cannot re-measure the line costs\n");
		return -1;
	}
	return 0;
}

/* does @row (a vbus-bench measurement key, NULL: every one) name scenario @key? */
static int want(const char *row, const char *key)
{
	return !row || !strcmp(row, key);
}

int bench_predict_params(const struct vm_params *prm, uint64_t stream_n, const char *row, struct bench_prediction *pr)
{
	struct vm_params p = *prm;
	struct vm_report r;
	int rc = 0;

	/*
	 * libvbus's default wait spins for its adaptive budget: the parameter spin_budget, which calibrate
	 * (and --model auto before each run) takes from libvbus itself (TIM-3), clamped by libvbus to
	 * VBUS_LINK_SPIN_MIN_NS .. _MAX_NS; a parameter file without it gives the table's default.
	 */
	memset(pr, 0, sizeof(*pr));
	/* the streams as long as vbus-bench's (a descheduling is rare: its count needs the whole run) */
	if (want(row, "vbus_stream_single") && !(rc = pred_run(&p, VM_WL_STREAM, VM_CONS_POLL, 1, 1024, stream_n, &r)))
		pr->vb1 = rate(&r);
	if (!rc && want(row, "vbus_stream_burst32") &&
	    !(rc = pred_run(&p, VM_WL_STREAM, VM_CONS_POLL, 32, 1024, stream_n, &r)))
		pr->vb32 = rate(&r);
	if (!rc && want(row, "vbus_rtt_poll") && !(rc = pred_run(&p, VM_WL_PINGPONG, VM_CONS_POLL, 1, 64, 20000, &r)))
		pr->poll_rtt = r.lat_p50 / PRED_GHZ;
	if (!rc && want(row, "vbus_rtt_block") && !(rc = pred_run(&p, VM_WL_PINGPONG, VM_CONS_BLOCK, 1, 64, 2000, &r)))
		pr->block_rtt = r.lat_p50 / PRED_GHZ;
	if (!rc && want(row, "vbus_stream_spin") &&
	    !(rc = pred_run(&p, VM_WL_STREAM, VM_CONS_SPIN, 32, 1024, stream_n, &r))) {
		pr->spin_stream = rate(&r);
		pr->spin_notif = r.notif_per_msg;
	}
	if (!rc && want(row, "vbus_stream_block") &&
	    !(rc = pred_run(&p, VM_WL_STREAM, VM_CONS_BLOCK, 32, 1024, stream_n, &r))) {
		pr->block_stream = rate(&r);
		pr->block_notif = r.notif_per_msg;
	}
	if (!rc)
		return 0;
	fprintf(stderr, "vbus-bench: --model: the timing model failed (%d)\n", rc);
	return -1;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The machine's costs for the timing engine (docs/spec/06-timing.md TIM-3), measured with
 * micro-benchmarks on two pinned threads and libvbus's own per-message and per-call CPU path:
 * the measuring half of `vbus-model calibrate`, also run inside `vbus-bench --model auto` so the
 * prediction uses the costs of the regime the measurement saw. Library vbusmodel_calib (links libvbus).
 */
#ifndef VBUSMODEL_CALIB_H
#define VBUSMODEL_CALIB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vbusmodel/timing.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VM_CAL_NP 18	   /* parameters calibrate measures */
#define VM_CAL_MAX_REPS 15 /* --reps */

/* The parameters measured, in the order of the file calibrate writes. */
extern const int vm_cal_param[VM_CAL_NP];

struct vm_cal {
	int reps, batches;
	uint64_t cy[VM_CAL_NP];		       /* the median repetition, cycles of the nominal 3 GHz core */
	uint64_t lo[VM_CAL_NP], hi[VM_CAL_NP]; /* the lowest and highest repetition */
	double load_before, load_after;	       /* 1-minute load average, -1 unknown */
};

/* Measure everything, @reps repetitions (1..VM_CAL_MAX_REPS), @quick a fifth of the batches.
 * 0, or -1 with the reason in @err. */
int vm_calibrate(int reps, int quick, struct vm_cal *out, char *err, size_t errlen);
/* Set the measured parameters in @p. */
void vm_cal_apply(const struct vm_cal *c, struct vm_params *p);
/* The parameter file (JSON: parameters, "spread", "calibration"), as --params reads it. */
void vm_cal_write_json(FILE *f, const struct vm_cal *c);
/* Re-measure the parameters that move with the vCPUs' placement and the machine's load (line_transfer,
 * line_stream, doorbell_wake, wakeup: one repetition of @batches batches of the two-thread benchmarks;
 * wakeup is the half round trip less its waking write, doorbell_wake; spin_budget: 30 ms of libvbus's wake-ups;
 * desched_interval, desched_len: 100 ms of both CPUs; produce_remote_msg, produce_remote_call: libvbus's send
 * path into the peer's lines; produce_stream_call: its single-message send call in a stream, the peer draining) into
 * @p: 0, or -1 when the threads cannot run. */
int vm_calibrate_lines(struct vm_params *p, int batches);

/* Descheduling (TIM-3): does a gap of one thread (start @at ns, @len ns long) make the peer, whose own
 * gaps are @pat/@plen (@n of them), give up spinning after @budget ns? 1 or 0. */
int vm_cal_gap_counts(double at, double len, const double *pat, const double *plen, int n, double budget);

/* The file whose vbus_link_send the CPU path is timed through (libvbus.so), or NULL. */
const char *vm_cal_cpu_path_lib(void);

#ifdef __cplusplus
}
#endif

#endif /* VBUSMODEL_CALIB_H */

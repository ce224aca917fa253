/* SPDX-License-Identifier: GPL-2.0 */
/* vbus-bench internals shared by the benchmark and the stress subcommand. */
#ifndef VBUS_BENCH_H
#define VBUS_BENCH_H

#include <stdint.h>

/* Monotonic time in seconds (vbus_now_s() of tools/cli/vbus_cli.h, for files built without it). */
double bench_now(void);
/* Run fn0 and fn1 on CPUs 0 and 1 (when there are two) after a common start barrier. */
void bench_run_pair(void *(*fn0)(void *), void *(*fn1)(void *), void *arg);
/* Our virtqueues (virtio 1.2 §2.7 split with EVENT_IDX, §2.8 packed), the baselines of the vq rows (vq.c). */
enum bench_vq_ring { BENCH_VQ_SPLIT, BENCH_VQ_PACKED };
enum bench_vq_mode {
	BENCH_VQ_STREAM,       /* both sides polling, bursts of @burst: messages per second */
	BENCH_VQ_RTT,	       /* poll round trip of one 64-byte buffer: ns */
	BENCH_VQ_BLOCK_RTT,    /* blocking round trip, both sides sleep in read(eventfd) after asking: ns */
	BENCH_VQ_BLOCK_STREAM, /* blocking stream in bursts: messages per second; out[1]: kicks + interrupts per message
				*/
};
struct bench_vq {
	enum bench_vq_ring ring;
	enum bench_vq_mode mode;
	unsigned int burst; /* the stream modes' burst */
};
/* Run one virtqueue measurement over @n messages (round trips): out[0] the figure, out[1] (blocking stream)
 * notifications per message; both 0 when the run could not be set up. */
void bench_vq_run(const struct bench_vq *v, uint64_t n, double out[2]);
/* The timing model's figures for the vbus rows (predict.c). */
struct bench_prediction {
	double vb1, vb32;	    /* stream single / burst 32, messages per second */
	double poll_rtt, block_rtt; /* ns */
	double spin_stream, spin_notif, block_stream, block_notif;
};
struct vm_params;
/* The parameter file @path (vbus-model calibrate writes one) into *p; 0 or -1 (message printed). */
int bench_predict_load(const char *path, struct vm_params *p);
/* --model auto: calibrate in this process (vm_calibrate) into *p; 0 or -1 (message printed). */
int bench_predict_auto(struct vm_params *p);
/* Re-measure the placement-dependent line costs (line_transfer, line_stream) into *p; 0 or -1. */
int bench_predict_lines(struct vm_params *p);
/* Predict the vbus scenario measured by row @row (a measurement key; NULL: every one) with the parameters
 * *p, the streams @stream_n messages long; 0 or -1 (message printed). */
int bench_predict_params(const struct vm_params *p, uint64_t stream_n, const char *row, struct bench_prediction *pr);
/* vbus-bench stress [args] (argv[0] is "stress"): the stress workload; process exit status. */
int stress_main(int argc, char **argv);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* vbus-bench internals shared by the benchmark and the stress subcommand. */
#ifndef VBUS_BENCH_H
#define VBUS_BENCH_H

#include <stdint.h>

/* Monotonic time in seconds (vbus_now_s() of tools/cli/vbus_cli.h, for files built without it). */
double bench_now(void);
/* Run fn0 and fn1 on CPUs 0 and 1 (when there are two) after a common start barrier. */
void bench_run_pair(void *(*fn0)(void *), void *(*fn1)(void *), void *arg);
/* Our split virtqueue (virtio 1.2 §2.7, EVENT_IDX), both sides polling: messages per second. */
double bench_split_vq_stream(uint64_t n, unsigned int burst);
/* Our packed virtqueue (virtio 1.2 §2.8), both sides polling: messages per second. */
double bench_packed_vq_stream(uint64_t n, unsigned int burst);
/* Poll round trip (ns) of one 64-byte buffer through our split / packed virtqueue. */
double bench_split_vq_rtt(uint64_t iters);
double bench_packed_vq_rtt(uint64_t iters);
/* Blocking round trip (ns): both sides sleep in read(eventfd) after asking for a notification. */
double bench_split_vq_block_rtt(uint64_t iters);
double bench_packed_vq_block_rtt(uint64_t iters);
/* Blocking stream in bursts (messages per second), both sides sleeping in read(eventfd) when they must;
 * *notif_per_msg: kicks plus interrupts per message. */
double bench_split_vq_block_stream(uint64_t n, unsigned int burst, double *notif_per_msg);
double bench_packed_vq_block_stream(uint64_t n, unsigned int burst, double *notif_per_msg);
/* The timing model's figures for the vbus rows (predict.c). */
struct bench_prediction {
	double vb1, vb32;	    /* stream single / burst 32, messages per second */
	double poll_rtt, block_rtt; /* ns */
	double spin_stream, spin_notif, block_stream, block_notif;
};
/* Predict every vbus scenario from the parameter file @path; 0 or -1 (message printed). */
int bench_predict(const char *path, struct bench_prediction *pr);
/* vbus-bench stress [args] (argv[0] is "stress"): the stress workload; process exit status. */
int stress_main(int argc, char **argv);

#endif

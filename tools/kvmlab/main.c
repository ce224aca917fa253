// SPDX-License-Identifier: GPL-2.0
/*
 * vbus-kvmlab: the vbus protocol in a real KVM vCPU. Creates micro-VMs over
 * /dev/kvm (vmm.c) whose guest payload plays north with the production core,
 * runs south on a host thread (south.c), counts exits and interrupts from KVM
 * itself, calibrates the exit / ioeventfd / irqfd costs, and prints the
 * measurements next to vbus-model's prediction with those costs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <linux/kvm.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "vmm.h"
#include "south.h"
#include "vbusmodel/timing.h"
#include "vbus_cli.h"

extern const unsigned char kvmlab_payload[], kvmlab_payload_end[];

#define PROG "vbus-kvmlab"
#define NOMINAL_GHZ 3.0 /* the model's cycles are of a nominal 3 GHz core (docs/spec/06-timing.md) */

struct opts {
	unsigned int workloads, mitigations, consumers; /* bit masks of the runs to make */
	uint64_t messages;
	uint32_t ring, batch, burst, msg_len, evidx_threshold, mod_count, cal_iters;
	double rate, mod_holdoff_us, spin_us;
	unsigned int timeout_s;
	int json, no_model, verbose;
	double max_doorbells, max_irqs; /* < 0: no check */
	int exact_pingpong;
	uint32_t seed;
	uint32_t repeat;
};

struct calib {
	double exit_ns, kick_ns, irq_ns, wake_ns;
	uint64_t tsc_khz;
	int done;
};

struct run_result {
	int workload, mitigation, consumer;
	uint64_t messages;
	struct lab_results g;
	uint64_t kstat[KS_COUNT];
	int have_kstats;
	uint64_t user_exits;
	uint64_t kicks_seen, calls, received, south_bad;
	double secs;
	double rtt_us, rtt_min_us;
	struct vm_report model;
	int model_ok;
	int failed;
	char why[512];
};

static volatile sig_atomic_t alarm_hits;
static void on_alarm(int sig)
{
	(void)sig;
	alarm_hits++;
}

/* Usage errors (docs/cli.md): "vbus-kvmlab: ... (try 'vbus-kvmlab --help')", exit 2. */
static void die_usage(const char *fmt, const char *arg)
{
	char msg[512];

	snprintf(msg, sizeof(msg), fmt, arg);
	exit(vbus_usage_error(PROG, "%s", msg));
}

static void usage(void)
{
	printf("usage: " PROG " [options]\n"
	       "The vbus protocol in a real KVM vCPU: a micro-VM over /dev/kvm whose payload runs the\n"
	       "production core as north (doorbells through KVM_IOEVENTFD, completions through KVM_IRQFD),\n"
	       "south on a host thread; KVM's own exit and interrupt counts per message, next to\n"
	       "vbus-model's prediction with the exit and interrupt costs this lab measures first.\n\n"
	       "  --workload W          ping-pong | stream | bursty | poisson | all, or a comma list (default all)\n"
	       "  --mitigation M        none | shm-signal | event-index | moderation | all, or a list (default all)\n"
	       "  --consumer C          busy-poll | block | spin-then-block | all, or a list (default block);\n"
	       "                        how both sides wait: north polls, halts (hlt) or spins then halts\n"
	       "  --messages N          messages per run, round trips for ping-pong (default 100000)\n"
	       "  --ring N              descriptors per ring, power of two 2..32768 (default 256)\n"
	       "  --batch N             most descriptors per kick, 1..32 (default 16)\n"
	       "  --burst N             messages per burst, bursty (default 32)\n"
	       "  --rate R              offered load of bursty and poisson, messages/s (default 20000)\n"
	       "  --msg-len N           bytes per message buffer, 64..65536 (default 64)\n"
	       "  --evidx-threshold T   event-index: receivers arm for T entries (default 1)\n"
	       "  --mod-holdoff-us U    moderation holdoff of north's doorbells, µs (default 10)\n"
	       "  --mod-count C         moderation count, 0..255 (default 32)\n"
	       "  --spin-us U           spin-then-block budget, µs (default 20)\n"
	       "  --calibrate-iters N   iterations of each cost measurement (default 2000)\n"
	       "  --seed N              seed of the payload data and poisson arrivals (default 1)\n"
	       "  --timeout S           wall-clock limit per VM run, seconds (default 300)\n"
	       "  --repeat N            make each run N times, each in a fresh VM (default 1)\n"
	       "  --no-model            do not run vbus-model's prediction\n"
	       "  --json                one JSON object on stdout instead of the table\n"
	       "  --max-doorbells-per-msg X   fail (exit 1) if a run's doorbell exits per message exceed X\n"
	       "  --max-irqs-per-msg X        fail if a run's interrupts injected per message exceed X\n"
	       "  --exact-pingpong      ping-pong, block, none and shm-signal: fail unless each round trip took\n"
	       "                        exactly one interrupt (irqfd write, guest handler; KVM injected >= 1)\n"
	       "                        and the ioeventfd saw exactly one doorbell (none) or at most one\n"
	       "  --probe               only check that /dev/kvm runs a lab VM; exit 0, or 1 with why\n"
	       "  -v, --verbose         guest console and progress on stderr\n"
	       "  -h, --help            this text\n\n"
	       "Every run checks zero loss: each message carries a sequence number and a checksum south\n"
	       "verifies, and an echo north verifies; any loss, corruption or core error exits 1.\n"
	       "Exit status: 0 ok, 1 a run failed a check or /dev/kvm is missing or refuses (the message\n"
	       "says which), 2 bad usage.\n");
}

/* "a,b,c" or "all" into a bit mask of @parse's indices; exits 2 on an unknown name. */
static unsigned int parse_list(const char *opt, const char *v, int count, int (*parse)(const char *), const char *names)
{
	char buf[256], *save = NULL, *tok;
	unsigned int mask = 0;
	int r;

	if (!strcmp(v, "all"))
		return (1u << count) - 1;
	if (strlen(v) >= sizeof(buf) || !*v)
		die_usage("bad list '%s'", v);
	strcpy(buf, v);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if ((r = parse(tok)) < 0) {
			exit(vbus_usage_error(PROG, "%s '%s': unknown name (%s, all, or a comma list)", opt, tok,
					      names));
		}
		mask |= 1u << r;
	}
	if (!mask)
		die_usage("empty list '%s'", v);
	return mask;
}

static void parse_u(const char *opt, const char *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
	if (vbus_parse_u64(PROG, opt, v, lo, hi, out))
		exit(VBUS_EXIT_USAGE);
}

static double parse_d(const char *opt, const char *v, double lo, double hi)
{
	double d;

	if (vbus_parse_double(PROG, opt, v, lo, hi, &d))
		exit(VBUS_EXIT_USAGE);
	return d;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- calibration helper thread: rings the irqfd and times the guest's acknowledgement ---- */
struct cal_ctx {
	struct lab_vm *v;
	uint32_t iters;
	int phase;    /* set by the vCPU thread: LAB_CAL_IRQ_SPIN or LAB_CAL_IRQ_HLT */
	double ns[2]; /* per interrupt: to a spinning vCPU, to a halted one */
	pthread_t th;
};

static void *cal_irq_thread(void *arg)
{
	struct cal_ctx *c = arg;
	struct lab_results *R = lab_gpa(c->v, LAB_RESULTS_GPA);
	uint64_t one = 1, base = c->phase == LAB_CAL_IRQ_HLT ? c->iters : 0, total = 0;
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (uint32_t i = 0; i < c->iters; i++) {
		if (c->phase == LAB_CAL_IRQ_HLT)
			usleep(200); /* let the vCPU reach hlt: this measures a wake from halt */
		uint64_t t0 = now_ns();
		if (write(c->v->call_efd, &one, sizeof(one)) != sizeof(one))
			break;
		/* acquire: pairs with the guest handler's store of irq_ack (seen through shared RAM) */
		while (__atomic_load_n(&R->irq_ack, __ATOMIC_ACQUIRE) < base + i + 1)
			__builtin_ia32_pause();
		total += now_ns() - t0;
	}
	c->ns[c->phase == LAB_CAL_IRQ_HLT] = (double)total / c->iters;
	return NULL;
}

static int run_vcpu_loop(struct lab_vm *v, struct lab_south *s, struct cal_ctx *cal, unsigned int timeout_s,
			 uint64_t deadline, struct kvm_run *run, int verbose, char *why, size_t whylen);

/* Run the vCPU until the guest reports done; 0, or -1 with the reason in @why. */
static int run_vcpu(struct lab_vm *v, struct lab_south *s, struct cal_ctx *cal, unsigned int timeout_s, int verbose,
		    char *why, size_t whylen)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_s * 1000000000ull;
	struct kvm_run *run = v->run;
	/* the watchdog ticks only while the vCPU runs: KVM_RUN returns EINTR and the deadline is checked */
	struct itimerval on = { { 0, 200000 }, { 0, 200000 } }, off = { { 0, 0 }, { 0, 0 } };
	int r;

	setitimer(ITIMER_REAL, &on, NULL);
	r = run_vcpu_loop(v, s, cal, timeout_s, deadline, run, verbose, why, whylen);
	setitimer(ITIMER_REAL, &off, NULL);
	return r;
}

static int run_vcpu_loop(struct lab_vm *v, struct lab_south *s, struct cal_ctx *cal, unsigned int timeout_s,
			 uint64_t deadline, struct kvm_run *run, int verbose, char *why, size_t whylen)
{

	for (;;) {
		if (ioctl(v->vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				if (now_ns() > deadline) {
					struct kvm_regs r;

					ioctl(v->vcpu, KVM_GET_REGS, &r);
					snprintf(why, whylen, "timed out after %u s (guest rip=%#llx)", timeout_s,
						 (unsigned long long)r.rip);
					return -1;
				}
				continue;
			}
			snprintf(why, whylen, "KVM_RUN: %s", strerror(errno));
			return -1;
		}
		if (run->exit_reason < 32)
			v->user_exits[run->exit_reason]++;
		switch (run->exit_reason) {
		case KVM_EXIT_IO: {
			uint8_t val = *((uint8_t *)run + run->io.data_offset);
			uint32_t val32 = run->io.size == 4 ? *(uint32_t *)((uint8_t *)run + run->io.data_offset) : val;

			switch (run->io.port) {
			case LAB_PORT_READY:
				lab_vm_kstats(v, v->k_ready);
				if (s && lab_south_start(s)) {
					snprintf(why, whylen, "south could not attach to the guest's ring: %s",
						 s->violation ? s->violation : "error");
					return -1;
				}
				break;
			case LAB_PORT_DONE:
				return 0;
			case LAB_PORT_EXIT:
				break;
			case LAB_PORT_CONSOLE:
				if (verbose)
					fputc(val, stderr);
				break;
			case LAB_PORT_FAULT: {
				struct kvm_regs r;

				ioctl(v->vcpu, KVM_GET_REGS, &r);
				snprintf(why, whylen, "guest exception, vector %u (rip=%#llx)", val32,
					 (unsigned long long)r.rip);
				return -1;
			}
			case LAB_PORT_PHASE:
				if (cal && (val == LAB_CAL_IRQ_SPIN || val == LAB_CAL_IRQ_HLT)) {
					if (val == LAB_CAL_IRQ_HLT)
						pthread_join(cal->th, NULL);
					cal->phase = val;
					if (pthread_create(&cal->th, NULL, cal_irq_thread, cal)) {
						snprintf(why, whylen, "pthread_create failed");
						return -1;
					}
				} else if (cal && val == LAB_CAL_DONE) {
					pthread_join(cal->th, NULL);
				}
				break;
			default:
				snprintf(why, whylen, "guest wrote unexpected port %#x", run->io.port);
				return -1;
			}
			break;
		}
		case KVM_EXIT_INTR:
			break;
		case KVM_EXIT_SHUTDOWN:
			snprintf(why, whylen, "guest shut down (triple fault)");
			return -1;
		case KVM_EXIT_FAIL_ENTRY:
			snprintf(why, whylen, "VM entry failed, hardware reason %#llx",
				 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
			return -1;
		case KVM_EXIT_INTERNAL_ERROR:
			snprintf(why, whylen, "KVM internal error, suberror %u", run->internal.suberror);
			return -1;
		case KVM_EXIT_MMIO:
			snprintf(why, whylen, "guest touched unbacked MMIO at %#llx",
				 (unsigned long long)run->mmio.phys_addr);
			return -1;
		default:
			snprintf(why, whylen, "unexpected KVM exit reason %u", run->exit_reason);
			return -1;
		}
	}
}

static void params_common(struct lab_params *P, const struct opts *o, const struct lab_vm *v)
{
	memset(P, 0, sizeof(*P));
	P->magic = LAB_PARAMS_MAGIC;
	P->region_gpa = LAB_REGION_GPA;
	P->region_size = v->region_size;
	P->cal_iters = o->cal_iters;
}

static uint64_t region_bytes(const struct opts *o)
{
	uint64_t ring = (VBUS_IOQ_RING_SIZE((uint64_t)o->ring) + 63) & ~63ull;

	return ring + (uint64_t)o->ring * ((o->msg_len + 63) & ~63u);
}

static int calibrate(const struct opts *o, struct calib *c, char *why, size_t whylen)
{
	struct lab_vm v;
	struct cal_ctx cal = { .iters = o->cal_iters };
	size_t plen = (size_t)(kvmlab_payload_end - kvmlab_payload);
	int r;

	if (lab_vm_create(&v, kvmlab_payload, plen, 4096, why, whylen)) {
		lab_vm_destroy(&v);
		return -1;
	}
	cal.v = &v;
	struct lab_params *P = lab_gpa(&v, LAB_PARAMS_GPA);
	params_common(P, o, &v);
	P->phase = LAB_RUN_CALIBRATE;
	r = run_vcpu(&v, NULL, &cal, o->timeout_s, o->verbose, why, whylen);
	if (!r) {
		struct lab_results *R = lab_gpa(&v, LAB_RESULTS_GPA);
		double tick_ns = 1e6 / (double)v.tsc_khz;

		c->tsc_khz = v.tsc_khz;
		c->exit_ns = (double)R->cal_exit_tsc * tick_ns / o->cal_iters;
		c->kick_ns = (double)R->cal_kick_tsc * tick_ns / o->cal_iters;
		c->irq_ns = cal.ns[0];
		c->wake_ns = cal.ns[1];
		c->done = 1;
	}
	lab_vm_destroy(&v);
	return r;
}

/* ---- one workload x mitigation run ---- */
static void model_predict(const struct opts *o, const struct calib *c, struct run_result *rr)
{
	struct vm_sim_cfg cfg;

	vm_sim_cfg_default(&cfg);
	cfg.workload = rr->workload;
	cfg.mitigation = rr->mitigation;
	cfg.consumer = rr->consumer;
	cfg.messages = rr->messages < 20000 ? rr->messages : 20000;
	cfg.ring_count = o->ring;
	cfg.batch = o->batch;
	cfg.burst = o->burst;
	cfg.s2n = 0;		/* the guest sends: north -> south */
	cfg.doorbell_traps = 1; /* every doorbell is a VM exit (to the ioeventfd) */
	cfg.seed = o->seed;
	cfg.load = o->rate / (NOMINAL_GHZ * 1e9) * 1000.0;
	if (c->done) {
		cfg.p.v[VM_P_VM_EXIT] = (uint64_t)llround(c->kick_ns * NOMINAL_GHZ);
		cfg.p.v[VM_P_INTERRUPT] = (uint64_t)llround(c->irq_ns * NOMINAL_GHZ);
		cfg.p.v[VM_P_WAKEUP] = (uint64_t)llround(c->wake_ns * NOMINAL_GHZ);
	}
	cfg.p.v[VM_P_SPIN_BUDGET] = (uint64_t)llround(o->spin_us * 1000 * NOMINAL_GHZ);
	cfg.p.v[VM_P_MOD_HOLDOFF] = (uint64_t)llround(o->mod_holdoff_us * 1000 * NOMINAL_GHZ);
	cfg.p.v[VM_P_MOD_COUNT] = o->mod_count;
	cfg.p.v[VM_P_EVIDX_THRESHOLD] = o->evidx_threshold;
	for (int i = 0; i < VM_NPARAMS; i++)
		if (!cfg.p.v[i] && (i == VM_P_VM_EXIT || i == VM_P_INTERRUPT || i == VM_P_WAKEUP))
			cfg.p.v[i] = 1;
	rr->model_ok = vm_sim_run(&cfg, &rr->model) == 0;
}

static int run_one(const struct opts *o, const struct calib *c, struct run_result *rr)
{
	struct lab_vm v;
	struct lab_south s;
	size_t plen = (size_t)(kvmlab_payload_end - kvmlab_payload);
	uint64_t k0[KS_COUNT], k1[KS_COUNT], t0, t1;
	int r;

	memset(&s, 0, sizeof(s));
	if (lab_vm_create(&v, kvmlab_payload, plen, region_bytes(o), rr->why, sizeof(rr->why))) {
		lab_vm_destroy(&v);
		return -1;
	}
	struct lab_params *P = lab_gpa(&v, LAB_PARAMS_GPA);
	struct lab_results *R = lab_gpa(&v, LAB_RESULTS_GPA);
	double tsc_per_ns = (double)v.tsc_khz / 1e6;

	params_common(P, o, &v);
	P->phase = LAB_RUN_WORKLOAD;
	P->workload = (uint32_t)rr->workload;
	P->mitigation = (uint32_t)rr->mitigation;
	P->consumer = (uint32_t)rr->consumer;
	P->messages = rr->messages;
	P->ring_count = o->ring;
	P->msg_len = o->msg_len;
	P->batch = o->batch;
	P->burst = o->burst;
	P->evidx_threshold = o->evidx_threshold;
	P->mod_count = o->mod_count;
	P->mod_holdoff_tsc = (uint64_t)(o->mod_holdoff_us * 1000 * tsc_per_ns) + 1;
	P->spin_tsc = (uint64_t)(o->spin_us * 1000 * tsc_per_ns);
	P->gap_tsc = (uint64_t)((double)o->burst / o->rate * 1e9 * tsc_per_ns) + 1;
	P->seed = o->seed;
	for (int i = 0; i < LAB_EXP_QUANTILES; i++) {
		double u = (i + 0.5) / LAB_EXP_QUANTILES;

		P->exp_tsc[i] = (uint64_t)(-log(u) / o->rate * 1e9 * tsc_per_ns);
	}

	s.region = v.region;
	s.region_size = v.region_size;
	s.kick_efd = v.kick_efd;
	s.call_efd = v.call_efd;
	s.stop_efd = eventfd(0, EFD_CLOEXEC);
	s.mitigation = rr->mitigation;
	s.consumer = rr->consumer;
	s.evidx_threshold = o->evidx_threshold;
	s.spin_ns = (uint64_t)(o->spin_us * 1000);

	rr->have_kstats = v.stats_fd >= 0;
	lab_vm_kstats(&v, k0);
	t0 = now_ns();
	r = run_vcpu(&v, &s, NULL, o->timeout_s, o->verbose, rr->why, sizeof(rr->why));
	t1 = now_ns();
	lab_vm_kstats(&v, k1);
	int sr = lab_south_stop(&s);
	if (!r && sr) {
		snprintf(rr->why, sizeof(rr->why), "south: %s%s%s", strerror(-sr), s.violation ? ", violation " : "",
			 s.violation ? s.violation : "");
		r = -1;
	}
	if (r) {
		/* where each side stood: north's counters in guest RAM, south's in its struct */
		size_t l = strlen(rr->why);
		char ring[160];

		ring[0] = 0;
		snprintf(
			rr->why + l, sizeof(rr->why) - l,
			"; north sent %llu reclaimed %llu irqs %llu (wakeups %llu, in sti shadow %llu) hlts %llu spurious %llu kicks %llu; "
			"south received %llu calls %llu wakeups %llu spurious %llu error %d%s%s; irq records N=%u S=%u "
			"(enabled<<2|pending<<1|dirty)",
			(unsigned long long)R->sent, (unsigned long long)R->reclaimed, (unsigned long long)R->irqs,
			(unsigned long long)R->irq_wakeups, (unsigned long long)R->shadow_fixups,
			(unsigned long long)R->hlts, (unsigned long long)R->spurious, (unsigned long long)R->kicks,
			(unsigned long long)s.received, (unsigned long long)s.calls, (unsigned long long)s.wakeups,
			(unsigned long long)s.spurious, s.error, s.violation ? " " : "", s.violation ? s.violation : "",
			shm_signal_state(&((struct vbus_ioq_ring *)v.region)->signal, VBUS_NORTH),
			shm_signal_state(&((struct vbus_ioq_ring *)v.region)->signal, VBUS_SOUTH));
		(void)ring;
	}
	rr->g = *R;
	for (int k = 0; k < KS_COUNT; k++)
		rr->kstat[k] = k1[k] - v.k_ready[k]; /* from READY (GDT, IDT, stack already touched) to DONE */
	(void)k0;
	rr->user_exits = 0;
	for (int k = 0; k < 32; k++)
		rr->user_exits += v.user_exits[k];
	rr->kicks_seen = s.kicks_seen;
	rr->calls = s.calls;
	rr->received = s.received;
	rr->south_bad = s.bad;
	rr->secs = (double)(R->tsc_end - R->tsc_start) / ((double)v.tsc_khz * 1e3);
	if (rr->secs <= 0)
		rr->secs = (double)(t1 - t0) / 1e9;
	if (R->rtt_sum && rr->messages) {
		rr->rtt_us = (double)R->rtt_sum / (double)rr->messages / tsc_per_ns / 1e3;
		rr->rtt_min_us = (double)R->rtt_min / tsc_per_ns / 1e3;
	}
	if (!r) {
		if (R->error)
			snprintf(rr->why, sizeof(rr->why), "guest: core error %lld (%s) at north.c:%u",
				 (long long)R->error, strerror((int)-R->error), R->error_line),
				r = -1;
		else if (R->bad || s.bad)
			snprintf(rr->why, sizeof(rr->why),
				 "corruption: %llu bad completions (first seq %llu), %llu bad at south",
				 (unsigned long long)R->bad, (unsigned long long)R->first_bad,
				 (unsigned long long)s.bad),
				r = -1;
		else if (R->reclaimed != rr->messages || s.received != rr->messages || R->sent != rr->messages)
			snprintf(rr->why, sizeof(rr->why),
				 "loss: sent %llu, south received %llu, reclaimed %llu of %llu",
				 (unsigned long long)R->sent, (unsigned long long)s.received,
				 (unsigned long long)R->reclaimed, (unsigned long long)rr->messages),
				r = -1;
		else if (rr->have_kstats && rr->kicks_seen != R->kicks)
			snprintf(rr->why, sizeof(rr->why),
				 "the guest rang %llu doorbells but the ioeventfd counted %llu",
				 (unsigned long long)R->kicks, (unsigned long long)rr->kicks_seen),
				r = -1;
	}
	close(s.stop_efd);
	lab_vm_destroy(&v);
	if (!o->no_model)
		model_predict(o, c, rr);
	rr->failed = r != 0;
	return r;
}

/* ---- output ---- */
static double per(uint64_t a, uint64_t m)
{
	return m ? (double)a / (double)m : 0;
}

static double model_rate(const struct run_result *rr)
{
	return rr->model.throughput * NOMINAL_GHZ * 1e6; /* msgs per kcycle -> msgs/s */
}

static void print_table_header(void)
{
	printf("%-10s %-12s %-15s %8s | %9s %7s | %8s %7s | %8s | %10s %10s %6s | %9s %9s %6s\n", "workload",
	       "mitigation", "consumer", "messages", "door/msg", "model", "irq/msg", "model", "exit/msg", "msg/s",
	       "model", "ratio", "rtt_us", "model", "ratio");
}

/* A model column: the figure, or "-" without a prediction. */
static void col(double v, int ok, int width, int prec)
{
	if (ok && isfinite(v))
		printf(" %*.*f", width, prec, v);
	else
		printf(" %*s", width, "-");
}

static void print_row(const struct run_result *rr)
{
	uint64_t m = rr->messages;
	int ok = rr->model_ok, pp = rr->workload == VM_WL_PINGPONG;
	double rate = rr->secs > 0 ? (double)m / rr->secs : 0, mrate = ok ? model_rate(rr) : 0;
	double mrtt = ok ? (double)rr->model.lat_p50 / NOMINAL_GHZ / 1e3 : 0;

	printf("%-10s %-12s %-15s %8llu |", vm_workload_name(rr->workload), vm_mitigation_name(rr->mitigation),
	       vm_consumer_name(rr->consumer), (unsigned long long)m);
	col(per(rr->kicks_seen, m), 1, 9, 4);
	col(per(rr->model.doorbells, rr->model.messages), ok, 7, 4);
	printf(" |");
	col(per(rr->kstat[KS_IRQ_INJECTIONS], m), 1, 8, 4);
	col(per(rr->model.interrupts, rr->model.messages), ok, 7, 4);
	printf(" |");
	col(per(rr->kstat[KS_EXITS], m), 1, 8, 3);
	printf(" |");
	col(rate, 1, 10, 0);
	col(mrate, ok, 10, 0);
	col(mrate > 0 ? rate / mrate : NAN, ok, 6, 2);
	printf(" |");
	col(rr->rtt_us, pp, 9, 2);
	col(mrtt, ok && pp, 9, 2);
	col(mrtt > 0 ? rr->rtt_us / mrtt : NAN, ok && pp, 6, 2);
	printf("\n");
	if (rr->g.warmup_late)
		printf("  note: the warm-up interrupt was taken %llu more time(s) before the run (an emulation bug of\n"
		       "  nested SVM under QEMU TCG); not counted in the run\n",
		       (unsigned long long)rr->g.warmup_late);
	if (rr->have_kstats && rr->g.irqs > rr->kstat[KS_IRQ_INJECTIONS])
		printf("  note: the guest took %llu interrupt(s) more than KVM injected (%llu taken, %llu injected):\n"
		       "  delivered by the machine under KVM, not by KVM nor the protocol (seen with nested SVM\n"
		       "  emulated by QEMU TCG); not counted against the protocol\n",
		       (unsigned long long)(rr->g.irqs - rr->kstat[KS_IRQ_INJECTIONS]), (unsigned long long)rr->g.irqs,
		       (unsigned long long)rr->kstat[KS_IRQ_INJECTIONS]);
	if (rr->g.shadow_fixups)
		printf("  note: %llu interrupts were delivered inside the sti shadow before hlt (not allowed by the\n"
		       "  architecture; seen with nested SVM emulated by QEMU TCG); the guest stepped past the hlt\n",
		       (unsigned long long)rr->g.shadow_fixups);
	if (rr->failed)
		printf("  FAILED: %s\n", rr->why);
}

static void json_run(const struct run_result *rr, int first)
{
	double rate = rr->secs > 0 ? (double)rr->messages / rr->secs : 0;

	printf("%s\n    {\"workload\": \"%s\", \"mitigation\": \"%s\", \"consumer\": \"%s\", \"messages\": %llu, "
	       "\"ok\": %s, \"error\": \"%s\", \"seconds\": %.6f, \"msgs_per_s\": %.1f, \"rtt_mean_ns\": %.0f, "
	       "\"rtt_min_ns\": %.0f, \"doorbells\": %llu, \"doorbells_per_message\": %.6f, \"interrupts\": %llu, "
	       "\"interrupts_per_message\": %.6f, \"exits_per_message\": %.6f, \"suppressed\": %llu, "
	       "\"deferred\": %llu, \"doorbells_guest\": %llu, \"irqfd_writes\": %llu, \"interrupts_handled\": %llu, "
	       "\"interrupts_in_sti_shadow\": %llu, \"interrupts_warmup_late\": %llu, \"interrupts_not_injected\": %llu, "
	       "\"hlts\": %llu, \"user_exits\": %llu, \"kvm\": {",
	       first ? "" : ",", vm_workload_name(rr->workload), vm_mitigation_name(rr->mitigation),
	       vm_consumer_name(rr->consumer), (unsigned long long)rr->messages, rr->failed ? "false" : "true",
	       rr->failed ? rr->why : "", rr->secs, rate, rr->rtt_us * 1e3, rr->rtt_min_us * 1e3,
	       (unsigned long long)rr->kicks_seen, per(rr->kicks_seen, rr->messages),
	       (unsigned long long)rr->kstat[KS_IRQ_INJECTIONS], per(rr->kstat[KS_IRQ_INJECTIONS], rr->messages),
	       per(rr->kstat[KS_EXITS], rr->messages), (unsigned long long)rr->g.kick_suppressed,
	       (unsigned long long)rr->g.kick_deferred, (unsigned long long)rr->g.kicks, (unsigned long long)rr->calls,
	       (unsigned long long)rr->g.irqs, (unsigned long long)rr->g.shadow_fixups,
	       (unsigned long long)rr->g.warmup_late,
	       (unsigned long long)(rr->have_kstats && rr->g.irqs > rr->kstat[KS_IRQ_INJECTIONS]
					    ? rr->g.irqs - rr->kstat[KS_IRQ_INJECTIONS]
					    : 0),
	       (unsigned long long)rr->g.hlts, (unsigned long long)rr->user_exits);
	for (int k = 0; k < KS_COUNT; k++)
		printf("%s\"%s\": %llu", k ? ", " : "", lab_kstat_names[k], (unsigned long long)rr->kstat[k]);
	printf("}");
	if (rr->model_ok)
		printf(", \"model\": {\"doorbells_per_message\": %.6f, \"interrupts_per_message\": %.6f, "
		       "\"msgs_per_s\": %.1f, \"latency_p50_ns\": %.0f, \"latency_p50_cycles\": %llu}, "
		       "\"ratio\": {\"msgs_per_s\": %.4f, \"rtt\": %.4f}",
		       per(rr->model.doorbells, rr->model.messages), per(rr->model.interrupts, rr->model.messages),
		       model_rate(rr), (double)rr->model.lat_p50 / NOMINAL_GHZ, (unsigned long long)rr->model.lat_p50,
		       model_rate(rr) > 0 ? rate / model_rate(rr) : 0,
		       rr->model.lat_p50 && rr->workload == VM_WL_PINGPONG
			       ? rr->rtt_us * 1e3 / ((double)rr->model.lat_p50 / NOMINAL_GHZ)
			       : 0);
	printf("}");
}

int main(int argc, char **argv)
{
	struct opts o = { .workloads = (1u << VM_WL_COUNT) - 1,
			  .mitigations = (1u << VM_MIT_COUNT) - 1,
			  .consumers = 1u << VM_CONS_BLOCK,
			  .messages = 100000,
			  .ring = 256,
			  .batch = 16,
			  .burst = 32,
			  .msg_len = 64,
			  .evidx_threshold = 1,
			  .mod_count = 32,
			  .cal_iters = 2000,
			  .rate = 20000,
			  .mod_holdoff_us = 10,
			  .spin_us = 20,
			  .timeout_s = 300,
			  .max_doorbells = -1,
			  .max_irqs = -1,
			  .seed = 1,
			  .repeat = 1 };
	enum {
		O_RING = 256,
		O_BATCH,
		O_BURST,
		O_RATE,
		O_MSGLEN,
		O_EVIDX,
		O_MODH,
		O_MODC,
		O_SPIN,
		O_CALI,
		O_SEED,
		O_TIMEOUT,
		O_NOMODEL,
		O_JSON,
		O_MAXD,
		O_MAXI,
		O_EXACT,
		O_PROBE,
		O_REPEAT
	};
	static const struct option lo[] = { { "workload", 1, 0, 'w' },
					    { "mitigation", 1, 0, 'm' },
					    { "consumer", 1, 0, 'c' },
					    { "messages", 1, 0, 'n' },
					    { "ring", 1, 0, O_RING },
					    { "batch", 1, 0, O_BATCH },
					    { "burst", 1, 0, O_BURST },
					    { "rate", 1, 0, O_RATE },
					    { "msg-len", 1, 0, O_MSGLEN },
					    { "evidx-threshold", 1, 0, O_EVIDX },
					    { "mod-holdoff-us", 1, 0, O_MODH },
					    { "mod-count", 1, 0, O_MODC },
					    { "spin-us", 1, 0, O_SPIN },
					    { "calibrate-iters", 1, 0, O_CALI },
					    { "seed", 1, 0, O_SEED },
					    { "timeout", 1, 0, O_TIMEOUT },
					    { "no-model", 0, 0, O_NOMODEL },
					    { "json", 0, 0, O_JSON },
					    { "max-doorbells-per-msg", 1, 0, O_MAXD },
					    { "max-irqs-per-msg", 1, 0, O_MAXI },
					    { "exact-pingpong", 0, 0, O_EXACT },
					    { "probe", 0, 0, O_PROBE },
					    { "repeat", 1, 0, O_REPEAT },
					    { "verbose", 0, 0, 'v' },
					    { "help", 0, 0, 'h' },
					    { 0, 0, 0, 0 } };
	int c, probe_only = 0;
	uint64_t u;
	char why[256];

	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(); /* --help wins over anything else on the line (docs/cli.md) */
			return 0;
		}
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":w:m:c:n:vh", lo, NULL)) != -1) {
		switch (c) {
		case 'w':
			o.workloads = parse_list("--workload", optarg, VM_WL_COUNT, vm_workload_parse,
						 "ping-pong, stream, bursty, poisson");
			break;
		case 'm':
			o.mitigations = parse_list("--mitigation", optarg, VM_MIT_COUNT, vm_mitigation_parse,
						   "none, shm-signal, event-index, moderation");
			break;
		case 'c':
			o.consumers = parse_list("--consumer", optarg, VM_CONS_COUNT, vm_consumer_parse,
						 "busy-poll, block, spin-then-block");
			break;
		case 'n':
			parse_u("--messages", optarg, 1, 100000000, &o.messages);
			break;
		case O_RING:
			parse_u("--ring", optarg, 2, 32768, &u);
			if (u & (u - 1))
				die_usage("--ring '%s': not a power of two from 2 to 32768", optarg);
			o.ring = (uint32_t)u;
			break;
		case O_BATCH:
			parse_u("--batch", optarg, 1, 32, &u);
			o.batch = (uint32_t)u;
			break;
		case O_BURST:
			parse_u("--burst", optarg, 1, 32768, &u);
			o.burst = (uint32_t)u;
			break;
		case O_RATE:
			o.rate = parse_d("--rate", optarg, 1, 1e9);
			break;
		case O_MSGLEN:
			parse_u("--msg-len", optarg, 64, 65536, &u);
			o.msg_len = (uint32_t)u;
			break;
		case O_EVIDX:
			parse_u("--evidx-threshold", optarg, 1, 32768, &u);
			o.evidx_threshold = (uint32_t)u;
			break;
		case O_MODH:
			o.mod_holdoff_us = parse_d("--mod-holdoff-us", optarg, 0.001, 1e6);
			break;
		case O_MODC:
			parse_u("--mod-count", optarg, 0, 255, &u);
			o.mod_count = (uint32_t)u;
			break;
		case O_SPIN:
			o.spin_us = parse_d("--spin-us", optarg, 0, 1e6);
			break;
		case O_CALI:
			parse_u("--calibrate-iters", optarg, 1, 1000000, &u);
			o.cal_iters = (uint32_t)u;
			break;
		case O_SEED:
			parse_u("--seed", optarg, 0, 0xffffffffu, &u);
			o.seed = (uint32_t)u;
			break;
		case O_TIMEOUT:
			parse_u("--timeout", optarg, 1, 86400, &u);
			o.timeout_s = (unsigned int)u;
			break;
		case O_NOMODEL:
			o.no_model = 1;
			break;
		case O_JSON:
			o.json = 1;
			break;
		case O_MAXD:
			o.max_doorbells = parse_d("--max-doorbells-per-msg", optarg, 0, 1e9);
			break;
		case O_MAXI:
			o.max_irqs = parse_d("--max-irqs-per-msg", optarg, 0, 1e9);
			break;
		case O_EXACT:
			o.exact_pingpong = 1;
			break;
		case O_PROBE:
			probe_only = 1;
			break;
		case O_REPEAT:
			parse_u("--repeat", optarg, 1, 1000, &u);
			o.repeat = (uint32_t)u;
			break;
		case 'v':
			o.verbose = 1;
			break;
		case 'h':
			usage();
			return 0;
		default:
			return vbus_getopt_error(PROG, c, argv[optind - 1], optopt);
		}
	}
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	if (o.ring < o.batch)
		die_usage("--batch must not exceed --ring (%s)", "a batch must fit the ring");

	if (lab_kvm_probe(why, sizeof(why)))
		return vbus_fail(PROG, "/dev/kvm", why);

	struct sigaction sa = { .sa_handler = on_alarm };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART: KVM_RUN returns EINTR and the watchdog looks */

	struct calib cal = { 0 };
	if (probe_only)
		o.cal_iters = 10;
	if (calibrate(&o, &cal, why, sizeof(why)))
		/* a VM that opens but cannot run (nested KVM refusing) is as good as no KVM: say which */
		return vbus_fail(PROG, "/dev/kvm opens but the calibration VM did not run", why);
	if (probe_only) {
		printf(PROG ": /dev/kvm runs the lab (TSC %llu kHz)\n", (unsigned long long)cal.tsc_khz);
		return 0;
	}

	int nrun = 0;
	struct vbus_progress pg;

	vbus_progress_init(&pg, PROG, 5);
	struct run_result *res = calloc((size_t)VM_WL_COUNT * VM_MIT_COUNT * VM_CONS_COUNT * o.repeat, sizeof(*res));
	int fails = 0, checks = 0;

	if (!res) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	if (!o.json) {
		printf("calibration (%u iterations each, TSC %llu kHz):\n", o.cal_iters,
		       (unsigned long long)cal.tsc_khz);
		printf("  PIO exit to this VMM and back     %9.2f us\n", cal.exit_ns / 1e3);
		printf("  ioeventfd doorbell (in-kernel)    %9.2f us\n", cal.kick_ns / 1e3);
		printf("  irqfd interrupt, vCPU running     %9.2f us  (eventfd write -> guest handler -> seen by host)\n",
		       cal.irq_ns / 1e3);
		printf("  irqfd interrupt, vCPU halted      %9.2f us\n", cal.wake_ns / 1e3);
		printf("model parameters from these (cycles of a nominal %.0f GHz core): vm_exit=%.0f interrupt=%.0f wakeup=%.0f\n\n",
		       NOMINAL_GHZ, cal.kick_ns * NOMINAL_GHZ, cal.irq_ns * NOMINAL_GHZ, cal.wake_ns * NOMINAL_GHZ);
		print_table_header();
	}
	for (int cs = 0; cs < VM_CONS_COUNT; cs++)
		for (int w = 0; w < VM_WL_COUNT; w++)
			for (int m = 0; m < VM_MIT_COUNT; m++)
				if ((o.consumers >> cs & 1) && (o.workloads >> w & 1) && (o.mitigations >> m & 1))
					for (uint32_t k = 0; k < o.repeat; k++)
						res[nrun++] = (struct run_result){ .workload = w,
										   .mitigation = m,
										   .consumer = cs,
										   .messages = o.messages };
	for (int i = 0; i < nrun; i++) {
		struct run_result *rr = &res[i];

		vbus_progress(&pg, (uint64_t)i, (uint64_t)nrun, "%s %s %s", vm_workload_name(rr->workload),
			      vm_mitigation_name(rr->mitigation), vm_consumer_name(rr->consumer));
		if (o.verbose)
			fprintf(stderr, PROG ": run %d/%d: %s %s %s\n", i + 1, nrun, vm_workload_name(rr->workload),
				vm_mitigation_name(rr->mitigation), vm_consumer_name(rr->consumer));
		if (run_one(&o, &cal, rr))
			fails++;
		/* the checks the tests ask for, on KVM's own counts */
		if (!rr->failed && o.max_doorbells >= 0 && per(rr->kicks_seen, rr->messages) > o.max_doorbells) {
			snprintf(rr->why, sizeof(rr->why), "%.6f doorbell exits per message > %g",
				 per(rr->kicks_seen, rr->messages), o.max_doorbells);
			rr->failed = 1, fails++;
		}
		if (!rr->failed && o.max_irqs >= 0 && per(rr->kstat[KS_IRQ_INJECTIONS], rr->messages) > o.max_irqs) {
			snprintf(rr->why, sizeof(rr->why), "%.6f interrupts injected per message > %g",
				 per(rr->kstat[KS_IRQ_INJECTIONS], rr->messages), o.max_irqs);
			rr->failed = 1, fails++;
		}
		if (!rr->failed && (o.max_doorbells >= 0 || o.max_irqs >= 0 || o.exact_pingpong) && !rr->have_kstats) {
			snprintf(rr->why, sizeof(rr->why),
				 "this kernel has no KVM stats fd: interrupts cannot be counted by KVM");
			rr->failed = 1, fails++;
		}
		if (!rr->failed && o.exact_pingpong && rr->workload == VM_WL_PINGPONG &&
		    rr->consumer == VM_CONS_BLOCK && rr->mitigation <= VM_MIT_SHM_SIGNAL) {
			/*
			 * Both sides block, one request in flight: every completion finds north halted and
			 * enabled, so exactly one interrupt per round trip. none rings one doorbell per
			 * request; shm-signal at most one (SIG-12: none while south is still in its drain).
			 */
			/*
			 * Interrupts: the guest's IDT entry ran exactly once per round trip, south wrote the
			 * irqfd exactly once, and KVM injected at least that many (its irq_injections also
			 * counts a re-injection after an interrupted delivery).
			 */
			/*
			 * An interrupt the guest took beyond every one KVM injected (irq_injections counts
			 * each injection, re-injections included) was not caused by the protocol nor by KVM:
			 * nested SVM under QEMU TCG has delivered one twice (kvm.lab in CI: 1001 taken, 1000
			 * injected, 1000 irqfd writes). Those are counted apart (interrupts_not_injected) and
			 * shown; the rest must be exactly one per round trip.
			 */
			uint64_t rt = rr->messages, irq = rr->g.irqs, db = rr->kicks_seen;
			uint64_t inj = rr->kstat[KS_IRQ_INJECTIONS], extra = irq > inj ? irq - inj : 0;
			int bad = irq - extra != rt || rr->calls != rt || inj < rt ||
				  (rr->mitigation == VM_MIT_NONE ? db != rt : db > rt);

			checks++;
			if (bad) {
				snprintf(
					rr->why, sizeof(rr->why),
					"ping-pong %s: %llu doorbells, %llu irqfd writes, %llu interrupts taken, %llu injected "
					"for %llu round trips, want %s",
					vm_mitigation_name(rr->mitigation), (unsigned long long)db,
					(unsigned long long)rr->calls, (unsigned long long)irq,
					(unsigned long long)rr->kstat[KS_IRQ_INJECTIONS], (unsigned long long)rt,
					rr->mitigation == VM_MIT_NONE ? "exactly one each"
								      : "exactly one interrupt, at most one doorbell");
				rr->failed = 1, fails++;
			}
		}
		vbus_progress_done(&pg);
		if (!o.json) {
			print_row(rr);
			fflush(stdout);
		}
	}
	if (o.exact_pingpong && !checks && !fails) {
		fprintf(stderr, PROG
			": --exact-pingpong given but no ping-pong run with --consumer block and mitigation none or shm-signal was made\n");
		fails++;
	}
	if (o.json) {
		printf("{\"tool\": \"" PROG "\", \"config\": {\"messages\": %llu, \"ring\": %u, \"batch\": %u, "
		       "\"burst\": %u, \"rate\": %g, \"msg_len\": %u, \"evidx_threshold\": %u, \"mod_holdoff_us\": %g, "
		       "\"mod_count\": %u, \"spin_us\": %g, \"calibrate_iters\": %u, \"seed\": %u, \"clock_ghz\": %g}, ",
		       (unsigned long long)o.messages, o.ring, o.batch, o.burst, o.rate, o.msg_len, o.evidx_threshold,
		       o.mod_holdoff_us, o.mod_count, o.spin_us, o.cal_iters, o.seed, NOMINAL_GHZ);
		printf("\"calibration\": {\"tsc_khz\": %llu, \"exit_us\": %.3f, \"ioeventfd_us\": %.3f, "
		       "\"irqfd_running_us\": %.3f, \"irqfd_halted_us\": %.3f}, \"runs\": [",
		       (unsigned long long)cal.tsc_khz, cal.exit_ns / 1e3, cal.kick_ns / 1e3, cal.irq_ns / 1e3,
		       cal.wake_ns / 1e3);
		for (int i = 0; i < nrun; i++)
			json_run(&res[i], i == 0);
		printf("\n  ], \"failed\": %d}\n", fails);
	} else {
		printf("\ndoor/msg: doorbell exits per message (the kick eventfd's count: every one signalled by KVM's ioeventfd);\n"
		       "irq/msg: interrupts KVM injected (vCPU stat irq_injections); exit/msg: all VM exits (vCPU stat exits,\n"
		       "including halts, EOIs and host interrupts). model: vbus-model, --dir n2s --doorbell-traps, with the costs above.\n");
		if (fails)
			printf("%d run(s) FAILED\n", fails);
	}
	free(res);
	return fails ? 1 : 0;
}

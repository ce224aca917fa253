// SPDX-License-Identifier: GPL-2.0
/*
 * The control request's single fetch, as compiled (issue 9 finding 7).
 *
 * vbus_bus_ctrl_pop() copies the 56-byte request out of shared memory and
 * then works on the copy only; the compiler barrier after the memcpy keeps
 * the compiler from dropping the copy and loading the shared fields later,
 * interleaved with the verb's logic (where a second load of one field is the
 * XSA-155 double fetch). This harness watches the compiled code: the page
 * holding the request and the pages of the core's struct vbus_bus are
 * PROT_NONE; every instruction touching them faults, is recorded (request
 * read 'r', request write 'w', bus state 'b'), and is single-stepped (TF)
 * with the pages open. The property: between the first and the last read of
 * the request, the code touches no bus state, i.e. every load of the request
 * happens in one block before the verb's logic runs.
 *
 * Exit 0: the property holds for every verb; 3: it does not (the trace is
 * printed); 1: the harness itself failed. Built by single_fetch.sh against
 * kernel/core with a chosen compiler and flags.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <asm/byteorder.h>

#include "vbus_core.h"

#define REGION_SIZE (64u * 1024u)
#define MSG_OFF (32u * 1024u) /* the request's own page, inside the data area */
#define MAX_EV 4096
#define X86_TF 0x100

static uint8_t *region;
static uint8_t *bus_mem;
static size_t bus_len;
static size_t page;
static volatile sig_atomic_t tracing;
static char ev_kind[MAX_EV];
static unsigned long ev_ip[MAX_EV];
static volatile int nev;

static void watch(int prot)
{
	if (mprotect(region + MSG_OFF, page, prot) || mprotect(bus_mem, bus_len, prot))
		_exit(1);
}

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	uint8_t *a = si->si_addr;
	char k;

	(void)sig;
	if (!tracing)
		_exit(1);
	if (a >= region + MSG_OFF && a < region + MSG_OFF + page)
		k = (uc->uc_mcontext.gregs[REG_ERR] & 2) ? 'w' : 'r';
	else if (a >= bus_mem && a < bus_mem + bus_len)
		k = 'b';
	else
		_exit(1); /* a real crash */
	if (nev < MAX_EV) {
		ev_kind[nev] = k;
		ev_ip[nev] = (unsigned long)uc->uc_mcontext.gregs[REG_RIP];
		nev++;
	}
	watch(PROT_READ | PROT_WRITE);
	uc->uc_mcontext.gregs[REG_EFL] |= X86_TF; /* trap after this one instruction */
}

static void on_trap(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)sig;
	(void)si;
	watch(PROT_NONE);
	uc->uc_mcontext.gregs[REG_EFL] &= ~(greg_t)X86_TF;
}

struct verb {
	const char *name;
	u32 op, devid, arg0, arg1;
	u64 offset, len, sigdesc;
	u32 result, ret; /* expected */
};

static int run_verb(struct vbus_bus *b, const struct verb *v)
{
	struct vbus_ctrl_msg *m = (struct vbus_ctrl_msg *)(region + MSG_OFF);
	struct ioq_desc_info d = { .offset = MSG_OFF, .len = sizeof(*m) };
	int first = -1, last = -1, i, rc;
	u32 used = 0;
	char trace[MAX_EV + 1];

	memset(m, 0, sizeof(*m));
	m->op = cpu_to_le32(v->op);
	m->devid = cpu_to_le32(v->devid);
	m->arg0 = cpu_to_le32(v->arg0);
	m->arg1 = cpu_to_le32(v->arg1);
	m->offset = cpu_to_le64(v->offset);
	m->len = cpu_to_le64(v->len);
	m->sigdesc = cpu_to_le64(v->sigdesc);
	nev = 0;
	tracing = 1;
	watch(PROT_NONE);
	rc = vbus_bus_ctrl_pop(b, &d, &used);
	tracing = 0;
	watch(PROT_READ | PROT_WRITE);

	for (i = 0; i < nev; i++) {
		trace[i] = ev_kind[i];
		if (ev_kind[i] == 'r') {
			if (first < 0)
				first = i;
			last = i;
		}
	}
	trace[nev] = 0;
	printf("%-14s accesses %s\n", v->name, trace);
	if (nev >= MAX_EV || rc != 0 || used != sizeof(*m) || (u32)le32_to_cpu(m->result) != v->result ||
	    (u32)le32_to_cpu(m->ret) != v->ret || first < 0) {
		fprintf(stderr, "harness: %s: rc %d used %u result %d ret %u (expected %d %u), %d events\n", v->name,
			rc, used, (int)le32_to_cpu(m->result), le32_to_cpu(m->ret), (int)v->result, v->ret, nev);
		return 1;
	}
	for (i = first; i <= last; i++)
		if (ev_kind[i] == 'b') {
			printf("%s: bus state touched at ip %#lx between loads of the request (ips %#lx .. %#lx):"
			       " the request is not fetched once before the verb runs\n",
			       v->name, ev_ip[i], ev_ip[first], ev_ip[last]);
			return 3;
		}
	return 0;
}

int main(void)
{
	const struct vbus_bus_layout lay = {
		.max_devices = 4,
		.device_table_off = 128,
		.ctrl_ring_off = 4096,
		.event_ring_off = 8192,
		.data_off = 16384,
		.data_len = REGION_SIZE - 16384,
	};
	const struct verb verbs[] = {
		{ "open", VBUS_CTRL_OPEN, 7, 1, 0, 0, 0, 0, 0, 1 },
		{ "open-again", VBUS_CTRL_OPEN, 7, 1, 0, 0, 0, 0, (u32)-EBUSY, 0 },
		{ "get-features", VBUS_CTRL_CALL, 7, VBUS_CALL_GET_FEATURES, 0, 0, 0, 0, 0, 0x5 },
		{ "shm", VBUS_CTRL_SHM, 7, 0, 3, 16384, 4096, VBUS_CTRL_NO_SIGNAL, 0, 0 },
		{ "shm-bad-prio", VBUS_CTRL_SHM, 7, 1, 9, 16384, 4096, VBUS_CTRL_NO_SIGNAL, (u32)-EINVAL, 0 },
		{ "close", VBUS_CTRL_CLOSE, 7, 0, 0, 0, 0, 0, 0, 0 },
		{ "no-device", VBUS_CTRL_OPEN, 99, 1, 0, 0, 0, 0, (u32)-ENODEV, 0 },
		{ "release", VBUS_CTRL_RELEASE, 7, 0, 0, 0, 0, 0, 0, 0 },
	};
	struct sigaction sa = { .sa_flags = SA_SIGINFO };
	struct vbus_bus *b;
	unsigned int i;
	int rc = 0, r;

	page = (size_t)sysconf(_SC_PAGESIZE);
	bus_len = (sizeof(*b) + page - 1) & ~(page - 1);
	region = mmap(NULL, REGION_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	bus_mem = mmap(NULL, bus_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED || bus_mem == MAP_FAILED)
		return 1;
	b = (struct vbus_bus *)bus_mem;
	if (vbus_bus_create(b, region, REGION_SIZE, &lay) || vbus_bus_add_device(b, 7, "echo", 1, 0x5, 4, false) < 0) {
		fprintf(stderr, "harness: cannot create the bus\n");
		return 1;
	}
	sa.sa_sigaction = on_segv;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, NULL))
		return 1;
	sa.sa_sigaction = on_trap;
	if (sigaction(SIGTRAP, &sa, NULL))
		return 1;
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		r = run_verb(b, &verbs[i]);
		if (r == 1)
			return 1;
		if (r)
			rc = r;
	}
	printf(rc ? "FAIL: a request field is loaded from shared memory after the verb's logic began\n"
		  : "PASS: every verb loads the request in one block before touching bus state\n");
	return rc;
}

/* SPDX-License-Identifier: GPL-2.0 */
/* The micro-VMM over /dev/kvm (vmm.c): one VM, one vCPU, in-kernel irqchip, the vbus region as a memfd. */
#ifndef VBUS_KVMLAB_VMM_H
#define VBUS_KVMLAB_VMM_H

#include <stddef.h>
#include <stdint.h>

#include "lab_abi.h"

/* KVM's own counters of the vCPU (binary stats fd), -1 where this kernel has no such stat. */
enum lab_kstat {
	KS_EXITS,
	KS_IO_EXITS,
	KS_MMIO_EXITS,
	KS_HALT_EXITS,
	KS_IRQ_EXITS,
	KS_IRQ_WINDOW_EXITS,
	KS_IRQ_INJECTIONS,
	KS_HALT_WAKEUP,
	KS_SIGNAL_EXITS,
	KS_REQUEST_IRQ_EXITS,
	KS_COUNT
};
extern const char *const lab_kstat_names[KS_COUNT];

struct lab_vm {
	int kvm, vm, vcpu, stats_fd;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *ram;
	uint8_t *region;
	uint64_t region_size;
	int memfd, kick_efd, call_efd;
	long stat_off[KS_COUNT]; /* byte offset of each stat's value in the stats fd, -1 if absent */
	uint64_t tsc_khz;
	uint64_t user_exits[32];    /* exits to this VMM by KVM_EXIT_* reason (ours, not KVM's) */
	uint64_t k_ready[KS_COUNT]; /* KVM's counters when the guest said READY: the measured window starts */
};

/*
 * Is /dev/kvm usable here? 0, or -errno with a one-line reason in @why
 * (missing, no permission, API version, a capability the lab needs).
 */
int lab_kvm_probe(char *why, size_t len);
/* Create the VM, load @payload, map a memfd region of @region_size; 0 or -errno (message in @err). */
int lab_vm_create(struct lab_vm *v, const void *payload, size_t payload_len, uint64_t region_size, char *err,
		  size_t errlen);
void lab_vm_destroy(struct lab_vm *v);
/* Read KVM's counters into @out (absent ones 0); 0 or -errno. */
int lab_vm_kstats(struct lab_vm *v, uint64_t out[KS_COUNT]);
static inline void *lab_gpa(struct lab_vm *v, uint64_t gpa)
{
	return v->ram + gpa;
}

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * The micro-VMM: a VM created directly through /dev/kvm (the KVM API,
 * Documentation/virt/kvm/api.rst). One vCPU started in 64-bit long mode on
 * page tables the VMM builds; the in-kernel irqchip (KVM_CREATE_IRQCHIP);
 * guest RAM as slot 0 and the vbus region, a sealed memfd, as slot 1; one
 * GSI routed as an MSI to the vCPU's local APIC and fed by an irqfd (south's
 * "call"), and the doorbell port bound to an ioeventfd (north's "kick").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm.h"

const char *const lab_kstat_names[KS_COUNT] = {
	"exits",	  "io_exits",	 "mmio_exits",	 "halt_exits",	      "irq_exits", "irq_window_exits",
	"irq_injections", "halt_wakeup", "signal_exits", "request_irq_exits",
};

static const struct {
	int cap;
	const char *name;
} needed_caps[] = {
	{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
	{ KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP" },
	{ KVM_CAP_IRQFD, "KVM_CAP_IRQFD" },
	{ KVM_CAP_IOEVENTFD, "KVM_CAP_IOEVENTFD" },
	{ KVM_CAP_IRQ_ROUTING, "KVM_CAP_IRQ_ROUTING" },
	{ KVM_CAP_SIGNAL_MSI, "KVM_CAP_SIGNAL_MSI" },
	{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
};

int lab_kvm_probe(char *why, size_t len)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC), v, e;

	if (fd < 0) {
		e = errno;
		snprintf(
			why, len, "cannot open /dev/kvm: %s%s", strerror(e),
			e == ENOENT
				? " (no KVM on this machine: no hardware virtualisation exposed, or kvm module not loaded)"
				: "");
		return -e;
	}
	v = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (v != KVM_API_VERSION) {
		snprintf(why, len, "/dev/kvm API version %d, need %d", v, KVM_API_VERSION);
		close(fd);
		return -ENOTSUP;
	}
	for (size_t i = 0; i < sizeof(needed_caps) / sizeof(needed_caps[0]); i++) {
		if (ioctl(fd, KVM_CHECK_EXTENSION, needed_caps[i].cap) <= 0) {
			snprintf(why, len, "/dev/kvm lacks %s", needed_caps[i].name);
			close(fd);
			return -ENOTSUP;
		}
	}
	close(fd);
	return 0;
}

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -1)

static int setup_stats(struct lab_vm *v)
{
	struct kvm_stats_header h;
	char *descs = NULL;
	size_t dsz;

	for (int i = 0; i < KS_COUNT; i++)
		v->stat_off[i] = -1;
	v->stats_fd = -1;
	if (ioctl(v->kvm, KVM_CHECK_EXTENSION, KVM_CAP_BINARY_STATS_FD) <= 0)
		return 0;
	v->stats_fd = ioctl(v->vcpu, KVM_GET_STATS_FD, 0);
	if (v->stats_fd < 0)
		return -errno;
	if (pread(v->stats_fd, &h, sizeof(h), 0) != sizeof(h))
		return -EIO;
	dsz = sizeof(struct kvm_stats_desc) + h.name_size;
	if (h.num_desc > 4096 || h.name_size > 4096)
		return -EIO;
	descs = calloc(h.num_desc, dsz);
	if (!descs)
		return -ENOMEM;
	if (pread(v->stats_fd, descs, h.num_desc * dsz, h.desc_offset) != (ssize_t)(h.num_desc * dsz)) {
		free(descs);
		return -EIO;
	}
	for (uint32_t i = 0; i < h.num_desc; i++) {
		struct kvm_stats_desc *d = (void *)(descs + i * dsz);

		d->name[h.name_size - 1] = 0;
		for (int k = 0; k < KS_COUNT; k++)
			if (!strcmp(d->name, lab_kstat_names[k]) && d->size == 1)
				v->stat_off[k] = (long)h.data_offset + d->offset;
	}
	free(descs);
	return 0;
}

int lab_vm_kstats(struct lab_vm *v, uint64_t out[KS_COUNT])
{
	for (int k = 0; k < KS_COUNT; k++) {
		out[k] = 0;
		if (v->stat_off[k] < 0)
			continue;
		if (pread(v->stats_fd, &out[k], sizeof(out[k]), v->stat_off[k]) != sizeof(out[k]))
			return -EIO;
	}
	return 0;
}

/* Identity map of the low 4 GiB with 2 MiB pages; the local APIC's 2 MiB uncached. */
static void build_page_tables(struct lab_vm *v)
{
	uint64_t *pml4 = lab_gpa(v, LAB_PML4_GPA), *pdpt = lab_gpa(v, LAB_PML4_GPA + 0x1000);

	pml4[0] = (LAB_PML4_GPA + 0x1000) | 0x3; /* present, writable */
	for (uint64_t g = 0; g < 4; g++) {
		uint64_t *pd = lab_gpa(v, LAB_PML4_GPA + 0x2000 + g * 0x1000);

		pdpt[g] = (LAB_PML4_GPA + 0x2000 + g * 0x1000) | 0x3;
		for (uint64_t i = 0; i < 512; i++) {
			uint64_t addr = (g << 30) | (i << 21);

			pd[i] = addr | 0x83; /* present, writable, 2 MiB page */
			if (addr == (LAB_LAPIC_GPA & ~((1ull << 21) - 1)))
				pd[i] |= 0x18; /* PCD | PWT: uncached */
		}
	}
}

static int setup_cpu(struct lab_vm *v, char *err, size_t errlen)
{
	struct kvm_sregs sr;
	struct kvm_regs regs;
	uint64_t *gdt = lab_gpa(v, LAB_GDT_GPA);
	struct kvm_cpuid2 *cpuid;
	int n = 256;

	/* CPUID as KVM supports it: the guest sees a local APIC (and whatever else the host offers) */
	cpuid = calloc(1, sizeof(*cpuid) + n * sizeof(struct kvm_cpuid_entry2));
	if (!cpuid)
		return ERR("out of memory");
	cpuid->nent = n;
	if (ioctl(v->kvm, KVM_GET_SUPPORTED_CPUID, cpuid) < 0 || ioctl(v->vcpu, KVM_SET_CPUID2, cpuid) < 0) {
		free(cpuid);
		return ERR("KVM_GET_SUPPORTED_CPUID/KVM_SET_CPUID2: %s", strerror(errno));
	}
	free(cpuid);

	/* GDT: null, 64-bit code (0x08), data (0x10); iretq reloads CS and SS from it */
	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffffull;
	gdt[2] = 0x00cf92000000ffffull;
	build_page_tables(v);

	if (ioctl(v->vcpu, KVM_GET_SREGS, &sr) < 0)
		return ERR("KVM_GET_SREGS: %s", strerror(errno));
	struct kvm_segment code = { .base = 0,
				    .limit = 0xffffffff,
				    .selector = 0x08,
				    .type = 11,
				    .present = 1,
				    .dpl = 0,
				    .db = 0,
				    .s = 1,
				    .l = 1,
				    .g = 1 };
	struct kvm_segment data = { .base = 0,
				    .limit = 0xffffffff,
				    .selector = 0x10,
				    .type = 3,
				    .present = 1,
				    .dpl = 0,
				    .db = 1,
				    .s = 1,
				    .l = 0,
				    .g = 1 };
	sr.cs = code;
	sr.ds = sr.es = sr.fs = sr.gs = sr.ss = data;
	sr.tr = (struct kvm_segment){ .base = 0, .limit = 0x67, .selector = 0x18, .type = 11, .present = 1 };
	sr.ldt = (struct kvm_segment){ .selector = 0, .type = 2, .present = 1, .unusable = 1 };
	sr.gdt.base = LAB_GDT_GPA;
	sr.gdt.limit = 3 * 8 - 1;
	sr.cr3 = LAB_PML4_GPA;
	sr.cr4 = 1u << 5;			       /* PAE */
	sr.cr0 = 0x80000001u | (1u << 5) | (1u << 16); /* PG, PE, NE, WP */
	sr.efer = (1u << 8) | (1u << 10);	       /* LME, LMA */
	if (ioctl(v->vcpu, KVM_SET_SREGS, &sr) < 0)
		return ERR("KVM_SET_SREGS (long mode): %s", strerror(errno));
	memset(&regs, 0, sizeof(regs));
	regs.rip = LAB_PAYLOAD_GPA;
	regs.rsp = LAB_STACK_TOP;
	regs.rflags = 0x2;
	if (ioctl(v->vcpu, KVM_SET_REGS, &regs) < 0)
		return ERR("KVM_SET_REGS: %s", strerror(errno));
	return 0;
}

int lab_vm_create(struct lab_vm *v, const void *payload, size_t payload_len, uint64_t region_size, char *err,
		  size_t errlen)
{
	struct kvm_userspace_memory_region mr;
	int r;

	memset(v, 0, sizeof(*v));
	v->kvm = v->vm = v->vcpu = v->stats_fd = v->memfd = v->kick_efd = v->call_efd = -1;
	if (payload_len > LAB_PAYLOAD_MAX)
		return ERR("guest payload of %zu bytes exceeds %u", payload_len, LAB_PAYLOAD_MAX);
	region_size = (region_size + 4095) & ~4095ull;
	v->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (v->kvm < 0)
		return ERR("open /dev/kvm: %s", strerror(errno));
	v->vm = ioctl(v->kvm, KVM_CREATE_VM, 0);
	if (v->vm < 0)
		return ERR("KVM_CREATE_VM: %s", strerror(errno));
	/* Intel needs a TSS area below 4 GiB outside guest RAM; AMD ignores it */
	if (ioctl(v->vm, KVM_SET_TSS_ADDR, 0xfffbd000ul) < 0)
		return ERR("KVM_SET_TSS_ADDR: %s", strerror(errno));
	if (ioctl(v->vm, KVM_CREATE_IRQCHIP, 0) < 0)
		return ERR("KVM_CREATE_IRQCHIP: %s", strerror(errno));

	v->ram = mmap(NULL, LAB_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (v->ram == MAP_FAILED) {
		v->ram = NULL;
		return ERR("mmap guest RAM: %s", strerror(errno));
	}
	mr = (struct kvm_userspace_memory_region){
		.slot = 0, .guest_phys_addr = 0, .memory_size = LAB_RAM_SIZE, .userspace_addr = (uintptr_t)v->ram
	};
	if (ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &mr) < 0)
		return ERR("KVM_SET_USER_MEMORY_REGION (RAM): %s", strerror(errno));

	/* the vbus region: a memfd sealed against resizing, as libvbus makes it (§5.3) */
	v->memfd = memfd_create("vbus-kvmlab-region", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (v->memfd < 0)
		return ERR("memfd_create: %s", strerror(errno));
	if (ftruncate(v->memfd, (off_t)region_size) < 0 ||
	    fcntl(v->memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		return ERR("memfd size/seals: %s", strerror(errno));
	v->region = mmap(NULL, region_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, v->memfd, 0);
	if (v->region == MAP_FAILED) {
		v->region = NULL;
		return ERR("mmap region: %s", strerror(errno));
	}
	v->region_size = region_size;
	mr = (struct kvm_userspace_memory_region){ .slot = 1,
						   .guest_phys_addr = LAB_REGION_GPA,
						   .memory_size = region_size,
						   .userspace_addr = (uintptr_t)v->region };
	if (ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &mr) < 0)
		return ERR("KVM_SET_USER_MEMORY_REGION (vbus region): %s", strerror(errno));

	memcpy(lab_gpa(v, LAB_PAYLOAD_GPA), payload, payload_len);

	v->vcpu = ioctl(v->vm, KVM_CREATE_VCPU, 0);
	if (v->vcpu < 0)
		return ERR("KVM_CREATE_VCPU: %s", strerror(errno));
	r = ioctl(v->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (r < (int)sizeof(struct kvm_run))
		return ERR("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
	v->run_size = (size_t)r;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->vcpu, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		return ERR("mmap kvm_run: %s", strerror(errno));
	}
	if (setup_cpu(v, err, errlen))
		return -1;
	r = ioctl(v->vcpu, KVM_GET_TSC_KHZ, 0);
	if (r <= 0)
		return ERR("KVM_GET_TSC_KHZ: %s", strerror(errno));
	v->tsc_khz = (uint64_t)r;

	/* south -> north: an irqfd on a GSI routed as an MSI (fixed, vector LAB_IRQ_VECTOR) to APIC id 0 */
	struct kvm_irq_routing *rt = calloc(1, sizeof(*rt) + sizeof(struct kvm_irq_routing_entry));

	if (!rt)
		return ERR("out of memory");
	rt->nr = 1;
	rt->entries[0].gsi = LAB_IRQ_GSI;
	rt->entries[0].type = KVM_IRQ_ROUTING_MSI;
	rt->entries[0].u.msi.address_lo = 0xfee00000u;
	rt->entries[0].u.msi.data = LAB_IRQ_VECTOR;
	r = ioctl(v->vm, KVM_SET_GSI_ROUTING, rt);
	free(rt);
	if (r < 0)
		return ERR("KVM_SET_GSI_ROUTING: %s", strerror(errno));
	v->call_efd = eventfd(0, EFD_CLOEXEC);
	v->kick_efd = eventfd(0, EFD_CLOEXEC);
	if (v->call_efd < 0 || v->kick_efd < 0)
		return ERR("eventfd: %s", strerror(errno));
	struct kvm_irqfd irqfd = { .fd = (uint32_t)v->call_efd, .gsi = LAB_IRQ_GSI };
	if (ioctl(v->vm, KVM_IRQFD, &irqfd) < 0)
		return ERR("KVM_IRQFD: %s", strerror(errno));
	/* north -> south: the doorbell port signals the kick eventfd inside the host kernel */
	struct kvm_ioeventfd io = {
		.addr = LAB_PORT_KICK, .len = 1, .fd = v->kick_efd, .flags = KVM_IOEVENTFD_FLAG_PIO
	};
	if (ioctl(v->vm, KVM_IOEVENTFD, &io) < 0)
		return ERR("KVM_IOEVENTFD: %s", strerror(errno));
	r = setup_stats(v);
	if (r < 0)
		return ERR("KVM_GET_STATS_FD: %s", strerror(-r));
	return 0;
}

void lab_vm_destroy(struct lab_vm *v)
{
	if (v->run)
		munmap(v->run, v->run_size);
	if (v->region)
		munmap(v->region, v->region_size);
	if (v->ram)
		munmap(v->ram, LAB_RAM_SIZE);
	int fds[] = { v->stats_fd, v->vcpu, v->kick_efd, v->call_efd, v->memfd, v->vm, v->kvm };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	memset(v, 0, sizeof(*v));
	v->kvm = v->vm = v->vcpu = v->stats_fd = v->memfd = v->kick_efd = v->call_efd = -1;
}

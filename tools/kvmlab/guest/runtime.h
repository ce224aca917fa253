/* SPDX-License-Identifier: GPL-2.0 */
/* The guest runtime (runtime.c): port I/O, TSC, console, IDT and local APIC. */
#ifndef VBUS_KVMLAB_RUNTIME_H
#define VBUS_KVMLAB_RUNTIME_H

#include <linux/types.h>

static inline void outb(u16 port, u8 v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline void outl(u16 port, u32 v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((u64)hi << 32) | lo;
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" : : : "memory");
}

static inline void irq_disable(void)
{
	__asm__ volatile("cli" : : : "memory");
}

static inline void irq_enable(void)
{
	__asm__ volatile("sti" : : : "memory");
}

/* sti; hlt (start.S): an interrupt pending now is taken in the halt, never lost before it. */
void lab_sti_hlt(void);
extern const char lab_hlt_insn[];
static inline void irq_enable_halt(void)
{
	lab_sti_hlt();
	__asm__ volatile("" : : : "memory");
}

void lab_puts(const char *s);
void lab_putu(u64 v);
void lab_idt_init(void);
void lab_apic_init(void);
void lab_apic_eoi(void);
void lab_apic_self_ipi(void);

#endif

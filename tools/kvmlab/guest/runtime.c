// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's minimal runtime: port I/O, console, IDT, local APIC, and the
 * memory functions a freestanding build of the protocol core needs.
 */
#include <linux/types.h>
#include <linux/string.h>

#include "runtime.h"
#include "../lab_abi.h"

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

void *memset(void *d, int c, size_t n)
{
	unsigned char *dp = d;

	while (n--)
		*dp++ = (unsigned char)c;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}

size_t strnlen(const char *s, size_t maxlen)
{
	size_t n = 0;

	while (n < maxlen && s[n])
		n++;
	return n;
}

char *strncpy(char *d, const char *s, size_t n)
{
	size_t i = 0;

	for (; i < n && s[i]; i++)
		d[i] = s[i];
	for (; i < n; i++)
		d[i] = 0;
	return d;
}

void lab_puts(const char *s)
{
	while (*s)
		outb(LAB_PORT_CONSOLE, (u8)*s++);
}

void lab_putu(u64 v)
{
	char buf[24];
	int i = 0;

	do {
		buf[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (i)
		outb(LAB_PORT_CONSOLE, (u8)buf[--i]);
}

/* ---- IDT: exceptions report and stop, LAB_IRQ_VECTOR runs lab_irq, 0xff is the APIC's spurious vector ---- */
struct idt_gate {
	u16 off0;
	u16 sel;
	u8 ist;
	u8 type; /* 0x8e: present, DPL 0, 64-bit interrupt gate (IF cleared on entry) */
	u16 off1;
	u32 off2;
	u32 zero;
} __attribute__((packed));

static struct idt_gate idt[256] __attribute__((aligned(16)));

extern void lab_irq_entry(void);
extern void lab_spurious_entry(void);
extern const u64 lab_fault_table[32];

static void idt_set(unsigned int v, u64 fn)
{
	idt[v] = (struct idt_gate){
		.off0 = (u16)fn, .sel = 0x08, .type = 0x8e, .off1 = (u16)(fn >> 16), .off2 = (u32)(fn >> 32)
	};
}

void lab_idt_init(void)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (u64)(unsigned long)idt };

	for (unsigned int v = 0; v < 32; v++)
		idt_set(v, lab_fault_table[v]);
	idt_set(LAB_IRQ_VECTOR, (u64)(unsigned long)lab_irq_entry);
	idt_set(0xff, (u64)(unsigned long)lab_spurious_entry);
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

/* ---- local APIC (xAPIC MMIO at its reset base) ---- */
#define APIC_TPR 0x80
#define APIC_EOI 0xb0
#define APIC_SVR 0xf0
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360

static void apic_write(u32 reg, u32 v)
{
	*(volatile u32 *)(unsigned long)(LAB_LAPIC_GPA + reg) = v;
}

void lab_apic_init(void)
{
	/* the legacy PICs stay masked: every interrupt here is an MSI straight to this APIC */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	apic_write(APIC_LVT_LINT0, 1u << 16); /* masked */
	apic_write(APIC_LVT_LINT1, 1u << 16);
	apic_write(APIC_TPR, 0);
	apic_write(APIC_SVR, 0x100 | 0xff); /* software enable, spurious vector 0xff */
}

/* Send LAB_IRQ_VECTOR to ourselves (ICR shorthand "self", fixed delivery). */
void lab_apic_self_ipi(void)
{
	apic_write(0x310, 0);
	apic_write(0x300, (1u << 18) | LAB_IRQ_VECTOR);
}

void lab_apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest entry and interrupt stubs. The VMM starts the vCPU in 64-bit long mode
 * (paging, flat segments: tools/kvmlab/vmm.c) at the first byte of .text.start.
 */
#include "../lab_abi.h"

	.section .text.start, "ax"
	.code64
	.global _start
_start:
	mov	$LAB_STACK_TOP, %rsp
	xor	%ebp, %ebp
	call	lab_main
	/* lab_main returned: tell the VMM, then stay halted with interrupts off */
	mov	$LAB_PORT_DONE, %dx
	out	%al, %dx
1:	cli
	hlt
	jmp	1b

	.text
/* The completion interrupt: save the caller-saved registers the C ABI lets lab_irq clobber. */
	.global lab_irq_entry
lab_irq_entry:
	push	%rax
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	/* 9 pushes + the 40-byte interrupt frame keep rsp 16-byte aligned at the call */
	lea	72(%rsp), %rdi		/* the interrupt frame: RIP, CS, RFLAGS, RSP, SS */
	call	lab_irq
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rax
	iretq

/*
 * sti; hlt: the sti shadow means an interrupt pending now is taken in the halt. Should one be
 * delivered in the shadow anyway (seen under nested SVM emulated by QEMU TCG), its return address
 * is lab_hlt_insn and lab_irq moves it past the hlt, so the wakeup is not lost in a halt.
 */
	.global lab_sti_hlt, lab_hlt_insn
lab_sti_hlt:
	sti
lab_hlt_insn:
	hlt
	ret

/* Exceptions 0..31 and the spurious vector: report the vector on LAB_PORT_FAULT and stop. */
	.global lab_fault_entry
	.macro	FAULT n
	.global lab_fault_\n
lab_fault_\n:
	mov	$\n, %eax
	jmp	lab_fault_common
	.endm
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,255
	FAULT	\n
	.endr
lab_fault_common:
	mov	$LAB_PORT_FAULT, %dx
	out	%eax, %dx
2:	cli
	hlt
	jmp	2b

	.section .rodata
	.balign 8
	.global lab_fault_table
lab_fault_table:
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad	lab_fault_\n
	.endr
	.global lab_spurious_entry
	.set	lab_spurious_entry, lab_fault_255

	.section .note.GNU-stack, "", @progbits

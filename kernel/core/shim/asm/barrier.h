/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim for the virt_* barriers (docs/spec/00-overview.md §0.3):
 * mb = seq_cst fence (mfence/locked op on x86), wmb = release fence,
 * rmb = acquire fence (compiler barriers on x86-TSO).
 */
#ifndef _VBUS_SHIM_ASM_BARRIER_H
#define _VBUS_SHIM_ASM_BARRIER_H
#define virt_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define virt_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define virt_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#endif

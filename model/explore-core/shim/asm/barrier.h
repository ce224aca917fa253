/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Instrumented barriers for vbus-explore-core: each is one explorer event.
 * mb drains the agent's store buffer and refreshes its view; wmb orders its
 * buffered stores (weak model); rmb refreshes its view (weak model). The
 * acquire/release forms map onto rmb/wmb around the access. vbus_asym_mb
 * (the core's hook for SIG-14's membarrier()) is a full barrier on both
 * agents at once.
 */
#ifndef _VBUS_VX_ASM_BARRIER_H
#define _VBUS_VX_ASM_BARRIER_H
#include <linux/compiler.h>

enum { VX_MB = 1, VX_WMB = 2, VX_RMB = 3, VX_ASYM = 4 };
void vx_fence(int kind, const char *file, int line);

#define virt_mb() vx_fence(VX_MB, __FILE__, __LINE__)
/* the receiver's asymmetric barrier (SIG-14, membarrier()): drains and refreshes both agents */
#define vbus_asym_mb(s) vx_fence(VX_ASYM, __FILE__, __LINE__)
#define virt_wmb() vx_fence(VX_WMB, __FILE__, __LINE__)
#define virt_rmb() vx_fence(VX_RMB, __FILE__, __LINE__)
#define smp_mb() virt_mb()
#define smp_wmb() virt_wmb()
#define smp_rmb() virt_rmb()
#define smp_load_acquire(p)                                                                                            \
	({                                                                                                             \
		__typeof__(*(p)) _v = READ_ONCE(*(p));                                                                 \
		virt_rmb();                                                                                            \
		_v;                                                                                                    \
	})
#define smp_store_release(p, v)                                                                                        \
	do {                                                                                                           \
		virt_wmb();                                                                                            \
		WRITE_ONCE(*(p), (v));                                                                                 \
	} while (0)
#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Instrumented READ_ONCE/WRITE_ONCE for vbus-explore-core: every shared access
 * of kernel/core goes to the explorer's memory layer (store buffers, views),
 * with the call site, so the explorer runs the production functions
 * themselves. First on the include path, ahead of kernel/core/shim.
 */
#ifndef _VBUS_VX_LINUX_COMPILER_H
#define _VBUS_VX_LINUX_COMPILER_H
#include <stdint.h>

uint64_t vx_load(const volatile void *p, unsigned int size, const char *file, int line);
void vx_store(volatile void *p, unsigned int size, uint64_t v, const char *file, int line);

#define READ_ONCE(x) ((__typeof__(x))vx_load(&(x), sizeof(x), __FILE__, __LINE__))
#define WRITE_ONCE(x, val) vx_store(&(x), sizeof(x), (uint64_t)(val), __FILE__, __LINE__)

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
/* a compiler barrier orders nothing the explorer tracks (the asymmetric sender, §1.3.2) */
#define barrier() __asm__ __volatile__("" ::: "memory")
#endif

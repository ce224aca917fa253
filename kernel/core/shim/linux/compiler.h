/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim for READ_ONCE/WRITE_ONCE, likely/unlikely.
 * Shared fields are accessed with relaxed atomics of their natural width
 * (single-copy atomic, never torn, never merged or re-fetched: what the
 * kernel's volatile accesses give). Ordering comes from the core's explicit
 * barriers (<asm/barrier.h>). ThreadSanitizer does not model fences, so a
 * -fsanitize=thread build strengthens the accesses to acquire/release, which
 * gives TSan the happens-before edges the fences provide on real hardware.
 */
#ifndef _VBUS_SHIM_LINUX_COMPILER_H
#define _VBUS_SHIM_LINUX_COMPILER_H

#if defined(__SANITIZE_THREAD__)
#define VBUS_SHIM_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define VBUS_SHIM_TSAN 1
#endif
#endif

#ifdef VBUS_SHIM_TSAN
#define VBUS_SHIM_LOAD_ORDER __ATOMIC_ACQUIRE
#define VBUS_SHIM_STORE_ORDER __ATOMIC_RELEASE
#else
#define VBUS_SHIM_LOAD_ORDER __ATOMIC_RELAXED
#define VBUS_SHIM_STORE_ORDER __ATOMIC_RELAXED
#endif

#ifdef VBUS_SHIM_RACE
/*
 * Race mode (the consumer fuzzer only): after every shared load the hook may
 * overwrite the field just loaded, as a hostile peer on another CPU could
 * between two loads inside one core call. A second fetch then sees a value
 * the first one's checks never saw.
 */
void vbus_shim_race(volatile void *addr, unsigned long size);
#define READ_ONCE(x)                                                                               \
	({                                                                                         \
		__typeof__(x) __v = __atomic_load_n(&(x), VBUS_SHIM_LOAD_ORDER);                   \
		vbus_shim_race((volatile void *)&(x), sizeof(x));                                  \
		__v;                                                                               \
	})
#else
#define READ_ONCE(x) __atomic_load_n(&(x), VBUS_SHIM_LOAD_ORDER)
#endif
#define WRITE_ONCE(x, val) __atomic_store_n(&(x), (val), VBUS_SHIM_STORE_ORDER)

/* The kernel's compiler barrier: no memory access is moved or re-done across it. */
#define barrier() __asm__ __volatile__("" ::: "memory")

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

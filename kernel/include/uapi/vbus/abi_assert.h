/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause */
/*
 * Compile-time layout checks for the vbus ABI headers. Works in the kernel
 * (gnu11), in userspace C11 and in C++17 (cosim, Verilator harnesses).
 */
#ifndef _UAPI_VBUS_ABI_ASSERT_H
#define _UAPI_VBUS_ABI_ASSERT_H

#ifdef __cplusplus
#define VBUS_ABI_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define VBUS_ABI_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

/* The size of an ABI struct, as docs/spec/ tabulates it. */
#define VBUS_ABI_SIZE(type, size)                                                                  \
	VBUS_ABI_STATIC_ASSERT(sizeof(type) == (size), #type " size differs from docs/spec")
/* The offset of an ABI field, as docs/spec/ tabulates it. */
#define VBUS_ABI_OFFSET(type, field, off)                                                          \
	VBUS_ABI_STATIC_ASSERT(__builtin_offsetof(type, field) == (off),                           \
			       #type "." #field " offset differs from docs/spec")

#endif /* _UAPI_VBUS_ABI_ASSERT_H */

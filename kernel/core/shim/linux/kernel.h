/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: min_t/max_t/ARRAY_SIZE. */
#ifndef _VBUS_SHIM_LINUX_KERNEL_H
#define _VBUS_SHIM_LINUX_KERNEL_H
#include <linux/types.h>
#define min_t(type, a, b) ((type)(a) < (type)(b) ? (type)(a) : (type)(b))
#define max_t(type, a, b) ((type)(a) > (type)(b) ? (type)(a) : (type)(b))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

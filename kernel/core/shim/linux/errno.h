/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: the uapi errno values are the kernel's. */
#ifndef _VBUS_SHIM_LINUX_ERRNO_H
#define _VBUS_SHIM_LINUX_ERRNO_H
#include_next <linux/errno.h>
#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: BUG() aborts; the core never calls it on peer input (hostile data is a violation,
 * not a bug). */
#ifndef _VBUS_SHIM_LINUX_BUG_H
#define _VBUS_SHIM_LINUX_BUG_H
#include <stdlib.h>
#include <linux/build_bug.h>
#define BUG() abort()
#define BUG_ON(cond)                                                                               \
	do {                                                                                       \
		if (cond)                                                                          \
			abort();                                                                   \
	} while (0)
#endif

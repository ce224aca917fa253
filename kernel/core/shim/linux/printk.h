/* SPDX-License-Identifier: GPL-2.0 */
/* Forbidden in the core: a hostile peer must not be able to flood the log; violations are counted
 * and named in struct ioq/vbus_bus instead, and the caller decides what to log. Any use aborts. */
#ifndef _VBUS_SHIM_LINUX_PRINTK_H
#define _VBUS_SHIM_LINUX_PRINTK_H
#include <stdlib.h>
#define printk(...) abort()
#define pr_err(...) abort()
#define pr_warn(...) abort()
#define pr_info(...) abort()
#endif

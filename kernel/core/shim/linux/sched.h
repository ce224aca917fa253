/* SPDX-License-Identifier: GPL-2.0 */
/* Forbidden in the core: it never sleeps (it runs in the kick worker and in atomic context). Any
 * use aborts. */
#ifndef _VBUS_SHIM_LINUX_SCHED_H
#define _VBUS_SHIM_LINUX_SCHED_H
#include <stdlib.h>
#define might_sleep() abort()
#define schedule() abort()
#define cond_resched() abort()
#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* Forbidden in the core: callers serialise each side (SIG-3); the core takes no lock. Any use
 * aborts. */
#ifndef _VBUS_SHIM_LINUX_SPINLOCK_H
#define _VBUS_SHIM_LINUX_SPINLOCK_H
#include <stdlib.h>
#define spin_lock(l) abort()
#define spin_unlock(l) abort()
#define spin_lock_irqsave(l, f) abort()
#define spin_unlock_irqrestore(l, f) abort()
#endif

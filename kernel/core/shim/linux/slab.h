/* SPDX-License-Identifier: GPL-2.0 */
/* Forbidden in the core: it never allocates (callers own every structure). Any use aborts. */
#ifndef _VBUS_SHIM_LINUX_SLAB_H
#define _VBUS_SHIM_LINUX_SLAB_H
#include <stdlib.h>
#define kmalloc(size, gfp) (abort(), (void *)0)
#define kzalloc(size, gfp) (abort(), (void *)0)
#define kfree(p) abort()
#endif

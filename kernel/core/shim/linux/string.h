/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: memcpy/memset/memcmp/strncpy/strnlen. */
#ifndef _VBUS_SHIM_LINUX_STRING_H
#define _VBUS_SHIM_LINUX_STRING_H
#include <string.h>
size_t strnlen(const char *s, size_t maxlen); /* POSIX; not declared under -std=c11 */
#endif

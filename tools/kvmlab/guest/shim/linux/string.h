/* SPDX-License-Identifier: GPL-2.0 */
/* Freestanding shim: the string functions the core may call, implemented in guest/runtime.c. */
#ifndef _VBUS_KVMLAB_SHIM_LINUX_STRING_H
#define _VBUS_KVMLAB_SHIM_LINUX_STRING_H
#include <stddef.h>
void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strnlen(const char *s, size_t maxlen);
char *strncpy(char *d, const char *s, size_t n);
#endif

/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause */
/* The whole vbus ABI header set: shm-signal, IOQ, bus, accelerator registers, /dev/vbus. */
#ifndef _UAPI_VBUS_ABI_H
#define _UAPI_VBUS_ABI_H
#include <vbus/shm_signal.h>
#include <vbus/ioq.h>
#include <vbus/bus.h>
#include <vbus/accel.h>
#include <vbus/dev.h>
#endif

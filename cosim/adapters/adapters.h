/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One conformance adapter per implementation (vbus_conform_run_fn, see
 * driver/vbus_conform.h). The model's adapter is vm_run_vector() in model/
 * (the model shares format code, never protocol code).
 */
#ifndef VBUS_COSIM_ADAPTERS_H
#define VBUS_COSIM_ADAPTERS_H

#include <stddef.h>

#include "vbus_vector.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The production core (kernel/core in userspace). @ctx unused. */
int vbus_core_adapter_run(void *ctx, const struct vbus_vector *v, struct vbus_trace *out, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* VBUS_COSIM_ADAPTERS_H */

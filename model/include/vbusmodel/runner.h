/* SPDX-License-Identifier: GPL-2.0 */
/* Conformance-vector runner (docs/spec/08-vectors.md §8.4) over the functional model. */
#ifndef VBUSMODEL_RUNNER_H
#define VBUSMODEL_RUNNER_H

#include <stddef.h>

#include "vbus_vector.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Execute the steps of @v and append one record per completed operation to @out.
 * Returns 0, or -EINVAL for a semantic vector error ("file:line: message" in err).
 */
int vm_run_vector(const struct vbus_vector *v, struct vbus_trace *out, char *err, size_t errlen);

/*
 * Parse @path, run it and compare with its expect block. Returns 0 pass, 1 fail
 * (first divergence in msg), or a negative errno (the reader's or runner's
 * file:line message in msg). *name receives the vector's name (or the path).
 */
int vm_check_vector_file(const char *path, char *name, size_t namelen, char *msg, size_t msglen);

#ifdef __cplusplus
}
#endif

#endif /* VBUSMODEL_RUNNER_H */

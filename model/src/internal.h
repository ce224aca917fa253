/* SPDX-License-Identifier: GPL-2.0 */
/* libvbusmodel internals: little-endian shared-memory accessors and cross-file helpers. */
#ifndef VBUSMODEL_INTERNAL_H
#define VBUSMODEL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "vbusmodel/model.h"

static inline uint64_t vm_rd(const uint8_t *p, int bytes)
{
	uint64_t v = 0;
	for (int i = bytes - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static inline void vm_wr(uint8_t *p, int bytes, uint64_t v)
{
	for (int i = 0; i < bytes; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static inline uint32_t vm_rd32(const uint8_t *p)
{
	return (uint32_t)vm_rd(p, 4);
}
static inline void vm_wr32(uint8_t *p, uint32_t v)
{
	vm_wr(p, 4, v);
}

/* I0-I4 of inject (K0-K3 of kick, KE only without @event_idx): 1 when the send part may follow. */
int vm_sig_kick_check(struct vm_signal *s, int x, int event_idx);
/* I5-I7 (K5), or M1-M4 under moderation. */
int vm_sig_kick_send(struct vm_signal *s, int x);

#endif /* VBUSMODEL_INTERNAL_H */

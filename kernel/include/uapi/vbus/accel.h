/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause */
/*
 * vbus doorbell accelerator register map: the ONE source of truth.
 * Normative text: docs/spec/05-transports.md §5.4. The Verilog include
 * rtl-accel/rtl/vbus_accel_regs.vh is generated from this file at build time
 * (tools/gen-accel-vh) and a ctest checks the committed copy agrees.
 *
 * AXI4-Lite, 32-bit data, byte addresses. Global block at 0x000,
 * channel c at VBUS_ACCEL_CHAN_BASE + c * VBUS_ACCEL_CHAN_STRIDE.
 * Access: RO read-only, WO write-only (reads return 0), RW read/write,
 * RC read returns the value and clears it in the same cycle.
 */
#ifndef _UAPI_VBUS_ACCEL_H
#define _UAPI_VBUS_ACCEL_H

#define VBUS_ACCEL_ID_VALUE 0x56444231u	     /* "VDB1" */
#define VBUS_ACCEL_VERSION_VALUE 0x00010001u /* major 1, minor 1 (1.1: MOD_TICK_LG, CLK_KHZ) */
#define VBUS_ACCEL_CHAN_BASE 0x100u
#define VBUS_ACCEL_CHAN_STRIDE 0x40u
#define VBUS_ACCEL_MAX_CHANNELS 64u

/* X(name, offset, access, reset, description) -- global registers */
#define VBUS_ACCEL_GLOBAL_REGS(X)                                                                  \
	X(ID, 0x000, RO, 0x56444231, "identification, reads VBUS_ACCEL_ID_VALUE")                  \
	X(VERSION, 0x004, RO, 0x00010001, "register map version, major.minor in 16.16")            \
	X(N_CHANNELS, 0x008, RO, 0, "number of channels (the N_CHANNELS parameter)")               \
	X(CTRL, 0x00C, RW, 0,                                                                      \
	  "bit0 SOFT_RESET: write 1 resets all channel state and counters; self-clearing")         \
	X(MOD_TICK_LG, 0x010, RO, 0,                                                               \
	  "MOD_HOLDOFF's time unit is 2^MOD_TICK_LG clock cycles (the TICK_LG parameter; v1: 0)")  \
	X(CLK_KHZ, 0x014, RO, 0, "clock frequency in kHz (the CLK_KHZ parameter; 0: not stated)")

/* X(name, offset, access, reset, description) -- per-channel registers, offsets within the channel
 * block */
#define VBUS_ACCEL_CHAN_REGS(X)                                                                                        \
	X(DOORBELL, 0x00, WO, 0,                                                                                       \
	  "any write: north injects toward south (sets S.dirty; notifies the device if S.enabled and not S.pending)")  \
	X(N_ENABLE, 0x04, RW, 0,                                                                                       \
	  "bit0 = N.enabled. Writing 1 enables with re-check: fires if N.dirty and not N.pending; writing 0 disables") \
	X(N_ACK, 0x08, WO, 0,                                                                                          \
	  "any write: clears N.pending atomically with re-check: if N.dirty and N.enabled, fires again instead")       \
	X(N_DIRTY, 0x0C, RC, 0, "bit0 = N.dirty; the read clears it (start of a drain pass)")                          \
	X(MOD_HOLDOFF, 0x10, RW, 0,                                                                                    \
	  "bits 15:0 holdoff in time units of 2^MOD_TICK_LG cycles; 0 = no holdoff, fire at once")                     \
	X(MOD_COUNT, 0x14, RW, 0,                                                                                      \
	  "bits 7:0 count threshold; 0 = count never fires, 1 = every inject fires")                                   \
	X(STATUS, 0x18, RO, 0, "state bits, see VBUS_ACCEL_STATUS_*")                                                  \
	X(CNT_DOORBELL, 0x1C, RO, 0, "doorbell writes received (wraps)")                                               \
	X(CNT_IRQ, 0x20, RO, 0, "interrupt messages accepted on the MSI stream (wraps)")                               \
	X(CNT_SUPP_N, 0x24, RO, 0,                                                                                     \
	  "south injects that sent no interrupt: N disabled, N pending, or deferred by moderation (wraps)")            \
	X(CNT_SUPP_S, 0x28, RO, 0,                                                                                     \
	  "doorbells that sent no device notification: S disabled or S pending (wraps)")                               \
	X(CNT_DEV_NOTIFY, 0x2C, RO, 0, "notifications accepted on the device notify stream (wraps)")

/* X(name, lsb, width, description) -- fields of the channel STATUS register */
#define VBUS_ACCEL_STATUS_FIELDS(X)                                                                \
	X(N_ENABLED, 0, 1, "north listens for interrupts")                                         \
	X(N_PENDING, 1, 1, "an interrupt is in flight or waiting for the MSI stream")              \
	X(N_DIRTY, 2, 1, "south injected since north's last drain pass")                           \
	X(S_ENABLED, 4, 1, "south listens for doorbells")                                          \
	X(S_PENDING, 5, 1, "a device notification is in flight")                                   \
	X(S_DIRTY, 6, 1, "north rang since south's last drain pass")                               \
	X(MOD_ARMED, 8, 1, "the holdoff timer is running")                                         \
	X(MOD_COUNT, 16, 8, "injects deferred since the last interrupt")

/* Device-side control stream opcodes (s_ctrl_op) */
#define VBUS_ACCEL_SOP_ENABLE                                                                      \
	0 /* S.enabled = 1, with re-check: notifies if S.dirty and not S.pending */
#define VBUS_ACCEL_SOP_DISABLE 1 /* S.enabled = 0 */
#define VBUS_ACCEL_SOP_ACK                                                                         \
	2 /* S.pending = 0 with re-check: if S.dirty and S.enabled, notify again */

#define VBUS_ACCEL_REG_ENUM_(name, off, acc, rst, desc) VBUS_ACCEL_##name = (off),
enum vbus_accel_global_reg { VBUS_ACCEL_GLOBAL_REGS(VBUS_ACCEL_REG_ENUM_) };
#undef VBUS_ACCEL_REG_ENUM_
#define VBUS_ACCEL_REG_ENUM_(name, off, acc, rst, desc) VBUS_ACCEL_CH_##name = (off),
enum vbus_accel_chan_reg { VBUS_ACCEL_CHAN_REGS(VBUS_ACCEL_REG_ENUM_) };
#undef VBUS_ACCEL_REG_ENUM_
#define VBUS_ACCEL_FIELD_ENUM_(name, lsb, width, desc)                                             \
	VBUS_ACCEL_STATUS_##name##_SHIFT = (lsb), VBUS_ACCEL_STATUS_##name##_WIDTH = (width),
enum vbus_accel_status_field { VBUS_ACCEL_STATUS_FIELDS(VBUS_ACCEL_FIELD_ENUM_) };
#undef VBUS_ACCEL_FIELD_ENUM_

/* Byte address of channel register @reg of channel @ch. */
#define VBUS_ACCEL_CHAN_ADDR(ch, reg) (VBUS_ACCEL_CHAN_BASE + (ch)*VBUS_ACCEL_CHAN_STRIDE + (reg))

#endif /* _UAPI_VBUS_ACCEL_H */

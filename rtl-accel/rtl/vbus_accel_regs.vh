// Generated from kernel/include/uapi/vbus/accel.h by tools/gen-accel-vh. Do not edit.
// Normative text: docs/spec/05-transports.md section 5.4.
localparam [31:0] VBUS_ACCEL_ID_VALUE = 32'h56444231;
localparam [31:0] VBUS_ACCEL_VERSION_VALUE = 32'h00010001;
localparam integer VBUS_ACCEL_CHAN_BASE = 'h100;
localparam integer VBUS_ACCEL_CHAN_STRIDE = 'h40;
localparam integer VBUS_ACCEL_MAX_CHANNELS = 64;
localparam integer VBUS_ACCEL_ID = 'h000; // RO, reset 0x56444231: identification, reads VBUS_ACCEL_ID_VALUE
localparam integer VBUS_ACCEL_VERSION = 'h004; // RO, reset 0x00010001: register map version, major.minor in 16.16
localparam integer VBUS_ACCEL_N_CHANNELS = 'h008; // RO, reset 0x00000000: number of channels (the N_CHANNELS parameter)
localparam integer VBUS_ACCEL_CTRL = 'h00c; // RW, reset 0x00000000: bit0 SOFT_RESET: write 1 resets all channel state and counters; self-clearing
localparam integer VBUS_ACCEL_MOD_TICK_LG = 'h010; // RO, reset 0x00000000: MOD_HOLDOFF's time unit is 2^MOD_TICK_LG clock cycles (the TICK_LG parameter; v1: 0)
localparam integer VBUS_ACCEL_CLK_KHZ = 'h014; // RO, reset 0x00000000: clock frequency in kHz (the CLK_KHZ parameter; 0: not stated)
localparam integer VBUS_ACCEL_CH_DOORBELL = 'h00; // WO, reset 0x00000000: any write: north injects toward south (sets S.dirty; notifies the device if S.enabled and not S.pending)
localparam integer VBUS_ACCEL_CH_N_ENABLE = 'h04; // RW, reset 0x00000000: bit0 = N.enabled. Writing 1 enables with re-check: fires if N.dirty and not N.pending; writing 0 disables
localparam integer VBUS_ACCEL_CH_N_ACK = 'h08; // WO, reset 0x00000000: any write: clears N.pending atomically with re-check: if N.dirty and N.enabled, fires again instead
localparam integer VBUS_ACCEL_CH_N_DIRTY = 'h0c; // RC, reset 0x00000000: bit0 = N.dirty; the read clears it (start of a drain pass)
localparam integer VBUS_ACCEL_CH_MOD_HOLDOFF = 'h10; // RW, reset 0x00000000: bits 15:0 holdoff in time units of 2^MOD_TICK_LG cycles; 0 = no holdoff, fire at once
localparam integer VBUS_ACCEL_CH_MOD_COUNT = 'h14; // RW, reset 0x00000000: bits 7:0 count threshold; 0 = count never fires, 1 = every inject fires
localparam integer VBUS_ACCEL_CH_STATUS = 'h18; // RO, reset 0x00000000: state bits, see VBUS_ACCEL_STATUS_*
localparam integer VBUS_ACCEL_CH_CNT_DOORBELL = 'h1c; // RO, reset 0x00000000: doorbell writes received (wraps)
localparam integer VBUS_ACCEL_CH_CNT_IRQ = 'h20; // RO, reset 0x00000000: interrupt messages accepted on the MSI stream (wraps)
localparam integer VBUS_ACCEL_CH_CNT_SUPP_N = 'h24; // RO, reset 0x00000000: south injects that sent no interrupt: N disabled, N pending, or deferred by moderation (wraps)
localparam integer VBUS_ACCEL_CH_CNT_SUPP_S = 'h28; // RO, reset 0x00000000: doorbells that sent no device notification: S disabled or S pending (wraps)
localparam integer VBUS_ACCEL_CH_CNT_DEV_NOTIFY = 'h2c; // RO, reset 0x00000000: notifications accepted on the device notify stream (wraps)
localparam integer VBUS_ACCEL_STATUS_N_ENABLED_SHIFT = 0; // width 1: north listens for interrupts
localparam integer VBUS_ACCEL_STATUS_N_PENDING_SHIFT = 1; // width 1: an interrupt is in flight or waiting for the MSI stream
localparam integer VBUS_ACCEL_STATUS_N_DIRTY_SHIFT = 2; // width 1: south injected since north's last drain pass
localparam integer VBUS_ACCEL_STATUS_S_ENABLED_SHIFT = 4; // width 1: south listens for doorbells
localparam integer VBUS_ACCEL_STATUS_S_PENDING_SHIFT = 5; // width 1: a device notification is in flight
localparam integer VBUS_ACCEL_STATUS_S_DIRTY_SHIFT = 6; // width 1: north rang since south's last drain pass
localparam integer VBUS_ACCEL_STATUS_MOD_ARMED_SHIFT = 8; // width 1: the holdoff timer is running
localparam integer VBUS_ACCEL_STATUS_MOD_COUNT_SHIFT = 16; // width 8: injects deferred since the last interrupt
localparam integer VBUS_ACCEL_SOP_ENABLE = 0;
localparam integer VBUS_ACCEL_SOP_DISABLE = 1;
localparam integer VBUS_ACCEL_SOP_ACK = 2;

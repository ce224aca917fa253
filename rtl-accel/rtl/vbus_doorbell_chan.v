// SPDX-License-Identifier: GPL-2.0
// vbus_doorbell_chan: one channel of the doorbell accelerator (docs/spec/05-transports.md §5.4).
// Holds the two shm-signal irq records of §1 in flip-flops (N = north/CPU receives interrupts,
// S = south/device receives notifications), the §4.1 moderation state of the N direction, the
// channel's MOD_* registers and the increments of its event counters (kept in vbus_cnt_ram).
//
// All events of one clock cycle are applied in this fixed order, each seeing the result of the
// previous one, so every combination is one atomic sequence (no barriers inside the device):
//   1. moderation tick (T1-T4) on the timer value of the start of the cycle
//   2. stream acceptances (MSI accepted, notify accepted: S.dirty = 0, HW-6)
//   3. CPU read of N_DIRTY (W1: N.dirty = 0; the read returned the value before this cycle)
//   4. CPU write (DOORBELL HW-1, N_ENABLE HW-5, N_ACK HW-3, MOD_HOLDOFF, MOD_COUNT; the MOD_*
//      registers take effect from the next cycle)
//   5. device control (SOP_ENABLE / SOP_DISABLE / SOP_ACK, HW-6)
//   6. device inject (HW-2)
// `rst` (hard reset or CTRL.SOFT_RESET) wins over every event of its cycle (HW-8).
`default_nettype none

module vbus_doorbell_chan #(
    // 1: per-channel moderation (§4.1) with MOD_HOLDOFF/MOD_COUNT; 0: left out, the registers read 0
    // and every allowed inject fires at once (MOD-1: holdoff 0).
    parameter integer MODERATION = 1
) (
    input  wire        clk,
    input  wire        rst,               // synchronous, active high: hard reset or CTRL.SOFT_RESET

    // CPU (north) side, decoded for this channel; at most one wr_* strobe per cycle
    input  wire        wr_doorbell,       // DOORBELL written: inject(N->S)
    input  wire        wr_n_enable,       // N_ENABLE written (byte 0 strobed)
    input  wire        wr_n_enable_val,   // the written bit 0
    input  wire        wr_n_ack,          // N_ACK written
    input  wire [1:0]  wr_holdoff_be,     // MOD_HOLDOFF written, byte enables of bits 15:0
    input  wire        wr_count,          // MOD_COUNT written (byte 0 strobed)
    input  wire [15:0] wr_data,           // the written data, bits 15:0
    input  wire        rd_n_dirty,        // N_DIRTY read accepted: clear N.dirty (HW-4)
    input  wire [3:0]  rd_word,           // register word (offset / 4) the read mux returns
    output reg  [31:0] rd_data,           // value of register rd_word, before this cycle's events

    // device (south) side, decoded for this channel
    input  wire        dev_inject,        // inject(S->N)
    input  wire        dev_enable,        // SOP_ENABLE
    input  wire        dev_disable,       // SOP_DISABLE
    input  wire        dev_ack,           // SOP_ACK

    // outgoing message requests and their acceptance by the stream arbiters
    output wire        msi_req,           // an MSI for this channel waits or is in the MSI output stage
    input  wire        msi_accept,        // this channel's MSI was accepted on m_msi
    output wire        notify_req,        // a device notification waits or is in the notify output stage
    input  wire        notify_accept,     // this channel's notification was accepted on m_notify

    // counter increments of this cycle, bit = counter index (CNT_DOORBELL, CNT_IRQ, CNT_SUPP_N,
    // CNT_SUPP_S, CNT_DEV_NOTIFY); the counters themselves are in vbus_cnt_ram
    output wire [4:0]  cnt_inc
);

    /* verilator lint_off UNUSEDPARAM */ // the generated include defines every register; not all are used here
`include "vbus_accel_regs.vh"
    /* verilator lint_on UNUSEDPARAM */


`ifndef SYNTHESIS
    initial begin
        if (MODERATION != 0 && MODERATION != 1) begin
            $display("ERROR: %m: MODERATION = %0d, must be 0 or 1", MODERATION);
            $finish;
        end
    end
`endif

    // ---- state ----------------------------------------------------------------------------------
    reg        n_enabled_reg, n_pending_reg, n_dirty_reg;   // N record (receiver: north/CPU)
    reg        s_enabled_reg, s_pending_reg, s_dirty_reg;   // S record (receiver: south/device)
    reg        msi_req_reg, notify_req_reg;
    reg [15:0] holdoff_reg;                                 // MOD_HOLDOFF, H
    reg [7:0]  count_reg;                                   // MOD_COUNT, C
    reg [7:0]  count_m1_reg, count_m2_reg;                  // C - 1, C - 2 (mod 256)
    reg [7:0]  mc_reg;                                      // §4.1 mc, saturates at 255
    reg [15:0] mt_reg;                                      // §4.1 mt, 0 = off

    reg        n_enabled_next, n_pending_next, n_dirty_next;
    reg        s_enabled_next, s_pending_next, s_dirty_next;
    reg        msi_req_next, notify_req_next;
    reg [15:0] holdoff_next;
    reg [7:0]  count_next;
    reg [7:0]  mc_next;
    reg [15:0] mt_next;

    // counter increments of this cycle
    reg        inc_doorbell, inc_supp_s, inc_supp_n;
    // N-side fires of this cycle (an MSI request raised), by the step that caused them
    /* verilator lint_off UNUSEDSIGNAL */ // read only by the `ifdef FORMAL properties below
    reg        fire_tick;   // step 1: holdoff expiry (T3)
    reg        fire_cpu;    // step 4: N_ENABLE self-notify (HW-5) or N_ACK re-check (HW-3)
    reg        fire_dev;    // step 6: device inject (HW-2)
    reg        s_fire_db;   // step 4: DOORBELL notifies the device (HW-1)
    reg        s_fire_ctl;  // step 5: SOP_ENABLE self-notify or SOP_ACK re-notify (HW-6)
    /* verilator lint_on UNUSEDSIGNAL */

    wire [15:0] holdoff_eff = (MODERATION != 0) ? holdoff_reg : 16'd0;
    wire [7:0]  count_eff   = (MODERATION != 0) ? count_reg : 8'd0;

    // ---- §4.1 moderation arithmetic, from registers only -------------------------------------
    // At most two M1 steps happen in one cycle (an N_ACK re-check, then a device inject), both
    // starting from the state after the tick: an N_ENABLE that fires sets pending, so no M1 follows
    // it. Precomputing both outcomes keeps the adders and comparators off the paths from the bus
    // handshakes (the events of the cycle only select).
    wire        tick_on     = MODERATION != 0 && mt_reg != 16'd0;
    wire        tick_expire = tick_on && mt_reg == 16'd1;                       // T1, T2
    wire [15:0] mt_t        = tick_on ? mt_reg - 16'd1 : 16'd0;
    wire [7:0]  mc_t        = tick_expire ? 8'd0 : mc_reg;                      // fire or T4: mc = 0
    wire        tick_fire   = tick_expire && mc_reg != 8'd0 && n_enabled_reg && !n_pending_reg; // T3
    wire [7:0]  mc_a        = (mc_t == 8'hff) ? mc_t : mc_t + 8'd1;             // M1, saturating
    wire [7:0]  mc_b        = (mc_a == 8'hff) ? mc_a : mc_a + 8'd1;             // a second M1
    // M2 without the adders: mc + 1 >= C <=> mc >= C - 1, mc + 2 >= C <=> mc >= C - 2 (C >= 2);
    // C - 1 and C - 2 are kept in registers, written with C. Saturation (MOD-6) agrees: mc = 255
    // satisfies both.
    wire        hold_zero   = holdoff_eff == 16'd0;
    wire        count_on    = count_eff != 8'd0;
    wire        count_le1   = count_eff == 8'd1;
    wire        count_le2   = count_eff == 8'd1 || count_eff == 8'd2;
    wire        fire_a      = hold_zero || (count_on && (tick_expire ? count_le1 : mc_reg >= count_m1_reg));
    wire        fire_b      = hold_zero || (count_on && (tick_expire ? count_le2
                                                        : (count_le1 || mc_reg >= count_m2_reg)));
    wire [15:0] mt_a        = (mt_t == 16'd0) ? holdoff_eff : mt_t;             // M3 (MOD-5)
    reg         m1_done;    // an M1 step already happened this cycle (a deferred N_ACK re-check)

    always @* begin
        n_enabled_next  = n_enabled_reg;
        n_pending_next  = n_pending_reg;
        n_dirty_next    = n_dirty_reg;
        s_enabled_next  = s_enabled_reg;
        s_pending_next  = s_pending_reg;
        s_dirty_next    = s_dirty_reg;
        msi_req_next    = msi_req_reg;
        notify_req_next = notify_req_reg;
        holdoff_next    = holdoff_reg;
        count_next      = count_reg;
        mc_next         = mc_reg;
        mt_next         = mt_reg;
        inc_doorbell    = 1'b0;
        inc_supp_s      = 1'b0;
        inc_supp_n      = 1'b0;
        m1_done         = 1'b0;
        fire_tick       = 1'b0;
        fire_cpu        = 1'b0;
        fire_dev        = 1'b0;
        s_fire_db       = 1'b0;
        s_fire_ctl      = 1'b0;

        // 1. moderation tick: T1-T4
        mt_next = mt_t;
        mc_next = mc_t;
        if (tick_fire) begin
            n_pending_next = 1'b1;
            msi_req_next   = 1'b1;
            fire_tick      = 1'b1;
        end

        // 2. stream acceptances
        if (msi_accept)
            msi_req_next = 1'b0;
        if (notify_accept) begin
            notify_req_next = 1'b0;
            s_dirty_next    = 1'b0;                                     // HW-6: the device's drain starts
        end

        // 3. N_DIRTY read: W1
        if (rd_n_dirty)
            n_dirty_next = 1'b0;

        // 4. CPU write
        if (wr_doorbell) begin                                          // HW-1
            inc_doorbell = 1'b1;
            s_dirty_next = 1'b1;
            if (s_enabled_next && !s_pending_next) begin
                s_pending_next  = 1'b1;
                notify_req_next = 1'b1;
                s_fire_db       = 1'b1;
            end else begin
                inc_supp_s = 1'b1;
            end
        end
        if (wr_n_enable) begin                                          // HW-5
            n_enabled_next = wr_n_enable_val;
            if (wr_n_enable_val && n_dirty_next && !n_pending_next) begin
                n_pending_next = 1'b1;                                  // self-notify, not moderated
                msi_req_next   = 1'b1;
                fire_cpu       = 1'b1;
                mc_next        = 8'd0;
                mt_next        = 16'd0;
            end
        end
        if (wr_n_ack) begin                                             // HW-3
            n_pending_next = 1'b0;
            if (n_dirty_next && n_enabled_next) begin                   // W7 re-check, enters M1
                m1_done = 1'b1;
                if (fire_a) begin
                    n_pending_next = 1'b1;
                    msi_req_next   = 1'b1;
                    fire_cpu       = 1'b1;
                    mc_next        = 8'd0;
                    mt_next        = 16'd0;
                end else begin
                    mc_next = mc_a;
                    mt_next = mt_a;
                end
            end
        end
        if (wr_holdoff_be[0])
            holdoff_next[7:0] = wr_data[7:0];
        if (wr_holdoff_be[1])
            holdoff_next[15:8] = wr_data[15:8];
        if (wr_count)
            count_next = wr_data[7:0];

        // 5. device control: HW-6
        if (dev_enable) begin
            s_enabled_next = 1'b1;
            if (s_dirty_next && !s_pending_next) begin
                s_pending_next  = 1'b1;
                notify_req_next = 1'b1;
                s_fire_ctl      = 1'b1;
            end
        end
        if (dev_disable)
            s_enabled_next = 1'b0;
        if (dev_ack) begin
            s_pending_next = 1'b0;
            if (s_dirty_next && s_enabled_next) begin
                s_pending_next  = 1'b1;
                notify_req_next = 1'b1;
                s_fire_ctl      = 1'b1;
            end
        end

        // 6. device inject: HW-2
        if (dev_inject) begin
            n_dirty_next = 1'b1;
`ifdef FORMAL_MUTANT_NO_PENDING_GUARD
            // Deliberately broken for the formal mutant test: the N.pending guard (I4) is missing.
            if (n_enabled_next) begin
`else
            if (n_enabled_next && !n_pending_next) begin
`endif
                if (m1_done ? fire_b : fire_a) begin
                    n_pending_next = 1'b1;
                    msi_req_next   = 1'b1;
                    fire_dev       = 1'b1;
                    mc_next        = 8'd0;
                    mt_next        = 16'd0;
                end else begin
                    mc_next    = m1_done ? mc_b : mc_a;
                    mt_next    = mt_a;
                    inc_supp_n = 1'b1;                                  // deferred by moderation
                end
            end else begin
                inc_supp_n = 1'b1;                                      // MOD-3: suppressed by §1
            end
        end

        if (MODERATION == 0) begin
            holdoff_next = 16'd0;
            count_next   = 8'd0;
            mc_next      = 8'd0;
            mt_next      = 16'd0;
        end
    end

    always @(posedge clk) begin
        if (rst) begin
            n_enabled_reg  <= 1'b0;
            n_pending_reg  <= 1'b0;
            n_dirty_reg    <= 1'b0;
            s_enabled_reg  <= 1'b0;
            s_pending_reg  <= 1'b0;
            s_dirty_reg    <= 1'b0;
            msi_req_reg    <= 1'b0;
            notify_req_reg <= 1'b0;
            holdoff_reg    <= 16'd0;
            count_reg      <= 8'd0;
            count_m1_reg   <= 8'hff;
            count_m2_reg   <= 8'hfe;
            mc_reg         <= 8'd0;
            mt_reg         <= 16'd0;
        end else begin
            n_enabled_reg  <= n_enabled_next;
            n_pending_reg  <= n_pending_next;
            n_dirty_reg    <= n_dirty_next;
            s_enabled_reg  <= s_enabled_next;
            s_pending_reg  <= s_pending_next;
            s_dirty_reg    <= s_dirty_next;
            msi_req_reg    <= msi_req_next;
            notify_req_reg <= notify_req_next;
            holdoff_reg    <= holdoff_next;
            count_reg      <= count_next;
            count_m1_reg   <= count_next - 8'd1;
            count_m2_reg   <= count_next - 8'd2;
            mc_reg         <= mc_next;
            mt_reg         <= mt_next;
        end
    end

    assign msi_req    = msi_req_reg;
    assign notify_req = notify_req_reg;

    // ---- counter increments (the counters live in vbus_cnt_ram) ------------------------------
    assign cnt_inc = {notify_accept, inc_supp_s, inc_supp_n, msi_accept, inc_doorbell};

    // ---- register read mux ------------------------------------------------------------------------
    wire [31:0] status = (32'd0
        | ({31'd0, n_enabled_reg} << VBUS_ACCEL_STATUS_N_ENABLED_SHIFT)
        | ({31'd0, n_pending_reg} << VBUS_ACCEL_STATUS_N_PENDING_SHIFT)
        | ({31'd0, n_dirty_reg}   << VBUS_ACCEL_STATUS_N_DIRTY_SHIFT)
        | ({31'd0, s_enabled_reg} << VBUS_ACCEL_STATUS_S_ENABLED_SHIFT)
        | ({31'd0, s_pending_reg} << VBUS_ACCEL_STATUS_S_PENDING_SHIFT)
        | ({31'd0, s_dirty_reg}   << VBUS_ACCEL_STATUS_S_DIRTY_SHIFT)
        | ({31'd0, (mt_reg != 16'd0)} << VBUS_ACCEL_STATUS_MOD_ARMED_SHIFT)
        | ({24'd0, mc_reg}        << VBUS_ACCEL_STATUS_MOD_COUNT_SHIFT));

    always @* begin
        case ({rd_word, 2'b00})
            VBUS_ACCEL_CH_N_ENABLE[5:0]:       rd_data = {31'd0, n_enabled_reg};
            VBUS_ACCEL_CH_N_DIRTY[5:0]:        rd_data = {31'd0, n_dirty_reg};
            VBUS_ACCEL_CH_MOD_HOLDOFF[5:0]:    rd_data = {16'd0, holdoff_reg};
            VBUS_ACCEL_CH_MOD_COUNT[5:0]:      rd_data = {24'd0, count_reg};
            VBUS_ACCEL_CH_STATUS[5:0]:         rd_data = status;
            default:                           rd_data = 32'd0;   // DOORBELL, N_ACK (WO), CNT_* (vbus_cnt_ram), unmapped
        endcase
    end

`ifdef FORMAL
    // ---- bounded formal properties (yosys `sat -seq N -prove-asserts`, see ../formal/) -----------
    // P1: at most one interrupt (N fire = MSI request raised) between two N_ACK writes. A tick fire
    // happens before a same-cycle N_ACK, a re-check or inject fire after it (the step order above).
    reg  [1:0] f_fires_reg;
    wire [1:0] f_fires_mid  = f_fires_reg + {1'b0, fire_tick};
    wire [1:0] f_fires_post = (wr_n_ack ? 2'd0 : f_fires_mid) + {1'b0, fire_cpu} + {1'b0, fire_dev};
    always @(posedge clk) begin
        if (rst)
            f_fires_reg <= 2'd0;
        else
            f_fires_reg <= (f_fires_post > 2'd2) ? 2'd2 : f_fires_post;
    end
    always @* begin
        if (!rst) begin
            assert(f_fires_reg <= 2'd1);
            assert(f_fires_mid <= 2'd1);
            assert(f_fires_post <= 2'd1);
        end
    end

    // P2 (the invariant behind "no lost interrupt"): a channel that is dirty, enabled and not
    // pending has a deferred interrupt scheduled: the holdoff timer runs and mc > 0, so T3 fires.
    always @* begin
        if (!rst && n_dirty_reg && n_enabled_reg && !n_pending_reg)
            assert(mt_reg != 16'd0 && mc_reg != 8'd0);
    end

    // P3 (no lost interrupt, bounded): dirty, enabled and not pending lasts at most HMAX cycles
    // without the channel firing (unless it stops listening or drains). The environment writes holdoffs
    // <= HMAX so that the bound is small enough for a bounded proof.
`ifndef FORMAL_HOLDOFF_MAX
`define FORMAL_HOLDOFF_MAX 3
`endif
    localparam [15:0] F_HMAX = `FORMAL_HOLDOFF_MAX;
    reg [15:0] f_owed_reg;
    always @* begin
        if (!rst && wr_holdoff_be[1])
            assume(wr_data[15:8] == 8'd0);
        if (!rst && wr_holdoff_be[0])
            assume({8'd0, wr_data[7:0]} <= F_HMAX);
    end
    always @(posedge clk) begin
        if (rst)
            f_owed_reg <= 16'd0;
        else if (n_dirty_next && n_enabled_next && !n_pending_next && !(fire_tick || fire_cpu || fire_dev))
            f_owed_reg <= (f_owed_reg == 16'hffff) ? f_owed_reg : f_owed_reg + 16'd1;
        else
            f_owed_reg <= 16'd0;
    end
    always @* begin
        if (!rst)
            assert(f_owed_reg <= F_HMAX);
    end

    // P5: at most one device notification raised between two SOP_ACKs (the S side of HW-7).
    reg  [1:0] f_s_fires_reg;
    wire [1:0] f_s_fires_mid  = f_s_fires_reg + {1'b0, s_fire_db};
    wire [1:0] f_s_fires_post = (dev_ack ? 2'd0 : f_s_fires_mid) + {1'b0, s_fire_ctl};
    always @(posedge clk) begin
        if (rst)
            f_s_fires_reg <= 2'd0;
        else
            f_s_fires_reg <= (f_s_fires_post > 2'd2) ? 2'd2 : f_s_fires_post;
    end
    always @* begin
        if (!rst) begin
            assert(f_s_fires_reg <= 2'd1);
            assert(f_s_fires_mid <= 2'd1);
            assert(f_s_fires_post <= 2'd1);
        end
    end
`endif
endmodule

`default_nettype wire

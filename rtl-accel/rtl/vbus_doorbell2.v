// SPDX-License-Identifier: GPL-2.0
// vbus_doorbell2: the v2 doorbell accelerator (docs/spec/05-transports.md §5.4, HW-12..HW-15), the same
// register map and ports as vbus_doorbell (v1), but every per-channel state bit lives in block RAM, so the
// cost is nearly independent of N_CHANNELS (1 .. 1024):
//   north engine  vbus_rmw_ram, one word per channel: the N record, the §4.1 moderation state (mc, armed,
//                 an absolute deadline) and MOD_HOLDOFF/MOD_COUNT; one read-modify-write op per clock
//   south engine  vbus_rmw_ram, one word per channel: the S record; one op per clock
//   counters      one vbus_rmw_ram bank per counter (CNT_DOORBELL .. CNT_DEV_NOTIFY), one increment per
//                 clock each, exact when read (second read port with forwarding)
//   streams       vbus_id_fifo per stream (MSI, notify): channels served in firing order; a channel is
//                 queued while its push generation (engine word) differs from its popped generation
//                 (vbus_pop_gen, 1-bit RAM): a fire merges into a message still queued
//   moderation    a shared time base (`now`, in ticks of 2^TICK_LG cycles, 2^TICK_LG >= N) and ONE
//                 scanner that visits one channel per clock (every channel once per tick) and asks the
//                 north engine to expire a channel whose deadline has passed (a narrow RAM mirror of
//                 {armed, deadline} is what it reads)
//
// Cycle rules (the spec's HW-12..HW-15 say them normatively):
//   * Each engine takes ONE channel per clock. All events of the cycle on that channel are accepted and
//     applied as one op, in the v1 order of HW-10: (1) expiry (scanner), (2) notify accepted (S.dirty = 0),
//     (3) N_DIRTY read-clear, (4) the CPU write, (5) device control, (6) device inject. Priority for the
//     channel of the cycle: north: expiry > read of a north register (N_ENABLE, N_DIRTY, STATUS,
//     MOD_HOLDOFF, MOD_COUNT: the north RAM has one read port, the engine's) > CPU write to an N
//     register > inject;
//     south: notify accepted > DOORBELL > device control. An event on another channel waits: its ready is
//     low (awready/wready, arready, s_inject_ready, s_ctrl_ready). Events that need no engine (global and
//     unmapped registers, reads of DOORBELL, N_ACK and CNT_*, ids >= N_CHANNELS, op 3) are never held back
//     by the engines.
//   * South: an op issued at t is modified at t + 1 (it sees every earlier op: forwarding), so one channel
//     takes a DOORBELL every clock. North: an op issued at t is modified in two stages, A at t + 1 (every
//     compare of §4.1 on the old word, registered) and B at t + 2 (the HW-10 sequence, the write), so the
//     north engine never takes the channel it took at t - 1 (spacing): that channel waits, and so does the
//     channel the scanner may expire next cycle (an expiry never waits). A fire is decided at t + 1
//     (notify) or t + 2 (MSI), reaches its FIFO through registers at t + 3 and, with nothing queued,
//     bypasses the FIFO's RAM: valid at t + 4.
//   * A read accepted at t returns the register as left by every op issued before t (the value before the
//     cycle, as v1; a north register: the op's stage A word, complete because of the spacing); rvalid at
//     t + 2. Counters show an event from the second cycle after it, as v1 (CNT_SUPP_N's bank issues with
//     the north op's stage A and writes only if stage B finds the inject suppressed or deferred).
//   * Reset (rst or CTRL.SOFT_RESET) clears the RAMs with a sweep of N_CHANNELS cycles, during which every
//     input ready is low; events of the reset cycle are dropped; a message already valid on a stream
//     completes; everything else queued is dropped.
// Ports: as vbus_doorbell; the address is AXI_AW bits (13 up to 64 channels, enough for the register
// window above) and channel ids CHAN_W bits (6 up to 64 channels).
`default_nettype none

module vbus_doorbell2 #(
    parameter integer N_CHANNELS = 8,      // 1 .. 1024
    parameter integer CNT_WIDTH  = 32,     // 0 (no counters, read 0) or 1 .. 32
    parameter integer MODERATION = 1,      // 1: §4.1 moderation (holdoff in ticks); 0: left out
    // log2 of the moderation tick in clock cycles; at least clog2(N_CHANNELS) so that the scanner visits
    // every channel once per tick. HW-15's holdoff bound (at most H + 1 ticks) also needs a tick of at least
    // 4 cycles, so that the scanner's 3-cycle pipeline fits in one tick: the default is max(2, clog2 N).
    // A smaller TICK_LG (the 2-channel formal model uses 1) is accepted; its bound is H ticks + 3 cycles.
    parameter integer TICK_LG    = (N_CHANNELS > 4) ? $clog2(N_CHANNELS) : 2,
    parameter integer CLK_KHZ    = 0,      // the clock in kHz, read in CLK_KHZ (0: not stated)
    parameter integer AXI_AW     = (N_CHANNELS <= 64) ? 13 : $clog2(256 + 64 * N_CHANNELS),
    parameter integer CHAN_W     = (N_CHANNELS <= 64) ? 6 : $clog2(N_CHANNELS)
) (
    input  wire              clk,
    input  wire              rst,

    /* verilator lint_off UNUSEDSIGNAL */ // address bits 1:0, AxPROT, wdata[31:16], wstrb[3:2]: as v1
    input  wire [AXI_AW-1:0] s_axil_awaddr,
    input  wire [2:0]        s_axil_awprot,
    input  wire              s_axil_awvalid,
    output wire              s_axil_awready,
    input  wire [31:0]       s_axil_wdata,
    input  wire [3:0]        s_axil_wstrb,
    input  wire              s_axil_wvalid,
    output wire              s_axil_wready,
    output wire [1:0]        s_axil_bresp,
    output wire              s_axil_bvalid,
    input  wire              s_axil_bready,
    input  wire [AXI_AW-1:0] s_axil_araddr,
    input  wire [2:0]        s_axil_arprot,
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire              s_axil_arvalid,
    output wire              s_axil_arready,
    output wire [31:0]       s_axil_rdata,
    output wire [1:0]        s_axil_rresp,
    output wire              s_axil_rvalid,
    input  wire              s_axil_rready,

    input  wire              s_inject_valid,
    output wire              s_inject_ready,
    input  wire [CHAN_W-1:0] s_inject_chan,
    input  wire              s_ctrl_valid,
    output wire              s_ctrl_ready,
    input  wire [CHAN_W-1:0] s_ctrl_chan,
    input  wire [1:0]        s_ctrl_op,
    output wire              m_notify_valid,
    input  wire              m_notify_ready,
    output wire [CHAN_W-1:0] m_notify_chan,

    output wire              m_msi_valid,
    input  wire              m_msi_ready,
    output wire [CHAN_W-1:0] m_msi_vector
);

    /* verilator lint_off UNUSEDPARAM */
`include "vbus_accel_regs.vh"
    /* verilator lint_on UNUSEDPARAM */

    localparam integer N  = N_CHANNELS;
    localparam integer CW = (N > 1) ? $clog2(N) : 1;        // RAM address / FIFO id width
`ifdef FORMAL
    localparam integer TW = 4;    // the proofs assume holdoffs <= 3 ticks: 4 bits of time suffice
`else
    localparam integer TW = 17;                              // time base and deadline width (ticks)
`endif
    localparam [0:0]  MOD = (MODERATION != 0) ? 1'b1 : 1'b0;
    // north word: [0] enabled [1] pending [2] dirty, then (MODERATION) [3] armed [11:4] mc
    // [28:12] deadline [44:29] MOD_HOLDOFF [52:45] MOD_COUNT; the top bit [NW-1] is the MSI stream's
    // push generation (see "streams" below). South word: [0] enabled [1] pending [2] dirty [3] the
    // notify stream's push generation.
    localparam integer NSW = MOD ? 53 : 3;                   // the state bits of the north word
    localparam integer NW = NSW + 1;
    localparam integer FULLW = 53;
    localparam integer NOP_W = 25;

`ifndef SYNTHESIS
    initial begin
        if (N_CHANNELS < 1 || N_CHANNELS > 1024) begin
            $display("ERROR: %m: N_CHANNELS = %0d, must be 1..1024", N_CHANNELS);
            $finish;
        end
        if (CNT_WIDTH < 0 || CNT_WIDTH > 32 || (MODERATION != 0 && MODERATION != 1)) begin
            $display("ERROR: %m: CNT_WIDTH = %0d (0..32), MODERATION = %0d (0/1)", CNT_WIDTH, MODERATION);
            $finish;
        end
        if ((1 << TICK_LG) < N_CHANNELS || TICK_LG > 20) begin
            $display("ERROR: %m: TICK_LG = %0d: 2^TICK_LG must be >= N_CHANNELS (and TICK_LG <= 20)", TICK_LG);
            $finish;
        end
        if (AXI_AW < 13 || (1 << AXI_AW) < 256 + 64 * N_CHANNELS || CHAN_W < CW || CHAN_W > 16) begin
            $display("ERROR: %m: AXI_AW = %0d / CHAN_W = %0d too narrow for %0d channels", AXI_AW, CHAN_W, N);
            $finish;
        end
        if (VBUS_ACCEL_CHAN_STRIDE != 64 || VBUS_ACCEL_CHAN_BASE != 256) begin
            $display("ERROR: %m: the v2 decode assumes CHAN_BASE 0x100 and CHAN_STRIDE 0x40");
            $finish;
        end
    end
`endif

    // ---- address decode ---------------------------------------------------------------------------------
    // channel c's block is at 0x100 + 0x40 c: slot = addr[AXI_AW-1:6] = c + 4
    localparam integer SW = AXI_AW - 6;
    wire [SW-1:0] wr_slot = s_axil_awaddr[AXI_AW-1:6];
    wire [SW-1:0] rd_slot = s_axil_araddr[AXI_AW-1:6];
    wire [SW-1:0] wr_cidx = wr_slot - 4;
    wire [SW-1:0] rd_cidx = rd_slot - 4;
    wire          wr_is_ch = wr_slot >= 4 && {{(32 - SW){1'b0}}, wr_cidx} < N;
    wire          rd_is_ch = rd_slot >= 4 && {{(32 - SW){1'b0}}, rd_cidx} < N;
    wire [CW-1:0] wch = wr_cidx[CW-1:0];
    wire [CW-1:0] rch = rd_cidx[CW-1:0];
    wire [3:0]    wr_word = s_axil_awaddr[5:2];
    wire [3:0]    rd_word = s_axil_araddr[5:2];
    wire          wr_global = s_axil_awaddr[AXI_AW-1:8] == 0;
    wire          rd_global = s_axil_araddr[AXI_AW-1:8] == 0;

    wire w_db   = {wr_word, 2'b00} == VBUS_ACCEL_CH_DOORBELL[5:0];
    wire w_en   = {wr_word, 2'b00} == VBUS_ACCEL_CH_N_ENABLE[5:0];
    wire w_ack  = {wr_word, 2'b00} == VBUS_ACCEL_CH_N_ACK[5:0];
    wire w_hold = {wr_word, 2'b00} == VBUS_ACCEL_CH_MOD_HOLDOFF[5:0];
    wire w_cnt  = {wr_word, 2'b00} == VBUS_ACCEL_CH_MOD_COUNT[5:0];
    wire wr_needs_n = wr_is_ch && (w_en || w_ack || w_hold || w_cnt);
    wire wr_needs_s = wr_is_ch && w_db;
    // reads of the registers held in the north word go through a north engine op (the engine's RAM read
    // port serves them: the north RAM has no second copy); N_DIRTY's op also clears the bit (W1)
    wire r_dirty = {rd_word, 2'b00} == VBUS_ACCEL_CH_N_DIRTY[5:0];
    wire rd_needs_n = rd_is_ch && (r_dirty || {rd_word, 2'b00} == VBUS_ACCEL_CH_N_ENABLE[5:0]
                      || {rd_word, 2'b00} == VBUS_ACCEL_CH_STATUS[5:0]
                      || {rd_word, 2'b00} == VBUS_ACCEL_CH_MOD_HOLDOFF[5:0]
                      || {rd_word, 2'b00} == VBUS_ACCEL_CH_MOD_COUNT[5:0]);

    // ---- engines: busy during the clearing sweep ---------------------------------------------------------
    wire n_op_ready;
    wire busy = !n_op_ready;   // every RAM sweeps in lockstep (same reset, same N)

    // scanner expiry request of this cycle (see the scanner below), and the channel it may request in
    // the next cycle (x_rsv: the mirror read says armed), which a non-expiry op may not take now
    reg           x_req;
    reg  [CW-1:0] x_chan;
    reg           x_rsv;
    reg  [CW-1:0] x_rsv_chan;
    // the north op issued last cycle, now in the engine's stage A (spacing rule, HW-13)
    wire          na_valid;
    wire [CW-1:0] na_addr;

    // ---- per-engine channel of the cycle and the ready signals -------------------------------------------
    reg  [1:0] bcount_reg;
    reg        b_room_reg;
    reg        ar_room_reg;
    wire       wr_offer = s_axil_awvalid && s_axil_wvalid && b_room_reg && !busy;
    wire       rd_offer = s_axil_arvalid && ar_room_reg && !busy;
    wire       inj_in   = s_inject_valid && {{(32 - CHAN_W){1'b0}}, s_inject_chan} < N;
    wire       ctl_in   = s_ctrl_valid && {{(32 - CHAN_W){1'b0}}, s_ctrl_chan} < N && s_ctrl_op != 2'd3;
    wire [CW-1:0] ich = s_inject_chan[CW-1:0];
    wire [CW-1:0] cch = s_ctrl_chan[CW-1:0];

    wire          notify_hs;
    wire          msi_hs;
    wire          msi_push, ntf_push;   // a fire enters its stream (see "streams")
    wire [CW-1:0] notify_head, msi_head;

    wire          xn = x_req;
    wire          rn = rd_offer && rd_needs_n;
    wire          wn = wr_offer && wr_needs_n;
    wire          in_ = !busy && inj_in;
    wire [CW-1:0] nsel = xn ? x_chan : rn ? rch : wn ? wch : ich;
    wire          an = notify_hs && !busy;
    wire          ws = wr_offer && wr_needs_s;
    wire          cs = !busy && ctl_in;
    wire [CW-1:0] ssel = an ? notify_head : ws ? wch : cch;

    // spacing (HW-13): the north modify takes two cycles (stage A: compares, stage B: the sequence and the
    // write), so no north op may follow an op on the same channel in the next cycle; the channel of the
    // cycle waits if the engine took it last cycle, or if the scanner may expire it next cycle (an expiry
    // never waits: HW-15's bound has no slack). An expiry op itself is never held back.
    // The go/ready terms compare the candidates' channels pairwise (each candidate's "blocked" test
    // in parallel), not the selected channel nsel, so that the priority mux is not in front of the
    // spacing compares: the same rule as nsel == channel && !blocked(nsel), since a candidate is nsel
    // exactly when every higher-priority candidate present has its channel (and is then blocked alike).
    wire blk_r = (na_valid && rch == na_addr) || (x_rsv && rch == x_rsv_chan);
    wire blk_w = (na_valid && wch == na_addr) || (x_rsv && wch == x_rsv_chan);
    wire blk_i = (na_valid && ich == na_addr) || (x_rsv && ich == x_rsv_chan);
    wire n_ok_r = xn ? x_chan == rch : !blk_r;
    wire n_ok_w = xn ? x_chan == wch : (!rn || rch == wch) && !blk_w;
    wire n_ok_i = xn ? x_chan == ich : (!rn || rch == ich) && (rn || !wn || wch == ich) && !blk_i;
    // south alike: a candidate is ssel when every higher-priority candidate present has its channel
    wire s_ok_w = an ? notify_head == wch : 1'b1;
    wire s_ok_c = an ? notify_head == cch : ws ? wch == cch : 1'b1;
    wire wr_go = wr_offer && (!wr_needs_n || n_ok_w) && (!wr_needs_s || s_ok_w);
    wire rd_go = rd_offer && (!rd_needs_n || n_ok_r);
    wire inj_go = in_ && n_ok_i;
    wire ctl_go = cs && s_ok_c;
    assign s_axil_awready = wr_go;
    assign s_axil_wready  = wr_go;
    assign s_inject_ready = !busy && (!inj_in || n_ok_i);
    assign s_ctrl_ready   = !busy && (!ctl_in || s_ok_c);

    // a global register write never waits for an engine (wr_go = wr_offer for it): written without
    // wr_go so that the engines' channel selection is not on the path into every reset
    wire soft_reset = wr_offer && wr_global && s_axil_awaddr[7:2] == VBUS_ACCEL_CTRL[7:2]
                      && s_axil_wstrb[0] && s_axil_wdata[0];
    wire chan_rst = rst || soft_reset;

    // ---- north engine --------------------------------------------------------------------------------------
    wire          n_go = xn || (rn && rd_go) || (wn && wr_go) || inj_go;
    wire [NOP_W-1:0] n_code = {xn, rn && rd_go && r_dirty,
                               wn && wr_go && w_en && s_axil_wstrb[0], s_axil_wdata[0],
                               wn && wr_go && w_ack,
                               (wn && wr_go && w_hold) ? s_axil_wstrb[1:0] : 2'b00,
                               wn && wr_go && w_cnt && s_axil_wstrb[0],
                               inj_go, s_axil_wdata[15:0]};
    // stage A (na_*: the op issued last cycle, its old word) and stage B (nm_*: the op issued two cycles
    // ago, modified and written now)
    wire [NOP_W-1:0] na_code;
    /* verilator lint_off UNUSEDSIGNAL */ // the push generation is used in stage B only
    wire [NW-1:0] na_old;
    /* verilator lint_on UNUSEDSIGNAL */
    wire          nm_valid;
    wire [CW-1:0] nm_addr;
    wire [NOP_W-1:0] nm_code;
    wire [NW-1:0] nm_old;
    /* verilator lint_off UNUSEDSIGNAL */ // the north engine has no second read port (reads take an op)
    wire [NW-1:0] n_rd2_unused;
    /* verilator lint_on UNUSEDSIGNAL */
    wire [NW-1:0] nm_new;
    reg  [NSW-1:0] nm_state;   // the new state bits; the top bit (push generation) is toggled by a push
    /* verilator lint_off UNUSEDSIGNAL */ // the mirror keeps {armed, deadline} only (none if MODERATION = 0)
    wire          n_we;
    wire [CW-1:0] n_wa;
    wire [NW-1:0] n_wd;
    /* verilator lint_on UNUSEDSIGNAL */

    vbus_rmw_ram #(.N(N), .W(NW), .OP_W(NOP_W), .AW(CW), .RD2(0), .MS(2), .SWEEP_ZERO(1), .LATE_FWD(1)) u_north (
        .clk(clk), .rst(chan_rst), .ext_busy(1'b0), .ext_addr({CW{1'b0}}),
        .op_valid(n_go), .op_ready(n_op_ready), .op_addr(nsel), .op_code(n_code),
        .m_valid(na_valid), .m_addr(na_addr), .m_code(na_code), .m_old(na_old), .m_new(nm_new), .m_en(1'b1),
        .b_valid(nm_valid), .b_addr(nm_addr), .b_code(nm_code), .b_old(nm_old),
        .rd2_addr(rch), .rd2_data(n_rd2_unused), .wr_en(n_we), .wr_addr(n_wa), .wr_data(n_wd)
    );

    // ---- south engine --------------------------------------------------------------------------------------
    wire          s_go = an || (ws && wr_go) || ctl_go;
    wire [4:0]    s_code = {an, ws && wr_go, ctl_go && s_ctrl_op == VBUS_ACCEL_SOP_ENABLE[1:0],
                            ctl_go && s_ctrl_op == VBUS_ACCEL_SOP_DISABLE[1:0],
                            ctl_go && s_ctrl_op == VBUS_ACCEL_SOP_ACK[1:0]};
    wire          sm_valid;
    wire [CW-1:0] sm_addr;
    wire [4:0]    sm_code;
    wire [3:0]    sm_old;
    /* verilator lint_off UNUSEDSIGNAL */ // bit 3 (the push generation) is not a register
    wire [3:0]    s_rd2;
    /* verilator lint_on UNUSEDSIGNAL */
    wire [3:0]    sm_new;
    reg  [2:0]    sm_state;
    /* verilator lint_off UNUSEDSIGNAL */ // the south engine's write port is not mirrored
    wire          s_we_unused;
    wire [CW-1:0] s_wa_unused;
    wire [3:0]    s_wd_unused;
    wire          s_ready_unused;
    wire [4:0]    s_b_unused;       // the south engine has one modify stage (MS = 1): no stage B
    wire [CW-1:0] s_b_unused_a;
    wire [4:0]    s_b_unused_c;
    /* verilator lint_on UNUSEDSIGNAL */

    // the south engine and the counter banks sweep in lockstep with the north engine (the same reset):
    // they take its sweep (busy, n_wa) instead of counting addresses of their own
    vbus_rmw_ram #(.N(N), .W(4), .OP_W(5), .AW(CW), .EXT_SWEEP(1), .SWEEP_ZERO(1)) u_south (
        .clk(clk), .rst(chan_rst), .ext_busy(busy), .ext_addr(n_wa),
        .op_valid(s_go), .op_ready(s_ready_unused), .op_addr(ssel), .op_code(s_code),
        .m_valid(sm_valid), .m_addr(sm_addr), .m_code(sm_code), .m_old(sm_old), .m_new(sm_new), .m_en(1'b1),
        .b_valid(s_b_unused[0]), .b_addr(s_b_unused_a), .b_code(s_b_unused_c), .b_old(s_b_unused[4:1]),
        .rd2_addr(rch), .rd2_data(s_rd2), .wr_en(s_we_unused), .wr_addr(s_wa_unused), .wr_data(s_wd_unused)
    );

    // ---- time base and scanner (moderation) ----------------------------------------------------------------
    reg  [TW-1:0] now;
    generate
        if (MOD) begin : g_scan
            reg [TICK_LG:0] tick_cnt;   // one spare bit so that TICK_LG = 0 works
            reg [CW-1:0]    scan;
            reg             scan_on;    // scan is a channel to visit in this tick (the first N cycles)
            reg             scan_ok;    // the mirror read of last cycle was a visit, not during the sweep
            reg [TW:0]      mir_rd;     // {armed, deadline} of channel x_cand1, read last cycle
            reg [CW-1:0]    x_cand1;
            reg             x_due;      // x_cand's deadline has passed (as of the mirror read)
            reg [CW-1:0]    x_cand;
            wire [TW-1:0]   now_next;   // `now` of the next cycle (the cycle x_due is used in)
            // at least 2 words: a 1-word memory does not map to iCE40 block RAM (as in vbus_rmw_ram)
            (* ram_style = "block" *) reg [TW:0] mirror [0:((N > 1) ? N : 2) - 1];
            localparam [TICK_LG:0] TMAX = (1 << TICK_LG) - 1;
            wire            tick_end = tick_cnt == TMAX;
            assign          now_next = tick_end ? now + 1'b1 : now;   // the D input of `now`
            always @(posedge clk) begin
                if (n_we)
                    mirror[n_wa] <= {n_wd[3], n_wd[12 +: TW]};
                mir_rd  <= mirror[scan];
                x_cand1 <= scan;
                x_cand  <= x_cand1;
            end
            always @(posedge clk) begin
                if (chan_rst) begin
                    tick_cnt  <= 0;
                    now       <= {TW{1'b0}};
                    scan      <= {CW{1'b0}};
                    scan_on   <= 1'b1;
                    scan_ok   <= 1'b0;
                    x_due     <= 1'b0;
                end else begin
                    tick_cnt <= tick_end ? 0 : tick_cnt + 1'b1;
                    now      <= now_next;
                    // every channel once per tick, from the tick's first cycle (with 2^TICK_LG = N, every
                    // cycle; with fewer channels the scanner then rests, so that the channel it may
                    // expire next, which a non-expiry op may not take, is reserved once per tick only)
                    if (tick_end) begin
                        scan    <= {CW{1'b0}};
                        scan_on <= 1'b1;
                    end else if (N == 1 || scan == N[CW-1:0] - 1'b1) begin
                        scan_on <= 1'b0;
                    end else begin
                        scan    <= scan + 1'b1;
                    end
                    scan_ok <= !busy && scan_on;
                    // the expiry check is registered: the mirror is read two cycles before the request
                    // and compared with the `now` of the request's cycle, so no compare sits between
                    // a register and the engines' channel selection
                    x_due   <= scan_ok && mir_rd[TW] && passed(mir_rd[TW-1:0], now_next);
                end
            end
            // this cycle's expiry request; the mirror may be stale by the last three ops (the engine
            // re-checks the real word, so a stale "armed" costs a slot only)
            always @* begin
                x_req  = x_due && !busy;
                x_chan = x_cand;
                // x_due of the next cycle needs the mirror's armed bit: reserve that channel now
                x_rsv      = scan_ok && mir_rd[TW];
                x_rsv_chan = x_cand1;
            end
        end else begin : g_noscan
            always @(posedge clk)
                now <= {TW{1'b0}};
            always @* begin
                x_req = 1'b0;
                x_chan  = {CW{1'b0}};
                x_rsv      = 1'b0;
                x_rsv_chan = {CW{1'b0}};
            end
        end
    endgenerate

    function passed(input [TW-1:0] dl, input [TW-1:0] t);
        reg [TW-1:0] d;
        begin
            d = t - dl;
            passed = !d[TW-1];
        end
    endfunction

    // ---- north modify: the N record and §4.1, in the HW-10 order ---------------------------------------
    // The sequence (1. expiry T1-T4, 3. N_DIRTY read, 4. CPU write with N_ACK's §4.1 M1 re-check,
    // 6. device inject with M1) is computed in two layers so that no adder sits behind another decision:
    //   compares: every arithmetic result the sequence can need, from the old word alone and in
    //             parallel: the expiry check, mc + 1 and mc + 2 (saturated) and their M2 count checks,
    //             M2's checks for mc = 1 and mc = 2 (mc restarted by a fire), now + H, the zero tests;
    //   control:  the HW-10 sequence on single bits (which steps fire, defer or clear), then one
    //             selection of mc (0, mc, mc+1, mc+2, 1 or 2) and of the deadline.
    // Within one op M1 runs at most twice (N_ACK's re-check, then the inject), and mc enters the first
    // M1 either as the old mc or as 0 (an expiry or an N_ENABLE self-notify cleared it), so those six
    // values are all mc can become.
    reg             n_fire;
    /* verilator lint_off UNUSEDSIGNAL */ // read by the `ifdef FORMAL properties only
    reg             f_fire_x;   // the fire of this op came from the expiry (before a same-op N_ACK)
    /* verilator lint_on UNUSEDSIGNAL */
    /* verilator lint_off UNUSEDSIGNAL */ // unused when CNT_WIDTH = 0
    reg             n_supp;
    /* verilator lint_on UNUSEDSIGNAL */
    /* verilator lint_off UNUSEDSIGNAL */ // mx (the op is an expiry) is read by the FORMAL properties only;
    reg             mx, mrd, mwen, mwenv;            // stage A folded mrd, mwen, mwenv into p_* already
    /* verilator lint_on UNUSEDSIGNAL */
    reg             mack, mcntw, minj;
    reg [1:0]       mhbe;
    reg [15:0]      mdata;
    /* verilator lint_off UNUSEDSIGNAL */ // bits above NSW are 0; the deadline is not used without MOD
    reg [FULLW-1:0] no;         // the old state bits, zero-extended to the full layout
    reg [FULLW-1:0] nn;         // the new state bits
    /* verilator lint_on UNUSEDSIGNAL */
    // compares: stage A, from the old word of the op issued last cycle, registered for stage B
    /* verilator lint_off UNUSEDSIGNAL */ // bits above NSW are 0; the deadline is not used without MOD
    reg [FULLW-1:0] ao;         // stage A's old state bits, zero-extended to the full layout
    /* verilator lint_on UNUSEDSIGNAL */
    reg             a_x, a_mcz, a_ho0, a_k1, a_k2, a_g1, a_g2;
    reg [7:0]       a_mc1, a_mc2;
    reg [8:0]       a_d;
    reg [TW-1:0]    a_arm;
    always @* begin
        ao = {FULLW{1'b0}};
        ao[NSW-1:0] = na_old[NSW-1:0];
        a_x   = MOD && na_code[NOP_W-1] && ao[3] && passed(ao[12 +: TW], now);   // 1. the deadline has passed
        a_mcz = ao[11:4] == 8'd0;
        a_ho0 = !MOD || ao[44:29] == 16'd0;                        // M2: H = 0 (no moderation: always)
        a_mc1 = (ao[11:4] == 8'hff) ? 8'hff : ao[11:4] + 8'd1;     // M1, MOD-6 saturation
        a_mc2 = (ao[11:4] >= 8'hfe) ? 8'hff : ao[11:4] + 8'd2;
        // M2's count check after M1 (a_g1: sat(mc + 1) >= MOD_COUNT) and after two M1s (a_g2: sat(mc + 2)
        // >= MOD_COUNT), from one subtraction d = MOD_COUNT - mc (9 bits, signed): as MOD_COUNT <= 255,
        // sat(mc + k) >= MOD_COUNT <=> mc + k >= MOD_COUNT <=> d <= k, so no compare waits for mc + k
        a_d   = {1'b0, ao[52:45]} - {1'b0, ao[11:4]};
        a_g1  = ao[52:45] != 8'd0 && (a_d[8] || a_d[7:1] == 7'd0);
        a_g2  = ao[52:45] != 8'd0 && (a_d[8] || (a_d[7:2] == 6'd0 && a_d[1:0] != 2'd3));
        a_k1  = ao[52:45] == 8'd1;                                 // ... when mc restarted at 0: mc = 1
        a_k2  = ao[52:45] == 8'd1 || ao[52:45] == 8'd2;            // ... mc = 2
        a_arm = now + {1'b0, ao[44:29]};                           // M3's deadline
    end
    // stage A also folds the word's bits and the op code into the terms of stage B's sequence that need no
    // compare (and the compares into the count checks each case of B needs), so that B is shallow:
    //   p_fxc  the expiry would fire (T3) if due: enabled, not pending
    //   p_d2   dirty after 3. (the N_DIRTY read); p_e3 enabled after 4.
    //   p_fwc  4. N_ENABLE self-notifies unless the expiry fired; p_pw pending after 1.-4. unless it did
    //   p_am1  4. N_ACK re-checks (M1); p_fa[z] N_ACK's M1 fires, mc restarted (z) or not (the M2 check)
    //   p_g[z] 6. the inject's M2 check when N_ACK's M1 did not fire, mc restarted (z) or not
    reg             a_d2, a_e3, a_fwc, a_am1, a_kz, a_kn;
    always @* begin
        a_d2  = ao[2] && !na_code[NOP_W-2];
        a_e3  = na_code[NOP_W-3] ? na_code[NOP_W-4] : ao[0];
        a_fwc = na_code[NOP_W-3] && na_code[NOP_W-4] && a_d2 && !ao[1];
        a_am1 = na_code[NOP_W-5] && a_d2 && a_e3;
        a_kz  = a_ho0 || a_k1;
        a_kn  = a_ho0 || a_g1;
    end
    reg             c_x, c_mcz;
    reg [7:0]       c_mc1, c_mc2;
    reg [TW-1:0]    c_arm;
    reg             p_fxc, p_d2, p_e3, p_fwc, p_pw, p_am1, p_faz, p_fan, p_gz, p_gn;
    // the sweep writes stage B's result for a zero old word and op code (the engine's SWEEP_ZERO), so the
    // stage-A terms are zero then too (a zero term means "nothing happens")
    wire            n_zero = chan_rst || busy;
    always @(posedge clk) begin
        {c_mcz, c_mc1, c_mc2, c_arm} <= {a_mcz, a_mc1, a_mc2, a_arm};
        if (n_zero)
            {c_x, p_fxc, p_d2, p_e3, p_fwc, p_pw, p_am1, p_faz, p_fan, p_gz, p_gn} <= 11'd0;
        else begin
            c_x   <= a_x;
            p_fxc <= ao[0] && !ao[1];
            p_d2  <= a_d2;
            p_e3  <= a_e3;
            p_fwc <= a_fwc;
            p_pw  <= ao[1] || a_fwc;
            p_am1 <= a_am1;
            p_faz <= a_am1 && a_kz;
            p_fan <= a_am1 && a_kn;
            p_gz  <= a_am1 ? (a_ho0 || a_k2) : a_kz;
            p_gn  <= a_am1 ? (a_ho0 || a_g2) : a_kn;
        end
    end
    always @* begin
        no = {FULLW{1'b0}};
        no[NSW-1:0] = nm_old[NSW-1:0];
        {mx, mrd, mwen, mwenv, mack, mhbe, mcntw, minj, mdata} = nm_code;
    end
    // control (single bits), then the selections: stage B, the HW-10 sequence on the terms stage A prepared
    reg       q_fx, q_e3, q_fw, q_z3, q_a3, q_fa, q_da, q_p4, q_a4, q_b0, q_ig, q_fi, q_di;
    reg [7:0] q_mc;
    always @* begin
        // 1. expiry: T3 fire or T4 drop; either way mc = 0 and disarmed
        q_fx  = c_x && !c_mcz && p_fxc;
        // 3. N_DIRTY read (p_d2), 4. CPU write: N_ENABLE (HW-5; a self-notify fires: mc = 0, disarmed)
        q_e3  = p_e3;
        q_fw  = p_fwc && !q_fx;
        q_z3  = c_x || q_fw;                        // mc was cleared by now
        q_a3  = no[3] && !q_z3;
        //    N_ACK (HW-3): pending = 0, then M1 if dirty and enabled (p_am1)
        q_fa  = q_z3 ? p_faz : p_fan;
        q_da  = p_am1 && !q_fa;                     // deferred: mc = mc + 1 (or 1), armed
        q_p4  = (p_pw || q_fx) && !mack || q_fa;
        q_a4  = q_fa ? 1'b0 : (q_da || q_a3);
        q_b0  = q_z3 || q_fa;                       // mc restarts from 0 for the inject's M1
        // 6. device inject (HW-2): M1 if enabled and not pending (then N_ACK's M1 did not fire: p_g*)
`ifdef FORMAL_MUTANT_NO_PENDING_GUARD
        q_ig  = minj && q_e3;
`else
        q_ig  = minj && q_e3 && !q_p4;
`endif
        q_fi  = q_ig && (q_z3 ? p_gz : p_gn);
        q_di  = q_ig && !q_fi;
        // mc: 0 after the last fire; else the base (0 or the old mc) plus the deferring M1s (0, 1, 2)
        if (q_fi)
            q_mc = 8'd0;
        else if (q_b0)
            q_mc = q_da ? (q_di ? 8'd2 : 8'd1) : (q_di ? 8'd1 : 8'd0);
        else
            q_mc = q_da ? (q_di ? c_mc2 : c_mc1) : (q_di ? c_mc1 : no[11:4]);
        n_fire   = q_fx || q_fw || q_fa || q_fi;
        f_fire_x = q_fx;
        n_supp   = minj && !q_fi;                   // deferred by moderation or suppressed by §1
        nn    = no;
        nn[0] = q_e3;
        nn[1] = q_p4 || q_fi;
        nn[2] = minj || p_d2;
        nn[3] = q_fi ? 1'b0 : (q_di || q_a4);
        nn[11:4] = q_mc;
        // M3 arms the deadline when a deferral finds the channel not armed
        if ((q_da && !q_a3) || (q_di && !q_a4))
            nn[12 +: TW] = c_arm;
        if (mhbe[0])
            nn[36:29] = mdata[7:0];
        if (mhbe[1])
            nn[44:37] = mdata[15:8];
        if (mcntw)
            nn[52:45] = mdata[7:0];
        nm_state = nn[NSW-1:0];     // without MODERATION only the N record is kept
    end

    // ---- south modify: the S record ---------------------------------------------------------------------
    reg [2:0] sf;
    reg       s_fire;
    /* verilator lint_off UNUSEDSIGNAL */ // unused when CNT_WIDTH = 0
    reg       s_supp;
    /* verilator lint_on UNUSEDSIGNAL */
    // flat form of the sequence 2. notify accepted (S.dirty = 0), 4. DOORBELL (HW-1), 5. device control
    // (HW-6: SOP_ENABLE / SOP_DISABLE / SOP_ACK are one op code, at most one per cycle), each step seeing the
    // previous one's result; written flat so that synthesis keeps it two LUT levels deep
    reg       s_e0, s_p0, s_d0, s_d2, s_fdb, s_p2;
    always @* begin
        {s_d0, s_p0, s_e0} = sm_old[2:0];
        s_d2   = (s_d0 && !sm_code[4]) || sm_code[3];            // dirty after 2. and 4.
        s_fdb  = sm_code[3] && s_e0 && !s_p0;                      // 4. fires
        s_p2   = s_p0 || s_fdb;
        s_supp = sm_code[3] && !s_fdb;
        sf[0]  = sm_code[2] ? 1'b1 : sm_code[1] ? 1'b0 : s_e0;
        sf[1]  = sm_code[2] ? (s_p2 || s_d2) : sm_code[0] ? (s_d2 && s_e0) : s_p2;
        sf[2]  = s_d2;
        s_fire = s_fdb || (sm_code[2] && s_d2 && !s_p2) || (sm_code[0] && s_d2 && s_e0);
        sm_state = sf;
    end

    // ---- streams: id FIFOs in firing order; "queued" as two generation bits per channel, both in RAM ----
    // A channel is queued on a stream while its push generation (a bit of its engine word, toggled by
    // every push) differs from its popped generation (a 1-bit RAM per stream, written with the entry's
    // generation when the stream accepts the entry). The FIFO carries {generation, id}. Both bits are
    // cleared by the reset sweep (the popped-generation RAM sweeps with the north RAM), so no per-channel
    // flip-flop is left. The popped generation is read when the engine op issues and forwarded from the
    // accepts of the issue and modify cycles; the merge rule is that of v1/HW-14 (a message accepted in
    // the fire's cycle no longer counts as queued).
    wire          msi_pop_gen, ntf_pop_gen;   // generation of the head entry
    reg           msi_stale, ntf_stale;       // the head on the stream was queued before a soft reset
    wire          msi_clr = msi_hs && !msi_stale;
    wire          ntf_clr = notify_hs && !ntf_stale;
    wire          msi_pg_now, ntf_pg_now;     // popped generation of nm_addr / sm_addr as of now
    wire          msi_queued = nm_old[NSW] != msi_pg_b;
    wire          ntf_queued = sm_old[3] != ntf_pg_now;
    assign        msi_push = nm_valid && n_fire && !msi_queued;   // stage B: pushed into the FIFO next cycle
    assign        ntf_push = sm_valid && s_fire && !ntf_queued;
    // the push generation toggles with a push: a fire takes the popped generation's complement (if the
    // channel is queued, that is its push generation already: a merge)
    assign        nm_new   = {(nm_valid && n_fire) ? !msi_pg_b : nm_old[NSW], nm_state};
    assign        sm_new   = {(sm_valid && s_fire) ? !ntf_pg_now : sm_old[3], sm_state};
    always @(posedge clk) begin
        if (chan_rst) begin
            msi_stale <= !rst && m_msi_valid && !msi_hs;
            ntf_stale <= !rst && m_notify_valid && !notify_hs;
        end else begin
            if (msi_hs)
                msi_stale <= 1'b0;
            if (notify_hs)
                ntf_stale <= 1'b0;
        end
    end
    vbus_pop_gen #(.N(N), .CW(CW)) u_msi_pg (
        .clk(clk), .sweep(busy), .sweep_addr(n_wa), .pop(msi_clr), .pop_chan(msi_head), .pop_gen(msi_pop_gen),
        .rd_addr(nsel), .m_addr(na_addr), .m_gen(msi_pg_now)
    );
    // the north op's popped generation one stage later (B), forwarded from this cycle's accept
    reg           msi_pg_q;
    always @(posedge clk)
        msi_pg_q <= msi_pg_now;
    wire          msi_pg_b = (msi_clr && msi_head == nm_addr) ? msi_pop_gen : msi_pg_q;
    // the MSI push is registered (it leaves stage B's logic), and the FIFO bypasses its RAM when it is
    // empty, so the message is still valid 4 cycles after its cause (HW-12)
    reg           msi_push_q;
    reg  [CW:0]   msi_push_d;
    always @(posedge clk) begin
        msi_push_q <= msi_push && !chan_rst;
        msi_push_d <= {!nm_old[NSW], nm_addr};
    end
    vbus_pop_gen #(.N(N), .CW(CW)) u_ntf_pg (
        .clk(clk), .sweep(busy), .sweep_addr(n_wa), .pop(ntf_clr), .pop_chan(notify_head),
        .pop_gen(ntf_pop_gen), .rd_addr(ssel), .m_addr(sm_addr), .m_gen(ntf_pg_now)
    );

    vbus_id_fifo #(.N(N), .CW(CW), .DW(CW + 1), .BYPASS(1)) u_msi (
        .clk(clk), .rst(rst), .flush(soft_reset), .push(msi_push_q), .push_chan(msi_push_d),
        .m_valid(m_msi_valid), .m_ready(m_msi_ready), .m_chan({msi_pop_gen, msi_head})
    );
    // the notify push leaves the south modify through two registers (the south modify is one cycle
    // earlier than the north's stage B), so both streams show a message exactly 4 cycles after its cause
    reg           ntf_push_q, ntf_push_q2;
    reg  [CW:0]   ntf_push_d, ntf_push_d2;
    always @(posedge clk) begin
        ntf_push_q  <= ntf_push && !chan_rst;
        ntf_push_d  <= {!sm_old[3], sm_addr};
        ntf_push_q2 <= ntf_push_q && !chan_rst;
        ntf_push_d2 <= ntf_push_d;
    end
    vbus_id_fifo #(.N(N), .CW(CW), .DW(CW + 1), .BYPASS(1)) u_notify (
        .clk(clk), .rst(rst), .flush(soft_reset), .push(ntf_push_q2), .push_chan(ntf_push_d2),
        .m_valid(m_notify_valid), .m_ready(m_notify_ready), .m_chan({ntf_pop_gen, notify_head})
    );
    assign msi_hs    = m_msi_valid && m_msi_ready;
    assign notify_hs = m_notify_valid && m_notify_ready;
    assign m_msi_vector  = {{(CHAN_W - CW){1'b0}}, msi_head};
    assign m_notify_chan = {{(CHAN_W - CW){1'b0}}, notify_head};

    // ---- counters: one RAM bank per counter, one increment per clock each ---------------------------------
    wire [32*5-1:0] cnt_rd;
    generate
        if (CNT_WIDTH > 0) begin : g_cnt
            reg          db_inc, irq_inc, dn_inc;
            reg [CW-1:0] db_ch, irq_ch, dn_ch;
            always @(posedge clk) begin
                db_inc  <= !chan_rst && ws && wr_go;
                irq_inc <= !chan_rst && msi_hs;
                dn_inc  <= !chan_rst && notify_hs;
                db_ch   <= wch;
                irq_ch  <= msi_head;
                dn_ch   <= notify_head;
            end
            // CNT_SUPP_N: the bank's op issues with the north op's stage A (an op with an inject) and
            // writes with stage B only if the inject was suppressed or deferred (a late enable), so the
            // count still shows from the second cycle after the inject
            wire [4:0]      inc_v = {dn_inc, sm_valid && s_supp, na_valid && na_code[16], irq_inc, db_inc};
            wire [4:0]      inc_e = {2'b11, n_supp, 2'b11};
            wire [5*CW-1:0] inc_c = {dn_ch, sm_addr, na_addr, irq_ch, db_ch};
            genvar k;
            for (k = 0; k < 5; k = k + 1) begin : g_bank
                wire [CNT_WIDTH-1:0] bm_old, b_rd2;
                /* verilator lint_off UNUSEDSIGNAL */ // an increment needs neither address nor code
                wire                 bm_valid;
                wire [CW-1:0]        bm_addr;
                wire                 bm_code;
                wire                 b_ready, b_we;
                wire [CW-1:0]        b_wa;
                wire [CNT_WIDTH-1:0] b_wd;
                wire                 bb_unused, bb_unused_c;   // MS = 1: no stage B
                wire [CW-1:0]        bb_unused_a;
                wire [CNT_WIDTH-1:0] bb_unused_o;
                /* verilator lint_on UNUSEDSIGNAL */
                vbus_rmw_ram #(.N(N), .W(CNT_WIDTH), .OP_W(1), .AW(CW), .SWEEP_INC(1), .EXT_SWEEP(1)) u_bank (
                    .clk(clk), .rst(chan_rst), .ext_busy(busy), .ext_addr(n_wa),
                    .op_valid(inc_v[k]), .op_ready(b_ready), .op_addr(inc_c[k * CW +: CW]), .op_code(1'b1),
                    .m_valid(bm_valid), .m_addr(bm_addr), .m_code(bm_code), .m_old(bm_old),
                    .m_new(bm_old + {{(CNT_WIDTH - 1){1'b0}}, 1'b1}), .m_en(inc_e[k]),
                    .b_valid(bb_unused), .b_addr(bb_unused_a), .b_code(bb_unused_c), .b_old(bb_unused_o),
                    .rd2_addr(rch), .rd2_data(b_rd2), .wr_en(b_we), .wr_addr(b_wa), .wr_data(b_wd)
                );
                assign cnt_rd[32 * k +: 32] = {{(32 - CNT_WIDTH){1'b0}}, b_rd2};
            end
        end else begin : g_nocnt
            assign cnt_rd = {(32 * 5){1'b0}};
        end
    endgenerate

    // ---- AXI4-Lite write: aw and w together; up to 2 B responses queued (as v1) ----------------------------
    wire       b_hs  = bcount_reg != 2'd0 && s_axil_bready;
    wire [1:0] bcount_next = bcount_reg + {1'b0, wr_go} - {1'b0, b_hs};
    always @(posedge clk) begin
        if (rst) begin
            bcount_reg <= 2'd0;
            b_room_reg <= 1'b1;
        end else begin
            bcount_reg <= bcount_next;
            b_room_reg <= bcount_next != 2'd2;
        end
    end
    assign s_axil_bvalid = bcount_reg != 2'd0;
    assign s_axil_bresp  = 2'b00;

    // ---- AXI4-Lite read: stage A (the north op's m_old, the other RAMs' second read ports), then R and a
    // skid slot (as v1) -------------------------------------------------------------------------------------
    // Accepted at t: the RAMs read channel rch (second ports), a global/unmapped value is taken into A.
    // At t + 1 the channel value is formed from the read ports and moves to R (or skid); if A must wait,
    // the value is kept in A's data register.
    reg         rvalid_reg, skid_valid_reg, a_valid_reg, a_fresh_reg;
    reg  [31:0] rdata_reg, skid_data_reg, a_data_reg;
    reg  [3:0]  a_word_reg;
    wire        r_free = !rvalid_reg || s_axil_rready;
    reg  [31:0] glob_value;
    always @* begin
        glob_value = 32'd0;
        if (rd_global) begin
            case (s_axil_araddr[7:2])
                VBUS_ACCEL_ID[7:2]:         glob_value = VBUS_ACCEL_ID_VALUE;
                VBUS_ACCEL_VERSION[7:2]:    glob_value = VBUS_ACCEL_VERSION_VALUE;
                VBUS_ACCEL_N_CHANNELS[7:2]: glob_value = N_CHANNELS;
                VBUS_ACCEL_MOD_TICK_LG[7:2]: glob_value = MOD ? TICK_LG : 0;
                VBUS_ACCEL_CLK_KHZ[7:2]:    glob_value = CLK_KHZ;
                default:                    glob_value = 32'd0;
            endcase
        end
    end
    /* verilator lint_off UNUSEDSIGNAL */ // the deadline is not a register
    reg [FULLW-1:0] nr;
    /* verilator lint_on UNUSEDSIGNAL */
    reg [31:0]      ch_value;
    always @* begin
        nr = {FULLW{1'b0}};
        nr[NSW-1:0] = na_old[NSW-1:0];   // a north-register read accepted at t is the north op's stage A at t + 1
        case ({a_word_reg, 2'b00})
            VBUS_ACCEL_CH_N_ENABLE[5:0]:    ch_value = {31'd0, nr[0]};
            VBUS_ACCEL_CH_N_DIRTY[5:0]:     ch_value = {31'd0, nr[2]};
            VBUS_ACCEL_CH_MOD_HOLDOFF[5:0]: ch_value = {16'd0, nr[44:29]};
            VBUS_ACCEL_CH_MOD_COUNT[5:0]:   ch_value = {24'd0, nr[52:45]};
            VBUS_ACCEL_CH_STATUS[5:0]:      ch_value = (32'd0
                | ({31'd0, nr[0]}    << VBUS_ACCEL_STATUS_N_ENABLED_SHIFT)
                | ({31'd0, nr[1]}    << VBUS_ACCEL_STATUS_N_PENDING_SHIFT)
                | ({31'd0, nr[2]}    << VBUS_ACCEL_STATUS_N_DIRTY_SHIFT)
                | ({31'd0, s_rd2[0]} << VBUS_ACCEL_STATUS_S_ENABLED_SHIFT)
                | ({31'd0, s_rd2[1]} << VBUS_ACCEL_STATUS_S_PENDING_SHIFT)
                | ({31'd0, s_rd2[2]} << VBUS_ACCEL_STATUS_S_DIRTY_SHIFT)
                | ({31'd0, nr[3]}    << VBUS_ACCEL_STATUS_MOD_ARMED_SHIFT)
                | ({24'd0, nr[11:4]} << VBUS_ACCEL_STATUS_MOD_COUNT_SHIFT));
            VBUS_ACCEL_CH_CNT_DOORBELL[5:0]:   ch_value = cnt_rd[0 +: 32];
            VBUS_ACCEL_CH_CNT_IRQ[5:0]:        ch_value = cnt_rd[32 +: 32];
            VBUS_ACCEL_CH_CNT_SUPP_N[5:0]:     ch_value = cnt_rd[64 +: 32];
            VBUS_ACCEL_CH_CNT_SUPP_S[5:0]:     ch_value = cnt_rd[96 +: 32];
            VBUS_ACCEL_CH_CNT_DEV_NOTIFY[5:0]: ch_value = cnt_rd[128 +: 32];
            default:                           ch_value = 32'd0;
        endcase
    end
    wire [31:0] a_value   = a_fresh_reg ? ch_value : a_data_reg;
    wire        a_move    = a_valid_reg && (r_free || !skid_valid_reg);
    wire        a_next    = rd_go || (a_valid_reg && !a_move);
    wire        r_next    = r_free ? (skid_valid_reg || a_valid_reg) : 1'b1;
    wire        skid_next = r_free ? (skid_valid_reg && a_valid_reg) : (skid_valid_reg || a_valid_reg);
    always @(posedge clk) begin
        if (rst) begin
            a_valid_reg    <= 1'b0;
            a_fresh_reg    <= 1'b0;
            a_data_reg     <= 32'd0;
            a_word_reg     <= 4'd0;
            rvalid_reg     <= 1'b0;
            rdata_reg      <= 32'd0;
            skid_valid_reg <= 1'b0;
            skid_data_reg  <= 32'd0;
            ar_room_reg    <= 1'b1;
        end else begin
            ar_room_reg <= !(a_next && r_next && skid_next);
            // a read is accepted only when A is empty or moves on (ar_room_reg), so A's data and word
            // registers need no enable from rd_go: a waiting A keeps its value (formed in its first
            // cycle), otherwise they take the new read's
            a_valid_reg <= rd_go || (a_valid_reg && !a_move);
            a_fresh_reg <= rd_go && rd_is_ch;
            a_word_reg  <= rd_word;
            a_data_reg  <= (a_valid_reg && !a_move) ? a_value : glob_value;
            if (r_free) begin
                if (skid_valid_reg) begin
                    rvalid_reg     <= 1'b1;
                    rdata_reg      <= skid_data_reg;
                    skid_valid_reg <= a_valid_reg;
                    if (a_valid_reg)
                        skid_data_reg <= a_value;
                end else begin
                    rvalid_reg <= a_valid_reg;
                    if (a_valid_reg)
                        rdata_reg <= a_value;
                end
            end else if (a_valid_reg && !skid_valid_reg) begin
                skid_valid_reg <= 1'b1;
                skid_data_reg  <= a_value;
            end
        end
    end
    assign s_axil_arready = rd_go;
    assign s_axil_rvalid  = rvalid_reg;
    assign s_axil_rdata   = rdata_reg;
    assign s_axil_rresp   = 2'b00;
`ifdef FORMAL
    // the properties of the unbounded proofs (scripts/formal.sh props2 ...): rtl-accel/formal/
`include "vbus_doorbell2_props.vh"
`endif
endmodule

`default_nettype wire

// SPDX-License-Identifier: GPL-2.0
// Properties of the v2 top (rtl/vbus_doorbell2.v) for the unbounded proofs (scripts/formal.sh props2,
// props2-irq, the v2 mutants): pulled into the module body by `include under `ifdef FORMAL, so they read
// its internal signals (rtl-accel/formal/README.md lists them; rename them only together with this
// file). Model: 2 channels, 2-bit counters, TICK_LG = 1, TW = 4 bits of time, holdoffs <= 3 ticks.
//
// Groups (each proved by its own PDR run, so that each cone of influence stays small):
//   FORMAL_GROUP_BUS  (props2)      P1, P6 and the AXI4-Lite set A1..A6 (and the vacuity witness)
//   FORMAL_GROUP_IRQ  (props2-irq)  S1 the RAM word against a flip-flop shadow of the channel's state,
//                                   P2/P3a-c no lost interrupt (bounded)
//   FORMAL_GROUP_STREAM (props2-stream)  Q1 a fire is queued, F1 fairness (<= N - 1 grants of others),
//                                   F2 no idling with work queued, F3 nothing invented
// With none defined every group is in.
`ifndef FORMAL_GROUP_BUS
`ifndef FORMAL_GROUP_IRQ
`ifndef FORMAL_GROUP_STREAM
`define FORMAL_GROUP_BUS
`define FORMAL_GROUP_IRQ
`define FORMAL_GROUP_STREAM
`endif
`endif
`endif
    // ---- unbounded proofs (scripts/formal.sh props2; 2 channels, PDR) ---------------------------------
    always @* begin
        if ($initstate)
            assume(rst);
        // holdoffs <= 3 ticks (TW = 4 bits of time)
        if (!rst && s_axil_awvalid && s_axil_wvalid && wr_needs_n && w_hold && s_axil_wstrb[1])
            assume(s_axil_wdata[15:8] == 8'd0);
        if (!rst && s_axil_awvalid && s_axil_wvalid && wr_needs_n && w_hold && s_axil_wstrb[0])
            assume(s_axil_wdata[7:0] <= 8'd3);
    end

`ifdef FORMAL_GROUP_BUS
    // P1 (per channel): at most one N fire (an MSI requested) between two N_ACK writes; within one op
    // an expiry fire comes before the op's N_ACK, every other fire after it (the HW-10 order).
    genvar fc;
    generate
        for (fc = 0; fc < N; fc = fc + 1) begin : g_fp
            reg  [1:0] f_fires;
            wire       f_here = nm_valid && nm_addr == fc;
            wire [1:0] f_mid  = f_fires + {1'b0, f_here && f_fire_x};
            wire [1:0] f_post = ((f_here && mack) ? 2'd0 : f_mid) + {1'b0, f_here && n_fire && !f_fire_x};
            always @(posedge clk) begin
                if (chan_rst)
                    f_fires <= 2'd0;
                else
                    f_fires <= (f_post > 2'd2) ? 2'd2 : f_post;
            end
            always @* begin
                if (!rst) begin
                    assert(f_fires <= 2'd1);
                    assert(f_mid <= 2'd1);
                    assert(f_post <= 2'd1);
                end
            end

            // P6 (HW-7): at most one MSI per channel accepted between two N_ACK writes, under the
            // driver contract (N_ACK ends a drain pass an MSI started); a beat that completes across a
            // soft reset belongs to before it and is not counted.
            reg  [1:0] f_msis;
            reg        f_stale;
            wire       f_ack = wr_go && wr_needs_n && w_ack && wch == fc;
            wire       f_acc = msi_hs && msi_head == fc;
            wire       f_new = f_acc && !f_stale;
            always @* begin
                if (!rst && f_ack)
                    assume(f_msis != 2'd0);
            end
            always @(posedge clk) begin
                if (rst) begin
                    f_msis  <= 2'd0;
                    f_stale <= 1'b0;
                end else if (soft_reset) begin
                    f_msis  <= 2'd0;
                    f_stale <= m_msi_valid && !m_msi_ready && msi_head == fc;
                end else begin
                    if (f_acc)
                        f_stale <= 1'b0;
                    if (f_ack)
                        f_msis <= {1'b0, f_new};
                    else if (f_new && f_msis != 2'd3)
                        f_msis <= f_msis + 2'd1;
                end
            end
            always @* begin
                if (!rst)
                    assert(f_msis <= 2'd1);
            end
        end
    endgenerate

    // ---- AXI4-Lite slave properties A1..A6 (as v1; A7/A8 do not hold: HW-13 may hold a request back) --
    reg        f_past;
    reg        f_awv_q, f_wv_q, f_arv_q, f_awr_q, f_wr_q, f_arr_q, f_bready_q, f_rready_q;
    reg [AXI_AW-1:0] f_awaddr_q, f_araddr_q;
    reg [31:0] f_wdata_q, f_rdata_q;
    reg [3:0]  f_wstrb_q;
    reg        f_bvalid_q, f_rvalid_q;
    reg        f_injv_q, f_injr_q, f_ctlv_q, f_ctlr_q;
    reg [CHAN_W-1:0] f_injc_q, f_ctlc_q;
    reg [1:0]  f_ctlo_q;
    always @(posedge clk) begin
        f_past     <= !rst;
        f_awv_q    <= s_axil_awvalid;
        f_wv_q     <= s_axil_wvalid;
        f_arv_q    <= s_axil_arvalid;
        f_awr_q    <= s_axil_awready;
        f_wr_q     <= s_axil_wready;
        f_arr_q    <= s_axil_arready;
        f_awaddr_q <= s_axil_awaddr;
        f_araddr_q <= s_axil_araddr;
        f_wdata_q  <= s_axil_wdata;
        f_wstrb_q  <= s_axil_wstrb;
        f_bready_q <= s_axil_bready;
        f_rready_q <= s_axil_rready;
        f_rdata_q  <= s_axil_rdata;
        f_bvalid_q <= s_axil_bvalid;
        f_rvalid_q <= s_axil_rvalid;
        f_injv_q   <= s_inject_valid;
        f_injr_q   <= s_inject_ready;
        f_injc_q   <= s_inject_chan;
        f_ctlv_q   <= s_ctrl_valid;
        f_ctlr_q   <= s_ctrl_ready;
        f_ctlc_q   <= s_ctrl_chan;
        f_ctlo_q   <= s_ctrl_op;
    end
    always @* begin
        if (f_past && !rst) begin
            if (f_awv_q && !f_awr_q)
                assume(s_axil_awvalid && s_axil_awaddr == f_awaddr_q);
            if (f_wv_q && !f_wr_q)
                assume(s_axil_wvalid && s_axil_wdata == f_wdata_q && s_axil_wstrb == f_wstrb_q);
            if (f_arv_q && !f_arr_q)
                assume(s_axil_arvalid && s_axil_araddr == f_araddr_q);
            // the device streams obey valid/ready too
            if (f_injv_q && !f_injr_q)
                assume(s_inject_valid && s_inject_chan == f_injc_q);
            if (f_ctlv_q && !f_ctlr_q)
                assume(s_ctrl_valid && s_ctrl_chan == f_ctlc_q && s_ctrl_op == f_ctlo_q);
        end
    end
    wire       f_aw_hs = s_axil_awvalid && s_axil_awready;
    wire       f_w_hs  = s_axil_wvalid && s_axil_wready;
    wire       f_b_hs  = s_axil_bvalid && s_axil_bready;
    wire       f_ar_hs = s_axil_arvalid && s_axil_arready;
    wire       f_r_hs  = s_axil_rvalid && s_axil_rready;
    reg  [2:0] f_aw_out, f_w_out, f_r_out, f_r_wait;
    reg  [7:0] f_r_tags;
    wire [1:0] f_ar_tag = s_axil_araddr == VBUS_ACCEL_ID ? 2'd1
                        : s_axil_araddr == VBUS_ACCEL_VERSION ? 2'd2 : 2'd0;
    wire [7:0] f_tags_pop = f_r_hs ? {2'd0, f_r_tags[7:2]} : f_r_tags;
    wire [2:0] f_r_out_pop = f_r_out - {2'd0, f_r_hs};
    always @(posedge clk) begin
        if (rst) begin
            f_aw_out <= 3'd0;
            f_w_out  <= 3'd0;
            f_r_out  <= 3'd0;
            f_r_tags <= 8'd0;
            f_r_wait <= 3'd0;
        end else begin
            f_aw_out <= f_aw_out + {2'd0, f_aw_hs} - {2'd0, f_b_hs};
            f_w_out  <= f_w_out + {2'd0, f_w_hs} - {2'd0, f_b_hs};
            f_r_out  <= f_r_out_pop + {2'd0, f_ar_hs};
            f_r_tags <= f_ar_hs ? (f_tags_pop | ({6'd0, f_ar_tag} << (2 * f_r_out_pop))) : f_tags_pop;
            f_r_wait <= (f_r_out != 3'd0 && !s_axil_rvalid) ? f_r_wait + 3'd1 : 3'd0;
        end
    end
    always @* begin
        if (!rst) begin
            if (s_axil_bvalid)
                assert(s_axil_bresp == 2'b00);                         // A1
            if (s_axil_rvalid)
                assert(s_axil_rresp == 2'b00);
            if (s_axil_bvalid)
                assert(f_aw_out != 3'd0 && f_w_out != 3'd0);           // A2
            if (s_axil_rvalid)
                assert(f_r_out != 3'd0);
            assert(f_aw_out <= 3'd2 && f_w_out <= 3'd2 && f_r_out <= 3'd3);   // A3
            if (f_aw_out != 3'd0 || f_w_out != 3'd0)
                assert(s_axil_bvalid);                                 // A4
            assert(f_r_wait <= 3'd1);
            if (s_axil_rvalid && f_r_tags[1:0] == 2'd1)
                assert(s_axil_rdata == VBUS_ACCEL_ID_VALUE);           // A6
            if (s_axil_rvalid && f_r_tags[1:0] == 2'd2)
                assert(s_axil_rdata == VBUS_ACCEL_VERSION_VALUE);
        end
        if (f_past && !rst) begin
            if (f_bvalid_q && !f_bready_q)
                assert(s_axil_bvalid);                                 // A5
            if (f_rvalid_q && !f_rready_q)
                assert(s_axil_rvalid && s_axil_rdata == f_rdata_q);
        end
    end
`endif
`ifdef FORMAL_VACUITY
    always @* begin
        if (!rst)
            assert(!(m_msi_valid && m_msi_ready && m_notify_valid && m_notify_ready && f_b_hs && f_r_hs));
    end
`endif

`ifdef FORMAL_GROUP_IRQ
    // ---- the channel's state: a flip-flop shadow of the RAM word, and no lost interrupt ---------------
    // The RAM words cannot be named in a property, so the harness keeps a shadow of the fields the
    // properties need (enabled, pending, dirty, armed, mc != 0, deadline), updated from the north
    // engine's modify stage (the word the op writes). S1 ties the RAM to the shadow: the word an op
    // reads (nm_old, forwarding included) is the shadow. Then P2/P3 are stated on the shadow.
    // the spacing rule the two-stage north engine needs (vbus_rmw_ram MS = 2, HW-13): no op issues on
    // the channel of the op in stage A; `now` of the previous cycle (stage A's, where the expiry compare is)
    reg [TW-1:0] f_now_a;
    always @(posedge clk)
        f_now_a <= now;
    always @* begin
        if (!rst && n_go && na_valid)
            assert(nsel != na_addr);
    end
    genvar gc;
    generate
        for (gc = 0; gc < N; gc = gc + 1) begin : g_fi
            reg          sh_en, sh_pd, sh_dt, sh_ar, sh_mc;
            reg [TW-1:0] sh_dl;
            wire         here = nm_valid && nm_addr == gc;
            always @(posedge clk) begin
                if (chan_rst) begin
                    {sh_en, sh_pd, sh_dt, sh_ar, sh_mc} <= 5'd0;
                    sh_dl <= {TW{1'b0}};
                end else if (here) begin
                    {sh_ar, sh_dt, sh_pd, sh_en} <= nm_new[3:0];
                    sh_mc <= nm_new[11:4] != 8'd0;
                    sh_dl <= nm_new[12 +: TW];
                end
            end
            // S1: every op on this channel reads the shadow (the RAM and its forwarding are exact)
            always @* begin
                if (!rst && here) begin
                    assert(nm_old[3:0] == {sh_ar, sh_dt, sh_pd, sh_en});
                    assert((nm_old[11:4] != 8'd0) == sh_mc);
                    assert(nm_old[12 +: TW] == sh_dl);
                end
            end
            // P2 (the invariant behind "no lost interrupt"): dirty, enabled and not pending means a
            // deferred interrupt is scheduled: armed with mc > 0, so the expiry (T3) fires it
            wire owed = sh_dt && sh_en && !sh_pd;
            always @* begin
                if (!rst && owed)
                    assert(sh_ar && sh_mc);
            end
            // P3 (no lost interrupt, bounded), in three steps that PDR proves quickly (a single counter of
            // the owed cycles makes it relate the counter to the time base, the scanner and the deadline):
            // P3a an armed deadline lies at most 3 ticks ahead of now (it never drifts or wraps), or has
            //     passed by at most 3 ticks (2 before the north engine's second stage);
            // P3b an armed channel whose deadline has passed meets its expiry op (in stage B, where it
            //     writes) within FORMAL_P3B_BOUND = 5 cycles (the scanner's visit, the mirror read, issue,
            //     stage A; 4 is refuted); the op may re-arm it (HW-10 order);
            // P3c that expiry op fires an owed channel whose deadline had passed at its compare (stage A's
            //     `now`; S1: the op reads the shadow).
            // With P2: dirty, enabled and not pending => a fire within 4 ticks + FORMAL_P3B_BOUND cycles (TICK_LG 1).
`ifndef FORMAL_P3B_BOUND
`define FORMAL_P3B_BOUND 5
`endif
            wire [TW-1:0] f_ahead = sh_dl - now;
            wire          f_due   = sh_ar && passed(sh_dl, now);
            reg  [2:0]    due_cnt;
            always @(posedge clk) begin
                if (chan_rst || !f_due || (here && mx))
                    due_cnt <= 3'd0;
                else if (due_cnt != 3'd7)
                    due_cnt <= due_cnt + 3'd1;
            end
            always @* begin
                if (!rst && sh_ar)
                    assert(f_ahead <= 4'd3 || f_ahead >= 4'd13);             // P3a
                if (!rst)
                    assert(due_cnt <= `FORMAL_P3B_BOUND);                    // P3b
                if (!rst && here && mx && sh_ar && passed(sh_dl, f_now_a) && owed)
                    assert(n_fire);                                          // P3c
            end
        end
    endgenerate
`endif

`ifdef FORMAL_GROUP_STREAM
    // ---- the streams: a fire becomes a message, in firing order, no channel starved -----------------
    // The harness keeps its own "queued" flags (which channels have a message pushed and not yet sent),
    // from the pushes and the handshakes only, so the properties do not depend on how the RTL stores them.
    // A beat already on a stream at a soft reset completes but belongs to before it (stale).
    reg [N-1:0] f_mq, f_nq;
    reg         f_mstale, f_nstale;
    wire        f_mclr = msi_hs && !f_mstale;         // a message of the current epoch sent
    wire        f_nclr = notify_hs && !f_nstale;
    always @(posedge clk) begin
        if (chan_rst) begin
            f_mq     <= {N{1'b0}};
            f_nq     <= {N{1'b0}};
            f_mstale <= !rst && m_msi_valid && !msi_hs;
            f_nstale <= !rst && m_notify_valid && !notify_hs;
        end else begin
            if (f_mclr)
                f_mq[msi_head] <= 1'b0;
            if (msi_push)
                f_mq[nm_addr] <= 1'b1;
            if (f_nclr)
                f_nq[notify_head] <= 1'b0;
            if (ntf_push)
                f_nq[sm_addr] <= 1'b1;
            if (msi_hs)
                f_mstale <= 1'b0;
            if (notify_hs)
                f_nstale <= 1'b0;
        end
    end
    wire f_mq_now = f_mq[nm_addr] && !(f_mclr && msi_head == nm_addr);   // still queued after this cycle
    wire f_nq_now = f_nq[sm_addr] && !(f_nclr && notify_head == sm_addr);
    always @* begin
        if (!rst && !chan_rst) begin
            // Q1: a fire is pushed, or merged into the channel's message still queued (no lost
            // message); a push never duplicates a queued channel (the id FIFO's contract: N entries)
            if (nm_valid && n_fire)
                assert(msi_push || f_mq_now);
            if (msi_push)
                assert(nm_valid && n_fire && !f_mq_now);
            if (sm_valid && s_fire)
                assert(ntf_push || f_nq_now);
            if (ntf_push)
                assert(sm_valid && s_fire && !f_nq_now);
        end
    end
    genvar gs;
    generate
        for (gs = 0; gs < N; gs = gs + 1) begin : g_fs
            // F1 (fairness, HW-14): while the channel is queued, at most N - 1 messages of other channels
            // are sent before its own (a stale beat is not counted)
            reg [1:0] f_movt, f_novt;
            always @(posedge clk) begin
                if (chan_rst || !f_mq[gs] || (f_mclr && msi_head == gs))
                    f_movt <= 2'd0;
                else if (f_mclr && f_movt != 2'd3)
                    f_movt <= f_movt + 2'd1;
                if (chan_rst || !f_nq[gs] || (f_nclr && notify_head == gs))
                    f_novt <= 2'd0;
                else if (f_nclr && f_novt != 2'd3)
                    f_novt <= f_novt + 2'd1;
            end
            always @* begin
                if (!rst) begin
                    assert(f_movt <= N - 1);
                    assert(f_novt <= N - 1);
                end
            end
        end
    endgenerate
    // F2: a stream with a channel queued offers a message within 2 cycles (never idles with work);
    // F3: nothing invented: the message offered is a queued channel's (or the stale beat)
    reg [1:0] f_midle, f_nidle;
    always @(posedge clk) begin
        if (chan_rst || m_msi_valid || f_mq == {N{1'b0}})
            f_midle <= 2'd0;
        else if (f_midle != 2'd3)
            f_midle <= f_midle + 2'd1;
        if (chan_rst || m_notify_valid || f_nq == {N{1'b0}})
            f_nidle <= 2'd0;
        else if (f_nidle != 2'd3)
            f_nidle <= f_nidle + 2'd1;
    end
    always @* begin
        if (!rst) begin
            assert(f_midle <= 2'd2);
            assert(f_nidle <= 2'd2);
            if (m_msi_valid)
                assert(f_mstale || f_mq[msi_head]);
            if (m_notify_valid)
                assert(f_nstale || f_nq[notify_head]);
        end
    end
`endif

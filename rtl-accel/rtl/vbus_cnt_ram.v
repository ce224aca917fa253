// SPDX-License-Identifier: GPL-2.0
// vbus_cnt_ram: the per-channel event counters of vbus_doorbell (CNT_DOORBELL, CNT_IRQ, CNT_SUPP_N,
// CNT_SUPP_S, CNT_DEV_NOTIFY; docs/spec/05-transports.md §5.4 HW-10) kept in block RAM instead of
// flip-flops.
//
// Each counter k = {channel, index} is split into a narrow pre-counter in flip-flops (pre[k], PW
// bits) and its spilled part in a RAM word. A round-robin engine visits one counter per cycle
// (every counter once per P = 5 * N cycles): stage E0 reads the RAM word and takes pre[k] (which
// restarts from this cycle's increment), stage E1 writes word + taken part back. pre[k] holds at
// most P increments between two visits, so PW = clog2(P + 1) bits never overflow.
// A bus read returns the exact count: RAM word (or the E1 write data when it targets the same
// word this cycle, or 0 while the word is not valid since a reset) + pre[k], both as of the start
// of the read cycle; so a read shows every event from the second cycle after it, as the flip-flop
// counters did (increments are registered once before they reach pre[k]).
// Reset (hard or soft) clears the pre-counters and the per-counter `vld` bits; a word becomes
// valid again when E1 writes it (0 + the taken part), so no RAM clearing sweep is needed.
`default_nettype none

module vbus_cnt_ram #(
    // Number of channels, 1..64.
    parameter integer N = 8,
    // Counter width in bits, 1..32 (counters wrap).
    parameter integer CW = 32
) (
    input  wire          clk,
    input  wire          rst,        // synchronous, active high: hard reset or CTRL.SOFT_RESET
    input  wire [5*N-1:0] inc,       // this cycle's increments, bit 5 * channel + index
    input  wire          rd_en,      // a counter read is accepted this cycle
    input  wire [N-1:0]  rd_chan_oh, // its channel, one-hot
    input  wire [2:0]    rd_idx,     // its counter index 0..4
    output wire [CW-1:0] rd_val      // the count, from the cycle after rd_en until the next rd_en
);

    localparam integer P  = 5 * N;                       // visit period of one counter
    localparam integer PW = $clog2(P + 1);               // pre-counter width
    localparam integer CHW = (N > 1) ? $clog2(N) : 1;     // channel part of a RAM address
    localparam integer AW = CHW + 3;                      // RAM address: {channel, index[2:0]}
    localparam integer DEPTH = 1 << AW;

`ifndef SYNTHESIS
    initial begin
        if (N < 1 || N > 64 || CW < 1 || CW > 32) begin
            $display("ERROR: %m: N = %0d (1..64), CW = %0d (1..32)", N, CW);
            $finish;
        end
    end
`endif

    // A PW-bit value zero-extended or truncated to CW bits (the counters wrap modulo 2^CW).
    function [CW-1:0] ext;
        input [PW-1:0] v;
        integer b;
        begin
            ext = {CW{1'b0}};
            for (b = 0; b < PW && b < CW; b = b + 1)
                ext[b] = v[b];
        end
    endfunction

    // ---- increments, registered (off the paths from the bus handshakes) ----------------------
    reg [5*N-1:0] inc_reg;
    always @(posedge clk) begin
        if (rst)
            inc_reg <= {5*N{1'b0}};
        else
            inc_reg <= inc;
    end

    // ---- engine pointer: one-hot channel and one-hot index ------------------------------------
    reg [N-1:0] e_ch_oh;
    /* verilator lint_off UNUSEDSIGNAL */ // only the middle N bits form the rotation
    wire [2*N-1:0] e_ch_dbl = {e_ch_oh, e_ch_oh};
    /* verilator lint_on UNUSEDSIGNAL */
    reg [4:0]   e_idx_oh;
    reg [AW-1:0] e_addr;
    wire [AW-1:0] e_addr_next;
    localparam integer   N_M1    = N - 1;
    localparam [CHW-1:0] CH_LAST = N_M1[CHW-1:0];
    wire [CHW-1:0] e_ch_next = (e_addr[AW-1:3] == CH_LAST) ? {CHW{1'b0}} : e_addr[AW-1:3] + 1'b1;
    assign e_addr_next = e_idx_oh[4] ? {e_ch_next, 3'd0} : {e_addr[AW-1:3], e_addr[2:0] + 3'd1};
    always @(posedge clk) begin
        if (rst) begin
            e_ch_oh  <= {{(N-1){1'b0}}, 1'b1};
            e_idx_oh <= 5'b00001;
            e_addr   <= {AW{1'b0}};
        end else begin
            if (e_idx_oh[4])
                e_ch_oh <= e_ch_dbl[2*N-2:N-1];   // rotate left by one
            e_idx_oh <= {e_idx_oh[3:0], e_idx_oh[4]};
            e_addr   <= e_addr_next;
        end
    end

    // ---- pre-counters, valid bits, engine take and bus-read select ------------------------------
    reg  [5*N*PW-1:0] pre;                 // pre[k] = pre[PW*k +: PW]
    reg  [5*N-1:0] vld;
    reg  [PW-1:0] e_take, r_take;
    reg           e_vld, r_vld;
    integer k;
    always @* begin
        e_take = {PW{1'b0}};
        r_take = {PW{1'b0}};
        e_vld  = 1'b0;
        r_vld  = 1'b0;
        for (k = 0; k < 5 * N; k = k + 1) begin
            if (e_ch_oh[k / 5] && e_idx_oh[k % 5]) begin
                e_take = e_take | pre[PW * k +: PW];
                e_vld  = e_vld | vld[k];
            end
            if (rd_chan_oh[k / 5] && {29'd0, rd_idx} == k % 5) begin
                r_take = r_take | pre[PW * k +: PW];
                r_vld  = r_vld | vld[k];
            end
        end
    end

    reg          w_valid, w_clr;
    reg [AW-1:0] w_addr;
    reg [PW-1:0] w_p;
    reg [CW-1:0] mem [0:DEPTH-1];
    reg [CW-1:0] q_e, q_r;
    wire [CW-1:0] w_data = (w_clr ? {CW{1'b0}} : q_e) + ext(w_p);

    always @(posedge clk) begin
        for (k = 0; k < 5 * N; k = k + 1) begin
            if (rst)
                pre[PW * k +: PW] <= {PW{1'b0}};
            else
                pre[PW * k +: PW] <= ((e_ch_oh[k / 5] && e_idx_oh[k % 5]) ? {PW{1'b0}} : pre[PW * k +: PW])
                                     + {{(PW-1){1'b0}}, inc_reg[k]};
        end
        if (rst) begin
            vld     <= {5*N{1'b0}};
            w_valid <= 1'b0;
        end else begin
            for (k = 0; k < 5 * N; k = k + 1)
                if (w_valid && {{(32-AW){1'b0}}, w_addr} == (k / 5) * 8 + k % 5)
                    vld[k] <= 1'b1;
            w_valid <= 1'b1;
        end
        w_clr  <= !e_vld;
        w_addr <= e_addr;
        w_p    <= e_take;
    end

    // the RAM: E0 read port, E1 write port, bus read port
    always @(posedge clk) begin
        if (w_valid)
            mem[w_addr] <= w_data;
        q_e <= mem[e_addr];
    end
    always @(posedge clk) begin
        if (rd_en)
            q_r <= mem[{rd_addr_ch, rd_idx}];
    end

    // ---- bus read ---------------------------------------------------------------------------------
    reg [CHW-1:0] rd_addr_ch;
    integer c;
    always @* begin
        rd_addr_ch = {CHW{1'b0}};
        for (c = 0; c < N; c = c + 1)
            if (rd_chan_oh[c])
                rd_addr_ch = rd_addr_ch | c[CHW-1:0];
    end
    wire rd_hit = w_valid && w_addr == {rd_addr_ch, rd_idx};   // E1 writes the word this cycle

    reg          ok_reg, hit_reg;
    reg [CW-1:0] byp_reg;
    reg [PW-1:0] take_reg;
    always @(posedge clk) begin
        if (rd_en) begin
            ok_reg   <= r_vld || rd_hit;
            hit_reg  <= rd_hit;
            byp_reg  <= w_data;
            take_reg <= r_take;
        end
    end
    assign rd_val = (ok_reg ? (hit_reg ? byp_reg : q_r) : {CW{1'b0}}) + ext(take_reg);
endmodule

`default_nettype wire

// SPDX-License-Identifier: GPL-2.0
// Formal harness of vbus_rmw_ram with HI (scripts/formal.sh rmw-split): the engine as a v2 counter
// bank builds it (MS = 1, the second read port, the sweep through the increment, a late write enable)
// with its word split into a lower half written by every op and an upper half written only when the
// lower half wraps, against a flip-flop shadow counter per word. 4 words of 4 bits, halves of 2 bits.
// A RAM read that meets a write of the same word in the same cycle returns an arbitrary value
// (FORMAL_RW_JUNK in vbus_rmw_ram: the block RAM carries no_rw_check), so the proof does not lean on a
// read-first RAM. Properties:
//   H1  the lower half of m_old is the shadow's (forwarded from the op written in the same cycle)
//   H2  an op whose lower half wraps sees the upper half of the shadow too (the only case that writes
//       it; right after a wrap on the same word the lower half is 0, so no upper forwarding is needed)
//   H3  the second read port: rd2_addr at t (after the sweep) returns at t+1 the whole shadow word,
//       the upper half forwarded from a wrap written in the same cycle
//   H4  one op per clock after the sweep
`default_nettype none
module vbus_rmw_split_check (
    input wire       clk,
    input wire       rst,
    input wire       op_valid,
    input wire [1:0] op_addr,
    input wire       en,          // the late write enable of the op in modify (CNT_SUPP_N's)
    input wire [1:0] rd2_addr
);
    localparam integer N = 4, W = 4;
    wire         op_ready, m_valid;
    wire [1:0]   m_addr;
    wire         m_code;
    wire [W-1:0] m_old, rd2_data;
    wire         wrap  = m_old[1:0] == 2'd3;
    wire [W-1:0] m_new = {m_old[3:2] + 2'd1, m_old[1:0] + 2'd1};

    vbus_rmw_ram #(.N(N), .W(W), .OP_W(1), .SWEEP_INC(1), .HI(2)) dut (
        .ext_busy(1'b0), .ext_addr(2'd0),
        .clk(clk), .rst(rst), .op_valid(op_valid), .op_ready(op_ready), .op_addr(op_addr),
        .op_code(1'b1), .m_valid(m_valid), .m_addr(m_addr), .m_code(m_code), .m_old(m_old),
        .m_new(m_new), .m_en(en), .m_hi_en(wrap), .b_valid(), .b_addr(), .b_code(), .b_old(),
        .rd2_addr(rd2_addr), .rd2_data(rd2_data), .wr_en(), .wr_addr(), .wr_data()
    );
    reg  [1:0]   f_rd2_q;
    reg          f_rd2_ok;
    always @(posedge clk) begin
        f_rd2_q  <= rd2_addr;
        f_rd2_ok <= !rst && op_ready;
    end

    reg [W-1:0] shadow [0:N-1];
    reg         f_ready_seen, f_issued;
    integer     i;
    always @* begin
        if ($initstate)
            assume(rst);
    end
    always @(posedge clk) begin
        if (rst) begin
            for (i = 0; i < N; i = i + 1)
                shadow[i] <= {W{1'b0}};
            f_ready_seen <= 1'b0;
            f_issued     <= 1'b0;
        end else begin
            if (m_valid && en)
                shadow[m_addr] <= shadow[m_addr] + 1'b1;
            if (op_ready)
                f_ready_seen <= 1'b1;
            f_issued <= op_valid && op_ready;
        end
    end
    always @* begin
        if (!rst) begin
            if (m_valid)
                assert(m_old[1:0] == shadow[m_addr][1:0]);   // H1
            if (m_valid && wrap)
                assert(m_old == shadow[m_addr]);             // H2
            if (f_rd2_ok)
                assert(rd2_data == shadow[f_rd2_q]);         // H3
            if (f_ready_seen)
                assert(op_ready);                            // H4
            assert(m_valid == f_issued);                     // H4
        end
    end
endmodule
`default_nettype wire

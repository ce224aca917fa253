// SPDX-License-Identifier: GPL-2.0
// Formal harness of vbus_rmw_ram (scripts/formal.sh rmw): the engine against a flip-flop shadow of
// every word. Any op sequence (any addresses, back to back on one word included); the modify step
// adds the op code to the word. Properties:
//   R1  m_old equals the shadow word: every op sees the effect of every earlier op (forwarding)
//   R2  one op per clock: after the clearing sweep op_ready stays 1, and an op issued at t is in
//       modify at t+1
//   R3  the second read port: rd2_addr at t (after the sweep) returns at t+1 the shadow word, i.e.
//       the effect of every op issued up to t-1
`default_nettype none
module vbus_rmw_check (
    input wire       clk,
    input wire       rst,
    input wire       op_valid,
    input wire [1:0] op_addr,
    input wire [2:0] op_code,
    input wire [1:0] rd2_addr
);
    localparam integer N = 4, W = 4;
    wire         op_ready, m_valid;
    wire [1:0]   m_addr;
    wire [2:0]   m_code;
    wire [W-1:0] m_old;
    wire [W-1:0] m_new = m_old + {1'b0, m_code};

    vbus_rmw_ram #(.N(N), .W(W), .OP_W(3)) dut (
        .ext_busy(1'b0), .ext_addr(2'd0),
        .clk(clk), .rst(rst), .op_valid(op_valid), .op_ready(op_ready), .op_addr(op_addr),
        .op_code(op_code), .m_valid(m_valid), .m_addr(m_addr), .m_code(m_code), .m_old(m_old),
        .m_new(m_new), .m_en(1'b1), .m_hi_en(1'b1), .b_valid(), .b_addr(), .b_code(), .b_old(), .rd2_addr(rd2_addr), .rd2_data(rd2_data), .wr_en(), .wr_addr(), .wr_data()
    );
    wire [W-1:0] rd2_data;
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
            if (m_valid)
                shadow[m_addr] <= m_new;
            if (op_ready)
                f_ready_seen <= 1'b1;
            f_issued <= op_valid && op_ready;
        end
    end
    always @* begin
        if (!rst) begin
            if (m_valid)
                assert(m_old == shadow[m_addr]);       // R1
            if (f_ready_seen)
                assert(op_ready);                      // R2
            assert(m_valid == f_issued);               // R2
            if (f_rd2_ok)
                assert(rd2_data == shadow[f_rd2_q]);   // R3
        end
    end
endmodule
`default_nettype wire

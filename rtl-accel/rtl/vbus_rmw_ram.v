// SPDX-License-Identifier: GPL-2.0
// vbus_rmw_ram: a read-modify-write engine over per-channel state in block RAM, one operation per
// clock, with forwarding so back-to-back operations on the same word see each other (issue 14, the
// building block of the v2 accelerator: per-channel state in RAM instead of flip-flops).
//
// Pipeline (one op per clock, no stall, any address sequence):
//   cycle t    issue: op_valid/op_addr/op_code accepted (op_ready = 1); the RAM read of op_addr starts
//   cycle t+1  modify: m_valid, m_addr, m_code and m_old (the word as left by every earlier op) are
//              presented; the user's combinational next-state logic answers m_new, which is written
//              at the end of the cycle
// A RAM read of the word being written in the same cycle returns the old content (or, in block RAM
// without a read-during-write guarantee, anything: the RAM carries no_rw_check), so an op issued in
// the cycle its predecessor writes the same word would see a stale value: the forwarding register
// takes the predecessor's m_new instead. Without it a single channel could take one op every 2 cycles
// only (Corundum's queue_manager stalls there); with it, one DOORBELL per clock on one channel.
//
// Reset: block RAM cannot be cleared in one cycle; after rst the engine writes 0 to every word, one per
// cycle (init_busy, op_ready low) for N cycles, then takes ops. Words read 0 until written.
//
// Second read port (the CPU's register reads in the v2 top; a second block RAM copy where the RAM has
// one read port): rd2_addr at t, rd2_data at t + 1 = the word as left by every write up to the end of
// t, i.e. by every op issued up to t - 1 (a same-cycle write is forwarded). wr_en/wr_addr/wr_data show
// the write of this cycle (sweep or modify), so the user can keep a narrower mirror of some fields.
`default_nettype none

module vbus_rmw_ram #(
    parameter integer N    = 8,    // words (channels), 1..65536
    parameter integer W    = 16,   // word width in bits
    parameter integer OP_W = 4,    // width of the op code carried from issue to modify
    parameter integer RD2  = 1,    // 1: the second read port; 0: none (rd2_data reads 0, no RAM copy)
    // 1: the sweep writes m_new with m_old forced to all ones (for a user whose m_new = m_old + 1, a
    // counter: the word becomes 0 with no data multiplexer on the write port); 0: the sweep writes 0
    parameter integer SWEEP_INC = 0,
    // 1: the sweep writes m_new with the old word and the op code forced to 0 (for a user whose m_new is
    // then 0: no data multiplexer on the write port); 0 (and SWEEP_INC = 0): the sweep writes 0
    parameter integer SWEEP_ZERO = 0,
    // 1: the clearing sweep is driven from outside (ext_busy, ext_addr: another engine's sweep, the same
    // rst, in lockstep), so several engines share one address counter; 0: the engine sweeps itself
    parameter integer EXT_SWEEP = 0,
    // modify stages: 1 = the op is modified at t + 1 (m_*; m_new written at the end of t + 1); 2 = stage A
    // at t + 1 (m_*: the old word, for the user's first half) and stage B at t + 2 (b_*: the same op one
    // cycle later; m_new is B's result, written at the end of t + 2). With 2 the caller must never issue
    // an op on the word of the op issued in the previous cycle (that op is still in A): the spacing rule
    // of the v2 north engine (HW-13); older ops are forwarded as with 1
    parameter integer MS = 1,
    // 1: the forwarding hit (the op in modify was issued while its predecessor wrote its word) is
    // compared in the modify cycle, between registers (the write's address registered and m_addr), so
    // that op_addr (the caller's channel selection) drives only the RAM's read address and m_addr; 0:
    // compared at issue and registered (op_addr -> compare -> fwd_hit, nothing in front of m_old's mux)
    parameter integer LATE_FWD = 0,
    parameter integer AW   = (N > 1) ? $clog2(N) : 1
) (
    input  wire            clk,
    input  wire            rst,         // synchronous; starts the N-cycle clearing sweep
    /* verilator lint_off UNUSEDSIGNAL */ // used only with EXT_SWEEP = 1
    input  wire            ext_busy,
    input  wire [AW-1:0]   ext_addr,
    /* verilator lint_on UNUSEDSIGNAL */

    input  wire            op_valid,
    output wire            op_ready,    // 0 only during the clearing sweep after rst
    input  wire [AW-1:0]   op_addr,     // < N
    input  wire [OP_W-1:0] op_code,

    output reg             m_valid,
    output reg  [AW-1:0]   m_addr,
    output reg  [OP_W-1:0] m_code,
    output wire [W-1:0]    m_old,
    input  wire [W-1:0]    m_new,
    input  wire            m_en,        // 0: the op of the write stage writes nothing (a late enable)
    /* verilator lint_off UNUSEDSIGNAL */ // stage B: meaningful only with MS = 2
    output reg             b_valid,
    output reg  [AW-1:0]   b_addr,
    output reg  [OP_W-1:0] b_code,
    output reg  [W-1:0]    b_old,
    /* verilator lint_on UNUSEDSIGNAL */

    input  wire [AW-1:0]   rd2_addr,
    output wire [W-1:0]    rd2_data,
    output wire            wr_en,
    output wire [AW-1:0]   wr_addr,
    output wire [W-1:0]    wr_data
);

`ifndef SYNTHESIS
    initial begin
        if (N < 1 || N > 65536 || W < 1) begin
            $display("ERROR: %m: N = %0d (1..65536), W = %0d (>= 1)", N, W);
            $finish;
        end
    end
`endif

    reg [W-1:0]  rd_reg;
    wire         init_busy;
    wire [AW-1:0] init_addr;
    wire         fwd_hit;     // the op now in modify was issued while its predecessor wrote its word
    reg          fwd_hit_q;   // LATE_FWD = 0: fwd_hit compared at issue
    reg          fwd_wq;      // LATE_FWD = 1: the issue cycle's op write and its address
    reg [AW-1:0] fwd_wa;
    reg [W-1:0]  fwd_data;

    wire          issue = op_valid && !init_busy;
    wire          w_op  = (MS == 2) ? b_valid : m_valid;    // the op in its write stage
    wire [AW-1:0] w_adr = (MS == 2) ? b_addr : m_addr;
    wire          we    = init_busy || (w_op && m_en);
    wire [AW-1:0] wa    = init_busy ? init_addr : w_adr;
    wire [W-1:0]  wd    = (init_busy && SWEEP_INC == 0 && SWEEP_ZERO == 0) ? {W{1'b0}} : m_new;
    wire          zero  = SWEEP_ZERO != 0 && (rst || init_busy);   // the modify sees 0 during the sweep

    assign op_ready = !init_busy;

    // the RAM: one write port, one or two read ports. A read of the word written in the same cycle is
    // never used on the op port (fwd_hit forwards it) nor on the second port (rd2_hit forwards it), so
    // the RAM carries no_rw_check: yosys need not build read-first logic around the block RAM. At least
    // 2 words deep: yosys cannot map a 1-word memory to iCE40 block RAM (N = 1 failed synth_ice40); the
    // second word is never written (the sweep and every op address word 0 when N = 1).
    localparam integer DEPTH = (N > 1) ? N : 2;
    (* ram_style = "block", no_rw_check *) reg [W-1:0] mem [0:DEPTH-1];
    always @(posedge clk) begin
        if (we)
            mem[wa] <= wd;
        rd_reg <= mem[op_addr];
    end
    generate
        if (RD2 != 0) begin : g_rd2
            reg [W-1:0] rd2_reg, rd2_wd;
            reg         rd2_hit;
            always @(posedge clk) begin
                rd2_reg <= mem[rd2_addr];
                rd2_hit <= we && wa == rd2_addr;
                rd2_wd  <= wd;
            end
            assign rd2_data = rd2_hit ? rd2_wd : rd2_reg;
        end else begin : g_nord2
            /* verilator lint_off UNUSEDSIGNAL */
            wire [AW-1:0] rd2_unused = rd2_addr;
            /* verilator lint_on UNUSEDSIGNAL */
            assign rd2_data = {W{1'b0}};
        end
    endgenerate
    assign wr_en    = we;
    assign wr_addr  = wa;
    assign wr_data  = wd;

    generate
        if (EXT_SWEEP != 0) begin : g_ext_sweep
            assign init_busy = ext_busy;
            assign init_addr = ext_addr;
        end else begin : g_own_sweep
            reg          busy_r;
            reg [AW-1:0] addr_r;
            always @(posedge clk) begin
                if (rst) begin
                    busy_r <= 1'b1;
                    addr_r <= {AW{1'b0}};
                end else if (busy_r) begin
                    addr_r <= addr_r + 1'b1;
                    if (addr_r == N[AW-1:0] - 1'b1 || N == 1)
                        busy_r <= 1'b0;
                end
            end
            assign init_busy = busy_r;
            assign init_addr = addr_r;
        end
    endgenerate

    always @(posedge clk) begin
        if (rst) begin
            m_valid <= 1'b0;
            b_valid <= 1'b0;
        end else begin
            m_valid <= issue;
            b_valid <= (MS == 2) && m_valid;
        end
        b_addr <= m_addr;
        b_code <= zero ? {OP_W{1'b0}} : m_code;
        b_old  <= zero ? {W{1'b0}} : m_old;
        // not reset: m_old of the cycle after rst is still the word as left by the op of the rst cycle
        // (the v2 top's register reads accepted in a soft-reset cycle take it)
`ifdef FORMAL_MUTANT_NO_FORWARD
        fwd_hit_q <= 1'b0;   // deliberately broken for the formal mutant test: no forwarding
        fwd_wq    <= 1'b0;
`else
        fwd_hit_q <= LATE_FWD == 0 && w_op && m_en && w_adr == op_addr;
        fwd_wq    <= LATE_FWD != 0 && w_op && m_en;
`endif
        fwd_wa   <= w_adr;
        m_addr   <= op_addr;
        m_code   <= (zero && MS == 1) ? {OP_W{1'b0}} : op_code;
        fwd_data <= m_new;
    end

    assign fwd_hit = (LATE_FWD != 0) ? (fwd_wq && fwd_wa == m_addr) : fwd_hit_q;
    assign m_old = (init_busy && SWEEP_INC != 0) ? {W{1'b1}} : (init_busy && SWEEP_ZERO != 0 && MS == 1) ? {W{1'b0}}
                   : fwd_hit ? fwd_data : rd_reg;
endmodule

`default_nettype wire

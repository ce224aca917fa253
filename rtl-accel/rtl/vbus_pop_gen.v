// SPDX-License-Identifier: GPL-2.0
// vbus_pop_gen: the "popped generation" bit of every channel for one stream of the v2 accelerator, in
// block RAM (issue 14: no per-channel flip-flop). A channel is queued on the stream while the push
// generation in its engine word differs from this bit; the stream writes the accepted entry's
// generation here, the engine reads the bit when its op issues (rd_addr at t) and gets it at t + 1 for
// the op's channel (m_addr), forwarded from the writes of t and t + 1, so m_gen is the bit as of now.
// The reset sweep (sweep, sweep_addr: the engines' clearing sweep) writes 0 to every word.
`default_nettype none

module vbus_pop_gen #(
    parameter integer N  = 8,                          // channels, 1..65536
    parameter integer CW = (N > 1) ? $clog2(N) : 1     // channel id width
) (
    input  wire          clk,
    input  wire          sweep,       // the engines' reset sweep: mem[sweep_addr] = 0
    input  wire [CW-1:0] sweep_addr,
    input  wire          pop,         // an entry accepted (never during the sweep: nothing is queued)
    input  wire [CW-1:0] pop_chan,
    input  wire          pop_gen,
    input  wire [CW-1:0] rd_addr,     // the engine's op address at issue (t)
    input  wire [CW-1:0] m_addr,      // the same op's address in modify (t + 1): rd_addr registered
    output wire          m_gen        // the bit of m_addr as of now (this cycle's pop included)
);
    // a same-cycle read is forwarded (hit); at least 2 words (a 1-word memory does not map to iCE40 block
    // RAM, as in vbus_rmw_ram)
    localparam integer DEPTH = (N > 1) ? N : 2;
    (* ram_style = "block", no_rw_check *) reg mem [0:DEPTH-1];
    wire          we = sweep || pop;
    wire [CW-1:0] wa = sweep ? sweep_addr : pop_chan;
    wire          wd = !sweep && pop_gen;
    reg           rd, wq, hv;
    reg  [CW-1:0] wa_q;
`ifdef FORMAL_RW_JUNK
    // formal only: a read that meets a write of the same word returns anything (no_rw_check), not the
    // old bit of memory_map's model: undriven, so a free input every cycle (formal/props.ys setundef)
    wire          f_junk;
`endif
    always @(posedge clk) begin
        if (we)
            mem[wa] <= wd;
        rd   <= mem[rd_addr];      // a write of this cycle to the word read is forwarded through hit/hv
`ifdef FORMAL_RW_JUNK
        if (we && wa == rd_addr)
            rd <= f_junk;
`endif
        wq   <= we;
        wa_q <= wa;
        hv   <= wd;
    end
    // the write of the read's cycle hit the word read: compared one cycle later, between registers
    // (wa_q and m_addr, the read address registered), so that the engines' channel selection (rd_addr)
    // drives only the RAM's read address and no compare
    wire          hit = wq && wa_q == m_addr;
    assign m_gen = (pop && pop_chan == m_addr) ? pop_gen : hit ? hv : rd;   // no pop during the sweep
endmodule

`default_nettype wire

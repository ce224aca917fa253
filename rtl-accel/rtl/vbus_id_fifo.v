// SPDX-License-Identifier: GPL-2.0
// vbus_id_fifo: a FIFO of channel ids in block RAM with a registered valid/ready output stream (issue
// 14, the v2 replacement of the N-way round-robin arbiters of vbus_rr_stream: the MSI and notify
// streams serve channels in firing order). Each channel is pushed at most once while it is queued
// (the v2 state word keeps a "queued" bit: the caller's contract), so N entries never overflow and a
// channel pushed behind k others is sent after exactly k grants: no channel waits more than N - 1.
//
// Timing: a push at t is written to the RAM at the end of t, read at t + 1 (registered RAM read),
// moved into the output register at the end of t + 2: valid from t + 3 when nothing is ahead of it. One push and one pop per clock.
// With BYPASS = 1 a push finding the RAM empty skips it: with no read in flight it goes straight into the
// output buffer (valid from t + 1), else it takes the place of the next RAM read (it arrives at t + 1, as a
// read issued at t would: no idle cycle behind the read in flight); both only when the buffer has room,
// else it is written to the RAM (the v2 streams, whose pushes are registered after the engines).
// The RAM read is issued only when the two-entry output buffer (output register + skid) will have
// room, so m_ready never reaches the RAM address path.
`default_nettype none

module vbus_id_fifo #(
    parameter integer N  = 8,                          // channels, 1..65536
    parameter integer CW = (N > 1) ? $clog2(N) : 1,    // channel id width (the depth is 2^CW)
    parameter integer DW = CW,                         // entry width: the id, and above it any tag
    parameter integer BYPASS = 0                       // 1: a push into an empty FIFO skips the RAM
) (
    input  wire          clk,
    input  wire          rst,       // synchronous: empties the FIFO (no RAM sweep needed)
    input  wire          flush,     // empties the FIFO but a head already valid and not taken this
                                    // cycle stays on the output until taken (valid/ready rule)

    input  wire          push,      // contract: chan not already queued
    input  wire [DW-1:0] push_chan,

    output wire          m_valid,
    input  wire          m_ready,
    output wire [DW-1:0] m_chan
);
    localparam integer DEPTH = 1 << CW;                 // >= N
    // pointer width: with BYPASS = 1 the RAM never holds DEPTH entries (it gets an entry only when the
    // output buffer and the read in flight hold 2, and while it is not empty at least one queued entry is
    // outside it: at most N - 1 <= DEPTH - 1 in it; after a flush the one stale head cannot be the only
    // one outside, as it leaves first), so CW bits tell full from empty; without the bypass one extra bit
    localparam integer PW = (BYPASS != 0) ? CW : CW + 1;

    (* ram_style = "block" *) reg [DW-1:0] mem [0:DEPTH-1];
    reg [PW-1:0] wr_ptr, rd_ptr;
    reg          inflight;                              // a RAM read (or a bypassed push) issued last cycle
    reg          inflight_byp;                          // ... the bypassed push, in byp_data
    reg [DW-1:0] rd_data, byp_data;
    reg          q0_valid, q1_valid;                    // output register, skid
    reg [DW-1:0] q0_chan, q1_chan;

    wire         pop       = q0_valid && m_ready;
    wire         ram_some  = wr_ptr != rd_ptr;
    // entries in q0/q1 next cycle before a new fetch: the present ones, the arriving read, minus the pop
    wire [1:0]   occ_next  = {1'b0, q0_valid} + {1'b0, q1_valid} + {1'b0, inflight} - {1'b0, pop};
`ifdef FORMAL_MUTANT_FIFO_NO_ROOM
    wire         fetch     = ram_some;   // deliberately broken for the formal mutant test: no room check
`else
    wire         fetch     = ram_some && occ_next != 2'd2;
`endif
    // the bypasses: the pushed entry arrives at the output buffer this cycle (nothing in flight), or is
    // the entry in flight next cycle, in place of a RAM read (a read in flight now)
    wire         byp0      = BYPASS != 0 && push && !ram_some && !inflight && occ_next != 2'd2;
    wire         byp1      = BYPASS != 0 && push && !ram_some && inflight && occ_next != 2'd2;
    wire         arr_v     = inflight || byp0;                  // an entry arrives at the buffer
    wire [DW-1:0] arr_d    = !inflight ? push_chan : inflight_byp ? byp_data : rd_data;

    always @(posedge clk) begin
        if (push)
            mem[wr_ptr[CW-1:0]] <= push_chan;
        rd_data  <= mem[rd_ptr[CW-1:0]];
        byp_data <= push_chan;
    end

    always @(posedge clk) begin
        if (rst) begin
            wr_ptr   <= {PW{1'b0}};
            rd_ptr   <= {PW{1'b0}};
            inflight <= 1'b0;
            inflight_byp <= 1'b0;
            q0_valid <= 1'b0;
            q1_valid <= 1'b0;
        end else if (flush) begin
            wr_ptr   <= {PW{1'b0}};   // the RAM's entries are dropped: both pointers restart at 0
            rd_ptr   <= {PW{1'b0}};   // (a plain reset, no load of wr_ptr into rd_ptr)
            inflight <= 1'b0;
            inflight_byp <= 1'b0;
            q0_valid <= q0_valid && !pop;
            q1_valid <= 1'b0;
        end else begin
            if (push && !byp0 && !byp1)
                wr_ptr <= wr_ptr + 1'b1;
            if (fetch)
                rd_ptr <= rd_ptr + 1'b1;
            inflight     <= fetch || byp1;
            inflight_byp <= byp1;
            // output buffer: q0 is the head; q1 holds the next one; the arriving entry goes behind
            case ({pop, q1_valid, arr_v})
                3'b000, 3'b010: ;                                   // nothing moves
                3'b001: if (q0_valid) begin q1_valid <= 1'b1; q1_chan <= arr_d; end
                        else begin q0_valid <= 1'b1; q0_chan <= arr_d; end
                3'b011: ;                                           // cannot happen: occ would be 3
                3'b100: q0_valid <= 1'b0;
                3'b101: q0_chan <= arr_d;                           // q0 popped, the entry replaces it
                3'b110: begin q0_chan <= q1_chan; q1_valid <= 1'b0; end
                3'b111: begin q0_chan <= q1_chan; q1_chan <= arr_d; end
            endcase
        end
    end

    assign m_valid = q0_valid;
    assign m_chan  = q0_chan;

`ifdef FORMAL_ID_FIFO
    // (only when the FIFO itself is the top: its assumptions, no flush among them, must not constrain
    // the v2 top's proofs, where flush = CTRL.SOFT_RESET and the push contract is an assertion, Q1)
    // Unbounded proof (scripts/formal.sh fifo): for a symbolic channel f_ch, pushed when k entries
    // are queued ahead of it, it leaves after exactly k pops (firing order, fairness bound N - 1);
    // nothing is lost or invented; the buffer never overflows.
    (* anyconst *) reg [CW-1:0] f_ch;
    reg [N-1:0] f_queued;                 // shadow: which channels are in the FIFO
    reg         f_tracking;
    reg [CW:0]  f_ahead;                  // entries ahead of f_ch
    wire [CW:0] f_count = f_popcount(f_queued);
    function [CW:0] f_popcount(input [N-1:0] v);
        integer j;
        begin
            f_popcount = 0;
            for (j = 0; j < N; j = j + 1)
                f_popcount = f_popcount + v[j];
        end
    endfunction
    wire [PW-1:0] f_ram = wr_ptr - rd_ptr;   // entries in the RAM
    reg [1:0] f_empty_wait;   // consecutive cycles with entries queued but none on the output
    always @(posedge clk) begin
        if (rst || m_valid || f_count == 0)
            f_empty_wait <= 2'd0;
        else if (f_empty_wait != 2'd3)
            f_empty_wait <= f_empty_wait + 2'd1;
    end
    always @* begin
        if ($initstate)
            assume(rst);
        if (!rst && push)
            assume(push_chan < N && !f_queued[push_chan]);
        assume(!flush);   // the flush path is checked by the v2 top's lockstep testbench
        assume(f_ch < N);
    end
    always @(posedge clk) begin
        if (rst) begin
            f_queued   <= {N{1'b0}};
            f_tracking <= 1'b0;
            f_ahead    <= 0;
        end else begin
            if (pop)
                f_queued[m_chan] <= 1'b0;
            if (push)
                f_queued[push_chan] <= 1'b1;
            if (push && push_chan == f_ch) begin
                f_tracking <= 1'b1;
                f_ahead    <= f_count - {{CW{1'b0}}, pop};
            end else if (pop && f_tracking) begin
                if (m_chan == f_ch)
                    f_tracking <= 1'b0;
                else
                    f_ahead <= f_ahead - 1'b1;
            end
        end
    end
    always @* begin
        if (!rst) begin
            // every channel on the output was pushed and not yet popped
            if (m_valid)
                assert(m_chan < N && f_queued[m_chan]);
            // the number queued is what the FIFO holds (RAM + in flight + buffer)
            // (in PW bits: with BYPASS = 1 this also shows that the RAM never holds DEPTH entries)
            assert(f_count == f_ram + inflight + q0_valid + q1_valid);
            assert(!(q1_valid && !q0_valid));
            assert({1'b0, q0_valid} + {1'b0, q1_valid} + {1'b0, inflight} <= 2'd2);
            // f_ch is popped after exactly the entries ahead of it: fairness bound N - 1 grants
            if (f_tracking) begin
                assert(f_queued[f_ch]);
                assert(f_ahead <= N - 1);
                if (pop && m_chan == f_ch)
                    assert(f_ahead == 0);
                if (pop && m_chan != f_ch)
                    assert(f_ahead != 0);
            end else begin
                assert(!f_queued[f_ch]);
            end
            // no lost entry: a non-empty FIFO presents its head within 2 cycles (tracked below)
            assert(f_empty_wait <= 2'd2);
        end
    end
`endif
endmodule

`default_nettype wire

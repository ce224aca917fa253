// SPDX-License-Identifier: GPL-2.0
// vbus_rr_stream: round-robin arbiter + registered valid/ready output stage for per-channel
// message requests (the MSI stream and the device notify stream of vbus_doorbell, §5.4 HW-7).
//
// A request bit stays set in its channel until the channel sees `accept` for it, so a message is
// never lost under backpressure. While a channel's message sits in the output stage the channel
// is masked from arbitration, so at most one message per channel is in the stream at a time.
// Arbitration: the next channel granted is the first requesting one after the last granted, in
// index order, wrapping (starting at channel 0 after reset). A request raised in cycle t (seen
// in req at t+1) is valid on the output at t+2 at the earliest.
`default_nettype none

module vbus_rr_stream #(
    // Number of requesters (channels), 1..64.
    parameter integer N = 8
) (
    input  wire         clk,
    input  wire         rst,           // synchronous, active high (hard reset only)
    input  wire         flush,         // the channels' requests are cleared this cycle (soft reset):
                                       // grant nothing new; a beat already valid still completes
    input  wire [N-1:0] req,           // per-channel message requested
    output wire [N-1:0] accept,        // one-hot: this channel's message was accepted this cycle
    output wire         m_valid,
    input  wire         m_ready,
    output wire [5:0]   m_chan
);

`ifndef SYNTHESIS
    initial begin
        if (N < 1 || N > 64) begin
            $display("ERROR: %m: N = %0d, must be 1..64", N);
            $finish;
        end
    end
`endif

    reg         valid_reg;
    reg [N-1:0] oh_reg;     // one-hot channel of the message in the output stage
    reg [5:0]   chan_reg;
    reg [N-1:0] after_reg;  // thermometer: channels after the last one granted

`ifdef FORMAL_MUTANT_STARVE
    // Deliberately broken for the formal mutant test: channel 1 is never granted (a starved channel).
    wire [N-1:0] eligible = req & ~(valid_reg ? oh_reg : {N{1'b0}}) & ~({{(N-1){1'b0}}, 1'b1} << 1);
`else
    wire [N-1:0] eligible = req & ~(valid_reg ? oh_reg : {N{1'b0}});
`endif
    wire [N-1:0] upper    = eligible & after_reg;
    // lowest set bit: x & -x
    wire [N-1:0] upper_oh = upper & (~upper + 1'b1);
    wire [N-1:0] any_oh   = eligible & (~eligible + 1'b1);
    wire [N-1:0] grant_oh = (|upper) ? upper_oh : any_oh;
    wire         load     = !valid_reg || m_ready;

    // index of the one-hot grant
    reg [5:0] grant_idx;
    integer   i, b;
    always @* begin
        grant_idx = 6'd0;
        for (b = 0; b < 6; b = b + 1)
            for (i = 0; i < N; i = i + 1)
                if (((i >> b) & 1) == 1)
                    grant_idx[b] = grant_idx[b] | grant_oh[i];
    end

    always @(posedge clk) begin
        if (rst) begin
            valid_reg <= 1'b0;
            oh_reg    <= {N{1'b0}};
            chan_reg  <= 6'd0;
            after_reg <= {N{1'b1}};
        end else if (load) begin
            // flush gates only the new valid (off the arbitration path, for timing)
            valid_reg <= |eligible && !flush;
            oh_reg    <= flush ? {N{1'b0}} : grant_oh;
            if (|eligible && !flush) begin
                chan_reg  <= grant_idx;
                // channels strictly above the grant: ~(grant_oh | (grant_oh - 1))
                after_reg <= ~(grant_oh | (grant_oh - 1'b1));
            end
        end
    end

`ifdef FORMAL
    // P4: with the output ready, a request is accepted within N + 1 cycles (round-robin fairness:
    // at most N - 1 other channels are granted first), so a raised interrupt is never stranded.
    genvar f;
    generate
        for (f = 0; f < N; f = f + 1) begin : g_f_wait
            reg [7:0] f_wait;
            always @(posedge clk) begin
                if (rst || !req[f] || !m_ready || accept[f])   // served, or not asked / not ready
                    f_wait <= 8'd0;
                else if (f_wait != 8'hff)
                    f_wait <= f_wait + 8'd1;
            end
            always @* begin
                if (!rst)
                    assert(f_wait <= N + 1);
            end
        end
    endgenerate
    // a valid output stage names exactly one channel
    always @* begin
        if (!rst && valid_reg)
            assert(oh_reg != {N{1'b0}} && (oh_reg & (oh_reg - 1'b1)) == {N{1'b0}});
    end
`endif

    assign accept  = (valid_reg && m_ready) ? oh_reg : {N{1'b0}};
    assign m_valid = valid_reg;
    assign m_chan  = chan_reg;
endmodule

`default_nettype wire

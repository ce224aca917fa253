// SPDX-License-Identifier: GPL-2.0
// Icarus Verilog (-g2005) smoke test of vbus_doorbell (or, with -DV2, vbus_doorbell2): the same RTL
// elaborates and behaves under a second simulator. Register access, HW-1 doorbell -> notify, HW-2
// inject -> MSI (<= 2 cycles; v2 <= 4, HW-12),
// HW-3 ack re-check, HW-7 backpressure, HW-8 soft reset, on the highest and lowest channel.
// Prints "PASS" or "FAIL: ..." lines; the wrapper script checks them. Waveform only with +trace (tb_icarus.vcd) or +vcd=FILE.
`timescale 1ns / 1ps
`default_nettype none

module tb_icarus;
    parameter integer N_CHANNELS = 64;
`ifdef V2
    localparam integer AW  = (N_CHANNELS <= 64) ? 13 : $clog2(256 + 64 * N_CHANNELS);
    localparam integer CHW = (N_CHANNELS <= 64) ? 6 : $clog2(N_CHANNELS);
    localparam integer LAT = 4;    // HW-12: message valid <= 4 cycles after its cause
    localparam integer TICK_LG = (N_CHANNELS > 4) ? $clog2(N_CHANNELS) : 2;   // v2's default, max(2, clog2 N)
`else
    localparam integer AW  = 13;
    localparam integer CHW = 6;
    localparam integer LAT = 2;    // HW-9
    localparam integer TICK_LG = 0;    // v1: the holdoff unit is one cycle
`endif

    /* verilator lint_off UNUSEDPARAM */
`include "vbus_accel_regs.vh"
    /* verilator lint_on UNUSEDPARAM */

    reg         clk = 1'b0;
    reg         rst = 1'b1;
    reg  [AW-1:0] awaddr = 0, araddr = 0;
    reg         awvalid = 1'b0, wvalid = 1'b0, arvalid = 1'b0;
    reg  [31:0] wdata = 32'd0;
    reg         inject_valid = 1'b0, ctrl_valid = 1'b0;
    reg  [CHW-1:0] inject_chan = 0, ctrl_chan = 0;
    reg  [1:0]  ctrl_op = 2'd0;
    reg         msi_ready = 1'b1, notify_ready = 1'b1;
    wire        awready, wready, bvalid, arready, rvalid, inject_ready, ctrl_ready;
    wire        msi_valid, notify_valid;
    wire [1:0]  bresp, rresp;
    wire [31:0] rdata;
    wire [CHW-1:0] msi_vector, notify_chan;

    integer errors = 0;
    integer msi_count = 0, notify_count = 0;
    reg [31:0] rd;

`ifdef V2
    vbus_doorbell2 #(.N_CHANNELS(N_CHANNELS)) dut (
`else
    vbus_doorbell #(.N_CHANNELS(N_CHANNELS)) dut (
`endif
        .clk(clk), .rst(rst),
        .s_axil_awaddr(awaddr), .s_axil_awprot(3'd0), .s_axil_awvalid(awvalid), .s_axil_awready(awready),
        .s_axil_wdata(wdata), .s_axil_wstrb(4'hf), .s_axil_wvalid(wvalid), .s_axil_wready(wready),
        .s_axil_bresp(bresp), .s_axil_bvalid(bvalid), .s_axil_bready(1'b1),
        .s_axil_araddr(araddr), .s_axil_arprot(3'd0), .s_axil_arvalid(arvalid), .s_axil_arready(arready),
        .s_axil_rdata(rdata), .s_axil_rresp(rresp), .s_axil_rvalid(rvalid), .s_axil_rready(1'b1),
        .s_inject_valid(inject_valid), .s_inject_ready(inject_ready), .s_inject_chan(inject_chan),
        .s_ctrl_valid(ctrl_valid), .s_ctrl_ready(ctrl_ready), .s_ctrl_chan(ctrl_chan), .s_ctrl_op(ctrl_op),
        .m_notify_valid(notify_valid), .m_notify_ready(notify_ready), .m_notify_chan(notify_chan),
        .m_msi_valid(msi_valid), .m_msi_ready(msi_ready), .m_msi_vector(msi_vector)
    );

    always #5 clk = ~clk;

    always @(posedge clk) begin
        if (!rst && msi_valid && msi_ready)
            msi_count = msi_count + 1;
        if (!rst && notify_valid && notify_ready)
            notify_count = notify_count + 1;
    end

    task check;
        input cond;
        input [8*64-1:0] what;
        begin
            if (!cond) begin
                $display("FAIL: %0s (t=%0t)", what, $time);
                errors = errors + 1;
            end
        end
    endtask

    task axi_write;
        input [AW-1:0] addr;
        input [31:0] data;
        begin
            @(negedge clk);
            awaddr = addr; wdata = data; awvalid = 1'b1; wvalid = 1'b1;
            @(posedge clk);
            while (!awready) @(posedge clk);
            @(negedge clk);
            awvalid = 1'b0; wvalid = 1'b0;
            while (!bvalid) @(negedge clk);
        end
    endtask

    task axi_read;
        input  [AW-1:0] addr;
        output [31:0] data;
        begin
            @(negedge clk);
            araddr = addr; arvalid = 1'b1;
            @(posedge clk);
            while (!arready) @(posedge clk);
            @(negedge clk);
            arvalid = 1'b0;
            while (!rvalid) @(negedge clk);
            data = rdata;
        end
    endtask

    // offered until accepted (v1 is always ready; v2 may hold an event back, HW-13)
    task dev_inject;
        input [CHW-1:0] chan;
        begin
            @(negedge clk);
            inject_chan = chan; inject_valid = 1'b1;
            @(posedge clk);
            while (!inject_ready) @(posedge clk);
            @(negedge clk);
            inject_valid = 1'b0;
        end
    endtask

    task dev_ctrl;
        input [CHW-1:0] chan;
        input [1:0] op;
        begin
            @(negedge clk);
            ctrl_chan = chan; ctrl_op = op; ctrl_valid = 1'b1;
            @(posedge clk);
            while (!ctrl_ready) @(posedge clk);
            @(negedge clk);
            ctrl_valid = 1'b0;
        end
    endtask

    function [AW-1:0] chan_addr;
        input integer ch;
        input integer reg_off;
        begin
            chan_addr = VBUS_ACCEL_CHAN_BASE + ch * VBUS_ACCEL_CHAN_STRIDE + reg_off;
        end
    endfunction

    integer ch, k, i, lat;
    reg [8*1024-1:0] vcd_file;

    initial begin
        // +vcd=FILE: dump to FILE; +trace: dump to tb_icarus.vcd in the current directory
        if ($value$plusargs("vcd=%s", vcd_file)) begin
            $dumpfile(vcd_file);
            $dumpvars(0, tb_icarus);
        end else if ($test$plusargs("trace")) begin
            $dumpfile("tb_icarus.vcd");
            $dumpvars(0, tb_icarus);
        end
        repeat (3) @(posedge clk);
        @(negedge clk) rst = 1'b0;

        axi_read(VBUS_ACCEL_ID, rd);
        check(rd == VBUS_ACCEL_ID_VALUE, "ID register");
        axi_read(VBUS_ACCEL_N_CHANNELS, rd);
        check(rd == N_CHANNELS, "N_CHANNELS register");
        axi_read(VBUS_ACCEL_MOD_TICK_LG, rd);       // register map 1.1: the holdoff unit
        check(rd == TICK_LG, "MOD_TICK_LG register");
        axi_read(VBUS_ACCEL_CLK_KHZ, rd);
        check(rd == 0, "CLK_KHZ register (parameter not set)");

        for (k = 0; k < ((N_CHANNELS > 1) ? 2 : 1); k = k + 1) begin   // the first and the last channel
            ch = (k == 0) ? 0 : N_CHANNELS - 1;
            // HW-2: inject -> MSI within LAT cycles of the inject handshake
            axi_write(chan_addr(ch, VBUS_ACCEL_CH_N_ENABLE), 1);
            dev_inject(ch);
            lat = 0;
            while (!(msi_valid && msi_vector == ch) && lat < 10) begin
                @(negedge clk);
                lat = lat + 1;
            end
            check(lat <= LAT - 1, "inject -> MSI valid within LAT cycles");
            @(negedge clk);   // accepted at this edge (msi_ready high)
            // HW-3: inject while pending, then ack: re-fires
            i = msi_count;
            dev_inject(ch);
            repeat (LAT + 2) @(negedge clk);
            check(msi_count == i, "no MSI while pending");
            axi_write(chan_addr(ch, VBUS_ACCEL_CH_N_ACK), 0);
            repeat (LAT + 2) @(negedge clk);
            check(msi_count == i + 1, "ack with dirty re-fires");
            axi_read(chan_addr(ch, VBUS_ACCEL_CH_N_DIRTY), rd);
            check(rd == 1, "N_DIRTY reads 1");
            axi_read(chan_addr(ch, VBUS_ACCEL_CH_N_DIRTY), rd);
            check(rd == 0, "N_DIRTY read cleared it");
            axi_write(chan_addr(ch, VBUS_ACCEL_CH_N_ACK), 0);
            axi_read(chan_addr(ch, VBUS_ACCEL_CH_CNT_IRQ), rd);
            check(rd == 2, "CNT_IRQ = 2");
            // HW-1: doorbell -> device notification, S.dirty cleared on acceptance
            dev_ctrl(ch, VBUS_ACCEL_SOP_ENABLE);
            i = notify_count;
            axi_write(chan_addr(ch, VBUS_ACCEL_CH_DOORBELL), 0);
            repeat (LAT + 1) @(negedge clk);
            check(notify_count == i + 1, "doorbell notifies the device");
            axi_read(chan_addr(ch, VBUS_ACCEL_CH_STATUS), rd);
            check(rd[VBUS_ACCEL_STATUS_S_PENDING_SHIFT] && !rd[VBUS_ACCEL_STATUS_S_DIRTY_SHIFT],
                  "S pending, dirty cleared");
            dev_ctrl(ch, VBUS_ACCEL_SOP_ACK);
        end

        // HW-7: backpressure on the MSI stream, every channel injects; nothing lost
        for (ch = 0; ch < N_CHANNELS; ch = ch + 1)
            axi_write(chan_addr(ch, VBUS_ACCEL_CH_N_ENABLE), 1);
        @(negedge clk) msi_ready = 1'b0;
        i = msi_count;
        for (ch = 0; ch < N_CHANNELS; ch = ch + 1)
            dev_inject(ch);
        repeat (20) @(negedge clk);
        check(msi_valid && msi_count == i, "MSI held under backpressure");
        msi_ready = 1'b1;
        repeat (N_CHANNELS + LAT + 3) @(negedge clk);
        check(msi_count == i + N_CHANNELS, "every channel's MSI delivered once");

        // HW-8: soft reset
        axi_write(VBUS_ACCEL_CTRL, 1);
        for (ch = 0; ch < N_CHANNELS; ch = ch + 1) begin
            axi_read(chan_addr(ch, VBUS_ACCEL_CH_STATUS), rd);
            check(rd == 0, "soft reset clears STATUS");
        end

        if (errors == 0)
            $display("PASS: tb_icarus N_CHANNELS=%0d, %0d MSIs, %0d notifications", N_CHANNELS,
                     msi_count, notify_count);
        else
            $display("FAIL: tb_icarus: %0d errors", errors);
        $finish;
    end

    initial begin
        #100000000;
        $display("FAIL: tb_icarus timeout");
        $finish;
    end
endmodule

`default_nettype wire

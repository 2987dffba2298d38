`resetall
`timescale 1ns/1ps
`default_nettype none
// qtsc_tb: Icarus Verilog co-simulation testbench: golden vectors in, every output bit compared.
//
// Compiled by src/drivers/iverilog.ts with
//   iverilog -g2012 -s qtsc_tb -DQTSC_DUT=<top> -Pqtsc_tb.InW=.. -Pqtsc_tb.OutW=..
//            -Pqtsc_tb.Frames=.. -Pqtsc_tb.WordsPerFrame=..  qtsc_tb.sv <design sources>
// and run with cwd = the RTL directory (the design reads its ROMs by bare name):
//   vvp -n qtsc_tb.vvp +input=<input.hex> +expected=<expected.hex> +seed=<n>
//       +stall=<0..65535> +watchdog=<cycles> +drain=<cycles>
// +stall is the probability (x 65536) of a gap on s_axis_tvalid before each input
// word and, independently each cycle, of m_axis_tready low. Once tvalid is up it
// stays up with stable data until accepted (AXI-Stream rule).
//
// s_axis_tlast is 1 on the last word of every frame.
// Checks: every output word equals expected.hex bit for bit (x/z count as wrong);
// tlast is 1 on every word; frame_err stays 0 (kind=frame_err); a word offered while tready is low stays offered and
// unchanged; no word after the last frame (watched for +drain cycles); some output
// at least every +watchdog cycles.
// Prints one line `QTSC_RESULT frames=.. mismatches=.. cycles=.. first=.. watchdog=0|1`,
// preceded by `QTSC_MISMATCH kind=.. frame=.. expected=.. actual=..` for the first
// problem, if any. `cycles` counts clock edges from reset release to the last
// accepted output word, `first` to the first one.
module qtsc_tb #(
  parameter int InW = 8,           // bits of an input word
  parameter int OutW = 8,          // bits of an output word
  parameter int Frames = 1,        // frames in the vector files
  parameter int WordsPerFrame = 1  // input words per frame
);

`ifndef QTSC_DUT
  `define QTSC_DUT qtsc_top
`endif

  localparam int InWords = Frames * WordsPerFrame;

  logic clk = 1'b0;
  logic rst = 1'b1;

  logic [InW-1:0] s_axis_tdata;
  logic s_axis_tvalid;
  logic s_axis_tready;
  logic s_axis_tlast;
  logic [OutW-1:0] m_axis_tdata;
  logic m_axis_tvalid;
  logic m_axis_tready;
  logic m_axis_tlast;
  logic frame_err;
  logic frame_err_noted;

  `QTSC_DUT u_dut (
    .clk(clk),
    .rst(rst),
    .s_axis_tdata(s_axis_tdata),
    .s_axis_tvalid(s_axis_tvalid),
    .s_axis_tready(s_axis_tready),
    .s_axis_tlast(s_axis_tlast),
    .m_axis_tdata(m_axis_tdata),
    .m_axis_tvalid(m_axis_tvalid),
    .m_axis_tready(m_axis_tready),
    .m_axis_tlast(m_axis_tlast),
    .frame_err(frame_err)
  );

  logic [InW-1:0] in_mem [0:InWords-1];
  logic [OutW-1:0] exp_mem [0:Frames-1];

  reg [8*4096-1:0] input_file, expected_file;
  integer seed_arg, stall_arg, watchdog_arg, drain_arg;

  // rng and xorshift(): the stall pattern is a function of the seed only.
  `include "qtsc_tb_xorshift.svh"

  integer in_idx;        // next input word to offer
  integer out_idx;       // next frame expected
  integer cycle;         // clock edges since reset release
  integer first_out_cycle;
  integer last_out_cycle;
  integer idle;          // cycles since the last output word
  integer mismatches;
  integer drain;
  logic watchdog_hit;
  logic have_first;
  logic prev_stalled;    // an output word was offered and not taken last cycle
  logic [OutW-1:0] prev_data;

  task automatic note_problem(input string kind, input integer frame, input logic [OutW-1:0] expv,
                              input logic [OutW-1:0] act);
    mismatches = mismatches + 1;
    if (!have_first) begin
      have_first = 1'b1;
      $display("QTSC_MISMATCH kind=%0s frame=%0d expected=%h actual=%h", kind, frame, expv, act);
    end
  endtask

  task automatic finish_run;
    $display("QTSC_RESULT frames=%0d mismatches=%0d cycles=%0d first=%0d watchdog=%0d", out_idx,
             mismatches, last_out_cycle, first_out_cycle, watchdog_hit);
    $finish;
  endtask

  initial begin
    if (!$value$plusargs("input=%s", input_file)) $fatal(1, "qtsc_tb: +input=<file> missing");
    if (!$value$plusargs("expected=%s", expected_file)) $fatal(1, "qtsc_tb: +expected=<file> missing");
    if (!$value$plusargs("seed=%d", seed_arg)) seed_arg = 1;
    if (!$value$plusargs("stall=%d", stall_arg)) stall_arg = 0;
    if (!$value$plusargs("watchdog=%d", watchdog_arg)) watchdog_arg = 100000;
    if (!$value$plusargs("drain=%d", drain_arg)) drain_arg = 64;
    $readmemh(input_file, in_mem);
    $readmemh(expected_file, exp_mem);
    rng = 32'h9e3779b9 ^ seed_arg;
    if (rng == 32'd0) rng = 32'h1;
    in_idx = 0;
    out_idx = 0;
    cycle = 0;
    first_out_cycle = 0;
    last_out_cycle = 0;
    idle = 0;
    mismatches = 0;
    drain = 0;
    watchdog_hit = 1'b0;
    have_first = 1'b0;
    prev_stalled = 1'b0;
    prev_data = '0;
    s_axis_tvalid = 1'b0;
    s_axis_tdata = '0;
    s_axis_tlast = 1'b0;
    frame_err_noted = 1'b0;
    m_axis_tready = 1'b0;
    repeat (4) @(posedge clk);
    rst <= 1'b0;
  end

  always #5 clk = ~clk;

  logic [31:0] r_in, r_out;
  integer next_idx;

  always @(posedge clk) begin
    if (!rst) begin
      cycle = cycle + 1;
      r_in = xorshift(rng);
      r_out = xorshift(r_in);
      rng <= r_out;

      // ---- output side: check what the DUT offers this cycle
      if (prev_stalled && (!m_axis_tvalid || m_axis_tdata !== prev_data)) begin
        note_problem("protocol", out_idx, prev_data, m_axis_tdata);
      end
      if (m_axis_tvalid && m_axis_tready) begin
        idle = 0;
        if (out_idx == 0) first_out_cycle = cycle;
        last_out_cycle = cycle;
        if (out_idx >= Frames) begin
          note_problem("extra", out_idx, '0, m_axis_tdata);
        end else begin
          if (m_axis_tdata !== exp_mem[out_idx]) note_problem("data", out_idx, exp_mem[out_idx], m_axis_tdata);
          else if (m_axis_tlast !== 1'b1) note_problem("tlast", out_idx, exp_mem[out_idx], m_axis_tdata);
        end
        out_idx = out_idx + 1;
      end else begin
        idle = idle + 1;
      end
      if (frame_err !== 1'b0 && !frame_err_noted) begin
        frame_err_noted = 1'b1;
        note_problem("frame_err", out_idx, '0, '0);
      end
      prev_stalled = m_axis_tvalid && !m_axis_tready;
      prev_data = m_axis_tdata;
      m_axis_tready <= (r_out[15:0] >= stall_arg[15:0]) || (stall_arg == 0);

      // ---- input side: hold an offered word until taken, then maybe pause
      next_idx = in_idx + ((s_axis_tvalid && s_axis_tready) ? 1 : 0);
      in_idx = next_idx;
      if (!s_axis_tvalid || s_axis_tready) begin
        if (next_idx < InWords && ((r_in[15:0] >= stall_arg[15:0]) || (stall_arg == 0))) begin
          s_axis_tvalid <= 1'b1;
          s_axis_tdata <= in_mem[next_idx];
          s_axis_tlast <= (next_idx % WordsPerFrame) == WordsPerFrame - 1;
        end else begin
          s_axis_tvalid <= 1'b0;
        end
      end

      // ---- end of run
      if (out_idx >= Frames) begin
        drain = drain + 1;
        if (drain > drain_arg) finish_run();
      end else if (idle > watchdog_arg) begin
        watchdog_hit = 1'b1;
        note_problem("watchdog", out_idx, exp_mem[out_idx], 'x);
        finish_run();
      end
    end
  end

endmodule

`default_nettype wire

`resetall
`timescale 1ns/1ps
`default_nettype none
// qtsc_tb_unit: testbench of one stream unit with the node wrapper ports (e.g. a VVU wrapper).
//
// The unit is the module named by the macro QTSC_DUT, with ports clk_i, rst_i,
// s_data_i/s_valid_i/s_ready_o, m_data_o/m_valid_o/m_ready_i. Sends InWords input
// words read from +input=<hex file> (one word per line) with seeded random gaps,
// drops the output ready at random with the same probability, and compares every
// output word with +expected=<hex file> (x/z count as wrong); checks that an offered
// word stays offered and unchanged until taken, that every input word is taken and
// that no word follows the last. Prints
//   QTSC_UNIT words=<output words> errors=<n> cycles=<reset release to last word>
//             frame0=<cycles to the last word of frame 0> first_error=<word index or -1>
// Runs under Icarus and under Verilator (--binary --timing) alike (src/drivers/testbench.ts):
//   iverilog -g2012 -s qtsc_tb_unit -DQTSC_DUT=<module> -Pqtsc_tb_unit.<Param>=.. qtsc_tb_unit.sv <sources>
//   vvp -n <sim> +input=in.hex +expected=out.hex [+seed=<n>] [+stall=<n>]   (cwd: where the unit's .mem files are)
//   (and --binary --timing under Verilator) --top-module qtsc_tb_unit -DQTSC_DUT=<module> -G<Param>=.. qtsc_tb_unit.sv <sources>
module qtsc_tb_unit #(
  parameter int InW = 8,         // input word bits
  parameter int OutW = 8,        // output word bits
  parameter int InWords = 16,    // input words sent (all frames)
  parameter int OutWords = 4,    // output words expected (all frames)
  parameter int OutPerFrame = 4, // output words of one frame (for frame0)
  parameter int Stall = 20000,   // probability x 65536 of an input gap / output backpressure
  parameter int Seed = 1,        // stall pattern seed
  parameter int Watchdog = 20000 // cycles without an output word before giving up
);

  logic clk = 1'b0;
  logic rst = 1'b1;
  always #5 clk = ~clk;

  logic [InW-1:0] s_data;
  logic s_valid, s_ready;
  logic [OutW-1:0] m_data;
  logic m_valid, m_ready;

  `QTSC_DUT u_dut (
    .clk_i(clk), .rst_i(rst),
    .s_data_i(s_data), .s_valid_i(s_valid), .s_ready_o(s_ready),
    .m_data_o(m_data), .m_valid_o(m_valid), .m_ready_i(m_ready)
  );

  // rng and xorshift(): the stall pattern is a function of the seed only.
  `include "qtsc_tb_xorshift.svh"

  logic [InW-1:0] in_mem [0:InWords-1];
  logic [OutW-1:0] exp_mem [0:OutWords-1];
  string in_file, exp_file;

  integer sent, got, errors, cycle, idle, quiet, frame0, first_error;
  logic prev_stalled;
  logic [OutW-1:0] prev_data;
  logic [31:0] r_in, r_out;

  // Run-time values: the parameters, unless +seed=, +stall= override them (one build, many stall patterns).
  integer stall, seed;

  initial begin
    if (!$value$plusargs("input=%s", in_file)) $fatal(1, "qtsc_tb_unit: +input=<hex file> missing");
    if (!$value$plusargs("expected=%s", exp_file)) $fatal(1, "qtsc_tb_unit: +expected=<hex file> missing");
    $readmemh(in_file, in_mem);
    $readmemh(exp_file, exp_mem);
    if (!$value$plusargs("stall=%d", stall)) stall = Stall;
    if (!$value$plusargs("seed=%d", seed)) seed = Seed;
    rng = 32'h2545f491 ^ seed;
    sent = 0;
    got = 0;
    errors = 0;
    cycle = 0;
    idle = 0;
    quiet = 0;
    frame0 = -1;
    first_error = -1;
    prev_stalled = 1'b0;
    prev_data = '0;
    s_valid = 1'b0;
    s_data = '0;
    m_ready = 1'b0;
    repeat (3) @(posedge clk);
    // Released after the clock edge's processes have run (no race with them).
    /* verilator lint_off INITIALDLY */
    rst <= 1'b0;
    /* verilator lint_on INITIALDLY */
  end

  task automatic error_at(input integer word);
    errors = errors + 1;
    if (first_error < 0) first_error = word;
  endtask

  always @(posedge clk) begin
    if (!rst) begin
      cycle = cycle + 1;
      r_in = xorshift(rng);
      r_out = xorshift(r_in);
      rng <= r_out;
      // hold rule: a word offered and not taken stays offered and unchanged
      if (prev_stalled && (!m_valid || m_data !== prev_data)) error_at(got);
      if (m_valid && m_ready) begin
        if (got >= OutWords || m_data !== exp_mem[got]) error_at(got);
        got = got + 1;
        if (got == OutPerFrame) frame0 = cycle;
        idle = 0;
      end else begin
        idle = idle + 1;
      end
      prev_stalled = m_valid && !m_ready;
      prev_data = m_data;
      m_ready <= r_out[15:0] >= stall[15:0];
      quiet = (m_valid && m_ready) ? 0 : quiet + 1;
      if (s_valid && s_ready) begin
        sent = sent + 1;
        quiet = 0;
      end
      if (!s_valid || s_ready) begin
        if (sent < InWords && r_in[15:0] >= stall[15:0]) begin
          s_valid <= 1'b1;
          s_data <= in_mem[sent];
        end else begin
          s_valid <= 1'b0;
        end
      end
      // done: every word sent and received, then 50 quiet cycles in which no extra word may appear
      if ((got >= OutWords && sent >= InWords && quiet > 50) || idle > Watchdog) begin
        if (got != OutWords || sent != InWords) error_at(got);
        $display("QTSC_UNIT words=%0d errors=%0d cycles=%0d frame0=%0d first_error=%0d", got, errors, cycle - idle, frame0, first_error);
        $finish;
      end
    end
  end

endmodule

`default_nettype wire

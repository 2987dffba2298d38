`resetall
`timescale 1ns/1ps
`default_nettype none
// qtsc_tb_window: testbench of the window primitives: qtsc_swu, optionally followed by qtsc_pool.
//
// Sends Frames frames of input words read from +input=<hex file> (one word per line)
// with seeded random gaps, drops the output ready at random with the same
// probability, and compares every output word with +expected=<hex file> (x/z count
// as wrong); checks that an offered word stays offered and unchanged until taken
// that every input word is taken and that no word follows the last. Prints
//   QTSC_WINDOW words=<output words> errors=<n> cycles=<reset release to last word>
//               frame0=<cycles to the last word of frame 0> first_error=<word index or -1>
//   iverilog -g2012 -s qtsc_tb_window -Pqtsc_tb_window.<Param>=.. qtsc_tb_window.sv qtsc_swu.v qtsc_pool.v
//   vvp -n <sim> +input=in.hex +expected=out.hex
module qtsc_tb_window #(
  parameter int Ih = 4,        // qtsc_swu geometry (see there)
  parameter int Iw = 4,
  parameter int C = 2,
  parameter int Kh = 3,
  parameter int Kw = 3,
  parameter int Sh = 1,
  parameter int Sw = 1,
  parameter int PadTop = 1,
  parameter int PadLeft = 1,
  parameter int PadBottom = 1,
  parameter int PadRight = 1,
  parameter int Simd = 1,
  parameter int ElemBits = 2,
  parameter int PadCode = 0,
  parameter int UsePool = 0,   // 1: qtsc_pool after the unit
  parameter int Mode = 0,      // qtsc_pool Mode
  parameter int OutBits = 2,   // qtsc_pool OutBits
  parameter int Frames = 3,    // frames sent
  parameter int Stall = 20000, // probability x 65536 of an input gap / output backpressure
  parameter int Seed = 1,      // stall pattern seed
  parameter int Watchdog = 20000 // cycles without an output word before giving up
);

  localparam int G = C / Simd;
  localparam int Oh = (Ih + PadTop + PadBottom - Kh) / Sh + 1;
  localparam int Ow = (Iw + PadLeft + PadRight - Kw) / Sw + 1;
  localparam int InW = Simd * ElemBits;
  localparam int OutW = (UsePool != 0) ? Simd * OutBits : InW;
  localparam int InPerFrame = Ih * Iw * G;
  localparam int OutPerFrame = Oh * Ow * ((UsePool != 0) ? G : Kh * Kw * G);
  localparam int InWords = Frames * InPerFrame;
  localparam int OutWords = Frames * OutPerFrame;

  logic clk = 1'b0;
  logic rst = 1'b1;
  always #5 clk = ~clk;

  logic [InW-1:0] s_data, w_data;
  logic s_valid, s_ready, w_valid, w_ready;
  logic [OutW-1:0] m_data;
  logic m_valid, m_ready;

  qtsc_swu #(
    .Ih(Ih), .Iw(Iw), .C(C), .Kh(Kh), .Kw(Kw), .Sh(Sh), .Sw(Sw),
    .PadTop(PadTop), .PadLeft(PadLeft), .PadBottom(PadBottom), .PadRight(PadRight),
    .Simd(Simd), .ElemBits(ElemBits), .PadCode(PadCode)
  ) u_swu (
    .clk_i(clk), .rst_i(rst),
    .s_data_i(s_data), .s_valid_i(s_valid), .s_ready_o(s_ready),
    .m_data_o(w_data), .m_valid_o(w_valid), .m_ready_i(w_ready)
  );

  if (UsePool != 0) begin : g_pool
    qtsc_pool #(.Taps(Kh * Kw), .C(C), .Simd(Simd), .ElemBits(ElemBits), .Mode(Mode), .OutBits(OutBits)) u_pool (
      .clk_i(clk), .rst_i(rst),
      .s_data_i(w_data), .s_valid_i(w_valid), .s_ready_o(w_ready),
      .m_data_o(m_data), .m_valid_o(m_valid), .m_ready_i(m_ready)
    );
  end else begin : g_direct
    assign m_data = w_data;
    assign m_valid = w_valid;
    assign w_ready = m_ready;
  end

  // rng and xorshift(): the stall pattern is a function of the seed only.
  `include "qtsc_tb_xorshift.svh"

  logic [InW-1:0] in_mem [0:InWords-1];
  logic [OutW-1:0] exp_mem [0:OutWords-1];
  string in_file, exp_file;

  integer sent, got, errors, cycle, idle, quiet, frame0, first_error;
  logic prev_stalled;
  logic [OutW-1:0] prev_data;
  logic [31:0] r_in, r_out;

  initial begin
    if (!$value$plusargs("input=%s", in_file)) $fatal(1, "qtsc_tb_window: +input=<hex file> missing");
    if (!$value$plusargs("expected=%s", exp_file)) $fatal(1, "qtsc_tb_window: +expected=<hex file> missing");
    $readmemh(in_file, in_mem);
    $readmemh(exp_file, exp_mem);
    rng = 32'h2545f491 ^ Seed;
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
    rst <= 1'b0;
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
      m_ready <= r_out[15:0] >= Stall[15:0];
      quiet = (m_valid && m_ready) ? 0 : quiet + 1;
      if (s_valid && s_ready) begin
        sent = sent + 1;
        quiet = 0;
      end
      if (!s_valid || s_ready) begin
        if (sent < InWords && r_in[15:0] >= Stall[15:0]) begin
          s_valid <= 1'b1;
          s_data <= in_mem[sent];
        end else begin
          s_valid <= 1'b0;
        end
      end
      // done: every word sent and received, then 50 quiet cycles in which no extra word may appear
      if ((got >= OutWords && sent >= InWords && quiet > 50) || idle > Watchdog) begin
        if (got != OutWords || sent != InWords) error_at(got);
        $display("QTSC_WINDOW words=%0d errors=%0d cycles=%0d frame0=%0d first_error=%0d", got, errors, cycle - idle, frame0, first_error);
        $finish;
      end
    end
  end

endmodule

`default_nettype wire

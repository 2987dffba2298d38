`resetall
`timescale 1ns/1ps
`default_nettype none
// qtsc_tb_stream: testbench of the stream primitives: skid buffer -> width converter -> skid buffer.
//
// Sends Words input words of InElems elements whose values count up (element k of the
// stream is k mod 2**ElemBits), with seeded random gaps on the input and random
// backpressure on the output, and checks that the elements come out in order, none
// lost, none repeated, an offered word held until taken. Prints
// `QTSC_STREAM words=<output words> errors=<n> cycles=<n>`.
//   iverilog -g2012 -s qtsc_tb_stream -Pqtsc_tb_stream.ElemBits=.. -Pqtsc_tb_stream.InElems=..
//            -Pqtsc_tb_stream.OutElems=.. -Pqtsc_tb_stream.Words=.. -Pqtsc_tb_stream.RegType=..
//            -Pqtsc_tb_stream.Stall=<0..65535> -Pqtsc_tb_stream.Seed=..
//            qtsc_tb_stream.sv qtsc_axis_skid.sv qtsc_axis_width_conv.sv
module qtsc_tb_stream #(
  parameter int ElemBits = 3,  // bits of an element
  parameter int InElems = 4,   // elements per input word
  parameter int OutElems = 6,  // elements per output word
  parameter int Words = 60,    // input words sent (InElems*Words must be a multiple of OutElems)
  parameter int RegType = 2,   // qtsc_axis_skid RegType of both register slices
  parameter int Stall = 20000, // probability x 65536 of an input gap / output backpressure
  parameter int Seed = 1       // stall pattern seed
);

  localparam int InW = InElems * ElemBits;
  localparam int OutW = OutElems * ElemBits;
  localparam int OutWords = InElems * Words / OutElems;

  logic clk = 1'b0;
  logic rst = 1'b1;
  always #5 clk = ~clk;

  logic [InW-1:0] s_data, a_data;
  logic s_valid, s_ready, a_valid, a_ready;
  logic [OutW-1:0] b_data, m_data;
  logic b_valid, b_ready, m_valid, m_ready;

  qtsc_axis_skid #(.DataWidth(InW), .RegType(RegType)) u_in (
    .clk_i(clk), .rst_i(rst),
    .s_data_i(s_data), .s_valid_i(s_valid), .s_ready_o(s_ready),
    .m_data_o(a_data), .m_valid_o(a_valid), .m_ready_i(a_ready)
  );
  qtsc_axis_width_conv #(.ElemBits(ElemBits), .InElems(InElems), .OutElems(OutElems)) u_conv (
    .clk_i(clk), .rst_i(rst),
    .s_data_i(a_data), .s_valid_i(a_valid), .s_ready_o(a_ready),
    .m_data_o(b_data), .m_valid_o(b_valid), .m_ready_i(b_ready)
  );
  qtsc_axis_skid #(.DataWidth(OutW), .RegType(RegType)) u_out (
    .clk_i(clk), .rst_i(rst),
    .s_data_i(b_data), .s_valid_i(b_valid), .s_ready_o(b_ready),
    .m_data_o(m_data), .m_valid_o(m_valid), .m_ready_i(m_ready)
  );

  // rng and xorshift(): the stall pattern is a function of the seed only.
  `include "qtsc_tb_xorshift.svh"

  integer sent, got, errors, cycle, idle;
  logic prev_stalled;
  logic [OutW-1:0] prev_data;
  logic [31:0] r_in, r_out;

  function automatic logic [InW-1:0] in_word(input integer n);
    logic [InW-1:0] v;
    for (int e = 0; e < InElems; e++) v[e*ElemBits +: ElemBits] = ElemBits'(n * InElems + e);
    return v;
  endfunction

  function automatic logic [OutW-1:0] out_word(input integer n);
    logic [OutW-1:0] v;
    for (int e = 0; e < OutElems; e++) v[e*ElemBits +: ElemBits] = ElemBits'(n * OutElems + e);
    return v;
  endfunction

  initial begin
    rng = 32'h2545f491 ^ Seed;
    sent = 0;
    got = 0;
    errors = 0;
    cycle = 0;
    idle = 0;
    prev_stalled = 1'b0;
    prev_data = '0;
    s_valid = 1'b0;
    s_data = '0;
    m_ready = 1'b0;
    repeat (3) @(posedge clk);
    rst <= 1'b0;
  end

  always @(posedge clk) begin
    if (!rst) begin
      cycle = cycle + 1;
      r_in = xorshift(rng);
      r_out = xorshift(r_in);
      rng <= r_out;
      if (prev_stalled && (!m_valid || m_data !== prev_data)) errors = errors + 1;
      if (m_valid && m_ready) begin
        if (got >= OutWords || m_data !== out_word(got)) errors = errors + 1;
        got = got + 1;
        idle = 0;
      end else begin
        idle = idle + 1;
      end
      prev_stalled = m_valid && !m_ready;
      prev_data = m_data;
      m_ready <= r_out[15:0] >= Stall[15:0];
      if (s_valid && s_ready) sent = sent + 1;
      if (!s_valid || s_ready) begin
        if (sent < Words && r_in[15:0] >= Stall[15:0]) begin
          s_valid <= 1'b1;
          s_data <= in_word(sent);
        end else begin
          s_valid <= 1'b0;
        end
      end
      if ((got >= OutWords && idle > 50) || idle > 5000) begin
        if (got != OutWords) errors = errors + 1;
        $display("QTSC_STREAM words=%0d errors=%0d cycles=%0d", got, errors, cycle);
        $finish;
      end
    end
  end

endmodule

`default_nettype wire

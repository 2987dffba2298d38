`resetall
`timescale 1ns/1ps
`default_nettype none
// qtsc_vvu: depthwise convolution (vector-vector unit) over a sliding window's stream, with a multi-threshold stage.
//
// Input: windows as qtsc_swu emits them, Taps*G words per window (G = C/Simd) in
// (tap, g) order, g fastest; element s of a word is input channel g*Simd + s of that
// tap, at bits [s*InBits +: InBits]: a bipolar bit (1 = +1, 0 = -1) or an unsigned code.
// Output channel o = c*Mult + m of input channel c computes
//   acc[o] = sum over taps t of w[o][t] * x[t][c]   (signed, modulo 2**AccWidth: exact,
//                                                   the compiler sizes AccWidth for it)
// and leaves through qtsc_thresholds (Pe = Simd*Mult, signed). At the last tap of group g
// one output word of Simd*Mult elements leaves: element s*Mult + m is channel
// (g*Simd + s)*Mult + m, at bits [(s*Mult + m)*OutBits +: OutBits].
//
// Weights (WeightKind): 0 binary, 1 bit, 1 = +1, 0 = -1; 1 pow2, bits [E-1:0] exponent e
// (E = clog2(Pow2Levels)), bit E sign s, bit E+1 zero flag when Pow2HasZero, value
// (-1)^s * 2^(Pow2Levels-1-e): a shift and a conditional negation; 2 int, two's
// complement (a multiplier per lane with unsigned inputs, +-w with bipolar ones).
// A negative term -v is formed as ~v plus a carry-in of 1 into the lane's adder.
//
// ROMs outside, synchronous, one cycle of read latency, read when *_en_o is high:
//   weight ROM w_*: word t*G + g holds Simd*Mult codes, the code of channel
//     (g*Simd + s)*Mult + m at bits [(s*Mult + m)*WeightBits +: WeightBits];
//   threshold ROM p_*: word g in qtsc_thresholds' layout with Pe = Simd*Mult.
//
// Pipeline (one advance `en` that stalls only when a finished word cannot move on):
//   S0 take an input word (s_ready_o = en), read the weight ROM at the word's address
//   S1 x word and weight word; running sums of group g from a memory of G words
//      (asynchronous read; LUTRAM or flip-flops), plus this tap's terms; written back,
//      or, at the last tap, into the result register; read the threshold ROM at g
//   S2 result register and thresholds -> qtsc_thresholds
//   S3 output register = m_data_o
// One input word per cycle; s_ready_o follows m_ready_i combinationally while a
// finished word waits (like qtsc_mvu without input banks). Frames follow each other
// with no gap. Reset: synchronous, active-high, on control registers only.
module qtsc_vvu #(
  parameter int Taps = 9,        // taps per window (Kh*Kw), >= 1
  parameter int C = 1,           // input channels, Simd divides it
  parameter int Mult = 1,        // output channels per input channel (depth multiplier), >= 1
  parameter int Simd = 1,        // input channels per input word, >= 1
  parameter int InBits = 1,      // bits of an input element (1 when InBipolar)
  parameter int InBipolar = 0,   // 1: an element is a bipolar bit (1 = +1, 0 = -1), 0: unsigned code
  parameter int WeightKind = 0,  // 0 binary, 1 pow2, 2 int (two's complement)
  parameter int WeightBits = 1,  // bits of a weight code: 1 (binary), clog2(Pow2Levels)+1+Pow2HasZero (pow2), >= 1 (int)
  parameter int Pow2Levels = 1,  // pow2: exponent levels K (e in [0, K-1]), >= 1
  parameter int Pow2HasZero = 0, // pow2: 1 when the code has a zero flag
  parameter int AccWidth = 8,    // bits of a (two's complement) accumulator, >= 1
  parameter int ThrCount = 1,    // thresholds per channel, >= 1
  parameter int CmpWidth = 9,    // bits of a stored threshold, >= AccWidth + 1 (qtsc_thresholds)
  parameter int OutBits = 1,     // bits of an output element, 2**OutBits > ThrCount
  parameter int WAddrWidth = 4,  // = max(1, clog2(Taps*C/Simd)): weight ROM address bits
  parameter int PAddrWidth = 1,  // = max(1, clog2(C/Simd)): threshold ROM address bits
  parameter int ParamWidth = 10, // = Simd*Mult*(ThrCount*CmpWidth + 1): threshold ROM word
  parameter int OutWidth = 1     // = Simd*Mult*OutBits
) (
  input  wire logic                              clk_i,
  input  wire logic                              rst_i,

  input  wire logic [Simd*InBits-1:0]            s_data_i,
  input  wire logic                              s_valid_i,
  output logic                                   s_ready_o,

  output logic      [OutWidth-1:0]               m_data_o,
  output logic                                   m_valid_o,
  input  wire logic                              m_ready_i,

  output logic                                   w_en_o,
  output logic      [WAddrWidth-1:0]             w_addr_o,
  input  wire logic [Simd*Mult*WeightBits-1:0]   w_data_i,

  output logic                                   p_en_o,
  output logic      [PAddrWidth-1:0]             p_addr_o,
  input  wire logic [ParamWidth-1:0]             p_data_i
);

  localparam int G = (Simd >= 1) ? C / Simd : 1;
  localparam int Lanes = Simd * Mult;
  localparam int InW = Simd * InBits;
  localparam int AccW = Lanes * AccWidth;
  localparam int Words = Taps * G;
  localparam int GBits = (G > 1) ? $clog2(G) : 1;
  localparam int TBits = (Taps > 1) ? $clog2(Taps) : 1;
  localparam int ExpWAddr = (Words > 1) ? $clog2(Words) : 1;
  localparam int ExpBits = (Pow2Levels > 1) ? $clog2(Pow2Levels) : 0;
  localparam int Pow2Bits = ExpBits + 1 + ((Pow2HasZero != 0) ? 1 : 0);
  localparam logic Bad = (Taps < 1) || (C < 1) || (Mult < 1) || (Simd < 1) || (InBits < 1)
                      || (C % Simd != 0)
                      || (InBipolar != 0 && InBits != 1)
                      || (WeightKind < 0) || (WeightKind > 2) || (WeightBits < 1)
                      || (WeightKind == 0 && WeightBits != 1)
                      || (WeightKind == 1 && (Pow2Levels < 1 || WeightBits != Pow2Bits))
                      || (AccWidth < 1) || (ThrCount < 1) || (OutBits < 1) || (CmpWidth < AccWidth + 1)
                      || (WAddrWidth != ExpWAddr) || (PAddrWidth != GBits)
                      || (ParamWidth != Lanes * (ThrCount * CmpWidth + 1)) || (OutWidth != Lanes * OutBits);

`ifndef __ICARUS__
  if (Bad) begin : g_bad_params
    $error("qtsc_vvu: illegal parameters (sizes >= 1, Simd must divide C, bipolar inputs are 1 bit, WeightBits must match WeightKind, CmpWidth >= AccWidth + 1; derived widths must match)");
  end
`else
  initial begin
    if (Bad) $fatal(1, "qtsc_vvu: illegal parameters (sizes >= 1, Simd must divide C, bipolar inputs are 1 bit, WeightBits must match WeightKind, CmpWidth >= AccWidth + 1; derived widths must match)");
  end
`endif

  // ---------------------------------------------------------------- S0: take a word
  logic en;                       // pipeline advance
  logic take;
  logic [TBits-1:0] tap_q;
  logic [GBits-1:0] g_q;
  logic [WAddrWidth-1:0] waddr_q; // = tap_q*G + g_q, counted
  logic t_last, g_last;

  assign t_last = tap_q == TBits'(Taps - 1);
  assign g_last = g_q == GBits'(G - 1);
  assign s_ready_o = en;
  assign take = s_valid_i & en;

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      tap_q <= '0;
      g_q <= '0;
      waddr_q <= '0;
    end else if (take) begin
      g_q <= g_last ? '0 : g_q + GBits'(1);
      if (g_last) tap_q <= t_last ? '0 : tap_q + TBits'(1);
      waddr_q <= (t_last && g_last) ? '0 : waddr_q + WAddrWidth'(1);
    end
  end

  assign w_en_o = take;
  assign w_addr_o = waddr_q;

  // ---------------------------------------------------------------- S1: accumulate
  logic v1_q, first1_q, last1_q;
  logic [GBits-1:0] g1_q;
  logic [InW-1:0] x1_q;
  logic [AccW-1:0] acc_rd, sum;
  logic acc_wr, done;

  always_ff @(posedge clk_i) begin
    if (rst_i) v1_q <= 1'b0;
    else if (en) v1_q <= take;
  end

  always_ff @(posedge clk_i) begin
    if (take) begin
      x1_q <= s_data_i;
      first1_q <= tap_q == '0;
      last1_q <= t_last;
      g1_q <= g_q;
    end
  end

  assign acc_wr = en & v1_q & ~last1_q;
  assign done = en & v1_q & last1_q;

  // Running sums of the window's G channel groups.
  if (Taps > 1) begin : g_acc
    logic [AccW-1:0] acc_mem [0:G-1];
    assign acc_rd = acc_mem[g1_q];
    always_ff @(posedge clk_i) begin
      if (acc_wr) acc_mem[g1_q] <= sum;
    end
  end else begin : g_no_acc
    logic unused_acc_wr; // one tap: every word is the last, nothing is written back
    assign unused_acc_wr = acc_wr;
    assign acc_rd = '0;
  end

  for (genvar s = 0; s < Simd; s++) begin : g_ch
    logic [InBits-1:0] xe;
    assign xe = x1_q[s*InBits +: InBits];

    for (genvar k = 0; k < Mult; k++) begin : g_lane
      localparam int L = s * Mult + k;
      logic [WeightBits-1:0] we;
      logic [AccWidth-1:0] base, t;
      logic c;                    // carry-in: +1 completing ~v to -v

      assign we = w_data_i[L*WeightBits +: WeightBits];
      assign base = first1_q ? '0 : acc_rd[L*AccWidth +: AccWidth];

      qtsc_term #(
        .WeightKind(WeightKind),
        .InBits(InBits),
        .InBipolar(InBipolar),
        .WeightBits(WeightBits),
        .Pow2Levels(Pow2Levels),
        .Pow2HasZero(Pow2HasZero),
        .AccWidth(AccWidth)
      ) u_term (
        .x_i(xe),
        .w_i(we),
        .t_o(t),
        .c_o(c)
      );

      assign sum[L*AccWidth +: AccWidth] = base + t + AccWidth'(c);
    end
  end

  // ---------------------------------------------------------------- S2: finished sums
  logic v2_q;
  logic [AccW-1:0] acc2_q;

  always_ff @(posedge clk_i) begin
    if (rst_i) v2_q <= 1'b0;
    else if (en) v2_q <= v1_q & last1_q;
  end

  always_ff @(posedge clk_i) begin
    if (done) acc2_q <= sum;
  end

  assign p_en_o = done;
  assign p_addr_o = g1_q;

  // ---------------------------------------------------------------- S3: output stage
  logic out_valid_q, s3_free;
  logic [OutWidth-1:0] out_q, stage;

  assign s3_free = ~out_valid_q | m_ready_i;
  assign en = ~v2_q | s3_free;

  qtsc_thresholds #(
    .Pe(Lanes),
    .AccWidth(AccWidth),
    .AccSigned(1),
    .Count(ThrCount),
    .CmpWidth(CmpWidth),
    .OutBits(OutBits)
  ) u_stage (
    .acc_i(acc2_q),
    .param_i(p_data_i),
    .y_o(stage)
  );

  always_ff @(posedge clk_i) begin
    if (rst_i) out_valid_q <= 1'b0;
    else if (s3_free) out_valid_q <= v2_q;
  end

  always_ff @(posedge clk_i) begin
    if (s3_free && v2_q) out_q <= stage;
  end

  assign m_data_o = out_q;
  assign m_valid_o = out_valid_q;

endmodule

`default_nettype wire

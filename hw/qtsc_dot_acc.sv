`resetall
`timescale 1ns/1ps
`default_nettype none
// qtsc_dot_acc: Pe dot products of Simd lanes per cycle, accumulated over the input folds.
//
// Engines (Engine parameter):
//   0 xnor-popcount  bipolar x, binary w:  term = xnor(x, w)              (acc unsigned)
//   1 sign-add       binary w:             term = w ? +a : -a
//   2 shift-add      power-of-two w:       term = (-1)^s * (a << (Pow2Levels-1-e)), 0 if zero flag
//   3 int-mac        two's complement w:   term = w * a (the only engine with a multiplier;
//                                          with bipolar x it is w or -w, no multiplier)
// where a is the input element's value: a bipolar bit b stands for 2b-1, a uint code for itself.
// Engines 1-3 form their terms in qtsc_term (shared with qtsc_vvu).
// A negated term -m is formed as ~m plus a +1 correction bit added into the same sum,
// so a lane costs an XOR, not an adder. All arithmetic is modulo 2**AccWidth: exact,
// because the compiler sizes AccWidth so the accumulator and every partial sum fit.
//
// Timing: one Simd-wide word per cycle. When en_i: sum = acc + (terms of this word);
// acc <= last_i ? 0 : sum, and on last_i the result register takes sum, so acc_o
// holds the finished dot product from the cycle after the last word until the next
// one finishes. Clearing the accumulator after the last word (instead of gating it
// on the first) keeps the gating off the adder inputs: it becomes the flip-flops'
// synchronous reset. The accumulators are therefore reset by rst_i (they must start
// at zero); the result registers are plain data registers.
// w_i layout: lane s of channel p at [(p*Simd + s)*WeightBits +: WeightBits];
// x_i: element s at [s*InBits +: InBits]; acc_o: channel p at [p*AccWidth +: AccWidth].
module qtsc_dot_acc #(
  parameter int Engine = 0,      // 0 xnor-popcount, 1 sign-add, 2 shift-add, 3 int-mac
  parameter int Pe = 1,          // output channels in parallel, >= 1
  parameter int Simd = 1,        // input elements per cycle, >= 1
  parameter int InBits = 1,      // bits of an input element, >= 1
  parameter int InBipolar = 1,   // 1: an element is one bipolar bit, 0: unsigned code
  parameter int WeightBits = 1,  // bits of a weight code, >= 1
  parameter int Pow2Levels = 1,  // shift-add: exponent levels K (e in [0, K-1])
  parameter int Pow2HasZero = 0, // shift-add: 1 when the code has a zero flag
  parameter int AccWidth = 8     // bits of the accumulator, >= 1
) (
  input  wire logic                            clk_i,
  input  wire logic                            rst_i,
  input  wire logic [Simd*InBits-1:0]          x_i,
  input  wire logic [Pe*Simd*WeightBits-1:0]   w_i,
  input  wire logic                            en_i,
  input  wire logic                            last_i,
  output logic      [Pe*AccWidth-1:0]          acc_o
);

  localparam int ExpBits = $clog2(Pow2Levels);
  localparam int Pow2Bits = ExpBits + 1 + ((Pow2HasZero != 0) ? 1 : 0);

`ifndef __ICARUS__
  if (Engine < 0 || Engine > 3) begin : g_bad_engine
    $error("qtsc_dot_acc: Engine must be 0..3");
  end
  if (Pe < 1 || Simd < 1 || InBits < 1 || WeightBits < 1 || AccWidth < 1) begin : g_bad_sizes
    $error("qtsc_dot_acc: Pe, Simd, InBits, WeightBits and AccWidth must be >= 1");
  end
  if (InBipolar != 0 && InBits != 1) begin : g_bad_bipolar
    $error("qtsc_dot_acc: a bipolar element has InBits = 1");
  end
  if (Engine == 0 && (InBipolar == 0 || WeightBits != 1)) begin : g_bad_xnor
    $error("qtsc_dot_acc: xnor-popcount needs bipolar inputs and 1-bit weights");
  end
  if (Engine == 1 && WeightBits != 1) begin : g_bad_sign
    $error("qtsc_dot_acc: sign-add needs 1-bit weights");
  end
  if (Engine == 2 && (Pow2Levels < 1 || WeightBits != Pow2Bits)) begin : g_bad_pow2
    $error("qtsc_dot_acc: shift-add needs WeightBits = clog2(Pow2Levels) + 1 + Pow2HasZero");
  end
`else
  initial begin
    if (Engine < 0 || Engine > 3) $fatal(1, "qtsc_dot_acc: Engine must be 0..3");
    if (Pe < 1 || Simd < 1 || InBits < 1 || WeightBits < 1 || AccWidth < 1)
      $fatal(1, "qtsc_dot_acc: Pe, Simd, InBits, WeightBits and AccWidth must be >= 1");
    if (InBipolar != 0 && InBits != 1) $fatal(1, "qtsc_dot_acc: a bipolar element has InBits = 1");
    if (Engine == 0 && (InBipolar == 0 || WeightBits != 1))
      $fatal(1, "qtsc_dot_acc: xnor-popcount needs bipolar inputs and 1-bit weights");
    if (Engine == 1 && WeightBits != 1) $fatal(1, "qtsc_dot_acc: sign-add needs 1-bit weights");
    if (Engine == 2 && (Pow2Levels < 1 || WeightBits != Pow2Bits))
      $fatal(1, "qtsc_dot_acc: shift-add needs WeightBits = clog2(Pow2Levels) + 1 + Pow2HasZero");
  end
`endif

  // One synchronous reset for all accumulators: reset, or the last word of a dot product.
  logic clear;
  assign clear = rst_i | (en_i & last_i);

  for (genvar p = 0; p < Pe; p++) begin : g_pe
    logic [Simd*AccWidth-1:0] terms; // lane terms, modulo 2**AccWidth
    logic [Simd-1:0] corr;           // +1 corrections of lanes that formed ~m for -m
    logic [AccWidth-1:0] acc_q, res_q, sum;

    for (genvar s = 0; s < Simd; s++) begin : g_lane
      logic [InBits-1:0] xe;
      logic [WeightBits-1:0] we;
      logic [AccWidth-1:0] t;
      logic c;
      assign xe = x_i[s*InBits +: InBits];
      assign we = w_i[(p*Simd + s)*WeightBits +: WeightBits];

      if (Engine == 0) begin : g_xnor
        logic agree;
        assign agree = ~(xe[0] ^ we[0]);
        assign t = AccWidth'(agree);
        assign c = 1'b0;
      end else begin : g_term
        qtsc_term #(
          .WeightKind(Engine - 1),
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
      end

      assign terms[s*AccWidth +: AccWidth] = t;
      assign corr[s] = c;
    end

    always_comb begin
      sum = acc_q;
      for (int s = 0; s < Simd; s++) begin
        sum = sum + terms[s*AccWidth +: AccWidth] + AccWidth'(corr[s]);
      end
    end

    always_ff @(posedge clk_i) begin
      if (clear) acc_q <= '0;
      else if (en_i) acc_q <= sum;
    end

    always_ff @(posedge clk_i) begin
      if (en_i && last_i) res_q <= sum;
    end

    assign acc_o[p*AccWidth +: AccWidth] = res_q;
  end

endmodule

`default_nettype wire

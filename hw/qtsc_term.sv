`resetall
`timescale 1ns/1ps
`default_nettype none
// qtsc_term: one lane's term w * a of a dot product, for the generic engine (qtsc_dot_acc)
// and the depthwise unit (qtsc_vvu), so both decode weights the same way.
//
// Weights (WeightKind): 0 binary, 1 bit, 1 = +1, 0 = -1; 1 pow2, bits [E-1:0] exponent e
// (E = clog2(Pow2Levels)), bit E sign s, bit E+1 zero flag when Pow2HasZero, value
// (-1)^s * 2^(Pow2Levels-1-e); 2 int, two's complement. The input a is a bipolar bit b
// standing for 2b-1, or an unsigned code standing for itself.
// The term is t_o + c_o modulo 2**AccWidth: a negative term -v leaves as ~v with c_o = 1,
// so the caller adds the carry into its own sum and a lane costs an XOR, not an adder.
// Only int weights with unsigned inputs multiply (a multiplier per lane); with a bipolar
// input the term is +w or -w. Combinational.
module qtsc_term #(
  parameter int WeightKind = 0,  // 0 binary, 1 pow2, 2 int
  parameter int InBits = 1,      // bits of an input element, >= 1
  parameter int InBipolar = 1,   // 1: the element is one bipolar bit, 0: unsigned code
  parameter int WeightBits = 1,  // bits of a weight code, >= 1
  parameter int Pow2Levels = 1,  // pow2: exponent levels K (e in [0, K-1])
  parameter int Pow2HasZero = 0, // pow2: 1 when the code has a zero flag
  parameter int AccWidth = 8     // bits of the term (the caller's accumulator), >= 1
) (
  input  wire logic [InBits-1:0]     x_i,
  input  wire logic [WeightBits-1:0] w_i,
  output logic      [AccWidth-1:0]   t_o,
  output logic                       c_o
);

  localparam int ExpBits = $clog2(Pow2Levels);
  localparam int ProdWidth = WeightBits + InBits + 1;

  if (WeightKind == 2 && InBipolar == 0) begin : g_mul
    logic signed [ProdWidth-1:0] prod;
    assign prod = ProdWidth'($signed(w_i)) * ProdWidth'($signed({1'b0, x_i}));
    assign t_o = AccWidth'(prod);
    assign c_o = 1'b0;
    if (ProdWidth > AccWidth) begin : g_unused_top
      logic unused_prod; // modulo 2**AccWidth: the top product bits are not needed
      assign unused_prod = ^prod[ProdWidth-1:AccWidth];
    end
  end else begin : g_signed
    // Magnitude v and sign of the term; the term is neg ? ~v + 1 : v.
    logic [AccWidth-1:0] v;
    logic neg_a, neg;
    if (InBipolar != 0) begin : g_bip
      assign neg_a = ~x_i[0];
    end else begin : g_uint
      assign neg_a = 1'b0;
      if (InBits > AccWidth) begin : g_unused_x
        logic unused_x; // modulo 2**AccWidth: the top input bits are not needed
        assign unused_x = ^x_i[InBits-1:AccWidth];
      end
    end
    if (WeightKind == 0) begin : g_binary
      if (InBipolar != 0) begin : g_one
        assign v = AccWidth'(1);
      end else begin : g_a
        assign v = AccWidth'(x_i);
      end
      assign neg = ~w_i[0] ^ neg_a;
    end else if (WeightKind == 1) begin : g_pow2
      logic [AccWidth-1:0] mag;
      logic zero;
      if (InBipolar != 0) begin : g_one
        assign mag = AccWidth'(1);
      end else begin : g_a
        assign mag = AccWidth'(x_i);
      end
      if (Pow2HasZero != 0) begin : g_z
        assign zero = w_i[ExpBits + 1];
      end else begin : g_nz
        assign zero = 1'b0;
      end
      if (ExpBits > 0) begin : g_exp
        logic [ExpBits-1:0] sh;
        assign sh = ExpBits'(Pow2Levels - 1) - w_i[ExpBits-1:0];
        assign v = zero ? '0 : (mag << sh);
      end else begin : g_noexp
        assign v = zero ? '0 : mag;
      end
      assign neg = (w_i[ExpBits] ^ neg_a) & ~zero;
    end else begin : g_intbip
      // int weights, bipolar input: the term is +w or -w.
      assign v = AccWidth'($signed(w_i));
      assign neg = neg_a;
      if (WeightBits > AccWidth) begin : g_unused_w
        logic unused_w; // modulo 2**AccWidth: the top weight bits are not needed
        assign unused_w = ^w_i[WeightBits-1:AccWidth];
      end
    end
    assign t_o = neg ? ~v : v;
    assign c_o = neg;
  end

endmodule

`default_nettype wire

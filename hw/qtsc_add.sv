`resetall
`timescale 1ns/1ps
`default_nettype none
// qtsc_add: elementwise requantizing add of two streams, y = thresholds_c(AMul*value(a) + BMul*value(b)).
//
// Both inputs carry the same feature map, pixel by pixel, C channels per pixel in
// G = C/Simd words (channels fastest); element s of a word at [s*Bits +: Bits]. Word w
// of either stream holds channels g*Simd + s with g = w mod G. value() is the code of
// an unsigned element, 2*bit - 1 of a bipolar one (ABipolar/BBipolar, 1-bit elements).
// Per lane z = AMul*value(a) + BMul*value(b) (ZWidth-bit two's complement; elaboration
// stops unless the whole range fits). The constant factors are expanded bit by bit
// into shifted adds (no multiplier); a bipolar term is the constant +-Mul.
// Then qtsc_thresholds (Pe = Simd, AccSigned = 1, AccWidth = ZWidth) with the
// prepared thresholds of channels g*Simd + s, read from an external synchronous ROM:
// p_en_o / p_addr_o = g, p_data_i one cycle later (held while p_en_o is low), layout
// as qtsc_thresholds param_i: threshold j of lane s at [(s*ThrCount + j)*CmpWidth +:
// CmpWidth], invert flag of lane s at bit Simd*ThrCount*CmpWidth + s.
//
// Join: a word pair is taken only when both inputs are valid (a_ready_o = b_valid_i &
// advance, b_ready_o = a_valid_i & advance), one pair per cycle. Pipeline: S0 join, z,
// ROM read -> S1 z register, ROM data, thresholds -> S2 output register (m_data_o).
// Latency 2 cycles. The advance `en = !v1 | !m_valid_o | m_ready_i` stalls only when a
// result cannot move on, so the input readies follow m_ready_i combinationally (as in
// qtsc_mvu); put a qtsc_axis_skid after the output to cut that path.
// Reset: synchronous, active-high, on control registers only.
module qtsc_add #(
  parameter int C = 1,          // channels per pixel, Simd divides it
  parameter int Simd = 1,       // elements per word, >= 1
  parameter int ABits = 1,      // bits of an a element, 1..16 (1 when ABipolar)
  parameter int ABipolar = 0,   // 1: a element b stands for 2b - 1, 0: unsigned code
  parameter int BBits = 1,      // bits of a b element, 1..16 (1 when BBipolar)
  parameter int BBipolar = 0,   // 1: b element b stands for 2b - 1, 0: unsigned code
  parameter int AMul = 1,       // constant factor of a, 0..255
  parameter int BMul = 1,       // constant factor of b, 0..255
  parameter int ZWidth = 8,     // bits of z (two's complement), 2..31, must hold every z
  parameter int ThrCount = 1,   // thresholds per channel, >= 1
  parameter int CmpWidth = 9,   // bits of a stored threshold, = ZWidth + 1
  parameter int OutBits = 1,    // bits of an output element, 2**OutBits > ThrCount
  parameter int PAddrWidth = 1, // = max(1, clog2(C/Simd)): threshold ROM address bits
  parameter int ParamWidth = 10 // = Simd*(ThrCount*CmpWidth + 1): threshold ROM word bits
) (
  input  wire logic                   clk_i,
  input  wire logic                   rst_i,

  input  wire logic [Simd*ABits-1:0]  a_data_i,
  input  wire logic                   a_valid_i,
  output logic                        a_ready_o,

  input  wire logic [Simd*BBits-1:0]  b_data_i,
  input  wire logic                   b_valid_i,
  output logic                        b_ready_o,

  output logic      [Simd*OutBits-1:0] m_data_o,
  output logic                        m_valid_o,
  input  wire logic                   m_ready_i,

  output logic                        p_en_o,
  output logic      [PAddrWidth-1:0]  p_addr_o,
  input  wire logic [ParamWidth-1:0]  p_data_i
);

  localparam int MulBits = 8;
  localparam int G = (Simd >= 1) ? C / Simd : 1;
  localparam int GBits = (G > 1) ? $clog2(G) : 1;
  // Range of z: value ranges times the factors.
  localparam int ALo = (ABipolar != 0) ? -1 : 0;
  localparam int AHi = (ABipolar != 0) ? 1 : (1 << ABits) - 1;
  localparam int BLo = (BBipolar != 0) ? -1 : 0;
  localparam int BHi = (BBipolar != 0) ? 1 : (1 << BBits) - 1;
  localparam int ZLo = AMul * ALo + BMul * BLo;
  localparam int ZHi = AMul * AHi + BMul * BHi;
  localparam logic BadSizes = (C < 1) || (Simd < 1) || (C % Simd != 0) || (ABits < 1) || (ABits > 16)
                           || (BBits < 1) || (BBits > 16) || (ABipolar < 0) || (ABipolar > 1)
                           || (BBipolar < 0) || (BBipolar > 1) || (ABipolar == 1 && ABits != 1)
                           || (BBipolar == 1 && BBits != 1) || (AMul < 0) || (AMul > 255)
                           || (BMul < 0) || (BMul > 255) || (ZWidth < 2) || (ZWidth > 31)
                           || (ThrCount < 1) || (OutBits < 1);
  localparam logic Bad = BadSizes
                      || (ZLo < -(1 << (ZWidth - 1))) || (ZHi > (1 << (ZWidth - 1)) - 1)
                      || (CmpWidth != ZWidth + 1) || (ThrCount >= (1 << OutBits))
                      || (PAddrWidth != GBits) || (ParamWidth != Simd * (ThrCount * CmpWidth + 1));

`ifndef __ICARUS__
  if (Bad) begin : g_bad_params
    $error("qtsc_add: illegal parameters (Simd must divide C; ZWidth must hold AMul*a + BMul*b; derived widths must match)");
  end
`else
  initial begin
    if (Bad) $fatal(1, "qtsc_add: illegal parameters (Simd must divide C; ZWidth must hold AMul*a + BMul*b; derived widths must match)");
  end
`endif

  // ---------------------------------------------------------------- S0: join, z, ROM read
  logic en, take, v1_q, out_valid_q, s2_free;
  logic [GBits-1:0] g_q;
  logic [Simd*ZWidth-1:0] z, z1_q;

  assign take = a_valid_i & b_valid_i & en;
  assign a_ready_o = b_valid_i & en;
  assign b_ready_o = a_valid_i & en;

  for (genvar s = 0; s < Simd; s++) begin : g_lane
    logic [ABits-1:0] a;
    logic [BBits-1:0] b;
    logic signed [ZWidth-1:0] pa, pb;  // AMul*value(a), BMul*value(b)

    assign a = a_data_i[s*ABits +: ABits];
    assign b = b_data_i[s*BBits +: BBits];

    if (ABipolar != 0) begin : g_a_bipolar
      assign pa = a[0] ? ZWidth'(AMul) : -ZWidth'(AMul);
    end else if (AMul == 0) begin : g_a_zero
      logic unused_a;
      assign unused_a = ^a;
      assign pa = '0;
    end else begin : g_a_shift_add
      // AMul*a = sum over the set bits k of AMul of (a << k): one shifted term per bit
      logic [MulBits*ZWidth-1:0] terms;
      for (genvar k = 0; k < MulBits; k++) begin : g_bit
        if (((AMul >> k) & 1) != 0) begin : g_set
          assign terms[k*ZWidth +: ZWidth] = ZWidth'(a) << k;
        end else begin : g_clear
          assign terms[k*ZWidth +: ZWidth] = '0;
        end
      end
      always_comb begin
        pa = '0;
        for (int k = 0; k < MulBits; k++) pa = pa + terms[k*ZWidth +: ZWidth];
      end
    end

    if (BBipolar != 0) begin : g_b_bipolar
      assign pb = b[0] ? ZWidth'(BMul) : -ZWidth'(BMul);
    end else if (BMul == 0) begin : g_b_zero
      logic unused_b;
      assign unused_b = ^b;
      assign pb = '0;
    end else begin : g_b_shift_add
      logic [MulBits*ZWidth-1:0] terms;
      for (genvar k = 0; k < MulBits; k++) begin : g_bit
        if (((BMul >> k) & 1) != 0) begin : g_set
          assign terms[k*ZWidth +: ZWidth] = ZWidth'(b) << k;
        end else begin : g_clear
          assign terms[k*ZWidth +: ZWidth] = '0;
        end
      end
      always_comb begin
        pb = '0;
        for (int k = 0; k < MulBits; k++) pb = pb + terms[k*ZWidth +: ZWidth];
      end
    end

    assign z[s*ZWidth +: ZWidth] = pa + pb;
  end

  always_ff @(posedge clk_i) begin
    if (rst_i) g_q <= '0;
    else if (take) g_q <= (g_q == GBits'(G - 1)) ? '0 : g_q + GBits'(1);
  end

  always_ff @(posedge clk_i) begin
    if (take) z1_q <= z;
  end

  assign p_en_o = take;
  assign p_addr_o = g_q;

  // ---------------------------------------------------------------- S1: thresholds
  logic [Simd*OutBits-1:0] stage, out_q;

  always_ff @(posedge clk_i) begin
    if (rst_i) v1_q <= 1'b0;
    else if (en) v1_q <= take;
  end

  qtsc_thresholds #(
    .Pe(Simd),
    .AccWidth(ZWidth),
    .AccSigned(1),
    .Count(ThrCount),
    .CmpWidth(CmpWidth),
    .OutBits(OutBits)
  ) u_thr (
    .acc_i(z1_q),
    .param_i(p_data_i),
    .y_o(stage)
  );

  // ---------------------------------------------------------------- S2: output register
  assign s2_free = ~out_valid_q | m_ready_i;
  assign en = ~v1_q | s2_free;

  always_ff @(posedge clk_i) begin
    if (rst_i) out_valid_q <= 1'b0;
    else if (s2_free) out_valid_q <= v1_q;
  end

  always_ff @(posedge clk_i) begin
    if (s2_free && v1_q) out_q <= stage;
  end

  assign m_data_o = out_q;
  assign m_valid_o = out_valid_q;

endmodule

`default_nettype wire

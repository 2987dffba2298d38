`resetall
`timescale 1ns/1ps
`default_nettype none
// qtsc_pool: window reducer: per window and channel, the maximum or the sum over the window's taps,
// or the sum scaled by a per-position factor (average pooling over the taps inside the image).
//
// Input: windows as qtsc_swu emits them, Taps*G words per window (G = C/Simd) in
// (tap, g) order, g fastest; element s of a word at bits [s*ElemBits +: ElemBits].
// Output: per window G words of Simd elements of OutBits bits; element s of word g
// is the maximum (Mode 0, unsigned codes) or the sum (Mode 1) over the taps of
// channel g*Simd + s (src/golden/sliding-window.ts poolWindows()), or (Mode 2)
// that sum times RowFactors[oy] * ColFactors[ox] for the window at (oy, ox) of the
// Oh x Ow output (windows arrive in raster order), so that every window's mean
// has one common divisor (src/ir/avg-pool-scale.ts). The factors are small
// constants; the products are shift-and-add (no multiplier). The running
// values live in an accumulator memory of G words (asynchronous read, LUTRAM or
// flip-flops); the word for group g leaves in the cycle after its last tap arrives.
// One input word per cycle; a word of the last tap waits only for the output
// register (s_ready_o then follows m_ready_i combinationally, as in a pipeline
// register without skid). Reset: synchronous, active-high, control registers only.
module qtsc_pool #(
  parameter int Taps = 9,     // taps per window (Kh*Kw), >= 1
  parameter int C = 1,        // channels, Simd divides it
  parameter int Simd = 1,     // channels per word, >= 1
  parameter int ElemBits = 1, // bits of an input element, >= 1
  parameter int Mode = 0,     // 0: maximum of unsigned codes, 1: sum, 2: sum times the window's factors
  parameter int OutBits = 1,  // bits of an output element: = ElemBits (Mode 0), ElemBits + clog2(Taps) (Mode 1),
                              // Mode 2: wide enough for every scaled sum (ElemBits + clog2(common divisor))
  parameter int Oh = 1,       // Mode 2: output rows and columns (windows per frame = Oh*Ow)
  parameter int Ow = 1,
  parameter int FactorBits = 1,                           // Mode 2: bits of one factor
  parameter logic [Oh*FactorBits-1:0] RowFactors = '0,    // Mode 2: factor of output row oy at [oy*FactorBits +: FactorBits]
  parameter logic [Ow*FactorBits-1:0] ColFactors = '0     // Mode 2: factor of output column ox, likewise
) (
  input  wire logic                     clk_i,
  input  wire logic                     rst_i,

  input  wire logic [Simd*ElemBits-1:0] s_data_i,
  input  wire logic                     s_valid_i,
  output logic                          s_ready_o,

  output logic      [Simd*OutBits-1:0]  m_data_o,
  output logic                          m_valid_o,
  input  wire logic                     m_ready_i
);

  localparam int G = (Simd >= 1) ? C / Simd : 1;
  localparam int OutW = Simd * OutBits;
  localparam int ExpOutBits = (Mode == 1) ? ElemBits + $clog2(Taps) : ElemBits;
  localparam int GBits = (G > 1) ? $clog2(G) : 1;
  localparam int TBits = (Taps > 1) ? $clog2(Taps) : 1;
  localparam int OyBits = (Oh > 1) ? $clog2(Oh) : 1;
  localparam int OxBits = (Ow > 1) ? $clog2(Ow) : 1;
  localparam logic Bad = (Taps < 1) || (C < 1) || (Simd < 1) || (ElemBits < 1) || (C % Simd != 0)
                      || (Mode < 0) || (Mode > 2) || (Oh < 1) || (Ow < 1) || (FactorBits < 1)
                      || ((Mode == 2) ? (OutBits < ElemBits) : (OutBits != ExpOutBits));

`ifndef __ICARUS__
  if (Bad) begin : g_bad_params
    $error("qtsc_pool: illegal parameters (sizes >= 1, Simd must divide C, Mode 0, 1 or 2, OutBits = ElemBits (max), ElemBits + clog2(Taps) (sum), >= ElemBits (scaled sum))");
  end
`else
  initial begin
    if (Bad) $fatal(1, "qtsc_pool: illegal parameters (sizes >= 1, Simd must divide C, Mode 0, 1 or 2, OutBits = ElemBits (max), ElemBits + clog2(Taps) (sum), >= ElemBits (scaled sum))");
  end
`endif

  logic [TBits-1:0] tap_q;
  logic [GBits-1:0] g_q;
  logic first, last, g_last, take, out_free, out_valid_q;
  logic [OutW-1:0] acc, red, out_q;

  assign first = tap_q == '0;
  assign last = tap_q == TBits'(Taps - 1);
  assign g_last = g_q == GBits'(G - 1);
  assign out_free = ~out_valid_q | m_ready_i;
  assign s_ready_o = ~last | out_free;
  assign take = s_valid_i & s_ready_o;

  // Running values of the window's G channel groups.
  if (Taps > 1) begin : g_acc
    logic [OutW-1:0] acc_mem [0:G-1];
    assign acc = acc_mem[g_q];
    always_ff @(posedge clk_i) begin
      if (take && !last) acc_mem[g_q] <= red;
    end
  end else begin : g_no_acc
    assign acc = '0;
  end

  for (genvar s = 0; s < Simd; s++) begin : g_lane
    logic [ElemBits-1:0] x;
    logic [OutBits-1:0] a;
    assign x = s_data_i[s*ElemBits +: ElemBits];
    assign a = acc[s*OutBits +: OutBits];
    if (Mode == 0) begin : g_max
      assign red[s*OutBits +: OutBits] = (first || x > a) ? x : a;
    end else begin : g_sum
      assign red[s*OutBits +: OutBits] = (first ? '0 : a) + OutBits'(x);
    end
  end

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      tap_q <= '0;
      g_q <= '0;
      out_valid_q <= 1'b0;
    end else begin
      if (take) begin
        g_q <= g_last ? '0 : g_q + GBits'(1);
        if (g_last) tap_q <= last ? '0 : tap_q + TBits'(1);
      end
      if (take && last) out_valid_q <= 1'b1;
      else if (m_ready_i) out_valid_q <= 1'b0;
    end
  end

  // The word that leaves: the reduction, or (Mode 2) each lane's sum times the window's factors.
  logic [OutW-1:0] res;
  if (Mode == 2) begin : g_scale
    // x * f as the sum of x << b over the set bits b of f: adders only, no multiplier.
    function automatic logic [OutBits-1:0] times(input logic [OutBits-1:0] x, input logic [FactorBits-1:0] f);
      logic [OutBits-1:0] p;
      p = '0;
      for (int b = 0; b < FactorBits; b++) begin
        if (f[b]) p = p + (x << b);
      end
      times = p;
    endfunction

    // Position of the current window; it advances when the window's last word is taken.
    logic [OyBits-1:0] oy_q;
    logic [OxBits-1:0] ox_q;
    logic [FactorBits-1:0] row_f, col_f;
    // The tables as arrays (constant part-selects), so a read is a multiplexer, not index
    // arithmetic (a variable part-select of FactorBits not a power of two maps to a multiply).
    logic [FactorBits-1:0] row_tab [Oh];
    logic [FactorBits-1:0] col_tab [Ow];
    for (genvar i = 0; i < Oh; i++) begin : g_row_f
      assign row_tab[i] = RowFactors[i*FactorBits +: FactorBits];
    end
    for (genvar i = 0; i < Ow; i++) begin : g_col_f
      assign col_tab[i] = ColFactors[i*FactorBits +: FactorBits];
    end
    assign row_f = row_tab[oy_q];
    assign col_f = col_tab[ox_q];
    always_ff @(posedge clk_i) begin
      if (rst_i) begin
        oy_q <= '0;
        ox_q <= '0;
      end else if (take && last && g_last) begin
        if (ox_q == OxBits'(Ow - 1)) begin
          ox_q <= '0;
          oy_q <= (oy_q == OyBits'(Oh - 1)) ? '0 : oy_q + OyBits'(1);
        end else begin
          ox_q <= ox_q + OxBits'(1);
        end
      end
    end
    for (genvar s = 0; s < Simd; s++) begin : g_lane_scale
      assign res[s*OutBits +: OutBits] = times(times(red[s*OutBits +: OutBits], row_f), col_f);
    end
  end else begin : g_plain
    assign res = red;
  end

  always_ff @(posedge clk_i) begin
    if (take && last) out_q <= res;
  end

  assign m_data_o = out_q;
  assign m_valid_o = out_valid_q;

endmodule

`default_nettype wire

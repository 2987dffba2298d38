`resetall
`timescale 1ns/1ps
`default_nettype none
// qtsc_swu: sliding-window unit: streams every Kh x Kw window of an NHWC feature map.
//
// Input: one frame is Ih*Iw pixels in row-major order (y, then x), each pixel
// G = C/Simd words of Simd channels (channel group g fastest); element s of a word
// at bits [s*ElemBits +: ElemBits]. Output: Oh*Ow windows per frame,
//   Oh = (Ih + PadTop + PadBottom - Kh)/Sh + 1,  Ow = (Iw + PadLeft + PadRight - Kw)/Sw + 1,
// in row-major order (oy, ox); each window is Kh*Kw*G words in (ky, kx, g) order,
// g fastest. Tap (ky, kx) of window (oy, ox) is input pixel
// (oy*Sh + ky - PadTop, ox*Sw + kx - PadLeft); a tap outside the image is a word of
// Simd PadCode elements. This is src/golden/sliding-window.ts slidingWindow(). Every
// input word is consumed, also rows and columns no window uses, so frames follow
// each other back to back.
//
// Line buffer: R = min(Kh, Ih) + Sh rows of Iw*G words (a memory with a synchronous,
// registered read port and one write port: block RAM or LUTRAM), Depth = R*Iw*G words
// (swuBufferWords in src/backends/rtl/swu-geometry.ts). Input row n (counted over all
// frames) goes to slot n mod R, so slots are reused across frame boundaries. A band
// (the window rows of one output row oy) covers at most min(Kh, Ih) image rows; the
// other Sh rows let the next band's new rows arrive while the current band is emitted,
// so at steady state the unit moves one word per cycle on its busier side: about
// max(Ih*Iw*G, Oh*Ow*Kh*Kw*G) cycles per frame. The one loss is at frame boundaries
// with little padding: the next frame's first band needs Kh - PadTop rows while the
// last band still holds its own, so it may wait for up to Kh - 1 - PadTop - PadBottom
// rows of input (measured +0.7% for 3x3 valid on 12x12, +2% for 5x3 valid).
//
// Flow control (no multiplications; counters and comparisons with constants):
//   * the writer may write input row n when row n - R has been released; the rows
//     above the current band top are released when a band is finished (occ_q counts
//     written minus released rows);
//   * the reader may emit a tap when it is padding, or when its word has been
//     written: dist_q = (input row being written) - (band top row), over all frames;
//     a tap in band row ky is there if dist_q > ky, or dist_q == ky and the writer's
//     position in that row is past the tap's word.
// Pipeline: S0 issue (counters, buffer read) -> S1 buffer word, pad flag -> S2 output
// register (m_data_o). An offered word stays offered and unchanged until taken.
// Reset: synchronous, active-high, on control registers only.
module qtsc_swu #(
  parameter int Ih = 4,        // input height (pixels), >= 1
  parameter int Iw = 4,        // input width (pixels), >= 1
  parameter int C = 1,         // channels per pixel, Simd divides it
  parameter int Kh = 3,        // window height, >= 1, <= Ih + PadTop + PadBottom
  parameter int Kw = 3,        // window width, >= 1, <= Iw + PadLeft + PadRight
  parameter int Sh = 1,        // vertical stride, >= 1
  parameter int Sw = 1,        // horizontal stride, >= 1
  parameter int PadTop = 0,    // padding rows above the image, >= 0
  parameter int PadLeft = 0,   // padding columns left of the image, >= 0
  parameter int PadBottom = 0, // padding rows below the image, >= 0
  parameter int PadRight = 0,  // padding columns right of the image, >= 0
  parameter int Simd = 1,      // channels per word, divides C
  parameter int ElemBits = 1,  // bits of an element, >= 1
  parameter int PadCode = 0    // element code of a padded tap, 0 <= PadCode < 2**ElemBits
) (
  input  wire logic                     clk_i,
  input  wire logic                     rst_i,

  input  wire logic [Simd*ElemBits-1:0] s_data_i,
  input  wire logic                     s_valid_i,
  output logic                          s_ready_o,

  output logic      [Simd*ElemBits-1:0] m_data_o,
  output logic                          m_valid_o,
  input  wire logic                     m_ready_i
);

  localparam int W = Simd * ElemBits;
  localparam int G = (Simd >= 1) ? C / Simd : 1;            // words per pixel
  localparam int Oh = (Sh >= 1) ? (Ih + PadTop + PadBottom - Kh) / Sh + 1 : 1;
  localparam int Ow = (Sw >= 1) ? (Iw + PadLeft + PadRight - Kw) / Sw + 1 : 1;
  localparam int R = ((Kh < Ih) ? Kh : Ih) + Sh;            // buffer rows
  localparam int RowWords = Iw * G;                         // words per input row
  localparam int Depth = R * RowWords;                      // buffer words
  localparam int KwG = Kw * G;                              // words per window row
  localparam int PadLeftG = PadLeft * G;
  // band top row moves by Step (global rows) from the last band of a frame to the first of the next
  localparam int Step = Ih - (Oh - 1) * Sh;
  localparam int StepMod = ((Step % R) + R) % R;
  localparam int TopSlot0 = (((-PadTop) % R) + R) % R;      // slot of row -PadTop of frame 0
  localparam int TyLast = (Oh - 1) * Sh;                    // last band top + PadTop
  localparam int LxgLast = (Ow - 1) * Sw * G;               // last window left column * G (+ PadLeftG)
  localparam int RelLast = (TyLast - PadTop < 0) ? 0 : (TyLast - PadTop > Ih) ? Ih : TyLast - PadTop;
  localparam int RelEnd = Ih - RelLast;                     // rows released when a frame ends

  localparam int AddrBits = (Depth > 1) ? $clog2(Depth) : 1;
  localparam int ABits = AddrBits + 1;                      // holds 2*Depth for wrap arithmetic
  localparam int IyBits = $clog2(Ih + PadTop + PadBottom + Kh + Sh + 2) + 1;
  localparam int XgBits = $clog2((Iw + PadLeft + PadRight + Kw + Sw + 2) * G) + 1;
  localparam int KyBits = (Kh > 1) ? $clog2(Kh) : 1;
  localparam int KgBits = (KwG > 1) ? $clog2(KwG) : 1;
  localparam int DBits = $clog2(2 * (Ih + R + Kh + Sh + PadTop + PadBottom) + 4) + 2; // signed

  localparam logic Bad = (Ih < 1) || (Iw < 1) || (C < 1) || (Kh < 1) || (Kw < 1) || (Sh < 1) || (Sw < 1)
                      || (PadTop < 0) || (PadLeft < 0) || (PadBottom < 0) || (PadRight < 0)
                      || (Simd < 1) || (ElemBits < 1) || (C % Simd != 0)
                      || (Ih + PadTop + PadBottom < Kh) || (Iw + PadLeft + PadRight < Kw)
                      || (PadCode < 0) || (ElemBits < 31 && PadCode >= (1 << ElemBits));

`ifndef __ICARUS__
  if (Bad) begin : g_bad_params
    $error("qtsc_swu: illegal parameters (sizes >= 1, pads >= 0, Simd must divide C, the kernel must fit the padded input, PadCode must fit ElemBits)");
  end
`else
  initial begin
    if (Bad) $fatal(1, "qtsc_swu: illegal parameters (sizes >= 1, pads >= 0, Simd must divide C, the kernel must fit the padded input, PadCode must fit ElemBits)");
  end
`endif

  // ---------------------------------------------------------------- line buffer
  logic [W-1:0] mem [0:Depth-1];

  // ---------------------------------------------------------------- shared counters
  logic signed [DBits-1:0] occ_q, occ_d;   // input rows written - rows released (over all frames)
  logic signed [DBits-1:0] dist_q, dist_d; // input row being written - band top row (over all frames)
  logic row_done;                          // the writer finishes an input row this cycle
  logic band_done;                         // the reader issues the last word of a band this cycle
  logic signed [DBits-1:0] rel_delta;      // rows released when the band is done

  // ---------------------------------------------------------------- writer
  logic wr_ok_q;                           // s_ready_o: occ_q < R
  logic wr;
  logic [AddrBits-1:0] waddr_q;            // buffer address of the next input word
  logic [XgBits-1:0] wpos_q;               // PadLeftG + position of the next word in its row

  assign s_ready_o = wr_ok_q;
  assign wr = s_valid_i & wr_ok_q;
  assign row_done = wr && (wpos_q == XgBits'(PadLeftG + RowWords - 1));

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      waddr_q <= '0;
      wpos_q <= XgBits'(PadLeftG);
    end else if (wr) begin
      waddr_q <= (waddr_q == AddrBits'(Depth - 1)) ? '0 : waddr_q + AddrBits'(1);
      wpos_q <= row_done ? XgBits'(PadLeftG) : wpos_q + XgBits'(1);
    end
  end

  always_ff @(posedge clk_i) begin
    if (wr) mem[waddr_q] <= s_data_i;
  end

  // ---------------------------------------------------------------- reader (S0)
  // Positions are offset by the padding so that they are never negative:
  //   ty_q  = band top row + PadTop            iy_q  = tap row + PadTop
  //   lxg_q = (window left column + PadLeft)*G  ixg_q = (tap column + PadLeft)*G + g
  //   kg_q  = kx*G + g                         ky_q  = ky
  //   bbase_q / tbase_q: buffer address of column 0 of the band top row / the tap row
  logic [IyBits-1:0] ty_q, iy_q, ty_n;
  logic [XgBits-1:0] lxg_q, ixg_q, lxg_n;
  logic [KyBits-1:0] ky_q;
  logic [KgBits-1:0] kg_q;
  logic [ABits-1:0] bbase_q, tbase_q, bbase_n, tbase_inc;
  logic [ABits-1:0] raddr;

  logic kg_last, ky_last, ox_last, oy_last;
  logic row_pad, col_pad, pad, avail;
  logic en1, issue;

  assign kg_last = kg_q == KgBits'(KwG - 1);
  assign ky_last = ky_q == KyBits'(Kh - 1);
  assign ox_last = lxg_q == XgBits'(LxgLast);
  assign oy_last = ty_q == IyBits'(TyLast);

  // (a comparison with a zero pad would be constant: built only when the pad exists)
  logic above, left_of;
  if (PadTop > 0) begin : g_pad_top
    assign above = iy_q < IyBits'(PadTop);
  end else begin : g_no_pad_top
    assign above = 1'b0;
  end
  if (PadLeft > 0) begin : g_pad_left
    assign left_of = ixg_q < XgBits'(PadLeftG);
  end else begin : g_no_pad_left
    assign left_of = 1'b0;
  end
  assign row_pad = above || (iy_q >= IyBits'(PadTop + Ih));
  assign col_pad = left_of || (ixg_q >= XgBits'(PadLeftG + RowWords));
  assign pad = row_pad | col_pad;

  // A tap in the image is there when its word has been written: its row is complete,
  // or it is the row being written and the writer is past the word.
  // A padded tap waits only for its frame to begin (a word of it written), so no
  // word of a frame leaves before the frame starts arriving.
  logic signed [DBits-1:0] ky_s, frame_row;
  logic started;
  assign ky_s = DBits'($signed({1'b0, ky_q}));
  assign frame_row = dist_q + DBits'($signed({1'b0, ty_q})) - DBits'(PadTop); // writer row - row 0 of the reader's frame
  assign started = (frame_row > 0) || (frame_row == 0 && wpos_q != XgBits'(PadLeftG));
  assign avail = pad ? started : (dist_q > ky_s) || (dist_q == ky_s && wpos_q > ixg_q);

  assign issue = en1 & avail;
  assign band_done = issue & kg_last & ky_last & ox_last;

  assign raddr = tbase_q + ABits'(ixg_q) - ABits'(PadLeftG);

  // Next band: top row, left column, base address.
  always_comb begin
    ty_n = oy_last ? '0 : ty_q + IyBits'(Sh);
    lxg_n = ox_last ? '0 : lxg_q + XgBits'(Sw * G);
    bbase_n = bbase_q + (oy_last ? ABits'(StepMod * RowWords) : ABits'(Sh * RowWords));
    if (bbase_n >= ABits'(Depth)) bbase_n = bbase_n - ABits'(Depth);
    tbase_inc = tbase_q + ABits'(RowWords);
    if (tbase_inc >= ABits'(Depth)) tbase_inc = tbase_inc - ABits'(Depth);
  end

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      ty_q <= '0;
      iy_q <= '0;
      lxg_q <= '0;
      ixg_q <= '0;
      ky_q <= '0;
      kg_q <= '0;
      bbase_q <= ABits'(TopSlot0 * RowWords);
      tbase_q <= ABits'(TopSlot0 * RowWords);
    end else if (issue) begin
      if (!kg_last) begin
        kg_q <= kg_q + KgBits'(1);
        ixg_q <= ixg_q + XgBits'(1);
      end else begin
        kg_q <= '0;
        if (!ky_last) begin
          // next row of the window
          ky_q <= ky_q + KyBits'(1);
          iy_q <= iy_q + IyBits'(1);
          tbase_q <= tbase_inc;
          ixg_q <= lxg_q;
        end else begin
          // next window
          ky_q <= '0;
          lxg_q <= lxg_n;
          ixg_q <= lxg_n;
          if (!ox_last) begin
            iy_q <= ty_q;
            tbase_q <= bbase_q;
          end else begin
            // next band
            ty_q <= ty_n;
            iy_q <= ty_n;
            bbase_q <= bbase_n;
            tbase_q <= bbase_n;
          end
        end
      end
    end
  end

  // Rows released when a band is done: those above the next band's top, clamped to
  // the image; at the end of a frame, all its rows not released yet.
  logic [IyBits-1:0] rel_cur, rel_next, ty_sh;
  logic cur_above, next_above;
  assign ty_sh = ty_q + IyBits'(Sh);
  if (PadTop > 0) begin : g_rel_pad_top
    assign cur_above = ty_q < IyBits'(PadTop);
    assign next_above = ty_sh < IyBits'(PadTop);
  end else begin : g_rel_no_pad_top
    assign cur_above = 1'b0;
    assign next_above = 1'b0;
  end
  always_comb begin
    rel_cur = cur_above ? '0 : (ty_q - IyBits'(PadTop) > IyBits'(Ih)) ? IyBits'(Ih) : ty_q - IyBits'(PadTop);
    rel_next = next_above ? '0 : (ty_sh - IyBits'(PadTop) > IyBits'(Ih)) ? IyBits'(Ih) : ty_sh - IyBits'(PadTop);
    rel_delta = oy_last ? DBits'(RelEnd) : DBits'($signed({1'b0, rel_next - rel_cur}));
  end

  always_comb begin
    occ_d = occ_q;
    dist_d = dist_q;
    if (row_done) begin
      occ_d = occ_d + DBits'(1);
      dist_d = dist_d + DBits'(1);
    end
    if (band_done) begin
      occ_d = occ_d - rel_delta;
      dist_d = dist_d - (oy_last ? DBits'(Step) : DBits'(Sh));
    end
  end

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      occ_q <= '0;
      dist_q <= DBits'(PadTop);
      wr_ok_q <= 1'b0;
    end else begin
      occ_q <= occ_d;
      dist_q <= dist_d;
      wr_ok_q <= occ_d < DBits'(R);
    end
  end

  // ---------------------------------------------------------------- S1, S2
  logic v1_q, pad1_q, out_valid_q, s2_free;
  logic [W-1:0] rd_q, out_q;

  assign s2_free = ~out_valid_q | m_ready_i;
  assign en1 = ~v1_q | s2_free;

  always_ff @(posedge clk_i) begin
    if (rst_i) v1_q <= 1'b0;
    else if (en1) v1_q <= issue;
  end

  always_ff @(posedge clk_i) begin
    if (issue) begin
      pad1_q <= pad;
      if (!pad) rd_q <= mem[raddr[AddrBits-1:0]];
    end
  end

  always_ff @(posedge clk_i) begin
    if (rst_i) out_valid_q <= 1'b0;
    else if (s2_free) out_valid_q <= v1_q;
  end

  always_ff @(posedge clk_i) begin
    if (s2_free && v1_q) out_q <= pad1_q ? {Simd{ElemBits'(PadCode)}} : rd_q;
  end

  assign m_data_o = out_q;
  assign m_valid_o = out_valid_q;

  logic unused_raddr;
  assign unused_raddr = raddr[ABits-1];

endmodule

`default_nettype wire

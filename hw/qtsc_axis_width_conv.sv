`resetall
`timescale 1ns/1ps
`default_nettype none
// qtsc_axis_width_conv: re-packs a stream of InElems-element words into OutElems-element words.
//
// Elements travel LSB first: element k of a word sits at bits [k*ElemBits +: ElemBits],
// and the element order of the stream is kept. Four implementations, chosen by the
// parameters:
//   InElems == OutElems        wires;
//   InElems = R * OutElems     downsizer: holds one word, shifts out R slices;
//   OutElems = R * InElems     upsizer: shifts in R words, then presents them;
//   otherwise                  gearbox: a shift buffer of Cap elements (see below).
// Each moves one word per cycle on its busier side when the other side keeps up.
// The caller guarantees that a frame holds a multiple of both word sizes, so no
// word straddles two frames. Reset: synchronous, active-high, control registers only.
module qtsc_axis_width_conv #(
  parameter int ElemBits = 1, // bits of one element, >= 1
  parameter int InElems = 1,  // elements per input word, >= 1
  parameter int OutElems = 1  // elements per output word, >= 1
) (
  input  wire logic                         clk_i,
  input  wire logic                         rst_i,

  input  wire logic [InElems*ElemBits-1:0]  s_data_i,
  input  wire logic                         s_valid_i,
  output logic                              s_ready_o,

  output logic      [OutElems*ElemBits-1:0] m_data_o,
  output logic                              m_valid_o,
  input  wire logic                         m_ready_i
);

  localparam int InW = InElems * ElemBits;
  localparam int OutW = OutElems * ElemBits;

`ifndef __ICARUS__
  if (ElemBits < 1 || InElems < 1 || OutElems < 1) begin : g_bad_params
    $error("qtsc_axis_width_conv: ElemBits, InElems and OutElems must be >= 1");
  end
`else
  initial begin
    if (ElemBits < 1 || InElems < 1 || OutElems < 1)
      $fatal(1, "qtsc_axis_width_conv: ElemBits, InElems and OutElems must be >= 1");
  end
`endif

  if (InElems == OutElems) begin : g_pass
    logic unused_clk_rst;
    assign unused_clk_rst = clk_i ^ rst_i;
    assign m_data_o = s_data_i;
    assign m_valid_o = s_valid_i;
    assign s_ready_o = m_ready_i;
  end else if (InElems % OutElems == 0) begin : g_down
    localparam int Ratio = InElems / OutElems;
    localparam int CntBits = $clog2(Ratio);
    logic [InW-1:0] data_q;
    logic valid_q;
    logic [CntBits-1:0] cnt_q;
    logic last_slice, s_fire, m_fire;

    assign last_slice = cnt_q == CntBits'(Ratio - 1);
    assign m_fire = valid_q & m_ready_i;
    assign s_ready_o = ~valid_q | (m_ready_i & last_slice);
    assign s_fire = s_valid_i & s_ready_o;

    always_ff @(posedge clk_i) begin
      if (rst_i) begin
        valid_q <= 1'b0;
        cnt_q <= '0;
      end else begin
        if (s_fire) valid_q <= 1'b1;
        else if (m_fire && last_slice) valid_q <= 1'b0;
        if (m_fire) cnt_q <= last_slice ? '0 : cnt_q + CntBits'(1);
      end
    end

    // The current slice is always the low OutW bits; each output shifts the word down.
    always_ff @(posedge clk_i) begin
      if (s_fire) data_q <= s_data_i;
      else if (m_fire) data_q <= {{OutW{1'b0}}, data_q[InW-1:OutW]};
    end

    assign m_data_o = data_q[OutW-1:0];
    assign m_valid_o = valid_q;
  end else if (OutElems % InElems == 0) begin : g_up
    localparam int Ratio = OutElems / InElems;
    localparam int CntBits = $clog2(Ratio);
    logic [OutW-1:0] data_q;
    logic full_q;
    logic [CntBits-1:0] cnt_q;
    logic s_fire, m_fire;

    assign m_fire = full_q & m_ready_i;
    assign s_ready_o = ~full_q | m_ready_i;
    assign s_fire = s_valid_i & s_ready_o;

    always_ff @(posedge clk_i) begin
      if (rst_i) begin
        full_q <= 1'b0;
        cnt_q <= '0;
      end else begin
        if (s_fire) cnt_q <= (cnt_q == CntBits'(Ratio - 1)) ? '0 : cnt_q + CntBits'(1);
        if (s_fire && cnt_q == CntBits'(Ratio - 1)) full_q <= 1'b1;
        else if (m_fire) full_q <= 1'b0;
      end
    end

    // New words enter at the top; after Ratio words the first one sits at the bottom.
    always_ff @(posedge clk_i) begin
      if (s_fire) data_q <= {s_data_i, data_q[OutW-1:InW]};
    end

    assign m_data_o = data_q;
    assign m_valid_o = full_q;
  end else begin : g_gear
    // Holds up to Cap elements; accepts a word when at most Cap - InElems are held and
    // emits one when at least OutElems are held. Cap = InElems + OutElems + max - 1
    // keeps the busier side moving every cycle with registered-only handshakes.
    localparam int MaxElems = (InElems > OutElems) ? InElems : OutElems;
    localparam int Cap = InElems + OutElems + MaxElems - 1;
    localparam int BufW = Cap * ElemBits;
    // Fill level counted in bits, so placing a word needs no multiplier.
    localparam int CntBits = $clog2(BufW + 1);
    logic [BufW-1:0] buf_q, buf_d, shifted, in_ext, in_mask;
    logic [CntBits-1:0] cnt_q, cnt_d, cnt_shifted;
    logic s_fire, m_fire;

    assign s_ready_o = cnt_q <= CntBits'(BufW - InW);
    assign m_valid_o = cnt_q >= CntBits'(OutW);
    assign s_fire = s_valid_i & s_ready_o;
    assign m_fire = m_valid_o & m_ready_i;
    assign m_data_o = buf_q[OutW-1:0];

    assign in_ext = BufW'(s_data_i);
    assign in_mask = BufW'({InW{1'b1}});

    always_comb begin
      shifted = m_fire ? (buf_q >> OutW) : buf_q;
      cnt_shifted = m_fire ? cnt_q - CntBits'(OutW) : cnt_q;
      buf_d = shifted;
      cnt_d = cnt_shifted;
      if (s_fire) begin
        buf_d = (shifted & ~(in_mask << cnt_shifted)) | (in_ext << cnt_shifted);
        cnt_d = cnt_shifted + CntBits'(InW);
      end
    end

    always_ff @(posedge clk_i) begin
      if (rst_i) cnt_q <= '0;
      else cnt_q <= cnt_d;
    end

    always_ff @(posedge clk_i) begin
      buf_q <= buf_d;
    end
  end

endmodule

`default_nettype wire

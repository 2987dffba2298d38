`resetall
`timescale 1ns/1ps
`default_nettype none
// qtsc_axis_frame_check: keeps the input stream aligned to frames of Words words, checked against tlast.
//
// A frame is Words words and its last word carries s_last_i. The design behind this
// unit counts words, not tlast, so a frame of the wrong length would misalign every
// later frame; here it is resynchronised at its tlast instead:
// - short frame (tlast on word k < Words-1): the missing Words-1-k words are filled
//   with zeros (s_ready_o low meanwhile), so the frame still yields one output word;
// - long frame (no tlast on word Words-1): words after the Words-th are accepted and
//   dropped up to and including the next tlast.
// Either sets err_o, which stays set until reset. Frames after the bad one are
// processed as if it had been right. s_ready_o is low during reset.
// Reset: synchronous, active-high, on control registers only.
module qtsc_axis_frame_check #(
  parameter int DataWidth = 8, // bits of a word, >= 1
  parameter int Words = 1      // words per frame, >= 1
) (
  input  wire logic                 clk_i,
  input  wire logic                 rst_i,

  input  wire logic [DataWidth-1:0] s_data_i,
  input  wire logic                 s_valid_i,
  output logic                      s_ready_o,
  input  wire logic                 s_last_i,

  output logic      [DataWidth-1:0] m_data_o,
  output logic                      m_valid_o,
  input  wire logic                 m_ready_i,

  output logic                      err_o
);

`ifndef __ICARUS__
  if (DataWidth < 1 || Words < 1) begin : g_bad_params
    $error("qtsc_axis_frame_check: DataWidth and Words must be >= 1");
  end
`else
  initial begin
    if (DataWidth < 1 || Words < 1) $fatal(1, "qtsc_axis_frame_check: DataWidth and Words must be >= 1");
  end
`endif

  localparam int CountBits = (Words > 1) ? $clog2(Words) : 1;
  localparam logic [CountBits-1:0] LastWord = CountBits'(Words - 1);

  logic [CountBits-1:0] count_q;  // words of the current frame passed on so far
  logic fill_q;                   // inserting zero words after a short frame
  logic drop_q;                   // discarding the surplus of a long frame
  logic err_q;
  logic s_fire, m_fire, at_last;

  assign at_last = count_q == LastWord;
  assign s_ready_o = ~rst_i & ~fill_q & (drop_q | m_ready_i);
  assign m_valid_o = ~rst_i & (fill_q | (~drop_q & s_valid_i));
  assign m_data_o = fill_q ? '0 : s_data_i;
  assign s_fire = s_valid_i & s_ready_o;
  assign m_fire = m_valid_o & m_ready_i;
  assign err_o = err_q;

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      count_q <= '0;
      fill_q <= 1'b0;
      drop_q <= 1'b0;
      err_q <= 1'b0;
    end else if (drop_q) begin
      if (s_fire && s_last_i) drop_q <= 1'b0;
    end else if (m_fire) begin
      count_q <= at_last ? '0 : count_q + CountBits'(1);
      if (fill_q) begin
        if (at_last) fill_q <= 1'b0;
      end else if (at_last && !s_last_i) begin
        drop_q <= 1'b1;
        err_q <= 1'b1;
      end else if (!at_last && s_last_i) begin
        fill_q <= 1'b1;
        err_q <= 1'b1;
      end
    end
  end

endmodule

`default_nettype wire

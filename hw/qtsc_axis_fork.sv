`resetall
`timescale 1ns/1ps
`default_nettype none
// qtsc_axis_fork: one valid/ready stream to two (a, b); each output sees every word once, in order.
//
// Buffered 1 (default): a skid buffer (qtsc_axis_skid RegType 2, two words) per output.
// A word enters both buffers in the same cycle, so s_ready_o = both buffers ready, and
// both readies are flip-flops: no combinational path from a_ready_i/b_ready_i to
// s_ready_o. One word per cycle while both outputs take; each output may stall on its
// own for up to two words before the input stops. Latency one cycle; data and valid
// outputs are registered.
// Buffered 0: no storage. The input word is offered to both outputs (a_data_o = b_data_o
// = s_data_i); a per-output flag remembers that the output has already taken it, and
// the input is taken when both outputs have taken it (in this cycle or before):
// s_ready_o = (a_ready_i | a_done) & (b_ready_i | b_done), a combinational ready path.
// Zero latency; one word per cycle while both outputs take.
// Neither output valid depends on a ready. Reset: synchronous, active-high, control only.
module qtsc_axis_fork #(
  parameter int Width = 8,    // bits of a word, >= 1
  parameter int Buffered = 1  // 1: a two-word skid buffer per output (registered ready), 0: no storage
) (
  input  wire logic             clk_i,
  input  wire logic             rst_i,

  input  wire logic [Width-1:0] s_data_i,
  input  wire logic             s_valid_i,
  output logic                  s_ready_o,

  output logic      [Width-1:0] a_data_o,
  output logic                  a_valid_o,
  input  wire logic             a_ready_i,

  output logic      [Width-1:0] b_data_o,
  output logic                  b_valid_o,
  input  wire logic             b_ready_i
);

`ifndef __ICARUS__
  if (Width < 1 || Buffered < 0 || Buffered > 1) begin : g_bad_params
    $error("qtsc_axis_fork: illegal parameters (Width >= 1, Buffered 0 or 1)");
  end
`else
  initial begin
    if (Width < 1 || Buffered < 0 || Buffered > 1) $fatal(1, "qtsc_axis_fork: illegal parameters (Width >= 1, Buffered 0 or 1)");
  end
`endif

  if (Buffered != 0) begin : g_buffered
    logic a_in_ready, b_in_ready;

    // Each buffer sees the word only when the other one takes it too.
    qtsc_axis_skid #(.DataWidth(Width), .RegType(2)) u_a (
      .clk_i, .rst_i,
      .s_data_i, .s_valid_i(s_valid_i & b_in_ready), .s_ready_o(a_in_ready),
      .m_data_o(a_data_o), .m_valid_o(a_valid_o), .m_ready_i(a_ready_i)
    );
    qtsc_axis_skid #(.DataWidth(Width), .RegType(2)) u_b (
      .clk_i, .rst_i,
      .s_data_i, .s_valid_i(s_valid_i & a_in_ready), .s_ready_o(b_in_ready),
      .m_data_o(b_data_o), .m_valid_o(b_valid_o), .m_ready_i(b_ready_i)
    );

    assign s_ready_o = a_in_ready & b_in_ready;
  end else begin : g_direct
    logic a_done_q, b_done_q, take;

    assign a_data_o = s_data_i;
    assign b_data_o = s_data_i;
    assign a_valid_o = s_valid_i & ~a_done_q;
    assign b_valid_o = s_valid_i & ~b_done_q;
    assign s_ready_o = (a_ready_i | a_done_q) & (b_ready_i | b_done_q);
    assign take = s_valid_i & s_ready_o;

    always_ff @(posedge clk_i) begin
      if (rst_i || take) begin
        a_done_q <= 1'b0;
        b_done_q <= 1'b0;
      end else begin
        if (a_valid_o && a_ready_i) a_done_q <= 1'b1;
        if (b_valid_o && b_ready_i) b_done_q <= 1'b1;
      end
    end
  end

endmodule

`default_nettype wire

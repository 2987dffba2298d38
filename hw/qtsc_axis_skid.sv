`resetall
`timescale 1ns/1ps
`default_nettype none
// qtsc_axis_skid: valid/ready register slice (bypass, simple register or skid buffer).
//
// RegType 2 (skid buffer) registers both data and ready: s_ready_o comes from a
// flop, so the ready path never chains combinationally through a pipeline, and it
// still moves one word per cycle. RegType 1 registers data only (one bubble per
// word when the consumer stalls); RegType 0 is a wire.
// Reset: synchronous, active-high, on control (valid/ready) registers only.
module qtsc_axis_skid #(
  parameter int DataWidth = 8, // bits of the data word, >= 1
  parameter int RegType = 2    // 0 bypass, 1 simple register, 2 skid buffer
) (
  input  wire logic                 clk_i,
  input  wire logic                 rst_i,

  input  wire logic [DataWidth-1:0] s_data_i,
  input  wire logic                 s_valid_i,
  output logic                      s_ready_o,

  output logic      [DataWidth-1:0] m_data_o,
  output logic                      m_valid_o,
  input  wire logic                 m_ready_i
);

`ifndef __ICARUS__
  if (DataWidth < 1) begin : g_bad_width
    $error("qtsc_axis_skid: DataWidth must be >= 1");
  end
  if (RegType < 0 || RegType > 2) begin : g_bad_type
    $error("qtsc_axis_skid: RegType must be 0, 1 or 2");
  end
`else
  initial begin
    if (DataWidth < 1) $fatal(1, "qtsc_axis_skid: DataWidth must be >= 1");
    if (RegType < 0 || RegType > 2) $fatal(1, "qtsc_axis_skid: RegType must be 0, 1 or 2");
  end
`endif

  if (RegType == 2) begin : g_skid
    logic [DataWidth-1:0] out_data_q, tmp_data_q;
    logic out_valid_q, out_valid_d, tmp_valid_q, tmp_valid_d, ready_q, ready_d;
    logic in_to_out, in_to_tmp, tmp_to_out;

    // The next ready: the consumer takes a word, or the skid slot stays empty.
    assign ready_d = m_ready_i | (~tmp_valid_q & (~out_valid_q | ~s_valid_i));

    always_comb begin
      out_valid_d = out_valid_q;
      tmp_valid_d = tmp_valid_q;
      in_to_out = 1'b0;
      in_to_tmp = 1'b0;
      tmp_to_out = 1'b0;
      if (ready_q) begin
        if (m_ready_i | ~out_valid_q) begin
          out_valid_d = s_valid_i;
          in_to_out = 1'b1;
        end else begin
          tmp_valid_d = s_valid_i;
          in_to_tmp = 1'b1;
        end
      end else if (m_ready_i) begin
        out_valid_d = tmp_valid_q;
        tmp_valid_d = 1'b0;
        tmp_to_out = 1'b1;
      end
    end

    always_ff @(posedge clk_i) begin
      if (rst_i) begin
        out_valid_q <= 1'b0;
        tmp_valid_q <= 1'b0;
        ready_q <= 1'b0;
      end else begin
        out_valid_q <= out_valid_d;
        tmp_valid_q <= tmp_valid_d;
        ready_q <= ready_d;
      end
    end

    always_ff @(posedge clk_i) begin
      if (in_to_out) out_data_q <= s_data_i;
      else if (tmp_to_out) out_data_q <= tmp_data_q;
      if (in_to_tmp) tmp_data_q <= s_data_i;
    end

    assign s_ready_o = ready_q;
    assign m_data_o = out_data_q;
    assign m_valid_o = out_valid_q;
  end else if (RegType == 1) begin : g_reg
    logic [DataWidth-1:0] out_data_q;
    logic out_valid_q;
    logic take;

    assign s_ready_o = ~out_valid_q;
    assign take = s_valid_i & ~out_valid_q;

    always_ff @(posedge clk_i) begin
      if (rst_i) out_valid_q <= 1'b0;
      else if (take) out_valid_q <= 1'b1;
      else if (m_ready_i) out_valid_q <= 1'b0;
    end

    always_ff @(posedge clk_i) begin
      if (take) out_data_q <= s_data_i;
    end

    assign m_data_o = out_data_q;
    assign m_valid_o = out_valid_q;
  end else begin : g_bypass
    logic unused_clk_rst;
    assign unused_clk_rst = clk_i ^ rst_i;
    assign m_data_o = s_data_i;
    assign m_valid_o = s_valid_i;
    assign s_ready_o = m_ready_i;
  end

endmodule

`default_nettype wire

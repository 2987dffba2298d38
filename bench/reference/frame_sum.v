`resetall
`timescale 1ns/1ps
`default_nettype none
// frame_sum: reference AXI-Stream design for timing the Verilator flow when the
// RTL backend is not available. Each frame is K input words; its output word is
// their sum plus an offset read from offset.mem, modulo 2**OutW (OutW > InW).
module frame_sum #(
  parameter integer InW = 8,   // input word bits
  parameter integer OutW = 12, // output word bits, > InW
  parameter integer K = 3      // input words per frame, >= 1
) (
  input wire clk,
  input wire rst,
  input wire [InW-1:0] s_axis_tdata,
  input wire s_axis_tvalid,
  output wire s_axis_tready,
  input wire s_axis_tlast, // frames are counted, not delimited: unused
  output reg [OutW-1:0] m_axis_tdata,
  output reg m_axis_tvalid,
  input wire m_axis_tready,
  output wire m_axis_tlast,
  output wire frame_err
);
  localparam integer CW = $clog2(K + 1);
  localparam [CW-1:0] LastCount = CW'(K - 1);
  reg [OutW-1:0] acc;
  reg [CW-1:0] count;
  reg [OutW-1:0] rom [0:0];
  initial $readmemh("offset.mem", rom);
  wire in_fire = s_axis_tvalid && s_axis_tready;
  wire [OutW-1:0] sum = acc + {{(OutW-InW){1'b0}}, s_axis_tdata};
  assign s_axis_tready = !rst && (!m_axis_tvalid || m_axis_tready);
  assign m_axis_tlast = 1'b1;
  assign frame_err = 1'b0;
  wire unused_tlast = s_axis_tlast;
  always @(posedge clk) begin
    if (rst) begin
      acc <= '0;
      count <= '0;
      m_axis_tvalid <= 1'b0;
    end else begin
      if (m_axis_tvalid && m_axis_tready) m_axis_tvalid <= 1'b0;
      if (in_fire) begin
        if (count == LastCount) begin
          m_axis_tdata <= sum + rom[0];
          m_axis_tvalid <= 1'b1;
          acc <= '0;
          count <= '0;
        end else begin
          acc <= sum;
          count <= count + 1'b1;
        end
      end
    end
  end
endmodule
`default_nettype wire

`resetall
`timescale 1ns/1ps
`default_nettype none
// qtsc_axis_assert: simulation-only checker of the valid/ready rules on one stream.
//
// It only watches: every port is an input, and the tops instantiate it only under
// `ifdef QTSC_ASSERTIONS` (the Verilator co-simulation defines it; synthesis and the
// build flows never do, and filelist.f does not list this file). Instance names are
// sva_<stream>, so a failure names the stream:
//   Assertion failed in TOP.<top>.sva_<stream>.<rule>: <what broke>
// Rules, sampled at the rising edge of clk_i (rst_i synchronous, active high):
//   valid_held   a word offered and not taken (valid_i && !ready_i) is offered again
//                in the next cycle: valid never falls before its handshake;
//   data_held    ... with the same data_i (a stream with tlast passes {tlast, tdata});
//   valid_reset  (ValidLowInReset) valid_i is low in every cycle of a reset after
//                its first clock edge: valid registers clear on that edge, and
//                combinational valids are gated by reset;
//   ready_reset  (ReadyLowInReset) ready_i is low in every cycle that rst_i is high,
//                the first included: what the top promises on s_axis_tready.
// valid_held and data_held are off while reset is high (disable iff), so a reset may
// drop a waiting word. The run must start in reset (rst_i high at the first clock
// edge): before that edge there is no cycle to compare with. Icarus Verilog 11 has no
// concurrent assertions: compiled there, the checker stops at time 0 instead of
// checking nothing.
module qtsc_axis_assert #(
  parameter int Width = 1,           // bits of data_i, >= 1
  parameter int ValidLowInReset = 1, // 1: check valid_reset (the producer's valid is reset)
  parameter int ReadyLowInReset = 0  // 1: check ready_reset (the consumer holds ready low in reset)
) (
  input wire logic             clk_i,
  input wire logic             rst_i,
  input wire logic [Width-1:0] data_i,
  input wire logic             valid_i,
  input wire logic             ready_i
);

`ifndef __ICARUS__
  if (Width < 1 || ValidLowInReset < 0 || ValidLowInReset > 1 || ReadyLowInReset < 0 || ReadyLowInReset > 1) begin : g_bad_params
    $error("qtsc_axis_assert: illegal parameters (Width >= 1, ValidLowInReset and ReadyLowInReset 0 or 1)");
  end

  valid_held: assert property (@(posedge clk_i) disable iff (rst_i) valid_i && !ready_i |=> valid_i)
    else $error("valid fell before the handshake (a word offered must stay offered until ready)");

  data_held: assert property (@(posedge clk_i) disable iff (rst_i) valid_i && !ready_i |=> $stable(data_i))
    else $error("data changed while the word waited for ready");

  if (ValidLowInReset != 0) begin : g_valid_reset
    // rst_i at the clock edge before; 0 before the first edge. An explicit register, not
    // `rst_i |=> ...`: that form's hidden copy of rst_i starts random (--x-initial unique)
    // and fails at the first edge.
    logic rst_q = 1'b0;
    always_ff @(posedge clk_i) rst_q <= rst_i;

    valid_reset: assert property (@(posedge clk_i) rst_q && rst_i |-> !valid_i)
      else $error("valid high during reset");
  end

  if (ReadyLowInReset != 0) begin : g_ready_reset
    ready_reset: assert property (@(posedge clk_i) rst_i |-> !ready_i)
      else $error("ready high during reset");
  end
`else
  initial $fatal(1, "qtsc_axis_assert: Icarus Verilog has no concurrent assertions; compile without QTSC_ASSERTIONS");
`endif

endmodule

`default_nettype wire

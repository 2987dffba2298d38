`resetall
`timescale 1ns/1ps
`default_nettype none
// qtsc_logits: logit output stage, logit = (acc << Shift) + offset modulo 2**LogitWidth, Pe channels.
//
// All arithmetic is modulo 2**LogitWidth, which is exact whenever the logit fits in
// LogitWidth signed bits and otherwise wraps exactly as the golden model's output
// packing does. The shift is a constant: wiring, no shifter. Combinational.
// param_i layout: offset of channel p at [p*LogitWidth +: LogitWidth].
module qtsc_logits #(
  parameter int Pe = 1,         // channels side by side, >= 1
  parameter int AccWidth = 8,   // bits of one accumulator, >= 1
  parameter int AccSigned = 1,  // 1: accumulators are two's complement, 0: unsigned
  parameter int Shift = 0,      // left shift of the accumulator, >= 0
  parameter int LogitWidth = 16 // bits of a logit (two's complement), >= 1
) (
  input  wire logic [Pe*AccWidth-1:0]   acc_i,
  input  wire logic [Pe*LogitWidth-1:0] param_i,
  output logic      [Pe*LogitWidth-1:0] logit_o
);

`ifndef __ICARUS__
  if (Pe < 1 || AccWidth < 1 || LogitWidth < 1 || Shift < 0) begin : g_bad_params
    $error("qtsc_logits: Pe, AccWidth, LogitWidth must be >= 1 and Shift >= 0");
  end
`else
  initial begin
    if (Pe < 1 || AccWidth < 1 || LogitWidth < 1 || Shift < 0)
      $fatal(1, "qtsc_logits: Pe, AccWidth, LogitWidth must be >= 1 and Shift >= 0");
  end
`endif

  for (genvar p = 0; p < Pe; p++) begin : g_ch
    logic [AccWidth-1:0] acc;
    logic [LogitWidth-1:0] a, scaled;

    assign acc = acc_i[p*AccWidth +: AccWidth];
    if (AccSigned != 0) begin : g_sext
      assign a = LogitWidth'($signed(acc));
    end else begin : g_zext
      assign a = LogitWidth'(acc);
    end
    if (Shift >= LogitWidth) begin : g_all_out
      // Every accumulator bit leaves the logit: only the offset is left.
      logic unused_a;
      assign unused_a = ^a;
      assign scaled = '0;
    end else if (Shift > 0) begin : g_shift
      logic unused_top; // bits shifted out of the logit (modulo arithmetic)
      assign unused_top = ^a[LogitWidth-1:LogitWidth-Shift];
      assign scaled = {a[LogitWidth-Shift-1:0], {Shift{1'b0}}};
    end else begin : g_noshift
      assign scaled = a;
    end
    assign logit_o[p*LogitWidth +: LogitWidth] = scaled + param_i[p*LogitWidth +: LogitWidth];
  end

endmodule

`default_nettype wire

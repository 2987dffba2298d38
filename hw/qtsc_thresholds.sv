`resetall
`timescale 1ns/1ps
`default_nettype none
// qtsc_thresholds: multi-threshold output stage, y = sum_j [acc >= T_j] xor invert, Pe channels.
//
// The compiler stores per channel Count thresholds already prepared for this stage:
// clamped to the accumulator's representable range (plus one) and, for a channel
// whose IR flag `negate` is set, turned into -T + 1 with the invert flag set, since
// [-acc >= T] = not [acc >= -T + 1]. So one signed comparator per threshold and no
// negation of the accumulator. Combinational; the MVU registers the result.
//
// param_i layout: threshold j of channel p at [(p*Count + j)*CmpWidth +: CmpWidth]
// (two's complement), then the invert flag of channel p at bit Pe*Count*CmpWidth + p.
module qtsc_thresholds #(
  parameter int Pe = 1,        // channels side by side, >= 1
  parameter int AccWidth = 8,  // bits of one accumulator, >= 1
  parameter int AccSigned = 1, // 1: accumulators are two's complement, 0: unsigned
  parameter int Count = 1,     // thresholds per channel, >= 1
  parameter int CmpWidth = 9,  // bits of a stored threshold: AccWidth+1 (signed) or AccWidth+2 (unsigned)
  parameter int OutBits = 1    // bits of an output element, 2**OutBits > Count
) (
  input  wire logic [Pe*AccWidth-1:0]           acc_i,
  input  wire logic [Pe*(Count*CmpWidth+1)-1:0] param_i,
  output logic      [Pe*OutBits-1:0]            y_o
);

  localparam int MinCmp = AccWidth + ((AccSigned != 0) ? 1 : 2);

`ifndef __ICARUS__
  if (Pe < 1 || AccWidth < 1 || Count < 1 || OutBits < 1) begin : g_bad_sizes
    $error("qtsc_thresholds: Pe, AccWidth, Count and OutBits must be >= 1");
  end
  if (CmpWidth < MinCmp) begin : g_bad_cmp
    $error("qtsc_thresholds: CmpWidth too small for the accumulator");
  end
  if (Count >= (1 << OutBits)) begin : g_bad_out
    $error("qtsc_thresholds: OutBits cannot hold Count");
  end
`else
  initial begin
    if (Pe < 1 || AccWidth < 1 || Count < 1 || OutBits < 1)
      $fatal(1, "qtsc_thresholds: Pe, AccWidth, Count and OutBits must be >= 1");
    if (CmpWidth < MinCmp) $fatal(1, "qtsc_thresholds: CmpWidth too small for the accumulator");
    if (Count >= (1 << OutBits)) $fatal(1, "qtsc_thresholds: OutBits cannot hold Count");
  end
`endif

  for (genvar p = 0; p < Pe; p++) begin : g_ch
    logic [AccWidth-1:0] acc;
    logic signed [CmpWidth-1:0] a;
    logic [Count*CmpWidth-1:0] thr;
    logic inv;
    logic [Count-1:0] hit;
    logic [OutBits-1:0] y;

    assign acc = acc_i[p*AccWidth +: AccWidth];
    assign thr = param_i[p*Count*CmpWidth +: Count*CmpWidth];
    assign inv = param_i[Pe*Count*CmpWidth + p];
    if (AccSigned != 0) begin : g_sext
      assign a = CmpWidth'($signed(acc));
    end else begin : g_zext
      assign a = CmpWidth'(acc);
    end

    for (genvar j = 0; j < Count; j++) begin : g_cmp
      assign hit[j] = ($signed(a) >= $signed(thr[j*CmpWidth +: CmpWidth])) ^ inv;
    end

    always_comb begin
      y = '0;
      for (int j = 0; j < Count; j++) y = y + OutBits'(hit[j]);
    end

    assign y_o[p*OutBits +: OutBits] = y;
  end

endmodule

`default_nettype wire

`resetall
`timescale 1ns/1ps
`default_nettype none
// qtsc_thresholds_bsearch: multi-threshold stage as a pipelined binary search, for many thresholds.
//
// y = #{j : acc >= U_j} (or Count minus it, for an inverted channel) with U sorted:
// the count does not depend on the order of the thresholds, so the compiler sorts the
// prepared thresholds of each channel (see qtsc_thresholds) and pads them with
// never-true values to 2**Levels - 1. The search then needs Levels comparisons, one
// per pipeline stage, instead of Count comparators and an adder per channel.
//
// Stage k (k = 0 .. Levels-1) has decided the top k bits q of the count and compares
// acc with U[q * 2**(l+1) + 2**l - 1], l = Levels-1-k; the threshold comes from an
// asynchronous read, outside this module, of the table of channel slot p (one table
// per p, one read port per stage): port (k, p) is slice k*Pe + p of t_addr_o/t_data_i.
// A table entry is CmpWidth+1 bits, the threshold and above it the channel's invert
// flag, at
//   address(k, nf, q) = Nf*(2**k - 1) + nf*2**k + q
// Input words are accumulator words of Pe channels, in order nf = 0 .. Nf-1 (this
// module counts them). Latency Levels+1 cycles, one word per cycle; the pipeline stalls
// as a whole only when its last stage holds a word the consumer does not take.
// Reset: synchronous, active-high, on control registers only.
module qtsc_thresholds_bsearch #(
  parameter int Pe = 1,           // channels side by side, >= 1
  parameter int Nf = 1,           // words per vector (neuron folds), >= 1
  parameter int AccWidth = 8,     // bits of one accumulator
  parameter int AccSigned = 1,    // 1: accumulators are two's complement, 0: unsigned
  parameter int Count = 3,        // real thresholds per channel, 1 .. 2**Levels - 1
  parameter int Levels = 2,       // search steps = bits of the output element
  parameter int CmpWidth = 9,     // bits of a stored threshold, as in qtsc_thresholds
  parameter int TAddrWidth = 2    // = max(1, clog2(Nf*(2**Levels - 1))): table address bits
) (
  input  wire logic                                  clk_i,
  input  wire logic                                  rst_i,

  input  wire logic [Pe*AccWidth-1:0]                s_data_i,
  input  wire logic                                  s_valid_i,
  output logic                                       s_ready_o,

  output logic      [Pe*Levels-1:0]                  m_data_o,
  output logic                                       m_valid_o,
  input  wire logic                                  m_ready_i,

  output logic      [Levels*Pe*TAddrWidth-1:0]       t_addr_o,
  input  wire logic [Levels*Pe*(CmpWidth+1)-1:0]     t_data_i
);

  localparam int NfBits = (Nf > 1) ? $clog2(Nf) : 1;
  localparam int Depth = Nf * ((1 << Levels) - 1);
  localparam int ExpAddr = (Depth > 1) ? $clog2(Depth) : 1;
  localparam int MinCmp = AccWidth + ((AccSigned != 0) ? 1 : 2);
  localparam int EntryW = CmpWidth + 1;
  localparam logic Bad = (Pe < 1) || (Nf < 1) || (AccWidth < 1) || (Levels < 1) || (Count < 1)
                      || (Count > (1 << Levels) - 1) || (CmpWidth < MinCmp) || (TAddrWidth != ExpAddr);

`ifndef __ICARUS__
  if (Bad) begin : g_bad_params
    $error("qtsc_thresholds_bsearch: illegal parameters (1 <= Count < 2**Levels, CmpWidth >= AccWidth+1/+2, TAddrWidth = clog2(Nf*(2**Levels-1)))");
  end
`else
  initial begin
    if (Bad) $fatal(1, "qtsc_thresholds_bsearch: illegal parameters (1 <= Count < 2**Levels, CmpWidth >= AccWidth+1/+2, TAddrWidth = clog2(Nf*(2**Levels-1)))");
  end
`endif

  // Pipeline registers of stage k = 0 .. Levels: valid, accumulators, frame index,
  // decided count bits (q, Levels bits per channel, low k bits meaningful) and invert flags.
  logic [Levels:0] valid_q;
  logic [Pe*AccWidth-1:0] acc_q [0:Levels];
  logic [NfBits-1:0] nf_q [0:Levels];
  logic [Pe*Levels-1:0] cnt_q [0:Levels];
  logic [Pe-1:0] inv_q [0:Levels];
  logic [NfBits-1:0] nf_in_q;     // frame index of the next input word
  logic adv, s_fire;

  assign adv = ~valid_q[Levels] | m_ready_i;
  assign s_ready_o = adv;
  assign s_fire = s_valid_i & adv;

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      valid_q <= '0;
      nf_in_q <= '0;
    end else begin
      if (adv) valid_q <= {valid_q[Levels-1:0], s_valid_i};
      if (s_fire) nf_in_q <= (nf_in_q == NfBits'(Nf - 1)) ? '0 : nf_in_q + NfBits'(1);
    end
  end

  always @(posedge clk_i) begin
    if (adv) begin
      acc_q[0] <= s_data_i;
      nf_q[0] <= nf_in_q;
      cnt_q[0] <= '0;
      inv_q[0] <= '0;
    end
  end

  for (genvar k = 0; k < Levels; k++) begin : g_stage
    localparam int L = Levels - 1 - k;            // count bit decided here
    localparam int Base = Nf * ((1 << k) - 1);    // first table word of this stage
    logic [Pe*Levels-1:0] cnt_d;
    logic [Pe-1:0] inv_d;

    for (genvar p = 0; p < Pe; p++) begin : g_ch
      logic [AccWidth-1:0] acc;
      logic signed [CmpWidth-1:0] a;
      logic [EntryW-1:0] entry;
      logic [TAddrWidth-1:0] addr;
      logic hit;

      assign acc = acc_q[k][p*AccWidth +: AccWidth];
      if (AccSigned != 0) begin : g_sext
        assign a = CmpWidth'($signed(acc));
      end else begin : g_zext
        assign a = CmpWidth'(acc);
      end
      if (k == 0) begin : g_first
        assign addr = TAddrWidth'(nf_q[k]) + TAddrWidth'(Base);
      end else begin : g_next
        assign addr = (TAddrWidth'(nf_q[k]) << k) + TAddrWidth'(cnt_q[k][p*Levels + L + 1 +: k])
                    + TAddrWidth'(Base);
      end
      assign t_addr_o[(k*Pe + p)*TAddrWidth +: TAddrWidth] = addr;
      assign entry = t_data_i[(k*Pe + p)*EntryW +: EntryW];
      assign hit = $signed(a) >= $signed(entry[CmpWidth-1:0]);

      // Bits above L are kept, bit L is decided, bits below stay 0.
      if (k == 0 && L == 0) begin : g_only
        assign cnt_d[p*Levels +: Levels] = hit;
      end else if (k == 0) begin : g_top
        assign cnt_d[p*Levels +: Levels] = {hit, {L{1'b0}}};
      end else if (L > 0) begin : g_mid
        assign cnt_d[p*Levels +: Levels] = {cnt_q[k][p*Levels + L + 1 +: k], hit, {L{1'b0}}};
      end else begin : g_last
        assign cnt_d[p*Levels +: Levels] = {cnt_q[k][p*Levels + 1 +: k], hit};
      end
      if (k == 0) begin : g_inv_read
        assign inv_d[p] = entry[CmpWidth];
      end else begin : g_inv_keep
        logic unused_inv; // every table entry carries the flag; the first stage reads it
        assign unused_inv = entry[CmpWidth];
        assign inv_d[p] = inv_q[k][p];
      end
    end

    // Plain always: each stage writes its own element of the stage arrays.
    always @(posedge clk_i) begin
      if (adv) begin
        acc_q[k+1] <= acc_q[k];
        nf_q[k+1] <= nf_q[k];
        cnt_q[k+1] <= cnt_d;
        inv_q[k+1] <= inv_d;
      end
    end
  end

  // Output: y = count, or Count - count for an inverted channel.
  for (genvar p = 0; p < Pe; p++) begin : g_out
    logic [Levels-1:0] c;
    assign c = cnt_q[Levels][p*Levels +: Levels];
    assign m_data_o[p*Levels +: Levels] = inv_q[Levels][p] ? Levels'(Count) - c : c;
  end
  assign m_valid_o = valid_q[Levels];

  logic unused_tail; // the last stage's accumulators and frame index are not needed
  assign unused_tail = ^{acc_q[Levels], nf_q[Levels]};

endmodule

`default_nettype wire

`resetall
`timescale 1ns/1ps
`default_nettype none
// qtsc_mvu: folded matrix-vector unit: control, input vector buffer and output stage.
//
// One input vector of Mw elements arrives as Sf = Mw/Simd words; Mh outputs leave as
// Nf = Mh/Pe words of Pe elements. Each vector takes Nf*Sf issue cycles, one weight
// word per cycle (FINN's MVAU schedule). The arithmetic sits outside, on the dp_*
// ports (qtsc_dot_acc or a generated engine), the weight ROM on w_*, and the output
// stage parameters (thresholds or logit offsets) in a ROM on p_*; both ROMs are
// synchronous, one cycle of read latency, read when *_en_o is high.
//
// Input buffer: with Nf = 1 each word is used once and streams straight in. With
// Nf > 1 two banks of Sf words: one fills from s_* while the other is re-read Nf
// times, so the next vector can arrive while the current one is still being used
// and a slow neighbour does not stretch this unit's Nf*Sf cycles.
//
// Side word: with HasSide = 1, side_i is a value the caller computes from s_data_i
// (the sum of a word's input elements, for sign-add trees); it is kept with its word
// and comes out on dp_side_o with dp_x_o, so it is computed once per input word, when
// the word arrives, and not again on each of the Nf re-reads or in series with the
// engine.
//
// Pipeline (one global advance `en` that stalls only when a finished result cannot
// move on):
//   S0 issue  pick (nf, sf); read weight ROM and buffer
//   S1        x word, weight word (dp_x_o / ROM output), last flag; with WeightReg = 1
//             the ROM output is registered once more (the caller loads it on dp_adv_o)
//             and S1 is followed by S1b, which holds the word and flags one advance
//             longer so they meet the registered weight word
//   S2        accumulators (in the datapath, which clears them after the last word
//             and keeps the finished dot product in dp_acc_i); read output-stage
//             parameters on last. An engine with EnginePipe register levels (moving
//             on dp_adv_o = en) accumulates a word EnginePipe advances after S1, so
//             the valid, last and fold flags of S1 are delayed as much before S2.
//   S3        output stage result register = m_data_o
// Reset: synchronous, active-high, on control registers only.
module qtsc_mvu #(
  parameter int Mw = 4,          // input vector length, Simd divides it
  parameter int Mh = 4,          // output channels, Pe divides it
  parameter int Pe = 1,          // output channels per output word
  parameter int Simd = 1,        // input elements per input word
  parameter int InBits = 1,      // bits of an input element
  parameter int AccWidth = 8,    // bits of an accumulator
  parameter int AccSigned = 1,   // 1: accumulators are two's complement, 0: unsigned
  parameter int OutKind = 0,     // 0: multi-threshold stage, 1: logit stage, 2: raw accumulators
  parameter int ThrCount = 1,    // thresholds per channel (OutKind 0)
  parameter int CmpWidth = 9,    // bits of a stored threshold (OutKind 0), see qtsc_thresholds
  parameter int OutBits = 1,     // bits of an output element (OutKind 0)
  parameter int LogitShift = 0,  // logit = (acc << LogitShift) + offset (OutKind 1)
  parameter int LogitWidth = 16, // bits of a logit (OutKind 1)
  parameter int WAddrWidth = 4,  // = max(1, clog2(Nf*Sf)): weight ROM address bits
  parameter int PAddrWidth = 2,  // = max(1, clog2(Nf)): parameter ROM address bits
  parameter int ParamWidth = 10, // = Pe*(ThrCount*CmpWidth+1) (0), Pe*LogitWidth (1), 1 (2: unused)
  parameter int OutWidth = 1,    // = Pe*OutBits (0), Pe*LogitWidth (1), Pe*AccWidth (2)
  parameter int HasSide = 0,     // 1: side_i travels with each input word to dp_side_o
  parameter int SideWidth = 1,   // bits of the side word, >= 1
  parameter int EnginePipe = 0,  // register levels in the engine between dp_x_o and its accumulators
  parameter int WeightReg = 0    // 1: the weight ROM has an output register (two cycles of latency)
) (
  input  wire logic                     clk_i,
  input  wire logic                     rst_i,

  input  wire logic [Simd*InBits-1:0]   s_data_i,
  input  wire logic [SideWidth-1:0]     side_i,
  input  wire logic                     s_valid_i,
  output logic                          s_ready_o,

  output logic      [OutWidth-1:0]      m_data_o,
  output logic                          m_valid_o,
  input  wire logic                     m_ready_i,

  output logic                          w_en_o,
  output logic      [WAddrWidth-1:0]    w_addr_o,

  output logic                          p_en_o,
  output logic      [PAddrWidth-1:0]    p_addr_o,
  input  wire logic [ParamWidth-1:0]    p_data_i,

  output logic      [Simd*InBits-1:0]   dp_x_o,
  output logic      [SideWidth-1:0]     dp_side_o,
  output logic                          dp_en_o,
  output logic                          dp_adv_o,
  output logic                          dp_last_o,
  input  wire logic [Pe*AccWidth-1:0]   dp_acc_i
);

  localparam int Sf = Mw / Simd;
  localparam int Nf = Mh / Pe;
  localparam int InW = Simd * InBits;
  localparam int SideW = (HasSide != 0) ? SideWidth : 0;  // side bits kept per word
  localparam int WordW = InW + SideW;
  localparam int SfBits = (Sf > 1) ? $clog2(Sf) : 1;
  localparam int NfBits = (Nf > 1) ? $clog2(Nf) : 1;
  localparam int Words = Nf * Sf;
  localparam int ExpWAddr = (Words > 1) ? $clog2(Words) : 1;
  localparam int ExpParam = (OutKind == 2) ? 1 : (OutKind == 1) ? Pe * LogitWidth : Pe * (ThrCount * CmpWidth + 1);
  localparam int ExpOut = (OutKind == 2) ? Pe * AccWidth : (OutKind == 1) ? Pe * LogitWidth : Pe * OutBits;
  localparam logic Bad = (Mw < 1) || (Mh < 1) || (Pe < 1) || (Simd < 1) || (InBits < 1)
                      || (Mw % Simd != 0) || (Mh % Pe != 0)
                      || (OutKind < 0) || (OutKind > 2) || (SideWidth < 1) || (EnginePipe < 0)
                      || (WeightReg < 0) || (WeightReg > 1)
                      || (WAddrWidth != ExpWAddr) || (PAddrWidth != NfBits)
                      || (ParamWidth != ExpParam) || (OutWidth != ExpOut);

`ifndef __ICARUS__
  if (Bad) begin : g_bad_params
    $error("qtsc_mvu: illegal parameters (Simd must divide Mw, Pe divide Mh; derived widths must match)");
  end
`else
  initial begin
    if (Bad) $fatal(1, "qtsc_mvu: illegal parameters (Simd must divide Mw, Pe divide Mh; derived widths must match)");
  end
`endif

  // ---------------------------------------------------------------- issue (S0)
  logic en;                       // pipeline advance
  logic have_word;                // the word for (nf, sf) is available
  logic issue;
  logic [SfBits-1:0] sf_q, sf_d;
  logic [NfBits-1:0] nf_q, nf_d;
  logic [WAddrWidth-1:0] waddr_q, waddr_d;
  logic sf_last, nf_last;

  assign sf_last = sf_q == SfBits'(Sf - 1);
  assign nf_last = nf_q == NfBits'(Nf - 1);
  assign issue = en & have_word;

  always_comb begin
    sf_d = sf_q;
    nf_d = nf_q;
    waddr_d = waddr_q;
    if (issue) begin
      sf_d = sf_last ? '0 : sf_q + SfBits'(1);
      if (sf_last) nf_d = nf_last ? '0 : nf_q + NfBits'(1);
      waddr_d = (sf_last && nf_last) ? '0 : waddr_q + WAddrWidth'(1);
    end
  end

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      sf_q <= '0;
      nf_q <= '0;
      waddr_q <= '0;
    end else begin
      sf_q <= sf_d;
      nf_q <= nf_d;
      waddr_q <= waddr_d;
    end
  end

  assign w_en_o = issue;
  assign w_addr_o = waddr_q;

  // ---------------------------------------------------------------- input words
  logic [WordW-1:0] x1_q;         // S1 input word (and its side word above it)
  logic [WordW-1:0] xs;           // the word as the engine sees it (S1, or S1b)
  logic [WordW-1:0] word_in;

  if (HasSide != 0) begin : g_side
    assign word_in = {side_i, s_data_i};
    assign dp_side_o = xs[InW +: SideWidth];
  end else begin : g_no_side
    logic unused_side;
    assign unused_side = ^side_i;
    assign word_in = s_data_i;
    assign dp_side_o = '0;
  end

  if (Nf == 1) begin : g_stream
    assign have_word = s_valid_i;
    assign s_ready_o = en;
    always_ff @(posedge clk_i) begin
      if (issue) x1_q <= word_in;
    end
  end else begin : g_banks
    logic [WordW-1:0] mem [0:(2 << SfBits) - 1];
    // One flag per bank, written with constant indices: a variable index into a
    // flag vector becomes index arithmetic in synthesis, on the longest path.
    logic full0_q, full1_q;
    logic wr_bank_q, rd_bank_q;
    logic [SfBits-1:0] wr_ptr_q;
    logic wr, wr_last, rd_done, wr_done;

    assign s_ready_o = wr_bank_q ? ~full1_q : ~full0_q;
    assign wr = s_valid_i & s_ready_o;
    assign wr_last = wr_ptr_q == SfBits'(Sf - 1);
    assign wr_done = wr & wr_last;
    assign have_word = rd_bank_q ? full1_q : full0_q;
    assign rd_done = issue & sf_last & nf_last;

    always_ff @(posedge clk_i) begin
      if (rst_i) begin
        full0_q <= 1'b0;
        full1_q <= 1'b0;
        wr_bank_q <= 1'b0;
        rd_bank_q <= 1'b0;
        wr_ptr_q <= '0;
      end else begin
        if (wr) begin
          wr_ptr_q <= wr_last ? '0 : wr_ptr_q + SfBits'(1);
          if (wr_last) wr_bank_q <= ~wr_bank_q;
        end
        if (rd_done) rd_bank_q <= ~rd_bank_q;
        // Set and clear never hit the same bank in one cycle: the bank being
        // written is not full, the bank being read is.
        if (wr_done && !wr_bank_q) full0_q <= 1'b1;
        else if (rd_done && !rd_bank_q) full0_q <= 1'b0;
        if (wr_done && wr_bank_q) full1_q <= 1'b1;
        else if (rd_done && rd_bank_q) full1_q <= 1'b0;
      end
    end

    always_ff @(posedge clk_i) begin
      if (wr) mem[{wr_bank_q, wr_ptr_q}] <= word_in;
      if (issue) x1_q <= mem[{rd_bank_q, sf_q}];
    end
  end

  // ---------------------------------------------------------------- S1
  logic v1_q, last1_q;
  logic [NfBits-1:0] nf1_q;

  always_ff @(posedge clk_i) begin
    if (rst_i) v1_q <= 1'b0;
    else if (en) v1_q <= issue;
  end

  always_ff @(posedge clk_i) begin
    if (issue) begin
      last1_q <= sf_last;
      nf1_q <= nf_q;
    end
  end

  // ---------------------------------------------------------------- S1b
  logic vs, lasts;                // S1's flags as the engine sees them
  logic [NfBits-1:0] nfs;

  if (WeightReg != 0) begin : g_s1b
    logic [WordW-1:0] x1b_q;
    logic v1b_q, last1b_q;
    logic [NfBits-1:0] nf1b_q;
    always_ff @(posedge clk_i) begin
      if (rst_i) v1b_q <= 1'b0;
      else if (en) v1b_q <= v1_q;
    end
    always_ff @(posedge clk_i) begin
      if (en) begin
        x1b_q <= x1_q;
        last1b_q <= last1_q;
        nf1b_q <= nf1_q;
      end
    end
    assign xs = x1b_q;
    assign vs = v1b_q;
    assign lasts = last1b_q;
    assign nfs = nf1b_q;
  end else begin : g_no_s1b
    assign xs = x1_q;
    assign vs = v1_q;
    assign lasts = last1_q;
    assign nfs = nf1_q;
  end

  assign dp_x_o = xs[InW-1:0];
  assign dp_en_o = en & vs;
  assign dp_last_o = lasts;
  assign dp_adv_o = en;

  // ---------------------------------------------------------------- engine pipeline
  logic vd, lastd;                // S1's flags as the word reaches the accumulators
  logic [NfBits-1:0] nfd;

  if (EnginePipe == 0) begin : g_no_pipe
    assign vd = vs;
    assign lastd = lasts;
    assign nfd = nfs;
  end else begin : g_pipe
    // Packed shift registers, stage i at bit i (the flags) and at [i*NfBits +: NfBits]:
    // one reset for every valid stage, and no unpacked arrays (Icarus left them X).
    logic [EnginePipe-1:0] v_q, last_q;
    logic [EnginePipe*NfBits-1:0] nf_pipe_q;
    always_ff @(posedge clk_i) begin
      if (rst_i) v_q <= '0;
      else if (en) v_q <= EnginePipe'({v_q, vs});
    end
    always_ff @(posedge clk_i) begin
      if (en) begin
        last_q <= EnginePipe'({last_q, lasts});
        nf_pipe_q <= (EnginePipe*NfBits)'({nf_pipe_q, nfs});
      end
    end
    assign vd = v_q[EnginePipe-1];
    assign lastd = last_q[EnginePipe-1];
    assign nfd = nf_pipe_q[(EnginePipe-1)*NfBits +: NfBits];
  end

  // ---------------------------------------------------------------- S2
  logic v2_q;                     // the datapath holds a finished dot product
  always_ff @(posedge clk_i) begin
    if (rst_i) v2_q <= 1'b0;
    else if (en) v2_q <= vd & lastd;
  end

  assign p_en_o = en & vd & lastd;
  assign p_addr_o = nfd;

  // ---------------------------------------------------------------- S3 output stage
  logic out_valid_q, s3_free;
  logic [OutWidth-1:0] out_q, stage;

  assign s3_free = ~out_valid_q | m_ready_i;
  assign en = ~v2_q | s3_free;

  if (OutKind == 0) begin : g_thr
    qtsc_thresholds #(
      .Pe(Pe),
      .AccWidth(AccWidth),
      .AccSigned(AccSigned),
      .Count(ThrCount),
      .CmpWidth(CmpWidth),
      .OutBits(OutBits)
    ) u_stage (
      .acc_i(dp_acc_i),
      .param_i(p_data_i),
      .y_o(stage)
    );
  end else if (OutKind == 2) begin : g_raw
    // The stage follows outside the MVU (e.g. qtsc_thresholds_bsearch).
    logic unused_param;
    assign unused_param = ^p_data_i;
    assign stage = dp_acc_i;
  end else begin : g_logit
    qtsc_logits #(
      .Pe(Pe),
      .AccWidth(AccWidth),
      .AccSigned(AccSigned),
      .Shift(LogitShift),
      .LogitWidth(LogitWidth)
    ) u_stage (
      .acc_i(dp_acc_i),
      .param_i(p_data_i),
      .logit_o(stage)
    );
  end

  always_ff @(posedge clk_i) begin
    if (rst_i) out_valid_q <= 1'b0;
    else if (s3_free) out_valid_q <= v2_q;
  end

  always_ff @(posedge clk_i) begin
    if (s3_free && v2_q) out_q <= stage;
  end

  assign m_data_o = out_q;
  assign m_valid_o = out_valid_q;

endmodule

`default_nettype wire

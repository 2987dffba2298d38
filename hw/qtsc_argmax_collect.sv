`resetall
`timescale 1ns/1ps
`default_nettype none
// qtsc_argmax_collect: gathers the Classes logits of a frame and emits {logits, argmax} as one word.
//
// Input: Classes/Pe words of Pe logits (channel order, LSB first). Output word: the
// index of the largest logit (lowest index wins ties) in bits [IndexWidth-1:0],
// then logit c at [IndexWidth + c*LogitWidth +: LogitWidth]. The running maximum
// is updated as words arrive (a comparator tree per word, clog2(Pe) + 1 levels deep),
// so the result is ready one cycle after the last word. A new frame may start in the cycle the previous
// result leaves. Reset: synchronous, active-high, on control registers only.
module qtsc_argmax_collect #(
  parameter int Classes = 2,    // logits per frame, Pe divides it
  parameter int Pe = 1,         // logits per input word
  parameter int LogitWidth = 8, // bits of a logit (two's complement)
  parameter int IndexWidth = 1  // = max(1, clog2(Classes))
) (
  input  wire logic                                      clk_i,
  input  wire logic                                      rst_i,

  input  wire logic [Pe*LogitWidth-1:0]                  s_data_i,
  input  wire logic                                      s_valid_i,
  output logic                                           s_ready_o,

  output logic      [IndexWidth+Classes*LogitWidth-1:0]  m_data_o,
  output logic                                           m_valid_o,
  input  wire logic                                      m_ready_i
);

  localparam int Nf = Classes / Pe;
  localparam int NfBits = (Nf > 1) ? $clog2(Nf) : 1;
  localparam int ExpIndex = (Classes > 1) ? $clog2(Classes) : 1;
  localparam int WordW = Pe * LogitWidth;
  localparam int AllW = Classes * LogitWidth;
  localparam logic Bad = (Classes < 1) || (Pe < 1) || (LogitWidth < 1)
                      || (Classes % Pe != 0) || (IndexWidth != ExpIndex);

`ifndef __ICARUS__
  if (Bad) begin : g_bad_params
    $error("qtsc_argmax_collect: illegal parameters (Pe must divide Classes, IndexWidth = max(1, clog2(Classes)))");
  end
`else
  initial begin
    if (Bad) $fatal(1, "qtsc_argmax_collect: illegal parameters (Pe must divide Classes, IndexWidth = max(1, clog2(Classes)))");
  end
`endif

  logic out_valid_q;
  logic [NfBits-1:0] nf_q;
  logic [IndexWidth-1:0] base_q;         // index of the first logit of the current word
  logic [AllW-1:0] logits_q;
  logic signed [LogitWidth-1:0] best_q, best_d;
  logic [IndexWidth-1:0] best_idx_q, best_idx_d;
  logic s_fire, last_word;

  assign s_ready_o = ~out_valid_q | m_ready_i;
  assign s_fire = s_valid_i & s_ready_o;
  assign last_word = nf_q == NfBits'(Nf - 1);

  // Maximum of this word's Pe logits by a tree of comparators (clog2(Pe) levels; a
  // tie goes to the lower index), then one comparison with the maximum of the
  // previous words, which wins ties. Level k compares slot i with slot i + 2^k
  // (i a multiple of 2^(k+1)); slots past Pe are empty. Unrolled, every slot of a
  // level depends only on two slots of the level before: a tree, not a chain.
  localparam int Leaves = (Pe > 1) ? 1 << $clog2(Pe) : 1;
  localparam int LaneBits = (Pe > 1) ? $clog2(Pe) : 1;

  logic signed [LogitWidth-1:0] tree_val [Leaves];
  logic [LaneBits-1:0] tree_lane [Leaves];
  logic tree_ok [Leaves];

  always_comb begin
    for (int p = 0; p < Leaves; p++) begin
      tree_val[p] = (p < Pe) ? s_data_i[(p % Pe)*LogitWidth +: LogitWidth] : '0;
      tree_lane[p] = LaneBits'(p);
      tree_ok[p] = p < Pe;
    end
    for (int step = 1; step < Leaves; step = step * 2) begin
      for (int i = 0; i + step < Leaves; i = i + 2 * step) begin
        if (tree_ok[i + step] && (!tree_ok[i] || tree_val[i + step] > tree_val[i])) begin
          tree_val[i] = tree_val[i + step];
          tree_lane[i] = tree_lane[i + step];
        end
        tree_ok[i] = tree_ok[i] | tree_ok[i + step];
      end
    end
  end

  logic word_wins;
  assign word_wins = nf_q == '0 || tree_val[0] > best_q;
  assign best_d = word_wins ? tree_val[0] : best_q;
  assign best_idx_d = word_wins ? base_q + IndexWidth'(tree_lane[0]) : best_idx_q;

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      out_valid_q <= 1'b0;
      nf_q <= '0;
      base_q <= '0;
    end else begin
      if (s_fire) begin
        nf_q <= last_word ? '0 : nf_q + NfBits'(1);
        base_q <= last_word ? '0 : base_q + IndexWidth'(Pe);
      end
      if (s_fire && last_word) out_valid_q <= 1'b1;
      else if (m_ready_i) out_valid_q <= 1'b0;
    end
  end

  always_ff @(posedge clk_i) begin
    if (s_fire) begin
      best_q <= best_d;
      best_idx_q <= best_idx_d;
    end
  end

  // Words shift in from the top: after Nf words the first sits at the bottom.
  if (Nf > 1) begin : g_shift
    always_ff @(posedge clk_i) begin
      if (s_fire) logits_q <= {s_data_i, logits_q[AllW-1:WordW]};
    end
  end else begin : g_single
    always_ff @(posedge clk_i) begin
      if (s_fire) logits_q <= s_data_i;
    end
  end

  assign m_data_o = {logits_q, best_idx_q};
  assign m_valid_o = out_valid_q;

endmodule

`default_nettype wire

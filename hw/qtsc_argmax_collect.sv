`resetall
`timescale 1ns/1ps
`default_nettype none
// qtsc_argmax_collect: gathers the Classes logits of a frame and emits {logits, argmax} as one word.
//
// Input: Classes/Pe words of Pe logits (channel order, LSB first). Output word: the
// index of the largest logit (lowest index wins ties) in bits [IndexWidth-1:0],
// then logit c at [IndexWidth + c*LogitWidth +: LogitWidth]. The running maximum
// is updated as words arrive (a comparator tree per word, clog2(Pe) + 1 levels deep).
// The result is ready one cycle after the last word's update; no word is taken while a
// result waits (a new frame may start in the cycle the previous result leaves).
// Pipelined = 0 (or Pe = 1): the tree is combinational, each word updates the running
// maximum in the cycle it is taken.
// Pipelined = 1 and Pe > 1: a register after every comparator level of the tree, so no
// path has more than one comparator; a word (its logits carried beside the tree) updates
// the running maximum clog2(Pe) cycles after it is taken. The tree's registers move
// together with the input, only when the output register is free or being read, so the
// collector still takes one word per cycle: clog2(Pe) more cycles of latency, none of
// throughput.
// Reset: synchronous, active-high, on control registers only.
module qtsc_argmax_collect #(
  parameter int Classes = 2,    // logits per frame, Pe divides it
  parameter int Pe = 1,         // logits per input word
  parameter int LogitWidth = 8, // bits of a logit (two's complement)
  parameter int IndexWidth = 1, // = max(1, clog2(Classes))
  parameter int Pipelined = 0   // 1: a register level after each comparator level (see above)
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
                      || (Classes % Pe != 0) || (IndexWidth != ExpIndex) || (Pipelined < 0) || (Pipelined > 1);

`ifndef __ICARUS__
  if (Bad) begin : g_bad_params
    $error("qtsc_argmax_collect: illegal parameters (Pe must divide Classes, IndexWidth = max(1, clog2(Classes)))");
  end
`else
  initial begin
    if (Bad) $fatal(1, "qtsc_argmax_collect: illegal parameters (Pe must divide Classes, IndexWidth = max(1, clog2(Classes)))");
  end
`endif

  localparam int Leaves = (Pe > 1) ? 1 << $clog2(Pe) : 1;
  localparam int LaneBits = (Pe > 1) ? $clog2(Pe) : 1;
  localparam int Levels = (Pe > 1) ? $clog2(Pe) : 0;  // comparator levels of the tree

  logic [NfBits-1:0] nf_q;
  logic [IndexWidth-1:0] base_q;         // index of the first logit of the current word
  logic s_fire, last_word;

  assign s_fire = s_valid_i & s_ready_o;
  assign last_word = nf_q == NfBits'(Nf - 1);

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      nf_q <= '0;
      base_q <= '0;
    end else if (s_fire) begin
      nf_q <= last_word ? '0 : nf_q + NfBits'(1);
      base_q <= last_word ? '0 : base_q + IndexWidth'(Pe);
    end
  end

  if (Pipelined == 0 || Levels == 0) begin : g_comb
    logic out_valid_q;
    logic signed [LogitWidth-1:0] best_q, best_d;
    logic [IndexWidth-1:0] best_idx_q, best_idx_d;
    logic [AllW-1:0] logits_q;

    assign s_ready_o = ~out_valid_q | m_ready_i;

    // Maximum of this word's Pe logits by a tree of comparators (clog2(Pe) levels; a
    // tie goes to the lower index), then one comparison with the maximum of the
    // previous words, which wins ties. Level k compares slot i with slot i + 2^k
    // (i a multiple of 2^(k+1)); slots past Pe are empty. Unrolled, every slot of a
    // level depends only on two slots of the level before: a tree, not a chain.
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
      if (rst_i) out_valid_q <= 1'b0;
      else if (s_fire && last_word) out_valid_q <= 1'b1;
      else if (m_ready_i) out_valid_q <= 1'b0;
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
  end else begin : g_pipe
    // Level k (0 .. Levels-1) of the tree, registered: slot i holds the maximum of
    // slots i .. i + 2^(k+1) - 1 of the word (for i a multiple of 2^(k+1)).
    logic signed [LogitWidth-1:0] lvl_val_q [Levels][Leaves];
    logic [LaneBits-1:0] lvl_lane_q [Levels][Leaves];
    logic lvl_ok_q [Levels][Leaves];
    logic signed [LogitWidth-1:0] lvl_val_d [Levels][Leaves];
    logic [LaneBits-1:0] lvl_lane_d [Levels][Leaves];
    logic lvl_ok_d [Levels][Leaves];
    // what level k reads: the word's logits (k = 0) or level k-1's registers
    logic signed [LogitWidth-1:0] in_val [Levels][Leaves];
    logic [LaneBits-1:0] in_lane [Levels][Leaves];
    logic in_ok [Levels][Leaves];

    always_comb begin
      for (int k = 0; k < Levels; k++) begin
        for (int i = 0; i < Leaves; i++) begin
          if (k == 0) begin
            in_val[k][i] = (i < Pe) ? s_data_i[(i % Pe)*LogitWidth +: LogitWidth] : '0;
            in_lane[k][i] = LaneBits'(i);
            in_ok[k][i] = i < Pe;
          end else begin
            in_val[k][i] = lvl_val_q[(k > 0) ? k - 1 : 0][i];
            in_lane[k][i] = lvl_lane_q[(k > 0) ? k - 1 : 0][i];
            in_ok[k][i] = lvl_ok_q[(k > 0) ? k - 1 : 0][i];
          end
        end
        for (int i = 0; i < Leaves; i++) begin
          lvl_val_d[k][i] = in_val[k][i];
          lvl_lane_d[k][i] = in_lane[k][i];
          lvl_ok_d[k][i] = in_ok[k][i];
          if (i % (2 << k) == 0 && i + (1 << k) < Leaves) begin
            if (in_ok[k][i + (1 << k)] && (!in_ok[k][i] || in_val[k][i + (1 << k)] > in_val[k][i])) begin
              lvl_val_d[k][i] = in_val[k][i + (1 << k)];
              lvl_lane_d[k][i] = in_lane[k][i + (1 << k)];
            end
            lvl_ok_d[k][i] = in_ok[k][i] | in_ok[k][i + (1 << k)];
          end
        end
      end
    end

    // Beside the tree: valid, first and last word of a frame, the word's base index and
    // its logits. Everything moves on adv: when the output register is free or being read.
    logic adv;
    logic out_valid_q;
    assign adv = ~out_valid_q | m_ready_i;
    assign s_ready_o = adv;

    logic [Levels-1:0] v_q, first_q, last_q;
    logic [IndexWidth-1:0] base_st_q [Levels];
    logic [WordW-1:0] data_st_q [Levels];

    always_ff @(posedge clk_i) begin
      if (adv) begin
        for (int k = 0; k < Levels; k++) begin
          for (int i = 0; i < Leaves; i++) begin
            lvl_val_q[k][i] <= lvl_val_d[k][i];
            lvl_lane_q[k][i] <= lvl_lane_d[k][i];
            lvl_ok_q[k][i] <= lvl_ok_d[k][i];
          end
          base_st_q[k] <= (k == 0) ? base_q : base_st_q[(k > 0) ? k - 1 : 0];
          data_st_q[k] <= (k == 0) ? s_data_i : data_st_q[(k > 0) ? k - 1 : 0];
        end
        first_q <= Levels'({first_q, nf_q == '0});
        last_q <= Levels'({last_q, last_word});
      end
      if (rst_i) v_q <= '0;
      else if (adv) v_q <= Levels'({v_q, s_valid_i});
    end

    // The running maximum, one comparator after the tree's last level.
    logic top_fire, top_first, top_last;
    logic signed [LogitWidth-1:0] top_val;
    logic [IndexWidth-1:0] top_idx;
    logic [WordW-1:0] top_data;
    assign top_fire = v_q[Levels-1] & adv;
    assign top_first = first_q[Levels-1];
    assign top_last = last_q[Levels-1];
    assign top_val = lvl_val_q[Levels-1][0];
    assign top_idx = base_st_q[Levels-1] + IndexWidth'(lvl_lane_q[Levels-1][0]);
    assign top_data = data_st_q[Levels-1];

    logic signed [LogitWidth-1:0] best_q, best_d;
    logic [IndexWidth-1:0] best_idx_q, best_idx_d;
    logic word_wins;
    assign word_wins = top_first || top_val > best_q;
    assign best_d = word_wins ? top_val : best_q;
    assign best_idx_d = word_wins ? top_idx : best_idx_q;

    always_ff @(posedge clk_i) begin
      if (top_fire) begin
        best_q <= best_d;
        best_idx_q <= best_idx_d;
      end
    end

    always_ff @(posedge clk_i) begin
      if (rst_i) out_valid_q <= 1'b0;
      else if (top_fire && top_last) out_valid_q <= 1'b1;
      else if (m_ready_i) out_valid_q <= 1'b0;
    end

    // Words shift in from the top as they leave the tree: after Nf words the first sits at the bottom.
    logic [AllW-1:0] logits_q;
    if (Nf > 1) begin : g_shift
      always_ff @(posedge clk_i) begin
        if (top_fire) logits_q <= {top_data, logits_q[AllW-1:WordW]};
      end
    end else begin : g_single
      always_ff @(posedge clk_i) begin
        if (top_fire) logits_q <= top_data;
      end
    end

    assign m_data_o = {logits_q, best_idx_q};
    assign m_valid_o = out_valid_q;
  end

endmodule

`default_nettype wire

`resetall
`timescale 1ns/1ps
`default_nettype none
// qtsc_axis_fifo: valid/ready FIFO of Depth words with first-word fall-through on a registered output.
//
// Holds up to Depth words (the words in the memory plus the one offered on m_*).
// m_data_o and m_valid_o come from flip-flops; so does s_ready_o (= fewer than Depth
// words held after this cycle), so no ready path crosses the FIFO combinationally.
//   Depth 1: a register slice (qtsc_axis_skid RegType 1), at most one word every
//            other cycle, latency 1.
//   Depth 2: a skid buffer (qtsc_axis_skid RegType 2), one word per cycle, latency 1.
//   Depth >= 3: a memory of Depth words with one write port and one synchronous read
//            port (read enable, registered read data = m_data_o), which Yosys and
//            Vivado infer as block RAM or LUTRAM; RamStyle sets the memory's
//            ram_style attribute. A word written in cycle t is offered from cycle
//            t + 2 (latency 2); one word in and one word out per cycle. The read
//            never hits the word being written (that slot is not yet readable), so
//            no read-during-write behaviour is assumed.
// Any Depth 1..65536, powers of two or not. Reset: synchronous, active-high, on control
// registers only (the memory and the read register are not reset).
module qtsc_axis_fifo #(
  parameter int Width = 8,    // bits of a word, >= 1
  parameter int Depth = 16,   // words held, 1 .. 65536
  parameter RamStyle = "auto" // memory (Depth >= 3): "auto" (tool's choice), "block", "distributed" or "registers"
) (
  input  wire logic             clk_i,
  input  wire logic             rst_i,

  input  wire logic [Width-1:0] s_data_i,
  input  wire logic             s_valid_i,
  output logic                  s_ready_o,

  output logic      [Width-1:0] m_data_o,
  output logic                  m_valid_o,
  input  wire logic             m_ready_i
);

  // RamStyle as 11 characters (zero-padded on the left), so that comparisons have one width.
  localparam logic [87:0] Style = 88'(RamStyle);
  localparam logic BadStyle = !(Style == 88'("auto") || Style == 88'("block") || Style == 88'("distributed")
                                || Style == 88'("registers"));
  localparam logic Bad = (Width < 1) || (Depth < 1) || (Depth > 65536) || BadStyle;

`ifndef __ICARUS__
  if (Bad) begin : g_bad_params
    $error("qtsc_axis_fifo: illegal parameters (Width >= 1, Depth 1..65536, RamStyle auto, block, distributed or registers)");
  end
`else
  initial begin
    if (Bad) $fatal(1, "qtsc_axis_fifo: illegal parameters (Width >= 1, Depth 1..65536, RamStyle auto, block, distributed or registers)");
  end
`endif

  if (Depth <= 2) begin : g_small
    qtsc_axis_skid #(.DataWidth(Width), .RegType(Depth == 1 ? 1 : 2)) u_slice (
      .clk_i, .rst_i,
      .s_data_i, .s_valid_i, .s_ready_o,
      .m_data_o, .m_valid_o, .m_ready_i
    );
  end else begin : g_ram
    localparam int AddrBits = $clog2(Depth);
    localparam int CountBits = $clog2(Depth + 1);

    logic [AddrBits-1:0] wr_ptr_q, rd_ptr_q;
    logic [CountBits-1:0] count_q, count_d;    // words held (memory + output register)
    logic [CountBits-1:0] mem_count_q;         // words in the memory, not yet read
    logic ready_q, out_valid_q, wr, rd, pop;
    logic [Width-1:0] rd_data_q;

    assign wr = s_valid_i & ready_q;
    assign pop = out_valid_q & m_ready_i;
    assign rd = (mem_count_q != '0) & (~out_valid_q | m_ready_i);
    assign count_d = count_q + CountBits'(wr) - CountBits'(pop);

    always_ff @(posedge clk_i) begin
      if (rst_i) begin
        wr_ptr_q <= '0;
        rd_ptr_q <= '0;
        count_q <= '0;
        mem_count_q <= '0;
        ready_q <= 1'b0;
        out_valid_q <= 1'b0;
      end else begin
        if (wr) wr_ptr_q <= (wr_ptr_q == AddrBits'(Depth - 1)) ? '0 : wr_ptr_q + AddrBits'(1);
        if (rd) rd_ptr_q <= (rd_ptr_q == AddrBits'(Depth - 1)) ? '0 : rd_ptr_q + AddrBits'(1);
        count_q <= count_d;
        mem_count_q <= mem_count_q + CountBits'(wr) - CountBits'(rd);
        ready_q <= count_d != CountBits'(Depth);
        out_valid_q <= rd | (out_valid_q & ~m_ready_i);
      end
    end

    // One memory per style, so that the attribute is a literal for every tool.
    if (Style == 88'("block")) begin : g_block
      (* ram_style = "block" *) logic [Width-1:0] mem [0:Depth-1];
      always_ff @(posedge clk_i) begin
        if (wr) mem[wr_ptr_q] <= s_data_i;
        if (rd) rd_data_q <= mem[rd_ptr_q];
      end
    end else if (Style == 88'("distributed")) begin : g_distributed
      (* ram_style = "distributed" *) logic [Width-1:0] mem [0:Depth-1];
      always_ff @(posedge clk_i) begin
        if (wr) mem[wr_ptr_q] <= s_data_i;
        if (rd) rd_data_q <= mem[rd_ptr_q];
      end
    end else if (Style == 88'("registers")) begin : g_registers
      (* ram_style = "registers" *) logic [Width-1:0] mem [0:Depth-1];
      always_ff @(posedge clk_i) begin
        if (wr) mem[wr_ptr_q] <= s_data_i;
        if (rd) rd_data_q <= mem[rd_ptr_q];
      end
    end else begin : g_auto
      logic [Width-1:0] mem [0:Depth-1];
      always_ff @(posedge clk_i) begin
        if (wr) mem[wr_ptr_q] <= s_data_i;
        if (rd) rd_data_q <= mem[rd_ptr_q];
      end
    end

    assign s_ready_o = ready_q;
    assign m_data_o = rd_data_q;
    assign m_valid_o = out_valid_q;
  end

endmodule

`default_nettype wire

`resetall
`timescale 1ns/1ps
`default_nettype none
// qtsc_border_class: the output-stage ROM base address of the output pixel being finished,
// for a convolution over a bipolar stream with padding (the IR's border classes).
//
// The sliding window emits padded taps of a bipolar stream as -1, so output pixels whose
// windows cover padded taps compare with thresholds moved by those taps' weights: one
// threshold table of Nf words per border class, class k = rowClass*ColClasses + colClass
// at ROM words k*Nf .. k*Nf+Nf-1. The compiler splits that base into a row part
// RowBase[oy] = rowClass[oy]*ColClasses*Nf and a column part ColBase[ox] = colClass[ox]*Nf
// (parameter tables, AddrWidth bits per entry), so the unit adds two table entries and
// multiplies nothing. It counts pixels: step_i marks the last output-stage read of a pixel
// (word Nf-1), after which (oy, ox) moves on in raster order, wrapping at the end of a
// frame. base_o is combinational from the counters and valid in the cycle of every read;
// the caller adds the word index.
// Reset: synchronous, active-high.
module qtsc_border_class #(
  parameter int Oh = 1,                           // output rows, >= 1
  parameter int Ow = 1,                           // output columns, >= 1
  parameter int AddrWidth = 1,                    // bits of base_o and of a table entry
  parameter logic [Oh*AddrWidth-1:0] RowBase = '0, // entry oy at [oy*AddrWidth +: AddrWidth]
  parameter logic [Ow*AddrWidth-1:0] ColBase = '0  // entry ox at [ox*AddrWidth +: AddrWidth]
) (
  input  wire logic                 clk_i,
  input  wire logic                 rst_i,
  input  wire logic                 step_i,
  output logic      [AddrWidth-1:0] base_o
);

  localparam int OyBits = (Oh > 1) ? $clog2(Oh) : 1;
  localparam int OxBits = (Ow > 1) ? $clog2(Ow) : 1;

`ifndef __ICARUS__
  if (Oh < 1 || Ow < 1 || AddrWidth < 1) begin : g_bad_params
    $error("qtsc_border_class: sizes must be >= 1");
  end
`else
  initial begin
    if (Oh < 1 || Ow < 1 || AddrWidth < 1) $fatal(1, "qtsc_border_class: sizes must be >= 1");
  end
`endif

  logic [OyBits-1:0] oy_q;
  logic [OxBits-1:0] ox_q;
  logic ox_last, oy_last;

  assign ox_last = ox_q == OxBits'(Ow - 1);
  assign oy_last = oy_q == OyBits'(Oh - 1);

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      ox_q <= '0;
      oy_q <= '0;
    end else if (step_i) begin
      ox_q <= ox_last ? '0 : ox_q + OxBits'(1);
      if (ox_last) oy_q <= oy_last ? '0 : oy_q + OyBits'(1);
    end
  end

  // The tables as arrays (constant part-selects), so a read is a multiplexer, not index arithmetic.
  logic [AddrWidth-1:0] row_tab [Oh];
  logic [AddrWidth-1:0] col_tab [Ow];
  for (genvar i = 0; i < Oh; i++) begin : g_row
    assign row_tab[i] = RowBase[i*AddrWidth +: AddrWidth];
  end
  for (genvar i = 0; i < Ow; i++) begin : g_col
    assign col_tab[i] = ColBase[i*AddrWidth +: AddrWidth];
  end
  assign base_o = row_tab[oy_q] + col_tab[ox_q];

endmodule

`default_nettype wire

`resetall
`timescale 1ns/1ps
`default_nettype none
// qtsc_tb_residual: testbench of a residual block built from qtsc_axis_fork, qtsc_axis_fifo and qtsc_add.
//
//   source -> fork -a-> skip FIFO (SkipDepth) -----------------------------------------------> add.a
//                  -b-> map -> long FIFO (LongDepth) -> hold gate, stall -> LongRegs skids -> add.b -> sink
//
// The long path stands for the layers of a residual branch: map turns input element
// x of lane s into (3x + 1 + s) mod 2**BBits; the hold gate releases word n of a frame
// (counted over all frames: frame f = n / FrameWords) only when min(n + Lag + 1,
// (f + 1)*FrameWords) words have entered the long FIFO, as a sliding window holds
// rows before its first output; the long path also stalls at random (LongStall) and
// ends in LongRegs skid buffers (one cycle of latency each).
// Sends Frames frames read from +input=<hex>, one word per line, with seeded random
// gaps (Stall), drops the sink's ready at random (Stall), reads the add's threshold
// ROM from +thresholds=<hex> (one word per channel group, synchronous, one cycle of
// latency), compares every output word with +expected=<hex> (x/z count as wrong),
// checks that an offered output word stays offered and unchanged, that every input
// word is taken and no output word follows the last, and stops after Watchdog cycles
// without an output word (deadlock). Prints
//   QTSC_RESIDUAL words=<n> errors=<n> cycles=<reset release to last word>
//                 frame0=<cycles to the last word of frame 0> deadlock=<0|1> first_error=<word or -1>
// Runs under Icarus and Verilator (--binary --timing) alike; +seed=, +stall=, +long_stall=
// override Seed, Stall and LongStall at run time.
module qtsc_tb_residual #(
  parameter int C = 2,            // channels per pixel
  parameter int Simd = 1,         // elements per word, divides C
  parameter int InBits = 2,       // bits of an input element (= the add's ABits)
  parameter int ABipolar = 0,     // qtsc_add ABipolar (InBits = 1)
  parameter int BBits = 2,        // qtsc_add BBits
  parameter int BBipolar = 0,     // qtsc_add BBipolar (BBits = 1)
  parameter int AMul = 1,         // qtsc_add AMul
  parameter int BMul = 1,         // qtsc_add BMul
  parameter int ZWidth = 6,       // qtsc_add ZWidth
  parameter int ThrCount = 1,     // qtsc_add ThrCount
  parameter int OutBits = 1,      // qtsc_add OutBits
  parameter int Pixels = 8,       // pixels per frame
  parameter int Frames = 2,       // frames sent
  parameter int Lag = 4,          // hold of the long path (see above)
  parameter int LongDepth = 8,    // long FIFO depth, >= Lag + 1
  parameter int LongRegs = 0,     // skid buffers (qtsc_axis_skid RegType 2) at the end of the long path
  parameter int SkipDepth = 8,    // skip FIFO depth
  parameter int ForkBuffered = 1, // qtsc_axis_fork Buffered
  parameter int Stall = 0,        // probability x 65536 of an input gap / sink backpressure
  parameter int LongStall = 0,    // probability x 65536 of a long-path stall cycle
  parameter int Seed = 1,         // stall pattern seed
  parameter int Watchdog = 2000   // cycles without an output word before giving up
);

  localparam int G = C / Simd;
  localparam int GBits = (G > 1) ? $clog2(G) : 1;
  localparam int CmpWidth = ZWidth + 1;
  localparam int ParamWidth = Simd * (ThrCount * CmpWidth + 1);
  localparam int InW = Simd * InBits;
  localparam int BW = Simd * BBits;
  localparam int OutW = Simd * OutBits;
  localparam int FrameWords = Pixels * G;
  localparam int Words = Frames * FrameWords;

  logic clk = 1'b0;
  logic rst = 1'b1;
  always #5 clk = ~clk;

  logic [InW-1:0] s_data, fa_data, fb_data, skip_data;
  logic s_valid, s_ready, fa_valid, fa_ready, fb_valid, fb_ready, skip_valid, skip_ready;
  logic [BW-1:0] map_data, long_data;
  logic long_valid, long_ready, gb_valid, gb_ready, allow, long_go;
  logic [BW-1:0] lb_data;
  logic lb_valid, lb_ready;
  logic [OutW-1:0] m_data;
  logic m_valid, m_ready;
  logic p_en;
  logic [GBits-1:0] p_addr;
  logic [ParamWidth-1:0] p_data;

  qtsc_axis_fork #(.Width(InW), .Buffered(ForkBuffered)) u_fork (
    .clk_i(clk), .rst_i(rst),
    .s_data_i(s_data), .s_valid_i(s_valid), .s_ready_o(s_ready),
    .a_data_o(fa_data), .a_valid_o(fa_valid), .a_ready_i(fa_ready),
    .b_data_o(fb_data), .b_valid_o(fb_valid), .b_ready_i(fb_ready)
  );

  qtsc_axis_fifo #(.Width(InW), .Depth(SkipDepth)) u_skip (
    .clk_i(clk), .rst_i(rst),
    .s_data_i(fa_data), .s_valid_i(fa_valid), .s_ready_o(fa_ready),
    .m_data_o(skip_data), .m_valid_o(skip_valid), .m_ready_i(skip_ready)
  );

  for (genvar s = 0; s < Simd; s++) begin : g_map
    assign map_data[s*BBits +: BBits] = BBits'(32'(fb_data[s*InBits +: InBits]) * 3 + 1 + s);
  end

  qtsc_axis_fifo #(.Width(BW), .Depth(LongDepth)) u_long (
    .clk_i(clk), .rst_i(rst),
    .s_data_i(map_data), .s_valid_i(fb_valid), .s_ready_o(fb_ready),
    .m_data_o(long_data), .m_valid_o(long_valid), .m_ready_i(long_ready)
  );

  // hold gate and random long-path stalls
  integer entered, released, need, frame_end;
  always_comb begin
    frame_end = (released / FrameWords + 1) * FrameWords;
    need = (released + Lag + 1 < frame_end) ? released + Lag + 1 : frame_end;
    allow = entered >= need;
  end
  assign gb_valid = long_valid & allow & long_go;
  assign long_ready = gb_ready & allow & long_go;

  always @(posedge clk) begin
    if (rst) begin
      entered <= 0;
      released <= 0;
    end else begin
      if (fb_valid && fb_ready) entered <= entered + 1;
      if (gb_valid && gb_ready) released <= released + 1;
    end
  end

  // LongRegs pipeline stages
  logic [BW-1:0] reg_data [0:LongRegs];
  logic reg_valid [0:LongRegs];
  logic reg_ready [0:LongRegs];
  assign reg_data[0] = long_data;
  assign reg_valid[0] = gb_valid;
  assign gb_ready = reg_ready[0];
  for (genvar r = 0; r < LongRegs; r++) begin : g_reg
    qtsc_axis_skid #(.DataWidth(BW), .RegType(2)) u_reg (
      .clk_i(clk), .rst_i(rst),
      .s_data_i(reg_data[r]), .s_valid_i(reg_valid[r]), .s_ready_o(reg_ready[r]),
      .m_data_o(reg_data[r + 1]), .m_valid_o(reg_valid[r + 1]), .m_ready_i(reg_ready[r + 1])
    );
  end
  assign lb_data = reg_data[LongRegs];
  assign lb_valid = reg_valid[LongRegs];
  assign reg_ready[LongRegs] = lb_ready;

  qtsc_add #(
    .C(C), .Simd(Simd), .ABits(InBits), .ABipolar(ABipolar), .BBits(BBits), .BBipolar(BBipolar),
    .AMul(AMul), .BMul(BMul), .ZWidth(ZWidth), .ThrCount(ThrCount), .CmpWidth(CmpWidth),
    .OutBits(OutBits), .PAddrWidth(GBits), .ParamWidth(ParamWidth)
  ) u_add (
    .clk_i(clk), .rst_i(rst),
    .a_data_i(skip_data), .a_valid_i(skip_valid), .a_ready_o(skip_ready),
    .b_data_i(lb_data), .b_valid_i(lb_valid), .b_ready_o(lb_ready),
    .m_data_o(m_data), .m_valid_o(m_valid), .m_ready_i(m_ready),
    .p_en_o(p_en), .p_addr_o(p_addr), .p_data_i(p_data)
  );

  // threshold ROM: synchronous, one cycle of latency
  logic [ParamWidth-1:0] thr_mem [0:G-1];
  always @(posedge clk) begin
    if (p_en) p_data <= thr_mem[p_addr];
  end

  // rng and xorshift(): the stall pattern is a function of the seed only.
  `include "qtsc_tb_xorshift.svh"

  logic [InW-1:0] in_mem [0:Words-1];
  logic [OutW-1:0] exp_mem [0:Words-1];
  string in_file, exp_file, thr_file;

  integer sent, got, errors, cycle, idle, quiet, frame0, first_error;
  logic prev_stalled;
  logic [OutW-1:0] prev_data;
  logic [31:0] r_in, r_out, r_long;

  // Run-time values: the parameters, unless +seed=, +stall=, +long_stall= override them (one build, many stall patterns).
  integer stall, long_stall, seed;

  initial begin
    if (!$value$plusargs("input=%s", in_file)) $fatal(1, "qtsc_tb_residual: +input=<hex file> missing");
    if (!$value$plusargs("expected=%s", exp_file)) $fatal(1, "qtsc_tb_residual: +expected=<hex file> missing");
    if (!$value$plusargs("thresholds=%s", thr_file)) $fatal(1, "qtsc_tb_residual: +thresholds=<hex file> missing");
    $readmemh(in_file, in_mem);
    $readmemh(exp_file, exp_mem);
    $readmemh(thr_file, thr_mem);
    if (!$value$plusargs("stall=%d", stall)) stall = Stall;
    if (!$value$plusargs("long_stall=%d", long_stall)) long_stall = LongStall;
    if (!$value$plusargs("seed=%d", seed)) seed = Seed;
    rng = 32'h2545f491 ^ seed;
    sent = 0;
    got = 0;
    errors = 0;
    cycle = 0;
    idle = 0;
    quiet = 0;
    frame0 = -1;
    first_error = -1;
    prev_stalled = 1'b0;
    prev_data = '0;
    s_valid = 1'b0;
    s_data = '0;
    m_ready = 1'b0;
    long_go = 1'b0;
    repeat (3) @(posedge clk);
    // Released after the clock edge's processes have run (no race with them).
    /* verilator lint_off INITIALDLY */
    rst <= 1'b0;
    /* verilator lint_on INITIALDLY */
  end

  task automatic error_at(input integer word);
    errors = errors + 1;
    if (first_error < 0) first_error = word;
  endtask

  always @(posedge clk) begin
    if (!rst) begin
      cycle = cycle + 1;
      r_in = xorshift(rng);
      r_out = xorshift(r_in);
      r_long = xorshift(r_out);
      rng <= r_long;
      if (prev_stalled && (!m_valid || m_data !== prev_data)) error_at(got);
      if (m_valid && m_ready) begin
        if (got >= Words || m_data !== exp_mem[got]) error_at(got);
        got = got + 1;
        if (got == FrameWords) frame0 = cycle;
        idle = 0;
      end else begin
        idle = idle + 1;
      end
      prev_stalled = m_valid && !m_ready;
      prev_data = m_data;
      m_ready <= r_out[15:0] >= stall[15:0];
      long_go <= r_long[15:0] >= long_stall[15:0];
      quiet = (m_valid && m_ready) ? 0 : quiet + 1;
      if (s_valid && s_ready) begin
        sent = sent + 1;
        quiet = 0;
      end
      if (!s_valid || s_ready) begin
        if (sent < Words && r_in[15:0] >= stall[15:0]) begin
          s_valid <= 1'b1;
          s_data <= in_mem[sent];
        end else begin
          s_valid <= 1'b0;
        end
      end
      // done: every word sent and received, then 50 quiet cycles in which no extra word may appear
      if ((got >= Words && sent >= Words && quiet > 50) || idle > Watchdog) begin
        if (got != Words || sent != Words) error_at(got);
        $display("QTSC_RESIDUAL words=%0d errors=%0d cycles=%0d frame0=%0d deadlock=%0d first_error=%0d",
                 got, errors, cycle - idle, frame0, (idle > Watchdog) ? 1 : 0, first_error);
        $finish;
      end
    end
  end

endmodule

`default_nettype wire

/**
 * Open iCE40 flow (OUT/flow/yosys-nextpnr/):
 *
 *   Makefile          make: yosys synth_ice40 -> nextpnr-ice40 -> icepack,
 *                     then prints nextpnr's max frequency and utilisation; a
 *                     design that does not fit stops with nextpnr's error and
 *                     the utilisation it saw
 *   <top>_ice40.sv     the top behind byte-narrow streams, the design that is
 *                     placed
 *
 * Why a wrapper: the top's AXI-Stream words are tens to thousands of bits
 * wide, more than an iCE40 has pins (39 on the UP5K SG48, 206 on the HX8K
 * CT256), and nextpnr places every top-level port on a pin: with
 * --pcf-allow-unconstrained it still needs one pin per bit, and yosys'
 * synth_ice40 inserts an SB_IO for each. The wrapper feeds s_axis one input
 * element per transfer and sends each m_axis word out a byte at a time
 * (least significant byte first) through qtsc_axis_width_conv, so the placed
 * design has the core's logic at a handful of pins and is usable as it is.
 * The wrapper counts the words of a frame and sets s_axis_tlast itself, so
 * its frames always have the right length (the core's frame_err stays low).
 */
import { type FlowDesign, ICE40_PACKAGES, rtlFrom } from './design.js';
import { generatedHeader } from '../rtl/templates.js';

export function wrapperName(d: FlowDesign): string {
  return `${d.top}_ice40`;
}

/** Bytes of one output word on the wrapper's byte stream. */
export function outputBytes(d: FlowDesign): number {
  return Math.ceil(d.format.outputWordBits / 8);
}

function wrapperVerilog(d: FlowDesign): string {
  const f = d.format;
  const bytes = outputBytes(d);
  const inPad = f.inputWordBits - f.inputDataBits;
  const words = f.inputWordsPerFrame;
  const countBits = Math.max(1, Math.ceil(Math.log2(words)));
  return `${generatedHeader}
\`resetall
\`timescale 1ns/1ps
\`default_nettype none
// ${wrapperName(d)}: ${d.top} with narrow streams, for an iCE40's pins.
// in:  one input element (${f.inputElementBits} bit(s)) per transfer, element order of the frame
//      (${d.inputElements} transfers per frame); packed into ${f.inputSimd}-element s_axis words.
// out: each ${f.outputWordBits}-bit m_axis word as ${bytes} byte(s), least significant first.
module ${wrapperName(d)} (
  input  wire logic                          clk,
  input  wire logic                          rst,

  input  wire logic [${f.inputElementBits}-1:0] in_data,
  input  wire logic                          in_valid,
  output logic                               in_ready,

  output logic      [7:0]                    out_data,
  output logic                               out_valid,
  input  wire logic                          out_ready
);

  logic [${f.inputDataBits}-1:0] s_elems;
  logic s_valid, s_ready, s_last;
  logic [${countBits}-1:0] s_word_q; // word of the current frame
  logic [${f.outputWordBits}-1:0] m_data;
  logic m_valid, m_ready, unused_m_last, unused_frame_err;

  qtsc_axis_width_conv #(.ElemBits(${f.inputElementBits}), .InElems(1), .OutElems(${f.inputSimd})) u_in (
    .clk_i(clk), .rst_i(rst),
    .s_data_i(in_data), .s_valid_i(in_valid), .s_ready_o(in_ready),
    .m_data_o(s_elems), .m_valid_o(s_valid), .m_ready_i(s_ready)
  );

  // ${words} word(s) per frame: tlast by count.
  assign s_last = s_word_q == ${countBits}'(${words - 1});
  always_ff @(posedge clk) begin
    if (rst) s_word_q <= '0;
    else if (s_valid && s_ready) s_word_q <= s_last ? '0 : s_word_q + ${countBits}'(1);
  end

  ${d.top} u_core (
    .clk(clk), .rst(rst),
    .s_axis_tdata(${inPad > 0 ? `{${inPad}'b0, s_elems}` : 's_elems'}), .s_axis_tvalid(s_valid), .s_axis_tready(s_ready), .s_axis_tlast(s_last),
    .m_axis_tdata(m_data), .m_axis_tvalid(m_valid), .m_axis_tready(m_ready), .m_axis_tlast(unused_m_last),
    .frame_err(unused_frame_err)
  );

  qtsc_axis_width_conv #(.ElemBits(8), .InElems(${bytes}), .OutElems(1)) u_out (
    .clk_i(clk), .rst_i(rst),
    .s_data_i(m_data), .s_valid_i(m_valid), .s_ready_o(m_ready),
    .m_data_o(out_data), .m_valid_o(out_valid), .m_ready_i(out_ready)
  );

endmodule

\`default_nettype wire
`;
}

function makefile(d: FlowDesign): string {
  const w = wrapperName(d);
  const dev = d.options.ice40;
  return `# ${generatedHeader.replace(/^\/\/ ?/, '')}
# Open iCE40 flow for ${d.top} (docs/flows.md):
#   make [DEVICE=up5k|hx8k|...] [PACKAGE=...] [FREQ=MHz] [PCF=pins.pcf]
# Writes ${w}.json (yosys), ${w}.asc (nextpnr-ice40), ${w}.bin (icepack), the
# logs and nextpnr-report.json here, and prints the max frequency and
# utilisation. Without PCF nextpnr chooses the pins. A design that misses
# FREQ still gets its bitstream (--timing-allow-fail): the report says FAIL
# and the max frequency it can run at.
TOP := ${d.top}
WRAPPER := ${w}
RTL := ${rtlFrom(1)}
DEVICE ?= ${dev}
PACKAGE ?= ${ICE40_PACKAGES[dev]}
FREQ ?= ${d.options.clockMHz}
PCF ?=
SOURCES := ${d.sources.join(' ')}
MEMS := ${d.memFiles.join(' ')}
PCF_ARG := $(if $(PCF),--pcf $(abspath $(PCF)),--pcf-allow-unconstrained)
# nextpnr's lines "Info: <tab> ICESTORM_LC:  123/ 5280  2%"
UTILISATION := ^Info:[[:space:]]+[A-Z_0-9]+:[[:space:]]+[0-9]+/[[:space:]]*[0-9]+

# Place-and-route settings of the last run: a changed one re-runs nextpnr.
PNR_CONFIG := $(DEVICE) $(PACKAGE) $(FREQ) $(PCF)
$(shell echo '$(PNR_CONFIG)' | cmp -s - nextpnr.config || echo '$(PNR_CONFIG)' > nextpnr.config)

.PHONY: all report clean
all: $(WRAPPER).bin report

# yosys runs in the RTL directory: $readmemh names the ROM images without a directory.
$(WRAPPER).json: $(addprefix $(RTL)/,$(SOURCES) $(MEMS)) $(WRAPPER).sv
\tcd $(RTL) && yosys -q -l $(CURDIR)/yosys.log -p 'read_verilog -sv $(SOURCES) $(CURDIR)/$(WRAPPER).sv; synth_ice40 -top $(WRAPPER) -json $(CURDIR)/$(WRAPPER).json'

$(WRAPPER).asc: $(WRAPPER).json nextpnr.config $(PCF)
\t@nextpnr-ice40 -q --$(DEVICE) --package $(PACKAGE) --freq $(FREQ) --json $(WRAPPER).json --asc $@ $(PCF_ARG) --timing-allow-fail --report nextpnr-report.json -l nextpnr.log || { \\
\t  echo "$(WRAPPER) does not fit (or does not route) on iCE40 $(DEVICE) $(PACKAGE); nextpnr said:"; \\
\t  grep -E 'ERROR|$(UTILISATION)' nextpnr.log; \\
\t  rm -f $@ $(WRAPPER).bin; exit 1; }

$(WRAPPER).bin: $(WRAPPER).asc
\ticepack $< $@

report: $(WRAPPER).asc
\t@echo "$(WRAPPER) on iCE40 $(DEVICE) $(PACKAGE), target $(FREQ) MHz:"
\t@grep 'Max frequency for clock' nextpnr.log | tail -n 1
\t@grep -E '$(UTILISATION)' nextpnr.log

clean:
\trm -f $(WRAPPER).json $(WRAPPER).asc $(WRAPPER).bin yosys.log nextpnr.log nextpnr-report.json nextpnr.config
`;
}

/** Files relative to OUT/flow/. */
export function yosysNextpnrFiles(d: FlowDesign): Map<string, string> {
  return new Map([
    ['yosys-nextpnr/Makefile', makefile(d)],
    [`yosys-nextpnr/${wrapperName(d)}.sv`, wrapperVerilog(d)],
  ]);
}

/**
 * OUT/flow/<top>_inst.vh: an instantiation template to paste into (or
 * `include in) a module of the user's design: the wires the top needs and the
 * instance, with each port's direction and meaning.
 */
import type { FlowDesign } from './design.js';
import { generatedHeader } from '../rtl/templates.js';

export function instantiationTemplate(d: FlowDesign): string {
  const f = d.format;
  const p = `${d.top}_`;
  return `${generatedHeader}
// Instantiation template for ${d.top}. Clock and synchronous active-high reset, then
// s_axis: ${f.inputWordsPerFrame} word(s) of ${f.inputWordBits} bits per frame (${f.inputSimd} element(s) of ${f.inputElementBits} bit(s) each, LSB first,
//         bits above ${f.inputDataBits - 1} ignored), tlast on the last word of each frame;
// m_axis: one ${f.outputWordBits}-bit word per frame, tlast = 1: argmax in [${f.indexBits - 1}:0], then ${f.classes} logits of ${f.logitBits} bits,
//         bits above ${f.outputDataBits - 1} zero;
// frame_err: sticky until rst, set by a frame whose tlast is early or late (the top resynchronises at that tlast).
// Layout details: ${d.top}.h.
logic [${f.inputWordBits}-1:0] ${p}s_axis_tdata;
logic ${p}s_axis_tvalid, ${p}s_axis_tready, ${p}s_axis_tlast;
logic [${f.outputWordBits}-1:0] ${p}m_axis_tdata;
logic ${p}m_axis_tvalid, ${p}m_axis_tready, ${p}m_axis_tlast;
logic ${p}frame_err;

${d.top} u_${d.top} (
  .clk           (clk),                      // input
  .rst           (rst),                      // input, synchronous, active high
  .s_axis_tdata  (${p}s_axis_tdata),   // input  [${f.inputWordBits}-1:0]
  .s_axis_tvalid (${p}s_axis_tvalid),  // input
  .s_axis_tready (${p}s_axis_tready),  // output, low during reset
  .s_axis_tlast  (${p}s_axis_tlast),   // input, 1 on the last word of a frame
  .m_axis_tdata  (${p}m_axis_tdata),   // output [${f.outputWordBits}-1:0]
  .m_axis_tvalid (${p}m_axis_tvalid),  // output
  .m_axis_tready (${p}m_axis_tready),  // input
  .m_axis_tlast  (${p}m_axis_tlast),   // output, 1 on every word
  .frame_err     (${p}frame_err)       // output, sticky: a frame of the wrong length was seen
);
`;
}

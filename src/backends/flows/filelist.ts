/**
 * OUT/flow/filelist.f: the Verilog sources in compile order (dependencies
 * first), one a line, relative to OUT/flow/ (`verilator -f`, `iverilog -c`,
 * most vendor tools' file-list options). ROM images are not sources: tools
 * find them by the bare names $readmemh gives, in the directory they run in.
 */
import { type FlowDesign, rtlFrom } from './design.js';

export function filelist(d: FlowDesign): string {
  return d.sources.map((s) => `${rtlFrom(0)}/${s}`).join('\n') + '\n';
}

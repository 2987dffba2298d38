/**
 * Build-flow backend: `gen-hw --flow ...` writes OUT/flow/ (docs/flows.md):
 *
 *   filelist.f          sources in compile order (filelist.ts)
 *   <top>_inst.vh       instantiation template (instantiation.ts)
 *   <top>.h             C header of the stream formats (c-header.ts)
 *   vivado/ quartus/ yosys-nextpnr/   one folder per chosen flow
 *
 * Every file name is one of ours or the top's name, which compile.ts has
 * checked is a Verilog identifier; writeFlows still confines each to the
 * flow directory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type FlowDesign, type FlowName } from './design.js';
import { filelist } from './filelist.js';
import { instantiationTemplate } from './instantiation.js';
import { cHeader } from './c-header.js';
import { vivadoFiles } from './vivado.js';
import { quartusFiles } from './quartus.js';
import { yosysNextpnrFiles } from './yosys-nextpnr.js';
import { resolveInside } from '../../util/paths.js';
import { QtscError } from '../../util/errors.js';

export { type FlowDesign, type FlowName, type FlowOptions, FLOW_NAMES, DEFAULT_FLOW_OPTIONS, flowDesign, flowOptions, parseFlowList } from './design.js';

const generators: Record<FlowName, (d: FlowDesign) => Map<string, string>> = {
  vivado: vivadoFiles,
  quartus: quartusFiles,
  'yosys-nextpnr': yosysNextpnrFiles,
};

/** All files of the chosen flows, path relative to OUT/flow/ -> contents. */
export function renderFlows(d: FlowDesign, flows: readonly FlowName[]): Map<string, string> {
  const files = new Map<string, string>([
    ['filelist.f', filelist(d)],
    [`${d.top}_inst.vh`, instantiationTemplate(d)],
    [`${d.top}.h`, cHeader(d)],
  ]);
  for (const flow of flows) for (const [name, text] of generators[flow](d)) files.set(name, text);
  return files;
}

/** Writes the flows into flowDir (created; normally OUT/flow inside gen-hw's staging folder). */
export function writeFlows(flowDir: string, d: FlowDesign, flows: readonly FlowName[]): string[] {
  const files = renderFlows(d, flows);
  // Every name is checked before the first file is written.
  const targets = [...files.keys()].map((name) => {
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*(\/[A-Za-z0-9_][A-Za-z0-9_.-]*)?$/.test(name)) throw new QtscError(`flow backend: refusing the file name '${name}'`);
    return [resolveInside(flowDir, name, 'flow file'), files.get(name)!] as const;
  });
  for (const [full, text] of targets) {
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, text);
  }
  return [...files.keys()];
}

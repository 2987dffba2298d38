/**
 * A small compiled design with its OUT/rtl/ and OUT/flow/ written the way
 * gen-hw writes them, for the flow tests.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compileModel, type Compiled } from '../../../src/compile.js';
import { emitRtl, type EmittedRtl } from '../../../src/backends/rtl/emit.js';
import { estimateRtl } from '../../../src/backends/estimates/resources.js';
import { type FlowDesign, type FlowName, type FlowOptions, DEFAULT_FLOW_OPTIONS, FLOW_NAMES, flowDesign, writeFlows } from '../../../src/backends/flows/index.js';
import { type ModelSpec, makeModel, tmpDir } from '../../helpers/make-model.js';

export interface FlowCase {
  out: string;
  flowDir: string;
  compiled: Compiled;
  emitted: EmittedRtl;
  design: FlowDesign;
  files: string[];
}

export interface FlowCaseOptions {
  model?: Partial<ModelSpec>;
  inputBits?: number;
  targetCycles?: number;
  top?: string;
  flows?: readonly FlowName[];
  options?: Partial<FlowOptions>;
}

/** By default a 16-8-4 binary MLP on 4-bit inputs folded to 16 cycles per frame: it fits an iCE40 UP5K. */
export async function makeFlowCase(o: FlowCaseOptions = {}): Promise<FlowCase> {
  const { dir } = await makeModel({ sizes: [16, 8, 4], valueSpace: 'binary', act: { kind: 'sign' }, seed: 12, ...o.model });
  const bits = o.inputBits ?? 4;
  const compiled = await compileModel({ model: dir, top: o.top, targetCycles: o.targetCycles ?? 16, inputQuant: { bits, scale: 1 / 2 ** bits } });
  const out = path.join(tmpDir('qtsc-flow-'), 'out');
  const rtlDir = path.join(out, 'rtl');
  fs.mkdirSync(rtlDir, { recursive: true });
  const emitted = emitRtl(compiled.ir, rtlDir);
  const design = flowDesign(compiled.ir, emitted, { ...DEFAULT_FLOW_OPTIONS, ...o.options }, estimateRtl(compiled.ir));
  const flowDir = path.join(out, 'flow');
  const files = writeFlows(flowDir, design, o.flows ?? FLOW_NAMES);
  return { out, flowDir, compiled, emitted, design, files };
}

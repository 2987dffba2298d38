/**
 * RTL plans of the residual-block units: fork (qtsc_axis_fork), FIFO
 * (qtsc_axis_fifo) and the requantizing add (a wrapper of qtsc_add with its
 * threshold ROM, templates/add.sv.hbs). The top instantiates fork and FIFO
 * directly and the add's wrapper.
 */
import { type AddNode, type FifoNode, type ForkNode, type HardwareIR, actBits, clog2 } from '../../ir/hardware-ir.js';
import { nodeCycles } from '../../ir/node-cycles.js';
import { type PlanOptions, type RomImage, cmpWidthOf, identFragment, thresholdRom } from './plan.js';
import { nodeRomStyle } from './rom-placement.js';

interface UnitPlan {
  index: number;
  name: string;
  inst: string;
  simd: number;
  outElemBits: number;
  outElems: number;
  outWidth: number;
  cycles: number;
}

export interface ForkPlan extends UnitPlan {
  kind: 'fork';
}

export interface FifoPlan extends UnitPlan {
  kind: 'fifo';
  depth: number;
  /** ram_style of the memory: block RAM from 1024 words of 8+ bits, else the tool's choice. */
  ramStyle: string;
}

export interface AddPlan extends UnitPlan {
  kind: 'add';
  module: string;
  source: string;
  c: number;
  aBits: number;
  aBipolar: number;
  bBits: number;
  bBipolar: number;
  aWidth: number;
  bWidth: number;
  aMul: number;
  bMul: number;
  zWidth: number;
  thrCount: number;
  cmpWidth: number;
  paramAddrWidth: number;
  paramWidth: number;
  paramRom: RomImage;
  paramSingle: boolean;
}

export function planFork(ir: HardwareIR, n: ForkNode, index: number): ForkPlan {
  const eb = actBits(n.elem);
  return { kind: 'fork', index, name: n.name, inst: `u_n${index}`, simd: n.simd, outElemBits: eb, outElems: n.simd, outWidth: n.simd * eb, cycles: nodeCycles(ir, n) };
}

export function planFifo(ir: HardwareIR, n: FifoNode, index: number): FifoPlan {
  const eb = actBits(n.elem);
  const width = n.simd * eb;
  return {
    kind: 'fifo', index, name: n.name, inst: `u_n${index}`, simd: n.simd, outElemBits: eb, outElems: n.simd, outWidth: width, cycles: nodeCycles(ir, n),
    depth: n.depth, ramStyle: n.depth >= 1024 && width >= 8 ? 'block' : 'auto',
  };
}

export function planAdd(ir: HardwareIR, n: AddNode, index: number, opts: PlanOptions = {}): AddPlan {
  const module = `${ir.top}_n${index}_${identFragment(n.name)}`;
  const c = ir.tensors[n.inputs[0]].shape[2];
  const acc = { accWidth: n.zWidth };
  const ob = actBits(n.output.out);
  const rom = thresholdRom(acc, n.output, n.simd, `${module}_thresholds.mem`, nodeRomStyle(opts.romStyle, n.name));
  return {
    kind: 'add', index, name: n.name, inst: `u_n${index}`, module, source: n.layers.join(' + '), simd: n.simd, c,
    outElemBits: ob, outElems: n.simd, outWidth: n.simd * ob, cycles: nodeCycles(ir, n),
    aBits: actBits(n.a), aBipolar: n.a.kind === 'bipolar' ? 1 : 0, bBits: actBits(n.b), bBipolar: n.b.kind === 'bipolar' ? 1 : 0,
    aWidth: n.simd * actBits(n.a), bWidth: n.simd * actBits(n.b), aMul: n.aMul, bMul: n.bMul, zWidth: n.zWidth,
    thrCount: n.output.count, cmpWidth: cmpWidthOf(acc), paramAddrWidth: Math.max(1, clog2(c / n.simd)), paramWidth: rom.width, paramRom: rom, paramSingle: rom.depth === 1,
  };
}

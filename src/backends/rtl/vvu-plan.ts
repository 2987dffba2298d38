/**
 * RTL plan of a depthwise-convolution node (VVU, hw/qtsc_vvu.sv behind a
 * qtsc_swu): everything templates/vvu.sv.hbs prints, after checking the node.
 * Pure: no files are touched here.
 *
 * With G = channels/simd groups and L = simd*multiplier lanes:
 *   weights     word t*G + g holds L codes: the code of output channel
 *               (g*simd + s)*multiplier + m for tap t at bits [(s*multiplier + m)*WB +: WB].
 *   thresholds  word g: qtsc_thresholds' layout with Pe = L (thresholdRom in
 *               plan.ts): output channels g*L + p, prepared thresholds, invert flags.
 * The output word of group g holds output channels g*L .. g*L + L - 1, which
 * is the output tensor's stream order with L elements per word.
 */
import {
  type HardwareIR,
  type VvuNode,
  actBits,
  actRange,
  shapeSize,
  weightBits,
  weightCodeError,
  weightValue,
} from '../../ir/hardware-ir.js';
import { elemName } from '../../ir/check-graph.js';
import { nodeCycles } from '../../ir/node-cycles.js';
import { QtscError } from '../../util/errors.js';
import { type BorderPlan, type PlanOptions, type RomImage, accRepresentable, borderPlan, addrWidth, cmpWidthOf, hexWord, identFragment, mask, romImage, thresholdRom } from './plan.js';
import { type RomStyle, nodeRomStyle } from './rom-placement.js';

/** qtsc_vvu's WeightKind parameter. */
export const vvuWeightKind = { binary: 0, pow2: 1, int: 2 } as const;

export interface VvuPlan {
  kind: 'vvu';
  index: number;
  /** IR node name, for comments. */
  name: string;
  source: string;
  /** Verilog module name of the wrapper (also its file name without .v). */
  module: string;
  /** Instance name inside the top. */
  inst: string;
  /** Output pixels per frame (windows). */
  pixels: number;
  taps: number;
  channels: number;
  multiplier: number;
  /** Input channels per input word. */
  simd: number;
  /** Channel groups per tap: channels / simd. */
  groups: number;
  /** Output channels per output word: simd * multiplier. */
  lanes: number;
  inBits: number;
  inBipolar: number;
  /** 'binary' | 'pow2' | 'int', and its qtsc_vvu WeightKind code. */
  weightCoding: string;
  weightKind: number;
  weightBits: number;
  pow2Levels: number;
  pow2HasZero: number;
  accWidth: number;
  thrCount: number;
  cmpWidth: number;
  outBits: number;
  /** Threshold ROM word: lanes * (thrCount*cmpWidth + 1). */
  paramWidth: number;
  /** simd * inBits */
  inWidth: number;
  /** simd * multiplier * outBits */
  outWidth: number;
  outElemBits: number;
  /** Elements per output word (= lanes). */
  outElems: number;
  /** Cycles per frame: input words (elements of the input tensor / simd). */
  cycles: number;
  /** Output words per frame: pixels * groups. */
  outWords: number;
  /** Hardware multipliers: one per lane for int weights with unsigned inputs, else 0. */
  multipliers: number;
  weightRom: RomImage;
  paramRom: RomImage;
  /** Bits of qtsc_vvu's own threshold word index (the group). */
  unitParamAddrWidth: number;
  /** Border classes: one threshold table per class, addressed by qtsc_border_class. */
  borders: BorderPlan | null;
  weightSingle: boolean;
  paramSingle: boolean;
}

function isInt(v: unknown, min: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min;
}

/** Every problem that stops this backend from building a VVU node, as readable lines. */
export function checkVvu(ir: HardwareIR, n: VvuNode, index: number): string[] {
  const at = `node ${index} '${n.name}'`;
  const errs: string[] = [];
  for (const [k, v] of [
    ['taps', n.taps],
    ['channels', n.channels],
    ['multiplier', n.multiplier],
    ['simd', n.simd],
    ['accWidth', n.accWidth],
  ] as const) {
    if (!isInt(v, 1)) errs.push(`${at}: ${k} = ${v} must be a positive integer`);
  }
  if (errs.length > 0) return errs;
  if (n.channels % n.simd !== 0) errs.push(`${at}: simd ${n.simd} does not divide the ${n.channels} channels`);
  const t = ir.tensors[n.inputs[0]];
  if (!t) errs.push(`${at}: input tensor '${n.inputs[0]}' is not declared`);
  else if (t.shape[2] !== n.taps * n.channels) errs.push(`${at}: input tensor has ${t.shape[2]} elements per pixel, not taps ${n.taps} x channels ${n.channels}`);
  if (n.input.kind === 'uint' && !isInt(n.input.bits, 1)) errs.push(`${at}: input bits must be >= 1`);
  const w = n.weights;
  if (w.kind === 'pow2' && !isInt(w.levels, 1)) errs.push(`${at}: pow2 levels must be >= 1`);
  else if (w.kind === 'int' && !isInt(w.bits, 1)) errs.push(`${at}: int weight bits must be >= 1`);
  else if (w.kind !== 'binary' && w.kind !== 'pow2' && w.kind !== 'int') errs.push(`${at}: unknown weight coding '${String((w as { kind: unknown }).kind)}'`);
  const rows = n.channels * n.multiplier;
  const [rlo, rhi] = accRepresentable(n);
  if (!Array.isArray(n.weightCodes) || n.weightCodes.length !== rows || n.weightCodes.some((r) => !Array.isArray(r) || r.length !== n.taps)) {
    errs.push(`${at}: weightCodes must be [channels*multiplier=${rows}][taps=${n.taps}]`);
  } else if (errs.length === 0) {
    // The accumulator must hold every sum of the actual weights (and so every partial sum).
    const [aLo, aHi] = actRange(n.input);
    let lo = 0;
    let hi = 0;
    outer: for (let o = 0; o < rows; o++) {
      let clo = 0;
      let chi = 0;
      for (let k = 0; k < n.taps; k++) {
        const bad = weightCodeError(w, n.weightCodes[o][k]);
        if (bad) {
          errs.push(`${at}: weight [${o}][${k}]: ${bad}`);
          break outer;
        }
        const v = weightValue(w, n.weightCodes[o][k]);
        clo += Math.min(v * aLo, v * aHi);
        chi += Math.max(v * aLo, v * aHi);
      }
      lo = Math.min(lo, clo);
      hi = Math.max(hi, chi);
    }
    if (lo < rlo || hi > rhi) errs.push(`${at}: accumulators reach [${lo}, ${hi}], beyond the signed accWidth ${n.accWidth}`);
  }
  if (Array.isArray(n.accRange) && (n.accRange[0] < rlo || n.accRange[1] > rhi)) {
    errs.push(`${at}: accRange [${n.accRange[0]}, ${n.accRange[1]}] does not fit accWidth ${n.accWidth}`);
  }
  const out = n.output;
  if (!out || out.kind !== 'thresholds') {
    errs.push(`${at}: a VVU ends in a threshold stage`);
    return errs;
  }
  if (!isInt(out.count, 1)) errs.push(`${at}: threshold count must be >= 1`);
  else {
    const cap = out.out.kind === 'bipolar' ? 1 : 2 ** out.out.bits - 1;
    if (out.count > cap) errs.push(`${at}: ${out.count} thresholds do not fit a ${elemName(out.out)} output`);
  }
  if (!Array.isArray(out.thresholds) || out.thresholds.length !== rows || out.thresholds.some((r) => !Array.isArray(r) || r.length !== out.count || r.some((x) => !Number.isInteger(x)))) {
    errs.push(`${at}: thresholds must be [channels*multiplier=${rows}][count=${out.count}] integers`);
  }
  if (!Array.isArray(out.negate) || out.negate.length !== rows) errs.push(`${at}: negate must have channels*multiplier=${rows} entries`);
  return errs;
}

/** Weight ROM: word t*G + g, lane s*multiplier + m = output channel (g*simd + s)*multiplier + m. */
function vvuWeightRom(n: VvuNode, file: string, style: RomStyle): RomImage {
  const wb = weightBits(n.weights);
  const groups = n.channels / n.simd;
  const lanes = n.simd * n.multiplier;
  const width = lanes * wb;
  const depth = n.taps * groups;
  const m = mask(wb);
  const words: string[] = [];
  for (let t = 0; t < n.taps; t++) {
    for (let g = 0; g < groups; g++) {
      let v = 0n;
      for (let l = 0; l < lanes; l++) v |= (BigInt(n.weightCodes[g * lanes + l][t]) & m) << BigInt(l * wb);
      words.push(hexWord(v, width));
    }
  }
  return romImage(file, width, words, style);
}

export function planVvu(ir: HardwareIR, n: VvuNode, index: number, opts: PlanOptions = {}): VvuPlan {
  const errs = checkVvu(ir, n, index);
  if (errs.length > 0) throw new QtscError(`RTL backend cannot build design '${ir.top}':\n  ${errs.join('\n  ')}`);
  const module = `${ir.top}_n${index}_${identFragment(n.name)}`;
  const shape = ir.tensors[n.inputs[0]].shape;
  const groups = n.channels / n.simd;
  const lanes = n.simd * n.multiplier;
  const out = n.output;
  const outBits = actBits(out.out);
  const cmpWidth = cmpWidthOf(n);
  const pow2 = n.weights.kind === 'pow2' ? n.weights : null;
  const romStyle = nodeRomStyle(opts.romStyle, n.name);
  const weightRom = vvuWeightRom(n, `${module}_weights.mem`, romStyle);
  const paramRom = thresholdRom(n, out, lanes, `${module}_thresholds.mem`, romStyle, n.borders);
  return {
    kind: 'vvu',
    index,
    name: n.name,
    source: n.layers.join(' + '),
    module,
    inst: `u_n${index}`,
    pixels: shape[0] * shape[1],
    taps: n.taps,
    channels: n.channels,
    multiplier: n.multiplier,
    simd: n.simd,
    groups,
    lanes,
    inBits: actBits(n.input),
    inBipolar: n.input.kind === 'bipolar' ? 1 : 0,
    weightCoding: n.weights.kind,
    weightKind: vvuWeightKind[n.weights.kind],
    weightBits: weightBits(n.weights),
    pow2Levels: pow2 ? pow2.levels : 1,
    pow2HasZero: pow2 && pow2.hasZero ? 1 : 0,
    accWidth: n.accWidth,
    thrCount: out.count,
    cmpWidth,
    outBits,
    paramWidth: lanes * (out.count * cmpWidth + 1),
    inWidth: n.simd * actBits(n.input),
    outWidth: lanes * outBits,
    outElemBits: outBits,
    outElems: lanes,
    cycles: nodeCycles(ir, n),
    outWords: (shapeSize(shape) / (n.taps * n.channels)) * groups,
    multipliers: n.weights.kind === 'int' && n.input.kind === 'uint' ? lanes : 0,
    weightRom,
    paramRom,
    unitParamAddrWidth: addrWidth(groups),
    borders: n.borders ? borderPlan(n.borders, groups, paramRom) : null,
    weightSingle: weightRom.depth === 1,
    paramSingle: paramRom.depth === 1,
  };
}


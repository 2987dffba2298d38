/**
 * Pass: Graph IR (float) -> hardware IR (integer). Each block becomes one MVU:
 * weights become ROM codes of the block's value space, the engine follows from
 * the weight class and the input type, and bias/BatchNorm/activation fold into
 * thresholds (hidden blocks) or into a shifted logit offset (the last block).
 * Folding (PE/SIMD) is left at 1 here; choose-folding.ts sets it.
 */
import type { Graph } from '../ir/graph-ir.js';
import {
  type ActType,
  type EngineKind,
  type HardwareIR,
  type LogitStage,
  type MvuNode,
  type WeightCoding,
  signedWidth,
} from '../ir/hardware-ir.js';
import { classifySpace, codingOf, encodeWeight, describeSpace } from '../ir/value-space-class.js';
import { QtscError } from '../util/errors.js';
import { accumulatorRange } from './accumulator-range.js';
import { type ChannelAffine, foldThresholds, quantizerLevels } from './fold-thresholds.js';
import { type Block, groupBlocks } from './group-blocks.js';
import { integerWeights } from './integer-weights.js';

export interface LowerOptions {
  allowMult: boolean;
  top: string;
}

/** Something the report should say about how a layer was lowered. */
export interface LoweringNote {
  layer: string;
  note: string;
}

export interface Lowered {
  ir: HardwareIR;
  notes: LoweringNote[];
}

/** Largest fractional shift tried for exact logit offsets. */
const MAX_LOGIT_SHIFT = 10;

interface Weights {
  coding: WeightCoding;
  /** Real weight = scale * engine value. */
  scale: number;
  /** [mh][mw] */
  codes: number[][];
  general: boolean;
}

function lowerWeights(block: Block, file: string, opts: LowerOptions, notes: LoweringNote[]): Weights {
  const d = block.dense;
  const cls = d.valueSpace ? classifySpace(d.valueSpace) : ({ kind: 'general' } as const);
  if (cls.kind !== 'general') {
    const { coding, scale } = codingOf(cls);
    const codes = Array.from({ length: d.units }, (_, c) => Array.from({ length: d.inFeatures }, (_, i) => encodeWeight(cls, d.kernel[i * d.units + c])));
    return { coding, scale, codes, general: false };
  }
  const what = d.valueSpace ? `its value space ${describeSpace(d.valueSpace)} is neither ±c nor ±c·2^-k` : 'its kernel has no value space (float weights)';
  if (!opts.allowMult) {
    throw new QtscError(`${file}: layer '${d.name}': field 'kernel': ${what}, so it needs multipliers; pass --allow-mult to build it with an integer MAC`);
  }
  const iw = integerWeights(d.kernel, d.inFeatures, d.units);
  notes.push({ layer: d.name, note: `${what}: integer MAC with ${iw.bits}-bit weights${iw.exact ? ' (exact)' : ' (quantized to int8, symmetric per tensor)'}` });
  return { coding: { kind: 'int', bits: iw.bits }, scale: iw.scale, codes: iw.codes, general: true };
}

function engineFor(w: Weights, input: ActType): EngineKind {
  if (w.general) return 'int-mac';
  if (w.coding.kind === 'binary') return input.kind === 'bipolar' ? 'xnor-popcount' : 'sign-add';
  return 'shift-add';
}

/** z = A*acc + B per channel, in the domain the engine accumulates in. */
function channelAffine(block: Block, engine: EngineKind, inputStep: number, weightScale: number): ChannelAffine {
  const d = block.dense;
  const a = new Float64Array(d.units);
  const b = new Float64Array(d.units);
  for (let c = 0; c < d.units; c++) {
    let A = inputStep * weightScale;
    let B = d.bias ? d.bias[c] : 0;
    for (const bn of block.batchnorms) {
      const g = bn.gamma[c] / Math.sqrt(bn.variance[c] + bn.epsilon);
      A = g * A;
      B = g * (B - bn.mean[c]) + bn.beta[c];
    }
    if (engine === 'xnor-popcount') {
      // acc counts agreements: dot = 2*acc - mw.
      B = B - A * d.inFeatures;
      A = 2 * A;
    }
    a[c] = A;
    b[c] = B;
  }
  return { a, b };
}

function logitStage(affine: ChannelAffine, accRange: [number, number], where: string, notes: LoweringNote[], layer: string): LogitStage {
  const A = affine.a[0];
  for (let c = 0; c < affine.a.length; c++) {
    if (!(affine.a[c] > 0) || Math.abs(affine.a[c] - A) > 1e-6 * Math.abs(A)) {
      throw new QtscError(
        `${where}: field 'gamma': the last layer's channels have different or non-positive scales (BatchNormalization after the last Dense), so its argmax would need multipliers; train without BatchNormalization on the last layer`,
      );
    }
  }
  const ratios = Array.from(affine.b, (b) => b / A);
  let shift = MAX_LOGIT_SHIFT;
  let exact = false;
  for (let s = 0; s <= MAX_LOGIT_SHIFT; s++) {
    if (ratios.every((r) => Math.abs(r * 2 ** s - Math.round(r * 2 ** s)) <= 1e-9 * Math.max(1, Math.abs(r * 2 ** s)))) {
      shift = s;
      exact = true;
      break;
    }
  }
  const offsets = ratios.map((r) => Math.round(r * 2 ** shift));
  if (!exact) notes.push({ layer, note: `bias/A rounded to 2^-${shift} in the logit offsets (argmax exact up to that rounding)` });
  const lo = accRange[0] * 2 ** shift + Math.min(...offsets);
  const hi = accRange[1] * 2 ** shift + Math.max(...offsets);
  return { kind: 'logits', shift, offsets, logitWidth: signedWidth(Math.min(lo, 0), Math.max(hi, 0)) };
}

export function lowerToHardware(graph: Graph, opts: LowerOptions): Lowered {
  const blocks = groupBlocks(graph);
  const notes: LoweringNote[] = [];
  const nodes: MvuNode[] = [];
  const inputType: ActType = { kind: 'uint', bits: graph.inputQuant.bits };
  let input: ActType = inputType;
  let inputStep = graph.inputQuant.scale;
  blocks.forEach((block, i) => {
    const d = block.dense;
    const where = `${graph.file}: layer '${d.name}'`;
    const last = i === blocks.length - 1;
    const w = lowerWeights(block, graph.file, opts, notes);
    const engine = engineFor(w, input);
    const shape = { engine, mw: d.inFeatures, input, weights: w.coding, weightCodes: w.codes };
    const { accRange, accWidth } = accumulatorRange(shape);
    const affine = channelAffine(block, engine, inputStep, w.scale);
    let output: MvuNode['output'];
    const source = [d.name, ...block.batchnorms.map((b) => b.name), ...(block.actName ? [block.actName] : [])].join(' + ');
    if (last) {
      if (block.act.fn !== 'linear' && block.act.fn !== 'softmax') {
        throw new QtscError(`${graph.file}: layer '${block.actName}': the last layer must end in logits (no activation, or softmax), not '${block.act.fn}'`);
      }
      if (block.act.fn === 'softmax') notes.push({ layer: block.actName!, note: 'softmax left out: the logits before it have the same argmax' });
      output = logitStage(affine, accRange, where, notes, d.name);
    } else {
      const q = quantizerLevels(block.act);
      if (!q) {
        throw new QtscError(
          `${graph.file}: layer '${block.actName ?? d.name}': activation '${block.act.fn}' is float; the hardware needs quantized activations: use QtscSign/QtscQuantAct in the model, or pass --act-bits N --calib SOURCE`,
        );
      }
      output = foldThresholds(affine, q.points, q.out, accRange);
      input = q.out;
      inputStep = q.step;
    }
    nodes.push({
      op: 'mvu',
      name: sanitizeName(d.name, i),
      source,
      engine,
      mw: d.inFeatures,
      mh: d.units,
      pe: 1,
      simd: 1,
      input: shape.input,
      weights: w.coding,
      weightCodes: w.codes,
      accWidth,
      accRange,
      output,
      multipliers: 0,
    });
  });
  return {
    ir: {
      format: 'qtsc-hardware-ir',
      version: 1,
      top: opts.top,
      input: inputType,
      inputScale: graph.inputQuant.scale,
      inputLength: graph.inputLength,
      nodes,
    },
    notes,
  };
}

/** A Verilog-safe, unique-by-position instance name for a layer. */
export function sanitizeName(name: string, index: number): string {
  const s = name.toLowerCase().replace(/[^a-z0-9_]/g, '_').replace(/_+/g, '_').replace(/^_|_$/g, '');
  return `l${index}_${s || 'layer'}`;
}

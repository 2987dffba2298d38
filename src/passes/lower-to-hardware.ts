/**
 * Pass: Graph IR (float) -> hardware IR (integer). Each block becomes one MVU:
 * weights become ROM codes of the block's value space, the engine follows from
 * the weight class and the input type, and bias/BatchNorm/activation fold into
 * thresholds (hidden blocks) or into a shifted logit offset (the last block).
 * Folding (PE/SIMD) is left at 1 here; choose-folding.ts sets it.
 */
import { GRAPH_INPUT, type DepthwiseConv2DLayer, type Graph, type MaxPoolLayer, kernelMatrix, windowOutShape } from '../ir/graph-ir.js';
import {
  type ActType,
  type EngineKind,
  type HardwareIR,
  type HwNode,
  type LogitStage,
  type MaxPoolNode,
  type MvuNode,
  type Shape,
  type SwuNode,
  type TensorInfo,
  type VvuNode,
  type AddNode,
  actBits,
  actRange,
  clog2,
  type WeightCoding,
  type Window,
  type BorderClasses,
  signedWidth,
  weightValue,
} from '../ir/hardware-ir.js';
import { avgPoolScale } from '../ir/avg-pool-scale.js';
import { classifySpace, codingOf, encodeWeight, describeSpace } from '../ir/value-space-class.js';
import { QtscError } from '../util/errors.js';
import { accumulatorRange } from './accumulator-range.js';
import { type ChannelAffine, foldThresholds, quantizerLevels } from './fold-thresholds.js';
import { type AddStage, type Block, type Stage, groupStages } from './group-blocks.js';
import { insertForks } from './insert-forks.js';
import { borderThresholds } from './border-thresholds.js';
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
  const d = block.layer;
  const { rows, cols } = kernelMatrix(d);
  const cls = d.valueSpace ? classifySpace(d.valueSpace) : ({ kind: 'general' } as const);
  if (cls.kind !== 'general') {
    const { coding, scale } = codingOf(cls);
    const codes = Array.from({ length: cols }, (_, c) => Array.from({ length: rows }, (_, i) => encodeWeight(cls, d.kernel[i * cols + c])));
    return { coding, scale, codes, general: false };
  }
  const what = d.valueSpace ? `its value space ${describeSpace(d.valueSpace)} is neither ±c nor ±c·2^-k` : 'its kernel has no value space (float weights)';
  if (!opts.allowMult) {
    throw new QtscError(`${file}: layer '${d.name}': field 'kernel': ${what}, so it needs multipliers; pass --allow-mult to build it with an integer MAC`);
  }
  const iw = integerWeights(d.kernel, rows, cols);
  notes.push({ layer: d.name, note: `${what}: integer MAC with ${iw.bits}-bit weights${iw.exact ? ' (exact)' : ' (quantized to int8, symmetric per tensor)'}` });
  return { coding: { kind: 'int', bits: iw.bits }, scale: iw.scale, codes: iw.codes, general: true };
}

function engineFor(w: Weights, input: ActType): EngineKind {
  if (w.general) return 'int-mac';
  if (w.coding.kind === 'binary') return input.kind === 'bipolar' ? 'xnor-popcount' : 'sign-add';
  return 'shift-add';
}

/** z = A*acc + B per channel, in the domain the engine accumulates in. */
function channelAffine(block: Block, engine: EngineKind, inputStep: number, weightScale: number, input?: { offset: number; weights: Weights }): ChannelAffine {
  const d = block.layer;
  const { rows, cols } = kernelMatrix(d);
  const a = new Float64Array(cols);
  const b = new Float64Array(cols);
  for (let c = 0; c < cols; c++) {
    let A = inputStep * weightScale;
    let B = d.bias ? d.bias[c] : 0;
    // Inputs whose code 0 stands for `offset` (pooled ±1 codes): x = step*code + offset adds offset * sum of the channel's weights.
    if (input && input.offset !== 0) B += input.offset * weightScale * input.weights.codes[c].reduce((t, code) => t + weightValue(input.weights.coding, code), 0);
    for (const bn of block.batchnorms) {
      const g = bn.gamma[c] / Math.sqrt(bn.variance[c] + bn.epsilon);
      A = g * A;
      B = g * (B - bn.mean[c]) + bn.beta[c];
    }
    if (engine === 'xnor-popcount') {
      // acc counts agreements: dot = 2*acc - mw.
      B = B - A * rows;
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
  const stages = groupStages(graph);
  const lastBlock = stages.reduce((k, st, i) => (st.kind === 'block' ? i : k), -1);
  const notes: LoweringNote[] = [];
  const nodes: HwNode[] = [];
  const inputType: ActType = { kind: 'uint', bits: graph.inputQuant.bits };
  const tensors: HardwareIR['tensors'] = { input: { elem: inputType, shape: graph.inputShape } };
  let cur = 'input';
  let input: ActType = inputType;
  let inputStep = graph.inputQuant.scale;
  /** Real value of code 0 on the current stream: 0, except after pooling ±1 codes (sums of bits). */
  let inputOffset = 0;
  const emit = (node: HwNode, out: TensorInfo) => {
    tensors[node.outputs[0]] = out;
    nodes.push(node);
    cur = node.outputs[0];
  };
  /** Where each stream of the graph lives in hardware: tensor, element type, real value of one code. */
  const streams = new Map<string, { tensor: string; act: ActType; step: number; offset: number }>([[GRAPH_INPUT, { tensor: 'input', act: inputType, step: inputStep, offset: 0 }]]);
  const streamOf = (name: string, reader: string) => {
    const s = streams.get(name);
    if (!s) throw new QtscError(`${graph.file}: layer '${reader}': reads '${name}', which has no hardware stream (an unsupported layer before it?)`);
    return s;
  };
  const lowerStage = (stage: Stage, i: number): void => {
    if (stage.kind === 'add') {
      emit(...addNode(graph.file, stage, sanitizeName(stage.layer.name, i), streamOf(stage.inputs[0], stage.layer.name), streamOf(stage.inputs[1], stage.layer.name), tensors, notes));
      const q = quantizerLevels(stage.act)!;
      input = q.out;
      inputStep = q.step;
      inputOffset = 0;
      return;
    }
    if (stage.kind === 'avgpool') {
      const l = stage.layer;
      if (i > lastBlock) throw new QtscError(`${graph.file}: layer '${l.name}': pooling after the last weighted layer is not supported (the logits leave the accelerator there)`);
      if (input.kind === 'bipolar' && l.pad.some((p) => p > 0)) throw new QtscError(`${graph.file}: layer '${l.name}': field 'padding': average pooling of ±1 activations needs 'valid' padding (a padded tap has no ±1 code)`);
      if (inputOffset !== 0) throw new QtscError(`${graph.file}: layer '${l.name}': average pooling right after average pooling of ±1 activations is not supported`);
      // The unit sums codes exactly; the mean's 1/N becomes part of the next layer's input step.
      const taps = l.poolSize[0] * l.poolSize[1];
      const name = sanitizeName(l.name, i);
      const window: Window = { kernel: l.poolSize, stride: l.strides, pad: l.pad };
      const padded = l.pad.some((p) => p > 0);
      // Border windows with fewer taps inside the image: scale every sum to the common divisor L.
      const borderScale = padded && !l.countPadded ? avgPoolScale(window, l.inShape[0], l.inShape[1], `${graph.file}: layer '${l.name}'`) : undefined;
      const divisor = borderScale ? borderScale.divisor : taps;
      const out: ActType = { kind: 'uint', bits: actBits(input) + clog2(divisor) };
      emit({ op: 'sumpool', name, layers: [l.name], inputs: [cur], outputs: [name], window, simd: 1, elem: input, out, ...(borderScale ? { borderScale } : {}) }, { elem: out, shape: windowOutShape(l) });
      if (input.kind === 'bipolar') {
        // (Valid padding only, above.) Bits b of ±1 values 2b-1: the sum of N of them is 2p - N for p = the
        // sum of the bits, so the unit sums bits and the next layer sees code p with step 2s/N and code 0
        // standing for -s.
        input = out;
        inputOffset = -inputStep;
        inputStep = (2 * inputStep) / taps;
        notes.push({ layer: l.name, note: `average pool of ±1 values as the exact count of +1 among ${taps} (${out.bits}-bit); the mean 2p/${taps} - 1 folds into the next layer's thresholds` });
        return;
      }
      input = out;
      inputStep = inputStep / divisor;
      notes.push({
        layer: l.name,
        note: borderScale
          ? `average pool over the taps inside the image: each exact sum times its row and column factors (products up to ${Math.max(...borderScale.rows) * Math.max(...borderScale.cols)}, shift-and-add), ${out.bits}-bit; the common 1/${divisor} folds into the next layer's thresholds`
          : `average pool as an exact sum of ${taps} codes (${out.bits}-bit); the 1/${taps} folds into the next layer's thresholds`,
      });
      return;
    }
    if (stage.kind === 'maxpool') {
      if (i > lastBlock) throw new QtscError(`${graph.file}: layer '${stage.layer.name}': pooling after the last weighted layer is not supported (the logits leave the accelerator there)`);
      emit(...maxPoolNode(graph.file, stage.layer, sanitizeName(stage.layer.name, i), cur, tensors[cur], input));
      return;
    }
    const d = stage.layer;
    const where = `${graph.file}: layer '${d.name}'`;
    const last = i === lastBlock;
    const name = sanitizeName(d.name, i);
    // A pointwise convolution (1x1, stride 1, no padding) reads the pixels as they stream: no window needed.
    const pointwise = d.kind === 'conv2d' && d.kernelSize.every((k) => k === 1) && d.strides.every((s) => s === 1) && d.pad.every((p) => p === 0);
    let padded: { window: Window; ih: number; iw: number } | null = null;
    if (inputOffset !== 0 && d.kind !== 'dense' && d.pad.some((p) => p > 0)) {
      throw new QtscError(`${where}: field 'padding': reads average-pooled ±1 activations, whose padded 0 has no code; use 'valid' padding`);
    }
    if ((d.kind === 'conv2d' && !pointwise) || d.kind === 'depthwise') {
      // A convolution is an MVU (a depthwise one a VVU) behind a sliding window: one window vector per output pixel.
      const swuName = `${name}_swu`;
      const pad = d.pad;
      // A bipolar stream pads with the code of -1 (0 has no code); the MVU/VVU after it corrects per border class.
      const [ih, iw] = tensors[cur].shape;
      padded = pad.some((p) => p > 0) && input.kind === 'bipolar' ? { window: { kernel: d.kernelSize, stride: d.strides, pad }, ih, iw } : null;
      const swu: SwuNode = {
        op: 'swu', name: swuName, layers: [d.name], inputs: [cur], outputs: [swuName],
        window: { kernel: d.kernelSize, stride: d.strides, pad }, simd: 1, elem: input, padCode: 0,
      };
      const [oh, ow] = windowOutShape(d);
      emit(swu, { elem: input, shape: [oh, ow, d.kernelSize[0] * d.kernelSize[1] * d.inShape[2]] });
    }
    if (d.kind === 'depthwise') {
      if (last) throw new QtscError(`${where}: the last weighted layer must be a Dense layer giving the logits`);
      const q = blockQuantizer(graph.file, stage);
      emit(...vvuNode(graph.file, stage, q, name, cur, tensors[cur], input, inputStep, inputOffset, opts, notes, padded));
      input = q.out;
      inputStep = q.step;
      inputOffset = 0;
      return;
    }
    const inShape = tensors[cur].shape;
    const { rows, cols } = kernelMatrix(d);
    const numVectors = d.kind === 'conv2d' ? inShape[0] * inShape[1] : 1;
    if (d.kind === 'dense' && rows !== inShape[0] * inShape[1] * inShape[2]) {
      throw new QtscError(`${where}: field 'kernel': takes ${rows} inputs, but the stream before it carries ${inShape.join('x')} = ${inShape[0] * inShape[1] * inShape[2]} elements`);
    }
    const w = lowerWeights(stage, graph.file, opts, notes);
    const engine = engineFor(w, input);
    const shape = { engine, mw: rows, input, weights: w.coding, weightCodes: w.codes };
    const { accRange, accWidth } = accumulatorRange(shape);
    const affine = channelAffine(stage, engine, inputStep, w.scale, { offset: inputOffset, weights: w });
    let output: MvuNode['output'];
    let borders: BorderClasses | undefined;
    const layers = [d.name, ...stage.poolsBeforeAct.map((p) => p.name), ...stage.batchnorms.map((b) => b.name), ...(stage.actName ? [stage.actName] : [])];
    if (last) {
      if (stage.act.fn !== 'linear' && stage.act.fn !== 'softmax') {
        throw new QtscError(`${graph.file}: layer '${stage.actName}': the last layer must end in logits (no activation, or softmax), not '${stage.act.fn}'`);
      }
      if (d.kind !== 'dense' || stage.poolsBeforeAct.length > 0) throw new QtscError(`${where}: the last weighted layer must be a Dense layer giving the logits`);
      if (stage.act.fn === 'softmax') notes.push({ layer: stage.actName!, note: 'softmax left out: the logits before it have the same argmax' });
      output = logitStage(affine, accRange, where, notes, d.name);
    } else {
      const q = blockQuantizer(graph.file, stage);
      output = foldThresholds(affine, q.points, q.out, accRange);
      if (padded) {
        const tapWidth = d.kind === 'conv2d' ? d.inShape[2] : 1;
        borders = borderThresholds({ ...padded, weights: engineRows(w), tapWidth, engine, affine, points: q.points, out: q.out, accRange }) ?? undefined;
        if (borders) notes.push({ layer: d.name, note: borderNote(borders) });
      }
      input = q.out;
      inputStep = q.step;
      inputOffset = 0;
    }
    const outShape: Shape = numVectors === 1 ? [1, 1, cols] : [inShape[0], inShape[1], cols];
    emit(
      {
        op: 'mvu', name, layers, inputs: [cur], outputs: [name], engine, mw: rows, mh: cols, numVectors,
        pe: 1, simd: 1, input: shape.input, weights: w.coding, weightCodes: w.codes, accWidth, accRange, output, ...(borders ? { borders } : {}), multipliers: 0,
      },
      { elem: output.kind === 'logits' ? { kind: 'sint', bits: output.logitWidth } : output.out, shape: outShape },
    );
    for (const pool of stage.poolsBeforeAct) {
      // max(q(f(x))) = q(f(max x)) needs f, the BatchNorm's affine map, increasing in every channel.
      const neg = Array.from(affine.a).findIndex((a) => !(a > 0));
      if (neg >= 0) {
        throw new QtscError(`${graph.file}: layer '${pool.name}': max pooling before the activation needs a positive BatchNorm scale in every channel to move past it; channel ${neg} has ${affine.a[neg]}. Put the pool after the activation`);
      }
      notes.push({ layer: pool.name, note: 'max pool moved after the activation (exact: every channel\'s scale is positive)' });
      emit(...maxPoolNode(graph.file, { ...pool, inShape: outShape }, sanitizeName(pool.name, i), cur, tensors[cur], input));
    }
  };
  stages.forEach((stage, i) => {
    if (stage.kind !== 'add') {
      const src = streamOf(stage.input, stage.layer.name);
      cur = src.tensor;
      input = src.act;
      inputStep = src.step;
      inputOffset = src.offset;
    }
    lowerStage(stage, i);
    streams.set(stage.output, { tensor: cur, act: input, step: inputStep, offset: inputOffset });
  });
  const ir: HardwareIR = {
    format: 'qtsc-hardware-ir',
    version: 2,
    top: opts.top,
    input: { tensor: 'input', scale: graph.inputQuant.scale },
    tensors,
    nodes,
    output: cur,
  };
  return { ir: insertForks(ir), notes };
}

/**
 * A residual join: z = aMul*a + bMul*b in integers, aMul/bMul the ratio of
 * the two streams' steps (exact when it is p/q with small terms, else
 * rounded to 2^-6 and said), then the activation after the Add as thresholds.
 */
function addNode(
  file: string,
  stage: AddStage,
  name: string,
  a: { tensor: string; act: ActType; step: number; offset: number },
  b: { tensor: string; act: ActType; step: number; offset: number },
  tensors: HardwareIR['tensors'],
  notes: LoweringNote[],
): [AddNode, TensorInfo] {
  const where = `${file}: layer '${stage.layer.name}'`;
  if (a.offset !== 0 || b.offset !== 0) throw new QtscError(`${where}: adds average-pooled ±1 activations, which is not supported (requantize them first)`);
  const sa = tensors[a.tensor].shape;
  const sb = tensors[b.tensor].shape;
  if (sa.some((v, k) => v !== sb[k])) throw new QtscError(`${where}: adds streams of shapes ${sa.join('x')} and ${sb.join('x')}`);
  const q = quantizerLevels(stage.act);
  if (!q) throw new QtscError(`${where}: an Add must be followed by a quantized activation (QtscSign or QtscQuantAct, or --act-bits), which requantizes the sum`);
  const r = a.step / b.step;
  let aMul = 0;
  let bMul = 0;
  for (let qd = 1; qd <= 16 && bMul === 0; qd++) {
    const p = Math.round(r * qd);
    if (p >= 1 && p <= 255 && Math.abs(p / qd - r) <= 1e-9 * r) {
      aMul = p;
      bMul = qd;
    }
  }
  if (bMul === 0) {
    // Not a small rational: scale the larger step to 64.
    const big = Math.max(r, 1);
    aMul = Math.max(1, Math.round((64 * r) / big));
    bMul = Math.max(1, Math.round(64 / big));
    notes.push({ layer: stage.layer.name, note: `input steps ${a.step} and ${b.step} are not in a small integer ratio: the sum weighs them ${aMul}:${bMul} (rounded)` });
  }
  const [aLo, aHi] = actRange(a.act);
  const [bLo, bHi] = actRange(b.act);
  const zRange: [number, number] = [aMul * aLo + bMul * bLo, aMul * aHi + bMul * bHi];
  const zWidth = signedWidth(Math.min(0, zRange[0]), Math.max(0, zRange[1]));
  // Real sum = unit * z in every channel.
  const unit = b.step / bMul;
  const C = sa[2];
  const output = foldThresholds({ a: new Float64Array(C).fill(unit), b: new Float64Array(C) }, q.points, q.out, zRange);
  const layers = [stage.layer.name, ...(stage.actName ? [stage.actName] : [])];
  return [
    { op: 'add', name, layers, inputs: [a.tensor, b.tensor], outputs: [name], simd: 1, a: a.act, b: b.act, aMul, bMul, zRange, zWidth, output },
    { elem: q.out, shape: sa },
  ];
}

/** A depthwise convolution's VVU, behind the sliding window emitted before it. */
/** The quantizer that ends a hidden block, or the error that names its float activation. */
function blockQuantizer(file: string, block: Block): NonNullable<ReturnType<typeof quantizerLevels>> {
  const q = quantizerLevels(block.act);
  if (!q) {
    throw new QtscError(
      `${file}: layer '${block.actName ?? block.layer.name}': activation '${block.act.fn}' is float; the hardware needs quantized activations: use QtscSign/QtscQuantAct in the model, or pass --act-bits N --calib SOURCE`,
    );
  }
  return q;
}

function vvuNode(
  file: string,
  block: Block,
  q: ReturnType<typeof blockQuantizer>,
  name: string,
  inTensor: string,
  t: TensorInfo,
  input: ActType,
  inputStep: number,
  inputOffset: number,
  opts: LowerOptions,
  notes: LoweringNote[],
  padded: { window: Window; ih: number; iw: number } | null,
): [VvuNode, TensorInfo] {
  const d = block.layer as DepthwiseConv2DLayer;
  const w = lowerWeights(block, file, opts, notes);
  // Signed dot products of engine values, bipolar inputs as ±1 (no popcount form).
  const engine: EngineKind = w.general ? 'int-mac' : 'sign-add';
  const taps = d.kernelSize[0] * d.kernelSize[1];
  const { accRange, accWidth } = accumulatorRange({ engine, mw: taps, input, weights: w.coding, weightCodes: w.codes });
  if (block.poolsBeforeAct.length > 0) throw new QtscError(`${file}: layer '${block.poolsBeforeAct[0].name}': max pooling between a depthwise convolution and its activation is not supported; put it after the activation`);
  const affine = channelAffine(block, engine, inputStep, w.scale, { offset: inputOffset, weights: w });
  const output = foldThresholds(affine, q.points, q.out, accRange);
  const borders = padded ? borderThresholds({ ...padded, weights: engineRows(w), tapWidth: 1, engine, affine, points: q.points, out: q.out, accRange }) : null;
  if (borders) notes.push({ layer: d.name, note: borderNote(borders) });
  const C = d.inShape[2];
  const [oh, ow] = [t.shape[0], t.shape[1]];
  const layers = [d.name, ...block.batchnorms.map((b) => b.name), ...(block.actName ? [block.actName] : [])];
  return [
    { op: 'vvu', name, layers, inputs: [inTensor], outputs: [name], taps, channels: C, multiplier: d.multiplier, simd: 1, input, weights: w.coding, weightCodes: w.codes, accWidth, accRange, output, ...(borders ? { borders } : {}) },
    { elem: q.out, shape: [oh, ow, C * d.multiplier] },
  ];
}

/** Engine values of a node's weights, [outputs][inputs]. */
function engineRows(w: Weights): number[][] {
  return w.codes.map((row) => row.map((code) => weightValue(w.coding, code)));
}

function borderNote(b: BorderClasses): string {
  return `±1 input with padding: padded taps enter as -1 and ${b.rowClasses * b.colClasses - 1} border classes of output pixels get their own thresholds (exact: the model's padded taps are 0)`;
}

/** A max-pool node on activation codes (a padded tap is code 0, never above a real one). */
function maxPoolNode(file: string, l: MaxPoolLayer, name: string, inTensor: string, t: TensorInfo, elem: ActType): [MaxPoolNode, TensorInfo] {
  const [oh, ow] = windowOutShape(l);
  const [h, w, c] = t.shape;
  if (h !== l.inShape[0] || w !== l.inShape[1] || c !== l.inShape[2]) throw new QtscError(`${file}: layer '${l.name}': its input ${l.inShape.join('x')} differs from the stream's ${t.shape.join('x')}`);
  return [
    { op: 'maxpool', name, layers: [l.name], inputs: [inTensor], outputs: [name], window: { kernel: l.poolSize, stride: l.strides, pad: l.pad }, simd: 1, elem },
    { elem, shape: [oh, ow, c] },
  ];
}

/** A Verilog-safe, unique-by-position instance name for a layer. */
export function sanitizeName(name: string, index: number): string {
  const s = name.toLowerCase().replace(/[^a-z0-9_]/g, '_').replace(/_+/g, '_').replace(/^_|_$/g, '');
  return `l${index}_${s || 'layer'}`;
}

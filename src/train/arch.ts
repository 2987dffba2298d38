/**
 * Model builders for training: the MLP and CNNs of the benchmark in every
 * method, with the activation and first/last-layer policies.
 */
import * as tf from '@tensorflow/tfjs';
import { QtscQuantAct } from '../layers/qtsc-quant-act.js';
import { QtscSign } from '../layers/qtsc-sign.js';
import type { ValueSpace } from '../layers/value-space.js';
import { registerTrainLayers } from './register.js';
import { SearchConv2D, type ConvFormulation } from './search-conv2d.js';
import { SearchDense, type SearchMethod } from './search-dense.js';
import { SearchDepthwiseConv2D } from './search-depthwise-conv2d.js';
import { isFloatMethod } from './search-kernel.js';
import { QtscError } from '../util/errors.js';

export type FirstLastPolicy = 'float' | 'int8' | 'space';

/** The method of the first and last weight layers under a policy (others use `method`). */
function edgeMethod(method: SearchMethod, policy: FirstLastPolicy): SearchMethod {
  if (method === 'fp' || policy === 'space') return method;
  return policy === 'float' ? 'fp' : 'int8';
}

export interface ArchOptions {
  method: SearchMethod;
  valueSpace: ValueSpace;
  /**
   * Per activation layer: 0 float ReLU, 1 sign (QtscSign), b >= 2 QtscQuantAct
   * with b bits and a learned clip. One number applies to every activation
   * layer; a list gives one value per activation layer, in network order.
   */
  actBits: number | number[];
  /**
   * 'float': first and last layers stay full precision (the paper's setting);
   * 'int8': they hold symmetric per-tensor int8 weights; 'space': every layer
   * in the value space (no multiplier anywhere).
   */
  firstLast: FirstLastPolicy;
  hidden: number[];
  inputShape: number[];
  numClasses: number;
  seed: number;
  /** RDHS noise weight. */
  mu?: number;
  /** Initial clip of b-bit activations. */
  actClip?: number;
}

export const DEFAULT_MLP_HIDDEN = [256, 256];

/**
 * The bits of each of the `count` activation layers of an architecture: one
 * value for all, or exactly one per layer (the choice per layer).
 */
export function activationBits(actBits: number | number[], count: number, arch: string, names: string[]): number[] {
  const list = typeof actBits === 'number' ? [actBits] : actBits;
  if (list.length === 1) return Array.from({ length: count }, () => list[0]);
  if (list.length !== count) {
    throw new QtscError(`act-bits: ${list.length} values given, but ${arch} has ${count} activation layers (${names.join(', ')}): give one value for all or one per layer, in that order`);
  }
  return [...list];
}

function activation(bits: number, name: string, clip: number): tf.layers.Layer {
  if (bits === 0) return tf.layers.reLU({ name });
  if (bits === 1) return new QtscSign({ name });
  return new QtscQuantAct({ name, bits, clip, learnClip: true });
}

/**
 * inputs -> [SearchDense(no bias) -> BatchNormalization -> activation] per hidden
 * layer -> SearchDense(classes, bias): raw logits.
 */
export function buildMlp(o: ArchOptions): tf.Sequential {
  registerTrainLayers();
  const inDim = o.inputShape.reduce((a, b) => a * b, 1);
  const layers: tf.layers.Layer[] = [];
  if (o.inputShape.length > 1) layers.push(tf.layers.flatten({ inputShape: o.inputShape, name: 'flatten' }));
  const sizes = [...o.hidden, o.numClasses];
  const bits = activationBits(o.actBits, o.hidden.length, 'mlp', o.hidden.map((_, i) => `act${i + 1}`));
  for (let i = 0; i < sizes.length; i++) {
    const first = i === 0;
    const last = i === sizes.length - 1;
    const method: SearchMethod = first || last ? edgeMethod(o.method, o.firstLast) : o.method;
    layers.push(
      new SearchDense({
        name: last ? 'logits' : `dense${i + 1}`,
        units: sizes[i],
        useBias: last,
        valueSpace: o.valueSpace,
        method: method === 'xnor' && last ? 'ste' : method,
        mu: o.mu ?? 0,
        seed: o.seed * 101 + i,
        ...(first && o.inputShape.length === 1 ? { inputShape: [inDim] } : {}),
      }),
    );
    if (last) break;
    layers.push(tf.layers.batchNormalization({ name: `bn${i + 1}`, momentum: 0.9 }));
    layers.push(activation(bits[i], `act${i + 1}`, o.actClip ?? 2));
  }
  return tf.sequential({ layers });
}

export interface CnnOptions extends ArchOptions {
  /** Filters of the convolutions (3x3, 'same', each followed by BN, activation, 2x2 max pooling). */
  convFilters: number[];
  /** Formulation of the 'rdhs' / 'sgt' SearchConv2D layers (default 'kernel'); other methods always use the kernel. */
  convFormulation?: ConvFormulation;
}

/** The formulation a convolution of a given method gets: 'expand' exists only for the searched methods. */
function formulationFor(method: SearchMethod, f: ConvFormulation | undefined): ConvFormulation {
  return f === 'expand' && (method === 'rdhs' || method === 'sgt') ? 'expand' : 'kernel';
}

export const DEFAULT_CNN_FILTERS = [32, 64];
export const DEFAULT_CNN_HIDDEN = [128];

/**
 * inputs [h, w, c] -> [SearchConv2D(3x3, same, no bias) -> BN -> activation ->
 * MaxPool 2x2] per conv -> Flatten -> [SearchDense(no bias) -> BN -> activation]
 * per hidden -> SearchDense(classes, bias): raw logits.
 */
export function buildCnn(o: CnnOptions): tf.Sequential {
  registerTrainLayers();
  if (o.inputShape.length !== 3) throw new Error(`cnn: input shape must be [rows, cols, channels], got [${o.inputShape.join(', ')}]`);
  const layers: tf.layers.Layer[] = [];
  const nWeighted = o.convFilters.length + o.hidden.length + 1;
  const methodAt = (i: number): SearchMethod => {
    const edge = i === 0 || i === nWeighted - 1;
    if (edge && o.firstLast !== 'space') return edgeMethod(o.method, o.firstLast);
    if (o.method === 'xnor' && i === nWeighted - 1) return 'ste';
    return o.method;
  };
  const actNames = [...o.convFilters.map((_, k) => `cact${k + 1}`), ...o.hidden.map((_, h) => `act${h + 1}`)];
  const bits = activationBits(o.actBits, actNames.length, 'cnn', actNames);
  let i = 0;
  for (const [k, filters] of o.convFilters.entries()) {
    layers.push(
      new SearchConv2D({
        name: `conv${k + 1}`,
        filters,
        kernelSize: 3,
        padding: 'same',
        useBias: false,
        formulation: formulationFor(methodAt(i), o.convFormulation),
        valueSpace: o.valueSpace,
        method: methodAt(i),
        mu: o.mu ?? 0,
        seed: o.seed * 101 + i,
        ...(i === 0 ? { inputShape: o.inputShape } : {}),
      }),
    );
    layers.push(tf.layers.batchNormalization({ name: `cbn${k + 1}`, momentum: 0.9 }));
    layers.push(activation(bits[k], `cact${k + 1}`, o.actClip ?? 2));
    layers.push(tf.layers.maxPooling2d({ name: `pool${k + 1}`, poolSize: 2, strides: 2 }));
    i++;
  }
  layers.push(tf.layers.flatten({ name: 'flatten' }));
  const sizes = [...o.hidden, o.numClasses];
  for (let h = 0; h < sizes.length; h++, i++) {
    const last = h === sizes.length - 1;
    layers.push(
      new SearchDense({
        name: last ? 'logits' : `dense${h + 1}`,
        units: sizes[h],
        useBias: last,
        valueSpace: o.valueSpace,
        method: methodAt(i),
        mu: o.mu ?? 0,
        seed: o.seed * 101 + i,
      }),
    );
    if (last) break;
    layers.push(tf.layers.batchNormalization({ name: `bn${h + 1}`, momentum: 0.9 }));
    layers.push(activation(bits[o.convFilters.length + h], `act${h + 1}`, o.actClip ?? 2));
  }
  return tf.sequential({ layers });
}

/** One depthwise-separable block: a 3x3 depthwise convolution (with this stride) and a 1x1 convolution to `filters`. */
export interface DwBlock {
  filters: number;
  stride: number;
}

export interface CnnDwOptions extends ArchOptions {
  /** Filters of the first (full) 3x3 stride-2 convolution. */
  stemFilters: number;
  blocks: DwBlock[];
  /** Formulation of the 'rdhs' / 'sgt' SearchConv2D layers (stem and pointwise; default 'kernel'). */
  convFormulation?: ConvFormulation;
}

export const DEFAULT_CNN_DW_STEM = 16;
export const DEFAULT_CNN_DW_BLOCKS: DwBlock[] = [
  { filters: 32, stride: 1 },
  { filters: 64, stride: 2 },
];
export const DEFAULT_CNN_DW_HIDDEN: number[] = [];

/**
 * A small depthwise-separable CNN (MobileNet-style): inputs [h, w, c] ->
 * SearchConv2D(3x3, stride 2, same) -> BN -> activation -> per block
 * [SearchDepthwiseConv2D(3x3, block stride, same) -> BN -> activation ->
 * SearchConv2D(1x1, filters) -> BN -> activation] -> GlobalAveragePooling ->
 * [SearchDense(no bias) -> BN -> activation] per hidden -> SearchDense(classes,
 * bias): raw logits. No convolution has a bias (BN follows each).
 */
export function buildCnnDw(o: CnnDwOptions): tf.Sequential {
  registerTrainLayers();
  if (o.inputShape.length !== 3) throw new Error(`cnn-dw: input shape must be [rows, cols, channels], got [${o.inputShape.join(', ')}]`);
  const layers: tf.layers.Layer[] = [];
  const nWeighted = 1 + 2 * o.blocks.length + o.hidden.length + 1;
  const methodAt = (i: number): SearchMethod => {
    const edge = i === 0 || i === nWeighted - 1;
    if (edge && o.firstLast !== 'space') return edgeMethod(o.method, o.firstLast);
    if (o.method === 'xnor' && i === nWeighted - 1) return 'ste';
    return o.method;
  };
  const search = (i: number) => ({ valueSpace: o.valueSpace, method: methodAt(i), mu: o.mu ?? 0, seed: o.seed * 101 + i, useBias: false });
  const actNames = ['act_stem', ...o.blocks.flatMap((_, b) => [`act_dw${b + 1}`, `act_pw${b + 1}`]), ...o.hidden.map((_, h) => `act_dense${h + 1}`)];
  const bits = activationBits(o.actBits, actNames.length, 'cnn-dw', actNames);
  const bnAct = (suffix: string) => {
    layers.push(tf.layers.batchNormalization({ name: `bn_${suffix}`, momentum: 0.9 }));
    layers.push(activation(bits[actNames.indexOf(`act_${suffix}`)], `act_${suffix}`, o.actClip ?? 2));
  };
  let i = 0;
  layers.push(new SearchConv2D({ name: 'stem', filters: o.stemFilters, kernelSize: 3, strides: 2, padding: 'same', formulation: formulationFor(methodAt(i), o.convFormulation), ...search(i), inputShape: o.inputShape }));
  bnAct('stem');
  i++;
  for (const [b, blk] of o.blocks.entries()) {
    layers.push(new SearchDepthwiseConv2D({ name: `dw${b + 1}`, kernelSize: 3, strides: blk.stride, padding: 'same', ...search(i) }));
    bnAct(`dw${b + 1}`);
    i++;
    layers.push(new SearchConv2D({ name: `pw${b + 1}`, filters: blk.filters, kernelSize: 1, padding: 'same', formulation: formulationFor(methodAt(i), o.convFormulation), ...search(i) }));
    bnAct(`pw${b + 1}`);
    i++;
  }
  layers.push(tf.layers.globalAveragePooling2d({ name: 'gap' }));
  const sizes = [...o.hidden, o.numClasses];
  for (let h = 0; h < sizes.length; h++, i++) {
    const last = h === sizes.length - 1;
    layers.push(new SearchDense({ name: last ? 'logits' : `dense${h + 1}`, units: sizes[h], ...search(i), useBias: last }));
    if (last) break;
    bnAct(`dense${h + 1}`);
  }
  return tf.sequential({ layers });
}

/** The logit scale for the loss: 1/sqrt(fan-in) when the last layer is quantized, else 1. */
export function defaultLossScale(model: tf.LayersModel): number {
  const last = model.layers[model.layers.length - 1];
  if (last instanceof SearchDense && !isFloatMethod(last.method)) {
    const fanIn = (last.input as tf.SymbolicTensor).shape.slice(-1)[0] ?? 1;
    return 1 / Math.sqrt(fanIn);
  }
  return 1;
}

/**
 * Model builders for training: the MLP (and later CNN) of the benchmark in
 * every method, with the activation and first/last-layer policies.
 */
import * as tf from '@tensorflow/tfjs';
import { QtscQuantAct } from '../layers/qtsc-quant-act.js';
import { QtscSign } from '../layers/qtsc-sign.js';
import type { ValueSpace } from '../layers/value-space.js';
import { registerTrainLayers } from './register.js';
import { SearchDense, type SearchMethod } from './search-dense.js';

export type FirstLastPolicy = 'float' | 'space';

export interface ArchOptions {
  method: SearchMethod;
  valueSpace: ValueSpace;
  /** 0: float ReLU activations; 1: sign (QtscSign); b >= 2: QtscQuantAct with b bits and a learned clip. */
  actBits: number;
  /** 'float': first and last layers stay full precision (the paper's setting); 'space': every layer in the value space. */
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
  for (let i = 0; i < sizes.length; i++) {
    const first = i === 0;
    const last = i === sizes.length - 1;
    const method: SearchMethod = o.method !== 'fp' && o.firstLast === 'float' && (first || last) ? 'fp' : o.method;
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
    layers.push(activation(o.actBits, `act${i + 1}`, o.actClip ?? 2));
  }
  return tf.sequential({ layers });
}

/** The logit scale for the loss: 1/sqrt(fan-in) when the last layer is quantized, else 1. */
export function defaultLossScale(model: tf.LayersModel): number {
  const last = model.layers[model.layers.length - 1];
  if (last instanceof SearchDense && last.method !== 'fp') {
    const fanIn = (last.input as tf.SymbolicTensor).shape.slice(-1)[0] ?? 1;
    return 1 / Math.sqrt(fanIn);
  }
  return 1;
}

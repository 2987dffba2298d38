/**
 * Float reference of the Graph IR, in float64: what the trained model computes,
 * used for calibration and to explain any disagreement with the integer
 * golden model (a tie between logits, or a pre-activation that lands on a
 * quantizer threshold).
 */
import { type Activation, type Graph, applyActivation, quantStep } from '../ir/graph-ir.js';

export interface FloatResult {
  logits: number[];
  /**
   * Smallest distance, over all quantized activations, between a
   * pre-activation value and the nearest quantizer threshold, relative to the
   * quantizer step (sign: to 0, relative to 1). Small means "on a threshold".
   */
  thresholdMargin: number;
  /** Every activation layer's input, when requested (for calibration). */
  preActivations?: Map<string, Float64Array>;
}

/** Distance from x to the nearest decision point of an activation, in steps. */
export function thresholdDistance(act: Activation, x: number): number {
  if (act.fn === 'sign') return Math.abs(x);
  if (act.fn === 'quant') {
    const s = quantStep(act);
    const levels = 2 ** act.bits - 1;
    const u = x / s;
    if (u < 0.5 - 1) return Infinity;
    if (u > levels - 0.5 + 1) return Infinity;
    const frac = u - 0.5 - Math.floor(u - 0.5);
    return Math.min(frac, 1 - frac);
  }
  return Infinity;
}

export function runFloat(graph: Graph, input: ArrayLike<number>, keepPreActivations = false): FloatResult {
  let x = Float64Array.from(input);
  let margin = Infinity;
  const pre = keepPreActivations ? new Map<string, Float64Array>() : undefined;
  for (const layer of graph.layers) {
    if (layer.kind === 'dense') {
      const y = new Float64Array(layer.units);
      const { kernel, units } = layer;
      for (let i = 0; i < layer.inFeatures; i++) {
        const xi = x[i];
        if (xi === 0) continue;
        const row = i * units;
        for (let j = 0; j < units; j++) y[j] += xi * kernel[row + j];
      }
      if (layer.bias) for (let j = 0; j < units; j++) y[j] += layer.bias[j];
      x = y;
    } else if (layer.kind === 'batchnorm') {
      for (let j = 0; j < x.length; j++) {
        x[j] = (layer.gamma[j] * (x[j] - layer.mean[j])) / Math.sqrt(layer.variance[j] + layer.epsilon) + layer.beta[j];
      }
    } else {
      if (pre) pre.set(layer.name, Float64Array.from(x));
      for (let j = 0; j < x.length; j++) {
        margin = Math.min(margin, thresholdDistance(layer.act, x[j]));
        x[j] = applyActivation(layer.act, x[j]);
      }
    }
  }
  return { logits: Array.from(x), thresholdMargin: margin, preActivations: pre };
}

/** Real-valued model input for a frame of input codes. */
export function dequantizeInput(graph: Graph, codes: ArrayLike<number>): Float64Array {
  const out = new Float64Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = codes[i] * graph.inputQuant.scale;
  return out;
}

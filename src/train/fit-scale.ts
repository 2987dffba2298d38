/**
 * The scale that best maps a trained float kernel onto a value space, for
 * initialising a search from a float model (`train --init-from`).
 *
 * A float kernel's weights are rarely near the candidates themselves: a
 * trained 3x3 convolution holds weights around ±0.05, which the nearest
 * candidate of {±1, ±1/2, ±1/4, ±1/8} would all send to ±1/8, a binary
 * kernel in disguise. Mapping w / s instead, with s chosen so that
 * s * nearest(w / s) is closest to w, keeps the float kernel's shape across
 * every level of the space. A BatchNormalization after the layer absorbs a
 * per-output-channel s exactly (its statistics divided by s and s^2); a layer
 * without one (the logits) takes one s for the whole tensor, which divides
 * every logit alike and keeps the argmax.
 */
import * as tf from '@tensorflow/tfjs';
import { nearestIndex } from '../layers/value-space.js';

/** Candidate scales tried between the two bounds, log-spaced. */
const GRID = 64;

/** sum (w - s * nearest(w / s))^2 */
function error(w: ArrayLike<number>, values: readonly number[], s: number): number {
  let e = 0;
  for (let i = 0; i < w.length; i++) {
    const d = w[i] - s * values[nearestIndex(values, w[i] / s)];
    e += d * d;
  }
  return e;
}

/**
 * The s > 0 minimising sum (w - s * nearest(w / s))^2 over the weights `w`,
 * searched on a log grid from mean|w| / max|q| to 4 max|w| / max|q| (wide
 * enough for spaces whose candidates span several octaves), then refined
 * around the best point; s = 1 and s = max|w| / max|q| are tried as well.
 * 1 when every weight is zero.
 */
export function fitScale(w: ArrayLike<number>, values: readonly number[]): number {
  let maxAbs = 0;
  let sumAbs = 0;
  for (let i = 0; i < w.length; i++) {
    const a = Math.abs(w[i]);
    maxAbs = Math.max(maxAbs, a);
    sumAbs += a;
  }
  const qMax = Math.max(...values.map(Math.abs));
  if (maxAbs === 0 || qMax === 0) return 1;
  const lo = Math.log(Math.max(sumAbs / w.length, maxAbs * 1e-3) / qMax);
  const hi = Math.log((4 * maxAbs) / qMax);
  const step = (hi - lo) / (GRID - 1);
  // the unscaled weights and the max-to-max mapping take part too, so the fit is never worse than either
  let best = 1;
  let bestE = error(w, values, 1);
  for (const s of [maxAbs / qMax, ...Array.from({ length: GRID }, (_, g) => Math.exp(lo + g * step))]) {
    const e = error(w, values, s);
    if (e < bestE) [best, bestE] = [s, e];
  }
  // a finer pass within one grid step either side
  const center = Math.log(best);
  for (let g = -8; g <= 8; g++) {
    const s = Math.exp(center + (g / 8) * step);
    const e = error(w, values, s);
    if (e < bestE) [best, bestE] = [s, e];
  }
  return best;
}

/**
 * One scale per output channel of a kernel whose trailing axes (product
 * `channels`) are the output channels, as in Dense [in, out], Conv2D
 * [kh, kw, in, out] and DepthwiseConv2D [kh, kw, in, multiplier].
 */
export function fitChannelScales(kernel: ArrayLike<number>, channels: number, values: readonly number[]): Float32Array {
  const per = kernel.length / channels;
  const out = new Float32Array(channels);
  const w = new Float32Array(per);
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < per; i++) w[i] = kernel[i * channels + c];
    out[c] = fitScale(w, values);
  }
  return out;
}

/**
 * t / scales[i mod C] elementwise, C = scales.length: a kernel, bias or
 * BatchNorm statistic divided by the scale of its output channel (the
 * trailing axes), or by the one scale of the tensor.
 */
export function divideByChannel(t: tf.Tensor, scales: Float32Array): tf.Tensor {
  const v = t.dataSync();
  if (v.length % scales.length !== 0) throw new Error(`${scales.length} scales do not divide a tensor of shape [${t.shape}]`);
  return tf.tensor(Float32Array.from(v, (x, i) => x / scales[i % scales.length]), t.shape);
}

/**
 * The quantizers of qtsc's model format as plain tensor functions with
 * straight-through gradients. The layer classes (QtscSign, QtscQuantAct) and
 * the training code use these, so both share one definition.
 */
import * as tf from '@tensorflow/tfjs';
import { geMask, gtMask, leMask, ltMask } from './masks.js';

type GradFn = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
type CGF = Parameters<typeof tf.customGrad>[0];

/** x >= 0 ? +1 : -1 (0 maps to +1), without gradient. */
export function signForward(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.sub(tf.mul(geMask(x, 0), 2), 1));
}

const signSteOp = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  const value = signForward(x);
  const gradFunc: GradFn = (dy, saved) => tf.mul(dy, leMask(tf.abs(saved[0]), 1));
  return { value, gradFunc };
}) as unknown as CGF);

/**
 * Sign with the straight-through estimator: forward x >= 0 ? +1 : -1,
 * backward dy where |x| <= 1 and 0 elsewhere.
 */
export function signSte(x: tf.Tensor): tf.Tensor {
  return signSteOp(x);
}

/**
 * Sign with the identity straight-through estimator (BinaryConnect weights):
 * forward x >= 0 ? +1 : -1, backward dy unchanged.
 */
const signIdentityOp = tf.customGrad(((x: tf.Tensor) => {
  const value = signForward(x);
  const gradFunc: GradFn = (dy) => tf.clone(dy);
  return { value, gradFunc };
}) as unknown as CGF);

export function signIdentitySte(x: tf.Tensor): tf.Tensor {
  return signIdentityOp(x);
}

/** Number of quantization steps above zero: 2^bits - 1. */
export function quantLevels(bits: number): number {
  if (!Number.isInteger(bits) || bits < 1 || bits > 24) throw new Error(`bits must be an integer in 1..24, got ${bits}`);
  return 2 ** bits - 1;
}

/**
 * Uniform unsigned b-bit quantizer, forward only:
 * s = clip / (2^bits - 1), y = s * clamp(floor(x / s + 0.5), 0, 2^bits - 1).
 * Round half up (floor(v + 0.5)), never banker's rounding.
 */
export function quantActForward(x: tf.Tensor, clip: tf.Tensor | number, bits: number): tf.Tensor {
  const n = quantLevels(bits);
  return tf.tidy(() => {
    const s = tf.div(clip, n);
    const q = tf.clipByValue(tf.floor(tf.add(tf.div(x, s), 0.5)), 0, n);
    return tf.mul(q, s);
  });
}

/**
 * The quantizer with gradients: to x, straight through where 0 <= x <= clip
 * (zero outside); to clip (a [1] or scalar tensor), PACT's: the sum of dy
 * where x > clip.
 */
export function quantActSte(x: tf.Tensor, clip: tf.Tensor, bits: number): tf.Tensor {
  const op = tf.customGrad(((xi: tf.Tensor, ci: tf.Tensor, save: tf.GradSaveFunc) => {
    save([xi, ci]);
    const value = quantActForward(xi, ci, bits);
    const gradFunc: GradFn = (dy, saved) => {
      const [xs, cs] = saved;
      // masks.ts: arithmetic masks, fast on wasm (its comparison and
      // Maximum kernels are slow); [0 <= x <= clip] = (1 - [x > clip]) *
      // (1 - [x < 0]) shares the [x > clip] mask with the clip's gradient
      const above = gtMask(xs, cs);
      const inside = tf.mul(tf.sub(1, above), tf.sub(1, ltMask(xs, 0)));
      const dx = tf.mul(dy, inside);
      const dc = tf.reshape(tf.sum(tf.mul(dy, above)), cs.shape);
      return [dx, dc];
    };
    return { value, gradFunc };
  }) as unknown as CGF);
  return op(x, clip);
}

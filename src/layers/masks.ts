/**
 * Comparison masks (1 where the comparison holds, 0 elsewhere, float32) built
 * from subtraction and tf.step instead of tfjs' comparison kernels. The wasm
 * backend runs its comparison and logical kernels, and any broadcast among
 * them, through a generic scalar loop (about 25 ms per 2.5 M elements here),
 * while subtraction (XNNPACK) and step are vectorised (about 1 ms). The masks
 * are exactly those of the comparisons: for floats, a - b is 0 only when
 * a == b and otherwise has the sign of the exact difference. NaN inputs give
 * NaN (the comparisons would give 0).
 */
import * as tf from '@tensorflow/tfjs';

type Operand = tf.Tensor | number;

/** [x > t] */
export function gtMask(x: tf.Tensor, t: Operand): tf.Tensor {
  return tf.tidy(() => tf.step(t === 0 ? x : tf.sub(x, t)));
}

/** [x < t] */
export function ltMask(x: tf.Tensor, t: Operand): tf.Tensor {
  return tf.tidy(() => tf.step(t === 0 ? tf.neg(x) : tf.sub(t, x)));
}

/** [x >= t] */
export function geMask(x: tf.Tensor, t: Operand): tf.Tensor {
  return tf.tidy(() => tf.sub(1, ltMask(x, t)));
}

/** [x <= t] */
export function leMask(x: tf.Tensor, t: Operand): tf.Tensor {
  return tf.tidy(() => tf.sub(1, gtMask(x, t)));
}

/** [lo <= x <= hi] */
export function insideMask(x: tf.Tensor, lo: Operand, hi: Operand): tf.Tensor {
  return tf.tidy(() => tf.mul(geMask(x, lo), leMask(x, hi)));
}

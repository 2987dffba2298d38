/**
 * Training-mode batch normalisation for the wasm backend as one op with a
 * hand-derived gradient.
 *
 * tfjs-layers' BatchNormalization computes the batch statistics with
 * tf.moments and normalises with the FusedBatchNorm kernel; on wasm that is
 * about a dozen passes over the activation tensor forward and twice as many
 * backward (moments' gradient alone builds ones-tensors for both means), and
 * wasm's FusedBatchNorm and its reductions over the leading axes are slow
 * (scalar loops, a transpose per reduction). batchNormTrain takes every
 * per-channel mean with one average pooling (one pass, no transpose): six
 * passes forward, seven backward.
 *
 * installFastBatchNorm routes BatchNormalization layers in training mode on
 * wasm through it, with the same moving-average updates as tfjs-layers; other
 * backends, inference and unusual configurations keep tfjs-layers' code.
 */
import * as tf from '@tensorflow/tfjs';

type CGF = Parameters<typeof tf.customGrad>[0];
type GradFn = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[];

export interface BatchNormTrainResult {
  /** (x - mean) * gamma / sqrt(variance + eps) + beta */
  y: tf.Tensor;
  /** Per-channel batch mean (no gradient). */
  mean: tf.Tensor1D;
  /** Per-channel biased batch variance, as tf.moments gives it (no gradient). */
  variance: tf.Tensor1D;
}

/**
 * Rows and columns [a, b] with a * b = m and b the divisor of m nearest
 * sqrt(m): the window of channelMeans' average pooling.
 */
function poolWindow(m: number): [number, number] {
  let b = 1;
  for (let d = 1; d * d <= m; d++) if (m % d === 0) b = d;
  return [m / b, b];
}

/**
 * Per-channel means of t viewed as [m, c]: one average pooling over a
 * [1, a, b, c] view (XNNPACK accumulates every channel in one pass, no
 * transpose; reductions over leading axes would transpose the whole tensor).
 */
function channelMeans(t: tf.Tensor, m: number, c: number): tf.Tensor1D {
  if (m === 1) return tf.reshape(t, [c]);
  const [a, b] = poolWindow(m);
  return tf.reshape(tf.avgPool(tf.reshape(t, [1, a, b, c]) as tf.Tensor4D, [a, b], 1, 'valid'), [c]);
}

/**
 * Batch normalisation over every axis but the last (channels), with the batch
 * statistics, as tfjs-layers does in training: values and gradients (to x,
 * gamma and beta) equal those of tf.moments followed by tf.batchNorm (up to
 * float rounding of the sums). The caller owns the returned mean and variance.
 */
export function batchNormTrain(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): BatchNormTrainResult {
  const c = x.shape[x.rank - 1];
  const m = x.size / c;
  let stats: [tf.Tensor1D, tf.Tensor1D] | null = null;
  const op = tf.customGrad(((xi: tf.Tensor, g: tf.Tensor1D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const mean = channelMeans(xi, m, c);
    const xm = tf.sub(xi, mean);
    const variance = channelMeans(tf.square(xm), m, c);
    const rs = tf.rsqrt(tf.add(variance, eps));
    const value = tf.add(tf.mul(xm, tf.mul(g, rs)), b);
    stats = [tf.keep(mean), tf.keep(variance)];
    save([xm, rs, g]);
    const gradFunc: GradFn = (dy, saved) => {
      const [sxm, srs, sg] = saved;
      const meanDy = channelMeans(dy, m, c);
      const meanDyXm = channelMeans(tf.mul(dy, sxm), m, c);
      const k = tf.mul(sg, srs);
      // dx = k*dy - k*mean(dy) - xm * k*rs^2 * mean(dy*xm)
      const a = tf.neg(tf.mul(tf.mul(k, tf.square(srs)), meanDyXm));
      const bb = tf.neg(tf.mul(k, meanDy));
      const dx = tf.add(tf.mul(dy, k), tf.add(tf.mul(sxm, a), bb));
      return [dx, tf.mul(tf.mul(meanDyXm, srs), m), tf.mul(meanDy, m)];
    };
    return { value, gradFunc };
  }) as unknown as CGF);
  const y = op(x, gamma, beta);
  const [mean, variance] = stats!;
  return { y, mean, variance };
}

/** The fields of tfjs-layers' BatchNormalization this module reads. */
interface BatchNormFields {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: tf.LayerVariable | null;
  beta: tf.LayerVariable | null;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
}

type CallFn = (this: tf.layers.Layer, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];

let installed = false;

/**
 * Makes BatchNormalization layers use batchNormTrain in training mode on the
 * wasm backend (channels last, with both gamma and beta). The moving mean and
 * variance are updated as tfjs-layers does: v - (v - batch) * (1 - momentum).
 * Idempotent.
 */
export function installFastBatchNorm(): void {
  if (installed) return;
  installed = true;
  // the class as tfjs-layers registered it for deserialisation (making an
  // instance to reach it would advance the automatic layer names)
  const entry = tf.serialization.SerializationMap.getMap().classNameMap.BatchNormalization as unknown as [{ prototype: { call: CallFn } }] | undefined;
  if (!entry) return;
  const proto = entry[0].prototype;
  const original = proto.call;
  proto.call = function (this: tf.layers.Layer, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) {
    const bn = this as unknown as BatchNormFields;
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const lastAxis = bn.axis === -1 || bn.axis === x.rank - 1;
    if (kwargs?.training !== true || tf.getBackend() !== 'wasm' || !lastAxis || bn.gamma === null || bn.beta === null || x.dtype !== 'float32') {
      return original.call(this, inputs, kwargs);
    }
    return tf.tidy(() => {
      const { y, mean, variance } = batchNormTrain(x, bn.gamma!.read() as tf.Tensor1D, bn.beta!.read() as tf.Tensor1D, bn.epsilon);
      const decay = 1 - bn.momentum;
      for (const [v, batch] of [
        [bn.movingMean, mean],
        [bn.movingVariance, variance],
      ] as const) {
        tf.tidy(() => {
          const old = v.read();
          v.write(tf.sub(old, tf.mul(tf.sub(old, batch), decay)));
        });
      }
      tf.dispose([mean, variance]);
      return y;
    });
  };
}

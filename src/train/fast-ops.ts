/**
 * Training ops with gradients that avoid the slow paths of the wasm backend:
 * wasm has no Conv2DBackpropFilter kernel, and its matMul with transposeA or
 * transposeB is several times slower than an explicit transpose followed by a
 * plain matMul. These ops compute the same values as tf.matMul / tf.conv2d /
 * tf.maxPool and give the same gradients, using only kernels wasm has.
 * installFastGradients also replaces a few wasm kernels and gradients with
 * faster equivalents (see there).
 */
import * as tf from '@tensorflow/tfjs';
import { installFastBatchNorm } from './fast-batchnorm.js';

type CGF = Parameters<typeof tf.customGrad>[0];
type GradFn = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[];

/** x [n, k] · w [k, m] with explicit-transpose gradients. */
export function matMulFast(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const op = tf.customGrad(((a: tf.Tensor2D, b: tf.Tensor2D, save: tf.GradSaveFunc) => {
    save([a, b]);
    const value = tf.matMul(a, b);
    const gradFunc: GradFn = (dy, [sa, sb]) => [
      tf.matMul(dy as tf.Tensor2D, tf.transpose(sb as tf.Tensor2D)),
      tf.matMul(tf.transpose(sa as tf.Tensor2D), dy as tf.Tensor2D),
    ];
    return { value, gradFunc };
  }) as unknown as CGF);
  return op(x, w) as tf.Tensor2D;
}

export type Padding = 'same' | 'valid';

/** [top, bottom, left, right] zero padding of a stride-1 'same' convolution with a kh x kw kernel. */
function samePads(kh: number, kw: number): [number, number, number, number] {
  const top = Math.floor((kh - 1) / 2);
  const left = Math.floor((kw - 1) / 2);
  return [top, kh - 1 - top, left, kw - 1 - left];
}

/**
 * dW of a stride-1 convolution of x, zero-padded by `pads` ([top, bottom,
 * left, right]), as one convolution:
 * dW[i, j, c, o] = sum_{n, h, w} x[n, h+i, w+j, c] dy[n, h, w, o]
 * = conv2d(x^T [C, H, W, N], dy^T [Ho, Wo, N, O]) transposed to [kh, kw, C, O].
 * (An im2col matMul is no faster on wasm: its matMul repacks the fresh
 * right-hand operand dy on every call.)
 */
export function conv2dFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, pads: [number, number, number, number] = [0, 0, 0, 0]): tf.Tensor4D {
  return tf.tidy(() => {
    const xt = tf.transpose(x, [3, 1, 2, 0]); // [C, H, W, N]
    const dyt = tf.transpose(dy, [1, 2, 0, 3]); // [Ho, Wo, N, O]
    // x's zero padding, if any, is the convolution's own (no padded copy)
    const [t, b, l, r] = pads;
    const pad = t + b + l + r === 0 ? 'valid' : ([[0, 0], [t, b], [l, r], [0, 0]] as tf.backend_util.ExplicitPadding);
    const g = tf.conv2d(xt, dyt, 1, pad); // [C, kh, kw, O]
    return tf.transpose(g, [1, 2, 0, 3]);
  });
}

/**
 * dx of a stride-1 convolution (NHWC, kernel [kh, kw, in, out]) as a forward
 * convolution of dy with the kernel rotated 180 degrees, in/out swapped.
 */
export function conv2dInputGrad(dy: tf.Tensor4D, w: tf.Tensor4D, padding: Padding, xShape: number[]): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw] = w.shape;
    const wRot = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
    // For odd kernels a stride-1 'same' convolution pads symmetrically, so the
    // input gradient is itself a 'same' convolution with the rotated kernel.
    if (padding === 'same' && kh % 2 === 1 && kw % 2 === 1) return tf.conv2d(dy, wRot, 1, 'same');
    // full correlation of dy with the rotated kernel gives d(padded x)
    const dyPad = tf.pad(dy, [
      [0, 0],
      [kh - 1, kh - 1],
      [kw - 1, kw - 1],
      [0, 0],
    ]);
    const dx = tf.conv2d(dyPad, wRot, 1, 'valid');
    if (padding === 'valid') return dx;
    const top = Math.floor((kh - 1) / 2);
    const left = Math.floor((kw - 1) / 2);
    return tf.slice(dx, [0, top, left, 0], [-1, xShape[1], xShape[2], -1]);
  });
}

/**
 * Stride-1 convolution (NHWC, kernel [kh, kw, in, out]); tf.conv2d with the
 * gradient installed by installFastGradients (wasm and cpu: forward
 * convolutions and matMuls only).
 */
export function conv2dFast(x: tf.Tensor4D, w: tf.Tensor4D, padding: Padding): tf.Tensor4D {
  installFastGradients();
  return tf.conv2d(x, w, 1, padding);
}

/** Column sums of a [rows, cols] matrix as a [cols] vector. */
export function columnSums(m: tf.Tensor2D): tf.Tensor1D {
  return tf.sum(m, 0);
}

let installed = false;
let wasmKernelsWrapped = false;

/**
 * The wasm kernel wrappers (data-sharing Identity, leading-axis reductions).
 * They need the wasm backend's kernels to be registered, which happens when
 * its package is imported; until then this does nothing and is tried again on
 * the next call, so a process that trains on another backend first still gets
 * them once it starts wasm.
 */
function wrapWasmKernels(): void {
  if (wasmKernelsWrapped || !tf.getKernel('Identity', 'wasm')) return;
  wasmKernelsWrapped = true;
  shareIdentity();
  for (const k of ['Sum', 'Mean', 'Max', 'Min']) wrapLeadingReduction(k);
}

/**
 * Replaces the gradient of FusedBatchNorm (tfjs' batchNorm op) for
 * per-channel statistics on the last axis with one that broadcasts instead of
 * tiling; other cases keep tfjs' own gradient. Same values, much faster on
 * wasm for 4-D inputs. Also installs the max-pooling and convolution
 * gradients, the wasm reduction wrappers and the data-sharing wasm Identity
 * below, and the training-mode BatchNormalization of fast-batchnorm.ts.
 * Idempotent.
 */
export function installFastGradients(): void {
  wrapWasmKernels();
  if (installed) return;
  installed = true;
  installMaxPoolGradient();
  installConv2DGradient();
  installFastBatchNorm();
  const original = tf.getGradient('FusedBatchNorm');
  if (!original) return;
  tf.registerGradient({
    kernelName: 'FusedBatchNorm',
    inputsToSave: ['x', 'mean', 'variance', 'scale'],
    gradFunc: (dy, saved, attrs) => {
      const [x, mean, variance, scale] = saved;
      const c = x.shape[x.rank - 1];
      if (mean.rank !== 1 || mean.shape[0] !== c || (scale && scale.rank !== 1) || Array.isArray(dy)) {
        return original.gradFunc(dy, saved, attrs);
      }
      const eps = (attrs as { varianceEpsilon: number }).varianceEpsilon;
      const rs = tf.rsqrt(tf.add(variance, eps));
      const k = scale ? tf.mul(rs, scale) : rs;
      const dy2 = tf.reshape(dy, [-1, c]) as tf.Tensor2D;
      const xm2 = tf.reshape(tf.sub(x, mean), [-1, c]) as tf.Tensor2D;
      const sumDy = columnSums(dy2);
      const sumDyXm = columnSums(tf.mul(dy2, xm2) as tf.Tensor2D);
      return {
        x: () => tf.mul(dy, k),
        mean: () => tf.neg(tf.mul(k, sumDy)),
        variance: () => tf.mul(tf.mul(tf.mul(tf.pow(rs, 3), -0.5), scale ?? 1), sumDyXm),
        scale: () => tf.mul(rs, sumDyXm),
        offset: () => sumDy,
      };
    },
  });
}

/**
 * 2x2/stride-2 'valid' max pooling's gradient as an elementwise mask:
 * dx = [x == upsample(y)] * upsample(dy), with nearest-neighbour upsampling.
 * Where several inputs of a window tie for the maximum each receives the
 * gradient (tfjs' own kernel picks one). Other pooling shapes keep tfjs' gradient.
 */
function installMaxPoolGradient(): void {
  const original = tf.getGradient('MaxPool');
  if (!original) return;
  tf.registerGradient({
    kernelName: 'MaxPool',
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, y] = saved;
      const xs = x.shape as number[];
      const a = attrs as { filterSize: number | [number, number]; strides: number | [number, number]; pad: unknown; dimRoundingMode?: unknown };
      const pair = (v: number | [number, number]): [number, number] => (Array.isArray(v) ? v : [v, v]);
      const [fh, fw] = pair(a.filterSize);
      const [sh, sw] = pair(a.strides);
      if (Array.isArray(dy) || x.rank !== 4 || fh !== 2 || fw !== 2 || sh !== 2 || sw !== 2 || a.pad !== 'valid' || xs[1] % 2 !== 0 || xs[2] % 2 !== 0) {
        return original.gradFunc(dy, saved, attrs);
      }
      const [n, h, w, c] = xs;
      return {
        x: () => {
          // Each 2x2 window as axes 2 and 4 of a 6-D view, its maximum and
          // gradient broadcast over them (no upsampling copies). x <= y in
          // every window, so [x == y] = [y - x <= 0] (arithmetic, fast on
          // wasm, unlike its Equal kernel).
          const x6 = tf.reshape(x, [n, h / 2, 2, w / 2, 2, c]);
          const y6 = tf.reshape(y, [n, h / 2, 1, w / 2, 1, c]);
          const dy6 = tf.reshape(dy as tf.Tensor, [n, h / 2, 1, w / 2, 1, c]);
          const mask = tf.sub(1, tf.step(tf.sub(y6, x6)));
          return tf.reshape(tf.mul(mask, dy6), xs);
        },
      };
    },
  });
}

type TensorInfo = { dataId: object; shape: number[]; dtype: string };

/**
 * The wasm backend reduces over axes that are not innermost by transposing the
 * whole tensor first, which is slow for 4-D tensors reduced over [0, 1, 2]
 * (BatchNorm statistics and the gradients of per-channel broadcasts). This
 * wraps the wasm kernel so that a reduction over the leading axes [0..k-1]
 * (k >= 2) is done as one over axis 0 of the same data viewed as 2-D.
 */
function wrapLeadingReduction(kernelName: string): void {
  const orig = tf.getKernel(kernelName, 'wasm');
  if (!orig) return;
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({
    ...orig,
    kernelFunc: (args) => {
      const x = (args.inputs as { x: TensorInfo }).x;
      const attrs = args.attrs as { axis: number | number[]; keepDims: boolean };
      const rank = x.shape.length;
      const axes = (Array.isArray(attrs.axis) ? attrs.axis : [attrs.axis]).map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
      const leading = axes.length >= 2 && axes.length < rank && axes.every((a, i) => a === i);
      if (!leading) return orig.kernelFunc(args);
      const k = axes.length;
      const lead = x.shape.slice(0, k).reduce((p, d) => p * d, 1);
      const x2: TensorInfo = { dataId: x.dataId, shape: [lead, ...x.shape.slice(k)], dtype: x.dtype };
      const out = orig.kernelFunc({ ...args, inputs: { x: x2 } as never, attrs: { ...args.attrs, axis: [0], keepDims: false } as never }) as TensorInfo;
      if (attrs.keepDims) out.shape = [...new Array(k).fill(1), ...x.shape.slice(k)];
      return out as never;
    },
  });
}

/**
 * Backends whose stride-1 convolution gradients are better built from forward
 * convolutions: wasm has no Conv2DBackpropInput / Conv2DBackpropFilter kernels
 * at all, and the pure-JS cpu backend's Conv2DBackpropFilter is very slow (in
 * one training step of the cnn, batch 20: 8.8 s, against 0.17 s for all its
 * forward Conv2Ds). tfjs-node keeps TensorFlow's own kernels.
 */
const FORWARD_CONV_GRADIENT_BACKENDS = new Set(['wasm', 'cpu']);

/**
 * On those backends, stride-1 undilated NHWC convolutions get gradients built
 * from forward convolutions and matMuls (conv2dInputGrad, conv2dFilterGrad);
 * other backends and cases keep tfjs' gradient. As a registered gradient (not
 * tf.customGrad) each input's gradient is computed only when needed: the
 * first layer's input needs none.
 */
function installConv2DGradient(): void {
  const original = tf.getGradient('Conv2D');
  if (!original) return;
  const one = (v: unknown) => v === 1 || (Array.isArray(v) && v.every((e) => e === 1));
  tf.registerGradient({
    kernelName: 'Conv2D',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const a = attrs as { strides: unknown; pad: unknown; dataFormat: string; dilations: unknown };
      const padding = a.pad;
      if (!FORWARD_CONV_GRADIENT_BACKENDS.has(tf.getBackend()) || Array.isArray(dy) || !one(a.strides) || !one(a.dilations) || a.dataFormat !== 'NHWC' || (padding !== 'same' && padding !== 'valid')) {
        return original.gradFunc(dy, saved, attrs);
      }
      const [x, w] = saved as [tf.Tensor4D, tf.Tensor4D];
      const [kh, kw] = w.shape;
      return {
        x: () => conv2dInputGrad(dy as tf.Tensor4D, w, padding, x.shape),
        filter: () => conv2dFilterGrad(x, dy as tf.Tensor4D, padding === 'same' ? samePads(kh, kw) : undefined),
      };
    },
  });
}

/**
 * tfjs clones every tensor a gradient saves (and tf.clone is used for
 * pass-through values) through the Identity kernel, which on wasm copies the
 * data. Tensor data is immutable, so the clone can share it under a reference
 * count, as the cpu backend's Identity and wasm's own Reshape do.
 */
function shareIdentity(): void {
  const orig = tf.getKernel('Identity', 'wasm');
  if (!orig) return;
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({
    ...orig,
    kernelFunc: (args) => {
      const x = (args.inputs as { x: TensorInfo }).x;
      if (x.dtype === 'string') return orig.kernelFunc(args);
      (args.backend as unknown as { incRef(d: object): void }).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype } as never;
    },
  });
}

/**
 * Strided and depthwise convolutions (NHWC) whose gradients use only forward
 * convolutions, padding, reshapes and transposes: the wasm backend has no
 * Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropInput or
 * DepthwiseConv2dNativeBackpropFilter kernel. Values and gradients equal those
 * of tf.conv2d / tf.depthwiseConv2d (TF padding: 'same' puts the odd extra
 * pixel at the bottom/right).
 *
 * With stride s, kernel size k, output size Ho and the input padded by
 * (top, bottom), output row h reads padded rows h*s .. h*s+k-1, so
 * - dx is the full correlation of dy, zero-dilated by s (s-1 zeros between
 *   rows), with the kernel rotated by 180°, cropped to the unpadded rows;
 * - dW[i, .] = sum_h xpad[h*s + i] dy[h]: a correlation of xpad with dy used
 *   as a kernel dilated by s, which is a forward convolution with dilations.
 */
import * as tf from '@tensorflow/tfjs';
import type { Padding } from './fast-ops.js';

type CGF = Parameters<typeof tf.customGrad>[0];
type GradFn = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[];

export type Strides = [number, number];

/** Padding of one spatial axis and the output size, as TF computes them. */
export interface AxisPadding {
  before: number;
  after: number;
  out: number;
}

/**
 * TF's padding of one axis of length n for a kernel of size k and stride s:
 * 'same' gives ceil(n/s) outputs and pads max((out-1)*s + k - n, 0) in total,
 * the smaller half before; 'valid' gives ceil((n-k+1)/s) outputs, no padding.
 */
export function axisPadding(n: number, k: number, s: number, padding: Padding): AxisPadding {
  if (padding === 'valid') {
    if (n < k) throw new Error(`convolution: input size ${n} is smaller than the kernel size ${k} ('valid' padding)`);
    return { before: 0, after: 0, out: Math.ceil((n - k + 1) / s) };
  }
  const out = Math.ceil(n / s);
  const total = Math.max((out - 1) * s + k - n, 0);
  const before = Math.floor(total / 2);
  return { before, after: total - before, out };
}

/** Inserts s-1 zero rows (columns) between the rows (columns) of an NHWC tensor. */
export function dilateSpatial(t: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return t;
  return tf.tidy(() => {
    const [n, h, w, c] = t.shape;
    const spread = tf.pad(tf.reshape(t, [n, h, 1, w, 1, c]), [
      [0, 0],
      [0, 0],
      [0, sh - 1],
      [0, 0],
      [0, sw - 1],
      [0, 0],
    ]);
    // the trailing s-1 zeros after the last row are not part of the dilation
    return tf.slice(tf.reshape(spread, [n, h * sh, w * sw, c]) as tf.Tensor4D, [0, 0, 0, 0], [n, (h - 1) * sh + 1, (w - 1) * sw + 1, c]);
  });
}

/** Pads (positive) or crops (negative) the two spatial axes of an NHWC-like tensor at axes 1 and 2. */
function padOrCrop(t: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D {
  return tf.tidy(() => {
    let r = t;
    if (top > 0 || bottom > 0 || left > 0 || right > 0) {
      r = tf.pad(r, [
        [0, 0],
        [Math.max(top, 0), Math.max(bottom, 0)],
        [Math.max(left, 0), Math.max(right, 0)],
        [0, 0],
      ]);
    }
    if (top < 0 || bottom < 0 || left < 0 || right < 0) {
      const [n, h, w, c] = r.shape;
      const t0 = Math.max(-top, 0);
      const l0 = Math.max(-left, 0);
      r = tf.slice(r, [0, t0, l0, 0], [n, h - t0 - Math.max(-bottom, 0), w - l0 - Math.max(-right, 0), c]);
    }
    return r;
  });
}

/** The geometry shared by the backward passes. */
interface Geometry {
  ph: AxisPadding;
  pw: AxisPadding;
  /** Explicit padding of the zero-dilated dy whose correlation with the rotated kernel is dx. */
  dyPad: [[number, number], [number, number], [number, number], [number, number]];
  /** Rows / columns of x (counted from the unpadded top/left) that the dW correlation needs, as pad(+)/crop(-). */
  xAdjust: [number, number, number, number];
}

function geometry(xShape: number[], kh: number, kw: number, sh: number, sw: number, padding: Padding): Geometry {
  const [, h, w] = xShape;
  const ph = axisPadding(h, kh, sh, padding);
  const pw = axisPadding(w, kw, sw, padding);
  // padded rows actually read by the convolution
  const hu = (ph.out - 1) * sh + kh;
  const wu = (pw.out - 1) * sw + kw;
  return {
    ph,
    pw,
    dyPad: [
      [0, 0],
      [kh - 1 - ph.before, kh - 1 + h + ph.before - hu],
      [kw - 1 - pw.before, kw - 1 + w + pw.before - wu],
      [0, 0],
    ],
    xAdjust: [ph.before, hu - ph.before - h, pw.before, wu - pw.before - w],
  };
}

/**
 * TF's padding as explicit padding: the wasm backend's own 'same' padding is
 * wrong when a stride exceeds the kernel (src/util/wasm-same-padding.ts).
 */
function explicitPadding(g: Geometry): [[number, number], [number, number], [number, number], [number, number]] {
  return [
    [0, 0],
    [g.ph.before, g.ph.after],
    [g.pw.before, g.pw.after],
    [0, 0],
  ];
}

/**
 * tf.conv2d(x, w, strides, padding) (kernel [kh, kw, in, out]) with a
 * backward pass built from forward convolutions; any strides.
 */
export function conv2dStrided(x: tf.Tensor4D, w: tf.Tensor4D, strides: Strides, padding: Padding): tf.Tensor4D {
  const [sh, sw] = strides;
  const [kh, kw] = w.shape;
  const g = geometry(x.shape, kh, kw, sh, sw, padding);
  const op = tf.customGrad(((xi: tf.Tensor4D, wi: tf.Tensor4D, save: tf.GradSaveFunc) => {
    save([xi, wi]);
    const value = tf.conv2d(xi, wi, [sh, sw], explicitPadding(g));
    const gradFunc: GradFn = (dy, [sx, swt]) => {
      const dyd = dilateSpatial(dy as tf.Tensor4D, sh, sw);
      const wRot = tf.transpose(tf.reverse(swt as tf.Tensor4D, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
      const dx = tf.conv2d(dyd, wRot, 1, g.dyPad);
      // dW[i, j, c, o] = sum_{n,h,w} xpad[n, h*sh+i, w*sw+j, c] dy[n, h, w, o]:
      // a convolution over (h, w) with batch n as the reduced channel axis.
      const xt = padOrCrop(tf.transpose(sx as tf.Tensor4D, [3, 1, 2, 0]), ...g.xAdjust); // [C, Hu, Wu, N]
      const dyt = tf.transpose(dy as tf.Tensor4D, [1, 2, 0, 3]) as tf.Tensor4D; // [Ho, Wo, N, O]
      const gw = tf.conv2d(xt, dyt, 1, 'valid', 'NHWC', [sh, sw]); // [C, kh, kw, O]
      return [dx, tf.transpose(gw, [1, 2, 0, 3])];
    };
    return { value, gradFunc };
  }) as unknown as CGF);
  return op(x, w) as tf.Tensor4D;
}

/**
 * tf.depthwiseConv2d(x, w, strides, padding) (kernel [kh, kw, in, multiplier],
 * output channel c*multiplier + m) with a backward pass built from forward
 * depthwise convolutions; any strides.
 */
export function depthwiseConv2dFast(x: tf.Tensor4D, w: tf.Tensor4D, strides: Strides, padding: Padding): tf.Tensor4D {
  const [sh, sw] = strides;
  const [kh, kw, cin, dm] = w.shape;
  const g = geometry(x.shape, kh, kw, sh, sw, padding);
  const op = tf.customGrad(((xi: tf.Tensor4D, wi: tf.Tensor4D, save: tf.GradSaveFunc) => {
    save([xi, wi]);
    const value = tf.depthwiseConv2d(xi, wi, [sh, sw], explicitPadding(g));
    const gradFunc: GradFn = (dy, [sx, swt]) => {
      const [n, h, wd] = sx.shape;
      const [, ho, wo] = dy.shape;
      // dx[., c] = sum_m (dy[., c*dm+m] full-correlated with w[., c, m] rotated):
      // one depthwise convolution with multiplier 1 over the c*dm channels, then a sum over m.
      const dyd = dilateSpatial(dy as tf.Tensor4D, sh, sw);
      const wRot = tf.reshape(tf.reverse(swt as tf.Tensor4D, [0, 1]), [kh, kw, cin * dm, 1]) as tf.Tensor4D;
      const dxm = tf.depthwiseConv2d(dyd, wRot, 1, g.dyPad);
      const dx = dm === 1 ? dxm : tf.sum(tf.reshape(dxm, [n, h, wd, cin, dm]), 4);
      // dW[i, j, c, m] = sum_{n,h,w} xpad[n, h*sh+i, w*sw+j, c] dy[n, h, w, c*dm+m]:
      // a dilated depthwise convolution of x with channels (c, n) by dy used as the kernel, then a sum over n.
      const xs = tf.transpose(padOrCrop(sx as tf.Tensor4D, ...g.xAdjust), [1, 2, 3, 0]); // [Hu, Wu, C, N]
      const xc = tf.reshape(xs, [1, xs.shape[0], xs.shape[1], cin * n]) as tf.Tensor4D;
      const dyt = tf.reshape(tf.transpose(tf.reshape(dy, [n, ho, wo, cin, dm]), [1, 2, 3, 0, 4]), [ho, wo, cin * n, dm]) as tf.Tensor4D;
      const gw = tf.depthwiseConv2d(xc, dyt, 1, 'valid', 'NHWC', [sh, sw]); // [1, kh, kw, C*N*dm]
      const dw = tf.sum(tf.reshape(gw, [kh, kw, cin, n, dm]), 3);
      return [dx, dw];
    };
    return { value, gradFunc };
  }) as unknown as CGF);
  return op(x, w) as tf.Tensor4D;
}

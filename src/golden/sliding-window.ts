/**
 * Sliding windows over NHWC feature maps of integer codes: the reference the
 * golden model uses for convolution inputs and pooling, and what the RTL
 * sliding-window unit (hw/qtsc_swu.sv) and window reducer (hw/qtsc_pool.sv) are
 * checked against.
 *
 * A feature map of ih x iw pixels with c channels is a flat array in
 * (y, x, ch) order, ch fastest (tfjs' NHWC without the batch axis). A window
 * of kh x kw taps is placed at every output position (oy, ox); its tap
 * (ky, kx) reads input pixel (oy*sh + ky - padTop, ox*sw + kx - padLeft), and a
 * tap outside the image reads `padCode` in every channel.
 */
import { QtscError } from '../util/errors.js';

export interface WindowGeometry {
  /** input height and width (pixels) */
  ih: number;
  iw: number;
  /** channels per pixel */
  c: number;
  /** kernel (window) height and width */
  kh: number;
  kw: number;
  /** strides */
  sh: number;
  sw: number;
  /** padding on each side (pixels) */
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
}

function checkGeometry(g: WindowGeometry): void {
  const positive = ['ih', 'iw', 'c', 'kh', 'kw', 'sh', 'sw'] as const;
  const nonNegative = ['padTop', 'padLeft', 'padBottom', 'padRight'] as const;
  for (const k of positive) {
    if (!Number.isInteger(g[k]) || g[k] < 1) throw new QtscError(`window geometry: ${k} must be a positive integer, got ${g[k]}`);
  }
  for (const k of nonNegative) {
    if (!Number.isInteger(g[k]) || g[k] < 0) throw new QtscError(`window geometry: ${k} must be a non-negative integer, got ${g[k]}`);
  }
}

/**
 * Output size: oh = floor((ih + padTop + padBottom - kh) / sh) + 1, and the same
 * for ow. Throws when the kernel does not fit the padded input (oh or ow < 1).
 */
export function windowOutputSize(g: WindowGeometry): { oh: number; ow: number } {
  checkGeometry(g);
  const oh = Math.floor((g.ih + g.padTop + g.padBottom - g.kh) / g.sh) + 1;
  const ow = Math.floor((g.iw + g.padLeft + g.padRight - g.kw) / g.sw) + 1;
  if (oh < 1 || ow < 1) {
    throw new QtscError(
      `window geometry: a ${g.kh}x${g.kw} kernel does not fit a ${g.ih}x${g.iw} input padded ${g.padTop},${g.padLeft},${g.padBottom},${g.padRight} (top, left, bottom, right)`,
    );
  }
  return { oh, ow };
}

/**
 * TensorFlow's (and tfjs') padding of one axis for padding 'same': ceil(in/stride)
 * outputs, total padding max((out-1)*stride + k - in, 0), the smaller half
 * before. Returns [before, after].
 */
export function samePadding(inSize: number, k: number, stride: number): [number, number] {
  for (const [name, v] of [['inSize', inSize], ['k', k], ['stride', stride]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new QtscError(`samePadding: ${name} must be a positive integer, got ${v}`);
  }
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + k - inSize, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/**
 * Every window of an ih*iw*c input (NHWC codes), in the order the sliding-window
 * unit emits them: (oy, ox, ky, kx, ch), ch fastest, oh*ow*kh*kw*c codes in all.
 * Taps outside the image are `padCode`.
 */
export function slidingWindow(input: ArrayLike<number>, g: WindowGeometry, padCode: number): Int32Array {
  const { oh, ow } = windowOutputSize(g);
  const { ih, iw, c, kh, kw, sh, sw, padTop, padLeft } = g;
  if (input.length !== ih * iw * c) throw new QtscError(`slidingWindow: input has ${input.length} codes, ${ih}x${iw}x${c} = ${ih * iw * c} expected`);
  const out = new Int32Array(oh * ow * kh * kw * c);
  let o = 0;
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      for (let ky = 0; ky < kh; ky++) {
        const y = oy * sh + ky - padTop;
        for (let kx = 0; kx < kw; kx++) {
          const x = ox * sw + kx - padLeft;
          const inside = y >= 0 && y < ih && x >= 0 && x < iw;
          const base = (y * iw + x) * c;
          for (let ch = 0; ch < c; ch++) out[o++] = inside ? input[base + ch] : padCode;
        }
      }
    }
  }
  return out;
}

/**
 * Reduces windows (as slidingWindow returns them: `taps` taps of `c` channels
 * each, tap-major) per channel: the maximum or the sum over the window's taps.
 * Output (window, ch), windows*c values.
 */
export function poolWindows(windows: ArrayLike<number>, taps: number, c: number, mode: 'max' | 'sum'): Int32Array {
  if (!Number.isInteger(taps) || taps < 1 || !Number.isInteger(c) || c < 1) throw new QtscError(`poolWindows: taps and c must be positive integers, got ${taps}, ${c}`);
  const per = taps * c;
  if (windows.length % per !== 0) throw new QtscError(`poolWindows: ${windows.length} codes are not whole windows of ${taps} taps x ${c} channels`);
  const n = windows.length / per;
  const out = new Int32Array(n * c);
  for (let w = 0; w < n; w++) {
    for (let ch = 0; ch < c; ch++) {
      let acc = windows[w * per + ch];
      for (let t = 1; t < taps; t++) {
        const v = windows[w * per + t * c + ch];
        acc = mode === 'max' ? Math.max(acc, v) : acc + v;
      }
      out[w * c + ch] = acc;
    }
  }
  return out;
}

/** The geometry of an IR window (kernel, stride, [top, left, bottom, right] padding) over a map [ih, iw, c]. */
export function windowGeometry(w: { kernel: [number, number]; stride: [number, number]; pad: [number, number, number, number] }, shape: [number, number, number]): WindowGeometry {
  return {
    ih: shape[0], iw: shape[1], c: shape[2],
    kh: w.kernel[0], kw: w.kernel[1], sh: w.stride[0], sw: w.stride[1],
    padTop: w.pad[0], padLeft: w.pad[1], padBottom: w.pad[2], padRight: w.pad[3],
  };
}

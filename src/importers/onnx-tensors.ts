/**
 * Index arithmetic on row-major ONNX tensors, shared by constant folding
 * (initializers behind Transpose, Reshape, Quant...) and by the layout
 * bookkeeping of streams (which ONNX element each stream element is).
 */
import type { Tensor } from './onnx-model.js';

export const numel = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

function strides(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let d = dims.length - 2; d >= 0; d--) s[d] = s[d + 1] * dims[d + 1];
  return s;
}

/**
 * For Transpose(perm) of a tensor of `dims`: the output dims, and for every
 * output element (row-major) the index of the input element it takes.
 */
export function transposeSource(dims: readonly number[], perm: readonly number[]): { dims: number[]; source: Int32Array } {
  const out = perm.map((p) => dims[p]);
  const inStrides = strides(dims);
  const n = numel(out);
  const source = new Int32Array(n);
  const idx = new Array<number>(out.length).fill(0);
  for (let j = 0; j < n; j++) {
    let src = 0;
    for (let d = 0; d < out.length; d++) src += idx[d] * inStrides[perm[d]];
    source[j] = src;
    for (let d = out.length - 1; d >= 0; d--) {
      if (++idx[d] < out[d]) break;
      idx[d] = 0;
    }
  }
  return { dims: out, source };
}

export function transposeTensor(t: Tensor, perm: readonly number[]): Tensor {
  const { dims, source } = transposeSource(t.dims, perm);
  return { dims, data: Float64Array.from(source, (s) => t.data[s]) };
}

/** Numpy-style broadcast of `from` to `to`, or null when the shapes do not broadcast. */
export function broadcastSource(from: readonly number[], to: readonly number[]): Int32Array | null {
  if (from.length > to.length) return null;
  const pad = [...new Array<number>(to.length - from.length).fill(1), ...from];
  if (pad.some((d, k) => d !== 1 && d !== to[k])) return null;
  const fs = strides(pad);
  const n = numel(to);
  const source = new Int32Array(n);
  const idx = new Array<number>(to.length).fill(0);
  for (let j = 0; j < n; j++) {
    let src = 0;
    for (let d = 0; d < to.length; d++) if (pad[d] !== 1) src += idx[d] * fs[d];
    source[j] = src;
    for (let d = to.length - 1; d >= 0; d--) {
      if (++idx[d] < to[d]) break;
      idx[d] = 0;
    }
  }
  return source;
}

/** The broadcast shape of two shapes, or null. */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    const x = a[a.length - n + k] ?? 1;
    const y = b[b.length - n + k] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Elementwise f over two broadcast tensors, or null when they do not broadcast. */
export function elementwise(a: Tensor, b: Tensor, f: (x: number, y: number) => number): Tensor | null {
  const dims = broadcastShape(a.dims, b.dims);
  if (!dims) return null;
  const sa = broadcastSource(a.dims, dims)!;
  const sb = broadcastSource(b.dims, dims)!;
  return { dims, data: Float64Array.from(sa, (s, j) => f(a.data[s], b.data[sb[j]])) };
}

/**
 * Reshape's target shape resolved: 0 copies the input dimension (unless
 * allowzero), -1 takes what is left. Returns an error text instead of dims.
 */
export function reshapeDims(dims: readonly number[], target: readonly number[], allowZero: boolean): number[] | string {
  const out = target.map((d, k) => (d === 0 && !allowZero ? dims[k] : d));
  if (out.some((d) => d === undefined || !Number.isInteger(d) || d < -1)) return `target shape [${target.join(', ')}] is not valid for input [${dims.join(', ')}]`;
  const free = out.filter((d) => d === -1).length;
  if (free > 1) return `target shape [${target.join(', ')}] has more than one -1`;
  const known = out.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const total = numel(dims);
  if (free === 1) {
    if (known === 0 || total % known !== 0) return `target shape [${target.join(', ')}] does not divide the ${total} elements of [${dims.join(', ')}]`;
    out[out.indexOf(-1)] = total / known;
  }
  if (numel(out) !== total) return `target shape [${target.join(', ')}] has ${numel(out)} elements, the input [${dims.join(', ')}] ${total}`;
  return out;
}

/** Half-to-even rounding (ONNX's and QONNX's ROUND). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

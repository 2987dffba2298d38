/**
 * Bit-efficiency statistics of a quantization (paper 002, section III.b and
 * IV.d): quartiles of the float and quantized values, their histograms on
 * common bins, the fraction of quantization levels in use, the entropy of
 * the codes and their gzip-compressed size.
 */
import * as zlib from 'node:zlib';

export interface Quartiles {
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
  mean: number;
  std: number;
}

/** Quartiles by linear interpolation between order statistics (numpy's default), mean and population std. */
export function quartiles(values: ArrayLike<number>): Quartiles {
  const n = values.length;
  if (n === 0) return { min: 0, q1: 0, median: 0, q3: 0, max: 0, mean: 0, std: 0 };
  const s = Float64Array.from(values as ArrayLike<number>).sort();
  const at = (p: number): number => {
    const pos = p * (n - 1);
    const i = Math.floor(pos);
    const f = pos - i;
    return i + 1 < n ? s[i] + f * (s[i + 1] - s[i]) : s[i];
  };
  let sum = 0;
  for (const v of s) sum += v;
  const mean = sum / n;
  let ss = 0;
  for (const v of s) ss += (v - mean) ** 2;
  return { min: s[0], q1: at(0.25), median: at(0.5), q3: at(0.75), max: s[n - 1], mean, std: Math.sqrt(ss / n) };
}

export interface Histogram {
  /** Bin edges, bins + 1 of them; the last bin includes its upper edge. */
  edges: number[];
  counts: number[];
}

/** Counts of values in `bins` equal bins over [lo, hi] (values outside go to the end bins). */
export function histogram(values: ArrayLike<number>, lo: number, hi: number, bins: number): Histogram {
  if (!(bins >= 1)) throw new Error(`histogram: bins must be at least 1, got ${bins}`);
  if (!(hi > lo)) hi = lo + 1;
  const w = (hi - lo) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const b = Math.floor((values[i] - lo) / w);
    counts[b < 0 ? 0 : b >= bins ? bins - 1 : b]++;
  }
  return { edges: Array.from({ length: bins + 1 }, (_, i) => lo + i * w), counts };
}

/** The float and the quantized values' histograms on the same bins, spanning both. */
export function pairedHistograms(float: ArrayLike<number>, quantized: ArrayLike<number>, bins: number): { edges: number[]; float: number[]; quantized: number[] } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of [float, quantized]) {
    for (let i = 0; i < a.length; i++) {
      if (a[i] < lo) lo = a[i];
      if (a[i] > hi) hi = a[i];
    }
  }
  if (lo === Infinity) lo = hi = 0;
  const f = histogram(float, lo, hi, bins);
  const q = histogram(quantized, lo, hi, bins);
  return { edges: f.edges, float: f.counts, quantized: q.counts };
}

/** Number of distinct codes among `codes`. */
export function distinctCodes(codes: ArrayLike<number>): number {
  return new Set(Array.from(codes)).size;
}

/** Shannon entropy of the codes in bits per code: the fewest bits an ideal coder needs. */
export function codeEntropy(codes: ArrayLike<number>): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < codes.length; i++) counts.set(codes[i], (counts.get(codes[i]) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / codes.length;
    h -= p * Math.log2(p);
  }
  return h === 0 ? 0 : h; // -0 -> 0
}

/** Bytes of the codes stored plainly: one byte each up to 8 bits, two (little-endian) up to 16. */
export function codeBytes(codes: ArrayLike<number>, bits: number): Buffer {
  if (bits <= 8) return Buffer.from(Uint8Array.from(codes as ArrayLike<number>));
  const b = Buffer.alloc(codes.length * 2);
  for (let i = 0; i < codes.length; i++) b.writeUInt16LE(codes[i], i * 2);
  return b;
}

/** Size in bytes of the codes bit-packed at `bits` bits each. */
export function packedBytes(count: number, bits: number): number {
  return Math.ceil((count * bits) / 8);
}

/** gzip (level 9) size of a buffer, in bytes. */
export function gzipBytes(data: Uint8Array): number {
  return zlib.gzipSync(data, { level: 9 }).length;
}

/** Signal-to-quantization-noise ratio in dB (Infinity when exact). */
export function sqnrDb(float: ArrayLike<number>, quantized: ArrayLike<number>): number {
  let sig = 0;
  let noise = 0;
  for (let i = 0; i < float.length; i++) {
    sig += float[i] * float[i];
    noise += (float[i] - quantized[i]) ** 2;
  }
  if (noise === 0) return Infinity;
  return 10 * Math.log10(sig / noise);
}

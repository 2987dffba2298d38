/**
 * Integer weights for layers that need multipliers (--allow-mult): exact when
 * every weight is a small integer multiple of the smallest magnitude, else
 * symmetric per-tensor int8 (scale = max|w|/127).
 */
import { signedWidth } from '../ir/hardware-ir.js';

export interface IntegerWeights {
  /** [units][inFeatures] two's complement codes of `bits` bits. */
  codes: number[][];
  bits: number;
  scale: number;
  exact: boolean;
}

export function integerWeights(kernel: Float32Array, inFeatures: number, units: number): IntegerWeights {
  const mags = Array.from(kernel, Math.abs).filter((v) => v > 0);
  const maxAbs = mags.length ? Math.max(...mags) : 1;
  const minAbs = mags.length ? Math.min(...mags) : 1;
  let scale = minAbs;
  let exact = maxAbs / minAbs <= 127 && Array.from(kernel).every((w) => {
    const n = w / scale;
    return Math.abs(n - Math.round(n)) <= 1e-6 * Math.max(1, Math.abs(n));
  });
  if (!exact) scale = maxAbs / 127;
  const ints = Array.from({ length: units }, (_, c) => Array.from({ length: inFeatures }, (_, i) => Math.round(kernel[i * units + c] / scale)));
  let lo = 0;
  let hi = 0;
  for (const row of ints) for (const v of row) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const bits = Math.max(2, signedWidth(lo, hi));
  const mask = 2 ** bits - 1;
  exact = exact && ints.length > 0;
  return { codes: ints.map((row) => row.map((v) => v & mask)), bits, scale, exact };
}

/**
 * What hardware a value space needs. XNOR-capable spaces are {-c, +c};
 * shift-capable spaces hold only ±c·2^-k (and possibly 0); anything else needs
 * multipliers. The class also fixes how a weight value becomes a ROM code.
 */
import { type WeightCoding, clog2 } from './hardware-ir.js';

export type SpaceClass =
  | { kind: 'binary'; scale: number }
  | { kind: 'pow2'; scale: number; levels: number; hasZero: boolean }
  | { kind: 'general' };

const REL_TOL = 1e-6;

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= REL_TOL * Math.max(1, Math.abs(a), Math.abs(b));
}

/** Largest number of power-of-two levels a shifter lane is built for. */
export const MAX_POW2_LEVELS = 16;

export function classifySpace(values: readonly number[]): SpaceClass {
  if (values.length === 2 && values[0] < 0 && close(values[0], -values[1])) {
    return { kind: 'binary', scale: values[1] };
  }
  const nonzero = values.filter((v) => v !== 0);
  if (nonzero.length === 0) return { kind: 'general' };
  const scale = Math.max(...nonzero.map(Math.abs));
  let maxK = 0;
  for (const v of nonzero) {
    const k = -Math.log2(Math.abs(v) / scale);
    const kr = Math.round(k);
    if (Math.abs(k - kr) > 1e-9 || kr >= MAX_POW2_LEVELS) return { kind: 'general' };
    maxK = Math.max(maxK, kr);
  }
  return { kind: 'pow2', scale, levels: maxK + 1, hasZero: nonzero.length !== values.length };
}

export function describeSpace(values: readonly number[]): string {
  return `{${values.map((v) => String(v)).join(', ')}}`;
}

/** Index of the candidate equal (within tolerance) to w, or -1. */
export function candidateIndex(values: readonly number[], w: number): number {
  for (let i = 0; i < values.length; i++) if (close(values[i], w)) return i;
  return -1;
}

/**
 * Weight coding and real scale (real weight = scale * engine value) of a
 * binary or pow2 class.
 */
export function codingOf(cls: Exclude<SpaceClass, { kind: 'general' }>): { coding: WeightCoding; scale: number } {
  if (cls.kind === 'binary') return { coding: { kind: 'binary' }, scale: cls.scale };
  return {
    coding: { kind: 'pow2', levels: cls.levels, hasZero: cls.hasZero },
    scale: cls.scale * 2 ** -(cls.levels - 1),
  };
}

/** ROM code of a real weight w under a binary or pow2 class (w must be a candidate). */
export function encodeWeight(cls: Exclude<SpaceClass, { kind: 'general' }>, w: number): number {
  if (cls.kind === 'binary') return w > 0 ? 1 : 0;
  const e = clog2(cls.levels);
  if (w === 0 || Math.abs(w) < cls.scale * 2 ** -(MAX_POW2_LEVELS + 1)) {
    if (!cls.hasZero) throw new Error('zero weight in a space without zero');
    return 1 << (e + 1);
  }
  const k = Math.round(-Math.log2(Math.abs(w) / cls.scale));
  return ((w < 0 ? 1 : 0) << e) | k;
}

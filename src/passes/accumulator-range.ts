/**
 * Exact accumulator ranges from the actual weight codes and the input range,
 * not from worst cases: for each channel the sum of the smallest and of the
 * largest term each weight can produce. Every partial sum (any subset of a
 * channel's terms, as an adder tree or a folded accumulation forms it) lies in
 * the same range, because each term's range contains 0 or is symmetric, so
 * one width serves the whole datapath of a lane.
 */
import {
  type ActType,
  type EngineKind,
  type WeightCoding,
  actRange,
  signedWidth,
  unsignedWidth,
  weightValue,
} from '../ir/hardware-ir.js';

export interface AccumulatorShape {
  engine: EngineKind;
  mw: number;
  input: ActType;
  weights: WeightCoding;
  weightCodes: number[][];
}

/** [lo, hi] of every channel's accumulator. */
export function channelAccRanges(n: AccumulatorShape): Array<[number, number]> {
  if (n.engine === 'xnor-popcount') return n.weightCodes.map((): [number, number] => [0, n.mw]);
  const [aLo, aHi] = actRange(n.input);
  return n.weightCodes.map((row) => {
    let lo = 0;
    let hi = 0;
    for (const code of row) {
      const w = weightValue(n.weights, code);
      const p = w * aLo;
      const q = w * aHi;
      lo += Math.min(p, q);
      hi += Math.max(p, q);
    }
    return [lo, hi];
  });
}

/** Range over all channels, and the accumulator width that holds it. */
export function accumulatorRange(n: AccumulatorShape): { accRange: [number, number]; accWidth: number } {
  const ranges = channelAccRanges(n);
  const lo = Math.min(0, ...ranges.map((r) => r[0]));
  const hi = Math.max(0, ...ranges.map((r) => r[1]));
  const accWidth = n.engine === 'xnor-popcount' ? unsignedWidth(n.mw) : signedWidth(lo, hi);
  return { accRange: [lo, hi], accWidth };
}

/**
 * The domain the threshold comparison works in: e = acc or -acc. Thresholds
 * are clamped to [lo, hi + 1] of that domain (lo: always true, hi + 1: never),
 * so their width is that of the clamped range.
 */
export function thresholdDomain(accRange: [number, number]): { lo: number; hi: number; width: number } {
  const lo = Math.min(accRange[0], -accRange[1]);
  const hi = Math.max(accRange[1], -accRange[0]);
  return { lo, hi, width: signedWidth(lo, hi + 1) };
}

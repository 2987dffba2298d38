/**
 * Pass (the arithmetic heart): fold dense bias, BatchNorm and the activation
 * quantizer of one block into integer thresholds on the accumulator.
 *
 * Per channel the block computes z = A*acc + B exactly (A from the input step,
 * weight scale and BN scale; B from bias, BN shift and mean). A quantizer
 * fires level j when z >= t_j, so
 *   A > 0:  acc >= (t_j - B)/A   ->  T_j = ceil((t_j - B)/A)
 *   A < 0:  -acc >= -(t_j - B)/A ->  T_j = ceil(-(t_j - B)/A), negate
 *   A = 0:  constant: always (B >= t_j) or never.
 * Thresholds are clamped to the reachable range, which keeps them narrow and
 * changes nothing. See docs/arithmetic.md.
 */
import type { ThresholdStage, ActType } from '../ir/hardware-ir.js';
import { type Activation, quantStep } from '../ir/graph-ir.js';
import { thresholdDomain } from './accumulator-range.js';

/** Per-channel affine map from the accumulator to the block's pre-activation. */
export interface ChannelAffine {
  a: Float64Array;
  b: Float64Array;
}

/** ceil that treats values within float noise of an integer as that integer. */
export function ceilTolerant(q: number): number {
  const r = Math.round(q);
  if (Math.abs(q - r) <= 1e-9 * Math.max(1, Math.abs(q))) return r;
  return Math.ceil(q);
}

/** The quantizer decision points of an activation, ascending, and its output type. */
export function quantizerLevels(act: Activation): { points: number[]; out: ActType; step: number } | null {
  if (act.fn === 'sign') return { points: [0], out: { kind: 'bipolar' }, step: 1 };
  if (act.fn === 'quant') {
    const s = quantStep(act);
    const n = 2 ** act.bits - 1;
    return { points: Array.from({ length: n }, (_, j) => (j + 0.5) * s), out: { kind: 'uint', bits: act.bits }, step: s };
  }
  return null;
}

export function foldThresholds(affine: ChannelAffine, points: number[], out: ActType, accRange: [number, number]): ThresholdStage {
  const dom = thresholdDomain(accRange);
  const clamp = (t: number) => Math.min(dom.hi + 1, Math.max(dom.lo, t));
  const mh = affine.a.length;
  const thresholds: number[][] = [];
  const negate: boolean[] = [];
  for (let c = 0; c < mh; c++) {
    const A = affine.a[c];
    const B = affine.b[c];
    const neg = A < 0;
    negate.push(neg);
    thresholds.push(
      points.map((t) => {
        if (A === 0 || !Number.isFinite((t - B) / A)) return B >= t ? dom.lo : dom.hi + 1;
        const q = (t - B) / A;
        return clamp(neg ? ceilTolerant(-q) : ceilTolerant(q));
      }),
    );
  }
  return { kind: 'thresholds', count: points.length, thresholds, negate, thresholdWidth: dom.width, out };
}

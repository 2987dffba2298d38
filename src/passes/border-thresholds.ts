/**
 * Pass helper: thresholds per border class for a padded convolution over ±1
 * inputs (BorderClasses in src/ir/hardware-ir.ts, docs/arithmetic.md).
 *
 * The sliding window emits a padded tap as the code of -1, so the engine's
 * dot product is dot' = dot - S, S the sum of the engine weights on the
 * padded taps (each added as w * -1 where the model has w * 0). For the
 * pixels of one class S is a constant per channel, so the true
 * pre-activation z = A0*dot + B = A0*dot' + (B + A0*S): the class's
 * thresholds are the block's thresholds with B moved by A0*S, computed from
 * the real numbers and rounded once (no half steps of the popcount form).
 */
import type { BorderClasses, EngineKind, ThresholdStage, Window } from '../ir/hardware-ir.js';
import { borderGeometry, paddedTaps } from '../ir/border-classes.js';
import { type ChannelAffine, foldThresholds } from './fold-thresholds.js';

export interface BorderInput {
  window: Window;
  /** Input map height and width of the window. */
  ih: number;
  iw: number;
  /** [outputs][taps*tapWidth]: engine values of the weights, taps in (ky, kx) order. */
  weights: number[][];
  /** Weights per tap of one output channel: input channels (MVU) or 1 (depthwise). */
  tapWidth: number;
  engine: EngineKind;
  affine: ChannelAffine;
  points: number[];
  out: ThresholdStage['out'];
  accRange: [number, number];
}

/** Border classes with thresholds per class, or null when no output pixel reads a padded tap. */
export function borderThresholds(p: BorderInput): BorderClasses | null {
  if (p.window.pad.every((v) => v === 0)) return null;
  const g = borderGeometry(p.window, p.ih, p.iw);
  const rowClasses = g.rows.padded.length;
  const colClasses = g.cols.padded.length;
  if (rowClasses === 1 && colClasses === 1) return null;
  const thresholds: number[][][] = [];
  for (let k = 0; k < rowClasses * colClasses; k++) {
    const taps = paddedTaps(g, p.window.kernel, k);
    const b = Float64Array.from(p.affine.b, (B, c) => {
      let s = 0;
      for (const t of taps) for (let j = 0; j < p.tapWidth; j++) s += p.weights[c][t * p.tapWidth + j];
      // The affine maps the accumulator; in the popcount form acc = (mw + dot)/2, so A0 = A/2.
      const a0 = p.engine === 'xnor-popcount' ? p.affine.a[c] / 2 : p.affine.a[c];
      return B + a0 * s;
    });
    thresholds.push(foldThresholds({ a: p.affine.a, b }, p.points, p.out, p.accRange).thresholds);
  }
  return { rowClass: g.rows.cls, colClass: g.cols.cls, rowClasses, colClasses, thresholds };
}

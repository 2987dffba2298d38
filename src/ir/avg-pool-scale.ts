/**
 * Exact integer average pooling when padded taps do not count (tfjs 'same',
 * ONNX AveragePool count_include_pad=0): the window at output (oy, ox) holds
 * n(oy, ox) = rows(oy) * cols(ox) taps inside the image, and its mean is
 * sum / n. A single divisor for every position keeps the mean's scale a
 * constant that the next layer's thresholds absorb: with Lr = lcm of rows(oy)
 * and Lc = lcm of cols(ox), the pool emits sum * (Lr / rows(oy)) * (Lc / cols(ox)),
 * an integer, and mean = that / (Lr * Lc). Lr * Lc is the lcm of all n, since
 * for every prime the largest exponent of a product a*b is the sum of the
 * largest exponents of a and of b (docs/arithmetic.md, average pooling).
 */
import { QtscError } from '../util/errors.js';
import { type AvgPoolScale, type Window, windowOutput } from './hardware-ir.js';
import { axisClasses } from './border-classes.js';

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Taps inside the image along one axis, per output position: the kernel less its padded offsets. */
function insideCounts(size: number, k: number, stride: number, padBefore: number, out: number): number[] {
  const a = axisClasses(size, k, stride, padBefore, Math.max(out, 0));
  return a.cls.map((c) => k - a.padded[c].length);
}

function axisFactors(counts: number[], where: string): { factors: number[]; lcm: number } {
  if (counts.some((n) => n < 1)) throw new QtscError(`${where}: a window lies wholly in the padding (no tap inside the image, no mean)`);
  const lcm = counts.reduce((l, n) => (l / gcd(l, n)) * n, 1);
  return { factors: counts.map((n) => lcm / n), lcm };
}

/** The per-row and per-column factors and the common divisor of a padded window over an ih x iw map. */
export function avgPoolScale(window: Window, ih: number, iw: number, where = 'average pool'): AvgPoolScale {
  const [kh, kw] = window.kernel;
  const [sh, sw] = window.stride;
  const { oh, ow } = windowOutput(window, ih, iw);
  const r = axisFactors(insideCounts(ih, kh, sh, window.pad[0], oh), where);
  const c = axisFactors(insideCounts(iw, kw, sw, window.pad[1], ow), where);
  return { rows: r.factors, cols: c.factors, divisor: r.lcm * c.lcm };
}

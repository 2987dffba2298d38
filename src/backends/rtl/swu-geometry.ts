/**
 * Sizes of the sliding-window unit (hw/qtsc_swu.sv) for reports and estimates:
 * its line buffer holds R = min(kh, ih) + sh input rows of iw pixels, each pixel
 * c/simd words of simd elements. min(kh, ih) rows are the most one band (the
 * window rows of one output row) covers; the other sh rows let the next band's
 * new rows arrive while the current band is emitted.
 */
import { type WindowGeometry, windowOutputSize } from '../../golden/sliding-window.js';
import { QtscError } from '../../util/errors.js';

/** Rows the line buffer holds. */
export function swuBufferRows(g: WindowGeometry): number {
  windowOutputSize(g);
  return Math.min(g.kh, g.ih) + g.sh;
}

/** Words (of simd elements) in the line buffer: swuBufferRows(g) * iw * c/simd. */
export function swuBufferWords(g: WindowGeometry, simd: number): number {
  if (!Number.isInteger(simd) || simd < 1 || g.c % simd !== 0) throw new QtscError(`swu: simd ${simd} must be a positive divisor of c = ${g.c}`);
  return swuBufferRows(g) * g.iw * (g.c / simd);
}

/** Input and output words per frame, and the steady-state cycles per frame the unit aims for (the larger of the two). */
export function swuWordsPerFrame(g: WindowGeometry, simd: number): { input: number; output: number; cycles: number } {
  if (!Number.isInteger(simd) || simd < 1 || g.c % simd !== 0) throw new QtscError(`swu: simd ${simd} must be a positive divisor of c = ${g.c}`);
  const { oh, ow } = windowOutputSize(g);
  const groups = g.c / simd;
  const input = g.ih * g.iw * groups;
  const output = oh * ow * g.kh * g.kw * groups;
  return { input, output, cycles: Math.max(input, output) };
}

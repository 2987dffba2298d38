/**
 * The size guard: a design whose estimated LUT count is beyond any FPGA a user
 * plausibly has (a mistyped fold, a model far larger than meant) is refused
 * before its RTL is written, since emitting, linting or synthesizing it would
 * take hours or exhaust memory. --force builds it anyway.
 */
import { QtscError } from '../../util/errors.js';
import type { RtlEstimate } from './resources.js';

/**
 * More LUTs than almost any FPGA holds (a Virtex UltraScale+ VU13P has 1.73M;
 * only the very largest parts, such as the VU19P with 4.1M, have more): a
 * design beyond it is almost always a mistake, and one meant for such a part
 * says so with --max-luts or --force.
 */
export const DEFAULT_MAX_LUTS = 2_000_000;

export interface SizeGuard {
  maxLuts: number;
  force: boolean;
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');

/** Throws a QtscError when the estimated LUTs of the RTL about to be written are above the guard, unless forced. */
export function checkSizeGuard({ plan, estimate: est }: RtlEstimate, guard: SizeGuard): void {
  const luts = est.total.luts;
  if (luts <= guard.maxLuts || guard.force) return;
  const largest = est.nodes.reduce((a, b) => (b.luts > a.luts ? b : a));
  throw new QtscError(
    `design '${plan.top}': estimated ${n(luts)} LUTs (largest: '${largest.name}', ${n(largest.luts)} LUTs) is above the size guard of ${n(guard.maxLuts)} LUTs; ` +
      `fold the layers further (--fold, --target-cycles), raise the guard with --max-luts N, or build it anyway with --force`,
  );
}

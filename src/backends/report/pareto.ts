/**
 * What the folding optimizer leaves in OUT: pareto.json (the front, the
 * chosen point and the automatic folding's, by the analytic estimate) and
 * pareto.svg (the same as a chart), and the one-line summary gen-hw prints.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import type { OptimizedFolding } from '../../passes/optimize-folding.js';
import { paretoSvg } from './svg-charts.js';

/** Clock assumed for frames per second when none is given (MHz). */
export const DEFAULT_CLOCK_MHZ = 100;

export const FoldingPointSchema = z.object({
  cyclesPerFrame: z.number(),
  fps: z.number(),
  luts: z.number(),
  ffs: z.number(),
  brams: z.number(),
  dsps: z.number(),
  bottleneck: z.string(),
  folding: z.array(z.object({ node: z.string(), pe: z.number().int().positive(), simd: z.number().int().positive() })),
});

export const ParetoFileSchema = z.object({
  clockMHz: z.number().positive(),
  goal: z.object({ targetFps: z.number().optional(), lutBudget: z.number().optional(), bramBudget: z.number().optional() }),
  chosen: FoldingPointSchema,
  /** autoFold's folding, estimated the same way. */
  automatic: FoldingPointSchema,
  /** Fastest first; no point beats another on both cycles and LUTs. */
  front: z.array(FoldingPointSchema),
});
export type ParetoFile = z.infer<typeof ParetoFileSchema>;

export function paretoFile(f: OptimizedFolding): ParetoFile {
  const { targetFps, lutBudget, bramBudget } = f.goal;
  const goal = Object.fromEntries(Object.entries({ targetFps, lutBudget, bramBudget }).filter(([, v]) => v !== undefined));
  return { clockMHz: f.goal.clockMHz, goal, chosen: f.chosen, automatic: f.baseline, front: f.front };
}

export function writePareto(dir: string, f: OptimizedFolding): void {
  const data = paretoFile(f);
  fs.writeFileSync(path.join(dir, 'pareto.json'), JSON.stringify(data, null, 2) + '\n');
  fs.writeFileSync(path.join(dir, 'pareto.svg'), paretoSvg(data.front, { chosen: data.chosen, baseline: data.automatic, clockMHz: data.clockMHz }));
}

export function foldingSummary(f: OptimizedFolding): string {
  const c = f.chosen;
  const b = f.baseline;
  return (
    `folding: ${c.cyclesPerFrame} cycles/frame (${c.fps.toFixed(1)} frames/s at ${f.goal.clockMHz} MHz), ~${c.luts} LUTs, ${c.brams} RAMB36` +
    ` (automatic folding: ${b.cyclesPerFrame} cycles/frame, ~${b.luts} LUTs)` +
    (f.front.length ? `; Pareto front of ${f.front.length} foldings` : '') +
    ` in ${(f.elapsedMs / 1000).toFixed(1)} s`
  );
}

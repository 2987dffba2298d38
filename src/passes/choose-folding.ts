/**
 * Pass: folding. PE output channels and SIMD inputs per cycle for every MVU,
 * from a user's fold file or chosen automatically. An MVU takes
 * (MH/PE)*(MW/SIMD) cycles per frame and the pipeline runs at the pace of its
 * slowest MVU, so the automatic choice gives every MVU the fewest lanes
 * (PE*SIMD) that reach a common cycle target, and wastes none on MVUs that
 * would only wait.
 */
import * as fs from 'node:fs';
import { z } from 'zod';
import type { HardwareIR, MvuNode } from '../ir/hardware-ir.js';
import { QtscError } from '../util/errors.js';
import { readJsonFile, validateJson } from '../util/json-file.js';
import { divisors } from '../util/random.js';

export const FoldEntrySchema = z.object({
  pe: z.number().int().positive(),
  simd: z.number().int().positive(),
});

export const FoldFileSchema = z.object({
  /** Keyed by the Dense layer's name in the model (or the MVU's name in ir.json). */
  layers: z.record(z.string(), FoldEntrySchema),
});
export type FoldFile = z.infer<typeof FoldFileSchema>;

/** Lanes the largest MVU gets when no target is given. */
export const DEFAULT_MAX_LANES = 64;

export function nodeCycles(n: Pick<MvuNode, 'mw' | 'mh' | 'pe' | 'simd'>): number {
  return (n.mh / n.pe) * (n.mw / n.simd);
}

/** Fewest lanes meeting `target` cycles; among equals, prefer wider SIMD (cheaper than more PEs: one input buffer read feeds all). */
export function foldForTarget(mw: number, mh: number, target: number): { pe: number; simd: number } {
  let best: { pe: number; simd: number } | null = null;
  for (const pe of divisors(mh)) {
    for (const simd of divisors(mw)) {
      if ((mh / pe) * (mw / simd) > target) continue;
      if (!best || pe * simd < best.pe * best.simd || (pe * simd === best.pe * best.simd && simd > best.simd)) best = { pe, simd };
    }
  }
  return best ?? { pe: mh, simd: mw };
}

export interface AutoFoldOptions {
  /** Cycles per frame to aim for; default: what the largest MVU reaches with DEFAULT_MAX_LANES lanes. */
  targetCycles?: number;
}

export function autoFold(ir: HardwareIR, opts: AutoFoldOptions = {}): HardwareIR {
  const biggest = Math.max(...ir.nodes.map((n) => n.mw * n.mh));
  let target = opts.targetCycles ?? Math.ceil(biggest / DEFAULT_MAX_LANES);
  // Divisibility may keep the biggest layer above the target; then let every
  // layer use that achieved pace so none is over-provisioned.
  target = Math.max(...ir.nodes.map((n) => { const f = foldForTarget(n.mw, n.mh, target); return nodeCycles({ ...n, ...f }); }));
  return withFolding(ir, ir.nodes.map((n) => foldForTarget(n.mw, n.mh, target)));
}

/**
 * Reads a fold file (a regular file of JSON, see readJsonFile). Its layer
 * table has no prototype and keeps every key of the file, so a model layer
 * named `constructor`, `toString` or `__proto__` finds exactly the entry
 * written for it, if any.
 */
export function readFoldFile(file: string): FoldFile {
  if (!fs.existsSync(file)) throw new QtscError(`${file}: fold file does not exist`);
  const raw = readJsonFile(file, z.unknown());
  validateJson(file, raw, FoldFileSchema);
  // Every own key, '__proto__' included (which a parsed record drops).
  const layers: FoldFile['layers'] = Object.create(null);
  for (const [k, v] of Object.entries((raw as { layers: object }).layers)) {
    const e = validateJson(file, v, FoldEntrySchema, ['layers', k]);
    layers[k] = { pe: e.pe, simd: e.simd };
  }
  return { layers };
}

/** Applies a fold file; layers it does not name are folded automatically to the pace of the named ones. */
export function foldFromFile(ir: HardwareIR, fold: FoldFile, file: string): HardwareIR {
  const names = new Map<string, MvuNode>();
  for (const n of ir.nodes) {
    names.set(n.name, n);
    names.set(n.source.split(' + ')[0], n);
  }
  for (const key of Object.keys(fold.layers)) {
    if (!names.has(key)) throw new QtscError(`${file}: field 'layers.${key}': no such layer (layers: ${ir.nodes.map((n) => n.source.split(' + ')[0]).join(', ')})`);
  }
  const chosen = ir.nodes.map((n) => fold.layers[n.source.split(' + ')[0]] ?? fold.layers[n.name]);
  chosen.forEach((f, i) => {
    if (!f) return;
    const n = ir.nodes[i];
    const key = fold.layers[n.source.split(' + ')[0]] ? n.source.split(' + ')[0] : n.name;
    if (n.mh % f.pe !== 0) throw new QtscError(`${file}: field 'layers.${key}.pe': ${f.pe} does not divide the layer's ${n.mh} output channels (try ${divisors(n.mh).join(', ')})`);
    if (n.mw % f.simd !== 0) throw new QtscError(`${file}: field 'layers.${key}.simd': ${f.simd} does not divide the layer's ${n.mw} inputs (try ${divisors(n.mw).join(', ')})`);
  });
  const given = chosen.flatMap((f, i) => (f ? [nodeCycles({ ...ir.nodes[i], ...f })] : []));
  const pace = given.length ? Math.max(...given) : undefined;
  const auto = autoFold(ir, { targetCycles: pace });
  return withFolding(ir, ir.nodes.map((_, i) => chosen[i] ?? { pe: auto.nodes[i].pe, simd: auto.nodes[i].simd }));
}

function withFolding(ir: HardwareIR, folds: Array<{ pe: number; simd: number }>): HardwareIR {
  return {
    ...ir,
    nodes: ir.nodes.map((n, i) => ({
      ...n,
      pe: folds[i].pe,
      simd: folds[i].simd,
      multipliers: n.engine === 'int-mac' ? folds[i].pe * folds[i].simd : 0,
    })),
  };
}

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
import { type HardwareIR, type HwNode, type MvuNode, mvuNodes } from '../ir/hardware-ir.js';
import { mvuCycles, nodeCycles as nodeCyclesOf } from '../ir/node-cycles.js';
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

/** Cycles per frame of an MVU (re-exported from the one cycle model). */
export function nodeCycles(n: Pick<MvuNode, 'mw' | 'mh' | 'pe' | 'simd'> & { numVectors?: number }): number {
  return mvuCycles(n);
}

/**
 * Fewest lanes meeting `target` cycles; among equals, prefer wider SIMD
 * (cheaper than more PEs: one input buffer read feeds all). `simdOf` limits
 * SIMD (a convolution's SIMD divides its input channels, so that the
 * sliding-window unit in front of it moves whole channel groups).
 */
export function foldForTarget(mw: number, mh: number, target: number, numVectors = 1, simdChoices: number[] = divisors(mw)): { pe: number; simd: number } {
  let best: { pe: number; simd: number } | null = null;
  for (const pe of divisors(mh)) {
    for (const simd of simdChoices) {
      if (numVectors * (mh / pe) * (mw / simd) > target) continue;
      if (!best || pe * simd < best.pe * best.simd || (pe * simd === best.pe * best.simd && simd > best.simd)) best = { pe, simd };
    }
  }
  return best ?? { pe: mh, simd: Math.max(...simdChoices) };
}

export interface AutoFoldOptions {
  /** Cycles per frame to aim for; default: what the largest MVU reaches with DEFAULT_MAX_LANES lanes. */
  targetCycles?: number;
}

/** SIMD values an MVU may take: divisors of mw, and of the channels when a sliding window feeds it. */
export function simdChoices(ir: HardwareIR, n: MvuNode): number[] {
  const producer = ir.nodes.find((m) => m.outputs.includes(n.inputs[0]));
  if (producer?.op === 'swu') {
    const c = ir.tensors[producer.inputs[0]].shape[2];
    return divisors(c);
  }
  return divisors(n.mw);
}

/** Window and depthwise units: the fewest channels per word that meet the target. */
function windowSimd(ir: HardwareIR, n: Exclude<HwNode, MvuNode>, target: number): number {
  const c = n.op === 'vvu' ? n.channels : ir.tensors[n.inputs[0]].shape[2];
  if (n.op === 'fork' || n.op === 'fifo' || n.op === 'add') {
    for (const simd of divisors(c)) if (nodeCyclesOf(ir, { ...n, simd }) <= target) return simd;
    return c;
  }
  for (const simd of divisors(c)) if (nodeCyclesOf(ir, { ...n, simd }) <= target) return simd;
  return c;
}

export type Folds = Array<{ pe: number; simd: number }>;

export function foldsForTarget(ir: HardwareIR, target: number): Folds {
  const folds: Folds = ir.nodes.map((n) => (n.op === 'mvu' ? foldForTarget(n.mw, n.mh, target, n.numVectors, simdChoices(ir, n)) : { pe: 1, simd: windowSimd(ir, n, target) }));
  return alignWindows(ir, folds);
}

/** A sliding window moves the channel groups its MVU consumes: same SIMD. */
function alignWindows(ir: HardwareIR, folds: Folds): Folds {
  return folds.map((f, i) => {
    const n = ir.nodes[i];
    if (n.op !== 'swu') return f;
    const k = ir.nodes.findIndex((m) => m.inputs.includes(n.outputs[0]));
    return k >= 0 && (ir.nodes[k].op === 'mvu' || ir.nodes[k].op === 'vvu') ? { pe: 1, simd: folds[k].simd } : f;
  });
}

function foldedCycles(ir: HardwareIR, folds: Folds): number {
  return Math.max(...ir.nodes.map((n, i) => nodeCyclesOf(ir, { ...n, ...folds[i] } as HwNode)));
}

export function autoFold(ir: HardwareIR, opts: AutoFoldOptions = {}): HardwareIR {
  const biggest = Math.max(...mvuNodes(ir).map((n) => n.numVectors * n.mw * n.mh));
  let target = opts.targetCycles ?? Math.ceil(biggest / DEFAULT_MAX_LANES);
  // Divisibility may keep the biggest layer above the target; then let every
  // layer use that achieved pace so none is over-provisioned.
  target = foldedCycles(ir, foldsForTarget(ir, target));
  return withFolding(ir, foldsForTarget(ir, target));
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
  const keyOf = (n: MvuNode) => (fold.layers[n.layers[0]] ? n.layers[0] : n.name);
  const mvus = mvuNodes(ir);
  const known = new Set(mvus.flatMap((n) => [n.name, n.layers[0]]));
  for (const key of Object.keys(fold.layers)) {
    if (!known.has(key)) throw new QtscError(`${file}: field 'layers.${key}': no such layer (layers: ${mvus.map((n) => n.layers[0]).join(', ')})`);
  }
  const chosen = ir.nodes.map((n) => (n.op === 'mvu' ? fold.layers[keyOf(n)] : undefined));
  chosen.forEach((f, i) => {
    const n = ir.nodes[i];
    if (!f || n.op !== 'mvu') return;
    const key = keyOf(n);
    const simds = simdChoices(ir, n);
    if (n.mh % f.pe !== 0) throw new QtscError(`${file}: field 'layers.${key}.pe': ${f.pe} does not divide the layer's ${n.mh} output channels (try ${divisors(n.mh).join(', ')})`);
    if (!simds.includes(f.simd)) {
      const what = simds.length === divisors(n.mw).length ? `the layer's ${n.mw} inputs` : `the ${Math.max(...simds)} input channels of the convolution`;
      throw new QtscError(`${file}: field 'layers.${key}.simd': ${f.simd} does not divide ${what} (try ${simds.join(', ')})`);
    }
  });
  const given = chosen.flatMap((f, i) => {
    const n = ir.nodes[i];
    return f && n.op === 'mvu' ? [mvuCycles({ ...n, ...f })] : [];
  });
  const pace = given.length ? Math.max(...given) : undefined;
  const auto = autoFold(ir, { targetCycles: pace });
  return withFolding(ir, alignWindows(ir, ir.nodes.map((n, i) => chosen[i] ?? { pe: n.op === 'mvu' ? (auto.nodes[i] as MvuNode).pe : 1, simd: auto.nodes[i].simd })));
}

export function withFolding(ir: HardwareIR, folds: Folds): HardwareIR {
  return {
    ...ir,
    nodes: ir.nodes.map((n, i) =>
      n.op === 'mvu'
        ? { ...n, pe: folds[i].pe, simd: folds[i].simd, multipliers: n.engine === 'int-mac' ? folds[i].pe * folds[i].simd : 0 }
        : { ...n, simd: folds[i].simd },
    ),
  };
}

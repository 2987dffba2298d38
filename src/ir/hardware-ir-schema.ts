/**
 * zod schema of ir.json: `qtsc sim` reads a hardware IR from disk, and what
 * comes from disk is checked before the simulator or the golden model trusts it.
 */
import { z } from 'zod';
import { weightCodeError, type HardwareIR } from './hardware-ir.js';
import { QtscError } from '../util/errors.js';
import { readJsonFile } from '../util/json-file.js';
import * as fs from 'node:fs';

const int = z.number().int();
const ActTypeSchema = z.union([z.object({ kind: z.literal('bipolar') }), z.object({ kind: z.literal('uint'), bits: int.min(1).max(32) })]);
const WeightCodingSchema = z.union([
  z.object({ kind: z.literal('binary') }),
  z.object({ kind: z.literal('pow2'), levels: int.min(1).max(16), hasZero: z.boolean() }),
  z.object({ kind: z.literal('int'), bits: int.min(1).max(32) }),
]);
const MvuSchema = z
  .object({
    op: z.literal('mvu'),
    name: z.string().regex(/^[a-z_][a-z0-9_]*$/),
    source: z.string(),
    engine: z.enum(['xnor-popcount', 'sign-add', 'shift-add', 'int-mac']),
    mw: int.positive(),
    mh: int.positive(),
    pe: int.positive(),
    simd: int.positive(),
    input: ActTypeSchema,
    weights: WeightCodingSchema,
    weightCodes: z.array(z.array(int.nonnegative())),
    accWidth: int.min(1).max(62),
    accRange: z.tuple([int, int]),
    output: z.union([
      z.object({ kind: z.literal('thresholds'), count: int.positive(), thresholds: z.array(z.array(int)), negate: z.array(z.boolean()), thresholdWidth: int.min(1).max(62), out: ActTypeSchema }),
      z.object({ kind: z.literal('logits'), shift: int.min(0).max(31), offsets: z.array(int), logitWidth: int.min(1).max(62) }),
    ]),
    multipliers: int.nonnegative(),
  })
  .refine((n) => n.mh % n.pe === 0, { message: 'pe must divide mh', path: ['pe'] })
  .refine((n) => n.mw % n.simd === 0, { message: 'simd must divide mw', path: ['simd'] })
  .refine((n) => n.weightCodes.length === n.mh && n.weightCodes.every((r) => r.length === n.mw), { message: 'weightCodes must be [mh][mw]', path: ['weightCodes'] })
  // The RTL and the golden model decode codes bit by bit and would give an
  // out-of-range code some meaning; it is refused here instead.
  .superRefine((n, ctx) => {
    for (let r = 0; r < n.weightCodes.length; r++) {
      for (let c = 0; c < n.weightCodes[r].length; c++) {
        const why = weightCodeError(n.weights, n.weightCodes[r][c]);
        if (why) {
          ctx.addIssue({ code: 'custom', message: why, path: ['weightCodes', r, c] });
          return;
        }
      }
    }
  });

export const HardwareIRSchema = z.object({
  format: z.literal('qtsc-hardware-ir'),
  version: z.literal(1),
  top: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
  input: ActTypeSchema,
  inputScale: z.number().positive(),
  inputLength: int.positive(),
  nodes: z.array(MvuSchema).min(1),
});

export function readHardwareIR(file: string): HardwareIR {
  if (!fs.existsSync(file)) throw new QtscError(`${file}: no hardware IR here (run gen-hw first)`);
  const ir = readJsonFile(file, HardwareIRSchema) as HardwareIR;
  ir.nodes.forEach((n, i) => {
    const expected = i === 0 ? ir.inputLength : ir.nodes[i - 1].mh;
    if (n.mw !== expected) throw new QtscError(`${file}: field 'nodes.${i}.mw': ${n.mw}, but its input has ${expected} elements`);
  });
  return ir;
}

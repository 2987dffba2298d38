/**
 * zod schema of ir.json: `qtsc sim` reads a hardware IR from disk, and what
 * comes from disk is checked before the simulator or the golden model trusts it.
 * The schema checks each node on its own; checkGraph (check-graph.ts) checks
 * how they connect.
 */
import { z } from 'zod';
import { weightCodeError, type HardwareIR, type WeightCoding } from './hardware-ir.js';
import { checkGraph } from './check-graph.js';
import { QtscError } from '../util/errors.js';
import { readJsonFile } from '../util/json-file.js';
import * as fs from 'node:fs';

const int = z.number().int();
const ident = z.string().regex(/^[a-z_][a-z0-9_]*$/);
const ActTypeSchema = z.union([z.object({ kind: z.literal('bipolar') }), z.object({ kind: z.literal('uint'), bits: int.min(1).max(32) })]);
const ElemTypeSchema = z.union([ActTypeSchema, z.object({ kind: z.literal('sint'), bits: int.min(1).max(62) })]);
const ShapeSchema = z.tuple([int.positive(), int.positive(), int.positive()]);
const WeightCodingSchema = z.union([
  z.object({ kind: z.literal('binary') }),
  z.object({ kind: z.literal('pow2'), levels: int.min(1).max(16), hasZero: z.boolean() }),
  z.object({ kind: z.literal('int'), bits: int.min(1).max(32) }),
]);
/**
 * The RTL and the golden model decode codes bit by bit and would give an
 * out-of-range code some meaning; it is refused here instead (MVU and VVU).
 */
function validWeightCodes(n: { weights: WeightCoding; weightCodes: number[][] }, ctx: z.RefinementCtx): void {
  for (let r = 0; r < n.weightCodes.length; r++) {
    for (let c = 0; c < n.weightCodes[r].length; c++) {
      const why = weightCodeError(n.weights, n.weightCodes[r][c]);
      if (why) {
        ctx.addIssue({ code: 'custom', message: why, path: ['weightCodes', r, c] });
        return;
      }
    }
  }
}
const ThresholdStageSchema = z.object({ kind: z.literal('thresholds'), count: int.positive(), thresholds: z.array(z.array(int)), negate: z.array(z.boolean()), thresholdWidth: int.min(1).max(62), out: ActTypeSchema });
const base = {
  name: ident,
  layers: z.array(z.string()),
  inputs: z.array(z.string()).min(1),
  outputs: z.array(z.string()).min(1),
};
const WindowSchema = z.object({
  kernel: z.tuple([int.min(1).max(64), int.min(1).max(64)]),
  stride: z.tuple([int.min(1).max(64), int.min(1).max(64)]),
  pad: z.tuple([int.min(0).max(64), int.min(0).max(64), int.min(0).max(64), int.min(0).max(64)]),
});
/** Border classes (BorderClasses in hardware-ir.ts); their consistency with the node is check-graph's. */
const BorderClassesSchema = z.object({
  rowClass: z.array(int.nonnegative()).min(1),
  colClass: z.array(int.nonnegative()).min(1),
  rowClasses: int.positive().max(1024),
  colClasses: int.positive().max(1024),
  thresholds: z.array(z.array(z.array(int))).min(1),
});
const MvuSchema = z
  .object({
    op: z.literal('mvu'),
    ...base,
    engine: z.enum(['xnor-popcount', 'sign-add', 'shift-add', 'int-mac']),
    mw: int.positive(),
    mh: int.positive(),
    numVectors: int.positive(),
    pe: int.positive(),
    simd: int.positive(),
    input: ActTypeSchema,
    weights: WeightCodingSchema,
    weightCodes: z.array(z.array(int.nonnegative())),
    accWidth: int.min(1).max(62),
    accRange: z.tuple([int, int]),
    output: z.union([
      ThresholdStageSchema,
      z.object({ kind: z.literal('logits'), shift: int.min(0).max(31), offsets: z.array(int), logitWidth: int.min(1).max(62) }),
    ]),
    borders: BorderClassesSchema.optional(),
    multipliers: int.nonnegative(),
  })
  .refine((n) => n.mh % n.pe === 0, { message: 'pe must divide mh', path: ['pe'] })
  .refine((n) => n.mw % n.simd === 0, { message: 'simd must divide mw', path: ['simd'] })
  .refine((n) => n.weightCodes.length === n.mh && n.weightCodes.every((r) => r.length === n.mw), { message: 'weightCodes must be [mh][mw]', path: ['weightCodes'] })
  .superRefine(validWeightCodes);
const SwuSchema = z.object({ op: z.literal('swu'), ...base, window: WindowSchema, simd: int.positive(), elem: ActTypeSchema, padCode: int.nonnegative() });
const MaxPoolSchema = z.object({ op: z.literal('maxpool'), ...base, window: WindowSchema, simd: int.positive(), elem: ActTypeSchema });
const AvgPoolScaleSchema = z.object({ rows: z.array(int.positive()).min(1), cols: z.array(int.positive()).min(1), divisor: int.positive() });
const SumPoolSchema = z.object({ op: z.literal('sumpool'), ...base, window: WindowSchema, simd: int.positive(), elem: ActTypeSchema, out: ActTypeSchema, borderScale: AvgPoolScaleSchema.optional() });
const VvuSchema = z
  .object({
    op: z.literal('vvu'),
    ...base,
    taps: int.positive(),
    channels: int.positive(),
    multiplier: int.positive(),
    simd: int.positive(),
    input: ActTypeSchema,
    weights: WeightCodingSchema,
    weightCodes: z.array(z.array(int.nonnegative())),
    accWidth: int.min(1).max(62),
    accRange: z.tuple([int, int]),
    output: ThresholdStageSchema,
    borders: BorderClassesSchema.optional(),
  })
  .superRefine(validWeightCodes);

const ForkSchema = z.object({ op: z.literal('fork'), ...base, simd: int.positive(), elem: ActTypeSchema });
const FifoSchema = z.object({ op: z.literal('fifo'), ...base, simd: int.positive(), elem: ActTypeSchema, depth: int.min(2).max(1 << 20) });
const AddSchema = z.object({
  op: z.literal('add'),
  ...base,
  simd: int.positive(),
  a: ActTypeSchema,
  b: ActTypeSchema,
  aMul: int.min(0).max(255),
  bMul: int.min(0).max(255),
  zRange: z.tuple([int, int]),
  zWidth: int.min(2).max(31),
  output: ThresholdStageSchema,
});

export const HardwareIRSchema = z.object({
  format: z.literal('qtsc-hardware-ir'),
  version: z.literal(2),
  top: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
  input: z.object({ tensor: z.string(), scale: z.number().positive() }),
  tensors: z.record(z.string(), z.object({ elem: ElemTypeSchema, shape: ShapeSchema })),
  nodes: z.array(z.discriminatedUnion('op', [MvuSchema, SwuSchema, MaxPoolSchema, SumPoolSchema, VvuSchema, ForkSchema, FifoSchema, AddSchema])).min(1),
  output: z.string(),
});

export function readHardwareIR(file: string): HardwareIR {
  if (!fs.existsSync(file)) throw new QtscError(`${file}: no hardware IR here (run gen-hw first)`);
  const raw = readJsonFile(file, z.object({ version: z.unknown() }).loose());
  if (raw.version === 1) throw new QtscError(`${file}: field 'version': 1 is the hardware IR before graphs (a chain of MVUs); this qtsc reads version 2: run gen-hw again`);
  const ir = readJsonFile(file, HardwareIRSchema) as HardwareIR;
  const errs = checkGraph(ir);
  if (errs.length > 0) throw new QtscError(`${file}: ${errs[0]}`);
  return ir;
}

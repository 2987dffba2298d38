/**
 * report.json, as zod schemas: what gen-hw writes (layers, analytic
 * estimates, weight statistics, the folding optimizer's choice) and what
 * `npm run report` adds (measured). docs/report.md describes every field;
 * `npm run report` reads a report.json back through ReportSchema.
 */
import { z } from 'zod';
import { FoldingPointSchema } from './pareto.js';

const ResourcesSchema = z.object({ luts: z.number(), ffs: z.number(), brams: z.number(), dsps: z.number() });

/** One ROM of a node: its shape, what was asked for it and where the RTL put it (src/backends/rtl/rom-placement.ts). */
export const RomReportSchema = z.object({
  /** 'weights', 'thresholds', 'offsets' (logit offsets) or 'search table pK' (binary-search table of channel slot K). */
  rom: z.string(),
  file: z.string(),
  words: z.number(),
  width: z.number(),
  /** Bit columns that vary over the words, and how many of those differ (the rest are constants to synthesis). */
  varyingColumns: z.number(),
  distinctColumns: z.number(),
  /** --rom-style for this ROM: 'auto' (the cost rule) or a fixed home. */
  requested: z.enum(['auto', 'block', 'distributed']),
  /** block RAM, LUTs, a constant, or logic because it is read asynchronously. */
  placement: z.enum(['block', 'distributed', 'constant', 'async']),
  /** The analytic estimate of this ROM where it was placed. */
  estimate: ResourcesSchema,
});
export type RomReport = z.infer<typeof RomReportSchema>;

export const LayerReportSchema = z.object({
  name: z.string(),
  op: z.string(),
  source: z.string(),
  engine: z.string(),
  valueSpace: z.string(),
  valueSpaceSource: z.string(),
  mw: z.number(),
  mh: z.number(),
  pe: z.number(),
  simd: z.number(),
  lanes: z.number(),
  cyclesPerFrame: z.number(),
  inputBits: z.number(),
  weightBits: z.number(),
  accWidth: z.number(),
  output: z.string(),
  multipliers: z.number(),
  weightRomBits: z.number(),
  memory: z.string().optional(),
  /** The node's ROMs (none for units without weights or thresholds). */
  roms: z.array(RomReportSchema).default([]),
  /** Names of the nodes whose streams this one reads ('input' for the design's input). */
  inputs: z.array(z.string()),
  /** The analytic estimate of this node (src/backends/estimates/resources.ts). */
  estimate: ResourcesSchema,
});
export type LayerReport = z.infer<typeof LayerReportSchema>;

/** How often each weight value is used, per weighted node. */
export const WeightHistogramSchema = z.object({
  node: z.string(),
  /** Engine values in ascending order (e.g. -1, 1; or -4 .. 4 for pow2). */
  values: z.array(z.number()),
  counts: z.array(z.number().int().nonnegative()),
  /** Per output channel: Shannon entropy of its codes over the code width, in [0, 1]. */
  channelBitEfficiency: z.array(z.number()),
  /** Per output channel: distinct values used over the values the coding has. */
  channelLevelsUsed: z.array(z.number()),
  codeBits: z.number().int().positive(),
});
export type WeightHistogram = z.infer<typeof WeightHistogramSchema>;

const MeasuredModuleSchema = z.object({
  name: z.string(),
  module: z.string(),
  luts: z.number(),
  ffs: z.number(),
  brams: z.number(),
  dsps: z.number(),
  logicDepth: z.number().nullable(),
  fmaxMHz: z.number().nullable(),
  /** The longest path by the per-family delay model (src/backends/report/timing-path.ts); null where the family has none. */
  criticalPath: z.object({ delayNs: z.number(), lutLevels: z.number(), through: z.array(z.string()), nets: z.array(z.string()) }).nullable(),
  synthSeconds: z.number(),
  cached: z.boolean(),
});

export const MeasuredSchema = z.object({
  target: z.string(),
  engine: z.string(),
  designHash: z.string(),
  /** Per-level delay assumption behind fmaxMHz (src/backends/report/fmax.ts). */
  levelDelay: z.object({ fixedNs: z.number(), levelNs: z.number(), family: z.string() }).nullable(),
  nodes: z.array(MeasuredModuleSchema),
  top: MeasuredModuleSchema,
  ice40: z
    .object({
      device: z.enum(['up5k', 'hx8k']),
      fits: z.boolean(),
      need: ResourcesSchema,
      have: z.object({ luts: z.number(), brams: z.number(), dsps: z.number() }),
      over: z.object({ resource: z.string(), percent: z.number() }).optional(),
      fmaxMHz: z.number().optional(),
      utilisation: z.record(z.string(), z.object({ used: z.number(), available: z.number() })).optional(),
      skipped: z.string().optional(),
    })
    .optional(),
});
export type MeasuredReport = z.infer<typeof MeasuredSchema>;

export const ReportSchema = z.object({
  format: z.literal('qtsc-report'),
  version: z.literal(1),
  model: z.string(),
  top: z.string(),
  input: z.object({ bits: z.number(), scale: z.number(), source: z.string() }),
  layers: z.array(LayerReportSchema),
  expectedCyclesPerFrame: z.number(),
  bottleneck: z.string(),
  multipliers: z.number(),
  /** Clock the frames per second are given at (MHz). */
  clockMHz: z.number().positive(),
  framesPerSecond: z.number(),
  /** Cycles from a frame's first input word taken to its output word taken, no stalls (src/backends/estimates/latency.ts). */
  latencyCycles: z.number(),
  /** The whole design: nodes, width converters and the argmax collector. */
  estimate: z.object({ total: ResourcesSchema, glue: ResourcesSchema }),
  weights: z.array(WeightHistogramSchema),
  notes: z.array(z.object({ layer: z.string(), note: z.string() })),
  accuracy: z
    .object({ source: z.string(), samples: z.number(), float: z.number(), calibrated: z.number(), hardware: z.number() })
    .optional(),
  /** An ONNX model run in onnxruntime on the calibration data: argmax agreement (or why it was not run). */
  onnxruntime: z
    .union([
      z.object({ source: z.string(), samples: z.number(), floatAgreement: z.number(), hardwareAgreement: z.number() }),
      z.object({ source: z.string(), skipped: z.string() }),
    ])
    .optional(),
  /** What the folding optimizer chose (gen-hw --target-fps / --lut-budget / --explore). */
  folding: z
    .object({ goal: z.record(z.string(), z.number()), chosen: FoldingPointSchema, automatic: FoldingPointSchema, front: z.array(FoldingPointSchema) })
    .optional(),
  measured: MeasuredSchema.optional(),
});
export type CompileReport = z.infer<typeof ReportSchema>;

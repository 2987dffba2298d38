/**
 * `qtsc gen-hw`: model directory -> OUT/{ir.json, rtl/, report.json, report.md, report.html}.
 * With no arguments it compiles the shipped example into build/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { compileModel } from '../compile.js';
import { emitRtl } from '../backends/rtl/emit.js';
import { buildReport, reportMarkdown } from '../backends/report/report.js';
import { reportHtml } from '../backends/report/report-html.js';
import { parseValueSpaceArg, resolveValueSpace } from '../layers/value-space.js';
import { projectRoot } from '../drivers/tools.js';
import { withOutputDir } from '../util/output-dir.js';
import { QtscError } from '../util/errors.js';
import { intArg, numberArg, parseOptions } from './args.js';
import { DEFAULT_CLOCK_MHZ, foldingSummary, writePareto } from '../backends/report/pareto.js';

export const DEFAULT_MODEL = path.join(projectRoot, 'examples', 'mnist-mlp-binary');

export const GEN_HW_USAGE = `usage: npm run gen-hw -- [--model DIR] [--out DIR] [--value-space S] [--fold FILE|auto]
         [--target-cycles N] [--act-bits N --calib SOURCE [--calib-samples N]] [--allow-mult]
         [--top NAME] [--input-bits N --input-scale X] [--dot-trees all|xnor|none] [--quiet]
         [--target-fps F | --lut-budget N [--bram-budget N]] [--clock MHz] [--explore]
  --model DIR        tfjs Layers model directory (default: the shipped example)
  --out DIR          output directory (default: build); written all or nothing
  --value-space S    binary | pow2-2 | pow2-3 | a list like -1,-0.5,0.5,1, for layers that declare none
  --fold FILE|auto   PE/SIMD per layer from a JSON file {"layers": {"name": {"pe": P, "simd": S}}}, or automatic
  --target-cycles N  cycles per frame the automatic folding aims for
  --act-bits N       quantize float hidden activations to N bits (1 = sign), clips from --calib data
  --calib SOURCE     mnist | fashion-mnist | an IDX or CSV file or a directory of them | random
  --allow-mult       compile layers whose weights need multipliers (integer MAC)
  --top NAME         top-level module name (default qtsc_top)
  --input-bits N, --input-scale X   input quantization (default: model metadata, else 8 bits, 1/255)
  --dot-trees M      compressor-tree engines for all multiplier-free layers (default), xnor layers only, or none;
                     Verilator 5.006 needs -fno-const-bit-op-tree for 'all' (docs/rtl.md)
  --target-fps F     choose PE/SIMD per layer for F frames/s at --clock with the fewest estimated LUTs
  --lut-budget N     choose the fastest folding estimated within N LUTs (--bram-budget N: and N RAMB36)
  --clock MHz        clock for frames/s (default 100)
  --explore          also write the Pareto front of foldings (fps vs LUTs): OUT/pareto.json, OUT/pareto.svg`;

const spec = {
  model: { type: 'string' },
  out: { type: 'string' },
  'value-space': { type: 'string' },
  fold: { type: 'string' },
  'target-cycles': { type: 'string' },
  'act-bits': { type: 'string' },
  calib: { type: 'string' },
  'calib-samples': { type: 'string' },
  'allow-mult': { type: 'boolean' },
  top: { type: 'string' },
  'input-bits': { type: 'string' },
  'input-scale': { type: 'string' },
  'dot-trees': { type: 'string' },
  'target-fps': { type: 'string' },
  'lut-budget': { type: 'string' },
  'bram-budget': { type: 'string' },
  clock: { type: 'string' },
  explore: { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const schema = z.object({
  model: z.string().optional(),
  out: z.string().optional(),
  'value-space': z.string().optional(),
  fold: z.string().optional(),
  'target-cycles': intArg().optional(),
  'act-bits': intArg(1, 16).optional(),
  calib: z.string().optional(),
  'calib-samples': intArg().optional(),
  'allow-mult': z.boolean().optional(),
  top: z.string().optional(),
  'input-bits': intArg(1, 16).optional(),
  'input-scale': numberArg().pipe(z.number().positive()).optional(),
  'dot-trees': z.enum(['all', 'xnor', 'none']).optional(),
  'target-fps': numberArg().pipe(z.number().positive()).optional(),
  'lut-budget': intArg().optional(),
  'bram-budget': numberArg().pipe(z.number().nonnegative()).optional(),
  clock: numberArg().pipe(z.number().positive()).optional(),
  explore: z.boolean().optional(),
  quiet: z.boolean().optional(),
  help: z.boolean().optional(),
});

export async function genHwCommand(argv: string[]): Promise<number> {
  const o = parseOptions('gen-hw', argv, spec, schema);
  if (o.help) {
    console.log(GEN_HW_USAGE);
    return 0;
  }
  const log = o.quiet ? () => {} : (s: string) => console.log(`gen-hw: ${s}`);
  let valueSpace: number[] | undefined;
  if (o['value-space'] !== undefined) {
    try {
      valueSpace = resolveValueSpace(parseValueSpaceArg(o['value-space']));
    } catch (e) {
      throw new QtscError(`gen-hw: --value-space: ${(e as Error).message}`);
    }
  }
  if ((o['input-bits'] === undefined) !== (o['input-scale'] === undefined)) throw new QtscError('gen-hw: --input-bits and --input-scale go together');
  if (o.calib !== undefined && o['act-bits'] === undefined) throw new QtscError('gen-hw: --calib needs --act-bits N');
  const model = o.model ?? DEFAULT_MODEL;
  const out = path.resolve(o.out ?? 'build');
  const started = Date.now();
  const clockMHz = o.clock ?? DEFAULT_CLOCK_MHZ;
  if (o['target-fps'] !== undefined && o['lut-budget'] !== undefined) throw new QtscError('gen-hw: give --target-fps or --lut-budget, not both');
  if (o['bram-budget'] !== undefined && o['target-fps'] === undefined && o['lut-budget'] === undefined) throw new QtscError('gen-hw: --bram-budget goes with --target-fps or --lut-budget');
  const byGoal = o['target-fps'] !== undefined || o['lut-budget'] !== undefined || o.explore;
  const compiled = await compileModel({
    model,
    valueSpace,
    fold: o.fold,
    targetCycles: o['target-cycles'],
    folding: byGoal
      ? { targetFps: o['target-fps'], lutBudget: o['lut-budget'], bramBudget: o['bram-budget'], clockMHz, explore: o.explore, plan: { dotTrees: o['dot-trees'] } }
      : undefined,
    actBits: o['act-bits'],
    calib: o.calib,
    calibSamples: o['calib-samples'],
    allowMult: o['allow-mult'],
    top: o.top,
    inputQuant: o['input-bits'] !== undefined ? { bits: o['input-bits'], scale: o['input-scale']! } : undefined,
    log,
  });
  const report = buildReport(compiled, { clockMHz, plan: { dotTrees: o['dot-trees'] } });
  await withOutputDir(out, async (staging) => {
    log(`writing ${out}`);
    fs.writeFileSync(path.join(staging, 'ir.json'), JSON.stringify(compiled.ir) + '\n');
    const rtlDir = path.join(staging, 'rtl');
    fs.mkdirSync(rtlDir);
    const emitted = emitRtl(compiled.ir, rtlDir, { dotTrees: o['dot-trees'] });
    fs.writeFileSync(path.join(rtlDir, 'filelist.f'), emitted.sources.join('\n') + '\n');
    fs.writeFileSync(path.join(staging, 'report.json'), JSON.stringify(report, null, 2) + '\n');
    fs.writeFileSync(path.join(staging, 'report.md'), reportMarkdown(report));
    fs.writeFileSync(path.join(staging, 'report.html'), reportHtml(report));
    if (o.explore && compiled.folding) writePareto(staging, compiled.folding);
  });
  if (compiled.folding) log(foldingSummary(compiled.folding));
  const layers = report.layers.map((l) => (l.op === 'mvu' ? `${l.engine}(${l.mw}x${l.mh}, PE ${l.pe}, SIMD ${l.simd})` : `${l.engine}(SIMD ${l.simd})`)).join(' -> ');
  console.log(`gen-hw: ${compiled.ir.top}: ${layers}; ${report.expectedCyclesPerFrame} cycles/frame, ${report.multipliers} multipliers; wrote ${out} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 0;
}

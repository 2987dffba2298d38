/**
 * `qtsc gen-hw`: model directory -> OUT/{ir.json, rtl/, report.json, report.md}.
 * With no arguments it compiles the shipped example into build/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { compileModel } from '../compile.js';
import { emitRtl } from '../backends/rtl/emit.js';
import { defaultPipeline, maxPipeline } from '../backends/rtl/plan.js';
import { buildReport, reportMarkdown } from '../backends/report/report.js';
import { parseValueSpaceArg, resolveValueSpace } from '../layers/value-space.js';
import { projectRoot } from '../drivers/tools.js';
import { withOutputDir } from '../util/output-dir.js';
import { flowDesign, flowOptions, parseFlowList, writeFlows } from '../backends/flows/index.js';
import { QtscError } from '../util/errors.js';
import { intArg, numberArg, parseOptions } from './args.js';

export const DEFAULT_MODEL = path.join(projectRoot, 'examples', 'mnist-mlp-binary');

export const GEN_HW_USAGE = `usage: npm run gen-hw -- [--model DIR] [--out DIR] [--value-space S] [--fold FILE|auto]
         [--target-cycles N] [--act-bits N --calib SOURCE [--calib-samples N]] [--allow-mult]
         [--top NAME] [--input-bits N --input-scale X] [--dot-trees all|xnor|none] [--pipeline N] [--quiet]
         [--flow vivado|quartus|yosys-nextpnr|all [--clock MHZ] [--part P] [--device D] [--ice40 up5k|hx8k]]
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
  --pipeline N       register levels inside each compressor tree, 0-${maxPipeline} (default ${defaultPipeline}): a shorter
                     clock path for N more cycles of latency per layer, same cycles per frame (docs/rtl.md)
  --flow F           build-flow files in OUT/flow/: vivado, quartus, yosys-nextpnr, all, or a list a,b (docs/flows.md)
  --clock MHZ        target clock of the flows' constraints (default 100)
  --part P           Vivado part (default xc7z020clg400-1); --device D Quartus device (default 5CSEMA5F31C6)
  --ice40 DEV        iCE40 of the open flow: up5k (SG48, default) or hx8k (CT256)`;

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
  pipeline: { type: 'string' },
  quiet: { type: 'boolean' },
  flow: { type: 'string' },
  clock: { type: 'string' },
  part: { type: 'string' },
  device: { type: 'string' },
  ice40: { type: 'string' },
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
  pipeline: intArg(0, maxPipeline).optional(),
  quiet: z.boolean().optional(),
  flow: z.string().optional(),
  clock: numberArg().pipe(z.number().positive().max(2000)).optional(),
  part: z.string().optional(),
  device: z.string().optional(),
  ice40: z.string().optional(),
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
  const flows = o.flow !== undefined ? parseFlowList(o.flow) : [];
  const flowOpts = flowOptions(o);
  if (flows.length === 0 && (o.clock ?? o.part ?? o.device ?? o.ice40) !== undefined) throw new QtscError('gen-hw: --clock, --part, --device and --ice40 need --flow');
  const model = o.model ?? DEFAULT_MODEL;
  const out = path.resolve(o.out ?? 'build');
  const started = Date.now();
  const compiled = await compileModel({
    model,
    valueSpace,
    fold: o.fold,
    targetCycles: o['target-cycles'],
    actBits: o['act-bits'],
    calib: o.calib,
    calibSamples: o['calib-samples'],
    allowMult: o['allow-mult'],
    top: o.top,
    inputQuant: o['input-bits'] !== undefined ? { bits: o['input-bits'], scale: o['input-scale']! } : undefined,
    log,
  });
  const report = buildReport(compiled);
  await withOutputDir(out, async (staging) => {
    log(`writing ${out}`);
    fs.writeFileSync(path.join(staging, 'ir.json'), JSON.stringify(compiled.ir) + '\n');
    const rtlDir = path.join(staging, 'rtl');
    fs.mkdirSync(rtlDir);
    const emitted = emitRtl(compiled.ir, rtlDir, { dotTrees: o['dot-trees'], ...(o.pipeline !== undefined ? { pipeline: o.pipeline } : {}) });
    fs.writeFileSync(path.join(rtlDir, 'filelist.f'), emitted.sources.join('\n') + '\n');
    fs.writeFileSync(path.join(staging, 'report.json'), JSON.stringify(report, null, 2) + '\n');
    fs.writeFileSync(path.join(staging, 'report.md'), reportMarkdown(report));
    if (flows.length > 0) writeFlows(path.join(staging, 'flow'), flowDesign(compiled.ir, emitted, flowOpts), flows);
  });
  const layers = report.layers.map((l) => (l.op === 'mvu' ? `${l.engine}(${l.mw}x${l.mh}, PE ${l.pe}, SIMD ${l.simd})` : `${l.engine}(SIMD ${l.simd})`)).join(' -> ');
  console.log(`gen-hw: ${compiled.ir.top}: ${layers}; ${report.expectedCyclesPerFrame} cycles/frame, ${report.multipliers} multipliers; wrote ${out} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 0;
}

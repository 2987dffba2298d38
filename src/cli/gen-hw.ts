/**
 * `qtsc gen-hw`: model directory or .onnx file -> OUT/{ir.json, rtl/, report.json, report.md, report.html}.
 * With no arguments it compiles the shipped example into build/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { compileModel, isOnnxModel } from '../compile.js';
import { emitRtl } from '../backends/rtl/emit.js';
import { type PlanOptions, defaultPipeline, maxPipeline, romStyleErrors } from '../backends/rtl/plan.js';
import { type RomStyleChoice, romStyles } from '../backends/rtl/rom-placement.js';
import { buildReport, reportMarkdown } from '../backends/report/report.js';
import { reportHtml } from '../backends/report/report-html.js';
import { parseValueSpaceArg, resolveValueSpace } from '../layers/value-space.js';
import { packageRoot } from '../util/package-root.js';
import { estimateRtl } from '../backends/estimates/resources.js';
import { checkSizeGuard, DEFAULT_MAX_LUTS } from '../backends/estimates/size-guard.js';
import { withOutputDir } from '../util/output-dir.js';
import { flowDesign, flowOptions, parseFlowList, writeFlows } from '../backends/flows/index.js';
import { QtscError } from '../util/errors.js';
import { intArg, numberArg, parseOptions } from './args.js';
import { progressLog } from './progress.js';
import { DEFAULT_CLOCK_MHZ, foldingSummary, writePareto } from '../backends/report/pareto.js';

export const DEFAULT_MODEL = path.join(packageRoot, 'examples', 'mnist-mlp-binary');

export const GEN_HW_USAGE = `usage: qtsc gen-hw [--model DIR|FILE.onnx] [--out DIR] [--value-space S] [--fold FILE|auto]
         [--target-cycles N] [--act-bits N --calib SOURCE [--calib-samples N]] [--allow-mult]
         [--top NAME] [--input-bits N --input-scale X] [--dot-trees all|xnor|none] [--pipeline N]
         [--rom-style auto|block|distributed|NODE=STYLE ...] [--quiet]
         [--target-fps F | --lut-budget N [--bram-budget N]] [--clock MHz] [--explore]
         [--flow vivado|quartus|yosys-nextpnr|all [--part P] [--device D] [--ice40 up5k|hx8k]] [--max-luts N [--force]]
  --model DIR        tfjs Layers model directory (default: the shipped example), or an ONNX/QONNX .onnx file
  --out DIR          output directory (default: build); written all or nothing
  --value-space S    binary | pow2-2 | pow2-3 | a list like -1,-0.5,0.5,1, for layers that declare none
  --fold FILE|auto   PE/SIMD per layer from a JSON file {"layers": {"name": {"pe": P, "simd": S}}}, or automatic
  --target-cycles N  cycles per frame the automatic folding aims for
  --act-bits N       quantize float hidden activations to N bits (1 = sign), clips from --calib data
  --calib SOURCE     mnist | fashion-mnist | an IDX or CSV file or a directory of them | random;
                     for an ONNX model also the frames of the accuracy report and the onnxruntime comparison
  --allow-mult       compile layers whose weights need multipliers (integer MAC)
  --top NAME         top-level module name (default qtsc_top)
  --input-bits N, --input-scale X   input quantization (default: model metadata, else 8 bits, 1/255)
  --dot-trees M      compressor-tree engines for all multiplier-free layers (default), xnor layers only, or none;
                     Verilator 5.006 needs -fno-const-bit-op-tree for 'all' (docs/rtl.md)
  --pipeline N       register levels inside each compressor tree, 0-${maxPipeline} (default ${defaultPipeline}): a shorter
                     clock path for N more cycles of latency per layer, same cycles per frame (docs/rtl.md)
  --rom-style S      where the ROMs go: auto (default; block RAM or LUTs, whichever is estimated cheaper),
                     block, or distributed (LUTs) for every ROM; NODE=STYLE for one node's ROMs (over the
                     setting for all); repeat the option or give a comma-separated list (docs/rtl.md#roms)
  --target-fps F     choose PE/SIMD per layer for F frames/s at --clock with the fewest estimated LUTs
  --lut-budget N     choose the fastest folding estimated within N LUTs (--bram-budget N: and N RAMB36)
  --clock MHz        clock for frames/s and the flows' constraints (default 100)
  --explore          also write the Pareto front of foldings (fps vs LUTs): OUT/pareto.json, OUT/pareto.svg
  --flow F           build-flow files in OUT/flow/: vivado, quartus, yosys-nextpnr, all, or a list a,b (docs/flows.md)
  --part P           Vivado part (default xc7z020clg400-1); --device D Quartus device (default 5CSEMA5F31C6)
  --ice40 DEV        iCE40 of the open flow: up5k (SG48, default) or hx8k (CT256)
  --max-luts N       refuse a design whose estimate exceeds N LUTs (default ${DEFAULT_MAX_LUTS}); --force builds it anyway`;

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
  'max-luts': { type: 'string' },
  force: { type: 'boolean' },
  'target-fps': { type: 'string' },
  'lut-budget': { type: 'string' },
  'bram-budget': { type: 'string' },
  explore: { type: 'boolean' },
  pipeline: { type: 'string' },
  'rom-style': { type: 'string', multiple: true },
  quiet: { type: 'boolean' },
  flow: { type: 'string' },
  clock: { type: 'string' },
  part: { type: 'string' },
  device: { type: 'string' },
  ice40: { type: 'string' },
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
  'max-luts': intArg().default(DEFAULT_MAX_LUTS),
  force: z.boolean().default(false),
  'target-fps': numberArg().pipe(z.number().positive()).optional(),
  'lut-budget': intArg().optional(),
  'bram-budget': numberArg().pipe(z.number().nonnegative()).optional(),
  explore: z.boolean().optional(),
  pipeline: intArg(0, maxPipeline).optional(),
  'rom-style': romStyleArg().optional(),
  quiet: z.boolean().optional(),
  flow: z.string().optional(),
  clock: numberArg().pipe(z.number().positive().max(2000)).optional(),
  part: z.string().optional(),
  device: z.string().optional(),
  ice40: z.string().optional(),
});

/**
 * --rom-style values, each a comma-separated list of STYLE (every ROM) or
 * NODE=STYLE (that node's ROMs; NODE is everything before the last '='), as
 * the RTL backend's RomStyleChoice. Node names are checked against the design
 * once it is compiled (romStyleErrors).
 */
export function romStyleArg() {
  const style = z.enum(romStyles);
  return z.array(z.string()).transform((values, ctx): RomStyleChoice => {
    const choice: { all?: RomStyleChoice['all']; nodes: Record<string, NonNullable<RomStyleChoice['all']>> } = { nodes: {} };
    for (const entry of values.flatMap((v) => v.split(','))) {
      const eq = entry.lastIndexOf('=');
      const [node, value] = eq < 0 ? [null, entry] : [entry.slice(0, eq), entry.slice(eq + 1)];
      const parsed = style.safeParse(value);
      if (!parsed.success) {
        ctx.addIssue({ code: 'custom', message: `'${entry}': the style must be one of ${romStyles.join(', ')}${node === null ? ', or NODE=STYLE' : ''}` });
        return z.NEVER;
      }
      if (node === null) {
        if (choice.all !== undefined && choice.all !== parsed.data) {
          ctx.addIssue({ code: 'custom', message: `'${entry}': the style for every ROM is already '${choice.all}'` });
          return z.NEVER;
        }
        choice.all = parsed.data;
      } else if (node === '') {
        ctx.addIssue({ code: 'custom', message: `'${entry}': no node name before '='` });
        return z.NEVER;
      } else {
        if (node in choice.nodes && choice.nodes[node] !== parsed.data) {
          ctx.addIssue({ code: 'custom', message: `'${entry}': node '${node}' already has style '${choice.nodes[node]}'` });
          return z.NEVER;
        }
        choice.nodes[node] = parsed.data;
      }
    }
    return choice;
  });
}

export async function genHwCommand(argv: string[]): Promise<number> {
  const o = parseOptions('gen-hw', argv, spec, schema);
  const log = progressLog('gen-hw', o.quiet);
  let valueSpace: number[] | undefined;
  if (o['value-space'] !== undefined) {
    try {
      valueSpace = resolveValueSpace(parseValueSpaceArg(o['value-space']));
    } catch (e) {
      throw new QtscError(`gen-hw: --value-space: ${(e as Error).message}`);
    }
  }
  if ((o['input-bits'] === undefined) !== (o['input-scale'] === undefined)) throw new QtscError('gen-hw: --input-bits and --input-scale go together');
  if (o.calib !== undefined && o['act-bits'] === undefined && !isOnnxModel(o.model ?? '')) throw new QtscError('gen-hw: --calib needs --act-bits N (for an ONNX model it may stand alone)');
  const flows = o.flow !== undefined ? parseFlowList(o.flow) : [];
  const flowOpts = flowOptions(o);
  if (flows.length === 0 && (o.part ?? o.device ?? o.ice40) !== undefined) throw new QtscError('gen-hw: --part, --device and --ice40 need --flow');
  const model = o.model ?? DEFAULT_MODEL;
  const out = path.resolve(o.out ?? 'build');
  const started = Date.now();
  const clockMHz = o.clock ?? DEFAULT_CLOCK_MHZ;
  if (o['target-fps'] !== undefined && o['lut-budget'] !== undefined) throw new QtscError('gen-hw: give --target-fps or --lut-budget, not both');
  if (o['bram-budget'] !== undefined && o['target-fps'] === undefined && o['lut-budget'] === undefined) throw new QtscError('gen-hw: --bram-budget goes with --target-fps or --lut-budget');
  // The RTL backend's options: the estimates, the optimizer and the emitted RTL all follow them.
  const planOpts: PlanOptions = {
    dotTrees: o['dot-trees'],
    ...(o.pipeline !== undefined ? { pipeline: o.pipeline } : {}),
    ...(o['rom-style'] !== undefined ? { romStyle: o['rom-style'] } : {}),
  };
  const byGoal = o['target-fps'] !== undefined || o['lut-budget'] !== undefined || o.explore;
  const compiled = await compileModel({
    model,
    valueSpace,
    fold: o.fold,
    targetCycles: o['target-cycles'],
    folding: byGoal
      ? { targetFps: o['target-fps'], lutBudget: o['lut-budget'], bramBudget: o['bram-budget'], clockMHz, explore: o.explore, plan: planOpts }
      : undefined,
    actBits: o['act-bits'],
    calib: o.calib,
    calibSamples: o['calib-samples'],
    allowMult: o['allow-mult'],
    top: o.top,
    inputQuant: o['input-bits'] !== undefined ? { bits: o['input-bits'], scale: o['input-scale']! } : undefined,
    log,
  });
  const romErrs = romStyleErrors(compiled.ir, planOpts.romStyle);
  if (romErrs.length > 0) throw new QtscError(`gen-hw: --rom-style: ${romErrs.join('; ')}`);
  const rtl = estimateRtl(compiled.ir, planOpts);
  checkSizeGuard(rtl, { maxLuts: o['max-luts'], force: o.force });
  const report = buildReport(compiled, { clockMHz, plan: planOpts, rtl });
  await withOutputDir(out, async (staging) => {
    log(`writing ${out}`);
    fs.writeFileSync(path.join(staging, 'ir.json'), JSON.stringify(compiled.ir) + '\n');
    const rtlDir = path.join(staging, 'rtl');
    fs.mkdirSync(rtlDir);
    const emitted = emitRtl(compiled.ir, rtlDir, planOpts, rtl.plan);
    fs.writeFileSync(path.join(rtlDir, 'filelist.f'), emitted.sources.join('\n') + '\n');
    fs.writeFileSync(path.join(staging, 'report.json'), JSON.stringify(report, null, 2) + '\n');
    fs.writeFileSync(path.join(staging, 'report.md'), reportMarkdown(report));
    fs.writeFileSync(path.join(staging, 'report.html'), reportHtml(report));
    if (o.explore && compiled.folding) writePareto(staging, compiled.folding);
    if (flows.length > 0) writeFlows(path.join(staging, 'flow'), flowDesign(compiled.ir, emitted, flowOpts, rtl), flows);
  });
  if (compiled.folding) log(foldingSummary(compiled.folding));
  const layers = report.layers.map((l) => (l.op === 'mvu' ? `${l.engine}(${l.mw}x${l.mh}, PE ${l.pe}, SIMD ${l.simd})` : `${l.engine}(SIMD ${l.simd})`)).join(' -> ');
  console.log(`gen-hw: ${compiled.ir.top}: ${layers}; ${report.expectedCyclesPerFrame} cycles/frame, ${report.multipliers} multipliers; wrote ${out} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 0;
}

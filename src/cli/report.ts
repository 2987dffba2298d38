/**
 * `qtsc report --out DIR`: measures the design gen-hw wrote in DIR (Yosys per
 * node and of the whole top, iCE40 place and route when it fits; see
 * src/backends/report/measure.ts) and rewrites DIR/report.{json,md,html}
 * with the measured figures beside the estimates. Results are cached in
 * DIR/.synth-cache, so a rerun is instant.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { readHardwareIR } from '../ir/hardware-ir-schema.js';
import { readJsonFile } from '../util/json-file.js';
import { QtscError } from '../util/errors.js';
import { ReportSchema } from '../backends/report/report-schema.js';
import { reportMarkdown } from '../backends/report/report.js';
import { reportHtml } from '../backends/report/report-html.js';
import { measureDesign } from '../backends/report/measure.js';
import { LEVEL_DELAYS } from '../backends/report/fmax.js';
import { type DotTrees, identFragment } from '../backends/rtl/plan.js';
import type { HardwareIR } from '../ir/hardware-ir.js';
import { numberArg, parseOptions } from './args.js';

export const REPORT_USAGE = `usage: npm run report -- --out DIR [--synth xilinx|ice40|ecp5|gowin|intel] [--clock MHz] [--no-pnr] [--quiet]
  --out DIR      a directory gen-hw wrote (ir.json, rtl/, report.json); the reports in it are rewritten
  --synth T      Yosys target family for the per-node and whole-design synthesis (default xilinx)
  --clock MHz    clock for frames/s and the place-and-route target (default: the one report.json has)
  --no-pnr       skip the iCE40 place and route
  --quiet        no progress on stderr (progress is shown only on a terminal anyway)`;

const spec = {
  out: { type: 'string' },
  synth: { type: 'string' },
  clock: { type: 'string' },
  'no-pnr': { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const schema = z.object({
  out: z.string().optional(),
  synth: z.enum(['xilinx', 'ice40', 'ecp5', 'gowin', 'intel']).optional(),
  clock: numberArg().pipe(z.number().positive()).optional(),
  'no-pnr': z.boolean().optional(),
  quiet: z.boolean().optional(),
  help: z.boolean().optional(),
});

/** The engines gen-hw chose (--dot-trees), read back from the tree files it wrote. */
function dotTreesOf(ir: HardwareIR, rtlDir: string): DotTrees {
  const hasTree = (i: number) => fs.existsSync(path.join(rtlDir, `${ir.top}_n${i}_${identFragment(ir.nodes[i].name)}_dot_tree.sv`));
  const mvus = ir.nodes.flatMap((n, i) => (n.op === 'mvu' && (n.engine !== 'int-mac' || n.input.kind === 'bipolar') ? [i] : []));
  if (!mvus.some(hasTree)) return 'none';
  return mvus.every((i) => hasTree(i) || (ir.nodes[i] as { engine: string }).engine !== 'xnor-popcount') && !mvus.every(hasTree) ? 'xnor' : 'all';
}

export async function reportCommand(argv: string[]): Promise<number> {
  const o = parseOptions('report', argv, spec, schema);
  if (o.help) {
    console.log(REPORT_USAGE);
    return 0;
  }
  if (!o.out) throw new QtscError('report: --out DIR is required (the directory gen-hw wrote)');
  const dir = path.resolve(o.out);
  const reportFile = path.join(dir, 'report.json');
  if (!fs.existsSync(reportFile)) throw new QtscError(`${reportFile}: not found (run gen-hw --out ${o.out} first)`);
  const report = readJsonFile(reportFile, ReportSchema);
  const ir = readHardwareIR(path.join(dir, 'ir.json'));
  const target = o.synth ?? 'xilinx';
  const clockMHz = o.clock ?? report.clockMHz;
  const rtlDir = path.join(dir, 'rtl');
  if (!fs.existsSync(rtlDir)) throw new QtscError(`${rtlDir}: not found (run gen-hw first)`);
  const plan = { dotTrees: dotTreesOf(ir, rtlDir) };

  const tty = !o.quiet && process.stderr.isTTY;
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const measured = await measureDesign({
    dir,
    ir,
    target,
    plan,
    clockMHz,
    pnr: !o['no-pnr'],
    progress: tty
      ? ({ what, index, count, done }) => {
          clearInterval(timer);
          const head = `report: [${index + 1}/${count}] ${what}`;
          if (done) {
            process.stderr.write(`\r\x1b[K${head}: ${done.luts} LUTs, ${done.ffs} FFs${done.cached ? ' (cached)' : ` in ${done.synthSeconds} s`}\n`);
            return;
          }
          const t0 = Date.now();
          const draw = () => process.stderr.write(`\r\x1b[K${head} (${target}) ${((Date.now() - t0) / 1000).toFixed(0)} s, ${((Date.now() - started) / 1000).toFixed(0)} s in all`);
          draw();
          timer = setInterval(draw, 1000);
        }
      : undefined,
  });
  clearInterval(timer);
  if (tty) process.stderr.write('\r\x1b[K');
  const full = ReportSchema.parse({ ...report, measured: { ...measured, levelDelay: LEVEL_DELAYS[target] } });
  fs.writeFileSync(reportFile, JSON.stringify(full, null, 2) + '\n');
  fs.writeFileSync(path.join(dir, 'report.md'), reportMarkdown(full));
  fs.writeFileSync(path.join(dir, 'report.html'), reportHtml(full));
  const t = measured.top;
  const pnr = measured.ice40;
  const pnrText = !pnr ? '' : !pnr.fits ? `; does not fit an iCE40 HX8K (${pnr.over?.resource} over by ${pnr.over?.percent}%)` : pnr.fmaxMHz !== undefined ? `; iCE40 ${pnr.device.toUpperCase()}: ${pnr.utilisation?.ICESTORM_LC?.used ?? pnr.need.luts} logic cells, fmax ${pnr.fmaxMHz} MHz` : `; iCE40: ${pnr.skipped}`;
  if (!o.quiet) console.log(`report: ${ir.top} (${target}): ${t.luts} LUTs (7-series estimate ${report.estimate.total.luts}), ${t.ffs} FFs, ${t.brams} BRAM, ${t.dsps} DSPs, logic depth ${t.logicDepth ?? '-'} (~${t.fmaxMHz ?? '-'} MHz)${pnrText}; wrote ${path.join(dir, 'report.{json,md,html}')}`);
  return 0;
}

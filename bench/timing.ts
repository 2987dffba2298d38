/**
 * Timing figures per engine (BENCHMARKS.md "Timing per engine"): the one-MVU
 * bench design of each engine (bench/designs.ts SHAPES.mvu: mw 64 -> mh 16,
 * PE 4, SIMD 16, two input banks) through
 *   - Yosys synth_xilinx -flatten (src/drivers/yosys.ts): the LUT count, `ltp`
 *     (the longest path in cells between registers: LUTs, CARRY4s, MUXF7/8;
 *     the read path of a LUT RAM is not counted), and the longest path by the
 *     7-series cell and route delays of src/backends/report/timing-path.ts,
 *     its estimated fmax and the nets it starts and ends at;
 *   - the iCE40 flow gen-hw writes (src/backends/flows/yosys-nextpnr.ts) on an
 *     HX8K: nextpnr-ice40's max frequency after place and route.
 *
 *   npx tsx bench/timing.ts [--engines a,b] [--no-pnr] [--pipeline N]
 *
 * Prints a Markdown table. Runs yosys and nextpnr one at a time.
 */
import { execFileSync } from 'node:child_process';
import { synthesize } from '../src/drivers/yosys.js';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ENGINES, SHAPES, makeIr } from './designs.js';
import { emitRtl } from '../src/backends/rtl/emit.js';
import type { PlanOptions } from '../src/backends/rtl/plan.js';
import { flowDesign, writeFlows, DEFAULT_FLOW_OPTIONS } from '../src/backends/flows/index.js';
import { estimateRtl } from '../src/backends/estimates/resources.js';
import type { EngineKind } from '../src/ir/hardware-ir.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const engines = (arg('--engines')?.split(',') ?? ENGINES) as EngineKind[];
const pnr = !process.argv.includes('--no-pnr');
const pipeline = arg('--pipeline');
const planOpts: PlanOptions = pipeline !== undefined ? { pipeline: Number(pipeline) } : {};

const rows: string[] = [];
for (const engine of engines) {
  const ir = makeIr(engine, SHAPES.mvu);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `qtsc-timing-${engine}-`));
  const rtl = path.join(work, 'rtl');
  fs.mkdirSync(rtl);
  const emitted = emitRtl(ir, rtl, planOpts);
  const r = await synthesize({ rtlDir: rtl, sources: emitted.sources, top: emitted.top, target: 'xilinx', workDir: path.join(work, 'yosys') });
  const t = r.timing;
  const est = t ? `${t.delayNs} ns / ${t.fmaxMHz} MHz (${t.nets[0]} -> ${t.nets[t.nets.length - 1]})` : '?';
  let fmax = 'not run';
  if (pnr) {
    const flowDir = path.join(work, 'flow');
    writeFlows(flowDir, flowDesign(ir, emitted, { ...DEFAULT_FLOW_OPTIONS, ice40: 'hx8k', clockMHz: 100 }, estimateRtl(ir, planOpts)), ['yosys-nextpnr']);
    const out = execFileSync('make', ['-C', path.join(flowDir, 'yosys-nextpnr')], { encoding: 'utf8', maxBuffer: 1 << 28 });
    fmax = /Max frequency for clock[^:]*: ([\d.]+) MHz/.exec(out)?.[1] ?? /([\d.]+) MHz/.exec(out)?.[1] ?? '?';
  }
  rows.push(`| ${engine} | ${r.logicDepth ?? '?'} | ${r.luts} | ${est} | ${fmax} |`);
  console.error(rows[rows.length - 1]);
  fs.rmSync(work, { recursive: true, force: true });
}
console.log('| engine | longest path (cells, synth_xilinx) | LUT | 7-series estimate: path, fmax (ends) | iCE40 HX8K fmax (MHz) |');
console.log('| --- | --- | --- | --- | --- |');
for (const r of rows) console.log(r);

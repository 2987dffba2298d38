/**
 * Measured figures for a design gen-hw wrote: Yosys synthesis of every node's
 * module and of the whole top (stat -json, logic depth by ltp, an fmax
 * estimate from it, see fmax.ts), and for designs that fit an iCE40 UP5K or
 * HX8K, place and route by nextpnr-ice40 (its fmax and utilisation).
 *
 * Results are cached in DIR/.synth-cache, one file per synthesis, keyed by a
 * hash of every file under DIR/rtl, the module, the target and the Yosys
 * build: a rerun on the same design is instant; any change to the RTL misses.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HardwareIR } from '../../ir/hardware-ir.js';
import { type PlanOptions, type RtlPlan, planRtl } from '../rtl/plan.js';
import { type SynthResult, type SynthTarget, countResources, cellsOf, parseStat, synthesize } from '../../drivers/yosys.js';
import { findTool, runTool, describeFailure, ToolError } from '../../drivers/tools.js';
import { fmaxFromDepth } from './fmax.js';

export interface MeasuredModule {
  /** IR node name, or the top's module name for the whole design. */
  name: string;
  module: string;
  luts: number;
  ffs: number;
  brams: number;
  dsps: number;
  /** Cells on the longest combinational path (ltp), when reported. */
  logicDepth: number | null;
  /** From the critical path's delay (timing-path.ts) where the family has a delay table, else from logicDepth by fmax.ts's per-level delay. */
  fmaxMHz: number | null;
  /** The longest path by the delay model: its delay, cell types and the nets along it. */
  criticalPath: { delayNs: number; lutLevels: number; through: string[]; nets: string[] } | null;
  synthSeconds: number;
  /** True when read from the cache. */
  cached: boolean;
}

export interface PnrResult {
  device: 'up5k' | 'hx8k';
  fits: boolean;
  /** What synth_ice40 needs beside what the device has (LUT4, FF, 4 Kb RAM, DSP). */
  need: { luts: number; ffs: number; brams: number; dsps: number };
  have: { luts: number; brams: number; dsps: number };
  /** When it does not fit: the resource most over, and by how much (percent). */
  over?: { resource: string; percent: number };
  /** nextpnr-ice40's figures when it ran. */
  fmaxMHz?: number;
  utilisation?: Record<string, { used: number; available: number }>;
  /** Why place and route did not run, if it did not. */
  skipped?: string;
}

export interface Measurement {
  target: SynthTarget;
  engine: string;
  designHash: string;
  nodes: MeasuredModule[];
  top: MeasuredModule;
  ice40?: PnrResult;
}

export interface MeasureOptions {
  dir: string;
  ir: HardwareIR;
  target: SynthTarget;
  plan?: PlanOptions;
  /** Place and route on an iCE40 when the design fits (default true). */
  pnr?: boolean;
  clockMHz: number;
  /** Progress: which module starts, and when each ends. */
  progress?: (event: { what: string; index: number; count: number; done?: MeasuredModule }) => void;
}

const CACHE_DIR = '.synth-cache';

/** sha256 over every file under rtlDir (path and bytes, in sorted order). */
export function designHash(rtlDir: string): string {
  const h = crypto.createHash('sha256');
  const walk = (d: string): string[] =>
    fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : e.isFile() ? [path.join(d, e.name)] : []));
  for (const f of walk(rtlDir).sort()) {
    h.update(path.relative(rtlDir, f) + '\0');
    h.update(fs.readFileSync(f));
    h.update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

function readSources(rtlDir: string): string[] {
  const list = path.join(rtlDir, 'filelist.f');
  if (!fs.existsSync(list)) throw new ToolError(`${list}: missing (run gen-hw first)`);
  return fs.readFileSync(list, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
}

function cached<T>(file: string, make: () => Promise<T>): Promise<{ value: T; cached: boolean }> {
  if (fs.existsSync(file)) return Promise.resolve({ value: JSON.parse(fs.readFileSync(file, 'utf8')) as T, cached: true });
  return make().then((value) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
    return { value, cached: false };
  });
}

/** The modules worth synthesising alone: every node with a module of its own (forks and FIFOs are library instances in the top). */
export function nodeModules(plan: RtlPlan): Array<{ name: string; module: string }> {
  return plan.stages.flatMap((st) => ('module' in st && typeof st.module === 'string' ? [{ name: st.name, module: st.module }] : []));
}

export async function measureDesign(o: MeasureOptions): Promise<Measurement> {
  const rtlDir = path.join(o.dir, 'rtl');
  const sources = readSources(rtlDir);
  const hash = designHash(rtlDir);
  const yosys = findTool('yosys');
  const engine = yosys ? `native:${yosys}` : 'wasm';
  const plan = planRtl(o.ir, o.plan);
  const jobs = [...nodeModules(plan), { name: o.ir.top, module: o.ir.top }];
  const results: MeasuredModule[] = [];
  for (const [index, job] of jobs.entries()) {
    o.progress?.({ what: job.name, index, count: jobs.length });
    const key = crypto.createHash('sha256').update(`${hash}/${o.target}/${engine}/${job.module}/timing-path`).digest('hex').slice(0, 24);
    const work = path.join(o.dir, CACHE_DIR, 'work', `${o.target}-${job.module}`);
    const { value, cached: hit } = await cached(path.join(o.dir, CACHE_DIR, `${key}.json`), async () => {
      const r: SynthResult = await synthesize({ rtlDir, sources, top: job.module, target: o.target, workDir: work });
      const t = r.timing;
      const criticalPath = t ? { delayNs: t.delayNs, lutLevels: t.lutLevels, through: t.through, nets: t.nets } : null;
      return { luts: r.luts, ffs: r.ffs, brams: r.brams, dsps: r.dsps, logicDepth: r.logicDepth, fmaxMHz: t?.fmaxMHz ?? null, criticalPath, synthSeconds: Math.round(r.durationMs / 100) / 10, engine: r.engine };
    });
    const m: MeasuredModule = {
      name: job.name,
      module: job.module,
      luts: value.luts,
      ffs: value.ffs,
      brams: value.brams,
      dsps: value.dsps,
      logicDepth: value.logicDepth,
      fmaxMHz: value.fmaxMHz ?? fmaxFromDepth(o.target, value.logicDepth),
      criticalPath: value.criticalPath,
      synthSeconds: value.synthSeconds,
      cached: hit,
    };
    results.push(m);
    o.progress?.({ what: job.name, index, count: jobs.length, done: m });
  }
  const top = results.pop()!;
  const out: Measurement = { target: o.target, engine: yosys ? 'yosys (native)' : 'yosys (wasm)', designHash: hash, nodes: results, top };
  if (o.pnr !== false) {
    o.progress?.({ what: 'iCE40 place and route', index: jobs.length, count: jobs.length + 1 });
    const key = crypto.createHash('sha256').update(`${hash}/pnr/${o.clockMHz}`).digest('hex').slice(0, 24);
    out.ice40 = (await cached(path.join(o.dir, CACHE_DIR, `${key}.json`), () => placeAndRoute(o, rtlDir, sources, plan))).value;
  }
  return out;
}

/** iCE40 devices nextpnr-ice40 can target here: logic cells, 4 Kb RAMs, DSPs, and the package. */
const ICE40 = {
  up5k: { luts: 5280, brams: 30, dsps: 8, package: 'sg48' },
  hx8k: { luts: 7680, brams: 32, dsps: 0, package: 'ct256' },
} as const;

/**
 * The top's ports are wider than any iCE40 package has pins, so place and
 * route sees the design behind a wrapper: the input word from a shift register
 * fed by one pin, the output word XOR-reduced into one register. The wrapper
 * adds the input width in flip-flops and a few LUTs.
 */
export function pnrWrapper(top: string, inputWidth: number, outputWidth: number): string {
  return `// Place-and-route wrapper of ${top}: one pin in, one pin out (see measure.ts).
module qtsc_pnr_wrap (input wire clk, input wire rst, input wire sin, input wire in_valid, input wire in_last, input wire out_ready,
                      output wire sout, output wire out_valid, output wire in_ready, output wire err);
  reg [${inputWidth}-1:0] sh;
  wire [${outputWidth}-1:0] od;
  reg so;
  always @(posedge clk) sh <= {sh, sin};
  always @(posedge clk) so <= ^od;
  assign sout = so;
  ${top} u_top (.clk(clk), .rst(rst), .s_axis_tdata(sh), .s_axis_tvalid(in_valid), .s_axis_tready(in_ready), .s_axis_tlast(in_last),
    .m_axis_tdata(od), .m_axis_tvalid(out_valid), .m_axis_tready(out_ready), .m_axis_tlast(), .frame_err(err));
endmodule
`;
}

async function placeAndRoute(o: MeasureOptions, rtlDir: string, sources: string[], plan: RtlPlan): Promise<PnrResult> {
  const yosys = findTool('yosys');
  const nextpnr = findTool('nextpnr-ice40');
  const work = path.resolve(o.dir, CACHE_DIR, 'work', 'ice40-pnr');
  fs.mkdirSync(work, { recursive: true });
  const blank = { luts: 0, ffs: 0, brams: 0, dsps: 0 };
  if (!yosys) return { device: 'up5k', fits: false, need: blank, have: ICE40.up5k, skipped: 'needs yosys on PATH (the wasm build is too slow for a whole-design iCE40 flow)' };
  fs.writeFileSync(path.join(work, 'qtsc_pnr_wrap.sv'), pnrWrapper(o.ir.top, plan.inputWidth, plan.outputWidth));
  const script = [
    `read_verilog -sv ${sources.map((s) => path.resolve(rtlDir, s)).join(' ')} ${path.join(work, 'qtsc_pnr_wrap.sv')}`,
    `synth_ice40 -top qtsc_pnr_wrap -json ${path.join(work, 'net.json')}`,
    `tee -q -o ${path.join(work, 'stat.json')} stat -json`,
    '',
  ].join('\n');
  fs.writeFileSync(path.join(work, 'pnr.ys'), script);
  const r = await runTool(yosys, ['-q', '-l', path.join(work, 'yosys.log'), '-s', path.join(work, 'pnr.ys')], { cwd: rtlDir, timeoutMs: 60 * 60_000 });
  if (r.code !== 0) throw new ToolError(describeFailure('yosys (synth_ice40 for place and route)', r));
  const c = countResources('ice40', {}, cellsOf(parseStat(fs.readFileSync(path.join(work, 'stat.json'), 'utf8'))));
  const need = { luts: c.luts, ffs: c.ffs, brams: c.brams, dsps: c.dsps };
  const overBy = (dev: (typeof ICE40)[keyof typeof ICE40]) => {
    const ratios = [['LUT4', need.luts / dev.luts], ['4 Kb RAM', need.brams / Math.max(dev.brams, 1e-9)], ['DSP', need.dsps === 0 ? 0 : need.dsps / Math.max(dev.dsps, 1e-9)]] as const;
    return ratios.reduce((a, b) => (b[1] > a[1] ? b : a));
  };
  // The smallest device it fits; logic cells hold a LUT4 and its flip-flop, so LUT4s bound them.
  const device = (['up5k', 'hx8k'] as const).find((d) => overBy(ICE40[d])[1] <= 1);
  if (!device) {
    const [resource, ratio] = overBy(ICE40.hx8k);
    return { device: 'hx8k', fits: false, need, have: ICE40.hx8k, over: { resource, percent: Math.round((ratio - 1) * 1000) / 10 } };
  }
  const have = ICE40[device];
  if (!nextpnr) return { device, fits: true, need, have, skipped: 'nextpnr-ice40 is not on PATH' };
  const args = [`--${device}`, '--package', have.package, '--json', path.join(work, 'net.json'), '--freq', String(o.clockMHz), '--report', path.join(work, 'report.json'), '--pcf-allow-unconstrained', '--timing-allow-fail', '--seed', '1', '-q', '-l', path.join(work, 'nextpnr.log')];
  const p = await runTool(nextpnr, args, { cwd: work, timeoutMs: 60 * 60_000 });
  if (p.code !== 0) return { device, fits: true, need, have, skipped: `nextpnr-ice40 failed: ${(p.stderr || p.stdout).trim().split('\n').slice(-1)[0] ?? ''}` };
  const rep = JSON.parse(fs.readFileSync(path.join(work, 'report.json'), 'utf8')) as { utilization?: Record<string, { used: number; available: number }>; fmax?: Record<string, { achieved: number }> };
  const fmax = Object.values(rep.fmax ?? {}).map((f) => f.achieved);
  return { device, fits: true, need, have, fmaxMHz: fmax.length ? Math.round(Math.min(...fmax) * 10) / 10 : undefined, utilisation: rep.utilization };
}

/**
 * `npm run bench`: measures the hardware flow and writes bench/results.json.
 *
 * Sections (each is independent; a missing tool or backend is reported as
 * "skipped" with the reason, a failure as "failed", and the run goes on):
 *   tools       versions of Verilator and Yosys (native and WebAssembly)
 *   synthesis   Yosys LUT/FF/BRAM/DSP (and multipliers, latches, logic depth)
 *               per engine on representative designs (bench/designs.ts) built
 *               with emitRtl, next to the analytic estimate
 *   verilator   lint, build time (uncached and cached), simulation time and
 *               measured cycles/frame vs the estimate, per engine; the built-in
 *               reference design (bench/reference/frame_sum.v) when the RTL
 *               backend is missing, to time the toolchain alone
 *   primitives  (--primitives) ROM mapping grid, Yosys vs memoryCost
 *   conv        the reference convolutional networks (bench/conv.ts): gen-hw
 *               time, uncached Verilator build, simulated frames/s, measured
 *               vs analytic cycles per frame, bit-exactness; per-module Yosys
 *               figures of CNV W1A1 at FINN's folding beside the estimate.
 *               Options: --conv-frames N (default 20), --conv-nets a,b (keys
 *               cnv-w1a1, cnv-pow2-3-a4, mobilenet), --conv-no-sim,
 *               --conv-no-synth, --conv-synth-only m1,m2 (modules or layers),
 *               --conv-synth-top (also the whole CNV W1A1), --conv-synth-timeout S
 *   calibrate   (--calibrate) synthesises the representative and 10 random
 *               designs per engine, refits the LUT model and reports its error
 *               before and after; (--refit FILE) refits from the samples a
 *               previous results.json holds, without synthesis
 *
 * Options: --quick (one design per engine, fewer frames), --target
 * xilinx|ice40|generic (default xilinx), --frames N (default 2000),
 * --out FILE (default bench/results.json), --only a,b (sections).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { EngineKind, HardwareIR } from '../src/ir/hardware-ir.js';
import type { DotTrees, PlanOptions } from '../src/backends/rtl/plan.js';
import { estimateCycles, estimateResources, fitCoefficients } from '../src/backends/estimates/index.js';
import { findTool, toolVersion } from '../src/drivers/tools.js';
import { buildVerilatorSim, lintVerilator, runVerilatorSim } from '../src/drivers/verilator.js';
import { synthesize, type SynthTarget } from '../src/drivers/yosys.js';
import { ENGINES, SHAPES, makeIr, randomInputs } from './designs.js';
import { measureRoms } from './primitives.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));

const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    target: { type: 'string', default: 'xilinx' },
    frames: { type: 'string', default: '2000' },
    out: { type: 'string', default: path.join(benchDir, 'results.json') },
    only: { type: 'string' },
    primitives: { type: 'boolean', default: false },
    calibrate: { type: 'boolean', default: false },
    refit: { type: 'string' },
    'conv-frames': { type: 'string', default: '20' },
    'conv-nets': { type: 'string' },
    'conv-no-sim': { type: 'boolean', default: false },
    'conv-no-synth': { type: 'boolean', default: false },
    'conv-synth-only': { type: 'string' },
    'conv-synth-top': { type: 'boolean', default: false },
    'conv-synth-timeout': { type: 'string', default: '900' },
  },
});
const target = opt.target as SynthTarget;
if (!['xilinx', 'ice40', 'generic'].includes(target)) throw new Error(`--target must be xilinx, ice40 or generic, got ${opt.target}`);
const frames = opt.quick ? 300 : Number(opt.frames);
const only = opt.only ? new Set(opt.only.split(',')) : null;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-bench-'));

interface Section {
  name: string;
  status: 'ok' | 'skipped' | 'failed';
  reason?: string;
  durationMs: number;
  data?: unknown;
}

const results: { startedAt: string; host: Record<string, unknown>; options: Record<string, unknown>; sections: Section[] } = {
  startedAt: new Date().toISOString(),
  host: { node: process.version, platform: `${os.platform()} ${os.arch()}`, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model },
  options: { quick: opt.quick, target, frames },
  sections: [],
};

class Skip extends Error {}

async function section(name: string, fn: () => Promise<unknown>): Promise<void> {
  if (only && !only.has(name)) return;
  const started = Date.now();
  console.log(`\n== ${name}`);
  try {
    const data = await fn();
    results.sections.push({ name, status: 'ok', durationMs: Date.now() - started, data });
  } catch (e) {
    const skipped = e instanceof Skip;
    const reason = (e as Error).message;
    console.log(`${skipped ? 'skipped' : 'FAILED'}: ${reason}`);
    results.sections.push({ name, status: skipped ? 'skipped' : 'failed', reason, durationMs: Date.now() - started });
  }
}

function table(rows: Array<Record<string, unknown>>): void {
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0]);
  const cell = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : String(v ?? ''));
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padStart(widths[i])).join('  ');
  console.log(line(cols));
  for (const r of rows) console.log(line(cols.map((c) => cell(r[c]))));
}

type Emit = (ir: HardwareIR, rtlDir: string, opts?: PlanOptions) => { top: string; sources: string[]; memFiles: string[] };

async function loadEmitRtl(): Promise<Emit> {
  const file = path.join(benchDir, '..', 'src', 'backends', 'rtl', 'emit.ts');
  if (!fs.existsSync(file)) throw new Skip('the RTL backend (src/backends/rtl/emit.ts) is not there yet');
  try {
    const mod = (await import('../src/backends/rtl/emit.js')) as { emitRtl?: Emit };
    if (typeof mod.emitRtl !== 'function') throw new Skip('src/backends/rtl/emit.ts does not export emitRtl');
    return mod.emitRtl;
  } catch (e) {
    if (e instanceof Skip) throw e;
    throw new Skip(`the RTL backend does not load: ${(e as Error).message.split('\n')[0]}`);
  }
}

function designs(): Array<{ label: string; ir: HardwareIR }> {
  const shapes = opt.quick ? (['mlp2'] as const) : (['mvu', 'mlp2'] as const);
  return shapes.flatMap((shape) => ENGINES.map((engine) => ({ label: `${engine}/${shape}`, ir: makeIr(engine, SHAPES[shape], 1) })));
}

const firstLine = (e: unknown) => ((e as Error).message ?? String(e)).split('\n')[0];

const pct = (est: number, got: number) => (got === 0 ? (est === 0 ? 0 : Infinity) : Math.round(((est - got) / got) * 1000) / 10);

// ---------------------------------------------------------------------------

await section('tools', async () => {
  const v = findTool('verilator');
  const y = findTool('yosys');
  let wasm = 'not installed';
  try {
    wasm = `Yosys ${(await import('@yowasp/yosys')).version}`;
  } catch {
    /* reported as not installed */
  }
  const data = {
    verilator: v ? await toolVersion(v) : 'not found',
    yosys: y ? await toolVersion(y, '-V') : 'not found',
    yosysWasm: wasm,
    gxx: findTool('g++') ? await toolVersion(findTool('g++')!) : 'not found',
  };
  for (const [k, val] of Object.entries(data)) console.log(`${k.padEnd(10)} ${val}`);
  return data;
});

await section('synthesis', async () => {
  const emitRtl = await loadEmitRtl();
  const rows: unknown[] = [];
  for (const { label, ir } of designs()) {
    const rtlDir = path.join(work, 'synth', label.replace('/', '-'), 'rtl');
    fs.mkdirSync(rtlDir, { recursive: true });
    let r;
    try {
      const emitted = emitRtl(ir, rtlDir);
      r = await synthesize({ rtlDir, sources: emitted.sources, top: emitted.top, target, workDir: path.join(rtlDir, '..', 'synth') });
    } catch (e) {
      const error = firstLine(e);
      console.log(`${label}: FAILED: ${error}`);
      rows.push({ design: label, error });
      continue;
    }
    const e = estimateResources(ir).total;
    const row = {
      design: label,
      luts: r.luts,
      estLuts: e.luts,
      'lutErr%': pct(e.luts, r.luts),
      ffs: r.ffs,
      estFfs: e.ffs,
      'ffErr%': pct(e.ffs, r.ffs),
      brams: r.brams,
      estBrams: e.brams,
      dsps: r.dsps,
      estDsps: e.dsps,
      mults: r.multipliers,
      latches: r.latches,
      depth: r.logicDepth ?? '',
      synthS: Math.round(r.durationMs / 100) / 10,
    };
    rows.push({ ...row, engine: r.engine, cells: r.cells });
    table([row]);
  }
  if (rows.every((r) => 'error' in (r as object))) throw new Error('every design failed (see rows)');
  return { target, rows };
});

async function timeSim(label: string, rtlDir: string, sources: string[], top: string, vectorsDir: string, inBits: number, outBits: number, estimate: number | null, extraArgs: string[] = []) {
  const lint = await lintVerilator(rtlDir, sources, top);
  const cacheDir = path.join(work, 'vcache');
  const cold = await buildVerilatorSim({ rtlDir, sources, top, inputWordBits: inBits, outputWordBits: outBits, workDir: path.join(work, 'vwork'), cacheDir, extraArgs });
  const warm = await buildVerilatorSim({ rtlDir, sources, top, inputWordBits: inBits, outputWordBits: outBits, workDir: path.join(work, 'vwork'), cacheDir, extraArgs });
  let t = Date.now();
  const steady = await runVerilatorSim({ binary: cold.binary, rtlDir, vectorsDir, seed: 1, stallProbability: 0 });
  const steadyMs = Date.now() - t;
  t = Date.now();
  const stalled = await runVerilatorSim({ binary: cold.binary, rtlDir, vectorsDir, seed: 2, stallProbability: 0.3 });
  const stalledMs = Date.now() - t;
  const row = {
    design: label,
    lintWarnings: lint.warnings.length + lint.errors.length,
    buildS: Math.round(cold.buildMs / 100) / 10,
    cachedMs: warm.buildMs,
    frames: steady.frames,
    simMs: steadyMs,
    'kCycles/s': Math.round(steady.cyclesTotal / Math.max(1, steadyMs)),
    cyclesPerFrame: steady.cyclesPerFrame ?? '',
    estimate: estimate ?? '',
    latency: steady.latencyCycles ?? '',
    stallSimMs: stalledMs,
    stallCyclesPerFrame: stalled.cyclesPerFrame ?? '',
    pass: steady.passed && stalled.passed,
  };
  table([row]);
  return row;
}

await section('verilator', async () => {
  if (!findTool('verilator')) throw new Skip('verilator is not on PATH');
  const rows: unknown[] = [];
  let emitRtl: Emit | null = null;
  let why = '';
  try {
    emitRtl = await loadEmitRtl();
  } catch (e) {
    why = (e as Error).message;
  }
  if (emitRtl) {
    for (const { label, ir } of designs().filter((d) => d.label.endsWith('mlp2'))) {
      const base = path.join(work, 'sim', label.replace('/', '-'));
      const rtlDir = path.join(base, 'rtl');
      fs.mkdirSync(rtlDir, { recursive: true });
      try {
        const emitted = emitRtl(ir, rtlDir);
        const { writeVectors } = await import('../src/golden/vectors.js');
        const { meta } = writeVectors(ir, randomInputs(ir, frames, 7), path.join(base, 'vectors'));
        rows.push(await timeSim(label, rtlDir, emitted.sources, emitted.top, path.join(base, 'vectors'), meta.inputWordBits, meta.outputWordBits, estimateCycles(ir).cyclesPerFrame));
      } catch (e) {
        const error = firstLine(e);
        console.log(`${label}: FAILED: ${error}`);
        rows.push({ design: label, error });
      }
    }
    if (rows.every((r) => 'error' in (r as object))) throw new Error('every design failed (see rows)');
    return { design: 'emitRtl', rows };
  }
  console.log(`RTL backend not available (${why}); timing the reference design bench/reference/frame_sum.v`);
  for (const [inW, outW, k] of [
    [8, 12, 3],
    [70, 100, 4],
  ]) {
    const base = path.join(work, 'sim', `frame_sum_${inW}_${outW}`);
    const rtlDir = path.join(base, 'rtl');
    fs.mkdirSync(rtlDir, { recursive: true });
    fs.copyFileSync(path.join(benchDir, 'reference', 'frame_sum.v'), path.join(rtlDir, 'frame_sum.v'));
    fs.writeFileSync(path.join(rtlDir, 'offset.mem'), '5\n');
    const vec = path.join(base, 'vectors');
    fs.mkdirSync(vec, { recursive: true });
    const mask = (1n << BigInt(outW)) - 1n;
    const ins: string[] = [];
    const exp: string[] = [];
    let x = 12345n;
    for (let f = 0; f < frames; f++) {
      let s = 5n;
      for (let i = 0; i < k; i++) {
        x = (x * 6364136223846793005n + 1442695040888963407n) & ((1n << 128n) - 1n);
        const v = x & ((1n << BigInt(inW)) - 1n);
        ins.push(v.toString(16));
        s += v;
      }
      exp.push((s & mask).toString(16));
    }
    fs.writeFileSync(path.join(vec, 'input.hex'), ins.join('\n') + '\n');
    fs.writeFileSync(path.join(vec, 'expected.hex'), exp.join('\n') + '\n');
    fs.writeFileSync(path.join(vec, 'meta.json'), JSON.stringify({ frames, inputWordBits: inW, inputWordsPerFrame: k, outputWordBits: outW }));
    rows.push(await timeSim(`frame_sum ${inW}->${outW}`, rtlDir, ['frame_sum.v'], 'frame_sum', vec, inW, outW, k, [`-GInW=${inW}`, `-GOutW=${outW}`, `-GK=${k}`]));
  }
  return { design: 'reference', reason: why, rows };
});

if (opt.primitives) {
  await section('primitives', async () => {
    const rows = await measureRoms(path.join(work, 'prim'), 'xilinx');
    table(rows.map((r) => ({ depth: r.depth, width: r.width, luts: r.yosys.luts, estLuts: r.model.luts, brams: r.yosys.brams, estBrams: r.model.brams })));
    return rows;
  });
}

await section('conv', async () => {
  if (!findTool('verilator') && !opt['conv-no-sim']) throw new Skip('verilator is not on PATH (--conv-no-sim runs the rest)');
  const { runConvBench } = await import('./conv.js');
  const list = (s: string | undefined) => (s ? s.split(',').filter(Boolean) : undefined);
  const data = await runConvBench({
    work,
    frames: Number(opt['conv-frames']),
    target,
    nets: list(opt['conv-nets']),
    simulate: !opt['conv-no-sim'],
    synth: !opt['conv-no-synth'],
    synthOnly: list(opt['conv-synth-only']),
    synthTop: opt['conv-synth-top'],
    synthTimeoutMs: Number(opt['conv-synth-timeout']) * 1000,
    log: (l) => console.log(l),
  });
  const d = data as { genHw: Array<Record<string, unknown>>; sim: Array<Record<string, unknown>>; synth?: { rows: Array<Record<string, unknown>> } };
  console.log('');
  table(d.genHw);
  if (d.sim.length) {
    console.log('');
    table(d.sim.map(({ firstMismatch: _f, ...r }) => r));
  }
  if (d.synth?.rows.length) {
    console.log('');
    table(d.synth.rows.map(({ cells: _c, ...r }) => r));
  }
  return data;
});

/** A calibration design; dotTrees as emitRtl takes it (absent: the default). */
type SampleSpec = ({ kind: 'rep'; engine: EngineKind; shape: 'mvu' | 'mlp2' } | { kind: 'random'; engine: EngineKind; index: number }) & { dotTrees?: DotTrees };
interface CalSample {
  spec: SampleSpec;
  luts: number;
  ffs: number;
}

async function sampleIr(spec: SampleSpec): Promise<HardwareIR> {
  if (spec.kind === 'rep') return makeIr(spec.engine, SHAPES[spec.shape], 1);
  const { randomHardwareIR } = await import('../test/helpers/random-hw.js');
  const i = spec.index;
  return randomHardwareIR(1000 + i, { engine: spec.engine, actBits: 2 + (i % 3), pow2Levels: i % 2 ? 2 : 4, layers: 1 + (i % 2), maxDim: 48 });
}

if (opt.calibrate || opt.refit) {
  await section('calibrate', async () => {
    let samples: CalSample[] = [];
    if (opt.refit) {
      const old = JSON.parse(fs.readFileSync(opt.refit, 'utf8')) as { sections?: Section[] };
      const cal = old.sections?.find((x) => x.name === 'calibrate' && x.status === 'ok');
      samples = ((cal?.data as { samples?: CalSample[] } | undefined)?.samples ?? []).slice();
      if (samples.length === 0) throw new Error(`${opt.refit} holds no calibration samples`);
      console.log(`refitting on ${samples.length} samples from ${opt.refit}`);
    } else {
      const emitRtl = await loadEmitRtl();
      const specs: SampleSpec[] = [
        ...ENGINES.flatMap((engine) => (['mvu', 'mlp2'] as const).map((shape): SampleSpec => ({ kind: 'rep', engine, shape }))),
        ...ENGINES.flatMap((engine) => Array.from({ length: opt.quick ? 3 : 10 }, (_, index): SampleSpec => ({ kind: 'random', engine, index }))),
        // The generic engine (qtsc_dot_acc) where a tree is the default, for dotTrees 'none'.
        ...ENGINES.filter((e) => e !== 'int-mac').flatMap((engine) => [
          ...(['mvu', 'mlp2'] as const).map((shape): SampleSpec => ({ kind: 'rep', engine, shape, dotTrees: 'none' })),
          ...Array.from({ length: opt.quick ? 1 : 3 }, (_, index): SampleSpec => ({ kind: 'random', engine, index, dotTrees: 'none' })),
        ]),
      ];
      for (const spec of specs) {
        const ir = await sampleIr(spec);
        const name = (spec.kind === 'rep' ? `${spec.engine}-${spec.shape}` : `${spec.engine}-${spec.index}`) + (spec.dotTrees ? `-${spec.dotTrees}` : '');
        const rtlDir = path.join(work, 'cal', name, 'rtl');
        fs.mkdirSync(rtlDir, { recursive: true });
        try {
          const emitted = emitRtl(ir, rtlDir, { dotTrees: spec.dotTrees });
          const r = await synthesize({ rtlDir, sources: emitted.sources, top: emitted.top, target, workDir: path.join(rtlDir, '..', 'synth') });
          samples.push({ spec, luts: r.luts, ffs: r.ffs });
          console.log(`${name}: ${r.luts} LUTs, ${r.ffs} FFs`);
        } catch (e) {
          console.log(`${name}: FAILED: ${firstLine(e)}`);
        }
      }
      if (samples.length === 0) throw new Error('no design could be synthesised');
    }
    const withIr = await Promise.all(samples.map(async (smp) => ({ ...smp, ir: await sampleIr(smp.spec), opts: { dotTrees: smp.spec.dotTrees } })));
    const fit = fitCoefficients(withIr);
    const ffErr = withIr.map((smp) => Math.abs(estimateResources(smp.ir, undefined, smp.opts).total.ffs - smp.ffs) / Math.max(1, smp.ffs));
    const rows = withIr.map((smp) => {
      const before = estimateResources(smp.ir, undefined, smp.opts).total.luts;
      const after = estimateResources(smp.ir, fit.coefficients, smp.opts).total.luts;
      return {
        sample: (smp.spec.kind === 'rep' ? `${smp.spec.engine}/${smp.spec.shape}` : `${smp.spec.engine}#${smp.spec.index}`) + (smp.spec.dotTrees ? ` ${smp.spec.dotTrees}` : ''),
        luts: smp.luts,
        estimate: before,
        'err%': pct(before, smp.luts),
        refit: after,
        'refitErr%': pct(after, smp.luts),
        ffs: smp.ffs,
        estFfs: estimateResources(smp.ir, undefined, smp.opts).total.ffs,
      };
    });
    table(rows);
    const mean = (v: number[]) => (100 * v.reduce((a, b) => a + b, 0)) / Math.max(1, v.length);
    console.log(`LUT mean |error| ${(fit.errorBefore * 100).toFixed(1)}% -> ${(fit.errorAfter * 100).toFixed(1)}% (max ${(fit.maxErrorAfter * 100).toFixed(1)}%); FF mean |error| ${mean(ffErr).toFixed(1)}%`);
    console.log('coefficients', JSON.stringify(fit.coefficients));
    return { target, samples, rows, errorBefore: fit.errorBefore, errorAfter: fit.errorAfter, maxErrorAfter: fit.maxErrorAfter, ffMeanError: mean(ffErr) / 100, coefficients: fit.coefficients };
  });
}

fs.writeFileSync(opt.out, JSON.stringify({ ...results, finishedAt: new Date().toISOString() }, null, 2) + '\n');
fs.rmSync(work, { recursive: true, force: true });
const failed = results.sections.filter((s) => s.status === 'failed');
console.log(`\nwrote ${path.relative(process.cwd(), opt.out)}; ${results.sections.map((s) => `${s.name}: ${s.status}`).join(', ')}`);
if (failed.length > 0) process.exitCode = 1;

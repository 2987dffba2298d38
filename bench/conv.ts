/**
 * The `conv` section of `npm run bench`: the reference convolutional networks
 * of test/helpers/reference-networks.ts (random value-space weights, random
 * BatchNorm of both signs) through the whole hardware flow.
 *
 *   gen-hw      compileModel + emitRtl into a fresh directory, timed (the
 *               random model is written before the clock starts)
 *   verilator   uncached build (fresh cache directory), N frames without
 *               stalls (frames per second of wall clock, steady-state cycles
 *               per frame against the slowest node's nodeCycles) and N frames
 *               with stalls p = 0.2 on both handshakes; mismatches on every
 *               output bit of every frame
 *   synthesis   (CNV W1A1 only) every node wrapper and sliding-window /
 *               pool module of the design synthesised as its own top with
 *               Yosys synth_xilinx, beside estimateResources; optionally the
 *               whole design
 *
 * CNV runs at FINN's BNN-PYNQ folding (FINN_CNV_FOLDING), the MobileNet-style
 * network at qtsc's automatic folding.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { compileModel } from '../src/compile.js';
import { emitRtl } from '../src/backends/rtl/emit.js';
import { planRtl, type StagePlan } from '../src/backends/rtl/plan.js';
import { estimateResources, type NodeResources } from '../src/backends/estimates/index.js';
import { writeVectors } from '../src/golden/vectors.js';
import { argmax } from '../src/golden/execute.js';
import { dequantizeInput } from '../src/golden/float-model.js';
import { buildVerilatorSim, runVerilatorSim } from '../src/drivers/verilator.js';
import { synthesize, type SynthResult, type SynthTarget } from '../src/drivers/yosys.js';
import { type HardwareIR, inputLength } from '../src/ir/hardware-ir.js';
import { nodeCycles } from '../src/ir/node-cycles.js';
import { initTf } from '../src/util/tf-backend.js';
import { Rng } from '../src/util/random.js';
import { makeConvModel, type ConvModelSpec } from '../test/helpers/make-conv-model.js';
import { cnvSpec, mobileNetSpec } from '../test/helpers/reference-networks.js';

/**
 * FINN's folding of BNN-PYNQ CNV W1A1 (finn-examples,
 * build/bnn-pynq/folding_config/cnv-w1a1_folding_config.json:
 * MatrixVectorActivation_0..8), keyed by the layer names makeConvModel gives
 * the CNV spec (`${kind}${index}`). Every SIMD divides the layer's input
 * channels (3, 64, 64, 128, 128, 256; dense 256, 512, 512), so it is taken
 * unchanged. The sliding windows get their MVU's SIMD (as FINN's
 * ConvolutionInputGenerator does); the max pools are folded automatically.
 */
export const FINN_CNV_FOLDING: Record<string, { pe: number; simd: number }> = {
  conv0: { pe: 16, simd: 3 },
  conv3: { pe: 32, simd: 32 },
  conv7: { pe: 16, simd: 32 },
  conv10: { pe: 16, simd: 32 },
  conv14: { pe: 4, simd: 32 },
  conv17: { pe: 1, simd: 32 },
  dense21: { pe: 1, simd: 4 },
  dense24: { pe: 1, simd: 8 },
  dense27: { pe: 5, simd: 1 },
};

const repoRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

/** `npm run gen-hw` on the model as a user runs it (node + tsx start-up, ir.json, report, RTL), wall seconds. */
function timeCli(model: string, out: string, fold: string | undefined): number {
  const args = ['--import', 'tsx', path.join(repoRoot, 'src', 'cli', 'main.ts'), 'gen-hw', '--model', model, '--out', out, '--allow-mult', ...(fold ? ['--fold', fold] : [])];
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8' });
  const s = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`gen-hw failed (${r.status}): ${(r.stderr || r.stdout).split('\n').slice(-3).join(' ')}`);
  return s;
}

export interface ConvNet {
  key: string;
  label: string;
  spec: ConvModelSpec;
  /** 'finn': FINN_CNV_FOLDING; 'auto': qtsc's automatic folding. */
  folding: 'finn' | 'auto';
}

export const CONV_NETS: ConvNet[] = [
  { key: 'cnv-w1a1', label: 'CNV W1A1 (int8 first layer)', spec: cnvSpec('w1a1', 5), folding: 'finn' },
  { key: 'cnv-pow2-3-a4', label: 'CNV pow2-3 / A4', spec: cnvSpec('pow2-3-a4', 6), folding: 'finn' },
  { key: 'mobilenet', label: 'MobileNet-style (binary / A4)', spec: mobileNetSpec(3), folding: 'auto' },
];

export interface ConvBenchOptions {
  work: string;
  frames: number;
  target: SynthTarget;
  /** Which networks (keys of CONV_NETS); default all. */
  nets?: string[];
  simulate: boolean;
  /** Per-module synthesis of CNV W1A1. */
  synth: boolean;
  /** Only these modules (stage names, e.g. n0_conv0 as in the plan, or layer names); default all, smallest first. */
  synthOnly?: string[];
  /** Also synthesise the whole CNV W1A1 top. */
  synthTop: boolean;
  /** Per Yosys run (native yosys only). */
  synthTimeoutMs: number;
  log: (line: string) => void;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const firstLine = (e: unknown) => ((e as Error).message ?? String(e)).split('\n')[0];

/** LUTs used as RAM or shift registers, in LUT6 units (the weights src/drivers/yosys.ts counts them with). */
const LUTRAM_WEIGHTS: Record<string, number> = {
  SRL16E: 1, SRLC16E: 1, SRLC32E: 1,
  RAM32X1S: 1, RAM32X1D: 2, RAM32M: 4, RAM32M16: 8,
  RAM64X1S: 1, RAM64X1D: 2, RAM64M: 4, RAM64M8: 8,
  RAM128X1S: 2, RAM128X1D: 4, RAM256X1S: 4, RAM256X1D: 8, RAM512X1S: 8,
};
export function lutram(cells: Record<string, number>): number {
  return Object.entries(cells).reduce((s, [t, n]) => s + (LUTRAM_WEIGHTS[t] ?? 0) * n, 0);
}

interface Prepared {
  net: ConvNet;
  ir: HardwareIR;
  rtlDir: string;
  emitted: { top: string; sources: string[] };
  vectorsDir: string;
  meta: { inputWordBits: number; outputWordBits: number };
  goldenVsTfjs: string;
  genHw: Record<string, unknown>;
}

async function prepare(net: ConvNet, o: ConvBenchOptions): Promise<Prepared> {
  const base = path.join(o.work, 'conv', net.key);
  fs.mkdirSync(base, { recursive: true });
  const { dir, model } = await makeConvModel(net.spec, path.join(base, 'model'));
  let fold: string | undefined;
  if (net.folding === 'finn') {
    fold = path.join(base, 'fold.json');
    fs.writeFileSync(fold, JSON.stringify({ layers: FINN_CNV_FOLDING }, null, 2));
  }
  const rtlDir = path.join(base, 'rtl');
  fs.mkdirSync(rtlDir);
  const t0 = performance.now();
  const compiled = await compileModel({ model: dir, allowMult: true, fold });
  const t1 = performance.now();
  const emitted = emitRtl(compiled.ir, rtlDir);
  const t2 = performance.now();
  const ir = compiled.ir;
  const cliS = timeCli(dir, path.join(base, 'gen-hw-out'), fold);
  const rtlBytes = fs.readdirSync(rtlDir).reduce((s, f) => s + fs.statSync(path.join(rtlDir, f)).size, 0);
  const cycles = ir.nodes.map((n) => nodeCycles(ir, n));
  const genHw = {
    network: net.label,
    folding: net.folding === 'finn' ? 'FINN BNN-PYNQ' : 'auto',
    compileMs: Math.round(t1 - t0),
    emitMs: Math.round(t2 - t1),
    genHwS: round1((t2 - t0) / 1000),
    cliS: round1(cliS),
    nodes: ir.nodes.length,
    lanes: ir.nodes.reduce((s, n) => s + (n.op === 'mvu' ? n.pe * n.simd : 0), 0),
    multipliers: ir.nodes.reduce((s, n) => s + (n.op === 'mvu' ? n.multipliers : 0), 0),
    rtlFiles: fs.readdirSync(rtlDir).length,
    rtlMB: round1(rtlBytes / 1e6),
    analyticCycles: Math.max(...cycles),
  };
  o.log(`${net.key}: gen-hw ${genHw.genHwS} s in process (compile ${genHw.compileMs} ms, emit ${genHw.emitMs} ms), ${genHw.cliS} s as npm run gen-hw; ${genHw.nodes} nodes, ${genHw.rtlMB} MB of RTL`);

  // Test vectors and a check of the golden model against tfjs on the same frames.
  const rng = new Rng(net.spec.seed + 7);
  const frames = Array.from({ length: o.frames }, () => Array.from({ length: inputLength(ir) }, () => rng.int(0, 255)));
  const x = tf.tensor(Float32Array.from(frames.flatMap((f) => Array.from(dequantizeInput(compiled.graph, f)))), [o.frames, ...net.spec.inputShape]);
  const logits = (model.predict(x) as tf.Tensor).arraySync() as number[][];
  tf.dispose(x);
  const vectorsDir = path.join(base, 'vectors');
  const { meta, results } = writeVectors(ir, frames, vectorsDir);
  const agree = results.filter((r, i) => r.argmax === argmax(logits[i])).length;
  return { net, ir, rtlDir, emitted, vectorsDir, meta, goldenVsTfjs: `${agree}/${o.frames}`, genHw };
}

async function simulate(p: Prepared, o: ConvBenchOptions): Promise<Record<string, unknown>> {
  const { ir } = p;
  const cycles = ir.nodes.map((n) => nodeCycles(ir, n));
  const analytic = Math.max(...cycles);
  const watchdogCycles = 4 * cycles.reduce((a, b) => a + b, 0);
  const workDir = path.join(o.work, 'conv', p.net.key, 'vwork');
  // A fresh cache directory: the build below is uncached.
  const cacheDir = path.join(o.work, 'conv', p.net.key, 'vcache');
  const build = await buildVerilatorSim({ rtlDir: p.rtlDir, sources: p.emitted.sources, top: p.emitted.top, inputWordBits: p.meta.inputWordBits, outputWordBits: p.meta.outputWordBits, workDir, cacheDir, timeoutMs: 60 * 60_000 });
  o.log(`${p.net.key}: Verilator build ${round1(build.buildMs / 1000)} s (cached: ${build.cached})`);
  let t = performance.now();
  const steady = await runVerilatorSim({ binary: build.binary, rtlDir: p.rtlDir, vectorsDir: p.vectorsDir, seed: 1, stallProbability: 0, watchdogCycles, timeoutMs: 60 * 60_000 });
  const steadyS = (performance.now() - t) / 1000;
  t = performance.now();
  const stalled = await runVerilatorSim({ binary: build.binary, rtlDir: p.rtlDir, vectorsDir: p.vectorsDir, seed: 2, stallProbability: 0.2, watchdogCycles, timeoutMs: 60 * 60_000 });
  const stalledS = (performance.now() - t) / 1000;
  const bad = (r: typeof steady) => r.mismatches + r.tlastErrors + r.protocolViolations + r.extraOutputs;
  const row = {
    network: p.net.label,
    buildS: round1(build.buildMs / 1000),
    buildCached: build.cached,
    frames: steady.frames,
    simS: Math.round(steadyS * 100) / 100,
    fps: Math.round((steady.frames / steadyS) * 10) / 10,
    'kCycles/s': Math.round(steady.cyclesTotal / steadyS / 1000),
    cyclesPerFrame: steady.cyclesPerFrame ?? '',
    analytic,
    latency: steady.latencyCycles ?? '',
    mismatches: steady.mismatches,
    stallFrames: stalled.frames,
    stallSimS: Math.round(stalledS * 100) / 100,
    stallCyclesPerFrame: stalled.cyclesPerFrame === null ? '' : round1(stalled.cyclesPerFrame),
    stallMismatches: stalled.mismatches,
    goldenVsTfjs: p.goldenVsTfjs,
    bitExact: steady.passed && stalled.passed && bad(steady) === 0 && bad(stalled) === 0 && steady.frames === o.frames && stalled.frames === o.frames,
  };
  if (!row.bitExact) {
    (row as Record<string, unknown>).firstMismatch = steady.firstMismatch ?? stalled.firstMismatch ?? steady.firstProtocolViolation ?? stalled.firstProtocolViolation;
  }
  return row;
}

/** What one stage of the plan is, for the synthesis table. */
function describeStage(st: StagePlan): { kind: string; shape: string; pe: number; simd: number; lanes: number | null } {
  if (st.kind === 'mvu') return { kind: `mvu ${st.engine}`, shape: `${st.mh}x${st.mw}`, pe: st.pe, simd: st.simd, lanes: st.pe * st.simd };
  if (st.kind === 'vvu') return { kind: 'vvu', shape: `${st.taps}x${st.channels}`, pe: 1, simd: st.simd, lanes: null };
  if (st.kind === 'fork' || st.kind === 'fifo' || st.kind === 'add') return { kind: st.kind, shape: `${st.outElems} x ${st.outElemBits} bits per word`, pe: 1, simd: st.simd, lanes: null };
  return { kind: st.kind === 'swu' ? 'sliding window' : st.kind, shape: `${st.kh}x${st.kw} on ${st.ih}x${st.iw}x${st.c}`, pe: 1, simd: st.simd, lanes: null };
}

/** A rough size of a stage, to synthesise small ones first. */
function stageSize(st: StagePlan): number {
  if (st.kind === 'mvu') return st.pe * st.simd * Math.max(1, st.inBits) * st.weightBits + st.weightRom.depth * st.weightRom.width / 64;
  if (st.kind === 'fork' || st.kind === 'fifo' || st.kind === 'add') return st.outWidth * 4;
  return st.kind === 'vvu' ? st.simd * 64 : st.inWidth * 4;
}

async function synthModules(p: Prepared, o: ConvBenchOptions): Promise<{ rows: Array<Record<string, unknown>>; top?: Record<string, unknown> }> {
  const plan = planRtl(p.ir);
  const est = estimateResources(p.ir);
  const byName = new Map<string, NodeResources>();
  // Forks and FIFOs are primitives the top instantiates, not modules of their own.
  type ModuleStage = Exclude<StagePlan, { kind: 'fork' } | { kind: 'fifo' }>;
  const isModule = (st: StagePlan): st is ModuleStage => st.kind !== 'fork' && st.kind !== 'fifo';
  plan.stages.forEach((st, i) => {
    if (isModule(st)) byName.set(st.module, est.nodes[i]);
  });
  let stages = plan.stages.filter(isModule);
  if (o.synthOnly && o.synthOnly.length > 0) {
    const want = new Set(o.synthOnly);
    stages = stages.filter((st) => want.has(st.name) || want.has(st.module) || st.source.split(/[ ,]+/).some((s) => want.has(s)));
  }
  stages.sort((a, b) => stageSize(a) - stageSize(b));
  const rows: Array<Record<string, unknown>> = [];
  for (const st of stages) {
    const d = describeStage(st);
    const e = byName.get(st.module)!;
    const base = {
      module: st.module,
      layer: st.source,
      kind: d.kind,
      shape: d.shape,
      pe: d.pe,
      simd: d.simd,
    };
    let r: SynthResult;
    try {
      r = await synthesize({ rtlDir: p.rtlDir, sources: p.emitted.sources, top: st.module, target: o.target, workDir: path.join(o.work, 'conv', p.net.key, 'synth', st.module), timeoutMs: o.synthTimeoutMs });
    } catch (err) {
      const row = { ...base, error: firstLine(err) };
      o.log(`${st.module}: FAILED: ${row.error}`);
      rows.push(row);
      continue;
    }
    const row = {
      ...base,
      luts: r.luts,
      estLuts: e.luts,
      lutram: lutram(r.cells),
      ffs: r.ffs,
      estFfs: e.ffs,
      bram36: r.brams,
      estBram36: e.brams,
      dsps: r.dsps,
      estDsps: e.dsps,
      lutPerLane: d.lanes ? Math.round((r.luts / d.lanes) * 100) / 100 : '',
      estLutPerLane: d.lanes ? Math.round((e.luts / d.lanes) * 100) / 100 : '',
      synthS: round1(r.durationMs / 1000),
      cells: r.cells,
    };
    o.log(`${st.module} (${d.kind} ${d.shape}, PE ${d.pe} SIMD ${d.simd}): ${r.luts} LUT (est ${e.luts}), ${row.lutram} LUTRAM, ${r.ffs} FF (est ${e.ffs}), ${r.brams} BRAM36 (est ${e.brams}), ${r.dsps} DSP; ${row.synthS} s`);
    rows.push(row);
  }
  let top: Record<string, unknown> | undefined;
  if (o.synthTop) {
    try {
      const r = await synthesize({ rtlDir: p.rtlDir, sources: p.emitted.sources, top: p.emitted.top, target: o.target, workDir: path.join(o.work, 'conv', p.net.key, 'synth', 'top'), timeoutMs: o.synthTimeoutMs });
      top = { module: p.emitted.top, luts: r.luts, estLuts: est.total.luts, lutram: lutram(r.cells), ffs: r.ffs, estFfs: est.total.ffs, bram36: r.brams, estBram36: est.total.brams, dsps: r.dsps, synthS: round1(r.durationMs / 1000) };
    } catch (err) {
      top = { module: p.emitted.top, error: firstLine(err) };
    }
    o.log(`${p.emitted.top}: ${JSON.stringify(top)}`);
  }
  return { rows, top };
}

export async function runConvBench(o: ConvBenchOptions): Promise<Record<string, unknown>> {
  const loadBefore = os.loadavg().map((x) => Math.round(x * 100) / 100);
  await initTf({ backend: 'wasm' });
  const nets = CONV_NETS.filter((n) => !o.nets || o.nets.includes(n.key));
  const genHw: Array<Record<string, unknown>> = [];
  const sim: Array<Record<string, unknown>> = [];
  const folding: Record<string, unknown> = {};
  let synth: Awaited<ReturnType<typeof synthModules>> | undefined;
  for (const net of nets) {
    let p: Prepared;
    try {
      p = await prepare(net, o);
    } catch (e) {
      genHw.push({ network: net.label, error: firstLine(e) });
      o.log(`${net.key}: gen-hw FAILED: ${firstLine(e)}`);
      continue;
    }
    genHw.push(p.genHw);
    folding[net.key] = p.ir.nodes.map((n) => ({ node: n.name, op: n.op, ...(n.op === 'mvu' ? { pe: n.pe } : {}), simd: n.simd, cycles: nodeCycles(p.ir, n) }));
    if (o.simulate) {
      try {
        const row = await simulate(p, o);
        sim.push(row);
        o.log(`${net.key}: ${JSON.stringify(row)}`);
      } catch (e) {
        sim.push({ network: net.label, bitExact: false, error: firstLine(e) });
        o.log(`${net.key}: simulation FAILED: ${firstLine(e)}`);
      }
    }
    if (o.synth && net.key === 'cnv-w1a1') synth = await synthModules(p, o);
  }
  const loadAfter = os.loadavg().map((x) => Math.round(x * 100) / 100);
  o.log(`load average (1, 5, 15 min): ${loadBefore.join(', ')} before, ${loadAfter.join(', ')} after`);
  return { frames: o.frames, loadBefore, loadAfter, genHw, sim, folding, synth };
}

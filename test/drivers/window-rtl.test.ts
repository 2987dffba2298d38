/**
 * The window primitives alone against the golden model (runNode of one
 * node): qtsc_swu, and qtsc_pool behind it (max, sum, and the border-scaled
 * sum of a 'same' average pool), each in the wrapper the compiler generates
 * (templates/window.sv.hbs from planWindow), driven by the shared unit
 * testbench sim/iverilog/qtsc_tb_unit.sv on seeded random geometries (valid,
 * 'same' and asymmetric padding, strides 1-2, Simd dividing C) with random
 * stalls on both handshakes, several frames back to back. Every case runs in
 * Icarus; a few of the same cases also in Verilator (more with
 * QTSC_FUZZ_RUNS, see test/helpers/fuzz.ts). Throughput without stalls;
 * verilator -Wall lint and Yosys synthesis (no latches, no multipliers).
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type WindowGeometry, samePadding, windowOutputSize } from '../../src/golden/sliding-window.js';
import { runNode } from '../../src/golden/execute.js';
import { swuBufferWords, swuWordsPerFrame } from '../../src/backends/rtl/swu-geometry.js';
import { planWindow } from '../../src/backends/rtl/plan.js';
import { windowModuleText } from '../../src/backends/rtl/emit.js';
import { hwDir } from '../../src/backends/rtl/templates.js';
import { avgPoolScale } from '../../src/ir/avg-pool-scale.js';
import { type ActType, type HardwareIR, type MaxPoolNode, type SumPoolNode, type SwuNode, type Window, clog2 } from '../../src/ir/hardware-ir.js';
import { findTool } from '../../src/drivers/tools.js';
import { packageRoot } from '../../src/util/package-root.js';
import { type Simulator, resultLine, runTestbench } from '../../src/drivers/testbench.js';
import { lintVerilator } from '../../src/drivers/verilator.js';
import { synthesize } from '../../src/drivers/yosys.js';
import { Rng, divisors } from '../../src/util/random.js';
import { fuzzRuns } from '../helpers/fuzz.js';

const tb = path.join(packageRoot, 'sim', 'iverilog', 'qtsc_tb_unit.sv');

interface Case {
  g: WindowGeometry;
  simd: number;
  elemBits: number;
  padCode: number;
  /** none: the unit alone; max / sum: followed by qtsc_pool; avg: the sum scaled per border position (padded taps do not count) */
  pool: 'none' | 'max' | 'sum' | 'avg';
  frames: number;
  stall: number;
  seed: number;
}

interface RunResult {
  words: number;
  errors: number;
  cycles: number;
  frame0: number;
  firstError: number;
  expectedWords: number;
  log: string;
}

/** Hex lines of words of `per` elements of `bits` bits each, element s at bits [s*bits +: bits]. */
function hexWords(codes: ArrayLike<number>, per: number, bits: number): string {
  const digits = Math.ceil((per * bits) / 4);
  const lines: string[] = [];
  for (let i = 0; i < codes.length; i += per) {
    let v = 0n;
    for (let s = 0; s < per; s++) v |= BigInt(codes[i + s]) << BigInt(s * bits);
    lines.push(v.toString(16).padStart(digits, '0'));
  }
  return lines.join('\n') + '\n';
}

function label(c: Case): string {
  const g = c.g;
  return `${g.ih}x${g.iw}x${g.c} k${g.kh}x${g.kw} s${g.sh}x${g.sw} pad ${g.padTop},${g.padLeft},${g.padBottom},${g.padRight} simd ${c.simd} bits ${c.elemBits} padCode ${c.padCode} pool ${c.pool} frames ${c.frames} stall ${c.stall} seed ${c.seed}`;
}

/** The case as the compiler would lower it: a one-node hardware IR. */
function unitIr(c: Case, top: string): { ir: HardwareIR; node: SwuNode | MaxPoolNode | SumPoolNode } {
  const { g } = c;
  const window: Window = { kernel: [g.kh, g.kw], stride: [g.sh, g.sw], pad: [g.padTop, g.padLeft, g.padBottom, g.padRight] };
  const elem: ActType = { kind: 'uint', bits: c.elemBits };
  const base = { name: 'unit', layers: ['unit'], inputs: ['input'], outputs: ['unit'], window, simd: c.simd, elem };
  const { oh, ow } = windowOutputSize(g);
  let node: SwuNode | MaxPoolNode | SumPoolNode;
  if (c.pool === 'none') node = { op: 'swu', ...base, padCode: c.padCode };
  else if (c.pool === 'max') node = { op: 'maxpool', ...base };
  else if (c.pool === 'sum') node = { op: 'sumpool', ...base, out: { kind: 'uint', bits: c.elemBits + clog2(g.kh * g.kw) } };
  else {
    const borderScale = avgPoolScale(window, g.ih, g.iw);
    node = { op: 'sumpool', ...base, out: { kind: 'uint', bits: c.elemBits + clog2(borderScale.divisor) }, borderScale };
  }
  const out = node.op === 'sumpool' ? node.out : elem;
  const ir: HardwareIR = {
    format: 'qtsc-hardware-ir',
    version: 2,
    top,
    input: { tensor: 'input', scale: 1 },
    tensors: { input: { elem, shape: [g.ih, g.iw, g.c] }, unit: { elem: out, shape: [oh, ow, node.op === 'swu' ? g.kh * g.kw * g.c : g.c] } },
    nodes: [node],
    output: 'unit',
  };
  return { ir, node };
}

/** Runs one case in one simulator; `corrupt` flips bit 0 of that expected word (to see the testbench catch it). */
async function runCase(c: Case, work: string, tag: string, corrupt?: number, simulator: Simulator = 'iverilog'): Promise<RunResult> {
  const { g } = c;
  const dir = path.join(work, tag);
  fs.mkdirSync(dir, { recursive: true });
  const { ir, node } = unitIr(c, `win_${tag.replace(/[^A-Za-z0-9_]/g, '_')}`);
  const plan = planWindow(ir, node, 0);
  fs.writeFileSync(path.join(dir, `${plan.module}.sv`), windowModuleText(plan));
  const rng = new Rng(c.seed * 7919 + 17);
  const frameIn = g.ih * g.iw * g.c;
  const input = new Int32Array(frameIn * c.frames);
  for (let i = 0; i < input.length; i++) input[i] = rng.int(0, (1 << c.elemBits) - 1);
  const expected: number[] = [];
  for (let f = 0; f < c.frames; f++) expected.push(...runNode(ir, node, input.subarray(f * frameIn, (f + 1) * frameIn)));
  if (corrupt !== undefined) expected[corrupt * c.simd] ^= 1;
  fs.writeFileSync(path.join(dir, 'in.hex'), hexWords(input, c.simd, c.elemBits));
  fs.writeFileSync(path.join(dir, 'exp.hex'), hexWords(expected, c.simd, plan.outElemBits));
  const outWords = expected.length / c.simd;
  const run = await runTestbench({
    simulator,
    top: 'qtsc_tb_unit',
    sources: [tb, path.join(dir, `${plan.module}.sv`), ...(plan.direct ? [] : ['qtsc_swu.sv']).concat(c.pool === 'none' ? [] : ['qtsc_pool.sv']).map((f) => path.join(hwDir, f))],
    includeDirs: [path.dirname(tb)],
    defines: { QTSC_DUT: plan.module },
    params: { InW: plan.inWidth, OutW: plan.outWidth, InWords: input.length / c.simd, OutWords: outWords, OutPerFrame: outWords / c.frames },
    plusargs: { input: 'in.hex', expected: 'exp.hex', seed: c.seed, stall: Math.round(c.stall * 65536) },
    cwd: dir,
    workDir: dir,
    seed: c.seed,
  });
  const m = resultLine(run.stdout, 'QTSC_UNIT');
  expect(m, `${label(c)} (${simulator}): ${run.log}`).to.not.equal(null);
  return { words: m!.words, errors: m!.errors, cycles: m!.cycles, frame0: m!.frame0, firstError: m!.first_error, expectedWords: outWords, log: run.log };
}

const KERNELS = [1, 2, 3, 4, 5, 7];

/** A random case; padding valid, 'same' or asymmetric, retried until the kernel fits. */
function randomCase(seed: number, stall: number, pool: Case['pool']): Case {
  const rng = new Rng(seed);
  for (;;) {
    const ih = rng.int(1, 12);
    const iw = rng.int(1, 12);
    const c = rng.int(1, 8);
    const kh = rng.pick(KERNELS);
    const kw = rng.next() < 0.6 ? kh : rng.pick(KERNELS);
    const sh = rng.int(1, 2);
    const sw = rng.next() < 0.7 ? sh : rng.int(1, 2);
    const mode = rng.pick(['valid', 'same', 'same', 'asym'] as const);
    let pads: [number, number, number, number];
    if (mode === 'valid') pads = [0, 0, 0, 0];
    else if (mode === 'same') {
      const [t, b] = samePadding(ih, kh, sh);
      const [l, r] = samePadding(iw, kw, sw);
      pads = [t, l, b, r];
    } else pads = [rng.int(0, 3), rng.int(0, 3), rng.int(0, 3), rng.int(0, 3)];
    // An average needs a tap inside the image in every window: padding below the kernel.
    if (pool === 'avg') pads = [Math.min(pads[0], kh - 1), Math.min(pads[1], kw - 1), Math.min(pads[2], kh - 1), Math.min(pads[3], kw - 1)];
    const g: WindowGeometry = { ih, iw, c, kh, kw, sh, sw, padTop: pads[0], padLeft: pads[1], padBottom: pads[2], padRight: pads[3] };
    if (ih + g.padTop + g.padBottom < kh || iw + g.padLeft + g.padRight < kw) continue;
    // Keep the runs short: at most ~6000 output words per frame.
    const { oh, ow } = windowOutputSize(g);
    const outPerFrame = oh * ow * (pool === 'none' ? kh * kw : 1 + kh * kw) * c;
    if (outPerFrame > 6000) continue;
    const elemBits = rng.int(1, 4);
    return {
      g,
      simd: rng.pick(divisors(c)),
      elemBits,
      // Pools read padded taps as code 0 (never the maximum, nothing to a sum).
      padCode: pool === 'none' ? rng.int(0, (1 << elemBits) - 1) : 0,
      pool,
      frames: rng.int(2, 3),
      stall,
      seed,
    };
  }
}

/** Average pools of every padding and stride on maps with odd and even sides (tfjs' 'same' padding). */
function borderCases(): Case[] {
  const out: Case[] = [];
  for (const padding of ['same', 'valid'] as const) {
    for (const k of [2, 3]) {
      for (const s of [1, 2]) {
        for (const [ih, iw] of [[7, 8], [8, 5]]) {
          const [t, b] = padding === 'same' ? samePadding(ih, k, s) : [0, 0];
          const [l, r] = padding === 'same' ? samePadding(iw, k, s) : [0, 0];
          const g: WindowGeometry = { ih, iw, c: 2, kh: k, kw: k, sh: s, sw: s, padTop: t, padLeft: l, padBottom: b, padRight: r };
          out.push({ g, simd: out.length % 2 === 0 ? 1 : 2, elemBits: 2 + (out.length % 3), padCode: 0, pool: padding === 'same' ? 'avg' : 'sum', frames: 2, stall: 0.3, seed: 3000 + out.length });
        }
      }
    }
  }
  return out;
}

const describeIf = findTool('iverilog') && findTool('vvp') ? describe : describe.skip;

describeIf('window primitives in Icarus Verilog: qtsc_swu, qtsc_pool', function () {
  this.timeout(600_000);
  let work: string;
  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-window-'));
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('hand-picked edge geometries: every output word equal to slidingWindow(), under stalls', async () => {
    const base = { simd: 1, elemBits: 2, padCode: 1, pool: 'none' as const, frames: 3, stall: 0.4, seed: 3 };
    const geos: [WindowGeometry, number][] = [
      // 1x1 image, 7x7 kernel, all padding but the centre
      [{ ih: 1, iw: 1, c: 1, kh: 7, kw: 7, sh: 1, sw: 1, padTop: 3, padLeft: 3, padBottom: 3, padRight: 3 }, 1],
      // 1x1 kernel, stride 2: unused rows and columns (odd and even sizes)
      [{ ih: 5, iw: 6, c: 2, kh: 1, kw: 1, sh: 2, sw: 2, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0 }, 2],
      [{ ih: 6, iw: 5, c: 3, kh: 1, kw: 1, sh: 2, sw: 2, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0 }, 1],
      // 2x2 stride 2 with a trailing unused row and column
      [{ ih: 7, iw: 7, c: 4, kh: 2, kw: 2, sh: 2, sw: 2, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0 }, 2],
      // padding larger than the kernel: whole bands and columns of padding
      [{ ih: 3, iw: 2, c: 1, kh: 1, kw: 2, sh: 1, sw: 1, padTop: 3, padLeft: 2, padBottom: 3, padRight: 3 }, 1],
      // kernel as tall as the padded image, non-square
      [{ ih: 2, iw: 9, c: 2, kh: 5, kw: 3, sh: 2, sw: 1, padTop: 1, padLeft: 0, padBottom: 2, padRight: 1 }, 1],
      // one row, one column
      [{ ih: 1, iw: 8, c: 1, kh: 1, kw: 3, sh: 1, sw: 1, padTop: 0, padLeft: 1, padBottom: 0, padRight: 1 }, 1],
      [{ ih: 8, iw: 1, c: 5, kh: 3, kw: 1, sh: 2, sw: 1, padTop: 1, padLeft: 0, padBottom: 1, padRight: 0 }, 5],
    ];
    let i = 0;
    for (const [g, simd] of geos) {
      for (const stall of [0, 0.4]) {
        const c: Case = { ...base, g, simd, stall, seed: base.seed + i };
        const r = await runCase(c, work, `edge${i++}`);
        expect(r.errors, `${label(c)}: first error at word ${r.firstError}`).to.equal(0);
        expect(r.words, label(c)).to.equal(r.expectedWords);
      }
    }
  });

  it('random geometries, random stalls on both sides, frames back to back: every output bit right (SWU alone)', async () => {
    const stalls = [0, 0.15, 0.4, 0.7];
    for (let i = 0; i < 64; i++) {
      const c = randomCase(1000 + i, stalls[i % stalls.length], 'none');
      const r = await runCase(c, work, `r${i}`);
      expect(r.errors, `${label(c)}: first error at word ${r.firstError}`).to.equal(0);
      expect(r.words, label(c)).to.equal(r.expectedWords);
    }
  });

  it('SWU -> pool (max, sum, border-scaled sum): every output bit equal to the golden node, under stalls', async () => {
    const stalls = [0, 0.3, 0.6];
    const pools = ['max', 'sum', 'avg'] as const;
    for (let i = 0; i < 30; i++) {
      const c = randomCase(2000 + i, stalls[i % stalls.length], pools[i % pools.length]);
      const r = await runCase(c, work, `p${i}`);
      expect(r.errors, `${label(c)}: first error at word ${r.firstError}`).to.equal(0);
      expect(r.words, label(c)).to.equal(r.expectedWords);
    }
  });

  it("average pools at the borders: 2x2 and 3x3, stride 1 and 2, 'same' and 'valid', odd and even sides", async () => {
    for (const c of borderCases()) {
      const r = await runCase(c, work, `b${c.seed}`);
      expect(r.errors, `${label(c)}: first error at word ${r.firstError}`).to.equal(0);
      expect(r.words, label(c)).to.equal(r.expectedWords);
    }
  });

  it('the testbench reports a wrong expected word at its index', async () => {
    const c = randomCase(77, 0.3, 'none');
    const r = await runCase(c, work, 'corrupt', 5);
    expect(r.errors, label(c)).to.equal(1);
    expect(r.firstError).to.equal(5);
    expect(r.words).to.equal(r.expectedWords);
  });

  it('without stalls: steady-state cycles per frame close to max(input words, output words)', async () => {
    const mk = (p: Partial<WindowGeometry> & Pick<WindowGeometry, 'ih' | 'iw' | 'c' | 'kh' | 'kw'>, simd: number, same = true): WindowGeometry => {
      const sh = p.sh ?? 1;
      const sw = p.sw ?? 1;
      const [t, b] = same ? samePadding(p.ih, p.kh, sh) : [0, 0];
      const [l, r] = same ? samePadding(p.iw, p.kw, sw) : [0, 0];
      void simd;
      return { sh, sw, padTop: t, padBottom: b, padLeft: l, padRight: r, ...p };
    };
    const cases: [WindowGeometry, number][] = [
      [mk({ ih: 12, iw: 12, c: 4, kh: 3, kw: 3 }, 2), 2],
      [mk({ ih: 12, iw: 12, c: 4, kh: 3, kw: 3 }, 2, false), 2],
      [mk({ ih: 12, iw: 10, c: 2, kh: 3, kw: 3, sh: 2, sw: 2 }, 1), 1],
      [mk({ ih: 12, iw: 12, c: 2, kh: 2, kw: 2, sh: 2, sw: 2 }, 1, false), 1],
      [mk({ ih: 12, iw: 12, c: 4, kh: 1, kw: 1, sh: 2, sw: 2 }, 1, false), 1],
      [mk({ ih: 12, iw: 12, c: 3, kh: 1, kw: 1 }, 3, false), 3],
      [mk({ ih: 10, iw: 11, c: 2, kh: 5, kw: 5 }, 2), 2],
      [mk({ ih: 9, iw: 12, c: 1, kh: 7, kw: 7 }, 1), 1],
      [mk({ ih: 12, iw: 12, c: 2, kh: 5, kw: 3 }, 1, false), 1],
    ];
    const lines: string[] = [];
    for (const [g, simd] of cases) {
      const c: Case = { g, simd, elemBits: 3, padCode: 2, pool: 'none', frames: 4, stall: 0, seed: 9 };
      const r = await runCase(c, work, `t${lines.length}`);
      expect(r.errors, label(c)).to.equal(0);
      const perFrame = (r.cycles - r.frame0) / (c.frames - 1);
      const w = swuWordsPerFrame(g, simd);
      const rowWords = g.iw * (g.c / simd);
      // Measured slack: the first band of a frame waits for the rows the last band of
      // the previous one still occupies (up to kh - 1 rows with valid padding).
      const fill = Math.max(1, g.kh - g.padTop - g.padBottom) * rowWords;
      lines.push(`${label(c)}: in ${w.input} out ${w.output} cycles/frame ${perFrame.toFixed(1)} (${(perFrame / w.cycles).toFixed(3)}) buffer ${swuBufferWords(g, simd)} words`);
      expect(perFrame, lines[lines.length - 1]).to.be.at.least(w.cycles);
      expect(perFrame, lines[lines.length - 1]).to.be.at.most(w.cycles * 1.03 + fill);
    }
    console.log('      ' + lines.join('\n      '));
  });

  it('SWU -> pool without stalls: the pool takes one word per cycle (cycles per frame = the unit\'s output words)', async () => {
    const cases: Case[] = [
      { g: { ih: 12, iw: 12, c: 4, kh: 3, kw: 3, sh: 1, sw: 1, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1 }, simd: 2, elemBits: 4, padCode: 0, pool: 'max', frames: 4, stall: 0, seed: 4 },
      { g: { ih: 12, iw: 12, c: 4, kh: 2, kw: 2, sh: 2, sw: 2, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0 }, simd: 1, elemBits: 3, padCode: 0, pool: 'sum', frames: 4, stall: 0, seed: 4 },
      { g: { ih: 8, iw: 8, c: 1, kh: 3, kw: 3, sh: 2, sw: 2, padTop: 0, padLeft: 0, padBottom: 1, padRight: 1 }, simd: 1, elemBits: 2, padCode: 0, pool: 'max', frames: 4, stall: 0, seed: 4 },
    ];
    for (const [i, c] of cases.entries()) {
      const r = await runCase(c, work, `pt${i}`);
      expect(r.errors, label(c)).to.equal(0);
      const perFrame = (r.cycles - r.frame0) / (c.frames - 1);
      const w = swuWordsPerFrame(c.g, c.simd);
      console.log(`      ${label(c)}: swu in ${w.input} out ${w.output}, cycles/frame ${perFrame.toFixed(1)}`);
      expect(perFrame, label(c)).to.be.at.least(w.cycles);
      expect(perFrame, label(c)).to.be.at.most(w.cycles * 1.03 + c.g.iw * (c.g.c / c.simd));
    }
  });
});

const describeVerilator = findTool('verilator') ? describe : describe.skip;

describeVerilator('window primitives in Verilator too: the same seeded cases, the same testbench', function () {
  this.timeout(1_200_000);
  let work: string;
  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-window-vl-'));
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  // Verilator builds take seconds each: a few cases per unit here, QTSC_FUZZ_RUNS scales them.
  const perMode = fuzzRuns(1);
  it(`${perMode} random case(s) per mode (SWU alone, max, sum, border-scaled sum), two stall patterns each, and the 'same' average pools 3x3/1 and 2x2/2`, async () => {
    const cases: Case[] = [];
    for (const [m, pool] of (['none', 'max', 'sum', 'avg'] as const).entries()) {
      for (let i = 0; i < perMode; i++) cases.push(randomCase(4000 + 10 * m + i, 0.3, pool));
    }
    cases.push(...borderCases().filter((c) => c.pool === 'avg' && ((c.g.kh === 3 && c.g.sh === 1) || (c.g.kh === 2 && c.g.sh === 2)) && c.g.ih === 7));
    for (const [i, c] of cases.entries()) {
      for (const stall of [0.3, 0.6]) {
        const k = { ...c, stall, seed: c.seed + (stall > 0.5 ? 1 : 0) };
        const r = await runCase(k, work, `v${i}`, undefined, 'verilator');
        expect(r.errors, `${label(k)} (verilator): first error at word ${r.firstError}`).to.equal(0);
        expect(r.words, label(k)).to.equal(r.expectedWords);
        // Same testbench, same stall pattern: both simulators see the same cycles.
        const ref = await runCase(k, work, `v${i}i`, undefined, 'iverilog');
        expect(r.cycles, `${label(k)}: Verilator vs Icarus cycles`).to.equal(ref.cycles);
      }
    }
    // The testbench catches a wrong word under Verilator too (a case built above: no new build).
    const bad = await runCase(cases.find((c) => c.pool === 'avg')!, work, 'vcorrupt', 5, 'verilator');
    expect([bad.errors, bad.firstError]).to.deep.equal([1, 5]);
  });
});

const describeLint = findTool('verilator') ? describe : describe.skip;

describeLint('window primitives: verilator --lint-only -Wall', function () {
  this.timeout(300_000);
  it('qtsc_swu and qtsc_pool are lint-clean across kernel, stride, padding and Simd choices', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-window-lint-'));
    try {
      for (const f of ['qtsc_swu.sv', 'qtsc_pool.sv']) fs.copyFileSync(path.join(hwDir, f), path.join(dir, f));
      const swuSets: Record<string, number>[] = [
        { Ih: 1, Iw: 1, C: 1, Kh: 1, Kw: 1, Sh: 1, Sw: 1, PadTop: 0, PadLeft: 0, PadBottom: 0, PadRight: 0, Simd: 1, ElemBits: 1, PadCode: 0 },
        { Ih: 12, Iw: 12, C: 8, Kh: 3, Kw: 3, Sh: 1, Sw: 1, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1, Simd: 2, ElemBits: 4, PadCode: 0 },
        { Ih: 12, Iw: 7, C: 6, Kh: 5, Kw: 2, Sh: 2, Sw: 1, PadTop: 2, PadLeft: 0, PadBottom: 3, PadRight: 1, Simd: 3, ElemBits: 3, PadCode: 5 },
        { Ih: 1, Iw: 1, C: 4, Kh: 7, Kw: 7, Sh: 1, Sw: 1, PadTop: 3, PadLeft: 3, PadBottom: 3, PadRight: 3, Simd: 4, ElemBits: 2, PadCode: 1 },
        { Ih: 9, Iw: 10, C: 2, Kh: 1, Kw: 1, Sh: 2, Sw: 2, PadTop: 0, PadLeft: 0, PadBottom: 0, PadRight: 0, Simd: 1, ElemBits: 8, PadCode: 200 },
        { Ih: 32, Iw: 32, C: 16, Kh: 7, Kw: 7, Sh: 2, Sw: 2, PadTop: 3, PadLeft: 3, PadBottom: 3, PadRight: 3, Simd: 16, ElemBits: 1, PadCode: 1 },
      ];
      const poolSets: Record<string, number>[] = [
        { Taps: 1, C: 1, Simd: 1, ElemBits: 1, Mode: 0, OutBits: 1 },
        { Taps: 9, C: 8, Simd: 2, ElemBits: 4, Mode: 0, OutBits: 4 },
        { Taps: 9, C: 8, Simd: 8, ElemBits: 4, Mode: 1, OutBits: 8 },
        { Taps: 4, C: 3, Simd: 1, ElemBits: 2, Mode: 1, OutBits: 4 },
        { Taps: 49, C: 2, Simd: 1, ElemBits: 3, Mode: 1, OutBits: 9 },
      ];
      const wrap = (mod: string, p: Record<string, number>, i: number, inW: number, outW: number): string => {
        const name = `lint_${mod}_${i}`;
        const text = [
          '`default_nettype none',
          `module ${name} (input wire logic clk_i, input wire logic rst_i,`,
          `  input wire logic [${inW - 1}:0] s_data_i, input wire logic s_valid_i, output logic s_ready_o,`,
          `  output logic [${outW - 1}:0] m_data_o, output logic m_valid_o, input wire logic m_ready_i);`,
          `  ${mod} #(${Object.entries(p).map(([k, v]) => `.${k}(${v})`).join(', ')}) u (`,
          '    .clk_i, .rst_i, .s_data_i, .s_valid_i, .s_ready_o, .m_data_o, .m_valid_o, .m_ready_i);',
          'endmodule',
          '`default_nettype wire',
          '',
        ].join('\n');
        fs.writeFileSync(path.join(dir, `${name}.sv`), text);
        return name;
      };
      const jobs: [string, string][] = [
        ...swuSets.map((p, i): [string, string] => ['qtsc_swu.sv', wrap('qtsc_swu', p, i, p.Simd * p.ElemBits, p.Simd * p.ElemBits)]),
        ...poolSets.map((p, i): [string, string] => ['qtsc_pool.sv', wrap('qtsc_pool', p, i, p.Simd * p.ElemBits, p.Simd * p.OutBits)]),
      ];
      for (const [src, top] of jobs) {
        const r = await lintVerilator(dir, [src, `${top}.sv`], top);
        expect(r.ok, `${top}:\n${r.log}`).to.equal(true);
      }
      // Border-scaled average pools in their generated wrappers: one output row or column,
      // factors of one bit, Simd = C, wide factors (7x7 on a 4x4 map: counts 4..7).
      const avgGeos: [WindowGeometry, number][] = [
        [{ ih: 1, iw: 6, c: 2, kh: 3, kw: 3, sh: 1, sw: 1, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1 }, 1],
        [{ ih: 4, iw: 4, c: 2, kh: 2, kw: 2, sh: 2, sw: 2, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0 }, 2],
        [{ ih: 4, iw: 4, c: 3, kh: 7, kw: 7, sh: 1, sw: 1, padTop: 3, padLeft: 3, padBottom: 3, padRight: 3 }, 3],
        [{ ih: 9, iw: 6, c: 4, kh: 3, kw: 3, sh: 2, sw: 2, padTop: 1, padLeft: 0, padBottom: 1, padRight: 1 }, 2],
      ];
      for (const [i, [g, simd]] of avgGeos.entries()) {
        const { ir, node } = unitIr({ g, simd, elemBits: 3, padCode: 0, pool: 'avg', frames: 1, stall: 0, seed: 1 }, `lint_avg${i}`);
        const plan = planWindow(ir, node, 0);
        fs.writeFileSync(path.join(dir, `${plan.module}.sv`), windowModuleText(plan));
        const r = await lintVerilator(dir, [...(plan.direct ? [] : ['qtsc_swu.sv']), 'qtsc_pool.sv', `${plan.module}.sv`], plan.module);
        expect(r.ok, `${plan.module} ${JSON.stringify(g)}:\n${r.log}`).to.equal(true);
      }
      // An illegal parameter stops elaboration (Simd does not divide C).
      const bad = wrap('qtsc_swu', { ...swuSets[1], Simd: 3, C: 8 }, 99, 12, 12);
      const r = await lintVerilator(dir, ['qtsc_swu.sv', `${bad}.sv`], bad);
      expect(r.ok).to.equal(false);
      expect(r.log).to.match(/qtsc_swu: illegal parameters/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('window primitives: Yosys synthesis', function () {
  this.timeout(600_000);
  it('qtsc_swu (line buffer in RAM) and qtsc_pool (border-scaled sums included) synthesise for xc7 with no latches and no multipliers', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-window-synth-'));
    try {
      const runs: { src: string; top: string; params: Record<string, number> }[] = [
        { src: 'qtsc_swu.sv', top: 'qtsc_swu', params: { Ih: 12, Iw: 12, C: 8, Kh: 3, Kw: 3, Sh: 1, Sw: 1, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1, Simd: 2, ElemBits: 4, PadCode: 0 } },
        { src: 'qtsc_swu.sv', top: 'qtsc_swu', params: { Ih: 28, Iw: 28, C: 16, Kh: 5, Kw: 5, Sh: 2, Sw: 2, PadTop: 1, PadLeft: 1, PadBottom: 2, PadRight: 2, Simd: 4, ElemBits: 2, PadCode: 1 } },
        { src: 'qtsc_pool.sv', top: 'qtsc_pool', params: { Taps: 9, C: 16, Simd: 4, ElemBits: 4, Mode: 1, OutBits: 8 } },
        // 3x3 'same' average pool on 3x5 outputs: factors 3 at the border, 2 inside (divisor 36), shift-and-add only.
        { src: 'qtsc_pool.sv', top: 'qtsc_pool', params: { Taps: 9, C: 4, Simd: 2, ElemBits: 2, Mode: 2, OutBits: 8, Oh: 3, Ow: 5, FactorBits: 2, RowFactors: 0b11_10_11, ColFactors: 0b11_10_10_10_11 } },
      ];
      for (const [i, run] of runs.entries()) {
        const r = await synthesize({ rtlDir: hwDir, sources: [run.src], top: run.top, target: 'xilinx', params: run.params, workDir: path.join(dir, `s${i}`) });
        const summary = `${run.top} ${JSON.stringify(run.params)}: ${r.luts} LUT, ${r.ffs} FF, ${r.brams} BRAM36`;
        console.log(`      ${summary}`);
        const tag = `${summary}, cells ${JSON.stringify(r.coarseCells)}`;
        expect(r.latches, tag).to.equal(0);
        expect(r.multipliers, tag).to.equal(0);
        expect(r.dsps, tag).to.equal(0);
        if (run.top === 'qtsc_swu') {
          // the line buffer is a RAM (block RAM or LUTRAM), not flip-flops
          const ramCells = Object.entries(r.cells).filter(([k]) => /^RAMB|^RAM\d+/.test(k));
          expect(ramCells.length, tag + ` mapped ${JSON.stringify(r.cells)}`).to.be.greaterThan(0);
          expect(r.ffs, tag).to.be.below(200);
        }
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

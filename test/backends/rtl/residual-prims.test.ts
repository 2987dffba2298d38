/**
 * The residual-block stream primitives in Icarus Verilog (and a few of the
 * same cases, same testbench, in Verilator): qtsc_axis_fork,
 * qtsc_axis_fifo and qtsc_add in a fork -> (skip FIFO | long delaying path)
 * -> add testbench (sim/iverilog/qtsc_tb_residual.sv). Seeded random shapes,
 * Simd, element codings, factors 0..5 and thresholds (some channels negated,
 * stored in the prepared form), random stalls on the input, the output and
 * the long path, frames back to back, every output bit against a TypeScript
 * model of z = AMul*value(a) + BMul*value(b) and the multi-threshold count of
 * docs/arithmetic.md. Then the skip FIFO sizing rule (just deep enough: no
 * deadlock; one word less: deadlock, caught by the watchdog; full throughput
 * from the latency term on), throughput without stalls, verilator -Wall lint
 * and Yosys synthesis (no latches, no multipliers, block RAM / LUTRAM).
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hwDir } from '../../../src/backends/rtl/templates.js';
import { findTool } from '../../../src/drivers/tools.js';
import { packageRoot } from '../../../src/util/package-root.js';
import { type Simulator, resultLine, runTestbench } from '../../../src/drivers/testbench.js';
import { fuzzRuns } from '../../helpers/fuzz.js';
import { lintVerilator } from '../../../src/drivers/verilator.js';
import { synthesize } from '../../../src/drivers/yosys.js';
import { Rng, divisors } from '../../../src/util/random.js';

const tb = path.join(packageRoot, 'sim', 'iverilog', 'qtsc_tb_residual.sv');
const SOURCES = ['qtsc_axis_skid.sv', 'qtsc_axis_fork.sv', 'qtsc_axis_fifo.sv', 'qtsc_thresholds.sv', 'qtsc_add.sv'];

interface Case {
  c: number;
  simd: number;
  inBits: number;
  aBipolar: boolean;
  bBits: number;
  bBipolar: boolean;
  aMul: number;
  bMul: number;
  zWidth: number;
  thrCount: number;
  outBits: number;
  pixels: number;
  frames: number;
  lag: number;
  longDepth: number;
  longRegs?: number;
  skipDepth: number;
  forkBuffered: boolean;
  stall: number;
  longStall: number;
  seed: number;
  watchdog?: number;
}

interface RunResult {
  words: number;
  errors: number;
  cycles: number;
  frame0: number;
  deadlock: boolean;
  firstError: number;
  expectedWords: number;
  log: string;
}

const label = (k: Case): string =>
  `C ${k.c} simd ${k.simd} a ${k.aBipolar ? 'bipolar' : `uint${k.inBits}`}*${k.aMul} b ${k.bBipolar ? 'bipolar' : `uint${k.bBits}`}*${k.bMul} ` +
  `z${k.zWidth} thr ${k.thrCount}/${k.outBits}b pixels ${k.pixels} frames ${k.frames} lag ${k.lag} long ${k.longDepth} skip ${k.skipDepth} ` +
  `regs ${k.longRegs ?? 0} fork ${k.forkBuffered ? 'buffered' : 'direct'} stall ${k.stall}/${k.longStall} seed ${k.seed}`;

/** Words the long path must take in before it releases its first word of a frame. */
const holdWords = (k: Pick<Case, 'lag' | 'pixels' | 'c' | 'simd'>): number => Math.min(k.lag + 1, (k.pixels * k.c) / k.simd);
/**
 * Words the skip side holds besides the skip FIFO: the two-word skid of a buffered
 * fork; with a direct fork the word waiting at the fork's input, which the long
 * side may already have taken.
 */
const forkSlack = (buffered: boolean): number => (buffered ? 2 : 1);
/** The smallest skip FIFO without deadlock: the fork's skip side must hold the long path's hold. */
const minSkipDepth = (k: Pick<Case, 'lag' | 'pixels' | 'c' | 'simd' | 'forkBuffered'>): number =>
  Math.max(1, holdWords(k) - forkSlack(k.forkBuffered));

/**
 * Cycles a word waits in the skip FIFO at one word per cycle: the long path's latency
 * from the fork to the add (the hold gate releases word n one cycle after word
 * n + Lag entered the long FIFO, whose own latency is 2; then one cycle per skid)
 * minus the skip path's latency outside its FIFO (0).
 */
const latencyDiff = (k: Pick<Case, 'lag' | 'longRegs'>): number => Math.max(k.lag + 1, 2) + (k.longRegs ?? 0);
/** The smallest skip FIFO for one word per cycle: the words waiting, plus one for the registered ready. */
const fullRateSkipDepth = (k: Pick<Case, 'lag' | 'longRegs'>): number => latencyDiff(k) + 1;

const zRange = (k: Pick<Case, 'inBits' | 'aBipolar' | 'bBits' | 'bBipolar' | 'aMul' | 'bMul'>): [number, number] => {
  const [alo, ahi] = k.aBipolar ? [-1, 1] : [0, 2 ** k.inBits - 1];
  const [blo, bhi] = k.bBipolar ? [-1, 1] : [0, 2 ** k.bBits - 1];
  return [k.aMul * alo + k.bMul * blo, k.aMul * ahi + k.bMul * bhi];
};

/** Smallest two's complement width (>= 2) holding [lo, hi]. */
function signedWidth(lo: number, hi: number): number {
  let w = 2;
  while (lo < -(2 ** (w - 1)) || hi > 2 ** (w - 1) - 1) w++;
  return w;
}

const hexOf = (v: bigint, bits: number): string => v.toString(16).padStart(Math.ceil(bits / 4), '0');

interface Model {
  input: number[]; // elements, frame after frame
  expected: number[]; // output elements
  romWords: string[]; // hex, one per channel group
}

/**
 * Input codes, thresholds and the expected output of a case. The thresholds are
 * the IR's (y = sum_j [e >= T_j], e = negate ? -z : z); the ROM holds them prepared
 * for qtsc_thresholds ([z >= T'] xor invert, T' = negate ? -T + 1 : T clamped to the
 * z register's [lo, hi + 1]).
 */
function model(k: Case): Model {
  const rng = new Rng(k.seed * 7919 + 5);
  const g = k.c / k.simd;
  const n = k.frames * k.pixels * k.c;
  const input: number[] = [];
  for (let i = 0; i < n; i++) input.push(rng.int(0, 2 ** k.inBits - 1));
  const [zlo, zhi] = zRange(k);
  const thr: number[][] = [];
  const negate: boolean[] = [];
  for (let c = 0; c < k.c; c++) {
    const neg = rng.next() < 0.3;
    negate.push(neg);
    const [elo, ehi] = neg ? [-zhi, -zlo] : [zlo, zhi];
    const t: number[] = [];
    for (let j = 0; j < k.thrCount; j++) t.push(rng.next() < 0.1 ? rng.pick([elo - 5, ehi + 5]) : rng.int(elo - 1, ehi + 1));
    thr.push(t);
  }
  const value = (code: number, bipolar: boolean) => (bipolar ? 2 * code - 1 : code);
  const expected: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = i % k.simd;
    const c = i % k.c;
    const a = input[i];
    const b = (3 * a + 1 + s) % 2 ** k.bBits;
    const z = k.aMul * value(a, k.aBipolar) + k.bMul * value(b, k.bBipolar);
    const e = negate[c] ? -z : z;
    expected.push(thr[c].filter((t) => e >= t).length);
  }
  const cw = k.zWidth + 1;
  const lo = -(2 ** (k.zWidth - 1));
  const hi = 2 ** (k.zWidth - 1) - 1;
  const romWords: string[] = [];
  for (let gi = 0; gi < g; gi++) {
    let v = 0n;
    for (let s = 0; s < k.simd; s++) {
      const c = gi * k.simd + s;
      for (let j = 0; j < k.thrCount; j++) {
        const raw = negate[c] ? -thr[c][j] + 1 : thr[c][j];
        const p = Math.min(hi + 1, Math.max(lo, raw));
        v |= (BigInt(p) & ((1n << BigInt(cw)) - 1n)) << BigInt((s * k.thrCount + j) * cw);
      }
      if (negate[c]) v |= 1n << BigInt(k.simd * k.thrCount * cw + s);
    }
    romWords.push(hexOf(v, k.simd * (k.thrCount * cw + 1)));
  }
  return { input, expected, romWords };
}

function hexWords(codes: readonly number[], per: number, bits: number): string {
  const lines: string[] = [];
  for (let i = 0; i < codes.length; i += per) {
    let v = 0n;
    for (let s = 0; s < per; s++) v |= BigInt(codes[i + s]) << BigInt(s * bits);
    lines.push(hexOf(v, per * bits));
  }
  return lines.join('\n') + '\n';
}

async function runCase(k: Case, work: string, tag: string, corrupt?: number, simulator: Simulator = 'iverilog'): Promise<RunResult> {
  const m = model(k);
  if (corrupt !== undefined) m.expected[corrupt * k.simd] ^= 1;
  const files = { input: `${tag}_in.hex`, expected: `${tag}_exp.hex`, thresholds: `${tag}_thr.hex` };
  fs.writeFileSync(path.join(work, files.input), hexWords(m.input, k.simd, k.inBits));
  fs.writeFileSync(path.join(work, files.expected), hexWords(m.expected, k.simd, k.outBits));
  fs.writeFileSync(path.join(work, files.thresholds), m.romWords.join('\n') + '\n');
  const params: Record<string, number> = {
    C: k.c,
    Simd: k.simd,
    InBits: k.inBits,
    ABipolar: k.aBipolar ? 1 : 0,
    BBits: k.bBits,
    BBipolar: k.bBipolar ? 1 : 0,
    AMul: k.aMul,
    BMul: k.bMul,
    ZWidth: k.zWidth,
    ThrCount: k.thrCount,
    OutBits: k.outBits,
    Pixels: k.pixels,
    Frames: k.frames,
    Lag: k.lag,
    LongDepth: k.longDepth,
    LongRegs: k.longRegs ?? 0,
    SkipDepth: k.skipDepth,
    ForkBuffered: k.forkBuffered ? 1 : 0,
    Watchdog: k.watchdog ?? 2000,
  };
  const run = await runTestbench({
    simulator,
    top: 'qtsc_tb_residual',
    sources: [tb, ...SOURCES.map((f) => path.join(hwDir, f))],
    includeDirs: [path.dirname(tb)],
    params,
    // The stall pattern is set at run time: one build serves every pattern.
    plusargs: { ...files, seed: k.seed, stall: Math.round(k.stall * 65536), long_stall: Math.round(k.longStall * 65536) },
    cwd: work,
    workDir: path.join(work, `${simulator}_${tag}`),
    seed: k.seed,
  });
  const res = resultLine(run.stdout, 'QTSC_RESIDUAL');
  expect(res, `${label(k)} (${simulator}): ${run.log}`).to.not.equal(null);
  return {
    words: res!.words,
    errors: res!.errors,
    cycles: res!.cycles,
    frame0: res!.frame0,
    deadlock: res!.deadlock === 1,
    firstError: res!.first_error,
    expectedWords: m.expected.length / k.simd,
    log: run.log,
  };
}

/** A random case; the skip FIFO at least minSkipDepth (never deadlocks). */
function randomCase(seed: number, stall: number, longStall: number): Case {
  const rng = new Rng(seed);
  const c = rng.int(1, 12);
  const simd = rng.pick(divisors(c));
  const aBipolar = rng.next() < 0.2;
  const bBipolar = rng.next() < 0.2;
  const inBits = aBipolar ? 1 : rng.int(1, 4);
  const bBits = bBipolar ? 1 : rng.int(1, 5);
  const aMul = rng.int(0, 5);
  const bMul = rng.int(0, 5);
  const [zlo, zhi] = zRange({ inBits, aBipolar, bBits, bBipolar, aMul, bMul });
  const outBits = rng.int(1, 3);
  const pixels = rng.int(2, 16);
  const lag = rng.int(0, Math.min(40, (pixels * c) / simd + 4));
  const k: Case = {
    c,
    simd,
    inBits,
    aBipolar,
    bBits,
    bBipolar,
    aMul,
    bMul,
    zWidth: signedWidth(zlo, zhi) + rng.int(0, 2),
    thrCount: rng.int(1, 2 ** outBits - 1),
    outBits,
    pixels,
    frames: rng.int(2, 4),
    lag,
    longDepth: lag + 1 + rng.int(0, 3),
    longRegs: rng.int(0, 2),
    skipDepth: 0,
    forkBuffered: rng.next() < 0.5,
    stall,
    longStall,
    seed,
  };
  k.skipDepth = minSkipDepth(k) + rng.pick([0, 0, 1, 3, 8]);
  return k;
}

const describeIf = findTool('iverilog') && findTool('vvp') ? describe : describe.skip;

describeIf('residual primitives in Icarus Verilog: qtsc_axis_fork, qtsc_axis_fifo, qtsc_add', function () {
  this.timeout(600_000);
  let work: string;
  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-residual-'));
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('random shapes, codings, factors and thresholds, stalls everywhere, frames back to back: every output bit right', async () => {
    const stalls: [number, number][] = [
      [0, 0],
      [0.2, 0.3],
      [0.5, 0.1],
      [0.3, 0.7],
    ];
    for (let i = 0; i < 40; i++) {
      const [s, ls] = stalls[i % stalls.length];
      const k = randomCase(100 + i, s, ls);
      const r = await runCase(k, work, `r${i}`);
      expect(r.deadlock, label(k)).to.equal(false);
      expect(r.errors, `${label(k)}: first error at word ${r.firstError}`).to.equal(0);
      expect(r.words, label(k)).to.equal(r.expectedWords);
    }
  });

  it('skip FIFO sizing: no deadlock from Hold - slack words (stalls everywhere), deadlock one word below (watchdog)', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 6; i++) {
      const rng = new Rng(300 + i);
      const c = rng.pick([1, 2, 4, 6]);
      const simd = rng.pick(divisors(c));
      const pixels = rng.int(6, 16);
      const lag = rng.int(4, Math.min(30, (pixels * c) / simd - 1));
      const k: Case = {
        c, simd, inBits: 3, aBipolar: false, bBits: 2, bBipolar: false, aMul: rng.int(0, 5), bMul: rng.int(0, 5), zWidth: 7,
        thrCount: 3, outBits: 2, pixels, frames: 3, lag, longDepth: lag + 4, longRegs: rng.int(0, 2), skipDepth: 0,
        forkBuffered: i % 2 === 0, stall: 0.3, longStall: 0.3, seed: 300 + i, watchdog: 400,
      };
      const min = minSkipDepth(k);
      const ok = await runCase({ ...k, skipDepth: min }, work, `dl${i}a`);
      expect(ok.deadlock, `${label({ ...k, skipDepth: min })}`).to.equal(false);
      expect(ok.errors, label({ ...k, skipDepth: min })).to.equal(0);
      const bad = await runCase({ ...k, skipDepth: min - 1 }, work, `dl${i}b`);
      expect(bad.deadlock, `${label({ ...k, skipDepth: min - 1 })}: expected a deadlock`).to.equal(true);
      expect(bad.words, label({ ...k, skipDepth: min - 1 })).to.equal(0);
      lines.push(`hold ${holdWords(k)} fork ${k.forkBuffered ? 'buffered' : 'direct'}: skip ${min} runs, ${min - 1} deadlocks`);
    }
    console.log('      ' + lines.join('\n      '));
  });

  it('without stalls: one word per cycle from skip depth = latency difference + 1, slower one word below; 1 word/cycle on random cases', async () => {
    const lines: string[] = [];
    const configs: [number, number, boolean][] = [
      [0, 0, false],
      [0, 1, true],
      [3, 0, false],
      [10, 0, true],
      [10, 2, false],
      [25, 3, true],
    ];
    for (const [i, [lag, longRegs, forkBuffered]] of configs.entries()) {
      const k: Case = {
        c: 4, simd: 2, inBits: 2, aBipolar: false, bBits: 3, bBipolar: false, aMul: 3, bMul: 1, zWidth: 6, thrCount: 1, outBits: 1,
        pixels: 20, frames: 4, lag, longDepth: lag + 4, longRegs, skipDepth: fullRateSkipDepth({ lag, longRegs }), forkBuffered,
        stall: 0, longStall: 0, seed: 400 + i,
      };
      const fw = (k.pixels * k.c) / k.simd;
      const full = await runCase(k, work, `tp${i}a`);
      expect(full.errors, label(k)).to.equal(0);
      const perFrame = (full.cycles - full.frame0) / (k.frames - 1);
      expect(perFrame, label(k)).to.equal(fw);
      const less = await runCase({ ...k, skipDepth: k.skipDepth - 1 }, work, `tp${i}b`);
      expect(less.errors, label(k)).to.equal(0);
      const slower = (less.cycles - less.frame0) / (k.frames - 1);
      expect(slower, label({ ...k, skipDepth: k.skipDepth - 1 })).to.be.above(fw);
      lines.push(`lag ${lag} regs ${longRegs} fork ${forkBuffered ? 'buffered' : 'direct'}: skip ${k.skipDepth} -> ${perFrame} cycles/frame (${fw} words), skip ${k.skipDepth - 1} -> ${slower}`);
    }
    for (let i = 0; i < 6; i++) {
      const r0 = randomCase(500 + i, 0, 0);
      const k: Case = { ...r0, frames: 3, longDepth: r0.lag + 4, skipDepth: fullRateSkipDepth(r0) + (i % 3) };
      const r = await runCase(k, work, `tr${i}`);
      expect(r.errors, label(k)).to.equal(0);
      expect((r.cycles - r.frame0) / (k.frames - 1), label(k)).to.equal((k.pixels * k.c) / k.simd);
    }
    console.log('      ' + lines.join('\n      '));
  });

  it('the testbench reports a wrong expected word at its index', async () => {
    const k = randomCase(7, 0.3, 0.3);
    const r = await runCase(k, work, 'corrupt', 3);
    expect(r.errors, label(k)).to.equal(1);
    expect(r.firstError).to.equal(3);
  });
});

const describeVerilator = findTool('verilator') ? describe : describe.skip;

describeVerilator('residual primitives in Verilator too: the same seeded cases, the same testbench', function () {
  this.timeout(1_200_000);
  let work: string;
  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-residual-vl-'));
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  // Verilator builds take seconds each: a few cases here, QTSC_FUZZ_RUNS scales them.
  const n = fuzzRuns(2);
  it(`${n} random case(s) under two stall patterns each (cycles equal to Icarus'), and the skip FIFO sizing: no deadlock at the minimum depth, deadlock one word below`, async () => {
    for (let i = 0; i < n; i++) {
      for (const [s, ls] of [[0.2, 0.3], [0.3, 0.7]] as const) {
        // The cases of the Icarus run above (seeds 100 + i), with these stalls.
        const k = randomCase(100 + i, s, ls);
        const r = await runCase(k, work, `v${i}`, undefined, 'verilator');
        expect(r.deadlock, label(k)).to.equal(false);
        expect(r.errors, `${label(k)} (verilator): first error at word ${r.firstError}`).to.equal(0);
        expect(r.words, label(k)).to.equal(r.expectedWords);
        const ref = await runCase(k, work, `v${i}i`);
        expect(r.cycles, `${label(k)}: Verilator vs Icarus cycles`).to.equal(ref.cycles);
      }
    }
    const k: Case = {
      c: 4, simd: 2, inBits: 3, aBipolar: false, bBits: 2, bBipolar: false, aMul: 2, bMul: 3, zWidth: 7,
      thrCount: 3, outBits: 2, pixels: 10, frames: 3, lag: 12, longDepth: 16, longRegs: 1, skipDepth: 0,
      forkBuffered: true, stall: 0.3, longStall: 0.3, seed: 310, watchdog: 400,
    };
    const min = minSkipDepth(k);
    const ok = await runCase({ ...k, skipDepth: min }, work, 'vdla', undefined, 'verilator');
    expect([ok.deadlock, ok.errors, ok.words], label({ ...k, skipDepth: min })).to.deep.equal([false, 0, ok.expectedWords]);
    const bad = await runCase({ ...k, skipDepth: min - 1 }, work, 'vdlb', undefined, 'verilator');
    expect(bad.deadlock, `${label({ ...k, skipDepth: min - 1 })}: expected a deadlock`).to.equal(true);
  });
});

type Params = Record<string, number | string>;
const paramList = (p: Params): string => Object.entries(p).map(([n, v]) => `.${n}(${typeof v === 'string' ? `"${v}"` : v})`).join(', ');

/** Wrapper modules with every parameter fixed (string parameters cannot go through -G or -chparam). */
function forkWrapper(name: string, p: { Width: number; Buffered: number }): string {
  const w = p.Width;
  return [
    '`default_nettype none',
    `module ${name} (input wire logic clk_i, input wire logic rst_i,`,
    `  input wire logic [${w - 1}:0] s_data_i, input wire logic s_valid_i, output logic s_ready_o,`,
    `  output logic [${w - 1}:0] a_data_o, output logic a_valid_o, input wire logic a_ready_i,`,
    `  output logic [${w - 1}:0] b_data_o, output logic b_valid_o, input wire logic b_ready_i);`,
    `  qtsc_axis_fork #(${paramList(p)}) u (.*);`,
    'endmodule',
    '`default_nettype wire',
    '',
  ].join('\n');
}

function fifoWrapper(name: string, p: { Width: number; Depth: number; RamStyle: string }): string {
  const w = p.Width;
  return [
    '`default_nettype none',
    `module ${name} (input wire logic clk_i, input wire logic rst_i,`,
    `  input wire logic [${w - 1}:0] s_data_i, input wire logic s_valid_i, output logic s_ready_o,`,
    `  output logic [${w - 1}:0] m_data_o, output logic m_valid_o, input wire logic m_ready_i);`,
    `  qtsc_axis_fifo #(${paramList(p)}) u (.*);`,
    'endmodule',
    '`default_nettype wire',
    '',
  ].join('\n');
}

interface AddParams {
  C: number;
  Simd: number;
  ABits: number;
  ABipolar: number;
  BBits: number;
  BBipolar: number;
  AMul: number;
  BMul: number;
  ZWidth: number;
  ThrCount: number;
  OutBits: number;
}

function addWrapper(name: string, p: AddParams, broken: Partial<Record<'CmpWidth', number>> = {}): string {
  const g = p.C / p.Simd;
  const pa = g > 1 ? Math.ceil(Math.log2(g)) : 1;
  const cw = broken.CmpWidth ?? p.ZWidth + 1;
  const pw = p.Simd * (p.ThrCount * cw + 1);
  return [
    '`default_nettype none',
    `module ${name} (input wire logic clk_i, input wire logic rst_i,`,
    `  input wire logic [${p.Simd * p.ABits - 1}:0] a_data_i, input wire logic a_valid_i, output logic a_ready_o,`,
    `  input wire logic [${p.Simd * p.BBits - 1}:0] b_data_i, input wire logic b_valid_i, output logic b_ready_o,`,
    `  output logic [${p.Simd * p.OutBits - 1}:0] m_data_o, output logic m_valid_o, input wire logic m_ready_i,`,
    `  output logic p_en_o, output logic [${pa - 1}:0] p_addr_o, input wire logic [${pw - 1}:0] p_data_i);`,
    `  qtsc_add #(${paramList({ ...p, CmpWidth: cw, PAddrWidth: pa, ParamWidth: pw })}) u (.*);`,
    'endmodule',
    '`default_nettype wire',
    '',
  ].join('\n');
}

const ADD_SETS: AddParams[] = [
  { C: 1, Simd: 1, ABits: 1, ABipolar: 0, BBits: 1, BBipolar: 0, AMul: 1, BMul: 1, ZWidth: 3, ThrCount: 1, OutBits: 1 },
  { C: 6, Simd: 2, ABits: 3, ABipolar: 0, BBits: 2, BBipolar: 0, AMul: 3, BMul: 5, ZWidth: 7, ThrCount: 3, OutBits: 2 },
  { C: 8, Simd: 8, ABits: 1, ABipolar: 1, BBits: 4, BBipolar: 0, AMul: 4, BMul: 0, ZWidth: 4, ThrCount: 7, OutBits: 3 },
  { C: 5, Simd: 1, ABits: 1, ABipolar: 1, BBits: 1, BBipolar: 1, AMul: 0, BMul: 0, ZWidth: 2, ThrCount: 1, OutBits: 1 },
  { C: 12, Simd: 4, ABits: 8, ABipolar: 0, BBits: 8, BBipolar: 0, AMul: 255, BMul: 37, ZWidth: 18, ThrCount: 15, OutBits: 4 },
];

function writeSources(dir: string): void {
  for (const f of SOURCES) fs.copyFileSync(path.join(hwDir, f), path.join(dir, f));
}

const describeLint = findTool('verilator') ? describe : describe.skip;

describeLint('residual primitives: verilator --lint-only -Wall', function () {
  this.timeout(300_000);
  it('fork, FIFO (every style, Depth 1..65536) and add are lint-clean; illegal parameters stop elaboration', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-residual-lint-'));
    try {
      writeSources(dir);
      const jobs: [string[], string][] = [];
      const put = (name: string, text: string, srcs: string[]) => {
        fs.writeFileSync(path.join(dir, `${name}.sv`), text);
        jobs.push([[...srcs, `${name}.sv`], name]);
      };
      for (const [i, p] of [{ Width: 1, Buffered: 0 }, { Width: 1, Buffered: 1 }, { Width: 37, Buffered: 0 }, { Width: 37, Buffered: 1 }].entries()) {
        put(`lint_fork_${i}`, forkWrapper(`lint_fork_${i}`, p), ['qtsc_axis_skid.sv', 'qtsc_axis_fork.sv']);
      }
      let n = 0;
      for (const depth of [1, 2, 3, 5, 16, 1000, 65536]) {
        for (const style of ['auto', 'block', 'distributed', 'registers']) {
          const name = `lint_fifo_${n++}`;
          put(name, fifoWrapper(name, { Width: depth === 65536 ? 1 : 9, Depth: depth, RamStyle: style }), ['qtsc_axis_skid.sv', 'qtsc_axis_fifo.sv']);
        }
      }
      for (const [i, p] of ADD_SETS.entries()) put(`lint_add_${i}`, addWrapper(`lint_add_${i}`, p), ['qtsc_thresholds.sv', 'qtsc_add.sv']);
      for (const [srcs, top] of jobs) {
        const r = await lintVerilator(dir, srcs, top);
        expect(r.ok, `${top}:\n${r.log}`).to.equal(true);
      }
      const bad: [string, string, string[], RegExp][] = [
        ['bad_fork', forkWrapper('bad_fork', { Width: 4, Buffered: 2 }), ['qtsc_axis_skid.sv', 'qtsc_axis_fork.sv'], /qtsc_axis_fork: illegal parameters/],
        ['bad_fifo_depth', fifoWrapper('bad_fifo_depth', { Width: 4, Depth: 65537, RamStyle: 'auto' }), ['qtsc_axis_skid.sv', 'qtsc_axis_fifo.sv'], /qtsc_axis_fifo: illegal parameters/],
        ['bad_fifo_style', fifoWrapper('bad_fifo_style', { Width: 4, Depth: 64, RamStyle: 'bram' }), ['qtsc_axis_skid.sv', 'qtsc_axis_fifo.sv'], /qtsc_axis_fifo: illegal parameters/],
        // ZWidth 6 cannot hold 3*7 + 5*3 = 36
        ['bad_add_z', addWrapper('bad_add_z', { ...ADD_SETS[1], ZWidth: 6 }), ['qtsc_thresholds.sv', 'qtsc_add.sv'], /qtsc_add: illegal parameters/],
        ['bad_add_cmp', addWrapper('bad_add_cmp', ADD_SETS[1], { CmpWidth: 9 }), ['qtsc_thresholds.sv', 'qtsc_add.sv'], /qtsc_add: illegal parameters/],
        ['bad_add_simd', addWrapper('bad_add_simd', { ...ADD_SETS[1], Simd: 4 }), ['qtsc_thresholds.sv', 'qtsc_add.sv'], /qtsc_add: illegal parameters/],
      ];
      for (const [name, text, srcs, re] of bad) {
        fs.writeFileSync(path.join(dir, `${name}.sv`), text);
        const r = await lintVerilator(dir, [...srcs, `${name}.sv`], name);
        expect(r.ok, name).to.equal(false);
        expect(r.log, name).to.match(re);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('residual primitives: Yosys synthesis', function () {
  this.timeout(600_000);
  it('no latches, no multipliers; the FIFO memory becomes block RAM, LUTRAM or flip-flops as asked', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-residual-synth-'));
    try {
      writeSources(dir);
      const runs: { top: string; text: string; srcs: string[]; check?: (r: Awaited<ReturnType<typeof synthesize>>, tag: string) => void }[] = [
        { top: 'syn_fork', text: forkWrapper('syn_fork', { Width: 16, Buffered: 1 }), srcs: ['qtsc_axis_skid.sv', 'qtsc_axis_fork.sv'] },
        {
          top: 'syn_fifo_block',
          text: fifoWrapper('syn_fifo_block', { Width: 16, Depth: 1000, RamStyle: 'auto' }),
          srcs: ['qtsc_axis_skid.sv', 'qtsc_axis_fifo.sv'],
          check: (r, tag) => expect(r.brams, tag).to.be.at.least(0.5),
        },
        {
          top: 'syn_fifo_forced_block',
          text: fifoWrapper('syn_fifo_forced_block', { Width: 8, Depth: 40, RamStyle: 'block' }),
          srcs: ['qtsc_axis_skid.sv', 'qtsc_axis_fifo.sv'],
          check: (r, tag) => expect(r.brams, tag).to.be.at.least(0.5),
        },
        {
          top: 'syn_fifo_lutram',
          text: fifoWrapper('syn_fifo_lutram', { Width: 8, Depth: 40, RamStyle: 'distributed' }),
          srcs: ['qtsc_axis_skid.sv', 'qtsc_axis_fifo.sv'],
          check: (r, tag) => {
            expect(r.brams, tag).to.equal(0);
            expect(Object.keys(r.cells).filter((c) => /^RAM\d+/.test(c)).length, tag).to.be.greaterThan(0);
            expect(r.ffs, tag).to.be.below(40);
          },
        },
        {
          top: 'syn_fifo_regs',
          text: fifoWrapper('syn_fifo_regs', { Width: 4, Depth: 6, RamStyle: 'registers' }),
          srcs: ['qtsc_axis_skid.sv', 'qtsc_axis_fifo.sv'],
          check: (r, tag) => {
            expect(Object.keys(r.cells).filter((c) => /^RAM/.test(c)).length, tag).to.equal(0);
            expect(r.ffs, tag).to.be.at.least(24);
          },
        },
        { top: 'syn_add', text: addWrapper('syn_add', ADD_SETS[1]), srcs: ['qtsc_thresholds.sv', 'qtsc_add.sv'] },
        { top: 'syn_add_wide', text: addWrapper('syn_add_wide', ADD_SETS[4]), srcs: ['qtsc_thresholds.sv', 'qtsc_add.sv'] },
        { top: 'syn_add_bipolar', text: addWrapper('syn_add_bipolar', ADD_SETS[2]), srcs: ['qtsc_thresholds.sv', 'qtsc_add.sv'] },
      ];
      for (const [i, run] of runs.entries()) {
        fs.writeFileSync(path.join(dir, `${run.top}.sv`), run.text);
        const r = await synthesize({ rtlDir: dir, sources: [...run.srcs, `${run.top}.sv`], top: run.top, target: 'xilinx', workDir: path.join(dir, `s${i}`) });
        const summary = `${run.top}: ${r.luts} LUT, ${r.ffs} FF, ${r.brams} BRAM36`;
        console.log(`      ${summary}`);
        const tag = `${summary}, coarse ${JSON.stringify(r.coarseCells)}, mapped ${JSON.stringify(r.cells)}`;
        expect(r.latches, tag).to.equal(0);
        expect(r.multipliers, tag).to.equal(0);
        expect(r.dsps, tag).to.equal(0);
        run.check?.(r, tag);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * The depthwise unit (hw/qtsc_vvu.sv in templates/vvu.sv.hbs, planned by
 * src/backends/rtl/vvu-plan.ts) against the golden model: seeded random
 * VvuNodes (channels 1-8, multiplier 1-2, 1-25 taps, Simd dividing the
 * channels, bipolar or 1-4 bit inputs, binary / pow2 / int weights, random
 * thresholds and negate flags) simulated in Icarus on random window words with
 * random stalls on both handshakes, several frames back to back, and a few of
 * the same cases in Verilator (same testbench, equal cycle counts); cycles per
 * frame without stalls; the ROM images; verilator -Wall lint; Yosys (no
 * latches, no multipliers for binary and pow2 weights).
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type VvuPlan, planVvu } from '../../../src/backends/rtl/vvu-plan.js';
import { preparedThreshold } from '../../../src/backends/rtl/plan.js';
import { hwDir, render } from '../../../src/backends/rtl/templates.js';
import { runNode } from '../../../src/golden/execute.js';
import { type WindowGeometry, samePadding, slidingWindow, windowOutputSize } from '../../../src/golden/sliding-window.js';
import {
  type ActType,
  type HardwareIR,
  type VvuNode,
  type WeightCoding,
  actBits,
  actRange,
  clog2,
  signedWidth,
  weightBits,
  weightValue,
} from '../../../src/ir/hardware-ir.js';
import { thresholdDomain } from '../../../src/passes/accumulator-range.js';
import { findTool } from '../../../src/drivers/tools.js';
import { packageRoot } from '../../../src/util/package-root.js';
import { type Simulator, resultLine, runTestbench } from '../../../src/drivers/testbench.js';
import { fuzzRuns } from '../../helpers/fuzz.js';
import { lintVerilator } from '../../../src/drivers/verilator.js';
import { synthesize } from '../../../src/drivers/yosys.js';
import { QtscError } from '../../../src/util/errors.js';
import { Rng, divisors } from '../../../src/util/random.js';

const tb = path.join(packageRoot, 'sim', 'iverilog', 'qtsc_tb_unit.sv');

interface Spec {
  seed: number;
  /** Output pixels (windows) per frame. */
  pixels: number;
  taps: number;
  channels: number;
  multiplier: number;
  simd: number;
  input: ActType;
  weights: WeightCoding;
  /** Extra accumulator bits beyond the exact width. */
  accSlack: number;
  count: number;
  out: ActType;
}

function randomCoding(rng: Rng, kind?: number): WeightCoding {
  const k = kind ?? rng.int(0, 2);
  if (k === 0) return { kind: 'binary' };
  if (k === 1) return { kind: 'pow2', levels: rng.int(2, 4), hasZero: rng.next() < 0.5 };
  return { kind: 'int', bits: rng.int(2, 4) };
}

/** A random spec; `combo` (0..5) fixes the weight coding (combo % 3) and bipolar input (combo >= 3). */
function randomSpec(seed: number, combo?: number): Spec {
  const rng = new Rng(seed);
  const channels = rng.int(1, 8);
  const count = rng.int(1, 15);
  const bipolar = combo === undefined ? rng.next() < 0.3 : combo >= 3;
  const input: ActType = bipolar ? { kind: 'bipolar' } : { kind: 'uint', bits: rng.int(1, 4) };
  const out: ActType = count === 1 && rng.next() < 0.5 ? { kind: 'bipolar' } : { kind: 'uint', bits: Math.max(clog2(count + 1), rng.int(1, 4)) };
  return {
    seed,
    pixels: rng.int(1, 5),
    taps: rng.pick([1, 2, 3, 4, 6, 9, 9, 15, 25]),
    channels,
    multiplier: rng.int(1, 2),
    simd: rng.pick(divisors(channels)),
    input,
    weights: randomCoding(rng, combo === undefined ? undefined : combo % 3),
    accSlack: rng.next() < 0.2 ? rng.int(1, 2) : 0,
    count,
    out,
  };
}

function randomCode(rng: Rng, w: WeightCoding): number {
  if (w.kind === 'binary') return rng.int(0, 1);
  if (w.kind === 'int') return rng.int(0, 2 ** w.bits - 1);
  const e = clog2(w.levels);
  const exp = rng.int(0, w.levels - 1);
  const sign = rng.int(0, 1);
  const zero = w.hasZero && rng.next() < 0.25 ? 1 : 0;
  return exp | (sign << e) | (zero << (e + 1));
}

/** A VVU node and its one-node IR: input tensor [1, pixels, taps*channels] -> [1, pixels, channels*multiplier]. */
function buildIr(s: Spec, top: string): { ir: HardwareIR; node: VvuNode } {
  const rng = new Rng(s.seed * 31 + 7);
  const rows = s.channels * s.multiplier;
  const weightCodes = Array.from({ length: rows }, () => Array.from({ length: s.taps }, () => randomCode(rng, s.weights)));
  const [aLo, aHi] = actRange(s.input);
  const ranges = weightCodes.map((row) => {
    let lo = 0;
    let hi = 0;
    for (const c of row) {
      const w = weightValue(s.weights, c);
      lo += Math.min(w * aLo, w * aHi);
      hi += Math.max(w * aLo, w * aHi);
    }
    return [lo, hi] as const;
  });
  const lo = Math.min(0, ...ranges.map((r) => r[0]));
  const hi = Math.max(0, ...ranges.map((r) => r[1]));
  const accWidth = signedWidth(lo, hi) + s.accSlack;
  const negate = Array.from({ length: rows }, () => rng.next() < 0.5);
  // Thresholds of the compared value e = negate ? -acc : acc, within (and just beyond) its exact range.
  const thresholds = ranges.map(([clo, chi], o) => {
    const [elo, ehi] = negate[o] ? [-chi, -clo] : [clo, chi];
    return Array.from({ length: s.count }, () => rng.int(elo - 1, ehi + 1)).sort((a, b) => a - b);
  });
  const node: VvuNode = {
    op: 'vvu',
    name: `dw_${s.seed}`,
    layers: [`dw${s.seed}`],
    inputs: ['win'],
    outputs: ['y'],
    taps: s.taps,
    channels: s.channels,
    multiplier: s.multiplier,
    simd: s.simd,
    input: s.input,
    weights: s.weights,
    weightCodes,
    accWidth,
    accRange: [lo, hi],
    output: { kind: 'thresholds', count: s.count, thresholds, negate, thresholdWidth: thresholdDomain([lo, hi]).width, out: s.out },
  };
  const ir: HardwareIR = {
    format: 'qtsc-hardware-ir',
    version: 2,
    top,
    input: { tensor: 'win', scale: 1 },
    tensors: {
      win: { elem: s.input, shape: [1, s.pixels, s.taps * s.channels] },
      y: { elem: s.out, shape: [1, s.pixels, rows] },
    },
    nodes: [node],
    output: 'y',
  };
  return { ir, node };
}

function label(s: Spec): string {
  const w = s.weights.kind === 'pow2' ? `pow2 K${s.weights.levels}${s.weights.hasZero ? ' zero' : ''}` : s.weights.kind === 'int' ? `int${s.weights.bits}` : 'binary';
  const inp = s.input.kind === 'bipolar' ? 'bipolar' : `uint${s.input.bits}`;
  return `seed ${s.seed}: ${s.pixels} px, ${s.taps} taps, C ${s.channels} x M ${s.multiplier}, simd ${s.simd}, ${inp}, ${w}, +${s.accSlack} acc bits, ${s.count} thr -> ${s.out.kind === 'bipolar' ? 'bipolar' : `uint${s.out.bits}`}`;
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

/** Writes the wrapper, its ROMs and the primitives into dir; returns the plan and the sources in compile order. */
function writeDesign(ir: HardwareIR, node: VvuNode, dir: string): { plan: VvuPlan; sources: string[] } {
  const plan = planVvu(ir, node, 0);
  for (const f of ['qtsc_thresholds.sv', 'qtsc_term.sv', 'qtsc_vvu.sv']) fs.copyFileSync(path.join(hwDir, f), path.join(dir, f));
  fs.writeFileSync(path.join(dir, `${plan.module}.sv`), render('vvu', plan));
  for (const rom of [plan.weightRom, plan.paramRom]) fs.writeFileSync(path.join(dir, rom.file), rom.words.join('\n') + '\n');
  return { plan, sources: ['qtsc_thresholds.sv', 'qtsc_term.sv', 'qtsc_vvu.sv', `${plan.module}.sv`] };
}

interface RunResult {
  words: number;
  errors: number;
  cycles: number;
  frame0: number;
  firstError: number;
  expectedWords: number;
  plan: VvuPlan;
}

/** Runs the unit testbench around `module` (sources in dir) on dir/in.hex, dir/exp.hex, in one simulator. */
async function simulate(dir: string, module: string, sources: string[], params: Record<string, number>, what: string, simulator: Simulator): Promise<Omit<RunResult, 'expectedWords' | 'plan'>> {
  const { Stall, Seed, ...sizes } = params;
  const run = await runTestbench({
    simulator,
    top: 'qtsc_tb_unit',
    sources: [tb, ...sources.map((f) => path.join(dir, f))],
    includeDirs: [path.dirname(tb)],
    defines: { QTSC_DUT: module },
    params: sizes,
    plusargs: { input: 'in.hex', expected: 'exp.hex', seed: Seed, stall: Stall },
    cwd: dir,
    workDir: dir,
    seed: Seed,
  });
  const m = resultLine(run.stdout, 'QTSC_UNIT');
  expect(m, `${what} (${simulator}): ${run.log}`).to.not.equal(null);
  return { words: m!.words, errors: m!.errors, cycles: m!.cycles, frame0: m!.frame0, firstError: m!.first_error };
}

async function runCase(s: Spec, frames: number, stall: number, work: string, tag: string, corrupt?: number, simulator: Simulator = 'iverilog'): Promise<RunResult> {
  const { ir, node } = buildIr(s, `vvu_${tag}`);
  const dir = path.join(work, tag);
  fs.mkdirSync(dir);
  const { plan, sources } = writeDesign(ir, node, dir);
  const rng = new Rng(s.seed * 7919 + 17);
  const frameIn = s.pixels * s.taps * s.channels;
  const input = new Int32Array(frameIn * frames);
  const maxCode = 2 ** actBits(s.input) - 1;
  for (let i = 0; i < input.length; i++) input[i] = rng.int(0, maxCode);
  const expected: number[] = [];
  for (let f = 0; f < frames; f++) expected.push(...runNode(ir, node, input.subarray(f * frameIn, (f + 1) * frameIn)));
  if (corrupt !== undefined) expected[corrupt * plan.outElems] ^= 1;
  fs.writeFileSync(path.join(dir, 'in.hex'), hexWords(input, s.simd, plan.inBits));
  fs.writeFileSync(path.join(dir, 'exp.hex'), hexWords(expected, plan.outElems, plan.outElemBits));
  const params: Record<string, number> = {
    InW: plan.inWidth,
    OutW: plan.outWidth,
    InWords: plan.cycles * frames,
    OutWords: plan.outWords * frames,
    OutPerFrame: plan.outWords,
    Stall: Math.round(stall * 65536),
    Seed: s.seed,
  };
  const r = await simulate(dir, plan.module, sources, params, label(s), simulator);
  return { ...r, expectedWords: expected.length / plan.outElems, plan };
}

/**
 * A depthwise convolution as the compiler builds it: qtsc_swu feeding the VVU
 * wrapper, on a feature map [ih, iw, c]; golden = slidingWindow, then the VVU.
 */
async function runChain(seed: number, stall: number, work: string, tag: string, simulator: Simulator = 'iverilog'): Promise<{ r: Omit<RunResult, 'expectedWords' | 'plan'>; expectedWords: number; what: string }> {
  const rng = new Rng(seed);
  let g: WindowGeometry;
  let s: Spec;
  for (;;) {
    const kh = rng.pick([1, 2, 3, 3, 5]);
    const kw = rng.next() < 0.7 ? kh : rng.pick([1, 3, 5]);
    const sh = rng.int(1, 2);
    const sw = rng.next() < 0.7 ? sh : rng.int(1, 2);
    const ih = rng.int(1, 7);
    const iw = rng.int(1, 7);
    const c = rng.int(1, 6);
    const base = randomSpec(seed * 13 + 1, rng.int(0, 5));
    // bipolar streams have no code for 0: no padding
    const same = base.input.kind === 'uint' && rng.next() < 0.7;
    const [t, b] = same ? samePadding(ih, kh, sh) : [0, 0];
    const [l, r] = same ? samePadding(iw, kw, sw) : [0, 0];
    g = { ih, iw, c, kh, kw, sh, sw, padTop: t, padLeft: l, padBottom: b, padRight: r };
    if (ih + t + b < kh || iw + l + r < kw || t >= kh || b >= kh || l >= kw || r >= kw) continue;
    const { oh, ow } = windowOutputSize(g);
    s = { ...base, seed: seed * 13 + 1, pixels: oh * ow, taps: kh * kw, channels: c, simd: rng.pick(divisors(c)) };
    break;
  }
  const { ir, node } = buildIr(s, `dwc_${tag}`);
  const { oh, ow } = windowOutputSize(g);
  ir.tensors.win.shape = [oh, ow, s.taps * s.channels];
  ir.tensors.y.shape = [oh, ow, s.channels * s.multiplier];
  const dir = path.join(work, tag);
  fs.mkdirSync(dir);
  const { plan, sources } = writeDesign(ir, node, dir);
  fs.copyFileSync(path.join(hwDir, 'qtsc_swu.sv'), path.join(dir, 'qtsc_swu.sv'));
  const eb = plan.inBits;
  const top = `${plan.module}_chain`;
  fs.writeFileSync(
    path.join(dir, `${top}.sv`),
    [
      '`default_nettype none',
      `module ${top} (input wire logic clk_i, input wire logic rst_i,`,
      `  input wire logic [${plan.inWidth - 1}:0] s_data_i, input wire logic s_valid_i, output logic s_ready_o,`,
      `  output logic [${plan.outWidth - 1}:0] m_data_o, output logic m_valid_o, input wire logic m_ready_i);`,
      `  logic [${plan.inWidth - 1}:0] w_data;`,
      '  logic w_valid, w_ready;',
      `  qtsc_swu #(.Ih(${g.ih}), .Iw(${g.iw}), .C(${g.c}), .Kh(${g.kh}), .Kw(${g.kw}), .Sh(${g.sh}), .Sw(${g.sw}), .PadTop(${g.padTop}), .PadLeft(${g.padLeft}), .PadBottom(${g.padBottom}), .PadRight(${g.padRight}), .Simd(${s.simd}), .ElemBits(${eb}), .PadCode(0)) u_swu (`,
      '    .clk_i, .rst_i, .s_data_i, .s_valid_i, .s_ready_o, .m_data_o(w_data), .m_valid_o(w_valid), .m_ready_i(w_ready));',
      `  ${plan.module} u_vvu (.clk_i, .rst_i, .s_data_i(w_data), .s_valid_i(w_valid), .s_ready_o(w_ready), .m_data_o, .m_valid_o, .m_ready_i);`,
      'endmodule',
      '`default_nettype wire',
      '',
    ].join('\n'),
  );
  const frames = 3;
  const frameIn = g.ih * g.iw * g.c;
  const input = new Int32Array(frameIn * frames);
  const maxCode = 2 ** eb - 1;
  for (let i = 0; i < input.length; i++) input[i] = rng.int(0, maxCode);
  const expected: number[] = [];
  for (let f = 0; f < frames; f++) expected.push(...runNode(ir, node, slidingWindow(input.subarray(f * frameIn, (f + 1) * frameIn), g, 0)));
  fs.writeFileSync(path.join(dir, 'in.hex'), hexWords(input, s.simd, eb));
  fs.writeFileSync(path.join(dir, 'exp.hex'), hexWords(expected, plan.outElems, plan.outElemBits));
  const what = `${label(s)}; image ${g.ih}x${g.iw}, kernel ${g.kh}x${g.kw}, stride ${g.sh}x${g.sw}, pad ${g.padTop},${g.padLeft},${g.padBottom},${g.padRight}, stall ${stall}`;
  const params: Record<string, number> = {
    InW: plan.inWidth,
    OutW: plan.outWidth,
    InWords: (frameIn / s.simd) * frames,
    OutWords: plan.outWords * frames,
    OutPerFrame: plan.outWords,
    Stall: Math.round(stall * 65536),
    Seed: seed,
  };
  const r = await simulate(dir, top, ['qtsc_swu.sv', ...sources, `${top}.sv`], params, what, simulator);
  return { r, expectedWords: expected.length / plan.outElems, what };
}

/** Small fixed specs covering every coding and input kind (for lint and synthesis). */
function spec(p: Partial<Spec>): Spec {
  return {
    seed: 1,
    pixels: 2,
    taps: 9,
    channels: 4,
    multiplier: 1,
    simd: 2,
    input: { kind: 'uint', bits: 2 },
    weights: { kind: 'binary' },
    accSlack: 0,
    count: 3,
    out: { kind: 'uint', bits: 2 },
    ...p,
  };
}

const describeIf = findTool('iverilog') && findTool('vvp') ? describe : describe.skip;

describe('VVU plan: ROM images and fields', () => {
  it('weight word t*G + g holds lane s*M + m = channel (g*simd + s)*M + m; threshold word g holds channels g*L + p', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const s = randomSpec(seed);
      const { ir, node } = buildIr(s, 'vvu_rom');
      const p = planVvu(ir, node, 3);
      const g = s.channels / s.simd;
      const lanes = s.simd * s.multiplier;
      const wb = weightBits(s.weights);
      expect(p.kind).to.equal('vvu');
      expect(p.module).to.equal(`vvu_rom_n3_dw_${seed}`);
      expect(p.inst).to.equal('u_n3');
      expect(p.inWidth).to.equal(s.simd * actBits(s.input));
      expect(p.outElems).to.equal(lanes);
      expect(p.outWidth).to.equal(lanes * actBits(s.out));
      expect(p.cycles).to.equal((s.pixels * s.taps * s.channels) / s.simd);
      expect(p.weightRom.depth).to.equal(s.taps * g);
      expect(p.weightRom.width).to.equal(lanes * wb);
      expect(p.paramRom.depth).to.equal(g);
      for (let t = 0; t < s.taps; t++) {
        for (let gg = 0; gg < g; gg++) {
          const word = BigInt('0x' + p.weightRom.words[t * g + gg]);
          for (let si = 0; si < s.simd; si++) {
            for (let m = 0; m < s.multiplier; m++) {
              const l = si * s.multiplier + m;
              const code = Number((word >> BigInt(l * wb)) & ((1n << BigInt(wb)) - 1n));
              expect(code).to.equal(node.weightCodes[(gg * s.simd + si) * s.multiplier + m][t]);
            }
          }
        }
      }
      const cw = p.cmpWidth;
      expect(cw).to.equal(node.accWidth + 1);
      for (let gg = 0; gg < g; gg++) {
        const word = BigInt('0x' + p.paramRom.words[gg]);
        for (let l = 0; l < lanes; l++) {
          const o = gg * lanes + l;
          const inv = Number((word >> BigInt(lanes * s.count * cw + l)) & 1n);
          expect(inv === 1).to.equal(node.output.negate[o]);
          for (let j = 0; j < s.count; j++) {
            const raw = (word >> BigInt((l * s.count + j) * cw)) & ((1n << BigInt(cw)) - 1n);
            const v = Number(raw >= 1n << BigInt(cw - 1) ? raw - (1n << BigInt(cw)) : raw);
            expect(v).to.equal(preparedThreshold(node, node.output.thresholds[o][j], node.output.negate[o]).value);
          }
        }
      }
    }
  });

  it('places its ROMs as PlanOptions.romStyle asks (for all, or by the node name) and prints the attribute', () => {
    const { ir, node } = buildIr(spec({ taps: 9, channels: 8, simd: 2 }), 'vvu_rs');
    for (const [opts, want] of [
      [{ romStyle: { all: 'block' } }, 'block'],
      [{ romStyle: { all: 'block', nodes: { [node.name]: 'distributed' } } }, 'distributed'],
      [{ romStyle: { nodes: { [node.name]: 'block' } } }, 'block'],
    ] as const) {
      const p = planVvu(ir, node, 0, opts);
      const text = render('vvu', p);
      for (const [rom, decl] of [
        [p.weightRom, 'w_rom'],
        [p.paramRom, 'p_rom'],
      ] as const) {
        expect(rom.placement, `${JSON.stringify(opts)} ${decl}`).to.equal(want);
        expect(text).to.include(`  ${rom.attribute}\n  logic [${rom.width}-1:0] ${decl} [`);
      }
    }
  });

  it('refuses a node it cannot build, listing every problem', () => {
    const { ir, node } = buildIr(spec({}), 'vvu_bad');
    const bad: VvuNode = { ...node, simd: 3, accWidth: 2, weightCodes: node.weightCodes.map((r) => r.map(() => 5)) };
    expect(() => planVvu(ir, bad, 0)).to.throw(QtscError, /simd 3 does not divide the 4 channels/);
    const narrow: VvuNode = { ...node, accWidth: 2 };
    expect(() => planVvu(ir, narrow, 0)).to.throw(QtscError, /beyond the signed accWidth 2/);
    const codes: VvuNode = { ...node, weightCodes: node.weightCodes.map((r) => r.map(() => 5)) };
    expect(() => planVvu(ir, codes, 0)).to.throw(QtscError, /weight \[0\]\[0\]: code 5/);
  });
});

describeIf('VVU in Icarus Verilog: qtsc_vvu + qtsc_thresholds in the vvu wrapper', function () {
  this.timeout(600_000);
  let work: string;
  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-vvu-'));
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('random nodes, random stalls on both sides, frames back to back: every output bit equal to the golden model', async () => {
    const stalls = [0, 0.2, 0.5, 0.8];
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const s = randomSpec(100 + i, i % 6);
      seen.add(`${s.weights.kind}/${s.input.kind}`);
      const r = await runCase(s, 3, stalls[i % stalls.length], work, `r${i}`);
      expect(r.errors, `${label(s)}: first error at word ${r.firstError}`).to.equal(0);
      expect(r.words, label(s)).to.equal(r.expectedWords);
    }
    // every coding met both input kinds
    expect(seen.size, [...seen].join(' ')).to.equal(6);
  });

  it('edge shapes: one tap, one group, one channel, 25 taps with Simd = C, tiny and slack accumulators', async () => {
    const specs: Spec[] = [
      spec({ seed: 201, taps: 1, channels: 1, simd: 1, multiplier: 2, weights: { kind: 'pow2', levels: 3, hasZero: true } }),
      spec({ seed: 202, taps: 1, channels: 6, simd: 2, input: { kind: 'bipolar' }, count: 1, out: { kind: 'bipolar' } }),
      spec({ seed: 203, taps: 25, channels: 8, simd: 8, multiplier: 2, input: { kind: 'uint', bits: 4 }, weights: { kind: 'int', bits: 4 }, count: 15, out: { kind: 'uint', bits: 4 } }),
      spec({ seed: 204, taps: 4, channels: 3, simd: 1, input: { kind: 'bipolar' }, weights: { kind: 'int', bits: 3 }, accSlack: 2 }),
      spec({ seed: 205, taps: 2, channels: 2, simd: 2, input: { kind: 'uint', bits: 4 }, weights: { kind: 'pow2', levels: 2, hasZero: false } }),
      spec({ seed: 206, taps: 9, channels: 5, simd: 5, multiplier: 2, input: { kind: 'uint', bits: 1 }, weights: { kind: 'binary' }, count: 7, out: { kind: 'uint', bits: 3 } }),
    ];
    for (const [i, s] of specs.entries()) {
      for (const stall of [0, 0.6]) {
        const r = await runCase(s, 3, stall, work, `e${i}_${stall === 0 ? 0 : 1}`);
        expect(r.errors, `${label(s)} stall ${stall}: first error at word ${r.firstError}`).to.equal(0);
        expect(r.words, label(s)).to.equal(r.expectedWords);
      }
    }
  });

  it('behind qtsc_swu (a whole depthwise convolution, padding and strides): every output bit, under stalls', async () => {
    const stalls = [0, 0.3, 0.6];
    for (let i = 0; i < 12; i++) {
      const { r, expectedWords, what } = await runChain(700 + i, stalls[i % stalls.length], work, `c${i}`);
      expect(r.errors, `${what}: first error at word ${r.firstError}`).to.equal(0);
      expect(r.words, what).to.equal(expectedWords);
    }
  });

  it('the testbench reports a wrong expected word at its index', async () => {
    const s = spec({ seed: 301, pixels: 3 });
    const r = await runCase(s, 2, 0.3, work, 'corrupt', 5);
    expect(r.errors).to.equal(1);
    expect(r.firstError).to.equal(5);
    expect(r.words).to.equal(r.expectedWords);
  });

  it('without stalls: cycles per frame equal the input words per frame', async () => {
    const specs: Spec[] = [
      spec({ seed: 401, pixels: 5, taps: 9, channels: 8, simd: 2, multiplier: 2 }),
      spec({ seed: 402, pixels: 5, taps: 1, channels: 4, simd: 1, weights: { kind: 'pow2', levels: 4, hasZero: true } }),
      spec({ seed: 403, pixels: 5, taps: 25, channels: 3, simd: 3, input: { kind: 'bipolar' } }),
      spec({ seed: 404, pixels: 5, taps: 9, channels: 1, simd: 1, weights: { kind: 'int', bits: 3 } }),
    ];
    for (const [i, s] of specs.entries()) {
      const frames = 4;
      const r = await runCase(s, frames, 0, work, `t${i}`);
      expect(r.errors, label(s)).to.equal(0);
      const perFrame = (r.cycles - r.frame0) / (frames - 1);
      console.log(`      ${label(s)}: ${r.plan.cycles} input words, ${perFrame.toFixed(1)} cycles/frame`);
      expect(perFrame, label(s)).to.equal(r.plan.cycles);
    }
  });
});

const describeVerilator = findTool('verilator') ? describe : describe.skip;

describeVerilator('VVU in Verilator too: the same seeded cases, the same testbench', function () {
  this.timeout(1_200_000);
  let work: string;
  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-vvu-vl-'));
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  // Verilator builds take seconds each: a few cases here, QTSC_FUZZ_RUNS scales them.
  const n = fuzzRuns(2);
  it(`${n} random node(s) (bipolar and unsigned inputs) and one depthwise convolution behind qtsc_swu, two stall patterns each; cycles equal to Icarus'`, async () => {
    for (let i = 0; i < n; i++) {
      // The first seeds of the Icarus run above, codings rotating, bipolar input every other case.
      const s = randomSpec(100 + i, (i % 3) + 3 * (i % 2));
      for (const [k, stall] of [0.2, 0.6].entries()) {
        const r = await runCase(s, 3, stall, work, `v${i}_${k}`, undefined, 'verilator');
        expect(r.errors, `${label(s)} stall ${stall} (verilator): first error at word ${r.firstError}`).to.equal(0);
        expect(r.words, label(s)).to.equal(r.expectedWords);
        const ref = await runCase(s, 3, stall, work, `v${i}_${k}i`);
        expect(r.cycles, `${label(s)}: Verilator vs Icarus cycles`).to.equal(ref.cycles);
      }
    }
    const chain = await runChain(700, 0.4, work, 'vc', 'verilator');
    expect(chain.r.errors, `${chain.what}: first error at word ${chain.r.firstError}`).to.equal(0);
    expect(chain.r.words, chain.what).to.equal(chain.expectedWords);
  });
});

const lintSpecs: Spec[] = [
  spec({ input: { kind: 'bipolar' }, count: 1, out: { kind: 'bipolar' } }),
  spec({ multiplier: 2, input: { kind: 'uint', bits: 4 }, count: 7, out: { kind: 'uint', bits: 3 } }),
  spec({ taps: 1, channels: 1, simd: 1, weights: { kind: 'pow2', levels: 3, hasZero: true } }),
  spec({ taps: 25, channels: 8, simd: 8, multiplier: 2, weights: { kind: 'pow2', levels: 4, hasZero: false }, input: { kind: 'uint', bits: 3 } }),
  spec({ weights: { kind: 'pow2', levels: 2, hasZero: false }, input: { kind: 'bipolar' } }),
  spec({ weights: { kind: 'int', bits: 4 }, input: { kind: 'uint', bits: 4 }, count: 15, out: { kind: 'uint', bits: 4 } }),
  spec({ weights: { kind: 'int', bits: 4 }, input: { kind: 'bipolar' }, taps: 1 }),
  spec({ weights: { kind: 'int', bits: 2 }, input: { kind: 'uint', bits: 1 }, channels: 6, simd: 3 }),
];

/** A node whose weights are all 0 (pow2 zero codes): the accumulator is 1 bit, narrower than inputs and weights. */
function zeroWeights(p: Partial<Spec>): { ir: HardwareIR; node: VvuNode } {
  const s = spec({ ...p, weights: { kind: 'pow2', levels: 4, hasZero: true } });
  const { ir, node } = buildIr(s, 'vvu_zero');
  const zero = 1 << (clog2(4) + 1);
  const n: VvuNode = { ...node, weightCodes: node.weightCodes.map((r) => r.map(() => zero)), accWidth: 1, accRange: [0, 0] };
  n.output = { ...node.output, thresholds: node.output.thresholds.map((r) => r.map(() => 0)) };
  return { ir: { ...ir, nodes: [n] }, node: n };
}

const describeLint = findTool('verilator') ? describe : describe.skip;

describeLint('VVU: verilator --lint-only -Wall', function () {
  this.timeout(300_000);
  it('the wrapper with qtsc_vvu is lint-clean across codings, inputs, shapes and narrow accumulators', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-vvu-lint-'));
    try {
      const designs = lintSpecs.map((s, i) => buildIr({ ...s, seed: 500 + i }, `vvu_l${i}`));
      designs.push(zeroWeights({ input: { kind: 'uint', bits: 4 } }));
      designs.push(zeroWeights({ input: { kind: 'bipolar' } }));
      // int weights wider than a 1-bit accumulator, bipolar and unsigned inputs
      for (const [i, input] of ([{ kind: 'bipolar' }, { kind: 'uint', bits: 3 }] as ActType[]).entries()) {
        const { ir, node } = buildIr(spec({ seed: 520 + i, weights: { kind: 'int', bits: 4 }, input }), `vvu_i${i}`);
        const n: VvuNode = { ...node, weightCodes: node.weightCodes.map((r) => r.map(() => 0)), accWidth: 1, accRange: [0, 0] };
        designs.push({ ir: { ...ir, nodes: [n] }, node: n });
      }
      for (const [i, d] of designs.entries()) {
        const sub = path.join(dir, `d${i}`);
        fs.mkdirSync(sub);
        const { plan, sources } = writeDesign({ ...d.ir, top: `${d.ir.top}_${i}` }, d.node, sub);
        const r = await lintVerilator(sub, sources, plan.module);
        expect(r.ok, `${plan.module}:\n${r.log}`).to.equal(true);
      }
      // An illegal parameter stops elaboration (WeightBits does not match the pow2 coding).
      const sub = path.join(dir, 'bad');
      fs.mkdirSync(sub);
      const { plan, sources } = writeDesign(designs[2].ir, designs[2].node, sub);
      const f = path.join(sub, `${plan.module}.sv`);
      fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace(/\.Pow2Levels\(\d+\)/, '.Pow2Levels(8)'));
      const r = await lintVerilator(sub, sources, plan.module);
      expect(r.ok).to.equal(false);
      expect(r.log).to.match(/qtsc_vvu: illegal parameters/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('VVU: Yosys synthesis', function () {
  this.timeout(600_000);
  it('binary and pow2 weights: no latches and no multipliers; int weights with unsigned inputs: one multiplier per lane', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-vvu-synth-'));
    try {
      const runs: { s: Spec; mapped: boolean }[] = [
        { s: spec({ seed: 601, taps: 9, channels: 16, simd: 4, input: { kind: 'uint', bits: 4 }, weights: { kind: 'binary' }, count: 3 }), mapped: true },
        { s: spec({ seed: 602, taps: 9, channels: 16, simd: 4, multiplier: 2, input: { kind: 'uint', bits: 4 }, weights: { kind: 'pow2', levels: 4, hasZero: true }, count: 3 }), mapped: true },
        { s: spec({ seed: 603, taps: 9, channels: 8, simd: 2, input: { kind: 'bipolar' }, weights: { kind: 'binary' }, count: 1, out: { kind: 'bipolar' } }), mapped: false },
        { s: spec({ seed: 604, taps: 25, channels: 4, simd: 1, input: { kind: 'bipolar' }, weights: { kind: 'pow2', levels: 3, hasZero: false } }), mapped: false },
        { s: spec({ seed: 605, taps: 9, channels: 4, simd: 2, input: { kind: 'uint', bits: 3 }, weights: { kind: 'int', bits: 3 } }), mapped: false },
      ];
      for (const [i, run] of runs.entries()) {
        const sub = path.join(dir, `s${i}`);
        fs.mkdirSync(sub);
        const { ir, node } = buildIr(run.s, `vvu_s${i}`);
        const { plan, sources } = writeDesign(ir, node, sub);
        const r = await synthesize({ rtlDir: sub, sources, top: plan.module, target: 'xilinx', workDir: path.join(sub, 'syn'), coarseOnly: !run.mapped });
        const summary = `${label(run.s)}: ${run.mapped ? `${r.luts} LUT, ${r.ffs} FF, ${r.brams} BRAM36, ${r.dsps} DSP` : 'coarse'}`;
        console.log(`      ${summary}`);
        const tag = `${summary}, cells ${JSON.stringify(r.coarseCells)}`;
        expect(r.latches, tag).to.equal(0);
        if (run.s.weights.kind === 'int' && run.s.input.kind === 'uint') {
          expect(r.multipliers, tag).to.equal(plan.multipliers);
        } else {
          expect(r.multipliers, tag).to.equal(0);
          expect(r.dsps, tag).to.equal(0);
        }
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * The verification ladder's first rung, on random designs: every engine,
 * random MW/MH (non-powers of two included) and random PE/SIMD, golden vectors
 * through Verilator with seeded random stalls on both handshakes, every
 * output bit compared. Each design is also linted (-Wall, no warnings) and
 * synthesised by Yosys: no latches, and no multipliers outside int-mac.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomFrames, randomHardwareIR, type RandomIrOptions } from '../../helpers/random-hw.js';
import { tmpDir } from '../../helpers/make-model.js';
import { emitRtl } from '../../../src/backends/rtl/emit.js';
import type { DotTrees } from '../../../src/backends/rtl/plan.js';
import { writeVectors } from '../../../src/golden/vectors.js';
import { runGolden } from '../../../src/golden/execute.js';
import { inputWords, outputWord, streamFormat } from '../../../src/golden/stream-format.js';
import { buildVerilatorSim, lintVerilator, runVerilatorSim } from '../../../src/drivers/verilator.js';
import { synthesize } from '../../../src/drivers/yosys.js';
import { nodeCycles } from '../../../src/passes/choose-folding.js';
import { mvuNodes } from '../../../src/ir/hardware-ir.js';

interface Case {
  label: string;
  opts: RandomIrOptions;
  seed: number;
  /** The RTL backend's engine choice (default: compressor trees for every multiplier-free node). */
  dotTrees?: DotTrees;
  /** Register levels per generated tree (PlanOptions.pipeline; default the backend's). */
  pipeline?: number;
  /** The weight ROM's output register (PlanOptions.romOutputReg; default on). */
  romOutputReg?: boolean;
}

const cases: Case[] = [
  { label: 'W1A1 (xnor-popcount)', opts: { engine: 'xnor-popcount', layers: 3, maxDim: 70 }, seed: 101 },
  { label: 'binary weights, 2-bit activations (sign-add)', opts: { engine: 'sign-add', actBits: 2, layers: 3 }, seed: 102 },
  { label: 'binary weights, 4-bit activations (sign-add)', opts: { engine: 'sign-add', actBits: 4, layers: 2 }, seed: 103 },
  { label: 'binary weights, 8-bit activations (sign-add)', opts: { engine: 'sign-add', actBits: 8, layers: 2, maxPe: 2 }, seed: 104 },
  { label: 'pow2-2 weights, 2-bit activations (shift-add)', opts: { engine: 'shift-add', pow2Levels: 2, actBits: 2, layers: 3 }, seed: 105 },
  { label: 'pow2-2 weights, 4-bit activations (shift-add)', opts: { engine: 'shift-add', pow2Levels: 2, actBits: 4, layers: 2 }, seed: 106 },
  { label: 'pow2-2 weights, 8-bit activations (shift-add)', opts: { engine: 'shift-add', pow2Levels: 2, actBits: 8, layers: 2, maxPe: 2 }, seed: 107 },
  { label: 'pow2-3 weights, 2-bit activations (shift-add)', opts: { engine: 'shift-add', pow2Levels: 4, actBits: 2, layers: 3 }, seed: 108 },
  { label: 'pow2-3 weights, 4-bit activations (shift-add)', opts: { engine: 'shift-add', pow2Levels: 4, actBits: 4, layers: 2 }, seed: 109 },
  { label: 'pow2-3 weights, 8-bit activations (shift-add)', opts: { engine: 'shift-add', pow2Levels: 4, actBits: 8, layers: 2, maxPe: 2 }, seed: 110 },
  { label: 'integer weights (int-mac, --allow-mult)', opts: { engine: 'int-mac', actBits: 3, layers: 2 }, seed: 111 },
  // The generic engine (qtsc_dot_acc) with signed terms, as dotTrees 'none' builds it.
  { label: 'pow2-3 weights, 4-bit activations, generic engine (shift-add, dotTrees none)', opts: { engine: 'shift-add', pow2Levels: 4, actBits: 4, layers: 2 }, seed: 112, dotTrees: 'none' },
  { label: 'binary weights, 2-bit activations, generic engine (sign-add, dotTrees none)', opts: { engine: 'sign-add', actBits: 2, layers: 2 }, seed: 113, dotTrees: 'none' },
  // Register levels in the trees: the MVU's flags are delayed to match, the pace is the same.
  { label: 'W1A1, trees without registers (xnor-popcount, pipeline 0)', opts: { engine: 'xnor-popcount', layers: 3, maxDim: 70 }, seed: 114, pipeline: 0 },
  { label: 'binary weights, 2-bit activations, 1 tree register level (sign-add, pipeline 1)', opts: { engine: 'sign-add', actBits: 2, layers: 3 }, seed: 115, pipeline: 1 },
  { label: 'W1A1, 2 tree register levels (xnor-popcount, pipeline 2)', opts: { engine: 'xnor-popcount', layers: 3, maxDim: 70 }, seed: 116, pipeline: 2 },
  { label: 'pow2-3 weights, 4-bit activations, 3 tree register levels (shift-add, pipeline 3)', opts: { engine: 'shift-add', pow2Levels: 4, actBits: 4, layers: 2 }, seed: 117, pipeline: 3 },
  { label: 'binary weights, 4-bit activations, weight ROM without output register (sign-add, romOutputReg false)', opts: { engine: 'sign-add', actBits: 4, layers: 2 }, seed: 118, romOutputReg: false },
  { label: 'W1A1, no tree registers, no ROM output register (xnor-popcount, pipeline 0, romOutputReg false)', opts: { engine: 'xnor-popcount', layers: 3, maxDim: 70 }, seed: 119, pipeline: 0, romOutputReg: false },
];

const VECTORS = 120;

describe('backends/rtl co-simulation (Verilator, random designs, random stalls)', () => {
  for (const c of cases) {
    it(`${c.label}: bit-exact, lint-clean, synthesisable`, async () => {
      const ir = randomHardwareIR(c.seed, c.opts);
      const work = tmpDir('qtsc-cosim-');
      const rtlDir = path.join(work, 'rtl');
      fs.mkdirSync(rtlDir);
      const emitted = emitRtl(ir, rtlDir, { dotTrees: c.dotTrees, ...(c.pipeline !== undefined ? { pipeline: c.pipeline } : {}), ...(c.romOutputReg !== undefined ? { romOutputReg: c.romOutputReg } : {}) });
      const lint = await lintVerilator(rtlDir, emitted.sources, emitted.top);
      expect(lint.warnings.concat(lint.errors), lint.log).to.deep.equal([]);

      const vectorsDir = path.join(work, 'vectors');
      const { meta } = writeVectors(ir, randomFrames(c.seed + 1, ir, VECTORS), vectorsDir);
      const build = await buildVerilatorSim({ rtlDir, sources: emitted.sources, top: emitted.top, inputWordBits: meta.inputWordBits, outputWordBits: meta.outputWordBits, workDir: work });
      for (const seed of [1, 2]) {
        const r = await runVerilatorSim({ binary: build.binary, rtlDir, vectorsDir, seed, stallProbability: 0.3 });
        expect(r.frames).to.equal(VECTORS);
        expect(r.mismatches, JSON.stringify(r.firstMismatch)).to.equal(0);
        expect(r.protocolViolations, r.firstProtocolViolation).to.equal(0);
        expect(r.extraOutputs).to.equal(0);
        expect(r.frameError).to.equal(false);
      }
      const steady = await runVerilatorSim({ binary: build.binary, rtlDir, vectorsDir, seed: 3, stallProbability: 0 });
      expect(steady.mismatches).to.equal(0);
      const expected = Math.max(...mvuNodes(ir).map(nodeCycles));
      // Tiny layers pay a fixed pipeline overhead per frame; the 5% bound is checked on real sizes elsewhere.
      expect(steady.cyclesPerFrame!).to.be.at.most(expected * 1.05 + 4);

      // Latches and multipliers are word-level facts: the coarse pass finds them without technology mapping.
      const synth = await synthesize({ rtlDir, sources: emitted.sources, top: emitted.top, target: 'generic', coarseOnly: true, workDir: path.join(work, 'synth') });
      expect(synth.latches).to.equal(0);
      if (c.opts.engine === 'int-mac') expect(synth.multipliers).to.be.greaterThan(0);
      else expect(synth.multipliers, JSON.stringify(synth.coarseCells)).to.equal(0);
      fs.rmSync(work, { recursive: true, force: true });
    });
  }

  it('a deliberately wrong expected word is reported as a mismatch (the comparison can fail)', async () => {
    const ir = randomHardwareIR(7, { engine: 'xnor-popcount', layers: 2 });
    const work = tmpDir('qtsc-cosim-');
    const rtlDir = path.join(work, 'rtl');
    fs.mkdirSync(rtlDir);
    const emitted = emitRtl(ir, rtlDir);
    const vectorsDir = path.join(work, 'vectors');
    const { meta } = writeVectors(ir, randomFrames(8, ir, 20), vectorsDir);
    const exp = path.join(vectorsDir, 'expected.hex');
    const lines = fs.readFileSync(exp, 'utf8').trim().split('\n');
    const last = lines[5].slice(-1);
    lines[5] = lines[5].slice(0, -1) + (last === '0' ? '1' : '0');
    fs.writeFileSync(exp, lines.join('\n') + '\n');
    const build = await buildVerilatorSim({ rtlDir, sources: emitted.sources, top: emitted.top, inputWordBits: meta.inputWordBits, outputWordBits: meta.outputWordBits, workDir: work });
    const r = await runVerilatorSim({ binary: build.binary, rtlDir, vectorsDir, seed: 1, stallProbability: 0.2 });
    expect(r.mismatches).to.equal(1);
    expect(r.firstMismatch!.frame).to.equal(5);
    fs.rmSync(work, { recursive: true, force: true });
  });

  describe('input framing: s_axis_tlast checked against the frame length', () => {
    // A design with enough input words per frame that a frame can be short by more than one word.
    const seed = [21, 22, 23, 24, 25, 26, 27, 28].find((k) => streamFormat(randomHardwareIR(k, { engine: 'sign-add', actBits: 2, layers: 2 })).inputWordsPerFrame >= 3)!;
    const ir = randomHardwareIR(seed, { engine: 'sign-add', actBits: 2, layers: 2 });
    const fmt = streamFormat(ir);
    const frames = randomFrames(seed + 1, ir, 16);
    const W = fmt.inputWordsPerFrame;
    let work: string;
    let rtlDir: string;
    let binary: string;

    before(async () => {
      work = tmpDir('qtsc-framing-');
      rtlDir = path.join(work, 'rtl');
      fs.mkdirSync(rtlDir);
      const emitted = emitRtl(ir, rtlDir);
      binary = (await buildVerilatorSim({ rtlDir, sources: emitted.sources, top: emitted.top, inputWordBits: fmt.inputWordBits, outputWordBits: fmt.outputWordBits, workDir: work })).binary;
    });
    after(() => fs.rmSync(work, { recursive: true, force: true }));

    /**
     * Vectors where frame `bad` is `delta` words short (< 0) or long (> 0). The top completes a
     * short frame with zero words and drops a long frame's surplus, so the expected word of the
     * bad frame is the golden result of what the design then computed; every other frame is exact.
     */
    function writeMalformed(name: string, bad: number, delta: number): string {
      const dir = path.join(work, name);
      fs.mkdirSync(dir);
      const words: string[] = [];
      const last: string[] = [];
      const expected: string[] = [];
      frames.forEach((frame, i) => {
        let sent = inputWords(fmt, frame);
        let computed = frame;
        if (i === bad && delta < 0) {
          sent = sent.slice(0, W + delta);
          computed = frame.map((v, e) => (e < (W + delta) * fmt.inputSimd ? v : 0));
        } else if (i === bad) {
          sent = [...sent, ...inputWords(fmt, frames[(i + 1) % frames.length]).slice(0, delta)];
        }
        words.push(...sent);
        last.push(...sent.map((_, k) => (k === sent.length - 1 ? '1' : '0')));
        const g = runGolden(ir, computed);
        expected.push(outputWord(fmt, g.logits, g.argmax));
      });
      fs.writeFileSync(path.join(dir, 'input.hex'), words.join('\n') + '\n');
      fs.writeFileSync(path.join(dir, 'last.hex'), last.join('\n') + '\n');
      fs.writeFileSync(path.join(dir, 'expected.hex'), expected.join('\n') + '\n');
      const meta = { frames: frames.length, inputWordBits: fmt.inputWordBits, inputWordsPerFrame: W, outputWordBits: fmt.outputWordBits };
      fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(meta) + '\n');
      return dir;
    }

    for (const [label, delta] of [
      ['a short frame (tlast early)', -2],
      ['a long frame (tlast late)', 3],
    ] as const) {
      it(`${label}: frame_err goes high, and the frames after it come out bit-exact`, async () => {
        const bad = 5;
        const dir = writeMalformed(`bad${delta}`, bad, delta);
        for (const seed of [1, 2]) {
          const r = await runVerilatorSim({ binary, rtlDir, vectorsDir: dir, seed, stallProbability: 0.3, inputLast: path.join(dir, 'last.hex') });
          expect(r.mismatches, JSON.stringify(r.firstMismatch)).to.equal(0);
          expect(r.protocolViolations, r.firstProtocolViolation).to.equal(0);
          expect(r.extraOutputs).to.equal(0);
          expect(r.frameError).to.equal(true);
          expect(r.passed).to.equal(false);
        }
      });
    }

    it('well-formed frames leave frame_err low; a wrong word after a bad frame is caught', async () => {
      const good = writeMalformed('good', -1, 0);
      const r = await runVerilatorSim({ binary, rtlDir, vectorsDir: good, seed: 3, stallProbability: 0.3, inputLast: path.join(good, 'last.hex') });
      expect(r.mismatches).to.equal(0);
      expect(r.frameError).to.equal(false);
      expect(r.passed).to.equal(true);
      // The frames after a bad one are compared too: one wrong bit there is caught.
      const dir = writeMalformed('flipped', 5, -2);
      const exp = fs.readFileSync(path.join(dir, 'expected.hex'), 'utf8').trim().split('\n');
      exp[9] = exp[9].slice(0, -1) + (exp[9].endsWith('0') ? '1' : '0');
      fs.writeFileSync(path.join(dir, 'expected.hex'), exp.join('\n') + '\n');
      const bad = await runVerilatorSim({ binary, rtlDir, vectorsDir: dir, seed: 3, stallProbability: 0.3, inputLast: path.join(dir, 'last.hex') });
      expect(bad.mismatches).to.be.greaterThan(0);
    });
  });
});

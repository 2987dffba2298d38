/**
 * Convolutional networks end to end, on seeded random models: tfjs model ->
 * gen-hw's compile -> golden model (checked against tfjs on the same frames)
 * -> RTL, linted (-Wall, no warnings), co-simulated in Verilator with random
 * stalls on both handshakes (every output bit of every frame compared), at
 * the analytic pace without stalls, synthesised by Yosys (no latches, no
 * multipliers); the small cases also under Icarus Verilog.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { tmpDir } from '../../helpers/make-model.js';
import { type ConvModelSpec, makeConvModel } from '../../helpers/make-conv-model.js';
import { describeConvSpec, randomConvSpec, type RandomConvOptions } from '../../helpers/random-conv.js';
import { compileModel } from '../../../src/compile.js';
import { emitRtl } from '../../../src/backends/rtl/emit.js';
import { writeVectors } from '../../../src/golden/vectors.js';
import { argmax } from '../../../src/golden/execute.js';
import { dequantizeInput } from '../../../src/golden/float-model.js';
import { buildVerilatorSim, lintVerilator, runVerilatorSim } from '../../../src/drivers/verilator.js';
import { runIverilog } from '../../../src/drivers/iverilog.js';
import { findTool } from '../../../src/drivers/tools.js';
import { synthesize } from '../../../src/drivers/yosys.js';
import { inputLength } from '../../../src/ir/hardware-ir.js';
import { nodeCycles } from '../../../src/ir/node-cycles.js';
import { Rng } from '../../../src/util/random.js';

interface Case {
  seed: number;
  opts?: RandomConvOptions;
  /** A fixed network instead of a random one. */
  spec?: ConvModelSpec;
  targetCycles?: number;
  iverilog?: boolean;
}

const cases: Case[] = [
  { seed: 1, iverilog: true },
  { seed: 2, opts: { valueSpace: 'binary', actBits: [1] } },
  { seed: 3, opts: { valueSpace: 'pow2-3', actBits: [4] }, iverilog: true },
  { seed: 4, opts: { valueSpace: 'pow2-2', actBits: [2, 8] }, targetCycles: 64 },
  { seed: 5, opts: { convs: 2 } },
  { seed: 6, opts: { convs: 2, valueSpace: 'binary' }, targetCycles: 32 },
  { seed: 7, opts: { convs: 2, valueSpace: 'pow2-3', actBits: [2] }, targetCycles: 400 },
  // Padded convolutions over ±1 inputs: border-class thresholds (xnor-popcount, and pow2 shift-add).
  { seed: 8, opts: { convs: 2, valueSpace: 'binary', actBits: [1] }, iverilog: true },
  { seed: 10, opts: { convs: 2, valueSpace: 'binary', actBits: [1] }, targetCycles: 16 },
  { seed: 14, opts: { convs: 2, valueSpace: 'pow2-3', actBits: [1, 4] } },
  // Depthwise convolutions over ±1 inputs with 'same' padding (stride 1 and 2, multiplier 2): border classes in the VVU.
  {
    seed: 15,
    spec: {
      inputShape: [7, 9, 2],
      layers: [
        { kind: 'conv', filters: 3, kernel: [3, 3], padding: 'same' }, { kind: 'bn' }, { kind: 'act', bits: 1 },
        { kind: 'depthwise', multiplier: 2, kernel: [3, 3], padding: 'same' }, { kind: 'bn' }, { kind: 'act', bits: 1 },
        { kind: 'depthwise', multiplier: 1, kernel: [5, 3], strides: [2, 2], padding: 'same' }, { kind: 'bn' }, { kind: 'act', bits: 2 },
        { kind: 'flatten' }, { kind: 'dense', units: 3 },
      ],
      valueSpace: 'binary',
      seed: 15,
    },
    targetCycles: 100,
  },
  // Global average pooling of ±1 activations: a count of +1 bits, the mean 2p/N - 1 folded into the logits.
  {
    seed: 16,
    spec: {
      inputShape: [6, 6, 1],
      layers: [
        { kind: 'conv', filters: 4, kernel: [3, 3], padding: 'same' }, { kind: 'bn' }, { kind: 'act', bits: 1 },
        { kind: 'depthwise', multiplier: 1, kernel: [3, 3], padding: 'same' }, { kind: 'bn' }, { kind: 'act', bits: 1 },
        { kind: 'gap' }, { kind: 'dense', units: 3 },
      ],
      valueSpace: 'pow2-2',
      seed: 16,
    },
    iverilog: true,
  },
  // 'same' average pools: border windows divide by their taps inside the image (odd and even sides, strides 1 and 2).
  {
    seed: 20,
    spec: {
      inputShape: [9, 10, 2],
      layers: [
        { kind: 'conv', filters: 3, kernel: [3, 3], padding: 'same' }, { kind: 'bn' }, { kind: 'act', bits: 2 },
        { kind: 'avgpool', pool: [3, 3], strides: [2, 2], padding: 'same' },
        { kind: 'conv', filters: 4, kernel: [3, 3], padding: 'same' }, { kind: 'bn' }, { kind: 'act', bits: 4 },
        { kind: 'avgpool', pool: [2, 2], strides: [1, 1], padding: 'same' },
        { kind: 'flatten' }, { kind: 'dense', units: 3 },
      ],
      valueSpace: 'pow2-2',
      seed: 8,
    },
    iverilog: true,
  },
  {
    seed: 21,
    spec: {
      inputShape: [9, 7, 1],
      layers: [
        { kind: 'conv', filters: 2, kernel: [3, 3], padding: 'same' }, { kind: 'bn' }, { kind: 'act', bits: 2 },
        { kind: 'avgpool', pool: [2, 2], strides: [2, 2], padding: 'same' },
        { kind: 'conv', filters: 3, kernel: [1, 1], padding: 'valid' }, { kind: 'bn' }, { kind: 'act', bits: 3 },
        { kind: 'avgpool', pool: [3, 3], strides: [1, 1], padding: 'same' },
        { kind: 'flatten' }, { kind: 'dense', units: 4 },
      ],
      valueSpace: 'binary',
      seed: 9,
    },
  },
];

const FRAMES = 12;

describe('backends/rtl co-simulation of convolutional networks (random models, random stalls)', () => {
  for (const c of cases) {
    const spec = c.spec ?? randomConvSpec(c.seed, c.opts);
    it(`seed ${c.seed}: ${describeConvSpec(spec)}: golden = tfjs, bit-exact in simulation, lint-clean, synthesisable`, async () => {
      const work = tmpDir('qtsc-conv-cosim-');
      const { dir, model } = await makeConvModel(spec, path.join(work, 'model'));
      const compiled = await compileModel({ model: dir, targetCycles: c.targetCycles });
      const ir = compiled.ir;
      const rng = new Rng(c.seed + 100);
      const frames = Array.from({ length: FRAMES }, () => Array.from({ length: inputLength(ir) }, () => rng.int(0, 255)));

      // The golden model computes what the float model computes (argmax; ties aside).
      const x = tf.tensor(Float32Array.from(frames.flatMap((f) => Array.from(dequantizeInput(compiled.graph, f)))), [FRAMES, ...spec.inputShape]);
      const logits = (model.predict(x) as tf.Tensor).arraySync() as number[][];
      tf.dispose(x);
      const vectorsDir = path.join(work, 'vectors');
      const { results } = writeVectors(ir, frames, vectorsDir);
      const agree = results.filter((r, i) => r.argmax === argmax(logits[i])).length;
      expect(agree, 'golden argmax vs tfjs predict').to.be.at.least(FRAMES - 1);

      const rtlDir = path.join(work, 'rtl');
      fs.mkdirSync(rtlDir);
      const emitted = emitRtl(ir, rtlDir);
      const lint = await lintVerilator(rtlDir, emitted.sources, emitted.top);
      expect(lint.warnings.concat(lint.errors), lint.log).to.deep.equal([]);
      const meta = JSON.parse(fs.readFileSync(path.join(vectorsDir, 'meta.json'), 'utf8'));
      const build = await buildVerilatorSim({ rtlDir, sources: emitted.sources, top: emitted.top, inputWordBits: meta.inputWordBits, outputWordBits: meta.outputWordBits, workDir: work });
      for (const seed of [1, 2]) {
        const r = await runVerilatorSim({ binary: build.binary, rtlDir, vectorsDir, seed, stallProbability: 0.3 });
        expect(r.frames).to.equal(FRAMES);
        expect(r.mismatches, JSON.stringify(r.firstMismatch)).to.equal(0);
        expect(r.protocolViolations, r.firstProtocolViolation).to.equal(0);
        expect(r.extraOutputs).to.equal(0);
      }
      const steady = await runVerilatorSim({ binary: build.binary, rtlDir, vectorsDir, seed: 3, stallProbability: 0 });
      expect(steady.mismatches).to.equal(0);
      const expected = Math.max(...ir.nodes.map((n) => nodeCycles(ir, n)));
      // Small maps: a sliding window waits up to a few rows between frames (docs/rtl.md).
      expect(steady.cyclesPerFrame!).to.be.at.most(expected * 1.1 + 30);

      if (c.iverilog && findTool('iverilog')) {
        const r = await runIverilog({ rtlDir, emitted, vectorsDir, workDir: path.join(work, 'iverilog'), seed: 5, stallProbability: 0.3 });
        expect(r.frames).to.equal(FRAMES);
        expect(r.mismatches, JSON.stringify(r.firstMismatch)).to.equal(0);
      }

      const synth = await synthesize({ rtlDir, sources: emitted.sources, top: emitted.top, target: 'generic', coarseOnly: true, workDir: path.join(work, 'synth') });
      expect(synth.latches).to.equal(0);
      expect(synth.multipliers, JSON.stringify(synth.coarseCells)).to.equal(0);
      fs.rmSync(work, { recursive: true, force: true });
    });
  }
});

/**
 * The reference convolutional networks of the convolution work (CNV,
 * ResNet-style, MobileNet-style), with random value-space weights and random
 * BatchNorm (scales of both signs), end to end: the golden model agrees with
 * tfjs predict, and the generated RTL is bit-exact in Verilator on every
 * output bit of every frame under random stalls, and runs at the slowest
 * unit's pace without them. Frame counts stay small here (QTSC_REF_FRAMES raises them; npm run
 * bench runs more).
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { tmpDir } from '../../helpers/make-model.js';
import { makeConvModel, type ConvModelSpec } from '../../helpers/make-conv-model.js';
import { cnvSpec, makeResNetModel, mobileNetSpec } from '../../helpers/reference-networks.js';
import { compileModel } from '../../../src/compile.js';
import { emitRtl } from '../../../src/backends/rtl/emit.js';
import { writeVectors } from '../../../src/golden/vectors.js';
import { argmax } from '../../../src/golden/execute.js';
import { dequantizeInput } from '../../../src/golden/float-model.js';
import { buildVerilatorSim, runVerilatorSim } from '../../../src/drivers/verilator.js';
import { inputLength } from '../../../src/ir/hardware-ir.js';
import { nodeCycles } from '../../../src/ir/node-cycles.js';
import { initTf } from '../../../src/util/tf-backend.js';
import { Rng } from '../../../src/util/random.js';

const FRAMES = Number(process.env.QTSC_REF_FRAMES ?? 10);

async function compileAndCheck(spec: ConvModelSpec | 'resnet', simulate: boolean): Promise<void> {
  await initTf({ backend: 'wasm' });
  const work = tmpDir('qtsc-ref-');
  const { dir, model, inputShape } =
    spec === 'resnet'
      ? await makeResNetModel({ seed: 11, dir: path.join(work, 'model') })
      : { ...(await makeConvModel(spec, path.join(work, 'model'))), inputShape: spec.inputShape };
  const seed = spec === 'resnet' ? 11 : spec.seed;
  const compiled = await compileModel({ model: dir, allowMult: true });
  const ir = compiled.ir;
  const rng = new Rng(seed + 7);
  const frames = Array.from({ length: FRAMES }, () => Array.from({ length: inputLength(ir) }, () => rng.int(0, 255)));
  const x = tf.tensor(Float32Array.from(frames.flatMap((f) => Array.from(dequantizeInput(compiled.graph, f)))), [FRAMES, ...inputShape]);
  const logits = (model.predict(x) as tf.Tensor).arraySync() as number[][];
  tf.dispose(x);
  const vectorsDir = path.join(work, 'vectors');
  const { meta, results } = writeVectors(ir, frames, vectorsDir);
  const agree = results.filter((r, i) => r.argmax === argmax(logits[i])).length;
  expect(agree, 'golden argmax vs tfjs predict').to.be.at.least(FRAMES - 1);
  if (!simulate) return;
  const rtlDir = path.join(work, 'rtl');
  fs.mkdirSync(rtlDir);
  const emitted = emitRtl(ir, rtlDir);
  const build = await buildVerilatorSim({ rtlDir, sources: emitted.sources, top: emitted.top, inputWordBits: meta.inputWordBits, outputWordBits: meta.outputWordBits, workDir: work });
  const watchdogCycles = 4 * ir.nodes.reduce((s, n) => s + nodeCycles(ir, n), 0);
  const r = await runVerilatorSim({ binary: build.binary, rtlDir, vectorsDir, seed: 1, stallProbability: 0.2, watchdogCycles });
  expect(r.frames).to.equal(FRAMES);
  expect(r.mismatches, JSON.stringify(r.firstMismatch)).to.equal(0);
  expect(r.protocolViolations, r.firstProtocolViolation).to.equal(0);
  expect(r.extraOutputs).to.equal(0);
  // Without stalls: the slowest unit's pace (a residual block's FIFO keeps the long branch from stalling the fork).
  const steady = await runVerilatorSim({ binary: build.binary, rtlDir, vectorsDir, seed: 2, stallProbability: 0, watchdogCycles });
  expect(steady.mismatches).to.equal(0);
  const expected = Math.max(...ir.nodes.map((n) => nodeCycles(ir, n)));
  expect(steady.cyclesPerFrame!, 'steady-state cycles per frame vs the slowest unit').to.be.at.most(expected * 1.02);
  fs.rmSync(work, { recursive: true, force: true });
}

describe('reference networks (random weights and BatchNorm), golden = tfjs, bit-exact in Verilator', () => {
  it(`CNV W1A1 with an int8 first layer (32x32x3, 6 convolutions, 2 pools, 3 dense): ${FRAMES} frames`, async () => {
    await compileAndCheck(cnvSpec('w1a1', 5), true);
  });
  it(`CNV with pow2-3 weights and 4-bit activations: ${FRAMES} frames`, async () => {
    await compileAndCheck(cnvSpec('pow2-3-a4', 6), true);
  });
  it(`ResNet-style (3 stages of basic blocks, residual adds, stride-2 downsampling with 1x1 projections, global average pool; pow2-2 weights, 4-bit activations): ${FRAMES} frames, no deadlock, full pace`, async () => {
    await compileAndCheck('resnet', true);
  });
  it(`MobileNet-style depthwise-separable stack (stride 1 and 2, multiplier 1 and 2, global average pool; binary weights, 4-bit activations): ${FRAMES} frames`, async () => {
    await compileAndCheck(mobileNetSpec(3), true);
  });
});

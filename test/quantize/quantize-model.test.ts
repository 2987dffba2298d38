import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { compileModel } from '../../src/compile.js';
import { fileSaveHandler, loadArtifacts, readWeights } from '../../src/importers/tfjs-artifacts.js';
import { classifySpace } from '../../src/ir/value-space-class.js';
import { QtscQuantAct, registerQtscLayers, resolveValueSpace } from '../../src/layers/index.js';
import { writeModelFile } from '../../src/quantize/model-file.js';
import { quantizeModel, type QuantizeOptions } from '../../src/quantize/quantize-model.js';
import { roundHalfAway } from '../../src/quantize/schemes.js';
import { buildMlp } from '../../src/train/arch.js';
import { initTf } from '../../src/util/tf-backend.js';
import { Rng } from '../../src/util/random.js';
import { tmpDir } from '../helpers/make-model.js';
import { mvuNodes } from '../../src/ir/hardware-ir.js';

const uniform = (rng: Rng, n: number, a: number) => Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * a);

/** Dense(12->8, no bias) -> BN -> 4-bit act -> Dense(8->3, bias): the shape of a qtsc float MLP. */
async function floatMlp(seed: number): Promise<string> {
  const rng = new Rng(seed);
  const m = tf.sequential({
    layers: [
      tf.layers.dense({ units: 8, useBias: false, inputShape: [12], name: 'd1' }),
      tf.layers.batchNormalization({ name: 'bn1' }),
      new QtscQuantAct({ name: 'act1', bits: 4, clip: 2, learnClip: true }),
      tf.layers.dense({ units: 3, name: 'logits' }),
    ],
  });
  // channel c of d1 spans about (c+1)/8: per-channel and per-tensor scales differ
  const k1 = Float32Array.from({ length: 12 * 8 }, (_, f) => (rng.next() * 2 - 1) * (0.1 + (f % 8) / 8));
  m.getLayer('d1').setWeights([tf.tensor(k1, [12, 8])]);
  m.getLayer('bn1').setWeights([tf.tensor(uniform(rng, 8, 1)), tf.tensor(uniform(rng, 8, 0.5)), tf.tensor(uniform(rng, 8, 0.2)), tf.tensor(Float32Array.from({ length: 8 }, () => 0.1 + rng.next()))]);
  m.getLayer('act1').setWeights([tf.tensor([1.7])]);
  m.getLayer('logits').setWeights([tf.tensor(uniform(rng, 24, 0.8), [8, 3]), tf.tensor(uniform(rng, 3, 0.3))]);
  m.setUserDefinedMetadata({ qtsc: { input: { bits: 8, scale: 1 / 255 } } });
  const dir = tmpDir('qtsc-ptq-');
  await m.save(fileSaveHandler(dir));
  return dir;
}

/** Conv2D(1->3) -> DepthwiseConv2D(multiplier 2: 3->6) -> Flatten -> Dense; output channel k of the depthwise kernel spans about (k+1)/6. */
async function floatDepthwise(seed: number): Promise<string> {
  const rng = new Rng(seed);
  const m = tf.sequential({
    layers: [
      tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', useBias: false, inputShape: [5, 5, 1], name: 'c1' }),
      tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', useBias: false, name: 'dw' }),
      tf.layers.flatten({ name: 'flat' }),
      tf.layers.dense({ units: 2, name: 'logits' }),
    ],
  });
  m.getLayer('c1').setWeights([tf.tensor(uniform(rng, 27, 0.7), [3, 3, 1, 3])]);
  // element f of the [3, 3, 3, 2] kernel feeds output channel f % 6 (input channel (f % 6) >> 1, multiplier f % 2)
  m.getLayer('dw').setWeights([tf.tensor(Float32Array.from({ length: 54 }, (_, f) => (rng.next() * 2 - 1) * ((f % 6) + 1) / 6), [3, 3, 3, 2])]);
  m.getLayer('logits').setWeights([tf.tensor(uniform(rng, 150 * 2, 0.2), [150, 2]), tf.tensor(uniform(rng, 2, 0.1))]);
  const dir = tmpDir('qtsc-ptq-dw-');
  await m.save(fileSaveHandler(dir));
  return dir;
}

async function floatCnn(seed: number): Promise<string> {
  const rng = new Rng(seed);
  const m = tf.sequential({
    layers: [
      tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false, inputShape: [6, 6, 1], name: 'c1' }),
      tf.layers.batchNormalization({ name: 'cbn1' }),
      tf.layers.reLU({ name: 'r1' }),
      tf.layers.flatten({ name: 'flat' }),
      tf.layers.dense({ units: 3, name: 'logits' }),
    ],
  });
  m.getLayer('c1').setWeights([tf.tensor(uniform(rng, 36, 0.7), [3, 3, 1, 4])]);
  m.getLayer('logits').setWeights([tf.tensor(uniform(rng, 144 * 3, 0.2), [144, 3]), tf.tensor(uniform(rng, 3, 0.1))]);
  const dir = tmpDir('qtsc-ptq-cnn-');
  await m.save(fileSaveHandler(dir));
  return dir;
}

function quantizeTo(dir: string, o: Omit<QuantizeOptions, 'bins'>) {
  const r = quantizeModel(dir, { ...o, bins: 8 });
  const out = tmpDir('qtsc-ptq-out-');
  writeModelFile(out, r.model);
  return { ...r, out };
}

async function load(dir: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(tf.io.fromMemory(await loadArtifacts(dir)));
}

function classes(dir: string): string[] {
  const j = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  return j.modelTopology.config.layers.map((l: { class_name: string }) => l.class_name);
}

function layerConfig(dir: string, name: string): Record<string, unknown> {
  const j = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  return j.modelTopology.config.layers.find((l: { config: { name: string } }) => l.config.name === name).config;
}

/** The float model's predictions with its kernels replaced by the quantized ones. */
async function expectSamePredictions(floatDir: string, quantDir: string, input: tf.Tensor): Promise<void> {
  const f = await load(floatDir);
  const q = await load(quantDir);
  for (const l of q.layers) if (l.getWeights().length) f.getLayer(l.name).setWeights(l.getWeights());
  const a = (f.predict(input) as tf.Tensor).dataSync();
  const b = (q.predict(input) as tf.Tensor).dataSync();
  expect(Array.from(b)).to.deep.equal(Array.from(a));
  // and the quantized model's non-kernel weights are the float model's own
  const orig = readWeights(floatDir);
  const quant = readWeights(quantDir);
  for (const [name, w] of orig) if (!/\/(depthwise_)?kernel$/.test(name)) expect(Array.from(quant.get(name)!.values), name).to.deep.equal(Array.from(w.values));
}

describe('quantizeModel: data-free PTQ of a model directory', () => {
  before(async () => {
    await initTf({ backend: 'cpu' });
    registerQtscLayers();
  });

  it('sym 4 bits per channel: each channel scaled by its own max|w|/7, written as plain Dense; everything else kept', async () => {
    const dir = await floatMlp(1);
    const r = quantizeTo(dir, { scheme: 'sym', bits: 4, granularity: 'channel' });
    expect(classes(r.out)).to.deep.equal(['Dense', 'BatchNormalization', 'QtscQuantAct', 'Dense']);
    const k = readWeights(dir).get('d1/kernel')!.values;
    const qk = readWeights(r.out).get('d1/kernel')!.values;
    for (let c = 0; c < 8; c++) {
      let m = 0;
      for (let i = 0; i < 12; i++) m = Math.max(m, Math.abs(k[i * 8 + c]));
      const s = m / 7;
      for (let i = 0; i < 12; i++) expect(qk[i * 8 + c]).to.equal(Math.fround(roundHalfAway(k[i * 8 + c] / s) * s));
    }
    expect(r.stats.layers.map((l) => [l.layer, l.outputClassName, l.hardware, l.perChannel.length])).to.deep.equal([
      ['d1', 'Dense', 'general', 8],
      ['logits', 'Dense', 'general', 3],
    ]);
    expect(JSON.parse(fs.readFileSync(path.join(r.out, 'model.json'), 'utf8')).userDefinedMetadata).to.deep.equal({
      qtsc: { input: { bits: 8, scale: 1 / 255 } },
      qtscQuantize: { scheme: 'sym', bits: 4, granularity: 'channel' },
    });
    await expectSamePredictions(dir, r.out, tf.randomUniform([5, 12], 0, 1, 'float32', 3));
  });

  it('per tensor uses one scale: the narrow channels of d1 lose levels', async () => {
    const dir = await floatMlp(2);
    const ch = quantizeTo(dir, { scheme: 'asym', bits: 3, granularity: 'channel' });
    const te = quantizeTo(dir, { scheme: 'asym', bits: 3, granularity: 'tensor' });
    expect(new Set(te.stats.layers[0].perChannel.map((c) => JSON.stringify(c.params))).size).to.equal(1);
    expect(new Set(ch.stats.layers[0].perChannel.map((c) => JSON.stringify(c.params))).size).to.equal(8);
    expect(te.stats.layers[0].perChannel[0].levelsUsed).to.be.lessThan(ch.stats.layers[0].perChannel[0].levelsUsed);
    expect(te.stats.layers[0].sqnrDb!).to.be.lessThan(ch.stats.layers[0].sqnrDb!);
  });

  it('pow2: QtscDense with a power-of-two value space that gen-hw compiles with no flags (shift-add, no multipliers)', async () => {
    const dir = await floatMlp(3);
    const r = quantizeTo(dir, { scheme: 'pow2', bits: 3, granularity: 'channel' });
    expect(classes(r.out)).to.deep.equal(['QtscDense', 'BatchNormalization', 'QtscQuantAct', 'QtscDense']);
    for (const name of ['d1', 'logits']) {
      const vs = resolveValueSpace(layerConfig(r.out, name).value_space as number[]);
      expect(classifySpace(vs).kind, name).to.equal('pow2');
      const kv = readWeights(r.out).get(`${name}/kernel`)!.values;
      for (const v of kv) if (!vs.includes(v) || Math.log2(Math.abs(v)) % 1 !== 0) expect.fail(`${name}: ${v}`);
    }
    await expectSamePredictions(dir, r.out, tf.randomUniform([5, 12], 0, 1, 'float32', 4));
    const compiled = await compileModel({ model: r.out });
    expect(mvuNodes(compiled.ir).map((n) => n.engine)).to.deep.equal(['shift-add', 'shift-add']);
    expect(mvuNodes(compiled.ir).map((n) => n.multipliers)).to.deep.equal([0, 0]);
  });

  it('sym 2 bits is ternary {-s, 0, s}: multiplier-free per tensor, general per channel', async () => {
    const dir = await floatMlp(4);
    const te = quantizeTo(dir, { scheme: 'sym', bits: 2, granularity: 'tensor' });
    expect(classes(te.out)[0]).to.equal('QtscDense');
    const vs = layerConfig(te.out, 'd1').value_space as number[];
    expect(vs).to.have.length(3);
    expect(vs[1]).to.equal(0);
    expect(vs[0]).to.equal(-vs[2]);
    const ch = quantizeTo(dir, { scheme: 'sym', bits: 2, granularity: 'channel' });
    expect(classes(ch.out)[0]).to.equal('Dense');
    expect(layerConfig(ch.out, 'd1')).to.not.have.property('value_space');
  });

  it('pow2 at 1 bit of a kernel whose max|w| rounds to 1 is the named binary space', async () => {
    const dir = await floatMlp(5);
    const r = quantizeTo(dir, { scheme: 'pow2', bits: 1, granularity: 'tensor' });
    // d1's largest |w| is near 0.975: 2^round(log2) = 1
    expect(layerConfig(r.out, 'd1').value_space).to.equal('binary');
    const compiled = await compileModel({ model: r.out });
    expect(mvuNodes(compiled.ir).map((n) => n.engine)).to.deep.equal(['sign-add', 'sign-add']);
  });

  it('convolutions: QtscConv2D / Conv2D by the same rule, per filter, predictions follow the kernels', async () => {
    const dir = await floatCnn(6);
    const p = quantizeTo(dir, { scheme: 'pow2', bits: 2, granularity: 'channel' });
    expect(classes(p.out)).to.deep.equal(['QtscConv2D', 'BatchNormalization', 'ReLU', 'Flatten', 'QtscDense']);
    expect(p.stats.layers[0].perChannel).to.have.length(4);
    expect(p.stats.layers[0].shape).to.deep.equal([3, 3, 1, 4]);
    const x = tf.randomUniform([2, 6, 6, 1], 0, 1, 'float32', 5);
    await expectSamePredictions(dir, p.out, x);
    const a = quantizeTo(dir, { scheme: 'asym', bits: 5, granularity: 'channel' });
    expect(classes(a.out)).to.deep.equal(['Conv2D', 'BatchNormalization', 'ReLU', 'Flatten', 'Dense']);
    await expectSamePredictions(dir, a.out, x);
  });

  it('depthwise convolutions: one quantizer per output channel (input channel × multiplier), QtscDepthwiseConv2D when multiplier-free', async () => {
    const dir = await floatDepthwise(8);
    const k = readWeights(dir).get('dw/depthwise_kernel')!.values;
    const s = quantizeTo(dir, { scheme: 'sym', bits: 4, granularity: 'channel' });
    expect(classes(s.out)).to.deep.equal(['Conv2D', 'DepthwiseConv2D', 'Flatten', 'Dense']);
    expect(s.stats.layers[1]).to.include({ layer: 'dw', className: 'DepthwiseConv2D', outputClassName: 'DepthwiseConv2D' });
    expect(s.stats.layers[1].shape).to.deep.equal([3, 3, 3, 2]);
    expect(s.stats.layers[1].perChannel).to.have.length(6);
    const qk = readWeights(s.out).get('dw/depthwise_kernel')!.values;
    for (let c = 0; c < 6; c++) {
      let m = 0;
      for (let i = 0; i < 9; i++) m = Math.max(m, Math.abs(k[i * 6 + c]));
      for (let i = 0; i < 9; i++) expect(qk[i * 6 + c], `channel ${c}`).to.equal(Math.fround(roundHalfAway(k[i * 6 + c] / (m / 7)) * (m / 7)));
    }
    const x = tf.randomUniform([2, 5, 5, 1], 0, 1, 'float32', 9);
    await expectSamePredictions(dir, s.out, x);
    const p = quantizeTo(dir, { scheme: 'pow2', bits: 3, granularity: 'channel' });
    expect(classes(p.out)).to.deep.equal(['QtscConv2D', 'QtscDepthwiseConv2D', 'Flatten', 'QtscDense']);
    const vs = resolveValueSpace(layerConfig(p.out, 'dw').value_space as number[]);
    expect(classifySpace(vs).kind).to.equal('pow2');
    for (const v of readWeights(p.out).get('dw/depthwise_kernel')!.values) if (!vs.includes(v)) expect.fail(`dw: ${v} outside the declared space`);
    await expectSamePredictions(dir, p.out, x);
  });

  it('refuses a training checkpoint, a model without kernels and a missing kernel, naming file and layer', async () => {
    const train = buildMlp({ method: 'sgt', valueSpace: 'binary', actBits: 1, firstLast: 'space', hidden: [4], inputShape: [6], numClasses: 2, seed: 1 });
    const ck = tmpDir('qtsc-ptq-ck-');
    await train.save(fileSaveHandler(ck));
    expect(() => quantizeModel(ck, { scheme: 'sym', bits: 4, granularity: 'channel', bins: 4 })).to.throw(/model\.json: layer 'dense1' \(SearchDense\): a training checkpoint layer/);
    const noKernel = tmpDir('qtsc-ptq-nk-');
    await tf.sequential({ layers: [tf.layers.flatten({ inputShape: [2, 2], name: 'f' })] }).save(fileSaveHandler(noKernel));
    expect(() => quantizeModel(noKernel, { scheme: 'sym', bits: 4, granularity: 'channel', bins: 4 })).to.throw(/no Dense, Conv2D or DepthwiseConv2D layer to quantize/);
    const dir = await floatMlp(7);
    const j = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    j.weightsManifest[0].weights[0].name = 'other/kernel';
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(j));
    expect(() => quantizeModel(dir, { scheme: 'sym', bits: 4, granularity: 'channel', bins: 4 })).to.throw(/model\.json: layer 'd1': weight 'kernel' is missing/);
  });
});

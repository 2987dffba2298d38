import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initTf } from '../../src/util/tf-backend.js';
import { loadMnist } from '../../src/data/mnist.js';
import { subset } from '../../src/data/dataset.js';
import { fileSaveHandler, loadArtifacts } from '../../src/importers/tfjs-artifacts.js';
import { resolveValueSpace, type ValueSpace } from '../../src/layers/value-space.js';
import { buildCnn, buildMlp, defaultLossScale } from '../../src/train/arch.js';
import { freezeModel } from '../../src/train/freeze.js';
import { registerTrainLayers } from '../../src/train/register.js';
import { SearchDense, type SearchMethod } from '../../src/train/search-dense.js';
import { batchTargets, DEFAULT_TRAIN_OPTIONS, fit, imagesToTensor, learningRateAt, recomputeBatchNormStats, tauAt } from '../../src/train/trainer.js';

describe('training loop, freeze and checkpoints', () => {
  let x: tf.Tensor;
  let labels: Uint8Array;
  before(async () => {
    await initTf({ backend: 'wasm' });
    registerTrainLayers();
    const d = subset(loadMnist('train'), Array.from({ length: 600 }, (_, i) => i));
    x = imagesToTensor(d, 'flat');
    labels = d.labels;
  });

  const cases: Array<[SearchMethod, ValueSpace, number]> = [
    ['rdhs', 'pow2-2', 1],
    ['sgt', 'pow2-2', 1],
    ['rdhs', 'binary', 4],
    ['sgt', 'pow2-3', 0],
    ['ste', 'binary', 1],
    ['xnor', 'binary', 1],
    ['fp', 'binary', 0],
  ];

  for (const [method, space, actBits] of cases) {
    it(`${method} / ${JSON.stringify(space)} / ${actBits}-bit activations: loss falls, freeze yields candidates and the same predictions`, async () => {
      const model = buildMlp({ method, valueSpace: space, actBits, firstLast: 'space', hidden: [32], inputShape: [784], numClasses: 10, seed: 3 });
      const losses: number[] = [];
      const options = { ...DEFAULT_TRAIN_OPTIONS, epochs: 2, batchSize: 50, learningRate: 1e-2, lossScale: defaultLossScale(model), seed: 5 };
      await fit({ model, train: { x, labels }, numClasses: 10, options, onStep: (l) => losses.push(l) });
      expect(losses).to.have.length(24);
      const first = (losses[0] + losses[1]) / 2;
      const last = losses.slice(-4).reduce((a, b) => a + b, 0) / 4;
      expect(last, `losses ${losses.map((l) => l.toFixed(3)).join(' ')}`).to.be.lessThan(first * 0.75);

      recomputeBatchNormStats(model, x);
      const frozen = await freezeModel(model, { input: { bits: 8, scale: 1 / 255 } });
      const values = resolveValueSpace(space);
      for (const l of frozen.layers) {
        const cls = l.getClassName();
        expect(cls).to.not.equal('SearchDense');
        if (method === 'fp') {
          if (l.name.startsWith('dense') || l.name === 'logits') expect(cls).to.equal('Dense');
          continue;
        }
        if (cls === 'QtscDense') {
          const kernel = l.getWeights()[0].dataSync();
          const seen = new Set<number>();
          for (const v of kernel) {
            if (!values.includes(v)) expect.fail(`${l.name}: ${v} is not in ${values}`);
            seen.add(v);
          }
          expect(seen.size, `${l.name} uses several candidates`).to.be.greaterThan(1);
          expect(l.getConfig().valueSpace).to.deep.equal(space);
        }
      }
      const a = (model.predict(x) as tf.Tensor).arraySync() as number[][];
      const b = (frozen.predict(x) as tf.Tensor).arraySync() as number[][];
      const argmax = (r: number[]): number => r.indexOf(Math.max(...r));
      let agree = 0;
      for (let i = 0; i < a.length; i++) {
        if (argmax(a[i]) === argmax(b[i])) agree++;
        expect(b[i][0]).to.be.closeTo(a[i][0], 1e-3 * Math.max(1, Math.abs(a[i][0])));
      }
      expect(agree).to.equal(a.length);
      expect(frozen.getUserDefinedMetadata()).to.deep.equal({ qtsc: { input: { bits: 8, scale: 1 / 255 } } });
    });
  }

  for (const [method, space] of [['sgt', 'pow2-2'], ['rdhs', 'binary'], ['fp', 'binary']] as const) {
    it(`CNN with SearchConv2D (${method}, ${space}): loss falls; frozen QtscConv2D model has only candidates, same predictions, and round-trips`, async () => {
      const xi = tf.reshape(x.slice(0, 200), [200, 28, 28, 1]);
      const li = labels.slice(0, 200);
      const model = buildCnn({ method, valueSpace: space, actBits: 1, firstLast: 'space', convFilters: [4, 8], hidden: [16], inputShape: [28, 28, 1], numClasses: 10, seed: 2 });
      const losses: number[] = [];
      const options = { ...DEFAULT_TRAIN_OPTIONS, epochs: 3, batchSize: 25, learningRate: 1e-2, lossScale: defaultLossScale(model), seed: 5 };
      await fit({ model, train: { x: xi, labels: li }, numClasses: 10, options, onStep: (l) => losses.push(l) });
      const first = (losses[0] + losses[1]) / 2;
      const last = losses.slice(-4).reduce((a, b) => a + b, 0) / 4;
      expect(last, `losses ${losses.map((l) => l.toFixed(3)).join(' ')}`).to.be.lessThan(first * 0.8);
      recomputeBatchNormStats(model, xi);
      const frozen = await freezeModel(model, { input: { bits: 8, scale: 1 / 255 } });
      const convs = frozen.layers.filter((l) => l.getClassName().endsWith('Conv2D'));
      expect(convs.map((l) => l.getClassName())).to.deep.equal(method === 'fp' ? ['Conv2D', 'Conv2D'] : ['QtscConv2D', 'QtscConv2D']);
      if (method !== 'fp') {
        const values = resolveValueSpace(space);
        for (const l of convs) for (const v of l.getWeights()[0].dataSync()) if (!values.includes(v)) expect.fail(`${l.name}: ${v}`);
        expect(convs[0].getConfig().valueSpace).to.equal(space);
        expect(convs[0].getConfig().padding).to.equal('same');
        expect(convs[0].getConfig().kernelSize).to.deep.equal([3, 3]);
      }
      const a = (model.predict(xi) as tf.Tensor).dataSync();
      const b = (frozen.predict(xi) as tf.Tensor).dataSync();
      for (let i = 0; i < a.length; i++) expect(b[i]).to.be.closeTo(a[i], 1e-3 * Math.max(1, Math.abs(a[i])));
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-cnn-'));
      await frozen.save(fileSaveHandler(dir));
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(await loadArtifacts(dir)));
      expect((loaded.predict(xi) as tf.Tensor).dataSync()).to.deep.equal(b);
      fs.rmSync(dir, { recursive: true, force: true });
    });
  }

  it('a training checkpoint round-trips through the file handlers (SearchDense registered)', async () => {
    const model = buildMlp({ method: 'rdhs', valueSpace: [-1, 0, 1], actBits: 2, firstLast: 'float', hidden: [16], inputShape: [784], numClasses: 10, seed: 9 });
    await fit({ model, train: { x, labels }, numClasses: 10, options: { ...DEFAULT_TRAIN_OPTIONS, epochs: 1, batchSize: 100, seed: 1 }, maxSteps: 3 });
    (model.getLayer('dense1') as SearchDense).tau = 0.25;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-ckpt-'));
    await model.save(fileSaveHandler(dir));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(await loadArtifacts(dir)));
    expect(loaded.layers.map((l) => l.getClassName())).to.deep.equal(model.layers.map((l) => l.getClassName()));
    const l1 = loaded.getLayer('dense1') as SearchDense;
    expect(l1).to.be.instanceOf(SearchDense);
    expect(l1.method).to.equal('fp'); // first layer float under the 'float' policy
    const l2 = loaded.getLayer('logits') as SearchDense;
    expect([l2.method, l2.values]).to.deep.equal(['fp', [-1, 0, 1]]);
    const a = (model.predict(x) as tf.Tensor).arraySync();
    const b = (loaded.predict(x) as tf.Tensor).arraySync();
    expect(b).to.deep.equal(a);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('training keeps the number of live tensors constant from epoch to epoch', async () => {
    for (const method of ['ste', 'rdhs'] as const) {
      const model = buildMlp({ method, valueSpace: 'binary', actBits: 2, firstLast: 'space', hidden: [16], inputShape: [784], numClasses: 10, seed: 1 });
      const counts: number[] = [];
      await fit({
        model,
        train: { x, labels },
        test: { x, labels },
        numClasses: 10,
        options: { ...DEFAULT_TRAIN_OPTIONS, epochs: 3, batchSize: 100 },
        onEpochEnd: () => void counts.push(tf.memory().numTensors),
      });
      expect(counts[2], `${method}: ${counts}`).to.equal(counts[0]);
    }
  });

  it('initFromFloat makes the searched weight the nearest candidate', () => {
    for (const method of ['rdhs', 'sgt', 'ste'] as const) {
      const l = new SearchDense({ units: 3, valueSpace: 'pow2-2', method, useBias: false });
      l.build([null, 2]);
      l.initFromFloat(tf.tensor2d([[0.9, -0.2, 0.3], [-0.8, 0.76, -5]]));
      expect(l.frozenKernel().arraySync(), method).to.deep.equal([[1, -0.5, 0.5], [-1, 1, -1]]);
      expect(l.effectiveKernel().arraySync(), method).to.deep.equal([[1, -0.5, 0.5], [-1, 1, -1]]);
    }
  });

  it('recomputeBatchNormStats sets the exact population statistics', () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], useBias: false, name: 'd' }), tf.layers.batchNormalization({ name: 'bn' })] });
    m.getLayer('d').setWeights([tf.tensor2d([[1, 0], [0, 2], [1, 1]])]);
    const xs = tf.tensor2d([[1, 2, 3], [0, 1, 0], [2, 0, 1]]);
    // outputs: [4, 7], [0, 2], [3, 1] -> mean [7/3, 10/3], var
    recomputeBatchNormStats(m, xs, 2);
    const [, , mean, variance] = m.getLayer('bn').getWeights().map((w) => w.arraySync() as number[]);
    expect(mean[0]).to.be.closeTo(7 / 3, 1e-5);
    expect(mean[1]).to.be.closeTo(10 / 3, 1e-5);
    const v0 = ((4 - 7 / 3) ** 2 + (0 - 7 / 3) ** 2 + (3 - 7 / 3) ** 2) / 3;
    const v1 = ((7 - 10 / 3) ** 2 + (2 - 10 / 3) ** 2 + (1 - 10 / 3) ** 2) / 3;
    expect(variance[0]).to.be.closeTo(v0, 1e-4);
    expect(variance[1]).to.be.closeTo(v1, 1e-4);
  });

  it("distillation targets: one-hot labels, the teacher's softmax at its logit scale, or their mix by weight", () => {
    // a linear teacher whose logits are the inputs themselves
    const teacher = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [3], useBias: false, kernelInitializer: 'identity' })] });
    const xs = tf.tensor2d([[1, 2, 0], [0, -1, 3]]);
    const ys = tf.tensor1d([2, 0], 'int32');
    const softmax = (r: number[], s: number) => {
      const e = r.map((v) => Math.exp(v * s));
      return e.map((v) => v / e.reduce((a, b) => a + b, 0));
    };
    const rows = [[1, 2, 0], [0, -1, 3]];
    const close = (got: number[][], want: number[][]) => got.forEach((r, i) => r.forEach((v, j) => expect(v, `[${i}][${j}]`).to.be.closeTo(want[i][j], 1e-6)));
    expect(batchTargets(ys, 3, xs).arraySync()).to.deep.equal([[0, 0, 1], [1, 0, 0]]);
    close(batchTargets(ys, 3, xs, { model: teacher, logitScale: 0.5, weight: 1 }).arraySync() as number[][], rows.map((r) => softmax(r, 0.5)));
    const mixed = rows.map((r, i) => softmax(r, 2).map((p, j) => 0.25 * p + 0.75 * (j === [2, 0][i] ? 1 : 0)));
    close(batchTargets(ys, 3, xs, { model: teacher, logitScale: 2, weight: 0.25 }).arraySync() as number[][], mixed);
    expect(batchTargets(ys, 3, xs, { model: teacher, logitScale: 2, weight: 0 }).arraySync()).to.deep.equal([[0, 0, 1], [1, 0, 0]]);
  });

  it("distilling: the student's loss is the cross-entropy against the teacher's probabilities, and it falls", async () => {
    const teacherModel = buildMlp({ method: 'fp', valueSpace: 'binary', actBits: 0, firstLast: 'space', hidden: [32], inputShape: [784], numClasses: 10, seed: 5 });
    await fit({ model: teacherModel, train: { x, labels }, numClasses: 10, options: { ...DEFAULT_TRAIN_OPTIONS, epochs: 2, batchSize: 100, learningRate: 0.01 } });
    const teacher = { model: teacherModel, logitScale: 1, weight: 1 };
    const student = buildMlp({ method: 'sgt', valueSpace: 'binary', actBits: 4, firstLast: 'space', hidden: [32], inputShape: [784], numClasses: 10, seed: 6 });
    const options = { ...DEFAULT_TRAIN_OPTIONS, epochs: 1, batchSize: 600, learningRate: 0.01, lossScale: 0.2 };
    // with one batch of all 600 rows, the first step's loss is computable before the step
    const want = tf.tidy(() => {
      const p = batchTargets(tf.tensor1d(Int32Array.from(labels), 'int32'), 10, x, teacher);
      return tf.losses.softmaxCrossEntropy(p, tf.mul(student.apply(x, { training: true }) as tf.Tensor, 0.2)).dataSync()[0];
    });
    const losses: number[] = [];
    await fit({ model: student, train: { x, labels }, numClasses: 10, teacher, options: { ...options, epochs: 8 }, onStep: (l) => losses.push(l) });
    expect(losses[0]).to.be.closeTo(want, 1e-4);
    expect(losses[losses.length - 1]).to.be.lessThan(losses[0] * 0.8);
  });

  it('schedules: tau anneals by 0.97 per epoch down to 1e-4; cosine learning rate', () => {
    const o = { tau0: 1, tauDecay: 0.97, tauMin: 1e-4 };
    expect(tauAt(0, o)).to.equal(1);
    expect(tauAt(2, o)).to.be.closeTo(0.9409, 1e-12);
    expect(tauAt(1000, o)).to.equal(1e-4);
    const l = { epochs: 5, learningRate: 0.1, lrFinalFraction: 0.01 };
    expect(learningRateAt(0, l)).to.be.closeTo(0.1, 1e-12);
    expect(learningRateAt(4, l)).to.be.closeTo(0.001, 1e-12);
    expect(learningRateAt(2, l)).to.be.closeTo(0.0505, 1e-12);
  });
});

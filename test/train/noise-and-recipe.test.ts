import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { initTf } from '../../src/util/tf-backend.js';
import { loadMnist } from '../../src/data/mnist.js';
import { subset } from '../../src/data/dataset.js';
import { buildMlp, defaultLossScale } from '../../src/train/arch.js';
import { freezeModel } from '../../src/train/freeze.js';
import { registerTrainLayers } from '../../src/train/register.js';
import type { SearchDense } from '../../src/train/search-dense.js';
import { createOptimizer, DEFAULT_TRAIN_OPTIONS, evaluate, fit, imagesToTensor, learningRateAt, lrMilestones, recomputeBatchNormStats, searchLayers, setLearningRate, tauAt, type TrainOptions } from '../../src/train/trainer.js';

/** Moving mean and variance of every BatchNormalization layer, in order. */
function bnStats(m: tf.LayersModel): { mean: number[]; variance: number[] }[] {
  return m.layers
    .filter((l) => l.getClassName() === 'BatchNormalization')
    .map((l) => {
      const w = l.getWeights();
      return { mean: Array.from(w[w.length - 2].dataSync()), variance: Array.from(w[w.length - 1].dataSync()) };
    });
}

/** Values of every trainable weight, by position. */
function trainableValues(m: tf.LayersModel): Float32Array[] {
  return m.trainableWeights.map((w) => Float32Array.from(w.read().dataSync()));
}

describe('RDHS noise, the noise-free inference path, and the optimizer recipe', () => {
  let x: tf.Tensor;
  let labels: Uint8Array;
  before(async () => {
    await initTf({ backend: 'wasm' });
    registerTrainLayers();
    const d = subset(loadMnist('train'), Array.from({ length: 600 }, (_, i) => i));
    x = imagesToTensor(d, 'flat');
    labels = d.labels;
  });
  after(() => x.dispose());

  it('RDHS with mu > 0 keeps the loss and every weight finite over several hundred steps (784-256-10, binary)', async () => {
    const model = buildMlp({ method: 'rdhs', valueSpace: 'binary', actBits: 4, firstLast: 'space', hidden: [256], inputShape: [784], numClasses: 10, seed: 1, mu: 0.001 });
    const losses: number[] = [];
    const options: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS, epochs: 25, batchSize: 50, learningRate: 0.01, lossScale: defaultLossScale(model), seed: 1 };
    // 25 epochs of 12 steps: about 1.2e8 uniform draws, enough that some round to 1 in float32
    await fit({ model, train: { x, labels }, numClasses: 10, options, onStep: (l) => losses.push(l) });
    expect(losses).to.have.length(300);
    const bad = losses.findIndex((l) => !Number.isFinite(l));
    expect(bad, `loss ${losses[bad]} at step ${bad}`).to.equal(-1);
    for (const w of model.trainableWeights) for (const v of w.read().dataSync()) if (!Number.isFinite(v)) expect.fail(`${w.name}: ${v}`);
    expect(losses.slice(-12).reduce((a, b) => a + b, 0) / 12).to.be.lessThan(losses[0]);
  });

  it('inference draws no RDHS noise: predictions are repeatable and equal the frozen model; BatchNorm statistics are those of the frozen weights', async () => {
    // heavy noise, so that the training forward pass flips many weights
    const model = buildMlp({ method: 'rdhs', valueSpace: 'pow2-2', actBits: 4, firstLast: 'space', hidden: [32, 32], inputShape: [784], numClasses: 10, seed: 2, mu: 2 });
    const options: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS, epochs: 2, batchSize: 50, learningRate: 0.01, lossScale: defaultLossScale(model), seed: 2 };
    const results = await fit({ model, train: { x, labels }, test: { x, labels }, numClasses: 10, options });
    const p1 = (model.predict(x) as tf.Tensor).dataSync();
    const p2 = (model.predict(x) as tf.Tensor).dataSync();
    expect(Array.from(p2)).to.deep.equal(Array.from(p1));
    // a training pass does draw noise: its weights differ from the noise-free ones
    const layer = searchLayers(model)[0] as unknown as SearchDense;
    const clean = layer.effectiveKernel(false).dataSync();
    const noisy = layer.effectiveKernel(true).dataSync();
    let flipped = 0;
    for (let i = 0; i < clean.length; i++) if (clean[i] !== noisy[i]) flipped++;
    expect(flipped).to.be.greaterThan(clean.length / 20);
    expect(Array.from(layer.frozenKernel().dataSync())).to.deep.equal(Array.from(clean));

    recomputeBatchNormStats(model, x);
    const frozen = await freezeModel(model, { input: { bits: 8, scale: 1 / 255 } });
    const fromTraining = bnStats(frozen);
    // the statistics recomputed on the frozen model itself
    recomputeBatchNormStats(frozen, x);
    const fromFrozen = bnStats(frozen);
    for (let b = 0; b < fromFrozen.length; b++) {
      for (let c = 0; c < fromFrozen[b].mean.length; c++) {
        const sd = Math.sqrt(fromFrozen[b].variance[c]) + 1e-6;
        expect(Math.abs(fromTraining[b].mean[c] - fromFrozen[b].mean[c]) / sd, `BN ${b} channel ${c} mean`).to.be.lessThan(1e-3);
        expect(fromTraining[b].variance[c], `BN ${b} channel ${c} variance`).to.be.closeTo(fromFrozen[b].variance[c], 1e-3 * fromFrozen[b].variance[c] + 1e-6);
      }
    }
    // per-epoch test accuracy is the noise-free one: after the stats are set, the training model and the frozen model agree
    expect(evaluate(model, x, labels)).to.equal(evaluate(frozen, x, labels));
    expect(results.every((r) => r.testAcc !== undefined && Number.isFinite(r.testAcc))).to.equal(true);
  });

  it('the RDHS noise of a step depends only on the seeds and the step index (resumable), not on how often the model was evaluated', async () => {
    const make = () => buildMlp({ method: 'rdhs', valueSpace: 'binary', actBits: 4, firstLast: 'space', hidden: [16], inputShape: [784], numClasses: 10, seed: 4, mu: 0.5 });
    const options: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS, epochs: 2, batchSize: 100, learningRate: 0.01, seed: 4 };
    const a = make();
    await fit({ model: a, train: { x, labels }, numClasses: 10, options });
    const b = make();
    const optimizer = createOptimizer(options);
    await fit({ model: b, train: { x, labels }, test: { x, labels }, numClasses: 10, options, optimizer, stopEpoch: 1 });
    // predictions in between (as a checkpointing run's evaluation) do not shift the noise
    b.predict(x);
    await fit({ model: b, train: { x, labels }, numClasses: 10, options, optimizer, startEpoch: 1 });
    const wa = trainableValues(a);
    const wb = trainableValues(b);
    wa.forEach((w, i) => expect(Array.from(wb[i]), a.trainableWeights[i].name).to.deep.equal(Array.from(w)));
  });

  it('weight decay adds weightDecay * w to the gradient of every trainable weight, search logits included', async () => {
    const lr = 0.05;
    const wd = 0.1;
    const run = async (weightDecay: number) => {
      const model = buildMlp({ method: 'rdhs', valueSpace: 'binary', actBits: 4, firstLast: 'space', hidden: [8], inputShape: [784], numClasses: 10, seed: 6 });
      const before = trainableValues(model);
      const options: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS, epochs: 1, batchSize: 600, learningRate: lr, seed: 6, optimizer: 'sgd', weightDecay };
      await fit({ model, train: { x, labels }, numClasses: 10, options, maxSteps: 1 });
      return { before, after: trainableValues(model), names: model.trainableWeights.map((w) => w.originalName) };
    };
    const plain = await run(0);
    const decayed = await run(wd);
    expect(plain.names).to.include.members(['dense1/alpha', 'logits/alpha', 'bn1/gamma', 'act1/clip']);
    plain.before.forEach((w0, i) => {
      expect(Array.from(decayed.before[i])).to.deep.equal(Array.from(w0));
      for (let j = 0; j < w0.length; j++) {
        const want = plain.after[i][j] - lr * wd * w0[j];
        expect(decayed.after[i][j], `${plain.names[i]}[${j}]`).to.be.closeTo(want, 1e-5 * Math.max(1, Math.abs(want)));
      }
    });
  });

  it('SGD takes the scheduled learning rate (tfjs keeps it in a tensor), with and without momentum', () => {
    for (const momentum of [0, 0.9]) {
      const opt = createOptimizer({ optimizer: 'sgd', learningRate: 1, momentum });
      expect(opt.getClassName()).to.equal(momentum > 0 ? 'Momentum' : 'SGD');
      const v = tf.variable(tf.tensor1d([1, 2]));
      setLearningRate(opt, 0.25);
      opt.applyGradients([{ name: v.name, tensor: tf.tensor1d([1, -1]) }]);
      expect(Array.from(v.dataSync())).to.deep.equal([0.75, 2.25]);
      // momentum: the second step moves by lr * (momentum * previous + gradient)
      setLearningRate(opt, 0.5);
      opt.applyGradients([{ name: v.name, tensor: tf.tensor1d([1, -1]) }]);
      const step = 0.5 * (momentum + 1);
      const [a, b] = v.dataSync();
      expect(a).to.be.closeTo(0.75 - step, 1e-6);
      expect(b).to.be.closeTo(2.25 + step, 1e-6);
      v.dispose();
      opt.dispose();
    }
    expect(createOptimizer({ optimizer: 'adam', learningRate: 1, momentum: 0 }).getClassName()).to.equal('Adam');
  });

  it('schedules: step learning rate at milestones (default half and three quarters); tau over the run from tau0 to the floor', () => {
    const step = { epochs: 10, learningRate: 0.1, lrFinalFraction: 0.01, lrSchedule: 'step' as const, lrDecay: 0.1 };
    expect(lrMilestones(step)).to.deep.equal([5, 8]);
    expect([0, 4, 5, 7, 8, 9].map((e) => learningRateAt(e, step))).to.deep.equal([0.1, 0.1, 0.1 * 0.1, 0.1 * 0.1, 0.1 * 0.1 * 0.1, 0.1 * 0.1 * 0.1]);
    const given = { ...step, lrMilestones: [2], lrDecay: 0.5 };
    expect([0, 1, 2, 9].map((e) => learningRateAt(e, given))).to.deep.equal([0.1, 0.1, 0.05, 0.05]);
    // the default stays the cosine decay
    expect(learningRateAt(9, { epochs: 10, learningRate: 0.1, lrFinalFraction: 0.01 })).to.be.closeTo(0.001, 1e-12);

    const run = { tau0: 1, tauDecay: 0.97, tauMin: 1e-4, tauSchedule: 'run' as const, epochs: 5 };
    expect(tauAt(0, run)).to.equal(1);
    expect(tauAt(2, run)).to.be.closeTo(1e-2, 1e-12);
    expect(tauAt(4, run)).to.be.closeTo(1e-4, 1e-15);
    expect(tauAt(9, run)).to.be.closeTo(1e-4, 1e-15);
    expect(tauAt(0, { ...run, epochs: 1 })).to.equal(1);
    for (let e = 1; e < 5; e++) expect(tauAt(e, run) / tauAt(e - 1, run)).to.be.closeTo(0.1, 1e-9);
    // per-epoch stays the default
    expect(tauAt(2, { ...run, tauSchedule: undefined })).to.be.closeTo(0.9409, 1e-12);
  });

  it("a run's tau schedule reaches the floor at the last epoch of training", async () => {
    const model = buildMlp({ method: 'rdhs', valueSpace: 'binary', actBits: 4, firstLast: 'space', hidden: [8], inputShape: [784], numClasses: 10, seed: 7 });
    const options: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS, epochs: 3, batchSize: 300, learningRate: 0.01, seed: 7, tauSchedule: 'run', tau0: 1, tauMin: 0.01 };
    const taus: number[] = [];
    const results = await fit({ model, train: { x, labels }, numClasses: 10, options, onEpochEnd: () => void taus.push(searchLayers(model)[0].tau) });
    expect(results.map((r) => r.tau)).to.deep.equal(taus);
    expect(taus[0]).to.equal(1);
    expect(taus[1]).to.be.closeTo(0.1, 1e-12);
    expect(taus[2]).to.be.closeTo(0.01, 1e-12);
  });
});

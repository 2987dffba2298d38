/**
 * The training loop shared by every method: shuffled mini-batches, Adam or SGD
 * (with momentum and weight decay) under a cosine or step learning-rate
 * schedule, softmax cross-entropy on scaled logits (against the labels, or a
 * teacher model's probabilities when distilling), RDHS temperature annealing
 * per epoch, latent-weight clamping, evaluation.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset.js';
import { Rng } from '../util/random.js';
import { installFastGradients } from './fast-ops.js';
import { gatherRows } from './gather-rows.js';
import { Progress } from './progress.js';
import { isSearchable, type Searchable } from './search-kernel.js';

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Multiplies the logits inside the loss (binary last layers give large logits). */
  lossScale: number;
  seed: number;
  /**
   * RDHS temperature, set per epoch (tauAt): 'per-epoch' tau = max(tauMin,
   * tau0 * tauDecay^epoch); 'run' decays geometrically from tau0 at the first
   * epoch to tauMin at the last (tauDecay unused).
   */
  tau0: number;
  tauDecay: number;
  tauMin: number;
  tauSchedule: TauSchedule;
  /** Final learning rate as a fraction of the first (cosine decay). */
  lrFinalFraction: number;
  optimizer: OptimizerName;
  /** SGD's momentum (0: plain SGD); Adam keeps its own moments. */
  momentum: number;
  /**
   * L2 weight decay: weightDecay * w is added to the gradient of every
   * trainable weight, the search logits alpha included (as PyTorch's
   * optimizers do it, and the method's public code with them), before the
   * optimizer's update.
   */
  weightDecay: number;
  /**
   * 'cosine': from learningRate down to lrFinalFraction of it at the last
   * epoch; 'step': learningRate times lrDecay^(number of milestones <= epoch).
   */
  lrSchedule: LrSchedule;
  /**
   * Epoch counts after which the step schedule multiplies the learning rate
   * by lrDecay (as PyTorch's MultiStepLR: milestone 3 means epochs 4, 5, ...
   * run at the decayed rate); default [epochs/2, 3 epochs/4], rounded.
   */
  lrMilestones?: number[];
  lrDecay: number;
}

export type OptimizerName = 'adam' | 'sgd';
export type LrSchedule = 'cosine' | 'step';
export type TauSchedule = 'per-epoch' | 'run';

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  epochs: 10,
  batchSize: 100,
  learningRate: 1e-3,
  lossScale: 1,
  seed: 1,
  tau0: 1,
  tauDecay: 0.97,
  tauMin: 1e-4,
  tauSchedule: 'per-epoch',
  lrFinalFraction: 0.01,
  optimizer: 'adam',
  momentum: 0,
  weightDecay: 0,
  lrSchedule: 'cosine',
  lrDecay: 0.1,
};

/** Input layout of the model: flat vectors or NHWC images. */
export type InputLayout = 'flat' | 'image';

/** The shape of one input of the model: [rows*cols*channels] flat, or [rows, cols, channels]. */
export function inputShapeOf(d: Pick<Dataset, 'rows' | 'cols' | 'channels'>, layout: InputLayout): number[] {
  const c = d.channels ?? 1;
  return layout === 'flat' ? [d.rows * d.cols * c] : [d.rows, d.cols, c];
}

/** Pixels as floats in [0, 1] (pixel/255), laid out for the model (channels innermost, as stored). */
export function imagesToTensor(d: Dataset, layout: InputLayout): tf.Tensor {
  const f = new Float32Array(d.images.length);
  for (let i = 0; i < f.length; i++) f[i] = d.images[i] / 255;
  return tf.tensor(f, [d.n, ...inputShapeOf(d, layout)]);
}

export function searchLayers(model: tf.LayersModel): Searchable[] {
  return model.layers.filter(isSearchable);
}

/**
 * tau for a given epoch (0-based). 'per-epoch' (the default, the paper's):
 * max(tauMin, tau0 * tauDecay^epoch). 'run': tau0 * (tauMin/tau0)^(epoch/(epochs-1)),
 * tau0 at the first epoch and tauMin at the last (tau0 throughout a one-epoch
 * run); a tauMin above tau0 is still a floor.
 */
export function tauAt(epoch: number, o: Pick<TrainOptions, 'tau0' | 'tauDecay' | 'tauMin'> & Partial<Pick<TrainOptions, 'tauSchedule' | 'epochs'>>): number {
  if (o.tauSchedule === 'run') {
    const epochs = o.epochs ?? 1;
    const t = epochs <= 1 ? 0 : Math.min(1, epoch / (epochs - 1));
    return Math.max(o.tauMin, o.tau0 * (o.tauMin / o.tau0) ** t);
  }
  return Math.max(o.tauMin, o.tau0 * o.tauDecay ** epoch);
}

/** The step schedule's milestones: the given ones, or [epochs/2, 3 epochs/4] rounded. */
export function lrMilestones(o: Pick<TrainOptions, 'epochs' | 'lrMilestones'>): number[] {
  return o.lrMilestones ?? [Math.round(o.epochs / 2), Math.round((3 * o.epochs) / 4)];
}

/** The learning rate of a given epoch (0-based) under the cosine (default) or step schedule. */
export function learningRateAt(
  epoch: number,
  o: Pick<TrainOptions, 'epochs' | 'learningRate' | 'lrFinalFraction'> & Partial<Pick<TrainOptions, 'lrSchedule' | 'lrMilestones' | 'lrDecay'>>,
): number {
  if (o.lrSchedule === 'step') {
    const passed = lrMilestones(o).filter((m) => epoch >= m).length;
    return o.learningRate * (o.lrDecay ?? DEFAULT_TRAIN_OPTIONS.lrDecay) ** passed;
  }
  const t = o.epochs <= 1 ? 0 : epoch / (o.epochs - 1);
  const f = o.lrFinalFraction + (1 - o.lrFinalFraction) * 0.5 * (1 + Math.cos(Math.PI * t));
  return o.learningRate * f;
}

/** The optimizer of the options: Adam, plain SGD, or SGD with momentum (tfjs' MomentumOptimizer, PyTorch's update without dampening). */
export function createOptimizer(o: Pick<TrainOptions, 'optimizer' | 'learningRate' | 'momentum'>): tf.Optimizer {
  if (o.optimizer === 'sgd') return o.momentum > 0 ? tf.train.momentum(o.learningRate, o.momentum) : tf.train.sgd(o.learningRate);
  return tf.train.adam(o.learningRate);
}

/**
 * Sets an optimizer's learning rate. tfjs' SGD and momentum optimizers keep
 * it in a scalar tensor that only setLearningRate replaces (assigning the
 * field would not change their steps); Adam reads the field.
 */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  const o = optimizer as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

/** Fraction of correct argmax predictions, in batches. */
export function evaluate(model: tf.LayersModel, x: tf.Tensor, labels: Uint8Array, batchSize = 500): number {
  let correct = 0;
  const n = labels.length;
  for (let s = 0; s < n; s += batchSize) {
    const e = Math.min(n, s + batchSize);
    const pred = tf.tidy(() => tf.argMax(model.predict(tf.slice(x, s, e - s)) as tf.Tensor, -1).dataSync());
    for (let i = 0; i < pred.length; i++) if (pred[i] === labels[s + i]) correct++;
  }
  return correct / n;
}

export interface EpochResult {
  epoch: number;
  loss: number;
  acc: number;
  testAcc?: number;
  seconds: number;
  imagesPerSecond: number;
  tau: number;
  /** The learning rate of the epoch. */
  lr: number;
}

export interface TrainState {
  optimizer: tf.Optimizer;
}

/**
 * Knowledge distillation: the targets mix the one-hot labels with a trained
 * teacher's class probabilities, softmax(teacherScale · teacher logits).
 */
export interface Teacher {
  model: tf.LayersModel;
  /** The logit scale the teacher was trained with (its loss scale). */
  logitScale: number;
  /** Weight of the teacher's probabilities in the targets (1: only them). */
  weight: number;
}

/** The training targets of one batch: one-hot labels, or their mix with the teacher's probabilities. */
export function batchTargets(labels: tf.Tensor, numClasses: number, x: tf.Tensor, teacher?: Teacher): tf.Tensor {
  return tf.tidy(() => {
    const hard = tf.oneHot(labels as tf.Tensor1D, numClasses).toFloat();
    if (!teacher || teacher.weight === 0) return hard;
    const logits = teacher.model.predict(x) as tf.Tensor;
    const soft = tf.softmax(tf.mul(logits, teacher.logitScale));
    return teacher.weight === 1 ? soft : tf.add(tf.mul(soft, teacher.weight), tf.mul(hard, 1 - teacher.weight));
  });
}

export interface FitArgs {
  model: tf.LayersModel;
  /** Distill from this model's outputs (same inputs, same classes). */
  teacher?: Teacher;
  train: { x: tf.Tensor; labels: Uint8Array };
  test?: { x: tf.Tensor; labels: Uint8Array };
  numClasses: number;
  options: TrainOptions;
  progress?: Progress;
  /** First epoch to run (0-based), for resuming. */
  startEpoch?: number;
  /** Stop before this epoch (0-based; default options.epochs). */
  stopEpoch?: number;
  /** Called after each epoch (e.g. to write a checkpoint). */
  onEpochEnd?: (r: EpochResult, optimizer: tf.Optimizer) => Promise<void> | void;
  optimizer?: tf.Optimizer;
  /** Stop after this many optimizer steps (tests). */
  maxSteps?: number;
  /** Called with each step's loss (tests). */
  onStep?: (loss: number) => void;
}

/** Runs the training loop; returns the per-epoch results. */
export async function fit(a: FitArgs): Promise<EpochResult[]> {
  installFastGradients();
  const o = a.options;
  const n = a.train.labels.length;
  const batches = Math.ceil(n / o.batchSize);
  const optimizer = a.optimizer ?? createOptimizer(o);
  const weightDecay = o.weightDecay ?? 0;
  const searched = searchLayers(a.model);
  const labelsT = tf.tensor1d(Int32Array.from(a.train.labels), 'int32');
  const results: EpochResult[] = [];
  let steps = 0;
  const trainable = a.model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  try {
    for (let epoch = a.startEpoch ?? 0; epoch < Math.min(o.epochs, a.stopEpoch ?? o.epochs); epoch++) {
      const tau = tauAt(epoch, o);
      for (const l of searched) l.tau = tau;
      const lr = learningRateAt(epoch, o);
      setLearningRate(optimizer, lr);
      const rng = new Rng(o.seed * 7919 + epoch);
      const order = Int32Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rng.next() * (i + 1));
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      a.progress?.startEpoch();
      const t0 = performance.now();
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      for (let b = 0; b < batches; b++) {
        const s = b * o.batchSize;
        const e = Math.min(n, s + o.batchSize);
        const idx = order.subarray(s, e);
        // the RDHS noise of this step depends only on the seeds and the step's index
        for (const l of searched) l.noiseStep = epoch * batches + b;
        const [lossV, corr] = tf.tidy(() => {
          const xb = gatherRows(a.train.x, idx);
          const yb = gatherRows(labelsT, idx);
          // outside minimize: the teacher's forward pass needs no gradient
          const targets = batchTargets(yb, a.numClasses, xb, a.teacher);
          let logitsKept: tf.Tensor | null = null;
          // optimizer.minimize, with the weight decay added to the gradients
          const { value: loss, grads } = optimizer.computeGradients(() => {
            const logits = a.model.apply(xb, { training: true }) as tf.Tensor;
            logitsKept = tf.keep(logits);
            return tf.losses.softmaxCrossEntropy(targets, tf.mul(logits, o.lossScale)) as tf.Scalar;
          }, trainable);
          optimizer.applyGradients(
            trainable.map((v) => {
              const g = grads[v.name];
              return { name: v.name, tensor: weightDecay > 0 && g != null ? tf.add(g, tf.mul(v, weightDecay)) : g };
            }),
          );
          const c = tf.sum(tf.cast(tf.equal(tf.argMax(logitsKept!, -1), yb), 'int32'));
          (logitsKept as tf.Tensor | null)?.dispose();
          return [loss.dataSync()[0], c.dataSync()[0]];
        });
        for (const l of searched) l.clampLatent();
        lossSum += lossV * (e - s);
        correct += corr;
        seen += e - s;
        steps++;
        a.onStep?.(lossV);
        a.progress?.batch({ epoch: epoch + 1, epochs: o.epochs, batch: b + 1, batches, loss: lossSum / seen, acc: correct / seen });
        if (a.maxSteps !== undefined && steps >= a.maxSteps) break;
      }
      const seconds = (performance.now() - t0) / 1000;
      const r: EpochResult = { epoch, loss: lossSum / seen, acc: correct / seen, seconds, imagesPerSecond: seen / seconds, tau, lr };
      if (a.test) r.testAcc = evaluate(a.model, a.test.x, a.test.labels);
      results.push(r);
      a.progress?.epoch({
        epoch: epoch + 1,
        epochs: o.epochs,
        loss: r.loss,
        acc: r.acc,
        testAcc: r.testAcc,
        seconds,
        imagesPerSecond: r.imagesPerSecond,
        extra: searched.some((l) => l.method === 'rdhs') ? `tau ${tau.toPrecision(3)}` : undefined,
      });
      await a.onEpochEnd?.(r, optimizer);
      if (a.maxSteps !== undefined && steps >= a.maxSteps) break;
    }
  } finally {
    labelsT.dispose();
  }
  return results;
}

/**
 * Replaces every BatchNormalization's moving statistics with the exact
 * population statistics of its input over `x` (in inference mode for all
 * other layers, processed in order), so the frozen model sees the statistics
 * of its final weights. Inference mode draws no RDHS noise: the searched
 * layers compute with the noise-free candidates the frozen model holds.
 */
export function recomputeBatchNormStats(model: tf.LayersModel, x: tf.Tensor, batchSize = 1000): void {
  const layers = model.layers;
  for (let li = 0; li < layers.length; li++) {
    const bn = layers[li];
    if (bn.getClassName() !== 'BatchNormalization') continue;
    // sub-model up to the BN input
    const inputTensor = bn.input as tf.SymbolicTensor;
    const sub = tf.model({ inputs: model.inputs, outputs: inputTensor });
    const n = x.shape[0];
    let sum: Float64Array | null = null;
    let sumSq: Float64Array | null = null;
    for (let s = 0; s < n; s += batchSize) {
      const e = Math.min(n, s + batchSize);
      const [m1, m2] = tf.tidy(() => {
        const h = sub.predict(tf.slice(x, s, e - s)) as tf.Tensor;
        const c = h.shape[h.shape.length - 1]!;
        const h2 = tf.reshape(h, [-1, c]);
        return [tf.sum(h2, 0).dataSync(), tf.sum(tf.square(h2), 0).dataSync()];
      });
      if (!sum) {
        sum = new Float64Array(m1.length);
        sumSq = new Float64Array(m1.length);
      }
      for (let c = 0; c < m1.length; c++) {
        sum[c] += m1[c];
        sumSq![c] += m2[c];
      }
    }
    const outShape = sub.outputs[0].shape;
    const perChannel = (outShape.slice(1, -1) as number[]).reduce((p, d) => p * d, 1);
    const count = n * perChannel;
    const mean = new Float32Array(sum!.length);
    const variance = new Float32Array(sum!.length);
    for (let c = 0; c < mean.length; c++) {
      mean[c] = sum![c] / count;
      variance[c] = Math.max(0, sumSq![c] / count - (sum![c] / count) ** 2);
    }
    const w = bn.getWeights();
    const k = w.length;
    const stats = [tf.tensor1d(mean), tf.tensor1d(variance)];
    bn.setWeights([...w.slice(0, k - 2), ...stats]);
    tf.dispose(stats);
  }
}

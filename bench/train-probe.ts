/**
 * Memory and time of one training step (bench:train section d, as paper
 * 000's Table 4): builds the model the train command builds, runs two
 * warm-up steps of the trainer on a synthetic batch, then profiles one step
 * with tf.profile (peak tensor bytes, and the step's own peak above what was
 * allocated before it) and times five more. Prints one JSON line.
 *
 *   npx tsx bench/train-probe.ts --arch mlp|cnn|cnn-dw --method fp|rdhs|sgt|ste|xnor
 *        [--value-space S] [--act-bits N] [--batch-size N] [--backend wasm|cpu]
 *        [--conv-form kernel|expand]
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { parseValueSpaceArg } from '../src/layers/value-space.js';
import { buildCnn, buildCnnDw, buildMlp, DEFAULT_CNN_DW_BLOCKS, DEFAULT_CNN_DW_HIDDEN, DEFAULT_CNN_DW_STEM, DEFAULT_CNN_FILTERS, DEFAULT_CNN_HIDDEN, DEFAULT_MLP_HIDDEN } from '../src/train/arch.js';
import type { ConvFormulation } from '../src/train/search-conv2d.js';
import type { SearchMethod } from '../src/train/search-kernel.js';
import { DEFAULT_TRAIN_OPTIONS, fit } from '../src/train/trainer.js';
import { initTf, type BackendChoice } from '../src/util/tf-backend.js';
import { Rng } from '../src/util/random.js';

const { values: a } = parseArgs({
  options: {
    arch: { type: 'string', default: 'mlp' },
    method: { type: 'string', default: 'fp' },
    'value-space': { type: 'string', default: 'binary' },
    'act-bits': { type: 'string', default: '4' },
    'batch-size': { type: 'string', default: '100' },
    backend: { type: 'string', default: 'wasm' },
    'conv-form': { type: 'string', default: 'kernel' },
  },
});

const backend = await initTf({ backend: a.backend as BackendChoice });
const batch = Number(a['batch-size']);
const image = a.arch === 'cnn' || a.arch === 'cnn-dw';
const convFormulation = a['conv-form'] as ConvFormulation;
const common = {
  method: a.method as SearchMethod,
  valueSpace: parseValueSpaceArg(a['value-space']!),
  actBits: Number(a['act-bits']),
  firstLast: 'space' as const,
  inputShape: image ? [28, 28, 1] : [784],
  numClasses: 10,
  seed: 1,
};
const model =
  a.arch === 'cnn'
    ? buildCnn({ ...common, hidden: DEFAULT_CNN_HIDDEN, convFilters: DEFAULT_CNN_FILTERS, convFormulation })
    : a.arch === 'cnn-dw'
      ? buildCnnDw({ ...common, hidden: DEFAULT_CNN_DW_HIDDEN, stemFilters: DEFAULT_CNN_DW_STEM, blocks: DEFAULT_CNN_DW_BLOCKS, convFormulation })
      : buildMlp({ ...common, hidden: DEFAULT_MLP_HIDDEN });
const rng = new Rng(1);
const n = batch;
const x = tf.tensor(Float32Array.from({ length: n * 784 }, () => rng.next()), image ? [n, 28, 28, 1] : [n, 784]);
const labels = Uint8Array.from({ length: n }, () => rng.int(0, 9));
const optimizer = tf.train.adam(1e-3);
const options = { ...DEFAULT_TRAIN_OPTIONS, epochs: 1000, batchSize: batch };
const step = (steps: number) => fit({ model, train: { x, labels }, numClasses: 10, options, optimizer, maxSteps: steps });

await step(2);
const before = tf.memory().numBytes;
const prof = await tf.profile(async () => {
  await step(1);
});
const t0 = performance.now();
for (let i = 0; i < 5; i++) await step(1);
const stepMs = (performance.now() - t0) / 5;
const weightBytes = model.trainableWeights.reduce((s, w) => s + w.shape.reduce((p: number, d) => p * (d ?? 1), 1) * 4, 0);
console.log(
  JSON.stringify({
    arch: a.arch,
    method: a.method,
    convForm: convFormulation,
    backend,
    batch,
    trainableBytes: weightBytes,
    bytesBefore: before,
    peakBytes: prof.peakBytes,
    stepPeakBytes: prof.peakBytes - before,
    stepMs,
    imagesPerSecond: (batch * 1000) / stepMs,
  }),
);

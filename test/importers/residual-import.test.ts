/**
 * Functional models with branches: what the importer and the stage grouping
 * accept (residual blocks joined by Add) and what they refuse, each with the
 * file, layer and reason named.
 */
import { expect } from 'chai';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { QtscConv2D, QtscDense, QtscQuantAct, registerQtscLayers } from '../../src/layers/index.js';
import { fileSaveHandler } from '../../src/importers/tfjs-artifacts.js';
import { compileModel } from '../../src/compile.js';
import { importTfjsLayers } from '../../src/importers/tfjs-layers.js';
import { tmpDir } from '../helpers/make-model.js';

type Block = (x: tf.SymbolicTensor) => tf.SymbolicTensor;

async function save(body: Block): Promise<string> {
  registerQtscLayers();
  const input = tf.input({ shape: [6, 6, 2], name: 'img' });
  const x = new QtscQuantAct({ name: 'q0', bits: 2, clip: 1 }).apply(new QtscConv2D({ name: 'c0', filters: 2, kernelSize: 3, padding: 'same', valueSpace: 'binary', useBias: false }).apply(input)) as tf.SymbolicTensor;
  const y = body(x);
  const flat = tf.layers.flatten({ name: 'flat' }).apply(y) as tf.SymbolicTensor;
  const out = new QtscDense({ name: 'logits', units: 3, valueSpace: 'binary' }).apply(flat) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  // Kernels in the binary value space: the sign of the random initial values.
  for (const l of model.layers) {
    if (l instanceof QtscConv2D || l instanceof QtscDense) l.setWeights(l.getWeights().map((w, k) => (k === 0 ? tf.where(tf.greaterEqual(w, 0), 1, -1) : w)));
  }
  const dir = tmpDir('qtsc-res-import-');
  await model.save(fileSaveHandler(dir));
  return dir;
}

const conv = (name: string) => new QtscConv2D({ name, filters: 2, kernelSize: 3, padding: 'same', valueSpace: 'binary', useBias: false });
const q = (name: string) => new QtscQuantAct({ name, bits: 2, clip: 1 });

describe('importers: residual blocks', () => {
  it('a block (conv -> act, Add with the skip, act) imports as a layer graph and lowers to fork, skip FIFO and add', async () => {
    const dir = await save((x) => q('q2').apply(tf.layers.add({ name: 'sum' }).apply([q('q1').apply(conv('c1').apply(x)) as tf.SymbolicTensor, x])) as tf.SymbolicTensor);
    const g = importTfjsLayers(dir);
    const add = g.layers.find((l) => l.kind === 'add');
    expect(add && add.kind === 'add' && add.inputs).to.deep.equal(['q1', 'q0']);
    const { ir } = await compileModel({ model: dir });
    expect(ir.nodes.map((n) => n.op)).to.include.members(['fork', 'fifo', 'add']);
  });

  it('refuses an Add of unquantized branches, naming the layer', async () => {
    const dir = await save((x) => q('q2').apply(tf.layers.add({ name: 'sum' }).apply([conv('c1').apply(x) as tf.SymbolicTensor, x])) as tf.SymbolicTensor);
    let msg = '';
    await compileModel({ model: dir }).catch((e: Error) => (msg = e.message));
    expect(msg).to.match(/layer 'c1'.*activation 'linear' is float/);
  });

  it('refuses an Add with no quantized activation after it, naming the Add', async () => {
    const dir = await save((x) => tf.layers.add({ name: 'sum' }).apply([q('q1').apply(conv('c1').apply(x)) as tf.SymbolicTensor, x]) as tf.SymbolicTensor);
    let msg = '';
    await compileModel({ model: dir }).catch((e: Error) => (msg = e.message));
    expect(msg).to.include(`${path.join(dir, 'model.json')}: layer 'sum': an Add must be followed by a quantized activation`);
  });

  it('refuses BatchNormalization after an Add', async () => {
    const dir = await save((x) => q('q2').apply(tf.layers.batchNormalization({ name: 'bn' }).apply(tf.layers.add({ name: 'sum' }).apply([q('q1').apply(conv('c1').apply(x)) as tf.SymbolicTensor, x]))) as tf.SymbolicTensor);
    let msg = '';
    await compileModel({ model: dir }).catch((e: Error) => (msg = e.message));
    expect(msg).to.match(/layer 'bn': BatchNormalization after an Add is not supported/);
  });
});

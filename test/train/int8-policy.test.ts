import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { compileModel } from '../../src/compile.js';
import { runGolden } from '../../src/golden/execute.js';
import { subset } from '../../src/data/dataset.js';
import { loadMnist } from '../../src/data/mnist.js';
import { fileSaveHandler } from '../../src/importers/tfjs-artifacts.js';
import { buildCnn, buildMlp, defaultLossScale } from '../../src/train/arch.js';
import { freezeModel } from '../../src/train/freeze.js';
import { registerTrainLayers } from '../../src/train/register.js';
import { int8Weight } from '../../src/train/search-ops.js';
import { isSearchable } from '../../src/train/search-kernel.js';
import { DEFAULT_TRAIN_OPTIONS, fit, imagesToTensor, recomputeBatchNormStats } from '../../src/train/trainer.js';
import { initTf } from '../../src/util/tf-backend.js';
import { tmpDir } from '../helpers/make-model.js';
import { mvuNodes } from '../../src/ir/hardware-ir.js';

/** Every value is an integer multiple (|k| <= 127) of max|w|/127. */
function expectInt8Grid(values: Float32Array | Int32Array | Uint8Array, what: string): void {
  let max = 0;
  for (const v of values) max = Math.max(max, Math.abs(v));
  const s = max / 127;
  for (const v of values) {
    const k = v / s;
    if (Math.abs(k - Math.round(k)) > 1e-3 || Math.abs(k) > 127 + 1e-3) expect.fail(`${what}: ${v} is not an int8 multiple of ${s}`);
  }
}

describe('int8 first/last-layer policy', () => {
  before(async () => {
    await initTf({ backend: 'wasm' });
    registerTrainLayers();
  });

  it('int8Weight: forward s*round(w/s) with s = max|w|/127, straight-through gradient', () => {
    const w = tf.tensor1d([0.5, -1.27, 0.0049, 0.006, 1.0]);
    // s = 0.01: 0.5 -> 50, -1.27 -> -127, 0.0049 -> 0, 0.006 -> 1 (0.01), 1.0 -> 100
    const y = int8Weight(w).dataSync();
    expect(Array.from(y).map((v) => Math.round(v * 1e6) / 1e6)).to.deep.equal([0.5, -1.27, 0, 0.01, 1]);
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(int8Weight(x), tf.tensor1d([1, 2, 3, 4, 5]))))(w).dataSync();
    expect(Array.from(g)).to.deep.equal([1, 2, 3, 4, 5]);
  });

  it('the MLP trains with int8 first and last layers around RDHS binary ones, freezes to Dense / QtscDense / Dense, and gen-hw builds it exactly with --allow-mult only', async () => {
    const d = subset(loadMnist('train'), Array.from({ length: 400 }, (_, i) => i));
    const x = imagesToTensor(d, 'flat');
    const model = buildMlp({ method: 'rdhs', valueSpace: 'binary', actBits: 1, firstLast: 'int8', hidden: [32, 32], inputShape: [784], numClasses: 10, seed: 2 });
    expect(model.layers.filter(isSearchable).map((l) => l.method)).to.deep.equal(['int8', 'rdhs', 'int8']);
    expect(defaultLossScale(model)).to.equal(1);
    const losses: number[] = [];
    await fit({ model, train: { x, labels: d.labels }, numClasses: 10, options: { ...DEFAULT_TRAIN_OPTIONS, epochs: 2, batchSize: 50, learningRate: 1e-2 }, onStep: (l) => losses.push(l) });
    expect(losses.slice(-3).reduce((a, b) => a + b) / 3).to.be.lessThan(((losses[0] + losses[1]) / 2) * 0.75);
    recomputeBatchNormStats(model, x);
    const frozen = await freezeModel(model, { input: { bits: 8, scale: 1 / 255 } });
    expect(frozen.layers.map((l) => l.getClassName())).to.deep.equal(['Dense', 'BatchNormalization', 'QtscSign', 'QtscDense', 'BatchNormalization', 'QtscSign', 'Dense']);
    for (const name of ['dense1', 'logits']) expectInt8Grid(frozen.getLayer(name).getWeights()[0].dataSync(), name);
    const a = (model.predict(x) as tf.Tensor).dataSync();
    const b = (frozen.predict(x) as tf.Tensor).dataSync();
    for (let i = 0; i < a.length; i++) expect(b[i]).to.be.closeTo(a[i], 1e-4 * Math.max(1, Math.abs(a[i])));

    const dir = tmpDir('qtsc-int8-');
    await frozen.save(fileSaveHandler(dir));
    let msg = '';
    await compileModel({ model: dir }).catch((e: Error) => (msg = e.message));
    expect(msg).to.match(/layer 'dense1': field 'kernel'.*--allow-mult/);
    const c = await compileModel({ model: dir, allowMult: true });
    expect(mvuNodes(c.ir).map((n) => n.engine)).to.deep.equal(['int-mac', 'xnor-popcount', 'int-mac']);
    const macNotes = c.loweringNotes.filter((n) => /integer MAC/.test(n.note));
    expect(macNotes.map((n) => n.layer)).to.deep.equal(['dense1', 'logits']);
    for (const note of macNotes) expect(note.note, note.layer).to.match(/8-bit weights \(exact\)/);
    // the integer golden model follows the float model on these digits
    const pred = Array.from(tf.argMax(frozen.predict(x) as tf.Tensor, -1).dataSync());
    let agree = 0;
    for (let i = 0; i < 100; i++) if (runGolden(c.ir, Array.from(d.images.subarray(i * 784, (i + 1) * 784))).argmax === pred[i]) agree++;
    expect(agree).to.be.at.least(98);
  });

  it('the CNN takes the same policy on its first convolution and last dense layer', () => {
    const m = buildCnn({ method: 'sgt', valueSpace: 'pow2-2', actBits: 4, firstLast: 'int8', hidden: [16], convFilters: [4, 8], inputShape: [28, 28, 1], numClasses: 10, seed: 1 });
    expect(m.layers.filter(isSearchable).map((l) => l.method)).to.deep.equal(['int8', 'sgt', 'sgt', 'int8']);
    const f = buildCnn({ method: 'fp', valueSpace: 'binary', actBits: 4, firstLast: 'int8', hidden: [16], convFilters: [4, 8], inputShape: [28, 28, 1], numClasses: 10, seed: 1 });
    expect(f.layers.filter(isSearchable).map((l) => l.method)).to.deep.equal(['fp', 'fp', 'fp', 'fp']);
  });
});

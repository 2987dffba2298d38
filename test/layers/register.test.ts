import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initTf } from '../../src/util/tf-backend.js';
import { registerQtscLayers } from '../../src/layers/register.js';
import { QtscDense } from '../../src/layers/qtsc-dense.js';
import { QtscDepthwiseConv2D } from '../../src/layers/qtsc-depthwise-conv2d.js';
import { QtscQuantAct } from '../../src/layers/qtsc-quant-act.js';
import { QtscSign } from '../../src/layers/qtsc-sign.js';
import { fileSaveHandler, loadArtifacts } from '../../src/importers/tfjs-artifacts.js';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-layers-'));
}

describe('qtsc layers in models', () => {
  before(async () => {
    await initTf({ backend: 'wasm' });
    registerQtscLayers();
    registerQtscLayers(); // idempotent
  });

  it('QtscSign layer: forward and STE gradient through a model', () => {
    const layer = new QtscSign({ name: 's' });
    const x = tf.tensor2d([[-3, -1, 0, 0.5, 2]]);
    expect((layer.apply(x) as tf.Tensor).arraySync()).to.deep.equal([[-1, -1, 1, 1, 1]]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(layer.apply(v) as tf.Tensor))(x).arraySync();
    expect(g).to.deep.equal([[0, 1, 1, 1, 0]]);
  });

  it('QtscQuantAct validates its config', () => {
    expect(() => new QtscQuantAct({ bits: 0, clip: 1 })).to.throw(/bits/);
    expect(() => new QtscQuantAct({ bits: 2.5, clip: 1 })).to.throw(/bits/);
    expect(() => new QtscQuantAct({ bits: 2, clip: 0 })).to.throw(/clip/);
    expect(new QtscQuantAct({ bits: 2, clip: 1 }).getConfig()).to.include({ bits: 2, clip: 1, learnClip: false });
  });

  it('QtscQuantAct with learnClip: the clip weight is the truth and is trainable', () => {
    const layer = new QtscQuantAct({ bits: 2, clip: 3, learnClip: true, name: 'qa' });
    const x = tf.tensor2d([[0.5, 1.5, 2.5, 5]]);
    expect((layer.apply(x) as tf.Tensor).arraySync()).to.deep.equal([[1, 2, 3, 3]]);
    expect(layer.trainableWeights.map((w) => w.name)).to.deep.equal(['qa/clip']);
    layer.setWeights([tf.tensor1d([6])]); // s = 2
    expect((layer.apply(x) as tf.Tensor).arraySync()).to.deep.equal([[0, 2, 2, 6]]);
    expect(layer.currentClip()).to.equal(6);
    const frozen = new QtscQuantAct({ bits: 2, clip: 3 });
    expect((frozen.apply(x) as tf.Tensor).arraySync()).to.deep.equal([[1, 2, 3, 3]]);
    expect(frozen.trainableWeights).to.have.length(0);
  });

  it('QtscDense is Dense plus valueSpace', () => {
    const d = new QtscDense({ units: 2, useBias: true, valueSpace: 'binary', inputShape: [3] });
    const m = tf.sequential({ layers: [d] });
    d.setWeights([tf.tensor2d([[1, -1], [-1, -1], [1, 1]]), tf.tensor1d([0.5, -0.5])]);
    const y = (m.predict(tf.tensor2d([[1, 2, 3]])) as tf.Tensor).arraySync();
    expect(y).to.deep.equal([[2.5, -0.5]]);
    const cfg = d.getConfig();
    expect(cfg.valueSpace).to.equal('binary');
    expect(cfg.units).to.equal(2);
    expect(cfg.useBias).to.equal(true);
    expect(cfg).to.have.property('kernelInitializer');
    expect(cfg).to.have.property('name');
    expect(() => new QtscDense({ units: 2, valueSpace: 'bogus' as 'binary' })).to.throw(/valueSpace/);
    expect(() => new QtscDense({ units: 2, valueSpace: [1, 1] })).to.throw(/valueSpace/);
  });

  it('QtscDepthwiseConv2D is DepthwiseConv2D plus valueSpace, strides included, and round-trips through model.json', async () => {
    const l = new QtscDepthwiseConv2D({ name: 'dw', kernelSize: [2, 1], depthMultiplier: 2, strides: [2, 1], padding: 'same', useBias: false, valueSpace: [-1, 0, 1], inputShape: [3, 2, 1] });
    const m = tf.sequential({ layers: [l] });
    // output channel m of input channel 0: kernel column [k0m, k1m] over rows (h, h+1), rows 0 and 2, the last padded below
    l.setWeights([tf.tensor4d([1, -1, 0, 1], [2, 1, 1, 2])]);
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6], [1, 3, 2, 1]);
    const y = m.predict(x) as tf.Tensor;
    expect(y.shape).to.deep.equal([1, 2, 2, 2]);
    // channel 0: k = [1, 0]: x[h]; channel 1: k = [-1, 1]: x[h+1] - x[h] (0 below the input)
    expect(Array.from(y.dataSync())).to.deep.equal([1, 2, 2, 2, 5, -5, 6, -6]);
    const cfg = l.getConfig();
    expect([cfg.valueSpace, cfg.depthMultiplier, cfg.strides, cfg.padding]).to.deep.equal([[-1, 0, 1], 2, [2, 1], 'same']);
    expect(() => new QtscDepthwiseConv2D({ name: 'bad', kernelSize: 1, valueSpace: 'bogus' as 'binary' })).to.throw(/QtscDepthwiseConv2D 'bad': config 'valueSpace'/);
    expect(() => new QtscDepthwiseConv2D({ kernelSize: 1 } as never)).to.throw(/QtscDepthwiseConv2D: config 'valueSpace' is required/);
    const dir = tmpDir();
    await m.save(fileSaveHandler(dir));
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    expect(json.modelTopology.config.layers.map((e: { class_name: string }) => e.class_name)).to.include('QtscDepthwiseConv2D');
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(await loadArtifacts(dir)));
    expect(loaded.getLayer('dw')).to.be.instanceOf(QtscDepthwiseConv2D);
    expect(loaded.getLayer('dw').getConfig()).to.deep.equal(cfg);
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).to.deep.equal(Array.from(y.dataSync()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('save/load round trip through the file handlers keeps predictions and configs', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.inputLayer({ inputShape: [6] }),
        new QtscDense({ units: 5, useBias: false, valueSpace: 'pow2-2', name: 'd1' }),
        tf.layers.batchNormalization({ name: 'bn1' }),
        new QtscSign({ name: 'sign1' }),
        new QtscDense({ units: 4, useBias: true, valueSpace: [-1, 0, 1], name: 'd2' }),
        new QtscQuantAct({ bits: 3, clip: 2, learnClip: true, name: 'qa' }),
        new QtscDense({ units: 3, useBias: true, valueSpace: 'binary', name: 'out' }),
      ],
    });
    const pick = (vals: number[], shape: number[]): tf.Tensor => {
      const n = shape.reduce((a, b) => a * b, 1);
      return tf.tensor(Array.from({ length: n }, (_, i) => vals[(i * 7 + 3) % vals.length]), shape);
    };
    model.getLayer('d1').setWeights([pick([-1, -0.5, 0.5, 1], [6, 5])]);
    model.getLayer('bn1').setWeights([tf.tensor1d([1, 2, 0.5, 1, 1]), tf.tensor1d([0.1, -0.2, 0.3, 0, 0]), tf.tensor1d([0.5, 0, -1, 0.2, 0]), tf.tensor1d([1, 2, 3, 4, 5])]);
    model.getLayer('d2').setWeights([pick([-1, 0, 1], [5, 4]), tf.tensor1d([0.25, 0.5, -0.25, 1])]);
    model.getLayer('qa').setWeights([tf.tensor1d([2.8])]);
    model.getLayer('out').setWeights([pick([-1, 1], [4, 3]), tf.tensor1d([0, 0.5, -0.5])]);
    const dir = tmpDir();
    await model.save(fileSaveHandler(dir), { includeOptimizer: false });
    expect(fs.existsSync(path.join(dir, 'model.json'))).to.equal(true);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    const classNames = json.modelTopology.config.layers.map((l: { class_name: string }) => l.class_name);
    expect(classNames).to.include.members(['QtscDense', 'QtscSign', 'QtscQuantAct', 'BatchNormalization']);

    const loaded = await tf.loadLayersModel(tf.io.fromMemory(await loadArtifacts(dir)));
    const x = tf.randomUniform([16, 6], -2, 2, 'float32', 7);
    const a = (model.predict(x) as tf.Tensor).arraySync();
    const b = (loaded.predict(x) as tf.Tensor).arraySync();
    expect(b).to.deep.equal(a);
    for (const name of ['d1', 'bn1', 'sign1', 'd2', 'qa', 'out']) {
      expect(loaded.getLayer(name).getConfig(), name).to.deep.equal(model.getLayer(name).getConfig());
      expect(loaded.getLayer(name).constructor.name).to.equal(model.getLayer(name).constructor.name);
    }
    expect(loaded.getLayer('d2').getConfig().valueSpace).to.deep.equal([-1, 0, 1]);
    expect((loaded.getLayer('qa') as QtscQuantAct).currentClip()).to.be.closeTo(2.8, 1e-6);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initTf } from '../../src/util/tf-backend.js';
import { registerQtscLayers } from '../../src/layers/register.js';
import { loadArtifacts } from '../../src/importers/tfjs-artifacts.js';
import { loadMnist } from '../../src/data/mnist.js';
import { evaluate, imagesToTensor } from '../../src/train/trainer.js';

const dir = path.join(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'examples', 'mnist-mlp-binary');

describe('shipped example examples/mnist-mlp-binary', () => {
  before(async () => {
    await initTf({ backend: 'wasm' });
    registerQtscLayers();
  });

  it('is a frozen binary MLP in the model format with the documented accuracy', async () => {
    const model = await tf.loadLayersModel(tf.io.fromMemory(await loadArtifacts(dir)));
    expect(model.layers.map((l) => l.getClassName())).to.deep.equal([
      'QtscDense', 'BatchNormalization', 'QtscSign', 'QtscDense', 'BatchNormalization', 'QtscSign', 'QtscDense',
    ]);
    expect(model.getUserDefinedMetadata()).to.deep.equal({ qtsc: { input: { bits: 8, scale: 1 / 255 } } });
    const units = [256, 256, 10];
    for (const [i, l] of model.layers.filter((x) => x.getClassName() === 'QtscDense').entries()) {
      expect(l.getConfig().valueSpace).to.equal('binary');
      expect(l.getConfig().units).to.equal(units[i]);
      expect(l.getConfig().useBias).to.equal(i === 2);
      const k = l.getWeights()[0].dataSync();
      for (const v of k) if (v !== 1 && v !== -1) expect.fail(`kernel value ${v} in ${l.name}`);
    }
    const test = loadMnist('test');
    const acc = evaluate(model, imagesToTensor(test, 'flat'), test.labels);
    const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
    const m = /\| (\d+\.\d\d)% \|/.exec(readme);
    expect(m, 'README states the accuracy').to.not.equal(null);
    expect((acc * 100).toFixed(2)).to.equal(m![1]);
    expect(acc).to.be.greaterThan(0.9);
  });
});

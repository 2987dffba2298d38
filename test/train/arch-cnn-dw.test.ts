import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { initTf } from '../../src/util/tf-backend.js';
import { loadMnist } from '../../src/data/mnist.js';
import { subset } from '../../src/data/dataset.js';
import { resolveValueSpace } from '../../src/layers/value-space.js';
import { buildCnn, buildCnnDw, defaultLossScale } from '../../src/train/arch.js';
import { freezeModel } from '../../src/train/freeze.js';
import { registerTrainLayers } from '../../src/train/register.js';
import { SearchConv2D } from '../../src/train/search-conv2d.js';
import { isSearchable } from '../../src/train/search-kernel.js';
import { DEFAULT_TRAIN_OPTIONS, fit, imagesToTensor, recomputeBatchNormStats } from '../../src/train/trainer.js';

describe('depthwise-separable CNN (cnn-dw)', () => {
  let x: tf.Tensor;
  let labels: Uint8Array;
  before(async () => {
    await initTf({ backend: 'wasm' });
    registerTrainLayers();
    const d = subset(loadMnist('train'), Array.from({ length: 200 }, (_, i) => i));
    x = imagesToTensor(d, 'image');
    labels = d.labels;
  });

  const tiny = { stemFilters: 8, blocks: [{ filters: 16, stride: 1 }, { filters: 16, stride: 2 }], hidden: [], inputShape: [28, 28, 1], numClasses: 10 };

  it('has the documented layer sequence; the first/last policy and the conv formulation reach the right layers', () => {
    const m = buildCnnDw({ ...tiny, method: 'sgt', valueSpace: 'pow2-2', actBits: 2, firstLast: 'int8', seed: 1, convFormulation: 'expand' });
    expect(m.layers.map((l) => l.getClassName())).to.deep.equal([
      'SearchConv2D', 'BatchNormalization', 'QtscQuantAct',
      'SearchDepthwiseConv2D', 'BatchNormalization', 'QtscQuantAct',
      'SearchConv2D', 'BatchNormalization', 'QtscQuantAct',
      'SearchDepthwiseConv2D', 'BatchNormalization', 'QtscQuantAct',
      'SearchConv2D', 'BatchNormalization', 'QtscQuantAct',
      'GlobalAveragePooling2D', 'SearchDense',
    ]);
    expect(m.layers.filter(isSearchable).map((l) => l.method)).to.deep.equal(['int8', 'sgt', 'sgt', 'sgt', 'sgt', 'int8']);
    // 'expand' only where the method has per-candidate masks
    expect(m.layers.filter((l) => l instanceof SearchConv2D).map((l) => (l as SearchConv2D).formulation)).to.deep.equal(['kernel', 'expand', 'expand']);
    expect(m.outputs[0].shape).to.deep.equal([null, 10]);
    expect((m.getLayer('stem') as SearchConv2D).strides).to.deep.equal([2, 2]);
    expect(m.getLayer('dw2').outputShape).to.deep.equal([null, 7, 7, 16]);
    const c = buildCnn({ method: 'rdhs', valueSpace: 'binary', actBits: 1, firstLast: 'space', convFilters: [4], hidden: [8], inputShape: [28, 28, 1], numClasses: 10, seed: 1, convFormulation: 'expand' });
    expect((c.getLayer('conv1') as SearchConv2D).formulation).to.equal('expand');
  });

  for (const [method, form] of [['rdhs', 'kernel'], ['sgt', 'expand']] as const) {
    it(`${method} (${form} convolutions): loss falls in a few steps; the frozen model holds only candidates and predicts like the search model`, async () => {
      const model = buildCnnDw({ ...tiny, method, valueSpace: 'pow2-2', actBits: 2, firstLast: 'space', seed: 4, convFormulation: form });
      const losses: number[] = [];
      // a global-average-pooled net with 16 features learns slowly at first: 48 steps
      const options = { ...DEFAULT_TRAIN_OPTIONS, epochs: 6, batchSize: 25, learningRate: 3e-2, lossScale: defaultLossScale(model), seed: 5 };
      await fit({ model, train: { x, labels }, numClasses: 10, options, onStep: (l) => losses.push(l) });
      const first = (losses[0] + losses[1]) / 2;
      const last = losses.slice(-4).reduce((a, b) => a + b, 0) / 4;
      expect(last, `losses ${losses.map((l) => l.toFixed(3)).join(' ')}`).to.be.lessThan(first * 0.9);
      recomputeBatchNormStats(model, x);
      const frozen = await freezeModel(model);
      const values = resolveValueSpace('pow2-2');
      const kernels = frozen.layers.filter((l) => /^Qtsc(Conv2D|DepthwiseConv2D|Dense)$/.test(l.getClassName()));
      expect(kernels.map((l) => l.getClassName())).to.deep.equal(['QtscConv2D', 'QtscDepthwiseConv2D', 'QtscConv2D', 'QtscDepthwiseConv2D', 'QtscConv2D', 'QtscDense']);
      for (const l of kernels) for (const v of l.getWeights()[0].dataSync()) if (!values.includes(v)) expect.fail(`${l.name}: ${v}`);
      const a = (model.predict(x) as tf.Tensor).dataSync();
      const b = (frozen.predict(x) as tf.Tensor).dataSync();
      for (let i = 0; i < a.length; i++) expect(b[i]).to.be.closeTo(a[i], 1e-3 * Math.max(1, Math.abs(a[i])));
    });
  }
});

import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { initTf } from '../../src/util/tf-backend.js';
import { batchNormTrain, installFastBatchNorm } from '../../src/train/fast-batchnorm.js';

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function rand(shape: number[], seed: number, mean = 0, std = 1): Float32Array {
  return tf.tidy(() => tf.randomNormal(shape, mean, std, 'float32', seed).dataSync() as Float32Array);
}

interface Outcome {
  y: Float32Array;
  grads: Float32Array[];
  movingMean: Float32Array;
  movingVariance: Float32Array;
}

/**
 * One training-mode application of a BatchNormalization layer with the given
 * weights to x, on the active backend: its output, the gradients of
 * sum(y * dy) to x, gamma and beta, and the updated moving statistics.
 */
function applyLayer(shape: number[], x: Float32Array, dy: Float32Array, gamma: Float32Array, beta: Float32Array, momentum: number): Outcome {
  return tf.tidy(() => {
    const c = shape[shape.length - 1];
    const layer = tf.layers.batchNormalization({ momentum, epsilon: 1e-3 });
    layer.build(shape);
    const mm = rand([c], 5);
    const mv = tf.tidy(() => tf.abs(tf.randomNormal([c], 1, 0.2, 'float32', 6)).dataSync() as Float32Array);
    layer.setWeights([tf.tensor1d(gamma), tf.tensor1d(beta), tf.tensor1d(mm), tf.tensor1d(mv)]);
    const xt = tf.tensor(x, shape);
    const dyt = tf.tensor(dy, shape);
    const [g, b] = layer.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
    let y: Float32Array | null = null;
    const f = (xx: tf.Tensor) => {
      const out = layer.apply(xx, { training: true }) as tf.Tensor;
      if (y === null) y = out.dataSync() as Float32Array;
      return tf.sum(tf.mul(out, dyt)) as tf.Scalar;
    };
    // x's gradient via tf.grad; gamma's and beta's via variableGrads on the same function
    const dx = tf.grad(f)(xt).dataSync() as Float32Array;
    const vg = tf.variableGrads(() => f(xt), [g, b]);
    const w = layer.getWeights();
    // the layer ran three times in training mode: the moving statistics moved three times
    return {
      y: y!,
      grads: [dx, vg.grads[g.name].dataSync() as Float32Array, vg.grads[b.name].dataSync() as Float32Array],
      movingMean: w[2].dataSync() as Float32Array,
      movingVariance: w[3].dataSync() as Float32Array,
    };
  });
}

describe('fast training-mode batch normalisation', () => {
  before(async () => {
    await initTf({ backend: 'wasm' });
    installFastBatchNorm();
  });
  after(async () => {
    await tf.setBackend('wasm');
  });

  for (const shape of [
    [4, 5, 6, 3],
    [7, 9],
    [2, 3, 3, 16],
    [8, 12, 12, 8],
  ]) {
    it(`BatchNormalization layer [${shape}]: output, gradients and moving statistics on wasm equal tfjs-layers' on the cpu backend`, async () => {
      const c = shape[shape.length - 1];
      const size = shape.reduce((a, b) => a * b, 1);
      // a non-zero mean and a scale far from 1 so that every term of the gradient matters
      const x = rand(shape, 1, 0.7, 2.5);
      const dy = rand(shape, 2);
      const gamma = rand([c], 3, 1, 0.5);
      const beta = rand([c], 4);
      await tf.setBackend('wasm');
      const mine = applyLayer(shape, x, dy, gamma, beta, 0.9);
      await tf.setBackend('cpu');
      const ref = applyLayer(shape, x, dy, gamma, beta, 0.9);
      await tf.setBackend('wasm');
      expect(mine.y.length).to.equal(size);
      expect(maxAbsDiff(mine.y, ref.y), 'y').to.be.lessThan(1e-4);
      const names = ['x', 'gamma', 'beta'];
      for (let i = 0; i < 3; i++) {
        expect(maxAbsDiff(mine.grads[i], ref.grads[i]), `d${names[i]}`).to.be.lessThan(2e-4);
        expect(maxAbsDiff(ref.grads[i], new Float32Array(ref.grads[i].length)), `non-trivial d${names[i]}`).to.be.greaterThan(1e-3);
      }
      expect(maxAbsDiff(mine.movingMean, ref.movingMean), 'moving mean').to.be.lessThan(1e-5);
      expect(maxAbsDiff(mine.movingVariance, ref.movingVariance), 'moving variance').to.be.lessThan(1e-4);
    });
  }

  for (const shape of [
    [3, 4, 5],
    [1, 5],
    [13, 7],
  ]) {
    it(`batchNormTrain [${shape}] returns the biased batch statistics of tf.moments`, () => {
      const c = shape[shape.length - 1];
      const x = tf.tensor(rand(shape, 9, 2, 3), shape);
      const r = batchNormTrain(x, tf.ones([c]) as tf.Tensor1D, tf.zeros([c]) as tf.Tensor1D, 1e-3);
      const m = tf.moments(x, shape.slice(0, -1).map((_, i) => i));
      expect(r.mean.shape).to.deep.equal([c]);
      expect(maxAbsDiff(r.mean.dataSync(), m.mean.dataSync())).to.be.lessThan(1e-5);
      expect(maxAbsDiff(r.variance.dataSync(), m.variance.dataSync())).to.be.lessThan(1e-4);
      tf.dispose([x, r.y, r.mean, r.variance, m.mean, m.variance]);
    });
  }

  it('training mode on wasm runs batchNormTrain (no FusedBatchNorm kernel), inference runs tfjs-layers code', async () => {
    await tf.setBackend('wasm');
    const layer = tf.layers.batchNormalization({});
    layer.build([4, 3]);
    const x = tf.randomNormal([4, 3]);
    const train = await tf.profile(() => tf.tidy(() => layer.apply(x, { training: true }) as tf.Tensor));
    expect(train.kernelNames).to.include('AvgPool');
    expect(train.kernelNames).to.not.include('FusedBatchNorm');
    const infer = await tf.profile(() => tf.tidy(() => layer.apply(x, { training: false }) as tf.Tensor));
    expect(infer.kernelNames).to.include('FusedBatchNorm');
  });

  it('inference mode and the cpu backend keep tfjs-layers code (moving statistics untouched in inference)', async () => {
    const layer = tf.layers.batchNormalization({});
    layer.build([2, 3]);
    const before = layer.getWeights().map((w) => Array.from(w.dataSync()));
    const y = layer.apply(tf.tensor2d([[1, 2, 3], [4, 5, 6]]), { training: false }) as tf.Tensor;
    expect(maxAbsDiff(y.dataSync(), [1, 2, 3, 4, 5, 6].map((v) => v / Math.sqrt(1 + 1e-3)))).to.be.lessThan(1e-5);
    expect(layer.getWeights().map((w) => Array.from(w.dataSync()))).to.deep.equal(before);
  });
});

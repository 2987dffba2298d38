import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { initTf } from '../../src/util/tf-backend.js';
import { columnSums, conv2dFast, installFastGradients, matMulFast } from '../../src/train/fast-ops.js';
import { stockConv2d } from '../helpers/stock-conv.js';

/** Runs f on the cpu backend, returning plain arrays. */
async function onCpu<T>(f: () => T): Promise<T> {
  await tf.setBackend('cpu');
  try {
    return f();
  } finally {
    await tf.setBackend('wasm');
  }
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function rand(shape: number[], seed: number): { data: Float32Array; shape: number[] } {
  return { data: tf.tidy(() => tf.randomNormal(shape, 0, 1, 'float32', seed).dataSync() as Float32Array), shape };
}

describe('fast training ops', () => {
  before(async () => {
    await initTf({ backend: 'wasm' });
  });

  it('matMulFast: same value and gradients as tf.matMul', async () => {
    const a = rand([5, 7], 1);
    const b = rand([7, 3], 2);
    const dy = rand([5, 3], 3);
    const mine = tf.grads((x: tf.Tensor, w: tf.Tensor) => matMulFast(x as tf.Tensor2D, w as tf.Tensor2D))([tf.tensor(a.data, a.shape), tf.tensor(b.data, b.shape)], tf.tensor(dy.data, dy.shape));
    const ref = await onCpu(() =>
      tf.grads((x: tf.Tensor, w: tf.Tensor) => tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D))([tf.tensor(a.data, a.shape), tf.tensor(b.data, b.shape)], tf.tensor(dy.data, dy.shape)).map((t) => t.dataSync()),
    );
    expect(maxAbsDiff(mine[0].dataSync(), ref[0])).to.be.lessThan(1e-4);
    expect(maxAbsDiff(mine[1].dataSync(), ref[1])).to.be.lessThan(1e-4);
  });

  for (const [padding, k, cin, cout, h, w] of [
    ['same', 3, 2, 4, 6, 5],
    ['same', 2, 3, 2, 5, 6],
    ['valid', 3, 2, 3, 7, 6],
    ['same', 1, 3, 2, 4, 4],
    // one input channel (the first layer of an image model) and more
    ['same', 3, 1, 5, 7, 6],
    ['same', 3, 9, 4, 5, 6],
    ['valid', 2, 6, 3, 6, 7],
  ] as const) {
    it(`conv2dFast ${padding} ${k}x${k}: value and gradients equal tfjs' conv2d on the cpu backend`, async () => {
      const x = rand([2, h, w, cin], 11);
      const kern = rand([k, k, cin, cout], 12);
      const outH = padding === 'same' ? h : h - k + 1;
      const outW = padding === 'same' ? w : w - k + 1;
      const dy = rand([2, outH, outW, cout], 13);
      const f = (kind: 'fast' | 'tf' | 'stock') => (xx: tf.Tensor, ww: tf.Tensor) =>
        kind === 'fast' ? conv2dFast(xx as tf.Tensor4D, ww as tf.Tensor4D, padding) : kind === 'tf' ? tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 1, padding) : stockConv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 1, padding);
      const value = conv2dFast(tf.tensor4d(x.data, x.shape as [number, number, number, number]), tf.tensor4d(kern.data, kern.shape as [number, number, number, number]), padding).dataSync();
      const mine = tf.grads(f('fast'))([tf.tensor(x.data, x.shape), tf.tensor(kern.data, kern.shape)], tf.tensor(dy.data, dy.shape)).map((t) => t.dataSync());
      // the reference runs the cpu backend's own backprop kernels directly:
      // the registered Conv2D gradient (installed for cpu too) is not involved
      const ref = await onCpu(() => ({
        value: tf.conv2d(tf.tensor4d(x.data, x.shape as [number, number, number, number]), tf.tensor4d(kern.data, kern.shape as [number, number, number, number]), 1, padding).dataSync(),
        grads: tf.grads(f('stock'))([tf.tensor(x.data, x.shape), tf.tensor(kern.data, kern.shape)], tf.tensor(dy.data, dy.shape)).map((t) => t.dataSync()),
      }));
      // and the conv2d gradient on the cpu backend is the registered one, equal to its kernels too
      const onCpuGrads = await onCpu(() => tf.grads(f('tf'))([tf.tensor(x.data, x.shape), tf.tensor(kern.data, kern.shape)], tf.tensor(dy.data, dy.shape)).map((t) => t.dataSync()));
      expect(maxAbsDiff(onCpuGrads[0], ref.grads[0]), 'dx on cpu').to.be.lessThan(1e-4);
      expect(maxAbsDiff(onCpuGrads[1], ref.grads[1]), 'dw on cpu').to.be.lessThan(1e-3);
      expect(maxAbsDiff(value, ref.value)).to.be.lessThan(1e-4);
      expect(maxAbsDiff(mine[0], ref.grads[0]), 'dx').to.be.lessThan(1e-4);
      expect(maxAbsDiff(mine[1], ref.grads[1]), 'dw').to.be.lessThan(1e-3);
    });
  }

  it('a clone on wasm shares its data and outlives the original', () => {
    installFastGradients();
    const x = tf.tensor([1, 2, 3, 4], [2, 2]);
    const before = tf.memory().numDataBuffers;
    const y = tf.clone(x);
    expect(tf.memory().numDataBuffers - before, 'no new data buffer').to.equal(0);
    x.dispose();
    expect(Array.from(y.dataSync())).to.deep.equal([1, 2, 3, 4]);
    const z = tf.add(y, 1);
    y.dispose();
    expect(Array.from(z.dataSync())).to.deep.equal([2, 3, 4, 5]);
    z.dispose();
  });

  it('columnSums sums each column', () => {
    expect(Array.from(columnSums(tf.tensor2d([[1, 2], [3, 4], [5, 6]])).dataSync())).to.deep.equal([9, 12]);
  });

  it("the installed BatchNorm and MaxPool gradients equal those of the same function built from elementwise ops", async () => {
    installFastGradients();
    installFastGradients();
    const x = rand([3, 4, 4, 5], 21);
    const gamma = rand([5], 22);
    const beta = rand([5], 23);
    const dy = rand([3, 2, 2, 5], 24);
    // training-mode batch norm (moments of the batch) followed by 2x2 max pooling
    const f = (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor => {
      const { mean, variance } = tf.moments(xx, [0, 1, 2]);
      const y = tf.batchNorm(xx as tf.Tensor4D, mean, variance, b, g, 1e-3);
      return tf.maxPool(y as tf.Tensor4D, 2, 2, 'valid');
    };
    // the same function without the FusedBatchNorm and MaxPool kernels
    const ref = (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor => {
      const { mean, variance } = tf.moments(xx, [0, 1, 2]);
      const y = tf.add(tf.mul(tf.mul(tf.sub(xx, mean), tf.rsqrt(tf.add(variance, 1e-3))), g), b);
      const r = tf.reshape(y, [3 * 2, 2, 2, 2, 5]);
      return tf.reshape(tf.max(tf.max(r, 1), 2), [3, 2, 2, 5]);
    };
    const args = () => [tf.tensor(x.data, x.shape), tf.tensor(gamma.data, gamma.shape), tf.tensor(beta.data, beta.shape)];
    for (const backend of ['wasm', 'cpu']) {
      await tf.setBackend(backend);
      const a = tf.grads(f)(args(), tf.tensor(dy.data, dy.shape)).map((t) => t.dataSync());
      const b = tf.grads(ref)(args(), tf.tensor(dy.data, dy.shape)).map((t) => t.dataSync());
      expect(maxAbsDiff(f(...(args() as [tf.Tensor, tf.Tensor, tf.Tensor])).dataSync(), ref(...(args() as [tf.Tensor, tf.Tensor, tf.Tensor])).dataSync())).to.be.lessThan(1e-4);
      for (let i = 0; i < 3; i++) expect(maxAbsDiff(a[i], b[i]), `${backend} input ${i}`).to.be.lessThan(1e-4);
      expect(maxAbsDiff(a[0], new Float32Array(a[0].length)), 'non-trivial gradient').to.be.greaterThan(1e-3);
    }
    await tf.setBackend('wasm');
  });

  it('wasm reductions over leading axes give the same values and shapes as on the cpu backend', async () => {
    installFastGradients();
    const x = rand([3, 4, 5, 6], 31);
    const cases: Array<[string, number[], boolean]> = [
      ['sum', [0, 1, 2], false],
      ['sum', [0, 1, 2], true],
      ['mean', [0, 1], false],
      ['mean', [1, 0, 2], true],
      ['max', [0, 1, 2], false],
      ['min', [0, 1], true],
      ['sum', [1, 2], false],
      ['mean', [-4, -3], false],
    ];
    const run = (op: string, axes: number[], keep: boolean) => {
      const t = tf.tensor(x.data, x.shape);
      const r = (tf as unknown as Record<string, (a: tf.Tensor, b: number[], c: boolean) => tf.Tensor>)[op](t, axes, keep);
      return { shape: r.shape, data: r.dataSync() };
    };
    for (const [op, axes, keep] of cases) {
      const mine = run(op, axes, keep);
      const ref = await onCpu(() => run(op, axes, keep));
      expect(mine.shape, `${op} ${axes} ${keep}`).to.deep.equal(ref.shape);
      expect(maxAbsDiff(mine.data, ref.data), `${op} ${axes} ${keep}`).to.be.lessThan(1e-4);
    }
  });
});

import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { initTf } from '../../src/util/tf-backend.js';
import { gatherRows } from '../../src/train/gather-rows.js';

describe('gatherRows', () => {
  before(async () => {
    await initTf({ backend: 'wasm' });
  });
  after(async () => {
    await tf.setBackend('wasm');
  });

  for (const backend of ['wasm', 'cpu']) {
    it(`equals tf.gather on the ${backend} backend (float32 images, int32 labels, repeated and unordered indices)`, async () => {
      await tf.setBackend(backend);
      const x = tf.randomNormal([37, 5, 4, 3], 0, 1, 'float32', 1);
      const labels = tf.tensor1d(Int32Array.from({ length: 37 }, (_, i) => (i * 7) % 10), 'int32');
      const idx = Int32Array.from([36, 0, 5, 5, 17, 2, 36]);
      for (const t of [x, labels]) {
        const mine = gatherRows(t, idx);
        const ref = tf.gather(t, tf.tensor1d(idx, 'int32'));
        expect(mine.shape).to.deep.equal(ref.shape);
        expect(mine.dtype).to.equal(ref.dtype);
        expect(Array.from(mine.dataSync())).to.deep.equal(Array.from(ref.dataSync()));
      }
      expect(() => gatherRows(x, Int32Array.from([37]))).to.throw(/outside/);
      expect(() => gatherRows(x, Int32Array.from([-1]))).to.throw(/outside/);
      await tf.setBackend('wasm');
    });
  }

  it('reads the rows after the backend memory has grown', () => {
    const x = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    // allocations in between may move or grow the wasm memory
    const big = tf.zeros([4 << 20]);
    expect(Array.from(gatherRows(x, Int32Array.from([2, 0])).dataSync())).to.deep.equal([5, 6, 1, 2]);
    big.dispose();
  });
});

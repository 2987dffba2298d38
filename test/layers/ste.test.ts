import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { initTf } from '../../src/util/tf-backend.js';
import { quantActForward, quantActSte, signForward, signIdentitySte, signSte } from '../../src/layers/ste.js';

describe('quantizer functions', () => {
  before(async () => {
    await initTf({ backend: 'wasm' });
  });

  it('sign maps 0 to +1', () => {
    const y = signForward(tf.tensor1d([-2, -1e-7, 0, 1e-7, 3])).arraySync();
    expect(y).to.deep.equal([-1, -1, 1, 1, 1]);
  });

  it('sign STE passes the gradient only where |x| <= 1', () => {
    const x = tf.tensor1d([-2, -1, -0.5, 0, 0.5, 1, 1.5]);
    const w = tf.tensor1d([1, 2, 3, 4, 5, 6, 7]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(signSte(v), w)))(x).arraySync();
    expect(g).to.deep.equal([0, 2, 3, 4, 5, 6, 0]);
    expect(signSte(x).arraySync()).to.deep.equal([-1, -1, -1, 1, 1, 1, 1]);
  });

  it('identity sign STE passes every gradient', () => {
    const x = tf.tensor1d([-2, 0, 3]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(signIdentitySte(v), tf.tensor1d([1, 2, 3]))))(x).arraySync();
    expect(g).to.deep.equal([1, 2, 3]);
  });

  it('quantizer rounds half up, clamps to [0, 2^bits - 1] steps', () => {
    // bits 2, clip 3: s = 1
    const x = tf.tensor1d([-1, 0, 0.49, 0.5, 1.5, 2.5, 3, 3.5, 10]);
    expect(quantActForward(x, 3, 2).arraySync()).to.deep.equal([0, 0, 0, 1, 2, 3, 3, 3, 3]);
    // bits 3, clip 3.5: s = 0.5; halfway points 0.25 -> 0.5, 0.75 -> 1, 1.25 -> 1.5
    const x2 = tf.tensor1d([0.24, 0.25, 0.75, 1.25, 3.25, 3.74]);
    expect(quantActForward(x2, 3.5, 3).arraySync()).to.deep.equal([0, 0.5, 1, 1.5, 3.5, 3.5]);
    // bits 1, clip 2: s = 2, values {0, 2}; x = 1 is halfway -> 2
    expect(quantActForward(tf.tensor1d([0.99, 1, 5]), 2, 1).arraySync()).to.deep.equal([0, 2, 2]);
  });

  it('quantizer gradients equal those built from tfjs comparison ops, boundaries and negative clips included', () => {
    for (const [clipV, seed] of [[1.5, 1], [0.5, 2], [-0.5, 3], [0, 4]] as const) {
      // a grid with exact hits on 0 and the clip
      const x = tf.tidy(() => tf.concat([tf.mul(tf.round(tf.mul(tf.randomNormal([200], 0, 1, 'float32', seed), 4)), 0.25), tf.tensor1d([0, clipV, -0, clipV - 1e-7])]));
      const clip = tf.tensor1d([clipV]);
      const w = tf.randomNormal([x.size], 0, 1, 'float32', seed + 10);
      const [gx, gc] = tf.grads((a: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(quantActSte(a, c, 3), w)))([x, clip]);
      const inside = tf.cast(tf.logicalAnd(tf.greaterEqual(x, 0), tf.lessEqual(x, clip)), 'float32');
      const above = tf.cast(tf.greater(x, clip), 'float32');
      expect(Array.from(gx.dataSync())).to.deep.equal(Array.from(tf.mul(w, inside).dataSync()));
      expect(gc.dataSync()[0]).to.be.closeTo(tf.sum(tf.mul(w, above)).dataSync()[0], 1e-4);
    }
  });

  it('quantizer gradients: STE to x inside [0, clip], PACT to clip', () => {
    const x = tf.tensor1d([-0.5, 0, 1, 2, 2.5, 4]);
    const clip = tf.tensor1d([2]);
    const w = tf.tensor1d([1, 2, 3, 4, 5, 6]);
    const [gx, gc] = tf.grads((a: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(quantActSte(a, c, 2), w)))([x, clip]);
    expect(gx.arraySync()).to.deep.equal([0, 2, 3, 4, 0, 0]);
    expect(gc.shape).to.deep.equal([1]);
    expect(gc.arraySync()).to.deep.equal([11]);
  });
});

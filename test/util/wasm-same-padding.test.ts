import { expect } from 'chai';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { initTf } from '../../src/util/tf-backend.js';

/** y of a 'same'-padded convolution of the given kind on the active backend. */
function run(kind: string, x: tf.Tensor4D, w: tf.Tensor4D, s: [number, number], d: number): Float32Array {
  return tf.tidy(() => {
    const bias = tf.ones([kind.includes('dw') ? w.shape[2] * w.shape[3] : w.shape[3]]);
    const y =
      kind === 'conv'
        ? tf.conv2d(x, w, s, 'same', 'NHWC', d)
        : kind === 'dw'
          ? tf.depthwiseConv2d(x, w, s, 'same', 'NHWC', d)
          : kind === 'fused'
            ? tf.fused.conv2d({ x, filter: w, strides: s, pad: 'same', dilations: d, bias, activation: 'relu' })
            : tf.fused.depthwiseConv2d({ x, filter: w, strides: s, pad: 'same', dilations: d, bias });
    return y.dataSync() as Float32Array;
  });
}

describe("wasm 'same' padding", () => {
  it('the wasm Conv2D / DepthwiseConv2dNative / fused kernels give the cpu backend\'s values for strides larger than the kernel', async () => {
    await initTf({ backend: 'wasm' });
    // 1x1 kernel, stride 2, even input: the case the unwrapped wasm kernel gets wrong (zeros)
    const x0 = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    expect(Array.from(tf.conv2d(x0, tf.tensor4d([1], [1, 1, 1, 1]), 2, 'same').dataSync())).to.deep.equal([1]);
    fc.assert(
      fc.property(
        fc.record({
          kind: fc.constantFrom('conv', 'dw', 'fused', 'fuseddw'),
          h: fc.integer({ min: 1, max: 8 }),
          w: fc.integer({ min: 1, max: 8 }),
          kh: fc.integer({ min: 1, max: 4 }),
          kw: fc.integer({ min: 1, max: 4 }),
          sh: fc.integer({ min: 1, max: 3 }),
          sw: fc.integer({ min: 1, max: 3 }),
          dilated: fc.boolean(),
          seed: fc.integer({ min: 1, max: 1000 }),
        }),
        (c) => {
          // tfjs allows dilations only with stride 1
          const d = c.dilated && c.sh === 1 && c.sw === 1 ? 2 : 1;
          const x = tf.randomNormal([2, c.h, c.w, 2], 0, 1, 'float32', c.seed) as tf.Tensor4D;
          const w = tf.randomNormal([c.kh, c.kw, 2, 3], 0, 1, 'float32', c.seed + 1) as tf.Tensor4D;
          const got = run(c.kind, x, w, [c.sh, c.sw], d);
          tf.setBackend('cpu');
          const want = run(c.kind, x, w, [c.sh, c.sw], d);
          tf.setBackend('wasm');
          x.dispose();
          w.dispose();
          expect(got.length).to.equal(want.length);
          for (let i = 0; i < got.length; i++) expect(got[i], JSON.stringify(c)).to.be.closeTo(want[i], 1e-4);
        },
      ),
      { numRuns: 150 },
    );
  });
});

import { expect } from 'chai';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { geMask, gtMask, insideMask, leMask, ltMask } from '../../src/layers/masks.js';
import { initTf } from '../../src/util/tf-backend.js';

const f32 = fc.float({ noNaN: true, noDefaultInfinity: true });

describe('arithmetic comparison masks equal tfjs comparisons', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    it(`on ${backend}: >, <, >=, <= and [lo, hi] against numbers, scalars and [1] tensors, ties and signed zeros included`, async () => {
      await initTf({ backend });
      const edge = [0, -0, 1, -1, 1.5, -1.5, 1e-45, -1e-45, 3.4e38, -3.4e38, 0.1, 2];
      fc.assert(
        fc.property(fc.array(fc.oneof(f32, fc.constantFrom(...edge)), { minLength: 1, maxLength: 30 }), fc.oneof(fc.constantFrom(0, 1, -1.5, 0.1), f32), (xs, t) => {
          tf.tidy(() => {
            const x = tf.tensor1d(xs);
            const tt = Math.fround(t);
            for (const thr of [tt, tf.scalar(tt), tf.tensor1d([tt])] as const) {
              const want = (f: (a: tf.Tensor, b: tf.Tensor | number) => tf.Tensor) => Array.from(tf.cast(f(x, thr), 'float32').dataSync());
              expect(Array.from(gtMask(x, thr).dataSync())).to.deep.equal(want(tf.greater));
              expect(Array.from(ltMask(x, thr).dataSync())).to.deep.equal(want(tf.less));
              expect(Array.from(geMask(x, thr).dataSync())).to.deep.equal(want(tf.greaterEqual));
              expect(Array.from(leMask(x, thr).dataSync())).to.deep.equal(want(tf.lessEqual));
            }
            const inside = Array.from(insideMask(x, 0, tt).dataSync());
            const ref = Array.from(tf.cast(tf.logicalAnd(tf.greaterEqual(x, 0), tf.lessEqual(x, tt)), 'float32').dataSync());
            expect(inside).to.deep.equal(ref);
          });
        }),
        { numRuns: 200 },
      );
    });
  }
});

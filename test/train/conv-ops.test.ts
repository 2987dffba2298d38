import { expect } from 'chai';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { stockConv2d } from '../helpers/stock-conv.js';
import { initTf } from '../../src/util/tf-backend.js';
import { axisPadding, conv2dStrided, depthwiseConv2dFast, dilateSpatial } from '../../src/train/conv-ops.js';

type Arr = { data: Float32Array; shape: number[] };

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).to.equal(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function rand(shape: number[], seed: number): Arr {
  return { data: tf.tidy(() => tf.randomNormal(shape, 0, 1, 'float32', seed).dataSync() as Float32Array), shape };
}

const t = (a: Arr) => tf.tensor(a.data, a.shape);

interface Case {
  n: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  cin: number;
  /** filters (conv2d) or depth multiplier (depthwise) */
  cout: number;
  padding: 'same' | 'valid';
  seed: number;
}

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    n: fc.integer({ min: 1, max: 2 }),
    kh: fc.integer({ min: 1, max: 5 }),
    kw: fc.integer({ min: 1, max: 5 }),
    extraH: fc.integer({ min: 0, max: 5 }),
    extraW: fc.integer({ min: 0, max: 5 }),
    sh: fc.integer({ min: 1, max: 3 }),
    sw: fc.integer({ min: 1, max: 3 }),
    cin: fc.integer({ min: 1, max: 3 }),
    cout: fc.integer({ min: 1, max: 3 }),
    padding: fc.constantFrom('same' as const, 'valid' as const),
    seed: fc.integer({ min: 1, max: 1000 }),
  })
  // 'valid' needs the input at least as large as the kernel
  .map((r) => ({ ...r, h: r.kh + r.extraH, w: r.kw + r.extraW }));

/** Value and gradients w.r.t. x, kernel and bias of op(x, w) + b for a given dy. */
function valueAndGrads(op: (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D, x: Arr, w: Arr, b: Arr, dySeed: number): Float32Array[] {
  return tf.tidy(() => {
    const f = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.add(op(xx as tf.Tensor4D, ww as tf.Tensor4D), bb);
    const y = f(t(x), t(w), t(b));
    const dy = tf.randomNormal(y.shape, 0, 1, 'float32', dySeed);
    const g = tf.grads(f)([t(x), t(w), t(b)], dy);
    return [y.dataSync() as Float32Array, ...g.map((v) => v.dataSync() as Float32Array)];
  });
}

function check(kind: 'conv2d' | 'depthwise', c: Case, backend: string): void {
  const x = rand([c.n, c.h, c.w, c.cin], c.seed);
  const w = rand([c.kh, c.kw, c.cin, c.cout], c.seed + 1);
  const b = rand([kind === 'conv2d' ? c.cout : c.cin * c.cout], c.seed + 2);
  const s: [number, number] = [c.sh, c.sw];
  const mine = kind === 'conv2d' ? (xx: tf.Tensor4D, ww: tf.Tensor4D) => conv2dStrided(xx, ww, s, c.padding) : (xx: tf.Tensor4D, ww: tf.Tensor4D) => depthwiseConv2dFast(xx, ww, s, c.padding);
  const ref = kind === 'conv2d' ? (xx: tf.Tensor4D, ww: tf.Tensor4D) => stockConv2d(xx, ww, s, c.padding) : (xx: tf.Tensor4D, ww: tf.Tensor4D) => tf.depthwiseConv2d(xx, ww, s, c.padding);
  tf.setBackend(backend);
  const got = valueAndGrads(mine, x, w, b, c.seed + 3);
  tf.setBackend('cpu');
  const want = valueAndGrads(ref, x, w, b, c.seed + 3);
  const names = ['value', 'dx', 'dw', 'db'];
  for (let i = 0; i < 4; i++) expect(maxAbsDiff(got[i], want[i]), `${names[i]} ${JSON.stringify(c)}`).to.be.lessThan(1e-3);
}

describe('strided and depthwise convolutions with forward-only gradients', () => {
  before(async () => {
    await initTf({ backend: 'wasm' });
  });
  after(async () => {
    await tf.setBackend('wasm');
  });

  it('axisPadding matches the output sizes of tf.conv2d', async () => {
    await tf.setBackend('cpu');
    for (const padding of ['same', 'valid'] as const)
      for (let n = 1; n <= 9; n++)
        for (let k = 1; k <= 5; k++)
          for (let s = 1; s <= 3; s++) {
            if (padding === 'valid' && n < k) continue;
            const y = tf.tidy(() => tf.conv2d(tf.zeros([1, n, 1, 1]) as tf.Tensor4D, tf.zeros([k, 1, 1, 1]) as tf.Tensor4D, [s, 1], padding).shape);
            const p = axisPadding(n, k, s, padding);
            expect(p.out, `${padding} n=${n} k=${k} s=${s}`).to.equal(y[1]);
            // TF puts the odd extra pixel after
            expect(p.after - p.before).to.be.oneOf([0, 1]);
          }
    expect(axisPadding(6, 3, 2, 'same')).to.deep.equal({ before: 0, after: 1, out: 3 });
    expect(axisPadding(7, 4, 1, 'same')).to.deep.equal({ before: 1, after: 2, out: 7 });
    expect(() => axisPadding(2, 3, 1, 'valid')).to.throw(/smaller than the kernel/);
  });

  it('dilateSpatial inserts s-1 zeros between rows and columns', async () => {
    await tf.setBackend('wasm');
    const d = dilateSpatial(tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]), 2, 3);
    expect(d.shape).to.deep.equal([1, 3, 4, 1]);
    expect(Array.from(d.dataSync())).to.deep.equal([1, 0, 0, 2, 0, 0, 0, 0, 3, 0, 0, 4]);
  });

  for (const kind of ['conv2d', 'depthwise'] as const) {
    for (const backend of ['cpu', 'wasm']) {
      it(`${kind} on ${backend}: value and gradients (x, kernel, bias) equal tf's on the cpu backend for random shapes, strides 1..3, kernels 1..5, both paddings`, () => {
        fc.assert(
          fc.property(caseArb, (c) => check(kind, c, backend)),
          { numRuns: backend === 'cpu' ? 60 : 40 },
        );
      });
    }
    it(`${kind}: a hand-picked stride-2 'same' case with an even input (extra padding at the bottom/right)`, () => {
      check(kind, { n: 2, h: 8, w: 6, kh: 3, kw: 4, sh: 2, sw: 2, cin: 2, cout: 3, padding: 'same', seed: 7 }, 'wasm');
    });
  }
});

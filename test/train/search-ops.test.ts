import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { initTf } from '../../src/util/tf-backend.js';
import { GUMBEL_U_MAX, GUMBEL_U_MIN, gumbelFromUniform, gumbelNoise, hardSelectST, nearestSTE, quantizeNearest, rdhsSoft, rdhsWeight, selectCandidate, sgtWeight, stopGradient, xnorWeight } from '../../src/train/search-ops.js';

function close(a: number[] | number[][], b: number[] | number[][], eps = 1e-5): void {
  const fa = (a as number[]).flat(2) as number[];
  const fb = (b as number[]).flat(2) as number[];
  expect(fa.length).to.equal(fb.length);
  fa.forEach((v, i) => expect(v, `element ${i}: ${fa} vs ${fb}`).to.be.closeTo(fb[i], eps));
}

describe('weight-search estimators', () => {
  before(async () => {
    await initTf({ backend: 'wasm' });
  });

  const binary = (): tf.Tensor1D => tf.tensor1d([-1, 1]);
  const pow2 = (): tf.Tensor1D => tf.tensor1d([-1, -0.5, 0.5, 1]);

  it('selectCandidate equals tf.gather(q, argMax) exactly, ties to the first maximum', () => {
    let seed = 100;
    for (const q of [[-1, 1], [0.1, 0.3, 0.7], [-4, -2, -1, 0, 1, 2, 4], [2.5], [-0.3, 0, 1e-3, 7.1, 9]]) {
      const m = q.length;
      // logits rounded to a coarse grid so that ties occur
      const t = tf.tidy(() => tf.round(tf.mul(tf.randomNormal([6, 5, 4, m], 0, 1, 'float32', seed++), 2)));
      const qt = tf.tensor1d(q);
      const mine = selectCandidate(t, qt);
      const ref = tf.gather(qt, tf.argMax(t, -1));
      expect(mine.shape).to.deep.equal(ref.shape);
      expect(Array.from(mine.dataSync())).to.deep.equal(Array.from(ref.dataSync()));
      tf.dispose([t, qt, mine, ref]);
    }
  });

  function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
    let m = 0;
    for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
    return m;
  }

  it('rdhsWeight and sgtWeight equal their definitions from tfjs ops (values exactly, gradients to 1e-5)', () => {
    let seed = 200;
    for (const q of [[-1, 1], [0.1, 0.3, 0.7], [-1, -0.5, 0.5, 1, 2]]) {
      const m = q.length;
      const qt = tf.tensor1d(q);
      for (const [tau, mu] of [[1, 0], [0.3, 0], [0.7, 0.5]]) {
        const shape = [7, 6, m];
        const alpha = tf.randomNormal(shape, 0, 1, 'float32', seed++);
        const c = tf.randomNormal(shape.slice(0, -1), 0, 1, 'float32', seed++);
        const noiseSeed = seed++;
        const rdhsRef = (a: tf.Tensor) => hardSelectST(rdhsSoft(a, tau, mu, noiseSeed), qt);
        // eq. 6 written directly with tf.gather and broadcasts
        const sgtRef = (a: tf.Tensor) =>
          tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
            const v = tf.gather(qt, tf.argMax(x, -1));
            save([v]);
            return {
              value: v,
              gradFunc: (dw: tf.Tensor, [sv]: tf.Tensor[]) => tf.mul(tf.expandDims(dw, -1), tf.sign(tf.sub(qt, tf.expandDims(sv, -1)))),
            };
          }) as unknown as Parameters<typeof tf.customGrad>[0])(a) as tf.Tensor;
        for (const [name, mine, ref] of [
          ['rdhs', (a: tf.Tensor) => rdhsWeight(a, qt, tau, mu, noiseSeed), rdhsRef],
          ['sgt', (a: tf.Tensor) => sgtWeight(a, qt), sgtRef],
        ] as const) {
          const loss = (f: (a: tf.Tensor) => tf.Tensor) => (a: tf.Tensor) => tf.sum(tf.mul(f(a), c));
          expect(mine(alpha).shape, name).to.deep.equal(shape.slice(0, -1));
          expect(Array.from(mine(alpha).dataSync()), `${name} q=${q} tau=${tau} mu=${mu}`).to.deep.equal(Array.from(ref(alpha).dataSync()));
          const gMine = tf.grad(loss(mine))(alpha).dataSync();
          const gRef = tf.grad(loss(ref))(alpha).dataSync();
          expect(maxAbsDiff(gMine, gRef), `${name} gradient q=${q} tau=${tau} mu=${mu}`).to.be.lessThan(1e-5);
          expect(maxAbsDiff(gRef, new Float32Array(gRef.length)), 'non-trivial gradient').to.be.greaterThan(1e-3);
        }
      }
    }
  });

  it('RDHS forward is exactly the candidate of argmax alpha (mu = 0), at any tau', () => {
    const alpha = tf.tensor2d([[0.1, 0.5, 0.2, 0.3], [2, -1, 0, 1.9], [0, 0, 0, 0.01]]);
    for (const tau of [1, 0.3, 1e-4]) {
      expect(rdhsWeight(alpha, pow2(), tau).arraySync()).to.deep.equal([-0.5, -1, 1]);
    }
  });

  it('RDHS gradient matches eq. 2-4 on a hand-computed case', () => {
    // one weight, q = [-1, 1], alpha = [0, ln 3]; L = c * w with c = 2.
    const c = 2;
    const alpha = tf.tensor1d([0, Math.log(3)]);
    // tau = 1: y = [1/4, 3/4], dL/dy = c*q = [-2, 2], sum y*g = 1,
    // dalpha_i = y_i (g_i - 1) = [-0.75, 0.75]
    const g1 = tf.grad((a: tf.Tensor) => tf.mul(rdhsWeight(a, binary(), 1), c).sum())(alpha);
    close(g1.arraySync() as number[], [-0.75, 0.75]);
    // tau = 0.5: y = softmax([0, 2 ln 3]) = [0.1, 0.9]; sum y*g = 1.6;
    // dalpha = (1/tau) * y * (g - 1.6) = 2 * [0.1 * -3.6, 0.9 * 0.4] = [-0.72, 0.72]
    const g2 = tf.grad((a: tf.Tensor) => tf.mul(rdhsWeight(a, binary(), 0.5), c).sum())(alpha);
    close(g2.arraySync() as number[], [-0.72, 0.72]);
  });

  it('RDHS straight-through: d w / d y^k = q^k regardless of which k is selected', () => {
    const y = tf.tensor2d([[0.7, 0.1, 0.1, 0.1]]);
    const g = tf.grad((t: tf.Tensor) => tf.mul(hardSelectST(t, pow2()), 3).sum())(y);
    close(g.arraySync() as number[][], [[-3, -1.5, 1.5, 3]]);
    expect(hardSelectST(y, pow2()).arraySync()).to.deep.equal([-1]);
  });

  it('RDHS with Gumbel noise still yields candidates only, and noise changes choices', () => {
    const alpha = tf.zeros([50, 20, 4]);
    const a = rdhsWeight(alpha, pow2(), 1, 1, 7).dataSync();
    for (const v of a) expect([-1, -0.5, 0.5, 1]).to.include(v);
    expect(new Set(a).size).to.equal(4);
    const y = rdhsSoft(tf.tensor1d([0, 0]), 1, 0).arraySync() as number[];
    close(y, [0.5, 0.5]);
  });

  it('Gumbel noise is finite for every uniform draw, 0 and 1 included (float32: 1 - 1e-10 is 1)', () => {
    expect(Math.fround(1 - 1e-10)).to.equal(1);
    expect(Math.fround(GUMBEL_U_MAX)).to.be.lessThan(1);
    const u = tf.tensor1d([0, 2 ** -40, GUMBEL_U_MIN, 1e-10, 0.5, 1 - 2 ** -23, GUMBEL_U_MAX, 1 - 1e-10, 1]);
    // the formula without clamping is infinite at both ends
    const raw = tf.neg(tf.log(tf.neg(tf.log(u)))).dataSync();
    expect(Number.isFinite(raw[0]) && Number.isFinite(raw[raw.length - 1])).to.equal(false);
    const g = Array.from(gumbelFromUniform(u).dataSync());
    for (const v of g) expect(Number.isFinite(v), `${g}`).to.equal(true);
    // monotone in u, and exact in the middle
    for (let i = 1; i < g.length; i++) expect(g[i]).to.be.at.least(g[i - 1]);
    expect(g[4]).to.be.closeTo(-Math.log(Math.log(2)), 1e-6);
    expect(g[0]).to.be.closeTo(-Math.log(32 * Math.LN2), 1e-5);
    expect(g[g.length - 1]).to.be.closeTo(-Math.log(2 ** -24), 1e-3);
    // a large seeded draw: finite, deterministic, mean near the Euler-Mascheroni constant
    const d = gumbelNoise([200000], 3).dataSync();
    let sum = 0;
    for (const v of d) {
      if (!Number.isFinite(v)) expect.fail(`noise ${v}`);
      sum += v;
    }
    expect(sum / d.length).to.be.closeTo(0.5772, 0.01);
    expect(Array.from(gumbelNoise([5], 3).dataSync())).to.deep.equal(Array.from(d.subarray(0, 5)));
  });

  it('RDHS with noise (mu > 0) and a tiny tau keeps finite soft weights and gradients', () => {
    const alpha = tf.randomNormal([40, 30, 4], 0, 1, 'float32', 2);
    for (const tau of [1, 1e-4]) {
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(rdhsWeight(a, pow2(), tau, 0.01, 9), 2)))(alpha).dataSync();
      for (const v of g) if (!Number.isFinite(v)) expect.fail(`tau ${tau}: gradient ${v}`);
      for (const v of rdhsSoft(alpha, tau, 0.01, 9).dataSync()) if (!Number.isFinite(v)) expect.fail(`tau ${tau}: y ${v}`);
    }
  });

  it('SGT forward is q[argmax alpha]; gradient matches eq. 6', () => {
    const alpha = tf.tensor2d([[0.1, 0.5, 0.2, 0.3], [0.9, 0.1, 0.2, 0.3]]);
    expect(sgtWeight(alpha, pow2()).arraySync()).to.deep.equal([-0.5, -1]);
    // L = 2*w0 - 3*w1: dL/dw = [2, -3]
    // weight 0 selects q = -0.5: sign(q - (-0.5)) = [-1, 0, 1, 1] -> [-2, 0, 2, 2]
    // weight 1 selects q = -1:   sign(q - (-1))   = [0, 1, 1, 1]  -> [0, -3, -3, -3]
    const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(sgtWeight(a, pow2()), tf.tensor1d([2, -3]))))(alpha);
    close(g.arraySync() as number[][], [[-2, 0, 2, 2], [0, -3, -3, -3]], 0);
  });

  it('nearest STE rounds to the nearest candidate (ties up) and passes gradients inside the range', () => {
    const w = tf.tensor1d([-2, -0.8, -0.75, -0.1, 0, 0.74, 0.75, 1.5]);
    expect(quantizeNearest(w, [-1, -0.5, 0.5, 1]).arraySync()).to.deep.equal([-1, -1, -0.5, -0.5, 0.5, 0.5, 1, 1]);
    expect(quantizeNearest(w, [-1, 1]).arraySync()).to.deep.equal([-1, -1, -1, -1, 1, 1, 1, 1]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(nearestSTE(t, [-1, -0.5, 0.5, 1])))(w);
    expect(g.arraySync()).to.deep.equal([0, 1, 1, 1, 1, 1, 1, 0]);
  });

  it('XNOR weight is mean|w| per output column times sign(w)', () => {
    const w = tf.tensor2d([[0.5, -0.2], [-0.1, 0.4]]);
    close(xnorWeight(w).arraySync() as number[][], [[0.3, -0.3], [-0.3, 0.3]]);
    // the scale is not differentiated through; sign passes straight through
    const g = tf.grad((t: tf.Tensor) => tf.sum(xnorWeight(t)))(w);
    close(g.arraySync() as number[][], [[0.3, 0.3], [0.3, 0.3]]);
  });

  it('stopGradient blocks the gradient', () => {
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.add(tf.mul(stopGradient(t), t), t)))(tf.tensor1d([2, 3]));
    expect(g.arraySync()).to.deep.equal([3, 4]);
  });
});

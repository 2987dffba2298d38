import { expect } from 'chai';
import fc from 'fast-check';
import { resolveValueSpace, nearestIndex } from '../../src/layers/value-space.js';
import { fitChannelScales, fitScale } from '../../src/train/fit-scale.js';

const POW2_3 = resolveValueSpace('pow2-3');
const BINARY = resolveValueSpace('binary');

function sqError(w: ArrayLike<number>, values: readonly number[], s: number): number {
  let e = 0;
  for (let i = 0; i < w.length; i++) e += (w[i] - s * values[nearestIndex(values, w[i] / s)]) ** 2;
  return e;
}

describe('train/fit-scale', () => {
  it('recovers the scale of a kernel that is exactly scale * candidates', () => {
    const q = [1, -0.5, 0.25, -0.125, 0.5, -1, 0.125, -0.25];
    const w = q.map((v) => 0.037 * v);
    const s = fitScale(w, POW2_3);
    expect(s).to.be.closeTo(0.037, 0.037 * 0.01);
    const energy = w.reduce((a, v) => a + v * v, 0);
    expect(sqError(w, POW2_3, s)).to.be.lessThan(1e-5 * energy);
  });

  it('for binary weights finds mean|w|, the least-squares optimum', () => {
    const w = [0.3, -0.1, 0.05, -0.6, 0.2, 0.25];
    const mean = w.reduce((a, b) => a + Math.abs(b), 0) / w.length;
    expect(fitScale(w, BINARY)).to.be.closeTo(mean, mean * 0.01);
  });

  it('is never worse than the nearest candidates of the unscaled weights, nor than s = max|w|', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: -3, max: 3, noNaN: true }), { minLength: 1, maxLength: 40 }), fc.constantFrom(POW2_3, BINARY, [-1, 0, 1]), (w, values) => {
        const s = fitScale(w, values);
        const e = sqError(w, values, s);
        const maxAbs = Math.max(...w.map(Math.abs));
        expect(s).to.be.greaterThan(0);
        expect(e).to.be.at.most(sqError(w, values, 1) * (1 + 1e-6) + 1e-12);
        if (maxAbs > 0) expect(e).to.be.at.most(sqError(w, values, maxAbs) * (1 + 1e-6) + 1e-12);
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  it('gives 1 for an all-zero kernel', () => {
    expect(fitScale([0, 0, 0], POW2_3)).to.equal(1);
  });

  it('fits each output channel (the trailing axis) on its own', () => {
    // [in = 4, out = 2]: channel 0 scaled by 0.1, channel 1 by 2 (both ends of the space in use, so the scale is unique)
    const q = [1, -0.125, 0.25, -1];
    const k = new Float32Array(8);
    for (let i = 0; i < 4; i++) {
      k[i * 2] = 0.1 * q[i];
      k[i * 2 + 1] = 2 * q[3 - i];
    }
    const s = fitChannelScales(k, 2, POW2_3);
    expect(s[0]).to.be.closeTo(0.1, 0.001);
    expect(s[1]).to.be.closeTo(2, 0.02);
  });
});

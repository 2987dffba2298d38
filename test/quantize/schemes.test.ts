import { expect } from 'chai';
import fc from 'fast-check';
import { fitQuantizer, roundHalfAway, SCHEMES, type Scheme } from '../../src/quantize/schemes.js';

const f32 = Math.fround;

function quantize(scheme: Scheme, bits: number, xs: number[]): { values: number[]; codes: number[]; levels: number[] } {
  const q = fitQuantizer(scheme, bits, xs);
  const codes = xs.map((x) => q.code(x));
  return { values: codes.map((c) => q.levels[c]), codes, levels: Array.from(q.levels) };
}

describe('PTQ schemes (paper 002, III.a)', () => {
  it('rounds halves away from zero', () => {
    expect([2.5, -2.5, 0.5, -0.5, 1.49, -1.51].map(roundHalfAway)).to.deep.equal([3, -3, 1, -1, 1, -2]);
  });

  it('asym: min/max with an integer zero point, hand-computed', () => {
    // lo = -1, hi = 2, 2 bits: s = 1, zp = 1; levels -1, 0, 1, 2
    const r = quantize('asym', 2, [-1, -0.4, 0.6, 1.5, 2]);
    expect(r.levels).to.deep.equal([-1, 0, 1, 2]);
    expect(r.codes).to.deep.equal([0, 1, 2, 3, 3]);
    expect(r.values).to.deep.equal([-1, 0, 1, 2, 2]);
    const q = fitQuantizer('asym', 3, [-0.3, 0.4]);
    // s = 0.7/7 = 0.1, zp = round(3) = 3
    expect(q.params).to.deep.include({ scheme: 'asym', bits: 3, zeroPoint: 3 });
    expect((q.params as { scale: number }).scale).to.be.closeTo(0.1, 1e-15);
    expect(q.levels[3]).to.equal(0);
    // all-positive values: the range still includes 0
    expect(quantize('asym', 1, [0.2, 0.9]).levels).to.deep.equal([0, f32(0.9)]);
  });

  it('sym: max|x| over 2^(n-1)-1 levels each side, hand-computed', () => {
    // max|x| = 3, 3 bits: L = 3, s = 1
    const r = quantize('sym', 3, [-3, -1.5, -0.49, 0.2, 2.6]);
    expect(r.levels).to.deep.equal([-3, -2, -1, 0, 1, 2, 3]);
    expect(r.values).to.deep.equal([-3, -2, 0, 0, 3]);
    // 2 bits: ternary {-m, 0, m}
    expect(quantize('sym', 2, [-0.5, 0.1, 0.3]).levels).to.deep.equal([-0.5, 0, 0.5]);
    expect(() => fitQuantizer('sym', 1, [1])).to.throw(/sym.*2 to 16 bits/);
  });

  it('pow2: sign times 2^round(log2|x|), 2^(n-1) exponents below round(log2 max|x|), hand-computed', () => {
    // max|x| = 0.9 -> emax = round(log2 0.9) = 0; 2 bits: exponents 0, -1
    const r = quantize('pow2', 2, [0.9, -0.7, 0.36, -0.01, 0]);
    expect(r.levels).to.deep.equal([-1, -0.5, 0.5, 1]);
    // 0.7: log2 = -0.51 -> -1; 0.36: log2 = -1.47 -> -1; 0.01 clamps to the smallest; 0 counts positive
    expect(r.values).to.deep.equal([1, -0.5, 0.5, -0.5, 0.5]);
    const q = fitQuantizer('pow2', 3, [5.9, -0.2]);
    // log2 5.9 = 2.56 -> emax 3; 3 bits: 4 exponents 3..0; -0.2 clamps to -2^0
    expect(q.params).to.deep.equal({ scheme: 'pow2', bits: 3, expMin: 0, expMax: 3 });
    expect(q.levels[q.code(-0.2)]).to.equal(-1);
    expect(q.levels[q.code(5.9)]).to.equal(8);
  });

  it('every code indexes a level, at most 2^n levels, levels ascending and float32-exact', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SCHEMES),
        fc.integer({ min: 2, max: 8 }),
        fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 1, maxLength: 60 }),
        (scheme, bits, xs) => {
          const q = fitQuantizer(scheme, bits, xs);
          expect(q.levels.length).to.be.at.most(2 ** bits);
          for (let i = 1; i < q.levels.length; i++) expect(q.levels[i]).to.be.greaterThan(q.levels[i - 1]);
          for (const v of q.levels) expect(v).to.equal(f32(v));
          for (const x of xs) {
            const c = q.code(x);
            expect(Number.isInteger(c) && c >= 0 && c < q.levels.length).to.equal(true);
          }
        },
      ),
    );
  });

  it('uniform schemes: error at most half a step inside the range; requantizing is the identity', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Scheme>('asym', 'sym'),
        fc.integer({ min: 2, max: 10 }),
        fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 2, maxLength: 50 }),
        (scheme, bits, xs) => {
          const q = fitQuantizer(scheme, bits, xs);
          const s = (q.params as { scale: number }).scale;
          for (const x of xs) {
            const v = q.levels[q.code(x)];
            expect(Math.abs(v - x)).to.be.at.most(s / 2 + 1e-6 * Math.max(1, Math.abs(x)));
            expect(q.levels[q.code(v)]).to.equal(v);
          }
        },
      ),
    );
  });

  it('pow2: the value is within a factor sqrt(2) of |x| inside the range, and keeps the sign', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 6 }), fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: 1, maxLength: 40 }), (bits, xs) => {
        const q = fitQuantizer('pow2', bits, xs);
        const p = q.params as { expMin: number; expMax: number };
        for (const x of xs) {
          const v = q.levels[q.code(x)];
          expect(Math.abs(Math.log2(Math.abs(v)) % 1)).to.equal(0);
          if (x !== 0) expect(Math.sign(v)).to.equal(Math.sign(x));
          const e = Math.log2(Math.abs(x));
          if (e >= p.expMin - 0.5 && e <= p.expMax + 0.5) expect(Math.abs(Math.log2(Math.abs(v)) - e)).to.be.at.most(0.5 + 1e-12);
        }
      }),
    );
  });

  it('refuses bad widths and non-finite values', () => {
    expect(() => fitQuantizer('asym', 0, [1])).to.throw(/1 to 16 bits/);
    expect(() => fitQuantizer('pow2', 17, [1])).to.throw(/1 to 16 bits/);
    expect(() => fitQuantizer('asym', 4, [1, NaN])).to.throw(/non-finite value NaN \(index 1\)/);
  });

  it('an all-zero group quantizes to zero (uniform) or the smallest positive level (pow2)', () => {
    expect(quantize('asym', 4, [0, 0]).values).to.deep.equal([0, 0]);
    expect(quantize('sym', 4, [0, 0]).values).to.deep.equal([0, 0]);
    const p = quantize('pow2', 2, [0, 0]);
    expect(p.values).to.deep.equal([0.5, 0.5]);
  });
});

import { expect } from 'chai';
import fc from 'fast-check';
import { foldThresholds, quantizerLevels, ceilTolerant } from '../../src/passes/fold-thresholds.js';
import { applyActivation, type Activation } from '../../src/ir/graph-ir.js';
import { mvuOutputs } from '../../src/golden/execute.js';
import type { MvuNode } from '../../src/ir/hardware-ir.js';

/** The code a quantizer emits for z, straight from the model format's formula. */
function codeOf(act: Activation, z: number): number {
  const y = applyActivation(act, z);
  if (act.fn === 'sign') return y > 0 ? 1 : 0;
  if (act.fn === 'quant') return Math.round(y / (act.clip / (2 ** act.bits - 1)));
  throw new Error('not a quantizer');
}

describe('passes/fold-thresholds', () => {
  it('ceilTolerant rounds float noise to the integer and otherwise takes the ceiling', () => {
    expect(ceilTolerant(3 + 1e-12)).to.equal(3);
    expect(ceilTolerant(3 - 1e-12)).to.equal(3);
    expect(ceilTolerant(2.5)).to.equal(3);
    expect(ceilTolerant(-2.5)).to.equal(-2);
  });

  it('thresholds reproduce the quantizer of A*acc+B for every reachable acc (random A of any sign, B, bits, clip)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -3, max: 3, noNaN: true }),
        fc.double({ min: -40, max: 40, noNaN: true }),
        fc.oneof(fc.constant<Activation>({ fn: 'sign' }), fc.record({ fn: fc.constant('quant' as const), bits: fc.integer({ min: 1, max: 4 }), clip: fc.double({ min: 0.1, max: 20, noNaN: true }) })),
        fc.integer({ min: -60, max: 0 }),
        fc.integer({ min: 0, max: 60 }),
        (a, b, act, lo, hi) => {
          const A = Math.abs(a) < 1e-3 ? 0 : a;
          const q = quantizerLevels(act)!;
          const stage = foldThresholds({ a: Float64Array.of(A), b: Float64Array.of(b) }, q.points, q.out, [lo, hi]);
          const node = { output: stage } as unknown as MvuNode;
          for (let acc = lo; acc <= hi; acc++) {
            const z = A * acc + b;
            // Skip values that sit on a decision point within float noise: either answer is a tie.
            if (q.points.some((t) => Math.abs(z - t) < 1e-9)) continue;
            expect(mvuOutputs(node, [acc])[0], `acc ${acc}, z ${z}`).to.equal(codeOf(act, z));
          }
        },
      ),
      { numRuns: 400, seed: 7 },
    );
  });

  it('negative scales compare the negated accumulator', () => {
    const q = quantizerLevels({ fn: 'sign' })!;
    const s = foldThresholds({ a: Float64Array.of(-2), b: Float64Array.of(3) }, q.points, q.out, [-10, 10]);
    expect(s.negate).to.deep.equal([true]);
    // -2*acc + 3 >= 0  <=>  acc <= 1.5  <=>  -acc >= -1
    expect(s.thresholds).to.deep.equal([[-1]]);
  });

  it('clamps unreachable thresholds to the edges of the accumulator range', () => {
    const q = quantizerLevels({ fn: 'quant', bits: 2, clip: 3 })!;
    const s = foldThresholds({ a: Float64Array.of(1e-6), b: Float64Array.of(0.7) }, q.points, q.out, [-5, 5]);
    expect(s.thresholds[0][0]).to.equal(-5); // 0.5 <= 0.7: always
    expect(s.thresholds[0][2]).to.equal(6); // 2.5 > 0.7 + tiny: never
  });
});

import { expect } from 'chai';
import { nearestIndex, parseValueSpaceArg, resolveValueSpace, ValueSpaceSchema, VALUE_SPACES } from '../../src/layers/value-space.js';

describe('value spaces', () => {
  it('resolves the named spaces sorted ascending', () => {
    expect(resolveValueSpace('binary')).to.deep.equal([-1, 1]);
    expect(resolveValueSpace('pow2-2')).to.deep.equal([-1, -0.5, 0.5, 1]);
    expect(resolveValueSpace('pow2-3')).to.deep.equal([-1, -0.5, -0.25, -0.125, 0.125, 0.25, 0.5, 1]);
    expect(Object.keys(VALUE_SPACES)).to.include.members(['binary', 'pow2-2', 'pow2-3']);
  });

  it('sorts an explicit list and returns a fresh array', () => {
    const given = [1, -2, 0.5];
    const r = resolveValueSpace(given);
    expect(r).to.deep.equal([-2, 0.5, 1]);
    expect(given).to.deep.equal([1, -2, 0.5]);
    r.push(9);
    expect(resolveValueSpace('binary')).to.deep.equal([-1, 1]);
  });

  it('rejects empty, duplicate, non-finite and unknown spaces', () => {
    expect(ValueSpaceSchema.safeParse([]).success).to.equal(false);
    expect(ValueSpaceSchema.safeParse([1, 1]).success).to.equal(false);
    expect(ValueSpaceSchema.safeParse([1, Infinity]).success).to.equal(false);
    expect(ValueSpaceSchema.safeParse([1, NaN]).success).to.equal(false);
    expect(ValueSpaceSchema.safeParse('ternary-ish').success).to.equal(false);
    expect(ValueSpaceSchema.safeParse([0.5, -1]).success).to.equal(true);
    expect(() => resolveValueSpace('nope')).to.throw(/unknown value space 'nope'/);
    expect(() => resolveValueSpace([2, 2])).to.throw(/distinct/);
  });

  it('parses command-line value spaces', () => {
    expect(parseValueSpaceArg('pow2-2')).to.equal('pow2-2');
    expect(parseValueSpaceArg('-1,0,1')).to.deep.equal([-1, 0, 1]);
    expect(parseValueSpaceArg('[-2, 2]')).to.deep.equal([-2, 2]);
    expect(() => parseValueSpaceArg('1,x')).to.throw(/unknown value space/);
    expect(() => parseValueSpaceArg('1,1')).to.throw(/distinct/);
  });

  it('finds the nearest candidate, ties to the larger', () => {
    const v = resolveValueSpace('pow2-2');
    expect(nearestIndex(v, 0.9)).to.equal(3);
    expect(nearestIndex(v, 0)).to.equal(2);
    expect(nearestIndex(v, -0.7)).to.equal(1);
    expect(nearestIndex(v, -0.8)).to.equal(0);
    expect(nearestIndex(v, -5)).to.equal(0);
  });
});

import { expect } from 'chai';
import { clog2, weightCodeError, type EngineKind, type WeightCoding } from '../../src/ir/hardware-ir.js';
import { HardwareIRSchema } from '../../src/ir/hardware-ir-schema.js';
import { Rng } from '../../src/util/random.js';
import { randomCode, randomHardwareIR } from './random-hw.js';
import { mvuNodes } from '../../src/ir/hardware-ir.js';

describe('random hardware IRs (test generator)', () => {
  it('every weight code is valid for its coding, over many seeds, engines and pow2 level counts', () => {
    const engines: EngineKind[] = ['xnor-popcount', 'sign-add', 'shift-add', 'int-mac'];
    let pow2Codes = 0;
    for (let seed = 0; seed < 200; seed++) {
      for (const engine of engines) {
        // undefined: the generator's own random 2..4 levels
        const levelChoices = engine === 'shift-add' ? [undefined, 1, 2, 3, 4, 5, 6, 7, 8, 9, 16] : [undefined];
        for (const pow2Levels of levelChoices) {
          const ir = randomHardwareIR(seed, { engine, pow2Levels, maxDim: 12 });
          const parsed = HardwareIRSchema.safeParse(ir);
          if (!parsed.success) expect.fail(`seed ${seed} ${engine} levels ${pow2Levels}: ${JSON.stringify(parsed.error.issues[0])}`);
          for (const n of mvuNodes(ir)) {
            for (const row of n.weightCodes) {
              for (const code of row) {
                const why = weightCodeError(n.weights, code);
                if (why) expect.fail(`seed ${seed} ${engine} ${JSON.stringify(n.weights)}: ${why}`);
                if (n.weights.kind === 'pow2') pow2Codes++;
              }
            }
          }
        }
      }
    }
    expect(pow2Codes).to.be.greaterThan(10000);
  });

  it('pow2 codes cover every exponent, both signs and the zero flag, and nothing else', () => {
    for (const levels of [1, 3, 5, 6, 7, 8, 16]) {
      for (const hasZero of [false, true]) {
        const w: WeightCoding = { kind: 'pow2', levels, hasZero };
        const rng = new Rng(levels * 2 + Number(hasZero));
        const seen = new Set<number>();
        for (let i = 0; i < 4000; i++) seen.add(randomCode(rng, w));
        const e = clog2(levels);
        const expected = new Set<number>();
        for (let z = 0; z < (hasZero ? 2 : 1); z++) for (let s = 0; s < 2; s++) for (let x = 0; x < levels; x++) expected.add(x | (s << e) | (z << (e + 1)));
        expect([...seen].sort((a, b) => a - b), `levels ${levels} zero ${hasZero}`).to.deep.equal([...expected].sort((a, b) => a - b));
      }
    }
  });

  it('with levels a power of two the codes are the plain draws 0..2^bits-1', () => {
    const w: WeightCoding = { kind: 'pow2', levels: 4, hasZero: true };
    const a = new Rng(5);
    const b = new Rng(5);
    for (let i = 0; i < 100; i++) expect(randomCode(a, w)).to.equal(b.int(0, 15));
  });
});

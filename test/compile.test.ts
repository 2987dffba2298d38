import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { makeModel, type HiddenAct } from './helpers/make-model.js';
import { compileModel } from '../src/compile.js';
import { runGolden } from '../src/golden/execute.js';
import { Rng } from '../src/util/random.js';
import { mvuNodes } from '../src/ir/hardware-ir.js';

function tfArgmax(model: tf.LayersModel, codes: number[], scale: number): number {
  return tf.tidy(() => {
    const y = (model.predict(tf.tensor2d([codes.map((v) => v * scale)])) as tf.Tensor).dataSync();
    let best = 0;
    for (let i = 1; i < y.length; i++) if (y[i] > y[best]) best = i;
    return best;
  });
}

describe('compile (import -> value spaces -> lower -> fold)', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  const cases: Array<[string, HiddenAct, string]> = [
    ['binary', { kind: 'sign' }, 'sign-add,xnor-popcount,xnor-popcount'],
    ['binary', { kind: 'quant', bits: 2 }, 'sign-add,sign-add,sign-add'],
    ['binary', { kind: 'quant', bits: 8 }, 'sign-add,sign-add,sign-add'],
    ['pow2-2', { kind: 'quant', bits: 4 }, 'shift-add,shift-add,shift-add'],
    ['pow2-3', { kind: 'sign' }, 'shift-add,shift-add,shift-add'],
    ['pow2-3', { kind: 'quant', bits: 2 }, 'shift-add,shift-add,shift-add'],
  ];
  for (const [space, act, engines] of cases) {
    it(`golden model agrees with tfjs predict: ${space} weights, ${JSON.stringify(act)} activations`, async () => {
      const { dir, model } = await makeModel({ sizes: [23, 19, 13, 7], valueSpace: space, act, seed: space.length * 31 + JSON.stringify(act).length });
      const c = await compileModel({ model: dir });
      expect(mvuNodes(c.ir).map((n) => n.engine).join(',')).to.equal(engines);
      const rng = new Rng(11);
      let agree = 0;
      const n = 200;
      for (let k = 0; k < n; k++) {
        const codes = Array.from({ length: 23 }, () => rng.int(0, 255));
        if (runGolden(c.ir, codes).argmax === tfArgmax(model, codes, 1 / 255)) agree++;
      }
      // Float32 in tfjs vs exact integers: a rare tie or threshold touch may differ.
      expect(agree).to.be.at.least(n - 2);
    });
  }

  it('honours --value-space for undeclared kernels, and --allow-mult for float layers', async () => {
    const { dir } = await makeModel({ sizes: [10, 6, 4], valueSpace: 'pow2-2', act: { kind: 'sign' }, seed: 5, declare: false });
    const c = await compileModel({ model: dir, valueSpace: [-1, -0.5, 0.5, 1] });
    expect(c.graph.layers.filter((l) => l.kind === 'dense').map((l) => (l as { valueSpaceSource: string }).valueSpaceSource)).to.deep.equal(['command line', 'command line']);
    try {
      await compileModel({ model: dir, valueSpace: [-1, 1] });
      expect.fail('should refuse');
    } catch (e) {
      expect((e as Error).message).to.match(/layer 'dense0'.*kernel.*index \[\d+, \d+\].*not in the value space \{-1, 1\}.*--allow-mult/);
    }
    const m = await compileModel({ model: dir, valueSpace: [-1, 1], allowMult: true });
    expect(mvuNodes(m.ir)[0].engine).to.equal('int-mac');
    expect(mvuNodes(m.ir)[0].multipliers).to.be.greaterThan(0);
  });

  it('auto folding balances layers to a common pace, and a fold file sets PE/SIMD', async () => {
    const { dir } = await makeModel({ sizes: [64, 32, 10], valueSpace: 'binary', act: { kind: 'sign' }, seed: 9 });
    const c = await compileModel({ model: dir, targetCycles: 64 });
    for (const n of mvuNodes(c.ir)) {
      expect(n.mh % n.pe).to.equal(0);
      expect(n.mw % n.simd).to.equal(0);
      expect((n.mh / n.pe) * (n.mw / n.simd)).to.be.at.most(64);
    }
  });
});

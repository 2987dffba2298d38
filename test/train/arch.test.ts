import { expect } from 'chai';
import { QtscQuantAct } from '../../src/layers/qtsc-quant-act.js';
import { QtscSign } from '../../src/layers/qtsc-sign.js';
import { activationBits, buildCnn, buildCnnDw, buildMlp, type ArchOptions } from '../../src/train/arch.js';

const common: Omit<ArchOptions, 'actBits' | 'hidden' | 'inputShape'> = { method: 'sgt', valueSpace: 'binary', firstLast: 'space', numClasses: 10, seed: 1 };

/** Each activation layer of a model as 'relu', 'sign' or the bits of a QtscQuantAct, by name. */
function activations(layers: { name: string; getClassName(): string }[]): Record<string, string | number> {
  const acts: Record<string, string | number> = {};
  for (const l of layers) {
    if (l instanceof QtscSign) acts[l.name] = 'sign';
    else if (l instanceof QtscQuantAct) acts[l.name] = l.bits;
    else if (l.getClassName() === 'ReLU') acts[l.name] = 'relu';
  }
  return acts;
}

describe('train/arch: activation choice per layer', () => {
  it('one value applies to every activation layer; a list gives one per layer, in order', () => {
    expect(activationBits(4, 3, 'mlp', ['a', 'b', 'c'])).to.deep.equal([4, 4, 4]);
    expect(activationBits([2], 2, 'mlp', ['a', 'b'])).to.deep.equal([2, 2]);
    expect(activationBits([0, 1, 4], 3, 'mlp', ['a', 'b', 'c'])).to.deep.equal([0, 1, 4]);
    expect(() => activationBits([4, 1], 3, 'cnn', ['cact1', 'cact2', 'act1'])).to.throw(/act-bits: 2 values given, but cnn has 3 activation layers \(cact1, cact2, act1\)/);
  });

  it('mlp, cnn and cnn-dw build the quantizer each activation layer asks for', () => {
    const mlp = buildMlp({ ...common, actBits: [4, 1], hidden: [16, 8], inputShape: [64] });
    expect(activations(mlp.layers)).to.deep.equal({ act1: 4, act2: 'sign' });
    const cnn = buildCnn({ ...common, actBits: [0, 2, 1], hidden: [8], convFilters: [4, 4], inputShape: [8, 8, 1] });
    expect(activations(cnn.layers)).to.deep.equal({ cact1: 'relu', cact2: 2, act1: 'sign' });
    const dw = buildCnnDw({ ...common, actBits: [4, 3, 2, 1, 0], hidden: [], stemFilters: 4, blocks: [{ filters: 8, stride: 1 }, { filters: 8, stride: 2 }], inputShape: [8, 8, 1] });
    expect(activations(dw.layers)).to.deep.equal({ act_stem: 4, act_dw1: 3, act_pw1: 2, act_dw2: 'sign', act_pw2: 'relu' });
    expect(activations(buildMlp({ ...common, actBits: 1, hidden: [8, 8, 8], inputShape: [16] }).layers)).to.deep.equal({ act1: 'sign', act2: 'sign', act3: 'sign' });
  });

  it('a list of the wrong length is refused, naming the activation layers', () => {
    expect(() => buildMlp({ ...common, actBits: [4, 4, 4], hidden: [8, 8], inputShape: [16] })).to.throw(/mlp has 2 activation layers \(act1, act2\)/);
  });
});

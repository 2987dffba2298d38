import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { makeModel } from '../helpers/make-model.js';
import { compileModel } from '../../src/compile.js';
import { runGolden } from '../../src/golden/execute.js';
import { argmax } from '../../src/golden/execute.js';
import { dequantizeInput, runFloat } from '../../src/golden/float-model.js';
import { framesFromSource } from '../../src/golden/input-frames.js';
import { percentile } from '../../src/passes/calibrate-activations.js';
import { mvuNodes } from '../../src/ir/hardware-ir.js';
import { makeResNetModel } from '../helpers/reference-networks.js';
import { tmpDir } from '../helpers/make-model.js';

describe('passes/calibrate-activations', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('percentile picks the order statistic', () => {
    expect(percentile(Float64Array.from([5, 1, 4, 2, 3]), 0.5)).to.equal(3);
    expect(percentile(Float64Array.from([5, 1, 4, 2, 3]), 1)).to.equal(5);
  });

  it('a float-ReLU model compiles with --act-bits/--calib mnist: quantizers get data-driven clips, the report compares accuracies, and the golden model matches the calibrated float model', async () => {
    const { dir } = await makeModel({ sizes: [784, 24, 16, 10], valueSpace: 'binary', act: { kind: 'relu' }, seed: 31 });
    try {
      await compileModel({ model: dir });
      expect.fail('float activations must be refused without calibration');
    } catch (e) {
      expect((e as Error).message).to.match(/layer 'act0': activation 'relu' is float.*--act-bits N --calib SOURCE/);
    }
    const c = await compileModel({ model: dir, actBits: 4, calib: 'mnist', calibSamples: 200 });
    expect(c.calibrationNotes.map((n) => n.layer)).to.deep.equal(['act0', 'act1']);
    for (const n of c.calibrationNotes) {
      expect(n.to.fn).to.equal('quant');
      if (n.to.fn === 'quant') {
        expect(n.to.bits).to.equal(4);
        expect(n.to.clip).to.be.greaterThan(0);
      }
    }
    expect(mvuNodes(c.ir).slice(0, 2).map((n) => n.output.kind === 'thresholds' && n.output.count)).to.deep.equal([15, 15]);
    expect(c.accuracy).to.not.equal(undefined);
    const a = c.accuracy!;
    expect(a.samples).to.equal(1000);
    for (const v of [a.float, a.calibrated, a.hardware]) expect(v).to.be.within(0, 1);
    const test = await framesFromSource('mnist', { count: 300, inputLength: 784, input: c.graph.inputQuant, split: 'test' });
    let agree = 0;
    for (const f of test.frames) if (runGolden(c.ir, f).argmax === argmax(runFloat(c.graph, dequantizeInput(c.graph, f)).logits)) agree++;
    expect(agree).to.be.at.least(297);
  });

  it('1-bit calibration turns hidden ReLUs into sign activations (XNOR engines after the first layer)', async () => {
    const { dir } = await makeModel({ sizes: [30, 20, 12, 4], valueSpace: 'binary', act: { kind: 'relu' }, seed: 32 });
    const c = await compileModel({ model: dir, actBits: 1, calib: 'random' });
    expect(mvuNodes(c.ir).map((n) => n.engine)).to.deep.equal(['sign-add', 'xnor-popcount', 'xnor-popcount']);
    expect(c.accuracy).to.equal(undefined);
  });

  it('a residual network with float ReLUs: every hidden ReLU is calibrated, those ending a branch before an Add included', async () => {
    const { dir, model } = await makeResNetModel({ seed: 5, side: 8, floatRelu: true, dir: tmpDir('qtsc-calib-res-') });
    const relus = model.layers.filter((l) => l.getClassName() === 'ReLU').map((l) => l.name);
    const c = await compileModel({ model: dir, actBits: 4, calib: 'random', calibSamples: 20 });
    expect(c.calibrationNotes.map((n) => n.layer).sort()).to.deep.equal([...relus].sort());
    expect(c.graph.layers.filter((l) => l.kind === 'activation' && l.act.fn === 'relu')).to.deep.equal([]);
    expect(c.ir.nodes.filter((n) => n.op === 'add').length).to.equal(3);
  });
});

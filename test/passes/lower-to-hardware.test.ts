/**
 * Lowering of average pools with padding: tfjs' 'same' (only the taps inside
 * the image count) becomes a sum pool with the border scale of
 * src/ir/avg-pool-scale.ts; a pool whose padded taps count as zeros (ONNX
 * AveragePool count_include_pad=1, the graph IR's countPadded) becomes a
 * padded sum pool without one, divisor kh*kw. Either way the golden model
 * agrees with the float model of the same graph.
 */
import { expect } from 'chai';
import { makeConvModel } from '../helpers/make-conv-model.js';
import { compileModel } from '../../src/compile.js';
import { argmax, runGolden } from '../../src/golden/execute.js';
import { dequantizeInput, runFloat } from '../../src/golden/float-model.js';
import { avgPoolScale } from '../../src/ir/avg-pool-scale.js';
import type { AvgPoolLayer, Graph } from '../../src/ir/graph-ir.js';
import { type HardwareIR, type SumPoolNode, inputLength } from '../../src/ir/hardware-ir.js';
import { lowerToHardware } from '../../src/passes/lower-to-hardware.js';
import { initTf } from '../../src/util/tf-backend.js';
import { Rng } from '../../src/util/random.js';

function agreement(graph: Graph, ir: HardwareIR, seed: number, frames = 24): number {
  const rng = new Rng(seed);
  let same = 0;
  for (let i = 0; i < frames; i++) {
    const f = Array.from({ length: inputLength(ir) }, () => rng.int(0, 255));
    if (runGolden(ir, f).argmax === argmax(runFloat(graph, dequantizeInput(graph, f)).logits)) same++;
  }
  return same;
}

describe('passes/lower-to-hardware: average pools with padding', () => {
  before(async () => {
    await initTf({ backend: 'wasm' });
  });

  it("'same' (taps inside the image): a sum pool with the border scale; 'counted zeros' (count_include_pad=1): a padded sum pool without one", async () => {
    const { dir } = await makeConvModel({
      inputShape: [7, 8, 2],
      layers: [
        { kind: 'conv', filters: 3, kernel: [3, 3], padding: 'same' }, { kind: 'bn' }, { kind: 'act', bits: 2 },
        { kind: 'avgpool', pool: [3, 3], strides: [1, 1], padding: 'same' },
        { kind: 'conv', filters: 3, kernel: [1, 1], padding: 'valid' }, { kind: 'bn' }, { kind: 'act', bits: 3 },
        { kind: 'flatten' }, { kind: 'dense', units: 4 },
      ],
      valueSpace: 'pow2-2',
      seed: 12,
    });
    const { graph, loweringNotes } = await compileModel({ model: dir });
    const lowered = lowerToHardware(graph, { allowMult: false, top: 't' });
    const pool = lowered.ir.nodes.find((n): n is SumPoolNode => n.op === 'sumpool')!;
    expect(pool.window.pad).to.deep.equal([1, 1, 1, 1]);
    expect(pool.borderScale).to.deep.equal(avgPoolScale(pool.window, 7, 8));
    expect(pool.borderScale!.divisor).to.equal(36);
    expect(pool.out).to.deep.equal({ kind: 'uint', bits: 2 + 6 });
    expect(loweringNotes.map((n) => n.note).join('\n')).to.match(/the common 1\/36 folds into the next layer's thresholds/);
    expect(agreement(graph, lowered.ir, 1)).to.be.at.least(23);

    const counted: Graph = { ...graph, layers: graph.layers.map((l) => (l.kind === 'avgpool' ? ({ ...l, countPadded: true } as AvgPoolLayer) : l)) };
    const plain = lowerToHardware(counted, { allowMult: false, top: 't' });
    const p2 = plain.ir.nodes.find((n): n is SumPoolNode => n.op === 'sumpool')!;
    expect(p2.window.pad).to.deep.equal([1, 1, 1, 1]);
    expect(p2.borderScale).to.equal(undefined);
    expect(p2.out).to.deep.equal({ kind: 'uint', bits: 2 + 4 });
    expect(agreement(counted, plain.ir, 2)).to.be.at.least(23);
  });
});

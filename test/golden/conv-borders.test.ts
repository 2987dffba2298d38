/**
 * Borders, property-tested: for every padding ('same', 'valid') and stride
 * (1, 2) of square and non-square kernels 1..7, and for max and average
 * pools, the golden model's codes after the window layer equal the codes
 * tfjs' own layers give (the float model's activation divided by its step),
 * element by element. A padded tap must mean in hardware what it means in
 * tfjs: zero for a convolution, ignored for a max pool.
 */
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { makeConvModel, type ConvLayerSpec } from '../helpers/make-conv-model.js';
import { compileModel } from '../../src/compile.js';
import { runGolden } from '../../src/golden/execute.js';
import { dequantizeInput, runFloat } from '../../src/golden/float-model.js';
import { inputLength } from '../../src/ir/hardware-ir.js';
import { initTf } from '../../src/util/tf-backend.js';
import { Rng } from '../../src/util/random.js';

const FRAMES = 8;

interface Case {
  label: string;
  layers: ConvLayerSpec[];
  /** Index in spec.layers of the activation (or pool) whose output is compared. */
  probe: number;
  valueSpace: string;
  /** Index in spec.layers of an average pool whose means are compared too (its sums over the divisor). */
  poolProbe?: number;
  /** Input [h, w, c]; random 7..11 x 7..11 x 1..2 when absent. */
  inputShape?: [number, number, number];
}

const cases: Case[] = [];
for (const padding of ['same', 'valid'] as const) {
  for (const stride of [1, 2]) {
    for (const kernel of [[1, 1], [3, 3], [5, 5], [7, 7], [3, 5], [5, 1]] as Array<[number, number]>) {
      cases.push({
        label: `conv ${kernel.join('x')} stride ${stride} ${padding}`,
        layers: [{ kind: 'conv', filters: 3, kernel, strides: [stride, stride], padding, bias: true }, { kind: 'bn' }, { kind: 'act', bits: 3 }, { kind: 'flatten' }, { kind: 'dense', units: 2 }],
        probe: 2,
        valueSpace: stride === 1 ? 'pow2-3' : 'binary',
      });
    }
    for (const pool of [2, 3]) {
      cases.push({
        label: `max pool ${pool}x${pool} stride ${stride} ${padding}`,
        layers: [{ kind: 'conv', filters: 2, kernel: [3, 3], padding: 'same' }, { kind: 'bn' }, { kind: 'act', bits: 2 }, { kind: 'maxpool', pool: [pool, pool], strides: [stride, stride], padding }, { kind: 'flatten' }, { kind: 'dense', units: 2 }],
        probe: 3,
        valueSpace: 'binary',
      });
    }
  }
}
for (const stride of [1, 2]) {
  cases.push({
    label: `ZeroPadding2D [[1, 2], [2, 0]] merged into a 3x3 valid convolution, stride ${stride}`,
    layers: [{ kind: 'zeropad', pad: [[1, 2], [2, 0]] }, { kind: 'conv', filters: 3, kernel: [3, 3], strides: [stride, stride], padding: 'valid' }, { kind: 'bn' }, { kind: 'act', bits: 3 }, { kind: 'flatten' }, { kind: 'dense', units: 2 }],
    probe: 3,
    valueSpace: 'pow2-2',
  });
}
// ±1 inputs: a padded tap enters the engine as -1 and border-class thresholds correct it.
for (const padding of ['same', 'valid'] as const) {
  for (const stride of [1, 2]) {
    for (const kernel of [[3, 3], [5, 5], [7, 7], [3, 5], [1, 3]] as Array<[number, number]>) {
      cases.push({
        label: `conv ${kernel.join('x')} stride ${stride} ${padding} over ±1 inputs (${stride === 1 ? 'xnor-popcount' : 'pow2 shift-add'})`,
        layers: [
          { kind: 'conv', filters: 3, kernel: [3, 3], padding: 'same' }, { kind: 'bn' }, { kind: 'act', bits: 1 },
          { kind: 'conv', filters: 3, kernel, strides: [stride, stride], padding, valueSpace: stride === 1 ? 'binary' : 'pow2-3' }, { kind: 'bn' }, { kind: 'act', bits: 3 },
          { kind: 'flatten' }, { kind: 'dense', units: 2 },
        ],
        probe: 5,
        valueSpace: 'binary',
      });
    }
    cases.push({
      label: `depthwise 3x3 x2 stride ${stride} ${padding} over ±1 inputs`,
      layers: [
        { kind: 'conv', filters: 2, kernel: [3, 3], padding: 'same' }, { kind: 'bn' }, { kind: 'act', bits: 1 },
        { kind: 'depthwise', multiplier: 2, kernel: [3, 3], strides: [stride, stride], padding }, { kind: 'bn' }, { kind: 'act', bits: 2 },
        { kind: 'flatten' }, { kind: 'dense', units: 2 },
      ],
      probe: 5,
      valueSpace: 'binary',
    });
  }
}
for (const padding of ['same', 'valid'] as const) {
  for (const pool of [2, 3]) {
    for (const stride of [1, 2]) {
      // Odd and even sides: with 'same', the padding (and so the border counts) differ.
      const inputShape: [number, number, number] = [7 + stride, 7 + pool + stride, 2];
      cases.push({
        label: `average pool ${pool}x${pool} stride ${stride} ${padding} on ${inputShape.join('x')} (codes summed, scaled per border position; means and the next layer's codes)`,
        inputShape,
        poolProbe: 3,
        layers: [{ kind: 'conv', filters: 2, kernel: [3, 3], padding: 'same' }, { kind: 'bn' }, { kind: 'act', bits: 2 }, { kind: 'avgpool', pool: [pool, pool], strides: [stride, stride], padding }, { kind: 'conv', filters: 2, kernel: [1, 1], padding: 'valid' }, { kind: 'bn' }, { kind: 'act', bits: 2 }, { kind: 'flatten' }, { kind: 'dense', units: 2 }],
        probe: 6,
        valueSpace: 'binary',
      });
    }
  }
}

describe('golden model at the borders: codes equal tfjs for every padding, stride and pool', () => {
  before(async () => {
    await initTf({ backend: 'wasm' });
  });
  cases.forEach((c, k) => {
    it(c.label, async () => {
      const rng = new Rng(500 + k);
      const inputShape: [number, number, number] = c.inputShape ?? [rng.int(7, 11), rng.int(7, 11), rng.int(1, 2)];
      const spec = { inputShape, layers: c.layers, valueSpace: c.valueSpace, seed: 900 + k, probes: 32 };
      const { dir, model } = await makeConvModel(spec);
      const compiled = await compileModel({ model: dir });
      const frames = Array.from({ length: FRAMES }, () => Array.from({ length: inputLength(compiled.ir) }, () => rng.int(0, 255)));
      const x = tf.tensor(Float32Array.from(frames.flatMap((f) => Array.from(dequantizeInput(compiled.graph, f)))), [FRAMES, ...inputShape]);
      const probeLayer = model.layers[c.probe];
      const sub = tf.model({ inputs: model.inputs, outputs: probeLayer.output as tf.SymbolicTensor });
      const ref = (sub.predict(x) as tf.Tensor).dataSync();
      tf.dispose(x);
      // The activation's step: the layer's clip / (2^bits - 1).
      const act = model.layers[c.layers.slice(0, c.probe + 1).map((l) => l.kind).lastIndexOf('act')] as unknown as { clip: number; bits: number };
      const step = act.clip / (2 ** act.bits - 1);
      // The hardware tensor written for that layer: the node whose layers name it (or, for a pool, the pool node).
      const name = probeLayer.name;
      const idx = compiled.ir.nodes.findIndex((n) => n.layers.includes(name));
      expect(idx, `a node implements '${name}'`).to.be.at.least(0);
      const per = ref.length / FRAMES;
      let bad = 0;
      frames.forEach((f, i) => {
        const g = runGolden(compiled.ir, f).layers[idx];
        expect(g.length).to.equal(per);
        for (let e = 0; e < per; e++) if (g[e] !== Math.round(ref[i * per + e] / step)) bad++;
      });
      // Float rounding can put a value exactly on a quantizer threshold: allow one such element in a thousand.
      expect(bad, `${bad} of ${ref.length} codes differ`).to.be.at.most(Math.floor(ref.length / 1000));
      if (c.poolProbe !== undefined) {
        // The pool's output over its divisor is the mean of codes tfjs computes (in steps), exactly up to float32 rounding.
        const poolLayer = model.layers[c.poolProbe];
        const node = compiled.ir.nodes.findIndex((n) => n.op === 'sumpool' && n.layers.includes(poolLayer.name));
        const pn = compiled.ir.nodes[node];
        if (pn.op !== 'sumpool') throw new Error(`no sum pool implements '${poolLayer.name}'`);
        const divisor = pn.borderScale ? pn.borderScale.divisor : pn.window.kernel[0] * pn.window.kernel[1];
        const poolAct = model.layers[c.layers.slice(0, c.poolProbe).map((l) => l.kind).lastIndexOf('act')] as unknown as { clip: number; bits: number };
        const poolStep = poolAct.clip / (2 ** poolAct.bits - 1);
        const px = tf.tensor(Float32Array.from(frames.flatMap((f) => Array.from(dequantizeInput(compiled.graph, f)))), [FRAMES, ...inputShape]);
        const means = (tf.model({ inputs: model.inputs, outputs: poolLayer.output as tf.SymbolicTensor }).predict(px) as tf.Tensor).dataSync();
        tf.dispose(px);
        const pp = means.length / FRAMES;
        let worst = 0;
        frames.forEach((f, i) => {
          const g = runGolden(compiled.ir, f).layers[node];
          expect(g.length).to.equal(pp);
          for (let e = 0; e < pp; e++) worst = Math.max(worst, Math.abs(g[e] / divisor - means[i * pp + e] / poolStep));
        });
        expect(worst, `largest |golden mean - tfjs mean| in codes`).to.be.below(1e-4);
        // The float model divides by the same counts: its logits are tfjs' (float32 rounding aside).
        const lx = tf.tensor(Float32Array.from(frames.flatMap((f) => Array.from(dequantizeInput(compiled.graph, f)))), [FRAMES, ...inputShape]);
        const logits = (model.predict(lx) as tf.Tensor).dataSync();
        tf.dispose(lx);
        const units = logits.length / FRAMES;
        frames.forEach((f, i) => {
          const fl = runFloat(compiled.graph, dequantizeInput(compiled.graph, f)).logits;
          for (let u = 0; u < units; u++) expect(Math.abs(fl[u] - logits[i * units + u]), `frame ${i} logit ${u}`).to.be.below(1e-3 * Math.max(1, Math.abs(logits[i * units + u])));
        });
      }
    });
  });
});

import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { initTf } from '../../src/util/tf-backend.js';
import { fileSaveHandler, loadArtifacts } from '../../src/importers/tfjs-artifacts.js';
import type { ValueSpace } from '../../src/layers/value-space.js';
import { registerTrainLayers } from '../../src/train/register.js';
import { SearchConv2D, type ConvFormulation } from '../../src/train/search-conv2d.js';
import { sgtMask, sgtWeight } from '../../src/train/search-ops.js';

interface Case {
  method: 'rdhs' | 'sgt';
  space: ValueSpace;
  n: number;
  h: number;
  w: number;
  k: number;
  s: number;
  cin: number;
  filters: number;
  padding: 'same' | 'valid';
  tau: number;
  mu: number;
  seed: number;
}

/** Output, dL/dx and dL/dalpha of a SearchConv2D in one formulation, for L = sum(y * dy). */
function run(c: Case, formulation: ConvFormulation): { y: Float32Array; dx: Float32Array; dalpha: Float32Array; bias: Float32Array } {
  return tf.tidy(() => {
    const layer = new SearchConv2D({ filters: c.filters, kernelSize: c.k, strides: c.s, padding: c.padding, valueSpace: c.space, method: c.method, tau: c.tau, mu: c.mu, seed: c.seed, formulation });
    const x = tf.variable(tf.randomNormal([c.n, c.h, c.w, c.cin], 0, 1, 'float32', c.seed + 1));
    layer.apply(tf.input({ shape: [c.h, c.w, c.cin] }));
    const vars = layer.trainableWeights.map((v) => (v as unknown as { val: tf.Variable }).val);
    // training: the RDHS noise (mu > 0) is drawn only in a training forward pass
    const y = layer.apply(x, { training: true }) as tf.Tensor;
    const dy = tf.randomNormal(y.shape, 0, 1, 'float32', c.seed + 2);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x, { training: true }) as tf.Tensor, dy)) as tf.Scalar, [x, ...vars]);
    const g = (v: tf.Variable) => grads[v.name].dataSync() as Float32Array;
    return { y: y.dataSync() as Float32Array, dx: g(x), dalpha: g(vars[0]), bias: g(vars[1]) };
  });
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).to.equal(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe("SearchConv2D's channel-expansion formulation (paper 000, section 2.5)", () => {
  before(async () => {
    await initTf({ backend: 'wasm' });
    registerTrainLayers();
  });

  it("gives the kernel formulation's outputs and gradients w.r.t. alpha, x and bias (random shapes, strides, paddings, spaces with and without 0)", () => {
    fc.assert(
      fc.property(
        fc
          .record({
            method: fc.constantFrom('rdhs' as const, 'sgt' as const),
            space: fc.constantFrom<ValueSpace>('binary', 'pow2-3', [-1, 0, 1], [-0.5, 0, 0.25, 2]),
            n: fc.integer({ min: 1, max: 2 }),
            k: fc.integer({ min: 1, max: 4 }),
            extra: fc.integer({ min: 0, max: 4 }),
            s: fc.integer({ min: 1, max: 3 }),
            cin: fc.integer({ min: 1, max: 3 }),
            filters: fc.integer({ min: 1, max: 3 }),
            padding: fc.constantFrom('same' as const, 'valid' as const),
            tau: fc.constantFrom(1, 0.5, 0.1),
            mu: fc.constantFrom(0, 0.5),
            seed: fc.integer({ min: 1, max: 1000 }),
          })
          .map((r) => ({ ...r, h: r.k + r.extra, w: r.k + ((r.extra * 7) % 5) })),
        (c) => {
          const a = run(c, 'kernel');
          const b = run(c, 'expand');
          expect(maxAbsDiff(a.y, b.y), `y ${JSON.stringify(c)}`).to.be.lessThan(1e-4);
          expect(maxAbsDiff(a.dx, b.dx), `dx ${JSON.stringify(c)}`).to.be.lessThan(1e-4);
          expect(maxAbsDiff(a.dalpha, b.dalpha), `dalpha ${JSON.stringify(c)}`).to.be.lessThan(1e-3);
          expect(maxAbsDiff(a.bias, b.bias), `dbias ${JSON.stringify(c)}`).to.be.lessThan(1e-4);
          // the comparison is not vacuous
          expect(Math.max(...Array.from(a.dalpha).map(Math.abs)), 'non-zero alpha gradient').to.be.greaterThan(1e-4);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('SGT masks: sum_r q^r P^r is the SGT weight and the gradient through the masks is eq. 6 (hand-computed, with a zero candidate)', () => {
    const q = tf.tensor1d([-1, 0, 0.5]);
    const alpha = tf.tensor2d([[0, 1, 0], [0, 0, 2]]); // selects 0 and 0.5
    const masks = sgtMask(alpha, q);
    expect(masks.arraySync()).to.deep.equal([[0, 1, 0], [0, 0, 1]]);
    // L = 2*w0 - 3*w1 written through the masks: dL/dP^r = q^r * dL/dw
    const c = tf.tensor2d([[2], [-3]]);
    const viaMasks = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.mul(sgtMask(a, q), q), c)))(alpha);
    const viaWeight = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(sgtWeight(a, q), tf.tensor1d([2, -3]))))(alpha);
    // weight 0 (q^k = 0): 2 * sign([-1, 0, 0.5]) = [-2, 0, 2]; weight 1 (q^k = 0.5): -3 * sign([-1.5, -0.5, 0]) = [3, 3, 0]
    const want = [[-2, 0, 2], [3, 3, 0]];
    for (const g of [viaMasks, viaWeight]) (g.arraySync() as number[][]).flat().forEach((v, i) => expect(v).to.be.closeTo(want.flat()[i], 1e-6));
  });

  it('the formulation survives a model.json round trip of a training model', async () => {
    const model = tf.sequential({ layers: [new SearchConv2D({ name: 'c', filters: 2, kernelSize: 3, strides: 2, valueSpace: 'pow2-2', method: 'rdhs', formulation: 'expand', inputShape: [5, 5, 2] })] });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-form-'));
    await model.save(fileSaveHandler(dir));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(await loadArtifacts(dir)));
    const l = loaded.getLayer('c') as SearchConv2D;
    expect([l.formulation, l.strides]).to.deep.equal(['expand', [2, 2]]);
    const x = tf.randomNormal([2, 5, 5, 2], 0, 1, 'float32', 3);
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).to.deep.equal(Array.from((model.predict(x) as tf.Tensor).dataSync()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("rejects 'expand' for methods without per-candidate masks and unknown formulations, naming the layer and field", () => {
    expect(() => new SearchConv2D({ name: 'c', filters: 1, kernelSize: 1, valueSpace: 'binary', method: 'ste', formulation: 'expand' })).to.throw(/SearchConv2D 'c': config 'formulation': 'expand' needs method 'rdhs' or 'sgt'/);
    expect(() => new SearchConv2D({ name: 'c', filters: 1, kernelSize: 1, valueSpace: 'binary', method: 'sgt', formulation: 'paths' as ConvFormulation })).to.throw(/SearchConv2D 'c': config 'formulation': must be 'kernel' or 'expand'/);
  });
});

/**
 * The PyTorch estimators and quantizers of examples/pytorch against qtsc's
 * tfjs implementation on the same inputs: frozen weights (argmax with ties),
 * RDHS and SGT weights and gradients, the b-bit activation (round half up at
 * the exact half steps, the clip's PACT gradient) and sign, in their training
 * and their exported forms.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { quantActSte, signSte } from '../../src/layers/ste.js';
import { resolveValueSpace } from '../../src/layers/value-space.js';
import { rdhsWeight, selectCandidate, sgtWeight } from '../../src/train/search-ops.js';
import { initTf } from '../../src/util/tf-backend.js';
import { pythonTorchMissing, runExampleScript } from '../helpers/python-torch.js';

type Matrix = number[][];

/** Logits on a coarse grid (so that ties occur), deterministic. */
function gridLogits(k: number, m: number, seed: number): Matrix {
  return tf.tidy(() => tf.round(tf.mul(tf.randomNormal([k, m], 0, 1, 'float32', seed), 2)).arraySync() as Matrix);
}

function uniform(n: number, seed: number): number[] {
  return tf.tidy(() => Array.from(tf.randomUniform([n], -1, 1, 'float32', seed).dataSync()));
}

/** Value and gradient of L = sum(f(alpha) * dw) in tfjs. */
function tfEstimator(f: (a: tf.Tensor) => tf.Tensor, alpha: Matrix, dw: number[]): { w: number[]; grad: Matrix } {
  return tf.tidy(() => {
    const a = tf.tensor2d(alpha);
    const d = tf.tensor1d(dw);
    const w = Array.from(f(a).dataSync());
    const grad = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(f(x), d)))(a).arraySync() as Matrix;
    return { w, grad };
  });
}

function expectClose(actual: number[], expected: number[], what: string, eps = 1e-6): void {
  expect(actual.length, what).to.equal(expected.length);
  actual.forEach((v, i) => expect(v, `${what}[${i}]`).to.be.closeTo(expected[i], eps * Math.max(1, Math.abs(expected[i]))));
}

describe('examples/pytorch: the estimators and quantizers match qtsc', function () {
  let workDir = '';

  before(async function () {
    const missing = pythonTorchMissing();
    if (missing !== null) {
      console.warn(`      skipped: ${missing}`);
      this.skip();
    }
    await initTf({ backend: 'wasm' });
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-pt-sem-'));
  });

  after(() => {
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('gives the same frozen weights, RDHS / SGT weights and gradients, and activations', () => {
    const spaces = ['binary', 'pow2-2', 'pow2-3'].map((s) => resolveValueSpace(s));
    const selection = spaces.map((values, i) => ({ values, alpha: gridLogits(40, values.length, 10 + i) }));
    // distinct logits for the gradients: ties in y are argmax-order questions, covered by selection
    const rdhs = spaces.map((values, i) => ({ values, alpha: tf.tidy(() => tf.randomNormal([30, values.length], 0, 1, 'float32', 20 + i).arraySync() as Matrix), tau: [1, 0.5, 0.97][i], dw: uniform(30, 30 + i) }));
    const sgt = spaces.map((values, i) => ({ values, alpha: gridLogits(30, values.length, 40 + i), dw: uniform(30, 50 + i) }));
    const quant = [
      { bits: 4, clip: 2 },
      { bits: 2, clip: 1.5 },
      { bits: 3, clip: 0.8125 },
    ].map(({ bits, clip }, i) => {
      const n = 2 ** bits - 1;
      const s = Math.fround(Math.fround(clip) / n);
      // the exact half steps (k + 1/2) s, their float32 neighbours, negatives, beyond the clip, the clip itself
      const x: number[] = [];
      for (let k = -1; k <= n + 1; k++) {
        const h = Math.fround((k + 0.5) * s);
        x.push(h, Math.fround(h * (1 + 2 ** -23)), Math.fround(h * (1 - 2 ** -23)), Math.fround(k * s));
      }
      x.push(Math.fround(clip), 0, -0, ...uniform(20, 60 + i).map((v) => Math.fround(v * 3)));
      return { bits, clip, x, dy: uniform(x.length, 70 + i) };
    });
    const sign = { x: [0, -0, 1, -1, 1.5, -1.5, 1e-7, -1e-7, ...uniform(10, 80)], dy: uniform(18, 81) };

    const casesFile = path.join(workDir, 'cases.json');
    fs.writeFileSync(casesFile, JSON.stringify({ selection, rdhs, sgt, quant, sign }));
    const py = JSON.parse(runExampleScript('check_semantics.py', [casesFile])) as {
      selection: Matrix;
      rdhs: { w: number[]; grad: Matrix }[];
      sgt: { w: number[]; grad: Matrix }[];
      quant: { y: number[]; yFrozen: number[]; dx: number[]; dclip: number }[];
      sign: { y: number[]; yFrozen: number[]; dx: number[] };
    };

    selection.forEach((c, i) => {
      const want = tf.tidy(() => Array.from(selectCandidate(tf.tensor2d(c.alpha), tf.tensor1d(c.values)).dataSync()));
      expect(py.selection[i], `frozen weights, space ${c.values}`).to.deep.equal(want);
    });
    rdhs.forEach((c, i) => {
      const want = tfEstimator((a) => rdhsWeight(a, tf.tensor1d(c.values), c.tau), c.alpha, c.dw);
      expect(py.rdhs[i].w, `RDHS weights, space ${c.values}`).to.deep.equal(want.w);
      expectClose(py.rdhs[i].grad.flat(), want.grad.flat(), `RDHS gradient, space ${c.values}`, 1e-5);
    });
    sgt.forEach((c, i) => {
      const want = tfEstimator((a) => sgtWeight(a, tf.tensor1d(c.values)), c.alpha, c.dw);
      expect(py.sgt[i].w, `SGT weights, space ${c.values}`).to.deep.equal(want.w);
      expectClose(py.sgt[i].grad.flat(), want.grad.flat(), `SGT gradient, space ${c.values}`);
    });
    quant.forEach((c, i) => {
      const [y, dx, dclip] = tf.tidy(() => {
        const x = tf.tensor1d(c.x);
        const clip = tf.tensor1d([c.clip]);
        const dy = tf.tensor1d(c.dy);
        const g = tf.grads((xx: tf.Tensor, cc: tf.Tensor) => tf.sum(tf.mul(quantActSte(xx, cc, c.bits), dy)))([x, clip]);
        return [Array.from(quantActSte(x, clip, c.bits).dataSync()), Array.from(g[0].dataSync()), g[1].dataSync()[0]];
      });
      const what = `${c.bits}-bit activation, clip ${c.clip}`;
      expect(py.quant[i].y, what).to.deep.equal(y);
      expect(py.quant[i].yFrozen, `${what}, exported form`).to.deep.equal(y);
      expect(py.quant[i].dx, `${what}, dL/dx`).to.deep.equal(dx);
      expect(py.quant[i].dclip, `${what}, dL/dclip`).to.be.closeTo(dclip, 1e-5);
    });
    // the half steps round up: (k + 1/2) s gives (k + 1) s for 0 <= k < n
    const q4 = quant[0];
    const s4 = Math.fround(2 / 15);
    expect(py.quant[0].y[4 * 3]).to.equal(Math.fround(3 * s4));
    expect(q4.x[4 * 3]).to.equal(Math.fround(2.5 * s4));
    const [sy, sdx] = tf.tidy(() => {
      const x = tf.tensor1d(sign.x);
      const dy = tf.tensor1d(sign.dy);
      return [Array.from(signSte(x).dataSync()), Array.from(tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(signSte(xx), dy)))(x).dataSync())];
    });
    expect(py.sign.y, 'sign').to.deep.equal(sy);
    expect(py.sign.yFrozen, 'sign, exported form').to.deep.equal(sy);
    expect(py.sign.dx, 'sign, dL/dx').to.deep.equal(sdx);
  });
});

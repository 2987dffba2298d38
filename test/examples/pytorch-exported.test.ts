/**
 * The models committed in examples/pytorch/exported: each passes
 * onnx.checker, holds only value-space weights, runs (op by op in torch) to
 * the logits recorded beside it, and means in qtsc's own layers what it
 * meant in PyTorch: the same weights in a tfjs model of plain Conv2D / Dense /
 * BatchNormalization / MaxPooling2D and qtsc's QtscQuantAct / QtscSign (NHWC,
 * kernels and the first dense layer's rows permuted from NCHW) give the same
 * logits on the reference images.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { QtscQuantAct } from '../../src/layers/qtsc-quant-act.js';
import { QtscSign } from '../../src/layers/qtsc-sign.js';
import { initTf } from '../../src/util/tf-backend.js';
import { PYTORCH_EXAMPLE_DIR, pythonTorchMissing, runExampleScript } from '../helpers/python-torch.js';

interface Initializer {
  shape: number[];
  data: number[];
}
interface GraphNode {
  op: string;
  inputs: string[];
  attributes: Record<string, unknown>;
}
interface Report {
  ops: string[];
  weights: Record<string, { values: number[] }>;
  metadata: Record<string, string>;
  logits: number[][];
  referenceLogits: number[][];
  initializers: Record<string, Initializer>;
  nodes: GraphNode[];
}

const EXPORTED = path.join(PYTORCH_EXAMPLE_DIR, 'exported');

/** A [d0, d1, ...] row-major tensor's data transposed by `perm`. */
function transpose(init: Initializer, perm: number[]): tf.Tensor {
  return tf.tidy(() => tf.transpose(tf.tensor(init.data, init.shape), perm));
}

/** The tfjs model computing the exported graph on NHWC input [h, w, c], and the weights for it. */
function tfjsModel(r: Report, inputShape: [number, number, number]): tf.Sequential {
  const layers: tf.layers.Layer[] = [];
  const weights: tf.Tensor[][] = [];
  let shape: number[] = [...inputShape];
  /** After Flatten of an NCHW map [c, h, w]: the NHWC position of each NCHW feature. */
  let flattenedFrom: number[] | null = null;
  for (const [i, n] of r.nodes.entries()) {
    const init = (k: number) => r.initializers[n.inputs[k]];
    const first = i === 0 ? { inputShape } : {};
    if (n.op === 'Conv') {
      const w = init(1);
      expect(n.attributes.pads).to.deep.equal([1, 1, 1, 1]);
      layers.push(tf.layers.conv2d({ filters: w.shape[0], kernelSize: [w.shape[2], w.shape[3]], padding: 'same', useBias: false, ...first }));
      weights.push([transpose(w, [2, 3, 1, 0])]);
      shape = [shape[0], shape[1], w.shape[0]];
    } else if (n.op === 'BatchNormalization') {
      layers.push(tf.layers.batchNormalization({ epsilon: n.attributes.epsilon as number }));
      weights.push([1, 2, 3, 4].map((k) => tf.tensor1d(init(k).data)));
    } else if (n.op === 'Quant') {
      const scale = init(1).data[0];
      const bits = init(3).data[0];
      const clip = scale * (2 ** bits - 1);
      // QtscQuantAct's step clip/n in float32 is the exported scale
      expect(Math.fround(Math.fround(clip) / (2 ** bits - 1))).to.equal(scale);
      layers.push(new QtscQuantAct({ bits, clip, learnClip: false }));
      weights.push([]);
    } else if (n.op === 'BipolarQuant') {
      expect(init(1).data[0]).to.equal(1);
      layers.push(new QtscSign({}));
      weights.push([]);
    } else if (n.op === 'MaxPool') {
      expect(n.attributes.kernel_shape).to.deep.equal([2, 2]);
      layers.push(tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }));
      weights.push([]);
      shape = [Math.floor(shape[0] / 2), Math.floor(shape[1] / 2), shape[2]];
    } else if (n.op === 'Flatten') {
      layers.push(tf.layers.flatten({ ...first }));
      weights.push([]);
      const [h, w, c] = shape;
      flattenedFrom = [];
      for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) flattenedFrom.push((y * w + x) * c + ch);
      shape = [h * w * c];
    } else if (n.op === 'Gemm') {
      expect(n.attributes.transB).to.equal(1);
      const w = init(1);
      const [out, inp] = w.shape;
      const kernel = new Float32Array(inp * out);
      // ONNX feature f (NCHW order) is tfjs row flattenedFrom[f] (NHWC order)
      for (let o = 0; o < out; o++) for (let f = 0; f < inp; f++) kernel[(flattenedFrom ? flattenedFrom[f] : f) * out + o] = w.data[o * inp + f];
      flattenedFrom = null;
      const bias = n.inputs.length > 2 ? init(2) : null;
      layers.push(tf.layers.dense({ units: out, useBias: bias !== null }));
      weights.push(bias ? [tf.tensor2d(kernel, [inp, out]), tf.tensor1d(bias.data)] : [tf.tensor2d(kernel, [inp, out])]);
      shape = [out];
    } else {
      throw new Error(`unexpected operator ${n.op}`);
    }
  }
  const model = tf.sequential({ layers });
  layers.forEach((l, k) => {
    if (weights[k].length > 0) l.setWeights(weights[k]);
  });
  tf.dispose(weights.flat());
  return model;
}

describe('examples/pytorch/exported: the committed ONNX models', function () {
  before(async function () {
    const missing = pythonTorchMissing();
    if (missing !== null) {
      console.warn(`      skipped: ${missing}`);
      this.skip();
    }
    await initTf({ backend: 'wasm' });
  });

  const dirs = fs.readdirSync(EXPORTED).filter((d) => fs.existsSync(path.join(EXPORTED, d, 'model.onnx')));

  it('there are the MLP and the CNN', () => {
    expect(dirs.sort()).to.deep.equal(['fashion-cnn-sgt-pow2-2', 'fashion-mlp-rdhs-binary']);
  });

  for (const dir of dirs) {
    it(`${dir}: checked, value-space weights, and the same logits in torch and in qtsc's tfjs layers`, () => {
      const r = JSON.parse(runExampleScript('check_export.py', [path.join(EXPORTED, dir), '--initializers'])) as Report;
      const values = JSON.parse(r.metadata['qtsc.value_space']) as number[];
      for (const [node, w] of Object.entries(r.weights)) for (const v of w.values) expect(values, `${node}: ${v}`).to.include(v);
      r.logits.flat().forEach((v, i) => expect(v).to.be.closeTo(r.referenceLogits.flat()[i], 1e-4));

      const ref = JSON.parse(fs.readFileSync(path.join(EXPORTED, dir, 'reference.json'), 'utf8')) as { inputShape: number[]; inputScale: number; pixels: number[][]; logits: number[][] };
      const [, c, h, w] = ref.inputShape;
      expect(c).to.equal(1); // one channel: NCHW and NHWC pixels are in the same order
      const model = tfjsModel(r, [h, w, c]);
      const logits = tf.tidy(() => (model.predict(tf.mul(tf.tensor4d(ref.pixels.flat(), [ref.pixels.length, h, w, c]), ref.inputScale)) as tf.Tensor).arraySync() as number[][]);
      model.dispose();
      logits.forEach((row, k) => row.forEach((v, j) => expect(v, `image ${k}, class ${j}`).to.be.closeTo(ref.logits[k][j], 1e-3 * Math.max(1, Math.abs(ref.logits[k][j])))));
    });
  }
});

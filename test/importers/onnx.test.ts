import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseOnnxModel, readOnnxModel } from '../../src/importers/onnx-model.js';
import { channelsLastOrder, importOnnx, lowerOnnx } from '../../src/importers/onnx.js';
import { roundHalfEven } from '../../src/importers/onnx-tensors.js';
import { runFloat } from '../../src/golden/float-model.js';
import { QtscError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/random.js';
import { encodeModel, type ModelSpec } from '../helpers/onnx-builder.js';
import { tmpDir } from '../helpers/make-model.js';

const lower = (spec: ModelSpec) => lowerOnnx(parseOnnxModel(encodeModel(spec), 'm.onnx'));
const refusal = (spec: ModelSpec) => {
  try {
    lower(spec);
  } catch (e) {
    expect(e).to.be.instanceOf(QtscError);
    return (e as Error).message;
  }
  throw new Error('not refused');
};

const rng = new Rng(3);
const randoms = (n: number) => Array.from({ length: n }, () => rng.int(-4, 4) / 2);

/** [1, C, H, W] -> Flatten -> Gemm(W [C*H*W, units]), the Gemm written in ONNX's NCHW terms. */
function flattenGemm(c: number, h: number, w: number, units: number, wData: number[]): ModelSpec {
  return {
    input: { name: 'x', dims: [1, c, h, w] },
    output: { name: 'y', dims: [1, units] },
    nodes: [
      { op: 'Flatten', inputs: ['x'], outputs: ['f'] },
      { op: 'Gemm', inputs: ['f', 'W'], outputs: ['y'], name: 'fc' },
    ],
    initializers: { W: { dims: [c * h * w, units], data: wData } },
  };
}

describe('importers/onnx', () => {
  it('permutes the rows of a Gemm after a Flatten of an NCHW map from CHW into the stream order HWC', () => {
    const [c, h, w, units] = [3, 2, 2, 4];
    const W = randoms(c * h * w * units);
    const { graph } = lower(flattenGemm(c, h, w, units, W));
    expect(graph.inputShape).to.deep.equal([h, w, c]);
    expect(graph.layers.map((l) => l.kind)).to.deep.equal(['flatten', 'dense']);
    const x = randoms(c * h * w); // NCHW
    const order = channelsLastOrder([c, h, w]);
    const frame = new Float64Array(x.length);
    x.forEach((v, i) => (frame[order[i]] = v));
    const want = Array.from({ length: units }, (_, j) => x.reduce((s, v, i) => s + v * W[i * units + j], 0));
    expect(runFloat(graph, frame).logits).to.deep.equal(want);
  });

  it("folds the shape arithmetic of PyTorch's x.view(x.size(0), -1) (Shape, Gather, Unsqueeze, Concat, Reshape) into a Flatten", () => {
    const W = randoms(12 * 2);
    const { graph } = lower({
      input: { name: 'x', dims: ['batch', 3, 2, 2] },
      output: { name: 'y', dims: [1, 2] },
      nodes: [
        { op: 'Shape', inputs: ['x'], outputs: ['s'] },
        { op: 'Gather', inputs: ['s', 'zero'], outputs: ['n'], attrs: { axis: 0 } },
        { op: 'Unsqueeze', inputs: ['n', 'axes'], outputs: ['n1'] },
        { op: 'Concat', inputs: ['n1', 'minus1'], outputs: ['shape'], attrs: { axis: 0 } },
        { op: 'Reshape', inputs: ['x', 'shape'], outputs: ['f'] },
        { op: 'Gemm', inputs: ['f', 'W'], outputs: ['y'] },
      ],
      initializers: { zero: { dims: [], data: [0] }, axes: { dims: [1], data: [0] }, minus1: { dims: [1], data: [-1] }, W: { dims: [12, 2], data: W } },
    });
    expect(graph.layers.map((l) => l.kind)).to.deep.equal(['flatten', 'dense']);
    expect(graph.inputShape).to.deep.equal([2, 2, 3]);
    const d = graph.layers[1];
    if (d.kind !== 'dense') throw new Error();
    // ONNX row c*4 + p (channel c, pixel p) is stream row p*3 + c.
    for (let c = 0; c < 3; c++) for (let p = 0; p < 4; p++) expect(d.kernel[(p * 3 + c) * 2]).to.equal(W[(c * 4 + p) * 2]);
  });

  it('reads a weight behind a Transpose node (and MatMul + Add as a Dense layer with its bias)', () => {
    const Wt = randoms(4 * 6); // [out 4][in 6]
    const { graph } = lower({
      input: { name: 'x', dims: [1, 6] },
      output: { name: 'y', dims: [1, 4] },
      nodes: [
        { op: 'Transpose', inputs: ['Wt'], outputs: ['W'], attrs: { perm: [1, 0] } },
        { op: 'MatMul', inputs: ['x', 'W'], outputs: ['m'], name: 'fc' },
        { op: 'Add', inputs: ['m', 'b'], outputs: ['y'] },
      ],
      initializers: { Wt: { dims: [4, 6], data: Wt }, b: { dims: [4], data: [1, 2, 3, 4] } },
    });
    expect(graph.layers).to.have.length(1);
    const d = graph.layers[0];
    if (d.kind !== 'dense') throw new Error(d.kind);
    for (let i = 0; i < 6; i++) for (let j = 0; j < 4; j++) expect(d.kernel[i * 4 + j]).to.equal(Wt[j * 6 + i]);
    expect(Array.from(d.bias!)).to.deep.equal([1, 2, 3, 4]);
  });

  it('merges a ReLU into the QONNX Quant after it and takes Quant of weights with per-channel scales, ROUND half to even', () => {
    const { graph } = lower({
      input: { name: 'x', dims: [1, 2] },
      output: { name: 'y', dims: [1, 2] },
      nodes: [
        { op: 'Quant', domain: 'qonnx.custom_op.general', inputs: ['Wf', 'ws', 'z', 'wb'], outputs: ['W'], attrs: { signed: 1, narrow: 0, rounding_mode: 'ROUND' } },
        { op: 'Gemm', inputs: ['x', 'W'], outputs: ['g'], name: 'fc' },
        { op: 'Relu', inputs: ['g'], outputs: ['r'] },
        { op: 'Quant', domain: 'qonnx.custom_op.general', inputs: ['r', 's', 'z', 'b'], outputs: ['y'], name: 'q', attrs: { signed: 0, narrow: 0, rounding_mode: 'ROUND' } },
      ],
      initializers: {
        Wf: { dims: [2, 2], data: [0.25, 2.5, -0.75, 9] },
        ws: { dims: [1, 2], data: [0.5, 1] },
        wb: { dims: [], data: [3] },
        s: { dims: [], data: [0.5] },
        z: { dims: [], data: [0] },
        b: { dims: [], data: [2] },
      },
    });
    expect(graph.layers.map((l) => l.kind)).to.deep.equal(['dense', 'activation']);
    const [d, a] = graph.layers;
    if (d.kind !== 'dense' || a.kind !== 'activation') throw new Error();
    // 0.25/0.5 = 0.5 -> 0; 2.5/1 -> 2; -0.75/0.5 = -1.5 -> -2; 9 -> clamp 3.
    expect(Array.from(d.kernel)).to.deep.equal([0, 2, -1, 3]);
    expect(a.act).to.deep.equal({ fn: 'quant', bits: 2, clip: 1.5 });
    expect([0.5, 1.5, 2.5, -0.5, -2.5].map(roundHalfEven)).to.deep.equal([0, 2, 2, -0, -2]);
  });

  it('takes QONNX MultiThreshold with evenly spaced thresholds as a per-channel affine map and a quantizer (or a sign)', () => {
    const T = [-1, 0.5, 2, /* */ 0, 0.25, 0.5, /* */ 3, 4, 5];
    const spec = (t: number[], b: number, attrs: Record<string, number | string>): ModelSpec => ({
      input: { name: 'x', dims: [1, 3] },
      output: { name: 'y', dims: [1, 3] },
      nodes: [{ op: 'MultiThreshold', domain: 'qonnx.custom_op.general', inputs: ['x', 'T'], outputs: ['y'], name: 'mt', attrs }],
      initializers: { T: { dims: [3, b], data: t } },
    });
    const multi = lower(spec(T, 3, { out_scale: 0.5, out_bias: 0 })).graph;
    const bipolar = lower(spec([0.5, -1, 2], 1, { out_scale: 2, out_bias: -1 })).graph;
    expect(multi.layers.map((l) => l.kind)).to.deep.equal(['batchnorm', 'activation']);
    for (let t = 0; t < 200; t++) {
      const x = [rng.int(-300, 600) / 100 + 0.001, rng.int(-300, 600) / 100 + 0.001, rng.int(-300, 600) / 100 + 0.001];
      const want = x.map((v, c) => 0.5 * T.slice(3 * c, 3 * c + 3).filter((th) => v >= th).length);
      expect(runFloat(multi, x).logits.map((v) => Math.round(v * 1e6) / 1e6)).to.deep.equal(want);
      expect(runFloat(bipolar, x).logits).to.deep.equal(x.map((v, c) => (v >= [0.5, -1, 2][c] ? 1 : -1)));
    }
    expect(refusal(spec([0, 1, 3, 0, 1, 2, 0, 1, 2], 3, {}))).to.match(/node 'mt' \(MultiThreshold\): field 'input\[1\]' \(thresholds\): channel 0's thresholds \[0, 1, 3\] are not evenly spaced/);
    expect(refusal(spec(T.slice(0, 6), 2, {}))).to.match(/2 thresholds per channel; qtsc's quantizers have 2\^bits - 1/);
  });

  it('imports the committed fixtures with the layers the script describes', () => {
    const dir = path.join(import.meta.dirname, '..', 'fixtures', 'onnx');
    const kinds = (f: string) => importOnnx(path.join(dir, f)).layers.map((l) => (l.kind === 'activation' ? l.act.fn : l.kind)).join(' ');
    expect(kinds('mlp-sign.onnx')).to.equal('flatten dense batchnorm sign dense batchnorm sign dense');
    expect(kinds('cnn-pow2.onnx')).to.equal('conv2d batchnorm relu maxpool conv2d batchnorm relu flatten dense');
    expect(kinds('qonnx-mlp-thresholds.onnx')).to.equal('flatten dense batchnorm quant dense batchnorm sign dense');
    expect(kinds('resnet-qonnx.onnx')).to.equal('conv2d batchnorm quant conv2d batchnorm quant conv2d batchnorm quant add quant avgpool dense');
    expect(kinds('qonnx-cnn.onnx')).to.equal('conv2d batchnorm sign depthwise batchnorm quant avgpool dense');
    expect(fs.statSync(path.join(dir, 'qonnx-cnn.onnx')).size).to.be.below(16384);
  });

  it('the committed fixtures are what make_fixtures.py builds (when python3 has torch and onnx)', function () {
    const python = '/usr/bin/python3';
    if (spawnSync(python, ['-c', 'import torch, onnx'], { encoding: 'utf8' }).status !== 0) this.skip();
    const dir = path.join(import.meta.dirname, '..', 'fixtures', 'onnx');
    const out = tmpDir('qtsc-onnx-fixtures-');
    const r = spawnSync(python, [path.join(dir, 'make_fixtures.py'), out], { encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    const made = fs.readdirSync(out).sort();
    expect(made).to.deep.equal(fs.readdirSync(dir).filter((f) => f !== 'make_fixtures.py').sort());
    for (const f of made) expect(fs.readFileSync(path.join(out, f)).equals(fs.readFileSync(path.join(dir, f))), f).to.equal(true);
    fs.rmSync(out, { recursive: true, force: true });
  });

  it('answers truncated and corrupted files with a QtscError, never an internal error', () => {
    const dir = path.join(import.meta.dirname, '..', 'fixtures', 'onnx');
    const r = new Rng(5);
    for (const f of ['mlp-sign.onnx', 'qonnx-cnn.onnx']) {
      const orig = fs.readFileSync(path.join(dir, f));
      for (let t = 0; t < 300; t++) {
        const b = Uint8Array.from(orig);
        const bytes = t % 2 === 0 ? b.subarray(0, r.int(0, b.length - 1)) : (b.forEach((_, k) => (r.int(0, 200) === 0 ? (b[k] = r.int(0, 255)) : 0)), b);
        try {
          lowerOnnx(parseOnnxModel(bytes, f));
        } catch (e) {
          if (!(e instanceof QtscError)) throw new Error(`${f}, trial ${t}: ${(e as Error).stack}`);
        }
      }
    }
  });

  describe('refuses, naming the node, its op type and the field', () => {
    const base = (nodes: ModelSpec['nodes'], extra: Partial<ModelSpec> = {}): ModelSpec => ({
      input: { name: 'x', dims: [1, 2, 4, 4] },
      output: { name: 'y', dims: [1, 2, 4, 4] },
      nodes,
      ...extra,
    });
    const w = { W: { dims: [2, 2, 3, 3], data: randoms(36) } };

    it('an unsupported operator', () => {
      expect(refusal(base([{ op: 'Tanh', inputs: ['x'], outputs: ['y'], name: 'act' }]))).to.equal("m.onnx: node 'act' (Tanh): field 'op_type': operator 'Tanh' is not supported (see docs/model-format.md)");
    });
    it('opsets outside 11..18', () => {
      for (const opset of [10, 19]) expect(refusal(base([{ op: 'Relu', inputs: ['x'], outputs: ['y'] }], { opset }))).to.match(new RegExp(`field 'opset_import': opset ${opset} is not supported \\(11 to 18\\)`));
    });
    it('a dynamic dimension', () => {
      expect(refusal(base([{ op: 'Relu', inputs: ['x'], outputs: ['y'] }], { input: { name: 'x', dims: [1, 'channels', 4, 4] } }))).to.match(/graph input 'x': field 'type.tensor_type.shape.dim\[1\]': dynamic dimension 'channels'/);
      // A symbolic batch is read as 1.
      expect(lower(base([{ op: 'Relu', inputs: ['x'], outputs: ['y'] }], { input: { name: 'x', dims: ['batch', 2, 4, 4] } })).inputDims).to.deep.equal([1, 2, 4, 4]);
    });
    it('an initializer in an external file', () => {
      const spec = base([{ op: 'Conv', inputs: ['x', 'W'], outputs: ['y'], attrs: { pads: [1, 1, 1, 1] } }], { initializers: w, tensorExtras: { W: { dataLocation: 1 } } });
      expect(refusal(spec)).to.match(/initializer 'W': field 'data_location': the tensor is stored in an external file/);
    });
    it('a malformed file', () => {
      expect(() => parseOnnxModel(Uint8Array.from([0x0a, 0xff, 0xff, 0x01]), 'bad.onnx')).to.throw(QtscError, /bad.onnx: not an ONNX model/);
      expect(() => readOnnxModel(path.join(import.meta.dirname, 'onnx.test.ts'))).to.throw(QtscError);
    });
    it('dilated and grouped convolutions', () => {
      expect(refusal(base([{ op: 'Conv', inputs: ['x', 'W'], outputs: ['y'], name: 'c', attrs: { dilations: [2, 2] } }], { initializers: w }))).to.match(/node 'c' \(Conv\): attribute 'dilations': \[2, 2\]: dilated windows are not supported/);
      const g = { W: { dims: [4, 1, 3, 3], data: randoms(36) } };
      const four = { input: { name: 'x', dims: [1, 4, 4, 4] } };
      expect(refusal(base([{ op: 'Conv', inputs: ['x', 'W'], outputs: ['y'], name: 'c', attrs: { group: 2 } }], { ...four, initializers: { W: { dims: [4, 2, 3, 3], data: randoms(72) } } }))).to.match(/node 'c' \(Conv\): attribute 'group': 2 is not supported/);
      expect(lower(base([{ op: 'Conv', inputs: ['x', 'W'], outputs: ['y'], attrs: { group: 4, pads: [1, 1, 1, 1] } }], { ...four, initializers: g })).graph.layers[0].kind).to.equal('depthwise');
    });
    it('a weight computed from the input, a QONNX rounding mode other than ROUND, a signed activation quantizer', () => {
      expect(refusal(base([{ op: 'Conv', inputs: ['x', 'x'], outputs: ['y'], name: 'c' }]))).to.match(/node 'c' \(Conv\): field 'input\[1\]' \(W\): 'x' must be a constant/);
      const q = (attrs: Record<string, string | number>) =>
        base([{ op: 'Quant', domain: 'qonnx.custom_op.general', inputs: ['x', 's', 'z', 'b'], outputs: ['y'], name: 'q', attrs }], {
          initializers: { s: { dims: [], data: [0.5] }, z: { dims: [], data: [0] }, b: { dims: [], data: [4] } },
        });
      expect(refusal(q({ signed: 0, rounding_mode: 'FLOOR' }))).to.match(/node 'q' \(Quant\): attribute 'rounding_mode': 'FLOOR' is not supported/);
      expect(refusal(q({ signed: 1 }))).to.match(/node 'q' \(Quant\): attribute 'signed': a signed activation quantizer is not supported/);
    });
    it('a Clip that no quantizer absorbs', () => {
      const spec: ModelSpec = {
        input: { name: 'x', dims: [1, 2] },
        output: { name: 'y', dims: [1, 2] },
        nodes: [
          { op: 'Clip', inputs: ['x', 'lo', 'hi'], outputs: ['c'], name: 'relu6' },
          { op: 'Gemm', inputs: ['c', 'W'], outputs: ['y'], name: 'fc' },
        ],
        initializers: { lo: { dims: [], data: [0] }, hi: { dims: [], data: [6] }, W: { dims: [2, 2], data: [1, -1, 1, 1] } },
      };
      expect(refusal(spec)).to.match(/node 'relu6' \(Clip\): clipping to \[0, 6\] is supported only as a ReLU .* it is read by Gemm 'fc'/);
    });
  });
});

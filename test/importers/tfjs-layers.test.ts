import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeModel, tmpDir } from '../helpers/make-model.js';
import { importTfjsLayers } from '../../src/importers/tfjs-layers.js';
import { assignValueSpaces } from '../../src/passes/assign-value-spaces.js';

function editJson(dir: string, edit: (j: any) => void): void {
  const file = path.join(dir, 'model.json');
  const j = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(j);
  fs.writeFileSync(file, JSON.stringify(j));
}

function expectError(f: () => unknown, pattern: RegExp): void {
  try {
    f();
  } catch (e) {
    expect((e as Error).message).to.match(pattern);
    return;
  }
  expect.fail(`expected an error matching ${pattern}`);
}

describe('importers/tfjs-layers', () => {
  it('imports a Sequential model: dense, batchnorm, activations, value spaces, input quantization', async () => {
    const { dir } = await makeModel({ sizes: [12, 8, 3], valueSpace: 'pow2-2', act: { kind: 'quant', bits: 3 }, seed: 1, input: { bits: 6, scale: 0.25 } });
    const g = importTfjsLayers(dir);
    expect(g.inputLength).to.equal(12);
    expect(g.inputQuant).to.deep.equal({ bits: 6, scale: 0.25 });
    expect(g.inputQuantSource).to.equal('model metadata');
    expect(g.layers.map((l) => l.kind)).to.deep.equal(['dense', 'batchnorm', 'activation', 'dense']);
    const d = g.layers[0];
    expect(d.kind === 'dense' && d.valueSpace).to.deep.equal([-1, -0.5, 0.5, 1]);
    const a = g.layers[2];
    expect(a.kind === 'activation' && a.act.fn).to.equal('quant');
  });

  it('names the layer, index and value of the first kernel value outside its declared space', async () => {
    const { dir } = await makeModel({ sizes: [5, 4, 2], valueSpace: 'binary', act: { kind: 'sign' }, seed: 2 });
    // Overwrite kernel[1][2] of the first layer (row-major [in][out]) with 0.3.
    const bin = path.join(dir, 'weights.bin');
    const buf = fs.readFileSync(bin);
    const f = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
    f[1 * 4 + 2] = 0.3;
    fs.writeFileSync(bin, Buffer.from(f.buffer, f.byteOffset, f.byteLength));
    const g = importTfjsLayers(dir);
    expectError(() => assignValueSpaces(g, { allowMult: false }), /model\.json: layer 'dense0': field 'kernel': value 0\.3\d* at index \[1, 2\] is not in the value space \{-1, 1\} \(from layer config\)/);
  });

  it('refuses weight paths that leave the model directory', async () => {
    const { dir } = await makeModel({ sizes: [5, 2], valueSpace: 'binary', act: { kind: 'sign' }, seed: 3 });
    editJson(dir, (j) => (j.weightsManifest[0].paths = ['../outside.bin']));
    expectError(() => importTfjsLayers(dir), /weightsManifest path '\.\.\/outside\.bin' leaves/);
    editJson(dir, (j) => (j.weightsManifest[0].paths = ['/etc/passwd']));
    expectError(() => importTfjsLayers(dir), /is absolute/);
  });

  it('names unsupported layers, bad configs and bad metadata', async () => {
    const { dir } = await makeModel({ sizes: [5, 4, 2], valueSpace: 'binary', act: { kind: 'sign' }, seed: 4 });
    const orig = fs.readFileSync(path.join(dir, 'model.json'), 'utf8');
    editJson(dir, (j) => (j.modelTopology.config.layers[1].class_name = 'Conv3D'));
    expectError(() => importTfjsLayers(dir), /layer 'bn0' \(Conv3D\): field 'class_name': layer type 'Conv3D' is not supported/);
    fs.writeFileSync(path.join(dir, 'model.json'), orig);
    editJson(dir, (j) => (j.userDefinedMetadata = { qtsc: { input: { bits: 0, scale: 1 } } }));
    expectError(() => importTfjsLayers(dir), /field 'userDefinedMetadata\.qtsc\.input\.bits'/);
    fs.writeFileSync(path.join(dir, 'model.json'), orig);
    editJson(dir, (j) => (j.modelTopology.config.layers[0].config.value_space = 'ternary-ish'));
    expectError(() => importTfjsLayers(dir), /layer 'dense0' \(QtscDense\): field 'value_space': unknown value space 'ternary-ish'/);
    expectError(() => importTfjsLayers(tmpDir()), /no such model file/);
  });
});

describe('importers/tfjs-layers: functional models and inferred spaces', () => {
  it('imports a functional chain and infers a small value space from the kernel', async () => {
    const tf = await import('@tensorflow/tfjs');
    const { fileSaveHandler } = await import('../../src/importers/tfjs-artifacts.js');
    await tf.setBackend('cpu');
    const input = tf.input({ shape: [6] });
    const d0 = tf.layers.dense({ units: 4, name: 'fc0', useBias: false });
    const h = tf.layers.activation({ activation: 'relu', name: 'r0' }).apply(d0.apply(input)) as any;
    const d1 = tf.layers.dense({ units: 3, name: 'fc1' });
    const model = tf.model({ inputs: input, outputs: d1.apply(h) as any });
    d0.setWeights([tf.tensor2d(Array.from({ length: 24 }, (_, i) => (i % 3 === 0 ? 0.5 : -0.25)), [6, 4])]);
    const dir = tmpDir();
    await model.save(fileSaveHandler(dir));
    const g = assignValueSpaces(importTfjsLayers(dir), { allowMult: false });
    expect(g.layers.map((l) => `${l.kind}:${l.name}`)).to.deep.equal(['dense:fc0', 'activation:r0', 'dense:fc1']);
    const d = g.layers[0];
    expect(d.kind === 'dense' && [d.valueSpace, d.valueSpaceSource]).to.deep.equal([[-0.25, 0.5], 'inferred from kernel']);
    const last = g.layers[2];
    expect(last.kind === 'dense' && last.valueSpace).to.equal(null); // glorot-initialised floats: no small space
  });
});

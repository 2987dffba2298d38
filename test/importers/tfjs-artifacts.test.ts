import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeModel, tmpDir } from '../helpers/make-model.js';
import { importTfjsLayers } from '../../src/importers/tfjs-layers.js';
import { loadArtifacts, readWeights } from '../../src/importers/tfjs-artifacts.js';
import { readModelFile } from '../../src/quantize/model-file.js';
import { QtscError } from '../../src/util/errors.js';

function editJson(dir: string, edit: (j: any) => void): void {
  const file = path.join(dir, 'model.json');
  const j = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(j);
  fs.writeFileSync(file, JSON.stringify(j));
}

function errorOf(f: () => unknown): QtscError {
  try {
    f();
  } catch (e) {
    expect(e, String(e)).to.be.instanceOf(QtscError);
    return e as QtscError;
  }
  return expect.fail('expected a QtscError') as never;
}

/** Overwrites float32 element `index` of the weight `name` in weights.bin. */
function setWeight(dir: string, name: string, index: number, value: number): void {
  const j = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  let offset = 0;
  for (const w of j.weightsManifest[0].weights) {
    if (w.name === name) break;
    offset += w.shape.reduce((a: number, b: number) => a * b, 1) * 4;
  }
  const bin = path.join(dir, 'weights.bin');
  const buf = fs.readFileSync(bin);
  buf.writeFloatLE(value, offset + 4 * index);
  fs.writeFileSync(bin, buf);
}

describe('importers/tfjs-artifacts: paths confined after resolving links', () => {
  let dir: string;
  beforeEach(async () => {
    dir = (await makeModel({ sizes: [5, 4, 2], valueSpace: 'binary', act: { kind: 'sign' }, seed: 7 })).dir;
  });

  it('refuses a weight shard that is a symbolic link to a file outside the model directory', async () => {
    fs.symlinkSync('/etc/passwd', path.join(dir, 'evil.bin'));
    editJson(dir, (j) => (j.weightsManifest[0].paths = ['evil.bin']));
    for (const load of [() => importTfjsLayers(dir), () => readWeights(dir), () => readModelFile(dir)]) {
      expect(errorOf(load).message).to.match(/model\.json: field 'weightsManifest\.0\.paths': weightsManifest path 'evil\.bin' is a symbolic link to \/etc\/passwd, outside /);
    }
    let err: unknown;
    await loadArtifacts(dir).catch((e) => (err = e));
    expect(err).to.be.instanceOf(QtscError);
  });

  it('refuses a link to a directory outside, a link out of a subdirectory, and a model.json that is a link out', () => {
    const outside = tmpDir();
    fs.copyFileSync(path.join(dir, 'weights.bin'), path.join(outside, 'weights.bin'));
    fs.symlinkSync(outside, path.join(dir, 'sub'));
    editJson(dir, (j) => (j.weightsManifest[0].paths = ['sub/weights.bin']));
    expect(errorOf(() => importTfjsLayers(dir)).message).to.match(/'sub\/weights\.bin' is a symbolic link to .*weights\.bin, outside/);
    editJson(dir, (j) => (j.weightsManifest[0].paths = ['weights.bin']));
    fs.renameSync(path.join(dir, 'model.json'), path.join(outside, 'model.json'));
    fs.symlinkSync(path.join(outside, 'model.json'), path.join(dir, 'model.json'));
    expect(errorOf(() => importTfjsLayers(dir)).message).to.match(/model\.json: model file 'model\.json' is a symbolic link to .*, outside/);
  });

  it('follows links that stay inside the model directory', () => {
    fs.mkdirSync(path.join(dir, 'shards'));
    fs.renameSync(path.join(dir, 'weights.bin'), path.join(dir, 'shards', 'w.bin'));
    fs.symlinkSync(path.join('shards', 'w.bin'), path.join(dir, 'weights.bin'));
    expect(importTfjsLayers(dir).layers.length).to.be.greaterThan(0);
  });

  it('refuses shards that are directories, FIFOs, absent, or named with a NUL', () => {
    fs.mkdirSync(path.join(dir, 'adir'));
    editJson(dir, (j) => (j.weightsManifest[0].paths = ['adir']));
    expect(errorOf(() => importTfjsLayers(dir)).message).to.match(/weight shard 'adir': not a regular file \(a directory\)/);
    execFileSync('mkfifo', [path.join(dir, 'fifo')]);
    editJson(dir, (j) => (j.weightsManifest[0].paths = ['fifo']));
    expect(errorOf(() => importTfjsLayers(dir)).message).to.match(/weight shard 'fifo': not a regular file \(a FIFO, socket or device\)/);
    editJson(dir, (j) => (j.weightsManifest[0].paths = ['nope.bin']));
    expect(errorOf(() => importTfjsLayers(dir)).message).to.match(/weight shard 'nope\.bin' does not exist/);
    editJson(dir, (j) => (j.weightsManifest[0].paths = ['weights.bin\u0000.x']));
    expect(errorOf(() => importTfjsLayers(dir)).message).to.match(/contains a NUL character/);
  });
});

describe('importers/tfjs-artifacts: shard sizes, shapes and dtypes', () => {
  let dir: string;
  beforeEach(async () => {
    dir = (await makeModel({ sizes: [5, 4, 2], valueSpace: 'binary', act: { kind: 'sign' }, seed: 8 })).dir;
  });

  it('a truncated shard names the first weight that does not fit', () => {
    const bin = path.join(dir, 'weights.bin');
    const size = fs.statSync(bin).size;
    fs.truncateSync(bin, size - 3);
    expect(errorOf(() => importTfjsLayers(dir)).message).to.match(
      new RegExp(`model\\.json: layer 'bn0': field 'moving_variance': shape \\[4\\] \\(float32\\) needs bytes \\d+\\.\\.\\d+ of group 0's shards \\(weights\\.bin\\), which hold only ${size - 3}: truncated shard\\?`),
    );
  });

  it('an oversized shard is refused', () => {
    fs.appendFileSync(path.join(dir, 'weights.bin'), Buffer.alloc(8));
    expect(errorOf(() => importTfjsLayers(dir)).message).to.match(/field 'weightsManifest\.0\.paths': the shards \(weights\.bin\) hold \d+ bytes, 8 more than the \d+ its weights need/);
  });

  it('huge declared shapes are refused before anything is allocated', () => {
    editJson(dir, (j) => (j.weightsManifest[0].weights[0].shape = [1e9, 1e9, 1e9]));
    expect(errorOf(() => importTfjsLayers(dir)).message).to.match(/layer 'dense0': field 'kernel': shape \[1000000000, 1000000000, 1000000000\] \(float32\) needs 4e\+27 bytes, which takes the model past the 1073741824 bytes/);
    editJson(dir, (j) => (j.weightsManifest[0].weights[0].shape = [65536, 65536]));
    expect(errorOf(() => importTfjsLayers(dir)).message).to.match(/needs 17179869184 bytes/);
  });

  it('wrong dtypes, negative or fractional dimensions, duplicate names and quantized storage are refused', () => {
    const orig = fs.readFileSync(path.join(dir, 'model.json'), 'utf8');
    const cases: Array<[(j: any) => void, RegExp]> = [
      [(j) => (j.weightsManifest[0].weights[0].dtype = 'float16'), /field 'weightsManifest\.0\.weights\.0\.dtype'/],
      [(j) => (j.weightsManifest[0].weights[0].dtype = 7), /field 'weightsManifest\.0\.weights\.0\.dtype'/],
      [(j) => (j.weightsManifest[0].weights[0].shape = [5, -4]), /field 'weightsManifest\.0\.weights\.0\.shape\.1'/],
      [(j) => (j.weightsManifest[0].weights[0].shape = [5, 4.5]), /field 'weightsManifest\.0\.weights\.0\.shape\.1'/],
      [(j) => (j.weightsManifest[0].weights[1].name = j.weightsManifest[0].weights[0].name), /weight 'dense0\/kernel' is listed twice/],
      [(j) => (j.weightsManifest[0].weights[0].quantization = { dtype: 'uint8' }), /layer 'dense0': field 'kernel': quantized weight storage is not supported/],
      // Same byte count, wrong layout: a transposed kernel.
      [(j) => (j.weightsManifest[0].weights[0].shape = [4, 5]), /layer 'dense0': field 'kernel': shape \[4, 5\] must be \[inputs, units\] with units = 4/],
      [(j) => (j.weightsManifest[0].weights[0].shape = [20]), /layer 'dense0': field 'kernel': shape \[20\] must be \[inputs, units\]/],
    ];
    for (const [edit, pattern] of cases) {
      fs.writeFileSync(path.join(dir, 'model.json'), orig);
      editJson(dir, edit);
      expect(errorOf(() => importTfjsLayers(dir)).message).to.match(pattern);
    }
  });
});

describe('importers/tfjs-artifacts: weight values', () => {
  let dir: string;
  let orig: Buffer;
  before(async () => {
    dir = (await makeModel({ sizes: [5, 4, 3, 2], valueSpace: 'binary', act: { kind: 'sign' }, seed: 9 })).dir;
    orig = fs.readFileSync(path.join(dir, 'weights.bin'));
  });
  afterEach(() => fs.writeFileSync(path.join(dir, 'weights.bin'), orig));

  it('a NaN or infinite value in any weight is named with the file, layer, weight, index and value', () => {
    const j = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    const names: string[] = j.weightsManifest[0].weights.map((w: { name: string }) => w.name);
    expect(names).to.include.members(['dense0/kernel', 'bn0/gamma', 'bn0/beta', 'bn0/moving_mean', 'bn0/moving_variance']);
    for (const name of names) {
      for (const value of [NaN, Infinity, -Infinity]) {
        fs.writeFileSync(path.join(dir, 'weights.bin'), orig);
        setWeight(dir, name, 1, value);
        const [layer, field] = name.split('/');
        const shape: number[] = j.weightsManifest[0].weights.find((w: { name: string }) => w.name === name).shape;
        const index = shape.length === 2 ? `\\[0, 1\\]` : `\\[1\\]`;
        expect(errorOf(() => importTfjsLayers(dir)).message).to.match(
          new RegExp(`model\\.json: layer '${layer}': field '${field}': value ${String(value)} at index ${index} is not finite$`),
        );
      }
    }
  });

  it('a negative BatchNorm variance and a bad epsilon are refused', () => {
    setWeight(dir, 'bn1/moving_variance', 2, -0.5);
    expect(errorOf(() => importTfjsLayers(dir)).message).to.match(/layer 'bn1': field 'moving_variance': value -0\.5 at index \[2\] is negative \(a variance\)/);
    fs.writeFileSync(path.join(dir, 'weights.bin'), orig);
    const json = fs.readFileSync(path.join(dir, 'model.json'), 'utf8');
    try {
      for (const eps of ['"1e-3"', 'null', '-1', '1e999']) {
        fs.writeFileSync(path.join(dir, 'model.json'), json.replace(/"epsilon": ?[^,}]+/, `"epsilon": ${eps}`));
        expect(errorOf(() => importTfjsLayers(dir)).message, eps).to.match(/layer 'bn0' \(BatchNormalization\): field 'epsilon': .* is not a finite number >= 0/);
      }
      fs.writeFileSync(path.join(dir, 'model.json'), json.replace(/"epsilon": ?[^,}]+/, `"epsilon": 0`));
      setWeight(dir, 'bn0/moving_variance', 0, 0);
      expect(errorOf(() => importTfjsLayers(dir)).message).to.match(/layer 'bn0': field 'moving_variance': value 0 at index \[0\] plus epsilon 0 is not positive/);
    } finally {
      fs.writeFileSync(path.join(dir, 'model.json'), json);
    }
  });

  it('the example model and a random model still import', () => {
    expect(importTfjsLayers(dir).layers.length).to.be.greaterThan(0);
    expect(importTfjsLayers(path.resolve(import.meta.dirname, '../../examples/mnist-mlp-binary')).inputLength).to.equal(784);
  });
});

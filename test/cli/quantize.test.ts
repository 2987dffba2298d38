/**
 * `qtsc quantize` as a user runs it: options checked, the output directory
 * written all or nothing, ptq-stats.json per layer and channel, and a pow2
 * result that gen-hw compiles with no extra flags.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import { quantizeCommand } from '../../src/cli/quantize.js';
import { subset } from '../../src/data/dataset.js';
import { encodeIdx } from '../../src/data/idx.js';
import { loadMnist } from '../../src/data/mnist.js';
import { fileSaveHandler, loadArtifacts } from '../../src/importers/tfjs-artifacts.js';
import { QtscQuantAct, registerQtscLayers } from '../../src/layers/index.js';
import { evaluate, imagesToTensor } from '../../src/train/trainer.js';
import { initTf } from '../../src/util/tf-backend.js';
import { Rng } from '../../src/util/random.js';
import { tmpDir } from '../helpers/make-model.js';
import { withProgress } from '../helpers/progress-env.js';

const root = path.resolve(import.meta.dirname, '..', '..');

function qtsc(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

async function capture(f: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const ew = process.stderr.write.bind(process.stderr);
  const log = console.log;
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
  console.log = (...a: unknown[]) => void (out += a.join(' ') + '\n');
  try {
    return { code: await f(), out, err };
  } finally {
    process.stderr.write = ew;
    console.log = log;
  }
}

/** A float 784-16-10 MLP (Dense -> BN -> 4-bit act -> Dense), random weights. */
async function floatModel(): Promise<string> {
  const rng = new Rng(9);
  const r = (n: number, a: number) => Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * a);
  const m = tf.sequential({
    layers: [
      tf.layers.dense({ units: 16, useBias: false, inputShape: [784], name: 'dense1' }),
      tf.layers.batchNormalization({ name: 'bn1' }),
      new QtscQuantAct({ name: 'act1', bits: 4, clip: 2 }),
      tf.layers.dense({ units: 10, name: 'logits' }),
    ],
  });
  m.getLayer('dense1').setWeights([tf.tensor(r(784 * 16, 0.1), [784, 16])]);
  m.getLayer('bn1').setWeights([tf.tensor(r(16, 1)), tf.tensor(r(16, 0.5)), tf.tensor(r(16, 0.5)), tf.tensor(Float32Array.from({ length: 16 }, () => 0.5 + rng.next()))]);
  m.getLayer('logits').setWeights([tf.tensor(r(160, 0.5), [16, 10]), tf.tensor(r(10, 0.1))]);
  m.setUserDefinedMetadata({ qtsc: { input: { bits: 8, scale: 1 / 255 } } });
  const dir = tmpDir('qtsc-quantize-cli-');
  await m.save(fileSaveHandler(dir));
  return dir;
}

describe('qtsc quantize (CLI)', () => {
  let model: string;
  before(async () => {
    await initTf({ backend: 'cpu' });
    registerQtscLayers();
    model = await floatModel();
  });

  it('is a qtsc command with --help', () => {
    const r = qtsc(['quantize', '--help']);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/--scheme asym\|sym\|pow2/).and.match(/--granularity channel\|tensor/);
    expect(qtsc(['--help']).stdout).to.match(/commands: .*quantize/);
  });

  it('writes the model, ptq-stats.json (per layer and channel) and ptq-report.md', async () => {
    const out = path.join(tmpDir(), 'q');
    const r = await withProgress('1', () => capture(() => quantizeCommand(['--model', model, '--scheme', 'asym', '--bits', '3', '--bins', '10', '--out', out])));
    expect(r.code).to.equal(0);
    expect(fs.readdirSync(out).sort()).to.deep.equal(['model.json', 'ptq-report.md', 'ptq-stats.json', 'weights.bin']);
    expect(r.out).to.match(/^quantized: asym 3 bits per channel, 2 layers \(0 multiplier-free\)/);
    expect(r.err).to.match(/quantize: dense1 \[784x16\] -> Dense \(general\)/);
    const s = JSON.parse(fs.readFileSync(path.join(out, 'ptq-stats.json'), 'utf8'));
    expect(s).to.include({ format: 'qtsc-ptq-stats', scheme: 'asym', bits: 3, granularity: 'channel', bins: 10 });
    expect(s.layers.map((l: { layer: string }) => l.layer)).to.deep.equal(['dense1', 'logits']);
    const d1 = s.layers[0];
    expect(d1.perChannel).to.have.length(16);
    for (const c of d1.perChannel) {
      expect(Object.keys(c.float)).to.include.members(['min', 'q1', 'median', 'q3', 'max']);
      expect(c.histogram.float).to.have.length(10);
      expect(c.histogram.quantized.reduce((a: number, b: number) => a + b, 0)).to.equal(784);
      expect(c.levelsUsedFraction).to.be.within(1 / 8, 1);
      expect(c.codesGzipBytes).to.be.greaterThan(0);
    }
    expect(d1.sizes.packedBytes).to.equal((784 * 16 * 3) / 8);
    expect(s.totals.weights).to.equal(784 * 16 + 160);
    const md = fs.readFileSync(path.join(out, 'ptq-report.md'), 'utf8');
    expect(md).to.match(/^# Post-training quantization: asym, 3 bits, per channel/).and.match(/\| dense1 \| 784x16 \| Dense \| general \|/);
  });

  it('pow2 output compiles with gen-hw and no extra flags; sym 4 bits needs --allow-mult', async () => {
    const dir = tmpDir();
    const p2 = path.join(dir, 'pow2');
    expect((await capture(() => quantizeCommand(['--model', model, '--scheme', 'pow2', '--bits', '2', '--out', p2, '--quiet']))).out).to.match(/2 multiplier-free/);
    const g = qtsc(['gen-hw', '--model', p2, '--out', path.join(dir, 'hw'), '--quiet']);
    expect(g.code, g.stderr).to.equal(0);
    expect(g.stdout).to.match(/shift-add\(784x16.*shift-add\(16x10.*0 multipliers/);
    const s4 = path.join(dir, 'sym4');
    await capture(() => quantizeCommand(['--model', model, '--scheme', 'sym', '--bits', '4', '--out', s4, '--quiet']));
    const h = qtsc(['gen-hw', '--model', s4, '--out', path.join(dir, 'hw2'), '--quiet']);
    expect(h.code).to.equal(1);
    expect(h.stderr).to.match(/layer 'dense1': field 'kernel'.*--allow-mult/);
  });

  it('--eval measures the float and the quantized model on the same test images', async () => {
    const dir = tmpDir();
    const data = path.join(dir, 'data');
    fs.mkdirSync(data);
    const all = loadMnist('test');
    for (const [prefix, n] of [['train', 10], ['t10k', 200]] as const) {
      const d = subset(all, Array.from({ length: n }, (_, i) => i));
      fs.writeFileSync(path.join(data, `${prefix}-images-idx3-ubyte.gz`), zlib.gzipSync(encodeIdx({ dtype: 'uint8', shape: [n, 28, 28], data: d.images })));
      fs.writeFileSync(path.join(data, `${prefix}-labels-idx1-ubyte`), encodeIdx({ dtype: 'uint8', shape: [n], data: d.labels }));
    }
    const out = path.join(dir, 'q');
    const r = await capture(() => quantizeCommand(['--model', model, '--scheme', 'sym', '--bits', '2', '--eval', data, '--backend', 'cpu', '--out', out, '--quiet']));
    expect(r.out).to.match(/; test accuracy \d+\.\d\d% float, \d+\.\d\d% quantized\n$/);
    const s = JSON.parse(fs.readFileSync(path.join(out, 'ptq-stats.json'), 'utf8'));
    const test = subset(all, Array.from({ length: 200 }, (_, i) => i));
    const x = imagesToTensor(test, 'flat');
    for (const [dirOf, key] of [[model, 'floatAccuracy'], [out, 'quantizedAccuracy']] as const) {
      const m = await tf.loadLayersModel(tf.io.fromMemory(await loadArtifacts(dirOf)));
      expect(s.evaluation[key], key).to.equal(evaluate(m, x, test.labels));
    }
    expect(s.evaluation).to.include({ dataset: data, images: 200 });
  });

  it('bad options are named; a failed run leaves no output behind and keeps an existing directory as it was', async () => {
    const err = async (argv: string[]): Promise<string> => {
      try {
        await quantizeCommand(argv);
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    const out = path.join(tmpDir(), 'o');
    expect(await err(['--scheme', 'sym', '--bits', '4', '--out', out])).to.match(/quantize: --model: required/);
    expect(await err(['--model', model, '--bits', '4', '--out', out])).to.match(/quantize: --scheme: required/);
    expect(await err(['--model', model, '--scheme', 'log', '--bits', '4', '--out', out])).to.match(/--scheme/);
    expect(await err(['--model', model, '--scheme', 'sym', '--bits', '1', '--out', out])).to.match(/--bits: sym needs at least 2 bits/);
    expect(await err(['--model', model, '--scheme', 'pow2', '--bits', '17', '--out', out])).to.match(/--bits/);
    expect(await err(['--model', model, '--scheme', 'pow2', '--bits', '4', '--granularity', 'row', '--out', out])).to.match(/--granularity/);
    expect(await err(['--model', path.join(out, 'nowhere'), '--scheme', 'pow2', '--bits', '4', '--out', out])).to.match(/nowhere: no such model file/);
    // fails after the model was staged (no such data set): nothing is left
    expect(await err(['--model', model, '--scheme', 'pow2', '--bits', '4', '--eval', path.join(out, 'no-data'), '--out', out])).to.match(/no-data: no such data set/);
    expect(fs.existsSync(out)).to.equal(false);
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'keep.txt'), 'x');
    await err(['--model', model, '--scheme', 'pow2', '--bits', '4', '--eval', path.join(out, 'no-data'), '--out', out]);
    expect(fs.readdirSync(out)).to.deep.equal(['keep.txt']);
  });
});

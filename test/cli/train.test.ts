import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { trainCommand } from '../../src/cli/train.js';
import { compileModel } from '../../src/compile.js';
import { mvuNodes } from '../../src/ir/hardware-ir.js';
import { encodeIdx } from '../../src/data/idx.js';
import { readWeights } from '../../src/importers/tfjs-artifacts.js';
import { loadMnist } from '../../src/data/mnist.js';
import { subset } from '../../src/data/dataset.js';
import { encodeCsv } from '../../src/data/csv.js';
import { withProgress } from '../helpers/progress-env.js';

/** Captures stdout and stderr writes and console.log during f. */
async function capture(f: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const ow = process.stdout.write.bind(process.stdout);
  const ew = process.stderr.write.bind(process.stderr);
  const log = console.log;
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
  console.log = (...a: unknown[]) => void (out += a.join(' ') + '\n');
  try {
    const code = await f();
    return { code, out, err };
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
    console.log = log;
  }
}

describe('qtsc train (CLI)', () => {
  let dir: string;
  let data: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-train-cli-'));
    // a small MNIST-layout data set: 400 train / 100 test digits
    data = path.join(dir, 'data');
    fs.mkdirSync(data);
    const all = loadMnist('train');
    for (const [prefix, from, n] of [['train', 0, 400], ['t10k', 400, 100]] as const) {
      const d = subset(all, Array.from({ length: n }, (_, i) => from + i));
      fs.writeFileSync(path.join(data, `${prefix}-images-idx3-ubyte.gz`), zlib.gzipSync(encodeIdx({ dtype: 'uint8', shape: [n, 28, 28], data: d.images })));
      fs.writeFileSync(path.join(data, `${prefix}-labels-idx1-ubyte`), encodeIdx({ dtype: 'uint8', shape: [n], data: d.labels }));
    }
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  // wasm, the backend training is meant for: under 'auto' these tests would
  // inherit whichever backend an earlier test file chose (the slow pure-JS one)
  const base = (out: string) => ['--backend', 'wasm', '--dataset', data, '--hidden', '32', '--method', 'sgt', '--value-space', 'pow2-2', '--act-bits', '2', '--epochs', '3', '--batch-size', '50', '--out', out];

  it('trains, writes a frozen model and training.json, ends with the accuracy line; quiet output is only that line', async () => {
    const out = path.join(dir, 'a');
    const r = await capture(() => trainCommand([...base(out), '--quiet']));
    expect(r.code).to.equal(0);
    expect(r.err).to.equal('');
    expect(r.out).to.match(/^test accuracy: \d+\.\d\d%\n$/);
    const acc = Number(/(\d+\.\d\d)%/.exec(r.out)![1]);
    expect(acc).to.be.greaterThan(50);
    const w = readWeights(out);
    for (const name of ['dense1/kernel', 'logits/kernel']) for (const v of w.get(name)!.values) if (![-1, -0.5, 0.5, 1].includes(v)) expect.fail(`${name}: ${v}`);
    const json = JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8'));
    expect(json.modelTopology.config.layers.map((l: { class_name: string }) => l.class_name)).to.deep.equal(['QtscDense', 'BatchNormalization', 'QtscQuantAct', 'QtscDense']);
    expect(json.userDefinedMetadata.qtsc.input).to.deep.equal({ bits: 8, scale: 1 / 255 });
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'training.json'), 'utf8'));
    expect(summary.results).to.have.length(3);
    expect((summary.testAccuracy * 100).toFixed(2)).to.equal(acc.toFixed(2));
  });

  it('--act-bits takes one choice per activation layer and the frozen model keeps each', async () => {
    const out = path.join(dir, 'acts');
    const args = ['--dataset', data, '--hidden', '16,16', '--method', 'sgt', '--act-bits', '4,1', '--epochs', '1', '--batch-size', '50', '--quiet', '--out', out];
    const r = await capture(() => trainCommand(args));
    expect(r.code).to.equal(0);
    expect(r.out).to.match(/^test accuracy: \d+\.\d\d%\n$/);
    const json = JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8'));
    const layers = json.modelTopology.config.layers as { class_name: string; config: { name: string; bits?: number } }[];
    expect(layers.filter((l) => l.class_name === 'QtscQuantAct' || l.class_name === 'QtscSign').map((l) => [l.config.name, l.class_name, l.config.bits ?? null])).to.deep.equal([
      ['act1', 'QtscQuantAct', 4],
      ['act2', 'QtscSign', null],
    ]);
  });

  it('progress: none when stderr is not a terminal; with QTSC_PROGRESS=1 one plain line per epoch, no control characters', async () => {
    const quietRun = await withProgress('0', () => capture(() => trainCommand([...base(path.join(dir, 'b0')), '--epochs', '1'])));
    expect(quietRun.err).to.equal('');
    expect(quietRun.out).to.match(/^test accuracy: \d+\.\d\d%\n$/);
    const r = await withProgress('1', () => capture(() => trainCommand([...base(path.join(dir, 'b')), '--epochs', '2'])));
    expect(r.err).to.not.match(/\r|\x1b/);
    expect(r.err.split('\n').filter((l) => /^epoch \d\/2 loss/.test(l))).to.have.length(2);
    expect(r.out.trim().split('\n').pop()).to.match(/^test accuracy: \d+\.\d\d%$/);
  });

  it('an interrupted run resumed from its checkpoint gives the same model as an uninterrupted one', async () => {
    const whole = path.join(dir, 'whole');
    const parts = path.join(dir, 'parts');
    await capture(() => trainCommand([...base(whole), '--quiet']));
    const first = await capture(() => trainCommand([...base(parts), '--quiet', '--stop-after', '1']));
    expect(first.out).to.match(/stopped after epoch 1 of 3/);
    expect(fs.existsSync(path.join(parts, 'model.json'))).to.equal(false);
    const second = await capture(() => trainCommand([...base(parts), '--quiet']));
    expect(second.out).to.match(/^test accuracy/);
    const a = readWeights(whole);
    const b = readWeights(parts);
    for (const [name, t] of a) expect(Array.from(b.get(name)!.values), name).to.deep.equal(Array.from(t.values));
  });

  it('--init-from starts the search at the nearest candidates of a float model', async () => {
    const fp = path.join(dir, 'fp');
    await capture(() => trainCommand([...base(fp), '--method', 'fp', '--act-bits', '1', '--quiet', '--epochs', '1']));
    const searched = path.join(dir, 'from-fp');
    // a vanishing learning rate: the searched weights stay where initialisation put them
    await capture(() => trainCommand([...base(searched), '--method', 'rdhs', '--value-space', 'binary', '--act-bits', '1', '--epochs', '1', '--lr', '1e-12', '--init-from', fp, '--quiet']));
    const a = readWeights(fp);
    const b = readWeights(searched);
    for (const name of ['dense1/kernel', 'logits/kernel']) {
      const f = a.get(name)!.values;
      const q = b.get(name)!.values;
      expect(q.length).to.equal(f.length);
      for (let i = 0; i < f.length; i++) if (q[i] !== (f[i] >= 0 ? 1 : -1)) expect.fail(`${name}[${i}]: ${f[i]} -> ${q[i]}`);
    }
    // the logits layer (no BatchNormalization after it) takes one scale for the tensor, which its bias shares
    const fb = Array.from(a.get('logits/bias')!.values);
    const qb = Array.from(b.get('logits/bias')!.values);
    const ratio = fb[0] / qb[0];
    expect(ratio).to.be.greaterThan(0);
    for (let i = 0; i < fb.length; i++) expect(fb[i] / qb[i], `logits/bias[${i}]`).to.be.closeTo(ratio, Math.abs(ratio) * 1e-5);
  });

  it('--init-from maps a float kernel onto every level of a power-of-two space, scaled per output channel', async () => {
    const fp = path.join(dir, 'fp');
    if (!fs.existsSync(path.join(fp, 'model.json'))) await capture(() => trainCommand([...base(fp), '--method', 'fp', '--act-bits', '1', '--quiet', '--epochs', '1']));
    const searched = path.join(dir, 'from-fp-pow2');
    await capture(() => trainCommand([...base(searched), '--method', 'sgt', '--value-space', 'pow2-3', '--act-bits', '1', '--epochs', '1', '--lr', '1e-12', '--init-from', fp, '--quiet']));
    const f = readWeights(fp).get('dense1/kernel')!;
    const q = readWeights(searched).get('dense1/kernel')!;
    const [rows, cols] = f.shape;
    const levels = new Set(Array.from(q.values, Math.abs));
    // a trained float kernel's weights are far below 1: unscaled, all would land on ±1/8
    expect(levels.size, `levels used: ${[...levels]}`).to.equal(4);
    for (let c = 0; c < cols; c++) {
      // the least-squares scale of the chosen candidates reproduces the float channel closely
      let wq = 0;
      let qq = 0;
      let ww = 0;
      for (let r = 0; r < rows; r++) {
        const w = f.values[r * cols + c];
        const v = q.values[r * cols + c];
        wq += w * v;
        qq += v * v;
        ww += w * w;
      }
      const s = wq / qq;
      const rel = Math.sqrt(Math.max(0, ww - s * wq) / ww);
      expect(rel, `channel ${c}: relative error of the scaled candidates`).to.be.lessThan(0.25);
    }
  });

  it('--arch cnn-dw (with --conv-form expand) trains and writes a frozen depthwise-separable CNN of candidates', async () => {
    const out = path.join(dir, 'dw');
    const r = await capture(() => trainCommand([...base(out), '--arch', 'cnn-dw', '--conv-form', 'expand', '--epochs', '1', '--quiet']));
    expect(r.code).to.equal(0);
    expect(r.out).to.match(/^test accuracy: \d+\.\d\d%\n$/);
    const json = JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8'));
    const classes = json.modelTopology.config.layers.map((l: { class_name: string }) => l.class_name);
    expect(classes.filter((c: string) => c.startsWith('Qtsc') && c !== 'QtscQuantAct')).to.deep.equal(['QtscConv2D', 'QtscDepthwiseConv2D', 'QtscConv2D', 'QtscDepthwiseConv2D', 'QtscConv2D', 'QtscDense', 'QtscDense']);
    expect(json.modelTopology.config.layers[0].config.strides).to.deep.equal([2, 2]);
    const w = readWeights(out);
    for (const name of ['stem/kernel', 'dw1/depthwise_kernel', 'dw2/depthwise_kernel', 'pw2/kernel', 'logits/kernel']) {
      expect(w.has(name), name).to.equal(true);
      for (const v of w.get(name)!.values) if (![-1, -0.5, 0.5, 1].includes(v)) expect.fail(`${name}: ${v}`);
    }
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'training.json'), 'utf8'));
    expect(summary.run.arch).to.equal('cnn-dw');
    expect(summary.run.convForm).to.equal('expand');
    // gen-hw compiles what train writes, with no flags: windows, depthwise units, a global sum pool.
    const compiled = await compileModel({ model: out });
    expect(compiled.ir.nodes.map((n) => n.op)).to.include.members(['swu', 'mvu', 'vvu', 'sumpool']);
    expect(mvuNodes(compiled.ir).every((n) => n.multipliers === 0)).to.equal(true);
  });

  it('--init-from carries a float cnn-dw (depthwise kernels included) to the nearest candidates', async () => {
    const fp = path.join(dir, 'dw-fp');
    await capture(() => trainCommand([...base(fp), '--arch', 'cnn-dw', '--method', 'fp', '--act-bits', '1', '--quiet', '--epochs', '1']));
    const searched = path.join(dir, 'dw-from-fp');
    await capture(() => trainCommand([...base(searched), '--arch', 'cnn-dw', '--method', 'sgt', '--value-space', 'binary', '--act-bits', '1', '--epochs', '1', '--lr', '1e-12', '--init-from', fp, '--quiet']));
    const a = readWeights(fp);
    const b = readWeights(searched);
    for (const name of ['stem/kernel', 'dw1/depthwise_kernel', 'pw1/kernel', 'dw2/depthwise_kernel', 'logits/kernel']) {
      const f = a.get(name)!.values;
      const q = b.get(name)!.values;
      expect(q.length, name).to.equal(f.length);
      for (let i = 0; i < f.length; i++) if (q[i] !== (f[i] >= 0 ? 1 : -1)) expect.fail(`${name}[${i}]: ${f[i]} -> ${q[i]}`);
    }
    // With sign activations the 'same'-padded depthwise windows read ±1 codes: gen-hw compiles them with
    // border classes (padded taps are 0 in the model, -1 on the stream), with no flags.
    const compiled = await compileModel({ model: searched });
    const dws = compiled.ir.nodes.filter((n) => n.op === 'vvu');
    expect(dws.length).to.be.greaterThan(0);
    for (const n of dws) expect(n.op === 'vvu' && n.borders !== undefined, n.name).to.equal(true);
  });

  it('--teacher distils from a trained model (recorded with the run); a missing or mismatched teacher is refused naming it', async () => {
    const teacher = path.join(dir, 'teacher');
    await capture(() => trainCommand([...base(teacher), '--method', 'fp', '--act-bits', '0', '--quiet', '--epochs', '2']));
    const student = path.join(dir, 'student');
    const r = await withProgress('1', () => capture(() => trainCommand([...base(student), '--teacher', teacher, '--teacher-weight', '0.5'])));
    expect(r.code).to.equal(0);
    expect(r.err).to.contain(`distilling from ${teacher} (weight 0.5)`);
    expect(r.out.trim().split('\n').pop()).to.match(/^test accuracy: \d+\.\d\d%$/);
    const summary = JSON.parse(fs.readFileSync(path.join(student, 'training.json'), 'utf8'));
    expect(summary.run).to.include({ teacher, teacherWeight: 0.5 });
    // the teacher is part of the run's identity: resuming with another weight is refused
    let msg = '';
    await trainCommand([...base(student), '--teacher', teacher, '--teacher-weight', '1', '--epochs', '4', '--quiet']).catch((e: Error) => (msg = e.message));
    expect(msg).to.match(/different options \(teacherWeight/);
    msg = '';
    await trainCommand([...base(path.join(dir, 's2')), '--teacher', path.join(dir, 'nowhere'), '--quiet']).catch((e: Error) => (msg = e.message));
    expect(msg).to.match(/--teacher .*nowhere: no model\.json there/);
    msg = '';
    await trainCommand([...base(path.join(dir, 's3')), '--arch', 'cnn', '--teacher', teacher, '--quiet']).catch((e: Error) => (msg = e.message));
    expect(msg).to.match(/teacher.*model\.json: the teacher's input shape is \[784\], this run's inputs are \[28, 28, 1\]/);
    msg = '';
    await trainCommand([...base(path.join(dir, 's4')), '--teacher-weight', '0.5', '--quiet']).catch((e: Error) => (msg = e.message));
    expect(msg).to.match(/--teacher-weight' needs --teacher/);
    msg = '';
    await trainCommand([...base(path.join(dir, 's5')), '--teacher', teacher, '--teacher-weight', '2', '--quiet']).catch((e: Error) => (msg = e.message));
    expect(msg).to.match(/--teacher-weight/);
  });

  it('refuses to resume a checkpoint made with other options, and bad options', async () => {
    const out = path.join(dir, 'c');
    await capture(() => trainCommand([...base(out), '--quiet', '--stop-after', '1']));
    let msg = '';
    await trainCommand([...base(out), '--quiet', '--lr', '0.5']).catch((e: Error) => (msg = e.message));
    expect(msg).to.match(/different options \(lr/);
    msg = '';
    await trainCommand(['--out', out, '--method', 'magic']).catch((e: Error) => (msg = e.message));
    expect(msg).to.match(/--method/);
    msg = '';
    await trainCommand(['--out', out, '--value-space', '1,1']).catch((e: Error) => (msg = e.message));
    expect(msg).to.match(/--value-space.*distinct/);
    msg = '';
    await trainCommand(['--epochs', '2']).catch((e: Error) => (msg = e.message));
    expect(msg).to.match(/--out/);
    msg = '';
    await trainCommand(['--out', out, '--conv-form', 'paths']).catch((e: Error) => (msg = e.message));
    expect(msg).to.match(/--conv-form/);
    msg = '';
    await trainCommand(['--out', out, '--conv-form', 'expand']).catch((e: Error) => (msg = e.message));
    expect(msg).to.match(/--conv-form.*not mlp/);
    msg = '';
    await trainCommand(['--out', out, '--arch', 'cnn', '--method', 'ste', '--conv-form', 'expand']).catch((e: Error) => (msg = e.message));
    expect(msg).to.match(/--conv-form.*needs --method rdhs or sgt/);
    msg = '';
    await trainCommand(['--out', out, '--arch', 'resnet']).catch((e: Error) => (msg = e.message));
    expect(msg).to.match(/--arch/);
    msg = '';
    await trainCommand(['--out', out, '--act-bits', '4,x']).catch((e: Error) => (msg = e.message));
    expect(msg).to.match(/--act-bits/);
    msg = '';
    await trainCommand(['--out', out, '--act-bits', '4,17']).catch((e: Error) => (msg = e.message));
    expect(msg).to.match(/--act-bits.*0\.\.16/);
    msg = '';
    await trainCommand(['--dataset', data, '--out', path.join(dir, 'c-acts'), '--hidden', '8,8', '--act-bits', '4,4,4', '--quiet']).catch((e: Error) => (msg = e.message));
    expect(msg).to.match(/act-bits: 3 values given, but mlp has 2 activation layers \(act1, act2\)/);
  });

  it('trains from a directory of CSV files (mnist_train.csv, mnist_test.csv.gz) and ends with the accuracy line', async () => {
    const csvDir = path.join(dir, 'csv');
    fs.mkdirSync(csvDir);
    const all = loadMnist('train');
    fs.writeFileSync(path.join(csvDir, 'mnist_train.csv'), encodeCsv(subset(all, Array.from({ length: 300 }, (_, i) => i)), { header: true }));
    fs.writeFileSync(path.join(csvDir, 'mnist_test.csv.gz'), zlib.gzipSync(encodeCsv(subset(all, Array.from({ length: 100 }, (_, i) => 300 + i)))));
    const out = path.join(dir, 'from-csv');
    const r = await withProgress('1', () => capture(() => trainCommand(['--dataset', csvDir, '--hidden', '16', '--method', 'sgt', '--value-space', 'binary', '--act-bits', '1', '--epochs', '1', '--batch-size', '50', '--out', out])));
    expect(r.code).to.equal(0);
    expect(r.err).to.match(/: 300 train \/ 100 test;/);
    expect(r.out.trim().split('\n').pop()).to.match(/^test accuracy: \d+\.\d\d%$/);
    expect(fs.existsSync(path.join(out, 'model.json'))).to.equal(true);
  });

  it('CSV data errors and a bad --image-size are reported', async () => {
    const bad = path.join(dir, 'bad-csv');
    fs.mkdirSync(bad);
    fs.writeFileSync(path.join(bad, 'train.csv'), '1,2,3,4,5,6,7\n2,1,2,3,4,5,6\n');
    let msg = '';
    await trainCommand(['--dataset', bad, '--out', path.join(dir, 'x')]).catch((e: Error) => (msg = e.message));
    expect(msg).to.contain(`${path.join(bad, 'train.csv')}: line 1: 6 pixels per image is not a square`).and.to.contain('--image-size');
    msg = '';
    await trainCommand(['--dataset', bad, '--image-size', '2x3', '--out', path.join(dir, 'x')]).catch((e: Error) => (msg = e.message));
    expect(msg).to.contain(`${bad}: no CSV file with 'test' in its name`);
    msg = '';
    await trainCommand(['--dataset', bad, '--image-size', '2by3', '--out', path.join(dir, 'x')]).catch((e: Error) => (msg = e.message));
    expect(msg).to.equal('train: --image-size: expected ROWSxCOLS or ROWSxCOLSxCHANNELS, e.g. 28x28 or 32x32x3');
  });
  it('the SGD recipe (momentum, weight decay, step schedule) with RDHS noise and the run-long tau schedule resumes to the same model', async () => {
    const recipe = ['--method', 'rdhs', '--mu', '0.01', '--optimizer', 'sgd', '--momentum', '0.9', '--weight-decay', '5e-4', '--lr', '0.1', '--lr-schedule', 'step', '--lr-milestones', '1,2', '--tau-schedule', 'run', '--tau-min', '0.01', '--quiet'];
    const whole = path.join(dir, 'sgd-whole');
    const parts = path.join(dir, 'sgd-parts');
    const r = await capture(() => trainCommand([...base(whole), ...recipe]));
    expect(r.out).to.match(/^test accuracy: \d+\.\d\d%\n$/);
    expect(Number(/(\d+\.\d\d)%/.exec(r.out)![1])).to.be.greaterThan(30);
    const first = await capture(() => trainCommand([...base(parts), ...recipe, '--stop-after', '1']));
    expect(first.out).to.match(/stopped after epoch 1 of 3/);
    const state = JSON.parse(fs.readFileSync(path.join(parts, 'checkpoint', 'state.json'), 'utf8'));
    expect(state.run).to.include({ optimizer: 'sgd', momentum: 0.9, weightDecay: 5e-4, lrSchedule: 'step', lrDecay: 0.1, tauSchedule: 'run' });
    expect(state.run.lrMilestones).to.deep.equal([1, 2]);
    // the momentum buffers are saved with the checkpoint
    expect(state.optimizer.map((o: { name: string }) => o.name).filter((n: string) => n.endsWith('/momentum')).length).to.be.greaterThan(0);
    let msg = '';
    await trainCommand([...base(parts), ...recipe.map((v) => (v === '0.9' ? '0.5' : v))]).catch((e: Error) => (msg = e.message));
    expect(msg).to.match(/different options \(momentum: 0\.9 there, 0\.5 now\)/);
    msg = '';
    await trainCommand([...base(parts), ...recipe.filter((v, i, all) => v !== '--weight-decay' && all[i - 1] !== '--weight-decay')]).catch((e: Error) => (msg = e.message));
    expect(msg).to.match(/different options \(weightDecay/);
    await capture(() => trainCommand([...base(parts), ...recipe]));
    const a = readWeights(whole);
    const b = readWeights(parts);
    for (const [name, t] of a) expect(Array.from(b.get(name)!.values), name).to.deep.equal(Array.from(t.values));
    const summary = JSON.parse(fs.readFileSync(path.join(whole, 'training.json'), 'utf8'));
    const lrs = summary.results.map((e: { lr: number }) => e.lr);
    const taus = summary.results.map((e: { tau: number }) => e.tau);
    [0.1, 0.01, 0.001].forEach((v, i) => expect(lrs[i]).to.be.closeTo(v, 1e-12));
    [1, 0.1, 0.01].forEach((v, i) => expect(taus[i]).to.be.closeTo(v, 1e-12));
  });

  it('refuses optimizer and schedule options that do not apply or are out of range, naming them', async () => {
    const out = path.join(dir, 'opt-errors');
    const cases: Array<[string[], RegExp]> = [
      [['--optimizer', 'rmsprop'], /^train: --optimizer: /],
      [['--momentum', '0.9'], /'--momentum' applies to --optimizer sgd/],
      [['--optimizer', 'sgd', '--momentum', '1'], /^train: --momentum: must be below 1/],
      [['--weight-decay=-1'], /^train: --weight-decay: /],
      [['--lr-schedule', 'linear'], /^train: --lr-schedule: /],
      [['--lr-milestones', '2'], /'--lr-milestones' applies to --lr-schedule step/],
      [['--lr-decay', '0.5'], /'--lr-decay' applies to --lr-schedule step/],
      [['--lr-schedule', 'step', '--lr-milestones', '3,2'], /^train: --lr-milestones: milestones must increase/],
      [['--lr-schedule', 'step', '--lr-milestones', '2,10', '--epochs', '10'], /'--lr-milestones': 10 is not below --epochs 10/],
      [['--lr-schedule', 'step', '--lr-decay', '2'], /^train: --lr-decay: /],
      [['--tau-schedule', 'linear'], /^train: --tau-schedule: /],
      [['--tau-schedule', 'run', '--tau-decay', '0.9'], /'--tau-decay' applies to --tau-schedule per-epoch/],
      [['--tau-schedule', 'run', '--tau-min', '2'], /--tau-schedule run' needs --tau-min \(2\) below --tau \(1\)/],
    ];
    for (const [args, want] of cases) {
      let msg = '';
      await trainCommand(['--out', out, ...args]).catch((e: Error) => (msg = e.message));
      expect(msg, args.join(' ')).to.match(want);
    }
    expect(fs.existsSync(out)).to.equal(false);
  });

  it('trains the CNN on RGB images (a 4-D IDX directory) and an MLP on RGB CSV data (--image-size 8x8x3); the input shape comes from the data', async () => {
    // 3 classes: the channel that is bright
    const make = (n: number, seed: number) => {
      const images = new Uint8Array(n * 8 * 8 * 3);
      const labels = new Uint8Array(n);
      let s = seed;
      const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      for (let i = 0; i < n; i++) {
        labels[i] = i % 3;
        for (let p = 0; p < 64; p++) for (let c = 0; c < 3; c++) images[(i * 64 + p) * 3 + c] = c === labels[i] ? 150 + Math.floor(rnd() * 100) : Math.floor(rnd() * 100);
      }
      return { images, labels, n };
    };
    const rgb = path.join(dir, 'rgb');
    fs.mkdirSync(rgb);
    for (const [prefix, n, seed] of [['train', 90, 1], ['t10k', 30, 2]] as const) {
      const d = make(n, seed);
      fs.writeFileSync(path.join(rgb, `${prefix}-images-idx4-ubyte`), encodeIdx({ dtype: 'uint8', shape: [n, 8, 8, 3], data: d.images }));
      fs.writeFileSync(path.join(rgb, `${prefix}-labels-idx1-ubyte`), encodeIdx({ dtype: 'uint8', shape: [n], data: d.labels }));
    }
    const out = path.join(dir, 'rgb-cnn');
    const r = await capture(() => trainCommand(['--backend', 'wasm', '--dataset', rgb, '--arch', 'cnn', '--hidden', '16', '--method', 'sgt', '--act-bits', '4', '--epochs', '2', '--batch-size', '30', '--quiet', '--out', out]));
    expect(r.out).to.match(/^test accuracy: \d+\.\d\d%\n$/);
    const json = JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8'));
    expect(json.modelTopology.config.layers[0].config.batch_input_shape).to.deep.equal([null, 8, 8, 3]);
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'training.json'), 'utf8'));
    expect(summary.dataset).to.include({ rows: 8, cols: 8, channels: 3, classes: 3 });
    expect(summary.run.inputShape).to.deep.equal([8, 8, 3]);
    // gen-hw compiles the RGB CNN with no flags: sliding windows, MVUs and max pools, no multiplier.
    const compiled = await compileModel({ model: out });
    expect(compiled.ir.nodes.map((n) => n.op)).to.include.members(['swu', 'mvu', 'maxpool']);
    expect(compiled.ir.tensors.input.shape).to.deep.equal([8, 8, 3]);
    expect(mvuNodes(compiled.ir).every((n) => n.multipliers === 0)).to.equal(true);
    // With sign activations (--act-bits 1) the second 'same' convolution reads ±1 codes: compiled with border classes, no flags.
    const signOut = path.join(dir, 'rgb-cnn-a1');
    await capture(() => trainCommand(['--backend', 'wasm', '--dataset', rgb, '--arch', 'cnn', '--hidden', '16', '--method', 'sgt', '--value-space', 'binary', '--act-bits', '1', '--epochs', '1', '--batch-size', '30', '--quiet', '--out', signOut]));
    const signed = await compileModel({ model: signOut });
    const bordered = mvuNodes(signed.ir).filter((n) => n.borders);
    expect(bordered.length, 'MVUs with border classes').to.be.greaterThan(0);
    expect(bordered.every((n) => n.engine === 'xnor-popcount' && n.multipliers === 0)).to.equal(true);
    // gen-hw --act-bits --calib on the RGB data: a float-ReLU CNN calibrated and checked on 8x8x3 images.
    const floatOut = path.join(dir, 'rgb-cnn-relu');
    await capture(() => trainCommand(['--backend', 'wasm', '--dataset', rgb, '--arch', 'cnn', '--hidden', '16', '--method', 'sgt', '--act-bits', '0', '--epochs', '1', '--batch-size', '30', '--quiet', '--out', floatOut]));
    const calibrated = await compileModel({ model: floatOut, actBits: 4, calib: rgb });
    expect(calibrated.accuracy?.samples).to.equal(30);
    expect(calibrated.accuracy?.hardware).to.be.within(0, 1);

    const csvDir = path.join(dir, 'rgb-csv');
    fs.mkdirSync(csvDir);
    fs.writeFileSync(path.join(csvDir, 'rgb_train.csv'), encodeCsv({ ...make(90, 3), rows: 8, cols: 8, channels: 3 }, { header: true }));
    fs.writeFileSync(path.join(csvDir, 'rgb_test.csv'), encodeCsv({ ...make(30, 4), rows: 8, cols: 8, channels: 3 }));
    const outCsv = path.join(dir, 'rgb-mlp');
    const rc = await capture(() => trainCommand(['--backend', 'wasm', '--dataset', csvDir, '--image-size', '8x8x3', '--hidden', '16', '--method', 'sgt', '--epochs', '3', '--batch-size', '30', '--quiet', '--out', outCsv]));
    expect(Number(/(\d+\.\d\d)%/.exec(rc.out)![1])).to.be.greaterThan(60);
    const mlp = JSON.parse(fs.readFileSync(path.join(outCsv, 'model.json'), 'utf8'));
    expect(mlp.modelTopology.config.layers[0].config.batch_input_shape).to.deep.equal([null, 192]);
    let msg = '';
    await trainCommand(['--dataset', csvDir, '--image-size', '8x8x4', '--out', path.join(dir, 'x')]).catch((e: Error) => (msg = e.message));
    expect(msg).to.contain('192 pixels per image, but the image size 8x8x4 needs 256');
  });
});

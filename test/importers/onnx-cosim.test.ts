/**
 * ONNX models end to end (fixtures of test/fixtures/onnx/make_fixtures.py:
 * PyTorch exports and hand-built QONNX): gen-hw's compile -> golden model
 * (argmax checked against onnxruntime where it runs the model) -> RTL,
 * linted (-Wall) and co-simulated in Verilator with random stalls, every
 * output bit of every frame compared; and the gen-hw command's report.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tmpDir } from '../helpers/make-model.js';
import { compileModel } from '../../src/compile.js';
import { emitRtl } from '../../src/backends/rtl/emit.js';
import { writeVectors } from '../../src/golden/vectors.js';
import { buildVerilatorSim, lintVerilator, runVerilatorSim } from '../../src/drivers/verilator.js';
import { inputLength } from '../../src/ir/hardware-ir.js';
import { argmax, runGolden } from '../../src/golden/execute.js';
import { dequantizeInput, runFloat } from '../../src/golden/float-model.js';
import { Rng } from '../../src/util/random.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const fixture = (name: string) => path.join(root, 'test', 'fixtures', 'onnx', name);

interface Case {
  file: string;
  what: string;
  actBits?: number;
  /** Least argmax agreement of the golden model with onnxruntime (null: onnxruntime cannot run QONNX). */
  hardwareAgreement: number | null;
  /** PyTorch's outputs on some frames, from make_fixtures.py (for models onnxruntime cannot run). */
  torchReference?: string;
}

const cases: Case[] = [
  { file: 'mlp-sign.onnx', what: 'PyTorch MLP, binary weights, BatchNorm, Sign activations', hardwareAgreement: 0.98 },
  { file: 'cnn-pow2.onnx', what: 'PyTorch CNN, pow2 weights, BatchNorm, ReLU quantized to 4 bits, Flatten of an NCHW map', actBits: 4, hardwareAgreement: 0.75 },
  { file: 'mlp-transposed.onnx', what: 'MLP with a transposed weight initializer and MatMul + Add bias', actBits: 4, hardwareAgreement: 0.8 },
  { file: 'qonnx-mlp-thresholds.onnx', what: 'QONNX MLP as FINN streamlines it: MultiThreshold to 2 bits and to ±1', hardwareAgreement: null },
  { file: 'torch-qonnx.onnx', what: 'PyTorch export with QONNX Quant and BipolarQuant symbolics, pow2 Conv, binary Gemms, BatchNorm', hardwareAgreement: null, torchReference: 'torch-qonnx.expected.json' },
  { file: 'resnet-qonnx.onnx', what: 'PyTorch residual block with QONNX Quant activations (fork, skip FIFO, add)', hardwareAgreement: null, torchReference: 'resnet-qonnx.expected.json' },
  { file: 'qonnx-cnn.onnx', what: 'QONNX CNN: BipolarQuant and 4-bit Quant activations, depthwise Conv, GlobalAveragePool', hardwareAgreement: null },
];

const FRAMES = 16;

describe('importers/onnx end to end: compile, onnxruntime, Verilator co-simulation', () => {
  for (const c of cases) {
    it(`${c.file}: ${c.what}: bit-exact in simulation`, async () => {
      const work = tmpDir('qtsc-onnx-cosim-');
      const compiled = await compileModel({ model: fixture(c.file), actBits: c.actBits, calib: 'random' });
      const ort = compiled.onnxruntime!;
      if (c.hardwareAgreement === null) expect(ort).to.have.property('skipped').that.matches(/qonnx\.custom_op\.general/);
      else {
        if ('skipped' in ort) throw new Error(ort.skipped);
        // The importer computes what onnxruntime computes; the hardware, with quantized activations, nearly so.
        expect(ort.floatAgreement).to.be.at.least(0.99);
        expect(ort.hardwareAgreement).to.be.at.least(c.hardwareAgreement);
      }
      const ir = compiled.ir;
      if (c.torchReference) {
        // The float Graph IR and the golden model compute what PyTorch computes (ties of ROUND aside).
        const ref = JSON.parse(fs.readFileSync(fixture(c.torchReference), 'utf8')) as { frames: number[][]; logits: number[][] };
        const close = ref.frames.filter((f, i) => runFloat(compiled.graph, dequantizeInput(compiled.graph, f)).logits.every((v, j) => Math.abs(v - ref.logits[i][j]) < 1e-3)).length;
        const agree = ref.frames.filter((f, i) => runGolden(ir, f).argmax === argmax(ref.logits[i])).length;
        expect(close, 'float Graph IR logits = PyTorch logits').to.be.at.least(ref.frames.length - 1);
        expect(agree, 'golden argmax = PyTorch argmax').to.be.at.least(ref.frames.length - 1);
      }
      const rng = new Rng(7);
      const frames = Array.from({ length: FRAMES }, () => Array.from({ length: inputLength(ir) }, () => rng.int(0, 255)));
      const vectorsDir = path.join(work, 'vectors');
      writeVectors(ir, frames, vectorsDir);
      const rtlDir = path.join(work, 'rtl');
      fs.mkdirSync(rtlDir);
      const emitted = emitRtl(ir, rtlDir);
      const lint = await lintVerilator(rtlDir, emitted.sources, emitted.top);
      expect(lint.warnings.concat(lint.errors), lint.log).to.deep.equal([]);
      const meta = JSON.parse(fs.readFileSync(path.join(vectorsDir, 'meta.json'), 'utf8'));
      const build = await buildVerilatorSim({ rtlDir, sources: emitted.sources, top: emitted.top, inputWordBits: meta.inputWordBits, outputWordBits: meta.outputWordBits, workDir: work });
      const r = await runVerilatorSim({ binary: build.binary, rtlDir, vectorsDir, seed: 1, stallProbability: 0.3 });
      expect(r.frames).to.equal(FRAMES);
      expect(r.mismatches, JSON.stringify(r.firstMismatch)).to.equal(0);
      expect(r.protocolViolations, r.firstProtocolViolation).to.equal(0);
      expect(r.extraOutputs).to.equal(0);
      fs.rmSync(work, { recursive: true, force: true });
    });
  }

  it('gen-hw --model FILE.onnx --calib random writes the onnxruntime comparison into report.json and report.md, the same bytes twice', () => {
    const out = path.join(tmpDir('qtsc-onnx-cli-'), 'build');
    const genHw = (dir: string) => spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), 'gen-hw', '--model', fixture('mlp-sign.onnx'), '--calib', 'random', '--out', dir, '--quiet'], { cwd: root, encoding: 'utf8' });
    const r = genHw(out);
    expect(r.status, r.stderr).to.equal(0);
    expect(genHw(out + '2').status).to.equal(0);
    for (const f of ['ir.json', 'report.json', 'report.md', 'rtl/filelist.f']) expect(fs.readFileSync(path.join(out + '2', f), 'utf8'), f).to.equal(fs.readFileSync(path.join(out, f), 'utf8'));
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(report.onnxruntime.samples).to.equal(200);
    expect(report.onnxruntime.floatAgreement).to.equal(1);
    expect(fs.readFileSync(path.join(out, 'report.md'), 'utf8')).to.match(/## onnxruntime comparison on 200 frames of random/);
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  });
});

/**
 * The latency figure (src/backends/estimates/latency.ts) against the latency
 * Verilator measures on the generated RTL (first input word taken to the
 * frame's output word taken, no stalls): equal, cycle for cycle, on the
 * shipped MLP at --pipeline 0, 1 and 2, a random MLP with the binary-search
 * threshold stage, every kind of width converter and no weight ROM output register, the
 * shipped CNN (sliding windows, max pools, skip FIFOs, a graph top), a
 * MobileNet-like network (depthwise VVUs, average pooling) and a small ResNet
 * (forks, skip FIFOs, adds).
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HardwareIR } from '../../../src/ir/hardware-ir.js';
import { compileModel } from '../../../src/compile.js';
import { emitRtl } from '../../../src/backends/rtl/emit.js';
import { type PlanOptions, planRtl } from '../../../src/backends/rtl/plan.js';
import { frameLatency } from '../../../src/backends/estimates/latency.js';
import { estimateCycles } from '../../../src/backends/estimates/cycles.js';
import { writeVectors } from '../../../src/golden/vectors.js';
import { buildVerilatorSim, runVerilatorSim } from '../../../src/drivers/verilator.js';
import { findTool } from '../../../src/drivers/tools.js';
import { initTf } from '../../../src/util/tf-backend.js';
import { packageRoot } from '../../../src/util/package-root.js';
import { mvuNodes } from '../../../src/ir/hardware-ir.js';
import { randomFrames, randomHardwareIR } from '../../helpers/random-hw.js';
import { tmpDir } from '../../helpers/make-model.js';
import { makeConvModel } from '../../helpers/make-conv-model.js';
import { makeResNetModel, mobileNetSpec } from '../../helpers/reference-networks.js';

const mlpExample = path.join(packageRoot, 'examples', 'mnist-mlp-binary');
const cnnExample = path.join(packageRoot, 'examples', 'fashion-cnn-binary');

/** What Verilator measures on the RTL emitted for (ir, opts), two frames, no stalls. */
async function measuredLatency(ir: HardwareIR, opts: PlanOptions, seed: number): Promise<number> {
  const work = tmpDir('qtsc-latency-');
  try {
    const rtlDir = path.join(work, 'rtl');
    fs.mkdirSync(rtlDir);
    const e = emitRtl(ir, rtlDir, opts);
    const vectors = path.join(work, 'vectors');
    const { meta } = writeVectors(ir, randomFrames(seed, ir, 2), vectors);
    const b = await buildVerilatorSim({ rtlDir, sources: e.sources, top: e.top, inputWordBits: meta.inputWordBits, outputWordBits: meta.outputWordBits, workDir: work });
    const r = await runVerilatorSim({ binary: b.binary, rtlDir, vectorsDir: vectors, seed: 1, stallProbability: 0 });
    expect(r.passed, r.log).to.equal(true);
    expect(r.latencyCycles).to.not.equal(null);
    return r.latencyCycles!;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

describe('backends/estimates/latency', function () {
  this.timeout(900_000);
  let mlp: HardwareIR;
  before(async () => {
    await initTf({ backend: 'wasm' });
    mlp = (await compileModel({ model: mlpExample })).ir;
  });

  it('grows by one cycle per MVU on the path for each tree register level and for the weight ROM output register', () => {
    const lat = (opts: PlanOptions) => frameLatency(mlp, planRtl(mlp, opts));
    const mvus = mvuNodes(mlp).length;
    expect(mvus).to.equal(3);
    for (const p of [0, 1, 2, 3]) {
      expect(lat({ pipeline: p + 1 }) - lat({ pipeline: p }), `pipeline ${p} -> ${p + 1}`).to.equal(mvus);
      expect(lat({ pipeline: p }) - lat({ pipeline: p, romOutputReg: false }), `romOutputReg at pipeline ${p}`).to.equal(mvus);
    }
    // More than the frame's cycles through the slowest node, which a frame must wait for.
    expect(lat({})).to.be.greaterThan(estimateCycles(mlp).cyclesPerFrame);
  });

  const verilatorIt = findTool('verilator') ? it : it.skip;

  for (const pipeline of [0, 1, 2]) {
    verilatorIt(`equals Verilator's measurement on the shipped MLP, --pipeline ${pipeline}`, async () => {
      const opts = { pipeline };
      expect(frameLatency(mlp, planRtl(mlp, opts))).to.equal(await measuredLatency(mlp, opts, 3 + pipeline));
    });
  }

  verilatorIt('equals it on a random MLP: binary-search thresholds, no weight ROM output register, a downsizer, an upsizer and a gearbox', async () => {
    const ir = randomHardwareIR(152, { engine: 'sign-add', actBits: 3, layers: 4, maxDim: 64 });
    const opts: PlanOptions = { romOutputReg: false };
    const plan = planRtl(ir, opts);
    expect(plan.nodes.some((n) => n.bsearch)).to.equal(true);
    const converters = plan.nodes.slice(1).map((n, i) => {
      const [from, to] = [plan.nodes[i].pe, n.simd];
      return from === to ? 'wire' : from % to === 0 ? 'down' : to % from === 0 ? 'up' : 'gear';
    });
    for (const k of ['down', 'up', 'gear']) expect(converters, k).to.include(k);
    expect(frameLatency(ir, plan)).to.equal(await measuredLatency(ir, opts, 5));
  });

  verilatorIt('equals it on the shipped CNN (sliding windows, max pools, skip FIFOs)', async () => {
    const { ir } = await compileModel({ model: cnnExample });
    expect(ir.nodes.some((n) => n.op === 'swu') && ir.nodes.some((n) => n.op === 'maxpool') && ir.nodes.some((n) => n.op === 'fifo')).to.equal(true);
    expect(frameLatency(ir, planRtl(ir))).to.equal(await measuredLatency(ir, {}, 7));
  });

  verilatorIt('equals it on a MobileNet-like network (depthwise VVUs, average pooling) and a ResNet (forks, adds)', async () => {
    const work = tmpDir('qtsc-latency-models-');
    try {
      const mobile = (await compileModel({ model: (await makeConvModel(mobileNetSpec(3), path.join(work, 'mobile'))).dir })).ir;
      expect(mobile.nodes.some((n) => n.op === 'vvu')).to.equal(true);
      expect(frameLatency(mobile, planRtl(mobile))).to.equal(await measuredLatency(mobile, {}, 9));
      const res = (await compileModel({ model: (await makeResNetModel({ seed: 3, side: 8, dir: path.join(work, 'resnet') })).dir })).ir;
      expect(res.nodes.some((n) => n.op === 'add') && res.nodes.some((n) => n.op === 'fork')).to.equal(true);
      expect(frameLatency(res, planRtl(res))).to.equal(await measuredLatency(res, {}, 11));
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});

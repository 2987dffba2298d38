/**
 * The folding optimizer: on random MVU chains and random CNNs every folding it
 * chooses respects the RTL's divisibility rules (and a sliding window's SIMD is
 * its MVU's), meets the target, and costs no more estimated LUTs than
 * autoFold's folding for the same target; the front is non-dominated; an
 * unreachable target or budget is a QtscError naming the best figure. On the
 * shipped examples it meets autoFold's frame rate with fewer estimated LUTs.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import * as path from 'node:path';
import { type HardwareIR, type MvuNode } from '../../src/ir/hardware-ir.js';
import { nodeCycles } from '../../src/ir/node-cycles.js';
import { autoFold, simdChoices } from '../../src/passes/choose-folding.js';
import { type FoldingPoint, evaluateFolding, fastestCycles, optimizeFolding } from '../../src/passes/optimize-folding.js';
import { lowerToHardware } from '../../src/passes/lower-to-hardware.js';
import { assignValueSpaces } from '../../src/passes/assign-value-spaces.js';
import { importTfjsLayers } from '../../src/importers/tfjs-layers.js';
import { checkIrForRtl } from '../../src/backends/rtl/plan.js';
import { QtscError } from '../../src/util/errors.js';
import { randomHardwareIR } from '../helpers/random-hw.js';
import { makeConvModel } from '../helpers/make-conv-model.js';
import { randomConvSpec } from '../helpers/random-conv.js';
import { tmpDir } from '../helpers/make-model.js';
import { initTf } from '../../src/util/tf-backend.js';
import { packageRoot as projectRoot } from '../../src/util/package-root.js';

const CLOCK = 100;

/** The IR a model lowers to, before any folding pass. */
function lowered(dir: string): HardwareIR {
  const g = assignValueSpaces(importTfjsLayers(dir, {}), { allowMult: false });
  return lowerToHardware(g, { allowMult: false, top: 'qtsc_top' }).ir;
}

/** Every divisibility rule of choose-folding.ts holds in a folded IR. */
function expectLegal(unfolded: HardwareIR, ir: HardwareIR): void {
  expect(checkIrForRtl(ir)).to.deep.equal([]);
  ir.nodes.forEach((n, i) => {
    if (n.op === 'mvu') {
      expect(n.mh % n.pe, `${n.name} pe`).to.equal(0);
      expect(simdChoices(unfolded, unfolded.nodes[i] as MvuNode), `${n.name} simd`).to.include(n.simd);
    } else {
      const c = n.op === 'vvu' ? n.channels : ir.tensors[n.inputs[0]].shape[2];
      expect(c % n.simd, `${n.name} simd`).to.equal(0);
    }
    if (n.op === 'swu') {
      const reader = ir.nodes.find((m) => m.inputs.includes(n.outputs[0]))!;
      if (reader.op === 'mvu' || reader.op === 'vvu') expect(n.simd, `${n.name} follows ${reader.name}`).to.equal(reader.simd);
    }
  });
}

function expectFront(front: FoldingPoint[]): void {
  for (let i = 1; i < front.length; i++) {
    expect(front[i].cyclesPerFrame).to.be.greaterThan(front[i - 1].cyclesPerFrame);
    expect(front[i].luts).to.be.lessThan(front[i - 1].luts);
  }
}

/** Optimizes for the pace autoFold reaches at `targetCycles` and checks the result against it. */
function checkAgainstAuto(unfolded: HardwareIR, targetCycles: number): { opt: FoldingPoint; auto: FoldingPoint } {
  const autoIr = autoFold(unfolded, { targetCycles });
  const auto = evaluateFolding(autoIr, CLOCK);
  const r = optimizeFolding(unfolded, { targetFps: auto.fps, clockMHz: CLOCK });
  expectLegal(unfolded, r.ir);
  const cycles = Math.max(...r.ir.nodes.map((n) => nodeCycles(r.ir, n)));
  expect(cycles).to.be.at.most(auto.cyclesPerFrame);
  expect(r.chosen.cyclesPerFrame).to.be.at.most(auto.cyclesPerFrame);
  expect(r.chosen.luts).to.be.at.most(auto.luts);
  return { opt: r.chosen, auto };
}

describe('passes/optimize-folding', function () {
  this.timeout(600_000);

  it('random MVU chains: legal foldings that meet the target with no more LUTs than autoFold', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e6 }),
        fc.constantFrom('xnor-popcount', 'sign-add', 'shift-add', 'int-mac' as const),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (seed, engine, where) => {
          const ir = randomHardwareIR(seed, { engine, maxDim: 48, maxPe: 8, actBits: 2 });
          const fastest = fastestCycles(ir);
          const slowest = Math.max(...ir.nodes.map((n) => nodeCycles(ir, { ...n, pe: 1, simd: 1 } as MvuNode)));
          const target = Math.round(fastest + where * (slowest - fastest));
          checkAgainstAuto(ir, target);
        },
      ),
      { numRuns: 25, seed: 7 },
    );
  });

  it('random chains: a LUT budget gets the fastest front point within it; the front is non-dominated', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), (seed) => {
        const ir = randomHardwareIR(seed, { engine: 'sign-add', maxDim: 40, maxPe: 8, actBits: 2 });
        const explored = optimizeFolding(ir, { clockMHz: CLOCK, explore: true });
        expectFront(explored.front);
        const mid = explored.front[Math.floor(explored.front.length / 2)];
        const r = optimizeFolding(ir, { lutBudget: mid.luts, clockMHz: CLOCK });
        expectLegal(ir, r.ir);
        expect(r.chosen.luts).to.be.at.most(mid.luts);
        expect(r.chosen.cyclesPerFrame).to.be.at.most(mid.cyclesPerFrame);
        const smallest = explored.front[explored.front.length - 1];
        expect(() => optimizeFolding(ir, { lutBudget: smallest.luts - 1, clockMHz: CLOCK })).to.throw(QtscError, new RegExp(`smallest is estimated at ${smallest.luts} LUTs`));
      }),
      { numRuns: 8, seed: 11 },
    );
  });

  it('an unreachable frame rate names the fastest folding', () => {
    const ir = randomHardwareIR(3, { engine: 'xnor-popcount', maxDim: 24 });
    const fastest = fastestCycles(ir);
    expect(() => optimizeFolding(ir, { targetFps: (CLOCK * 1e6) / fastest + 1, clockMHz: CLOCK })).to.throw(QtscError, new RegExp(`the fastest folding takes ${fastest} \\(`));
  });

  describe('convolutional graphs', () => {
    before(async () => {
      await initTf({ backend: 'wasm' });
    });
    for (const seed of [31, 32]) {
      it(`random CNN, seed ${seed}: legal (windows follow their MVU), meets the target, no more LUTs than autoFold`, async () => {
        const { dir } = await makeConvModel(randomConvSpec(seed, { convs: 2 }), path.join(tmpDir('qtsc-opt-'), 'model'));
        const ir = lowered(dir);
        const auto = evaluateFolding(autoFold(ir), CLOCK);
        for (const scale of [1, 4]) checkAgainstAuto(ir, Math.max(fastestCycles(ir), Math.round(auto.cyclesPerFrame / scale)));
      });
    }
  });

  for (const example of ['mnist-mlp-binary', 'fashion-cnn-binary']) {
    it(`examples/${example}: autoFold's frame rate with fewer estimated LUTs`, () => {
      const ir = lowered(path.join(projectRoot, 'examples', example));
      const { opt, auto } = checkAgainstAuto(ir, autoFold(ir).nodes.reduce((m, n) => Math.max(m, nodeCycles(ir, n)), 0));
      console.log(`      ${example}: ${auto.cyclesPerFrame} cycles/frame: automatic ${auto.luts} LUTs, optimized ${opt.luts} LUTs (${opt.cyclesPerFrame} cycles/frame)`);
      expect(opt.luts).to.be.lessThan(auto.luts);
    });
  }
});

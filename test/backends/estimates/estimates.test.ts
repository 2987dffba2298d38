import { expect } from 'chai';
import fc from 'fast-check';
import type { HardwareIR, MvuNode } from '../../../src/ir/hardware-ir.js';
import {
  DEFAULT_COEFFICIENTS,
  bramUnits,
  estimateCycles,
  estimateResources,
  fitCoefficients,
  framesPerSecond,
  laneUsesDsp,
  memoryCost,
  nodeLutFeatures,
  romColumnStats,
  romCost,
  treeLuts,
} from '../../../src/backends/estimates/index.js';
import { planRtl, romImage } from '../../../src/backends/rtl/plan.js';
import { treeEngineOf } from '../../../src/backends/rtl/dot-tree.js';
import { randomHardwareIR } from '../../helpers/random-hw.js';
import type { EngineKind } from '../../../src/ir/hardware-ir.js';
import { inputLength, mvuNodes } from '../../../src/ir/hardware-ir.js';

const engines: EngineKind[] = ['xnor-popcount', 'sign-add', 'shift-add', 'int-mac'];

function withFold(ir: HardwareIR, i: number, pe: number, simd: number): HardwareIR {
  const nodes = mvuNodes(ir).map((n, j): MvuNode => (j === i ? { ...n, pe, simd } : n));
  return { ...ir, nodes };
}

describe('backends/estimates', () => {
  describe('estimateCycles', () => {
    it('is (mh/pe)*(mw/simd) per node and the maximum per frame', () => {
      const ir = randomHardwareIR(5, { engine: 'sign-add', layers: 3, maxDim: 40 });
      const e = estimateCycles(ir);
      mvuNodes(ir).forEach((n, i) => expect(e.nodes[i].cycles).to.equal((n.mh / n.pe) * (n.mw / n.simd)));
      const max = Math.max(...e.nodes.map((n) => n.cycles));
      expect(e.cyclesPerFrame).to.equal(max);
      expect(e.nodes.find((n) => n.name === e.bottleneck)!.cycles).to.equal(max);
      expect(e.inputWordsPerFrame).to.equal(inputLength(ir) / mvuNodes(ir)[0].simd);
    });

    it('on a hand-made pipeline: 784x64 (pe 4, simd 16) then 64x10 (pe 2, simd 8)', () => {
      const base = randomHardwareIR(1, { engine: 'xnor-popcount', layers: 2 });
      const ir: HardwareIR = {
        ...base,
        tensors: { ...base.tensors, input: { ...base.tensors.input, shape: [1, 1, 784] } },
        nodes: [
          { ...mvuNodes(base)[0], mw: 784, mh: 64, pe: 4, simd: 16 },
          { ...mvuNodes(base)[1], mw: 64, mh: 10, pe: 2, simd: 8 },
        ],
      };
      const e = estimateCycles(ir);
      expect(e.nodes.map((n) => n.cycles)).to.deep.equal([16 * 49, 5 * 8]);
      expect(e.cyclesPerFrame).to.equal(784);
      expect(e.bottleneck).to.equal(mvuNodes(base)[0].name);
      expect(framesPerSecond(784, 100)).to.be.closeTo(127551.02, 0.01);
    });

    it('refuses folding that does not divide', () => {
      const ir = randomHardwareIR(3, { engine: 'xnor-popcount', layers: 1 });
      const bad = withFold(ir, 0, mvuNodes(ir)[0].mh + 1, 1);
      expect(() => estimateCycles(bad)).to.throw(/does not divide mh/);
    });
  });

  describe('memoryCost (Yosys 0.23 synth_xilinx, ROM with registered read)', () => {
    // depth, width -> what Yosys produced (bench/primitives.ts).
    const measured: Array<[number, number, { luts?: number; brams?: number }]> = [
      [16, 8, { luts: 8 }],
      [64, 36, { luts: 36 }],
      [128, 8, { luts: 16 }],
      [128, 72, { luts: 144 }],
      [256, 8, { luts: 32 }],
      [256, 32, { luts: 128 }],
      [256, 36, { brams: 0.5 }],
      [256, 72, { brams: 1 }],
      [512, 36, { brams: 0.5 }],
      [1024, 8, { luts: 167 }],
      [2048, 8, { brams: 0.5 }],
      [2048, 36, { brams: 2 }],
      [2048, 72, { brams: 4 }],
      [200, 64, { luts: 256 }],
    ];
    for (const [d, w, want] of measured) {
      it(`${d} x ${w}`, () => {
        const c = memoryCost(d, w);
        if (want.brams !== undefined) {
          expect(c.brams).to.equal(want.brams);
          expect(c.luts).to.equal(0);
        } else {
          expect(c.brams).to.equal(0);
          // Within 25% of Yosys' LUT count.
          expect(c.luts).to.be.within(want.luts! * 0.75, want.luts! * 1.25);
          expect(c.ffs).to.equal(w);
        }
      });
    }

    it('ROMs with known contents: constant columns are free, identical ones shared', () => {
      // Columns: bit0 constant 1, bit1 0101..., bit2 constant 1, bit3 = bit1, bit4 constant 0.
      const words = [0b00101n, 0b01111n, 0b00101n, 0b01111n];
      expect(romColumnStats(words, 5)).to.deep.equal({ nonConstant: 2, distinct: 1 });
      const hex = (ws: bigint[], width: number) => ws.map((w) => w.toString(16).padStart(Math.ceil(width / 4), '0'));
      expect(romCost(romImage('a.mem', 5, hex(words, 5), 'distributed'))).to.deep.equal({ luts: 1, ffs: 1, brams: 0, dsps: 0 });
      // In block RAM the identical column still takes width; only constant ones are dropped.
      expect(romCost(romImage('a.mem', 5, hex(words, 5), 'block'))).to.deep.equal({ luts: 0, ffs: 0, brams: 0.5, dsps: 0 });
      for (const style of ['auto', 'block', 'distributed'] as const) {
        expect(romCost(romImage('c.mem', 3, hex([7n, 7n, 7n], 3), style))).to.deep.equal({ luts: 0, ffs: 0, brams: 0, dsps: 0 });
      }
      // 16 words x 300 bits: only its varying columns take block RAM width.
      const wide = Array.from({ length: 16 }, (_, i) => (BigInt(i * 2654435761) * 0x9e3779b97f4a7c15n) & ((1n << 100n) - 1n));
      const { nonConstant, distinct } = romColumnStats(wide, 300);
      expect(nonConstant).to.be.within(80, 100);
      expect(romCost(romImage('w.mem', 300, hex(wide, 300), 'block'))).to.deep.equal({ luts: 0, ffs: 0, brams: bramUnits(16, nonConstant) / 2, dsps: 0 });
      // In LUTs, 16 words fit one LUT6 per distinct column, with its read register.
      expect(romCost(romImage('w.mem', 300, hex(wide, 300), 'distributed'))).to.deep.equal({ luts: distinct, ffs: distinct, brams: 0, dsps: 0 });
    });

    it('a one-word ROM is a constant; bramUnits picks the best shape', () => {
      expect(memoryCost(1, 100)).to.deep.equal({ luts: 0, ffs: 0, brams: 0, dsps: 0 });
      expect(bramUnits(512, 36)).to.equal(1);
      expect(bramUnits(512, 72)).to.equal(2);
      expect(bramUnits(2048, 9)).to.equal(1);
      expect(bramUnits(32768, 1)).to.equal(2);
    });
  });

  describe('estimateResources', () => {
    it('totals are the sum of nodes and top, and every node the sum of its parts', () => {
      for (const engine of engines) {
        const ir = randomHardwareIR(17, { engine, layers: 3, actBits: 3, pow2Levels: 4 });
        const r = estimateResources(ir);
        for (const k of ['luts', 'ffs', 'brams', 'dsps'] as const) {
          expect(r.total[k]).to.be.closeTo(r.nodes.reduce((s, n) => s + n[k], 0) + r.top[k], 1e-9);
          for (const n of r.nodes) expect(n[k]).to.be.closeTo(Object.values(n.parts).reduce((s, p) => s + p[k], 0), 1e-9);
        }
      }
    });

    it('uses DSPs only for int-mac lanes with products of 9 bits or more', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 1000 }), fc.constantFrom(...engines), fc.integer({ min: 1, max: 8 }), (seed, engine, a) => {
          // pow2Levels 2 or 4: the helper can draw exponent codes outside [0, levels-1] otherwise.
          const ir = randomHardwareIR(seed, { engine, actBits: a, layers: 2, pow2Levels: seed % 2 ? 2 : 4 });
          const r = estimateResources(ir);
          mvuNodes(ir).forEach((n, i) => {
            if (engine !== 'int-mac') expect(r.nodes[i].dsps).to.equal(0);
            else expect(r.nodes[i].dsps).to.equal(laneUsesDsp(n) ? n.pe * n.simd : 0);
          });
        }),
        { numRuns: 60, seed: 42 },
      );
    });

    it('more lanes never cost fewer LUTs or FFs in the datapath (weights still in a ROM)', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 1000 }), fc.constantFrom(...engines), (seed, engine) => {
          const ir = randomHardwareIR(seed, { engine, layers: 1, maxDim: 48, pow2Levels: 4 });
          const n = mvuNodes(ir)[0];
          fc.pre(n.mw > 1);
          const one = estimateResources(withFold(ir, 0, 1, 1)).nodes[0].parts.datapath;
          const wide = estimateResources(withFold(ir, 0, n.mh, 1)).nodes[0].parts.datapath;
          expect(wide.luts).to.be.at.least(one.luts);
          expect(wide.ffs).to.be.at.least(one.ffs);
        }),
        { numRuns: 100, seed: 42 },
      );
    });

    it('fully unfolded nodes (constant weights) lose their term logic', () => {
      const ir = randomHardwareIR(4, { engine: 'shift-add', layers: 1, maxDim: 40, pow2Levels: 4, actBits: 4 });
      const n = mvuNodes(ir)[0];
      const flat = withFold(ir, 0, n.mh, n.mw);
      const generic = estimateResources(flat, DEFAULT_COEFFICIENTS, { dotTrees: 'none' }).nodes[0];
      expect(generic.parts.weightRom.luts).to.equal(0);
      expect(generic.parts.datapath.luts).to.equal(Math.round(DEFAULT_COEFFICIENTS['lane:shift-add'] * n.mh * n.mw * 5));
      // The tree: the weight bits are constants, so a lane is its input bits (or nothing), no shifter.
      const np = planRtl(flat).nodes[0];
      const engine = treeEngineOf(np)!;
      const folded = n.mh * treeLuts(engine, n.mw, n.accWidth);
      const f = nodeLutFeatures(mvuNodes(flat)[0], np);
      expect(f['tree:shift-add']).to.equal(undefined);
      expect(f['tree:constant']).to.be.greaterThan(0);
      expect(f['tree:constant']).to.be.lessThan(folded / 2);
    });

    it('models the engine planRtl builds: trees by default, qtsc_dot_acc where dotTrees leaves none', () => {
      for (const engine of engines) {
        const ir = randomHardwareIR(23, { engine, layers: 2, actBits: 3, pow2Levels: 4 });
        for (const dotTrees of [undefined, 'all', 'xnor', 'none'] as const) {
          const plan = planRtl(ir, { dotTrees });
          const est = estimateResources(ir, DEFAULT_COEFFICIENTS, { dotTrees });
          mvuNodes(ir).forEach((n, i) => {
            const f = nodeLutFeatures(n, plan.nodes[i]);
            const tree = plan.nodes[i].engineFiles.length > 0;
            expect(f[`tree:${engine}`] !== undefined, `${engine} ${dotTrees}`).to.equal(tree);
            expect(f[`lane:${engine}`] !== undefined || f['lane:int-mac-dsp'] !== undefined, `${engine} ${dotTrees}`).to.equal(!tree);
            // (DSP lanes: the DSP48s take the multipliers and most adds.)
            if (f['lane:int-mac-dsp'] === undefined) expect(est.nodes[i].parts.datapath.luts).to.be.greaterThan(0);
          });
        }
      }
      // A tree is the cheaper engine (docs/rtl.md): so says the model.
      const ir = randomHardwareIR(6, { engine: 'sign-add', layers: 1, maxDim: 64, actBits: 2 });
      const folded = withFold(ir, 0, mvuNodes(ir)[0].mh, mvuNodes(ir)[0].mw / (mvuNodes(ir)[0].mw % 2 === 0 ? 2 : 1));
      const tree = estimateResources(folded).nodes[0].parts.datapath.luts;
      const generic = estimateResources(folded, DEFAULT_COEFFICIENTS, { dotTrees: 'none' }).nodes[0].parts.datapath.luts;
      expect(tree).to.be.lessThan(generic);
    });

    it('a W1A1 layer costs less than the same layer with 4-bit activations and pow2 weights', () => {
      const a = randomHardwareIR(9, { engine: 'xnor-popcount', layers: 1, maxDim: 64 });
      const b = randomHardwareIR(9, { engine: 'shift-add', layers: 1, maxDim: 64, actBits: 4, pow2Levels: 4 });
      const fold = (ir: HardwareIR) => withFold(ir, 0, mvuNodes(ir)[0].mh, 1);
      expect(estimateResources(fold(a)).nodes[0].parts.datapath.luts).to.be.lessThan(estimateResources(fold(b)).nodes[0].parts.datapath.luts);
    });
  });

  describe('fitCoefficients', () => {
    it('recovers the coefficients that generated the data', () => {
      const truth = { ...DEFAULT_COEFFICIENTS, 'tree:sign-add': 0.7, 'tree:xnor-popcount': 0.9, 'tree-add': 1.3, 'lane:sign-add': 1.7, cmp: 0.4, add: 2.0, ctrl: 3.0, node: 12 };
      const samples = [];
      for (let seed = 0; seed < 40; seed++) {
        const engine = seed % 2 === 0 ? 'xnor-popcount' : 'sign-add';
        // Every fourth design with the generic engine (dotTrees none), the rest with trees.
        const opts = seed % 4 === 3 ? { dotTrees: 'none' as const } : {};
        const ir = randomHardwareIR(seed + 100, { engine, layers: 1 + (seed % 3), maxDim: 50 });
        samples.push({ ir, opts, luts: estimateResources(ir, truth, opts).total.luts });
      }
      const fit = fitCoefficients(samples, DEFAULT_COEFFICIENTS);
      expect(fit.errorAfter).to.be.lessThan(0.02);
      expect(fit.errorAfter).to.be.lessThan(fit.errorBefore);
      expect(fit.coefficients['tree:sign-add']).to.be.closeTo(0.7, 0.15);
      expect(fit.coefficients['tree:xnor-popcount']).to.be.closeTo(0.9, 0.15);
      expect(fit.coefficients['lane:sign-add']).to.be.closeTo(1.7, 0.15);
      expect(fit.coefficients.cmp).to.be.closeTo(0.4, 0.15);
      // Features no sample exercises keep their value.
      expect(fit.coefficients['lane:int-mac']).to.equal(DEFAULT_COEFFICIENTS['lane:int-mac']);
    });
  });
});

/**
 * ROM placement (src/backends/rtl/rom-placement.ts): the automatic choice on
 * ROM shapes, the overrides through PlanOptions.romStyle, the estimate of
 * each ROM where it was placed, and Yosys synth_xilinx putting a generated
 * node's ROMs where the attribute asks.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type PlanOptions, type RomImage, planRtl, romImage } from '../../../src/backends/rtl/plan.js';
import { LUTS_PER_RAMB18, autoRomPlacement, lutEquivalents, placeRom } from '../../../src/backends/rtl/rom-placement.js';
import { blockRomCost, bramUnits, hexRomColumnStats, lutRomCost } from '../../../src/backends/estimates/rom-cost.js';
import { estimateResources, romCost } from '../../../src/backends/estimates/resources.js';
import { emitRtl, renderRtl } from '../../../src/backends/rtl/emit.js';
import { compileModel } from '../../../src/compile.js';
import { initTf } from '../../../src/util/tf-backend.js';
import { makeResNetModel } from '../../helpers/reference-networks.js';
import { synthesize } from '../../../src/drivers/yosys.js';
import { findTool } from '../../../src/drivers/tools.js';
import { QtscError } from '../../../src/util/errors.js';
import { Rng } from '../../../src/util/random.js';
import { mvuNodes } from '../../../src/ir/hardware-ir.js';
import { randomHardwareIR } from '../../helpers/random-hw.js';
import { xnorMlp } from './ir-builders.js';

/** `depth` random words of `width` bits, as hex (every column varies and differs, for these sizes). */
function randomWords(seed: number, depth: number, width: number): string[] {
  const rng = new Rng(seed);
  const digits = Math.ceil(width / 4);
  return Array.from({ length: depth }, () => {
    let v = 0n;
    for (let b = 0; b < width; b++) if (rng.next() < 0.5) v |= 1n << BigInt(b);
    return v.toString(16).padStart(digits, '0');
  });
}

const randomRom = (depth: number, width: number, style: 'auto' | 'block' | 'distributed' = 'auto') =>
  romImage(`r${depth}x${width}.mem`, width, randomWords(depth * 7 + width, depth, width), style);

describe('backends/rtl/rom-placement', () => {
  describe('automatic placement', () => {
    it('puts a shallow, wide ROM (32 x 448) in LUTs: 13 RAMB18 at 6% use cost more than 448 LUTs', () => {
      const rom = randomRom(32, 448);
      expect(rom.columns).to.deep.equal({ nonConstant: 448, distinct: 448 });
      expect(bramUnits(32, 448)).to.equal(13);
      expect(blockRomCost(32, rom.columns)).to.deep.equal({ luts: 0, ffs: 0, brams: 6.5, dsps: 0 });
      expect(lutRomCost(32, rom.columns)).to.deep.equal({ luts: 448, ffs: 448, brams: 0, dsps: 0 });
      expect(rom.placement).to.equal('distributed');
      expect(rom.attribute).to.equal('(* rom_style = "distributed", rom_block = "logic" *)');
    });

    it('puts deep ROMs in block RAM and shallow or narrow ones in LUTs (random contents)', () => {
      const cases: Array<[number, number, 'block' | 'distributed']> = [
        [3136, 64, 'block'], // the example MLP's first weight ROM: 7 RAMB36
        [2048, 32, 'block'],
        [1024, 16, 'block'],
        [512, 36, 'block'],
        [288, 64, 'block'], // one RAMB36 (2 x 190) against 5 LUTs per column
        [256, 36, 'distributed'], // 144 LUTs + 36 FFs against one RAMB18 (Yosys alone picks the RAMB18)
        [64, 80, 'distributed'],
        [32, 64, 'distributed'],
        [2560, 1, 'distributed'], // one column: 50 LUTs
        [16, 200, 'distributed'],
      ];
      for (const [d, w, want] of cases) {
        const rom = randomRom(d, w);
        expect(rom.placement, `${d} x ${w}`).to.equal(want);
        expect(rom.attribute, `${d} x ${w}`).to.equal(want === 'block' ? '(* rom_style = "block" *)' : '(* rom_style = "distributed", rom_block = "logic" *)');
      }
    });

    it('compares LUT-equivalents: a RAMB18 is worth 190 LUTs, a flip-flop half a LUT', () => {
      expect(LUTS_PER_RAMB18).to.equal(190);
      expect(lutEquivalents({ luts: 10, ffs: 4, brams: 1.5, dsps: 0 })).to.equal(10 + 2 + 3 * 190);
      // 1024 words: 20 LUTs per column (16 LUT6 + 25%) and half an FF-LUT, against one RAMB18 (1K x 18) up to 18 columns.
      const cols = (n: number) => ({ nonConstant: n, distinct: n });
      expect(lutEquivalents(lutRomCost(1024, cols(9)))).to.equal(9 * 20 + 4.5);
      expect(autoRomPlacement(1024, cols(9))).to.equal('distributed'); // 184.5 < 190
      expect(autoRomPlacement(1024, cols(10))).to.equal('block'); // 205 > 190
      // Identical columns are one in LUTs but each takes width in block RAM.
      expect(autoRomPlacement(1024, { nonConstant: 36, distinct: 9 })).to.equal('distributed');
      expect(autoRomPlacement(1024, { nonConstant: 36, distinct: 18 })).to.equal('distributed'); // 369 < 380 (1K x 36 is two RAMB18)
      expect(autoRomPlacement(1024, { nonConstant: 36, distinct: 19 })).to.equal('block'); // 389.5 > 380
    });

    it('leaves constants and asynchronously read tables unplaced, whatever is asked', () => {
      for (const style of ['auto', 'block', 'distributed'] as const) {
        expect(placeRom(1, { nonConstant: 0, distinct: 0 }, style)).to.equal('constant');
        const same = romImage('s.mem', 12, ['abc', 'abc', 'abc', 'abc'], style);
        expect([same.placement, same.attribute]).to.deep.equal(['constant', '']);
        expect(placeRom(4096, { nonConstant: 12, distinct: 12 }, style, 'async')).to.equal('async');
      }
      expect(romImage('t.mem', 12, ['abc', 'abd'], 'block', 'async').attribute).to.equal('');
    });

    it('a fixed style overrides the rule', () => {
      expect(randomRom(32, 448, 'block').placement).to.equal('block');
      expect(randomRom(3136, 64, 'distributed').placement).to.equal('distributed');
      expect(randomRom(32, 448, 'block').requested).to.equal('block');
      expect(randomRom(32, 448).requested).to.equal('auto');
    });
  });

  describe('PlanOptions.romStyle', () => {
    const ir = xnorMlp(3, 'rs_top', [256, 64, 32, 10], [
      { pe: 4, simd: 32 },
      { pe: 2, simd: 16 },
      { pe: 1, simd: 8 },
    ]);
    const placements = (opts: PlanOptions) => planRtl(ir, opts).nodes.map((n) => [n.weightRom.placement, n.paramRom.placement]);

    it('places every ROM by `all`, and a node named in `nodes` by its own style', () => {
      const auto = placements({});
      expect(placements({ romStyle: { all: 'auto' } })).to.deep.equal(auto);
      expect(placements({ romStyle: { all: 'block' } }).flat()).to.deep.equal(auto.flat().map((p) => (p === 'constant' ? p : 'block')));
      expect(placements({ romStyle: { all: 'distributed' } }).flat()).to.deep.equal(auto.flat().map((p) => (p === 'constant' ? p : 'distributed')));
      const mixed = planRtl(ir, { romStyle: { all: 'distributed', nodes: { layer1: 'block' } } }).nodes;
      expect(mixed.map((n) => n.weightRom.placement)).to.deep.equal(['distributed', 'block', 'distributed']);
      expect(mixed.map((n) => n.weightRom.requested)).to.deep.equal(['distributed', 'block', 'distributed']);
      const one = planRtl(ir, { romStyle: { nodes: { layer0: 'block' } } }).nodes;
      expect(one.map((n) => n.weightRom.requested)).to.deep.equal(['block', 'auto', 'auto']);
    });

    it('names a node the design does not have and lists the nodes with ROMs; names a style that is none', () => {
      expect(() => planRtl(ir, { romStyle: { nodes: { layer9: 'block' } } })).to.throw(
        QtscError,
        /ROM style for node 'layer9': the design has no node of that name \(nodes with ROMs: layer0, layer1, layer2\)/,
      );
      expect(() => planRtl(ir, { romStyle: { all: 'huge' as 'block' } })).to.throw(QtscError, /ROM style 'huge' is not one of auto, block, distributed/);
    });
  });

  describe('residual networks', function () {
    this.timeout(300_000);
    it('the add units\' threshold ROMs follow the style and carry the attribute; a fork has no ROM', async () => {
      await initTf({ backend: 'wasm' });
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-rom-res-'));
      try {
        const { dir: model } = await makeResNetModel({ seed: 2, side: 8, dir: path.join(dir, 'model') });
        const compiled = (await compileModel({ model })).ir;
        // Its adds requantize every channel alike (a constant ROM): give each channel its own thresholds.
        const ir = structuredClone(compiled);
        const adds = ir.nodes.filter((n) => n.op === 'add');
        expect(adds.length).to.be.greaterThan(0);
        for (const a of adds) a.output.thresholds = a.output.thresholds.map((row, c) => row.map((t) => t + (c % 3)));
        expect(planRtl(compiled).stages.filter((st) => st.kind === 'add').map((st) => st.kind === 'add' && st.paramRom.placement)).to.deep.equal(adds.map(() => 'constant'));
        for (const all of ['block', 'distributed'] as const) {
          const plan = planRtl(ir, { romStyle: { all } });
          const { files } = renderRtl(ir, { romStyle: { all } }, plan);
          for (const st of plan.stages) {
            if (st.kind !== 'add') continue;
            expect(st.paramRom.placement, st.name).to.equal(all);
            expect(files.get(`${st.module}.sv`)).to.include(`  ${st.paramRom.attribute}\n  logic [${st.paramWidth}-1:0] p_rom [`);
            const est = estimateResources(ir, undefined, { romStyle: { all } }, plan).nodes[st.index];
            expect(est.parts.paramRom).to.deep.equal(romCost(st.paramRom));
          }
        }
        const fork = ir.nodes.find((n) => n.op === 'fork')!;
        expect(() => planRtl(ir, { romStyle: { nodes: { [fork.name]: 'block' } } })).to.throw(QtscError, new RegExp(`node '${fork.name}': a fork node has no ROM`));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('estimate where the RTL placed it', () => {
    it('every ROM costs what its placement implies, and moving one moves the node estimate by exactly the difference', () => {
      for (const [seed, engine] of [
        [5, 'xnor-popcount'],
        [6, 'sign-add'],
        [7, 'shift-add'],
        [8, 'int-mac'],
      ] as const) {
        const ir = randomHardwareIR(seed, { engine, layers: 3, actBits: 3, maxDim: 200 });
        const est = (opts: PlanOptions) => ({ plan: planRtl(ir, opts), est: estimateResources(ir, undefined, opts) });
        const runs = (['auto', 'block', 'distributed'] as const).map((all) => est({ romStyle: { all } }));
        for (const { plan, est: e } of runs) {
          plan.nodes.forEach((n, i) => {
            const parts = e.nodes[i].parts;
            const check = (rom: RomImage, part: { luts: number; ffs: number; brams: number }) => {
              const what = `${engine} ${n.name} ${rom.file} (${rom.placement})`;
              expect(part, what).to.deep.equal(romCost(rom));
              if (rom.placement === 'block') expect(part, what).to.deep.include({ luts: 0, ffs: 0, brams: bramUnits(rom.depth, rom.columns.nonConstant) / 2 });
              if (rom.placement === 'distributed') expect(part.brams, what).to.equal(0);
              if (rom.placement === 'constant') expect(part, what).to.deep.include({ luts: 0, ffs: 0, brams: 0 });
            };
            check(n.weightRom, parts.weightRom);
            if (!n.bsearch) check(n.paramRom, parts.paramRom);
          });
        }
        // Node by node: the block run and the distributed run differ only in the ROM parts.
        const [, block, dist] = runs;
        mvuNodes(ir).forEach((_, i) => {
          const b = block.est.nodes[i];
          const d = dist.est.nodes[i];
          const rom = (x: typeof b) => x.parts.weightRom.luts + x.parts.paramRom.luts;
          expect(b.luts - rom(b), `${engine} node ${i}`).to.equal(d.luts - rom(d));
        });
      }
    });

    it('the decision is the cheaper of the two estimates the estimate then uses', () => {
      for (const [d, w] of [[32, 448], [3136, 64], [256, 36], [1024, 10], [1024, 9]] as const) {
        const rom = randomRom(d, w);
        const cost = romCost(rom);
        const other = romCost(romImage(rom.file, w, rom.words, rom.placement === 'block' ? 'distributed' : 'block'));
        expect(lutEquivalents(cost), `${d} x ${w}`).to.be.at.most(lutEquivalents(other));
        expect(hexRomColumnStats(rom.words, w)).to.deep.equal(rom.columns);
      }
    });
  });

  describe('Yosys synth_xilinx follows the attribute', function () {
    this.timeout(600_000);
    const yosysIt = findTool('yosys') ? it : it.skip;
    // Node 0: a 256 x 36 weight ROM (PE 2 x SIMD 18, 16 x 16 folds) that Yosys on its own
    // puts in a RAMB18, and a 16 x 24 threshold ROM; node 1 is unfolded (constant weights).
    const ir = xnorMlp(11, 'yr_top', [288, 32, 10], [
      { pe: 2, simd: 18 },
      { pe: 10, simd: 32 },
    ]);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-rom-placement-'));
    after(() => fs.rmSync(work, { recursive: true, force: true }));

    yosysIt('auto, block and distributed: the node has the block RAMs its estimate has', async () => {
      const measured: Record<string, { luts: number; brams: number; estLuts: number; estBrams: number }> = {};
      for (const all of ['auto', 'block', 'distributed'] as const) {
        const opts: PlanOptions = { romStyle: { all } };
        const plan = planRtl(ir, opts);
        const n0 = plan.nodes[0];
        expect([n0.weightRom.depth, n0.weightRom.width]).to.deep.equal([256, 36]);
        const dir = path.join(work, all);
        fs.mkdirSync(dir);
        const e = emitRtl(ir, dir, opts, plan);
        const r = await synthesize({ rtlDir: dir, sources: e.sources, top: n0.module, target: 'xilinx', workDir: path.join(dir, 'syn') });
        const est = estimateResources(ir, undefined, opts, plan).nodes[0];
        measured[all] = { luts: r.luts, brams: r.brams, estLuts: est.luts, estBrams: est.brams };
        expect(r.brams, `${all}: RAMB36 of node 0`).to.equal(est.brams);
      }
      // auto is LUTs here (the rule, against Yosys' own choice); block puts both ROMs in a RAMB18 each.
      expect(measured.auto.brams).to.equal(0);
      expect(measured.distributed.brams).to.equal(0);
      expect(measured.block.brams).to.equal(1);
      // What the ROMs take in LUTs shows in both: the measured and the estimated LUTs move alike (within 30%).
      const movedYosys = measured.distributed.luts - measured.block.luts;
      const movedModel = measured.distributed.estLuts - measured.block.estLuts;
      expect(movedYosys, JSON.stringify(measured)).to.be.greaterThan(0);
      expect(movedYosys, JSON.stringify(measured)).to.be.within(movedModel * 0.7, movedModel * 1.3);
    });
  });
});

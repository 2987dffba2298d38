/**
 * Yosys driver on tiny designs whose answer is known: a `*` is a multiplier,
 * an incomplete `always @*` is a latch, a plain adder is neither; a
 * $readmemh ROM is read relative to rtlDir; parameters reach the top.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cellsOf, countResources, parseLogicDepth, parseStat, synthScript, synthesize } from '../../src/drivers/yosys.js';
import { fileURLToPath } from 'node:url';
import { findTool } from '../../src/drivers/tools.js';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-yosys-test-'));

const designs: Record<string, string> = {
  'mul.v': `module mul_top(input wire [7:0] a, input wire [7:0] b, output wire [15:0] y);
  assign y = a * b;
endmodule
`,
  'latch.v': `module latch_top(input wire [3:0] a, input wire en, output reg [3:0] y);
  always @* begin
    if (en) y = a;
  end
endmodule
`,
  'adder.v': `module adder_top #(parameter integer W = 8) (
  input wire clk, input wire [W-1:0] a, input wire [W-1:0] b, output reg [W:0] y);
  always @(posedge clk) y <= a + b;
endmodule
`,
  // Multiplication by a power of two is a shift, not a multiplier.
  'shift.v': `module shift_top(input wire [7:0] a, output wire [15:0] y);
  assign y = a * 16;
endmodule
`,
  'rom.v': `module rom_top(input wire clk, input wire [5:0] addr, output reg [15:0] q);
  reg [15:0] mem [0:63];
  initial $readmemh("rom.mem", mem);
  always @(posedge clk) q <= mem[addr];
endmodule
`,
  // Three register stages: the longest combinational path is one adder.
  'chain.v': `module chain_top(input wire clk, input wire [7:0] a, output reg [7:0] q);
  reg [7:0] r1, r2, r3;
  always @(posedge clk) begin r1 <= a + 8'd1; r2 <= r1 + 8'd3; r3 <= r2 + 8'd5; q <= r3 ^ r1; end
endmodule
`,
  'broken.v': `module broken_top(input wire a, output wire y);
  assign y = a +;
endmodule
`,
};

function setup(name: string, files: Record<string, string>): string {
  const dir = path.join(tmpRoot, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), text);
  return dir;
}

const rtlDir = setup('rtl', designs);
const work = (n: string) => path.join(tmpRoot, 'work', n);

describe('drivers/yosys', function () {
  this.timeout(300_000);
  after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

  describe('counting (no Yosys needed)', () => {
    it('turns mapped cells into LUT/FF/BRAM/DSP and finds latches and multipliers', () => {
      const x = countResources(
        'xilinx',
        { '$mul_16': 1, '$macc_20': 2, '$dlatch_4': 1, '$add_8': 3 },
        { LUT6: 10, LUT3: 2, RAM64M: 1, SRLC32E: 1, FDRE: 7, FDSE: 1, RAMB18E1: 1, RAMB36E1: 2, DSP48E1: 3, LDCE: 4, CARRY4: 9 },
      );
      expect(x).to.deep.equal({ luts: 10 + 2 + 4 + 1, ffs: 8, brams: 2.5, dsps: 3, latches: 4, multipliers: 3 });
      const i = countResources('ice40', {}, { SB_LUT4: 5, SB_CARRY: 3, SB_DFFE: 2, SB_DFF: 1, SB_RAM40_4K: 1, SB_MAC16: 1 });
      expect(i).to.deep.equal({ luts: 5, ffs: 3, brams: 1, dsps: 1, latches: 0, multipliers: 0 });
      const g = countResources('generic', { '$dlatch_3': 2 }, { $lut: 4, $_DFF_P_: 2, $_SDFFE_PP0P_: 1, $_DLATCH_P_: 6 });
      expect(g).to.deep.equal({ luts: 4, ffs: 3, brams: 0, dsps: 0, latches: 6, multipliers: 0 });
    });

    it('counts ecp5, gowin and intel cells (carry cells as their LUTs; wide-function muxes free)', () => {
      expect(countResources('ecp5', {}, { LUT4: 10, CCU2C: 3, TRELLIS_DPR16X4: 1, TRELLIS_FF: 7, DP16KD: 2, MULT18X18D: 1, PFUMX: 4 })).to.deep.equal({ luts: 10 + 6 + 4, ffs: 7, brams: 2, dsps: 1, latches: 0, multipliers: 0 });
      expect(countResources('gowin', {}, { LUT1: 1, LUT4: 5, ALU: 3, MUX2_LUT5: 9, DFF: 2, DFFE: 1, SPX9: 1, SDPB: 1, RAM16SDP4: 1, MULT18X18: 1 })).to.deep.equal({ luts: 1 + 5 + 3 + 4, ffs: 3, brams: 2, dsps: 1, latches: 0, multipliers: 0 });
      expect(countResources('intel', {}, { cycloneive_lcell_comb: 12, dffeas: 5 })).to.deep.equal({ luts: 12, ffs: 5, brams: 0, dsps: 0, latches: 0, multipliers: 0 });
    });

    it('reads logic depth and cell counts from a committed Yosys 0.23 log and stat -json (fixtures/)', () => {
      const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
      expect(parseLogicDepth(fs.readFileSync(path.join(fixtures, 'yosys-0.23-ltp.txt'), 'utf8'))).to.equal(14);
      expect(parseLogicDepth('Executing LTP pass (find longest path).\nEnd of script.')).to.equal(null);
      const cells = cellsOf(parseStat(fs.readFileSync(path.join(fixtures, 'yosys-0.23-xilinx-stat.json'), 'utf8')));
      const c = countResources('xilinx', {}, cells);
      expect(c.luts).to.equal(1 + 86 + 96 + 68 + 87 + 184 + 8 * 4);
      expect(c.ffs).to.equal(238);
    });

    it('reads stat -json even with the hierarchy lines Yosys 0.23 puts into it', () => {
      const text = `{
   "modules": {
      "\\\\sub": { "num_cells_by_type": { "LUT6": 3 } }
   },
       top      1
         sub      2
      "design": { "num_cells_by_type": { "LUT6": 6, "FDRE": 1 } }
}`;
      expect(parseStat(text).design?.num_cells_by_type).to.deep.equal({ LUT6: 6, FDRE: 1 });
      expect(() => parseStat('{ nonsense')).to.throw(/cannot read Yosys statistics/);
    });

    it('writes parameters into the script and refuses what a script cannot carry', () => {
      const s = synthScript({ sources: ['a.v'], top: 't', target: 'generic', params: { W: 12 } }, (n) => n);
      expect(s).to.contain('hierarchy -check -top t -chparam W 12');
      expect(() => synthScript({ sources: ['a b.v'], top: 't', target: 'generic' }, (n) => n)).to.throw(/whitespace/);
      expect(() => synthScript({ sources: ['a.v'], top: 't', target: 'generic', params: { W: 1.5 } }, (n) => n)).to.throw(/integer/);
      expect(() => synthScript({ sources: ['a.v'], top: 'x;y', target: 'generic' }, (n) => n)).to.throw(/module name/);
    });
  });

  describe('native yosys', function () {
    before(function () {
      if (findTool('yosys') === null) this.skip();
    });

    it('reports a multiplier for `*`, and a DSP when mapped to xilinx', async () => {
      const g = await synthesize({ rtlDir, sources: ['mul.v'], top: 'mul_top', target: 'generic', workDir: work('mul-g') });
      expect(g.multipliers).to.equal(1);
      expect(g.latches).to.equal(0);
      expect(g.luts).to.be.greaterThan(20);
      const x = await synthesize({ rtlDir, sources: ['mul.v'], top: 'mul_top', target: 'xilinx', workDir: work('mul-x') });
      expect(x.multipliers).to.equal(1);
      expect(x.dsps).to.equal(1);
    });

    it('reports the latch of an incomplete always @*', async () => {
      const r = await synthesize({ rtlDir, sources: ['latch.v'], top: 'latch_top', target: 'generic', workDir: work('latch') });
      expect(r.latches).to.equal(4);
      expect(r.multipliers).to.equal(0);
    });

    it('coarseOnly finds latches and multipliers without mapping', async () => {
      const l = await synthesize({ rtlDir, sources: ['latch.v'], top: 'latch_top', target: 'xilinx', workDir: work('latch-c'), coarseOnly: true });
      expect([l.latches, l.multipliers, l.luts, l.mapped]).to.deep.equal([4, 0, 0, false]);
      const m = await synthesize({ rtlDir, sources: ['mul.v'], top: 'mul_top', target: 'xilinx', workDir: work('mul-c'), coarseOnly: true });
      expect([m.latches, m.multipliers, m.dsps, m.mapped]).to.deep.equal([0, 1, 0, false]);
      expect(m.durationMs).to.be.lessThan(3000);
    });

    it('reports neither for a plain registered adder, and counts its FFs', async () => {
      for (const target of ['generic', 'xilinx', 'ice40'] as const) {
        const r = await synthesize({ rtlDir, sources: ['adder.v'], top: 'adder_top', target, workDir: work(`adder-${target}`) });
        expect(r.latches, target).to.equal(0);
        expect(r.multipliers, target).to.equal(0);
        expect(r.dsps, target).to.equal(0);
        expect(r.ffs, target).to.equal(9);
        expect(r.luts, target).to.be.greaterThan(0);
      }
    });

    it('does not call a multiplication by a power of two a multiplier', async () => {
      const r = await synthesize({ rtlDir, sources: ['shift.v'], top: 'shift_top', target: 'generic', workDir: work('shift') });
      expect(r.multipliers).to.equal(0);
    });

    it('measures logic depth between registers, not through them', async () => {
      const r = await synthesize({ rtlDir, sources: ['chain.v'], top: 'chain_top', target: 'xilinx', workDir: work('chain') });
      expect(r.ffs).to.equal(32);
      expect(r.logicDepth).to.be.within(1, 4);
    });

    it('passes parameters to the top module', async () => {
      const r = await synthesize({ rtlDir, sources: ['adder.v'], top: 'adder_top', target: 'generic', workDir: work('adder-p'), params: { W: 20 } });
      expect(r.ffs).to.equal(21);
    });

    it('reads $readmemh ROMs relative to rtlDir: their contents change the logic', async () => {
      const words = Array.from({ length: 64 }, (_, i) => ((i * 40503 + 12345) & 0xffff).toString(16).padStart(4, '0'));
      const full = setup('rom-full', { 'rom.v': designs['rom.v'], 'rom.mem': words.join('\n') + '\n' });
      const zero = setup('rom-zero', { 'rom.v': designs['rom.v'], 'rom.mem': Array(64).fill('0000').join('\n') + '\n' });
      const a = await synthesize({ rtlDir: full, sources: ['rom.v'], top: 'rom_top', target: 'xilinx', workDir: work('rom-full') });
      const b = await synthesize({ rtlDir: zero, sources: ['rom.v'], top: 'rom_top', target: 'xilinx', workDir: work('rom-zero') });
      expect(a.luts).to.be.greaterThanOrEqual(8);
      expect(b.luts).to.equal(0);
    });

    it('says what went wrong on a syntax error', async () => {
      try {
        await synthesize({ rtlDir, sources: ['broken.v'], top: 'broken_top', target: 'generic', workDir: work('broken') });
      } catch (e) {
        expect((e as Error).message).to.match(/yosys failed on 'broken_top'[\s\S]*ERROR: .*syntax error/);
        return;
      }
      throw new Error('expected a failure');
    });
  });

  describe('@yowasp/yosys fallback', () => {
    it('gives the same answers for the multiplier, the latch and the adder', async () => {
      const m = await synthesize({ rtlDir, sources: ['mul.v'], top: 'mul_top', target: 'generic', workDir: work('w-mul'), forceWasm: true });
      expect(m.engine).to.match(/^wasm/);
      expect(m.multipliers).to.equal(1);
      const l = await synthesize({ rtlDir, sources: ['latch.v'], top: 'latch_top', target: 'generic', workDir: work('w-latch'), forceWasm: true });
      expect(l.latches).to.equal(4);
      const a = await synthesize({ rtlDir, sources: ['adder.v'], top: 'adder_top', target: 'generic', workDir: work('w-adder'), forceWasm: true, params: { W: 6 } });
      expect([a.latches, a.multipliers, a.ffs]).to.deep.equal([0, 0, 7]);
    });

    it('reads ROM files from rtlDir too, and reports errors', async () => {
      const words = Array.from({ length: 64 }, (_, i) => ((i * 40503 + 999) & 0xffff).toString(16).padStart(4, '0'));
      const dir = setup('rom-wasm', { 'rom.v': designs['rom.v'], 'rom.mem': words.join('\n') + '\n' });
      const r = await synthesize({ rtlDir: dir, sources: ['rom.v'], top: 'rom_top', target: 'generic', workDir: work('w-rom'), forceWasm: true });
      expect(r.luts).to.be.greaterThanOrEqual(8);
      try {
        await synthesize({ rtlDir, sources: ['broken.v'], top: 'broken_top', target: 'generic', workDir: work('w-broken'), forceWasm: true });
      } catch (e) {
        expect((e as Error).message).to.match(/yosys \(wasm\) failed on 'broken_top'.*ERROR/);
        return;
      }
      throw new Error('expected a failure');
    });
  });
});

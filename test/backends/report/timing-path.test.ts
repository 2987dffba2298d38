/**
 * The weighted path model on netlists whose answer can be worked out by hand
 * (Yosys' JSON netlist format), and on small designs through Yosys: a
 * register-to-register adder's path runs through its carry chain and is
 * named by the registers at its ends.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FAMILY_TIMING, type Netlist, longestPath } from '../../../src/backends/report/timing-path.js';
import { synthesize } from '../../../src/drivers/yosys.js';
import { findTool } from '../../../src/drivers/tools.js';

type Cell = Netlist['modules'][string]['cells'] extends Record<string, infer C> | undefined ? C : never;

const ff = (d: number, q: number): Cell => ({ type: 'FDRE', port_directions: { C: 'input', CE: 'input', R: 'input', D: 'input', Q: 'output' }, connections: { C: [1], CE: ['1'], R: ['0'], D: [d], Q: [q] } });
const lut = (ins: number[], o: number): Cell => ({
  type: `LUT${ins.length}`,
  port_directions: Object.fromEntries([...ins.map((_, k) => [`I${k}`, 'input' as const]), ['O', 'output' as const]]),
  connections: Object.fromEntries([...ins.map((b, k) => [`I${k}`, [b]]), ['O', [o]]]),
});
const carry = (ci: number | string, s: number[], co: number[]): Cell => ({
  type: 'CARRY4',
  port_directions: { CI: 'input', CYINIT: 'input', DI: 'input', S: 'input', CO: 'output', O: 'output' },
  connections: { CI: [ci], CYINIT: ['0'], DI: ['0', '0', '0', '0'], S: s, CO: co, O: [900 + co[0], 901 + co[0], 902 + co[0], 903 + co[0]] },
});
const netlist = (cells: Record<string, Cell>, netnames: Record<string, number[]> = {}): Netlist => ({
  modules: { top: { ports: {}, cells, netnames: Object.fromEntries(Object.entries(netnames).map(([k, bits]) => [k, { bits }])) } },
});

const X = FAMILY_TIMING.xilinx!;
const lutNs = 0.1;

describe('backends/report/timing-path: the longest path by cell and route delays', () => {
  it('adds clock-to-out, a route and a LUT per level, a route and setup; names the nets along the path', () => {
    // r0 -> LUT -> LUT -> r1, and a shorter r0 -> LUT -> r2
    const n = netlist(
      { r0: ff(100, 10), a: lut([10], 11), b: lut([11, 10], 12), r1: ff(12, 13), c: lut([10], 14), r2: ff(14, 15) },
      { src_q: [10], mid: [11], sum: [12], dst_q: [13] },
    );
    const p = longestPath(n, 'top', 'xilinx')!;
    const want = X.ffLaunchNs + 2 * (X.netNs + lutNs) + X.netNs + X.setupNs;
    expect(p.delayNs).to.be.closeTo(want, 1e-9);
    expect(p.fmaxMHz).to.be.closeTo(Math.round((1000 / want) * 10) / 10, 1e-9);
    expect(p.through).to.deep.equal(['FDRE', 'LUT1', 'LUT2', 'FDRE']);
    expect(p.nets.slice(0, 3)).to.deep.equal(['src_q', 'mid', 'sum']);
    expect(p.lutLevels).to.equal(2);
  });

  it("a carry chain's CI hop costs its own delay and no route: a longer chain is only slightly slower", () => {
    const chain = (hops: number) => {
      const cells: Record<string, Cell> = { r0: ff(100, 10), l: lut([10], 11) };
      let ci: number | string = '0';
      let s = [11, 11, 11, 11];
      for (let h = 0; h < hops; h++) {
        const co = [20 + 4 * h, 21 + 4 * h, 22 + 4 * h, 23 + 4 * h];
        cells[`c${h}`] = carry(ci, s, co);
        ci = co[3];
        s = [100, 100, 100, 100]; // later slices' S from a register output (not on the longest path)
      }
      cells.r1 = ff(ci as number, 99);
      return longestPath(netlist(cells), 'top', 'xilinx')!;
    };
    const one = chain(1);
    const four = chain(4);
    expect(one.delayNs).to.be.closeTo(X.ffLaunchNs + (X.netNs + lutNs) + (X.netNs + 0.4) + X.netNs + X.setupNs, 1e-9);
    expect(four.delayNs - one.delayNs).to.be.closeTo(3 * 0.1, 1e-9);
    expect(four.through.filter((t) => t === 'CARRY4')).to.have.length(4);
  });

  it('a block RAM launches late without its output register and early with it', () => {
    const bram = (reg: string): Cell => ({
      type: 'RAMB18E1',
      parameters: { DOA_REG: reg },
      port_directions: { CLKARDCLK: 'input', ADDRARDADDR: 'input', DOADO: 'output' },
      connections: { CLKARDCLK: [1], ADDRARDADDR: [10], DOADO: [11] },
    });
    const cells = (reg: string) => ({ r0: ff(100, 10), m: bram(reg), l: lut([11], 12), r1: ff(12, 13) });
    const plain = longestPath(netlist(cells('00000000000000000000000000000000')), 'top', 'xilinx')!;
    const registered = longestPath(netlist(cells('00000000000000000000000000000001')), 'top', 'xilinx')!;
    expect(plain.delayNs).to.be.closeTo(X.bramLaunchNs + X.netNs + lutNs + X.netNs + X.setupNs, 1e-9);
    expect(plain.delayNs - registered.delayNs).to.be.closeTo(X.bramLaunchNs - X.bramRegLaunchNs, 1e-9);
    expect(plain.through[0]).to.equal('RAMB18E1');
  });

  it("a LUT RAM passes its read address through but ends the paths into its write data and enable", () => {
    const ram: Cell = {
      type: 'RAM64X1D',
      port_directions: { WCLK: 'input', WE: 'input', D: 'input', A0: 'input', DPRA0: 'input', DPO: 'output', SPO: 'output' },
      connections: { WCLK: [1], WE: [12], D: [12], A0: [10], DPRA0: [10], DPO: [20], SPO: [21] },
    };
    // a deep chain feeds WE and D; the read address comes straight from a register
    const cells = { r0: ff(100, 10), a: lut([10], 11), b: lut([11], 12), m: ram, r1: ff(20, 30) };
    const p = longestPath(netlist(cells), 'top', 'xilinx')!;
    // the deepest path is r0 -> a -> b -> (write port of m), not through m to r1
    expect(p.through).to.deep.equal(['FDRE', 'LUT1', 'LUT1', 'RAM64X1D']);
    expect(p.delayNs).to.be.closeTo(X.ffLaunchNs + 2 * (X.netNs + lutNs) + X.netNs + X.setupNs, 1e-9);
  });

  it('a family without a delay table, or a module not in the netlist, gives null', () => {
    const n = netlist({ r0: ff(100, 10), a: lut([10], 11), r1: ff(11, 12) });
    expect(longestPath(n, 'top', 'generic')).to.equal(null);
    expect(longestPath(n, 'nope', 'xilinx')).to.equal(null);
  });

  it('lists the end points slower than a bound, slowest first', () => {
    const n = netlist({ r0: ff(100, 10), a: lut([10], 11), b: lut([11], 12), r1: ff(12, 13), r2: ff(11, 14) }, { deep_q: [13], shallow_q: [14] });
    const p = longestPath(n, 'top', 'xilinx', 1.0)!; // r0's own input, from a port, is faster than 1 ns
    expect(p.slowEnds.map((e) => e.end)).to.deep.equal(['deep_q', 'shallow_q']);
    expect(longestPath(n, 'top', 'xilinx', p.delayNs)!.slowEnds).to.deep.equal([]);
  });

  (findTool('yosys') ? describe : describe.skip)('on designs through Yosys (synth_xilinx)', function () {
    this.timeout(120_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-timing-path-'));
    fs.writeFileSync(
      path.join(dir, 'add.sv'),
      `module add_top #(parameter int W = 8) (input logic clk, input logic [W-1:0] a, b, output logic [W-1:0] y);
  logic [W-1:0] a_q, b_q;
  always_ff @(posedge clk) begin
    a_q <= a;
    b_q <= b;
    y <= a_q + b_q;
  end
endmodule
`,
    );
    it("a registered adder's path runs from an input register through the carry chain into the sum register; 32 bits cost a few carry hops more than 8", async () => {
      const r8 = await synthesize({ rtlDir: dir, sources: ['add.sv'], top: 'add_top', target: 'xilinx', workDir: path.join(dir, 'w8') });
      const r32 = await synthesize({ rtlDir: dir, sources: ['add.sv'], top: 'add_top', target: 'xilinx', workDir: path.join(dir, 'w32'), params: { W: 32 } });
      for (const r of [r8, r32]) {
        expect(r.timing, 'timing').to.not.equal(null);
        expect(r.timing!.through[0]).to.equal('FDRE');
        expect(r.timing!.through[r.timing!.through.length - 1]).to.equal('FDRE');
        expect(r.timing!.nets[0]).to.match(/^[ab]_q\[\d+\]$/);
      }
      expect(r8.timing!.through.filter((t) => t === 'CARRY4')).to.have.length(2);
      expect(r32.timing!.through.filter((t) => t === 'CARRY4')).to.have.length(8);
      expect(r32.timing!.delayNs - r8.timing!.delayNs).to.be.closeTo(6 * 0.1, 1e-9);
      // ltp counts every carry cell as a level
      expect(r32.logicDepth! - r8.logicDepth!).to.equal(6);
    });
  });
});

/**
 * Measures how Yosys maps ROMs with a registered read (LUTs or block RAM) over
 * a grid of depth x width, next to what the analytic model (memoryCost in
 * src/backends/estimates/resources.ts) predicts. This is where that model's
 * mapping rule comes from. Run: `npm run bench -- --primitives`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { memoryCost } from '../src/backends/estimates/index.js';
import { synthesize, type SynthTarget } from '../src/drivers/yosys.js';
import { Rng } from '../src/util/random.js';

export const ROM_GRID: Array<[number, number]> = [
  [16, 8], [64, 36], [128, 8], [128, 72], [256, 8], [256, 32], [256, 36], [256, 72],
  [512, 8], [512, 36], [1024, 8], [2048, 8], [2048, 36], [200, 64],
];

const ROM_V = `module rom #(parameter integer D = 64, parameter integer W = 16) (
  input wire clk, input wire [$clog2(D)-1:0] addr, output reg [W-1:0] q);
  reg [W-1:0] mem [0:D-1];
  initial $readmemh("rom.mem", mem);
  always @(posedge clk) q <= mem[addr];
endmodule
`;

export interface RomRow {
  depth: number;
  width: number;
  yosys: { luts: number; ffs: number; brams: number };
  model: { luts: number; ffs: number; brams: number };
}

export async function measureRoms(workDir: string, target: SynthTarget = 'xilinx', grid = ROM_GRID): Promise<RomRow[]> {
  const rtlDir = path.join(workDir, 'rom');
  fs.mkdirSync(rtlDir, { recursive: true });
  fs.writeFileSync(path.join(rtlDir, 'rom.v'), ROM_V);
  const rng = new Rng(1);
  const rows: RomRow[] = [];
  for (const [depth, width] of grid) {
    const words = Array.from({ length: depth }, () => {
      let s = '';
      for (let i = 0; i < Math.ceil(width / 4); i++) s += rng.int(0, 15).toString(16);
      return s;
    });
    fs.writeFileSync(path.join(rtlDir, 'rom.mem'), words.join('\n') + '\n');
    const r = await synthesize({ rtlDir, sources: ['rom.v'], top: 'rom', target, workDir: path.join(workDir, `synth-${depth}x${width}`), params: { D: depth, W: width } });
    const m = memoryCost(depth, width);
    rows.push({ depth, width, yosys: { luts: r.luts, ffs: r.ffs, brams: r.brams }, model: { luts: m.luts, ffs: m.ffs, brams: m.brams } });
  }
  return rows;
}

/**
 * LUTs and FFs per lane of whole XNOR/popcount MVU node wrappers (docs/rtl.md
 * "Cost (measured)"): the first layer of test/backends/rtl/ir-builders.ts
 * `xnorMlp` at six shapes, each node wrapper synthesised alone by
 * src/drivers/yosys.ts (synth_xilinx), with its longest path by
 * src/backends/report/timing-path.ts.
 *
 *   npx tsx bench/mvu-cost.ts [--pipeline N]
 *
 * Prints the Markdown rows.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { xnorMlp } from '../test/backends/rtl/ir-builders.js';
import { emitRtl } from '../src/backends/rtl/emit.js';
import { synthesize } from '../src/drivers/yosys.js';

const i = process.argv.indexOf('--pipeline');
const opts = i >= 0 ? { pipeline: Number(process.argv[i + 1]) } : {};
const shapes: Array<[number, number, number, number]> = [[256, 64, 16, 32], [256, 64, 16, 64], [256, 64, 8, 128], [512, 128, 32, 64], [784, 256, 32, 49], [1024, 256, 16, 64]];
console.log('| mw x mh | PE x SIMD | LUT | LUT/lane | FF | FF/lane | BRAM36 | DSP | path |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const [mw, mh, pe, simd] of shapes) {
  const ir = xnorMlp(1, 'cost_top', [mw, mh, 10], [{ pe, simd }, { pe: 1, simd: 1 }]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-mvu-cost-'));
  const rtl = path.join(dir, 'rtl');
  fs.mkdirSync(rtl);
  const e = emitRtl(ir, rtl, opts);
  const node = e.sources.find((s) => /_n0_.*\.sv$/.test(s) && !/_dot_/.test(s))!.replace(/\.sv$/, '');
  const r = await synthesize({ rtlDir: rtl, sources: e.sources, top: node, target: 'xilinx', workDir: path.join(dir, 'yosys') });
  const lanes = pe * simd;
  console.log(`| ${mw} x ${mh} | ${pe} x ${simd} | ${r.luts} | ${(r.luts / lanes).toFixed(2)} | ${r.ffs} | ${(r.ffs / lanes).toFixed(2)} | ${r.brams} | ${r.dsps} | ${r.timing ? `${r.timing.delayNs} ns` : '-'} |`);
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * Digests of the RTL the backend writes for a fixed set of designs: the
 * shipped example (compiled as `gen-hw` compiles it) and the seeded random
 * designs of the co-simulation suite, under every --dot-trees mode.
 *
 *   npx tsx scripts/rtl-digest.ts > before.json   # then change the compiler
 *   npx tsx scripts/rtl-digest.ts | diff before.json -
 *
 * A refactoring of the IRs or the backend that must not change the hardware
 * shows here as an empty diff: same bytes in every file of every design.
 */
import { createHash } from 'node:crypto';
import { compileModel } from '../src/compile.js';
import { renderRtl } from '../src/backends/rtl/emit.js';
import type { DotTrees } from '../src/backends/rtl/plan.js';
import type { HardwareIR } from '../src/ir/hardware-ir.js';
import { DEFAULT_MODEL } from '../src/cli/gen-hw.js';
import { randomHardwareIR, type RandomIrOptions } from '../test/helpers/random-hw.js';

function digest(ir: HardwareIR, dotTrees?: DotTrees): string {
  const { files } = renderRtl(ir, { dotTrees });
  const h = createHash('sha256');
  for (const name of [...files.keys()].sort()) h.update(`${name}\0${files.get(name)}\0`);
  return h.digest('hex').slice(0, 16);
}

const engines: RandomIrOptions[] = [
  { engine: 'xnor-popcount', layers: 3, maxDim: 70 },
  { engine: 'sign-add', actBits: 2, layers: 3 },
  { engine: 'sign-add', actBits: 4, layers: 2 },
  { engine: 'sign-add', actBits: 8, layers: 2, maxPe: 2 },
  { engine: 'shift-add', pow2Levels: 2, actBits: 2, layers: 3 },
  { engine: 'shift-add', pow2Levels: 3, actBits: 4, layers: 2 },
  { engine: 'shift-add', pow2Levels: 4, actBits: 8, layers: 2, maxPe: 2 },
  { engine: 'int-mac', actBits: 3, layers: 2 },
];

const out: Record<string, string> = {};
const example = await compileModel({ model: DEFAULT_MODEL });
for (const t of ['all', 'xnor', 'none'] as const) out[`example/${t}`] = digest(example.ir, t);
for (const o of engines) {
  for (let seed = 100; seed < 115; seed++) {
    for (const t of ['all', 'xnor', 'none'] as const) {
      out[`${o.engine}-a${o.actBits ?? 1}-l${o.pow2Levels ?? 0}/${seed}/${t}`] = digest(randomHardwareIR(seed, o), t);
    }
  }
}
console.log(JSON.stringify(out, null, 1));

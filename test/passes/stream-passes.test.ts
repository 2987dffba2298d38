/**
 * The stream passes change how data moves, never what is computed: on
 * random convolutional networks and residual networks, the golden model's
 * output for every frame (all logits) is the same before and after fork
 * insertion, window FIFOs and skip FIFOs; afterwards every stream has one
 * reader, and every residual add is fed by a fork one of whose branches
 * starts with a FIFO.
 */
import { expect } from 'chai';
import * as path from 'node:path';
import { makeConvModel } from '../helpers/make-conv-model.js';
import { randomConvSpec } from '../helpers/random-conv.js';
import { makeResNetModel } from '../helpers/reference-networks.js';
import { tmpDir } from '../helpers/make-model.js';
import { importTfjsLayers } from '../../src/importers/tfjs-layers.js';
import { assignValueSpaces } from '../../src/passes/assign-value-spaces.js';
import { lowerToHardware } from '../../src/passes/lower-to-hardware.js';
import { autoFold } from '../../src/passes/choose-folding.js';
import { insertSkipFifos, insertWindowFifos } from '../../src/passes/skip-fifos.js';
import { runGolden } from '../../src/golden/execute.js';
import { checkGraph } from '../../src/ir/check-graph.js';
import { type HardwareIR, inputLength } from '../../src/ir/hardware-ir.js';
import { initTf } from '../../src/util/tf-backend.js';
import { Rng } from '../../src/util/random.js';

function logits(ir: HardwareIR, frames: number[][]): number[][] {
  return frames.map((f) => runGolden(ir, f).logits);
}

async function check(modelDir: string, seed: number): Promise<HardwareIR> {
  const graph = assignValueSpaces(importTfjsLayers(modelDir), { allowMult: false });
  const lowered = lowerToHardware(graph, { allowMult: false, top: 'qtsc_top' }).ir;
  const rng = new Rng(seed);
  const frames = Array.from({ length: 4 }, () => Array.from({ length: inputLength(lowered) }, () => rng.int(0, 255)));
  const folded = autoFold(lowered, { targetCycles: rng.int(50, 2000) });
  const piped = insertSkipFifos(insertWindowFifos(folded));
  expect(checkGraph(piped)).to.deep.equal([]);
  const reference = logits(lowered, frames);
  expect(logits(folded, frames)).to.deep.equal(reference);
  expect(logits(piped, frames)).to.deep.equal(reference);
  const readers = new Map<string, number>();
  for (const n of piped.nodes) for (const t of n.inputs) readers.set(t, (readers.get(t) ?? 0) + 1);
  expect([...readers.values()].every((k) => k === 1)).to.equal(true);
  return piped;
}

describe('passes: forks, window FIFOs and skip FIFOs keep the golden output', () => {
  before(async () => {
    await initTf({ backend: 'wasm' });
  });
  for (const seed of [21, 22, 23, 24]) {
    it(`random CNN, seed ${seed}: same logits before and after the stream passes`, async () => {
      const { dir } = await makeConvModel(randomConvSpec(seed, { convs: 2 }), path.join(tmpDir('qtsc-passes-'), 'model'));
      await check(dir, seed);
    });
  }
  it('ResNet-style network: same logits; each add is fed by a fork with a FIFO on one branch', async () => {
    const { dir } = await makeResNetModel({ seed: 5, side: 8, dir: path.join(tmpDir('qtsc-passes-'), 'model') });
    const ir = await check(dir, 5);
    const adds = ir.nodes.filter((n) => n.op === 'add');
    expect(adds.length).to.equal(3);
    for (const fork of ir.nodes.filter((n) => n.op === 'fork')) {
      const firsts = fork.outputs.map((t) => ir.nodes.find((n) => n.inputs.includes(t))!.op);
      expect(firsts, fork.name).to.include('fifo');
    }
  });
});

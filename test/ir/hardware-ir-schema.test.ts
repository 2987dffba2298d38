import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { weightCodeError, type HardwareIR, type MvuNode, type WeightCoding } from '../../src/ir/hardware-ir.js';
import { readHardwareIR } from '../../src/ir/hardware-ir-schema.js';
import { randomHardwareIR } from '../helpers/random-hw.js';
// Static imports only: a dynamic import under tsx loads a second copy of the layer modules,
// whose registration would replace the classes other tests check with instanceof.
import { initTf } from '../../src/util/tf-backend.js';
import { makeResNetModel } from '../helpers/reference-networks.js';
import { compileModel } from '../../src/compile.js';

describe('hardware IR weight codes', () => {
  it('weightCodeError: bits of the coding, and a pow2 exponent below the level count', () => {
    const pow2 = (levels: number, hasZero = false): WeightCoding => ({ kind: 'pow2', levels, hasZero });
    expect(weightCodeError({ kind: 'binary' }, 1)).to.equal(undefined);
    expect(weightCodeError({ kind: 'binary' }, 2)).to.equal('code 2 is not a 1-bit binary weight code (0..1)');
    expect(weightCodeError({ kind: 'int', bits: 3 }, 7)).to.equal(undefined);
    expect(weightCodeError({ kind: 'int', bits: 3 }, 8)).to.equal('code 8 is not a 3-bit int weight code (0..7)');
    expect(weightCodeError({ kind: 'int', bits: 3 }, -1)).to.match(/^code -1 is not/);
    // levels 3: exponent field 2 bits, sign bit 2
    expect([0, 1, 2, 4, 5, 6].map((c) => weightCodeError(pow2(3), c))).to.deep.equal(Array(6).fill(undefined));
    expect(weightCodeError(pow2(3), 3)).to.equal('code 3 has exponent 3, but the pow2 coding has 3 levels (exponents 0..2)');
    expect(weightCodeError(pow2(3), 7)).to.match(/exponent 3/);
    expect(weightCodeError(pow2(3), 8)).to.equal('code 8 is not a 3-bit pow2 weight code (0..7)');
    expect(weightCodeError(pow2(3, true), 8)).to.equal(undefined);
    expect(weightCodeError(pow2(3, true), 11)).to.match(/exponent 3/);
    // levels 1: no exponent bits, only sign (and zero)
    expect([0, 1].map((c) => weightCodeError(pow2(1), c))).to.deep.equal([undefined, undefined]);
    expect(weightCodeError(pow2(1), 2)).to.match(/not a 1-bit/);
    expect(weightCodeError(pow2(4), 7)).to.equal(undefined);
  });

  it('readHardwareIR refuses an invalid code, naming the node, row and column', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-ir-schema-'));
    try {
      const ir: HardwareIR = randomHardwareIR(3, { engine: 'shift-add', pow2Levels: 3, layers: 2, maxDim: 6 });
      const file = path.join(dir, 'ir.json');
      fs.writeFileSync(file, JSON.stringify(ir));
      expect(readHardwareIR(file).nodes).to.have.length(2);
      const e = Math.ceil(Math.log2(3));
      (ir.nodes[1] as MvuNode).weightCodes[1][0] = 3 | (1 << e);
      fs.writeFileSync(file, JSON.stringify(ir));
      expect(() => readHardwareIR(file)).to.throw(`${file}: field 'nodes.1.weightCodes.1.0': code 7 has exponent 3, but the pow2 coding has 3 levels (exponents 0..2)`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('hardware IR schema: convolutional and residual graphs', () => {
  it('round-trips the IR of a residual network (sliding windows, MVUs, fork, skip FIFO, add, sum pool) through ir.json', async () => {
    await initTf({ backend: 'wasm' });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-ir-res-'));
    try {
      const { dir: model } = await makeResNetModel({ seed: 2, side: 8, dir: path.join(dir, 'model') });
      const { ir } = await compileModel({ model });
      const ops = new Set(ir.nodes.map((n) => n.op));
      for (const op of ['swu', 'mvu', 'fork', 'fifo', 'add', 'sumpool']) expect(ops.has(op as never), op).to.equal(true);
      const file = path.join(dir, 'ir.json');
      fs.writeFileSync(file, JSON.stringify(ir));
      expect(readHardwareIR(file)).to.deep.equal(JSON.parse(JSON.stringify(ir)));
      // A second reader of one stream (no fork) is refused, naming the node.
      const bad = structuredClone(ir);
      const add = bad.nodes.find((n) => n.op === 'add')!;
      add.inputs = [add.inputs[0], add.inputs[0]];
      fs.writeFileSync(file, JSON.stringify(bad));
      expect(() => readHardwareIR(file)).to.throw(/is already read by/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

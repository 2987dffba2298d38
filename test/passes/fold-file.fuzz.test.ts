/**
 * Fuzzing fold files: random text, broken and mutated JSON, wrong types,
 * hostile layer names (prototype keys, separators, unicode, very long) and
 * PE/SIMD values. readFoldFile and foldFromFile must end in a QtscError or a
 * folding in which every PE and SIMD divides its MVU's size.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeModel, tmpDir } from '../helpers/make-model.js';
import { fuzzParams, hostileString, qtscOrOk } from '../helpers/fuzz.js';
import { compileModel } from '../../src/compile.js';
import { type HardwareIR, mvuNodes } from '../../src/ir/hardware-ir.js';
import { foldFromFile, readFoldFile } from '../../src/passes/choose-folding.js';

const numberish: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -3, max: 40 }),
  fc.constantFrom(0, 1.5, 2 ** 31, 2 ** 53, 1e300, -0, '4', null, true, [], {}),
  fc.double(),
);

const layerKey: fc.Arbitrary<string> = fc.oneof(fc.constantFrom('dense0', 'dense1', 'dense2', 'l0_dense0', 'l1_dense1', 'pe', 'simd', 'layers'), hostileString);

const entry: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ pe: numberish, simd: numberish }) },
  { weight: 2, arbitrary: fc.record({ pe: fc.constantFrom(1, 2, 3, 4, 6, 12), simd: fc.constantFrom(1, 2, 3, 4, 6, 8, 12, 24) }) },
  { weight: 1, arbitrary: fc.record({ pe: numberish }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

const foldText: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.dictionary(layerKey, entry, { maxKeys: 4 }).map((layers) => JSON.stringify({ layers })) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? '') },
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
  { weight: 1, arbitrary: fc.tuple(fc.dictionary(layerKey, entry, { maxKeys: 3 }), fc.nat()).map(([l, cut]) => { const t = JSON.stringify({ layers: l }); return t.slice(0, cut % (t.length + 1)); }) },
  // Raw text: a key JSON.stringify would not write (an own '__proto__'), duplicate keys, deep nesting.
  { weight: 1, arbitrary: fc.constantFrom('{"layers": {"__proto__": {"pe": 2, "simd": 2}}}', '{"layers": {"dense0": {"pe": 1, "simd": 1}, "dense0": {"pe": 5, "simd": 1}}}', '['.repeat(100000) + ']'.repeat(100000), '{"layers": {"constructor": {"pe": 2, "simd": 2}}}') },
);

describe('fold file fuzz', function () {
  this.timeout(120_000);
  let ir: HardwareIR;
  let dir: string;
  before(async () => {
    const model = (await makeModel({ sizes: [24, 12, 6, 4], valueSpace: 'binary', act: { kind: 'sign' }, seed: 41 })).dir;
    ir = (await compileModel({ model })).ir;
    dir = tmpDir('qtsc-fold-fuzz-');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('every fold file gives a QtscError or a folding whose PE and SIMD divide each MVU', () => {
    let folded = 0;
    fc.assert(
      fc.property(foldText, (text) => {
        const file = path.join(dir, 'fold.json');
        fs.writeFileSync(file, text);
        const what = () => text.slice(0, 300);
        qtscOrOk(() => {
          const out = foldFromFile(ir, readFoldFile(file), file);
          for (const n of mvuNodes(out)) {
            expect(n.mh % n.pe, what()).to.equal(0);
            expect(n.mw % n.simd, what()).to.equal(0);
          }
          folded++;
        }, what);
      }),
      fuzzParams(200),
    );
    expect(folded).to.be.greaterThan(0);
  });

  it('layers named like Object.prototype members find no fold entry they were not given', () => {
    fc.assert(
      fc.property(fc.constantFrom('constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf'), fc.boolean(), (name, named) => {
        const hostile: HardwareIR = { ...ir, nodes: ir.nodes.map((n, i) => (i === 0 ? { ...n, layers: [name, ...n.layers.slice(1)] } : n)) };
        const file = path.join(dir, 'fold.json');
        fs.writeFileSync(file, named ? `{"layers": {"${name}": {"pe": 3, "simd": 4}}}` : '{"layers": {"dense1": {"pe": 2, "simd": 3}}}');
        const out = foldFromFile(hostile, readFoldFile(file), file);
        if (named) expect([mvuNodes(out)[0].pe, mvuNodes(out)[0].simd]).to.deep.equal([3, 4]);
        for (const n of mvuNodes(out)) expect([n.mh % n.pe, n.mw % n.simd]).to.deep.equal([0, 0]);
      }),
      fuzzParams(20),
    );
  });

  it('a fold file that is a directory or a FIFO is refused, not read', async () => {
    const { execFileSync } = await import('node:child_process');
    const fifo = path.join(dir, 'fifo.json');
    execFileSync('mkfifo', [fifo]);
    expect(() => readFoldFile(fifo)).to.throw(/fifo\.json: not a regular file \(a FIFO, socket or device\)/);
    expect(() => readFoldFile(dir)).to.throw(/not a regular file \(a directory\)/);
  });
});

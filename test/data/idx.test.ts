import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { encodeIdx, parseIdx, readIdx } from '../../src/data/idx.js';

describe('IDX reader', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-idx-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads a hand-written uint8 file', () => {
    // 2 images of 2x3
    const bytes = Uint8Array.from([0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 255, 0, 7, 8, 9, 10]);
    const t = parseIdx(bytes);
    expect(t.dtype).to.equal('uint8');
    expect(t.shape).to.deep.equal([2, 2, 3]);
    expect(Array.from(t.data)).to.deep.equal([1, 2, 3, 4, 5, 6, 255, 0, 7, 8, 9, 10]);
    expect(t.data.constructor).to.equal(Uint8Array);
  });

  it('reads big-endian int32, float32 and signed int8 values', () => {
    const i32 = Uint8Array.from([0, 0, 0x0c, 1, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xfe, 0, 0, 1, 0]);
    expect(Array.from(parseIdx(i32).data)).to.deep.equal([-2, 256]);
    const f32 = Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0x3f, 0xc0, 0, 0]);
    expect(Array.from(parseIdx(f32).data)).to.deep.equal([1.5]);
    const i8 = Uint8Array.from([0, 0, 0x09, 1, 0, 0, 0, 3, 0xff, 0x80, 0x7f]);
    expect(Array.from(parseIdx(i8).data)).to.deep.equal([-1, -128, 127]);
  });

  it('reads plain and gzip files from disk, detecting gzip by content', () => {
    const t = { dtype: 'uint8' as const, shape: [3, 2, 2], data: Uint8Array.from({ length: 12 }, (_, i) => i * 20) };
    const plain = path.join(dir, 'a-images-idx3-ubyte');
    const gz = path.join(dir, 'a-images-idx3-ubyte.gz');
    fs.writeFileSync(plain, encodeIdx(t));
    fs.writeFileSync(gz, zlib.gzipSync(encodeIdx(t)));
    for (const f of [plain, gz]) {
      const r = readIdx(f);
      expect(r.shape).to.deep.equal([3, 2, 2]);
      expect(Array.from(r.data)).to.deep.equal(Array.from(t.data));
    }
  });

  it('rejects malformed files with a message naming the problem', () => {
    expect(() => parseIdx(Uint8Array.from([1, 0, 8, 1, 0, 0, 0, 1, 5]), 'x.idx')).to.throw(/x.idx: not an IDX file/);
    expect(() => parseIdx(Uint8Array.from([0, 0, 0x42, 1, 0, 0, 0, 1, 5]))).to.throw(/unknown IDX type/);
    expect(() => parseIdx(Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 3, 5]))).to.throw(/needs 11 bytes/);
    expect(() => parseIdx(Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 1, 5, 6]))).to.throw(/bytes after the data/);
    expect(() => parseIdx(Uint8Array.from([0, 0, 8, 2, 0, 0]))).to.throw(/ends after/);
    expect(() => parseIdx(Uint8Array.from([0x1f, 0x8b, 1, 2, 3]))).to.throw(/gzip/);
    expect(() => readIdx(path.join(dir, 'nope'))).to.throw(/no such IDX file/);
  });

  it('encode then parse is the identity for every type', () => {
    const dtypes = ['uint8', 'int8', 'int16', 'int32', 'float32', 'float64'] as const;
    fc.assert(
      fc.property(fc.constantFrom(...dtypes), fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }), fc.integer(), (dtype, shape, seed) => {
        const n = shape.reduce((a, b) => a * b, 1);
        const vals = Array.from({ length: n }, (_, i) => ((seed + i * 7919) % 100) - (dtype === 'uint8' ? 0 : 50));
        const ctor = { uint8: Uint8Array, int8: Int8Array, int16: Int16Array, int32: Int32Array, float32: Float32Array, float64: Float64Array }[dtype];
        const data = ctor.from(vals.map((v) => (dtype === 'uint8' ? Math.abs(v) : dtype.startsWith('float') ? v / 4 : v)));
        const back = parseIdx(zlib.gzipSync(encodeIdx({ dtype, shape, data })));
        expect(back.dtype).to.equal(dtype);
        expect(back.shape).to.deep.equal(shape);
        expect(Array.from(back.data)).to.deep.equal(Array.from(data));
      }),
      { numRuns: 60 },
    );
  });
});

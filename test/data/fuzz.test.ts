/**
 * Fuzzing data files: IDX headers with random type bytes, dimension counts and
 * (huge) sizes, truncated and padded bodies, corrupt and bomb-like gzip; CSV
 * text built from the tokens the parser cares about; data directories with
 * such files. Every case ends in a data set whose sizes agree or a QtscError.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { tmpDir } from '../helpers/make-model.js';
import { fuzzParams, qtscOrOk, qtscOrOkAsync } from '../helpers/fuzz.js';
import { checkDataset, loadDataset, parseCsv, parseIdx, type Dataset } from '../../src/data/index.js';

const idxBytes: fc.Arbitrary<Uint8Array> = fc
  .record({
    zero: fc.constantFrom(0, 0, 0, 1),
    type: fc.constantFrom(0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e, 0x00, 0xff),
    dims: fc.array(fc.oneof(fc.nat(6), fc.constantFrom(0, 2 ** 32 - 1, 2 ** 31, 65536)), { maxLength: 4 }),
    ndimLie: fc.option(fc.nat(255), { freq: 4 }),
    body: fc.oneof(fc.nat(300), fc.constant(-1)),
    extra: fc.integer({ min: -8, max: 8 }),
    gzip: fc.boolean(),
    corrupt: fc.option(fc.nat(), { freq: 5 }),
  })
  .map((r) => {
    const header = Buffer.alloc(4 + 4 * r.dims.length);
    header[1] = r.zero;
    header[2] = r.type;
    header[3] = r.ndimLie ?? r.dims.length;
    r.dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
    const size = ({ 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 } as Record<number, number>)[r.type] ?? 1;
    const exact = r.dims.reduce((a, b) => a * b, 1) * size;
    const bodyLen = Math.max(0, r.body >= 0 ? r.body : Math.min(exact, 4096) + r.extra);
    let bytes: Buffer = Buffer.concat([header, Buffer.alloc(bodyLen, 0x5a)]);
    if (r.gzip) bytes = zlib.gzipSync(bytes);
    if (r.corrupt !== null && bytes.length > 0) bytes[r.corrupt % bytes.length] ^= 0xa5;
    return new Uint8Array(bytes);
  });

const csvToken = fc.constantFrom('0', '1', '7', '255', '256', '-1', '0.5', '1.0', '1e0', '.5', '"3"', ' 4 ', ',', ',', ',', '\n', '\r\n', '\n\n', 'label', 'x', '"', '', '\ufeff', '9999999999999999999', 'NaN', '1e999', '\t');
const csvText: fc.Arbitrary<string> = fc.oneof(
  fc.array(csvToken, { maxLength: 60 }).map((t) => t.join('')),
  // Mostly well formed: n lines of 1 + px fields, some fields replaced.
  fc
    .record({ px: fc.constantFrom(1, 4, 6, 9), lines: fc.array(fc.array(fc.oneof(fc.nat(255).map(String), csvToken), { minLength: 1, maxLength: 10 }), { minLength: 1, maxLength: 6 }), header: fc.boolean() })
    .map((r) => (r.header ? `label,${Array.from({ length: r.px }, (_, i) => `p${i}`).join(',')}\n` : '') + r.lines.map((l) => l.slice(0, r.px + 1).join(',')).join('\n')),
);

function sane(d: Dataset, what: string): void {
  checkDataset(d, what);
  expect(d.n).to.be.greaterThan(0);
  expect(d.rows * d.cols).to.be.greaterThan(0);
}

describe('data file fuzz', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => (dir = tmpDir('qtsc-data-fuzz-')));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('IDX bytes: a tensor whose size matches its shape, or a QtscError, never a huge allocation', () => {
    fc.assert(
      fc.property(idxBytes, (bytes) => {
        qtscOrOk(() => {
          const t = parseIdx(bytes, 'fuzz.idx');
          expect(t.data.length).to.equal(t.shape.reduce((a, b) => a * b, 1));
        }, () => Buffer.from(bytes.subarray(0, 64)).toString('hex'));
      }),
      fuzzParams(300),
    );
  });

  it('a gzip IDX body is sized against its header like a plain one', () => {
    expect(() => parseIdx(zlib.gzipSync(Buffer.from([0, 0, 8, 1, 0, 0, 0, 2, 1])), 'x')).to.throw(/needs 10 bytes, file has 9/);
    expect(() => parseIdx(zlib.gzipSync(Buffer.from([0, 0, 8, 2, 255, 255, 255, 255, 255, 255, 255, 255])), 'x')).to.throw(/needs \d+ bytes, file has 12/);
  });

  it('CSV text: a data set whose sizes agree, or a QtscError', () => {
    let parsed = 0;
    fc.assert(
      fc.property(csvText, fc.boolean(), (text, gzip) => {
        const raw = gzip ? new Uint8Array(zlib.gzipSync(text)) : new TextEncoder().encode(text);
        if (qtscOrOk(() => sane(parseCsv(raw, 'fuzz.csv'), 'fuzz.csv'), () => JSON.stringify(text.slice(0, 300)))) parsed++;
      }),
      fuzzParams(300),
    );
    expect(parsed).to.be.greaterThan(0);
  });

  it('data directories and files with random contents (loadDataset, as train, sim and --calib read them)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('idx-dir', 'csv-dir', 'idx-file', 'csv-file'),
        idxBytes,
        idxBytes,
        csvText,
        csvText,
        fc.constantFrom('train', 'test', 'all') as fc.Arbitrary<'train' | 'test' | 'all'>,
        async (kind, a, b, s, t, split) => {
          const d = fs.mkdtempSync(path.join(dir, 'd-'));
          try {
            let source = d;
            if (kind === 'idx-dir' || kind === 'idx-file') {
              fs.writeFileSync(path.join(d, 'train-images-idx3-ubyte'), a);
              fs.writeFileSync(path.join(d, 'train-labels-idx1-ubyte'), b);
              fs.writeFileSync(path.join(d, 't10k-images-idx3-ubyte'), a);
              fs.writeFileSync(path.join(d, 't10k-labels-idx1-ubyte'), b);
              if (kind === 'idx-file') source = path.join(d, 'train-images-idx3-ubyte');
            } else {
              fs.writeFileSync(path.join(d, 'x_train.csv'), s);
              fs.writeFileSync(path.join(d, 'x_test.csv'), t);
              if (kind === 'csv-file') source = path.join(d, 'x_train.csv');
            }
            await qtscOrOkAsync(async () => checkDataset(await loadDataset(source, split), source), () => `${kind} ${split}`);
          } finally {
            fs.rmSync(d, { recursive: true, force: true });
          }
        },
      ),
      fuzzParams(100),
    );
  });

  it('data files that are FIFOs or directories are refused, not read', async () => {
    const { execFileSync } = await import('node:child_process');
    const d = fs.mkdtempSync(path.join(dir, 'f-'));
    execFileSync('mkfifo', [path.join(d, 'train-images-idx3-ubyte')]);
    fs.mkdirSync(path.join(d, 'train-labels-idx1-ubyte'));
    const message = (p: Promise<unknown>) => p.then(() => '', (e: Error) => e.message);
    expect(await message(loadDataset(path.join(d, 'train-images-idx3-ubyte'), 'all'))).to.match(/train-images-idx3-ubyte: not a regular file \(a FIFO, socket or device\)/);
    execFileSync('mkfifo', [path.join(d, 'pipe.csv')]);
    expect(await message(loadDataset(path.join(d, 'pipe.csv'), 'all'))).to.match(/pipe\.csv: not a regular file/);
  });
});

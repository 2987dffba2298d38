import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { CsvImageParser, csvFieldCount, encodeCsv, isCsvPath, parseCsv, readCsv } from '../../src/data/csv.js';
import type { Dataset } from '../../src/data/dataset.js';
import { QtscError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/random.js';

function randomDataset(seed: number, n: number, rows: number, cols: number): Dataset {
  const rng = new Rng(seed);
  return {
    images: Uint8Array.from({ length: n * rows * cols }, () => rng.int(0, 255)),
    labels: Uint8Array.from({ length: n }, () => rng.int(0, 255)),
    n,
    rows,
    cols,
  };
}

function plain(d: Dataset): unknown {
  return { images: Array.from(d.images), labels: Array.from(d.labels), n: d.n, rows: d.rows, cols: d.cols };
}

/** The QtscError message of f, which must throw one. */
function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(QtscError);
    return (e as Error).message;
  }
  return expect.fail('no error');
}

async function asyncErrorOf(f: () => Promise<unknown>): Promise<string> {
  try {
    await f();
  } catch (e) {
    expect(e).to.be.instanceOf(QtscError);
    return (e as Error).message;
  }
  return expect.fail('no error');
}

const csv = (text: string, what = 'x.csv') => parseCsv(Buffer.from(text), what);

describe('CSV image files', () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-csv-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('round trip: a data set written as CSV reads back equal, with and without a header', async () => {
    const d = randomDataset(1, 37, 5, 5);
    for (const header of [false, true]) {
      const text = encodeCsv(d, { header });
      expect(text.split('\n')[0].startsWith('label,1x1,1x2')).to.equal(header);
      expect(plain(csv(text))).to.deep.equal(plain(d));
      const f = path.join(dir, `rt-${header}.csv`);
      fs.writeFileSync(f, text);
      expect(plain(await readCsv(f))).to.deep.equal(plain(d));
    }
  });

  it('reads gzip (by content) and parses the same across any chunking', async () => {
    const d = randomDataset(2, 20, 4, 4);
    const text = encodeCsv(d, { header: true });
    const gz = path.join(dir, 'd.csv.gz');
    fs.writeFileSync(gz, zlib.gzipSync(text));
    expect(plain(await readCsv(gz))).to.deep.equal(plain(d));
    const bytes = Buffer.from(text);
    for (const size of [1, 2, 7, 64, 1000]) {
      const p = new CsvImageParser('chunks');
      for (let i = 0; i < bytes.length; i += size) p.push(bytes.subarray(i, i + size));
      expect(plain(p.finish())).to.deep.equal(plain(d));
    }
  });

  it('takes the MNIST-in-CSV layout: header, \\r\\n, blank lines, quotes, spaces, no final line end', () => {
    const d = csv('"label","1x1","1x2","2x1","2x2"\r\n7, 0,255 ,"3",4\r\n\r\n2,1,2,3,4');
    expect(plain(d)).to.deep.equal({ images: [0, 255, 3, 4, 1, 2, 3, 4], labels: [7, 2], n: 2, rows: 2, cols: 2 });
  });

  it('a UTF-8 byte order mark does not turn the first image into a header', () => {
    const d = parseCsv(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('5,1,2,3,4\n6,5,6,7,8\n')]), 'bom.csv');
    expect(Array.from(d.labels)).to.deep.equal([5, 6]);
    const h = parseCsv(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('label,a,b,c,d\n6,5,6,7,8\n')]), 'bom.csv');
    expect(Array.from(h.labels)).to.deep.equal([6]);
  });

  it('decimal pixels are reals in [0, 1], scaled to 0..255', () => {
    const d = csv('1,0,1,0.5,1e-1\n2,1,0,0.0,1.0\n');
    expect(Array.from(d.images)).to.deep.equal([0, 255, 128, 26, 255, 0, 0, 255]);
    expect(errorOf(() => csv('1,0,2,0.5,1\n'))).to.equal("x.csv: line 1, field 4 (pixel 3): '0.5' is a decimal, but line 1, field 3 is an integer pixel above 1; write all pixels as integers 0..255 or all as reals in [0, 1]");
    expect(errorOf(() => csv('1,0,0.5,2,1\n'))).to.match(/^x\.csv: line 1, field 4 \(pixel 3\): pixel 2 is out of range \[0, 1\]/);
    expect(errorOf(() => csv('1,0,0.5,1.5,1\n'))).to.match(/^x\.csv: line 1, field 4 \(pixel 3\): pixel 1.5 is out of range \[0, 1\]/);
  });

  it('an image size can be given; otherwise the pixel count must be a square', () => {
    const line = '3,1,2,3,4,5,6\n';
    const d = parseCsv(Buffer.from(line), 'x.csv', { imageSize: { rows: 2, cols: 3 } });
    expect([d.rows, d.cols, d.n]).to.deep.equal([2, 3, 1]);
    expect(errorOf(() => csv(line))).to.equal('x.csv: line 1: 6 pixels per image is not a square, so the image size cannot be inferred; give it with --image-size ROWSxCOLS or ROWSxCOLSxCHANNELS (npm run train)');
    expect(errorOf(() => parseCsv(Buffer.from(line), 'x.csv', { imageSize: { rows: 2, cols: 2 } }))).to.equal('x.csv: line 1: 6 pixels per image, but the image size 2x2 needs 4');
  });

  describe('errors name the file, the line and the field', () => {
    const head = 'label,1x1,1x2,2x1,2x2\n';
    const cases: [string, string, string][] = [
      ['too few fields', head + '1,2,3,4,5\n1,2,3,4\n', 'x.csv: line 3: 4 fields, expected 5 (a label and 4 pixels, as on line 2)'],
      ['too many fields', '1,2,3,4,5\n\n1,2,3,4,5,6,7\n', 'x.csv: line 3: 7 fields, expected 5 (a label and 4 pixels, as on line 1)'],
      ['header and data disagree', head + '1,2,3,4,5,6,7,8,9,10\n', 'x.csv: line 2: 10 fields, but the header (line 1) has 5'],
      ['non-numeric pixel', head + '1,2,3,4,5\n1,2,x7,4,5\n', "x.csv: line 3, field 3 ('1x2', pixel 2): 'x7' is not a number"],
      ['empty pixel', '1,2,3,4,5\n1,2,,4,5\n', "x.csv: line 2, field 3 (pixel 2): '' is not a number"],
      ['pixel above 255', head + '1,2,3,256,5\n', "x.csv: line 2, field 4 ('2x1', pixel 3): pixel 256 is out of range 0..255"],
      ['negative pixel', '1,2,3,4,-5\n', 'x.csv: line 1, field 5 (pixel 4): pixel -5 is out of range 0..255'],
      ['label above 255', head + '1,2,3,4,5\n256,2,3,4,5\n', "x.csv: line 3, field 1 ('label', label): label 256 is out of range 0..255"],
      ['negative label', '-1,2,3,4,5\n', 'x.csv: line 1, field 1 (label): label -1 is out of range 0..255'],
      ['decimal label', '1.5,2,3,4,5\n', "x.csv: line 1, field 1 (label): '1.5' is not a whole number 0..255"],
      ['non-numeric label', head + '1,2,3,4,5\ncat,2,3,4,5\n', "x.csv: line 3, field 1 ('label', label): 'cat' is not a number"],
      ['empty file', '', 'x.csv: empty file (expected one image per line: label, then its pixels)'],
      ['blank lines only', '\n \r\n', 'x.csv: empty file (expected one image per line: label, then its pixels)'],
      ['header only', head, 'x.csv: a header line but no images (expected one image per line: label, then its pixels)'],
      ['labels only', '1\n2\n', 'x.csv: line 1: one field; expected a label and then the image\'s pixels'],
    ];
    for (const [name, text, message] of cases) it(name, () => expect(errorOf(() => csv(text))).to.equal(message));

    it('from a file, the message starts with its path', async () => {
      const f = path.join(dir, 'bad.csv');
      fs.writeFileSync(f, '1,2,3,4,5\n1,2,3,4,300\n');
      expect(await asyncErrorOf(() => readCsv(f))).to.equal(`${f}: line 2, field 5 (pixel 4): pixel 300 is out of range 0..255`);
      const g = path.join(dir, 'bad.csv.gz');
      fs.writeFileSync(g, zlib.gzipSync('1,2,3,4,5\n1,2,3,4,300\n').subarray(0, 20));
      expect(await asyncErrorOf(() => readCsv(g))).to.match(/bad\.csv\.gz: gzip data is corrupt/);
      expect(await asyncErrorOf(() => readCsv(path.join(dir, 'none.csv')))).to.match(/none\.csv: no such CSV file/);
    });
  });

  it('csvFieldCount reads only up to the first data line', async () => {
    const f = path.join(dir, 'count.csv');
    fs.writeFileSync(f, 'label,a,b,c,d\n\n1,2,3,4,5\n1,2,3\n');
    expect(await csvFieldCount(f)).to.deep.equal({ fields: 5, line: 3 });
  });

  it('isCsvPath', () => {
    expect(['a.csv', 'B.CSV', 'c.csv.gz'].map(isCsvPath)).to.deep.equal([true, true, true]);
    expect(['a.csvx', 'train-images-idx3-ubyte.gz', 'csv'].map(isCsvPath)).to.deep.equal([false, false, false]);
  });
});

import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { encodeIdx } from '../../src/data/idx.js';
import { labelsPathFor, loadDataset, numClasses, subset } from '../../src/data/dataset.js';

function writePair(dir: string, prefix: string, n: number, firstLabel: number, gz: boolean): void {
  const images = Uint8Array.from({ length: n * 4 * 3 }, (_, i) => (i * 13 + firstLabel) % 256);
  const labels = Uint8Array.from({ length: n }, (_, i) => (firstLabel + i) % 10);
  const enc = (b: Uint8Array): Uint8Array => (gz ? zlib.gzipSync(b) : b);
  const ext = gz ? '.gz' : '';
  fs.writeFileSync(path.join(dir, `${prefix}-images-idx3-ubyte${ext}`), enc(encodeIdx({ dtype: 'uint8', shape: [n, 4, 3], data: images })));
  fs.writeFileSync(path.join(dir, `${prefix}-labels-idx1-ubyte${ext}`), enc(encodeIdx({ dtype: 'uint8', shape: [n], data: labels })));
}

describe('loadDataset on IDX files', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-ds-'));
    writePair(dir, 'train', 10, 0, true);
    writePair(dir, 't10k', 5, 3, false);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads an MNIST-layout directory by split', async () => {
    const tr = await loadDataset(dir, 'train');
    expect([tr.n, tr.rows, tr.cols]).to.deep.equal([10, 4, 3]);
    expect(Array.from(tr.labels)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(tr.images.length).to.equal(120);
    expect(tr.images[5]).to.equal(65);
    const te = await loadDataset(dir, 'test');
    expect(te.n).to.equal(5);
    expect(Array.from(te.labels)).to.deep.equal([3, 4, 5, 6, 7]);
    const all = await loadDataset(dir, 'all');
    expect(all.n).to.equal(15);
    expect(Array.from(all.labels.subarray(10))).to.deep.equal([3, 4, 5, 6, 7]);
    expect(all.images[120 + 1]).to.equal(te.images[1]);
  });

  it('reads a single image file with its labels beside it, split 80/20', async () => {
    const f = path.join(dir, 'train-images-idx3-ubyte.gz');
    expect(labelsPathFor(f)).to.equal(path.join(dir, 'train-labels-idx1-ubyte.gz'));
    const all = await loadDataset(f, 'all');
    expect(all.n).to.equal(10);
    const tr = await loadDataset(f, 'train');
    const te = await loadDataset(f, 'test');
    expect(tr.n).to.equal(8);
    expect(Array.from(te.labels)).to.deep.equal([8, 9]);
    expect(Array.from(te.images.subarray(0, 12))).to.deep.equal(Array.from(all.images.subarray(8 * 12, 9 * 12)));
    const given = await loadDataset(path.join(dir, 't10k-images-idx3-ubyte'), 'all', { labels: path.join(dir, 't10k-labels-idx1-ubyte') });
    expect(given.n).to.equal(5);
  });

  it('refuses mismatched counts and unknown sources', async () => {
    const bad = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-ds-bad-'));
    writePair(bad, 'train', 4, 0, false);
    fs.writeFileSync(path.join(bad, 'train-labels-idx1-ubyte'), encodeIdx({ dtype: 'uint8', shape: [3], data: Uint8Array.from([1, 2, 3]) }));
    let msg = '';
    await loadDataset(path.join(bad, 'train-images-idx3-ubyte'), 'all').catch((e: Error) => (msg = e.message));
    expect(msg).to.match(/3 labels but .* has 4 images/);
    msg = '';
    await loadDataset(path.join(bad, 'nothing-here'), 'all').catch((e: Error) => (msg = e.message));
    expect(msg).to.match(/no such data set/);
    msg = '';
    await loadDataset(bad, 'test').catch((e: Error) => (msg = e.message));
    expect(msg).to.match(/t10k-images-idx3-ubyte/);
    fs.rmSync(bad, { recursive: true, force: true });
  });

  it('subset and numClasses', () => {
    const d = { images: Uint8Array.from([1, 2, 3, 4, 5, 6]), labels: Uint8Array.from([0, 4, 2]), n: 3, rows: 1, cols: 2 };
    const s = subset(d, [2, 0]);
    expect(Array.from(s.images)).to.deep.equal([5, 6, 1, 2]);
    expect(Array.from(s.labels)).to.deep.equal([2, 0]);
    expect(numClasses(d)).to.equal(5);
  });
});

describe('loadDataset on CSV files', () => {
  let dir: string;
  const rows = (first: number, n: number, px = 4): string =>
    Array.from({ length: n }, (_, i) => [(first + i) % 10, ...Array.from({ length: px }, (_, p) => (i * 7 + p) % 256)].join(',')).join('\n') + '\n';
  const errorOf = async (f: () => Promise<unknown>): Promise<string> => {
    try {
      await f();
    } catch (e) {
      return (e as Error).message;
    }
    return expect.fail('no error');
  };
  const mkdir = (name: string, files: Record<string, string | Buffer>): string => {
    const d = path.join(dir, name);
    fs.mkdirSync(d);
    for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(d, f), text);
    return d;
  };
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-ds-csv-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a directory with *train*.csv and *test*.csv[.gz] (MNIST-in-CSV names) is read by split', async () => {
    const d = mkdir('mnist', { 'mnist_train.csv': 'label,1x1,1x2,2x1,2x2\n' + rows(0, 10), 'MNIST_Test.csv.gz': zlib.gzipSync(rows(3, 5)), 'notes.txt': 'x' });
    const tr = await loadDataset(d, 'train');
    expect([tr.n, tr.rows, tr.cols]).to.deep.equal([10, 2, 2]);
    expect(Array.from(tr.labels)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const te = await loadDataset(d, 'test');
    expect(Array.from(te.labels)).to.deep.equal([3, 4, 5, 6, 7]);
    expect(Array.from(te.images.subarray(4, 8))).to.deep.equal([7, 8, 9, 10]);
    const all = await loadDataset(d, 'all');
    expect(all.n).to.equal(15);
  });

  it('a single CSV file is split 80/20 like a single IDX file', async () => {
    const f = path.join(dir, 'digits.csv');
    fs.writeFileSync(f, rows(0, 10));
    expect((await loadDataset(f, 'train')).n).to.equal(8);
    expect(Array.from((await loadDataset(f, 'test')).labels)).to.deep.equal([8, 9]);
    expect((await loadDataset(f, 'all')).n).to.equal(10);
    const s = path.join(dir, 'wide.csv');
    fs.writeFileSync(s, rows(0, 5, 6));
    const w = await loadDataset(s, 'all', { imageSize: { rows: 2, cols: 3 } });
    expect([w.rows, w.cols]).to.deep.equal([2, 3]);
  });

  it('IDX files take precedence in a directory holding both', async () => {
    const d = mkdir('both', { 'train.csv': rows(0, 3), 'test.csv': rows(0, 3) });
    writePair(d, 'train', 2, 0, false);
    writePair(d, 't10k', 2, 0, false);
    expect((await loadDataset(d, 'train')).rows).to.equal(4);
  });

  it('directory errors say what a CSV directory must hold', async () => {
    const rule = /a CSV directory holds one \*train\*\.csv\[\.gz\] and one \*test\*\.csv\[\.gz\] file; a single CSV file is split 80\/20 into train and test/;
    const onlyTrain = mkdir('only-train', { 'mnist_train.csv': rows(0, 4) });
    expect((await loadDataset(onlyTrain, 'train')).n).to.equal(4);
    let m = await errorOf(() => loadDataset(onlyTrain, 'test'));
    expect(m).to.contain(`${onlyTrain}: no CSV file with 'test' in its name`).and.to.match(rule);
    const two = mkdir('two', { 'a_train.csv': rows(0, 2), 'b_train.csv.gz': zlib.gzipSync(rows(0, 2)), 'test.csv': rows(0, 2) });
    m = await errorOf(() => loadDataset(two, 'train'));
    expect(m).to.contain(`${two}: 2 CSV files with 'train' in their names (a_train.csv, b_train.csv.gz); keep one`);
    const same = mkdir('same', { 'train_test.csv': rows(0, 2) });
    m = await errorOf(() => loadDataset(same, 'test'));
    expect(m).to.contain(`${path.join(same, 'train_test.csv')}: the name has both 'train' and 'test' in it`);
    const none = mkdir('none', { 'readme.txt': '' });
    m = await errorOf(() => loadDataset(none, 'train'));
    expect(m).to.contain(`${none}: neither MNIST-layout IDX files`).and.to.match(rule);
  });

  it('train and test files of different image sizes are refused, naming both files and lines', async () => {
    const d = mkdir('sizes', { 'train.csv': 'label,a,b,c,d\n' + rows(0, 3), 'test.csv': rows(0, 3, 9) });
    const m = await errorOf(() => loadDataset(d, 'test'));
    expect(m).to.equal(`${path.join(d, 'test.csv')}: line 1: 9 pixels per image, but ${path.join(d, 'train.csv')} line 2 has 4; the test and train images must be the same size`);
  });

  it('errors in a CSV file of a directory name the file, line and field', async () => {
    const d = mkdir('bad', { 'train.csv': rows(0, 3), 'test.csv': rows(0, 2) + '1,2,3,4,999\n' });
    const m = await errorOf(() => loadDataset(d, 'test'));
    expect(m).to.equal(`${path.join(d, 'test.csv')}: line 3, field 5 (pixel 4): pixel 999 is out of range 0..255`);
  });
});

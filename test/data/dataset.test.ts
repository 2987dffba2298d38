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

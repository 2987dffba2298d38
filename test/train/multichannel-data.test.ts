import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { initTf } from '../../src/util/tf-backend.js';
import { concat, loadDataset, subset, type Dataset } from '../../src/data/dataset.js';
import { encodeCsv } from '../../src/data/csv.js';
import { encodeIdx } from '../../src/data/idx.js';
import { imagesToTensor, inputShapeOf } from '../../src/train/trainer.js';

/** n images of rows x cols x channels whose value at (i, r, c, ch) is (i*7 + r*5 + c*3 + ch*11) mod 256. */
function synthetic(n: number, rows: number, cols: number, channels: number): Dataset {
  const images = new Uint8Array(n * rows * cols * channels);
  let k = 0;
  for (let i = 0; i < n; i++) for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) for (let ch = 0; ch < channels; ch++) images[k++] = (i * 7 + r * 5 + c * 3 + ch * 11) % 256;
  return { images, labels: Uint8Array.from({ length: n }, (_, i) => i % 4), n, rows, cols, channels };
}

describe('images with several channels in the data readers (training)', () => {
  let dir: string;
  before(async () => {
    await initTf({ backend: 'wasm' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-channels-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads a 4-D IDX image file [n, rows, cols, channels] (plain or gzip, idx4 name) with its labels, split 80/20', async () => {
    const d = synthetic(10, 4, 5, 3);
    const file = path.join(dir, 'rgb-images-idx4-ubyte.gz');
    fs.writeFileSync(file, zlib.gzipSync(encodeIdx({ dtype: 'uint8', shape: [10, 4, 5, 3], data: d.images })));
    // the labels file beside it: images -> labels, idx4 -> idx1
    fs.writeFileSync(path.join(dir, 'rgb-labels-idx1-ubyte.gz'), encodeIdx({ dtype: 'uint8', shape: [10], data: d.labels }));
    const train = await loadDataset(file, 'train', {});
    const test = await loadDataset(file, 'test', {});
    expect([train.n, train.rows, train.cols, train.channels]).to.deep.equal([8, 4, 5, 3]);
    expect(Array.from(train.images)).to.deep.equal(Array.from(d.images.subarray(0, 8 * 60)));
    expect(Array.from(test.images)).to.deep.equal(Array.from(d.images.subarray(8 * 60)));
    expect(Array.from(test.labels)).to.deep.equal([0, 1]);
  });

  it('refuses a channels-first IDX layout, naming the file', async () => {
    let msg = '';
    const cf = path.join(dir, 'cf-images-idx3-ubyte');
    fs.writeFileSync(cf, encodeIdx({ dtype: 'uint8', shape: [2, 3, 8, 8], data: new Uint8Array(2 * 3 * 64) }));
    fs.writeFileSync(path.join(dir, 'cf-labels-idx1-ubyte'), encodeIdx({ dtype: 'uint8', shape: [2], data: new Uint8Array(2) }));
    msg = '';
    await loadDataset(cf, 'all', {}).catch((e: Error) => (msg = e.message));
    expect(msg).to.contain('looks like [n, channels, rows, cols]; qtsc reads [n, rows, cols, channels]');
    // one channel stays as before: no channels field
    const grey = synthetic(3, 2, 2, 1);
    const gf = path.join(dir, 'grey-images-idx3-ubyte');
    fs.writeFileSync(gf, encodeIdx({ dtype: 'uint8', shape: [3, 2, 2], data: grey.images }));
    fs.writeFileSync(path.join(dir, 'grey-labels-idx1-ubyte'), encodeIdx({ dtype: 'uint8', shape: [3], data: grey.labels }));
    expect((await loadDataset(gf, 'all')).channels).to.equal(undefined);
  });

  it('reads an MNIST-layout directory of 4-D IDX files (train-images-idx4-ubyte, t10k-...)', async () => {
    const idxDir = path.join(dir, 'idx-dir');
    fs.mkdirSync(idxDir);
    const d = synthetic(6, 3, 3, 2);
    for (const prefix of ['train', 't10k']) {
      fs.writeFileSync(path.join(idxDir, `${prefix}-images-idx4-ubyte`), encodeIdx({ dtype: 'uint8', shape: [6, 3, 3, 2], data: d.images }));
      fs.writeFileSync(path.join(idxDir, `${prefix}-labels-idx1-ubyte`), encodeIdx({ dtype: 'uint8', shape: [6], data: d.labels }));
    }
    const all = await loadDataset(idxDir, 'all', {});
    expect([all.n, all.rows, all.cols, all.channels]).to.deep.equal([12, 3, 3, 2]);
  });

  it('reads CSV data with a declared shape ROWSxCOLSxCHANNELS (a pixel\'s channels together); a wrong shape is an error', async () => {
    const d = synthetic(5, 2, 3, 3);
    const file = path.join(dir, 'rgb.csv');
    fs.writeFileSync(file, encodeCsv(d, { header: true }));
    expect(fs.readFileSync(file, 'utf8').split('\n')[0].split(',').slice(0, 4)).to.deep.equal(['label', '1x1x1', '1x1x2', '1x1x3']);
    const all = await loadDataset(file, 'all', { imageSize: { rows: 2, cols: 3, channels: 3 } });
    expect([all.n, all.rows, all.cols, all.channels]).to.deep.equal([5, 2, 3, 3]);
    expect(Array.from(all.images)).to.deep.equal(Array.from(d.images));
    let msg = '';
    await loadDataset(file, 'all', { imageSize: { rows: 2, cols: 3, channels: 4 } }).catch((e: Error) => (msg = e.message));
    expect(msg).to.equal(`${file}: line 2: 18 pixels per image, but the image size 2x3x4 needs 24`);
  });

  it('subset and concat keep the channels; the model input is [rows, cols, channels] (flat: their product), channels innermost', () => {
    const d = synthetic(4, 2, 3, 3);
    const s = subset(d, [2, 0]);
    expect(s.channels).to.equal(3);
    expect(Array.from(s.images.subarray(0, 18))).to.deep.equal(Array.from(d.images.subarray(2 * 18, 3 * 18)));
    expect(concat(s, s).channels).to.equal(3);
    expect(() => concat(s, synthetic(1, 2, 3, 1))).to.throw('cannot join 2x3x3 and 2x3 images');
    expect(inputShapeOf(d, 'image')).to.deep.equal([2, 3, 3]);
    expect(inputShapeOf(d, 'flat')).to.deep.equal([18]);
    expect(inputShapeOf({ rows: 28, cols: 28 }, 'image')).to.deep.equal([28, 28, 1]);
    const t = imagesToTensor(d, 'image');
    expect(t.shape).to.deep.equal([4, 2, 3, 3]);
    const v = t.arraySync() as number[][][][];
    // image 1, row 1, column 2, channel 2
    expect(v[1][1][2][2]).to.be.closeTo(((7 + 5 + 6 + 22) % 256) / 255, 1e-7);
    t.dispose();
  });
});

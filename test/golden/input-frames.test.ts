import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { framesFromSource } from '../../src/golden/input-frames.js';
import { encodeCsv } from '../../src/data/csv.js';
import { encodeIdx } from '../../src/data/idx.js';

describe('input frames from a data source', () => {
  it('a CSV file (sim --data, gen-hw --calib): the test split is its last 20%, pixels re-coded for the input quantizer', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-frames-'));
    try {
      const file = path.join(dir, 'samples.csv');
      const lines = Array.from({ length: 10 }, (_, i) => `${i},${i * 20},255,0,${128 + i}`);
      fs.writeFileSync(file, 'label,1x1,1x2,2x1,2x2\n' + lines.join('\n') + '\n');
      const same = await framesFromSource(file, { count: 100, inputLength: 4, input: { bits: 8, scale: 1 / 255 } });
      expect(same.labels).to.deep.equal([8, 9]);
      expect(same.frames).to.deep.equal([[160, 255, 0, 136], [180, 255, 0, 137]]);
      const twoBit = await framesFromSource(file, { count: 1, inputLength: 4, input: { bits: 2, scale: 1 / 3 }, split: 'train' });
      expect(twoBit.frames).to.deep.equal([[0, 3, 0, 2]]);
      let msg = '';
      await framesFromSource(file, { count: 1, inputLength: 784, input: { bits: 8, scale: 1 / 255 } }).catch((e: Error) => (msg = e.message));
      expect(msg).to.equal(`${file}: images of 2x2 have 4 values but the model takes 784 inputs`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("RGB images (a 4-D IDX file, and a CSV file sized by the model's input shape): frames in NHWC order, checked against the model", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-frames-rgb-'));
    try {
      const n = 5;
      const images = Uint8Array.from({ length: n * 2 * 3 * 3 }, (_, i) => (i * 7) % 256);
      const labels = Uint8Array.from({ length: n }, (_, i) => i % 2);
      const idx = path.join(dir, 'rgb-images-idx4-ubyte');
      fs.writeFileSync(idx, encodeIdx({ dtype: 'uint8', shape: [n, 2, 3, 3], data: images }));
      fs.writeFileSync(path.join(dir, 'rgb-labels-idx1-ubyte'), encodeIdx({ dtype: 'uint8', shape: [n], data: labels }));
      const input = { bits: 8, scale: 1 / 255 };
      // 'all' is not a frame split: the test split of one file is its last 20%, image 4
      const f = await framesFromSource(idx, { count: 10, inputLength: 18, inputShape: [2, 3, 3], input });
      expect(f.frames).to.deep.equal([Array.from(images.subarray(4 * 18, 5 * 18))]);
      expect(f.labels).to.deep.equal([0]);
      // a flat model (an MLP) takes the 18 values in the same order
      const flat = await framesFromSource(idx, { count: 10, inputLength: 18, inputShape: [1, 1, 18], input });
      expect(flat.frames).to.deep.equal(f.frames);
      let msg = '';
      await framesFromSource(idx, { count: 1, inputLength: 18, inputShape: [3, 2, 3], input }).catch((e: Error) => (msg = e.message));
      expect(msg).to.equal(`${idx}: images of 2x3x3, but the model takes 3x2x3 maps`);
      // a CSV of 18 values per row is not square: its size comes from the model
      const csv = path.join(dir, 'rgb.csv');
      fs.writeFileSync(csv, encodeCsv({ images, labels, n, rows: 2, cols: 3, channels: 3 }));
      const c = await framesFromSource(csv, { count: 10, inputLength: 18, inputShape: [2, 3, 3], input });
      expect(c.frames).to.deep.equal(f.frames);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

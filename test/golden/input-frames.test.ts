import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { framesFromSource } from '../../src/golden/input-frames.js';

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
      expect(msg).to.equal(`${file}: images have 2x2 = 4 pixels but the model takes 784 inputs`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

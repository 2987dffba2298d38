import { expect } from 'chai';
import { quantizeKernel } from '../../src/quantize/kernel-quantizer.js';
import { layerStats } from '../../src/quantize/layer-stats.js';
import {
  codeBytes,
  codeEntropy,
  distinctCodes,
  gzipBytes,
  histogram,
  packedBytes,
  pairedHistograms,
  quartiles,
  sqnrDb,
} from '../../src/quantize/statistics.js';
import { Rng } from '../../src/util/random.js';

describe('PTQ bit-efficiency statistics', () => {
  it('quartiles interpolate between order statistics (numpy default); mean and std', () => {
    const q = quartiles([4, 1, 3, 2, 5]);
    expect(q).to.deep.equal({ min: 1, q1: 2, median: 3, q3: 4, max: 5, mean: 3, std: Math.sqrt(2) });
    const e = quartiles([1, 2, 3, 4]);
    expect([e.q1, e.median, e.q3]).to.deep.equal([1.75, 2.5, 3.25]);
  });

  it('histogram: equal bins, the top edge in the last bin, outliers in the end bins', () => {
    const h = histogram([0, 0.24, 0.25, 0.99, 1, -3, 7], 0, 1, 4);
    expect(h.edges).to.deep.equal([0, 0.25, 0.5, 0.75, 1]);
    expect(h.counts).to.deep.equal([3, 1, 0, 3]);
    const p = pairedHistograms([0.1, 0.2, 0.9], [0, 0, 1], 2);
    expect(p.edges).to.deep.equal([0, 0.5, 1]);
    expect(p.float).to.deep.equal([2, 1]);
    expect(p.quantized).to.deep.equal([2, 1]);
  });

  it('levels used, entropy, packed and gzip sizes', () => {
    expect(distinctCodes([3, 3, 1, 0, 1])).to.equal(3);
    expect(codeEntropy([1, 1, 1, 1])).to.equal(0);
    expect(codeEntropy([0, 1, 2, 3])).to.equal(2);
    expect(packedBytes(10, 3)).to.equal(4);
    expect(Array.from(codeBytes([1, 300], 9))).to.deep.equal([1, 0, 44, 1]);
    const rng = new Rng(3);
    const random = codeBytes(Array.from({ length: 4096 }, () => rng.int(0, 255)), 8);
    const constant = codeBytes(new Array(4096).fill(7), 8);
    expect(gzipBytes(constant)).to.be.lessThan(100);
    expect(gzipBytes(random)).to.be.greaterThan(4000);
  });

  it('SQNR in dB, Infinity when exact', () => {
    expect(sqnrDb([1, -1], [1, -1])).to.equal(Infinity);
    expect(sqnrDb([1, 1], [1.1, 0.9])).to.be.closeTo(20, 1e-9);
  });

  it('layer statistics: one entry per output channel, counts and fractions consistent with the codes', () => {
    const rng = new Rng(11);
    const [inF, units] = [40, 6];
    const kernel = Float32Array.from({ length: inF * units }, (_, f) => (rng.next() - 0.5) * (1 + (f % units)));
    const q = quantizeKernel(kernel, [inF, units], { scheme: 'asym', bits: 3, granularity: 'channel' });
    const s = layerStats(kernel, q, 3, 16);
    expect(s.perChannel).to.have.length(units);
    expect(s.weights).to.equal(inF * units);
    expect(s.levelsPerQuantizer).to.equal(8);
    for (const c of s.perChannel) {
      expect(c.histogram.float.reduce((a, b) => a + b, 0)).to.equal(inF);
      expect(c.histogram.quantized.reduce((a, b) => a + b, 0)).to.equal(inF);
      expect(c.levelsUsed).to.be.within(1, 8);
      expect(c.levelsUsedFraction).to.equal(c.levelsUsed / 8);
      // channel c's float values span (c+1) times channel 0's: its step is larger
      expect(c.params.scheme).to.equal('asym');
      expect(c.float.max).to.be.at.most(0.5 * (1 + c.channel) + 1e-6);
    }
    expect(s.levelsUsedFraction).to.be.closeTo(s.perChannel.reduce((a, c) => a + c.levelsUsedFraction, 0) / units, 1e-12);
    expect(s.histogram.float.reduce((a, b) => a + b, 0)).to.equal(inF * units);
    expect(s.sizes.packedBytes).to.equal(90);
    expect(s.sizes.float32Bytes).to.equal(960);
    expect(s.sqnrDb).to.be.greaterThan(10);
    // per tensor, the small channels use fewer of the shared levels
    const t = layerStats(kernel, quantizeKernel(kernel, [inF, units], { scheme: 'asym', bits: 3, granularity: 'tensor' }), 3, 16);
    expect(t.perChannel[0].levelsUsed).to.be.lessThan(t.perChannel[units - 1].levelsUsed);
    expect(t.levelsUsedFraction).to.be.lessThan(s.levelsUsedFraction);
  });
});

/**
 * The integer scheme of average pooling over the taps inside the image
 * (src/ir/avg-pool-scale.ts), property-tested on random geometries against
 * a brute-force count of the taps of every window; and the hardware IR's
 * check of a sum pool's border scale and of padded pools without one
 * (ONNX count_include_pad=1: padded taps are zeros, divisor kh*kw).
 */
import { expect } from 'chai';
import { avgPoolScale } from '../../src/ir/avg-pool-scale.js';
import { nodeOutputTensor } from '../../src/ir/check-graph.js';
import { runGolden } from '../../src/golden/execute.js';
import { samePadding } from '../../src/golden/sliding-window.js';
import { type HardwareIR, type SumPoolNode, type Window, clog2, windowOutput } from '../../src/ir/hardware-ir.js';
import { Rng } from '../../src/util/random.js';

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Taps of window (oy, ox) inside an ih x iw image, counted one by one. */
function tapsInside(w: Window, ih: number, iw: number, oy: number, ox: number): number {
  let n = 0;
  for (let ky = 0; ky < w.kernel[0]; ky++) {
    for (let kx = 0; kx < w.kernel[1]; kx++) {
      const y = oy * w.stride[0] + ky - w.pad[0];
      const x = ox * w.stride[1] + kx - w.pad[1];
      if (y >= 0 && y < ih && x >= 0 && x < iw) n++;
    }
  }
  return n;
}

function sumPoolIR(ih: number, iw: number, c: number, window: Window, borderScale: SumPoolNode['borderScale'], bits = 2): HardwareIR {
  const { oh, ow } = windowOutput(window, ih, iw);
  const growth = borderScale ? borderScale.divisor : window.kernel[0] * window.kernel[1];
  const out = { kind: 'uint' as const, bits: bits + clog2(growth) };
  const node: SumPoolNode = { op: 'sumpool', name: 'pool', layers: ['pool'], inputs: ['input'], outputs: ['pool'], window, simd: 1, elem: { kind: 'uint', bits }, out, ...(borderScale ? { borderScale } : {}) };
  return {
    format: 'qtsc-hardware-ir',
    version: 2,
    top: 'pool_top',
    input: { tensor: 'input', scale: 1 },
    output: 'pool',
    tensors: { input: { elem: { kind: 'uint', bits }, shape: [ih, iw, c] }, pool: { elem: out, shape: [oh, ow, c] } },
    nodes: [node],
  } as unknown as HardwareIR;
}

describe('average pooling over the taps inside the image: one divisor for every window', () => {
  it('rows[oy] * cols[ox] * taps inside = divisor = lcm of all tap counts (random geometries, same and asymmetric padding)', () => {
    const rng = new Rng(41);
    for (let t = 0; t < 300; t++) {
      const ih = rng.int(1, 13);
      const iw = rng.int(1, 13);
      const kernel: [number, number] = [rng.int(1, 5), rng.int(1, 5)];
      const stride: [number, number] = [rng.int(1, 3), rng.int(1, 3)];
      const same = rng.next() < 0.5;
      const [pt, pb] = same ? samePadding(ih, kernel[0], stride[0]) : [rng.int(0, kernel[0] - 1), rng.int(0, kernel[0] - 1)];
      const [pl, pr] = same ? samePadding(iw, kernel[1], stride[1]) : [rng.int(0, kernel[1] - 1), rng.int(0, kernel[1] - 1)];
      const w: Window = { kernel, stride, pad: [pt, pl, pb, pr] };
      const { oh, ow } = windowOutput(w, ih, iw);
      if (oh < 1 || ow < 1) continue;
      const s = avgPoolScale(w, ih, iw);
      expect(s.rows).to.have.length(oh);
      expect(s.cols).to.have.length(ow);
      let lcm = 1;
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          const n = tapsInside(w, ih, iw, oy, ox);
          expect(s.rows[oy] * s.cols[ox] * n, `${ih}x${iw} ${JSON.stringify(w)} at ${oy},${ox}`).to.equal(s.divisor);
          lcm = (lcm / gcd(lcm, n)) * n;
        }
      }
      expect(s.divisor).to.equal(lcm);
    }
  });

  it('3x3 stride 1 same on 5x5: factors 3 at the border, 2 inside, divisor 36', () => {
    expect(avgPoolScale({ kernel: [3, 3], stride: [1, 1], pad: [1, 1, 1, 1] }, 5, 5)).to.deep.equal({ rows: [3, 2, 2, 2, 3], cols: [3, 2, 2, 2, 3], divisor: 36 });
  });

  it('nodeOutputTensor: the border scale must be the one the geometry gives, and the output wide enough for it', () => {
    const w: Window = { kernel: [2, 2], stride: [1, 1], pad: [0, 0, 1, 1] };
    const good = avgPoolScale(w, 3, 4);
    const check = (ir: HardwareIR) => nodeOutputTensor(ir.nodes[0], ir.tensors.input);
    expect(check(sumPoolIR(3, 4, 2, w, good))).to.deep.equal({ elem: { kind: 'uint', bits: 2 + clog2(good.divisor) }, shape: [3, 4, 2] });
    expect(check(sumPoolIR(3, 4, 2, w, { ...good, rows: good.rows.map(() => 1) }))).to.match(/^borderScale must be \{"rows":\[1,1,2\],"cols":\[1,1,1,2\],"divisor":4\}/);
    const narrow = sumPoolIR(3, 4, 2, w, good);
    (narrow.nodes[0] as SumPoolNode).out = { kind: 'uint', bits: 3 };
    expect(check(narrow)).to.equal('out must be uint of elem bits + clog2(4)');
    // Padding without a scale: padded taps count as zeros (ONNX count_include_pad=1).
    expect(check(sumPoolIR(3, 4, 2, w, undefined))).to.deep.equal({ elem: { kind: 'uint', bits: 4 }, shape: [3, 4, 2] });
  });

  it('golden model: scaled sums of the taps inside; a padded pool without a scale counts padded taps as zeros', () => {
    const w: Window = { kernel: [3, 3], stride: [2, 2], pad: [1, 1, 1, 1] };
    const input = Array.from({ length: 5 * 4 }, (_, i) => i % 4);
    const s = avgPoolScale(w, 5, 4);
    const scaled = runGolden(sumPoolIR(5, 4, 1, w, s), input).logits;
    const plain = runGolden(sumPoolIR(5, 4, 1, w, undefined), input).logits;
    const { oh, ow } = windowOutput(w, 5, 4);
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const n = tapsInside(w, 5, 4, oy, ox);
        const k = oy * ow + ox;
        // The same sum, then (scaled) the mean times the one divisor.
        expect(scaled[k] / s.divisor).to.be.closeTo(plain[k] / n, 1e-12);
      }
    }
  });
});

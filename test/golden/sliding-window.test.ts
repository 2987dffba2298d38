/**
 * The sliding-window reference: hand-made cases, a direct formula for every
 * output code on random geometry, 'same' padding as tfjs computes it (conv2d
 * with a one-hot kernel extracts the windows; maxPool reduces them), and the
 * window reductions.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { type WindowGeometry, poolWindows, samePadding, slidingWindow, windowOutputSize } from '../../src/golden/sliding-window.js';
import { initTf } from '../../src/util/tf-backend.js';
import { Rng } from '../../src/util/random.js';
import { QtscError } from '../../src/util/errors.js';

const geo = (p: Partial<WindowGeometry> & Pick<WindowGeometry, 'ih' | 'iw' | 'c' | 'kh' | 'kw'>): WindowGeometry => ({
  sh: 1,
  sw: 1,
  padTop: 0,
  padLeft: 0,
  padBottom: 0,
  padRight: 0,
  ...p,
});

/** Output code i decomposed into (oy, ox, ky, kx, ch), read straight from the definition. */
function direct(input: ArrayLike<number>, g: WindowGeometry, pad: number, i: number): number {
  const { ow } = windowOutputSize(g);
  const ch = i % g.c;
  const kx = Math.floor(i / g.c) % g.kw;
  const ky = Math.floor(i / (g.c * g.kw)) % g.kh;
  const ox = Math.floor(i / (g.c * g.kw * g.kh)) % ow;
  const oy = Math.floor(i / (g.c * g.kw * g.kh * ow));
  const y = oy * g.sh + ky - g.padTop;
  const x = ox * g.sw + kx - g.padLeft;
  if (y < 0 || y >= g.ih || x < 0 || x >= g.iw) return pad;
  return input[(y * g.iw + x) * g.c + ch];
}

const geometryArb = fc
  .record({
    ih: fc.integer({ min: 1, max: 9 }),
    iw: fc.integer({ min: 1, max: 9 }),
    c: fc.integer({ min: 1, max: 4 }),
    kh: fc.integer({ min: 1, max: 7 }),
    kw: fc.integer({ min: 1, max: 7 }),
    sh: fc.integer({ min: 1, max: 3 }),
    sw: fc.integer({ min: 1, max: 3 }),
    padTop: fc.integer({ min: 0, max: 3 }),
    padLeft: fc.integer({ min: 0, max: 3 }),
    padBottom: fc.integer({ min: 0, max: 3 }),
    padRight: fc.integer({ min: 0, max: 3 }),
  })
  .filter((g) => g.ih + g.padTop + g.padBottom >= g.kh && g.iw + g.padLeft + g.padRight >= g.kw);

function randomCodes(rng: Rng, n: number, max: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.int(0, max);
  return a;
}

describe('golden/sliding-window', () => {
  it('output size, and a kernel that does not fit is refused', () => {
    expect(windowOutputSize(geo({ ih: 5, iw: 7, c: 1, kh: 3, kw: 3 }))).to.deep.equal({ oh: 3, ow: 5 });
    expect(windowOutputSize(geo({ ih: 5, iw: 6, c: 1, kh: 3, kw: 2, sh: 2, sw: 2 }))).to.deep.equal({ oh: 2, ow: 3 });
    expect(windowOutputSize(geo({ ih: 1, iw: 1, c: 1, kh: 7, kw: 3, padTop: 3, padBottom: 3, padLeft: 1, padRight: 1 }))).to.deep.equal({ oh: 1, ow: 1 });
    expect(() => windowOutputSize(geo({ ih: 2, iw: 5, c: 1, kh: 3, kw: 3 }))).to.throw(QtscError, /does not fit/);
    expect(() => windowOutputSize(geo({ ih: 2, iw: 5, c: 0, kh: 1, kw: 1 }))).to.throw(QtscError, /c must be/);
    expect(() => windowOutputSize(geo({ ih: 2, iw: 5, c: 1, kh: 1, kw: 1, padLeft: -1 }))).to.throw(QtscError, /padLeft/);
  });

  it("'same' padding: TF's split, the smaller half before", () => {
    expect(samePadding(5, 3, 1)).to.deep.equal([1, 1]);
    expect(samePadding(6, 4, 1)).to.deep.equal([1, 2]);
    expect(samePadding(6, 3, 2)).to.deep.equal([0, 1]);
    expect(samePadding(7, 3, 2)).to.deep.equal([1, 1]);
    expect(samePadding(4, 1, 2)).to.deep.equal([0, 0]);
    expect(samePadding(1, 7, 1)).to.deep.equal([3, 3]);
    expect(samePadding(8, 2, 2)).to.deep.equal([0, 0]);
  });

  it('hand-made cases', () => {
    // 3x3 input, one channel, 2x2 kernel: four windows.
    const x = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    expect(Array.from(slidingWindow(x, geo({ ih: 3, iw: 3, c: 1, kh: 2, kw: 2 }), 0))).to.deep.equal([
      1, 2, 4, 5, 2, 3, 5, 6, 4, 5, 7, 8, 5, 6, 8, 9,
    ]);
    // Same, padded 1 on top and left, stride 2: windows at (-1,-1), (-1,1), (1,-1), (1,1).
    expect(Array.from(slidingWindow(x, geo({ ih: 3, iw: 3, c: 1, kh: 2, kw: 2, sh: 2, sw: 2, padTop: 1, padLeft: 1 }), 9))).to.deep.equal([
      9, 9, 9, 1, 9, 9, 2, 3, 9, 4, 9, 7, 5, 6, 8, 9,
    ]);
    // 1x3 input, two channels, 1x2 kernel, padded right: channels stay together per tap.
    const y = [10, 11, 20, 21, 30, 31];
    expect(Array.from(slidingWindow(y, geo({ ih: 1, iw: 3, c: 2, kh: 1, kw: 2, padRight: 1 }), 0))).to.deep.equal([
      10, 11, 20, 21, 20, 21, 30, 31, 30, 31, 0, 0,
    ]);
    // 1x1 kernel, stride 2 on 3x4: rows 0 and 2, columns 0 and 2; column 3 and row 1 unused.
    const z = Array.from({ length: 12 }, (_, i) => i);
    expect(Array.from(slidingWindow(z, geo({ ih: 3, iw: 4, c: 1, kh: 1, kw: 1, sh: 2, sw: 2 }), 0))).to.deep.equal([0, 2, 8, 10]);
    expect(() => slidingWindow([1, 2], geo({ ih: 3, iw: 3, c: 1, kh: 1, kw: 1 }), 0)).to.throw(QtscError, /9 expected/);
    // Pooling: per window and channel.
    const w = slidingWindow(y, geo({ ih: 1, iw: 3, c: 2, kh: 1, kw: 2, padRight: 1 }), 0);
    expect(Array.from(poolWindows(w, 2, 2, 'max'))).to.deep.equal([20, 21, 30, 31, 30, 31]);
    expect(Array.from(poolWindows(w, 2, 2, 'sum'))).to.deep.equal([30, 32, 50, 52, 30, 31]);
    expect(() => poolWindows([1, 2, 3], 2, 2, 'max')).to.throw(QtscError, /whole windows/);
  });

  it('every output code equals the definition on random geometry', () => {
    fc.assert(
      fc.property(geometryArb, fc.integer({ min: 1, max: 1 << 20 }), (g, seed) => {
        const rng = new Rng(seed);
        const input = randomCodes(rng, g.ih * g.iw * g.c, 15);
        const pad = rng.int(0, 15);
        const { oh, ow } = windowOutputSize(g);
        const out = slidingWindow(input, g, pad);
        expect(out.length).to.equal(oh * ow * g.kh * g.kw * g.c);
        for (let i = 0; i < out.length; i++) expect(out[i], `code ${i}`).to.equal(direct(input, g, pad, i));
        const taps = g.kh * g.kw;
        for (const mode of ['max', 'sum'] as const) {
          const p = poolWindows(out, taps, g.c, mode);
          expect(p.length).to.equal(oh * ow * g.c);
          for (let w = 0; w < oh * ow; w++) {
            for (let ch = 0; ch < g.c; ch++) {
              const vals = Array.from({ length: taps }, (_, t) => out[(w * taps + t) * g.c + ch]);
              expect(p[w * g.c + ch]).to.equal(mode === 'max' ? Math.max(...vals) : vals.reduce((a, b) => a + b, 0));
            }
          }
        }
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  describe('agrees with tfjs (cpu backend)', () => {
    before(async () => {
      await initTf({ backend: 'cpu' });
    });

    /** tfjs' windows: conv2d with a one-hot kernel whose output channel (ky*kw + kx)*c + ch copies tap (ky, kx) of channel ch. */
    function tfWindows(input: Int32Array, g: WindowGeometry, pad: 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]]): Int32Array {
      const n = g.kh * g.kw * g.c;
      const k = new Float32Array(g.kh * g.kw * g.c * n);
      for (let ky = 0; ky < g.kh; ky++) {
        for (let kx = 0; kx < g.kw; kx++) {
          for (let ch = 0; ch < g.c; ch++) {
            const o = (ky * g.kw + kx) * g.c + ch;
            k[((ky * g.kw + kx) * g.c + ch) * n + o] = 1;
          }
        }
      }
      return tf.tidy(() => {
        const x = tf.tensor4d(Float32Array.from(input), [1, g.ih, g.iw, g.c]);
        const w = tf.tensor4d(k, [g.kh, g.kw, g.c, n]);
        return Int32Array.from(tf.conv2d(x, w, [g.sh, g.sw], pad).dataSync());
      });
    }

    it("conv2d 'same' / 'valid' / explicit padding gives exactly slidingWindow's codes (zero padding)", () => {
      fc.assert(
        fc.property(
          fc.record({
            ih: fc.integer({ min: 1, max: 9 }),
            iw: fc.integer({ min: 1, max: 9 }),
            c: fc.integer({ min: 1, max: 3 }),
            kh: fc.integer({ min: 1, max: 5 }),
            kw: fc.integer({ min: 1, max: 5 }),
            sh: fc.integer({ min: 1, max: 3 }),
            sw: fc.integer({ min: 1, max: 3 }),
            pads: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 4, maxLength: 4 }),
            mode: fc.constantFrom('same', 'valid', 'explicit'),
            seed: fc.integer({ min: 1, max: 1 << 20 }),
          }),
          (r) => {
            const [pt, pb] = r.mode === 'same' ? samePadding(r.ih, r.kh, r.sh) : r.mode === 'valid' ? [0, 0] : [r.pads[0], r.pads[1]];
            const [pl, pr] = r.mode === 'same' ? samePadding(r.iw, r.kw, r.sw) : r.mode === 'valid' ? [0, 0] : [r.pads[2], r.pads[3]];
            const g: WindowGeometry = { ih: r.ih, iw: r.iw, c: r.c, kh: r.kh, kw: r.kw, sh: r.sh, sw: r.sw, padTop: pt, padBottom: pb, padLeft: pl, padRight: pr };
            if (r.ih + pt + pb < r.kh || r.iw + pl + pr < r.kw) return;
            const input = randomCodes(new Rng(r.seed), r.ih * r.iw * r.c, 200);
            const tfPad = r.mode === 'explicit' ? ([[0, 0], [pt, pb], [pl, pr], [0, 0]] as [[0, 0], [number, number], [number, number], [0, 0]]) : r.mode;
            const ours = slidingWindow(input, g, 0);
            if (r.mode === 'same') expect(windowOutputSize(g)).to.deep.equal({ oh: Math.ceil(r.ih / r.sh), ow: Math.ceil(r.iw / r.sw) });
            expect(Array.from(ours), JSON.stringify(g)).to.deep.equal(Array.from(tfWindows(input, g, tfPad)));
          },
        ),
        { numRuns: 120, seed: 5 },
      );
    });

    it("maxPool 'same' equals poolWindows(max) of windows padded with code 0 (codes are >= 0)", () => {
      fc.assert(
        fc.property(
          fc.record({
            ih: fc.integer({ min: 1, max: 9 }),
            iw: fc.integer({ min: 1, max: 9 }),
            c: fc.integer({ min: 1, max: 3 }),
            kh: fc.integer({ min: 1, max: 4 }),
            kw: fc.integer({ min: 1, max: 4 }),
            sh: fc.integer({ min: 1, max: 2 }),
            sw: fc.integer({ min: 1, max: 2 }),
            seed: fc.integer({ min: 1, max: 1 << 20 }),
          }),
          (r) => {
            const [pt, pb] = samePadding(r.ih, r.kh, r.sh);
            const [pl, pr] = samePadding(r.iw, r.kw, r.sw);
            const g: WindowGeometry = { ...r, padTop: pt, padBottom: pb, padLeft: pl, padRight: pr };
            const input = randomCodes(new Rng(r.seed), r.ih * r.iw * r.c, 15);
            const ours = poolWindows(slidingWindow(input, g, 0), r.kh * r.kw, r.c, 'max');
            const theirs = tf.tidy(() =>
              Int32Array.from(tf.maxPool(tf.tensor4d(Float32Array.from(input), [1, r.ih, r.iw, r.c]), [r.kh, r.kw], [r.sh, r.sw], 'same').dataSync()),
            );
            expect(Array.from(ours), JSON.stringify(g)).to.deep.equal(Array.from(theirs));
          },
        ),
        { numRuns: 120, seed: 6 },
      );
    });
  });
});

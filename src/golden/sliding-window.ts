/**
 * Sliding windows over NHWC feature maps (reference semantics of the
 * sliding-window and pooling units).
 */
export interface WindowGeometry { ih: number; iw: number; c: number; kh: number; kw: number; sh: number; sw: number; padTop: number; padLeft: number; padBottom: number; padRight: number }

export function windowOutputSize(g: WindowGeometry): { oh: number; ow: number } {
  const oh = Math.floor((g.ih + g.padTop + g.padBottom - g.kh) / g.sh) + 1;
  const ow = Math.floor((g.iw + g.padLeft + g.padRight - g.kw) / g.sw) + 1;
  if (oh < 1 || ow < 1) throw new Error(`window ${g.kh}x${g.kw} does not fit ${g.ih}x${g.iw}`);
  return { oh, ow };
}

/** tfjs' 'same' padding of one axis: [before, after]. */
export function samePadding(inSize: number, k: number, stride: number): [number, number] {
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + k - inSize, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

export function slidingWindow(input: ArrayLike<number>, g: WindowGeometry, padCode: number): Int32Array {
  const { oh, ow } = windowOutputSize(g);
  const out = new Int32Array(oh * ow * g.kh * g.kw * g.c);
  let o = 0;
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      for (let ky = 0; ky < g.kh; ky++) {
        const y = oy * g.sh + ky - g.padTop;
        for (let kx = 0; kx < g.kw; kx++) {
          const x = ox * g.sw + kx - g.padLeft;
          const inside = y >= 0 && y < g.ih && x >= 0 && x < g.iw;
          const base = (y * g.iw + x) * g.c;
          for (let ch = 0; ch < g.c; ch++) out[o++] = inside ? input[base + ch] : padCode;
        }
      }
    }
  }
  return out;
}

export function poolWindows(windows: ArrayLike<number>, taps: number, c: number, mode: 'max' | 'sum'): Int32Array {
  const n = windows.length / (taps * c);
  const out = new Int32Array(n * c);
  for (let w = 0; w < n; w++) {
    for (let ch = 0; ch < c; ch++) {
      let acc = mode === 'max' ? -Infinity : 0;
      for (let t = 0; t < taps; t++) {
        const v = windows[(w * taps + t) * c + ch];
        acc = mode === 'max' ? Math.max(acc, v) : acc + v;
      }
      out[w * c + ch] = acc;
    }
  }
  return out;
}

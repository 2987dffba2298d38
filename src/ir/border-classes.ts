/**
 * Border classes of a padded window (see BorderClasses in hardware-ir.ts):
 * which kernel taps of each output pixel fall in the padding, grouped so that
 * pixels with the same padded taps share one class. Pure geometry, used by the
 * lowering (to move thresholds per class) and by the graph check (to confirm
 * a node's classes match the window before it).
 */
import type { Window } from './hardware-ir.js';
import { windowOutput } from './hardware-ir.js';

/** Classes along one axis: class per output index, and the padded kernel offsets of each class (class 0: none). */
export interface AxisClasses {
  cls: number[];
  padded: number[][];
}

/**
 * Output index o reads input o*stride + t - padBefore for kernel offset
 * t < k; offsets outside [0, n) are padded. Classes are numbered by first
 * appearance after class 0, the class of no padded offset (which exists
 * as a class even when no output index has it, so 0 always means interior).
 */
export function axisClasses(n: number, k: number, stride: number, padBefore: number, outputs: number): AxisClasses {
  const padded: number[][] = [[]];
  const index = new Map<string, number>([['', 0]]);
  const cls: number[] = [];
  for (let o = 0; o < outputs; o++) {
    const offs: number[] = [];
    for (let t = 0; t < k; t++) {
      const i = o * stride + t - padBefore;
      if (i < 0 || i >= n) offs.push(t);
    }
    const key = offs.join(',');
    let c = index.get(key);
    if (c === undefined) {
      c = padded.length;
      index.set(key, c);
      padded.push(offs);
    }
    cls.push(c);
  }
  return { cls, padded };
}

export interface BorderGeometry {
  rows: AxisClasses;
  cols: AxisClasses;
}

/** Row and column classes of a window over an ih x iw input. */
export function borderGeometry(window: Window, ih: number, iw: number): BorderGeometry {
  const { oh, ow } = windowOutput(window, ih, iw);
  const [kh, kw] = window.kernel;
  const [sh, sw] = window.stride;
  return {
    rows: axisClasses(ih, kh, sh, window.pad[0], oh),
    cols: axisClasses(iw, kw, sw, window.pad[1], ow),
  };
}

/** The kernel taps ky*kw + kx padded in class r*colClasses + c, ascending. */
export function paddedTaps(g: BorderGeometry, kernel: [number, number], cls: number): number[] {
  const [kh, kw] = kernel;
  const colClasses = g.cols.padded.length;
  const rowSet = new Set(g.rows.padded[Math.floor(cls / colClasses)]);
  const colSet = new Set(g.cols.padded[cls % colClasses]);
  const taps: number[] = [];
  for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) if (rowSet.has(ky) || colSet.has(kx)) taps.push(ky * kw + kx);
  return taps;
}

/**
 * Input frames (integer codes of the accelerator's input) from a sample
 * source: a data set (`mnist`, `fashion-mnist`, an IDX or CSV file or a
 * directory of them) or
 * `random` codes. Image pixels p in 0..255 stand for p/255 and are re-coded
 * for the model's input quantizer: code = clamp(round(p/255/scale), 0, 2^bits-1).
 */
import { loadDataset, type Split } from '../data/dataset.js';
import { QtscError } from '../util/errors.js';
import { Rng } from '../util/random.js';

export interface Frames {
  frames: number[][];
  /** Present when the source has labels. */
  labels?: number[];
  source: string;
}

export interface FrameOptions {
  count: number;
  inputLength: number;
  input: { bits: number; scale: number };
  seed?: number;
  split?: Split;
}

export async function framesFromSource(source: string, o: FrameOptions): Promise<Frames> {
  const max = 2 ** o.input.bits - 1;
  if (source === 'random') {
    const rng = new Rng(o.seed ?? 1);
    return { source, frames: Array.from({ length: o.count }, () => Array.from({ length: o.inputLength }, () => rng.int(0, max))) };
  }
  const d = await loadDataset(source, o.split ?? 'test');
  const px = d.rows * d.cols;
  if (px !== o.inputLength) {
    throw new QtscError(`${source}: images have ${d.rows}x${d.cols} = ${px} pixels but the model takes ${o.inputLength} inputs`);
  }
  const n = Math.min(o.count, d.n);
  const frames: number[][] = [];
  const labels: number[] = [];
  const identity = o.input.bits === 8 && Math.abs(o.input.scale * 255 - 1) < 1e-12;
  for (let i = 0; i < n; i++) {
    const img = d.images.subarray(i * px, (i + 1) * px);
    frames.push(identity ? Array.from(img) : Array.from(img, (p) => Math.min(max, Math.max(0, Math.round(p / 255 / o.input.scale)))));
    labels.push(d.labels[i]);
  }
  return { source, frames, labels };
}

/**
 * Input frames (integer codes of the accelerator's input) from a sample
 * source: a data set (`mnist`, `fashion-mnist`, an IDX or CSV file or a
 * directory of them) or
 * `random` codes. Image pixels p in 0..255 stand for p/255 and are re-coded
 * for the model's input quantizer: code = clamp(round(p/255/scale), 0, 2^bits-1).
 * Images of any number of channels (NHWC, a pixel's channels together) are
 * read; a CSV file's image size comes from the model's input shape.
 */
import { describeImageSize, loadDataset, valuesPerImage, type Split } from '../data/dataset.js';
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
  /** The model's input map [h, w, c] ([1, 1, n] for a vector): checked against the images, and the size of CSV rows. */
  inputShape?: [number, number, number];
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
  const shape = o.inputShape && o.inputShape[0] * o.inputShape[1] > 1 ? o.inputShape : undefined;
  const d = await loadDataset(source, o.split ?? 'test', { ...(shape ? { imageSize: { rows: shape[0], cols: shape[1], channels: shape[2] } } : {}) });
  const px = valuesPerImage(d);
  if (px !== o.inputLength) {
    throw new QtscError(`${source}: images of ${describeImageSize(d)} have ${px} values but the model takes ${o.inputLength} inputs`);
  }
  if (shape && (d.rows !== shape[0] || d.cols !== shape[1])) {
    throw new QtscError(`${source}: images of ${describeImageSize(d)}, but the model takes ${shape.join('x')} maps`);
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

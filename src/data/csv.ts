/**
 * CSV image files (the MNIST-in-CSV layout, e.g. mnist_train.csv), plain or
 * gzip-compressed.
 *
 * One image per line: the label (an integer 0..255) first, then the image's
 * rows*cols pixels in row-major order. Pixels are integers 0..255; a file
 * whose pixels are written as decimals (any pixel with a '.' or an exponent)
 * holds reals in [0, 1] instead, every one of which becomes round(255 * v).
 * An optional header line (`label,1x1,1x2,...`) is recognized by a field that
 * is not a number. Blank lines are skipped; fields may be quoted ("7") and
 * padded with spaces; lines may end in \r\n; a UTF-8 byte order mark is ignored.
 *
 * The image size is the square root of the pixel count unless given; a given
 * size may have channels (rows x cols x channels), each pixel's channel values
 * then following one another (row-major [rows, cols, channels], e.g. R,G,B).
 *
 * Parsing is streaming: the file is read (and gunzipped) in chunks and each
 * line is parsed straight from the bytes into a growing Uint8Array, so a
 * 60,000-image file costs a small multiple of its pixel count in memory
 * (the array doubles as it grows), never its text.
 */
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { QtscError } from '../util/errors.js';
import { checkRegularFile } from '../util/paths.js';
import type { Dataset } from './dataset.js';
import { MAX_IDX_BYTES, isGzip } from './idx.js';

export interface CsvOptions {
  /** Image size; default: the square root of the pixel count, which must then be a square, and one channel. */
  imageSize?: { rows: number; cols: number; channels?: number };
}

/** Whether a path names a CSV file (`.csv` or `.csv.gz`, any case). */
export function isCsvPath(file: string): boolean {
  return /\.csv(\.gz)?$/i.test(file);
}

const COMMA = 0x2c;
const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
const ZERO = 0x30;
const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09;
}

const latin1 = new TextDecoder('latin1');

/**
 * Incremental parser: feed it chunks of a file with `push`, then `finish`.
 * `what` names the source in errors.
 */
export class CsvImageParser {
  private readonly what: string;
  private readonly opts: CsvOptions;
  private line = 0;
  private pending: Uint8Array[] = [];
  private sawFirst = false;
  private header: string[] | undefined;
  private headerAt = 0;
  /** Fields per line (label + pixels) once the first data line is seen. */
  private fields = 0;
  private firstDataLine = 0;
  private px = 0;
  private images = new Uint8Array(0);
  private labels = new Uint8Array(0);
  private n = 0;
  /** Pixels are reals in [0, 1] (switched on by the first decimal pixel). */
  private reals = false;
  /** Where the first integer pixel above 1 was, which rules out reals. */
  private firstAboveOne: string | undefined;
  private realsFrom = '';

  /** Lines after the image that reaches this count are ignored. */
  private readonly maxImages: number;

  constructor(what: string, opts: CsvOptions = {}, maxImages = Infinity) {
    this.what = what;
    this.opts = opts;
    this.maxImages = maxImages;
  }

  push(chunk: Uint8Array): void {
    if (this.n >= this.maxImages) return;
    let start = 0;
    if (this.pending.length > 0) {
      const nl = chunk.indexOf(LF);
      if (nl < 0) {
        this.pending.push(new Uint8Array(chunk));
        return;
      }
      this.pending.push(chunk.subarray(0, nl));
      const joined = Buffer.concat(this.pending);
      this.pending = [];
      this.parseLine(joined, 0, joined.length);
      start = nl + 1;
    }
    for (;;) {
      if (this.n >= this.maxImages) return;
      const nl = chunk.indexOf(LF, start);
      if (nl < 0) break;
      this.parseLine(chunk, start, nl);
      start = nl + 1;
    }
    // Keep a copy of the unfinished line, not a view that pins the whole chunk
    // (Buffer's slice() is a view).
    if (start < chunk.length) this.pending.push(new Uint8Array(chunk.subarray(start)));
  }

  /** Fields per line and the first data line, once a data line has been parsed. */
  shape(): { fields: number; line: number } | undefined {
    return this.n > 0 ? { fields: this.fields, line: this.firstDataLine } : undefined;
  }

  /** Parses a last line that has no line end. */
  end(): void {
    if (this.pending.length > 0 && this.n < this.maxImages) {
      const joined = Buffer.concat(this.pending);
      this.pending = [];
      this.parseLine(joined, 0, joined.length);
    }
  }

  emptyError(): QtscError {
    return new QtscError(`${this.what}: ${this.header ? 'a header line but no images' : 'empty file'} (expected one image per line: label, then its pixels)`);
  }

  finish(): Dataset {
    this.end();
    if (this.n === 0) throw this.emptyError();
    const { rows, cols, channels } = this.size();
    return { images: this.images.slice(0, this.n * this.px), labels: this.labels.slice(0, this.n), n: this.n, rows, cols, ...(channels > 1 ? { channels } : {}) };
  }

  private size(): { rows: number; cols: number; channels: number } {
    if (this.opts.imageSize) return { channels: 1, ...this.opts.imageSize };
    const side = Math.round(Math.sqrt(this.px));
    return { rows: side, cols: side, channels: 1 };
  }

  private where(field: number): string {
    const name = this.header?.[field];
    const role = field === 0 ? 'label' : `pixel ${field}`;
    return `${this.what}: line ${this.line}, field ${field + 1} (${name !== undefined && name !== '' ? `'${name}', ` : ''}${role})`;
  }

  private parseLine(buf: Uint8Array, s: number, e: number): void {
    this.line++;
    if (e > s && buf[e - 1] === CR) e--;
    // A UTF-8 byte order mark (spreadsheet exports) would make a first data line look like a header.
    if (this.line === 1 && e - s >= 3 && buf[s] === 0xef && buf[s + 1] === 0xbb && buf[s + 2] === 0xbf) s += 3;
    let blank = true;
    for (let i = s; i < e; i++) {
      if (!isSpace(buf[i])) {
        blank = false;
        break;
      }
    }
    if (blank) return;
    if (!this.sawFirst) {
      this.sawFirst = true;
      const texts = splitText(buf, s, e);
      if (texts.some((t) => !INTEGER.test(t) && !DECIMAL.test(t))) {
        this.header = texts;
        this.headerAt = this.line;
        return;
      }
    }
    if (this.fields === 0) this.start(buf, s, e);
    this.dataLine(buf, s, e);
  }

  /** The first data line fixes the number of pixels per image. */
  private start(buf: Uint8Array, s: number, e: number): void {
    let count = 1;
    for (let i = s; i < e; i++) if (buf[i] === COMMA) count++;
    if (count < 2) throw new QtscError(`${this.what}: line ${this.line}: one field; expected a label and then the image's pixels`);
    if (this.header && this.header.length !== count) {
      throw new QtscError(`${this.what}: line ${this.line}: ${count} fields, but the header (line ${this.headerAt}) has ${this.header.length}`);
    }
    const px = count - 1;
    const size = this.opts.imageSize;
    if (size) {
      const c = size.channels ?? 1;
      const want = size.rows * size.cols * c;
      if (want !== px) {
        const name = c > 1 ? `${size.rows}x${size.cols}x${c}` : `${size.rows}x${size.cols}`;
        throw new QtscError(`${this.what}: line ${this.line}: ${px} pixels per image, but the image size ${name} needs ${want}`);
      }
    } else {
      const side = Math.round(Math.sqrt(px));
      if (side * side !== px) {
        throw new QtscError(`${this.what}: line ${this.line}: ${px} pixels per image is not a square, so the image size cannot be inferred; give it with --image-size ROWSxCOLS or ROWSxCOLSxCHANNELS (npm run train)`);
      }
    }
    this.fields = count;
    this.px = px;
    this.firstDataLine = this.line;
    this.images = new Uint8Array(px * 1024);
    this.labels = new Uint8Array(1024);
  }

  private grow(): void {
    const cap = this.labels.length * 2;
    const images = new Uint8Array(cap * this.px);
    images.set(this.images);
    this.images = images;
    const labels = new Uint8Array(cap);
    labels.set(this.labels);
    this.labels = labels;
  }

  private dataLine(buf: Uint8Array, s: number, e: number): void {
    if (this.n === this.labels.length) this.grow();
    const base = this.n * this.px;
    let field = 0;
    let i = s;
    for (;;) {
      let j = i;
      while (j < e && buf[j] !== COMMA) j++;
      if (field >= this.fields) {
        let count = field + 1;
        for (let k = j; k < e; k++) if (buf[k] === COMMA) count++;
        throw new QtscError(this.countError(count));
      }
      this.field(buf, i, j, field, base);
      field++;
      if (j >= e) break;
      i = j + 1;
    }
    if (field !== this.fields) throw new QtscError(this.countError(field));
    this.n++;
  }

  private countError(count: number): string {
    return `${this.what}: line ${this.line}: ${count} fields, expected ${this.fields} (a label and ${this.px} pixels, as on line ${this.firstDataLine})`;
  }

  private field(buf: Uint8Array, s: number, e: number, field: number, base: number): void {
    // Fast path: an unpadded run of at most three digits.
    let v = 0;
    let fast = e > s && e - s <= 3;
    for (let k = s; fast && k < e; k++) {
      const d = buf[k] - ZERO;
      if (d < 0 || d > 9) fast = false;
      else v = v * 10 + d;
    }
    if (!fast) {
      const text = fieldText(buf, s, e);
      if (INTEGER.test(text)) v = Number(text);
      else if (DECIMAL.test(text)) {
        if (field === 0) throw new QtscError(`${this.where(field)}: '${text}' is not a whole number 0..255`);
        this.real(Number(text), text, field, base);
        return;
      } else throw new QtscError(`${this.where(field)}: '${text}' is not a number`);
    }
    if (field === 0) {
      if (v < 0 || v > 255) throw new QtscError(`${this.where(field)}: label ${v} is out of range 0..255`);
      this.labels[this.n] = v;
      return;
    }
    if (this.reals) {
      if (v !== 0 && v !== 1) throw new QtscError(`${this.where(field)}: pixel ${v} is out of range [0, 1] (this file's pixels are reals in [0, 1]: ${this.realsFrom} is a decimal)`);
      this.images[base + field - 1] = v * 255;
      return;
    }
    if (v < 0 || v > 255) throw new QtscError(`${this.where(field)}: pixel ${v} is out of range 0..255`);
    if (v > 1 && this.firstAboveOne === undefined) this.firstAboveOne = `line ${this.line}, field ${field + 1}`;
    this.images[base + field - 1] = v;
  }

  private real(x: number, text: string, field: number, base: number): void {
    if (!this.reals) {
      if (this.firstAboveOne !== undefined) {
        throw new QtscError(`${this.where(field)}: '${text}' is a decimal, but ${this.firstAboveOne} is an integer pixel above 1; write all pixels as integers 0..255 or all as reals in [0, 1]`);
      }
      // Every pixel so far is 0 or 1: read them again as reals.
      this.reals = true;
      this.realsFrom = `line ${this.line}, field ${field + 1}`;
      const end = base + field - 1;
      for (let k = 0; k < end; k++) this.images[k] *= 255;
    }
    if (!(x >= 0 && x <= 1)) throw new QtscError(`${this.where(field)}: pixel ${text} is out of range [0, 1] (this file's pixels are reals in [0, 1])`);
    this.images[base + field - 1] = Math.round(x * 255);
  }
}

/** A field's text without padding and surrounding quotes. */
function fieldText(buf: Uint8Array, s: number, e: number): string {
  while (s < e && isSpace(buf[s])) s++;
  while (e > s && isSpace(buf[e - 1])) e--;
  if (e - s >= 2 && buf[s] === QUOTE && buf[e - 1] === QUOTE) {
    s++;
    e--;
    while (s < e && isSpace(buf[s])) s++;
    while (e > s && isSpace(buf[e - 1])) e--;
  }
  return latin1.decode(buf.subarray(s, e));
}

function splitText(buf: Uint8Array, s: number, e: number): string[] {
  const out: string[] = [];
  let i = s;
  for (;;) {
    let j = i;
    while (j < e && buf[j] !== COMMA) j++;
    out.push(fieldText(buf, i, j));
    if (j >= e) return out;
    i = j + 1;
  }
}

/** Parses a whole CSV file's bytes (gunzipping first when they are gzip). */
export function parseCsv(raw: Uint8Array, what = 'CSV data', opts: CsvOptions = {}): Dataset {
  let bytes: Uint8Array;
  try {
    bytes = isGzip(raw) ? zlib.gunzipSync(raw, { maxOutputLength: MAX_IDX_BYTES }) : raw;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new QtscError(`${what}: more than ${MAX_IDX_BYTES} bytes once gunzipped`);
    throw new QtscError(`${what}: gzip data is corrupt: ${(e as Error).message}`);
  }
  const p = new CsvImageParser(what, opts);
  p.push(bytes);
  return p.finish();
}

/**
 * Feeds `file`'s bytes (gunzipped when they are gzip) to `take` in chunks
 * until the file ends or `take` returns true.
 */
async function eachChunk(file: string, take: (chunk: Uint8Array) => boolean): Promise<void> {
  if (!fs.existsSync(file)) throw new QtscError(`${file}: no such CSV file`);
  // A FIFO or device would block or never end; a CSV file is read as it streams, so no size limit.
  checkRegularFile(file, file, Number.MAX_SAFE_INTEGER);
  const magic = new Uint8Array(2);
  const fd = fs.openSync(file, 'r');
  let got: number;
  try {
    got = fs.readSync(fd, magic, 0, 2, 0);
  } finally {
    fs.closeSync(fd);
  }
  const gz = isGzip(magic.subarray(0, got));
  const stream = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  const source = gz ? stream.pipe(zlib.createGunzip({ chunkSize: 1 << 20 })) : stream;
  // pipe() does not pass the file stream's errors on.
  if (gz) stream.on('error', (e) => source.destroy(e));
  try {
    for await (const chunk of source) if (take(chunk as Buffer)) break;
  } catch (e) {
    if (e instanceof QtscError) throw e;
    const err = e as NodeJS.ErrnoException;
    if (gz && typeof err.code === 'string' && err.code.startsWith('Z_')) throw new QtscError(`${file}: gzip data is corrupt: ${err.message}`);
    throw new QtscError(`${file}: cannot read: ${err.message}`);
  } finally {
    stream.destroy();
    source.destroy();
  }
}

/** Reads a CSV image file (plain or gzip, detected from its contents) in chunks. */
export async function readCsv(file: string, opts: CsvOptions = {}): Promise<Dataset> {
  const p = new CsvImageParser(file, opts);
  await eachChunk(file, (c) => (p.push(c), false));
  return p.finish();
}

/**
 * The number of fields per line (label + pixels) of a CSV image file and the
 * line that shows it (its first data line), reading only up to that line.
 */
export async function csvFieldCount(file: string, opts: CsvOptions = {}): Promise<{ fields: number; line: number }> {
  const p = new CsvImageParser(file, opts, 1);
  await eachChunk(file, (c) => (p.push(c), p.shape() !== undefined));
  p.end();
  const shape = p.shape();
  if (!shape) throw p.emptyError();
  return shape;
}

/**
 * Encodes a data set as CSV: an optional `label,1x1,1x2,...` header
 * (`label,1x1x1,1x1x2,...` with channels), then one image per line.
 */
export function encodeCsv(d: Dataset, o: { header?: boolean } = {}): string {
  const channels = d.channels ?? 1;
  const px = d.rows * d.cols * channels;
  const lines: string[] = [];
  if (o.header) {
    const names = ['label'];
    for (let r = 1; r <= d.rows; r++) for (let c = 1; c <= d.cols; c++) {
      if (channels === 1) names.push(`${r}x${c}`);
      else for (let ch = 1; ch <= channels; ch++) names.push(`${r}x${c}x${ch}`);
    }
    lines.push(names.join(','));
  }
  for (let i = 0; i < d.n; i++) lines.push(`${d.labels[i]},${Array.from(d.images.subarray(i * px, (i + 1) * px)).join(',')}`);
  return lines.join('\n') + '\n';
}

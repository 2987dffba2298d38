/**
 * IDX files (the MNIST file format), plain or gzip-compressed.
 *
 * Layout: two zero bytes, a type byte, a dimension count d, then d big-endian
 * uint32 sizes, then the values big-endian in row-major order.
 */
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { QtscError } from '../util/errors.js';
import { readRegularFile } from '../util/paths.js';

/** The largest IDX file qtsc reads, compressed or (after gunzip) not: 1 GiB (Fashion-MNIST's largest is 47 MB). */
export const MAX_IDX_BYTES = 2 ** 30;

export const IDX_TYPES = {
  0x08: 'uint8',
  0x09: 'int8',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
} as const;

export type IdxDtype = (typeof IDX_TYPES)[keyof typeof IDX_TYPES];
type IdxArray = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxTensor {
  dtype: IdxDtype;
  shape: number[];
  data: IdxArray;
}

const SIZES: Record<IdxDtype, number> = { uint8: 1, int8: 1, int16: 2, int32: 4, float32: 4, float64: 8 };

/** Whether the bytes start with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decodes an IDX file's bytes (gunzipping first when they are gzip). `what` names the source in errors. */
export function parseIdx(raw: Uint8Array, what = 'IDX data'): IdxTensor {
  let bytes: Uint8Array;
  try {
    bytes = isGzip(raw) ? zlib.gunzipSync(raw, { maxOutputLength: MAX_IDX_BYTES }) : raw;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new QtscError(`${what}: more than ${MAX_IDX_BYTES} bytes once gunzipped`);
    throw new QtscError(`${what}: gzip data is corrupt: ${(e as Error).message}`);
  }
  if (bytes.length < 4) throw new QtscError(`${what}: too short for an IDX header (${bytes.length} bytes)`);
  if (bytes[0] !== 0 || bytes[1] !== 0) throw new QtscError(`${what}: not an IDX file (magic must start with two zero bytes)`);
  const dtype = IDX_TYPES[bytes[2] as keyof typeof IDX_TYPES];
  if (dtype === undefined) throw new QtscError(`${what}: unknown IDX type byte 0x${bytes[2].toString(16)}`);
  const ndim = bytes[3];
  if (ndim === 0) throw new QtscError(`${what}: IDX file with zero dimensions`);
  const headerLen = 4 + 4 * ndim;
  if (bytes.length < headerLen) throw new QtscError(`${what}: header names ${ndim} dimensions but the file ends after ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < ndim; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const need = headerLen + count * SIZES[dtype];
  if (bytes.length < need) throw new QtscError(`${what}: shape [${shape.join(', ')}] needs ${need} bytes, file has ${bytes.length}`);
  if (bytes.length > need) throw new QtscError(`${what}: ${bytes.length - need} bytes after the data of shape [${shape.join(', ')}]`);
  let data: IdxArray;
  switch (dtype) {
    case 'uint8':
      data = new Uint8Array(bytes.subarray(headerLen, need));
      break;
    case 'int8':
      data = Int8Array.from(bytes.subarray(headerLen, need), (b) => (b << 24) >> 24);
      break;
    default: {
      const n = count;
      const out = dtype === 'int16' ? new Int16Array(n) : dtype === 'int32' ? new Int32Array(n) : dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
      for (let i = 0, o = headerLen; i < n; i++, o += SIZES[dtype]) {
        out[i] =
          dtype === 'int16' ? view.getInt16(o, false) : dtype === 'int32' ? view.getInt32(o, false) : dtype === 'float32' ? view.getFloat32(o, false) : view.getFloat64(o, false);
      }
      data = out;
    }
  }
  return { dtype, shape, data };
}

/** Reads an IDX file (plain or .gz, detected from its contents); a regular file of at most MAX_IDX_BYTES. */
export function readIdx(file: string): IdxTensor {
  if (!fs.existsSync(file)) throw new QtscError(`${file}: no such IDX file`);
  return parseIdx(readRegularFile(file, file, MAX_IDX_BYTES), file);
}

/** Encodes an IDX file (uncompressed). */
export function encodeIdx(t: IdxTensor): Uint8Array {
  const code = Number(Object.entries(IDX_TYPES).find(([, d]) => d === t.dtype)?.[0]);
  const count = t.shape.reduce((a, b) => a * b, 1);
  if (count !== t.data.length) throw new Error(`encodeIdx: shape [${t.shape.join(', ')}] holds ${count} values, data has ${t.data.length}`);
  const headerLen = 4 + 4 * t.shape.length;
  const out = new Uint8Array(headerLen + count * SIZES[t.dtype]);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = t.shape.length;
  t.shape.forEach((s, i) => view.setUint32(4 + 4 * i, s, false));
  for (let i = 0, o = headerLen; i < count; i++, o += SIZES[t.dtype]) {
    const v = Number(t.data[i]);
    switch (t.dtype) {
      case 'uint8': view.setUint8(o, v); break;
      case 'int8': view.setInt8(o, v); break;
      case 'int16': view.setInt16(o, v, false); break;
      case 'int32': view.setInt32(o, v, false); break;
      case 'float32': view.setFloat32(o, v, false); break;
      case 'float64': view.setFloat64(o, v, false); break;
    }
  }
  return out;
}

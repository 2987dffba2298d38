/**
 * The statistics ptq-stats.json records for one quantized kernel, for the
 * whole layer and for each output channel.
 */
import { channelValues, type QuantizedKernel } from './kernel-quantizer.js';
import type { QuantParams } from './schemes.js';
import {
  codeBytes,
  codeEntropy,
  distinctCodes,
  gzipBytes,
  packedBytes,
  pairedHistograms,
  quartiles,
  sqnrDb,
  type Quartiles,
} from './statistics.js';

export interface PairedHistogram {
  edges: number[];
  float: number[];
  quantized: number[];
}

export interface ChannelStats {
  channel: number;
  params: QuantParams;
  float: Quartiles;
  quantized: Quartiles;
  histogram: PairedHistogram;
  /** Levels of this channel's quantizer that some weight of the channel uses. */
  levelsUsed: number;
  levels: number;
  levelsUsedFraction: number;
  entropyBits: number;
  /** gzip size of the channel's codes (one byte each up to 8 bits). */
  codesGzipBytes: number;
  /** null when the channel is represented exactly. */
  sqnrDb: number | null;
}

export interface LayerStats {
  weights: number;
  channels: number;
  /** Levels per quantizer (2^bits, or 2^bits - 1 for sym). */
  levelsPerQuantizer: number;
  /** Distinct values the whole kernel may take (the union over channels). */
  gridSize: number;
  /** Distinct values the kernel does take. */
  distinctValues: number;
  /** Mean over channels of the fraction of their levels in use. */
  levelsUsedFraction: number;
  entropyBits: number;
  sqnrDb: number | null;
  mse: number;
  float: Quartiles;
  quantized: Quartiles;
  histogram: PairedHistogram;
  sizes: {
    /** The float kernel as float32. */
    float32Bytes: number;
    float32GzipBytes: number;
    /** The quantized kernel stored back as float32 (paper 002, Table 5), gzipped. */
    dequantizedFloat32GzipBytes: number;
    /** The codes bit-packed at `bits` bits each (per-channel scales not counted). */
    packedBytes: number;
    /** The codes, one byte each (two above 8 bits), gzipped. */
    codesGzipBytes: number;
    codesGzipBitsPerWeight: number;
  };
  perChannel: ChannelStats[];
}

export function layerStats(kernel: Float32Array, q: QuantizedKernel, bits: number, bins: number): LayerStats {
  const n = kernel.length;
  const perChannel: ChannelStats[] = [];
  let usedSum = 0;
  for (let c = 0; c < q.channels; c++) {
    const f = channelValues(kernel, q.channels, c);
    const v = channelValues(q.values, q.channels, c);
    const codes = new Uint16Array(f.length);
    for (let i = 0; i < f.length; i++) codes[i] = q.codes[i * q.channels + c];
    const quant = q.quantizers.length === 1 ? q.quantizers[0] : q.quantizers[c];
    const used = distinctCodes(codes);
    usedSum += used / quant.levels.length;
    const s = sqnrDb(f, v);
    perChannel.push({
      channel: c,
      params: quant.params,
      float: quartiles(f),
      quantized: quartiles(v),
      histogram: pairedHistograms(f, v, bins),
      levelsUsed: used,
      levels: quant.levels.length,
      levelsUsedFraction: used / quant.levels.length,
      entropyBits: codeEntropy(codes),
      codesGzipBytes: gzipBytes(codeBytes(codes, bits)),
      sqnrDb: Number.isFinite(s) ? s : null,
    });
  }
  let mse = 0;
  for (let i = 0; i < n; i++) mse += (kernel[i] - q.values[i]) ** 2;
  const s = sqnrDb(kernel, q.values);
  const codesGzip = gzipBytes(codeBytes(q.codes, bits));
  return {
    weights: n,
    channels: q.channels,
    levelsPerQuantizer: q.quantizers[0].levels.length,
    gridSize: q.grid.length,
    distinctValues: new Set(q.values).size,
    levelsUsedFraction: usedSum / q.channels,
    entropyBits: codeEntropy(q.codes),
    sqnrDb: Number.isFinite(s) ? s : null,
    mse: n ? mse / n : 0,
    float: quartiles(kernel),
    quantized: quartiles(q.values),
    histogram: pairedHistograms(kernel, q.values, bins),
    sizes: {
      float32Bytes: n * 4,
      float32GzipBytes: gzipBytes(new Uint8Array(kernel.buffer, kernel.byteOffset, kernel.byteLength)),
      dequantizedFloat32GzipBytes: gzipBytes(new Uint8Array(q.values.buffer, q.values.byteOffset, q.values.byteLength)),
      packedBytes: packedBytes(n, bits),
      codesGzipBytes: codesGzip,
      codesGzipBitsPerWeight: n ? (codesGzip * 8) / n : 0,
    },
    perChannel,
  };
}

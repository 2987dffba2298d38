/**
 * Quantizes one kernel (Dense [in, units] or Conv2D [kh, kw, in, filters],
 * row-major, output channel on the last axis) with one quantizer per output
 * channel or one for the whole tensor.
 */
import { fitQuantizer, type Quantizer, type Scheme } from './schemes.js';

export const GRANULARITIES = ['channel', 'tensor'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

export interface KernelQuantOptions {
  scheme: Scheme;
  bits: number;
  granularity: Granularity;
}

export interface QuantizedKernel {
  /** Output channels (the last axis). */
  channels: number;
  /** One quantizer per output channel ('channel') or a single one ('tensor'). */
  quantizers: Quantizer[];
  /** Per element, its index into its quantizer's levels. */
  codes: Uint16Array;
  /** Per element, the quantized value (float32). */
  values: Float32Array;
  /** Every value any element could take: the union of the quantizers' levels, ascending. */
  grid: number[];
}

/** The elements of channel c of a kernel with `channels` output channels. */
export function channelValues(kernel: Float32Array, channels: number, c: number): Float32Array {
  const n = kernel.length / channels;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = kernel[i * channels + c];
  return out;
}

export function quantizeKernel(kernel: Float32Array, shape: readonly number[], o: KernelQuantOptions): QuantizedKernel {
  const channels = shape[shape.length - 1];
  const count = shape.reduce((a, b) => a * b, 1);
  if (!(channels >= 1) || count !== kernel.length) throw new Error(`kernel of shape [${shape.join(', ')}] holds ${kernel.length} values`);
  const quantizers =
    o.granularity === 'tensor'
      ? [fitQuantizer(o.scheme, o.bits, kernel)]
      : Array.from({ length: channels }, (_, c) => fitQuantizer(o.scheme, o.bits, channelValues(kernel, channels, c)));
  const codes = new Uint16Array(kernel.length);
  const values = new Float32Array(kernel.length);
  for (let f = 0; f < kernel.length; f++) {
    const q = quantizers.length === 1 ? quantizers[0] : quantizers[f % channels];
    const k = q.code(kernel[f]);
    codes[f] = k;
    values[f] = q.levels[k];
  }
  const seen = new Set<number>();
  for (const q of quantizers) for (const v of q.levels) seen.add(v === 0 ? 0 : v);
  const grid = [...seen].sort((a, b) => a - b);
  return { channels, quantizers, codes, values, grid };
}

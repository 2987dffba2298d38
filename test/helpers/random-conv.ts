/**
 * Seeded random convolutional networks for property-based tests: random
 * input size and channels, kernels 1/3/5/7 (square and not), strides 1 and
 * 2, 'same' and 'valid' padding, max pools 2x2 / 3x3, activation bits 1, 2,
 * 4 and 8, and a value space per network, ending in Flatten and a logit
 * Dense layer. Geometry is tracked so every window fits; a convolution that
 * reads ±1 codes (sign activations) may be padded too (border classes).
 */
import { Rng } from '../../src/util/random.js';
import type { ConvLayerSpec, ConvModelSpec } from './make-conv-model.js';

export interface RandomConvOptions {
  /** Conv stages (each conv -> BN -> activation, maybe a pool). */
  convs?: number;
  valueSpace?: string;
  actBits?: number[];
  maxSide?: number;
}

function outSize(size: number, k: number, s: number, padding: 'same' | 'valid'): number {
  return padding === 'same' ? Math.ceil(size / s) : Math.floor((size - k) / s) + 1;
}

export function randomConvSpec(seed: number, o: RandomConvOptions = {}): ConvModelSpec {
  const rng = new Rng(seed);
  let h = rng.int(5, o.maxSide ?? 12);
  let w = rng.int(5, o.maxSide ?? 12);
  let c = rng.int(1, 3);
  const inputShape: [number, number, number] = [h, w, c];
  const layers: ConvLayerSpec[] = [];
  const convs = o.convs ?? rng.int(1, 2);
  for (let i = 0; i < convs; i++) {
    const k = (): number => rng.pick([1, 3, 3, 5, 7].filter((v) => v <= Math.min(h, w)));
    const kh = k();
    const kw = rng.next() < 0.3 ? k() : kh;
    const stride: [number, number] = [rng.pick([1, 2]), rng.pick([1, 2])];
    const padding = rng.pick(['same', 'valid'] as const);
    const filters = rng.int(1, 6);
    layers.push({ kind: 'conv', filters, kernel: [kh, kw], strides: stride, padding, bias: rng.next() < 0.3 });
    h = outSize(h, kh, stride[0], padding);
    w = outSize(w, kw, stride[1], padding);
    c = filters;
    const bits = rng.pick(o.actBits ?? [1, 2, 4, 8]);
    layers.push({ kind: 'bn' }, { kind: 'act', bits });
    if (rng.next() < 0.6 && Math.min(h, w) >= 3) {
      const p = rng.pick([2, 3]);
      const s = rng.pick([1, 2]);
      const padding = rng.pick(['same', 'valid'] as const);
      layers.push({ kind: 'maxpool', pool: [p, p], strides: [s, s], padding });
      h = outSize(h, p, s, padding);
      w = outSize(w, p, s, padding);
    }
  }
  layers.push({ kind: 'flatten' }, { kind: 'dense', units: rng.int(2, 6) });
  return { inputShape, layers, valueSpace: o.valueSpace ?? rng.pick(['binary', 'pow2-2', 'pow2-3']), seed };
}

/** One-line description of a spec for test names and messages. */
export function describeConvSpec(s: ConvModelSpec): string {
  const parts = s.layers.flatMap((l) => {
    switch (l.kind) {
      case 'conv':
        return [`conv${l.kernel.join('x')}/${(l.strides ?? [1, 1]).join('x')} ${l.padding} ${l.filters}`];
      case 'depthwise':
        return [`dw${l.kernel.join('x')}/${(l.strides ?? [1, 1]).join('x')} ${l.padding} x${l.multiplier}`];
      case 'act':
        return [`a${l.bits}`];
      case 'maxpool':
        return [`pool${l.pool[0]}/${(l.strides ?? l.pool)[0]} ${l.padding ?? 'valid'}`];
      case 'avgpool':
        return [`avgpool${l.pool[0]}/${(l.strides ?? l.pool)[0]} ${l.padding ?? 'valid'}`];
      case 'dense':
        return [`fc${l.units}`];
      default:
        return [];
    }
  });
  return `${s.inputShape.join('x')} ${s.valueSpace}: ${parts.join(', ')}`;
}

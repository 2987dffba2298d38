/**
 * The reference convolutional networks, as model specs with random
 * value-space weights and random BatchNorm (both signs): FINN's BNN-PYNQ CNV
 * (32x32x3, conv64-conv64-pool-conv128-conv128-pool-conv256-conv256-fc512-
 * fc512-fc10, 3x3 valid convolutions) and a MobileNet-style stack of
 * depthwise-separable blocks.
 */
import type { ConvLayerSpec, ConvModelSpec } from './make-conv-model.js';

/** CNV; W1A1 with an int8-weight first layer, or pow2-3 weights and 4-bit activations. */
export function cnvSpec(kind: 'w1a1' | 'pow2-3-a4', seed: number): ConvModelSpec {
  const bits = kind === 'w1a1' ? 1 : 4;
  const conv = (filters: number, first = false): ConvLayerSpec[] => [
    { kind: 'conv', filters, kernel: [3, 3], padding: 'valid', int8: first && kind === 'w1a1' },
    { kind: 'bn' },
    { kind: 'act', bits },
  ];
  const fc = (units: number): ConvLayerSpec[] => [{ kind: 'dense', units, bias: false }, { kind: 'bn' }, { kind: 'act', bits }];
  return {
    inputShape: [32, 32, 3],
    valueSpace: kind === 'w1a1' ? 'binary' : 'pow2-3',
    seed,
    probes: 8,
    layers: [
      ...conv(64, true),
      ...conv(64),
      { kind: 'maxpool', pool: [2, 2] },
      ...conv(128),
      ...conv(128),
      { kind: 'maxpool', pool: [2, 2] },
      ...conv(256),
      ...conv(256),
      { kind: 'flatten' },
      ...fc(512),
      ...fc(512),
      { kind: 'dense', units: 10 },
    ],
  };
}

/** MobileNet-style: a 3x3/2 stem, depthwise-separable blocks (stride 1 and 2), global average pool, logits. */
export function mobileNetSpec(seed: number, valueSpace = 'binary', bits = 4): ConvModelSpec {
  const act: ConvLayerSpec[] = [{ kind: 'bn' }, { kind: 'act', bits }];
  const block = (filters: number, stride: number, multiplier = 1): ConvLayerSpec[] => [
    { kind: 'depthwise', multiplier, kernel: [3, 3], strides: [stride, stride], padding: 'same' },
    ...act,
    { kind: 'conv', filters, kernel: [1, 1], padding: 'valid' },
    ...act,
  ];
  return {
    inputShape: [16, 16, 3],
    valueSpace,
    seed,
    probes: 16,
    layers: [
      { kind: 'conv', filters: 8, kernel: [3, 3], strides: [2, 2], padding: 'same' },
      ...act,
      ...block(16, 1),
      ...block(16, 2, 2),
      ...block(32, 1),
      { kind: 'gap' },
      { kind: 'dense', units: 10 },
    ],
  };
}

/**
 * The reference convolutional networks, as model specs with random
 * value-space weights and random BatchNorm (both signs): FINN's BNN-PYNQ CNV
 * (32x32x3, conv64-conv64-pool-conv128-conv128-pool-conv256-conv256-fc512-
 * fc512-fc10, 3x3 valid convolutions) and a MobileNet-style stack of
 * depthwise-separable blocks.
 */
import * as tf from '@tensorflow/tfjs';
import type { ConvLayerSpec, ConvModelSpec } from './make-conv-model.js';
import { QtscConv2D, QtscDense, QtscQuantAct, registerQtscLayers, resolveValueSpace } from '../../src/layers/index.js';
import { fileSaveHandler } from '../../src/importers/tfjs-artifacts.js';
import { Rng } from '../../src/util/random.js';

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

/**
 * A ResNet-20-style network (functional tfjs model): a 3x3 stem, three
 * stages of basic blocks (16, 32, 64 channels; the first block of stages 2
 * and 3 strides by 2 with a 1x1 projection on the skip path), each block
 * conv-BN-act-conv-BN-act then Add with the skip and an activation,
 * global average pool, logits. Both inputs of every Add are quantized with
 * the same clip, as the requantizing add unit adds them exactly then. With
 * random value-space weights and BatchNorm statistics measured on random
 * inputs (then perturbed, scales of both signs).
 */
export async function makeResNetModel(o: { seed: number; valueSpace?: string; bits?: number; blocksPerStage?: number; side?: number; floatRelu?: boolean; dir: string }): Promise<{ dir: string; model: tf.LayersModel; inputShape: [number, number, number] }> {
  registerQtscLayers();
  const rng = new Rng(o.seed);
  const vs = o.valueSpace ?? 'pow2-2';
  const bits = o.bits ?? 4;
  const side = o.side ?? 16;
  const inputShape: [number, number, number] = [side, side, 3];
  let k = 0;
  const name = (s: string) => `${s}${k++}`;
  const conv = (x: tf.SymbolicTensor, filters: number, kernel: number, stride: number) =>
    new QtscConv2D({ name: name('conv'), filters, kernelSize: kernel, strides: stride, padding: kernel === 1 ? 'valid' : 'same', useBias: false, valueSpace: vs }).apply(x) as tf.SymbolicTensor;
  const bn = (x: tf.SymbolicTensor) => tf.layers.batchNormalization({ name: name('bn') }).apply(x) as tf.SymbolicTensor;
  // floatRelu: plain ReLUs, for gen-hw --act-bits --calib to quantize
  const act = (x: tf.SymbolicTensor, clip = 2) =>
    (o.floatRelu ? tf.layers.reLU({ name: name('act') }) : new QtscQuantAct({ name: name('act'), bits, clip })).apply(x) as tf.SymbolicTensor;
  const input = tf.input({ shape: inputShape, name: 'image' });
  let x = act(bn(conv(input, 16, 3, 1)));
  for (const [s, filters] of [16, 32, 64].entries()) {
    for (let b = 0; b < (o.blocksPerStage ?? 1); b++) {
      const stride = s > 0 && b === 0 ? 2 : 1;
      const y = act(bn(conv(act(bn(conv(x, filters, 3, stride))), filters, 3, 1)));
      const skip = stride === 1 ? x : act(bn(conv(x, filters, 1, stride)));
      x = act(tf.layers.add({ name: name('add') }).apply([y, skip]) as tf.SymbolicTensor);
    }
  }
  x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
  const logits = new QtscDense({ name: 'logits', units: 10, valueSpace: vs }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: logits });
  const probe = tf.tidy(() => tf.floor(tf.randomUniform([16, ...inputShape], 0, 256, 'float32', o.seed)).div(255));
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls === 'QtscConv2D' || cls === 'QtscDense') {
      const space = resolveValueSpace(vs);
      const [kernel, ...rest] = layer.getWeights();
      layer.setWeights([tf.tensor(Float32Array.from({ length: kernel.size }, () => rng.pick(space)), kernel.shape), ...rest.map((b) => tf.tensor(Float32Array.from({ length: b.size }, () => (rng.next() - 0.5) * 4), b.shape))]);
    } else if (cls === 'BatchNormalization') {
      const inbound = (layer.input as tf.SymbolicTensor);
      const before = tf.model({ inputs: model.inputs, outputs: inbound });
      const t = before.predict(probe) as tf.Tensor;
      const { mean, variance } = tf.moments(t, [0, 1, 2]);
      const m = mean.dataSync();
      const v = variance.dataSync();
      const r = (lo: number, hi: number) => lo + (hi - lo) * rng.next();
      layer.setWeights([
        tf.tensor(Float32Array.from(m, () => (rng.next() < 0.25 ? -1 : 1) * r(0.5, 1.5))),
        tf.tensor(Float32Array.from(m, () => r(0, 1.5))),
        tf.tensor(Float32Array.from(m, (mi, c) => mi + r(-0.3, 0.3) * Math.sqrt(v[c] + 1e-3))),
        tf.tensor(Float32Array.from(v, (vi) => (vi + 1e-3) * r(0.5, 1.5))),
      ]);
      tf.dispose([t, mean, variance]);
    }
  }
  probe.dispose();
  await model.save(fileSaveHandler(o.dir));
  return { dir: o.dir, model, inputShape };
}
